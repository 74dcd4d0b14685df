"""Opening asyncio connections: name lookup (the tests' one DNS seam, ``resolve``), Happy
Eyeballs, and ``TLSConnection``, which runs TLS over a memory BIO inside the protocol."""

from __future__ import annotations

import asyncio
import contextlib
import socket
import typing

from .._eyeballs import race_async

if typing.TYPE_CHECKING:  # pragma: no cover
    import ssl

    from .._dial import Dial

from ._connection import READ_BUFFER, AsyncConnection

__all__ = ["open_async_connection"]
_ssl: typing.Any = None  # the ssl module, once a TLSConnection has imported it


async def open_async_connection(
    host: str, port: int, context: ssl.SSLContext | None, timeout: float | None,
    key: tuple[typing.Any, ...], own_tls: bool = True, dial: Dial | None = None,
) -> AsyncConnection:
    """A connection to ``host``; with ``context``, TLS already negotiated, by
    ``TLSConnection`` (or, with ``own_tls`` off, by the loop's TLS transport, which
    ``loop.start_tls`` can wrap again: a tunnel through an https proxy needs that).
    ``dial``: the transport's uds, local_address and socket_options (``_dial``)."""
    loop = asyncio.get_running_loop()
    kwargs: dict[str, typing.Any] = {}
    factory: type[AsyncConnection] = AsyncConnection
    if context is not None:
        if own_tls:
            factory = TLSConnection
        else:
            kwargs = {"ssl": context, "server_hostname": host, "ssl_handshake_timeout": timeout}
    async with asyncio.timeout(timeout):
        target: dict[str, typing.Any] = {"host": host, "port": port}
        if dial is not None:
            sock = await _dialled(loop, host, port, dial)
            try:
                connect = loop.create_connection if dial.uds is None else \
                    loop.create_unix_connection
                _, conn = await connect(lambda: factory(loop, key), sock=sock, **kwargs)
            except BaseException:
                sock.close()
                raise
            target = {}
        elif not _is_ip(host):
            addresses = await resolve(loop, host, port)
            if len(addresses) > 1:  # Happy Eyeballs (``_eyeballs``); one name lookup only
                target = {"sock": await race_async(loop, addresses)}
            elif addresses:
                target = {"host": addresses[0][1][0], "port": port}
        if target:
            _, conn = await loop.create_connection(
                lambda: factory(loop, key), **target, **kwargs
            )
        if isinstance(conn, TLSConnection):
            try:
                await conn.handshake(context, host)  # type: ignore[arg-type]
            except BaseException:
                conn.abort()
                raise
    return conn


async def resolve(
    loop: asyncio.AbstractEventLoop, host: str, port: int
) -> list[tuple[socket.AddressFamily, tuple[typing.Any, ...]]]:
    """The addresses of ``host``, by the loop's resolver (the tests' one seam for DNS)."""
    infos = await loop.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [(family, address) for family, _, _, _, address in infos]


async def _dialled(
    loop: asyncio.AbstractEventLoop, host: str, port: int, dial: Dial
) -> socket.socket:
    """A connected non-blocking socket as the transport's ``Dial`` asks (``_dial``): to its
    Unix socket (no name lookup), or to ``host`` from its source address, options set."""
    if dial.uds is not None:
        sock = dial.unix_socket()
        address: typing.Any = dial.uds
    else:
        if _is_ip(host):
            found = [(socket.AF_INET6 if ":" in host else socket.AF_INET, (host, port))]
        else:
            found = await resolve(loop, host, port)
        addresses = dial.addresses(host, found)
        if len(addresses) > 1:
            return await race_async(loop, addresses, dial.prepare)
        family, address = addresses[0]
        sock = dial.stream_socket(family)
    try:
        sock.setblocking(False)
        await loop.sock_connect(sock, address)
    except BaseException:
        sock.close()
        raise
    return sock


def _is_ip(host: str) -> bool:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
            return True
        except OSError:
            continue
    return False


class TLSConnection(AsyncConnection):
    """An ``AsyncConnection`` that runs TLS itself, over a plain TCP transport.

    asyncio's TLS transport (``sslproto``) is Python too, and general: a dozen calls per
    read and per write between the socket and the protocol. This one does what an HTTP/1.1
    client needs with the same ``ssl.SSLObject`` over memory BIOs: a read decrypts straight
    into the loop's shared buffer and hands the plaintext to ``_received``; a write encrypts
    and passes the records to the TCP transport. Certificate and host name checks are the
    SSLContext's, as with any TLS socket. Measured against the loops' own TLS transports in
    the async HTTPS benchmark, it wins on both: asyncio's (Python) and uvloop's (compiled,
    but general too), so both loops use it.
    """

    __slots__ = ("_handshaking", "_read", "_secure", "_tls", "_tls_in", "_tls_out", "_unread")

    def __init__(self, loop: asyncio.AbstractEventLoop, key: tuple[typing.Any, ...]) -> None:
        super().__init__(loop, key)
        self._tls: ssl.SSLObject | None = None
        self._tls_in: ssl.MemoryBIO | None = None
        self._tls_out: ssl.MemoryBIO | None = None
        self._handshaking: asyncio.Future[None] | None = None
        self._secure = False  # the handshake is done
        self._read: typing.Any = None  # the C methods under SSLObject's Python wrappers
        self._unread: typing.Any = None

    async def handshake(self, context: ssl.SSLContext, host: str) -> None:
        """Negotiate TLS (bounded by the caller's connect timeout)."""
        global _ssl
        import ssl

        _ssl = ssl
        incoming, self._tls_out = ssl.MemoryBIO(), ssl.MemoryBIO()
        self._tls_in = incoming
        tls = self._tls = context.wrap_bio(incoming, self._tls_out, server_hostname=host)
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                self._flush()
                if self.closed:
                    raise ConnectionResetError(
                        "the server closed the connection during the TLS handshake"
                    ) from None
                waiter = self._handshaking = self.loop.create_future()
                try:
                    await waiter
                finally:
                    self._handshaking = None
        self._flush()
        inner = getattr(tls, "_sslobj", tls)  # SSLObject.read/write are Python wrappers
        self._read, self._unread = inner.read, inner.pending
        self.write = self._write_tls
        self._secure = True

    def buffer_updated(self, nbytes: int) -> None:
        buffer = self._buf
        incoming: ssl.MemoryBIO = self._tls_in  # type: ignore[assignment]
        incoming.write(buffer[:nbytes])
        if not self._secure:
            self._wake_handshake()
            return
        read, unread = self._read, self._unread
        try:
            while True:  # every whole record the read brought; the buffer is free again
                count: int = read(READ_BUFFER, buffer)
                if not count:
                    break
                self._received(buffer[:count].tobytes())
                if self.closed or not (incoming.pending or unread()):
                    break  # all taken: no read that would only raise SSLWantReadError
        except _ssl.SSLWantReadError:
            pass  # the rest of a record is still on its way
        except _ssl.SSLZeroReturnError:
            pass  # close_notify: the TCP close that follows ends the response
        except _ssl.SSLError as exc:
            self._error = exc
            self._wake()
            return
        if self._tls_out.pending:  # type: ignore[union-attr]  # a TLS 1.3 key update answer
            self._flush()

    def _write_tls(self, data: bytes | memoryview) -> None:
        self._tls.write(data)  # type: ignore[union-attr]
        self.transport.write(self._tls_out.read())  # type: ignore[union-attr]

    def _flush(self) -> None:
        data = self._tls_out.read()  # type: ignore[union-attr]
        if data and not self.closed:
            self.transport.write(data)  # type: ignore[union-attr]

    def _wake_handshake(self) -> None:
        waiter = self._handshaking
        if waiter is not None and not waiter.done():
            waiter.set_result(None)

    def connection_lost(self, exc: Exception | None) -> None:
        super().connection_lost(exc)
        self._wake_handshake()

    def close(self) -> None:
        """Close with a close_notify alert (RFC 9112 §9.8), then the TCP connection."""
        tls = self._tls
        if tls is not None and self._secure and not self.closed:
            with contextlib.suppress(_ssl.SSLError):
                tls.unwrap()  # writes the alert, then wants the server's: not waited for
            with contextlib.suppress(Exception):
                self._flush()
        super().close()
