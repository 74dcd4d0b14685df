"""Sync transports: send exactly one request, return exactly one response, know no policy.

``HTTPTransport`` owns a connection pool and its TLS settings. One request goes:
acquire a connection (or a slot for a new one) -> send the head and body -> read the head ->
either read the body whole (the fast path) or hand the caller a ``ConnectionStream``. The
connection returns to the pool only once its response was read to the end and keep-alive was
allowed. A request that fails on a reused connection before a single response byte arrived
met a connection the server had already closed: it is sent once more on another connection
(RFC 9112 §9.3.1), provided its body can be sent again.
"""

from __future__ import annotations

import time
import typing

from ..._models._config import Timeout
from ..._models._content import BodyStream
from ..._models._exceptions import ProxyError, RequestError, StreamClosed
from ..._models._proxy import Proxy
from ..._models._request import Request
from ..._models._response import Response
from ..._protocol._http11 import ResponseParser, encode_head
from ..._protocol._rules import forwarded, pool_key, proxy_refused, request_head, stale, unsupported
from .._errors import mapped, remaining
from .._settings import DEFAULT_TIMEOUT, TransportSettings
from ._connection import Connection
from ._open import open_connection, start_connection
from ._pool import ConnectionPool
from ._tunnel import open_via_proxy

__all__ = ["BaseTransport", "HTTPTransport"]


DEFAULT_CAP = Response.max_decompressed_size  # (a global: a class attribute costs a lookup)

# Just under glibc's default mmap threshold (128 KiB): each chunk then comes from the heap and
# reuses freed memory instead of faulting in fresh pages.
RECV_STREAM = 128 * 1024 - 64

# A streamed body with more than BATCH_FROM bytes still to come is read in recvs that wait
# for READ_BATCH bytes (Connection.batch_reads): on loopback, a reader that keeps up with
# the server otherwise wakes for every trickle, a third of its reads under 16 KiB, and a
# 100 MB download moved 15-35% faster with the batching (docs/performance-log.md). A slow
# server's bytes then reach the caller 16 KiB at a time.
BATCH_FROM = 1024 * 1024
READ_BATCH = 16 * 1024


class BaseTransport:
    """The interface every sync transport implements (see ``restwell.testing.MockTransport``)."""

    def handle_request(self, request: Request, stream: bool = False) -> Response:
        """Send one request and return its response: read whole, or with ``stream=True`` with
        the body left for the caller to read, iterate or close. Failures are raised as
        ``RequestError`` subclasses; redirects, retries and auth belong to the client."""
        raise NotImplementedError

    def close(self) -> None:
        """Release what the transport holds; the client calls it on ``close()``."""
        pass


class HTTPTransport(TransportSettings, BaseTransport):
    """HTTP/1.1 over TCP and TLS with a pool of keep-alive connections."""

    _pool: ConnectionPool[Connection]

    def _make_pool(self) -> ConnectionPool[Connection]:
        return ConnectionPool(self._limits)

    @property
    def pool(self) -> ConnectionPool[Connection]:
        """The connection pool; ``pool.stats()`` counts its ``total``, ``idle`` and ``in_use``."""
        return self._pool

    def handle_request(self, request: Request, stream: bool = False) -> Response:
        """Send the request on an idle pooled connection or a new one and return the response,
        read whole or (``stream=True``) with the body still on the connection. A request that
        meets a connection the server had closed is sent once more on another. Raises
        UnsupportedProtocol for a scheme other than http and https, TypeError for an async
        body, and the timeout, network, protocol and proxy errors."""
        url = request.url
        if url.scheme not in ("http", "https"):
            raise unsupported(request)
        body = request.body
        if body is not None and isinstance(body, BodyStream) and body.is_async:
            raise TypeError(
                f"cannot send {request.method} {url.redacted()}: its body is an async iterator, "
                "which only an AsyncClient can send"
            )
        timeout = request.timeout or DEFAULT_TIMEOUT
        # A total is the call's deadline: the feature flow's, when it sent this request.
        deadline = None if timeout.total is None else (
            timeout._deadline or time.monotonic() + timeout.total)
        proxy = request.proxy
        if proxy is not None and self._uds is not None:  # the socket is the server (_dial)
            proxy = request.proxy = None
        if proxy is None:  # (the URL's cached target, else the property that caches it)
            head = encode_head(request.method, url._target or url.target, request.headers)
        else:
            head = request_head(request)
        started = time.perf_counter()
        conn, parser = self._exchange(request, head, timeout, deadline)
        response = Response._from_wire(
            parser.status, parser.http_version, parser.head, request, parser.complete
        )
        if stream and not parser.complete:
            response.max_decompressed_size = self._limits.max_decompressed_size
            response._stream = ConnectionStream(self, conn, parser, request, timeout, deadline)
            response._started = started
            return response
        if not parser.complete:
            try:
                conn.receive(parser, True, timeout.read, deadline)
            except BaseException as exc:
                self._pool.release(conn, False)
                raise mapped(exc, "read", request, deadline) from None
            response._closed = response._consumed = True  # (made open: read whole now)
        self._pool.release(conn, parser.keep_alive)
        response._raw_body = parser.take_body()
        if self._limits.max_decompressed_size != DEFAULT_CAP:
            response.max_decompressed_size = self._limits.max_decompressed_size
        response._elapsed = time.perf_counter() - started
        if stream:  # it came whole with its head: streamed all the same (_models/_stream)
            response._hold(False)
        return response

    def _exchange(
        self, request: Request, head: bytes, timeout: Timeout, deadline: float | None
    ) -> tuple[Connection, ResponseParser]:
        """Send the request and read the response head, retrying once on a stale connection."""
        body = request.body
        limits = self._limits
        url = request.url
        key = (url._origin or url.origin) if request.proxy is None else pool_key(request)
        for attempt in (0, 1):
            try:
                limit = timeout.pool if deadline is None else remaining(timeout.pool, deadline)
                conn = self._pool.acquire(key, limit)
            except TimeoutError as exc:
                raise mapped(exc, "connect", request, deadline) from None
            except RequestError as exc:
                exc._request = request
                raise
            if conn is None:
                conn = self._open(key, request, timeout, deadline)
            parser = conn.start(request.method == "HEAD", limits)
            phase = "write"
            try:
                wait = request.expect_continue
                if wait is None:
                    conn.send(head, body, timeout.write, deadline)
                else:
                    conn.send(head, None, timeout.write, deadline)
                    if conn.await_continue(parser, wait, deadline):
                        conn.send(b"", body, timeout.write, deadline)
                phase = "read"
                conn.receive(parser, False, timeout.read, deadline)
            except BaseException as exc:
                self._pool.release(conn, False)
                if attempt == 0 and stale(conn.served, parser, request, exc):
                    continue
                if conn.connecting is not None:
                    phase = "connect"
                raise mapped(exc, phase, request, deadline) from None
            conn.served += 1
            if parser.status == 407 and len(key) > 3 and forwarded(request):
                self._pool.release(conn, False)
                raise proxy_refused(request)
            return conn, parser
        raise AssertionError("unreachable")  # pragma: no cover

    def _open(
        self, key: tuple[typing.Any, ...], request: Request, timeout: Timeout,
        deadline: float | None,
    ) -> Connection:
        """A new connection for a slot the pool reserved; the slot is given back on failure."""
        proxy = request.proxy
        try:
            limit = remaining(timeout.connect, deadline)
            if isinstance(proxy, Proxy):
                sock = open_via_proxy(proxy, key, self._ssl_context, limit, self._dial)
            elif key[0] == "https":
                sock = open_connection(key[1], key[2], self._ssl_context(), limit, self._dial)
            else:  # the connect may complete under the first write (phase "connect" still)
                sock, begun = start_connection(key[1], key[2], limit, self._dial)
                return Connection(sock, key, limit if begun else None)
        except BaseException as exc:
            self._pool.cancel_reservation(key)
            if isinstance(exc, ProxyError):
                exc._request = request
                raise
            raise mapped(exc, "connect", request, deadline) from None
        return Connection(sock, key)

    def close(self) -> None:
        """Close every pooled connection; requests waiting for one get ClientClosed."""
        self._pool.close()


class ConnectionStream:
    """A streamed response body read straight off its connection."""

    __slots__ = ("_conn", "_deadline", "_parser", "_request", "_timeout", "_transport")

    def __init__(
        self, transport: HTTPTransport, conn: Connection, parser: ResponseParser,
        request: Request, timeout: Timeout, deadline: float | None,
    ) -> None:
        self._transport = transport
        self._conn: Connection | None = conn
        self._parser = parser
        self._request = request
        self._timeout = timeout
        self._deadline = deadline

    def __iter__(self) -> typing.Iterator[bytes]:
        parser = self._parser
        conn = self._conn
        if conn is None:
            raise StreamClosed("the response was closed before its body was read")
        chunk = parser.take_body()
        if chunk:
            yield chunk
        read_timeout, deadline = self._timeout.read, self._deadline
        try:
            due = parser.body_remaining()
            if due is not None:
                # A Content-Length body: read it straight off the socket, sparing the copy
                # the parser's callback would make of every byte.
                batched = due > BATCH_FROM and conn.batch_reads(READ_BATCH)
                while due:
                    if batched and due <= RECV_STREAM:  # this read may take the tail:
                        batched = conn.batch_reads(1)  # undone before the body completes
                    data = conn.read(min(due, RECV_STREAM), read_timeout, deadline)
                    if not data:
                        parser.feed_eof()
                    due -= len(data)
                    parser.raw_body(len(data), due)
                    yield data
            while not parser.complete:
                data = conn.read(RECV_STREAM, read_timeout, deadline)
                if not data:
                    parser.feed_eof()
                else:
                    parser.feed(data)
                chunk = parser.take_body()
                if chunk:
                    yield chunk
        except GeneratorExit:
            raise
        except BaseException as exc:
            self._finish(False)
            raise mapped(exc, "read", self._request, deadline) from None
        self._finish(parser.keep_alive)

    def _finish(self, reusable: bool) -> None:
        conn, self._conn = self._conn, None
        if conn is not None:
            self._transport.pool.release(conn, reusable)

    def close(self) -> None:
        """Closing before the end closes the connection: it is never reused half-read."""
        self._finish(self._parser.complete and self._parser.keep_alive)
