"""Response: plain data plus the body-reading API.

A Response's body arrives one of two ways: whole (``_raw_body``, the fast path for ordinary
calls: one join, decoded on first access) or as a stream of raw chunks (``client.stream()``),
decoded chunk by chunk with bounded output. Reading, iterating and closing the body, and the
rules for a streamed one, are ``_stream.Body``'s; what a failed response says (the messages
of ``raise_for_status()`` and ``json()``) is ``_problems``'. Response headers stay as the raw
head until ``.headers`` is first read: most calls only want ``.json()``."""

from __future__ import annotations

import codecs
import typing

from ._headers import Headers, HeaderTypes, parse_fields, reason_of
from ._json import _CHOSEN as _DECODER
from ._json import dumps, loads
from ._stream import AsyncByteStream, Body, Buffered, ByteStream
from ._urls import URL

if typing.TYPE_CHECKING:  # pragma: no cover
    import datetime

from ._request import Request

__all__ = ["Response", "ByteStream", "AsyncByteStream", "DefaultEncoding"]

# A codec name, or a function given the body that names one (charset detection; None: UTF-8).
DefaultEncoding = typing.Union[str, typing.Callable[[bytes], str | None]]


class Response(Body):
    """An HTTP response. Use it as a context manager, or read it, to release its connection."""

    # Class-level defaults: a response off the wire sets only what differs (hot path).
    _reason_phrase: str | None = None
    http_version = "HTTP/1.1"
    _headers: Headers | None = None
    _raw_headers: list[tuple[bytes, bytes]] | None = None
    _history: list[Response] | None = None
    _extensions: dict[str, typing.Any] | None = None
    _encoding: str | None = None  # set by the caller
    _detected: str | None = None  # what a callable default_encoding said of the whole body
    # The text encoding when the response names none: the client's default_encoding.
    default_encoding: DefaultEncoding = "utf-8"
    retries: typing.Sequence[tuple[int | str, float]] = ()  # (status or error, seconds waited)
    cache_status: str | None = None  # with a client cache: "hit", "miss", "revalidated", "stale"
    request: Request  # a Response built by hand may lack one until a client sends it

    def __init__(
        self,
        status_code: int,
        *,
        headers: HeaderTypes = None,
        content: bytes | str | None = None,
        text: str | None = None,
        json: typing.Any = None,
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
        kind = None
        if text is not None:  # (httpx's shorthands, for MockTransport handlers)
            content, kind = text, "text/plain; charset=utf-8"
        elif json is not None:
            content, kind = dumps(json), "application/json"
        if kind is not None and "content-type" not in self._headers:
            self._headers["Content-Type"] = kind
        if isinstance(content, str):
            content = content.encode("utf-8")
        self._content = b"" if content is None and stream is None else content
        self._downloaded = len(self._content or b"")
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

    def _hold(self, asynchronous: bool) -> None:
        """A body read whole with its head, for a caller who asked for a stream: handed over
        as a stream of one chunk, so the response behaves as a streamed one of any size."""
        buffered = Buffered(self._raw_body or b"")
        if asynchronous:
            self._astream = buffered
        else:
            self._stream = buffered
        self._raw_body = None
        self._closed = self._consumed = False

    @property
    def history(self) -> list[Response]:
        """The responses that led here, oldest first: each redirect, and each challenge an
        auth flow answered (a Digest 401), as requests and httpx list them."""
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
    def reason(self) -> str:
        """``reason_phrase``, by requests' name."""
        return self.reason_phrase

    @property
    def headers(self) -> Headers:
        """The response headers, parsed from the head on first access."""
        headers = self._headers
        if headers is None:
            headers = self._headers = Headers.from_raw(self._wire_fields())
        return headers

    @property
    def links(self) -> dict[str, dict[str, str]]:
        """The ``Link`` fields (RFC 8288) by ``rel``: ``r.links["next"]["url"]`` pages on
        through GitHub's lists; {} without any. Targets are resolved against the URL."""
        fields = self.headers.get_list("link")
        if not fields:
            return {}
        from ._links import parse_link_fields

        return parse_link_fields(fields, self.url if self.request is not None else None)

    @property
    def url(self) -> URL:
        """The URL of the request this answers (after redirects, the last one's)."""
        if self.request is None:
            raise RuntimeError("this Response was built without a request, so it has no URL")
        return self.request.url

    @property
    def elapsed(self) -> datetime.timedelta:
        """Time from sending the request to the end of the body (until closed, when streamed)."""
        import datetime  # here, not at the top: it is not needed to import restwell

        return datetime.timedelta(seconds=self._elapsed)

    @property
    def is_informational(self) -> bool:
        """True for a 1xx status."""
        return 100 <= self.status_code < 200

    @property
    def is_success(self) -> bool:
        """True for a 2xx status."""
        return 200 <= self.status_code < 300

    @property
    def ok(self) -> bool:
        """True for a status below 400, as in requests (``is_success`` is 2xx only)."""
        return self.status_code < 400

    @property
    def is_redirect(self) -> bool:
        """True for a 301, 302, 303, 307 or 308 that has a ``Location``."""
        return self.status_code in (301, 302, 303, 307, 308) and bool(
            self.headers.get("location")
        )

    @property
    def is_client_error(self) -> bool:
        """True for a 4xx status."""
        return 400 <= self.status_code < 500

    @property
    def is_server_error(self) -> bool:
        """True for a 5xx status."""
        return 500 <= self.status_code < 600

    @property
    def is_error(self) -> bool:
        """True for a 4xx or 5xx status."""
        return self.status_code >= 400

    @property
    def charset_encoding(self) -> str | None:
        """The ``Content-Type`` charset as a Python codec name; None if absent or unknown."""
        content_type = self.headers.get("content-type")
        if not content_type:
            return None
        for param in content_type.split(";")[1:]:
            key, _, value = param.partition("=")
            if key.strip().lower() == "charset":
                return _codec(value.strip().strip("\"'"))
        return None

    @property
    def encoding(self) -> str:
        """The text encoding of ``text`` and ``iter_text()``: the one you set, else the
        charset parameter, else UTF-8 for JSON (RFC 8259), else the client's
        ``default_encoding`` (UTF-8 unless set; a callable one is given the body, and says
        UTF-8 until a streamed body is read)."""
        return self._text_codec(None) or "utf-8"

    @encoding.setter
    def encoding(self, value: str | None) -> None:
        """Decode ``text`` in this codec from now on (None: as the response says); a text
        read before is decoded again, as in requests. LookupError for an unknown codec."""
        self._encoding = None if value is None else str(codecs.lookup(value).name)

    def _text_codec(self, sample: bytes | None) -> str | None:
        """The codec for the text; for a callable default_encoding while the body is not in
        memory, what it says of ``sample`` (None without one: ``iter_text`` then shows it the
        start of the body)."""
        name = self._encoding or self.charset_encoding
        if name:
            return name
        kind = (self.headers.get("content-type") or "").split(";", 1)[0].strip().lower()
        if kind == "application/json" or kind.endswith("+json"):
            return "utf-8"
        if self._detected is not None:
            return self._detected
        default = self.default_encoding
        if isinstance(default, str):
            return default
        if self._content is None and self._raw_body is None:
            return None if sample is None else _codec(default(sample)) or "utf-8"
        self._detected = _codec(default(self.content)) or "utf-8"
        return self._detected

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
    def text(self) -> str:
        """``content`` as text in ``encoding``; bytes that do not decode are replaced."""
        content = self.content
        return content.decode(self._text_codec(None) or "utf-8", "replace")

    def json(self, **kwargs: typing.Any) -> typing.Any:
        """``content`` parsed as JSON (kwargs go to ``json.loads``); ``JSONDecodeError``
        (a ``ValueError``, not a ``RequestError``) naming the URL, status, content type and
        start of the body if it is not JSON."""
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
        from ._problems import json_error

        raise json_error(self, content, error) from None

    # -- pickling ------------------------------------------------------------------------------

    def __getstate__(self) -> dict[str, typing.Any]:
        """A response pickles as it is, body included, unless the body is still on an open
        connection: ResponseNotRead then (``read()`` it first)."""
        if self._content is None and self._raw_body is None and not self._closed:
            error = self._unread()
            raise type(error)(f"cannot pickle a response whose body is still streaming: {error}")
        state = self.__dict__.copy()
        for name in ("_stream", "_astream", "_started", "_closed"):
            state.pop(name, None)
        if callable(self.default_encoding):  # (a function may not pickle: keep its answer)
            state.pop("default_encoding")
            if self._content is not None or self._raw_body is not None:
                state["_detected"] = self._text_codec(None)
        return state

    def __setstate__(self, state: dict[str, typing.Any]) -> None:
        self.__dict__.update(state)

    # -- errors --------------------------------------------------------------------------------

    def raise_for_status(self) -> Response:
        """Raise an HTTPStatusError for 4xx and 5xx (``NotFound`` for 404; ``ClientError`` or
        ``ServerError`` for a status without a class of its own), its message the status, the
        request and the API's own explanation (sanitized; an HTML page by its title); return
        the response otherwise."""
        if self.status_code < 400:
            return self
        from ._problems import status_message
        from ._status_errors import status_error_class

        raise status_error_class(self.status_code)(
            status_message(self), request=self.request, response=self)

    def __repr__(self) -> str:
        return f"<Response [{self.status_code} {self.reason_phrase}]>"


def _reason(status: int) -> str:
    from ._codes import codes

    return codes.get_reason_phrase(status)


def _codec(name: typing.Any) -> str | None:
    """A codec name as Python spells it; None for one it does not know."""
    try:
        return str(codecs.lookup(name).name) if name else None
    except (LookupError, TypeError, ValueError):
        return None
