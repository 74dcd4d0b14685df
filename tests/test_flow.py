"""The feature flow, driven by hand: which steps it asks for, in which order, for each mix of
features. No sockets: the replies are scripted, as a client's driver would send them."""

from __future__ import annotations

import typing

import pytest

import restwell
from restwell._features._flow import run
from restwell._features._steps import AUTH, AUTH_END, CALL, CLOSE, READ, SEND, SLEEP
from restwell._models._request import no_options

HEAD = b"HTTP/1.1 %d X\r\n%s\r\n"


def response(
    request: restwell.Request, status: int = 200, fields: bytes = b""
) -> restwell.Response:
    head = HEAD % (status, fields)
    made = restwell.Response._from_wire(status, "HTTP/1.1", head, request, True)
    made._raw_body = b""
    return made


def drive(client: restwell.Client, request: restwell.Request,
          replies: typing.Callable[[int, typing.Any], typing.Any], **kw: typing.Any,
          ) -> tuple[list[int], typing.Any]:
    """Run the flow as Client._drive does, recording the kinds of step; ``replies(kind, a)``
    gives what each step answers (an exception is thrown into the flow)."""
    flow = run(client, request, False, kw.pop("auth", restwell.UNSET),
               restwell.UNSET, restwell.UNSET, kw.pop("first", None))
    kinds: list[int] = []
    reply: typing.Any = None
    error: BaseException | None = None
    while True:
        try:
            kind, a, b = flow.send(reply) if error is None else flow.throw(error)
        except StopIteration as done:
            return kinds, done.value
        kinds.append(kind)
        reply, error = None, None
        if kind == AUTH:
            try:
                reply = a.send(b)
            except StopIteration:
                reply = None
            continue
        answer = replies(kind, a)
        if isinstance(answer, BaseException):
            error = answer
        else:
            reply = answer


def test_a_plain_request_is_one_send() -> None:
    client = restwell.Client(trust_env=False)
    request = client.build_request("GET", "http://a.test/")
    kinds, result = drive(client, request, lambda kind, a: response(a))
    assert kinds == [SEND]
    assert result.status_code == 200


def test_retries_sleep_between_attempts_and_report_them() -> None:
    client = restwell.Client(trust_env=False, retries=restwell.Retry(2, backoff_factor=0))
    request = client.build_request("GET", "http://a.test/")
    answers = iter([restwell.ConnectError("refused"), response(request, 503), response(request)])
    kinds, result = drive(client, request, lambda kind, a: next(answers) if kind == SEND else None)
    assert kinds == [SEND, SLEEP, SEND, CLOSE, SLEEP, SEND]
    assert [what for what, _ in result.retries] == ["ConnectError", 503]


def test_an_error_past_the_retries_propagates_with_its_history() -> None:
    client = restwell.Client(trust_env=False, retries=restwell.Retry(1, backoff_factor=0))
    request = client.build_request("GET", "http://a.test/")
    with pytest.raises(restwell.ReadError) as caught:
        drive(client, request,
              lambda kind, a: restwell.ReadError("reset") if kind == SEND else None)
    assert [what for what, _ in caught.value.retries] == ["ReadError"]


def test_auth_flow_steps_and_hooks_in_order() -> None:
    seen: list[str] = []
    client = restwell.Client(trust_env=False, auth=("u", "p"), event_hooks={
        "request": [lambda r: seen.append("request")],
        "response": [lambda r: seen.append("response")]})
    request = client.build_request("GET", "http://a.test/")

    def replies(kind: int, a: typing.Any) -> typing.Any:
        if kind == CALL:
            return None
        return response(a)

    kinds, result = drive(client, request, replies)
    assert kinds == [AUTH, CALL, SEND, AUTH, AUTH_END, CALL]
    assert result.request.headers["authorization"].startswith("Basic ")


def test_an_auth_flow_is_closed_when_the_send_fails() -> None:
    client = restwell.Client(trust_env=False, auth=("u", "p"))
    request = client.build_request("GET", "http://a.test/")
    kinds: list[int] = []
    with pytest.raises(restwell.ConnectError):
        drive(client, request, lambda kind, a: kinds.append(kind) or (
            restwell.ConnectError("refused") if kind == SEND else None))
    assert kinds == [SEND, AUTH_END]


def test_a_redirect_from_the_direct_path_is_followed_with_cookies() -> None:
    client = restwell.Client(trust_env=False)
    request = client.build_request("GET", "http://a.test/start")
    first = response(request, 302, b"Location: /next\r\nSet-Cookie: s=1\r\n")
    sent: list[restwell.Request] = []

    def replies(kind: int, a: typing.Any) -> typing.Any:
        if kind == SEND:
            sent.append(a)
            return response(a)
        return None

    kinds, result = drive(client, request, replies, first=first)
    assert kinds == [CLOSE, SEND]
    assert sent[0].url.path == "/next" and sent[0].headers["cookie"] == "s=1"
    assert result.history == [first]


def test_a_runaway_chain_ends_in_too_many_redirects() -> None:
    client = restwell.Client(trust_env=False, max_redirects=2)
    request = client.build_request("GET", "http://a.test/")

    def replies(kind: int, a: typing.Any) -> typing.Any:
        return response(a, 302, b"Location: /again\r\n") if kind == SEND else None

    with pytest.raises(restwell.TooManyRedirects) as caught:
        drive(client, request, replies, first=response(request, 302, b"Location: /again\r\n"))
    assert len(caught.value.history) == 3


def test_a_token_request_is_read_whole_for_the_auth_flow() -> None:
    """OAuth2's own token request is marked, so the flow reads it whole (READ)."""
    client = restwell.Client(trust_env=False, auth=restwell.OAuth2(
        "http://auth.test/token", "id", "secret"))
    request = client.build_request("GET", "http://a.test/")

    def replies(kind: int, a: typing.Any) -> typing.Any:
        if kind != SEND:
            return None
        if a.for_auth:
            made = response(a, 200, b"Content-Type: application/json\r\n")
            made._raw_body = b'{"access_token": "t", "expires_in": 60}'
            return made
        return response(a)

    kinds, result = drive(client, request, replies)
    assert kinds == [AUTH, SEND, AUTH, READ, SEND, AUTH, AUTH_END]
    assert result.request.headers["authorization"] == "Bearer t"


def test_built_and_bare_requests_start_with_the_same_options() -> None:
    client = restwell.Client(trust_env=False)
    built = client.build_request("GET", "http://a.test/")
    bare = restwell.Request("GET", "http://a.test/")
    reset = restwell.Request("GET", "http://a.test/")
    no_options(reset)
    for name in ("retries", "routes", "caller_cookies", "expect_continue", "for_auth",
                 "_extensions"):
        assert getattr(built, name) == getattr(bare, name) == getattr(reset, name), name


def test_a_flow_dropped_mid_auth_closes_quietly() -> None:
    """A driver that stops driving (its thread or task gone) closes the flow: no step is
    asked for on the way out, and no RuntimeError from a yield during close."""
    client = restwell.Client(trust_env=False, auth=("u", "p"))
    request = client.build_request("GET", "http://a.test/")
    flow = run(client, request, False, restwell.UNSET, restwell.UNSET, restwell.UNSET)
    kind, auth_flow, _ = next(flow)
    assert kind == AUTH
    assert flow.send(auth_flow.send(None))[0] == SEND
    flow.close()
