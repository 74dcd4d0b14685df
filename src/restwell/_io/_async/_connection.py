"""asyncio connections: a Protocol whose callbacks feed the shared ``ResponseParser``.

No StreamReader and no thread pool: asyncio reads into a buffer the protocol lends it
(``BufferedProtocol``), the bytes go straight into the parser, and the one task waiting on
the connection is woken only when what it waits for is there (the head, the whole response,
or more body). That is one future and at most one timer per wait.

Reads. The connection is a ``BufferedProtocol``: asyncio's selector transport would otherwise
``recv`` into a fresh 256 KiB bytes object per read, which glibc serves with mmap, mremap and
munmap (three system calls and a page fault for a 300-byte response). All connections of one
event loop share one read buffer: the loop calls ``get_buffer``, reads, and calls
``buffer_updated`` in one go on its one thread, and the bytes are copied out at once.

Timeouts. A read timeout bounds each silence, not the whole body: ``buffer_updated`` notes the
time of each read. Each connection has at most one timer, and it is lazy: a wait only records
when it would expire, and arms the timer if none is armed for that time or earlier. When the
timer fires it expires the wait whose time has come, or re-arms itself for the wait (or the
silence) still running. So a request costs a clock read, not a timer made and cancelled. The
total deadline caps every wait. Writes only wait when asyncio's write buffer is above its
high-water mark (``pause_writing``), and that wait is bounded by the write timeout.

Flow control. While a streamed body is buffered beyond ``HIGH_WATER`` bytes the connection
stops reading from the socket (``pause_reading``), and resumes when the consumer has taken
the buffer: a slow consumer of a large download holds a bounded amount of memory.

Idle connections. Bytes or a close from the server while no request owns the connection mark
it unusable, so the pool never hands it out.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import time
import typing
import weakref

from ..._models._content import BodyStream
from ..._models._exceptions import WriteError
from ..._protocol._http11 import ResponseParser
from .. import _wait

if typing.TYPE_CHECKING:  # pragma: no cover

    from ..._models._config import Limits

__all__ = ["AsyncConnection", "HEAD", "COMPLETE", "BODY"]


HEAD, COMPLETE, BODY, CONTINUE = 1, 2, 3, 4  # what a waiting task waits for
HIGH_WATER = 1024 * 1024
SLICE = 256 * 1024  # large bytes bodies go out in slices, so writes wait on the buffer
READ_BUFFER = 256 * 1024  # asyncio's own read size
_monotonic = time.monotonic
_running_loop = asyncio._get_running_loop


_BUFFERS: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, memoryview] = (
    weakref.WeakKeyDictionary()
)


def _read_buffer(loop: asyncio.AbstractEventLoop) -> memoryview:
    """The read buffer every connection of ``loop`` lends the loop (see Reads, above)."""
    buffer = _BUFFERS.get(loop)
    if buffer is None:
        buffer = _BUFFERS[loop] = memoryview(bytearray(READ_BUFFER))
    return buffer


class AsyncConnection(asyncio.BufferedProtocol):
    """One HTTP/1.1 connection to one origin, used by one request at a time."""

    __slots__ = (
        "_buf", "_buffered", "_deadline", "_drain", "_due", "_error", "_last_read", "_mode",
        "_paused", "_poller", "_rp", "_timeout", "_timer", "_timer_at", "_waiter", "_write_paused",
        "closed", "idle_since", "key", "loop", "parser", "served", "transport", "write",
    )

    def __init__(self, loop: asyncio.AbstractEventLoop, key: tuple[typing.Any, ...]) -> None:
        self.loop = loop
        self.key = key
        self._buf = _read_buffer(loop)
        self._poller: typing.Any = None  # polls the socket while idle (is_usable)
        self.transport: asyncio.Transport | None = None
        self.write: typing.Callable[[bytes | memoryview], None] = _not_connected
        self.parser: ResponseParser | None = None  # while an exchange runs: _rp
        self._rp: ResponseParser | None = None  # one per connection, reused (start())
        self.closed = False
        self.idle_since = 0.0
        self.served = 0
        self._waiter: asyncio.Future[None] | None = None
        self._mode = COMPLETE
        self._error: BaseException | None = None
        self._last_read = 0.0
        self._timeout: float | None = None
        self._deadline: float | None = None
        self._timer: asyncio.TimerHandle | None = None
        self._timer_at = 0.0
        self._buffered = 0
        self._paused = False
        self._write_paused = False
        self._drain: asyncio.Future[None] | None = None
        self._due: int | None = None  # Content-Length body bytes still due, read raw

    def __repr__(self) -> str:
        scheme, host, port = self.key[:3]
        return f"<AsyncConnection {scheme}://{host}:{port} served={self.served}>"

    # -- asyncio callbacks ---------------------------------------------------------------------

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        self.use_transport(typing.cast(asyncio.Transport, transport))
        sock = transport.get_extra_info("socket")
        if sock is not None and sock.family in (socket.AF_INET, socket.AF_INET6):
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if sock is not None:
            self._poller = _wait.poller()
            self._poller.register(sock.fileno(), _wait.POLLIN)

    def get_buffer(self, sizehint: int) -> memoryview:
        return self._buf

    def buffer_updated(self, nbytes: int) -> None:
        self._received(self._buf[:nbytes].tobytes())  # the buffer is shared: keep a copy

    def _received(self, data: bytes) -> None:
        """Response bytes: into the parser, and wake the waiting task if it has its due."""
        parser = self.parser
        if parser is None:  # the server spoke while no request was waiting: out of sync
            self.closed = True
            self.transport.close()  # type: ignore[union-attr]
            return
        self._last_read = _monotonic()
        try:
            due = self._due
            if due:  # the rest of a Content-Length body: keep the bytes as they came
                size = len(data)
                if size > due:
                    parser.raw_body(due, 0)
                    parser.body.append(data[:due])
                    parser.feed(data[due:])  # bytes after the response: marks it unreusable
                else:
                    parser.raw_body(size, due - size)
                    parser.body.append(data)
                self._due = due - size if size < due else 0
            else:
                parser.feed(data)
                if parser.headers_done and not parser.complete and self._due is None:
                    self._due = parser.body_remaining() or 0
        except Exception as exc:
            self._error = exc
            self._wake()
            return
        waiter = self._waiter
        if parser.complete:  # the common case: a whole small response in one read
            if waiter is not None:
                self._waiter = None
                if not waiter.done():
                    waiter.set_result(None)
            return
        mode = self._mode
        if mode != COMPLETE:
            self._buffered += len(data)
            if self._buffered > HIGH_WATER and not self._paused:
                self._paused = True
                self.transport.pause_reading()  # type: ignore[union-attr]
        if waiter is not None and _ready(parser, mode):
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def eof_received(self) -> bool:
        return False  # close the transport; connection_lost ends the response

    def connection_lost(self, exc: Exception | None) -> None:
        self.closed = True
        parser = self.parser
        if parser is not None and not parser.complete and self._error is None:
            try:
                if exc is not None:
                    raise exc  # a reset: the body or head is cut short
                parser.feed_eof()  # ends a close-delimited body, or says what is missing
            except Exception as error:
                self._error = error
        self._wake()
        drain = self._drain
        if drain is not None and not drain.done():
            drain.set_result(None)

    def pause_writing(self) -> None:
        self._write_paused = True

    def resume_writing(self) -> None:
        self._write_paused = False
        drain = self._drain
        if drain is not None and not drain.done():
            drain.set_result(None)

    # -- used by the transport -----------------------------------------------------------------

    def use_transport(self, transport: asyncio.Transport) -> None:
        """Send and read through ``transport`` (the TCP one, or TLS started on it)."""
        self.transport = transport
        self.write = transport.write

    def is_usable(self) -> bool:
        # A connection made on another event loop (a client reused across asyncio.run()
        # calls) cannot be driven from this one: the pool closes it and opens another.
        # The socket is polled as the sync pool does: a close (or bytes) from the server
        # that the loop has not processed yet (it arrived while the loop was stopped, or in
        # this very iteration) would otherwise be found only by the request sent on it.
        if self.closed or self.loop is not _running_loop():
            return False
        poller = self._poller
        return poller is None or not poller.poll(0)

    def start(self, head_request: bool, limits: Limits) -> ResponseParser:
        """A new exchange on this connection; returns its parser (one per connection)."""
        parser = self._rp
        if parser is None:
            parser = self._rp = ResponseParser(
                head_request, limits.max_header_bytes, limits.max_header_count
            )
        else:
            parser.start(head_request)
        self.begin(parser)
        return parser

    def begin(self, parser: ResponseParser) -> None:
        """An exchange read by ``parser`` (``start``'s, or a CONNECT's own)."""
        self.parser = parser
        self._error = None
        self._due = None
        self._buffered = 0
        self._mode = HEAD

    def finish(self) -> None:
        """The exchange is over; the connection goes idle (or closed) without a parser."""
        self.parser = None
        self._waiter = None
        self._resume()

    def _wake(self) -> None:
        waiter = self._waiter
        if waiter is not None:
            self._waiter = None
            if not waiter.done():
                waiter.set_result(None)

    def _on_timer(self) -> None:
        """The connection's one timer: expire the running wait if its time has come."""
        self._timer = None
        waiter = self._waiter
        if waiter is None or waiter.done():
            return  # no wait is running: the next one arms the timer again
        at = self._expiry()
        if at is not None and at > _monotonic():
            self._arm(at)  # data came, or the wait began, after the timer was set
            return
        self._waiter = None
        waiter.set_exception(TimeoutError("read timed out"))

    def _expiry(self) -> float | None:
        """When the running wait times out: a silence of ``timeout``, or the deadline."""
        timeout, deadline = self._timeout, self._deadline
        at = None if timeout is None else self._last_read + timeout
        if deadline is not None and (at is None or deadline < at):
            at = deadline
        return at

    def _arm(self, at: float) -> None:
        timer = self._timer
        if timer is not None:
            if self._timer_at <= at:
                return  # it fires first and re-arms for the rest
            timer.cancel()
        self._timer_at = at
        self._timer = self.loop.call_at(at, self._on_timer)

    def wait_for(
        self, mode: int, timeout: float | None, deadline: float | None
    ) -> asyncio.Future[None] | None:
        """The future to await for the head, the whole response or more body; None when
        there is nothing to wait for: it is there already (a server may answer while the
        body is still going out), or the connection failed (``check`` says how)."""
        parser: ResponseParser = self.parser  # type: ignore[assignment]
        if (parser.complete or self._error is not None or self.closed
                or (parser.headers_done if mode == HEAD else _ready(parser, mode))):
            return None
        if mode == COMPLETE and self._paused:
            self._resume()  # reading paused while the head was awaited: read it all now
        waiter = self._waiter = self.loop.create_future()
        self._mode, self._timeout, self._deadline = mode, timeout, deadline
        if timeout is not None or deadline is not None:
            self._last_read = _monotonic()
            at: float = self._expiry()  # type: ignore[assignment]
            if self._timer is None or self._timer_at > at:  # (_arm's own check, sparing a call)
                self._arm(at)
        return waiter

    def check(self, mode: int) -> None:
        """After a wait: raise what went wrong, if anything did."""
        if self._error is not None:
            raise self._error
        if self.closed and not _ready(self.parser, mode):  # type: ignore[arg-type]
            raise ConnectionResetError("the connection was closed")

    async def wait(self, mode: int, timeout: float | None, deadline: float | None) -> None:
        """Until the head, the whole response or more body is there; raises what went wrong."""
        while True:  # until wait_for() says there is nothing (more) to wait for
            waiter = self.wait_for(mode, timeout, deadline)
            if waiter is None:
                break
            try:
                await waiter
            finally:
                self._waiter = None
        self.check(mode)

    async def await_continue(self, wait: float, deadline: float | None) -> bool:
        """After a head with ``Expect: 100-continue``: wait up to ``wait`` seconds for the
        server's 100 or its final answer. True: send the body (100, or silence, RFC 9110
        §10.1.1); False: a final response came first and the body is not sent."""
        parser = self.parser
        assert parser is not None
        try:
            await self.wait(CONTINUE, wait, deadline)
        except TimeoutError:
            if deadline is not None and _monotonic() >= deadline:
                raise
        return parser.send_body_after_expect()

    def take_body(self) -> bytes:
        """The body buffered so far; reading resumes if it was paused for the consumer."""
        assert self.parser is not None
        chunk = self.parser.take_body()
        self._buffered = 0
        self._resume()
        return chunk

    def _resume(self) -> None:
        if self._paused:
            self._paused = False
            if not self.closed:
                self.transport.resume_reading()  # type: ignore[union-attr]

    # -- sending -------------------------------------------------------------------------------

    def send_now(self, head: bytes, body: bytes | BodyStream | None) -> bool:
        """Hand a request with no body or a small one to asyncio at once: True if done
        (asyncio sends it or buffers it), False if ``send`` must be awaited instead."""
        if self.closed or self._write_paused or not (
            body is None or (type(body) is bytes and len(body) <= SLICE)
        ):
            return False
        self.write(head if body is None else head + body)
        return True

    async def send(
        self, head: bytes, body: bytes | BodyStream | None, timeout: float | None,
        deadline: float | None,
    ) -> None:
        if self.closed:
            raise ConnectionResetError("the server closed the connection")
        write = self.write
        if body is None:
            write(head)
        elif isinstance(body, bytes):
            if len(body) <= SLICE:
                write(head + body)
            else:
                write(head)
                view = memoryview(body)
                for start in range(0, len(view), SLICE):
                    write(view[start:start + SLICE])
                    await self.drain(timeout, deadline)
        else:
            body.rewind()
            write(head)
            await self._send_stream(body, timeout, deadline)
        if self._write_paused:
            await self.drain(timeout, deadline)

    async def _send_stream(
        self, body: BodyStream, timeout: float | None, deadline: float | None
    ) -> None:
        write = self.write
        chunked = body.length is None
        sent = 0
        async for chunk in body.aiter_chunks():
            sent += len(chunk)
            write(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
            await self.drain(timeout, deadline)
        if chunked:
            write(b"0\r\n\r\n")
        elif sent != body.length:
            raise WriteError(
                f"the request body was {sent} bytes but Content-Length said {body.length}"
            )

    async def drain(self, timeout: float | None, deadline: float | None) -> None:
        """Wait while asyncio's write buffer is above its high-water mark."""
        if self.closed:
            if self._error is not None:
                raise self._error
            raise ConnectionResetError("the server closed the connection")
        if not self._write_paused:
            return
        self._drain = self.loop.create_future()
        limit = timeout
        if deadline is not None:
            left = deadline - _monotonic()
            limit = left if limit is None else min(limit, left)
        try:
            async with asyncio.timeout(limit):
                await self._drain
        finally:
            self._drain = None
        if self.closed:
            raise ConnectionResetError("the server closed the connection")

    def close(self) -> None:
        self._shut(abort=False)

    def abort(self) -> None:
        """Close at once, discarding unsent bytes: for a connection left mid-exchange."""
        self._shut(abort=True)

    def _shut(self, abort: bool) -> None:
        self.closed = True
        if self._rp is not None:
            self._rp.close()
        transport = self.transport
        if transport is None:
            return
        if self.loop.is_closed():
            # Its event loop is gone (the client outlived an asyncio.run()): the transport
            # cannot schedule its own close, so close the socket under it.
            sock = transport.get_extra_info("socket")
            with contextlib.suppress(Exception):
                getattr(sock, "_sock", sock).close()
            return
        self._stop_timer()
        if abort:
            transport.abort()
        else:
            transport.close()

    def _stop_timer(self) -> None:
        if self._timer is not None:
            self._timer.cancel()
            self._timer = None


def _not_connected(data: bytes | memoryview) -> None:
    raise ConnectionResetError("the connection is not open")


def _ready(parser: ResponseParser, mode: int) -> bool:
    """Has the parser got what a task waiting in ``mode`` waits for?"""
    if parser.complete:
        return True
    if mode == HEAD:
        return parser.headers_done
    if mode == BODY:
        return bool(parser.body)
    return mode == CONTINUE and (parser.headers_done or parser.interim > 0)
