"""Sync connections through a proxy: CONNECT tunnels, TLS inside TLS, and SOCKS5.

``open_via_proxy`` returns a socket that speaks to the origin as if connected directly (for
an https target, TLS to the origin is already negotiated), or, for an http target through an
http(s) proxy, the socket to the proxy itself: such requests are forwarded in absolute form.

TLS to the origin inside a tunnel is a ``TLSSocket`` over the tunnel's socket: over the
plain socket to an http proxy, or over the ``TLSSocket`` to an https proxy (TLS in TLS).
"""

from __future__ import annotations

import socket
import time
import typing

from ..._models._exceptions import RequestError
from ..._models._proxy import Proxy
from ..._protocol._http11 import ResponseParser
from ..._protocol._proxy import check_tunnel, connect_head
from ._open import open_connection
from ._tls_socket import TLSSocket

if typing.TYPE_CHECKING:  # pragma: no cover
    import ssl

    from .._dial import Dial
from .._errors import proxy_unreachable, remaining, socks_errors

__all__ = ["open_via_proxy"]


RECV = 64 * 1024


def open_via_proxy(
    proxy: Proxy, key: tuple[typing.Any, ...],
    context: typing.Callable[[], ssl.SSLContext], timeout: float | None,
    dial: Dial | None = None,
) -> socket.socket:
    """The connect timeout bounds it all: the proxy's connect, the CONNECT exchange and the
    TLS handshake to the origin, however slowly a server answers. ``dial``: the transport's
    local_address and socket_options, for the socket to the proxy (its uds never comes
    here: a transport with one uses no proxy)."""
    scheme, host, port = key[:3]
    until = None if timeout is None else time.monotonic() + timeout
    if proxy.is_socks:
        sock = _socks_connect(proxy, host, port, timeout, dial)
    else:
        outer_tls = context() if proxy.scheme == "https" else None
        try:
            sock = open_connection(proxy.host, proxy.port, outer_tls, timeout, dial)
        except OSError as exc:
            raise proxy_unreachable(proxy, exc) from exc
        if scheme != "https":
            return sock  # a forward proxy: requests go to it in absolute form
        try:
            _connect_tunnel(sock, proxy, host, port, until)
        except BaseException:
            sock.close()
            raise
    if scheme != "https":
        return sock
    try:
        sock.settimeout(remaining(None, until))
        return TLSSocket(sock, context(), host, until)  # type: ignore[return-value]
    except BaseException:
        sock.close()
        raise


def _connect_tunnel(
    sock: socket.socket, proxy: Proxy, host: str, port: int, until: float | None
) -> None:
    sock.settimeout(remaining(None, until))
    sock.sendall(connect_head(host, port, proxy))
    parser = ResponseParser(True)  # a 2xx to CONNECT has no body; any other ends the socket
    error = None
    try:
        while not parser.headers_done:
            sock.settimeout(remaining(None, until))
            data = sock.recv(RECV)
            if not data:
                break
            parser.feed(data)
    except RequestError as exc:
        error = exc
    check_tunnel(parser, proxy, host, port, error)


def _socks_connect(
    proxy: Proxy, host: str, port: int, timeout: float | None, dial: Dial | None
) -> socket.socket:
    with socks_errors(proxy, host, port) as socks:
        import python_socks.sync

        sock: socket.socket = python_socks.sync.Proxy(
            socks.ProxyType.SOCKS5, proxy.host, proxy.port, proxy.username or None,
            proxy.password or None, rdns=proxy.scheme == "socks5h",
        ).connect(host, port, timeout=timeout,
                  local_addr=None if dial is None else dial.local_addr())
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if dial is not None:
            dial.apply_options(sock)  # (python-socks made and connected the socket)
    except BaseException:
        sock.close()
        raise
    return sock
