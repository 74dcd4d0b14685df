"""The sync ``Client``: builds requests (``BaseClient``) and drives the feature flow with
blocking calls. ``_drive`` is the one loop this module and ``_async`` repeat."""

from __future__ import annotations

import contextlib
import os
import typing

from .._features._flow import run
from .._features._steps import AUTH, AUTH_END, CALL, CLOSE, READ, SEND, SLEEP, STORE, Flow
from .._models._config import UNSET, TimeoutTypes, UnsetType
from .._models._content import RequestContent, RequestData, RequestFiles
from .._models._headers import HeaderTypes
from .._models._proxy import ProxyTypes
from .._models._request import Request
from .._models._response import Response
from .._models._retry import RetryTypes
from .._models._templates import PathValues, expand_path
from .._models._urls import URL, QueryParams
from ._base import SEND_OPTIONS, BaseClient
from ._build import CookieTypes
from ._calls import call_options, streamed
from ._keywords import CALL_KEYWORDS

if typing.TYPE_CHECKING:  # pragma: no cover
    from .._features._auth import AuthTypes
    from .._features._pagination import Pagination
    from .._io._sync._transport import BaseTransport
    from .._models._sse import ServerSentEvent
    from ._download import Progress
    from ._pages import Pages

__all__ = ["Client"]


class Client(BaseClient):
    """A session: shared settings and a pool of connections. Thread-safe; use one per app.

    ``Client(base_url=..., headers=..., params=..., auth=..., timeout=..., limits=...,
    verify=..., cert=..., cookies=..., event_hooks=..., transport=..., trust_env=...,
    follow_redirects=..., max_redirects=..., proxy=..., proxy_auth=..., retries=...,
    mounts=..., default_encoding=..., cache=..., raise_for_status=...)``; every setting but
    the transports', ``default_encoding`` and ``cache`` may also be given per call
    (``cache=False`` turns the cache off for one call). The settings are also properties
    (``client.auth = ...`` converts as ``auth=`` does); the transport's, the proxy's and
    ``trust_env`` are fixed when the client is made. ``mounts={"all://*.corp": transport,
    ...}`` sends the requests whose URL matches a pattern to that transport (httpx's
    patterns; the most specific wins; docs/connections.md)."""

    __slots__ = ()
    _transport: BaseTransport

    def _default_transport(self, **settings: typing.Any) -> BaseTransport:
        from .._io._sync._transport import HTTPTransport  # here: import restwell opens no socket

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
        cache: bool = True,
        raise_for_status: bool | UnsetType = UNSET,
        path: PathValues | None = None,
        **unknown: typing.Any,
    ) -> Response:
        """Build a request from the arguments and the client's settings, send it, and return
        the response read whole (``client.stream()`` for one read as you go). ``path=``
        fills the URL template's ``{name}`` segments, each value encoded as one segment."""
        if unknown:  # requests' stream=, allow_redirects=...: a TypeError saying what to write
            self._keywords("request", unknown)
        if path is not None:
            url = expand_path(url, path)  # type: ignore[arg-type]
        request = self.build_request(
            method, url, params=params, headers=headers, content=content, data=data,
            json=json, files=files, cookies=cookies, timeout=timeout, proxy=proxy,
            expect_continue=expect_continue, upload_progress=upload_progress, retries=retries,
        )
        call_options(request, cache, raise_for_status)
        response = self.send(request, auth=auth, follow_redirects=follow_redirects,
                                max_redirects=max_redirects)
        if raise_for_status is True and response.status_code >= 400:  # (sent directly)
            response.raise_for_status()
        return response

    def send(
        self, request: Request, *, stream: bool = False, auth: AuthTypes | UnsetType = UNSET,
        follow_redirects: bool | UnsetType = UNSET, max_redirects: int | UnsetType = UNSET,
    ) -> Response:
        """Send a request (``build_request()`` or ``Request(...)``) through the client's
        features: auth, retries, cookies, redirects and hooks. With ``stream=True`` the body
        is left unread: read it, iterate it or close the response."""
        if self._closed:
            self._check_open()
        if auth is UNSET and self._plain(request):  # no feature before it goes out
            response = self._transport.handle_request(request, stream)
            if self._default_encoding is not None:  # (most keep the responses' own: UTF-8)
                response.default_encoding = self._default_encoding
            if self._settled(response):
                return response
            flow = run(self, request, stream, auth, follow_redirects, max_redirects, response)
        else:
            flow = run(self, request, stream, auth, follow_redirects, max_redirects)
        return self._drive(flow)  # type: ignore[no-any-return]

    def _drive(self, flow: Flow) -> typing.Any:
        """Do each step the feature flow yields (``_features._steps``), with blocking calls."""
        reply: typing.Any = None
        error: BaseException | None = None
        while True:
            try:
                kind, a, b = flow.send(reply) if error is None else flow.throw(error)
            except StopIteration as done:
                return done.value
            reply = error = None
            try:
                if kind == SEND:
                    reply = self._transport.handle_request(a, b)
                    if self._default_encoding is not None:
                        reply.default_encoding = self._default_encoding
                elif kind == CALL:
                    a(b)
                elif kind == CLOSE:
                    a.close()
                elif kind == READ:
                    a.read()
                    a.close()
                elif kind == SLEEP:
                    a.sleep(b)
                elif kind == AUTH:
                    reply = a.send(b)
                elif kind == STORE:
                    reply = a(*b)
                elif kind == AUTH_END:
                    a.close()
            except StopIteration:  # (AUTH: the auth flow has ended)
                reply = None
            except BaseException as exc:
                error = exc  # thrown into the flow, which may retry or let it propagate

    @contextlib.contextmanager
    def stream(
        self, method: str, url: URL | str, **kwargs: typing.Any
    ) -> typing.Iterator[Response]:
        """A response whose body is read as you iterate it (``iter_bytes``, ``iter_lines``,
        ...); it is closed, and its connection released, when the block ends. Takes what
        ``request()`` takes."""
        request, options, raising = streamed(self, method, url, kwargs)
        response = self.send(request, stream=True, **options)
        if raising is True and response.status_code >= 400:  # (sent directly: read its reason)
            response.read()
            response.close()
            response.raise_for_status()
        try:
            yield response
        finally:
            response.close()

    @contextlib.contextmanager
    def sse(
        self, url: URL | str, *, method: str = "GET", **kwargs: typing.Any
    ) -> typing.Iterator[typing.Iterator[ServerSentEvent]]:
        """The Server-Sent Events of ``url``, as a block: ``with client.sse(url) as events:
        for event in events: ...``. Sends ``Accept: text/event-stream`` and
        ``Cache-Control: no-store`` (the cache is off); a 4xx or 5xx raises its
        ``HTTPStatusError``, an answer that is not ``text/event-stream`` a
        ``RemoteProtocolError``. A dropped stream is not reconnected (docs/sse.md). Takes
        what ``request()`` takes."""
        from ._sse import check_event_stream, sse_options

        with self.stream(method, url, **sse_options(kwargs)) as response:
            if response.status_code >= 400:
                response.read()
            check_event_stream(response)
            yield response.iter_sse()

    def get(self, url: URL | str, **kwargs: typing.Any) -> Response:
        """``GET``; takes what ``request()`` takes."""
        if not kwargs:  # the most common call of all: skip the keyword plumbing
            return self.send(self.build_request("GET", url))
        return self._verb("GET", url, kwargs)

    def head(self, url: URL | str, **kwargs: typing.Any) -> Response:
        """``HEAD``; takes what ``request()`` takes."""
        return self._verb("HEAD", url, kwargs)

    def options(self, url: URL | str, **kwargs: typing.Any) -> Response:
        """``OPTIONS``; takes what ``request()`` takes."""
        return self._verb("OPTIONS", url, kwargs)

    def delete(self, url: URL | str, **kwargs: typing.Any) -> Response:
        """``DELETE``; takes what ``request()`` takes."""
        return self._verb("DELETE", url, kwargs)

    def post(self, url: URL | str, **kwargs: typing.Any) -> Response:
        """``POST``; takes what ``request()`` takes (``json=``, ``data=``, ``files=``,
        ``content=`` for the body)."""
        return self._verb("POST", url, kwargs)

    def put(self, url: URL | str, **kwargs: typing.Any) -> Response:
        """``PUT``; takes what ``request()`` takes."""
        return self._verb("PUT", url, kwargs)

    def patch(self, url: URL | str, **kwargs: typing.Any) -> Response:
        """``PATCH``; takes what ``request()`` takes."""
        return self._verb("PATCH", url, kwargs)

    def _verb(self, method: str, url: URL | str, kwargs: dict[str, typing.Any]) -> Response:
        """get(), post() and the rest: without send()'s options, the request is built and sent
        without request(), whose keyword-only options cost a dict lookup for each one a call
        leaves out (14 for post(url, json=...))."""
        if SEND_OPTIONS.isdisjoint(kwargs):
            try:
                request = self.build_request(method, url, **kwargs)
            except TypeError:  # a keyword restwell does not take (or another TypeError)
                if CALL_KEYWORDS.issuperset(kwargs):
                    raise
                request = self.build_request(method, url,
                                             **self._keywords(method.lower(), kwargs))
            return self.send(request)
        if not CALL_KEYWORDS.issuperset(kwargs):
            kwargs = self._keywords(method.lower(), kwargs)
        return self.request(method, url, **kwargs)

    def download(
        self, url: URL | str, path: str | os.PathLike[str], *, resume: bool = True,
        progress: Progress | None = None, **kwargs: typing.Any,
    ) -> Response:
        """Save the body of a ``GET`` to ``path``, streamed to a partial file beside it and
        renamed over it only when whole; returns the last response (its body read). With
        ``resume=True`` a partial file an interrupted call left is resumed (``Range`` and
        ``If-Range``), or started again when the resource changed. ``progress(done, total)``
        is called per chunk; a body shorter than announced raises ``IncompleteBodyError``
        and keeps the partial file. Takes what ``request()`` takes (docs/downloads.md)."""
        from .._features._download import AGAIN, FAIL  # (here: import restwell loads none of it)
        from ._download import BODY, Target

        target = Target(str(url), path, resume, progress)
        try:
            while True:
                with self.stream("GET", url, **target.options(kwargs)) as response:
                    step = target.begin(response)
                    if step == AGAIN:  # (the partial file was dropped: ask for it whole)
                        continue
                    if step == FAIL:  # (its body read first: the error quotes it)
                        response.read()
                        target.fail(response)
                    if step == BODY:
                        for chunk in response.iter_raw():
                            target.write(chunk)
                    return target.finish(response)
        except BaseException:
            target.abort()
            raise

    def paginate(
        self, url: URL | str, *, pagination: Pagination | None = None,
        max_pages: int | None = None, max_items: int | None = None, method: str = "GET",
        **kwargs: typing.Any,
    ) -> Pages:
        """The pages of a list, each a response, following ``pagination`` (the ``Link``
        field's ``rel="next"`` by default; ``CursorPagination``, ``PagePagination``);
        ``.items(path)`` iterates the items instead. Takes what ``request()`` takes, for every
        page; stops after ``max_pages`` pages or ``max_items`` items (docs/pagination.md)."""
        from ._pages import Pages

        return Pages(self, method, url, pagination, max_pages, max_items, kwargs)

    def close(self) -> None:
        """Close every pooled connection; the client sends nothing after this."""
        if not self._closed:
            self._closed = True
            self._transport.close()

    def __enter__(self) -> Client:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()
