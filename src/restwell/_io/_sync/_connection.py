"""Blocking sockets: sending requests and reading responses on a connection (``_open``
opens them).

This is the only sync module that touches sockets, and the one boundary where OS, ``ssl`` and
timeout exceptions become restwell's: ``map_error`` turns each into the class for the phase it
happened in (connect, write, read), with the method and URL in the message.
"""

from __future__ import annotations

import _socket
import os
import socket
import struct
import time
import typing

from ..._models._content import BodyStream
from ..._models._exceptions import (
    WriteError,
)
from ..._protocol._http11 import ResponseParser
from .. import _wait

if typing.TYPE_CHECKING:  # pragma: no cover

    from ..._models._config import Limits
from .._errors import remaining

__all__ = ["Connection"]


RECV = 64 * 1024
RECV_LARGE = 256 * 1024
SMALL_BODY = 64 * 1024

# A plain connection's socket: socket.socket, or the C type under it, which a connection
# that start_connection opened uses as it is (no Python-level __init__ and close to run).
_OS_SOCKETS = (socket.socket, _socket.socket)
_RCVLOWAT: int = getattr(socket, "SO_RCVLOWAT", 0)  # (Linux, the BSDs, macOS; not Windows)
# A socket is a file descriptor that os.read and os.write take, and SO_RCVTIMEO takes a
# struct timeval: not on Windows, where the first exchange goes through the socket's own
# methods and timeouts stay Python's.
_FD_SOCKETS = os.name != "nt"


class Connection:
    """One HTTP/1.1 connection to one origin, used by one request at a time."""

    __slots__ = (
        "__weakref__", "_fd", "_first", "_kernel_timeouts", "_nodelay", "_poller", "_timeout",
        "connecting", "idle_since", "key", "parser", "raw", "served", "sock", "recv", "sendall",
    )

    def __init__(
        self, sock: socket.socket, key: tuple[typing.Any, ...],
        connecting: float | None = None,
    ) -> None:
        """``connecting``: the socket's connect was only begun (``start_connection``) and
        must complete within this many seconds; the first write completes it."""
        self.sock = sock
        self.key = key
        self.idle_since = 0.0
        self.served = 0
        self.parser: ResponseParser | None = None  # one per connection, reused (start())
        fd = self._fd = sock.fileno()
        poller = self._poller = _wait.poller()
        poller.register(fd, _wait.POLLIN)
        # The OS socket under TLS (TLSSocket): timeouts and polls are its business.
        raw = self.raw = sock if type(sock) in _OS_SOCKETS else sock.raw  # type: ignore[attr-defined]
        self.connecting = connecting
        self._nodelay = connecting is None  # else set once the first write is done
        # A socket with a Python-level timeout polls before every send and recv. A connection
        # that is used again instead turns its socket blocking and lets the kernel time out
        # (SO_RCVTIMEO and SO_SNDTIMEO): one system call less each way. Not from the start:
        # CPython's setsockopt() tries two other signatures, and formats and drops an error
        # for each, before taking a struct timeval (about 7,000 instructions a call), which
        # a connection used once would pay three times. TLS runs over the socket through
        # memory BIOs (TLSSocket), so a kernel timeout reaches us as on a plain socket.
        self._kernel_timeouts = False
        # A plain socket's first exchange bypasses Python's timeouts too: the request is
        # written at once (one write(2) on the non-blocking socket, which also completes a
        # connect that was only begun), and a read waits on the connection's own poll
        # object with the timeout recorded by _set_timeout. That spares the poll before the
        # send and the ioctl of changing the socket's timeout. TCP_NODELAY waits too: Nagle
        # cannot hold back a connection's first write, only a later one (_leave_first).
        timeout = self._timeout = connecting if connecting is not None else raw.gettimeout()
        if raw is sock and timeout is not None and _FD_SOCKETS:
            self._first = True
            self.recv: typing.Callable[[int], bytes] = self._first_recv
            self.sendall: typing.Callable[[bytes], None] = self._first_sendall
        else:
            self._first = False
            self.recv, self.sendall = sock.recv, sock.sendall

    def __repr__(self) -> str:
        scheme, host, port = self.key[:3]
        return f"<Connection {scheme}://{host}:{port} served={self.served}>"

    def is_usable(self) -> bool:
        """False when the peer closed or sent bytes while the connection sat idle."""
        return not self._poller.poll(0)

    def start(self, head_request: bool, limits: Limits) -> ResponseParser:
        """The parser for the next exchange on this connection."""
        parser = self.parser
        if parser is None:  # the first exchange
            parser = self.parser = ResponseParser(
                head_request, limits.max_header_bytes, limits.max_header_count
            )
        else:
            parser.start(head_request)
            if not self._kernel_timeouts and type(self.raw) in _OS_SOCKETS and _FD_SOCKETS:
                self._use_kernel_timeouts()
        return parser

    def _first_recv(self, size: int) -> bytes:
        timeout = self._timeout
        if not self._poller.poll(-1 if timeout is None else int(timeout * 1000) + 1):
            raise TimeoutError("timed out")
        return os.read(self._fd, size)

    def _first_sendall(self, data: bytes) -> None:
        self.sendall = self._later_sendall
        try:
            sent = os.write(self._fd, data)
        except BlockingIOError:
            if self.connecting is not None:  # still under way: a real network's round trip
                self._await_connect(self.connecting)
            sent = 0
        self.connecting = None
        if sent < len(data):  # more than the socket takes at once: Python's sendall, timed
            self._later_sendall(memoryview(data)[sent:])

    def _later_sendall(self, data: bytes | memoryview) -> None:
        self._leave_first()
        self.sock.sendall(data)

    def _use_kernel_timeouts(self) -> float | None:
        """The socket blocks from now on, and the kernel times its calls out (see
        __init__); returns the timeout that was in force."""
        self._first = False
        self.recv, self.sendall = self.sock.recv, self.sock.sendall
        if not self._nodelay:
            self._set_nodelay()
        self.raw.settimeout(None)
        self._kernel_timeouts = True
        timeout, self._timeout = self._timeout, -1.0
        return timeout

    def _set_nodelay(self) -> None:
        self._nodelay = True
        self.sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def _await_connect(self, timeout: float) -> None:
        poller = _wait.poller()
        poller.register(self._fd, _wait.POLLOUT)
        if not poller.poll(int(timeout * 1000) + 1):
            raise TimeoutError("connect timed out")
        code = self.sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
        if code:
            raise OSError(code, os.strerror(code))

    def _leave_first(self) -> None:
        """Back to Python's socket timeouts (and TCP_NODELAY) after the first write."""
        if not self._nodelay:
            self._set_nodelay()
        if self._first:
            self._first = False
            self.recv, self.sendall = self.sock.recv, self.sock.sendall
            self.raw.settimeout(self._timeout)

    def _set_timeout(self, value: float | None) -> None:
        if value != self._timeout:
            if self._kernel_timeouts:
                tv = _timeval(value)
                self.raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVTIMEO, tv)
                self.raw.setsockopt(socket.SOL_SOCKET, socket.SO_SNDTIMEO, tv)
            elif not self._first:  # (the first exchange's own waits read _timeout)
                self.raw.settimeout(value)
            self._timeout = value

    def send(
        self, head: bytes, body: bytes | BodyStream | None, timeout: float | None,
        deadline: float | None,
    ) -> None:
        if deadline is not None:
            if body is not None and (type(body) is not bytes or len(body) > SMALL_BODY):
                self._send_by(head, body, timeout, deadline)
                return
            timeout = remaining(timeout, deadline)  # one small write: one system call
        if timeout != self._timeout:  # (the common case, unchanged, without a call)
            self._set_timeout(timeout)
        if body is None:  # (self.sendall each time: the first write replaces it)
            self.sendall(head)
        elif isinstance(body, bytes):
            if len(body) <= SMALL_BODY:
                self.sendall(head + body)
            else:
                self.sendall(head)
                self.sendall(body)
        else:
            body.rewind()
            self.sendall(head)
            self._send_stream(body)

    def _send_by(
        self, head: bytes, body: bytes | BodyStream, timeout: float | None, deadline: float
    ) -> None:
        """Send a large or streamed body under a total deadline, each write with what is left
        of it. A kernel timeout bounds one system call, and a slow reader can hold a sendall
        through many, so the socket goes back to Python's timeouts, which bound a whole
        sendall."""
        if isinstance(body, BodyStream):
            body.rewind()
        if self._kernel_timeouts:
            self._kernel_timeouts = False
            self._timeout = -1.0  # (so that the next _set_timeout sets it)
        self._set_timeout(remaining(timeout, deadline))
        self.sendall(head)
        self._leave_first()

        def bounded(data: bytes) -> None:
            self._set_timeout(remaining(timeout, deadline))
            self.sock.sendall(data)

        if isinstance(body, bytes):
            bounded(body)
        else:
            self._send_chunks(body, bounded)

    def _send_stream(self, body: BodyStream) -> None:
        self._leave_first()  # files and streams go by sendfile(2) or sendall, timed
        if (body.length is not None and body.is_file and body.progress is None
                and self._send_file(body.source, body.length)):
            return
        self._send_chunks(body, self.sendall)

    def _send_chunks(self, body: BodyStream, sendall: typing.Callable[[bytes], None]) -> None:
        chunked = body.length is None
        sent = 0
        for chunk in body.iter_chunks():
            sent += len(chunk)
            sendall(b"%x\r\n%b\r\n" % (len(chunk), chunk) if chunked else chunk)
        if chunked:
            sendall(b"0\r\n\r\n")
        elif sent != body.length:
            raise WriteError(
                f"the request body was {sent} bytes but Content-Length said {body.length}"
            )

    def _send_file(self, source: typing.Any, length: int) -> bool:
        """Send a file with sendfile(2); False when the file or the OS cannot (send chunks)."""
        try:
            fd = source.fileno()
            offset = source.tell()
        except (AttributeError, OSError, ValueError):
            return False
        if self.raw is self.sock and hasattr(os, "sendfile"):
            # Blocking sendfile(2): the kernel moves the file, SO_SNDTIMEO bounds each wait.
            # (socket.sendfile() would poll per chunk, and wait without limit on a socket
            # with kernel timeouts.)
            if not self._kernel_timeouts:
                self._set_timeout(self._use_kernel_timeouts())
            sent = 0
            try:
                while sent < length:
                    n = os.sendfile(self.sock.fileno(), fd, offset + sent, length - sent)
                    if n == 0:
                        break
                    sent += n
            except OSError as exc:
                if sent == 0 and _is_unsupported(exc):
                    return False
                raise
        else:  # TLS: encrypted chunk by chunk
            sent = self.sock.sendfile(source, offset, length)
        source.seek(offset + sent)
        if sent != length:
            raise WriteError(f"the request body file ended after {sent} of {length} bytes")
        return True

    def receive(
        self, parser: ResponseParser, until_complete: bool, timeout: float | None,
        deadline: float | None,
    ) -> None:
        """Read until the head (or the whole response) has been parsed."""
        recv = self.recv
        if deadline is None and timeout != self._timeout:
            self._set_timeout(timeout)
        while not (parser.complete if until_complete else parser.headers_done):
            if deadline is not None:
                self._set_timeout(remaining(timeout, deadline))
            data = recv(RECV if parser.body_bytes < SMALL_BODY else RECV_LARGE)
            if not data:
                parser.feed_eof()
                return
            parser.feed(data)

    def await_continue(
        self, parser: ResponseParser, wait: float, deadline: float | None
    ) -> bool:
        """After a head with ``Expect: 100-continue``: wait up to ``wait`` seconds for the
        server's 100 or its final answer. True: send the body (100, or silence, RFC 9110
        §10.1.1); False: a final response came first and the body is not sent."""
        end = time.monotonic() + wait
        try:
            while not parser.interim and not parser.headers_done:
                left = end - time.monotonic()
                if left <= 0:
                    raise TimeoutError("no 100 Continue in time")
                self._set_timeout(remaining(left, deadline))
                data = self.recv(RECV)
                if not data:
                    parser.feed_eof()
                    return False
                parser.feed(data)
        except (TimeoutError, BlockingIOError):
            if deadline is not None and time.monotonic() >= deadline:
                raise
        return parser.send_body_after_expect()

    def read(self, size: int, timeout: float | None, deadline: float | None) -> bytes:
        """One recv of at most ``size`` bytes under the read timeout (b"" at EOF)."""
        self._set_timeout(remaining(timeout, deadline))
        return self.recv(size)

    def batch_reads(self, size: int) -> bool:
        """Let each recv wait until ``size`` bytes are there (SO_RCVLOWAT), or EOF, or the
        read timeout (which then returns what did come); ``size`` 1 undoes it. True when
        batching is now on.

        For long bodies only: the reader then wakes once per ``size`` bytes instead of
        once per trickle. The socket must block with kernel timeouts first, since a
        poll (ours, or the ssl and socket modules' own) would not report fewer bytes as
        readable and would time out with them waiting. Undone before the read that may
        take the body's tail, so it never outlives the body; an error on the way closes
        the connection anyway.
        """
        if size == 1:
            self.raw.setsockopt(socket.SOL_SOCKET, _RCVLOWAT, 1)
            return False
        if not _RCVLOWAT or type(self.raw) not in _OS_SOCKETS:
            return False
        if not self._kernel_timeouts:
            self._set_timeout(self._use_kernel_timeouts())
        try:
            self.raw.setsockopt(socket.SOL_SOCKET, _RCVLOWAT, size)
        except OSError:  # pragma: no cover - a platform that refuses it: read as before
            return False
        return True

    def close(self) -> None:
        if self.parser is not None:
            self.parser.close()  # both break a reference cycle, so the cyclic GC need not
        self.recv, self.sendall = self.sock.recv, self.sock.sendall
        try:
            self.sock.close()
        except OSError:  # pragma: no cover - closing never matters to the caller
            pass


def _timeval(seconds: float | None) -> bytes:
    if not seconds:  # None (no timeout) is 0 to the kernel; 0 s would be "never wait"
        seconds = 0.0 if seconds is None else 1e-6
    whole = int(seconds)
    return struct.pack("@ll", whole, int((seconds - whole) * 1_000_000))


def _is_unsupported(exc: OSError) -> bool:
    import errno

    return exc.errno in (errno.EINVAL, errno.ENOSYS, errno.EOPNOTSUPP, errno.ENOTSOCK)
