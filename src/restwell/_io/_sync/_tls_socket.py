"""``TLSSocket``: TLS over a blocking socket through a memory BIO (used for TLS in TLS too)."""

from __future__ import annotations

import contextlib
import typing

from .._errors import remaining

if typing.TYPE_CHECKING:  # pragma: no cover
    import socket
    import ssl

__all__ = ["TLSSocket"]


RECV = 64 * 1024


class TLSSocket:
    """A TLS session over a connected stream, run through memory BIOs.

    ``SSLSocket`` lets OpenSSL read the socket, and without read-ahead (which Python does
    not expose) OpenSSL reads each record in two system calls, its 5-byte header and then
    the rest; on a socket with a timeout the ssl module also polls first. Here the
    connection reads the socket itself, in one ``recv`` of up to 64 KiB, and hands the bytes
    to an ``SSLObject``: an HTTPS keep-alive request costs the same three system calls as an
    http one (poll, send, recv), and the socket below can use kernel timeouts like a plain
    one (a timeout surfaces as ``BlockingIOError``, as on a plain socket).

    ``outer`` is the OS socket, or another ``TLSSocket``: TLS to the origin inside TLS to an
    https proxy. Certificate and host name checks are the context's, as with any TLS socket.
    """

    def __init__(
        self, outer: typing.Any, context: ssl.SSLContext, host: str, deadline: float | None
    ) -> None:
        """The handshake runs to ``deadline`` (``time.monotonic()``) at most, however the
        server spreads its bytes out; None: each read waits the socket's own timeout."""
        import ssl

        self.outer = outer
        self.raw: socket.socket = getattr(outer, "raw", outer)  # the OS socket at the bottom
        incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
        self._tls = tls = context.wrap_bio(incoming, outgoing, server_hostname=host)
        self._outgoing = outgoing
        outer_recv, outer_send = outer.recv, outer.sendall
        while True:
            try:
                tls.do_handshake()
                break
            except ssl.SSLWantReadError:
                if outgoing.pending:
                    outer_send(outgoing.read())
                if deadline is not None:
                    self.raw.settimeout(remaining(None, deadline))
                data = outer_recv(RECV)
                if not data:
                    raise ConnectionResetError(
                        "the server closed the connection during the TLS handshake"
                    ) from None
                incoming.write(data)
        if outgoing.pending:
            outer_send(outgoing.read())
        inner = getattr(tls, "_sslobj", tls)  # SSLObject.read/write are Python wrappers
        read, write, pending = inner.read, inner.write, inner.pending
        want_read, closed = ssl.SSLWantReadError, (ssl.SSLZeroReturnError, ssl.SSLEOFError)

        # Whether the last read may have left bytes to decrypt: a read that filled its size
        # (more of the record may wait in OpenSSL), or undecrypted bytes in the BIO. Else a
        # read goes to the socket first, sparing SSL_pending() and the BIO's count, which
        # cost about as much as the socket's recv. Decrypting starts as data arrives.
        leftover = bool(pending() or incoming.pending)

        def recv(size: int) -> bytes:
            nonlocal leftover
            fresh = leftover
            while True:
                if fresh:
                    try:
                        data: bytes = read(size)
                    except want_read:  # part of a record: read more of it
                        pass
                    except closed:  # close_notify, or a close without it: an EOF either way
                        leftover = False
                        return b""
                    else:
                        if outgoing.pending:  # e.g. the answer to a TLS 1.3 key update
                            outer_send(outgoing.read())
                        leftover = len(data) == size or bool(incoming.pending)
                        return data
                data = outer_recv(RECV)
                if not data:
                    leftover = False
                    return b""
                incoming.write(data)
                fresh = True

        def sendall(data: bytes | memoryview) -> None:
            write(data)
            outer_send(outgoing.read())

        self.recv: typing.Callable[[int], bytes] = recv
        self.sendall: typing.Callable[[bytes | memoryview], None] = sendall

    def sendfile(self, file: typing.BinaryIO, offset: int, count: int) -> int:
        """A file's bytes, encrypted chunk by chunk (sendfile(2) cannot encrypt)."""
        file.seek(offset)
        sent = 0
        while sent < count:
            chunk = file.read(min(RECV, count - sent))
            if not chunk:
                break
            self.sendall(chunk)
            sent += len(chunk)
        return sent

    def fileno(self) -> int:
        return self.raw.fileno()

    def settimeout(self, value: float | None) -> None:
        self.raw.settimeout(value)

    def gettimeout(self) -> float | None:
        return self.raw.gettimeout()

    def close(self) -> None:
        """Send close_notify (RFC 9112 §9.8) if the socket takes it at once, then close."""
        with contextlib.suppress(Exception):
            self.raw.setblocking(False)
            with contextlib.suppress(Exception):
                self._tls.unwrap()  # writes the alert, then wants the server's: not waited for
            self.outer.sendall(self._outgoing.read())
        self.outer.close()
