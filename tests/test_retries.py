"""Retries: the policy's rules as a table (a pure function), then behaviour through both
clients against our scripted server, with the sleeps replaced so the tests run instantly."""

from __future__ import annotations

import email.utils
import socket
import threading
import time
import typing

import pytest

import restwell
from both import Make
from restwell import Retry
from restwell._models._retry import parse_retry_after, to_retry
from servers import ScriptedServer, read_request

Start = typing.Callable[..., ScriptedServer]
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def unavailable(retry_after: str | None = None) -> bytes:
    extra = f"Retry-After: {retry_after}\r\n" if retry_after is not None else ""
    return f"HTTP/1.1 503 Busy\r\n{extra}Content-Length: 4\r\n\r\nbusy".encode()


class Script:
    """Replies in order, one per request whatever the connection: bytes, or "close" (read
    the request, then close without a word). Records every request."""

    def __init__(self, *replies: bytes | str) -> None:
        self.replies = list(replies)
        self.seen: list[bytes] = []
        self.lock = threading.Lock()

    def __call__(self, conn: socket.socket, index: int) -> None:
        while True:
            raw = read_request(conn)
            if not raw:
                return
            with self.lock:
                self.seen.append(raw)
                reply = self.replies.pop(0) if self.replies else OK
            if reply == "close":
                return
            conn.sendall(reply)  # type: ignore[arg-type]


class Sleeps:
    def __init__(self) -> None:
        self.calls: list[float] = []

    def sleep(self, seconds: float) -> None:
        self.calls.append(seconds)

    async def async_sleep(self, seconds: float) -> None:
        self.calls.append(seconds)

    def policy(self, **kwargs: typing.Any) -> Retry:
        return Retry(sleep=self.sleep, async_sleep=self.async_sleep, **kwargs)


# -- the rules (pure) --------------------------------------------------------------------------

def decide(**kwargs: typing.Any) -> float | None:
    policy = kwargs.pop("policy", Retry(backoff_factor=1.0))
    base = {"attempt": 0, "method": "GET", "has_key": False, "rewindable": True, "rand": 1.0,
            "now": 1_000_000.0}
    return policy.decide(**{**base, **kwargs})


def err(cls: type[restwell.RequestError]) -> restwell.RequestError:
    return cls("x")


@pytest.mark.parametrize(("kwargs", "expected"), [
    ({"error": err(restwell.ConnectError), "method": "POST"}, 1.0),  # nothing was sent
    ({"error": err(restwell.ConnectTimeout), "method": "PATCH"}, 1.0),
    ({"error": err(restwell.CertificateVerifyError)}, None),  # a retry cannot fix it
    ({"error": err(restwell.TLSError)}, None),
    ({"error": err(restwell.ReadTimeout)}, 1.0),
    ({"error": err(restwell.ReadTimeout), "method": "POST"}, None),  # it may have been done
    ({"error": err(restwell.RemoteProtocolError), "method": "DELETE"}, 1.0),
    ({"error": err(restwell.WriteError), "method": "PUT"}, 1.0),
    ({"error": err(restwell.PoolTimeout)}, None),
    ({"error": err(restwell.ProxyError)}, None),
    ({"error": err(restwell.DecodingError)}, None),
    ({"status": 503}, 1.0), ({"status": 429}, 1.0), ({"status": 408}, 1.0),
    ({"status": 404}, None), ({"status": 501}, None),
    ({"status": 503, "method": "POST"}, None),
    ({"status": 503, "method": "POST", "has_key": True}, None),  # key given, policy off
    ({"status": 503, "method": "POST", "has_key": True,
      "policy": Retry(backoff_factor=1.0, idempotency_key=True)}, 1.0),
    ({"status": 503, "rewindable": False}, None),  # a spent one-shot stream
    ({"status": 503, "attempt": 3}, None),  # total=3 retries made
    ({"status": 503, "attempt": 2}, 4.0),  # 1 * 2**2
    ({"status": 503, "attempt": 2, "rand": 0.25}, 1.0),  # full jitter
    ({"status": 503, "attempt": 9, "policy": Retry(total=20, backoff_factor=1.0)}, 30.0),
    ({"status": 503, "retry_after": "7"}, 7.0),
    ({"status": 503, "retry_after": "0"}, 1.0),  # the backoff when it is longer
    ({"status": 503, "retry_after": "soon"}, 1.0),  # garbage: ignored
    ({"status": 503, "retry_after": "-5"}, 1.0),
    ({"status": 503, "retry_after": "99999"}, None),  # over retry_after_max: give up
    ({"status": 503, "retry_after": email.utils.formatdate(1_000_060.0, usegmt=True)}, 60.0),
    ({"status": 503, "retry_after": email.utils.formatdate(999_000.0, usegmt=True)}, 1.0),
    ({"status": 503, "retry_after": "7", "policy": Retry(respect_retry_after=False)}, 0.5),
])
def test_decision_table(kwargs: dict[str, typing.Any], expected: float | None) -> None:
    assert decide(**kwargs) == expected


def test_policy_is_frozen_and_validated() -> None:
    policy = Retry()
    with pytest.raises(AttributeError):
        policy.total = 5  # type: ignore[misc]
    with pytest.raises(ValueError):
        Retry(total=-1)
    assert to_retry(0) is None and to_retry(None) is None and to_retry(2) == Retry(total=2)
    with pytest.raises(TypeError):
        to_retry(True)  # type: ignore[arg-type]
    assert parse_retry_after("Wed, 21 Oct 2015 07:28:00", 0) is None  # no zone: garbage
    assert parse_retry_after("\u0663", 0) is None  # only ASCII digits


# -- behaviour through both clients ------------------------------------------------------------

def test_status_retried_with_retry_after(scripted: Start, make_client: Make) -> None:
    script = Script(unavailable("2"), unavailable(), OK)
    server = scripted(script)
    sleeps = Sleeps()
    with make_client(retries=sleeps.policy(backoff_factor=0.1)) as c:
        r = c.get(server.url + "/x")
        assert r.status_code == 200 and r.text == "ok"
        assert [status for status, _ in r.retries] == [503, 503]
        assert sleeps.calls[0] == 2.0 and sleeps.calls[1] <= 0.2
        assert c._transport.pool.stats()["in_use"] == 0
    assert len(script.seen) == 3


def test_gives_up_and_returns_the_last_response(scripted: Start, make_client: Make) -> None:
    script = Script(*[unavailable()] * 5)
    server = scripted(script)
    sleeps = Sleeps()
    with make_client(retries=sleeps.policy(total=2)) as c:
        r = c.get(server.url)
        assert r.status_code == 503 and r.text == "busy" and len(r.retries) == 2
    assert len(script.seen) == 3 and len(sleeps.calls) == 2


def test_read_error_retried_for_get_not_for_post(scripted: Start, make_client: Make) -> None:
    script = Script("close", "close")
    server = scripted(script)
    sleeps = Sleeps()
    with make_client(retries=sleeps.policy()) as c:
        r = c.get(server.url)
        assert r.status_code == 200 and r.retries[0][0] == "RemoteProtocolError"
        script.replies = ["close"]
        with pytest.raises(restwell.RemoteProtocolError) as info:
            c.post(server.url, content=b"once")
        assert info.value.retries == []
        assert c._transport.pool.stats()["in_use"] == 0
    assert sum(raw.startswith(b"POST") for raw in script.seen) == 1  # never sent twice


def test_idempotency_key_makes_post_retryable(scripted: Start, make_client: Make) -> None:
    script = Script(unavailable(), "close", OK)
    server = scripted(script)
    sleeps = Sleeps()
    with make_client(retries=sleeps.policy(idempotency_key=True)) as c:
        r = c.post(server.url, json={"charge": 10})
        # the close on a reused connection may be resent by the transport itself (it is
        # keyed, so safe), or by the policy: either way three attempts, one key
        assert r.status_code == 200 and r.retries[0][0] == 503
        c.post(server.url, json={"charge": 11})
    keys = [line for raw in script.seen for line in raw.split(b"\r\n")
            if line.lower().startswith(b"idempotency-key:")]
    assert len(keys) == 4 and keys[0] == keys[1] == keys[2] != keys[3]  # one per logical call
    assert all(raw.endswith(b'{"charge":10}') for raw in script.seen[:3])


def test_bodies_rewound_and_one_shot_streams_never_retried(
    scripted: Start, make_client: Make, tmp_path: typing.Any
) -> None:
    path = tmp_path / "body.bin"
    path.write_bytes(b"file body " * 1000)
    script = Script(unavailable(), OK, unavailable())
    server = scripted(script)
    sleeps = Sleeps()
    with make_client(retries=sleeps.policy()) as c, open(path, "rb") as f:
        assert c.put(server.url, content=f).status_code == 200
        assert [raw.endswith(b"file body " * 1000) for raw in script.seen] == [True, True]
        r = c.put(server.url, content=iter([b"one", b"shot"]))
        assert r.status_code == 503 and r.retries == []


def test_connect_errors_retried_for_any_method(make_client: Make) -> None:
    """Nothing listens on the port at first; the 'sleep' starts listening there."""
    sock = socket.socket()
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    served: list[bytes] = []

    def serve() -> None:
        conn, _ = sock.accept()
        with conn:
            served.append(read_request(conn))
            conn.sendall(OK)

    def sleep(seconds: float) -> None:
        if not served and threading.active_count() < 100:
            sock.listen()
            threading.Thread(target=serve, daemon=True).start()

    async def async_sleep(seconds: float) -> None:
        sleep(seconds)

    try:
        policy = Retry(sleep=sleep, async_sleep=async_sleep)
        with make_client(retries=policy) as c:
            r = c.post(f"http://127.0.0.1:{port}/", content=b"x")
            assert r.status_code == 200 and r.retries[0][0] == "ConnectError"
    finally:
        sock.close()


def test_connect_error_after_all_retries_lists_them(make_client: Make) -> None:
    with socket.create_server(("127.0.0.1", 0)) as probe:
        port = probe.getsockname()[1]
    sleeps = Sleeps()
    with make_client(retries=sleeps.policy(total=3)) as c:
        with pytest.raises(restwell.ConnectError) as info:
            c.get(f"http://127.0.0.1:{port}/")
        assert [name for name, _ in info.value.retries] == ["ConnectError"] * 3


def test_total_deadline_bounds_all_attempts(scripted: Start, make_client: Make) -> None:
    script = Script(unavailable("5"), OK)
    server = scripted(script)
    sleeps = Sleeps()
    with make_client(retries=sleeps.policy(), timeout=restwell.Timeout(total=2)) as c:
        started = time.monotonic()
        r = c.get(server.url)
        assert r.status_code == 503 and r.retries == []  # a 5 s wait would pass the deadline
        assert time.monotonic() - started < 1.5 and sleeps.calls == []


def test_per_call_retries_beat_the_clients(scripted: Start, make_client: Make) -> None:
    script = Script(unavailable(), unavailable(), OK)
    server = scripted(script)
    sleeps = Sleeps()
    with make_client(retries=sleeps.policy()) as c:
        assert c.get(server.url, retries=0).status_code == 503
        assert c.get(server.url).status_code == 200
    with make_client() as c:  # no retries unless asked
        script.replies = [unavailable(), OK]
        assert c.get(server.url).status_code == 503
        assert c.get(server.url, retries=sleeps.policy()).status_code == 200


def test_redirect_hops_are_retried_each(scripted: Start, make_client: Make) -> None:
    script = Script(b"HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Length: 0\r\n\r\n",
                    unavailable(), OK)
    server = scripted(script)
    sleeps = Sleeps()
    with make_client() as c:
        r = c.get(server.url + "/first", retries=sleeps.policy())
        assert r.status_code == 200 and [h.status_code for h in r.history] == [302]
        assert [status for status, _ in r.retries] == [503]
