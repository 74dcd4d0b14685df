"""The cookie jar through both clients, and RFC 6265's rules as a table."""

from __future__ import annotations

import contextlib
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
    later = next(c for c in jar.records() if c.name == "ma").expires
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


# -- the jar as a mapping, shared between threads; cookies as octets ----------------------------


def test_jar_is_a_mapping_of_names(app: AppServer, make_client: Make) -> None:
    """As requests' and httpx's jars: dict(), [], in, get(), update(), del; the records stay
    reachable, and a name two paths share with different values is a CookieConflict."""
    with make_client(base_url=app.url) as c:
        c.get(setting("sid=abc; Path=/", "theme=dark; Path=/cookies/x"))
        jar = c.cookies
        assert dict(jar) == {"sid": "abc", "theme": "dark"}
        assert jar["sid"] == "abc" and "sid" in jar and "nope" not in jar
        assert sorted(jar) == ["sid", "theme"] and len(jar) == 2
        with pytest.raises(KeyError):
            jar["nope"]
        assert jar.get("nope") is None and jar.get("nope", "x") == "x"
        host = app.url.removeprefix("http://").split(":")[0]
        assert jar.get("theme", domain=host, path="/cookies/x") == "dark"
        assert jar.get("theme", domain="other.test") is None
        c.get(setting("theme=light; Path=/"))  # the same name for another path
        with pytest.raises(restwell.CookieConflict, match="pick one with"):
            jar["theme"]
        with pytest.raises(restwell.CookieConflict):
            jar.get("theme", "default")  # no default hides the conflict
        assert jar.get("theme", path="/") == "light"
        assert sorted(jar.items()) == [("sid", "abc"), ("theme", "dark"), ("theme", "light")]
        assert {(r.name, r.path) for r in jar.records()} == {
            ("sid", "/"), ("theme", "/cookies/x"), ("theme", "/")}
        jar.delete("theme", path="/cookies/x")
        assert jar["theme"] == "light"
        jar["mine"] = "1"
        jar.update({"also": "2"})
        assert sent_cookie(c.get("/echo").json()) == ["sid=abc; theme=light; mine=1; also=2"]
        del jar["mine"]
        with pytest.raises(KeyError):
            del jar["mine"]
        import copy
        import pickle

        assert dict(pickle.loads(pickle.dumps(jar))) == dict(copy.copy(jar)) == dict(jar)
        jar.clear(domain=host)
        assert dict(jar) == {"also": "2"}  # the caller's own (domain "") stay
        jar.clear()
        assert not jar and len(jar) == 0


def test_a_jar_given_is_shared_and_a_mapping_is_copied(app: AppServer, make_client: Make) -> None:
    jar = Cookies({"mine": "1"})
    with make_client(base_url=app.url, cookies=jar) as c:
        c.get(setting("sid=abc; Path=/"))
        assert jar["sid"] == "abc" and c.cookies is jar  # requests' and httpx's sharing
        c.cookies = {"other": "2"}
        assert dict(c.cookies) == {"other": "2"} and "other" not in jar


def test_a_jar_given_per_call_sends_each_domain_its_own(app: AppServer, make_client: Make,
                                                        app_url_localhost: str) -> None:
    """A jar passed as cookies= for one call: its cookies of other domains stay home."""
    other = Cookies()
    other.extract("http", "localhost", "/", ["theirs=1; Path=/"])
    other.extract("http", "127.0.0.1", "/", ["ours=1; Path=/"])
    other.set("mine", "1")
    with make_client() as c:
        assert sent_cookie(c.get(app.url + "/echo", cookies=other).json()) == ["ours=1; mine=1"]


def test_one_jar_shared_by_sixteen_threads(kind: str) -> None:
    """Sixteen threads, one jar (one Client; for the async kinds, an AsyncClient per thread
    on its own loop, all sharing the jar), thousands of requests whose responses set, change
    and delete cookies, the jar read meanwhile: no error, and the jar consistent at the end."""
    import sys
    import threading

    import both
    from servers import ScriptedServer, read_request

    def handler(conn: typing.Any, index: int) -> None:
        while raw := read_request(conn):
            _, _, thread, step = raw.split(b" ", 2)[1].decode().split("/")
            lines = [f"t{thread}={step}; Path=/", f"shared={thread}-{step}; Path=/",
                     f"p{thread}={step}; Path=/t/{thread}",
                     f"gone{thread}=1; Path=/" + ("; Max-Age=0" if int(step) % 3 == 0 else "")]
            head = "".join(f"Set-Cookie: {line}\r\n" for line in lines)
            conn.sendall(f"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n{head}\r\n".encode() + b"ok")

    server = ScriptedServer(handler)
    jar, steps, errors = Cookies(), 250, []
    shared = restwell.Client(base_url=server.url, cookies=jar) if kind == "sync" else None

    def work(thread: int) -> None:
        try:
            with contextlib.ExitStack() as stack:
                client = shared
                if client is None:
                    runner = stack.enter_context(both.new_runner(kind))
                    client = stack.enter_context(both.AsyncFacade(
                        runner, base_url=server.url, cookies=jar))
                for step in range(steps):
                    client.get(f"/t/{thread}/{step}")
                    if step % 10 == 0:  # the jar read while the others change it
                        len(jar), "shared" in jar, jar.get(f"t{thread}")
                        client.build_request("GET", f"/t/{thread}/x")
        except Exception as exc:
            errors.append(exc)

    interval = sys.getswitchinterval()
    sys.setswitchinterval(1e-6)
    try:
        threads = [threading.Thread(target=work, args=(n,)) for n in range(16)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
    finally:
        sys.setswitchinterval(interval)
        if shared is not None:
            shared.close()
        server.close()
    assert errors == []
    last = str(steps - 1)
    assert {name: jar[name] for name in jar if name.startswith("t")} == {
        f"t{n}": last for n in range(16)}
    assert jar["shared"] in {f"{n}-{last}" for n in range(16)}
    # each thread's last response deleted its gone<n> (249 % 3 == 0)
    assert sorted(jar) == sorted([*(f"t{n}" for n in range(16)), *(f"p{n}" for n in range(16)),
                                  "shared"])
    assert len(jar.records()) == 33 == len(jar)


def test_cookies_go_back_as_the_octets_they_came_as(
    scripted: typing.Any, make_client: Make
) -> None:
    """RFC 6265 §5.4: a cookie value is octets. 0xE9 (Latin-1) used to go back as the two
    bytes of UTF-8 "é" (the head was read as Latin-1 and the Cookie field written as UTF-8)."""
    from servers import read_request

    def handler(conn: typing.Any, index: int) -> None:
        while raw := read_request(conn, server):
            sets = (b"Set-Cookie: l1=Jos\xe9; Path=/\r\nSet-Cookie: u8=Jos\xc3\xa9; Path=/\r\n"
                    if b"/set" in raw.split(b"\r\n", 1)[0] else b"")
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n" + sets + b"\r\nok")

    server = scripted(handler)
    with make_client(base_url=server.url) as c:
        c.get("/set")
        c.get("/again")
        values = c.cookies.get("l1"), c.cookies.get("u8")
    assert b"Cookie: l1=Jos\xe9; u8=Jos\xc3\xa9" in server.received[1].split(b"\r\n")
    # as text: UTF-8 reads as itself, another byte as a lone surrogate (surrogateescape)
    assert values == ("Jos\udce9", "José")


def test_the_callers_own_cookies_go_out_as_utf8_or_as_given_bytes(
    scripted: typing.Any, make_client: Make
) -> None:
    """Text a caller sets goes out as UTF-8; bytes as they are (a cookie is octets)."""
    from servers import read_request

    def handler(conn: typing.Any, index: int) -> None:
        while read_request(conn, server):
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    server = scripted(handler)
    with make_client(base_url=server.url, cookies={"text": "café", "raw": b"\xff"}) as c:
        c.cookies.set("later", b"\xe9t\xe9")
        c.get("/", cookies={"call": "ü", "callraw": b"\xfc"})
    assert (b"Cookie: call=\xc3\xbc; callraw=\xfc; text=caf\xc3\xa9; raw=\xff; later=\xe9t\xe9"
            in server.received[0].split(b"\r\n"))
