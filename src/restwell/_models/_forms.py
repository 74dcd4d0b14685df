"""Query strings and ``application/x-www-form-urlencoded`` bodies: parameters as pairs,
encoded and decoded the one way the URL, the client's defaults and form bodies all use."""

from __future__ import annotations

import re
import typing

from ._percent import quote, unquote

__all__ = ["QueryParams", "encode_form", "form_key", "form_quote", "param_pairs", "query_keys",
           "query_pairs"]

QueryParams = typing.Union[
    typing.Mapping[str, typing.Any],
    typing.Sequence[typing.Tuple[str, typing.Any]],
    str,
    bytes,
    None,
]

_FORM_RAW = re.compile(r"[A-Za-z0-9\-._~]*")


def _form_quote(value: str) -> str:
    if _FORM_RAW.fullmatch(value):
        return value
    return quote(value.replace("%", "%25"), _FORM_RAW).replace("%20", "+")


form_quote = _form_quote  # for the rest of the package: one form encoder


_FORM_BYTES = frozenset(b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~")


def _form_text(value: typing.Any) -> str:
    """One key or value that is no str, form-encoded: booleans as ``true``/``false``, bytes
    as their octets (UTF-8 text reads as itself), anything else as ``str()`` of it."""
    if value is True:
        return "true"
    if value is False:
        return "false"
    if isinstance(value, (bytes, bytearray, memoryview)):
        return "".join(chr(b) if b in _FORM_BYTES else "+" if b == 32 else f"%{b:02X}"
                       for b in bytes(value))
    return _form_quote(str(value))


def form_key(key: typing.Any) -> str:
    """A parameter's key as ``URL.params`` decodes it, to compare keys given as str, bytes or
    a number with the keys of a query string."""
    if isinstance(key, (bytes, bytearray, memoryview)):
        return bytes(key).decode("utf-8", "replace")
    return key if type(key) is str else str(key)


def query_pairs(query: str) -> list[tuple[str, str]]:
    """A query string as decoded (key, value) pairs (``+`` is a space), in order."""
    pairs = []
    for part in query.split("&"):
        if part:
            key, _, value = part.partition("=")
            pairs.append((unquote(key.replace("+", " ")), unquote(value.replace("+", " "))))
    return pairs


def query_keys(query: str) -> set[str]:
    """The decoded keys of a query string (``a=1&b`` -> {"a", "b"})."""
    return {key for key, _ in query_pairs(query)}


def param_pairs(params: QueryParams) -> list[tuple[str, typing.Any]]:
    """Query parameters as (key, value) pairs, a list value giving one pair per item; a value
    of None stays a pair here (it removes a client default), and is never encoded."""
    if params is None:
        return []
    if isinstance(params, (str, bytes)):
        raise TypeError("a query string must be passed in the URL, not as params=")
    items = params.items() if isinstance(params, typing.Mapping) else params
    out: list[tuple[str, typing.Any]] = []
    for key, value in items:
        if isinstance(value, (list, tuple)):
            out.extend((key, v) for v in value)
        else:
            out.append((key, value))
    return out


def encode_form(params: QueryParams) -> str:
    """``application/x-www-form-urlencoded`` of a mapping or pairs; lists repeat the key, and
    a key whose value is None is left out (as requests does)."""
    if isinstance(params, str):
        return params
    if isinstance(params, bytes):
        return params.decode("ascii")
    parts = []
    for k, v in param_pairs(params):
        if v is not None:  # (a str, the common case, skips _form_text's tests)
            parts.append(f"{_form_quote(k) if type(k) is str else _form_text(k)}="
                         f"{_form_quote(v) if type(v) is str else _form_text(v)}")
    return "&".join(parts)
