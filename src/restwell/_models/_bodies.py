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
        if size is not None and size < 1:  # (0 would cut empty pieces forever)
            raise ValueError(f"chunk_size must be a positive number of bytes or None, not {size}")
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
                "iter_bytes() instead of read(), or increase Limits(max_decompressed_size=...)"
            )
        return self._rechunk.feed(data)


class LineSplitter:
    """Text in, whole lines out, without their line ending. A line ends at ``\n``, ``\r\n``
    or ``\r`` only: not at the other breaks ``str.splitlines`` knows (U+2028, U+2029, U+0085,
    ``\x0b``, ``\x0c``, ``\x1c``-``\x1e``), which JSON allows inside strings. The text may be
    cut anywhere, a CRLF included: a CR that ends one piece ends its line at once, and an LF
    that starts the next piece is then its second half, not an empty line. Pure: the sync and
    async iterators of ``Response`` both feed it."""

    __slots__ = ("_after_cr", "_pending")

    def __init__(self) -> None:
        self._pending: list[str] = []  # the start of a line not ended yet
        self._after_cr = False  # the last piece ended with CR: an LF next belongs to it

    def feed(self, text: str) -> list[str]:
        if self._after_cr and text:
            self._after_cr = False
            if text[0] == "\n":
                text = text[1:]
        if not text:
            return []
        self._after_cr = text[-1] == "\r"
        parts = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
        pending = self._pending
        if len(parts) == 1:  # no line ended: a long line costs no rescan
            pending.append(text)
            return []
        last = parts.pop()
        if pending:
            parts[0] = "".join(pending) + parts[0]
            pending.clear()
        if last:
            pending.append(last)
        return parts

    def flush(self) -> list[str]:
        tail = "".join(self._pending)
        self._pending = []
        self._after_cr = False
        return [tail] if tail else []

