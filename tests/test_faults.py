"""Faults from a scripted raw-socket server: each ends in restwell's own exception or a
transparent, safe recovery, and the pool is clean afterwards."""

from __future__ import annotations

import contextlib
import gzip
import os
import socket
import tempfile
import threading
import time
import typing

import pytest

import restwell
from both import Make, request_via
from restwell import Client, Limits, Timeout
from servers import ScriptedServer, read_request

Start = typing.Callable[[typing.Callable[[socket.socket, int], None]], ScriptedServer]
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def pool_of(client: Client) -> dict[str, int]:
    return client._transport.pool.stats()  # type: ignore[attr-defined,no-any-return]


def reply(data: bytes, then_close: bool = True) -> typing.Callable[[socket.socket, int], None]:
    def handler(conn: socket.socket, index: int) -> None:
        if read_request(conn):
            conn.sendall(data)
        if not then_close:
            time.sleep(5)

    return handler


@pytest.mark.parametrize(
    ("data", "error", "words"),
    [
        (b"", restwell.RemoteProtocolError, "without a response"),
        (b"HTTP/1.1 200 OK\r\nContent-Le", restwell.RemoteProtocolError, "response head"),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 22\r\n\r\n" + b"x" * 12,
            restwell.IncompleteBodyError,
            "12 of 22",
        ),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab",
            restwell.IncompleteBodyError,
            "chunked",
        ),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 9000000000000\r\n\r\n0123456789",
            restwell.IncompleteBodyError,
            "10 of 9000000000000",
        ),
        (b"HTTPS/1.1 200 OK\r\n\r\n", restwell.RemoteProtocolError, "malformed"),
        (
            b"HTTP/1.1 200 OK\r\nContent-Length: 16\r\nContent-Length: 32\r\n\r\n",
            restwell.RemoteProtocolError,
            "Content-Length",
        ),
        (b"HTTP/1.1 200 OK\r\nX: " + b"a" * 200_000, restwell.RemoteProtocolError, "larger"),
        (
            b"HTTP/1.1 200 OK\r\n" + b"X: 1\r\n" * 200 + b"\r\n",
            restwell.RemoteProtocolError,
            "header fields",
        ),
        (b"HTTP/1.1 100 Continue\r\n\r\n" * 100, restwell.RemoteProtocolError, "1xx"),
        (b"HTTP/1.1 099 Odd\r\nContent-Length: 0\r\n\r\n", restwell.RemoteProtocolError,
         "status 099"),
        (b"HTTP/1.1 000 Zero\r\nContent-Length: 2\r\n\r\nok", restwell.RemoteProtocolError,
         "status 000"),
        (
            b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
            restwell.RemoteProtocolError,
            "malformed",
        ),
    ],
)
def test_broken_responses(
    scripted: Start, data: bytes, error: type, words: str, make_client: Make
) -> None:
    server = scripted(reply(data))
    with make_client() as c:
        with pytest.raises(error) as info:
            c.get(server.url + "/x")
        assert words in str(info.value)
        assert f"GET {server.url}/x" in str(info.value)
        assert info.value.request.url == server.url + "/x"
        assert pool_of(c) == {"total": 0, "idle": 0, "in_use": 0}


def test_streamed_body_cut_short(scripted: Start, make_client: Make) -> None:
    server = scripted(reply(b"HTTP/1.1 200 OK\r\nContent-Length: 100000\r\n\r\n" + b"x" * 5000))
    with (
        make_client() as c,
        c.stream("GET", server.url) as r,
        pytest.raises(restwell.IncompleteBodyError),
    ):
        for _ in r.iter_bytes():
            pass
    assert pool_of(c)["total"] == 0


def test_a_body_that_comes_after_its_head_is_read_whole(
    scripted: Start, make_client: Make
) -> None:
    """A response read whole reports itself read and closed, and iterates from memory, also
    when its body arrived after the head (the transport made it open, then read it all)."""
    def handler(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 9\r\n\r\n")
        time.sleep(0.2)
        conn.sendall(b"all of it")

    server = scripted(handler)
    with make_client() as c:
        r = c.get(server.url)
        assert r.is_closed and r.is_stream_consumed
        assert b"".join(r.iter_bytes()) == b"all of it" and r.text == "all of it"
        assert pool_of(c)["idle"] == 1


def test_body_until_close_is_complete(scripted: Start, make_client: Make) -> None:
    server = scripted(reply(b"HTTP/1.1 200 OK\r\n\r\nall of it"))
    with make_client() as c:
        assert c.get(server.url).content == b"all of it"
        assert pool_of(c)["total"] == 0  # such a connection is never reused


def test_stale_keep_alive_is_retried_transparently(scripted: Start, make_client: Make) -> None:
    def handler(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(OK)  # claims keep-alive, then closes once the client holds it idle

    server = scripted(handler)
    with make_client() as c:
        assert c.get(server.url).text == "ok"
        time.sleep(0.2)  # the server has closed the idle connection by now
        assert c.post(server.url, content=b"body").text == "ok"
        assert c.get(server.url).text == "ok"
    assert server.connections == 3


def test_reset_after_request_sent_on_reused_connection_is_retried_once(
    scripted: Start, make_client: Make
) -> None:
    def handler(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(OK)
        if index == 0:
            read_request(conn)  # take the second request, then drop it unanswered
            linger = b"\x01\x00\x00\x00\x00\x00\x00\x00"  # close with a reset
            conn.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger)

    server = scripted(handler)
    with make_client() as c:
        c.get(server.url)
        assert c.get(server.url).text == "ok"
    assert server.connections == 2


def test_one_shot_stream_is_not_retried(scripted: Start, make_client: Make) -> None:
    def handler(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(OK)
        read_request(conn)

    server = scripted(handler)
    with make_client() as c:
        c.get(server.url)
        with pytest.raises(restwell.RemoteProtocolError):
            c.post(server.url, content=iter([b"once"]))
    assert server.connections == 1


def test_read_timeout_discards_connection(scripted: Start, make_client: Make) -> None:
    def handler(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
        time.sleep(3)

    server = scripted(handler)
    with make_client(timeout=Timeout(read=0.3)) as c:
        start = time.monotonic()
        with pytest.raises(restwell.ReadTimeout, match="read timeout"):
            c.get(server.url)
        assert time.monotonic() - start < 2
        assert pool_of(c)["total"] == 0


@pytest.mark.parametrize("slow_at", [0, 1, 2])
def test_read_timeout_on_a_new_and_on_a_reused_connection(
    scripted: Start, make_client: Make, slow_at: int
) -> None:
    """The sync client times a new connection out by Python's timeouts and a reused one by
    the kernel's (SO_RCVTIMEO): the read timeout must hold in both."""
    def handler(conn: socket.socket, index: int) -> None:
        served = 0
        while read_request(conn):
            if served == slow_at:
                time.sleep(3)
                return
            conn.sendall(OK)
            served += 1

    server = scripted(handler)
    with make_client(timeout=Timeout(read=0.3)) as c:
        for _ in range(slow_at):
            assert c.get(server.url).text == "ok"
        start = time.monotonic()
        with pytest.raises(restwell.ReadTimeout, match="read timeout"):
            c.get(server.url)
        assert time.monotonic() - start < 2
    assert server.connections == 1


@pytest.mark.parametrize("reused", [False, True])
def test_write_timeout_on_a_new_and_on_a_reused_connection(
    scripted: Start, make_client: Make, reused: bool
) -> None:
    def handler(conn: socket.socket, index: int) -> None:
        if reused:
            read_request(conn)
            conn.sendall(OK)
        time.sleep(3)  # then never reads

    server = scripted(handler)
    with make_client(timeout=Timeout(write=0.3)) as c:
        if reused:
            assert c.get(server.url).text == "ok"
        start = time.monotonic()
        with pytest.raises(restwell.WriteTimeout):
            c.post(server.url, content=b"x" * (64 << 20))
        assert time.monotonic() - start < 2.5
        assert pool_of(c)["total"] == 0


def test_total_deadline_spans_the_call(scripted: Start, make_client: Make) -> None:
    def handler(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nX-Slow: ")
        for _ in range(20):  # trickles a byte every 100 ms: each read is within its timeout
            conn.sendall(b"a")
            time.sleep(0.1)

    server = scripted(handler)
    with make_client(timeout=Timeout(read=1, total=0.5)) as c:
        start = time.monotonic()
        with pytest.raises(restwell.ReadTimeout, match="total deadline"):
            c.get(server.url)
        assert time.monotonic() - start < 1.5


def test_write_timeout(scripted: Start, make_client: Make) -> None:
    def handler(conn: socket.socket, index: int) -> None:
        time.sleep(3)  # never reads

    server = scripted(handler)
    with make_client(timeout=Timeout(write=0.3)) as c:
        with pytest.raises(restwell.WriteTimeout):
            c.post(server.url, content=b"x" * (64 << 20))
        assert pool_of(c)["total"] == 0


def test_connect_refused(make_client: Make) -> None:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    with make_client() as c:
        with pytest.raises(restwell.ConnectError, match="check the host"):
            c.get(f"http://127.0.0.1:{port}/")
        assert pool_of(c)["total"] == 0


def test_pool_timeout_and_slot_count(scripted: Start, make_client: Make) -> None:
    def handler(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\n")
        time.sleep(1)
        conn.sendall(b"done")

    server = scripted(handler)
    with make_client(limits=Limits(max_connections=1), timeout=Timeout(pool=0.2)) as c:
        with c.stream("GET", server.url) as r:
            with pytest.raises(restwell.PoolTimeout, match="max_connections"):
                c.get(server.url)
            assert pool_of(c) == {"total": 1, "idle": 0, "in_use": 1}
            assert r.read() == b"done"
        assert pool_of(c)["in_use"] == 0


def test_waiter_gets_freed_connection(scripted: Start) -> None:
    def handler(conn: socket.socket, index: int) -> None:
        while read_request(conn):
            time.sleep(0.05)
            conn.sendall(OK)

    server = scripted(handler)
    results: list[str] = []
    with Client(limits=Limits(max_connections=1)) as c:
        threads = [
            threading.Thread(target=lambda: results.append(c.get(server.url).text))
            for _ in range(5)
        ]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
    assert results == ["ok"] * 5 and server.connections == 1


def test_extra_bytes_after_body_poison_connection(scripted: Start, make_client: Make) -> None:
    def handler(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(OK + b"HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nevil")
        read_request(conn)

    server = scripted(handler)
    with make_client() as c:
        assert c.get(server.url).text == "ok"
        assert pool_of(c)["total"] == 0


def test_head_with_body_headers_keeps_alive(scripted: Start, make_client: Make) -> None:
    def handler(conn: socket.socket, index: int) -> None:
        while read_request(conn):
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 1000\r\n\r\n")

    server = scripted(handler)
    with make_client() as c:
        for _ in range(3):
            assert c.head(server.url).content == b""
    assert server.connections == 1


def test_gzip_bomb_bounded(scripted: Start, make_client: Make) -> None:
    bomb = gzip.compress(b"\0" * (64 << 20))
    head = f"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: {len(bomb)}\r\n\r\n"
    server = scripted(lambda conn, i: [read_request(conn), conn.sendall(head.encode() + bomb)])
    with make_client(limits=Limits(max_decompressed_size=1 << 20)) as c:
        with pytest.raises(restwell.DecodingError, match="larger than"):
            c.get(server.url).content  # noqa: B018
        with c.stream("GET", server.url) as r:
            assert max(len(piece) for piece in r.iter_bytes()) <= 64 * 1024


def test_corrupt_gzip(scripted: Start, make_client: Make) -> None:
    server = scripted(
        reply(b"HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: 5\r\n\r\nnotgz")
    )
    with pytest.raises(restwell.DecodingError, match="gzip"):
        request_via(make_client, "GET", server.url).content  # noqa: B018


def test_encoding_chain_capped(scripted: Start, make_client: Make) -> None:
    server = scripted(
        reply(
            b"HTTP/1.1 200 OK\r\nContent-Encoding: "
            + b"gzip," * 100
            + b"gzip\r\nContent-Length: 0\r\n\r\n"
        )
    )
    with pytest.raises(restwell.DecodingError, match="at most 5"):
        request_via(make_client, "GET", server.url).content  # noqa: B018


@pytest.mark.parametrize(
    "kwargs",
    [
        {"url": "/x\r\nX-Injected: 1"},
        {"url": "/x?q=\r\nX-Injected: 1"},
        {"headers": {"X": "a\r\nX-Injected: 1"}},
        {"headers": {"X\r\nX-Injected": "1"}},
        {"method": "GET / HTTP/1.1\r\nX-Injected: 1\r\n\r\nGET"},
        {"cookies": {"a": "b\r\nX-Injected: 1"}},
    ],
)
def test_injection_never_reaches_the_wire(
    scripted: Start, kwargs: dict[str, typing.Any], make_client: Make
) -> None:
    server = scripted(reply(OK))
    kwargs = dict(kwargs)  # the parameter is shared by every client kind
    method = kwargs.pop("method", "GET")
    url = server.url + kwargs.pop("url", "/")
    with pytest.raises(ValueError):
        request_via(make_client, method, url, **kwargs)
    time.sleep(0.05)
    assert server.connections == 0 and not server.received


def test_tls_pre_handshake_data_is_not_a_response(scripted: Start, make_client: Make) -> None:
    server = scripted(lambda conn, i: conn.sendall(OK))  # CVE-2023-40217
    with pytest.raises(restwell.ConnectError):
        request_via(make_client, "GET", server.url.replace("http://", "https://"))


def test_unsupported_scheme(make_client: Make) -> None:
    with pytest.raises(restwell.UnsupportedProtocol, match="http:// and https://"):
        request_via(make_client, "GET", "ftp://example.test/x")


def test_connect_timeout(make_client: Make) -> None:
    # A listener that never accepts, its backlog filled: further SYNs are dropped.
    listener = socket.create_server(("127.0.0.1", 0), backlog=0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            fillers.append(s)
        time.sleep(0.1)
        with make_client(timeout=Timeout(connect=0.3)) as c:
            start = time.monotonic()
            with pytest.raises(restwell.ConnectTimeout, match="connect timeout"):
                c.get(f"http://127.0.0.1:{port}/")
            assert time.monotonic() - start < 2
            assert pool_of(c)["total"] == 0
    finally:
        for s in fillers:
            s.close()
        listener.close()


def test_hostname_resolution(app_url_localhost: str, make_client: Make) -> None:
    assert request_via(make_client, "GET", app_url_localhost + "/json").json()["id"] == 1


def test_write_timeout_while_sending_a_file(scripted: Start, tmp_path, make_client: Make) -> None:  # type: ignore[no-untyped-def]
    server = scripted(lambda conn, index: time.sleep(3))  # never reads
    path = tmp_path / "big.bin"
    path.write_bytes(b"\0" * (64 << 20))
    with make_client(timeout=Timeout(write=0.3)) as c, open(path, "rb") as f:
        start = time.monotonic()
        with pytest.raises(restwell.WriteTimeout):
            c.post(server.url, content=f)
        assert time.monotonic() - start < 2
        assert pool_of(c)["total"] == 0


@pytest.fixture
def tls_ca(tmp_path) -> tuple[typing.Any, str]:  # type: ignore[no-untyped-def]
    """A throwaway CA, and the path of its certificate for verify=."""
    import trustme

    ca = trustme.CA()
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return ca, str(path)


def tls_handler(
    ca: typing.Any, name: str, then: typing.Callable[[socket.socket], None]
) -> typing.Callable[..., None]:
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert(name).configure_cert(context)

    def handler(conn: socket.socket, index: int) -> None:
        then(context.wrap_socket(conn, server_side=True))

    return handler


def test_tls_read_timeout(
    scripted: Start, tls_ca: tuple[typing.Any, str], make_client: Make
) -> None:
    ca, ca_path = tls_ca

    def stall(tls: socket.socket) -> None:
        read_request(tls)
        tls.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")  # then stall
        time.sleep(3)

    server = scripted(tls_handler(ca, "127.0.0.1", stall))
    url = server.url.replace("http://", "https://")
    with make_client(verify=ca_path, timeout=Timeout(read=0.3)) as c:
        start = time.monotonic()
        with pytest.raises(restwell.ReadTimeout):
            c.get(url)
        assert time.monotonic() - start < 2
        assert pool_of(c)["total"] == 0


def test_tls_hostname_is_checked(
    scripted: Start, tls_ca: tuple[typing.Any, str], make_client: Make
) -> None:
    ca, ca_path = tls_ca

    def answer(tls: socket.socket) -> None:
        read_request(tls)
        tls.sendall(OK)

    # a certificate from the trusted CA, but for another host than the one we asked for
    server = scripted(tls_handler(ca, "other.test", answer))
    with pytest.raises(restwell.CertificateVerifyError, match="did not verify"):
        request_via(make_client, "GET", server.url.replace("http://", "https://"), verify=ca_path)
    good = scripted(tls_handler(ca, "127.0.0.1", answer))
    assert (
        request_via(
            make_client, "GET", good.url.replace("http://", "https://"), verify=ca_path
        ).text
        == "ok"
    )


def _cn_only_leaf(ca: typing.Any, name: str) -> typing.Any:
    """A leaf the trusted CA signed that names ``name`` in its subject CN only (no SAN)."""
    import datetime
    import ssl

    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    ca_key = serialization.load_pem_private_key(ca.private_key_pem.bytes(), None)
    ca_cert = x509.load_pem_x509_certificate(ca.cert_pem.bytes())
    key = ec.generate_private_key(ec.SECP256R1())
    now = datetime.datetime.now(datetime.UTC)
    leaf = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, name)]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1))
            .not_valid_after(now + datetime.timedelta(days=1))
            .sign(ca_key, hashes.SHA256()))  # type: ignore[arg-type]
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    with tempfile.TemporaryDirectory() as folder:
        cert_path, key_path = os.path.join(folder, "leaf.pem"), os.path.join(folder, "key.pem")
        with open(cert_path, "wb") as f:
            f.write(leaf.public_bytes(serialization.Encoding.PEM))
        with open(key_path, "wb") as f:
            f.write(key.private_bytes(serialization.Encoding.PEM,
                                      serialization.PrivateFormat.PKCS8,
                                      serialization.NoEncryption()))
        context.load_cert_chain(cert_path, key_path)
    return context


def test_a_host_named_in_the_cn_only_is_refused(
    scripted: Start, tls_ca: tuple[typing.Any, str], make_client: Make
) -> None:
    """RFC 9525: a certificate names its hosts in subjectAltName; one that names the host
    only in the subject CN does not verify. (A SAN certificate for the same name does.)"""
    ca, ca_path = tls_ca
    context = _cn_only_leaf(ca, "localhost")

    def handler(conn: socket.socket, index: int) -> None:
        with contextlib.suppress(OSError):
            tls = context.wrap_socket(conn, server_side=True)
            read_request(tls)
            tls.sendall(OK)

    server = scripted(handler)
    url = server.url.replace("http://127.0.0.1", "https://localhost")
    with pytest.raises(restwell.CertificateVerifyError, match="did not verify"):
        request_via(make_client, "GET", url, verify=ca_path)

    def answer(tls: socket.socket) -> None:
        read_request(tls)
        tls.sendall(OK)

    good = scripted(tls_handler(ca, "localhost", answer))
    url = good.url.replace("http://127.0.0.1", "https://localhost")
    assert request_via(make_client, "GET", url, verify=ca_path).text == "ok"


def test_response_before_the_body_is_sent(scripted: Start, make_client: Make) -> None:
    """The server answers as soon as it has the head, then reads the body: the answer that
    arrived mid-upload is the response (and the wait for it does not run to its timeout)."""
    size = 16 << 20

    def handler(conn: socket.socket, index: int) -> None:
        data = b""
        while b"\r\n\r\n" not in data:
            data += conn.recv(65536)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nearly")
        got = len(data.partition(b"\r\n\r\n")[2])
        while got < size:
            chunk = conn.recv(1 << 20)
            if not chunk:
                return
            got += len(chunk)
        time.sleep(0.5)

    server = scripted(handler)
    with make_client(timeout=Timeout(read=3)) as c:
        start = time.monotonic()
        assert c.post(server.url, content=b"x" * size).text == "early"
        assert time.monotonic() - start < 2
