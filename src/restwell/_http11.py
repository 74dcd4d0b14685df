"""HTTP/1.1 without I/O: request heads out, response events in.

The sync and async drivers hand bytes to a ``ResponseParser`` and read its state; neither
parses anything itself. Parsing is llhttp (through httptools) in strict mode, which already
rejects bare LF, CTLs in fields, duplicate or conflicting Content-Length, Content-Length with
Transfer-Encoding, bad chunk framing and non-ASCII digits. What llhttp does not know is done
here:

- a response to HEAD has no body, whatever its headers say; bytes after it poison the
  connection;
- 1xx interim responses (except 101) are skipped, at most ``MAX_INTERIM`` of them;
- the head is bounded in bytes and in field count, and so are trailers;
- a body framed by neither Content-Length nor chunked ends when the server closes, and the
  connection is then not reused; a framed body cut short is an error, never a short success;
- bytes after a complete response mean the stream is out of sync: the connection is not reused.

The parser keeps its results as plain attributes instead of event objects: the drivers check
``headers_done`` and ``complete`` and take ``body`` chunks, which costs no allocation per event.
"""

from __future__ import annotations

import httptools

from ._exceptions import IncompleteBodyError, RemoteProtocolError
from ._headers import check_method

__all__ = ["ResponseParser", "encode_head", "check_method"]

MAX_INTERIM = 10


def encode_head(method: str, target: str, headers: list[tuple[str, str]]) -> bytes:
    """Serialise a request head. Names and values were validated when they entered Headers,
    and the target comes from a URL, which cannot hold spaces or control characters."""
    lines = [f"{method} {target} HTTP/1.1\r\n"]
    lines.extend(f"{name}: {value}\r\n" for name, value in headers)
    lines.append("\r\n")
    return "".join(lines).encode("utf-8")


class ResponseParser:
    """Parses one response off one connection."""

    __slots__ = (
        "_error",
        "_head_bytes",
        "_head_request",
        "_in_interim",
        "_max_count",
        "_max_head",
        "_parser",
        "_trailer_bytes",
        "body",
        "body_bytes",
        "chunked",
        "complete",
        "content_encoding",
        "content_length",
        "headers_done",
        "http_version",
        "interim",
        "keep_alive",
        "raw_headers",
        "reason",
        "received",
        "status",
    )

    def __init__(self, head_request: bool, max_head: int = 65536, max_count: int = 100) -> None:
        self._parser = httptools.HttpResponseParser(self)
        self._head_request = head_request
        self._max_head = max_head
        self._max_count = max_count
        self._head_bytes = 0
        self._trailer_bytes = 0
        self._error: Exception | None = None
        self._in_interim = False
        self.status = 0
        self.reason = b""
        self.http_version = "HTTP/1.1"
        self.raw_headers: list[tuple[bytes, bytes]] = []
        self.headers_done = False
        self.body: list[bytes] = []
        self.body_bytes = 0
        self.complete = False
        self.keep_alive = False
        self.content_length: int | None = None
        self.chunked = False
        self.content_encoding: bytes | None = None
        self.interim = 0
        self.received = 0

    # -- driver interface ----------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        self.received += len(data)
        if not self.headers_done:
            self._head_bytes += len(data)
        try:
            self._parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._fail(RemoteProtocolError("the server switched protocols (101) unasked"))
        except httptools.HttpParserError as exc:
            if self._error is not None:
                raise self._error from None
            if self.complete:  # garbage after a whole response: keep it, drop the connection
                self.keep_alive = False
                return
            raise RemoteProtocolError(f"malformed HTTP response: {exc}") from None
        if not self.headers_done and self._head_bytes > self._max_head:
            raise RemoteProtocolError(
                f"the response head is larger than {self._max_head} bytes; "
                "raise Limits(max_header_bytes=...) if this server really sends that much"
            )

    def feed_eof(self) -> None:
        """The server closed the connection: end the body, or say what is missing."""
        if self.complete:
            return
        if not self.headers_done:
            if self.received == 0:
                raise RemoteProtocolError("the server closed the connection without a response")
            raise RemoteProtocolError("the server closed the connection in the response head")
        if self.content_length is None and not self.chunked:
            self.complete = True  # body delimited by the close (RFC 9112 §6.3 rule 8)
            self.keep_alive = False
            return
        if self.content_length is not None:
            missing = self.content_length - self.body_bytes
            raise IncompleteBodyError(
                f"the server closed the connection after {self.body_bytes} of "
                f"{self.content_length} body bytes ({missing} more expected)"
            )
        raise IncompleteBodyError(
            f"the server closed the connection in a chunked body after {self.body_bytes} bytes"
        )

    def take_body(self) -> bytes:
        chunks = self.body
        if not chunks:
            return b""
        self.body = []
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    @property
    def until_close(self) -> bool:
        return self.content_length is None and not self.chunked

    # -- httptools callbacks -------------------------------------------------------------------

    def _fail(self, error: Exception) -> None:
        self._error = error
        raise error

    def on_status(self, reason: bytes) -> None:
        self.reason += reason  # llhttp may hand the reason over in pieces

    def on_header(self, name: bytes, value: bytes) -> None:
        if self.headers_done:  # a trailer field: bounded, then dropped
            self._trailer_bytes += len(name) + len(value)
            if self._trailer_bytes > self._max_head:
                self._fail(RemoteProtocolError(f"trailers larger than {self._max_head} bytes"))
            return
        self.raw_headers.append((name, value))
        if len(self.raw_headers) > self._max_count:
            self._fail(
                RemoteProtocolError(
                    f"the response has more than {self._max_count} header fields; "
                    "raise Limits(max_header_count=...) if that is expected"
                )
            )

    def on_headers_complete(self) -> None:
        parser = self._parser
        status = parser.get_status_code()
        if 100 <= status < 200 and status != 101:
            self.interim += 1
            if self.interim > MAX_INTERIM:
                self._fail(RemoteProtocolError(f"more than {MAX_INTERIM} 1xx responses"))
            self.raw_headers = []
            self.reason = b""
            self._head_bytes = 0
            self._in_interim = True
            return
        self.status = status
        self.http_version = "HTTP/1.0" if parser.get_http_version() == "1.0" else "HTTP/1.1"
        self._scan_framing()
        self.headers_done = True
        if self._head_request:
            # llhttp would wait for a body that never comes; judge reuse by version and
            # the Connection field alone.
            self.keep_alive = self._connection_reusable()
            self.complete = True

    def _scan_framing(self) -> None:
        for name, value in self.raw_headers:
            size = len(name)
            if size == 14 and name.lower() == b"content-length":
                self.content_length = int(value)
            elif size == 17 and name.lower() == b"transfer-encoding":
                self.chunked = value.lower().rstrip().endswith(b"chunked")
            elif size == 16 and name.lower() == b"content-encoding":
                encoding = value.strip().lower()
                self.content_encoding = (
                    encoding if self.content_encoding is None
                    else self.content_encoding + b"," + encoding
                )
        if self.status in (204, 304):
            self.content_length = 0

    def _connection_reusable(self) -> bool:
        tokens: set[bytes] = set()
        for name, value in self.raw_headers:
            if len(name) == 10 and name.lower() == b"connection":
                tokens.update(t.strip().lower() for t in value.split(b","))
        if self.http_version == "HTTP/1.0":
            return b"keep-alive" in tokens
        return b"close" not in tokens

    def on_body(self, chunk: bytes) -> None:
        if self.complete:  # bytes after a HEAD response: the stream is out of sync
            self.keep_alive = False
            return
        self.body.append(chunk)
        self.body_bytes += len(chunk)

    def on_message_begin(self) -> None:
        if self.complete:  # a second response we never asked for
            self.keep_alive = False

    def on_message_complete(self) -> None:
        if self._in_interim:
            self._in_interim = False
            return
        if self.complete:
            return
        self.keep_alive = self._parser.should_keep_alive()
        self.complete = True
