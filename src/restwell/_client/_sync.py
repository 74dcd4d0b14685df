"""The sync ``Client``: builds requests (``BaseClient``) and drives the feature flow with
blocking calls."""

from __future__ import annotations

import contextlib
import typing

from .._features._auth import (
    AUTH_READS_BODY,
    Auth,
    AuthTypes,
)
from .._features._redirects import REDIRECT_CODES, crosses_boundary, next_request
from .._models._config import UNSET, TimeoutTypes, UnsetType
from .._models._content import (
    RequestContent,
    RequestData,
    RequestFiles,
)
from .._models._exceptions import (
    RequestError,
)
from .._models._headers import HeaderTypes
from .._models._proxy import ProxyTypes
from .._models._request import Request
from .._models._response import Response
from .._models._retry import Retry, RetryTypes
from .._models._urls import URL, QueryParams

if typing.TYPE_CHECKING:  # pragma: no cover
    from .._io._sync._transport import BaseTransport
from ._base import _RETRY, _SEND_OPTIONS, BaseClient
from ._build import CookieTypes

__all__ = ["Client"]


class Client(BaseClient):
    """A session: shared settings and a pool of connections. Thread-safe; use one per app."""

    _transport: BaseTransport

    def _default_transport(self, **settings: typing.Any) -> BaseTransport:
        from .._io._sync._transport import HTTPTransport

        return HTTPTransport(**settings)

    # -- sending -------------------------------------------------------------------------------

    def request(
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
        return self.send(request, auth=auth, follow_redirects=follow_redirects,
                         max_redirects=max_redirects)

    def send(
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
            response = self._send_one(request, stream)
        else:
            response = self._send_with_auth(request, flow_auth, stream)
        if response.status_code in REDIRECT_CODES:
            limit = self._redirect_limit(follow_redirects, max_redirects)
            if limit is not None:
                response = self._follow(request, response, auth, stream, limit)
        for hook in self.event_hooks["response"]:
            hook(response)
        return response

    def _follow(
        self, first: Request, response: Response, auth: AuthTypes | UnsetType, stream: bool,
        limit: int,
    ) -> Response:
        history: list[Response] = []
        request = first
        strayed = False  # once the chain has left first's origin, no auth is sent again
        while response.is_redirect:
            if len(history) >= limit:
                response.close()
                raise self._too_many(request, [*history, response])
            hop = next_request(request, response)
            response.close()  # a streamed 3xx body is not wanted: its connection drops
            history.append(response)
            request = hop
            self._route(request, first)
            strayed = strayed or crosses_boundary(first.url, request.url)
            self._cookies_for_hop(request, first, strayed)
            flow_auth = None if strayed else self._auth_for(request, auth)
            if flow_auth is None:
                response = self._send_one(request, stream)
            else:
                response = self._send_with_auth(request, flow_auth, stream)
        response.history = history
        return response

    def _send_one(self, request: Request, stream: bool) -> Response:
        if request.proxy is UNSET:
            self._route(request, request)
        for hook in self.event_hooks["request"]:
            hook(request)
        extensions = request.extensions
        policy = extensions.get(_RETRY, self.retries) if extensions else self.retries
        if policy is None:
            response = self._transport.handle_request(request, stream)
        else:
            response = self._retrying(request, stream, policy)
        if response._raw_head is None or "set-cookie" in response._lower_head:
            self._keep_cookies(request, response)  # (most heads set none: no call for them)
        return response

    def _retrying(self, request: Request, stream: bool, policy: Retry) -> Response:
        """Attempts of one request until one is not retryable (see ``_retry``)."""
        history: list[tuple[int | str, float]] = []
        deadline = self._retry_start(request, policy)
        while True:
            try:
                response = self._transport.handle_request(request, stream)
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
                response.close()
            policy.sleep(delay)

    def _send_with_auth(self, request: Request, auth: Auth, stream: bool) -> Response:
        flow = auth.sync_auth_flow(request)
        try:
            request = next(flow)
            while True:
                own = AUTH_READS_BODY in request.extensions  # the flow's own request: read it
                response = self._send_one(request, stream and not own)
                try:
                    next_request = flow.send(response)
                except StopIteration:
                    return response
                response.read()
                response.close()
                self._cookies_for_retry(next_request, response)
                request = next_request
        finally:
            flow.close()  # a flow left mid-way (an error) releases what it holds

    @contextlib.contextmanager
    def stream(
        self, method: str, url: URL | str, **kwargs: typing.Any
    ) -> typing.Iterator[Response]:
        """A response whose body is read as you iterate it; closed when the block ends."""
        options = {name: kwargs.pop(name) for name in _SEND_OPTIONS if name in kwargs}
        response = self.send(self.build_request(method, url, **kwargs), stream=True,
                             **options)
        try:
            yield response
        finally:
            response.close()

    def get(self, url: URL | str, **kwargs: typing.Any) -> Response:
        if not kwargs:  # the most common call of all: skip the keyword plumbing
            return self.send(self.build_request("GET", url))
        return self._verb("GET", url, kwargs)

    def head(self, url: URL | str, **kwargs: typing.Any) -> Response:
        return self._verb("HEAD", url, kwargs)

    def options(self, url: URL | str, **kwargs: typing.Any) -> Response:
        return self._verb("OPTIONS", url, kwargs)

    def delete(self, url: URL | str, **kwargs: typing.Any) -> Response:
        return self._verb("DELETE", url, kwargs)

    def post(self, url: URL | str, **kwargs: typing.Any) -> Response:
        return self._verb("POST", url, kwargs)

    def put(self, url: URL | str, **kwargs: typing.Any) -> Response:
        return self._verb("PUT", url, kwargs)

    def patch(self, url: URL | str, **kwargs: typing.Any) -> Response:
        return self._verb("PATCH", url, kwargs)

    def _verb(self, method: str, url: URL | str, kwargs: dict[str, typing.Any]) -> Response:
        """get(), post() and the rest: without send()'s options, the request is built and sent
        without request(), whose keyword-only options cost a dict lookup for each one a call
        leaves out (14 for post(url, json=...))."""
        if _SEND_OPTIONS.isdisjoint(kwargs):
            return self.send(self.build_request(method, url, **kwargs))
        return self.request(method, url, **kwargs)

    def close(self) -> None:
        if not self._closed:
            self._closed = True
            self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()
