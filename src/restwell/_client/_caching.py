"""The client's ``cache=`` setting, resolved once at construction, and a call's ``cache=``."""

from __future__ import annotations

import os
import typing

from .._models._request import Request

if typing.TYPE_CHECKING:  # pragma: no cover
    from .._features._cache._config import Cache, Storage

__all__ = ["CacheTypes", "to_cache", "per_call"]
CacheTypes = typing.Union[bool, str, "os.PathLike[str]", "Cache", "Storage", None]


def to_cache(cache: CacheTypes) -> Cache | None:
    """``cache=``: None or False (off), True (in memory), a path (a SQLite file), a storage
    (``MemoryCache``, ``SQLiteCache``, ``RedisCache``, your own) with the default policy, or a
    ``Cache``. An AsyncClient calls the storage's async twins (``_exchange._Store``)."""
    if cache is None or cache is False:
        return None
    # Here, not at the top: a client without a cache loads none of it (Cache is a dataclass).
    from .._features._cache._config import Cache, Storage
    from .._storage._memory import MemoryCache
    from .._storage._sqlite import SQLiteCache

    if cache is True:
        return Cache(MemoryCache())
    if isinstance(cache, Cache):
        return cache
    if isinstance(cache, (str, os.PathLike)):
        return Cache(SQLiteCache(cache))
    if isinstance(cache, Storage):
        return Cache(cache)
    raise TypeError(
        f"cache= takes True, a path to a SQLite file, restwell.MemoryCache(...), "
        f"restwell.SQLiteCache(...), restwell.RedisCache(...), a storage of your own or "
        f"restwell.Cache(...); "
        f"got {type(cache).__name__}"
    )


def per_call(request: Request, cache: typing.Any) -> Request:
    """A call's ``cache=False``: this request neither reads nor fills the client's cache."""
    if cache is False:
        request._cache_off = True
    elif cache is not True:
        raise TypeError(f"a call's cache= is True or False, not {cache!r}")
    return request
