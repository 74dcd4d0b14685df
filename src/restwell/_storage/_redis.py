"""``RedisCache``: entries in a Redis server, shared by every process and machine that points
at it (redis-py, the ``restwell[redis]`` extra; ``redis.asyncio`` for an AsyncClient).

- one Redis string per entry, ``prefix + key``, holding the meta and the body with their
  lengths (``_pack``): a single ``SET`` writes both, so a reader never sees one put's meta
  with another's body, and a value that does not unpack whole is a miss;
- the ``ttl`` the cache passes (how long the entry is worth keeping: its freshness and the
  windows it may still be used stale in) becomes the key's expiry (``SET ... PX``), so Redis
  forgets what no request can use; with no ttl the key stays until deleted (or until Redis's
  own ``maxmemory-policy`` evicts it);
- an entry (meta and body) over ``max_entry_bytes`` is not stored, and replaces nothing;
- ``keys()`` walks the prefix with ``SCAN`` (never ``KEYS``, which blocks the server);
  ``size()`` is the bytes of this cache's keys and values (``STRLEN`` over that walk);
- a Redis that is down, slow past ``timeout`` or answers with an error is a miss (or a write
  dropped), never an exception in the caller's request; after a failure the store does not
  ask again for ``DOWN_PAUSE`` seconds, so a dead server costs one timeout, not one per call.

redis is imported on first use: ``import restwell`` never imports it.
"""

from __future__ import annotations

import struct
import threading
import time
import typing

if typing.TYPE_CHECKING:  # pragma: no cover
    import asyncio

__all__ = ["RedisCache"]
DEFAULT_MAX_ENTRY = 16 * 1024 * 1024  # as the cache's own bound on a body
DEFAULT_TIMEOUT = 1.0
DOWN_PAUSE = 1.0  # seconds a failed Redis is left alone: its calls are misses meanwhile
_MAGIC = b"rw1"
_HEAD = struct.Struct(">3sII")  # magic, meta length, body length
_SCAN_COUNT = 500
T = typing.TypeVar("T")
_MISSING = ("RedisCache needs redis-py: pip install 'restwell[redis]' (or pip install "
            "'redis>=5')")


def _redis() -> typing.Any:
    try:
        import redis
    except ImportError as exc:  # pragma: no cover - tested with the import blocked
        raise ImportError(_MISSING) from exc
    return redis


def _pack(meta: bytes, body: bytes) -> bytes:
    return b"".join((_HEAD.pack(_MAGIC, len(meta), len(body)), meta, body))


def _unpack(value: typing.Any) -> tuple[bytes, bytes] | None:
    """(meta, body) from a stored value; None for what is not one whole value of ours."""
    if not isinstance(value, bytes) or len(value) < _HEAD.size:
        return None
    magic, meta_length, body_length = _HEAD.unpack_from(value)
    if magic != _MAGIC or len(value) != _HEAD.size + meta_length + body_length:
        return None
    start = _HEAD.size + meta_length
    return value[_HEAD.size:start], value[start:]


def _glob(prefix: str) -> str:
    """A SCAN pattern matching every key under ``prefix`` (its glob characters escaped)."""
    return "".join("\\" + c if c in "*?[]\\" else c for c in prefix) + "*"


class RedisCache:
    """Cache storage in Redis, shared by every process and machine using that server.

    ``RedisCache("redis://localhost:6379/0")``, or a client you made: a ``redis.Redis``
    (an AsyncClient then runs its calls in worker threads) or a ``redis.asyncio.Redis``
    (a sync Client then gets a blocking client with the same connection settings).

    - ``prefix``: the start of every key this cache writes (and the only keys it reads,
      lists and counts), so one Redis can hold several caches and other data;
    - ``max_entry_bytes``: an entry whose meta and body together are larger is not stored;
    - ``timeout``: seconds a Redis call may take (connecting, then each command) before it
      is a miss; used for the clients made from a URL.
    """

    def __init__(self, url_or_client: typing.Any, prefix: str = "restwell:",
                 max_entry_bytes: int = DEFAULT_MAX_ENTRY,
                 timeout: float = DEFAULT_TIMEOUT) -> None:
        redis = _redis()
        self.prefix = prefix
        self.max_entry_bytes = max_entry_bytes
        self.timeout = timeout
        self._url: str | None = None
        self._given_async: typing.Any = None
        self._async_clients: dict[asyncio.AbstractEventLoop, typing.Any] = {}
        self._lock = threading.Lock()
        self._down_until = 0.0
        if isinstance(url_or_client, str):
            self._url = url_or_client
            self._sync = redis.Redis.from_url(
                url_or_client, socket_timeout=timeout, socket_connect_timeout=timeout)
        elif isinstance(url_or_client, redis.Redis):
            self._sync = url_or_client
        elif _is_async_client(url_or_client):
            self._given_async = url_or_client
            self._sync = _sync_twin(redis, url_or_client)
        else:
            raise TypeError(f"RedisCache takes a redis:// URL, a redis.Redis or a "
                            f"redis.asyncio.Redis; got {type(url_or_client).__name__}")

    def __repr__(self) -> str:
        where = self._url if self._url is not None else repr(self._sync)
        return f"<RedisCache {where} prefix={self.prefix!r}>"

    # -- failures: a miss, and a pause before the next try --

    def _up(self) -> bool:
        return time.monotonic() >= self._down_until

    def _failed(self) -> None:
        self._down_until = time.monotonic() + DOWN_PAUSE

    def _errors(self) -> tuple[type[BaseException], ...]:
        return (_redis().RedisError, OSError, ValueError, TypeError, struct.error)

    # -- sync --

    def get(self, key: str) -> tuple[bytes, bytes] | None:
        """The (meta, body) stored under ``key``; None when it is not stored, has expired,
        does not unpack whole, or Redis cannot be asked."""
        if not self._up():
            return None
        try:
            return _unpack(self._sync.get(self.prefix + key))
        except self._errors():
            self._failed()
            return None

    def _write(self, meta: bytes, body: bytes,
               ttl: float | None) -> tuple[bytes, dict[str, int]] | None:
        """What a put sets: the value and its expiry, or None: delete the key instead (too
        large, or already expired: not stored, and the older entry is not kept either)."""
        if len(meta) + len(body) > self.max_entry_bytes or (ttl is not None and ttl <= 0):
            return None
        return _pack(meta, body), ({} if ttl is None else {"px": max(1, int(ttl * 1000))})

    def put(self, key: str, meta: bytes, body: bytes, ttl: float | None = None) -> None:
        """Store (meta, body) under ``key`` in one ``SET``, expiring after ``ttl`` seconds
        (none: kept until deleted); too large an entry, or a ttl already past, is not stored.
        A failed write is dropped."""
        if not self._up():
            return
        what = self._write(meta, body, ttl)
        try:
            if what is not None:
                self._sync.set(self.prefix + key, what[0], **what[1])
            else:
                self._sync.delete(self.prefix + key)
        except self._errors():
            self._failed()

    def delete(self, key: str) -> None:
        """Forget ``key``."""
        if not self._up():
            return
        try:
            self._sync.delete(self.prefix + key)
        except self._errors():
            self._failed()

    def _scan(self) -> typing.Iterator[bytes]:
        return typing.cast(typing.Iterator[bytes], self._sync.scan_iter(
            match=_glob(self.prefix), count=_SCAN_COUNT))

    def keys(self) -> typing.Iterator[str]:
        """Every key stored under this cache's prefix, found with ``SCAN`` (a snapshot; none
        when Redis cannot be asked)."""
        if not self._up():
            return iter([])
        try:
            found = [self._name(raw) for raw in self._scan()]
        except self._errors():
            self._failed()
            found = []
        return iter([name for name in found if name is not None])

    def _name(self, raw: bytes) -> str | None:
        try:
            return raw.decode()[len(self.prefix):]
        except UnicodeDecodeError:
            return None  # not a key this cache wrote

    def size(self) -> int:
        """Bytes stored under this cache's prefix: its keys and values (meta, body and a
        header of 11 bytes each), as ``STRLEN`` reports them; Redis's own overhead per key
        is not counted. It walks every key (``SCAN``), so it costs one round trip per 500
        entries. 0 when Redis cannot be asked."""
        if not self._up():
            return 0
        try:
            keys = list(self._scan())
            total = 0
            for start in range(0, len(keys), _SCAN_COUNT):
                batch = keys[start:start + _SCAN_COUNT]
                pipe = self._sync.pipeline(transaction=False)
                for raw in batch:
                    pipe.strlen(raw)
                lengths = pipe.execute()
                total += sum(len(raw) + n for raw, n in zip(batch, lengths, strict=True) if n)
            return total
        except self._errors():
            self._failed()
            return 0

    def clear(self) -> None:
        """Forget every entry under this cache's prefix (other keys in the Redis stay)."""
        for key in list(self.keys()):
            self.delete(key)

    def close(self) -> None:
        """Close the connections this store made (a client you passed in stays yours)."""
        if self._url is not None:
            self._sync.close()

    # -- async: redis.asyncio, one client per event loop --

    async def _async(self) -> typing.Any:
        """The async client for the running loop, or None: use the sync one in a thread.

        A client made from the URL belongs to one event loop (its connections do), so each
        loop gets its own, held by an async generator of that loop: ``asyncio.run`` (and any
        runner) finalizes a loop's async generators before closing it, and that one closes
        the client then, so no connection outlives its loop (``aclose()`` does it sooner)."""
        if self._given_async is not None:
            return self._given_async
        if self._url is None:
            return None
        import asyncio

        import redis.asyncio

        loop = asyncio.get_running_loop()
        held = self._async_clients.get(loop)
        if held is None:
            client = redis.asyncio.Redis.from_url(
                self._url, socket_timeout=self.timeout, socket_connect_timeout=self.timeout)
            holder = _held(client)
            await holder.__anext__()  # started (without suspending): the loop finalizes it
            held = (client, holder)
            with self._lock:
                for old in [old for old in self._async_clients if old.is_closed()]:
                    del self._async_clients[old]  # (its connections died with it)
                self._async_clients[loop] = held
        return held[0]

    async def aclose(self) -> None:
        """Close the running event loop's connections (new ones open if it is used again)."""
        import asyncio

        with self._lock:
            held = self._async_clients.pop(asyncio.get_running_loop(), None)
        if held is not None:
            await held[1].aclose()  # (which closes the client)

    async def aget(self, key: str) -> tuple[bytes, bytes] | None:
        """``get`` for an AsyncClient (redis.asyncio: the event loop never blocks)."""
        client = await self._async()
        if client is None:
            return await _in_thread(self.get, key)
        if not self._up():
            return None
        try:
            return _unpack(await client.get(self.prefix + key))
        except self._errors():
            self._failed()
            return None

    async def aput(self, key: str, meta: bytes, body: bytes, ttl: float | None = None) -> None:
        """``put`` for an AsyncClient."""
        client = await self._async()
        if client is None:
            await _in_thread(self.put, key, meta, body, ttl)
            return
        if not self._up():
            return
        what = self._write(meta, body, ttl)
        try:
            if what is not None:
                await client.set(self.prefix + key, what[0], **what[1])
            else:
                await client.delete(self.prefix + key)
        except self._errors():
            self._failed()

    async def adelete(self, key: str) -> None:
        """``delete`` for an AsyncClient."""
        client = await self._async()
        if client is None:
            await _in_thread(self.delete, key)
            return
        if not self._up():
            return
        try:
            await client.delete(self.prefix + key)
        except self._errors():
            self._failed()

    async def akeys(self) -> list[str]:
        """``keys`` for an AsyncClient, as a list."""
        client = await self._async()
        if client is None:
            return list(await _in_thread(self.keys))
        if not self._up():
            return []
        try:
            found = [self._name(raw) async for raw in client.scan_iter(
                match=_glob(self.prefix), count=_SCAN_COUNT)]
        except self._errors():
            self._failed()
            return []
        return [name for name in found if name is not None]

    async def asize(self) -> int:
        """``size`` for an AsyncClient (in a worker thread: it walks every key)."""
        return await _in_thread(self.size)


async def _held(client: typing.Any) -> typing.AsyncIterator[typing.Any]:
    """Holds ``client`` until its loop finalizes async generators, then closes it."""
    try:
        yield client
    finally:
        await client.aclose()


async def _in_thread(call: typing.Callable[..., T], *args: typing.Any) -> T:
    import asyncio

    return await asyncio.to_thread(call, *args)


def _is_async_client(value: typing.Any) -> bool:
    import sys

    module = sys.modules.get("redis.asyncio")  # (loaded if there is such a client at all)
    return module is not None and isinstance(value, module.Redis)


def _sync_twin(redis: typing.Any, client: typing.Any) -> typing.Any:
    """A blocking client with the connection settings of a ``redis.asyncio.Redis``."""
    pool = client.connection_pool
    connection_class = getattr(redis.connection, pool.connection_class.__name__, None)
    if connection_class is None:
        raise TypeError(f"RedisCache cannot make a blocking twin of a redis.asyncio client "
                        f"with {pool.connection_class.__name__} connections: pass a redis:// "
                        f"URL instead")
    kwargs = {k: v for k, v in pool.connection_kwargs.items()
              if k not in ("retry", "redis_connect_func", "event_dispatcher")}
    return redis.Redis(connection_pool=redis.ConnectionPool(
        connection_class=connection_class, **kwargs))
