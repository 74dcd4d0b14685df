"""asyncio connections through a proxy: the twin of ``_tunnel``.

CONNECT goes out on an ``AsyncConnection`` to the proxy, the reply is parsed like any
response head, and TLS to the origin starts on the same connection with
``loop.start_tls``, which also runs over a TLS connection to an https proxy (TLS in TLS).
SOCKS5 hands a connected socket to ``create_connection``.
"""

from __future__ import annotations

import asyncio
import typing

from ..._models._exceptions import RequestError
from ..._models._proxy import Proxy
from ..._protocol._http11 import ResponseParser
from ..._protocol._proxy import check_tunnel, connect_head
from .._errors import proxy_unreachable, socks_errors
from ._connection import HEAD, AsyncConnection
from ._open import open_async_connection

if typing.TYPE_CHECKING:  # pragma: no cover
    import ssl

    from .._dial import Dial

__all__ = ["open_async_via_proxy"]


async def open_async_via_proxy(
    proxy: Proxy, key: tuple[typing.Any, ...],
    context: typing.Callable[[], ssl.SSLContext], timeout: float | None,
    dial: Dial | None = None,
) -> AsyncConnection:
    """``dial``: the transport's local_address and socket_options, for the socket to the
    proxy (as in ``_tunnel``)."""
    scheme, host, port = key[:3]
    loop = asyncio.get_running_loop()
    if proxy.is_socks:
        async with asyncio.timeout(timeout):
            sock = await _socks_connect(proxy, host, port, timeout, dial)
            tls: dict[str, typing.Any] = {}
            if scheme == "https":
                tls = {"ssl": context(), "server_hostname": host}
            _, conn = await loop.create_connection(
                lambda: AsyncConnection(loop, key), sock=sock, **tls
            )
        return conn
    outer = context() if proxy.scheme == "https" else None
    try:
        # TLS to the proxy by asyncio's own transport, which start_tls() can wrap again
        conn = await open_async_connection(proxy.host, proxy.port, outer, timeout, key,
                                           own_tls=False, dial=dial)
    except OSError as exc:
        raise proxy_unreachable(proxy, exc) from exc
    if scheme != "https":
        return conn  # a forward proxy: requests go to it in absolute form
    try:
        async with asyncio.timeout(timeout):
            await _connect_tunnel(conn, proxy, host, port)
            conn.use_transport(await loop.start_tls(  # type: ignore[arg-type]
                conn.transport, conn, context(), server_hostname=host,  # type: ignore[arg-type]
                ssl_handshake_timeout=timeout,
            ))
    except BaseException:
        conn.abort()
        raise
    return conn


async def _connect_tunnel(conn: AsyncConnection, proxy: Proxy, host: str, port: int) -> None:
    parser = ResponseParser(True)  # a 2xx to CONNECT has no body; any other ends the socket
    conn.begin(parser)
    conn.write(connect_head(host, port, proxy))
    error = None
    try:
        await conn.wait(HEAD, None, None)
    except (OSError, RequestError) as exc:
        error = None if isinstance(exc, OSError) else exc  # check_tunnel says which
    finally:
        conn.finish()
    check_tunnel(parser, proxy, host, port, error)


async def _socks_connect(
    proxy: Proxy, host: str, port: int, timeout: float | None, dial: Dial | None
) -> typing.Any:
    with socks_errors(proxy, host, port) as socks:
        import python_socks.async_.asyncio

        sock = await python_socks.async_.asyncio.Proxy(
            socks.ProxyType.SOCKS5, proxy.host, proxy.port, proxy.username or None,
            proxy.password or None, rdns=proxy.scheme == "socks5h",
        ).connect(host, port, timeout=timeout,
                  local_addr=None if dial is None else dial.local_addr())
    if dial is not None:
        try:
            dial.apply_options(sock)  # (python-socks made and connected the socket)
        except BaseException:
            sock.close()
            raise
    return sock
