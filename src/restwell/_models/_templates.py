"""Path templates: ``"/repos/{owner}/{repo}"`` with ``path={"owner": o, "repo": r}``.

Each value becomes exactly one path segment: every byte but RFC 3986's unreserved characters
(``A-Z a-z 0-9 - . _ ~``) is percent-encoded from its UTF-8, so ``/``, ``?``, ``#``, ``%``
and ``\\`` inside a value stay inside its segment. A value that is ``.`` or ``..`` as a whole
is refused: servers decode ``%2E%2E`` and remove dot segments (RFC 3986 §5.2.4, WHATWG URL),
so no encoding keeps it one segment. An empty value is refused too: it would make ``//``.

Names are identifiers in braces; a template's names and the given names must be the same
set, each side's strays named in the error. Other braces are left as they are.
"""

from __future__ import annotations

import re
import typing

from ._exceptions import InvalidURL

__all__ = ["PathValues", "expand_path"]

PathValues = typing.Mapping[str, typing.Union[str, int]]
_NAME = re.compile(r"\{([A-Za-z_][A-Za-z0-9_]*)\}")
_UNRESERVED = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def encode_segment(value: str) -> str:
    """``value`` as one path segment: everything but the unreserved characters encoded."""
    if value.isascii() and value.isalnum():
        return value  # (most ids and names)
    return "".join(chr(byte) if byte in _UNRESERVED else f"%{byte:02X}"
                   for byte in value.encode("utf-8"))


def _segment(template: str, name: str, value: object) -> str:
    if isinstance(value, bool) or not isinstance(value, (str, int)):
        raise InvalidURL(
            f"path value {name!r} for {template!r} is a {type(value).__name__}; give a str or "
            "an int (format other values first)")
    text = str(value)
    if text in ("", ".", ".."):
        raise InvalidURL(
            f"path value {name!r} for {template!r} is {text!r}, which cannot be a path "
            "segment of its own (it would change the path); check the value")
    try:
        return encode_segment(text)
    except UnicodeEncodeError:
        raise InvalidURL(f"path value {name!r} for {template!r} holds a lone surrogate, "
                         "which is no character; check how it was decoded") from None


def expand_path(template: str, values: PathValues) -> str:
    """The template with each ``{name}`` replaced by its value, encoded as one segment;
    InvalidURL when a name has no value or a value no name."""
    if not isinstance(template, str):
        raise InvalidURL(
            f"path= needs the URL template as a str, not a {type(template).__name__}")
    names = _NAME.findall(template)
    missing = [name for name in dict.fromkeys(names) if name not in values]
    extra = [name for name in values if name not in names]
    if missing or extra:
        said = []
        if missing:
            said.append(f"no value for {', '.join(missing)}")
        if extra:
            said.append(f"no {{name}} in the template for {', '.join(map(str, extra))}")
        raise InvalidURL(f"path= for {template!r}: {'; '.join(said)}")
    return _NAME.sub(lambda found: _segment(template, found[1], values[found[1]]), template)
