"""The asyncio pool: ``PoolBook`` plus a FIFO of waiting futures.

It runs on one event loop, so the books need no lock. Cancellation is safe at every await:
a waiter that is cancelled, or times out, after a connection or slot was handed to it gives
that connection or slot straight back (``_give_back``), so nothing leaks and a handed-over
connection is never lost (httpcore #1035 and #1093 are the bugs this avoids).
"""

from __future__ import annotations

import asyncio
import collections
import contextlib
import typing

from ..._models._config import Limits
from ..._models._exceptions import ClientClosed
from .._books import C, PoolBook, PoolKey

__all__ = ["AsyncConnectionPool"]


_Waiter = tuple[PoolKey, "asyncio.Future[typing.Any]"]


class AsyncConnectionPool(PoolBook[C]):
    def __init__(self, limits: Limits) -> None:
        super().__init__(limits)
        self._waiters: collections.deque[_Waiter] = collections.deque()

    def acquire_nowait(self, key: PoolKey) -> tuple[bool, C | None]:
        """(True, idle connection or None with a slot reserved), or (False, None): wait."""
        if self._waiters:  # others are in line: join it (acquire() serves whoever can go)
            if self._closed:
                raise ClientClosed("the client was closed; create a new one to send requests")
            return False, None
        conn = self._take_idle(key)
        if conn is not None or self._reserve(key):
            return True, conn
        return False, None

    async def acquire(self, key: PoolKey, timeout: float | None) -> C | None:
        """Wait in line for an idle connection for ``key`` or a slot to open one."""
        loop = asyncio.get_running_loop()
        future: asyncio.Future[C | None] = loop.create_future()
        self._waiters.append((key, future))
        self._wake()  # whoever can go ahead now, goes (perhaps this very request)
        timer = None
        if timeout is not None:
            timer = loop.call_later(timeout, self._expire, future, key, timeout)
        try:
            return await future
        except BaseException:
            if future.done() and not future.cancelled() and future.exception() is None:
                self._give_back(key, future.result())  # handed over, then cancelled
            else:
                with contextlib.suppress(ValueError):  # leave the line at once
                    self._waiters.remove((key, future))
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def _expire(self, future: asyncio.Future[typing.Any], key: PoolKey, timeout: float) -> None:
        if not future.done():
            future.set_exception(self._timeout_error(key, timeout))

    def _give_back(self, key: PoolKey, conn: C | None) -> None:
        if conn is None:
            self.cancel_reservation(key)
        else:
            self.release(conn, True)

    def release(self, conn: C, reusable: bool) -> None:
        """Give a connection back after its response: kept idle if reusable, else closed."""
        self._put_back(conn, reusable)
        if self._waiters:
            self._wake()

    def cancel_reservation(self, key: PoolKey) -> None:
        """A reserved slot whose connection could not be opened (or was cancelled)."""
        self._drop_slot(key)
        if self._waiters:
            self._wake()

    def _wake(self) -> None:
        """Serve the first waiter that can now go ahead: one freed resource, one waiter."""
        waiters = self._waiters
        while waiters and waiters[0][1].done():  # timed out or cancelled while in line
            waiters.popleft()
        for index, (key, future) in enumerate(waiters):
            if future.done():
                continue
            conn = self._take_idle(key)
            if conn is not None or self._reserve(key):
                del waiters[index]
                future.set_result(conn)
                return

    def close(self) -> None:
        self._close_idle()
        while self._waiters:
            _, future = self._waiters.popleft()
            if not future.done():
                future.set_exception(
                    ClientClosed("the client was closed while this request waited for a "
                                 "connection")
                )
