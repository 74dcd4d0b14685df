"""Connection pools: a bookkeeper indexed by origin, and its sync and async front ends.

Invariants (checked by tests through ``stats()``):
- ``total`` counts every connection that is open or being opened; it never exceeds
  ``max_connections``, and per origin never exceeds ``max_per_host``.
- A connection is either idle in ``_idle[key]`` or held by exactly one request.
- A connection goes back to the idle list only when its response was read to the end and the
  server allowed keep-alive; anything else is closed, so a half-read or out-of-sync connection
  is never handed to the next request.
- An idle connection past its expiry, or one the peer closed (or wrote to) while idle, is
  closed instead of handed out.
Acquire and release are O(1) apart from the expired connections they close.

``PoolBook`` holds the books and no lock; ``ConnectionPool`` (threads) wraps each operation in a
lock and waits on a condition, ``AsyncConnectionPool`` (in ``_async_pool``) waits on futures.
"""

from __future__ import annotations

import threading
import time
import typing

from ._config import Limits
from ._exceptions import ClientClosed, PoolTimeout

__all__ = ["ConnectionPool", "PoolBook", "PoolKey", "PooledConnection"]

PoolKey = typing.Tuple[typing.Any, ...]
_monotonic = time.monotonic


class PooledConnection(typing.Protocol):
    """What the books need of a connection, sync or async."""

    key: PoolKey
    idle_since: float

    def is_usable(self) -> bool: ...

    def close(self) -> None: ...


C = typing.TypeVar("C", bound=PooledConnection)


class PoolBook(typing.Generic[C]):
    """Counts, idle lists and limits. Not thread-safe: the front end serialises calls."""

    def __init__(self, limits: Limits) -> None:
        self._limits = limits
        self._expiry = limits.idle_expiry
        self._max_idle = limits.max_idle
        self._max_total = limits.max_connections
        self._max_host = limits.max_per_host or limits.max_connections
        self._idle: dict[PoolKey, list[C]] = {}
        self._per_host: dict[PoolKey, int] = {}
        self._total = 0
        self._idle_count = 0
        self._closed = False

    def __repr__(self) -> str:
        s = self.stats()
        return f"<{type(self).__name__} total={s['total']} idle={s['idle']} in_use={s['in_use']}>"

    def _stats(self) -> dict[str, int]:
        return {"total": self._total, "idle": self._idle_count,
                "in_use": self._total - self._idle_count}

    def stats(self) -> dict[str, int]:
        return self._stats()

    def _take_idle(self, key: PoolKey) -> C | None:
        if self._closed:
            raise ClientClosed("the client was closed; create a new one to send requests")
        idle = self._idle.get(key)
        if not idle:
            return None
        expiry = self._expiry
        now = _monotonic()
        while idle:
            conn = idle.pop()
            self._idle_count -= 1
            if (expiry is None or now - conn.idle_since < expiry) and conn.is_usable():
                return conn
            self._forget(conn)
        return None

    def _reserve(self, key: PoolKey) -> bool:
        full = self._max_total is not None and self._total >= self._max_total
        if full and not self._evict_idle():
            return False
        host_count = self._per_host.get(key, 0)
        if self._max_host is not None and host_count >= self._max_host:
            return False
        self._per_host[key] = host_count + 1
        self._total += 1
        return True

    def _evict_idle(self) -> bool:
        """Close one idle connection (of any origin) to make room; False if none is idle."""
        for idle in self._idle.values():
            if idle:
                self._idle_count -= 1
                self._forget(idle.pop(0))
                return True
        return False

    def _forget(self, conn: C) -> None:
        conn.close()
        self._drop_slot(conn.key)

    def _drop_slot(self, key: PoolKey) -> None:
        self._total -= 1
        count = self._per_host[key] - 1
        if count:
            self._per_host[key] = count
        else:
            del self._per_host[key]

    def _put_back(self, conn: C, reusable: bool) -> None:
        if reusable and not self._closed and self._idle_count < self._max_idle:
            conn.idle_since = _monotonic()
            idle = self._idle.get(conn.key)
            if idle is None:
                idle = self._idle[conn.key] = []
            idle.append(conn)
            self._idle_count += 1
        else:
            self._forget(conn)

    def _close_idle(self) -> None:
        self._closed = True
        for idle in self._idle.values():
            for conn in idle:
                self._forget(conn)
        self._idle.clear()
        self._idle_count = 0

    def _timeout_error(self, key: PoolKey, timeout: float | None) -> PoolTimeout:
        return PoolTimeout(
            f"no connection to {key[0]}://{key[1]}:{key[2]} became free within "
            f"{timeout} s ({self._total} open, limit {self._max_total}); raise "
            "Limits(max_connections=...) or Timeout(pool=...)"
        )


class ConnectionPool(PoolBook[C]):
    """The thread-safe pool of the sync transport."""

    def __init__(self, limits: Limits) -> None:
        super().__init__(limits)
        self._lock = threading.Lock()
        self._freed = threading.Condition(self._lock)
        self._waiting = 0  # threads blocked in acquire(); notify only when there are some

    def stats(self) -> dict[str, int]:
        with self._lock:
            return self._stats()

    def acquire(self, key: PoolKey, timeout: float | None) -> C | None:
        """An idle connection for ``key``, or None with a slot reserved for a new one."""
        # acquire()/release() rather than `with`: compiled, `with` looks up __enter__ and
        # __exit__ and calls them generically, a tenth of what a request spends here.
        lock = self._lock
        lock.acquire()
        try:
            conn = self._take_idle(key)
            if conn is not None or self._reserve(key):
                return conn
            return self._wait(key, timeout)
        finally:
            lock.release()

    def _wait(self, key: PoolKey, timeout: float | None) -> C | None:
        """Wait (holding the lock, as the condition needs) until a connection or slot frees."""
        end = None if timeout is None else time.monotonic() + timeout
        while True:
            left = None if end is None else end - time.monotonic()
            if left is not None and left <= 0:
                raise self._timeout_error(key, timeout)
            self._waiting += 1
            try:
                self._freed.wait(left)
            finally:
                self._waiting -= 1
            conn = self._take_idle(key)
            if conn is not None or self._reserve(key):
                return conn

    def release(self, conn: C, reusable: bool) -> None:
        """Give a connection back after its response: kept idle if reusable, else closed."""
        lock = self._lock
        lock.acquire()
        try:
            self._put_back(conn, reusable)
            if self._waiting:
                self._freed.notify()
        finally:
            lock.release()

    def cancel_reservation(self, key: PoolKey) -> None:
        """A reserved slot whose connection could not be opened."""
        with self._lock:
            self._drop_slot(key)
            self._freed.notify()

    def close(self) -> None:
        with self._lock:
            self._close_idle()
            self._freed.notify_all()
