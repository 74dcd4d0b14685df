"""Opening blocking connections: name lookup, TCP (one address, or several raced: Happy
Eyeballs), the transport's dial options, and TLS on top, all within the connect timeout."""

from __future__ import annotations

import _socket
import queue
import socket
import threading
import time
import typing

from .._eyeballs import race, start_connect
from . import _connection
from ._tls_socket import TLSSocket

if typing.TYPE_CHECKING:  # pragma: no cover
    import ssl

    from .._dial import Dial

__all__ = ["open_connection", "start_connection"]


def open_connection(
    host: str,
    port: int,
    context: ssl.SSLContext | None,
    timeout: float | None,
    dial: Dial | None = None,
) -> socket.socket:
    """A connected socket (TLS already negotiated when ``context`` is given).

    One address (an IP literal skips the resolver altogether): connected under the connect
    timeout. Several: they race with staggered starts (Happy Eyeballs, ``_eyeballs``).
    ``dial``: the transport's uds, local_address and socket_options (``_dial``).
    """
    if dial is not None:
        until = _until(timeout, context)
        sock = _dialled(host, port, timeout, dial)
        return _secure(sock, host, context, timeout, until, dial.uds is None)
    addresses, timeout = _addresses(host, port, timeout)
    return _open(addresses, host, context, timeout)


def start_connection(
    host: str, port: int, timeout: float | None, dial: Dial | None = None
) -> tuple[socket.socket, bool]:
    """A plain TCP socket, and True when its connect was only begun.

    To one address under a connect timeout, the connect is started and left to complete
    under the first write (``Connection``): on a fast network the request goes out without
    a wait for the socket to become writable (poll, getsockopt) and the ioctl that makes
    it non-blocking. Otherwise the socket comes connected, as from ``open_connection``.
    """
    if dial is not None:  # (options and binds come first: connected here)
        return open_connection(host, port, None, timeout, dial), False
    addresses, timeout = _addresses(host, port, timeout)
    if len(addresses) == 1 and timeout is not None and _connection._FD_SOCKETS:
        return start_connect(*addresses[0], _socket.socket), True
    return _open(addresses, host, None, timeout), False


def _open(
    addresses: list[tuple[socket.AddressFamily, tuple[typing.Any, ...]]], host: str,
    context: ssl.SSLContext | None, timeout: float | None,
) -> socket.socket:
    if not addresses:
        raise OSError(f"{host} resolved to no address")
    until = _until(timeout, context)
    sock = _connect(*addresses[0], timeout) if len(addresses) == 1 else race(addresses, timeout)
    return _secure(sock, host, context, timeout, until)


def _until(timeout: float | None, context: ssl.SSLContext | None) -> float | None:
    """When a TLS connection must be up: the connect timeout bounds the TCP connect and the
    TLS handshake together, so a server that drips its handshake out cannot stretch it."""
    return None if timeout is None or context is None else time.monotonic() + timeout


def _secure(
    sock: socket.socket, host: str, context: ssl.SSLContext | None, timeout: float | None,
    until: float | None, tcp: bool = True,
) -> socket.socket:
    """TCP_NODELAY on a new TCP socket, and TLS on it (done by ``until``) when ``context``
    is given."""
    try:
        if tcp:
            sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if context is not None:
            sock.settimeout(timeout)
            return TLSSocket(sock, context, host, until)  # type: ignore[return-value]
        return sock
    except BaseException:
        sock.close()
        raise


def _connect(
    family: socket.AddressFamily, address: tuple[typing.Any, ...], timeout: float | None,
    prepare: typing.Callable[[socket.socket], None] | None = None,
) -> socket.socket:
    sock = socket.socket(family, socket.SOCK_STREAM)
    try:
        if prepare is not None:  # the transport's socket options and source address
            prepare(sock)
        sock.settimeout(timeout)  # see Connection: a new socket starts on Python's timeouts
        sock.connect(address)
        return sock
    except BaseException:
        sock.close()
        raise


Addresses = list[tuple[socket.AddressFamily, tuple[typing.Any, ...]]]


def _addresses(host: str, port: int, timeout: float | None) -> tuple[Addresses, float | None]:
    """The addresses to connect to, and what is left of ``timeout`` after looking them up
    (an IP literal needs no lookup)."""
    family = _IP_LITERALS.get(host)
    if family is None:
        for family in (socket.AF_INET, socket.AF_INET6):
            try:
                socket.inet_pton(family, host)
            except OSError:
                continue
            if len(_IP_LITERALS) >= 256:  # bounded: hosts are chosen by programs, mostly
                _IP_LITERALS.clear()
            _IP_LITERALS[host] = family
            break
        else:  # a name
            if timeout is None:
                infos = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)
            else:
                started = time.monotonic()
                infos = _lookup(host, port, timeout)
                timeout = max(timeout - (time.monotonic() - started), 0.001)
            return [(family, address) for family, _, _, _, address in infos], timeout
    return [(family, (host, port))], timeout


# Lookups run on daemon threads of their own (a stuck resolver must not hold up the exit
# of the process, as an executor's threads would), at most _MAX_RESOLVERS of them.
_MAX_RESOLVERS = 8
_jobs: queue.SimpleQueue[tuple[str, int, list[typing.Any], threading.Event]] = queue.SimpleQueue()
_resolvers = [0, 0]  # threads started, threads idle
_resolvers_lock = threading.Lock()


def _lookup(host: str, port: int, timeout: float) -> list[typing.Any]:
    """getaddrinfo() within ``timeout``: the system resolver has timeouts of its own (5 s
    and retries, by resolv.conf), which a connect timeout or a total deadline must not wait
    out. A lookup that overruns is left to finish on its thread; the caller gets a timeout."""
    box: list[typing.Any] = []
    done = threading.Event()
    with _resolvers_lock:
        if _resolvers[1] == 0 and _resolvers[0] < _MAX_RESOLVERS:
            _resolvers[0] += 1
            _resolvers[1] += 1
            threading.Thread(target=_resolve, name="restwell-resolve", daemon=True).start()
    _jobs.put((host, port, box, done))
    if not done.wait(timeout):
        raise TimeoutError(f"looking up {host} took longer than {timeout:.3g} s")
    if isinstance(box[0], BaseException):
        raise box[0]
    return box[0]  # type: ignore[no-any-return]


def _resolve() -> None:
    while True:
        host, port, box, done = _jobs.get()
        with _resolvers_lock:
            _resolvers[1] -= 1
        try:
            box.append(socket.getaddrinfo(host, port, type=socket.SOCK_STREAM))
        except BaseException as exc:  # handed to the caller, on its own thread
            box.append(exc)
        done.set()
        with _resolvers_lock:
            _resolvers[1] += 1


# IP literals met so far, with their family: an IP literal skips the resolver altogether,
# and one seen before skips the inet_pton() test too.
_IP_LITERALS: dict[str, socket.AddressFamily] = {}


def _dialled(host: str, port: int, timeout: float | None, dial: Dial) -> socket.socket:
    """A connected socket as the transport's ``Dial`` asks: to its Unix socket (no name
    lookup), or to ``host`` from its source address with its options set."""
    if dial.uds is not None:
        sock = dial.unix_socket()
        try:
            sock.settimeout(timeout)
            sock.connect(dial.uds)
        except BaseException:
            sock.close()
            raise
        return sock
    found, timeout = _addresses(host, port, timeout)
    addresses = dial.addresses(host, found)
    if len(addresses) == 1:
        return _connect(*addresses[0], timeout, dial.prepare)
    return race(addresses, timeout, dial.prepare)
