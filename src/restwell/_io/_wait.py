"""Waiting on sockets, portably: ``select.poll`` where the OS has one, else ``select.select``.

Windows has no ``poll``. ``poller`` is chosen once, at import: ``select.poll`` itself (no
wrapper on the hot paths of Linux and macOS), or ``SelectPoller``, the same interface over
``select.select``. Its users (``_sync._connection``, ``_eyeballs`` and
``_async._connection``) call ``_wait.poller()`` and nothing else of ``select``.
"""

from __future__ import annotations

import select
import time
import typing

__all__ = ["POLLIN", "POLLOUT", "SelectPoller", "poller"]


POLLIN: int = getattr(select, "POLLIN", 0x001)
POLLOUT: int = getattr(select, "POLLOUT", 0x004)
POLLERR: int = getattr(select, "POLLERR", 0x008)


class SelectPoller:
    """``select.poll``'s interface (``register``, ``unregister``, ``poll`` in milliseconds)
    over ``select.select``. A connect that failed counts as writable, as poll reports it
    (Windows puts such a socket in the exceptional set, not the writable one)."""

    __slots__ = ("_read", "_write")

    def __init__(self) -> None:
        self._read: list[int] = []
        self._write: list[int] = []

    def register(self, fd: int, events: int = POLLIN | POLLOUT) -> None:
        self.unregister(fd, quiet=True)
        if events & POLLIN:
            self._read.append(fd)
        if events & POLLOUT:
            self._write.append(fd)

    def unregister(self, fd: int, quiet: bool = False) -> None:
        found = False
        for fds in (self._read, self._write):
            if fd in fds:
                fds.remove(fd)
                found = True
        if not (found or quiet):
            raise KeyError(fd)

    def poll(self, timeout: float | None = None) -> list[tuple[int, int]]:
        """Ready descriptors and their events; ``timeout`` in milliseconds, None or
        negative to wait without limit."""
        seconds = None if timeout is None or timeout < 0 else timeout / 1000
        if not self._read and not self._write:  # select() on Windows refuses empty sets
            if seconds is None:
                raise ValueError("poll() with nothing registered would wait forever")
            time.sleep(seconds)
            return []
        readable, writable, failed = select.select(self._read, self._write, self._write,
                                                   seconds)
        events: dict[int, int] = {}
        for fd in readable:
            events[fd] = events.get(fd, 0) | POLLIN
        for fd in writable:
            events[fd] = events.get(fd, 0) | POLLOUT
        for fd in failed:
            events[fd] = events.get(fd, 0) | POLLOUT | POLLERR
        return list(events.items())


def choose() -> typing.Callable[[], typing.Any]:
    """``select.poll`` where the OS has it, else ``SelectPoller``."""
    return getattr(select, "poll", SelectPoller)


poller = choose()
