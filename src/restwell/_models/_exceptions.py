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
    │   ├── DecodingError             the body could not be decompressed (or grew too large)
    │   ├── AuthError                 authentication could not be completed (token endpoint)
    │   └── TooManyRedirects
    ├── HTTPStatusError               a 4xx or 5xx raised for (has .request, .response, .problem)
    │   ├── ClientError               4xx: BadRequest 400, Unauthorized 401, Forbidden 403,
    │   │                             NotFound 404, MethodNotAllowed 405, Conflict 409, Gone 410,
    │   │                             PreconditionFailed 412, UnsupportedMediaType 415,
    │   │                             UnprocessableEntity 422, TooManyRequests 429
    │   └── ServerError               5xx: InternalServerError 500, BadGateway 502,
    │                                 ServiceUnavailable 503, GatewayTimeout 504 (in _status_errors)
    ├── JSONDecodeError               .json() of a body that is not JSON (also json.JSONDecodeError,
    │                                 so a ValueError; in _problems, which imports json)
    ├── PaginationError               paginate() cannot go on: a next page that loops, items
    │                                 that are not a list (has .response)
    ├── InvalidURL                    (also a ValueError)
    ├── InvalidHeader                 (also a ValueError) CR, LF, NUL or another CTL in a header
    ├── CookieConflict                (also a LookupError) jar["name"] matches several cookies
    ├── StreamError
    │   ├── StreamConsumed            a one-shot body was already read or iterated
    │   ├── StreamClosed
    │   └── ResponseNotRead           .content of a streamed response before .read()
    └── ClientClosed                  the client was used after close()

Messages say what happened, to which URL, and what to do about it.
"""

from __future__ import annotations

import typing

if typing.TYPE_CHECKING:  # pragma: no cover
    from ._problem_details import Problem
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
        """The request that failed; RuntimeError for an error not tied to a request."""
        if self._request is None:
            raise RuntimeError("this error is not tied to a request")
        return self._request


class TransportError(RequestError):
    """Sending the request or receiving its response failed (the subclass says how)."""


class TimeoutException(TransportError, TimeoutError):
    """A timeout or the total deadline ran out (also a builtin ``TimeoutError``)."""


class ConnectTimeout(TimeoutException):
    """Connecting (TCP, TLS, a proxy) took longer than ``Timeout.connect`` or the deadline."""


class ReadTimeout(TimeoutException):
    """The response's head or body did not arrive within ``Timeout.read`` or the deadline."""


class WriteTimeout(TimeoutException):
    """Sending the request took longer than ``Timeout.write`` or the deadline."""


class PoolTimeout(TimeoutException):
    """No connection slot became free within ``Timeout.pool`` (``Limits`` caps the pool)."""


class NetworkError(TransportError):
    """The network failed while connecting, sending or receiving."""


class ConnectError(NetworkError):
    """No connection could be opened: the name did not resolve, or the host refused or is down."""


class TLSError(ConnectError):
    """The TLS handshake failed, or TLS could not be set up from ``verify`` and ``cert``."""


class CertificateVerifyError(TLSError):
    """The server's (or proxy's) TLS certificate did not verify."""


class ReadError(NetworkError):
    """Receiving the response failed: the server closed or reset the connection."""


class WriteError(NetworkError):
    """Sending the request failed: the connection broke, or a body did not match its length."""


class ProtocolError(TransportError):
    """The exchange broke HTTP's rules (see the subclasses), or a Digest challenge cannot be met."""


class LocalProtocolError(ProtocolError, ValueError):
    """We were asked to send something HTTP cannot carry (a bad method, say)."""


class RemoteProtocolError(ProtocolError):
    """The server broke HTTP/1.1: a malformed or cut-off response, a bad Location."""


class IncompleteBodyError(RemoteProtocolError):
    """The connection closed before the body's declared length (or its last chunk) arrived."""


class ProxyError(TransportError):
    """The proxy failed or refused; ``status_code`` is its HTTP status when it answered."""

    def __init__(
        self, message: str, *, request: Request | None = None, status_code: int | None = None
    ) -> None:
        super().__init__(message, request=request)
        self.status_code = status_code


class UnsupportedProtocol(TransportError):
    """A URL, or a redirect's ``Location``, has a scheme other than http or https."""


class DecodingError(RequestError):
    """The body could not be decompressed (or grew too large), or its Content-Encoding is not
    one restwell decodes. (A body that is not JSON is a ``JSONDecodeError``.)"""


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
    """A 4xx or 5xx status, raised by ``Response.raise_for_status()`` (or by a client made
    with ``raise_for_status=True``): an instance of the subclass for its status
    (``except restwell.NotFound:``), else of ``ClientError`` or ``ServerError``."""

    def __init__(self, message: str, *, request: Request | None, response: Response) -> None:
        super().__init__(message)
        self.request = request  # (None for a Response built by hand without one)
        self.response = response
        self._problem: Problem | None = None

    @property
    def status_code(self) -> int:
        """The response's status."""
        return self.response.status_code

    @property
    def problem(self) -> Problem:
        """What the server said went wrong, as RFC 9457 problem details (``type``, ``title``,
        ``status``, ``detail``, ``instance``, ``extensions``), read from problem+json or the
        common JSON error shapes (GitHub's, OAuth 2's); parsed on first use."""
        if self._problem is None:
            from ._problem_details import problem_of

            self._problem = problem_of(self.response)
        return self._problem


class PaginationError(RestwellError):
    """``paginate()`` cannot go on: the next page is one already fetched (the server's
    pagination loops), or a page's items are not a list; ``.response`` is the page's."""

    def __init__(self, message: str, *, response: Response | None = None) -> None:
        super().__init__(message)
        self.response = response


class InvalidURL(RestwellError, ValueError):
    """A URL does not parse or is unsafe (a control character, a bad host or port); a ValueError."""


class InvalidHeader(RestwellError, ValueError):
    """A header name is not a token, or a value holds CR, LF, NUL or another CTL; a ValueError."""


class CookieConflict(RestwellError, LookupError):
    """``jar[name]`` or ``jar.get(name)`` matches cookies of that name for several domains or
    paths, with different values; pass ``domain=`` (and ``path=``) to ``get()`` to choose one.
    A LookupError, but no KeyError: ``jar.get(name, default)`` does not hide it."""


class StreamError(RestwellError, RuntimeError):
    """A body was used in a way its state does not allow (also a RuntimeError)."""


class StreamConsumed(StreamError):
    """A one-shot body was already read: a streamed response body iterated twice, or read()
    after it was iterated, ``iter_raw()`` after ``read()``, an iterator request body resent."""


class StreamClosed(StreamError):
    """A streamed body read after ``close()``, or by the wrong twin (``iter_*``, ``aiter_*``)."""


class ResponseNotRead(StreamError):
    """``.content``, ``.text`` or ``.json()`` of a streamed response before ``.read()``."""


class ClientClosed(RestwellError, RuntimeError):
    """The client was used after ``close()``, or closed while a request waited for a connection."""
