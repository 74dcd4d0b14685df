"""``Cache``: the policy knobs and the storage they apply to; ``Storage``: what a store does.

A storage keeps opaque values under string keys: a value is the head of a stored response
(``meta``, a few hundred bytes) and its body. Sync clients call ``get``/``put``/...; an
``AsyncClient`` calls the ``a``-prefixed twins, which a store may implement by running the
sync ones off the event loop. A store never raises into the caller's request for what it
finds on disk or the wire: a value it cannot read is a miss.
"""

from __future__ import annotations

import dataclasses
import time
import typing

__all__ = ["Cache", "Storage", "DEFAULT_MAX_ENTRY", "DEFAULT_MAX_HEURISTIC", "request_cache_off"]
DEFAULT_MAX_HEURISTIC = 24 * 3600.0  # a day: heuristic freshness never exceeds it
DEFAULT_MAX_ENTRY = 16 * 1024 * 1024  # bytes of body: a larger response is not stored


@typing.runtime_checkable
class Storage(typing.Protocol):
    """Where cache entries live: memory, SQLite, Redis, or a store of your own."""

    def get(self, key: str) -> tuple[bytes, bytes] | None:
        """The (meta, body) stored under ``key``, or None."""

    def put(self, key: str, meta: bytes, body: bytes, ttl: float | None = None) -> None:
        """Store (meta, body) under ``key``; ``ttl``: seconds it is worth keeping, if known."""

    def delete(self, key: str) -> None:
        """Forget ``key`` (nothing happens if it is not stored)."""

    def keys(self) -> typing.Iterator[str]:
        """Every key stored."""

    def size(self) -> int:
        """Bytes stored (meta and bodies)."""

    async def aget(self, key: str) -> tuple[bytes, bytes] | None:
        """``get`` for an AsyncClient."""

    async def aput(self, key: str, meta: bytes, body: bytes, ttl: float | None = None) -> None:
        """``put`` for an AsyncClient."""

    async def adelete(self, key: str) -> None:
        """``delete`` for an AsyncClient."""


@dataclasses.dataclass(frozen=True)
class Cache:
    """An HTTP cache (RFC 9111) for a client: ``Client(cache=restwell.Cache(storage, ...))``.

    - ``storage``: ``restwell.MemoryCache()``, ``restwell.SQLiteCache(path)``,
      ``restwell.RedisCache(url)``, or your own;
    - ``shared``: behave as a shared cache (never store ``private`` responses, nor responses
      to requests with ``Authorization`` unless the response allows it, honour ``s-maxage``);
    - ``heuristic``: give responses with ``Last-Modified`` but no explicit freshness 10% of
      their age as freshness, up to ``max_heuristic`` seconds;
    - ``cookies_in_key``: key stored responses on the request's ``Cookie`` as well as its
      ``Authorization`` (on by default: a cookie is often an identity);
    - ``max_entry_bytes``: a larger body is not stored;
    - ``clock``: seconds since the epoch (``time.time``; tests pass a fake one).
    """

    storage: typing.Any
    shared: bool = False
    heuristic: bool = True
    max_heuristic: float = DEFAULT_MAX_HEURISTIC
    cookies_in_key: bool = True
    max_entry_bytes: int = DEFAULT_MAX_ENTRY
    clock: typing.Callable[[], float] = time.time

    def clear(self) -> None:
        """Forget every stored response (sync storage calls; use it outside a request)."""
        for key in list(self.storage.keys()):
            self.storage.delete(key)


def request_cache_off(request: typing.Any) -> bool:
    """Did the call say ``cache=False`` (``Request._cache_off``, set only then)?"""
    return getattr(request, "_cache_off", False) is True
