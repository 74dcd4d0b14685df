"""restwell's one exception hierarchy.

Every error restwell raises is a ``RestwellError``. Errors from the OS, ``ssl`` and the HTTP
parser are mapped to these classes at one boundary (``_io._errors.map_error``, which both
drivers call, and the parser in ``_protocol._http11``), so callers
never see a bare ``OSError``, ``ssl.SSLError`` or ``httptools.HttpParserError``.

    RestwellError
    ├── RequestError                  a request could not be completed (has .request)
    │   ├── TransportError
    │   │   ├── TimeoutException      (also a builtin TimeoutError)
    │   │   │   ├── ConnectTimeout
    │   │   │   ├── ReadTimeout
    │   │   │   ├── WriteTimeout
    │   │   │   └── PoolTimeout       no connection slot became free in time
    │   │   ├── NetworkError
    │   │   │   ├── ConnectError
    │   │   │   │   └── TLSError
    │   │   │   │       └── CertificateVerifyError
    │   │   │   ├── ReadError
    │   │   │   └── WriteError
    │   │   ├── ProtocolError
    │   │   │   ├── LocalProtocolError     we were asked to send something invalid (a ValueError)
    │   │   │   └── RemoteProtocolError    the server broke HTTP/1.1
    │   │   │       └── IncompleteBodyError  the body ended before its declared length
    │   │   ├── ProxyError            the proxy refused or failed (has .status_code)
    │   │   └── UnsupportedProtocol   a scheme other than http or https
    │   ├── DecodingError             the body could not be decompressed or decoded
    │   ├── AuthError                 authentication could not be completed (token endpoint)
    │   └── TooManyRedirects
    ├── HTTPStatusError               raise_for_status() on a 4xx or 5xx (has .request, .response)
    ├── InvalidURL                    (also a ValueError)
    ├── InvalidHeader                 (also a ValueError) CR, LF, NUL or another CTL in a header
    ├── StreamError
    │   ├── StreamConsumed            a one-shot body was already read
    │   ├── StreamClosed
    │   └── ResponseNotRead           .content of a streamed response before .read()
    └── ClientClosed                  the client was used after close()

Messages say what happened, to which URL, and what to do about it.
"""

from __future__ import annotations

import typing

if typing.TYPE_CHECKING:  # pragma: no cover
    from ._request import Request
    from ._response import Response


class RestwellError(Exception):
    """Base class of every exception restwell raises."""


class RequestError(RestwellError):
    """The request could not be completed; ``.request`` is the request that failed."""

    # The retries made before giving up: (status or exception name, seconds waited) each.
    retries: typing.Sequence[tuple[int | str, float]] = ()

    def __init__(self, message: str, *, request: Request | None = None) -> None:
        super().__init__(message)
        self._request = request

    @property
    def request(self) -> Request:
        if self._request is None:
            raise RuntimeError("this error is not tied to a request")
        return self._request


class TransportError(RequestError):
    pass


class TimeoutException(TransportError, TimeoutError):
    pass


class ConnectTimeout(TimeoutException):
    pass


class ReadTimeout(TimeoutException):
    pass


class WriteTimeout(TimeoutException):
    pass


class PoolTimeout(TimeoutException):
    pass


class NetworkError(TransportError):
    pass


class ConnectError(NetworkError):
    pass


class TLSError(ConnectError):
    pass


class CertificateVerifyError(TLSError):
    pass


class ReadError(NetworkError):
    pass


class WriteError(NetworkError):
    pass


class ProtocolError(TransportError):
    pass


class LocalProtocolError(ProtocolError, ValueError):
    """We were asked to send something HTTP cannot carry (a bad method, say)."""


class RemoteProtocolError(ProtocolError):
    pass


class IncompleteBodyError(RemoteProtocolError):
    pass


class ProxyError(TransportError):
    """The proxy failed or refused; ``status_code`` is its HTTP status when it answered."""

    def __init__(
        self, message: str, *, request: Request | None = None, status_code: int | None = None
    ) -> None:
        super().__init__(message, request=request)
        self.status_code = status_code


class UnsupportedProtocol(TransportError):
    pass


class DecodingError(RequestError):
    pass


class AuthError(RequestError):
    """Authentication could not be completed (a token endpoint refused, for one)."""


class TooManyRedirects(RequestError):
    """More redirects than ``max_redirects``; ``.history`` holds the responses followed."""

    def __init__(
        self, message: str, *, request: Request | None = None,
        history: list[Response] | None = None,
    ) -> None:
        super().__init__(message, request=request)
        self.history = history or []


class HTTPStatusError(RestwellError):
    """A 4xx or 5xx status, raised by ``Response.raise_for_status()``."""

    def __init__(self, message: str, *, request: Request, response: Response) -> None:
        super().__init__(message)
        self.request = request
        self.response = response


class InvalidURL(RestwellError, ValueError):
    pass


class InvalidHeader(RestwellError, ValueError):
    pass


class StreamError(RestwellError, RuntimeError):
    pass


class StreamConsumed(StreamError):
    pass


class StreamClosed(StreamError):
    pass


class ResponseNotRead(StreamError):
    pass


class ClientClosed(RestwellError, RuntimeError):
    pass
