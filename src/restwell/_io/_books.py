"""The pool's books: idle connections, reserved slots and the line of waiters, by origin.

Pure bookkeeping, no locks and no sleeping: ``ConnectionPool`` (threads) and
``AsyncConnectionPool`` (asyncio) wrap the same ``PoolBook`` and differ only in how a waiter
sleeps and is woken (a lock per waiting thread, a future per waiting task).

Invariants, after every call (the front end serialises calls: a lock, or the event loop):

- ``_total`` counts open connections and reserved slots (a slot: a connection being opened);
  it never exceeds ``max_connections``, nor ``_per_host[key]`` ``max_per_host``.
- A connection is idle in ``_idle[key]`` or held by exactly one caller (or waiter).
- **Nobody in the line could go ahead now.** Whatever frees (a release, a cancelled
  reservation, a waiter giving back what it was handed, an idle connection found expired or
  dead) is handed at once, under the same call, to the first waiter in line that can use it
  (``_serve``): its origin's idle connection, or a slot (closing another origin's idle
  connection if the pool is full). A waiter that cannot use it keeps its place. So a
  connection freed for a waiter is never left idle for someone else to take, and a waiter is
  never woken for something it cannot use.
- A new caller goes straight to the books only when nobody waits; otherwise it joins the end
  of the line (``_line_up``), and serving the line decides whether it can go at once, so it
  never barges past earlier waiters that could use the same thing. With nobody waiting the
  fast path allocates nothing.
- A waiter that stops waiting (timed out, cancelled, interrupted) leaves the line, or, if it
  was handed something meanwhile, gives it back (``_leave``), which serves the next in line.
"""

from __future__ import annotations

import collections
import time
import typing

from .._models._config import Limits
from .._models._exceptions import ClientClosed, PoolTimeout

__all__ = ["PoolBook", "PoolKey", "PooledConnection", "Waiter"]
_monotonic = time.monotonic


PoolKey = typing.Tuple[typing.Any, ...]


class PooledConnection(typing.Protocol):
    """What the books need of a connection, sync or async."""

    key: PoolKey
    idle_since: float

    def is_usable(self) -> bool: ...

    def close(self) -> None: ...


C = typing.TypeVar("C", bound=PooledConnection)


class Waiter(typing.Generic[C]):
    """One caller in line for ``key``; the front end's subclass says how it sleeps and wakes.

    ``served`` is set, then ``wake()`` called, when the waiter leaves the line with its
    outcome: ``conn`` (an idle connection, or None for a reserved slot) or ``error``.
    """

    __slots__ = ("conn", "error", "key", "served")

    def __init__(self, key: PoolKey) -> None:
        self.key = key
        self.served = False
        self.conn: C | None = None
        self.error: BaseException | None = None

    def gone(self) -> bool:
        """Stopped waiting without being served, not yet out of the line (asyncio: a timer
        or a cancellation finished its future before its task ran again)."""
        return False

    def wake(self) -> None:
        raise NotImplementedError


class PoolBook(typing.Generic[C]):
    """Counts, idle lists, limits and the line. Not thread-safe: the front end serialises."""

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
        self._waiters: collections.deque[Waiter[C]] = collections.deque()

    def __repr__(self) -> str:
        s = self.stats()
        return f"<{type(self).__name__} total={s['total']} idle={s['idle']} in_use={s['in_use']}>"

    def _stats(self) -> dict[str, int]:
        return {"total": self._total, "idle": self._idle_count,
                "in_use": self._total - self._idle_count}

    def stats(self) -> dict[str, int]:
        return self._stats()

    # -- the books -------------------------------------------------------------------------

    def _take_idle(self, key: PoolKey) -> C | None:
        # (No closed check: a closed pool has no idle connections and reserves nothing, so
        # the front ends' fast path falls through to _line_up, which raises ClientClosed.)
        idle = self._idle.get(key)
        if not idle:
            return None
        expiry = self._expiry
        while idle:
            conn = idle.pop()
            self._idle_count -= 1
            if (expiry is None or _monotonic() - conn.idle_since < expiry) and conn.is_usable():
                return conn
            self._forget(conn)
        return None

    def _reserve(self, key: PoolKey) -> bool:
        full = self._max_total is not None and self._total >= self._max_total
        host_count = self._per_host.get(key, 0)
        if self._max_host is not None and host_count >= self._max_host:
            return False
        if full and not self._evict_idle():
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

    # -- the line --------------------------------------------------------------------------

    def _line_up(self, waiter: Waiter[C]) -> bool:
        """Put a new caller at the end of the line and serve the line; True if it was served
        at once (what it wanted was free and nobody ahead of it could use that)."""
        if self._closed:
            raise ClientClosed("the client was closed; create a new one to send requests")
        self._waiters.append(waiter)
        self._serve()
        return waiter.served

    def _serve(self) -> None:
        """Hand what is free to the waiters that can use it, first come first served."""
        waiters = self._waiters
        while waiters and waiters[0].gone():
            waiters.popleft()
        if self._closed:
            return
        max_total = self._max_total
        while waiters and self._serve_first():
            if not self._idle_count and max_total is not None and self._total >= max_total:
                return  # full and nothing idle to close: nobody else can go

    def _serve_first(self) -> bool:
        """Serve the first waiter that can go ahead now; False if none can."""
        blocked: set[PoolKey] | None = None  # origins found unable to go, in this pass
        for index, waiter in enumerate(self._waiters):
            key = waiter.key
            if (blocked is not None and key in blocked) or waiter.gone():
                continue
            # (A key that fails here changed nothing: an idle connection found dead frees
            # a slot of its own origin, which _reserve then takes.)
            conn = self._take_idle(key)
            if conn is not None or self._reserve(key):
                del self._waiters[index]
                waiter.conn = conn
                waiter.served = True
                waiter.wake()
                return True
            if blocked is None:
                blocked = {key}
            else:
                blocked.add(key)
        return False

    def _leave(self, waiter: Waiter[C]) -> None:
        """A waiter stopped waiting: out of the line, or what it was handed given back."""
        if not waiter.served:
            try:
                self._waiters.remove(waiter)
            except ValueError:  # (asyncio: already dropped from the head as gone)
                pass
            return
        if waiter.error is not None:
            return
        conn = waiter.conn
        waiter.conn = None
        if conn is None:
            self._drop_slot(waiter.key)
        else:
            self._put_back(conn, True)
        if self._waiters:
            self._serve()

    def _close(self) -> None:
        """Close every idle connection and fail every waiter; later calls raise."""
        self._closed = True
        self._max_host = 0  # _reserve refuses every origin from now on
        for idle in self._idle.values():
            for conn in idle:
                self._forget(conn)
        self._idle.clear()
        self._idle_count = 0
        waiters = self._waiters
        while waiters:
            waiter = waiters.popleft()
            if not waiter.gone():
                waiter.error = ClientClosed(
                    "the client was closed while this request waited for a connection"
                )
                waiter.served = True
                waiter.wake()

    def _timeout_error(self, key: PoolKey, timeout: float | None) -> PoolTimeout:
        return PoolTimeout(
            f"no connection to {key[0]}://{key[1]}:{key[2]} became free within "
            f"{timeout} s ({self._total} open, limit {self._max_total}); increase "
            "Limits(max_connections=...) or Timeout(pool=...)"
        )
