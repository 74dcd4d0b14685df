"""The HTTP cache through both clients, against a server that counts what it is asked: a
hit is proven by the server not seeing the request."""

from __future__ import annotations

import http.server
import pathlib
import threading
import time
import typing

import pytest

import restwell
from both import Make

Fields = list[tuple[str, str]]
Route = typing.Callable[[dict[str, str]], tuple[int, Fields, bytes]]


class Origin:
    """An HTTP/1.1 server whose routes are set per test; it records every request."""

    def __init__(self) -> None:
        self.routes: dict[str, Route] = {}
        self.seen: list[tuple[str, str, dict[str, str]]] = []
        origin = self

        class Handler(http.server.BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _any(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                self.rfile.read(length)
                headers = {k.lower(): v for k, v in self.headers.items()}
                origin.seen.append((self.command, self.path, headers))
                route = origin.routes.get(self.path.split("?")[0])
                status, fields, body = route(headers) if route else (404, [], b"")
                self.send_response(status)
                for name, value in fields:
                    self.send_header(name, value)
                if status != 304:
                    self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                if self.command != "HEAD" and status != 304:
                    self.wfile.write(body)

            do_GET = do_POST = do_HEAD = do_PUT = do_DELETE = _any

            def log_message(self, *args: object) -> None:
                pass

        self.server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def count(self, path: str) -> int:
        return sum(1 for _, p, _ in self.seen if p.split("?")[0] == path)

    def close(self) -> None:
        self.server.shutdown()
        self.server.server_close()


@pytest.fixture
def origin() -> typing.Iterator[Origin]:
    server = Origin()
    yield server
    server.close()


def fixed(status: int, fields: Fields, body: bytes = b"hello") -> Route:
    return lambda headers: (status, fields, body)


def validating(etag: str = '"v1"', cache_control: str = "no-cache",
               body: bytes = b"the body") -> Route:
    def route(headers: dict[str, str]) -> tuple[int, Fields, bytes]:
        fields = [("ETag", etag), ("Cache-Control", cache_control)]
        if headers.get("if-none-match") == etag:
            return 304, [*fields, ("X-Fresh", "yes")], b""
        return 200, [*fields, ("Content-Type", "text/plain")], body
    return route


def test_a_fresh_response_is_served_without_the_server(origin: Origin, make_client: Make) -> None:
    origin.routes["/a"] = fixed(200, [("Cache-Control", "max-age=60")], b'{"n": 1}')
    with make_client(cache=True) as c:
        first = c.get(origin.url + "/a")
        second = c.get(origin.url + "/a")
        assert (first.cache_status, second.cache_status) == ("miss", "hit")
        assert second.json() == {"n": 1} and second.status_code == 200
        assert second.headers["age"] == "0" and str(second.url) == origin.url + "/a"
        assert 0 < second.elapsed.total_seconds() < first.elapsed.total_seconds() + 1
    assert origin.count("/a") == 1


def test_without_a_cache_nothing_changes(origin: Origin, make_client: Make) -> None:
    origin.routes["/a"] = fixed(200, [("Cache-Control", "max-age=60")])
    with make_client() as c:
        assert c.get(origin.url + "/a").cache_status is None
        c.get(origin.url + "/a")
    assert origin.count("/a") == 2


def test_a_304_is_returned_as_the_stored_response(origin: Origin, make_client: Make) -> None:
    origin.routes["/v"] = validating()
    with make_client(cache=True) as c:
        assert c.get(origin.url + "/v").cache_status == "miss"
        again = c.get(origin.url + "/v")
        assert again.status_code == 200 and again.text == "the body"
        assert again.cache_status == "revalidated"
        assert again.headers["x-fresh"] == "yes"  # the 304's fields update the stored ones
        assert again.headers["content-type"] == "text/plain"
        assert again.request.headers.get("if-none-match") is None  # the caller's request
    assert [h.get("if-none-match") for _, _, h in origin.seen] == [None, '"v1"']


def test_last_modified_validation(origin: Origin, make_client: Make) -> None:
    stamp = "Mon, 01 Jan 2024 00:00:00 GMT"

    def route(headers: dict[str, str]) -> tuple[int, Fields, bytes]:
        if headers.get("if-modified-since") == stamp:
            return 304, [], b""
        return 200, [("Last-Modified", stamp), ("Cache-Control", "max-age=0")], b"x"

    origin.routes["/lm"] = route
    with make_client(cache=True) as c:
        c.get(origin.url + "/lm")
        assert c.get(origin.url + "/lm").cache_status == "revalidated"


def test_a_changed_resource_replaces_the_stored_one(origin: Origin, make_client: Make) -> None:
    origin.routes["/v"] = validating('"v1"', body=b"one")
    with make_client(cache=True) as c:
        c.get(origin.url + "/v")
        origin.routes["/v"] = validating('"v2"', body=b"two")
        changed = c.get(origin.url + "/v")
        assert (changed.text, changed.cache_status) == ("two", "miss")
        assert c.get(origin.url + "/v").cache_status == "revalidated"


def test_one_identity_never_gets_another_s_response(origin: Origin, make_client: Make) -> None:
    origin.routes["/me"] = lambda h: (200, [("Cache-Control", "max-age=60")],
                                     h.get("authorization", "nobody").encode())
    with make_client(cache=True) as c:
        alice = c.get(origin.url + "/me", auth=("alice", "a"))
        bob = c.get(origin.url + "/me", auth=("bob", "b"))
        anonymous = c.get(origin.url + "/me")
        assert len({alice.text, bob.text, anonymous.text}) == 3
        again = c.get(origin.url + "/me", auth=("alice", "a"))
        assert again.cache_status == "hit" and again.text == alice.text
        token = c.get(origin.url + "/me", headers={"Authorization": "Bearer t"})
        assert token.cache_status == "miss"
        cookie = c.get(origin.url + "/me", cookies={"session": "s1"})
        assert cookie.cache_status == "miss"
    assert origin.count("/me") == 5


def test_vary_keeps_variants_side_by_side(origin: Origin, make_client: Make) -> None:
    origin.routes["/v"] = lambda h: (200, [("Cache-Control", "max-age=60"), ("Vary", "Accept")],
                                    h.get("accept", "").encode())
    with make_client(cache=True) as c:
        for accept in ("a/json", "a/xml", "a/json", "a/xml"):
            r = c.get(origin.url + "/v", headers={"Accept": accept})
            assert r.text == accept
    assert origin.count("/v") == 2


def test_vary_star_is_never_served(origin: Origin, make_client: Make) -> None:
    origin.routes["/s"] = fixed(200, [("Cache-Control", "max-age=60"), ("Vary", "*")])
    with make_client(cache=True) as c:
        c.get(origin.url + "/s")
        assert c.get(origin.url + "/s").cache_status == "miss"


@pytest.mark.parametrize("fields", [[("Cache-Control", "no-store, max-age=60")],
                                    [("Cache-Control", "max-age=0")]])
def test_what_is_not_stored_or_not_fresh_goes_to_the_server(
    origin: Origin, make_client: Make, fields: Fields
) -> None:
    origin.routes["/n"] = fixed(200, fields)
    with make_client(cache=True) as c:
        c.get(origin.url + "/n")
        c.get(origin.url + "/n")
    assert origin.count("/n") == 2


def test_the_request_s_cache_control(origin: Origin, make_client: Make) -> None:
    origin.routes["/v"] = validating(cache_control="max-age=10")
    now = time.time()  # a clock that stands still: a slow machine cannot let the entry age
    with make_client(cache=restwell.Cache(restwell.MemoryCache(), clock=lambda: now)) as c:
        url = origin.url + "/v"
        empty = c.get(origin.url + "/other", headers={"Cache-Control": "only-if-cached"})
        assert empty.status_code == 504 and origin.count("/other") == 0
        c.get(url)
        assert c.get(url, headers={"Cache-Control": "only-if-cached"}).cache_status == "hit"
        assert c.get(url, headers={"Cache-Control": "no-cache"}).cache_status == "revalidated"
        assert c.get(url, headers={"Cache-Control": "max-age=0"}).cache_status == "revalidated"
        assert c.get(url, headers={"Pragma": "no-cache"}).cache_status == "revalidated"
        assert c.get(url, headers={"Cache-Control": "min-fresh=15"}).cache_status == "revalidated"
        before = origin.count("/v")
        c.get(url, headers={"Cache-Control": "no-store"})
        assert origin.count("/v") == before  # no-store on a request: nothing stored from it


def test_max_stale_serves_a_stale_response(origin: Origin, make_client: Make) -> None:
    clock = [1_700_000_000.0]
    origin.routes["/s"] = fixed(200, [("Cache-Control", "max-age=10")])
    cache = restwell.Cache(restwell.MemoryCache(), clock=lambda: clock[0])
    with make_client(cache=cache) as c:
        c.get(origin.url + "/s")
        clock[0] += 30
        stale = c.get(origin.url + "/s", headers={"Cache-Control": "max-stale=60"})
        assert stale.cache_status == "stale" and stale.headers["age"] == "30"
        assert c.get(origin.url + "/s").cache_status == "miss"
    assert origin.count("/s") == 2


def test_per_call_cache_false(origin: Origin, make_client: Make) -> None:
    origin.routes["/a"] = fixed(200, [("Cache-Control", "max-age=60")])
    with make_client(cache=True) as c:
        assert c.get(origin.url + "/a", cache=False).cache_status is None
        assert c.get(origin.url + "/a").cache_status == "miss"  # cache=False stored nothing
        assert c.get(origin.url + "/a", cache=False).cache_status is None
        assert c.request("GET", origin.url + "/a").cache_status == "hit"
        with c.stream("GET", origin.url + "/a", cache=False) as r:
            assert r.read() == b"hello"
    assert origin.count("/a") == 4


def test_unsafe_methods_invalidate(origin: Origin, make_client: Make) -> None:
    origin.routes["/items"] = fixed(200, [("Cache-Control", "max-age=60")])
    origin.routes["/items/1"] = fixed(200, [("Cache-Control", "max-age=60")])
    origin.routes["/make"] = fixed(201, [("Location", "/items/1"),
                                         ("Content-Location", "http://elsewhere.test/items")])
    with make_client(cache=True) as c:
        c.get(origin.url + "/items")
        c.get(origin.url + "/items/1")
        c.post(origin.url + "/items", json={})
        assert c.get(origin.url + "/items").cache_status == "miss"
        assert c.get(origin.url + "/items/1").cache_status == "hit"
        c.post(origin.url + "/make")
        assert c.get(origin.url + "/items/1").cache_status == "miss"
        assert c.get(origin.url + "/items").cache_status == "hit"


def test_a_streamed_response_is_stored_once_read_to_its_end(
    origin: Origin, make_client: Make
) -> None:
    body = b"x" * 300_000
    origin.routes["/big"] = fixed(200, [("Cache-Control", "max-age=60")], body)
    with make_client(cache=True) as c:
        with c.stream("GET", origin.url + "/big") as r:
            next(iter(r.iter_bytes(1000)))  # closed early: not stored
        assert c.get(origin.url + "/big").cache_status == "miss"  # (stored now, whole)
        assert c.get(origin.url + "/big").content == body
        origin.routes["/big2"] = origin.routes["/big"]
        with c.stream("GET", origin.url + "/big2") as r:
            assert b"".join(r.iter_bytes()) == body
        with c.stream("GET", origin.url + "/big2") as r:
            assert r.cache_status == "hit" and r.read() == body
    assert origin.count("/big") == 2 and origin.count("/big2") == 1


def test_event_hooks_see_a_hit(origin: Origin, make_client: Make) -> None:
    origin.routes["/a"] = fixed(200, [("Cache-Control", "max-age=60")])
    seen: list[str | None] = []
    hooks = {"request": [lambda request: seen.append("request")],
             "response": [lambda response: seen.append(response.cache_status)]}
    with make_client(cache=True, event_hooks=hooks) as c:
        c.get(origin.url + "/a")
        c.get(origin.url + "/a")
    assert seen == ["request", "miss", "request", "hit"]


def test_a_sqlite_cache_outlives_its_client(
    origin: Origin, make_client: Make, tmp_path: pathlib.Path
) -> None:
    origin.routes["/a"] = fixed(200, [("Cache-Control", "max-age=60")], b"kept")
    path = str(tmp_path / "cache.sqlite")
    with make_client(cache=path) as c:
        c.get(origin.url + "/a")
    with make_client(cache=restwell.SQLiteCache(path, max_bytes=10**6)) as c:
        again = c.get(origin.url + "/a")
        assert again.cache_status == "hit" and again.text == "kept"
    assert origin.count("/a") == 1


def test_head_and_redirects_through_the_cache(origin: Origin, make_client: Make) -> None:
    origin.routes["/old"] = fixed(301, [("Location", "/new"), ("Cache-Control", "max-age=60")])
    origin.routes["/new"] = fixed(200, [("Cache-Control", "max-age=60")], b"new")
    with make_client(cache=True) as c:
        assert c.get(origin.url + "/old").text == "new"
        r = c.get(origin.url + "/old")
        assert r.text == "new" and r.cache_status == "hit" and r.history[0].cache_status == "hit"
        assert c.head(origin.url + "/new").cache_status == "miss"
        assert c.head(origin.url + "/new").cache_status == "hit"
    assert origin.count("/old") == 1 and origin.count("/new") == 2


def test_a_bad_cache_setting_says_what_it_takes() -> None:
    with pytest.raises(TypeError, match="cache= takes True"):
        restwell.Client(cache=42)  # type: ignore[arg-type]


class Broken:
    """A storage whose every call fails, like a lost disk or server."""

    def get(self, *args: object) -> None:
        raise OSError("disk gone")

    put = delete = get

    def keys(self) -> typing.Iterator[str]:
        raise OSError("disk gone")

    def size(self) -> int:
        raise OSError("disk gone")

    async def aget(self, *args: object) -> None:
        raise OSError("disk gone")

    aput = adelete = aget


def test_a_failing_storage_is_a_miss_never_an_error(origin: Origin, make_client: Make) -> None:
    origin.routes["/a"] = fixed(200, [("Cache-Control", "max-age=60")], b"ok")
    with make_client(cache=restwell.Cache(Broken())) as c:
        for _ in range(2):
            r = c.get(origin.url + "/a")
            assert (r.text, r.cache_status) == ("ok", "miss")
        c.post(origin.url + "/a")
    assert origin.count("/a") == 3


@pytest.mark.parametrize("failure", ["503", "down"])
def test_stale_if_error_answers_for_a_failed_origin(
    origin: Origin, make_client: Make, failure: str
) -> None:
    """RFC 5861: within the stale-if-error window, a stale stored response answers when the
    origin fails (a 503, or nobody listening); past it, or with must-revalidate, the failure
    is the caller's."""
    clock = [time.time()]
    origin.routes["/e"] = fixed(200, [("Cache-Control", "max-age=10, stale-if-error=60")])
    origin.routes["/m"] = fixed(200, [("Cache-Control",
                                       "max-age=10, stale-if-error=60, must-revalidate")])
    cache = restwell.Cache(restwell.MemoryCache(), clock=lambda: clock[0])
    with make_client(cache=cache) as c:
        assert c.get(origin.url + "/e").cache_status == "miss"
        assert c.get(origin.url + "/m").cache_status == "miss"
    origin.routes["/e"] = origin.routes["/m"] = fixed(503, [], b"down")
    if failure == "down":
        origin.close()
    clock[0] += 40  # stale by 30 s: within the 60 s window
    with make_client(cache=cache, timeout=restwell.Timeout(2)) as c:  # (no kept connection)
        stale = c.get(origin.url + "/e")
        assert stale.status_code == 200 and stale.cache_status == "stale"
        assert stale.text == "hello" and int(stale.headers["age"]) >= 40
        if failure == "503":
            assert c.get(origin.url + "/m").status_code == 503  # must-revalidate
            clock[0] += 60  # past the window
            assert c.get(origin.url + "/e").status_code == 503
        else:
            with pytest.raises(restwell.ConnectError):
                c.get(origin.url + "/m")
