"""TLS configuration: one cached ``SSLContext`` per configuration.

Building a context and loading a trust store costs milliseconds, so it is done once per
distinct ``(verify, cert, environment)`` and shared. ``ssl`` itself is imported only here and
only when the first https request needs it, which keeps ``import restwell`` fast.

Trust, in order: an explicit ``verify=`` path or ``SSLContext``; ``SSL_CERT_FILE`` /
``SSL_CERT_DIR`` when ``trust_env`` is on; the system store; certifi's bundle when the system
has no CA certificates at all. ``verify=False`` is honoured only for the client it was given
to: each client owns its transport and pool, so an unverified connection is never handed to
another client (CVE-2024-35195).
"""

from __future__ import annotations

import contextlib
import os
import threading
import typing

from ._exceptions import TLSError

if typing.TYPE_CHECKING:  # pragma: no cover
    import socket
    import ssl

__all__ = ["VerifyTypes", "CertTypes", "ssl_context", "TLSSocket"]

RECV = 64 * 1024

VerifyTypes = typing.Union[bool, str, "ssl.SSLContext"]
CertTypes = typing.Union[str, typing.Tuple[str, str], typing.Tuple[str, str, str], None]

_cache: dict[tuple[object, ...], ssl.SSLContext] = {}
_lock = threading.Lock()


def ssl_context(verify: VerifyTypes, cert: CertTypes, trust_env: bool) -> ssl.SSLContext:
    import ssl

    if isinstance(verify, ssl.SSLContext):
        return verify
    env = (os.environ.get("SSL_CERT_FILE"), os.environ.get("SSL_CERT_DIR")) if trust_env else ()
    key = (verify, cert, env)
    context = _cache.get(key)
    if context is None:
        with _lock:
            context = _cache.get(key)
            if context is None:
                try:
                    context = _cache[key] = _build(verify, cert, env)
                except (OSError, ssl.SSLError) as exc:
                    raise TLSError(
                        f"cannot set up TLS with verify={verify!r}, cert={cert!r}: {exc}; "
                        "check that the CA bundle and certificate files exist and are PEM"
                    ) from None
    return context


def _build(verify: bool | str, cert: CertTypes, env: tuple[str | None, ...]) -> ssl.SSLContext:
    import ssl

    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.minimum_version = ssl.TLSVersion.TLSv1_2
    context.set_alpn_protocols(["http/1.1"])
    if hasattr(ssl, "OP_IGNORE_UNEXPECTED_EOF"):
        # An EOF without close_notify must still end a body only where framing allows;
        # our parser decides that, so the ssl layer reports it as a plain EOF.
        context.options |= ssl.OP_IGNORE_UNEXPECTED_EOF
    if verify is False:
        context.check_hostname = False
        context.verify_mode = ssl.CERT_NONE
    else:
        _load_trust(context, verify, env)
    if cert is not None:
        if isinstance(cert, str):
            context.load_cert_chain(cert)
        else:
            context.load_cert_chain(*cert)
    return context


def _load_trust(context: ssl.SSLContext, verify: bool | str, env: tuple[str | None, ...]) -> None:
    import ssl

    if isinstance(verify, str):
        if os.path.isdir(verify):
            context.load_verify_locations(capath=verify)
        else:
            context.load_verify_locations(cafile=verify)
        return
    cafile, capath = env if env else (None, None)
    if cafile or capath:
        context.load_verify_locations(cafile=cafile or None, capath=capath or None)
        return
    # OpenSSL's compiled-in paths, named explicitly: set_default_verify_paths() would read
    # SSL_CERT_FILE behind our back even when trust_env is off.
    paths = ssl.get_default_verify_paths()
    system_file = paths.openssl_cafile if os.path.isfile(paths.openssl_cafile) else None
    system_dir = paths.openssl_capath if _has_certs(paths.openssl_capath) else None
    if system_file or system_dir:
        context.load_verify_locations(cafile=system_file, capath=system_dir)
    else:
        import certifi

        context.load_verify_locations(cafile=certifi.where())


def _has_certs(capath: str) -> bool:
    try:
        return any(name.endswith(".0") for name in os.listdir(capath))
    except OSError:
        return False


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

    def __init__(self, outer: typing.Any, context: ssl.SSLContext, host: str) -> None:
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
