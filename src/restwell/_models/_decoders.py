"""Content-Encoding decoders with bounded output.

Every decoder hands back at most ``CHUNK`` bytes per step however small its input, so a
1 MB gzip bomb that inflates to 1 GiB streams in bounded pieces (CVE-2025-66471), and a body
read whole stops at ``max_size`` (CVE-2025-69223). Chains are capped at ``MAX_CHAIN`` links
counted across all Content-Encoding fields (CVE-2025-66418, CVE-2023-23916).
gzip and deflate (zlib and raw) come from the standard library; br from the ``brotli`` package
and zstd from the standard library's ``compression.zstd`` (Python 3.14+) or its backport
``backports.zstd``, when installed (the ``brotli`` and ``zstd`` extras). Both bound their output
per step, as zlib does: ``brotli``'s ``output_buffer_limit`` and zstd's ``max_length``. (The
``zstandard`` package's streaming decompressor cannot bound one call's output, which is why the
backport is used.) ``Accept-Encoding`` lists only what is installed.
"""

from __future__ import annotations

import typing
import zlib

from ._exceptions import DecodingError

__all__ = ["ACCEPT_ENCODING", "Decoder", "decode_all", "make_decoder"]


CHUNK = 64 * 1024
MAX_CHAIN = 5


def _load(names: tuple[str, ...]) -> typing.Any:
    import importlib

    for name in names:
        try:
            return importlib.import_module(name)
        except ImportError:
            continue
    return None


def _available() -> tuple[str, ...]:
    # find_spec, not import: Accept-Encoding is known at import time without loading brotli.
    import importlib.util

    def found(name: str) -> bool:
        try:
            return importlib.util.find_spec(name) is not None
        except ModuleNotFoundError:  # the parent package of a dotted name is missing
            return False

    codings = ["gzip", "deflate"]
    if found("brotli"):
        codings.append("br")
    if found("compression.zstd") or found("backports.zstd"):
        codings.append("zstd")
    return tuple(codings)


CODINGS = _available()
ACCEPT_ENCODING = ", ".join(CODINGS)


class _ZlibDecoder:
    __slots__ = ("_fed", "_first", "_name", "_obj")

    def __init__(self, name: str) -> None:
        self._name = name
        # wbits 47 accepts gzip and zlib; deflate may also arrive raw (RFC 1951), see feed().
        self._obj = zlib.decompressobj(47 if name == "gzip" else 15)
        self._first = name == "deflate"
        self._fed = False

    def feed(self, data: bytes) -> typing.Iterator[bytes]:
        try:
            while data:
                obj = self._obj
                if obj.eof:
                    if self._name != "gzip":
                        return  # bytes after the end of a deflate stream are ignored
                    obj = self._obj = zlib.decompressobj(47)  # the next gzip member
                out = obj.decompress(data, CHUNK)
                self._first = False
                self._fed = True
                data = obj.unused_data if obj.eof else obj.unconsumed_tail
                if out:
                    yield out
        except zlib.error as exc:
            if self._first:  # deflate sent without its zlib header
                self._obj = zlib.decompressobj(-15)
                self._first = False
                yield from self.feed(data)
                return
            raise DecodingError(f"the {self._name} body is corrupt: {exc}") from None

    def flush(self) -> typing.Iterator[bytes]:
        try:
            out = self._obj.flush()
        except zlib.error as exc:
            raise DecodingError(f"the {self._name} body is corrupt: {exc}") from None
        if self._fed and not self._obj.eof:
            raise DecodingError(f"the {self._name} body ends before its compressed stream does")
        if out:
            yield out


class _BrotliDecoder:
    __slots__ = ("_fed", "_obj")

    def __init__(self) -> None:
        self._obj = _load(("brotli",)).Decompressor()
        self._fed = False

    def feed(self, data: bytes) -> typing.Iterator[bytes]:
        obj = self._obj
        try:
            if data:
                self._fed = True
                yield obj.process(data, output_buffer_limit=CHUNK)
            while not obj.can_accept_more_data():  # more output is waiting: CHUNK at a time
                yield obj.process(b"", output_buffer_limit=CHUNK)
        except Exception as exc:  # brotli.error
            raise DecodingError(f"the br body is corrupt: {exc}") from None

    def flush(self) -> typing.Iterator[bytes]:
        if self._fed and not self._obj.is_finished():
            raise DecodingError("the br body ends before its compressed stream does")
        return iter(())


class _ZstdDecoder:
    __slots__ = ("_fed", "_module", "_obj")

    def __init__(self) -> None:
        self._module = _load(("compression.zstd", "backports.zstd"))
        self._obj = self._module.ZstdDecompressor()
        self._fed = False

    def feed(self, data: bytes) -> typing.Iterator[bytes]:
        try:
            while True:
                obj = self._obj
                if obj.eof:  # another frame may follow (RFC 8878 allows several)
                    data = obj.unused_data + data
                    if not data:
                        return
                    obj = self._obj = self._module.ZstdDecompressor()
                if not data and obj.needs_input:
                    return
                out = obj.decompress(data, CHUNK)  # at most CHUNK; the rest stays inside
                data = b""
                self._fed = True
                if out:
                    yield out
                elif obj.needs_input and not obj.eof:
                    return
        except self._module.ZstdError as exc:
            raise DecodingError(f"the zstd body is corrupt: {exc}") from None

    def flush(self) -> typing.Iterator[bytes]:
        if self._fed and not self._obj.eof:
            raise DecodingError("the zstd body ends before its compressed stream does")
        return iter(())


class _IdentityDecoder:
    __slots__ = ()

    def feed(self, data: bytes) -> typing.Iterator[bytes]:
        yield data

    def flush(self) -> typing.Iterator[bytes]:
        return iter(())


_Step = typing.Union[_ZlibDecoder, _BrotliDecoder, _ZstdDecoder, _IdentityDecoder]


class Decoder:
    """Decodes a chain of content codings, the last applied decoded first."""

    __slots__ = ("_chain",)

    def __init__(self, chain: list[_Step]) -> None:
        self._chain = chain

    def feed(self, data: bytes) -> typing.Iterator[bytes]:
        return self._run(data, 0)

    def _run(self, data: bytes, index: int) -> typing.Iterator[bytes]:
        if index == len(self._chain):
            yield data
            return
        for piece in self._chain[index].feed(data):
            yield from self._run(piece, index + 1)

    def flush(self) -> typing.Iterator[bytes]:
        for index, decoder in enumerate(self._chain):
            for piece in decoder.flush():
                yield from self._run(piece, index + 1)


def make_decoder(content_encoding: str) -> Decoder | None:
    """A decoder for a Content-Encoding value, or None when the body is not encoded."""
    names = [n.strip().lower() for n in content_encoding.split(",") if n.strip()]
    names = [n for n in names if n != "identity"]
    if not names:
        return None
    if len(names) > MAX_CHAIN:
        raise DecodingError(
            f"Content-Encoding chains {len(names)} codings; at most {MAX_CHAIN} are decoded"
        )
    chain: list[_Step] = []
    for name in reversed(names):
        if name in ("gzip", "x-gzip"):
            chain.append(_ZlibDecoder("gzip"))
        elif name == "deflate":
            chain.append(_ZlibDecoder("deflate"))
        elif name == "br" and "br" in CODINGS:
            chain.append(_BrotliDecoder())
        elif name == "zstd" and "zstd" in CODINGS:
            chain.append(_ZstdDecoder())
        else:
            raise DecodingError(
                f"unsupported Content-Encoding {name!r}; restwell decodes {ACCEPT_ENCODING}"
            )
    return Decoder(chain)


def decode_all(data: bytes, content_encoding: str, max_size: int | None) -> bytes:
    fast = _one_zlib_call(data, content_encoding.strip().lower(), max_size)
    if fast is not None:
        return fast
    decoder = make_decoder(content_encoding)
    if decoder is None:
        return data
    out: list[bytes] = []
    size = 0
    for piece in _chain_iter(decoder, data):
        size += len(piece)
        if max_size is not None and size > max_size:
            raise DecodingError(
                f"the decoded body is larger than {max_size} bytes; stream it with "
                "client.stream(), or increase Limits(max_decompressed_size=...)"
            )
        out.append(piece)
    return b"".join(out)


def _one_zlib_call(data: bytes, coding: str, max_size: int | None) -> bytes | None:
    """The common case, a whole gzip or zlib-deflate body, in one bounded C call; None when it
    is anything else (raw deflate, several gzip members, corrupt, too large), which the
    general path then handles and explains."""
    if coding not in ("gzip", "x-gzip", "deflate"):
        return None
    obj = zlib.decompressobj(15 if coding == "deflate" else 47)
    try:
        out = obj.decompress(data, 0 if max_size is None else max_size + 1)
    except zlib.error:
        return None
    if not obj.eof or obj.unused_data or obj.unconsumed_tail:
        return None
    if max_size is not None and len(out) > max_size:
        return None
    return out


def _chain_iter(decoder: Decoder, data: bytes) -> typing.Iterator[bytes]:
    yield from decoder.feed(data)
    yield from decoder.flush()
