"""The pool's books: idle connections and reserved slots by origin, shared by both pools.

Pure bookkeeping, no locks and no waiting: ``ConnectionPool`` (threads) and
``AsyncConnectionPool`` (asyncio) wrap the same ``PoolBook`` and differ only in how a caller
waits for a connection or a slot to free.
"""

from __future__ import annotations

import time
import typing

from .._models._config import Limits
from .._models._exceptions import ClientClosed, PoolTimeout

__all__ = ["PoolBook", "PoolKey", "PooledConnection"]

_monotonic = time.monotonic


PoolKey = typing.Tuple[typing.Any, ...]


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
