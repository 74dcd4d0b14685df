"""Rules both drivers share: request heads for proxied requests, pool keys, the stale
connection rule (RFC 9112 §9.3.1), and the errors for unsupported schemes and proxy 407s."""

from __future__ import annotations

import typing

from .._models._content import BodyStream
from .._models._exceptions import ProxyError, RequestError, UnsupportedProtocol
from .._models._proxy import Proxy
from .._models._request import Request
from .._models._retry import IDEMPOTENT
from ._http11 import ResponseParser, encode_head
from ._proxy import forward_head

__all__ = ["stale", "unsupported", "request_head", "pool_key", "proxy_refused", "forwarded"]


def forwarded(request: Request) -> bool:
    """Is the request forwarded by an http(s) proxy (rather than tunnelled or direct)?"""
    proxy = request.proxy
    return isinstance(proxy, Proxy) and request.url.scheme == "http" and not proxy.is_socks


def request_head(request: Request) -> bytes:
    """The head of a request that goes through a proxy: in absolute form to a forward
    proxy, with the proxy's fields; as usual inside a tunnel or through SOCKS."""
    headers = request.headers
    if forwarded(request):
        return forward_head(request.method, request.url, headers,
                            request.proxy)  # type: ignore[arg-type]
    if "proxy-authorization" in headers:  # meant for a proxy: never into the tunnel
        headers = headers.copy()
        headers.pop_all("proxy-authorization")
    return encode_head(request.method, request.url.target, headers)


def pool_key(request: Request) -> tuple[typing.Any, ...]:
    """Connections through a proxy are pooled apart from direct ones, and by proxy."""
    proxy = request.proxy
    if isinstance(proxy, Proxy):
        return (*request.url.origin, proxy.key)
    return request.url.origin


def proxy_refused(request: Request) -> ProxyError:
    proxy = request.proxy
    where = proxy.redacted() if isinstance(proxy, Proxy) else "proxy"
    return ProxyError(
        f"the proxy {where} answered 407 Proxy Authentication Required to "
        f"{request.method} {request.url.redacted()}: put the credentials in the proxy URL "
        "(http://user:password@proxy:port) or pass proxy_auth=(user, password)",
        request=request, status_code=407,
    )


def unsupported(request: Request) -> UnsupportedProtocol:
    return UnsupportedProtocol(
        f"cannot send {request.method} {request.url.redacted()}: restwell speaks http:// and "
        "https:// only",
        request=request,
    )


def stale(served: int, parser: ResponseParser, request: Request, exc: BaseException) -> bool:
    """Did a reused connection fail before the server said a word, with a request we may
    send again? The server most likely closed the idle connection as we sent; but it may have
    read the request first, so only idempotent requests (or ones with an Idempotency-Key)
    are resent, as Go's net/http does (RFC 9112 §9.3.1)."""
    if served == 0 or parser.received:
        return False
    if not isinstance(exc, (OSError, RequestError)) or isinstance(
        exc, (TimeoutError, BlockingIOError)  # BlockingIOError: a kernel timeout (SO_RCVTIMEO)
    ):
        return False  # a timeout is no stale connection: the server may be at work on it
    if request.method not in IDEMPOTENT and "idempotency-key" not in request.headers:
        return False
    body = request.body
    return not isinstance(body, BodyStream) or body.rewindable
