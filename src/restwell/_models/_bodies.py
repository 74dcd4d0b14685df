"""Response bodies in pieces: re-cutting, decoding and line splitting, shared by the sync and
async iterators of ``Response`` (each feeds chunks in and yields what comes out)."""

from __future__ import annotations

import typing

from ._decoders import Decoder, make_decoder
from ._exceptions import DecodingError

__all__ = ["BodyDecoder", "LineSplitter", "Rechunker"]


class Rechunker:
    """Re-cuts a stream of chunks into pieces of ``size`` bytes (or passes them on as they
    are when size is None); the sync and async iterators share it."""

    __slots__ = ("_buffer", "_size")

    def __init__(self, size: int | None) -> None:
        self._size = size
        self._buffer = bytearray()

    def feed(self, chunk: bytes) -> list[bytes]:
        size = self._size
        if size is None:
            return [chunk] if chunk else []
        buffer = self._buffer
        buffer += chunk
        pieces = []
        while len(buffer) >= size:
            pieces.append(bytes(buffer[:size]))
            del buffer[:size]
        return pieces

    def flush(self) -> list[bytes]:
        tail, self._buffer = bytes(self._buffer), bytearray()
        return [tail] if tail else []

    def all(self, chunks: list[bytes]) -> list[bytes]:
        return [piece for chunk in chunks for piece in self.feed(chunk)] + self.flush()


class BodyDecoder:
    """Content-decoding then rechunking, fed raw chunks; output is produced lazily, in pieces
    of bounded size, and its total is capped at ``max_size`` when one is given."""

    __slots__ = ("_decoder", "_max", "_rechunk", "_size")

    def __init__(
        self, encoding: str | None, chunk_size: int | None, max_size: int | None = None
    ) -> None:
        self._decoder: Decoder | None = make_decoder(encoding) if encoding else None
        self._rechunk = Rechunker(chunk_size)
        self._max = max_size if self._decoder is not None else None
        self._size = 0

    def feed(self, raw: bytes) -> typing.Iterator[bytes]:
        if self._decoder is None:
            yield from self._rechunk.feed(raw)
            return
        for out in self._decoder.feed(raw):
            yield from self._out(out)

    def flush(self) -> typing.Iterator[bytes]:
        if self._decoder is not None:
            for out in self._decoder.flush():
                yield from self._out(out)
        yield from self._rechunk.flush()

    def _out(self, data: bytes) -> list[bytes]:
        self._size += len(data)
        if self._max is not None and self._size > self._max:
            raise DecodingError(
                f"the decoded body is larger than {self._max} bytes; iterate it with "
                "iter_bytes() instead of read(), or raise Limits(max_decompressed_size=...)"
            )
        return self._rechunk.feed(data)


class LineSplitter:
    """Text in, whole lines out (without their line ending)."""

    __slots__ = ("_pending",)

    def __init__(self) -> None:
        self._pending = ""

    def feed(self, text: str) -> list[str]:
        lines = (self._pending + text).splitlines(keepends=True)
        self._pending = lines.pop() if lines and not lines[-1].endswith(("\n", "\r")) else ""
        return [line.rstrip("\r\n") for line in lines]

    def flush(self) -> list[str]:
        tail, self._pending = self._pending, ""
        return [tail] if tail else []
