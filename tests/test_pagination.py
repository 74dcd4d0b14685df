"""client.paginate(): Link rel=next (json-server, a scripted GitHub), cursors, page numbers,
limits, and the errors, through both clients."""

from __future__ import annotations

import json
import pathlib
import typing
import urllib.parse

import pytest

import restwell
from both import Make
from json_server import JsonServer
from rest_servers import Answer, rest_server
from servers import ScriptedServer

REPOS = [{"id": i, "name": f"repo-{i}"} for i in range(1, 8)]


@pytest.fixture(scope="module")
def json_server(tmp_path_factory: pytest.TempPathFactory) -> typing.Iterator[JsonServer]:
    db = {"items": [{"id": i, "title": f"item {i}"} for i in range(1, 26)]}
    server = JsonServer(tmp_path_factory.mktemp("json-server"), db)
    yield server
    server.close()


def _query(target: str) -> dict[str, list[str]]:
    return urllib.parse.parse_qs(urllib.parse.urlsplit(target).query)


@pytest.fixture
def github() -> typing.Iterator[ScriptedServer]:
    """GitHub's list shape: the body is the list; Link with absolute URLs; auth checked."""
    def route(method: str, target: str, fields: dict[str, str]) -> Answer:
        if fields.get("authorization") != "Bearer t0ken":
            return 401, [("Content-Type", "application/json")], b'{"message": "Bad credentials"}'
        query = _query(target)
        if target.startswith("/loop"):
            return 200, [("Link", f'<{base}/loop?page=1>; rel="next"')], b"[1]"
        per_page, page = int(query.get("per_page", ["30"])[0]), int(query.get("page", ["1"])[0])
        chunk = REPOS[(page - 1) * per_page: page * per_page]
        last = -(-len(REPOS) // per_page)
        links = []
        if page < last:
            links.append(f'<{base}/user/repos?per_page={per_page}&page={page + 1}>; rel="next"')
        links.append(f'<{base}/user/repos?per_page={per_page}&page={last}>; rel="last"')
        return 200, [("Content-Type", "application/json"), ("Link", ", ".join(links))], (
            json.dumps(chunk).encode())

    server = rest_server(route)
    base = server.url
    yield server
    server.close()


@pytest.fixture
def api() -> typing.Iterator[ScriptedServer]:
    """Cursor and page-number APIs (Slack's, Stripe's and a header cursor)."""
    items = list(range(10))

    def route(method: str, target: str, fields: dict[str, str]) -> Answer:
        query = _query(target)
        js = [("Content-Type", "application/json")]
        start = int(query.get("cursor", query.get("starting_after", ["-1"]))[0]) + 1
        if target.startswith("/slack"):
            page = items[start:start + 4]
            cursor = str(page[-1]) if page and page[-1] != items[-1] else ""
            return 200, js, json.dumps({"ok": True, "members": page,
                                        "response_metadata": {"next_cursor": cursor}}).encode()
        if target.startswith("/stripe"):
            page = [{"id": str(i)} for i in items[start:start + 3]]
            return 200, js, json.dumps({"data": page,
                                        "has_more": start + 3 < len(items)}).encode()
        if target.startswith("/header"):
            page = items[start:start + 5]
            more = [("X-Next-Cursor", str(page[-1]))] if page[-1] != items[-1] else []
            return 200, [*js, *more], json.dumps(page).encode()
        if target.startswith("/numbered"):
            number = int(query.get("page", ["0"])[0])
            page = items[(number - 1) * 4: number * 4] if number >= 1 else []
            return 200, [*js, ("X-Total-Count", str(len(items)))], json.dumps(
                {"results": page}).encode()
        return 404, js, b'{"message": "Not Found"}'

    server = rest_server(route)
    yield server
    server.close()


def test_json_server_s_link_pages(json_server: JsonServer, make_client: Make) -> None:
    with make_client(base_url=json_server.url) as client:
        pages = list(client.paginate("/items", params={"_page": 1, "_limit": 10}))
        assert [len(page.json()) for page in pages] == [10, 10, 5]
        for number, page in enumerate(pages, 1):
            query = _query(str(page.request.url))
            assert query["_page"] == [str(number)] and query["_limit"] == ["10"]  # once each
        items = list(client.paginate("/items", params={"_page": 1, "_limit": 7}).items())
        assert [item["id"] for item in items] == list(range(1, 26))
        some = list(client.paginate("/items", params={"_page": 1, "_limit": 10},
                                    max_items=12).items())
        assert len(some) == 12


def test_github_s_pages_carry_the_settings(github: ScriptedServer, make_client: Make) -> None:
    with make_client(base_url=github.url, auth=restwell.BearerAuth("t0ken"),
                     params={"per_page": 3}, headers={"X-GitHub-Api-Version": "2022-11-28"}
                     ) as gh:
        names = [repo["name"] for repo in gh.paginate("/user/repos").items()]
        assert names == [repo["name"] for repo in REPOS]
        targets = github.targets  # type: ignore[attr-defined]
        assert [_query(t) for t in targets] == [  # the client's params not doubled
            {"per_page": ["3"]}, {"per_page": ["3"], "page": ["2"]},
            {"per_page": ["3"], "page": ["3"]}]
        assert all(f.get("x-github-api-version") == "2022-11-28"
                   for f in github.fields)  # type: ignore[attr-defined]
        assert len(list(gh.paginate("/user/repos", max_pages=2))) == 2
        assert list(gh.paginate("/user/repos", max_pages=0)) == []
        with pytest.raises(restwell.PaginationError, match=r"loop\?page=1 again"):
            list(gh.paginate("/loop"))


def test_the_call_s_settings_and_raise_for_status(github: ScriptedServer,
                                                  make_client: Make) -> None:
    with make_client(base_url=github.url) as gh:
        repos = list(gh.paginate("/user/repos", params={"per_page": 5},
                                 headers={"Authorization": "Bearer t0ken"}).items())
        assert len(repos) == len(REPOS)
        assert github.targets[-1] == "/user/repos?per_page=5&page=2"  # type: ignore[attr-defined]
        with pytest.raises(restwell.Unauthorized):
            list(gh.paginate("/user/repos", raise_for_status=True))


def test_breaking_out_fetches_nothing_more(github: ScriptedServer, make_client: Make) -> None:
    with make_client(base_url=github.url, auth=restwell.BearerAuth("t0ken")) as gh:
        for _repo in gh.paginate("/user/repos", params={"per_page": 2}).items():
            break
    assert len(github.targets) == 1  # type: ignore[attr-defined]


def test_cursor_from_the_body(api: ScriptedServer, make_client: Make) -> None:
    with make_client(base_url=api.url) as client:
        slack = restwell.CursorPagination("cursor", body="response_metadata.next_cursor")
        assert list(client.paginate("/slack", pagination=slack).items("members")) == list(
            range(10))
        stripe = restwell.CursorPagination("starting_after", body="data.-1.id",
                                           has_more="has_more")
        ids = [item["id"] for item in client.paginate(
            "/stripe", pagination=stripe, params={"limit": 3}).items("data")]
        assert ids == [str(i) for i in range(10)]
        assert api.targets[-1] == "/stripe?limit=3&starting_after=8"  # type: ignore[attr-defined]


def test_cursor_from_a_header(api: ScriptedServer, make_client: Make) -> None:
    with make_client(base_url=api.url) as client:
        header = restwell.CursorPagination("cursor", header="X-Next-Cursor")
        assert list(client.paginate("/header", pagination=header).items()) == list(range(10))


def test_page_numbers(api: ScriptedServer, make_client: Make) -> None:
    with make_client(base_url=api.url) as client:
        until_empty = restwell.PagePagination(items="results")
        pages = list(client.paginate("/numbered", pagination=until_empty))
        assert len(pages) == 4  # 4 + 4 + 2, then an empty page
        counted = restwell.PagePagination(items="results", total="header:X-Total-Count")
        assert list(client.paginate("/numbered", pagination=counted).items(
            lambda r: r.json()["results"])) == list(range(10))
        assert api.targets[-1] == "/numbered?page=3"  # type: ignore[attr-defined]


def test_items_that_are_not_a_list(api: ScriptedServer, make_client: Make) -> None:
    with make_client(base_url=api.url) as client, pytest.raises(
            restwell.PaginationError, match="are a dict, not a list"):
        list(client.paginate("/stripe").items())


def test_path_templates_and_strategy_errors(github: ScriptedServer, make_client: Make) -> None:
    with make_client(base_url=github.url, auth=restwell.BearerAuth("t0ken")) as gh:
        names = [r["name"] for r in gh.paginate("/{what}/repos", path={"what": "user"},
                                                params={"per_page": 4}).items()]
        assert len(names) == len(REPOS)
    with pytest.raises(ValueError, match=r"body='dotted\.path' or header='Name'"):
        restwell.CursorPagination("cursor")


def test_the_plan_is_pure(tmp_path: pathlib.Path) -> None:
    from restwell._features._pagination import dig

    body = {"data": [{"id": "a"}, {"id": "b"}], "meta": {"next": None}}
    assert dig(body, "data.-1.id") == "b" and dig(body, "data.5.id") is None
    assert dig(body, "meta.next.x") is None and dig(body, None) is body
