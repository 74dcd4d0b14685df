"""Request: method, URL, headers and body, plus what a call asked of the features.

The per-call options the client and the feature flow read (the call's retries= and proxy=,
the caller's own cookies, the wait for ``100 Continue``, an auth flow's own request) are typed
fields with class-level defaults, so a request built on the hot path sets none of them.
"""

from __future__ import annotations

import typing

from ._config import UNSET, Timeout, UnsetType
from ._content import BodyStream, RequestContent, RequestData, RequestFiles, encode_body
from ._exceptions import StreamConsumed
from ._headers import Headers, HeaderTypes, check_method
from ._urls import URL, QueryParams

if typing.TYPE_CHECKING:  # pragma: no cover
    from ._proxy import Proxy, Routes
    from ._retry import Retry

__all__ = ["Request", "no_options"]


class Request:
    """One HTTP request: method, URL, headers and body. ``client.build_request()`` makes one
    with the client's settings; ``Request(...)`` makes a bare one for ``client.send()``."""

    # Slots, not an instance dict: the transports read a request's fields on every call, and
    # slot reads measured about 1,000 instructions a GET fewer.
    __slots__ = ("_cache_off", "_extensions", "_raise_status", "body", "caller_cookies",
                 "expect_continue", "for_auth", "headers", "method", "proxy", "retries", "routes",
                 "timeout", "url")

    method: str
    url: URL
    headers: Headers
    body: bytes | BodyStream | None
    timeout: Timeout | None
    # The proxy the client chose for this request (None: direct); UNSET until it chose.
    proxy: Proxy | UnsetType | None
    # This call's retries= and proxy= (UNSET: the client's apply).
    retries: Retry | UnsetType | None
    routes: Routes | UnsetType | None
    # The Cookie field the caller gave (not the jar's), which redirect hops keep only while
    # the chain stays on the first origin.
    caller_cookies: str
    # Seconds to wait for 100 Continue before sending the body anyway (None: no Expect).
    expect_continue: float | None
    # An auth flow's own request (a token request): its response is read whole and handed to
    # the flow, even inside client.stream().
    for_auth: bool
    _extensions: dict[str, typing.Any] | None
    # The call's cache=False (set only then: read with getattr, off the hot path).
    _cache_off: bool
    # The call's raise_for_status= (set only when given: read with getattr, by the flow).
    _raise_status: bool

    def __init__(
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
        timeout: Timeout | None = None,
    ) -> None:
        self.method = check_method(method)
        self.url = URL(url, params=params) if params or not isinstance(url, URL) else url
        self.headers = Headers(headers)
        if self.url.host:
            self.headers._set_host(self.url.netloc)
        content_type, self.body = encode_body(content, data, json, files)
        if content_type is not None and "content-type" not in self.headers:
            self.headers["Content-Type"] = content_type
        set_length(self)
        self.timeout = timeout
        no_options(self)

    @property
    def extensions(self) -> dict[str, typing.Any]:
        """Free-form values for custom transports and hooks; restwell itself sets none."""
        if self._extensions is None:
            self._extensions = {}
        return self._extensions

    @property
    def content(self) -> bytes:
        """The body as bytes (b"" for none); StreamConsumed when it is streamed (a file, an
        iterator, a ``files=`` upload), which is only read as it goes out."""
        if isinstance(self.body, BodyStream):
            raise StreamConsumed("the request body is a stream; it has no .content")
        return self.body or b""

    def __repr__(self) -> str:
        return f"<Request({self.method!r}, {self.url.redacted()!r})>"


def no_options(request: Request) -> None:
    """A new request's per-call options, all at "not given" (``BaseClient.build_request``
    sets the same ones inline, on the hot path)."""
    request.proxy = request.retries = request.routes = UNSET
    request.caller_cookies = ""
    request.expect_continue = None
    request.for_auth = False
    request._extensions = None


_BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})
_FRAMING = frozenset({"content-length", "transfer-encoding"})


def set_length(request: Request, unframed: bool = False) -> None:
    """Content-Length or chunked framing for the request's body (RFC 9110 §8.6), unless
    the fields already frame it (``unframed``: the caller knows they do not)."""
    body, headers = request.body, request.headers
    if body is None and request.method not in _BODY_METHODS:
        return  # the common GET: nothing to frame, nothing to scan
    if not unframed and headers.has_any(_FRAMING):
        return
    if isinstance(body, bytes):
        if body or request.method not in ("GET", "HEAD", "OPTIONS", "DELETE", "TRACE"):
            headers.append_trusted("Content-Length", str(len(body)))
    elif isinstance(body, BodyStream):
        if body.length is not None:
            headers.append_trusted("Content-Length", str(body.length))
        else:
            headers.append_trusted("Transfer-Encoding", "chunked")
    elif request.method in ("POST", "PUT", "PATCH"):
        headers.append_trusted("Content-Length", "0")
