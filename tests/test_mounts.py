"""``mounts=``: routing by URL pattern, httpx's rules (a table of the matching, the order of
specificity), then two mounts sending to two scripted servers through both clients."""

from __future__ import annotations

import os
import random
import socket
import tempfile
import typing

import pytest

import restwell
import restwell._io._async._open
from both import Make
from restwell import URL, AsyncHTTPTransport, HTTPTransport, Response
from restwell._models._mounts import Mounts, URLPattern
from restwell.testing import MockTransport
from servers import ScriptedServer, read_request


@pytest.mark.parametrize(
    ("pattern", "url", "expected"),
    [  # httpx's own table (tests/test_utils.py), then wildcards, ports, IDNA and IPv6
        ("http://example.com", "http://example.com", True),
        ("http://example.com", "https://example.com", False),
        ("http://example.com", "http://other.com", False),
        ("http://example.com:123", "http://example.com:123", True),
        ("http://example.com:123", "http://example.com:456", False),
        ("http://example.com:123", "http://example.com", False),
        ("all://example.com", "http://example.com", True),
        ("all://example.com", "https://example.com", True),
        ("http://", "http://example.com", True),
        ("http://", "https://example.com", False),
        ("all://", "https://example.com:123", True),
        ("", "https://example.com:123", True),
        ("all://*example.com", "http://example.com", True),
        ("all://*example.com", "http://www.example.com", True),
        ("all://*example.com", "http://wwwexample.com", False),
        ("all://*.example.com", "http://www.example.com", True),
        ("all://*.example.com", "http://a.b.example.com", True),
        ("all://*.example.com", "http://example.com", False),
        ("all://*.example.com", "http://www.example.com.evil.test", False),
        ("all://*", "https://anything.test:8443", True),
        ("all://example.com", "http://www.example.com", False),
        ("all://example.com", "http://example.com.evil.test", False),
        ("HTTPS://EXAMPLE.COM", "https://example.com", True),  # case folded as URLs are
        ("https://example.com:443", "https://example.com", True),  # a default port named
        ("https://example.com:443", "https://example.com:8443", False),
        ("all://example.com:443", "http://example.com:443", True),
        ("all://*.corp:8080", "http://db.corp:8080", True),
        ("all://*.corp:8080", "http://db.corp", False),
        ("all://bücher.de", "http://xn--bcher-kva.de/", True),  # IDNA, as URLs have it
        ("all://[::1]", "http://[::1]:8080", True),
        ("all://[::1]:8080", "http://[::1]:8080", True),
        ("all://127.0.0.1", "http://127.0.0.10", False),
    ],
)
def test_url_pattern_matches(pattern: str, url: str, expected: bool) -> None:
    assert URLPattern(pattern).matches(URL(url)) is expected


def test_the_most_specific_pattern_wins() -> None:
    """Port first, then the longer host, then the longer scheme; ties keep their order."""
    keys = ["all://", "http://", "all://example.com", "http://example.com",
            "http://example.com:8080", "all://*.example.com", "all://*example.com"]
    random.shuffle(keys)
    mounts = Mounts({key: key for key in keys})
    pick = lambda url: mounts.select(URL(url), "default")  # noqa: E731

    assert pick("http://example.com:8080/") == "http://example.com:8080"
    assert pick("http://example.com/") == "http://example.com"
    assert pick("https://example.com/") == "all://example.com"
    assert pick("https://www.example.com/") in ("all://*.example.com", "all://*example.com")
    assert pick("http://other.test/") == "http://"
    assert pick("https://other.test/") == "all://"
    ordered = Mounts({"all://a.test": 1, "all://b.test": 2, "http://": 3})
    assert [p.pattern for p, _ in ordered._items] == ["all://a.test", "all://b.test", "http://"]


def test_a_mount_of_none_and_no_match_use_the_clients_transport() -> None:
    mounts = Mounts({"all://": "proxy", "all://internal.test": None})
    assert mounts.select(URL("http://internal.test/"), "default") == "default"
    assert mounts.select(URL("http://public.test/"), "default") == "proxy"
    assert Mounts({"https://": "x"}).select(URL("http://a.test/"), "default") == "default"


@pytest.mark.parametrize(
    ("key", "message"),
    [("http", "URL patterns such as 'http://'"), ("http://example.com/api", "no path"),
     ("http://example.com:99999", "invalid port"), ("all://*.", "needs a domain"),
     ("all://exa mple.com", "invalid host")],
)
def test_bad_keys_are_refused(key: str, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        Mounts({key: 1})


def _server(uds: str, name: bytes) -> ScriptedServer:
    def handle(conn: socket.socket, index: int) -> None:
        while read_request(conn):
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(name), name))

    return ScriptedServer(handle, uds=uds)


def test_two_mounts_route_to_two_servers(
    make_client: Make, kind: str, scripted: typing.Callable[..., ScriptedServer],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """http://internal.test goes to server A's socket, anything under *.corp to B's, a
    MockTransport answers for https://api.test, and the rest to the client's transport (a
    TCP server here). None of these names resolves: only the mounts reach them."""
    kind_transport = HTTPTransport if kind == "sync" else AsyncHTTPTransport
    looked_up: list[str] = []  # what reached the client's own transport by name

    def getaddrinfo(host: str, *args: typing.Any, **kwargs: typing.Any) -> typing.Any:
        looked_up.append(host)
        raise socket.gaierror(socket.EAI_NONAME, "Name or service not known")

    async def resolve(loop: typing.Any, host: str, port: int) -> typing.Any:
        getaddrinfo(host)

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(restwell._io._async._open, "resolve", resolve)
    direct = scripted(lambda conn, index: (read_request(conn), conn.sendall(
        b"HTTP/1.1 200 OK\r\nContent-Length: 6\r\n\r\ndirect")))
    with tempfile.TemporaryDirectory(prefix="rw-mnt-") as tmp:
        a = _server(os.path.join(tmp, "a.sock"), b"A")
        b = _server(os.path.join(tmp, "b.sock"), b"B")
        try:
            mock = MockTransport(lambda request: Response(200, content=b"mock"))
            mounts = {
                "http://internal.test": kind_transport(uds=a.uds),
                "all://*.corp": kind_transport(uds=b.uds),
                "https://api.test": mock,
                "all://*.none.corp": None,  # back to the client's transport
            }
            with make_client(mounts=mounts) as client:
                assert client.get("http://internal.test/x").text == "A"
                assert client.get("http://db.corp/x").text == "B"
                assert client.post("http://cache.eu.corp:8080/x", json={}).text == "B"
                assert client.get("https://api.test/v1").text == "mock"
                assert client.get(direct.url + "/x").text == "direct"
                assert client.get("http://internal.test:81/x").text == "A"  # any port
                for unmounted in ("https://internal.test/x",  # another scheme
                                  "http://db.none.corp/x"):  # mounted to None
                    with pytest.raises(restwell.ConnectError, match="not known"):
                        client.get(unmounted)
            assert (a.connections, b.connections, direct.connections) == (2, 2, 1)  # by origin
            assert looked_up == ["internal.test", "db.none.corp"]
        finally:
            a.close()
            b.close()
