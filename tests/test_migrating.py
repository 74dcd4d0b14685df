"""What a script moving from requests or httpx meets, through both clients: settings assigned
after the client is made, requests' keywords, None in params and headers, the caller's own
Authorization field, and ``restwell.stream`` (docs/defaults.md, "Moving from requests")."""

from __future__ import annotations

import base64
import typing
import urllib.parse

import pytest

import restwell
from both import Make
from restwell import Retry, Timeout
from servers import AppServer


def header(record: dict[str, typing.Any], name: str) -> list[str]:
    return [v for n, v in record["headers"] if n.lower() == name.lower()]


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


CLIENT = r"(Async)?Client"


# -- settings assigned after the client is made ------------------------------------------------


def test_settings_assigned_later_work_as_given_to_the_constructor(
    app: AppServer, make_client: Make
) -> None:
    with make_client() as c:
        c.base_url = app.url + "/nowhere"  # a relative URL joined to the old base is forgotten
        c.build_request("GET", "echo")
        c.base_url = app.url
        assert str(c.base_url) == app.url + "/"
        c.auth = ("u", "p")
        c.timeout = 5
        c.cookies = {"sid": "abc"}
        c.headers = {"X-Api": "1"}
        c.params = {"page": 1}
        r = c.get("echo")
        sent = r.json()
        assert sent["target"] == "/echo?page=1"
        assert header(sent, "authorization") == [basic("u", "p")]
        assert header(sent, "cookie") == ["sid=abc"]
        assert header(sent, "x-api") == ["1"]
        assert header(sent, "user-agent") == [f"restwell/{restwell.__version__}"]  # kept
        assert r.request.timeout == Timeout(5) == c.timeout
        assert c.params == (("page", "1"),)

        c.timeout = (3.05, 27)  # requests' (connect, read)
        assert c.timeout == Timeout(connect=3.05, read=27, write=27)
        c.retries = 2
        assert c.retries == Retry(total=2)
        seen: list[int] = []
        c.event_hooks = {"response": lambda response: seen.append(response.status_code)}
        c.follow_redirects = False
        assert c.get(f"/redirect/302?to={urllib.parse.quote('/echo')}").status_code == 302
        c.follow_redirects = True
        c.max_redirects = 0
        with pytest.raises(restwell.TooManyRedirects):
            c.get(f"/redirect/302?to={urllib.parse.quote('/echo')}")
        assert seen == [302]
        c.auth = None
        assert header(c.get("/echo").json(), "authorization") == []


def test_settings_are_checked_on_assignment_as_in_the_constructor(make_client: Make) -> None:
    with make_client() as c:
        with pytest.raises(TypeError, match="timeout"):
            c.timeout = "5"
        with pytest.raises(ValueError, match=r"timeout= as a tuple is \(connect, read\)"):
            c.timeout = (1, 2, 3)
        with pytest.raises(ValueError, match="max_redirects"):
            c.max_redirects = -1
        with pytest.raises(TypeError, match="follow_redirects"):
            c.follow_redirects = "no"
        with pytest.raises(ValueError, match="'request' and 'response'"):
            c.event_hooks = {"responses": []}
        with pytest.raises(TypeError, match="retries"):
            c.retries = "3"
        with pytest.raises(restwell.InvalidURL):
            c.base_url = "/relative"
        with pytest.raises(TypeError) as info:
            c.auth = ("user", "s3cret", "extra")
        assert "s3cret" not in str(info.value)  # the message never echoes a password
        with pytest.raises(TypeError, match="cookies"):
            c.cookies = ["sid=1"]
    with pytest.raises(ValueError, match="max_redirects"):
        make_client(max_redirects=-1)


@pytest.mark.parametrize("name", ["verify", "cert", "limits", "proxy", "proxy_auth",
                                  "transport", "trust_env"])
def test_fixed_settings_refuse_assignment_naming_the_argument(make_client: Make,
                                                              name: str) -> None:
    with make_client() as c:
        before = getattr(c, name)
        with pytest.raises(AttributeError,
                           match=rf"{name} is fixed when the {CLIENT} is made .*: pass "
                                 rf"{CLIENT}\({name}=\.\.\.\)"):
            setattr(c, name, None)
        assert getattr(c, name) is before


def test_unknown_attributes_are_refused(make_client: Make) -> None:
    with make_client() as c:
        with pytest.raises(AttributeError, match="has no setting 'verfy'"):
            c.verfy = False
        with pytest.raises(AttributeError, match="proxy="):
            c.proxies = {"https": "http://proxy:3128"}  # requests' Session attribute
        with pytest.raises(AttributeError, match="event_hooks"):
            c.hooks = {"response": []}

    class Mine(restwell.Client):  # a subclass keeps attributes of its own
        pass

    mine = Mine()
    mine.token = "t"  # type: ignore[attr-defined]
    mine.close()


# -- requests' keywords ------------------------------------------------------------------------


@pytest.mark.parametrize(("keyword", "value", "says"), [
    ("stream", True, r"with client\.stream\(method, url"),
    ("allow_redirects", False, "follow_redirects="),
    ("proxies", {"https": "http://proxy:3128"}, "proxy="),
    ("hooks", {"response": []}, "event_hooks="),
    ("verify", False, r"Client\(verify=\.\.\.\)"),
    ("cert", "client.pem", r"Client\(cert=\.\.\.\)"),
    ("paramz", {}, "did you mean 'params'"),
])
def test_requests_keywords_say_what_restwell_takes(
    app: AppServer, make_client: Make, keyword: str, value: object, says: str
) -> None:
    with make_client(base_url=app.url) as c:
        calls = {"get": lambda **kw: c.get("/echo", **kw),
                 "post": lambda **kw: c.post("/echo", json={}, **kw),
                 "request": lambda **kw: c.request("GET", "/echo", **kw)}
        for name, call in calls.items():
            with pytest.raises(TypeError, match=rf"{CLIENT}\.{name}\(\) got .*{says}") as info:
                call(**{keyword: value})
            assert "build_request" not in str(info.value)
        with pytest.raises(TypeError, match=rf"{CLIENT}\.put\(\).*{says}"):
            c.put("/echo", auth=("u", "p"), **{keyword: value})  # through request()
        with pytest.raises(TypeError, match=rf"{CLIENT}\.stream\(\).*{says}"), c.stream(
                "GET", "/echo", **{keyword: value}):
            pass


def test_keywords_that_mean_nothing_here_are_accepted(app: AppServer, make_client: Make) -> None:
    with make_client(base_url=app.url) as c:
        assert c.get("/echo", stream=False).status_code == 200
        assert c.get("/echo", verify=True).status_code == 200  # the client's own setting
        assert c.request("GET", "/echo", stream=False, verify=True).status_code == 200
    with make_client(base_url=app.url, verify=False) as c:
        assert c.get("/echo", verify=False).status_code == 200
        with pytest.raises(TypeError, match=r"verify=\.\.\."):
            c.get("/echo", verify=True)


def test_other_type_errors_pass_through(app: AppServer, make_client: Make) -> None:
    with make_client(base_url=app.url) as c, pytest.raises(TypeError, match="only one of"):
        c.post("/echo", json={"a": 1}, content=b"x")


@pytest.mark.parametrize(("keyword", "says"), [
    ("proxies", "proxy="), ("hooks", "event_hooks="), ("allow_redirects", "follow_redirects="),
    ("max_retries", "retries="), ("http2", "HTTP/1.1"), ("adapters", "mounts="),
    ("base_urll", "did you mean 'base_url'"),
])
def test_constructor_keywords_say_what_restwell_takes(make_client: Make, keyword: str,
                                                      says: str) -> None:
    with pytest.raises(TypeError, match=rf"{CLIENT}\(\) got .*{keyword}.*{says}"):
        make_client(**{keyword: {}})


def test_one_shot_functions_name_themselves(app: AppServer) -> None:
    with pytest.raises(TypeError, match=r"restwell\.get\(\).*with restwell\.stream\("):
        restwell.get(app.url + "/echo", stream=True)
    with pytest.raises(TypeError, match=r"restwell\.post\(\).*follow_redirects="):
        restwell.post(app.url + "/echo", allow_redirects=False)
    assert restwell.get(app.url + "/echo", stream=False, verify=True).status_code == 200
    with pytest.raises(AttributeError, match=r"restwell\.Client is the session"):
        restwell.Session  # noqa: B018


def test_top_level_stream(app: AppServer) -> None:
    with restwell.stream("GET", app.url + "/chunks/3", params={"a": 1}) as r:
        assert r.status_code == 200
        assert list(r.iter_lines()) == ["line 0", "line 1", "line 2"]
    assert r.is_closed
    with pytest.raises(TypeError, match=r"restwell\.stream\(\).*follow_redirects="), \
            restwell.stream("GET", app.url + "/echo", allow_redirects=True):
        pass


# -- None, bytes and defaults in params and headers --------------------------------------------


def test_none_in_params_leaves_the_key_out(app: AppServer, make_client: Make) -> None:
    with make_client(base_url=app.url, params={"page": 1, "per_page": 50, "gone": None}) as c:
        assert c.get("/echo").json()["target"] == "/echo?page=1&per_page=50"
        assert c.get("/echo", params={"since": None, "q": "x"}).json()["target"] == (
            "/echo?page=1&per_page=50&q=x")
        # a call's None removes the client's default
        assert c.get("/echo", params={"per_page": None}).json()["target"] == "/echo?page=1"
        assert c.get("/echo", params=[("tag", "a"), ("tag", None), ("tag", "b")]).json()[
            "target"] == "/echo?page=1&per_page=50&tag=a&tag=b"


def test_bytes_params_are_their_octets(app: AppServer, make_client: Make) -> None:
    with make_client(base_url=app.url) as c:
        assert c.get("/echo", params={"sig": b"abc"}).json()["target"] == "/echo?sig=abc"
        assert c.get("/echo", params={b"k": b"caf\xc3\xa9 \xff"}).json()["target"] == (
            "/echo?k=caf%C3%A9+%FF")


def test_a_client_default_param_does_not_repeat_a_key_the_url_has(
    app: AppServer, make_client: Make
) -> None:
    with make_client(base_url=app.url, params={"page": 1, "x": 1}) as c:
        # a "next" link of a paginated API carries its own page
        assert c.get("/echo?page=2").json()["target"] == "/echo?page=2&x=1"
        assert c.get(app.url + "/echo?page=3&x=9").json()["target"] == "/echo?page=3&x=9"
    with make_client(base_url=app.url, params="page=1&x=%2F") as c:  # a query string too
        assert c.get("/echo?page=2", params={"y": 2}).json()["target"] == "/echo?page=2&x=%2F&y=2"


def test_data_as_pairs_is_a_form(app: AppServer, make_client: Make) -> None:
    with make_client(base_url=app.url) as c:
        for data in ([("a", "1"), ("a", "2")], (("a", "1"), ("a", "2"))):
            sent = c.post("/echo", data=data).json()
            assert sent["body"] == "a=1&a=2"
            assert header(sent, "content-type") == ["application/x-www-form-urlencoded"]
        assert c.post("/echo", data={"a": "1", "b": None}).json()["body"] == "a=1"
        upload = c.post("/echo", data=[("f", "1"), ("f", "2")], files={"up": b"x"}).json()
        assert upload["body"].count('name="f"') == 2


def test_none_in_headers_removes_the_field(app: AppServer, make_client: Make) -> None:
    with make_client(base_url=app.url, headers={"Accept-Encoding": None, "X-A": "1"}) as c:
        sent = c.get("/echo").json()
        assert header(sent, "accept-encoding") == [] and header(sent, "x-a") == ["1"]
        sent = c.get("/echo", headers={"User-Agent": None, "X-A": None, "X-B": "2"}).json()
        assert header(sent, "user-agent") == [] and header(sent, "x-a") == []
        assert header(sent, "x-b") == ["2"] and header(sent, "accept") == ["*/*"]
        sent = c.get("/echo", headers=[("X-C", "1"), ("X-C", "2"), ("Accept", None)]).json()
        assert header(sent, "x-c") == ["1", "2"] and header(sent, "accept") == []
        c.headers.update({"X-Later": "yes", "Accept": None})  # in place, requests' way
        sent = c.get("/echo").json()
        assert header(sent, "x-later") == ["yes"] and header(sent, "accept") == []
        c.headers["X-Later"] = None
        assert header(c.get("/echo").json(), "x-later") == []
    headers = restwell.Headers({"A": "1", "B": None})
    assert list(headers) == ["A"]


def test_bytes_header_values_go_out_as_those_bytes(app: AppServer, make_client: Make) -> None:
    with make_client(base_url=app.url) as c:
        sent = c.get("/echo", headers={"X-Raw": b"caf\xe9", "X-Text": "café"}).json()
        # (the app reads each header as Latin-1: 0xE9 is "é", UTF-8 "é" is "Ã©")
        assert header(sent, "x-raw") == ["caf\xe9"] and header(sent, "x-text") == ["cafÃ©"]
        with pytest.raises(restwell.InvalidHeader, match="lone surrogate"):
            c.build_request("GET", "/echo", headers={"X-Bad": "\ud800"})  # not at send time


# -- the caller's Authorization field ----------------------------------------------------------


def test_a_calls_authorization_field_beats_the_clients_auth(app: AppServer,
                                                           make_client: Make) -> None:
    with make_client(base_url=app.url, auth=("client", "pw")) as c:
        assert header(c.get("/echo").json(), "authorization") == [basic("client", "pw")]
        own = {"Authorization": "Bearer call-token"}
        assert header(c.get("/echo", headers=own).json(), "authorization") == [
            "Bearer call-token"]
        # and on a redirect within the origin
        r = c.get(f"/redirect/302?to={urllib.parse.quote('/echo')}", headers=own)
        assert header(r.json(), "authorization") == ["Bearer call-token"]
        # a call's auth= still beats both
        sent = c.get("/echo", headers=own, auth=("call", "pw")).json()
        assert header(sent, "authorization") == [basic("call", "pw")]
    with make_client(base_url=app.url, auth=("client", "pw"),
                     headers={"Authorization": "Bearer default"}) as c:
        # the client's own default field and its auth=: auth= (as before, and as requests)
        assert header(c.get("/echo").json(), "authorization") == [basic("client", "pw")]


def test_a_calls_authorization_field_beats_netrc(
    app: AppServer, make_client: Make, tmp_path: typing.Any, monkeypatch: pytest.MonkeyPatch,
    app_url_localhost: str
) -> None:
    path = tmp_path / "netrc"
    path.write_text("machine localhost login alice password s3cret\n")
    path.chmod(0o600)
    monkeypatch.setenv("NETRC", str(path))
    with make_client() as c:
        assert header(c.get(app_url_localhost + "/echo").json(), "authorization") == [
            basic("alice", "s3cret")]
        sent = c.get(app_url_localhost + "/echo", headers={"Authorization": "Bearer t"}).json()
        assert header(sent, "authorization") == ["Bearer t"]
