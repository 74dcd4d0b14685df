"""Path templates: each value one segment, whatever it holds; names checked both ways."""

from __future__ import annotations

import typing
import urllib.parse

import pytest
from hypothesis import given
from hypothesis import strategies as st

import restwell
from both import Make
from rest_servers import Answer, rest_server
from restwell._models._templates import expand_path
from servers import ScriptedServer


@pytest.fixture
def echo() -> typing.Iterator[ScriptedServer]:
    def route(method: str, target: str, fields: dict[str, str]) -> Answer:
        return 200, [("Content-Type", "text/plain")], target.encode()

    server = rest_server(route)
    yield server
    server.close()


@pytest.mark.parametrize(("values", "expected"), [
    ({"owner": "octocat", "repo": "hello-world"}, "/repos/octocat/hello-world"),
    ({"owner": "a/b", "repo": "../admin"}, "/repos/a%2Fb/..%2Fadmin"),
    ({"owner": "x?y=1", "repo": "#frag"}, "/repos/x%3Fy%3D1/%23frag"),
    ({"owner": "100%", "repo": "é ü"}, "/repos/100%25/%C3%A9%20%C3%BC"),
    ({"owner": 42, "repo": "a.b_c~d-e"}, "/repos/42/a.b_c~d-e"),
    ({"owner": "back\\slash", "repo": "semi;colon"}, "/repos/back%5Cslash/semi%3Bcolon"),
])
def test_values_are_one_segment(values: dict[str, typing.Any], expected: str) -> None:
    assert expand_path("/repos/{owner}/{repo}", values) == expected


@pytest.mark.parametrize(("values", "message"), [
    ({"owner": "o"}, r"no value for repo"),
    ({"owner": "o", "repo": "r", "extra": 1}, r"no \{name\} in the template for extra"),
    ({"repo": "r", "other": 1}, r"no value for owner; no \{name\} in the template for other"),
    ({"owner": "..", "repo": "r"}, r"'\.\.', which cannot be a path segment"),
    ({"owner": ".", "repo": "r"}, r"cannot be a path segment"),
    ({"owner": "", "repo": "r"}, r"cannot be a path segment"),
    ({"owner": None, "repo": "r"}, r"is a NoneType; give a str or an int"),
    ({"owner": True, "repo": "r"}, r"is a bool"),
    ({"owner": "\ud800", "repo": "r"}, r"lone surrogate"),
])
def test_bad_values_and_names_are_clear_errors(values: dict[str, typing.Any],
                                               message: str) -> None:
    with pytest.raises(restwell.InvalidURL, match=message):
        expand_path("/repos/{owner}/{repo}", values)


def test_a_name_used_twice_and_other_braces() -> None:
    assert expand_path("/{a}/x/{a}/{not a name}", {"a": "v w"}) == "/v%20w/x/v%20w/{not a name}"


_VALUE = st.text(st.characters(exclude_categories=["Cs"]), max_size=30).filter(
    lambda text: text not in ("", ".", ".."))


@given(owner=_VALUE, repo=_VALUE)
def test_property_each_value_stays_in_its_segment(owner: str, repo: str) -> None:
    expanded = expand_path("/repos/{owner}/{repo}/issues", {"owner": owner, "repo": repo})
    url = restwell.URL("https://api.example.com").join(expanded)
    assert url.host == "api.example.com" and not url.query and not url.fragment
    segments = url.path.split("/")
    assert len(segments) == 5 and segments[:2] == ["", "repos"] and segments[4] == "issues"
    assert [urllib.parse.unquote(s) for s in segments[2:4]] == [owner, repo]


def test_path_through_the_client(echo: ScriptedServer, make_client: Make) -> None:
    with make_client(base_url=echo.url + "/v3") as client:
        r = client.get("/repos/{owner}/{repo}", path={"owner": "a/b", "repo": "../x?#"},
                       params={"page": 2})
        assert r.text == "/v3/repos/a%2Fb/..%2Fx%3F%23?page=2"
        r = client.post("/items/{id}", path={"id": 7}, json={"ok": True})
        assert r.text == "/v3/items/7"
        with client.stream("GET", "/files/{name}", path={"name": "a b"}) as streamed:
            assert streamed.read() == b"/v3/files/a%20b"
        with pytest.raises(restwell.InvalidURL, match="no value for repo"):
            client.get("/repos/{owner}/{repo}", path={"owner": "o"})
