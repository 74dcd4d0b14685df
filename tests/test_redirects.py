"""Redirects through both clients: method rules, bodies, history, limits, and the one rule
that keeps credentials from following a redirect to another origin or down to http."""

from __future__ import annotations

import io
import typing
import urllib.parse

import pytest

import restwell
from both import Make
from restwell import URL
from restwell._features._redirects import crosses_boundary
from servers import AppServer


def via(code: int, to: str) -> str:
    return f"/redirect/{code}?to={urllib.parse.quote(to, safe='')}"


def fields(record: dict, name: str) -> list[str]:  # type: ignore[type-arg]
    return [v for n, v in record["headers"] if n.lower() == name]


def test_follows_relative_location_with_history(app: AppServer, make_client: Make) -> None:
    with make_client(base_url=app.url) as c:
        r = c.get(via(302, via(301, "/echo")) + "#frag")
        assert r.status_code == 200 and r.json()["target"] == "/echo"
        assert [h.status_code for h in r.history] == [302, 301]
        assert str(r.url) == app.url + "/echo#frag"  # the fragment carries over
        assert c._transport.pool.stats()["in_use"] == 0
        r = c.get(via(302, "/echo"), follow_redirects=False)
        assert r.status_code == 302 and r.headers["location"] == "/echo" and not r.history


@pytest.mark.parametrize(
    ("code", "method", "sent_method", "has_body"),
    [(301, "POST", "GET", False), (302, "POST", "GET", False), (303, "PUT", "GET", False),
     (303, "HEAD", "HEAD", True), (302, "PUT", "PUT", True), (307, "POST", "POST", True),
     (308, "PATCH", "PATCH", True)],
)
def test_method_and_body_rules(
    app: AppServer, make_client: Make, code: int, method: str, sent_method: str, has_body: bool
) -> None:
    with make_client(base_url=app.url) as c:
        r = c.request(method, via(code, "/echo"), json={"a": 1})
    last = app.requests[-1]
    assert r.status_code == 200 and last["method"] == sent_method
    if has_body:
        assert last["body"] == '{"a":1}' and fields(last, "content-type") == ["application/json"]
    else:
        assert last["body"] == "" and not fields(last, "content-type")
        assert fields(last, "content-length") in ([], ["0"])


def test_307_rewinds_a_file_and_refuses_a_spent_iterator(app: AppServer, make_client: Make) -> None:
    with make_client(base_url=app.url) as c:
        c.post(via(307, "/echo"), content=io.BytesIO(b"file body"))
        assert [r["body"] for r in app.requests[-2:]] == ["file body", "file body"]
        with pytest.raises(restwell.StreamConsumed, match="one-shot"):
            c.post(via(307, "/echo"), content=iter([b"once"]))


def test_credentials_do_not_follow_to_another_origin(app: AppServer, make_client: Make) -> None:
    other = AppServer()
    try:
        away = other.url + "/echo"
        with make_client(base_url=app.url, auth=("client", "secret"), cookies={"jar": "1"}) as c:
            here = c.get(via(302, "/echo"), headers={"Cookie": "x=1"}).json()
            assert fields(here, "authorization") and fields(here, "cookie") == ["x=1; jar=1"]
            there = c.get(via(302, away), headers={"cookie": "x=1", "X-Keep": "k"},
                          cookies={"call": "2"}).json()
            assert not fields(there, "authorization") and not fields(there, "cookie")
            assert fields(there, "x-keep") == ["k"]  # other fields do follow
            assert not fields(there, "referer")  # row 18: no Referer, so no userinfo in one
            there = c.get(via(307, away), auth=("call", "secret"),
                          headers={"Authorization": "Bearer t", "AUTHORIZATION": "x",
                                   "Proxy-Authorization": "Basic cDpw"}).json()
            assert not fields(there, "authorization")
            assert not fields(there, "proxy-authorization")  # row 8: no proxy configured
            # and back: a chain that left the origin sends nothing when it comes home either
            back = c.get(via(302, other.url + via(302, app.url + "/echo"))).json()
            assert not fields(back, "authorization")
        assert all(not fields(r, "authorization") for r in other.requests)
    finally:
        other.close()


def test_redirect_body_is_not_decoded(scripted: typing.Any, make_client: Make) -> None:
    """Row 56: following a 3xx never decompresses its body (a gzip bomb here)."""
    import gzip
    import socket

    from servers import read_request

    bomb = gzip.compress(b"\0" * (200 << 20))  # 200 MiB of zeros, about 200 KB on the wire

    def handle(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 302 Found\r\nLocation: /next\r\nContent-Encoding: gzip\r\n"
                     b"Content-Length: %d\r\n\r\n%b" % (len(bomb), bomb))
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    server = scripted(handle)
    with make_client(limits=restwell.Limits(max_decompressed_size=1 << 20)) as c:
        r = c.get(server.url + "/first")
        assert r.text == "ok" and r.history[0].status_code == 302


def test_top_level_functions_strip_credentials_too(app: AppServer) -> None:
    """Row 9: the leak rules hold on every public entry point, the one-shot functions too."""
    other = AppServer()
    try:
        r = restwell.get(app.url + via(302, other.url + "/echo"), auth=("u", "p"),
                         headers={"Cookie": "c=1", "Proxy-Authorization": "Basic cDpw"})
        sent = r.json()
        assert not fields(sent, "authorization") and not fields(sent, "cookie")
        assert not fields(sent, "proxy-authorization")
        assert fields(app.requests[-1], "authorization")  # the first origin did get them
    finally:
        other.close()


def test_too_many_redirects_and_limits(app: AppServer, make_client: Make) -> None:
    loop = via(302, "/echo")
    for _ in range(4):
        loop = via(302, loop)  # five redirects in a row
    with make_client(base_url=app.url, max_redirects=3) as c:
        with pytest.raises(restwell.TooManyRedirects, match="max_redirects") as info:
            c.get(loop)
        assert [h.status_code for h in info.value.history] == [302] * 4
        assert c.get(loop, max_redirects=5).status_code == 200
        assert c._transport.pool.stats()["in_use"] == 0


def test_non_http_location_is_refused(app: AppServer, make_client: Make) -> None:
    with make_client(base_url=app.url) as c:
        with pytest.raises(restwell.UnsupportedProtocol, match=r"to file:.*/etc/passwd"):
            c.get(via(302, "file:///etc/passwd"))
        r = c.get("/redirect/302")  # an empty Location: not a redirect, returned as it came
        assert r.status_code == 302 and not r.history


def test_streamed_redirect(app: AppServer, make_client: Make) -> None:
    with make_client(base_url=app.url) as c, c.stream("GET", via(303, "/chunks/3")) as r:
        assert list(r.iter_lines()) == ["line 0", "line 1", "line 2"]
        assert [h.status_code for h in r.history] == [303]


@pytest.mark.parametrize(
    ("old", "new", "crosses"),
    [
        ("https://a.test/x", "https://a.test/y", False),
        ("https://a.test/x", "https://a.test:443/y", False),
        ("http://a.test/x", "http://a.test:80/y", False),
        ("https://a.test/x", "http://a.test/x", True),  # down to http, same host
        ("http://a.test/x", "https://a.test/x", True),  # another origin (scheme and port)
        ("https://a.test/x", "https://b.test/x", True),
        ("https://a.test/x", "https://a.test:8443/x", True),
        ("https://a.test/x", "https://sub.a.test/x", True),
        ("https://A.TEST/x", "https://a.test/y", False),
    ],
)
def test_boundary_rule(old: str, new: str, crosses: bool) -> None:
    assert crosses_boundary(URL(old), URL(new)) is crosses


@pytest.mark.parametrize("location", ["http:/x", "///host/x", "http://", "https:///x"])
def test_a_location_without_a_host_is_a_clear_error(
    app: AppServer, make_client: Make, location: str
) -> None:
    with make_client(base_url=app.url) as c, pytest.raises(restwell.RemoteProtocolError) as info:
        c.get(via(302, location))
    assert "no host" in str(info.value) and repr(location) in str(info.value)
    assert len(app.requests) == 1  # nothing was sent on
