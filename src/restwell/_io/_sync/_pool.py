"""The thread-safe pool: ``PoolBook`` behind one lock, and a lock per waiting thread.

The books and the rule of the line (who is served, with what, in which order) are
``PoolBook``'s (``_io/_books.py``, where the invariants are written down). This front end adds
only the lock that serialises the books and the way a thread sleeps: each waiter holds a
small lock of its own, created locked; the thread that frees something hands it over under
the pool lock (the connection, or the slot, is the waiter's from then on) and releases that
waiter's lock. So a release wakes exactly the thread that can use what it freed, never one
that cannot, and nobody can take it in between.

Acquire and release are O(1) apart from the expired connections they close, and allocate
nothing while nobody waits.
"""

from __future__ import annotations

import threading

from ..._models._config import Limits
from .._books import C, PoolBook, PoolKey, Waiter

__all__ = ["ConnectionPool"]


class _Waiter(Waiter[C]):
    """A thread in line, asleep on its own lock until it is served."""

    __slots__ = ("_asleep",)

    def __init__(self, key: PoolKey) -> None:
        super().__init__(key)
        self._asleep = threading.Lock()
        self._asleep.acquire()

    def sleep(self, timeout: float | None) -> bool:
        """Until ``wake()``; False if ``timeout`` seconds passed first."""
        return self._asleep.acquire(True, -1 if timeout is None else timeout)

    def wake(self) -> None:
        self._asleep.release()


class ConnectionPool(PoolBook[C]):
    """The thread-safe pool of the sync transport."""

    def __init__(self, limits: Limits) -> None:
        super().__init__(limits)
        self._lock = threading.Lock()

    def stats(self) -> dict[str, int]:
        with self._lock:
            return self._stats()

    def acquire(self, key: PoolKey, timeout: float | None) -> C | None:
        """An idle connection for ``key``, or None with a slot reserved for a new one."""
        # acquire()/release() rather than `with` on the two hot paths: CPython (3.11) runs a
        # `with` by binding __enter__ and __exit__ anew and calling __exit__ with a fresh
        # argument tuple, three allocations and about 1,000 instructions per use, which
        # would make an uncontended acquire+release pair a quarter dearer (callgrind).
        lock = self._lock
        lock.acquire()
        try:
            if not self._waiters:  # nobody in line: straight to the books
                conn = self._take_idle(key)
                if conn is not None or self._reserve(key):
                    return conn
            waiter: _Waiter[C] = _Waiter(key)
            if self._line_up(waiter):
                return waiter.conn
            if timeout is not None and timeout <= 0:
                self._waiters.remove(waiter)
                raise self._timeout_error(key, timeout)
        finally:
            lock.release()
        return self._wait(waiter, timeout)

    def _wait(self, waiter: _Waiter[C], timeout: float | None) -> C | None:
        """Sleep, without the pool lock, until served, timed out or the pool closes."""
        try:
            woken = waiter.sleep(timeout)
        except BaseException:  # interrupted (a signal handler raised in this thread)
            with self._lock:
                self._leave(waiter)
            raise
        if not woken:
            with self._lock:
                if not waiter.served:  # (served just after the timeout: take it after all)
                    self._waiters.remove(waiter)
                    raise self._timeout_error(waiter.key, timeout)
        # The waker set conn or error before releasing the lock this thread slept on.
        if waiter.error is not None:
            raise waiter.error
        return waiter.conn

    def release(self, conn: C, reusable: bool) -> None:
        """Give a connection back after its response: kept idle if reusable, else closed."""
        lock = self._lock  # (not `with`: see acquire)
        lock.acquire()
        try:
            self._put_back(conn, reusable)
            if self._waiters:
                self._serve()
        finally:
            lock.release()

    def cancel_reservation(self, key: PoolKey) -> None:
        """A reserved slot whose connection could not be opened."""
        with self._lock:
            self._drop_slot(key)
            if self._waiters:
                self._serve()

    def close(self) -> None:
        with self._lock:
            self._close()
