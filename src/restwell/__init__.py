"""restwell: an HTTP client for REST APIs. Public names are exactly those in ``__all__``."""

import typing

from ._api import delete, get, head, options, patch, post, put, request, stream
from ._client._sync import Client
from ._features._auth import Auth, BasicAuth, BearerAuth
from ._features._cookies import Cookies
from ._features._digest import DigestAuth
from ._features._oauth2 import OAuth2
from ._features._pagination import CursorPagination, LinkPagination, PagePagination
from ._models._config import UNSET, Limits, Timeout
from ._models._exceptions import (
    AuthError,
    CertificateVerifyError,
    ClientClosed,
    ConnectError,
    ConnectTimeout,
    CookieConflict,
    DecodingError,
    HTTPStatusError,
    IncompleteBodyError,
    InvalidHeader,
    InvalidURL,
    LocalProtocolError,
    NetworkError,
    PaginationError,
    PoolTimeout,
    ProtocolError,
    ProxyError,
    ReadError,
    ReadTimeout,
    RemoteProtocolError,
    RequestError,
    ResponseNotRead,
    RestwellError,
    StreamClosed,
    StreamConsumed,
    StreamError,
    TimeoutException,
    TLSError,
    TooManyRedirects,
    TransportError,
    UnsupportedProtocol,
    WriteError,
    WriteTimeout,
)
from ._models._headers import Headers
from ._models._problem_details import Problem
from ._models._proxy import Proxy
from ._models._request import Request
from ._models._response import Response
from ._models._retry import Retry
from ._models._status_errors import (
    BadGateway,
    BadRequest,
    ClientError,
    Conflict,
    Forbidden,
    GatewayTimeout,
    Gone,
    InternalServerError,
    MethodNotAllowed,
    NotFound,
    PreconditionFailed,
    ServerError,
    ServiceUnavailable,
    TooManyRequests,
    Unauthorized,
    UnprocessableEntity,
    UnsupportedMediaType,
)
from ._models._urls import URL
from ._version import __version__

if typing.TYPE_CHECKING:  # pragma: no cover
    from ._client._async import AsyncClient
    from ._io._async._transport import AsyncBaseTransport, AsyncHTTPTransport
    from ._io._sync._transport import BaseTransport, HTTPTransport
    from ._models._codes import codes
    from ._models._problems import JSONDecodeError

__all__ = [
    "AsyncBaseTransport", "AsyncClient", "AsyncHTTPTransport", "Auth", "AuthError",
    "BaseTransport", "BasicAuth", "BearerAuth", "Cache", "CertificateVerifyError", "Client",
    "ClientClosed", "CookieConflict", "MemoryCache", "RedisCache", "SQLiteCache",
    "Cookies", "DigestAuth", "OAuth2", "ConnectError", "ConnectTimeout", "DecodingError",
    "HTTPStatusError", "HTTPTransport", "Headers", "IncompleteBodyError", "InvalidHeader",
    "InvalidURL", "JSONDecodeError", "Limits", "LocalProtocolError", "NetworkError", "PoolTimeout",
    "ProtocolError", "Proxy", "ProxyError", "ReadError", "ReadTimeout", "RemoteProtocolError",
    "Request", "RequestError", "Response", "ResponseNotRead", "RestwellError", "Retry",
    "StreamClosed", "StreamConsumed", "StreamError", "TLSError", "Timeout", "TimeoutException",
    "TooManyRedirects", "TransportError", "UNSET", "URL", "UnsupportedProtocol", "WriteError",
    "WriteTimeout", "__version__", "codes", "delete", "get", "head", "options", "patch", "post",
    "put", "request", "stream",
    # typed API errors (HTTPStatusError by status class and status), their problem details
    "BadGateway", "BadRequest", "ClientError", "Conflict", "Forbidden", "GatewayTimeout", "Gone",
    "InternalServerError", "MethodNotAllowed", "NotFound", "PreconditionFailed", "Problem",
    "ServerError", "ServiceUnavailable", "TooManyRequests", "Unauthorized",
    "UnprocessableEntity", "UnsupportedMediaType",
    # pagination strategies, and the error of a pagination that cannot go on
    "CursorPagination", "LinkPagination", "PagePagination", "PaginationError",
    # Server-Sent Events: client.sse(), response.iter_sse()
    "ServerSentEvent",
]


_ASYNC = {"AsyncClient": "_client._async", "AsyncBaseTransport": "_io._async._transport",
          "AsyncHTTPTransport": "_io._async._transport", "BaseTransport": "_io._sync._transport",
          "HTTPTransport": "_io._sync._transport", "JSONDecodeError": "_models._problems",
          "codes": "_models._codes", "Cache": "_features._cache._config",
          "MemoryCache": "_storage._memory", "SQLiteCache": "_storage._sqlite",
          "RedisCache": "_storage._redis", "ServerSentEvent": "_models._sse"}


# requests' names a migrating script reaches for, and restwell's (docs/defaults.md).
_MIGRATING = {
    "Session": "restwell.Client is the session: `with restwell.Client() as client:`",
    "RequestException": "restwell.RequestError (restwell.RestwellError is every error's base)",
    "HTTPError": "restwell.HTTPStatusError, from response.raise_for_status()",
    "ConnectionError": "restwell.ConnectError (restwell.TransportError for every network error)",
}


def __getattr__(name: str) -> typing.Any:
    # The async half loads on first use: importing asyncio would double restwell's import time
    # for programs that never use it. The sockets half (transports, connections, the parser,
    # TLS settings) loads when the first Client is made, or when its classes are asked for.
    # JSONDecodeError (it subclasses json's, so it imports json), codes (an enum of 60
    # members) and Cache (a dataclass: dataclasses imports inspect) load on first use too.
    module = _ASYNC.get(name)
    if module is None:
        hint = _MIGRATING.get(name)
        raise AttributeError(f"module 'restwell' has no attribute {name!r}"
                             + (f": {hint}" if hint else ""))
    import importlib

    value = getattr(importlib.import_module(f"restwell.{module}"), name)
    value.__module__ = "restwell"
    globals()[name] = value
    return value


# Tracebacks and reprs say restwell.Client, not the private module a class lives in.
for _name in __all__:
    _value = globals().get(_name)
    if isinstance(_value, type) or callable(_value):
        _value.__module__ = "restwell"
del _name, _value
