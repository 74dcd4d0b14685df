"""The proxy wire format: CONNECT heads, reading the answer to a CONNECT, and the
absolute-form head a forward proxy takes."""

from __future__ import annotations

import typing

from .._models._exceptions import ProxyError
from .._models._headers import Headers
from .._models._urls import URL

if typing.TYPE_CHECKING:  # pragma: no cover
    from ._http11 import ResponseParser
from .._models._proxy import Proxy

__all__ = ["connect_head", "check_tunnel", "forward_head"]


def connect_head(host: str, port: int, proxy: Proxy) -> bytes:
    """The CONNECT request that opens a tunnel to ``host:port`` (RFC 9110 §9.3.6)."""
    authority = f"[{host}]:{port}" if ":" in host else f"{host}:{port}"
    fields = f"Host: {authority}\r\n{proxy.headers.encoded()}"
    return f"CONNECT {authority} HTTP/1.1\r\n{fields}\r\n".encode("utf-8", "surrogateescape")


def check_tunnel(
    parser: ResponseParser, proxy: Proxy, host: str, port: int, error: Exception | None = None
) -> None:
    """Raise ``ProxyError`` (with the proxy's status) unless the proxy opened the tunnel;
    ``error`` is what reading its reply raised, if anything."""
    status = parser.status
    if error is None and parser.headers_done and 200 <= status < 300:
        return
    if error is not None or not parser.headers_done:
        what = f"sent an invalid reply ({error})" if error else "closed the connection"
        raise ProxyError(
            f"the proxy {proxy.redacted()} {what} instead of answering CONNECT "
            f"{host}:{port}; check the proxy's address and logs"
        )
    reason = parser.reason.decode("latin-1")
    hint = {
        407: "the proxy wants credentials: put them in the proxy URL "
             "(http://user:password@proxy:port) or pass proxy_auth=(user, password)",
        403: "the proxy does not allow this destination or port",
    }.get(status, "the proxy could not reach the destination")
    raise ProxyError(
        f"the proxy {proxy.redacted()} refused to open a tunnel to {host}:{port}: "
        f"{status} {reason}; {hint}",
        status_code=status,
    )


def forward_head(method: str, url: URL, headers: Headers, proxy: Proxy) -> bytes:
    """A request head for a forward proxy: the absolute URL as its target (RFC 9112
    §3.2.2), and the proxy's own fields added to the request's."""
    target = f"{url.scheme}://{url.netloc}{url.target}"
    if proxy.auth_header is not None and "proxy-authorization" in headers:
        headers = headers.copy()  # the proxy's configured credentials replace the caller's
        headers.pop_all("proxy-authorization")
    fields = headers.encoded() + proxy.headers.encoded()
    # (octets a header kept as lone surrogates go back as those bytes: see encode_head)
    return f"{method} {target} HTTP/1.1\r\n{fields}\r\n".encode("utf-8", "surrogateescape")
