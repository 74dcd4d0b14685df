"""Request and Response: plain data plus the body-reading API.

A Response's body arrives one of two ways: whole (``_raw_body``, the fast path for ordinary
calls: one join, decoded on first access) or as a stream of raw chunks (``client.stream()``),
decoded chunk by chunk with bounded output. Response headers stay as the parser's raw
``(bytes, bytes)`` pairs until ``.headers`` is first read: most calls only want ``.json()``.
"""

from __future__ import annotations

import typing

from ._config import UNSET, Timeout, UnsetType
from ._content import BodyStream, RequestContent, RequestData, RequestFiles, encode_body
from ._exceptions import (
    StreamConsumed,
)
from ._headers import Headers, HeaderTypes, check_method
from ._urls import URL, QueryParams

if typing.TYPE_CHECKING:  # pragma: no cover

    from ._proxy import Proxy

__all__ = ["Request", "EXPECT_CONTINUE"]


# request.extensions key: seconds to wait for 100 Continue before sending the body anyway.
EXPECT_CONTINUE = "restwell.expect_continue"


class Request:
    """One HTTP request: method, URL, headers and body."""

    __slots__ = ("body", "extensions", "headers", "method", "proxy", "timeout", "url")

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
        if "host" not in self.headers and self.url.host:  # HTTP/1.1 requires it (RFC 9112 §3.2)
            self.headers._list.insert(0, ("Host", self.url.netloc))
            self.headers._block = None
        content_type, self.body = encode_body(content, data, json, files)
        if content_type is not None and "content-type" not in self.headers:
            self.headers["Content-Type"] = content_type
        set_length(self)
        self.timeout = timeout
        self.extensions: dict[str, typing.Any] = {}
        # The proxy the client chose for this request (None: direct); UNSET until it chose.
        self.proxy: Proxy | UnsetType | None = UNSET

    @property
    def content(self) -> bytes:
        if isinstance(self.body, BodyStream):
            raise StreamConsumed("the request body is a stream; it has no .content")
        return self.body or b""

    def __repr__(self) -> str:
        return f"<Request({self.method!r}, {self.url.redacted()!r})>"


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
