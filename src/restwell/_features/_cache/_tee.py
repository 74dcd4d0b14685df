"""Storing a streamed response as the caller reads it.

``Tee`` (and ``AsyncTee``) sit between a response and its connection's body stream: each
chunk goes on to the caller and is kept; when the stream ends cleanly, the kept body is
written to the storage with the entry's meta and index. A body cut off (the connection's
stream raises), closed early (iteration stops before the end) or larger than the cache's
limit is never written. These are the only cache writes that happen outside the flow, since
they happen as the caller reads; a failed write is dropped, never raised.
"""

from __future__ import annotations

import typing

__all__ = ["Tee", "AsyncTee"]
MetaOf = typing.Callable[[], list[tuple[str, bytes, float]]]


class _Kept:
    """The chunks read so far, until they pass the limit."""

    def __init__(self, limit: int) -> None:
        self.limit = limit
        self.pieces: list[bytes] | None = []
        self.size = 0

    def add(self, chunk: bytes) -> None:
        if self.pieces is not None:
            self.size += len(chunk)
            if self.size > self.limit:
                self.pieces = None  # too large to store: stop keeping it
            else:
                self.pieces.append(chunk)


class Tee:
    """A sync body stream that stores what passes through it once it ends cleanly."""

    def __init__(self, inner: typing.Any, limit: int,
                 put: typing.Callable[..., typing.Any], meta_of: MetaOf) -> None:
        self._inner, self._limit, self._put, self._meta_of = inner, limit, put, meta_of

    def __iter__(self) -> typing.Iterator[bytes]:
        kept = _Kept(self._limit)
        for chunk in self._inner:
            kept.add(chunk)
            yield chunk
        if kept.pieces is not None:
            (key, meta, ttl), (primary, index, index_ttl) = self._meta_of()
            try:
                self._put(key, meta, b"".join(kept.pieces), ttl)
                self._put(primary, index, b"", index_ttl)
            except Exception:  # (a cache never fails the caller's read)
                pass

    def close(self) -> None:
        """Close the connection's stream."""
        self._inner.close()


class AsyncTee:
    """``Tee`` for a response from an AsyncClient: the storage's async writes."""

    def __init__(self, inner: typing.Any, limit: int,
                 put: typing.Callable[..., typing.Any], meta_of: MetaOf) -> None:
        self._inner, self._limit, self._put, self._meta_of = inner, limit, put, meta_of

    async def __aiter__(self) -> typing.AsyncIterator[bytes]:
        kept = _Kept(self._limit)
        async for chunk in self._inner:
            kept.add(chunk)
            yield chunk
        if kept.pieces is not None:
            (key, meta, ttl), (primary, index, index_ttl) = self._meta_of()
            try:
                await self._put(key, meta, b"".join(kept.pieces), ttl)
                await self._put(primary, index, b"", index_ttl)
            except Exception:  # (a cache never fails the caller's read)
                pass

    def close(self) -> None:
        """Close the connection's stream."""
        self._inner.close()
