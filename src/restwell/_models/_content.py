"""Request bodies: ``json=``, ``data=`` and ``content=`` turned into bytes or a stream.

A body is either ``bytes`` (sent with the head in one write when small) or a ``BodyStream``:
a file (sent with ``socket.sendfile`` where the OS allows) or an iterator of bytes. A stream
of unknown length goes out chunked. Whether a stream can be sent twice (for a stale-connection
retry, later a redirect) is decided here: files can seek back, iterators cannot.
"""

from __future__ import annotations

import io
import os
import typing

from ._exceptions import StreamConsumed
from ._json import dumps
from ._multipart import MultipartBody, RequestFiles
from ._urls import encode_form

__all__ = [
    "BodyStream", "encode_body", "with_progress", "RequestContent", "RequestData", "RequestFiles"
]


RequestContent = typing.Union[
    bytes, str, typing.IO[bytes], typing.Iterable[bytes], typing.AsyncIterable[bytes]
]
RequestData = typing.Union[
    typing.Mapping[str, typing.Any], typing.Sequence[typing.Tuple[str, typing.Any]], bytes, str
]


class BodyStream:
    """A request body that is read as it is sent."""

    __slots__ = ("_start", "_used", "length", "progress", "source")

    def __init__(self, source: typing.Any, length: int | None) -> None:
        self.source = source
        self.length = length
        # progress(sent, total): called after each chunk is handed to the connection.
        self.progress: typing.Callable[[int, int | None], typing.Any] | None = None
        self._used = False
        self._start: int | None = None
        if hasattr(source, "seek") and hasattr(source, "tell"):
            try:
                self._start = source.tell()
            except (OSError, io.UnsupportedOperation):
                self._start = None

    def __getstate__(self) -> dict[str, typing.Any]:
        # A pickled request keeps its body's length, not the file or iterator: sending it
        # again raises StreamConsumed, as a spent iterator does.
        return {"length": self.length}

    def __setstate__(self, state: dict[str, typing.Any]) -> None:
        self.source, self.length, self.progress = None, state["length"], None
        self._used, self._start = True, None

    @property
    def is_file(self) -> bool:
        return hasattr(self.source, "read")

    @property
    def is_async(self) -> bool:
        return hasattr(self.source, "__aiter__") and not hasattr(self.source, "__iter__")

    @property
    def rewindable(self) -> bool:
        return self._start is not None or not self._used

    def rewind(self) -> None:
        """Make the stream ready to be sent (again)."""
        if not self._used:
            self._used = True
            return
        if self._start is None:
            raise StreamConsumed(
                "the request body is a one-shot iterator that was already sent; pass bytes "
                "or a file to allow it to be sent again"
            )
        self.source.seek(self._start)

    def iter_chunks(self, size: int = 256 * 1024) -> typing.Iterator[bytes]:
        chunks = self._chunks(size)
        progress = self.progress
        if progress is None:
            return chunks
        return self._reporting(chunks, progress)

    def _reporting(
        self, chunks: typing.Iterator[bytes], progress: typing.Callable[[int, int | None], object]
    ) -> typing.Iterator[bytes]:
        sent = 0
        for chunk in chunks:
            yield chunk
            sent += len(chunk)
            progress(sent, self.length)

    def _chunks(self, size: int) -> typing.Iterator[bytes]:
        if self.is_file:
            read = self.source.read
            while True:
                chunk = read(size)
                if not chunk:
                    return
                yield chunk.encode("utf-8") if isinstance(chunk, str) else chunk
        else:
            if self.is_async:
                raise TypeError("an async iterator body can only be sent by an AsyncClient")
            for chunk in self.source:
                data = _check_chunk(chunk)
                if data:
                    yield data


    async def aiter_chunks(self, size: int = 256 * 1024) -> typing.AsyncIterator[bytes]:
        """The chunks for an async sender: async iterables as well as everything above."""
        if not hasattr(self.source, "__aiter__"):
            for chunk in self.iter_chunks(size):
                yield chunk
            return
        progress = self.progress
        sent = 0
        async for chunk in self.source:
            data = _check_chunk(chunk)
            if data:  # an empty chunk would end a chunked body early
                yield data
                sent += len(data)
                if progress is not None:
                    progress(sent, self.length)


def with_progress(
    body: bytes | BodyStream, progress: typing.Callable[[int, int | None], typing.Any]
) -> BodyStream:
    """The body as a stream that reports each chunk sent (bytes go out in slices then)."""
    stream = BodyStream(io.BytesIO(body), len(body)) if isinstance(body, bytes) else body
    stream.progress = progress
    return stream


def _check_chunk(chunk: typing.Any) -> bytes:
    if isinstance(chunk, str):
        return chunk.encode("utf-8")
    if not isinstance(chunk, (bytes, bytearray, memoryview)):
        raise TypeError(f"a request body iterator must yield bytes, not {type(chunk).__name__}")
    return bytes(chunk)


def _file_length(file: typing.Any) -> int | None:
    try:
        size = os.fstat(file.fileno()).st_size
        return size - file.tell() if size else None
    except (AttributeError, OSError, io.UnsupportedOperation):
        pass
    if isinstance(file, (io.BytesIO,)):
        return len(file.getbuffer()) - file.tell()
    return None


def encode_body(
    content: RequestContent | None, data: RequestData | None, json: typing.Any,
    files: RequestFiles | None = None,
) -> tuple[str | None, bytes | BodyStream | None]:
    """(Content-Type to set or None, body) for the body arguments of a request."""
    if files is not None:
        if content is not None or json is not None:
            raise TypeError("files= goes with data= (form fields) only, not content= or json=")
        if data is not None and not (isinstance(data, typing.Mapping) or _is_pairs(data)):
            raise TypeError("with files=, data= must be form fields: a mapping or "
                            "(name, value) pairs")
        form = MultipartBody(data, files)
        return form.content_type, BodyStream(form, form.length)
    if (content is not None) + (data is not None) + (json is not None) > 1:
        raise TypeError("pass only one of content=, data= and json=")
    if json is not None:
        return "application/json", dumps(json)
    if data is not None:
        if isinstance(data, typing.Mapping) or _is_pairs(data):
            # (a list or tuple of (key, value) pairs too, as requests takes them)
            return "application/x-www-form-urlencoded", encode_form(data).encode("ascii")
        content = typing.cast(RequestContent, data)
    if content is None:
        return None, None
    if isinstance(content, bytes):
        return None, content
    if isinstance(content, str):
        return None, content.encode("utf-8")
    if isinstance(content, (bytearray, memoryview)):
        return None, bytes(content)
    if hasattr(content, "read"):
        return None, BodyStream(content, _file_length(content))
    if hasattr(content, "__iter__") or hasattr(content, "__aiter__"):
        return None, BodyStream(content, None)
    raise TypeError(
        f"content= must be bytes, str, a file or an iterable of bytes, not {type(content).__name__}"
    )


def _is_pairs(data: typing.Any) -> bool:
    """Is ``data=`` a list or tuple of (key, value) pairs, a form (as requests reads it)?
    (A list of bytes chunks stays a body, as before; ``content=`` is its spelling.)"""
    return isinstance(data, (list, tuple)) and all(
        isinstance(pair, (list, tuple)) and len(pair) == 2 for pair in data)
