"""Reading the fields caching depends on: Cache-Control (RFC 9111 §5.2), HTTP dates (RFC 9110
§5.6.7), Age, entity tags (RFC 9110 §8.8.3) and the Vary secondary key (RFC 9111 §4.1).

Every reader is lenient the way §4.2.1 and §5.2 ask: a field that does not parse counts as
absent (or, for ``Expires``, as "already expired"), never as an error in the caller's request.
"""

from __future__ import annotations

import re
import typing

__all__ = ["Directives", "cache_control", "http_date", "delta_seconds", "age_of",
           "etag_matches", "vary_names", "vary_values"]

Directives = dict[str, str | None]
Fields = typing.Sequence[tuple[str, str]]
# One directive: a token, optionally "=" and a token or quoted string, then a comma or the end.
_DIRECTIVE = re.compile(
    r'\s*([!#$%&\'*+\-.^_`|~0-9A-Za-z]+)\s*(?:=\s*("(?:[^"\\]|\\.)*"|[^,]*))?\s*(?:,|$)')
_SPACE = re.compile(r"\s+")


def values(fields: Fields, name: str) -> list[str]:
    """The values of every field called ``name`` (lower-case), in order."""
    return [value for field, value in fields if field.lower() == name]


def cache_control(fields: Fields) -> Directives:
    """The Cache-Control directives, names lower-cased, quoted values unquoted; the first of
    a repeated directive wins, as §4.2.1 asks of max-age."""
    found: Directives = {}
    for value in values(fields, "cache-control"):
        for match in _DIRECTIVE.finditer(value):
            name, argument = match.group(1).lower(), match.group(2)
            if argument is not None:
                argument = argument.strip()
                if argument.startswith('"') and argument.endswith('"') and len(argument) > 1:
                    argument = re.sub(r"\\(.)", r"\1", argument[1:-1])
            found.setdefault(name, argument)
    return found


def delta_seconds(directives: Directives, name: str) -> int | None:
    """A directive's delta-seconds (§1.2.2): None when absent or not a number; a number too
    large is capped at 2**31, as the RFC allows."""
    if name not in directives:
        return None
    text = (directives[name] or "").strip()
    if not text.isdigit():
        return None
    return min(int(text), 2**31)


def http_date(text: str | None) -> float | None:
    """An HTTP date (IMF-fixdate, or the obsolete RFC 850 and asctime forms) as a POSIX
    timestamp; None when it does not parse."""
    if not text:
        return None
    import email.utils  # here: only a cache reads dates

    try:
        parsed = email.utils.parsedate_tz(text.strip())
    except (TypeError, ValueError, IndexError):
        return None
    if parsed is None:
        return None
    try:
        return float(email.utils.mktime_tz(parsed))
    except (OverflowError, ValueError):
        return None


def first(fields: Fields, name: str) -> str | None:
    """The first value of a field, or None."""
    for field, value in fields:
        if field.lower() == name:
            return value
    return None


def age_of(fields: Fields) -> float:
    """The Age field in seconds (§5.1): 0 when absent or invalid."""
    text = (first(fields, "age") or "").strip()
    return float(min(int(text), 2**31)) if text.isdigit() else 0.0


def _opaque(tag: str) -> tuple[bool, str]:
    tag = tag.strip()
    weak = tag.startswith(("W/", "w/"))
    return weak, tag[2:] if weak else tag


def etag_matches(a: str | None, b: str | None, *, weak: bool) -> bool:
    """Compare two entity tags (RFC 9110 §8.8.3.2): weakly (opaque tags equal, either may be
    weak) or strongly (both strong and equal)."""
    if not a or not b:
        return False
    weak_a, tag_a = _opaque(a)
    weak_b, tag_b = _opaque(b)
    if tag_a != tag_b:
        return False
    return weak or not (weak_a or weak_b)


def vary_names(fields: Fields) -> tuple[str, ...] | None:
    """The request fields a response varies on, lower-cased and sorted; None for ``Vary: *``
    (a response that never matches a later request, §4.1)."""
    names: set[str] = set()
    for value in values(fields, "vary"):
        for name in value.split(","):
            name = name.strip().lower()
            if name == "*":
                return None
            if name:
                names.add(name)
    return tuple(sorted(names))


def vary_values(request_fields: Fields, names: typing.Iterable[str]) -> list[str | None]:
    """The request's values for each Vary name, normalised (§4.1): repeated fields joined,
    whitespace around commas and runs of whitespace collapsed; None for an absent field."""
    result: list[str | None] = []
    for name in names:
        found = values(request_fields, name)
        if not found:
            result.append(None)
            continue
        parts = [_SPACE.sub(" ", part.strip()) for value in found for part in value.split(",")]
        result.append(",".join(part for part in parts if part))
    return result
