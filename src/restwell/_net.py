"""Blocking sockets: opening connections, sending requests, reading responses.

This is the only sync module that touches sockets, and the one boundary where OS, ``ssl`` and
timeout exceptions become restwell's: ``map_error`` turns each into the class for the phase it
happened in (connect, write, read), with the method and URL in the message.
"""

from __future__ import annotations

import os
import select
import socket
import struct
import sys
import time
import typing

from ._content import BodyStream
from ._exceptions import (
    CertificateVerifyError,
    ConnectError,
    ConnectTimeout,
    ReadError,
    ReadTimeout,
    RequestError,
    TLSError,
    TransportError,
    WriteError,
    WriteTimeout,
)
from ._eyeballs import race
from ._http11 import ResponseParser
from ._tls import TLSSocket

if typing.TYPE_CHECKING:  # pragma: no cover
    import ssl

    from ._config import Limits
    from ._models import Request

__all__ = ["Connection", "open_connection", "map_error", "remaining"]

RECV = 64 * 1024
RECV_LARGE = 256 * 1024
SMALL_BODY = 64 * 1024

_PHASES = {
    "connect": (ConnectTimeout, ConnectError, "connecting to"),
    "write": (WriteTimeout, WriteError, "sending the request to"),
    "read": (ReadTimeout, ReadError, "waiting for the response from"),
}


def remaining(phase_timeout: float | None, deadline: float | None) -> float | None:
    """The timeout for the next socket call: the phase's, cut short by the total deadline."""
    if deadline is None:
        return phase_timeout
    left = deadline - time.monotonic()
    if left <= 0:
        raise TimeoutError("total deadline")
    return left if phase_timeout is None else min(phase_timeout, left)


def map_error(
    exc: BaseException, phase: str, request: Request, deadline: float | None = None
) -> RequestError:
    """The one place OS, ssl and timeout errors become restwell exceptions."""
    where = f"{request.method} {request.url.redacted()}"
    timeout_cls, network_cls, doing = _PHASES[phase]
    if isinstance(exc, RequestError):
        error = type(exc)(f"{exc} ({where})", request=request)
    elif isinstance(exc, (TimeoutError, BlockingIOError)):  # BlockingIOError: SO_RCVTIMEO
        hit_deadline = deadline is not None and time.monotonic() >= deadline - 0.005
        limit = "the total deadline" if hit_deadline else f"the {phase} timeout"
        error = timeout_cls(
            f"timed out {doing} {where} ({limit}); raise restwell.Timeout"
            f"({'total' if hit_deadline else phase}=...) "
            "if the server is known to be slow",
            request=request,
        )
    elif _is_ssl_error(exc):
        error = _map_ssl(exc, where, request)
    elif isinstance(exc, OSError):
        reason = exc.strerror or str(exc) or type(exc).__name__
        hint = {
            "connect": "check the host, port and network",
            "write": "the server closed the connection while we were sending",
            "read": "the server closed or reset the connection",
        }[phase]
        error = network_cls(f"error {doing} {where}: {reason}; {hint}", request=request)
    else:
        error = network_cls(f"error {doing} {where}: {exc!r}", request=request)
    error.__cause__ = exc
    return error


def _is_ssl_error(exc: BaseException) -> bool:
    ssl = sys.modules.get("ssl")  # not imported at all: no TLS was used, so not a TLS error
    return ssl is not None and isinstance(exc, ssl.SSLError)


def _map_ssl(exc: BaseException, where: str, request: Request) -> TransportError:
    import ssl

    if isinstance(exc, ssl.SSLCertVerificationError):
        return CertificateVerifyError(
            f"the TLS certificate of {where} did not verify: {exc.verify_message}; pass "
            "verify='/path/to/ca.pem' for a private CA (verify=False only for testing)",
            request=request,
        )
    return TLSError(f"TLS error with {where}: {getattr(exc, 'reason', None) or exc}",
                    request=request)


def open_connection(
    host: str,
    port: int,
    context: ssl.SSLContext | None,
    timeout: float | None,
) -> socket.socket:
    """A connected socket (TLS already negotiated when ``context`` is given).

    One address (an IP literal skips the resolver altogether): connected under the connect
    timeout. Several: they race with staggered starts (Happy Eyeballs, ``_eyeballs``).
    """
    addresses = _addresses(host, port)
    if not addresses:
        raise OSError(f"{host} resolved to no address")
    sock = _connect(*addresses[0], timeout) if len(addresses) == 1 else race(addresses, timeout)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if context is not None:
            sock.settimeout(timeout)  # the handshake runs under the connect timeout
            return TLSSocket(sock, context, host)  # type: ignore[return-value]
        return sock
    except BaseException:
        sock.close()
        raise


def _connect(
    family: socket.AddressFamily, address: tuple[typing.Any, ...], timeout: float | None
) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        sock.settimeout(timeout)  # see Connection: a new socket starts on Python's timeouts
        sock.connect(address)
        return sock
    except BaseException:
        sock.close()
        raise


def _addresses(host: str, port: int) -> list[tuple[socket.AddressFamily, tuple[typing.Any, ...]]]:
    for family in (socket.AF_INET, socket.AF_INET6):
        try:
            socket.inet_pton(family, host)
        except OSError:
            continue
        return [(family, (host, port))]
    infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
    return [(family, address) for family, _, _, _, address in infos]


class Connection:
    """One HTTP/1.1 connection to one origin, used by one request at a time."""

    __slots__ = (
        "__weakref__", "_fd", "_first", "_kernel_ok", "_kernel_timeouts", "_plain", "_poller",
        "_timeout", "idle_since", "key", "parser", "raw", "served", "sock", "recv", "sendall",
    )

    def __init__(self, sock: socket.socket, key: tuple[typing.Any, ...]) -> None:
        self.sock = sock
        self.key = key
        self.idle_since = 0.0
        self.served = 0
        self.parser: ResponseParser | None = None  # one per connection, reused (start())
        self._poller = select.poll()
        self._poller.register(sock.fileno(), select.POLLIN)
        # The OS socket under TLS (TLSSocket): timeouts and polls are its business.
        raw = self.raw = getattr(sock, "raw", sock)
        self._timeout: float | None = raw.gettimeout()
        # A socket with a Python-level timeout polls before every send and recv. A connection
        # that is used again instead turns its socket blocking and lets the kernel time out
        # (SO_RCVTIMEO and SO_SNDTIMEO): one system call less each way. Not from the start:
        # CPython's setsockopt() tries two other signatures, and formats and drops an error
        # for each, before taking a struct timeval (about 7,000 instructions a call), which
        # a connection used once would pay three times. TLS runs over the socket through
        # memory BIOs (TLSSocket), so a kernel timeout reaches us as on a plain socket.
        self._kernel_timeouts = False
        self._kernel_ok = type(raw) is socket.socket
        self._plain = type(sock) is socket.socket  # sendfile(2) only without TLS
        self.recv: typing.Callable[[int], bytes] = sock.recv
        self.sendall: typing.Callable[[bytes], None] = sock.sendall
        # A plain socket's first exchange bypasses Python's timeouts too: a small request is
        # written at once (write(2) on the non-blocking socket), and a read waits on the
        # connection's own poll object with the timeout recorded by _set_timeout. That
        # spares the poll before the send and the ioctl of changing the socket's timeout
        # (12 system calls per one-request connection become 10).
        self._first = self._plain and self._timeout is not None
        if self._first:
            self._fd = sock.fileno()
            self.recv = self._first_recv
            self.sendall = self._first_sendall

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
            if self._kernel_ok and not self._kernel_timeouts:  # used again: see __init__
                self._first = False
                self.recv, self.sendall = self.sock.recv, self.sock.sendall
                self.raw.settimeout(None)
                self._kernel_timeouts = True
                self._timeout = -1.0
        return parser

    def _first_recv(self, size: int) -> bytes:
        timeout = self._timeout
        if not self._poller.poll(-1 if timeout is None else int(timeout * 1000) + 1):
            raise TimeoutError("timed out")
        return os.read(self._fd, size)

    def _first_sendall(self, data: bytes) -> None:
        if not self._first:
            self.sock.sendall(data)
            return
        try:
            sent = os.write(self._fd, data)
        except BlockingIOError:
            sent = 0
        if sent < len(data):  # more than the socket takes at once: Python's sendall, timed
            self._leave_first()
            self.sock.sendall(memoryview(data)[sent:])

    def _leave_first(self) -> None:
        """Back to Python's socket timeouts for the rest of the first exchange."""
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
        self._set_timeout(remaining(timeout, deadline))
        sendall = self.sendall
        if body is None:
            sendall(head)
        elif isinstance(body, bytes):
            if len(body) <= SMALL_BODY:
                sendall(head + body)
            else:
                sendall(head)
                sendall(body)
        else:
            body.rewind()
            sendall(head)
            self._send_stream(body)

    def _send_stream(self, body: BodyStream) -> None:
        self._leave_first()  # files and streams go by sendfile(2) or sendall, timed
        if (body.length is not None and body.is_file and body.progress is None
                and self._send_file(body.source, body.length)):
            return
        sendall = self.sendall
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
        if self._kernel_timeouts and self._plain and hasattr(os, "sendfile"):
            # Blocking sendfile(2): the kernel moves the file, SO_SNDTIMEO bounds each wait.
            # (socket.sendfile() would poll per chunk, and wait without limit on this socket.)
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
        else:  # TLS (encrypted chunk by chunk), or a socket still on Python's timeouts
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
        if deadline is None:
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

