"""Happy Eyeballs (RFC 8305): connecting to a host with several addresses.

When a name resolves to more than one address, waiting out a full connect timeout on an
address that silently drops packets (a broken IPv6 route, a dead replica) before trying the
next makes a request take the whole timeout. Instead the addresses are tried in turn with
staggered starts: the next attempt begins when the previous fails, or after ``DELAY``
seconds without an answer, and the first connection made wins; the others are closed.
Addresses are interleaved by family (RFC 8305 §4), starting with the resolver's first.

Only the TCP connect races; TLS runs afterwards on the winner, as it would have anyway.
"""

from __future__ import annotations

import errno
import os
import socket
import time
import typing

from . import _wait

if typing.TYPE_CHECKING:  # pragma: no cover
    import asyncio

__all__ = ["DELAY", "interleave", "race", "race_async", "start_connect"]


DELAY = 0.25  # RFC 8305 §5: "Connection Attempt Delay", recommended 250 ms
Address = tuple[socket.AddressFamily, tuple[typing.Any, ...]]
# (Windows answers a non-blocking connect with WSAEWOULDBLOCK, which is not EWOULDBLOCK there)
_IN_PROGRESS = (errno.EINPROGRESS, errno.EWOULDBLOCK, errno.EAGAIN,
                getattr(errno, "WSAEWOULDBLOCK", errno.EWOULDBLOCK))

# Made non-blocking by socket(2) itself where the OS can (Linux): no ioctl afterwards.
_NONBLOCK = getattr(socket, "SOCK_NONBLOCK", 0)


def start_connect(
    family: socket.AddressFamily, address: tuple[typing.Any, ...],
    kind: typing.Callable[[int, int], typing.Any] = socket.socket,
    prepare: typing.Callable[[socket.socket], None] | None = None,
) -> socket.socket:
    """A non-blocking socket (of ``kind``) whose connect(2) has begun (or already
    completed); the caller waits for it to become writable. A connect that failed at once
    raises. ``prepare`` (the transport's socket options and bind) runs before the connect."""
    sock: socket.socket = kind(family, socket.SOCK_STREAM | _NONBLOCK)
    if not _NONBLOCK:  # pragma: no cover - Linux has SOCK_NONBLOCK
        sock.setblocking(False)
    if prepare is not None:
        try:
            prepare(sock)
        except BaseException:
            sock.close()
            raise
    code = sock.connect_ex(address)
    if code and code not in _IN_PROGRESS:
        sock.close()
        raise OSError(code, os.strerror(code))
    return sock


def interleave(addresses: typing.Sequence[Address]) -> list[Address]:
    """First family, other family, first family, ... keeping each family's own order."""
    if not addresses:
        return []
    first = addresses[0][0]
    same = [a for a in addresses if a[0] == first]
    other = [a for a in addresses if a[0] != first]
    out: list[Address] = []
    for i in range(max(len(same), len(other))):
        out.extend(group[i] for group in (same, other) if i < len(group))
    return out


def race(
    addresses: typing.Sequence[Address], timeout: float | None,
    prepare: typing.Callable[[socket.socket], None] | None = None,
) -> socket.socket:
    """A connected blocking socket to the first address that answers."""
    deadline = None if timeout is None else time.monotonic() + timeout
    pending = interleave(addresses)
    attempts: dict[int, socket.socket] = {}
    poller = _wait.poller()
    error: OSError | None = None
    next_start = time.monotonic()
    try:
        while pending or attempts:
            now = time.monotonic()
            if deadline is not None and now >= deadline:
                raise TimeoutError("connect timed out")
            if pending and (now >= next_start or not attempts):
                try:
                    sock = start_connect(*pending.pop(0), prepare=prepare)
                except OSError as exc:
                    error = exc
                    continue  # failed at once: start the next now
                attempts[sock.fileno()] = sock
                poller.register(sock.fileno(), _wait.POLLOUT)
                next_start = now + DELAY
            waits = [next_start - now] if pending else []
            if deadline is not None:
                waits.append(deadline - now)
            wait = min(waits) if waits else None
            events = poller.poll(None if wait is None else max(int(wait * 1000), 1))
            for fd, _ in events:
                sock = attempts.pop(fd)
                poller.unregister(fd)
                code = sock.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR)
                if code == 0:
                    return _won(sock)
                error = OSError(code, os.strerror(code))
                sock.close()
                next_start = time.monotonic()  # a failure starts the next attempt at once
        raise error or OSError("no address to connect to")
    finally:
        for sock in attempts.values():
            sock.close()


def _won(sock: socket.socket) -> socket.socket:
    sock.setblocking(True)
    return sock


async def race_async(
    loop: asyncio.AbstractEventLoop, addresses: typing.Sequence[Address],
    prepare: typing.Callable[[socket.socket], None] | None = None,
) -> socket.socket:
    """The asyncio twin of ``race`` (the caller bounds it with the connect timeout)."""
    from asyncio.staggered import staggered_race

    socks: list[socket.socket] = []

    def attempt(family: socket.AddressFamily, address: tuple[typing.Any, ...]) -> typing.Any:
        async def connect() -> socket.socket:
            sock = socket.socket(family, socket.SOCK_STREAM)
            sock.setblocking(False)
            socks.append(sock)
            if prepare is not None:
                prepare(sock)
            await loop.sock_connect(sock, address)
            return sock

        return connect

    winner: socket.socket | None = None
    try:
        winner, _, errors = await staggered_race(
            [attempt(*a) for a in interleave(addresses)], DELAY
        )
        if winner is None:
            raise next((e for e in reversed(errors) if isinstance(e, OSError)), None) or \
                OSError("no address to connect to")
        return winner
    finally:
        for sock in socks:
            if sock is not winner:
                sock.close()
