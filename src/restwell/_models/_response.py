"""Response: plain data plus the body-reading API.

A Response's body arrives one of two ways: whole (``_raw_body``, the fast path for ordinary
calls: one join, decoded on first access) or as a stream of raw chunks (``client.stream()``),
decoded chunk by chunk with bounded output. Response headers stay as the raw head until
``.headers`` is first read: most calls only want ``.json()``."""

from __future__ import annotations

import codecs
import typing

from ._bodies import BodyDecoder, LineSplitter, Rechunker
from ._decoders import decode_all
from ._exceptions import (
    DecodingError,
    HTTPStatusError,
    ResponseNotRead,
    StreamClosed,
    StreamConsumed,
)
from ._headers import Headers, HeaderTypes, parse_fields, reason_of
from ._json import _CHOSEN as _DECODER
from ._json import loads
from ._request import Request
from ._urls import URL

if typing.TYPE_CHECKING:  # pragma: no cover
    import datetime

__all__ = ["Response", "ByteStream", "AsyncByteStream"]


class ByteStream(typing.Protocol):
    """What a sync transport hands a Response for a streamed body: raw chunks, then close()."""

    def __iter__(self) -> typing.Iterator[bytes]: ...

    def close(self) -> None: ...


class AsyncByteStream(typing.Protocol):
    """The async twin: raw chunks by ``async for``; ``close()`` needs no await."""

    def __aiter__(self) -> typing.AsyncIterator[bytes]: ...

    def close(self) -> None: ...


class Response:
    """An HTTP response. Use it as a context manager, or read it, to release its connection."""

    # Class-level defaults: a response off the wire sets only what differs (hot path).
    _reason_phrase: str | None = None
    http_version = "HTTP/1.1"
    max_decompressed_size: int | None = 256 * 1024 * 1024
    _headers: Headers | None = None
    _raw_headers: list[tuple[bytes, bytes]] | None = None
    _raw_head: bytes | None = None
    _lower_head = ""  # _raw_head, lower-cased (responses off the wire)
    _raw_body: bytes | None = None
    _content: bytes | None = None
    _stream: ByteStream | None = None
    _astream: AsyncByteStream | None = None
    _started = 0.0
    _elapsed = 0.0
    _deadline: float | None = None  # the call's total deadline, when its timeout has one
    _closed = True
    _consumed = True
    _history: list[Response] | None = None
    _extensions: dict[str, typing.Any] | None = None
    retries: typing.Sequence[tuple[int | str, float]] = ()  # (status or error, seconds waited)
    cache_status: str | None = None  # with a client cache: "hit", "miss", "revalidated", "stale"
    request: Request  # a Response built by hand may lack one until a client sends it

    def __init__(
        self,
        status_code: int,
        *,
        headers: HeaderTypes = None,
        content: bytes | str | None = None,
        stream: ByteStream | None = None,
        request: Request | None = None,
        reason_phrase: str = "",
        http_version: str = "HTTP/1.1",
    ) -> None:
        self.status_code = status_code
        self.reason_phrase = reason_phrase or _reason(status_code)
        self.http_version = http_version
        self.request = request  # type: ignore[assignment]
        self._headers = Headers(headers)
        if isinstance(content, str):
            content = content.encode("utf-8")
        self._content = b"" if content is None and stream is None else content
        self._stream = stream
        self._closed = self._consumed = stream is None

    @classmethod
    def _from_wire(
        cls, status: int, http_version: str, head: bytes, request: Request, complete: bool
    ) -> Response:
        """The transports' constructor: no validation; ``head``, checked by the parser, kept raw."""
        self = cls.__new__(cls)
        self.status_code = status
        if http_version != "HTTP/1.1":
            self.http_version = http_version
        self.request = request
        self._raw_head = head
        # Asked of every response (cookies, content coding): one lower-cased copy to search.
        # A str, since bytes.__contains__ first tries the needle as an int, and raising and
        # clearing that TypeError costs more than the search.
        self._lower_head = head.decode("latin-1").lower()
        if not complete:
            self._closed = self._consumed = False
        return self

    @property
    def history(self) -> list[Response]:
        """The redirect responses that led here, oldest first."""
        if self._history is None:
            self._history = []
        return self._history

    @history.setter
    def history(self, value: list[Response]) -> None:
        self._history = value

    @property
    def extensions(self) -> dict[str, typing.Any]:
        """Free-form values for custom transports and hooks; restwell itself sets none."""
        if self._extensions is None:
            self._extensions = {}
        return self._extensions

    # -- metadata ------------------------------------------------------------------------------

    def _set_cookie_fields(self) -> list[str]:
        head = self._raw_head
        if head is not None and "set-cookie" not in self._lower_head:
            return []  # most heads are ruled out without splitting them
        return self.headers.get_list("set-cookie")

    @property
    def cookies(self) -> dict[str, str]:
        """The cookies this response sets, name to value (the client's jar decides what to keep)."""
        pairs = (line.split(";", 1)[0].partition("=") for line in self._set_cookie_fields())
        return {name.strip(): value.strip() for name, eq, value in pairs if eq and name.strip()}

    @property
    def reason_phrase(self) -> str:
        """The status line's reason phrase, else the standard one for the status ("" if unknown)."""
        phrase = self._reason_phrase
        if phrase is None:
            raw = reason_of(self._raw_head) if self._raw_head else b""
            phrase = raw.decode("latin-1") if raw else _reason(self.status_code)
            self._reason_phrase = phrase
        return phrase

    @reason_phrase.setter
    def reason_phrase(self, value: str) -> None:
        self._reason_phrase = value

    @property
    def headers(self) -> Headers:
        """The response headers, parsed from the head on first access."""
        headers = self._headers
        if headers is None:
            headers = self._headers = Headers.from_raw(self._wire_fields())
        return headers

    @property
    def url(self) -> URL:
        """The URL of the request this answers (after redirects, the last one's)."""
        return self.request.url

    @property
    def elapsed(self) -> datetime.timedelta:
        """Time from sending the request to the end of the body (until closed, when streamed)."""
        import datetime  # here, not at the top: it is not needed to import restwell

        return datetime.timedelta(seconds=self._elapsed)

    @property
    def is_success(self) -> bool:
        """True for a 2xx status."""
        return 200 <= self.status_code < 300

    @property
    def is_redirect(self) -> bool:
        """True for a 301, 302, 303, 307 or 308 that has a ``Location``."""
        return self.status_code in (301, 302, 303, 307, 308) and bool(
            self.headers.get("location")
        )

    @property
    def is_error(self) -> bool:
        """True for a 4xx or 5xx status."""
        return self.status_code >= 400

    @property
    def is_closed(self) -> bool:
        """True once it holds no connection: a read response always, a streamed one once closed."""
        return self._closed

    @property
    def is_stream_consumed(self) -> bool:
        """True once the body was read or iterated (always, for a response not streamed)."""
        return self._consumed

    @property
    def charset_encoding(self) -> str | None:
        """The ``Content-Type`` charset as a Python codec name; None if absent or unknown."""
        content_type = self.headers.get("content-type")
        if not content_type:
            return None
        for param in content_type.split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset":
                value = value.strip().strip("\"'")
                try:
                    return str(codecs.lookup(value).name)
                except LookupError:
                    return None
        return None

    @property
    def encoding(self) -> str:
        """The text encoding: the charset parameter, UTF-8 for JSON and when none is given."""
        return self.charset_encoding or "utf-8"

    # -- body ----------------------------------------------------------------------------------

    def _wire_fields(self) -> list[tuple[bytes, bytes]]:
        if self._raw_headers is None:
            self._raw_headers = parse_fields(self._raw_head or b"")
        return self._raw_headers

    def _encoding_header(self) -> str | None:
        head = self._raw_head
        if head is not None:  # off the wire: look for the field before splitting the head
            if "content-encoding" not in self._lower_head:
                return None
            values = [v for n, v in self._wire_fields() if n.lower() == b"content-encoding"]
            return b",".join(values).decode("latin-1") if values else None
        value: str | None = self.headers.get("content-encoding")
        return value

    @property
    def content(self) -> bytes:
        """The body, decompressed (else DecodingError); ResponseNotRead if streamed and not read."""
        if self._content is None:
            if self._raw_body is None:
                raise ResponseNotRead(
                    "this streamed response was not read; call .read() or iterate it first"
                )
            # (most heads off the wire name no coding: ruled out here without a call)
            encoding = (None if self._raw_head is not None
                        and "content-encoding" not in self._lower_head
                        else self._encoding_header())
            raw, self._raw_body = self._raw_body, None
            self._content = (
                decode_all(raw, encoding, self.max_decompressed_size) if encoding else raw
            )
        return self._content

    @property
    def text(self) -> str:
        """``content`` as text in ``encoding``; bytes that do not decode are replaced."""
        return self.content.decode(self.encoding, "replace")

    def json(self, **kwargs: typing.Any) -> typing.Any:
        """``content`` parsed as JSON (kwargs go to ``json.loads``); DecodingError if not JSON."""
        content = self.content
        try:
            if not kwargs:  # UTF-8 (RFC 8259); see _json. Its chosen decoder once there is
                return (_DECODER[0] if _DECODER else loads)(content)  # one: a call less
            import json

            return json.loads(content, **kwargs)
        except ValueError as exc:
            error = exc
        if not kwargs and content[:3] == b"\xef\xbb\xbf":  # json.loads skips a BOM (§8.1)
            import json

            try:
                return json.loads(content)
            except ValueError as exc:
                error = exc
        snippet = content[:80].decode("utf-8", "replace")
        raise DecodingError(
            f"the body of {self.request.method} {self.request.url.redacted()} "
            f"({self.status_code}) is not valid JSON: {error}; it starts {snippet!r}",
            request=self.request,
        ) from None

    def read(self) -> bytes:
        """Read a streamed body to the end and close it; return ``content`` (for any response)."""
        if self._content is None and self._raw_body is None:
            decode = self._whole_decoder()
            pieces = [piece for chunk in self.iter_raw() for piece in decode.feed(chunk)]
            self._content = b"".join([*pieces, *decode.flush()])
        return self.content

    def _whole_decoder(self) -> BodyDecoder:
        return BodyDecoder(self._encoding_header(), None, self.max_decompressed_size)

    def _stored_raw(self) -> bytes:
        """The body read earlier, for a second iteration; StreamConsumed if it was not kept."""
        if self._content is not None or self._raw_body is not None:
            return self._raw_body if self._raw_body is not None else self._content or b""
        raise StreamConsumed("the response body was already read")

    def iter_raw(self, chunk_size: int | None = None) -> typing.Iterator[bytes]:
        """The body still content-encoded; a streamed one off the connection, once, then closed."""
        if self._consumed:
            yield from Rechunker(chunk_size).all([self._stored_raw()])
            return
        if self._stream is None:
            raise StreamClosed("the response is closed" if self._astream is None else
                               "this response came from an AsyncClient: use aiter_raw()")
        self._consumed = True
        rechunk = Rechunker(chunk_size)
        try:
            for chunk in self._stream:
                yield from rechunk.feed(chunk)
            yield from rechunk.flush()
        finally:
            self.close()

    def iter_bytes(self, chunk_size: int | None = None) -> typing.Iterator[bytes]:
        """The body decompressed, in ``chunk_size`` pieces; a streamed one as it arrives, once."""
        if self._content is not None:
            yield from Rechunker(chunk_size).all([self._content])
            return
        decode = BodyDecoder(self._encoding_header(), chunk_size)
        for chunk in self.iter_raw():
            yield from decode.feed(chunk)
        yield from decode.flush()

    def iter_text(self, chunk_size: int | None = None) -> typing.Iterator[str]:
        """``iter_bytes()`` as text in ``encoding``; bytes that do not decode are replaced."""
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="replace")
        for chunk in self.iter_bytes(chunk_size):
            text = decoder.decode(chunk)
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
        if tail:
            yield tail

    def iter_lines(self) -> typing.Iterator[str]:
        """``iter_text()`` cut into lines, without their line endings."""
        lines = LineSplitter()
        for text in self.iter_text():
            yield from lines.feed(text)
        yield from lines.flush()

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

    # -- the async twins (a response from an AsyncClient) --------------------------------------

    async def aread(self) -> bytes:
        """``read()`` for a response from an AsyncClient."""
        if self._content is None and self._raw_body is None:
            decode = self._whole_decoder()
            pieces = [piece async for chunk in self.aiter_raw() for piece in decode.feed(chunk)]
            self._content = b"".join([*pieces, *decode.flush()])
        return self.content

    async def aiter_raw(self, chunk_size: int | None = None) -> typing.AsyncIterator[bytes]:
        """``iter_raw()`` for a response from an AsyncClient."""
        if self._consumed:
            for chunk in Rechunker(chunk_size).all([self._stored_raw()]):
                yield chunk
            return
        if self._astream is None:
            raise StreamClosed("the response is closed" if self._stream is None else
                               "this response came from a sync Client: use iter_raw()")
        self._consumed = True
        rechunk = Rechunker(chunk_size)
        try:
            async for chunk in self._astream:
                for piece in rechunk.feed(chunk):
                    yield piece
            for piece in rechunk.flush():
                yield piece
        finally:
            self.close()

    async def aiter_bytes(self, chunk_size: int | None = None) -> typing.AsyncIterator[bytes]:
        """``iter_bytes()`` for a response from an AsyncClient."""
        if self._content is not None:
            for chunk in Rechunker(chunk_size).all([self._content]):
                yield chunk
            return
        decode = BodyDecoder(self._encoding_header(), chunk_size)
        async for chunk in self.aiter_raw():
            for piece in decode.feed(chunk):
                yield piece
        for piece in decode.flush():
            yield piece

    async def aiter_text(self, chunk_size: int | None = None) -> typing.AsyncIterator[str]:
        """``iter_text()`` for a response from an AsyncClient."""
        decoder = codecs.getincrementaldecoder(self.encoding)(errors="replace")
        async for chunk in self.aiter_bytes(chunk_size):
            text = decoder.decode(chunk)
            if text:
                yield text
        tail = decoder.decode(b"", final=True)
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

    async def aclose(self) -> None:
        """``close()``, to await in async code (closing never blocks)."""
        self.close()

    async def __aenter__(self) -> Response:
        return self

    async def __aexit__(self, *args: object) -> None:
        self.close()

    def __enter__(self) -> Response:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()

    # -- errors --------------------------------------------------------------------------------

    def raise_for_status(self) -> Response:
        """Raise HTTPStatusError for 4xx and 5xx; return the response otherwise."""
        if self.status_code < 400:
            return self
        kind = "client error" if self.status_code < 500 else "server error"
        request = self.request
        reason = f" {self.reason_phrase}" if self.reason_phrase else ""
        message = (
            f"{self.status_code}{reason} ({kind}) for "
            f"{request.method} {request.url.redacted()}"
        )
        detail = self._error_detail()
        if detail:
            message += f": {detail}"
        raise HTTPStatusError(message, request=request, response=self)

    def _error_detail(self) -> str:
        if self._content is None and self._raw_body is None:
            return ""  # a streamed body that was not read: do not read it behind the caller
        try:
            text = self.text
        except DecodingError:
            return ""
        if text.lstrip().startswith("{"):
            try:
                body = self.json()
            except DecodingError:
                body = None
            if isinstance(body, dict):
                for key in ("message", "detail", "title", "error_description", "error"):
                    if isinstance(body.get(key), str):
                        return str(body[key])[:200]
        return text[:200].strip()

    def __repr__(self) -> str:
        return f"<Response [{self.status_code} {self.reason_phrase}]>"


_REASONS = {
    200: "OK", 201: "Created", 202: "Accepted", 204: "No Content", 301: "Moved Permanently",
    302: "Found", 303: "See Other", 304: "Not Modified", 307: "Temporary Redirect",
    308: "Permanent Redirect", 400: "Bad Request", 401: "Unauthorized", 403: "Forbidden",
    404: "Not Found", 405: "Method Not Allowed", 409: "Conflict", 422: "Unprocessable Content",
    429: "Too Many Requests", 500: "Internal Server Error", 502: "Bad Gateway",
    503: "Service Unavailable", 504: "Gateway Timeout",
}


def _reason(status: int) -> str:
    return _REASONS.get(status, "")
