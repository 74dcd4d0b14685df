"""``AsyncClient``: the asyncio twin of ``Client``, kept side by side with it.

Everything but sending is inherited from ``BaseClient`` (settings, URL and header merging,
building requests, auth scoping), so the two clients build the same request from the same
arguments. What is here mirrors ``Client``'s sending section line for line, with awaits;
event hooks may be plain functions or coroutine functions.
"""

from __future__ import annotations

import contextlib
import inspect
import typing

from .._features._auth import AUTH_READS_BODY, Auth, AuthTypes
from .._features._redirects import REDIRECT_CODES, crosses_boundary, next_request
from .._io._async._transport import AsyncBaseTransport, AsyncHTTPTransport
from .._models._config import UNSET, TimeoutTypes, UnsetType
from .._models._content import RequestContent, RequestData, RequestFiles
from .._models._exceptions import RequestError
from .._models._headers import HeaderTypes
from .._models._proxy import ProxyTypes
from .._models._request import Request
from .._models._response import Response
from .._models._retry import Retry, RetryTypes
from .._models._urls import URL, QueryParams
from ._base import _RETRY, _SEND_OPTIONS, BaseClient
from ._build import CookieTypes

__all__ = ["AsyncClient"]


class AsyncClient(BaseClient):
    """A session for asyncio: shared settings and a pool of connections, on one event loop."""

    _transport: AsyncBaseTransport

    def _default_transport(self, **settings: typing.Any) -> AsyncBaseTransport:
        return AsyncHTTPTransport(**settings)

    # -- sending -------------------------------------------------------------------------------

    async def request(
        self,
        method: str,
        url: URL | str,
        *,
        params: QueryParams = None,
        headers: HeaderTypes = None,
        content: RequestContent | None = None,
        data: RequestData | None = None,
        json: typing.Any = None,
        files: RequestFiles | None = None,
        cookies: CookieTypes = None,
        auth: AuthTypes | UnsetType = UNSET,
        timeout: TimeoutTypes | UnsetType = UNSET,
        follow_redirects: bool | UnsetType = UNSET,
        max_redirects: int | UnsetType = UNSET,
        proxy: ProxyTypes | UnsetType = UNSET,
        expect_continue: bool | float = False,
        upload_progress: typing.Callable[[int, int | None], typing.Any] | None = None,
        retries: RetryTypes | UnsetType = UNSET,
    ) -> Response:
        request = self.build_request(
            method, url, params=params, headers=headers, content=content, data=data,
            json=json, files=files, cookies=cookies, timeout=timeout, proxy=proxy,
            expect_continue=expect_continue, upload_progress=upload_progress, retries=retries,
        )
        return await self.send(request, auth=auth, follow_redirects=follow_redirects,
                               max_redirects=max_redirects)

    async def send(
        self, request: Request, *, stream: bool = False, auth: AuthTypes | UnsetType = UNSET,
        follow_redirects: bool | UnsetType = UNSET, max_redirects: int | UnsetType = UNSET,
    ) -> Response:
        if self._closed:
            self._check_open()
        if (auth is UNSET and self.auth is None and not request.url.userinfo
                and (self._netrc_hosts == {} or not self.trust_env)):  # (_auth_for's answer)
            flow_auth = None
        else:
            flow_auth = self._auth_for(request, auth)
        if flow_auth is None:
            response = await self._send_one(request, stream)
        else:
            response = await self._send_with_auth(request, flow_auth, stream)
        if response.status_code in REDIRECT_CODES:
            limit = self._redirect_limit(follow_redirects, max_redirects)
            if limit is not None:
                response = await self._follow(request, response, auth, stream, limit)
        for hook in self.event_hooks["response"]:
            await _call(hook, response)
        return response

    async def _follow(
        self, first: Request, response: Response, auth: AuthTypes | UnsetType, stream: bool,
        limit: int,
    ) -> Response:
        history: list[Response] = []
        request = first
        strayed = False  # once the chain has left first's origin, no auth is sent again
        while response.is_redirect:
            if len(history) >= limit:
                await response.aclose()
                raise self._too_many(request, [*history, response])
            hop = next_request(request, response)
            await response.aclose()  # a streamed 3xx body is not wanted: its connection drops
            history.append(response)
            request = hop
            self._route(request, first)
            strayed = strayed or crosses_boundary(first.url, request.url)
            self._cookies_for_hop(request, first, strayed)
            flow_auth = None if strayed else self._auth_for(request, auth)
            if flow_auth is None:
                response = await self._send_one(request, stream)
            else:
                response = await self._send_with_auth(request, flow_auth, stream)
        response.history = history
        return response

    async def _send_one(self, request: Request, stream: bool) -> Response:
        if request.proxy is UNSET:
            self._route(request, request)
        for hook in self.event_hooks["request"]:
            await _call(hook, request)
        extensions = request.extensions
        policy = extensions.get(_RETRY, self.retries) if extensions else self.retries
        if policy is None:
            response = await self._transport.handle_async_request(request, stream)
        else:
            response = await self._retrying(request, stream, policy)
        if response._raw_head is None or "set-cookie" in response._lower_head:
            self._keep_cookies(request, response)  # (most heads set none: no call for them)
        return response

    async def _retrying(self, request: Request, stream: bool, policy: Retry) -> Response:
        """Attempts of one request until one is not retryable (see ``_retry``)."""
        history: list[tuple[int | str, float]] = []
        deadline = self._retry_start(request, policy)
        while True:
            try:
                response = await self._transport.handle_async_request(request, stream)
            except RequestError as exc:
                delay = self._retry_delay(policy, request, history, deadline, error=exc)
                if delay is None:
                    exc.retries = history
                    raise
            else:
                delay = self._retry_delay(policy, request, history, deadline, response=response)
                if delay is None:
                    response.retries = history
                    return response
                await response.aclose()
            await policy.async_sleep(delay)

    async def _send_with_auth(self, request: Request, auth: Auth, stream: bool) -> Response:
        flow = auth.async_auth_flow(request)
        try:
            request = await anext(flow)
            while True:
                own = AUTH_READS_BODY in request.extensions  # the flow's own request: read it
                response = await self._send_one(request, stream and not own)
                try:
                    next_request = await flow.asend(response)
                except StopAsyncIteration:
                    return response
                await response.aread()
                await response.aclose()
                self._cookies_for_retry(next_request, response)
                request = next_request
        finally:
            await flow.aclose()  # a flow left mid-way (an error) releases what it holds

    @contextlib.asynccontextmanager
    async def stream(
        self, method: str, url: URL | str, **kwargs: typing.Any
    ) -> typing.AsyncIterator[Response]:
        """A response whose body is read as you iterate it; closed when the block ends."""
        options = {name: kwargs.pop(name) for name in _SEND_OPTIONS if name in kwargs}
        response = await self.send(self.build_request(method, url, **kwargs), stream=True,
                                   **options)
        try:
            yield response
        finally:
            await response.aclose()

    async def get(self, url: URL | str, **kwargs: typing.Any) -> Response:
        if not kwargs:  # the most common call of all: skip the keyword plumbing
            return await self.send(self.build_request("GET", url))
        return await self._verb("GET", url, kwargs)

    async def head(self, url: URL | str, **kwargs: typing.Any) -> Response:
        return await self._verb("HEAD", url, kwargs)

    async def options(self, url: URL | str, **kwargs: typing.Any) -> Response:
        return await self._verb("OPTIONS", url, kwargs)

    async def delete(self, url: URL | str, **kwargs: typing.Any) -> Response:
        return await self._verb("DELETE", url, kwargs)

    async def post(self, url: URL | str, **kwargs: typing.Any) -> Response:
        return await self._verb("POST", url, kwargs)

    async def put(self, url: URL | str, **kwargs: typing.Any) -> Response:
        return await self._verb("PUT", url, kwargs)

    async def patch(self, url: URL | str, **kwargs: typing.Any) -> Response:
        return await self._verb("PATCH", url, kwargs)

    async def _verb(self, method: str, url: URL | str, kwargs: dict[str, typing.Any]) -> Response:
        """get(), post() and the rest: without send()'s options, the request is built and sent
        without request(), whose keyword-only options cost a dict lookup for each one a call
        leaves out (14 for post(url, json=...))."""
        if _SEND_OPTIONS.isdisjoint(kwargs):
            return await self.send(self.build_request(method, url, **kwargs))
        return await self.request(method, url, **kwargs)

    async def aclose(self) -> None:
        if not self._closed:
            self._closed = True
            await self._transport.aclose()

    async def __aenter__(self) -> AsyncClient:
        return self

    async def __aexit__(self, *args: object) -> None:
        await self.aclose()


async def _call(hook: typing.Callable[..., typing.Any], arg: object) -> None:
    result = hook(arg)
    if inspect.isawaitable(result):
        await result
