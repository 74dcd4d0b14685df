"""The cookie jar through both clients, and RFC 6265's rules as a table."""

from __future__ import annotations

import time
import typing
import urllib.parse

import pytest

import restwell
from both import Make
from restwell._features._cookies import Cookies, parse_set_cookie
from servers import AppServer


def setting(*lines: str, path: str = "/cookies/set") -> str:
    return path + "?" + urllib.parse.urlencode([("c", line) for line in lines])


def sent_cookie(record: dict[str, typing.Any]) -> list[str]:
    return [v for n, v in record["headers"] if n == "cookie"]


def test_jar_keeps_and_sends_back(app: AppServer, make_client: Make) -> None:
    with make_client(base_url=app.url) as c:
        r = c.get(setting("sid=abc; Path=/; HttpOnly", "theme=dark; Path=/cookies/x"))
        assert r.cookies == {"sid": "abc", "theme": "dark"}
        assert sent_cookie(c.get("/echo").json()) == ["sid=abc"]  # theme: path /cookies/x
        assert sent_cookie(c.get("/cookies/x/y").json()) == ["theme=dark; sid=abc"]
        c.get(setting("sid=gone; Max-Age=0; Path=/"))  # same name, domain and path: deleted
        assert sent_cookie(c.get("/echo").json()) == []
        assert c.cookies.get("theme") == "dark"


def test_host_only_and_no_port_isolation_for_server_cookies(
    app: AppServer, make_client: Make, app_url_localhost: str
) -> None:
    with make_client() as c:
        c.get(app_url_localhost + setting("a=1; Path=/"))
        assert sent_cookie(c.get(app_url_localhost + "/echo").json()) == ["a=1"]
        assert sent_cookie(c.get(app.url + "/echo").json()) == []  # 127.0.0.1 is another host


def test_cookies_set_in_a_redirect_chain_reach_the_next_hop(
    app: AppServer, make_client: Make, app_url_localhost: str
) -> None:
    with make_client() as c:
        here = c.get(app.url + setting("step=1; Path=/", path="/redirect/302") + "&to=/echo").json()
        assert sent_cookie(here) == ["step=1"]
        away = app_url_localhost + "/echo"  # another host: the jar's cookie stays home
        there = c.get(app.url + setting("more=2; Path=/", path="/redirect/302") + "&to="
                      + urllib.parse.quote(away, safe="")).json()
        assert sent_cookie(there) == []


def test_secure_cookies_need_https(app: AppServer, make_client: Make) -> None:
    with make_client(base_url=app.url) as c:
        c.get(setting("s=1; Secure", "__Host-h=1; Path=/"))
        assert len(c.cookies) == 0  # an http origin cannot set Secure (or __Host-) cookies


def test_save_and_load(app: AppServer, make_client: Make, tmp_path: typing.Any) -> None:
    path = str(tmp_path / "jar.json")
    with make_client(base_url=app.url) as c:
        c.get(setting("sid=abc; Max-Age=3600; Path=/"))
        c.cookies.save(path)
    with make_client(base_url=app.url, cookies=Cookies.load(path)) as c:
        assert sent_cookie(c.get("/echo").json()) == ["sid=abc"]


@pytest.mark.parametrize(
    ("line", "scheme", "host", "expect"),
    [
        ("a=1", "https", "www.example.com", ("www.example.com", True, "/")),
        ("a=1; Domain=example.com", "https", "www.example.com", ("example.com", False, "/")),
        ("a=1; Domain=.EXAMPLE.com", "https", "www.example.com", ("example.com", False, "/")),
        ("a=1; Domain=com", "https", "www.example.com", None),  # a public suffix
        ("a=1; Domain=co.uk", "https", "shop.co.uk", None),
        ("a=1; Domain=github.io", "https", "x.github.io", None),
        ("a=1; Domain=github.io", "https", "github.io", ("github.io", True, "/")),
        ("a=1; Domain=other.com", "https", "www.example.com", None),  # not its domain
        ("a=1; Domain=example.com", "https", "badexample.com", None),
        ("a=1; Domain=1.2.3", "https", "1.2.3.4", None),  # IPs match only exactly
        ("a=1; Path=/x", "https", "h.test", ("h.test", True, "/x")),
        ("a=1; Path=nope", "https", "h.test", ("h.test", True, "/")),
        ("novalue", "https", "h.test", None),
        ("=x", "https", "h.test", None),
        ("a=1\x01", "https", "h.test", None),
        ("a=" + "x" * 5000, "https", "h.test", None),
        ("s=1; Secure", "http", "h.test", None),
        ("__Secure-a=1", "https", "h.test", None),
        ("__Host-a=1; Secure; Path=/; Domain=h.test", "https", "h.test", None),
        ("__Host-a=1; Secure; Path=/", "https", "h.test", ("h.test", True, "/")),
    ],
)
def test_set_cookie_rules(line: str, scheme: str, host: str,
                          expect: tuple[str, bool, str] | None) -> None:
    cookie = parse_set_cookie(line, scheme, host, "/a")
    got = None if cookie is None else (cookie.domain, cookie.host_only, cookie.path)
    assert got == expect


def test_expiry_and_matching_rules() -> None:
    jar = Cookies()
    jar.extract("https", "www.example.com", "/", [
        "d=1; Domain=example.com", "h=1", "s=1; Secure",
        "old=1; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
        "ma=1; Max-Age=100; Expires=Thu, 01 Jan 1970 00:00:00 GMT",
    ])
    assert jar.header_for("https", "www.example.com", "/") == "d=1; h=1; s=1; ma=1"
    assert jar.header_for("https", "api.example.com", "/") == "d=1"  # the domain cookie only
    assert jar.header_for("http", "www.example.com", "/") == "d=1; h=1; ma=1"  # no Secure
    later = next(c for c in jar if c.name == "ma").expires
    assert later is not None and later > time.time() + 90  # Max-Age beats Expires


def test_bounds() -> None:
    jar = Cookies()
    jar.extract("https", "h.test", "/", [f"c{i}=1" for i in range(60)])
    assert len(jar) == 50 and jar.get("c59") == "1" and jar.get("c0") is None
    with pytest.raises(ValueError):
        jar.set("bad;name", "1")
    with pytest.raises(restwell.InvalidHeader):
        jar.set("a", "b\r\nX: 1")


def test_host_only_flag_survives_save_and_load(tmp_path: typing.Any) -> None:
    """Row 71: a host-only cookie reloaded from disk still goes to its host only."""
    jar = Cookies()
    jar.extract("https", "a.test", "/", ["h=1; Path=/", "d=2; Domain=a.test; Path=/"])
    path = str(tmp_path / "jar.json")
    jar.save(path)
    again = Cookies.load(path)
    assert again.header_for("https", "a.test", "/") == "h=1; d=2"
    assert again.header_for("https", "sub.a.test", "/") == "d=2"


def test_cookie_file_is_data_with_owner_only_permissions(tmp_path: typing.Any) -> None:
    """Row 72: the file is JSON, written 0600; a crafted file is a ValueError, never code."""
    import os
    import pickle

    jar = Cookies()
    jar.set("a", "1", "h.test")
    path = tmp_path / "jar.json"
    jar.save(str(path))
    assert os.stat(path).st_mode & 0o777 == 0o600
    crafted = [
        pickle.dumps(os.system),  # a pickle: not even read as one
        b'{"name": "a"}',
        b'[{"name": "a"}]',
        b'[["not", "a", "dict"]]',
        b'[{"name": "a", "value": "1\\r\\nX: y", "domain": "h", "path": "/", "host_only": true,'
        b' "secure": false, "http_only": false, "same_site": null, "expires": null,'
        b' "created": 0}]',
        b'[{"name": "a", "value": 1, "domain": "h", "path": "/", "host_only": true,'
        b' "secure": false, "http_only": false, "same_site": null, "expires": null,'
        b' "created": 0}]',
    ]
    for content in crafted:
        path.write_bytes(content)
        with pytest.raises(ValueError, match="cookie"):
            Cookies.load(str(path))


@pytest.mark.parametrize("domain", ["CO.UK", "co.uk.", "Co.Uk", ".co.uk"])
def test_public_suffix_in_any_case_or_with_a_dot_is_refused(domain: str) -> None:
    """Row 73: mixed case and a trailing dot do not smuggle a public suffix past the list."""
    assert parse_set_cookie(f"s=1; Domain={domain}", "https", "foo.co.uk", "/") is None
    jar = Cookies()
    jar.extract("https", "foo.co.uk", "/", [f"s=1; Domain={domain}"])
    assert jar.header_for("https", "bar.co.uk", "/") == ""


def test_quoted_backslashes_parse_in_linear_time() -> None:
    """Row 52: CPython's http.cookies was quadratic on this."""
    started = time.perf_counter()
    jar = Cookies()
    jar.extract("https", "h.test", "/", ['a="' + "\\" * 100_000 + '"'])
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("value", ["\t0", "a\tb", "x\x01", "semi;colon", "del\x7f"])
def test_caller_cookies_with_a_ctl_or_semicolon_are_refused(value: str) -> None:
    """RFC 6265 §4.1.1: a cookie holds no CTL, HTAB included (which a header value could
    otherwise carry); found by the long run of the no-CTL-on-the-wire property."""
    client = restwell.Client()
    with pytest.raises(restwell.InvalidHeader, match="Invalid cookie"):
        client.build_request("GET", "http://h.test/", cookies={"c": value})
