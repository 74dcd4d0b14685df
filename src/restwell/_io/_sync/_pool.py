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

from ..._models._config import Limits
from .._books import C, PoolBook, PoolKey

__all__ = ["ConnectionPool"]


_monotonic = time.monotonic


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
