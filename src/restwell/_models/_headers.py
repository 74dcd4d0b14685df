"""Headers: a case-insensitive multi-dict that keeps order and the caller's casing.

Every name and value a caller gives is checked here, once, when it enters a ``Headers``:
names must be RFC 9110 tokens and values must hold no CTL byte except HTAB (GHSA-2vrm-gr82-f7m5
rejects the whole 0x00-0x08, 0x0A-0x1F, 0x7F range, not only CR, LF and NUL). The serializer
can then trust every ``Headers`` it is handed. Headers parsed from a response come from
llhttp in strict mode, which has already refused CTLs, so they skip the check.
"""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping

from ._exceptions import InvalidHeader, LocalProtocolError

__all__ = ["Headers", "HeaderTypes", "check_header", "check_method", "parse_links"]


_TOKEN = re.compile(r"[!#$%&'*+\-.^_`|~0-9A-Za-z]+")
_BAD_VALUE = re.compile(r"[\x00-\x08\x0a-\x1f\x7f]")
# A lone surrogate that is no escaped byte (surrogateescape keeps bytes as U+DC80-U+DCFF):
# nothing could put it on the wire.
_STRAY_SURROGATE = re.compile("[\ud800-\udc7f\udd00-\udfff]")
_KNOWN_METHODS = {"GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS", "TRACE"}
_SECRET = frozenset({"authorization", "proxy-authorization", "cookie", "set-cookie"})
HeaderTypes = typing.Union[
    "Headers",
    typing.Mapping[str, typing.Union[str, bytes]],
    typing.Sequence[typing.Tuple[str, typing.Union[str, bytes]]],
    None,
]


def check_header(name: str, value: str | bytes) -> tuple[str, str]:
    """Validate one header field; returns it as ``str`` with surrounding blanks stripped."""
    if type(name) is not str or name not in _GOOD_NAMES:
        _check_name(name)
    if isinstance(value, bytes):
        # Octets go out as they came: UTF-8 reads as text, any other byte as a lone surrogate
        # that the head's encoder turns back into that byte (surrogateescape).
        value = value.decode("utf-8", "surrogateescape")
    elif not isinstance(value, str):
        raise InvalidHeader(
            f"Invalid value for header {name!r}: expected str or bytes, got "
            f"{type(value).__name__}; convert it with str() first"
            + ("" if value is not None else " (to leave a field out, or to remove a client "
               "default, give it the value None in headers= or set headers[name] = None)")
        )
    # A printable value holds no control character; only the others need the search
    # (HTAB, and characters str.isprintable() does not count, are allowed).
    bad = None if value.isprintable() else _BAD_VALUE.search(value)
    if bad:
        raise InvalidHeader(
            f"Invalid value for header {name!r}: it contains the control character "
            f"{bad.group()!r}, which could inject headers; remove it"
        )
    if not value.isascii() and _STRAY_SURROGATE.search(value):
        raise InvalidHeader(
            f"Invalid value for header {name!r}: it holds a lone surrogate, which no encoding "
            "can send; give the value as text or as bytes"
        )
    return name, value.strip(" \t")


# Names that passed the token check, so that the common ones are checked once per process.
_GOOD_NAMES: set[str] = set()


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not _TOKEN.fullmatch(name):
        raise InvalidHeader(
            f"Invalid header name {name!r}: a name must be a non-empty token "
            "(letters, digits and !#$%&'*+-.^_`|~)"
        )
    if len(_GOOD_NAMES) < 1024:  # bounded: names are chosen by programs, but not always
        _GOOD_NAMES.add(name)


def parse_fields(head: bytes) -> list[tuple[bytes, bytes]]:
    """The (name, value) fields of a response head that llhttp has already validated: a
    status line, then ``name: value`` lines separated by CRLF (obs-fold already unfolded)."""
    fields = []
    for line in head.split(b"\r\n")[1:]:
        name, _, value = line.partition(b":")
        fields.append((name, value.strip(b" \t")))
    return fields


def reason_of(head: bytes) -> bytes:
    """The reason phrase of a response head's status line (b"" when there is none)."""
    end = head.find(b"\r\n")
    parts = (head if end < 0 else head[:end]).split(b" ", 2)
    return parts[2] if len(parts) > 2 else b""


_LINK = re.compile(r"\s*<([^>]*)>\s*((?:;[^,]*)?)(?:,|$)")


def parse_links(value: str) -> dict[str, dict[str, str]]:
    """A ``Link`` field (RFC 8288) by ``rel`` (else by URL), each link's parameters with
    its ``url``, as requests and httpx give them: ``{"next": {"url": ..., "rel": "next"}}``."""
    links: dict[str, dict[str, str]] = {}
    for url, params in _LINK.findall(value):
        link = {"url": url.strip()}
        for param in params.split(";"):
            key, eq, val = param.partition("=")
            if eq and key.strip():
                link[key.strip().lower()] = val.strip().strip('"')
        links[link.get("rel") or link["url"]] = link
    return links


def check_method(method: str) -> str:
    """The method as sent, upper-cased as requests does; anything but a token raises
    (CVE-2020-26116, CVE-2023-49082)."""
    if method in _KNOWN_METHODS:
        return method
    if not isinstance(method, str) or not _TOKEN.fullmatch(method):
        raise LocalProtocolError(
            f"Invalid HTTP method {method!r}: a method must be a token such as 'GET'; "
            "spaces and control characters are not allowed"
        )
    return method.upper()


class Headers(typing.MutableMapping[str, str]):
    """Case-insensitive, order-keeping, with repeated fields (``get_list``, ``add``).

    A value of ``None`` means "no such field": ``Headers({"X": None})`` leaves it out and
    ``headers["X"] = None`` removes it. ``bytes`` values are kept as octets (sent as given)."""

    # _block caches the serialised fields ("Name: value\r\n" each); every mutation clears it.
    __slots__ = ("_list", "_block")

    def __init__(self, headers: HeaderTypes = None) -> None:
        self._block: str | None = None
        # (type() first: isinstance() against an ABC, Headers included, runs Python code)
        if type(headers) is not dict and isinstance(headers, Headers):
            self._list: list[tuple[str, str]] = headers._list.copy()
            self._block = headers._block
            return
        self._list = []
        if headers is None:
            return
        items = (headers.items() if type(headers) is dict or isinstance(headers, Mapping)
                 else headers)
        append = self._list.append
        for name, value in items:
            # check_header's own fast path, inlined: a name already seen, a printable str
            if (type(name) is str and name in _GOOD_NAMES and type(value) is str
                    and value.isprintable()):
                append((name, value.strip(" \t")))
            elif value is not None:  # None: no such field (as requests reads it)
                append(check_header(name, value))

    @classmethod
    def from_raw(cls, raw: typing.Iterable[tuple[bytes, bytes]]) -> Headers:
        """Headers parsed off the wire (already validated by the parser)."""
        new = cls.__new__(cls)
        new._list = [(n.decode("latin-1"), _decode_value(v)) for n, v in raw]
        new._block = None
        return new

    def _for_host(self, netloc: str) -> Headers:
        """A request's fields: ``Host`` first, then these (a client's defaults), reusing
        their serialised block; any change to the new fields clears it again."""
        new = Headers.__new__(Headers)
        new._list = [("Host", netloc), *self._list]
        new._block = f"Host: {netloc}\r\n{self._block or self.encoded()}"
        return new

    def _override(self, extra: Headers, defaults: typing.AbstractSet[str]) -> None:
        """A call's fields replace those of the same names (and Host) among these, where
        ``defaults`` are the lower-cased names these may share with ``extra``."""
        fields = extra._list
        for name, _ in fields:  # (a loop: a call passes a field or two, a set would cost more)
            lower = name.lower()
            if lower == "host" or lower in defaults:
                break
        else:  # nothing replaced: extend
            self._list.extend(fields)
            if self._block is not None:
                self._block += extra.encoded()
            return
        names = {name.lower() for name, _ in fields}
        self._list = [item for item in self._list if item[0].lower() not in names]
        self._list.extend(fields)
        self._block = None

    def _set_host(self, netloc: str) -> None:
        """Put ``Host`` first when there is none (HTTP/1.1 requires it, RFC 9112 §3.2)."""
        if "host" not in self:
            self._list.insert(0, ("Host", netloc))
            self._block = None

    def _names(self) -> tuple[str, frozenset[str]]:
        """The serialised block and the lower-cased names: a caller keeps the names and
        works them out again only when the block (remade by every change) is another."""
        block = self._block or self.encoded()
        return block, frozenset(name.lower() for name, _ in self._list)

    def encoded(self) -> str:
        """The fields as they go on the wire, each line ending in CRLF (cached)."""
        block = self._block
        if block is None:
            block = self._block = "".join([f"{n}: {v}\r\n" for n, v in self._list])
        return block

    def get_list(self, key: str) -> list[str]:
        """Every value of the fields named ``key`` (in any case), in order; [] when none."""
        lkey = key.lower()
        return [v for n, v in self._list if n.lower() == lkey]

    def add(self, key: str, value: str | bytes) -> None:
        """Append a field, keeping any that share its name."""
        self._list.append(check_header(key, value))
        self._block = None

    def append_trusted(self, key: str, value: str) -> None:
        """Append a field restwell itself made (no validation; the cached block is extended)."""
        self._list.append((key, value))
        if self._block is not None:
            self._block += f"{key}: {value}\r\n"

    def has_any(self, lowered_names: typing.AbstractSet[str]) -> bool:
        """Is any of these (lower-case) names present? One pass over the fields (a plain
        loop: on the hot path, any() over a generator costs twice as much)."""
        for name, _ in self._list:  # noqa: SIM110
            if name.lower() in lowered_names:
                return True
        return False

    def multi_items(self) -> list[tuple[str, str]]:
        """Every (name, value) field in order, repeated names included (a new list)."""
        return self._list.copy()

    def copy(self) -> Headers:
        """An independent copy."""
        return Headers(self)

    def __getitem__(self, key: str) -> str:
        values = self.get_list(key)
        if not values:
            raise KeyError(key)
        return ", ".join(values)

    def get(self, key: str, default: typing.Any = None) -> typing.Any:
        """The value of ``key`` (in any case), repeated fields joined with ", "; ``default``
        when there is none."""
        lkey = key.lower()
        for name, value in self._list:
            if name.lower() == lkey:
                values = self.get_list(key)
                return value if len(values) == 1 else ", ".join(values)
        return default

    def __setitem__(self, key: str, value: str | bytes | None) -> None:
        """Replace every field named ``key`` (in any case) with this one; ``None`` removes
        them (no KeyError when there is none), so ``update({"User-Agent": None})`` drops it."""
        if value is None:
            self.pop_all(key)
            return
        field = check_header(key, value)
        lkey = key.lower()
        self._list = [item for item in self._list if item[0].lower() != lkey]
        self._list.append(field)
        self._block = None

    def setdefault(self, key: str, default: str = "") -> str:
        """The value of ``key``; when there is none, set it to ``default`` and return that
        (InvalidHeader if it cannot be sent)."""
        existing: str | None = self.get(key)
        if existing is None:
            self[key] = default
            return default
        return existing

    def __delitem__(self, key: str) -> None:
        lkey = key.lower()
        kept = [item for item in self._list if item[0].lower() != lkey]
        if len(kept) == len(self._list):
            raise KeyError(key)
        self._list = kept
        self._block = None

    def pop_all(self, key: str) -> list[str]:
        """Remove every field named ``key`` (any spelling); their values, maybe none."""
        lkey = key.lower()
        gone = [value for name, value in self._list if name.lower() == lkey]
        if gone:
            self._list = [item for item in self._list if item[0].lower() != lkey]
            self._block = None
        return gone

    def __contains__(self, key: object) -> bool:
        if not isinstance(key, str):
            return False
        lkey = key.lower()
        for name, _ in self._list:  # noqa: SIM110 (a plain loop: see has_any)
            if name.lower() == lkey:
                return True
        return False

    def __iter__(self) -> typing.Iterator[str]:
        seen: set[str] = set()
        for name, _ in self._list:
            lname = name.lower()
            if lname not in seen:
                seen.add(lname)
                yield name

    def __len__(self) -> int:
        return len({n.lower() for n, _ in self._list})

    def __eq__(self, other: object) -> bool:
        if isinstance(other, Headers):
            mine = sorted((n.lower(), v) for n, v in self._list)
            return mine == sorted((n.lower(), v) for n, v in other._list)
        if isinstance(other, typing.Mapping):
            return self == Headers(other)
        return NotImplemented

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = [(n, "[secret]" if n.lower() in _SECRET else v) for n, v in self._list]
        return f"Headers({shown!r})"


def _decode_value(value: bytes) -> str:
    try:
        return value.decode("utf-8")
    except UnicodeDecodeError:
        return value.decode("latin-1")
