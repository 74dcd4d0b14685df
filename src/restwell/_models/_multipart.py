"""``files=``: multipart/form-data bodies (RFC 7578) streamed from disk.

A ``MultipartBody`` is an iterable of byte chunks whose total length is known up front when
every part's size is (bytes, and files whose size the OS reports), so the request carries a
``Content-Length`` and a 1 GB file goes out 256 KiB at a time, never whole in memory. It can be
sent again (a stale connection, a 307 redirect) when its files can seek: ``seek(0)`` puts each
file back where it started.

Names and filenames are escaped as browsers do (WHATWG: ``"`` -> ``%22``, CR -> ``%0D``,
LF -> ``%0A``), so no field can end its header line or its quoted string early; extra part
headers go through the same validation as request headers.
"""

from __future__ import annotations

import io
import os
import typing

from ._headers import check_header

__all__ = ["FileTypes", "MultipartBody", "RequestFiles"]


FileContent = typing.Union[typing.IO[bytes], bytes, str]
FileTypes = typing.Union[
    FileContent,
    typing.Tuple[str | None, FileContent],
    typing.Tuple[str | None, FileContent, str | None],
    typing.Tuple[
        str | None, FileContent, str | None, typing.Mapping[str, str]
    ],
]
RequestFiles = typing.Union[
    typing.Mapping[str, FileTypes], typing.Sequence[typing.Tuple[str, FileTypes]]
]
CHUNK = 256 * 1024


def _escape(value: str) -> str:
    return value.replace('"', "%22").replace("\r", "%0D").replace("\n", "%0A")


class _Part:
    __slots__ = ("head", "length", "source", "start")

    def __init__(self, head: bytes, source: bytes | typing.IO[bytes]) -> None:
        self.head = head
        self.source = source
        self.start: int | None = None
        if isinstance(source, bytes):
            self.length: int | None = len(source)
            return
        try:
            self.start = source.tell()
            self.length = os.fstat(source.fileno()).st_size - self.start
        except (AttributeError, OSError, io.UnsupportedOperation, ValueError):
            self.length = len(source.getbuffer()) - self.start if isinstance(
                source, io.BytesIO) and self.start is not None else None

    def chunks(self) -> typing.Iterator[bytes]:
        yield self.head
        source = self.source
        if isinstance(source, bytes):
            yield source
        else:
            while chunk := source.read(CHUNK):
                yield chunk.encode("utf-8") if isinstance(chunk, str) else chunk
        yield b"\r\n"


class MultipartBody:
    """The parts of a form, as chunks; ``length`` is None when some size is unknown."""

    def __init__(
        self, data: typing.Any, files: RequestFiles,
        boundary: str | None = None,
    ) -> None:
        # os.urandom, not secrets: importing secrets pulls in hashlib and OpenSSL (20 ms)
        self.boundary = boundary or os.urandom(16).hex()
        self._parts = [*self._fields(data or {}), *self._files(files)]
        self._tail = f"--{self.boundary}--\r\n".encode()
        sizes = [len(p.head) + 2 + p.length for p in self._parts if p.length is not None]
        complete = len(sizes) == len(self._parts)
        self.length = sum(sizes) + len(self._tail) if complete else None

    @property
    def content_type(self) -> str:
        return f"multipart/form-data; boundary={self.boundary}"

    def _head(self, name: str, filename: str | None, content_type: str | None,
              extra: typing.Mapping[str, str] | None) -> bytes:
        disposition = f'form-data; name="{_escape(name)}"'
        if filename is not None:
            disposition += f'; filename="{_escape(filename)}"'
        # Every value that reaches a part's head is checked as a header value is: the escapes
        # above leave no CR or LF, and any other control character (NUL too) is refused.
        check_header("Content-Disposition", disposition)
        lines = [f"--{self.boundary}", f"Content-Disposition: {disposition}"]
        if content_type is not None:
            _, content_type = check_header("Content-Type", content_type)
            lines.append(f"Content-Type: {content_type}")
        for key, value in (extra or {}).items():
            key, value = check_header(key, value)
            lines.append(f"{key}: {value}")
        return ("\r\n".join(lines) + "\r\n\r\n").encode("utf-8")

    def _fields(self, data: typing.Any) -> list[_Part]:
        """Form fields from a mapping or (name, value) pairs; a list value repeats the name,
        and a None value leaves the field out (as in a urlencoded form)."""
        parts = []
        for name, value in data.items() if isinstance(data, typing.Mapping) else data:
            for item in value if isinstance(value, (list, tuple)) else [value]:
                if item is None:
                    continue
                text = item if isinstance(item, (str, bytes)) else str(item)
                payload = text.encode("utf-8") if isinstance(text, str) else text
                parts.append(_Part(self._head(name, None, None, None), payload))
        return parts

    def _files(self, files: RequestFiles) -> list[_Part]:
        items = files.items() if isinstance(files, typing.Mapping) else files
        parts = []
        for name, value in items:
            filename, content, content_type, extra = _unpack(name, value)
            if content_type is None and filename:
                import mimetypes

                content_type = mimetypes.guess_type(filename)[0]
            payload = content.encode("utf-8") if isinstance(content, str) else content
            head = self._head(name, filename, content_type or "application/octet-stream", extra)
            parts.append(_Part(head, payload))
        return parts

    def __iter__(self) -> typing.Iterator[bytes]:
        for part in self._parts:
            yield from part.chunks()
        yield self._tail

    # seek/tell make the body rewindable for BodyStream (files go back to where they began)
    def tell(self) -> int:
        if any(p.start is None and not isinstance(p.source, bytes) for p in self._parts):
            raise io.UnsupportedOperation("a part cannot seek")
        return 0

    def seek(self, offset: int) -> None:
        for part in self._parts:
            if part.start is not None:
                part.source.seek(part.start)  # type: ignore[union-attr]


def _unpack(
    name: str, value: FileTypes
) -> tuple[str | None, FileContent, str | None, typing.Mapping[str, str] | None]:
    if isinstance(value, tuple):
        filename, content, content_type, extra = (*value, None, None)[:4]
        return filename, content, content_type, extra
    filename = getattr(value, "name", None)
    if not isinstance(filename, str):
        filename = name
    return os.path.basename(filename), value, None, None
