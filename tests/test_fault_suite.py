"""The fault scenarios of shared/research/security.md §2 that the other suites do not already
cover, through both clients. Each test names its scenario number; docs/security.md maps all
42 to their tests. Every test also checks the pool is clean afterwards."""

from __future__ import annotations

import socket
import threading
import time
import typing

import pytest

import restwell
import restwell._io._async._open
from both import Make
from restwell import Retry, Timeout
from servers import ScriptedServer, read_request

Start = typing.Callable[..., ScriptedServer]
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def pool_of(client: typing.Any) -> dict[str, int]:
    return client._transport.pool.stats()  # type: ignore[no-any-return]


def replies(*answers: bytes, hold: float = 0.0) -> typing.Callable[[socket.socket, int], None]:
    """Answer each request on a connection with the next bytes, then hold it open."""

    def handle(conn: socket.socket, index: int) -> None:
        for answer in answers:
            if not read_request(conn):
                return
            conn.sendall(answer)
        time.sleep(hold)

    return handle


def test_03_name_that_does_not_resolve(
    make_client: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The resolver is replaced (tests never query real DNS); the error mapping is real."""

    def no_such_host(*args: typing.Any, **kwargs: typing.Any) -> typing.Any:
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    async def no_such_host_async(*args: typing.Any) -> typing.Any:
        no_such_host()

    monkeypatch.setattr(socket, "getaddrinfo", no_such_host)
    monkeypatch.setattr(restwell._io._async._open, "resolve", no_such_host_async)
    with make_client() as c:
        with pytest.raises(restwell.ConnectError, match="Name or service not known") as info:
            c.get("http://no-such-host.test/")
        assert "no-such-host.test" in str(info.value)
        assert pool_of(c)["total"] == 0


def test_04_a_black_holed_address_does_not_stall_the_connect(
    scripted: Start, make_client: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Happy Eyeballs: the name resolves to an address that drops SYNs (a listener with its
    backlog full) and one that works; the second is tried 250 ms later and wins, long
    before the 5 s connect timeout. (The resolver is replaced: tests never query DNS.)"""
    server = scripted(replies(OK, OK))
    hole = socket.create_server(("127.0.0.1", 0), backlog=0)
    fillers = []
    try:
        for _ in range(4):
            filler = socket.socket()
            filler.setblocking(False)
            filler.connect_ex(hole.getsockname())
            fillers.append(filler)
        time.sleep(0.1)
        addresses = [(socket.AF_INET, hole.getsockname()), (socket.AF_INET, ("127.0.0.1",
                                                                             server.port))]

        def getaddrinfo(*args: typing.Any, **kwargs: typing.Any) -> typing.Any:
            return [(family, socket.SOCK_STREAM, 6, "", address) for family, address in addresses]

        async def resolve(*args: typing.Any) -> typing.Any:
            return list(addresses)

        monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
        monkeypatch.setattr(restwell._io._async._open, "resolve", resolve)
        with make_client(timeout=Timeout(connect=5)) as c:
            started = time.monotonic()
            assert c.get("http://dual.test/").text == "ok"
            assert 0.2 < time.monotonic() - started < 2
            assert pool_of(c) == {"total": 1, "idle": 1, "in_use": 0}
    finally:
        for filler in fillers:
            filler.close()
        hole.close()


def test_05_server_drops_midway_through_the_tls_handshake(
    scripted: Start, make_client: Make
) -> None:
    def handle(conn: socket.socket, index: int) -> None:
        conn.recv(65536)  # the ClientHello
        conn.sendall(b"\x16\x03\x03\x00\x40" + b"\x02" * 10)  # half a ServerHello, then gone

    server = scripted(handle)
    with make_client(timeout=5) as c:
        with pytest.raises(restwell.ConnectError):
            c.get(f"https://127.0.0.1:{server.port}/")
        assert pool_of(c)["total"] == 0


def test_14_status_line_never_comes_and_a_call_timeout_wins(
    scripted: Start, make_client: Make
) -> None:
    def handle(conn: socket.socket, index: int) -> None:
        read_request(conn)
        time.sleep(3)

    server = scripted(handle)
    with make_client(timeout=Timeout(read=30)) as c:
        started = time.monotonic()
        with pytest.raises(restwell.ReadTimeout):
            c.get(server.url, timeout=Timeout(read=0.3))  # the call's timeout beats the client's
        assert time.monotonic() - started < 2
        assert pool_of(c)["total"] == 0


@pytest.mark.parametrize("head", [
    b"HTTP/1.1 200 OK\r\n: no name\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nno colon at all\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nX: a\rb\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nX: a\x00b\r\nContent-Length: 0\r\n\r\n",
    b"HTTP/1.1 200 OK\r\nContent-Length: \xd9\xa1\xd9\xa2\r\n\r\nab",  # row 69: Arabic digits
    b"HTTP/0.5 200 OK\r\n\r\n",
])
def test_18_broken_header_lines(scripted: Start, make_client: Make, head: bytes) -> None:
    server = scripted(replies(head))
    with make_client() as c:
        with pytest.raises(restwell.RemoteProtocolError):
            c.get(server.url)
        assert pool_of(c)["total"] == 0


def test_19_endless_trailers(scripted: Start, make_client: Make) -> None:
    def handle(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n")
        try:
            for _ in range(100_000):
                conn.sendall(b"T: x\r\n" * 100)
        except OSError:
            pass

    server = scripted(handle)
    with make_client() as c:
        with pytest.raises(restwell.RemoteProtocolError, match="trailers"):
            c.get(server.url)
        assert pool_of(c)["total"] == 0


@pytest.mark.parametrize("data", [
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n0\r\n\r\n",  # 23
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",  # 25
])
def test_23_25_invalid_chunks_and_conflicting_framing(
    scripted: Start, make_client: Make, data: bytes
) -> None:
    server = scripted(replies(data))
    with make_client() as c:
        with pytest.raises(restwell.RemoteProtocolError):
            c.get(server.url)
        assert pool_of(c)["total"] == 0


def test_26_chunked_not_last_reads_until_close(scripted: Start, make_client: Make) -> None:
    def handle(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked, gzip\r\n\r\nraw bytes")

    server = scripted(handle)
    with make_client() as c:
        r = c.get(server.url)
        assert r.status_code == 200
        assert pool_of(c)["total"] == 0  # delimited by the close: never reused


def test_28_protocol_error_mid_body_closes_the_connection(
    scripted: Start, make_client: Make
) -> None:
    def handle(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
        time.sleep(0.2)  # the head is taken first; the bad chunk comes while the body streams
        conn.sendall(b"not-hex\r\n")
        time.sleep(2)

    server = scripted(handle)
    with make_client() as c:
        with c.stream("GET", server.url) as r, pytest.raises(restwell.RemoteProtocolError):
            for _ in r.iter_bytes():
                pass
        assert pool_of(c) == {"total": 0, "idle": 0, "in_use": 0}


def test_29_abandoned_response_is_never_mixed_up(scripted: Start, make_client: Make) -> None:
    big = b"HTTP/1.1 200 OK\r\nContent-Length: 1000000\r\n\r\n" + b"a" * 1_000_000

    def handle(conn: socket.socket, index: int) -> None:
        replies(big if index == 0 else OK, OK, hold=1)(conn, index)

    server = scripted(handle)
    with make_client() as c:
        with c.stream("GET", server.url) as r:
            assert r.status_code == 200  # the body is left unread
        r = c.get(server.url)
        # the unread body is never taken for this response: a new connection, or the same
        # one only if the whole old response had already arrived (asyncio buffers ahead)
        assert r.text == "ok"
        assert pool_of(c)["in_use"] == 0


def test_37_client_closed_while_a_request_is_in_flight(scripted: Start) -> None:
    """Sync: the request in flight finishes or fails, never hangs; its connection is not
    pooled into the closed client. (The async twin is tests/test_async.py.)"""
    gate = threading.Event()

    def handle(conn: socket.socket, index: int) -> None:
        read_request(conn)
        gate.wait(5)
        conn.sendall(OK)

    server = scripted(handle)
    client = restwell.Client()
    outcome: list[object] = []
    worker = threading.Thread(target=lambda: outcome.append(_try(client, server.url)))
    worker.start()
    time.sleep(0.2)
    client.close()
    gate.set()
    worker.join(5)
    assert not worker.is_alive() and outcome
    assert pool_of(client)["total"] == 0
    with pytest.raises(restwell.ClientClosed):
        client.get(server.url)


def _try(client: restwell.Client, url: str) -> object:
    try:
        return client.get(url).status_code
    except restwell.RestwellError as exc:
        return exc


def test_40_retry_whose_body_is_broken_leaks_no_slot(scripted: Start, make_client: Make) -> None:
    bad = b"HTTP/1.1 503 Busy\r\nContent-Length: 100\r\n\r\nonly ten.."

    def handle(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(bad if index < 2 else OK)

    server = scripted(handle)
    sleeps: list[float] = []

    async def async_sleep(seconds: float) -> None:
        sleeps.append(seconds)

    policy = Retry(total=3, sleep=sleeps.append, async_sleep=async_sleep)
    with make_client(retries=policy, limits=restwell.Limits(max_connections=1)) as c:
        r = c.get(server.url)
        assert r.text == "ok" and [name for name, _ in r.retries] == ["IncompleteBodyError"] * 2
        assert pool_of(c) == {"total": 1, "idle": 1, "in_use": 0}


def test_42_every_socket_call_failing_once(
    scripted: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A light torture run (curl's -t): the n-th socket operation of a request fails, for
    every n the request makes. Each run ends in a restwell error or a good response, and
    the pool is consistent after every one."""
    server = scripted(replies(*[OK] * 1000, hold=0))
    calls = {"n": 0, "fail_at": -1}

    def failing(name: str) -> typing.Any:
        original = getattr(socket.socket, name)

        def wrapper(self: socket.socket, *args: typing.Any) -> typing.Any:
            calls["n"] += 1
            if calls["n"] == calls["fail_at"]:
                raise OSError(104, f"injected failure in {name}")
            return original(self, *args)

        return wrapper

    for name in ("connect", "recv", "sendall", "setsockopt"):
        monkeypatch.setattr(socket.socket, name, failing(name))
    outcomes = set()
    for fail_at in range(1, 12):
        calls["n"], calls["fail_at"] = 0, fail_at
        with restwell.Client() as c:
            for _ in range(2):  # the second request reuses (or replaces) the connection
                try:
                    outcomes.add(c.get(server.url).text)
                except restwell.RequestError as exc:
                    outcomes.add(type(exc).__name__)
                stats = pool_of(c)
                assert stats["in_use"] == 0 and stats["total"] <= 1
    assert "ok" in outcomes and outcomes - {"ok"}  # both outcomes were met
    assert outcomes <= {"ok", "ConnectError", "ReadError", "WriteError", "RemoteProtocolError"}
