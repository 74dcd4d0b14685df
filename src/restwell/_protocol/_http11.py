"""HTTP/1.1 without I/O: request heads out, response events in.

The sync and async drivers hand bytes to a ``ResponseParser`` and read its state; neither
parses anything itself. Parsing is llhttp (through httptools) in strict mode, which already
rejects bare LF, CTLs in fields, duplicate or conflicting Content-Length, Content-Length with
Transfer-Encoding, bad chunk framing and non-ASCII digits. What llhttp does not know is done
here:

- a response to HEAD has no body, whatever its headers say; bytes after it poison the
  connection;
- 1xx interim responses (except 101) are skipped, at most ``MAX_INTERIM`` of them;
- the head is bounded in bytes and in field count; trailers are parsed (and so checked) by
  llhttp but not kept, so they cannot grow memory;
- a body framed by neither Content-Length nor chunked ends when the server closes, and the
  connection is then not reused; a framed body cut short is an error, never a short success;
- bytes after a complete response mean the stream is out of sync: the connection is not reused.

The parser keeps its results as plain attributes instead of event objects: the drivers check
``headers_done`` and ``complete`` and take ``body`` chunks, which costs no allocation per event.
Header fields are not handed over one callback at a time: the parser keeps the bytes of the
final head (``head``) and splits them into fields only when someone asks (``raw_headers``);
llhttp has validated every byte of them by then. Most calls never look at a header.
"""

from __future__ import annotations

import re
import typing

import httptools

from .._models._exceptions import IncompleteBodyError, RemoteProtocolError
from .._models._headers import Headers, check_method, parse_fields, reason_of

__all__ = ["ResponseParser", "encode_head", "encode_octets", "check_method"]


MAX_INTERIM = 10


def encode_head(method: str, target: str, headers: Headers) -> bytes:
    """Serialise a request head. Names and values were validated when they entered Headers,
    and the target comes from a URL, which cannot hold spaces or control characters."""
    # Headers' cached block read directly: the one place outside Headers that reads its
    # private state, since a method call here measured about 800 instructions a request.
    fields = headers._block or headers.encoded()
    head = f"{method} {target} HTTP/1.1\r\n{fields}\r\n"
    try:
        return head.encode()
    except UnicodeEncodeError:  # octets kept as lone surrogates (a cookie, a bytes value)
        return encode_octets(head)


def encode_octets(head: str) -> bytes:
    """A head holding octets that are not UTF-8 (a cookie as a server set it, a ``bytes``
    header value): they were read with ``surrogateescape`` and go back as the same bytes."""
    return head.encode("utf-8", "surrogateescape")


class ResponseParser:
    """Parses the responses of one connection, one at a time (``start`` before each).

    Written for the hot path: one parser per connection, three callbacks per response, and
    framing details that matter only when the server closes early (Content-Length, chunked)
    are worked out then, in ``feed_eof``.
    """

    status: int
    http_version: str
    headers_done: bool
    complete: bool
    keep_alive: bool
    body_bytes: int
    head: bytes
    interim: int
    received: int
    _head_bytes: int
    _error: Exception | None
    _in_interim: bool
    _body_unsent: bool
    _fields: list[tuple[bytes, bytes]] | None

    def __init__(
        self, head_request: bool = False, max_head: int = 65536, max_count: int = 100
    ) -> None:
        self._max_head = max_head
        self._max_overhead = (MAX_INTERIM + 2) * max_head  # heads, 1xx heads and trailers
        self._max_count = max_count
        self._parser: typing.Any = None
        self.start(head_request)

    def start(self, head_request: bool) -> None:
        """Ready for the next response on the same connection.

        Per-response state goes back to its defaults; llhttp's parser is kept, since making
        one costs more than parsing a small response, unless the last response left it
        mid-message (a HEAD response, an error). The parser and this object refer to each
        other: ``close()`` breaks that cycle.
        """
        if self._parser is None:
            self._parser = httptools.HttpResponseParser(self)
        self._head_request = head_request
        self._chunks: list[bytes] = []  # what was fed until the head was complete
        self.body: list[bytes] = []
        self.status = self.body_bytes = self.interim = self.received = self._head_bytes = 0
        self.headers_done = self.complete = self.keep_alive = False
        self._in_interim = self._body_unsent = False
        self.http_version = "HTTP/1.1"
        self.head = b""
        self._error = None
        self._fields = None

    def close(self) -> None:
        """The connection is gone: drop llhttp's parser (and the reference cycle)."""
        self._parser = None

    @property
    def reason(self) -> bytes:
        """The status line's reason phrase (taken from the head when asked for)."""
        return reason_of(self.head)

    @property
    def raw_headers(self) -> list[tuple[bytes, bytes]]:
        """The final head's fields as (name, value) bytes, split on first use."""
        fields = self._fields
        if fields is None:
            fields = self._fields = parse_fields(self.head)
        return fields

    # -- driver interface ----------------------------------------------------------------------

    def feed(self, data: bytes) -> None:
        size = len(data)
        self.received += size
        if self.complete:  # bytes after a complete response: the stream is out of sync
            self.keep_alive = False
            return
        parser = self._parser
        if not self.headers_done:
            self._head_bytes += size
            self._chunks.append(data)
        try:
            parser.feed_data(data)
        except httptools.HttpParserUpgrade:
            self._parser = None
            raise RemoteProtocolError("the server switched protocols (101) unasked") from None
        except httptools.HttpParserError as exc:
            self._parser = None  # llhttp stops for good after an error
            if self._error is not None:
                raise self._error from None
            if not self.headers_done:
                unfolded = unfold(b"".join(self._chunks))
                if unfolded is not None:  # obs-fold, which llhttp refuses: parse it unfolded
                    self.start(self._head_request)
                    self.feed(unfolded)
                    return
            if self.complete:  # garbage after a whole response: keep it, drop the connection
                self.keep_alive = False
                return
            raise RemoteProtocolError(f"malformed HTTP response: {exc}") from None
        if not self.headers_done:
            if self._head_bytes > self._max_head:
                raise RemoteProtocolError(
                    f"the response head is larger than {self._max_head} bytes; "
                    "increase Limits(max_header_bytes=...) if this server really sends that much"
                )
        elif self.complete:
            return  # (what a whole response spent on framing can no longer grow)
        elif self.received - self.body_bytes > self._max_overhead + 8 * self.body_bytes:
            # Chunk framing and trailers are not kept, but an endless stream of them would
            # never end the response: bound them by the body they frame (CPython #150743).
            raise RemoteProtocolError(
                "the response's chunk framing and trailers are far larger than its body "
                f"({self.received - self.body_bytes} bytes for {self.body_bytes} of body)"
            )

    def feed_eof(self) -> None:
        """The server closed the connection: end the body, or say what is missing."""
        if self.complete:
            return
        if not self.headers_done:
            if self.received == 0:
                raise RemoteProtocolError("the server closed the connection without a response")
            raise RemoteProtocolError("the server closed the connection in the response head")
        length, chunked = self._framing()
        if length is None and not chunked:
            self.complete = True  # body delimited by the close (RFC 9112 §6.3 rule 8)
            self.keep_alive = False
            return
        if length is not None:
            raise IncompleteBodyError(
                f"the server closed the connection after {self.body_bytes} of "
                f"{length} body bytes ({length - self.body_bytes} more expected)"
            )
        raise IncompleteBodyError(
            f"the server closed the connection in a chunked body after {self.body_bytes} bytes"
        )

    def _framing(self) -> tuple[int | None, bool]:
        """(Content-Length, chunked) from the head; llhttp has already checked they agree."""
        length: int | None = None
        chunked = False
        for name, value in self.raw_headers:
            lower = name.lower()
            if lower == b"content-length":
                length = int(value)
            elif lower == b"transfer-encoding":
                chunked = value.lower().rstrip().endswith(b"chunked")
        return (0 if self.status in (204, 304) else length), chunked

    def body_remaining(self) -> int | None:
        """Bytes still to come of a Content-Length body, which a driver may then read raw
        (``raw_body``) instead of copying them through the parser; None when not framed so."""
        if self.complete or not self.headers_done:
            return None
        length, chunked = self._framing()
        if chunked or length is None:
            return None
        return length - self.body_bytes

    def raw_body(self, size: int, remaining: int) -> None:
        """``size`` body bytes were read past the parser; ``remaining`` are still due."""
        self.received += size
        self.body_bytes += size
        if remaining == 0:
            self.keep_alive = self._connection_reusable()
            self.complete = True
            self._parser = None  # llhttp never saw the body: it is still mid-message

    def take_body(self) -> bytes:
        chunks = self.body
        if not chunks:
            return b""
        self.body = []
        return chunks[0] if len(chunks) == 1 else b"".join(chunks)

    # -- httptools callbacks -------------------------------------------------------------------

    def on_message_begin(self) -> None:
        if self.complete:  # a second response began after ours: the stream is out of sync
            self.keep_alive = False

    def _fail(self, error: Exception) -> None:
        self._error = error
        raise error

    def on_headers_complete(self) -> None:
        if self.complete:  # a second response we never asked for: the stream is out of sync
            self.keep_alive = False
            return
        parser = self._parser
        status = parser.get_status_code()
        if status < 200 and status != 101:
            if status < 100:  # RFC 9110 §15: a status is read by its class, and none is below 1xx
                self._fail(RemoteProtocolError(
                    f"the server answered with status {status:03d}, which HTTP does not define "
                    "(a status is 100 to 599): the server is broken or not speaking HTTP"))
            self.interim += 1
            if self.interim > MAX_INTERIM:
                self._fail(RemoteProtocolError(f"more than {MAX_INTERIM} 1xx responses"))
            self._head_bytes = 0
            self._in_interim = True
            return
        head = self._take_head()
        self.status = status
        if head[7] == 48 and head[5] == 49:  # "HTTP/1.0" (llhttp checked the form)
            self.http_version = "HTTP/1.0"
        self.headers_done = True
        if self._head_request:
            # llhttp would wait for a body that never comes; judge reuse by version and
            # the Connection field alone. That llhttp is mid-message: the next response
            # gets a new one.
            self.keep_alive = self._connection_reusable()
            self.complete = True
            self._parser = None

    def _take_head(self) -> bytes:
        """Keep the final head's bytes: every head before it (1xx) ends in CRLF CRLF too."""
        chunks = self._chunks
        self._chunks = []
        if len(chunks) == 1 and not self.interim:  # the usual: the head came in one read
            data = chunks[0]
            head = self.head = data[:data.index(b"\r\n\r\n")]
        else:
            data = b"".join(chunks)
            start = 0
            for _ in range(self.interim):
                start = data.index(b"\r\n\r\n", start) + 4
            head = self.head = data[start:data.index(b"\r\n\r\n", start)]
        # A field line takes at least 4 bytes ("a:" CRLF): only a long head can hold too many.
        if len(head) > 4 * self._max_count and head.count(b"\n") > self._max_count:
            self._fail(
                RemoteProtocolError(
                    f"the response has more than {self._max_count} header fields; "
                    "increase Limits(max_header_count=...) if that is expected"
                )
            )
        return head

    def send_body_after_expect(self) -> bool:
        """After waiting on ``Expect: 100-continue``: True to send the body (a 100 came, or
        nothing did); False when a final response came first, in which case the body is not
        sent and, since the server may still read what follows as that body, the connection
        is not reused."""
        if not self.headers_done:
            return True
        self._body_unsent = True
        self.keep_alive = False
        return False

    def _connection_reusable(self) -> bool:
        if self._body_unsent:
            return False
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

    def on_message_complete(self) -> None:
        if self._in_interim:
            self._in_interim = False
            return
        if self.complete:
            return
        self.keep_alive = self._parser.should_keep_alive() and not self._body_unsent
        self.complete = True


_FOLD = re.compile(rb"\r\n[ \t]+")


def unfold(data: bytes) -> bytes | None:
    """``data`` (the heads of one response so far, then maybe some body) with the obs-folds
    of its first head that has any replaced by a space (RFC 9112 §5.2: a user agent must,
    before interpreting the field); None when there is none. Whitespace before the first
    field line is no fold and stays (it is an error); bare CR, a line without a colon and
    every other rule stay llhttp's to enforce."""
    start = 0
    while True:
        end = data.find(b"\r\n\r\n", start)
        stop = len(data) if end < 0 else end
        line_end = data.find(b"\r\n", start, stop)
        if line_end >= 0:
            fields = data[line_end + 2:stop]
            if _FOLD.search(fields):
                return data[:line_end + 2] + _FOLD.sub(b" ", fields) + data[stop:]
        if end < 0:
            return None
        start = end + 4
