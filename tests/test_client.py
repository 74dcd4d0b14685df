"""Behaviour of Client and the top-level functions against a real keep-alive server."""

from __future__ import annotations

import io
import json
import threading

import pytest

import restwell
from both import Make, request_via
from restwell import Client, HTTPStatusError, InvalidURL, Timeout
from servers import AppServer


def echo(r: restwell.Response) -> dict:  # type: ignore[type-arg]
    return r.json()  # type: ignore[no-any-return]


def header(record: dict, name: str) -> list[str]:  # type: ignore[type-arg]
    return [v for n, v in record["headers"] if n.lower() == name.lower()]


def test_get_json_and_defaults(app: AppServer) -> None:
    r = restwell.get(app.url + "/json")
    assert r.status_code == 200 and r.is_success
    assert r.json() == {"id": 1, "name": "restwell", "ok": True}
    assert r.headers["content-type"] == "application/json"
    assert r.http_version == "HTTP/1.1" and r.reason_phrase == "OK"
    assert r.url == app.url + "/json"
    assert r.elapsed.total_seconds() > 0
    sent = restwell.get(app.url + "/echo").json()
    assert header(sent, "user-agent") == [f"restwell/{restwell.__version__}"]
    assert header(sent, "accept-encoding") == [restwell._models._decoders.ACCEPT_ENCODING]
    assert header(sent, "host") == [app.url.removeprefix("http://")]


def test_keep_alive_reuses_one_connection(app: AppServer, make_client: Make) -> None:
    with make_client(base_url=app.url) as client:
        for _ in range(20):
            assert client.get("/json").status_code == 200
        assert client._transport.pool.stats() == {"total": 1, "idle": 1, "in_use": 0}  # type: ignore[attr-defined]
    assert app.connections == 1


def test_json_post_with_preemptive_basic_auth(app: AppServer, make_client: Make) -> None:
    r = request_via(
        make_client,
        "POST",
        app.url + "/echo",
        json={"name": "test", "é": 1},
        auth=("user", "pässword"),
    )
    sent = echo(r)
    assert sent["method"] == "POST"
    assert json.loads(sent["body"].encode("latin-1")) == {"name": "test", "é": 1}
    assert header(sent, "content-type") == ["application/json"]
    assert header(sent, "authorization") == ["Basic dXNlcjpww6Rzc3dvcmQ="]
    assert len(app.requests) == 1  # no challenge round trip


def test_userinfo_becomes_basic_auth(app: AppServer, make_client: Make) -> None:
    url = app.url.replace("http://", "http://al%20ice:pw@") + "/echo"
    sent = request_via(make_client, "GET", url).json()
    assert header(sent, "authorization") == ["Basic YWwgaWNlOnB3"]


def test_client_auth_stays_on_base_url_origin(app: AppServer, make_client: Make) -> None:
    other = AppServer()
    try:
        with make_client(base_url=app.url, auth=("u", "p")) as client:
            assert header(client.get("/echo").json(), "authorization")
            assert not header(client.get(other.url + "/echo").json(), "authorization")
    finally:
        other.close()


def test_form_bytes_file_and_iterator_bodies(app: AppServer, tmp_path, make_client: Make) -> None:  # type: ignore[no-untyped-def]
    with make_client(base_url=app.url) as c:
        sent = c.post("/echo", data={"a": "1 2", "b": ["x", "y"]}).json()
        assert sent["body"] == "a=1+2&b=x&b=y"
        assert header(sent, "content-type") == ["application/x-www-form-urlencoded"]
        sent = c.put("/echo", content=b"raw").json()
        assert (sent["body"], header(sent, "content-length")) == ("raw", ["3"])
        path = tmp_path / "f.bin"
        path.write_bytes(b"f" * 100_000)
        with open(path, "rb") as f:
            sent = c.post("/echo", content=f).json()
        assert header(sent, "content-length") == ["100000"] and sent["body"] == "f" * 100_000
        sent = c.post("/echo", content=iter([b"ab", b"", b"cd"])).json()
        assert header(sent, "transfer-encoding") == ["chunked"] and sent["body"] == "abcd"
        sent = c.post("/echo", content=io.BytesIO(b"buffer")).json()
        assert header(sent, "content-length") == ["6"] and sent["body"] == "buffer"
        assert header(c.post("/echo").json(), "content-length") == ["0"]
        assert header(c.get("/echo").json(), "content-length") == []


def test_params_headers_cookies_merge(app: AppServer, make_client: Make) -> None:
    with make_client(
        base_url=app.url + "/",
        params={"a": "1", "b": "2"},
        headers={"X-Client": "c", "Accept": "application/json"},
        cookies={"sid": "1"},
    ) as c:
        sent = c.get(
            "echo", params={"b": "3"}, headers={"x-client": "call"}, cookies={"x": "y"}
        ).json()
    assert sent["target"] == "/echo?a=1&b=3"
    assert header(sent, "x-client") == ["call"]
    assert header(sent, "accept") == ["application/json"]
    assert header(sent, "cookie") == ["x=y; sid=1"]  # the call's, then the jar's


def test_base_url_path_is_extended(app: AppServer, make_client: Make) -> None:
    with make_client(base_url=app.url + "/api/v3") as c:
        assert c.get("/repos/x").json()["message"] == "Not Found"
        assert app.requests[-1]["target"] == "/api/v3/repos/x"


def test_relative_url_without_base_url(make_client: Make) -> None:
    with pytest.raises(InvalidURL, match="absolute"):
        request_via(make_client, "GET", "/just/a/path")


def test_raise_for_status_message(app: AppServer, make_client: Make) -> None:
    r = request_via(make_client, "GET", app.url + "/status/404")
    with pytest.raises(HTTPStatusError) as info:
        r.raise_for_status()
    message = str(info.value)
    assert "404" in message and "GET" in message and app.url + "/status/404" in message
    assert "status 404 as asked" in message
    assert info.value.response is r
    assert request_via(make_client, "GET", app.url + "/json").raise_for_status().status_code == 200


def test_decompression(app: AppServer, make_client: Make) -> None:
    assert request_via(make_client, "GET", app.url + "/gzip").json() == {"zipped": True}
    assert request_via(make_client, "GET", app.url + "/deflate").json() == {"d": 1}


def test_text_charset(app: AppServer, make_client: Make) -> None:
    r = request_via(make_client, "GET", app.url + "/latin1")
    assert r.encoding == "iso8859-1" and r.text == "café"


def test_head_and_options(app: AppServer, make_client: Make) -> None:
    with make_client(base_url=app.url) as c:
        r = c.head("/bytes/5000")
        assert r.headers["content-length"] == "5000" and r.content == b""
        assert c.get("/json").status_code == 200  # the connection survived the HEAD
        assert c.options("/echo").json()["method"] == "OPTIONS"
        assert app.connections == 1


def test_stream_iterates_and_releases(app: AppServer, make_client: Make) -> None:
    with make_client(base_url=app.url) as c:
        with c.stream("GET", "/chunks/100") as r:
            assert r.status_code == 200
            with pytest.raises(restwell.ResponseNotRead):
                r.content  # noqa: B018
            lines = list(r.iter_lines())
        assert lines == [f"line {i}" for i in range(100)]
        assert c._transport.pool.stats()["idle"] == 1  # type: ignore[attr-defined]
        with c.stream("GET", "/bytes/300000") as r:
            sizes = [len(b) for b in r.iter_bytes(chunk_size=1000)]
        assert sum(sizes) == 300000 and max(sizes) == 1000
        assert c._transport.pool.stats() == {"total": 1, "idle": 1, "in_use": 0}  # type: ignore[attr-defined]
        with c.stream("GET", "/bytes/5000000") as r:  # read raw past the parser
            assert sum(len(b) for b in r.iter_raw()) == 5_000_000
        assert c.get("/json").json()["id"] == 1  # and the connection is still in step
        with c.stream("GET", "/bytes/5000000") as r:
            next(r.iter_raw())  # abandon mid-body: the connection must not be reused
        assert c._transport.pool.stats() == {"total": 0, "idle": 0, "in_use": 0}  # type: ignore[attr-defined]
        assert c.get("/json").json()["id"] == 1
    assert app.connections == 2


def test_event_hooks_and_custom_auth(app: AppServer, make_client: Make) -> None:
    seen: list[str] = []

    def sign(request: restwell.Request) -> None:
        request.headers["X-Signature"] = "sig"

    with make_client(
        base_url=app.url,
        event_hooks={
            "request": [lambda r: seen.append(r.method)],
            "response": [lambda r: seen.append(str(r.status_code))],
        },
    ) as c:
        sent = c.get("/echo", auth=sign).json()
    assert header(sent, "x-signature") == ["sig"]
    assert seen == ["GET", "200"]


def test_threads_share_a_client(app: AppServer) -> None:
    errors: list[BaseException] = []
    with Client(base_url=app.url, limits=restwell.Limits(max_connections=4)) as c:

        def work() -> None:
            try:
                for _ in range(25):
                    assert c.get("/json").json()["id"] == 1
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)

        threads = [threading.Thread(target=work) for _ in range(8)]
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        stats = c._transport.pool.stats()  # type: ignore[attr-defined]
    assert not errors
    assert stats["in_use"] == 0 and stats["total"] <= 4


def test_closed_client_refuses(app: AppServer, make_client: Make) -> None:
    c = make_client()
    c.close()
    with pytest.raises(restwell.ClientClosed):
        c.get(app.url + "/json")


def test_timeout_config() -> None:
    assert Timeout() == Timeout(connect=10, read=30, write=30, pool=10)
    t = Timeout(5, read=None)
    assert (t.connect, t.read, t.write, t.pool, t.total) == (5, None, 5, 5, None)
    with pytest.raises(ValueError):
        Timeout(-1)
    with pytest.raises(AttributeError):
        t.read = 1  # type: ignore[misc]


def test_mock_transport(make_client: Make) -> None:
    from restwell.testing import MockTransport

    transport = MockTransport(lambda req: restwell.Response(201, content=req.content))
    with make_client(transport=transport) as c:
        r = c.post("https://api.test/x", json={"a": 1})
    assert r.status_code == 201 and r.json() == {"a": 1}
    assert r.request.url == "https://api.test/x"


def test_client_content_type_wins_over_json_default(app: AppServer, make_client: Make) -> None:
    with make_client(base_url=app.url, headers={"Content-Type": "application/vnd.api+json"}) as c:
        sent = c.post("/echo", json={"a": 1}).json()
        assert header(sent, "content-type") == ["application/vnd.api+json"]
        c.headers["X-Later"] = "added after the client was made"
        assert header(c.get("/echo").json(), "x-later") == ["added after the client was made"]


def test_lower_case_method_is_sent_upper_case(app: AppServer, make_client: Make) -> None:
    assert request_via(make_client, "patch", app.url + "/echo").json()["method"] == "PATCH"


def test_params_lists_and_query_strings_merge(app: AppServer, make_client: Make) -> None:
    with make_client(base_url=app.url, params={"tag": ["a", "b"], "page": 1}) as c:
        assert c.get("/echo", params={"page": 2}).json()["target"] == "/echo?tag=a&tag=b&page=2"
        assert c.get("/echo", params="raw=1").json()["target"] == "/echo?tag=a&tag=b&page=1&raw=1"


def test_an_overridden_build_request_builds_every_call() -> None:
    """The verbs build without request() unless given auth= and the like; a subclass that
    overrides build_request, with keyword-only options, must still see every request,
    whichever way it was made."""
    import asyncio

    from restwell.testing import MockTransport

    def stamp(cls: type) -> type:
        class Stamped(cls):  # type: ignore[valid-type,misc]
            def build_request(self, method: str, url: object, **kwargs: object) -> restwell.Request:
                headers = dict(kwargs.pop("headers", None) or {})  # type: ignore[call-overload]
                headers["X-Built"] = method
                return super().build_request(method, url, headers=headers, **kwargs)
        return Stamped

    transport = MockTransport(lambda req: restwell.Response(
        200, content=f"{req.headers.get('x-built')} {req.content.decode()}"))
    with stamp(Client)(transport=transport) as c:
        assert c.get("https://api.test/").text == "GET "
        assert c.get("https://api.test/", params={"a": 1}).text == "GET "
        assert c.post("https://api.test/", content=b"x").text == "POST x"
        assert c.post("https://api.test/", content=b"z", auth=("u", "p")).text == "POST z"
        assert c.request("PUT", "https://api.test/", json=[1]).text == "PUT [1]"
        with c.stream("DELETE", "https://api.test/") as r:
            assert r.read() == b"DELETE "
    assert Client(transport=transport).get("https://api.test/").text == "None "

    async def run() -> list[str]:
        async with stamp(restwell.AsyncClient)(transport=transport) as c:
            return [(await c.get("https://api.test/")).text,
                    (await c.post("https://api.test/", content=b"y")).text]
    assert asyncio.run(run()) == ["GET ", "POST y"]
