"""``Link`` fields (RFC 8288 §3), parsed whole, for ``response.links`` and pagination.

    Link       = #link-value
    link-value = "<" URI-Reference ">" *( OWS ";" OWS link-param )
    link-param = token BWS [ "=" BWS ( token / quoted-string ) ]

A scanner, not a regular expression: a comma or semicolon inside a quoted string or inside
``<...>`` separates nothing, repeated fields are one list, and a malformed link-value is
skipped up to the next comma (never an exception: the field is the server's).

- An unquoted value is read up to ``;``, ``,`` or a space, leniently (a media type such as
  ``type=text/html`` is not a token, but servers send it).
- Parameter names are case-insensitive (lower-cased); ``rel``, ``title``, ``title*``,
  ``type`` and ``media`` count only at their first occurrence (§3.3, §3.4.1).
- ``rel`` may hold several relation types, space-separated: the link is found under each.
  Registered types are case-insensitive (lower-cased); extension types are URIs, kept as
  they are.
- ``title*`` is RFC 8187 (``UTF-8''%e2%82%ac%20rates``), decoded, and preferred as ``title``.
- The target and ``anchor`` are URI-references, resolved against the response's URL
  (§3.2; a base URL in the body does not apply).

The result is shaped like requests': ``{"next": {"url": ..., "rel": "next", ...}}``, by each
relation type (the first link of a type wins), else by URL for a link without ``rel``.
"""

from __future__ import annotations

import typing

from ._exceptions import InvalidURL

if typing.TYPE_CHECKING:  # pragma: no cover
    from ._urls import URL

__all__ = ["parse_link_fields", "parse_link_values"]

_TCHAR = frozenset("!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyz"
                   "ABCDEFGHIJKLMNOPQRSTUVWXYZ")
_ONCE = frozenset({"rel", "title", "title*", "type", "media"})
_OWS = " \t"


class _Scanner:
    __slots__ = ("text", "at")

    def __init__(self, text: str) -> None:
        self.text = text
        self.at = 0

    def peek(self) -> str:
        return self.text[self.at] if self.at < len(self.text) else ""

    def skip_ows(self) -> None:
        while self.peek() and self.peek() in _OWS:
            self.at += 1

    def token(self) -> str:
        start = self.at
        while self.peek() and self.peek() in _TCHAR:
            self.at += 1
        return self.text[start:self.at]

    def bare(self) -> str:
        """An unquoted value: a token, leniently (``type=text/html`` is common)."""
        start = self.at
        while self.peek() and self.peek() not in ';, \t"':
            self.at += 1
        return self.text[start:self.at]

    def quoted(self) -> str | None:
        """A quoted-string's value (at its opening quote), or None when it never closes."""
        self.at += 1
        out: list[str] = []
        while self.at < len(self.text):
            char = self.text[self.at]
            self.at += 1
            if char == '"':
                return "".join(out)
            if char == "\\" and self.at < len(self.text):
                char = self.text[self.at]
                self.at += 1
            out.append(char)
        return None

    def skip_value(self) -> None:
        """To the comma that ends this link-value (quoted strings and <...> skipped whole)."""
        while self.at < len(self.text) and self.peek() != ",":
            if self.peek() == '"':
                self.quoted()
            elif self.peek() == "<":
                end = self.text.find(">", self.at)
                self.at = len(self.text) if end < 0 else end + 1
            else:
                self.at += 1


def _params(scan: _Scanner) -> dict[str, str] | None:
    params: dict[str, str] = {}
    while True:
        scan.skip_ows()
        if scan.peek() in ("", ","):
            return params
        if scan.peek() != ";":
            return None
        scan.at += 1
        scan.skip_ows()
        name = scan.token().lower()
        if not name:
            if scan.peek() in ("", ",", ";"):
                continue  # an empty parameter (";;"): tolerated
            return None
        scan.skip_ows()
        value = ""
        if scan.peek() == "=":
            scan.at += 1
            scan.skip_ows()
            if scan.peek() == '"':
                quoted = scan.quoted()
                if quoted is None:
                    return None
                value = quoted
            else:
                value = scan.bare()
        if name not in params or name not in _ONCE:
            params[name] = value if name not in params else f"{params[name]} {value}"


def parse_link_values(fields: typing.Iterable[str]) -> list[tuple[str, dict[str, str]]]:
    """Each link of the fields, in order: its target as written and its parameters."""
    found: list[tuple[str, dict[str, str]]] = []
    for field in fields:
        scan = _Scanner(field)
        while scan.at < len(field):
            scan.skip_ows()
            if scan.peek() == ",":
                scan.at += 1
                continue
            if scan.peek() != "<":
                scan.skip_value()
                continue
            end = field.find(">", scan.at)
            if end < 0:
                break
            target = field[scan.at + 1:end].strip()
            scan.at = end + 1
            params = _params(scan)
            if params is None:
                scan.skip_value()
            else:
                found.append((target, params))
    return found


def _decode_ext(value: str) -> str | None:
    """An RFC 8187 ext-value (``charset'lang'pct-encoded``), or None when it is not one."""
    import urllib.parse

    charset, quote, rest = value.partition("'")
    _lang, quote2, encoded = rest.partition("'")
    if not quote or not quote2 or charset.lower() not in ("utf-8", "iso-8859-1"):
        return None
    try:
        return urllib.parse.unquote(encoded, encoding=charset.lower(), errors="strict")
    except (UnicodeDecodeError, LookupError):
        return None


def _resolve(base: URL | None, reference: str) -> str:
    if base is None:
        return reference
    try:
        return str(base.join(reference))
    except InvalidURL:  # kept as written: following it fails with the URL's own error
        return reference


def parse_link_fields(fields: typing.Iterable[str], base: URL | None = None
                      ) -> dict[str, dict[str, str]]:
    """The links of ``Link`` fields by relation type (else by URL), targets and anchors
    resolved against ``base``."""
    links: dict[str, dict[str, str]] = {}
    for target, params in parse_link_values(fields):
        link = {"url": _resolve(base, target), **{k: v for k, v in params.items() if k != "url"}}
        if "anchor" in params:
            link["anchor"] = _resolve(base, params["anchor"])
        if "title*" in params:
            decoded = _decode_ext(params["title*"])
            if decoded is not None:
                link["title*"] = link["title"] = decoded
        rels = [rel if ":" in rel else rel.lower() for rel in params.get("rel", "").split()]
        for key in rels or [link["url"]]:
            links.setdefault(key, link)
    return links
