"""The body half of ``Response``: held in memory, or read off its connection as it is
iterated; reading, iterating and closing it, sync and async.

One set of rules, whatever the body's size and however it arrived:

- Read whole (``client.get()`` and the other calls): ``content``, ``text``, ``json()`` and
  ``iter_bytes/iter_text/iter_lines`` (from memory) work. ``iter_raw()`` raises
  ``StreamConsumed``: the bytes off the wire were read already.
- Streamed (``client.stream()``, ``send(stream=True)``), before ``read()``: ``content``,
  ``text`` and ``json()`` raise ``ResponseNotRead``; ``read()`` (``await aread()``) reads the
  body and makes it a read response; each iterator reads it once, as it arrives. A body that
  came whole with the head is no exception: the transport hands it over as a stream of one
  chunk (``Buffered``), so what works does not depend on the size or the timing.
- Streamed and iterated (all or part) without ``read()``: the body was not kept, so
  ``content``, ``read()`` and a second iteration raise ``StreamConsumed``.
- Closed (the ``stream()`` block ended) before it was read: ``StreamClosed``.
"""

from __future__ import annotations

import codecs
import typing

from ._bodies import BodyDecoder, LineSplitter, Rechunker
from ._decoders import decode_all
from ._exceptions import ResponseNotRead, StreamClosed, StreamConsumed, StreamError

if typing.TYPE_CHECKING:  # pragma: no cover
    from ._sse import ServerSentEvent

__all__ = ["AsyncByteStream", "Body", "Buffered", "ByteStream", "TextDecoder"]

# With a callable default_encoding and no charset, how much of the body it is shown before
# iter_text() starts decoding: the same bytes however the network cut them.
SAMPLE = 64 * 1024


class ByteStream(typing.Protocol):
    """What a sync transport hands a Response for a streamed body: raw chunks, then close()."""

    def __iter__(self) -> typing.Iterator[bytes]: ...

    def close(self) -> None: ...


class AsyncByteStream(typing.Protocol):
    """The async twin: raw chunks by ``async for``; ``close()`` needs no await."""

    def __aiter__(self) -> typing.AsyncIterator[bytes]: ...

    def close(self) -> None: ...


class Buffered:
    """A streamed body that arrived whole with its head, handed over as one chunk, once."""

    __slots__ = ("_body",)

    def __init__(self, body: bytes) -> None:
        self._body = body

    def __iter__(self) -> typing.Iterator[bytes]:
        body, self._body = self._body, b""
        if body:
            yield body

    async def __aiter__(self) -> typing.AsyncIterator[bytes]:
        for chunk in self:
            yield chunk

    def close(self) -> None:
        self._body = b""


class TextDecoder:
    """Bytes in, text out, undecodable bytes replaced. ``pick(sample)`` names the codec;
    when it answers None for no sample (a callable ``default_encoding`` must see the body),
    the first ``SAMPLE`` bytes are held and shown to it."""

    __slots__ = ("_decoder", "_held", "_pick")

    def __init__(self, pick: typing.Callable[[bytes | None], str | None]) -> None:
        self._pick = pick
        self._held = bytearray()
        name = pick(None)
        self._decoder = None if name is None else _decoder(name)

    def feed(self, data: bytes) -> str:
        if self._decoder is not None:
            return str(self._decoder.decode(data))
        self._held += data
        return self._start() if len(self._held) >= SAMPLE else ""

    def _start(self) -> str:
        held = bytes(self._held)
        self._held = bytearray()
        self._decoder = _decoder(self._pick(held[:SAMPLE]) or "utf-8")
        return str(self._decoder.decode(held))

    def flush(self) -> str:
        text = self._start() if self._decoder is None else ""
        assert self._decoder is not None
        return text + str(self._decoder.decode(b"", final=True))


def _decoder(name: str) -> codecs.IncrementalDecoder:
    return codecs.getincrementaldecoder(name)(errors="replace")


class Body:
    """Reading, iterating and closing a response's body (``Response`` is the rest)."""

    # Class-level defaults: a response off the wire sets only what differs (hot path).
    max_decompressed_size: int | None = 256 * 1024 * 1024
    _raw_head: bytes | None = None
    _lower_head = ""  # _raw_head, lower-cased (responses off the wire)
    _raw_body: bytes | None = None  # read whole, not yet decoded
    _content: bytes | None = None  # decoded
    _stream: ByteStream | None = None
    _astream: AsyncByteStream | None = None
    _started = 0.0
    _elapsed = 0.0
    _closed = True
    _consumed = True  # the stream was (being) iterated, or there is none
    _downloaded = 0  # raw bytes taken off a stream, or of the body read whole once decoded

    def _encoding_header(self) -> str | None:
        raise NotImplementedError  # (Response: the Content-Encoding field)

    def _text_codec(self, sample: bytes | None) -> str | None:
        raise NotImplementedError  # (Response: the text encoding; None: needs a sample)

    # -- state ---------------------------------------------------------------------------------

    @property
    def is_closed(self) -> bool:
        """True once it holds no connection: a read response always, a streamed one once closed."""
        return self._closed

    @property
    def is_stream_consumed(self) -> bool:
        """True once the body was read or iterated (always, for a response not streamed)."""
        return self._consumed

    @property
    def num_bytes_downloaded(self) -> int:
        """Body bytes received as they came (compressed bytes, before decoding): the whole
        body of a response read whole; of a streamed one, what was iterated or read so far."""
        raw = self._raw_body
        return self._downloaded if raw is None else len(raw)

    def _unread(self) -> StreamError:
        """The error for ``content`` when the body is not in memory."""
        if self._consumed:
            return StreamConsumed(
                "the streamed body was iterated without read(), so it was not kept; call "
                "read() (await aread() with an AsyncClient) before iterating to keep it"
            )
        if self._closed:
            return StreamClosed("the response was closed before its body was read; read it "
                                "inside the client.stream() block")
        call = "await response.aread()" if self._astream is not None else "response.read()"
        return ResponseNotRead(
            f"inside client.stream() the body is read only when asked: call {call} first "
            "(or iterate it with the iter_*/aiter_* methods)"
        )

    def _refusal(self, name: str) -> StreamError:
        """Why ``name`` (iter_raw, read, aiter_bytes...) cannot take the body off a stream."""
        twin = self._stream if name.startswith("a") else self._astream
        if twin is not None and not self._consumed and not self._closed:
            other = name[1:] if name.startswith("a") else f"a{name}"
            client = "a sync Client" if name.startswith("a") else "an AsyncClient"
            return StreamClosed(f"this response came from {client}: use {other}()")
        if self._content is not None or self._raw_body is not None:
            return StreamConsumed(
                f"{name}() gives the bytes as they come off the connection, once, before "
                "read(); this body was read already: use iter_bytes() or .content (and "
                "client.stream() for the raw bytes)"
            )
        return self._unread() if self._consumed or self._closed else StreamClosed(
            f"this response has no body stream for {name}()")

    # -- in memory -----------------------------------------------------------------------------

    @property
    def content(self) -> bytes:
        """The body, decompressed (else DecodingError). Inside ``client.stream()``:
        ResponseNotRead until ``read()``, StreamConsumed once iterated without it."""
        if self._content is None:
            raw = self._raw_body
            if raw is None:
                raise self._unread()
            # (most heads off the wire name no coding: ruled out here without a call)
            encoding = (None if self._raw_head is not None
                        and "content-encoding" not in self._lower_head
                        else self._encoding_header())
            self._downloaded = len(raw)
            self._content = (
                decode_all(raw, encoding, self.max_decompressed_size) if encoding else raw
            )
            self._raw_body = None
        return self._content

    def read(self) -> bytes:
        """Read a streamed body to the end and close it; return ``content`` (for any response).
        StreamConsumed once the body was iterated without it."""
        if self._content is None and self._raw_body is None:
            decode = self._whole_decoder()
            pieces = [piece for chunk in self._wire("read") for piece in decode.feed(chunk)]
            self._content = b"".join([*pieces, *decode.flush()])
        return self.content

    def _whole_decoder(self) -> BodyDecoder:
        return BodyDecoder(self._encoding_header(), None, self.max_decompressed_size)

    # -- iterating -----------------------------------------------------------------------------

    def _wire(self, name: str) -> typing.Iterator[bytes]:
        """The raw chunks off the stream, once; the response is closed at the end."""
        stream = self._stream
        if stream is None or self._consumed or self._closed:
            raise self._refusal(name)
        self._consumed = True
        try:
            for chunk in stream:
                self._downloaded += len(chunk)
                yield chunk
        finally:
            self.close()

    def iter_raw(self, chunk_size: int | None = None) -> typing.Iterator[bytes]:
        """A streamed body still content-encoded, as it comes off the connection, once (then
        closed); StreamConsumed for a body already read."""
        rechunk = Rechunker(chunk_size)
        for chunk in self._wire("iter_raw"):
            yield from rechunk.feed(chunk)
        yield from rechunk.flush()

    def iter_bytes(self, chunk_size: int | None = None) -> typing.Iterator[bytes]:
        """The body decompressed, in ``chunk_size`` pieces; a streamed one as it arrives, once
        (a read one from memory, as often as asked)."""
        if self._content is not None:
            yield from Rechunker(chunk_size).all([self._content])
            return
        decode = BodyDecoder(self._encoding_header(), chunk_size)
        raw = self._raw_body
        for chunk in [raw] if raw is not None else self._wire("iter_bytes"):
            yield from decode.feed(chunk)
        yield from decode.flush()

    def iter_text(self, chunk_size: int | None = None) -> typing.Iterator[str]:
        """``iter_bytes()`` as text in ``encoding``; bytes that do not decode are replaced."""
        decoder = TextDecoder(self._text_codec)
        for chunk in self.iter_bytes(chunk_size):
            text = decoder.feed(chunk)
            if text:
                yield text
        tail = decoder.flush()
        if tail:
            yield tail

    def iter_lines(self) -> typing.Iterator[str]:
        """``iter_text()`` cut into lines at ``\\n``, ``\\r\\n`` and ``\\r`` only (not U+2028
        and the other breaks ``str.splitlines`` knows), without their endings."""
        lines = LineSplitter()
        for text in self.iter_text():
            yield from lines.feed(text)
        yield from lines.flush()

    def iter_sse(self) -> typing.Iterator[ServerSentEvent]:
        """The body as Server-Sent Events (always UTF-8, whatever ``encoding`` says), each
        dispatched by its blank line; an event the stream ends before is dropped."""
        from ._sse import SSEParser  # (here: import restwell does not load it)

        decoder, lines, parser = codecs.getincrementaldecoder("utf-8")("replace"), \
            LineSplitter(), SSEParser()
        for chunk in self.iter_bytes():
            for line in lines.feed(decoder.decode(chunk)):
                event = parser.feed(line)
                if event is not None:
                    yield event

    def close(self) -> None:
        """Release the connection; a streamed body not read to the end closes it, never reused."""
        if not self._closed:
            self._closed = True
            stream = self._stream if self._stream is not None else self._astream
            if stream is not None:
                stream.close()
            if self._started and not self._elapsed:
                import time

                self._elapsed = time.perf_counter() - self._started

    def __enter__(self) -> typing.Self:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    # -- the async twins (a response from an AsyncClient) --------------------------------------

    async def aread(self) -> bytes:
        """``read()`` for a response from an AsyncClient."""
        if self._content is None and self._raw_body is None:
            decode = self._whole_decoder()
            pieces = [piece async for chunk in self._awire("aread") for piece in decode.feed(chunk)]
            self._content = b"".join([*pieces, *decode.flush()])
        return self.content

    async def _awire(self, name: str) -> typing.AsyncIterator[bytes]:
        """``_wire`` for an AsyncClient's stream."""
        stream = self._astream
        if stream is None or self._consumed or self._closed:
            raise self._refusal(name)
        self._consumed = True
        try:
            async for chunk in stream:
                self._downloaded += len(chunk)
                yield chunk
        finally:
            self.close()

    async def aiter_raw(self, chunk_size: int | None = None) -> typing.AsyncIterator[bytes]:
        """``iter_raw()`` for a response from an AsyncClient."""
        rechunk = Rechunker(chunk_size)
        async for chunk in self._awire("aiter_raw"):
            for piece in rechunk.feed(chunk):
                yield piece
        for piece in rechunk.flush():
            yield piece

    async def aiter_bytes(self, chunk_size: int | None = None) -> typing.AsyncIterator[bytes]:
        """``iter_bytes()`` for a response from an AsyncClient."""
        if self._content is not None or self._raw_body is not None:
            for chunk in self.iter_bytes(chunk_size):  # (from memory: nothing to await)
                yield chunk
            return
        decode = BodyDecoder(self._encoding_header(), chunk_size)
        async for chunk in self._awire("aiter_bytes"):
            for piece in decode.feed(chunk):
                yield piece
        for piece in decode.flush():
            yield piece

    async def aiter_text(self, chunk_size: int | None = None) -> typing.AsyncIterator[str]:
        """``iter_text()`` for a response from an AsyncClient."""
        decoder = TextDecoder(self._text_codec)
        async for chunk in self.aiter_bytes(chunk_size):
            text = decoder.feed(chunk)
            if text:
                yield text
        tail = decoder.flush()
        if tail:
            yield tail

    async def aiter_lines(self) -> typing.AsyncIterator[str]:
        """``iter_lines()`` for a response from an AsyncClient."""
        lines = LineSplitter()
        async for text in self.aiter_text():
            for line in lines.feed(text):
                yield line
        for line in lines.flush():
            yield line

    async def aiter_sse(self) -> typing.AsyncIterator[ServerSentEvent]:
        """``iter_sse()`` for a response from an AsyncClient."""
        from ._sse import SSEParser  # (here: import restwell does not load it)

        decoder, lines, parser = codecs.getincrementaldecoder("utf-8")("replace"), \
            LineSplitter(), SSEParser()
        async for chunk in self.aiter_bytes():
            for line in lines.feed(decoder.decode(chunk)):
                event = parser.feed(line)
                if event is not None:
                    yield event

    async def aclose(self) -> None:
        """``close()``, to await in async code (closing never blocks)."""
        self.close()

    async def __aenter__(self) -> typing.Self:
        return self

    async def __aexit__(self, *args: object) -> None:
        self.close()

