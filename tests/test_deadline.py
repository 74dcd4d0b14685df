"""``Timeout(total=...)`` is one deadline for the whole call: redirect hops, retry attempts
and their sleeps, auth round trips, the TLS handshake and slow uploads all take what is left
of it. Black-box, through both clients, against scripted servers that each stretch one wait."""

from __future__ import annotations

import contextlib
import socket
import ssl
import time
import typing

import pytest

import restwell
from restwell import Timeout
from servers import ScriptedServer, read_request

Start = typing.Callable[..., ScriptedServer]
Make = typing.Callable[..., typing.Any]
SLACK = 0.45  # the scheduling noise a loaded 2-core machine adds to a deadline


def _answer(conn: socket.socket, head: str, body: bytes = b"") -> None:
    conn.sendall(f"HTTP/1.1 {head}\r\nContent-Length: {len(body)}\r\n\r\n".encode() + body)


@contextlib.contextmanager
def _times_out(
    seconds: float, error: type[Exception] = restwell.TimeoutException,
    match: str = "total deadline",
) -> typing.Iterator[None]:
    """The block raises ``error`` at ``seconds`` (plus scheduling noise), not later."""
    start = time.monotonic()
    with pytest.raises(error, match=match):
        yield
    took = time.monotonic() - start
    assert took < seconds + SLACK, f"took {took:.2f} s against a deadline of {seconds} s"


def test_redirect_hops_share_the_deadline(scripted: Start, make_client: Make) -> None:
    """Five hops of 0.5 s each against total=1.2: the call ends near 1.2 s, not at 2.5."""
    def handler(conn: socket.socket, index: int) -> None:
        while True:
            request = read_request(conn)
            if not request:
                return
            time.sleep(0.5)
            hop = int(request.split(b" ")[1].rsplit(b"/", 1)[1])
            if hop >= 5:
                _answer(conn, "200 OK", b"done")
            else:
                conn.sendall(f"HTTP/1.1 302 Found\r\nLocation: /hop/{hop + 1}\r\n"
                             "Content-Length: 0\r\n\r\n".encode())

    server = scripted(handler)
    with make_client(timeout=Timeout(5, total=1.2), follow_redirects=True) as c, _times_out(1.2):
        c.get(f"{server.url}/hop/0")


def test_retry_attempts_share_the_deadline(scripted: Start, make_client: Make) -> None:
    """Each attempt answers 503 after 1.0 s: with total=1.5 the second attempt is cut off at
    1.5 s; on a fresh deadline per attempt it would answer at 2.05 s."""
    def handler(conn: socket.socket, index: int) -> None:
        while read_request(conn):
            time.sleep(1.0)
            _answer(conn, "503 Service Unavailable")

    server = scripted(handler)
    policy = restwell.Retry(total=5, backoff_factor=0.05)
    with make_client(timeout=Timeout(5, total=1.5), retries=policy) as c, _times_out(1.5):
        c.get(server.url)


def test_an_auth_round_trip_shares_the_deadline(scripted: Start, make_client: Make) -> None:
    """A Digest challenge after 0.6 s, then the answer after 0.6 s more, with total=1.0."""
    challenge = ('Digest realm="r", nonce="abc", qop="auth", algorithm=MD5')

    def handler(conn: socket.socket, index: int) -> None:
        while True:
            request = read_request(conn)
            if not request:
                return
            time.sleep(0.6)
            if b"authorization:" in request.lower():
                _answer(conn, "200 OK", b"in")
            else:
                conn.sendall(f"HTTP/1.1 401 Unauthorized\r\nWWW-Authenticate: {challenge}\r\n"
                             "Content-Length: 0\r\n\r\n".encode())

    server = scripted(handler)
    auth = restwell.DigestAuth("u", "p")
    with make_client(timeout=Timeout(5, total=1.0), auth=auth) as c, _times_out(1.0):
        c.get(server.url)


def _dripping_tls(ca: typing.Any) -> typing.Callable[[socket.socket, int], None]:
    """A TLS server that writes its side of the handshake one byte every 20 ms."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("localhost").configure_cert(context)

    def handler(conn: socket.socket, index: int) -> None:
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        tls = context.wrap_bio(incoming, outgoing, server_side=True)
        with contextlib.suppress(ssl.SSLError, OSError):
            while True:
                try:
                    tls.do_handshake()
                    return
                except ssl.SSLWantReadError:
                    for byte in outgoing.read():
                        conn.sendall(bytes([byte]))
                        time.sleep(0.02)
                    data = conn.recv(65536)
                    if not data:
                        return
                    incoming.write(data)

    return handler


@pytest.fixture
def tls_ca(tmp_path: typing.Any) -> tuple[typing.Any, str]:
    import trustme

    ca = trustme.CA()
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return ca, str(path)


@pytest.mark.parametrize("timeout", [Timeout(10, total=1.0), Timeout(connect=1.0)],
                         ids=["total", "connect"])
def test_a_dripped_tls_handshake_is_bounded(
    scripted: Start, make_client: Make, tls_ca: tuple[typing.Any, str], timeout: Timeout
) -> None:
    """Each byte comes well within any read timeout; the handshake as a whole must still end
    at the total deadline, or at the connect timeout, which bounds connect and handshake."""
    ca, ca_path = tls_ca
    server = scripted(_dripping_tls(ca))
    url = f"https://localhost:{server.port}/"
    with make_client(timeout=timeout, verify=ca_path) as c, _times_out(
            1.0, restwell.ConnectTimeout, match="timed out connecting"):
        c.get(url)


def _slow_reader(conn: socket.socket, index: int) -> None:
    """Answers the first request at once, then reads the next one 4 KiB every 50 ms."""
    read_request(conn)
    _answer(conn, "200 OK", b"ok")
    conn.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
    with contextlib.suppress(OSError):
        while conn.recv(4096):
            time.sleep(0.05)


def test_a_slow_upload_on_a_reused_connection_is_bounded(
    scripted: Start, make_client: Make
) -> None:
    server = scripted(_slow_reader)
    with make_client(timeout=Timeout(5, total=1.0)) as c:
        assert c.get(server.url).text == "ok"
        with _times_out(1.0):
            c.post(server.url, content=b"x" * (16 << 20))
    assert server.connections == 1  # the upload went out on the kept-alive connection


def test_a_slow_iterator_body_is_bounded(scripted: Start) -> None:
    """An iterator that takes 0.1 s a chunk, 30 chunks, against total=1.0."""
    def handler(conn: socket.socket, index: int) -> None:
        with contextlib.suppress(OSError):
            while conn.recv(65536):
                pass

    def body() -> typing.Iterator[bytes]:
        for _ in range(30):
            time.sleep(0.1)
            yield b"x" * 1024

    server = scripted(handler)
    with restwell.Client(timeout=Timeout(5, total=1.0)) as c, _times_out(1.0):
        c.post(server.url, content=body())


def test_the_deadline_is_per_call(scripted: Start, make_client: Make) -> None:
    """A request sent again in a new call gets a new deadline (none is left on it)."""
    def handler(conn: socket.socket, index: int) -> None:
        while read_request(conn):
            time.sleep(0.4)
            _answer(conn, "200 OK", b"ok")

    server = scripted(handler)
    with make_client(timeout=Timeout(5, total=0.7), retries=restwell.Retry(total=1)) as c:
        request = c.build_request("GET", server.url)
        for _ in range(3):  # 1.2 s in all: each call has its own 0.7 s
            assert c.send(request).text == "ok"


@pytest.mark.parametrize("timeout", [Timeout(connect=0.5), Timeout(10, total=0.5)],
                         ids=["connect", "total"])
def test_a_slow_name_lookup_is_bounded(
    scripted: Start, monkeypatch: pytest.MonkeyPatch, timeout: Timeout
) -> None:
    """The system resolver may take 5 s and more (its own timeouts and retries): the sync
    client's lookup keeps to the connect timeout and the total deadline. (The async client
    looks names up under the connect timeout already.)"""
    real = socket.getaddrinfo
    server = scripted(lambda conn, index: (read_request(conn), _answer(conn, "200 OK")))

    def slow(host: str, *args: typing.Any, **kwargs: typing.Any) -> typing.Any:
        if host == "slow.test":
            time.sleep(3)
        return real("127.0.0.1", *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", slow)
    with restwell.Client(timeout=timeout) as c, _times_out(
            0.5, restwell.ConnectTimeout, match="timed out connecting"):
        c.get(f"http://slow.test:{server.port}/")
    with restwell.Client(timeout=timeout) as c:  # a quick lookup goes through
        assert c.get(f"http://fast.test:{server.port}/").status_code == 200
