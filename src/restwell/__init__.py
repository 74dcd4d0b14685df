"""restwell: an HTTP client for REST APIs. Public names are exactly those in ``__all__``."""

from ._api import delete, get, head, options, patch, post, put, request
from ._auth import Auth, BasicAuth
from ._client import Client
from ._config import UNSET, Limits, Timeout
from ._exceptions import (
    CertificateVerifyError,
    ClientClosed,
    ConnectError,
    ConnectTimeout,
    DecodingError,
    HTTPStatusError,
    IncompleteBodyError,
    InvalidHeader,
    InvalidURL,
    LocalProtocolError,
    NetworkError,
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
from ._headers import Headers
from ._models import Request, Response
from ._transport import BaseTransport, HTTPTransport
from ._urls import URL
from ._version import __version__

__all__ = [
    "Auth", "BaseTransport", "BasicAuth", "CertificateVerifyError", "Client", "ClientClosed",
    "ConnectError", "ConnectTimeout", "DecodingError", "HTTPStatusError", "HTTPTransport",
    "Headers", "IncompleteBodyError", "InvalidHeader", "InvalidURL", "Limits",
    "LocalProtocolError", "NetworkError", "PoolTimeout", "ProtocolError", "ProxyError",
    "ReadError", "ReadTimeout", "RemoteProtocolError", "Request", "RequestError", "Response",
    "ResponseNotRead", "RestwellError", "StreamClosed", "StreamConsumed", "StreamError",
    "TLSError", "Timeout", "TimeoutException", "TooManyRedirects", "TransportError", "UNSET",
    "URL", "UnsupportedProtocol", "WriteError", "WriteTimeout", "__version__", "delete", "get",
    "head", "options", "patch", "post", "put", "request",
]
