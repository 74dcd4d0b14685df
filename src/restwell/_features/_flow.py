"""The feature flow: every per-request feature, in order, written once for both clients.

``run`` is a generator of steps (``_steps``): it yields "send this request", "sleep this
long", "call this hook", and is sent back what came of it. ``Client`` and ``AsyncClient``
each drive it with a short loop, blocking or awaiting, so a feature lands here once and both
clients have it. The order, for one call:

1. auth: the call's ``auth=``, URL credentials, the client's auth (only on ``base_url``'s
   origin) or netrc; an auth flow may send several requests (a challenge, a token request);
2. for each request sent: the proxy route, the ``request`` hooks, then the attempts with
   their retries (``_retry``), then what the response's ``Set-Cookie`` fields set;
3. redirects: each hop rebuilt by ``_redirects`` (credentials stripped across origins,
   cookies rebuilt from the jar), with auth again while the chain stays on the first origin;
4. the ``response`` hooks, then ``raise_for_status``: the call's, else the client's.

A call that needs none of it (no auth, no retries, no hooks, a settled route, a response that
sets no cookie and is no redirect) never starts the flow: the client sends it directly
(``BaseClient._plain`` and ``_settled``), and ``run`` takes over from its response otherwise.
"""

from __future__ import annotations

import time
import typing

from .._models._config import UNSET, Timeout, UnsetType
from .._models._exceptions import TooManyRedirects
from .._models._headers import Headers
from .._models._proxy import Routes
from .._models._request import Request
from .._models._response import Response
from .._models._retry import Retry
from .._models._urls import URL
from ._auth import Auth, AuthTypes, BasicAuth, to_auth, wrote_authorization
from ._cookies import Cookies, cookies_for_hop, keep_cookies
from ._redirects import REDIRECT_CODES, crosses_boundary, next_request
from ._retry import attempts
from ._steps import AUTH, AUTH_END, CALL, CLOSE, READ, SEND, Flow, Step

if typing.TYPE_CHECKING:  # pragma: no cover
    from ._cache._config import Cache

__all__ = ["FlowHost", "run", "auth_for", "route"]
Hooks = dict[str, list[typing.Callable[..., typing.Any]]]


class FlowHost(typing.Protocol):
    """The client's settings the flow reads (``BaseClient`` has them all)."""

    auth: Auth | None
    base_url: URL | None
    trust_env: bool
    retries: Retry | None
    timeout: Timeout
    cookies: Cookies
    event_hooks: Hooks
    follow_redirects: bool
    max_redirects: int
    headers: Headers
    _routes: Routes | None
    _asynchronous: bool
    _cache: Cache | None
    _raise_for_status: bool

    def _netrc(self) -> dict[str, tuple[str, str]]: ...


def run(
    host: FlowHost, request: Request, stream: bool, auth: AuthTypes | UnsetType,
    follow: bool | UnsetType, max_redirects: int | UnsetType, response: Response | None = None,
) -> Flow:
    """One call, start to end; ``response`` is the first request's, when the client sent it
    directly because it needed no feature before going out.

    A timeout with a ``total`` is one deadline for the whole call, fixed as it starts (or
    when the transport sent the first request) and carried by every request the call sends.
    """
    timeout = request.timeout
    deadline = call_deadline(request, response)
    if deadline is not None:  # the copy every request of this call carries (hops copy it)
        request.timeout = timeout._until(deadline)  # type: ignore[union-attr]
    # Did the caller write this call's Authorization? Decided once, before an auth flow
    # writes the field (a call sent directly had none), and only if auth is chosen at all;
    # redirect hops on the same origin keep the answer.
    wrote: bool | None = None
    try:
        if response is None:
            wrote = wrote_authorization(request, host.headers)
            response = yield from _authed(host, request, stream,
                                          auth_for(host, request, auth, wrote))
        else:
            _cookies_of(host, request, response)
        if response.status_code in REDIRECT_CODES and (
            host.follow_redirects if isinstance(follow, UnsetType) else follow
        ):
            if wrote is None:
                wrote = wrote_authorization(request, host.headers)
            limit = host.max_redirects if isinstance(max_redirects, UnsetType) else max_redirects
            response = yield from _follow(host, request, response, auth, stream, limit, wrote)
    finally:
        request.timeout = timeout  # the caller's request may be sent again, in a call of its own
    for hook in host.event_hooks["response"]:
        yield CALL, hook, response
    if response.status_code >= 400 and getattr(request, "_raise_status",
                                                host._raise_for_status):
        if stream:  # read the error's body (small) for its message and its problem details
            yield READ, response, None
        response.raise_for_status()
    return response


def call_deadline(request: Request, response: Response | None) -> float | None:
    """The call's total deadline (``time.monotonic()``), or None when its timeout has no
    total. When the client sent the first request itself, the call began as the transport
    started it: the time since then is its response's ``elapsed`` so far."""
    timeout = request.timeout
    if timeout is None or timeout.total is None:
        return None
    if timeout._deadline is not None:
        return timeout._deadline
    spent = 0.0
    if response is not None:
        spent = response._elapsed or (
            time.perf_counter() - response._started if response._started else 0.0)
    return time.monotonic() - spent + timeout.total


def _authed(
    host: FlowHost, request: Request, stream: bool, auth: Auth | None
) -> typing.Generator[Step, typing.Any, Response]:
    """A request with its auth flow: each request the flow yields is sent, and each response
    but the last (a challenge answered, a token fetched) is read and closed."""
    if auth is None:
        return (yield from _one(host, request, stream))
    flow = auth.async_auth_flow(request) if host._asynchronous else auth.sync_auth_flow(request)
    closing = True
    answered: list[Response] = []  # the challenges the flow answered: the response's history
    try:
        request = yield AUTH, flow, None
        while True:
            # An auth flow's own request (a token request) is read whole, for the flow.
            response = yield from _one(host, request, stream and not request.for_auth)
            following: Request | None = yield AUTH, flow, response
            if following is None:
                if answered:
                    response.history = answered
                return response
            yield READ, response, None
            if not request.for_auth:
                answered.append(response)
            if not following.for_auth and response._set_cookie_fields():
                # A challenge may come with cookies the answer must return (httpbin's Digest)
                cookies_for_hop(host.cookies, host.base_url, following, following, False)
            request = following
    except GeneratorExit:  # the driver dropped this flow: no step can be done any more
        closing = False
        raise
    finally:
        if closing:  # a flow left mid-way (an error) releases what it holds
            yield AUTH_END, flow, None


def _one(
    host: FlowHost, request: Request, stream: bool
) -> typing.Generator[Step, typing.Any, Response]:
    """One request on the wire: its route, the request hooks, the attempts, its cookies."""
    if request.proxy is UNSET:
        route(host, request, request)
    for hook in host.event_hooks["request"]:
        yield CALL, hook, request
    policy = host.retries if request.retries is UNSET else request.retries
    if host._cache is not None and not request.for_auth and not _cache_off(request):
        from ._cache._exchange import exchange  # (here: a client without a cache loads none)

        response: Response = yield from exchange(
            host._cache, request, stream, policy, host._asynchronous)  # type: ignore[arg-type]
    elif policy is None:
        response = yield SEND, request, stream
    else:
        response = yield from attempts(request, stream, policy)  # type: ignore[arg-type]
    _cookies_of(host, request, response)
    return response


def _cache_off(request: Request) -> bool:
    from ._cache._config import request_cache_off

    return request_cache_off(request)


def _cookies_of(host: FlowHost, request: Request, response: Response) -> None:
    """Keep what a response's Set-Cookie fields set (a head off the wire is searched first:
    most set none)."""
    if response._raw_head is None or "set-cookie" in response._lower_head:
        keep_cookies(host.cookies, request, response)


def _follow(
    host: FlowHost, first: Request, response: Response, auth: AuthTypes | UnsetType,
    stream: bool, limit: int, wrote: bool,
) -> typing.Generator[Step, typing.Any, Response]:
    history: list[Response] = []
    request = first
    strayed = False  # once the chain has left first's origin, no auth is sent again
    while response.is_redirect:
        if len(history) >= limit:
            yield CLOSE, response, None
            raise TooManyRedirects(
                f"more than {limit} redirects, last to {request.url.redacted()}; increase "
                "max_redirects=... if the chain is meant to be that long",
                request=request, history=[*history, response],
            )
        hop = next_request(request, response)
        yield CLOSE, response, None  # a streamed 3xx body is not wanted: its connection drops
        history.extend(response._history or ())  # challenges answered on the way to it
        history.append(response)
        request = hop
        route(host, request, first)
        strayed = strayed or crosses_boundary(first.url, request.url)
        cookies_for_hop(host.cookies, host.base_url, request, first, strayed)
        flow_auth = None if strayed else auth_for(host, request, auth, wrote)
        response = yield from _authed(host, request, stream, flow_auth)
    response.history = [*history, *(response._history or ())]
    return response


def auth_for(
    host: FlowHost, request: Request, auth: AuthTypes | UnsetType, wrote: bool = False
) -> Auth | None:
    """The call's auth, else the URL's credentials, else an Authorization field the caller
    wrote (``wrote``: sent as it is), else the client's (only on base_url's origin), else
    netrc's for the exact host (with ``trust_env``)."""
    if not isinstance(auth, UnsetType):
        return to_auth(auth)
    if request.url.userinfo:
        return BasicAuth(request.url.username, request.url.password)
    if wrote:
        return None
    if host.auth is not None and (
        host.base_url is None or host.base_url.origin == request.url.origin
    ):
        return host.auth
    if host.trust_env:
        found = host._netrc().get(request.url.host)  # the exact host, as parsed
        if found is not None:
            return BasicAuth(*found)
    return None


def route(host: FlowHost, request: Request, first: Request) -> None:
    """The proxy for a request (or a redirect hop of ``first``): the call's proxy= if it
    gave one, else the client's routes. A hop also keeps the call's retries=."""
    routes = host._routes if first.routes is UNSET else first.routes
    request.proxy = None if routes is None else routes.select(request.url)  # type: ignore[union-attr]
    if request is not first and first.retries is not UNSET:
        request.retries = first.retries
