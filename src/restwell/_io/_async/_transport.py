"""Async transports: the asyncio twin of ``_transport``, side by side with it.

Same steps, same rules, same errors: acquire (or wait in line for) a connection, send the head
and body, wait for the head, then either wait for the whole body (the fast path) or hand the
caller an ``AsyncConnectionStream``. Only the waiting differs; policy (stale-connection retry,
error mapping, what may be reused) comes from ``_transport`` and the parser.

Cancellation: every await sits inside a ``try`` whose handler gives the connection back
closed (or the reserved slot back), so a task cancelled anywhere leaves the pool consistent
and never lets a half-read connection be reused.
"""

from __future__ import annotations

import time
import typing

from ..._models._config import Timeout
from ..._models._exceptions import ProxyError, RequestError, StreamClosed
from ..._models._proxy import Proxy
from ..._models._request import Request
from ..._models._response import Response
from ..._protocol._http11 import encode_head
from ..._protocol._rules import forwarded, pool_key, proxy_refused, request_head, stale, unsupported
from .._errors import mapped, remaining
from .._settings import DEFAULT_TIMEOUT, TransportSettings
from ._connection import BODY, COMPLETE, HEAD, AsyncConnection
from ._open import open_async_connection
from ._pool import AsyncConnectionPool
from ._tunnel import open_async_via_proxy

__all__ = ["AsyncBaseTransport", "AsyncHTTPTransport"]


_monotonic = time.monotonic


class AsyncBaseTransport:
    """The interface every async transport implements."""

    async def handle_async_request(self, request: Request, stream: bool = False) -> Response:
        """Send one request and return its response: read whole, or with ``stream=True`` with
        the body left for the caller to read, iterate or close. Failures are raised as
        ``RequestError`` subclasses; redirects, retries and auth belong to the client."""
        raise NotImplementedError

    async def aclose(self) -> None:
        """Release what the transport holds; the client awaits it on ``aclose()``."""
        pass


class AsyncHTTPTransport(TransportSettings, AsyncBaseTransport):
    """HTTP/1.1 over asyncio TCP and TLS with a pool of keep-alive connections."""

    _pool: AsyncConnectionPool[AsyncConnection]

    def _make_pool(self) -> AsyncConnectionPool[AsyncConnection]:
        return AsyncConnectionPool(self._limits)

    @property
    def pool(self) -> AsyncConnectionPool[AsyncConnection]:
        """The connection pool; ``pool.stats()`` counts its ``total``, ``idle`` and ``in_use``."""
        return self._pool

    async def handle_async_request(self, request: Request, stream: bool = False) -> Response:
        """``HTTPTransport.handle_request`` with asyncio: the same steps, rules and errors
        (and the body may be an async iterator)."""
        # One coroutine for the whole exchange (the sync transport's handle_request and
        # _exchange together): each coroutine layer costs about a thousand instructions.
        url = request.url
        if url.scheme != "http" and url.scheme != "https":
            raise unsupported(request)
        timeout = request.timeout or DEFAULT_TIMEOUT
        # A total is the call's deadline: the feature flow's, when it sent this request.
        deadline = None if timeout.total is None else (
            timeout._deadline or _monotonic() + timeout.total)
        if request.proxy is not None and self._uds is not None:  # the socket is the server
            request.proxy = None
        if request.proxy is None:
            head = encode_head(request.method, url.target, request.headers)
            key = url.origin
        else:
            head = request_head(request)
            key = pool_key(request)
        started = time.perf_counter()
        body = request.body
        limits = self._limits
        pool = self._pool
        for attempt in (0, 1):  # a second time only on a stale connection (see _transport)
            try:
                ready, idle = pool.acquire_nowait(key)
            except RequestError as exc:
                exc._request = request
                raise
            conn = idle or await self._acquire(key, request, timeout, deadline, ready)
            parser = conn.start(request.method == "HEAD", limits)
            phase = "write"
            try:
                wait = request.expect_continue
                if wait is not None:
                    await conn.send(head, None, timeout.write, deadline)
                    if await conn.await_continue(wait, deadline):
                        await conn.send(b"", body, timeout.write, deadline)
                elif not conn.send_now(head, body):
                    await conn.send(head, body, timeout.write, deadline)
                phase = "read"
                waiter = conn.wait_for(HEAD, timeout.read, deadline)  # conn.wait(), inlined
                while waiter is not None:
                    await waiter
                    waiter = conn.wait_for(HEAD, timeout.read, deadline)
                conn.check(HEAD)
            except BaseException as exc:
                self._release(conn, False)
                if attempt == 0 and stale(conn.served, parser, request, exc):
                    continue
                raise mapped(exc, phase, request, deadline) from None
            break
        conn.served += 1
        if parser.status == 407 and len(key) > 3 and forwarded(request):
            self._release(conn, False)
            raise proxy_refused(request)
        response = Response._from_wire(
            parser.status, parser.http_version, parser.head, request, parser.complete
        )
        if stream and not parser.complete:
            response.max_decompressed_size = limits.max_decompressed_size
            response._astream = AsyncConnectionStream(self, conn, request, timeout, deadline)
            response._started = started
            return response
        if not parser.complete:
            try:
                await conn.wait(COMPLETE, timeout.read, deadline)
            except BaseException as exc:
                self._release(conn, False)
                raise mapped(exc, "read", request, deadline) from None
            response._closed = response._consumed = True  # (made open: read whole now)
        response._raw_body = parser.take_body()
        self._release(conn, parser.keep_alive)
        if limits.max_decompressed_size != Response.max_decompressed_size:
            response.max_decompressed_size = limits.max_decompressed_size
        response._elapsed = time.perf_counter() - started
        if stream:  # it came whole with its head: streamed all the same (_models/_stream)
            response._hold(True)
        return response

    def _release(self, conn: AsyncConnection, reusable: bool) -> None:
        conn.finish()
        if not reusable:
            conn.abort()  # half-read or out of sync: never reused, unsent bytes dropped
        self._pool.release(conn, reusable)

    async def _acquire(
        self, key: tuple[typing.Any, ...], request: Request, timeout: Timeout,
        deadline: float | None, reserved: bool,
    ) -> AsyncConnection:
        """A connection when none was idle: wait in line unless a slot was ``reserved``,
        then open one if the slot (not a connection) is what came free."""
        pool = self._pool
        conn = None
        if not reserved:
            try:
                conn = await pool.acquire(key, remaining(timeout.pool, deadline))
            except TimeoutError as exc:
                raise mapped(exc, "connect", request, deadline) from None
            except RequestError as exc:
                exc._request = request
                raise
        if conn is not None:
            return conn
        proxy = request.proxy
        try:
            limit = remaining(timeout.connect, deadline)
            if isinstance(proxy, Proxy):
                return await open_async_via_proxy(proxy, key, self._ssl_context, limit,
                                                  self._dial)
            context = self._ssl_context() if key[0] == "https" else None
            return await open_async_connection(key[1], key[2], context, limit, key,
                                               dial=self._dial)
        except BaseException as exc:
            pool.cancel_reservation(key)
            if isinstance(exc, ProxyError):
                exc._request = request
                raise
            raise mapped(exc, "connect", request, deadline) from None

    async def aclose(self) -> None:
        """Close every pooled connection; requests waiting for one get ClientClosed."""
        self._pool.close()


class AsyncConnectionStream:
    """A streamed response body read off its connection as the consumer asks for it."""

    __slots__ = ("_closed_early", "_conn", "_deadline", "_request", "_timeout", "_transport")

    def __init__(
        self, transport: AsyncHTTPTransport, conn: AsyncConnection, request: Request,
        timeout: Timeout, deadline: float | None,
    ) -> None:
        self._transport = transport
        self._conn: AsyncConnection | None = conn
        self._request = request
        self._timeout = timeout
        self._deadline = deadline
        self._closed_early = False

    def __aiter__(self) -> AsyncConnectionStream:
        return self

    async def __anext__(self) -> bytes:
        conn = self._conn
        if conn is None:
            if self._closed_early:
                raise StreamClosed("the response was closed before its body was read")
            raise StopAsyncIteration
        parser = conn.parser
        assert parser is not None
        try:
            while True:
                chunk = conn.take_body()
                if chunk:
                    return chunk
                if parser.complete:
                    self._finish(parser.keep_alive)
                    raise StopAsyncIteration
                await conn.wait(BODY, self._timeout.read, self._deadline)
        except StopAsyncIteration:
            raise
        except BaseException as exc:
            self._finish(False)
            raise mapped(exc, "read", self._request, self._deadline) from None

    def _finish(self, reusable: bool) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            self._transport._release(conn, reusable)

    def close(self) -> None:
        """Closing before the end closes the connection: it is never reused half-read."""
        conn = self._conn
        if conn is not None:
            parser = conn.parser
            self._finish(parser is not None and parser.complete and parser.keep_alive)
            self._closed_early = True
