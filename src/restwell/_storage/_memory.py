"""``MemoryCache``: entries in this process's memory, least recently used first out when the
bytes stored pass the bound."""

from __future__ import annotations

import collections
import threading
import typing

__all__ = ["MemoryCache"]
DEFAULT_MAX_BYTES = 64 * 1024 * 1024


class MemoryCache:
    """Cache storage in memory, bounded by bytes (least recently used evicted first); shared
    by the threads of one process. ``Client(cache=restwell.MemoryCache(max_bytes=...))``."""

    def __init__(self, max_bytes: int = DEFAULT_MAX_BYTES) -> None:
        self.max_bytes = max_bytes
        self._entries: collections.OrderedDict[str, tuple[bytes, bytes]] = (
            collections.OrderedDict())
        self._bytes = 0
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<MemoryCache {len(self._entries)} entries, {self._bytes} bytes>"

    def get(self, key: str) -> tuple[bytes, bytes] | None:
        """The (meta, body) stored under ``key``, or None."""
        with self._lock:
            value = self._entries.get(key)
            if value is not None:
                self._entries.move_to_end(key)
            return value

    def put(self, key: str, meta: bytes, body: bytes, ttl: float | None = None) -> None:
        """Store (meta, body) under ``key``, evicting the least recently used past the bound
        (a value larger than the bound is not stored)."""
        size = len(key) + len(meta) + len(body)
        with self._lock:
            self._drop(key)
            if size > self.max_bytes:
                return
            self._entries[key] = (meta, body)
            self._bytes += size
            while self._bytes > self.max_bytes:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: str) -> None:
        value = self._entries.pop(key, None)
        if value is not None:
            self._bytes -= len(key) + len(value[0]) + len(value[1])

    def delete(self, key: str) -> None:
        """Forget ``key``."""
        with self._lock:
            self._drop(key)

    def keys(self) -> typing.Iterator[str]:
        """Every key stored (a snapshot)."""
        with self._lock:
            return iter(list(self._entries))

    def size(self) -> int:
        """Bytes stored: keys, meta and bodies."""
        return self._bytes

    def clear(self) -> None:
        """Forget everything."""
        with self._lock:
            self._entries.clear()
            self._bytes = 0

    async def aget(self, key: str) -> tuple[bytes, bytes] | None:
        """``get`` for an AsyncClient (memory does not block: no thread is used)."""
        return self.get(key)

    async def aput(self, key: str, meta: bytes, body: bytes, ttl: float | None = None) -> None:
        """``put`` for an AsyncClient."""
        self.put(key, meta, body, ttl)

    async def adelete(self, key: str) -> None:
        """``delete`` for an AsyncClient."""
        self.delete(key)
