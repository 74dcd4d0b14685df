"""Proxies through both clients, against real proxies on 127.0.0.1: squid (plain and TLS-facing,
so TLS inside TLS), tinyproxy and microsocks (SOCKS5), each with and without Basic auth.

What goes through which proxy is proved, not assumed: an authenticating proxy answers 407
without credentials, so a 200 with them went through it; forward proxies add ``Via``.
"""

from __future__ import annotations

import socket
import typing
import urllib.parse

import pytest

import restwell
from both import Make
from nginx_server import Nginx
from proxy_servers import PASSWORD, USER, ProxyProcess, Squid, Tinyproxy
from restwell import URL
from restwell._models._proxy import Proxy, routes_for, routes_from_env
from servers import AppServer, ScriptedServer, read_request

Start = typing.Callable[..., ScriptedServer]
HTTP_PROXIES = ["tinyproxy", "tinyproxy_auth", "squid", "squid_auth", "squid_tls",
                "squid_tls_auth"]
ALL_PROXIES = [*HTTP_PROXIES, "microsocks", "microsocks_auth", "socks5h"]


def proxy_url(request: pytest.FixtureRequest, name: str) -> tuple[str, ProxyProcess]:
    base = name.replace("_tls", "").replace("socks5h", "microsocks_auth")
    server: ProxyProcess = request.getfixturevalue(base)
    if "_tls" in name:
        assert isinstance(server, Squid)
        return server.tls_url, server
    if name == "socks5h":
        return server.url.replace("socks5://", "socks5h://"), server
    return server.url, server


def fields(record: dict, name: str) -> list[str]:  # type: ignore[type-arg]
    return [v for n, v in record["headers"] if n.lower() == name]


@pytest.mark.parametrize("name", HTTP_PROXIES)
def test_http_target_is_forwarded(
    request: pytest.FixtureRequest, name: str, app: AppServer, nginx: Nginx, make_client: Make
) -> None:
    url, _server = proxy_url(request, name)
    with make_client(proxy=url, verify=nginx.ca_path) as c:
        for _ in range(3):  # the connection to the proxy is reused
            r = c.get(app.url + "/echo?x=1")
            assert r.status_code == 200
        seen = r.json()
        assert seen["target"] == "/echo?x=1"
        assert fields(seen, "via"), "a forward proxy adds Via: the request went through it"
        assert not fields(seen, "proxy-authorization")  # the proxy's, consumed by it
        assert c._transport.pool.stats()["in_use"] == 0


@pytest.mark.parametrize("name", ALL_PROXIES)
def test_https_target_is_tunnelled(
    request: pytest.FixtureRequest, name: str, nginx: Nginx, make_client: Make
) -> None:
    url, _server = proxy_url(request, name)
    with make_client(proxy=url, verify=nginx.ca_path) as c:
        for _ in range(3):
            r = c.get(nginx.https_url + "/sensitive",
                      headers={"Proxy-Authorization": "Basic bWluZTpvd24="})
            assert r.status_code == 200
            # Credentials go on the CONNECT line only, never inside the tunnel; and neither
            # do the caller's own proxy credentials.
            assert r.text.startswith("proxy-authorization=[]")
        r = c.get(nginx.https_url + "/json")
        assert r.json()["name"] == "restwell"
        assert c._transport.pool.stats()["in_use"] == 0


@pytest.mark.parametrize("name", ["tinyproxy_auth", "squid_auth", "squid_tls_auth"])
@pytest.mark.parametrize("target", ["http", "https"])
def test_missing_credentials_raise_proxy_error_with_status(
    request: pytest.FixtureRequest, name: str, target: str, app: AppServer, nginx: Nginx,
    make_client: Make,
) -> None:
    _, server = proxy_url(request, name)
    bare = server.tls_url if "_tls" in name else server.url  # type: ignore[attr-defined]
    bare = bare.replace(f"{USER}:{PASSWORD}@", "")
    url = app.url + "/json" if target == "http" else nginx.https_url + "/json"
    with make_client(proxy=bare, verify=nginx.ca_path) as c:
        with pytest.raises(restwell.ProxyError) as info:
            c.get(url)
        assert info.value.status_code == 407
        assert "407" in str(info.value) and "proxy_auth=" in str(info.value)
        assert info.value.request.url == url
        assert c._transport.pool.stats()["in_use"] == 0
    with make_client(proxy=bare, proxy_auth=(USER, PASSWORD), verify=nginx.ca_path) as c:
        assert c.get(url).status_code == 200  # proxy_auth= gives the same credentials


def test_wrong_credentials_in_error_are_redacted(
    squid_auth: Squid, nginx: Nginx, make_client: Make
) -> None:
    bad = squid_auth.url.replace(PASSWORD, "not-the-password")
    with make_client(proxy=bad, verify=nginx.ca_path) as c:
        with pytest.raises(restwell.ProxyError) as info:
            c.get(nginx.https_url + "/json")
        assert info.value.status_code == 407
        assert "not-the-password" not in str(info.value) and "***" in str(info.value)
        assert "not-the-password" not in repr(c._routes.select(URL(nginx.https_url)))


@pytest.mark.parametrize("name", ["microsocks_auth"])
def test_socks_without_credentials_is_refused(
    request: pytest.FixtureRequest, name: str, nginx: Nginx, make_client: Make
) -> None:
    _, server = proxy_url(request, name)
    with make_client(proxy=server.bare_url, verify=nginx.ca_path) as c:
        with pytest.raises(restwell.ProxyError, match="SOCKS proxy"):
            c.get(nginx.https_url + "/json")
        assert c._transport.pool.stats()["in_use"] == 0


def test_connections_are_pooled_per_proxy(
    tinyproxy: Tinyproxy, squid_auth: Squid, nginx: Nginx, make_client: Make
) -> None:
    """A tunnel opened through one proxy is never reused for a request meant for another:
    the second proxy wants credentials, so reuse would show as a 200 instead of a 407."""
    bare = squid_auth.bare_url
    with make_client(proxy=tinyproxy.url, verify=nginx.ca_path) as c:
        assert c.get(nginx.https_url + "/json").status_code == 200
        with pytest.raises(restwell.ProxyError):
            c.get(nginx.https_url + "/json", proxy=bare)  # the call's proxy= beats the client's
        assert c.get(nginx.https_url + "/json", proxy=squid_auth.url).status_code == 200
        assert c.get(nginx.https_url + "/json", proxy=None).status_code == 200  # direct
        assert c._transport.pool.stats()["idle"] == 3


def test_environment_proxies(
    monkeypatch: pytest.MonkeyPatch, squid_auth: Squid, app: AppServer, nginx: Nginx,
    make_client: Make,
) -> None:
    monkeypatch.setenv("HTTP_PROXY", squid_auth.bare_url)
    monkeypatch.setenv("HTTPS_PROXY", squid_auth.bare_url)
    for url in (app.url + "/json", nginx.https_url + "/json"):
        with make_client(verify=nginx.ca_path) as c, pytest.raises(restwell.ProxyError):
            c.get(url)  # the environment's proxy was used (and it wants credentials)
        with make_client(verify=nginx.ca_path, trust_env=False) as c:
            assert c.get(url).status_code == 200  # trust_env=False: direct
        with make_client(verify=nginx.ca_path, proxy=None) as c:
            assert c.get(url).status_code == 200  # an explicit proxy=None wins over the env
        with make_client(verify=nginx.ca_path, proxy=squid_auth.url) as c:
            assert c.get(url).status_code == 200  # an explicit proxy wins over the env
        with make_client(verify=nginx.ca_path, proxy_auth=(USER, PASSWORD)) as c:
            assert c.get(url).status_code == 200  # the env's proxy with these credentials
    monkeypatch.setenv("NO_PROXY", "localhost, 127.0.0.0/8")
    with make_client(verify=nginx.ca_path) as c:
        assert c.get(app.url + "/json").status_code == 200
        assert c.get(nginx.https_url + "/json").status_code == 200


def test_redirect_hops_are_routed_each(
    monkeypatch: pytest.MonkeyPatch, squid_auth: Squid, app: AppServer, nginx: Nginx,
    make_client: Make,
) -> None:
    """Each hop picks its own route: NO_PROXY exempts the first host, not the second."""
    monkeypatch.setenv("HTTPS_PROXY", squid_auth.bare_url)
    monkeypatch.setenv("NO_PROXY", "localhost")
    target = nginx.https_url.replace("127.0.0.1", "localhost") + "/json"
    hop = f"{app.url}/redirect/302?to={urllib.parse.quote(target, safe='')}"
    with make_client(verify=nginx.ca_path) as c:
        assert c.get(hop).status_code == 200  # localhost: direct
        to_ip = f"{app.url}/redirect/302?to={urllib.parse.quote(nginx.https_url, safe='')}"
        with pytest.raises(restwell.ProxyError):
            c.get(to_ip)  # the hop to 127.0.0.1 goes through the proxy


def test_proxy_credentials_never_follow_a_redirect(
    squid_auth: Squid, app: AppServer, nginx: Nginx, make_client: Make
) -> None:
    """Security rows 2 and 7: through a forward proxy and a CONNECT tunnel, an origin that
    redirects elsewhere never sees Proxy-Authorization, on any hop."""
    second = nginx.https_url.replace("127.0.0.1", "localhost") + "/sensitive"
    hop = f"{app.url}/redirect/302?to={urllib.parse.quote(second, safe='')}"
    with make_client(proxy=squid_auth.url, verify=nginx.ca_path) as c:
        r = c.get(hop, headers={"Proxy-Authorization": "Basic Y2FsbGVyOm93bg=="})
        assert r.status_code == 200 and r.text.startswith("proxy-authorization=[]")
        assert not fields(app.requests[-1], "proxy-authorization")


def test_https_proxy_certificate_is_verified(squid: Squid, nginx: Nginx, make_client: Make) -> None:
    """Security row 26: TLS to an https proxy checks its certificate and its name (squid's
    certificate names localhost only)."""
    # The system trust store lacks the test CA.
    with make_client(proxy=squid.tls_url) as c, pytest.raises(restwell.CertificateVerifyError):
        c.get(nginx.https_url + "/json")
    wrong_name = squid.tls_url.replace("localhost", "127.0.0.1")
    with make_client(proxy=wrong_name, verify=nginx.ca_path) as c, \
            pytest.raises(restwell.CertificateVerifyError, match=r"of the proxy.*mismatch"):
        c.get(nginx.https_url + "/json")


def test_unreachable_proxy_is_named(nginx: Nginx, make_client: Make) -> None:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        port = sock.getsockname()[1]
    with make_client(proxy=f"http://u:hunter2@127.0.0.1:{port}") as c:
        for url in ("http://127.0.0.1:1/x", nginx.https_url):
            with pytest.raises(restwell.ConnectError) as info:
                c.get(url)
            message = str(info.value)
            assert f"proxy http://u:***@127.0.0.1:{port}" in message
            assert "hunter2" not in message


def _fake_proxy(reply: bytes) -> typing.Callable[..., None]:
    def handle(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(reply)

    return handle


@pytest.mark.parametrize(
    ("reply", "status"),
    [(b"HTTP/1.1 200 Connection established\r\n", None),  # the status line, then EOF
     (b"", None),
     (b"HTTP/1.1 200 OK\r\nBad Header\r\n\r\n", None),
     (b"HTTP/1.1 501 Not Implemented\r\nContent-Length: 4\r\n\r\nnope", 501),
     (b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n", 403)],
)
def test_connect_failures(
    scripted: Start, make_client: Make, reply: bytes, status: int | None
) -> None:
    """Fault scenarios 20 and 21: a broken or refused CONNECT is a ProxyError (with the
    proxy's status when it gave one), promptly, and leaves the pool clean."""
    server = scripted(_fake_proxy(reply))
    with make_client(proxy=server.url, timeout=5) as c:
        with pytest.raises(restwell.ProxyError) as info:
            c.get("https://origin.test/")
        assert info.value.status_code == status
        assert c._transport.pool.stats()["in_use"] == 0


def test_connect_line_is_what_the_proxy_sees(scripted: Start, make_client: Make) -> None:
    heads: list[bytes] = []

    def handle(conn: socket.socket, index: int) -> None:
        heads.append(read_request(conn))
        conn.sendall(b"HTTP/1.1 407 Auth\r\nContent-Length: 0\r\n\r\n")

    server = scripted(handle)
    proxy = server.url.replace("http://", "http://u%40x:p%3Aw@")
    with make_client(proxy=proxy) as c, pytest.raises(restwell.ProxyError):
        c.get("https://[::1]:8443/path?q=1", headers={"Authorization": "Bearer origin"},
              cookies={"session": "s"})
    assert heads == [
        b"CONNECT [::1]:8443 HTTP/1.1\r\nHost: [::1]:8443\r\n"
        b"Proxy-Authorization: Basic dUB4OnA6dw==\r\n\r\n"  # u@x:p:w; nothing of the origin's
    ]


def test_header_and_host_injection_never_reach_the_proxy(make_client: Make) -> None:
    """Security row 40: CR/LF in a tunnel's host or a proxy header raises before sending."""
    with pytest.raises(restwell.InvalidURL):
        Proxy("http://proxy.test:3128\r\nX: y")
    with pytest.raises(restwell.InvalidHeader):
        Proxy("http://proxy.test:3128", headers={"X-Proxy": "a\r\nInjected: 1"})
    with make_client(proxy="http://127.0.0.1:9") as c, pytest.raises(restwell.InvalidURL):
        c.get("https://a.test\r\nX: y/")


def test_overlong_socks5h_host_is_refused_before_connecting(make_client: Make) -> None:
    """Row 77: SOCKS5 limits a name to 255 bytes; a 300-byte host never reaches the proxy."""
    with make_client(proxy="socks5h://127.0.0.1:9") as c, pytest.raises(restwell.InvalidURL):
        c.get("https://" + "a" * 60 + "." + "b" * 60 + "." + "c" * 60 + "." + "d" * 60
              + "." + "e" * 60 + "/")


# -- routing rules (pure) ----------------------------------------------------------------------

def test_proxy_parsing_and_repr() -> None:
    p = Proxy("proxy.test:3128")
    assert (p.scheme, p.host, p.port, p.auth_header) == ("http", "proxy.test", 3128, None)
    assert Proxy("socks5h://s.test").port == 1080 and Proxy("https://p.test").port == 443
    p = Proxy("http://user:s%40cret@p.test:8080")
    assert p.auth_header == "Basic dXNlcjpzQGNyZXQ="
    assert "s@cret" not in repr(p) and "s%40cret" not in repr(p) and "user:***@" in repr(p)
    assert Proxy("http://p.test", auth=("a", "b")).key != Proxy("http://p.test").key
    for bad in ("ftp://p.test", "http://", "socks4://p.test"):
        with pytest.raises(restwell.InvalidURL):
            Proxy(bad)


def test_env_routes() -> None:
    env = {"http_proxy": "http://lower:1", "HTTP_PROXY": "http://upper:1",
           "HTTPS_PROXY": "https://tls:2", "NO_PROXY": "example.com,.corp.test,10.0.0.0/8,"
           "192.168.1.5, [::1], other.test:8080"}
    routes = routes_from_env(env)
    assert routes is not None

    def via(url: str) -> str | None:
        proxy = routes.select(URL(url))  # type: ignore[union-attr]
        return None if proxy is None else proxy.host

    assert via("http://api.test/") == "lower"  # lower case first, as curl does
    assert via("https://api.test/") == "tls"
    assert via("http://example.com/") is None and via("https://a.example.com/") is None
    assert via("http://badexample.com/") == "lower"  # row 75: no greedy suffix match
    assert via("http://corp.test/") is None and via("http://x.corp.test/") is None
    assert via("http://10.1.2.3/") is None and via("http://11.1.2.3/") == "lower"
    assert via("http://192.168.1.5/") is None and via("http://192.168.1.6/") == "lower"
    assert via("http://[::1]:8080/") is None
    assert via("http://other.test:8080/") is None and via("http://other.test/") == "lower"
    assert routes_from_env({"ALL_PROXY": "socks5h://s:1"}).select(  # type: ignore[union-attr]
        URL("https://x.test")).scheme == "socks5h"  # type: ignore[union-attr]
    assert routes_from_env({"HTTPS_PROXY": "http://p:1", "NO_PROXY": "*"}).select(  # type: ignore[union-attr]
        URL("https://x.test")) is None
    assert routes_from_env({}) is None


def test_httpoxy_upper_case_http_proxy_ignored_under_cgi() -> None:
    """Security row 74: under CGI a request's Proxy: header becomes HTTP_PROXY."""
    assert routes_from_env({"REQUEST_METHOD": "GET", "HTTP_PROXY": "http://evil:1"}) is None
    routes = routes_from_env({"REQUEST_METHOD": "GET", "http_proxy": "http://mine:1"})
    assert routes is not None and routes.select(URL("http://x.test")).host == "mine"  # type: ignore[union-attr]


def test_explicit_mapping() -> None:
    routes = routes_for({"https": "http://tls:1", "all": "http://any:1", "no_proxy": "skip.test"})
    assert routes is not None
    assert routes.select(URL("https://x.test")).host == "tls"  # type: ignore[union-attr]
    assert routes.select(URL("http://x.test")).host == "any"  # type: ignore[union-attr]
    assert routes.select(URL("http://skip.test")) is None
    assert routes_for({"http": None}).select(URL("http://x.test")) is None  # type: ignore[union-attr]
    with pytest.raises(ValueError, match="mapping keys"):
        routes_for({"ftp": "http://p:1"})
