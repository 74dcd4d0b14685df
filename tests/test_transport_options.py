"""Transport options a migrating httpx user expects, through both clients against real
servers: ``uds=`` (nginx and a scripted server on Unix domain sockets), ``local_address=``
and ``socket_options=``.

Addresses: every connection goes to 127.0.0.1 or to a Unix socket in a temp dir. The
local_address tests bind the *source* to 127.0.0.2, which is this machine's loopback too
(Linux routes all of 127.0.0.0/8 to lo): the destination stays 127.0.0.1, and only the
source differs, which is what the server must see. Where 127.0.0.2 cannot be bound (other
systems configure only 127.0.0.1), that test skips; the 127.0.0.1 one always runs.
"""

from __future__ import annotations

import os
import socket
import tempfile
import time
import typing

import pytest

import restwell
import restwell._io._async._open
from both import Make
from nginx_server import Nginx
from restwell import AsyncHTTPTransport, HTTPTransport
from servers import ScriptedServer, read_request

OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def transport(kind: str, **options: typing.Any) -> typing.Any:
    """The transport for the client under test: HTTPTransport or AsyncHTTPTransport."""
    return (HTTPTransport if kind == "sync" else AsyncHTTPTransport)(**options)


def sockets_of(client: typing.Any) -> list[socket.socket]:
    """The OS sockets of the client's idle pooled connections (sync or async)."""
    pool = getattr(client, "client", client)._transport.pool
    found = []
    for idle in pool._idle.values():
        for conn in idle:
            raw = getattr(conn, "raw", None)
            found.append(raw if raw is not None else conn.transport.get_extra_info("socket"))
    return found


@pytest.fixture
def sock_dir() -> typing.Iterator[str]:
    with tempfile.TemporaryDirectory(prefix="rw-uds-") as path:  # short: sun_path is ~108
        yield path


HEADS: list[bytes] = []  # what keep_alive read, in order (cleared by each test)


@pytest.fixture(autouse=True)
def _clear_heads() -> None:
    HEADS.clear()


def keep_alive(conn: socket.socket, index: int) -> None:
    """Answer every request on the connection with a body naming the Host it was sent."""
    while True:
        head = read_request(conn)
        if not head:
            return
        HEADS.append(head)
        host = next(line.split(b":", 1)[1].strip() for line in head.split(b"\r\n")
                    if line.lower().startswith(b"host:"))
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(host), host))


# -- uds= ------------------------------------------------------------------------------------


def test_uds_to_nginx_plain_and_tls(nginx: Nginx, make_client: Make, kind: str) -> None:
    """The host is never resolved (docker.invalid has no address): the socket is the server,
    and over TLS the certificate is checked against the URL's host (localhost)."""
    with make_client(transport=transport(kind, uds=nginx.http_sock)) as client:
        assert client.get("http://docker.invalid/json").json()["name"] == "restwell"
        r = client.get("http://docker.invalid/peer")
        assert r.text == "unix: docker.invalid"  # nginx saw a Unix socket peer
        assert client.get("http://docker.invalid/json").status_code == 200
        assert len(sockets_of(client)) == 1  # one keep-alive connection, reused
    tls = transport(kind, uds=nginx.https_sock, verify=nginx.ca_path)
    with make_client(transport=tls) as client:
        for _ in range(2):
            assert client.get("https://localhost/json").json()["id"] == 1
        with pytest.raises(restwell.CertificateVerifyError):
            client.get("https://not-in-the-cert.test/json")


def test_uds_to_a_scripted_server(
    sock_dir: str, make_client: Make, kind: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = os.path.join(sock_dir, "app.sock")
    server = ScriptedServer(keep_alive, uds=path)
    try:
        # a proxy in the environment is not used: the socket is the server
        monkeypatch.setenv("HTTP_PROXY", "http://127.0.0.1:9")
        with make_client(transport=transport(kind, uds=path)) as client:
            assert client.get("http://a.test/x").text == "a.test"
            assert client.get("http://a.test/y").text == "a.test"
            assert client.post("http://b.test:8080/z", json={"k": 1}).text == "b.test:8080"
            assert client.get("http://a.test/x").text == "a.test"
            # pooled by origin within the transport (whose one socket path they share)
            assert len(sockets_of(client)) == 2
        assert server.connections == 2
        assert [head.split(b"\r\n")[0] for head in HEADS] == [  # origin form: no proxy
            b"GET /x HTTP/1.1", b"GET /y HTTP/1.1", b"POST /z HTTP/1.1", b"GET /x HTTP/1.1"]
    finally:
        server.close()


def test_uds_stale_connection_and_missing_socket(
    sock_dir: str, make_client: Make, kind: str
) -> None:
    path = os.path.join(sock_dir, "app.sock")

    def once(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(OK)  # keep-alive claimed, then closed

    server = ScriptedServer(once, uds=path)
    try:
        with make_client(transport=transport(kind, uds=path)) as client:
            assert client.get("http://localhost/").text == "ok"
            time.sleep(0.2)
            assert client.get("http://localhost/").text == "ok"  # a new connection
        assert server.connections == 2
    finally:
        server.close()
    missing = os.path.join(sock_dir, "nobody.sock")
    with make_client(transport=transport(kind, uds=missing)) as client, \
            pytest.raises(restwell.ConnectError, match="No such file"):
        client.get("http://localhost/")


# -- local_address= --------------------------------------------------------------------------


def _peer_server(scripted: typing.Callable[..., ScriptedServer]) -> ScriptedServer:
    return scripted(keep_alive)


def test_local_address_127_0_0_1(
    scripted: typing.Callable[..., ScriptedServer], make_client: Make, kind: str
) -> None:
    server = _peer_server(scripted)
    with make_client(transport=transport(kind, local_address="127.0.0.1")) as client:
        assert client.get(server.url).status_code == 200
    assert server.peers[0][0] == "127.0.0.1"


def _can_bind(address: str) -> bool:
    try:
        with socket.socket() as s:
            s.bind((address, 0))
        return True
    except OSError:
        return False


@pytest.mark.skipif(not _can_bind("127.0.0.2"), reason="127.0.0.2 is not a local address here")
@pytest.mark.parametrize("scheme", ["http", "https"])
def test_local_address_is_the_source_the_server_sees(
    scripted: typing.Callable[..., ScriptedServer], make_client: Make, kind: str,
    nginx: Nginx, scheme: str,
) -> None:
    """Bound to 127.0.0.2 (loopback), connecting to 127.0.0.1: the server sees 127.0.0.2."""
    if scheme == "http":
        server = _peer_server(scripted)
        with make_client(transport=transport(kind, local_address="127.0.0.2")) as client:
            for _ in range(2):
                assert client.get(server.url).status_code == 200
        assert [peer[0] for peer in server.peers] == ["127.0.0.2"]
    else:
        options = {"local_address": "127.0.0.2", "verify": nginx.ca_path}
        with make_client(transport=transport(kind, **options)) as client:
            assert client.get(nginx.https_url + "/peer").text == "127.0.0.2 127.0.0.1"


@pytest.mark.skipif(not _can_bind("127.0.0.2"), reason="127.0.0.2 is not a local address here")
def test_local_address_applies_to_the_connection_to_a_proxy(
    scripted: typing.Callable[..., ScriptedServer], make_client: Make, kind: str
) -> None:
    proxy = scripted(keep_alive)  # a forward proxy that answers itself
    with make_client(transport=transport(kind, local_address="127.0.0.2"),
                     proxy=proxy.url) as client:
        assert client.get("http://origin.test/x").text == "origin.test"
    assert proxy.peers[0][0] == "127.0.0.2"
    assert HEADS[0].startswith(b"GET http://origin.test/x HTTP/1.1\r\n")


def test_local_address_picks_its_family_of_the_addresses(
    scripted: typing.Callable[..., ScriptedServer], make_client: Make, kind: str,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``"0.0.0.0"`` means IPv4 only: of a name's addresses, only the IPv4 ones are tried
    (the resolver is replaced: tests never query DNS)."""
    server = _peer_server(scripted)
    addresses = [(socket.AF_INET6, ("::1", server.port, 0, 0)),
                 (socket.AF_INET, ("127.0.0.1", server.port))]
    tried: list[str] = []

    def getaddrinfo(*args: typing.Any, **kwargs: typing.Any) -> typing.Any:
        return [(family, socket.SOCK_STREAM, 6, "", address) for family, address in addresses]

    async def resolve(*args: typing.Any) -> typing.Any:
        return list(addresses)

    real_connect = socket.socket.connect_ex

    def connect_ex(self: socket.socket, address: typing.Any) -> int:
        tried.append(address[0])
        return real_connect(self, address)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(restwell._io._async._open, "resolve", resolve)
    with make_client(transport=transport(kind, local_address="0.0.0.0")) as client:
        assert client.get(f"http://dual.test:{server.port}/").text == f"dual.test:{server.port}"
    assert server.peers[0][0] == "127.0.0.1"
    with make_client(transport=transport(kind, local_address="::")) as client:
        addresses = addresses[1:]  # IPv4 only now: "::" has nothing to reach
        with pytest.raises(restwell.ConnectError, match="no address of the family"):
            client.get(f"http://v4only.test:{server.port}/")


def test_local_address_must_be_an_ip_address() -> None:
    with pytest.raises(ValueError, match="must be an IP address"):
        HTTPTransport(local_address="localhost")


# -- socket_options= -------------------------------------------------------------------------

KEEPALIVE_OPTIONS = [(socket.SOL_SOCKET, socket.SO_KEEPALIVE, 1)]
if hasattr(socket, "TCP_KEEPIDLE"):
    KEEPALIVE_OPTIONS += [(socket.IPPROTO_TCP, socket.TCP_KEEPIDLE, 37),
                          (socket.IPPROTO_TCP, socket.TCP_KEEPINTVL, 11)]


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_socket_options_are_set_on_each_new_socket(
    scripted: typing.Callable[..., ScriptedServer], make_client: Make, kind: str,
    nginx: Nginx, scheme: str,
) -> None:
    server = _peer_server(scripted)
    url = server.url if scheme == "http" else nginx.https_url + "/json"
    options = {"socket_options": KEEPALIVE_OPTIONS, "verify": nginx.ca_path}
    with make_client(transport=transport(kind, **options)) as client:
        assert client.get(url).status_code == 200
        (sock,) = sockets_of(client)
        for level, option, value in KEEPALIVE_OPTIONS:
            assert sock.getsockopt(level, option) == value, (level, option)
    with make_client(verify=nginx.ca_path) as client:  # without them: the OS defaults
        assert client.get(url).status_code == 200
        (sock,) = sockets_of(client)
        assert sock.getsockopt(socket.SOL_SOCKET, socket.SO_KEEPALIVE) == 0


def test_a_socket_option_the_os_refuses_is_a_connect_error(
    scripted: typing.Callable[..., ScriptedServer], make_client: Make, kind: str
) -> None:
    server = _peer_server(scripted)
    bad = [(socket.SOL_SOCKET, 0x7FFF, 1)]
    with make_client(transport=transport(kind, socket_options=bad)) as client:
        with pytest.raises(restwell.ConnectError):
            client.get(server.url)
        assert getattr(client, "client", client)._transport.pool.stats()["total"] == 0
    assert server.connections == 0


def test_socket_options_reject_what_is_not_a_triple() -> None:
    with pytest.raises(TypeError, match=r"\(level, option, value\)"):
        HTTPTransport(socket_options=[socket.SO_KEEPALIVE])  # type: ignore[list-item]
