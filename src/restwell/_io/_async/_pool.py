"""The asyncio pool: ``PoolBook`` plus a future per waiting task.

It runs on one event loop, so the books need no lock. The books and the rule of the line
(who is served, with what, in which order) are ``PoolBook``'s (``_io/_books.py``); this front
end only makes each waiter a future, resolved with the connection or slot handed to it.

Cancellation is safe at every await: a waiter that is cancelled, or times out, after a
connection or slot was handed to it gives that connection or slot straight back
(``PoolBook._leave``), so nothing leaks and a handed-over connection is never lost (httpcore
#1035 and #1093 are the bugs this avoids).
"""

from __future__ import annotations

import asyncio

from ..._models._exceptions import ClientClosed
from .._books import C, PoolBook, PoolKey, Waiter

__all__ = ["AsyncConnectionPool"]


class _Waiter(Waiter[C]):
    """A task in line, awaiting its future."""

    __slots__ = ("future",)

    def __init__(self, key: PoolKey, future: asyncio.Future[C | None]) -> None:
        super().__init__(key)
        self.future = future

    def gone(self) -> bool:
        return self.future.done()  # (served waiters are out of the line already)

    def wake(self) -> None:
        if self.error is None:
            self.future.set_result(self.conn)
        else:
            self.future.set_exception(self.error)


class AsyncConnectionPool(PoolBook[C]):
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
        waiter: _Waiter[C] = _Waiter(key, future)
        if self._line_up(waiter):  # whoever can go ahead now goes: perhaps this very one
            return waiter.conn
        timer = None
        if timeout is not None:
            timer = loop.call_later(timeout, self._expire, waiter, timeout)
        try:
            return await future
        except BaseException:
            self._leave(waiter)  # out of the line, or what was handed over given back
            raise
        finally:
            if timer is not None:
                timer.cancel()

    def _expire(self, waiter: _Waiter[C], timeout: float) -> None:
        if not waiter.future.done():
            waiter.future.set_exception(self._timeout_error(waiter.key, timeout))

    def release(self, conn: C, reusable: bool) -> None:
        """Give a connection back after its response: kept idle if reusable, else closed."""
        self._put_back(conn, reusable)
        if self._waiters:
            self._serve()

    def cancel_reservation(self, key: PoolKey) -> None:
        """A reserved slot whose connection could not be opened (or was cancelled)."""
        self._drop_slot(key)
        if self._waiters:
            self._serve()

    def close(self) -> None:
        self._close()
