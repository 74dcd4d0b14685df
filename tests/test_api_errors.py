"""Typed API errors: the HTTPStatusError subclasses, problem details (RFC 9457 and the common
shapes before it), and raise_for_status= on the client and per call, through both clients."""

from __future__ import annotations

import json
import os
import sys
import typing

import pytest

import restwell
from both import Make
from rest_servers import Answer, rest_server
from restwell._models._problem_details import Problem, parse_problem
from restwell._models._status_errors import status_error_class
from servers import AppServer, ScriptedServer

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))

import fake_github

OUT_OF_CREDIT = {  # RFC 9457 §3's example
    "type": "https://example.com/probs/out-of-credit", "title": "You do not have enough credit.",
    "detail": "Your current balance is 30, but that costs 50.",
    "instance": "/account/12345/msgs/abc", "balance": 30,
    "accounts": ["/account/12345", "/account/67890"]}


@pytest.fixture
def api() -> typing.Iterator[ScriptedServer]:
    def route(method: str, target: str, fields: dict[str, str]) -> Answer:
        status = int(target.split("/")[2]) if target.startswith("/status/") else 200
        if target.startswith("/problem"):
            return 403, [("Content-Type", "application/problem+json")], json.dumps(
                OUT_OF_CREDIT).encode()
        if target.startswith("/limited"):
            return 429, [("Retry-After", "7"), ("Content-Type", "application/json")], (
                b'{"message": "API rate limit exceeded"}')
        if target == "/moved":
            return 302, [("Location", "/status/404")], b""
        if target == "/html":
            return 502, [("Content-Type", "text/html")], b"<html><title>Bad gateway</title>"
        return status, [("Content-Type", "application/json")], json.dumps(
            {"message": f"status {status} as asked"}).encode()

    server = rest_server(route)
    yield server
    server.close()


@pytest.mark.parametrize(("status", "cls"), [
    (400, restwell.BadRequest), (401, restwell.Unauthorized), (403, restwell.Forbidden),
    (404, restwell.NotFound), (405, restwell.MethodNotAllowed), (409, restwell.Conflict),
    (410, restwell.Gone), (412, restwell.PreconditionFailed),
    (415, restwell.UnsupportedMediaType), (422, restwell.UnprocessableEntity),
    (429, restwell.TooManyRequests), (418, restwell.ClientError), (499, restwell.ClientError),
    (500, restwell.InternalServerError), (502, restwell.BadGateway),
    (503, restwell.ServiceUnavailable), (504, restwell.GatewayTimeout),
    (501, restwell.ServerError), (599, restwell.ServerError)])
def test_each_status_raises_its_class(status: int, cls: type) -> None:
    assert status_error_class(status) is cls
    with pytest.raises(cls) as caught:
        restwell.Response(status).raise_for_status()
    error = caught.value
    assert isinstance(error, restwell.HTTPStatusError) and error.status_code == status
    assert isinstance(error, restwell.ClientError) == (status < 500)
    assert isinstance(error, restwell.ServerError) == (status >= 500)
    assert type(error).__module__ == "restwell"


def test_except_not_found_through_a_client(api: ScriptedServer, make_client: Make) -> None:
    with make_client(base_url=api.url) as client:
        r = client.get("/status/404")
        with pytest.raises(restwell.NotFound, match=r"GET .*/status/404: status 404 as asked"):
            r.raise_for_status()


def test_problem_json_is_read_whole(api: ScriptedServer, make_client: Make) -> None:
    with make_client(base_url=api.url) as client, pytest.raises(restwell.Forbidden) as caught:
        client.get("/problem").raise_for_status()
    problem = caught.value.problem
    assert problem.type == "https://example.com/probs/out-of-credit"
    assert problem.title == "You do not have enough credit."
    assert problem.status == 403  # absent from the body: the response's
    assert problem.detail == "Your current balance is 30, but that costs 50."
    assert problem.instance == "/account/12345/msgs/abc"
    assert problem.extensions == {"balance": 30, "accounts": ["/account/12345", "/account/67890"]}
    assert problem["balance"] == 30 and problem.get("missing") is None
    assert str(caught.value).endswith(
        ": You do not have enough credit: Your current balance is 30, but that costs 50.")


def test_github_s_errors_as_problem_details(make_client: Make) -> None:
    server, base = fake_github.start()
    try:
        with make_client(base_url=base, auth=("octocat", "s3cret-token")) as gh:
            gh.post("/user/repos", json={"name": "problem-twice"})
            with pytest.raises(restwell.UnprocessableEntity) as caught:
                gh.post("/user/repos", json={"name": "problem-twice"}, raise_for_status=True)
    finally:
        server.shutdown()
        fake_github.Handler.repos.clear()
    problem = caught.value.problem
    assert problem.title == "Repository creation failed."
    assert problem.status == 422  # GitHub sends "422", a string
    assert problem.type.startswith("https://docs.github.com/rest/repos/repos")
    assert problem["errors"][0]["message"] == "name already exists on this account"
    assert problem["documentation_url"] == problem.type
    assert str(caught.value).endswith(
        "Repository creation failed: name already exists on this account")


@pytest.mark.parametrize(("body", "expected"), [
    ({"error": "invalid_grant", "error_description": "The code has expired"},
     Problem(title="invalid_grant", status=400, detail="The code has expired", extensions={
         "error": "invalid_grant", "error_description": "The code has expired"})),
    ({"error": {"code": 404, "message": "Requested entity was not found.",
                "status": "NOT_FOUND"}},  # Google's shape
     Problem(title="Requested entity was not found.", status=404, extensions={
         "code": 404, "message": "Requested entity was not found."})),
    ({"title": 5, "status": "bad", "type": None, "detail": ["x"]},  # wrong types: ignored
     Problem(title="Bad Request", status=400)),
    ({"message": "Not Found", "documentation_url": "https://docs.github.com/rest"},
     Problem(type="https://docs.github.com/rest", title="Not Found", status=400, extensions={
         "message": "Not Found", "documentation_url": "https://docs.github.com/rest"})),
    (["not", "an", "object"], Problem(title="Bad Request", status=400)),
    ({"status": True}, Problem(title="Bad Request", status=400)),
])
def test_problem_shapes(body: typing.Any, expected: Problem) -> None:
    got = parse_problem(body, 400, "Bad Request")
    assert got == expected, repr(got)


def test_a_body_that_is_not_json_gives_the_status_s_title(api: ScriptedServer,
                                                          make_client: Make) -> None:
    with make_client(base_url=api.url, raise_for_status=True) as client, pytest.raises(
            restwell.BadGateway) as caught:
        client.get("/html")
    assert caught.value.problem == Problem(title="Bad Gateway", status=502)
    assert 'an HTML page titled "Bad gateway"' in str(caught.value)


def test_client_raise_for_status(api: ScriptedServer, make_client: Make) -> None:
    with make_client(base_url=api.url, raise_for_status=True) as client:
        assert client.get("/status/200").status_code == 200
        with pytest.raises(restwell.NotFound, match="status 404 as asked"):
            client.get("/status/404")
        with pytest.raises(restwell.InternalServerError):
            client.post("/status/500", json={})
        with pytest.raises(restwell.NotFound):  # after a redirect, through the flow
            client.get("/moved")
        assert client.get("/status/404", raise_for_status=False).status_code == 404
        with pytest.raises(restwell.NotFound, match="status 404 as asked"), client.stream(
                "GET", "/status/404"):
            pass  # (the body was read for the message)
        with client.stream("GET", "/status/404", raise_for_status=False) as r:
            assert r.status_code == 404
        getattr(client, "client", client).raise_for_status = False  # (the facade's client)
        assert client.get("/status/404").status_code == 404


def test_per_call_raise_for_status(api: ScriptedServer, make_client: Make) -> None:
    with make_client(base_url=api.url) as client:
        assert client.get("/status/404").status_code == 404
        with pytest.raises(restwell.NotFound):
            client.get("/status/404", raise_for_status=True)
        with pytest.raises(restwell.NotFound):
            client.get("/moved", raise_for_status=True)
        with pytest.raises(restwell.NotFound, match="status 404 as asked"), client.stream(
                "GET", "/status/404", raise_for_status=True):
            pass
        assert client.get("/status/204", raise_for_status=True).status_code == 204
    with pytest.raises(restwell.ServiceUnavailable):
        restwell.get(api.url + "/status/503", raise_for_status=True)


def test_raise_after_retries(api: ScriptedServer, make_client: Make) -> None:
    retry = restwell.Retry(total=2, backoff_factor=0)
    with make_client(base_url=api.url, retries=retry, raise_for_status=True) as client, \
            pytest.raises(restwell.ServiceUnavailable):
        client.get("/status/503")
    assert api.targets.count("/status/503") == 3  # type: ignore[attr-defined]


def test_too_many_requests_says_how_long_to_wait(api: ScriptedServer, make_client: Make) -> None:
    with make_client(base_url=api.url, raise_for_status=True) as client, pytest.raises(
            restwell.TooManyRequests) as caught:
        client.get("/limited")
    assert caught.value.retry_after == 7.0
    assert caught.value.problem.title == "API rate limit exceeded"
    assert restwell.ServiceUnavailable("x", request=None, response=restwell.Response(
        503)).retry_after is None


def test_off_the_direct_path_costs_nothing(app: AppServer) -> None:
    from restwell._features._redirects import REDIRECT_CODES

    with restwell.Client() as client:
        assert client._unsettled is REDIRECT_CODES and client.raise_for_status is False
    with restwell.Client(raise_for_status=True) as client:
        assert 404 in client._unsettled and 302 in client._unsettled
        assert 200 not in client._unsettled
