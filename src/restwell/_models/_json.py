"""Decoding JSON response bodies: the same result as ``json.loads``, for less.

``loads`` takes the body's bytes (RFC 8259: JSON on the wire is UTF-8) and returns exactly
what ``json.loads`` returns for their UTF-8 text, or raises ``ValueError`` where it raises
(invalid UTF-8 included).

- With msgspec installed (``restwell[speedups]``), its decoder goes first: it parses a
  small API response in about a quarter of the instructions of the stdlib's, and it keeps
  integers of any size exact (orjson would turn a 20-digit id into a float). What it refuses
  that the stdlib accepts (``NaN``, ``1e400``, a lone surrogate escape, deep nesting) goes
  to the stdlib, so the two paths agree on every input (``tests/test_json.py``).
- Without it, the stdlib's C scanner is called directly: ``json.loads`` spends a third of
  its time in Python around it (encoding detection, two whitespace regex matches). Any
  input that path does not take whole (leading whitespace, trailing data, an error) goes
  through ``json.JSONDecoder.decode`` for the stdlib's own result or message.

The decoder is chosen on first use, so ``import restwell`` imports neither.

``dumps`` encodes ``json=`` request bodies: compact UTF-8, NaN and infinities refused, the
JSON text of ``json.JSONEncoder(ensure_ascii=False, separators=(",", ":"),
allow_nan=False).encode(value).encode()``, and the same errors.

- With msgspec, a value built only of the types both encode alike (dicts with str keys,
  lists, str, int, bool, None, finite floats; ``_plain`` walks it to see) is encoded by
  msgspec: CPython escapes a string at over 2 ns a character, msgspec several times faster.
  The bytes are the stdlib's but for a float's exponent (``1e16`` for ``1e+16``), which
  every JSON parser reads as the same number. Anything else goes to the stdlib, so the
  values ``json=`` accepts and refuses do not depend on the extra.
- The stdlib's C encoder is called directly: ``encode`` builds it and a closure on every
  call (and ``json.dumps()`` with options builds a JSONEncoder too).
"""

from __future__ import annotations

import typing

__all__ = ["loads", "dumps"]


_Decode = typing.Callable[[bytes], typing.Any]
_CHOSEN: list[_Decode] = []  # filled once, never replaced: Response.json reads it directly
_ENCODER: list[typing.Callable[[typing.Any], bytes]] = []


def loads(content: bytes) -> typing.Any:
    if not _CHOSEN:
        _CHOSEN.append(_choose())
    return _CHOSEN[0](content)


def _choose(use_msgspec: bool = True) -> _Decode:
    import json

    decoder: typing.Any = json.JSONDecoder()  # scan_once is set per instance
    scan, decode = decoder.scan_once, decoder.decode

    def stdlib(content: bytes) -> typing.Any:
        text = content.decode("utf-8")
        try:
            value, end = scan(text, 0)
        except StopIteration:  # leading whitespace, or not JSON: the full decoder says which
            return decode(text)
        if end != len(text) and text[end:].strip(" \t\n\r"):
            return decode(text)  # raises "Extra data"
        return value

    msgspec_json = _msgspec_json(use_msgspec)
    if msgspec_json is None:
        return stdlib
    fast = msgspec_json.Decoder().decode

    def with_msgspec(content: bytes) -> typing.Any:
        try:
            return fast(content)
        except Exception:  # refused (or not JSON at all): the stdlib decides
            return stdlib(content)

    return with_msgspec


def _msgspec_json(wanted: bool) -> typing.Any:
    """``msgspec.json`` when wanted and installed (``restwell[speedups]``), else None."""
    if not wanted:
        return None
    try:
        import msgspec
    except ImportError:
        return None
    return msgspec.json


def dumps(value: typing.Any) -> bytes:
    if not _ENCODER:
        _ENCODER.append(_encoder())
    return _ENCODER[0](value)


def _encoder(use_msgspec: bool = True) -> typing.Callable[[typing.Any], bytes]:
    import json
    import json.encoder

    encoder = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
    make = getattr(json.encoder, "c_make_encoder", None)  # (not in typeshed)
    if make is None:  # pragma: no cover - a Python without the C accelerator
        return lambda value: encoder.encode(value).encode("utf-8")
    default, escape = encoder.default, json.encoder.encode_basestring

    def dump(value: typing.Any) -> bytes:
        # A fresh markers dict per call: the circular-reference check must not be shared
        # between threads.
        chunks = make({}, default, escape, None, ":", ",", False, False, False)(value, 0)
        return "".join(chunks).encode("utf-8")

    msgspec_json = _msgspec_json(use_msgspec)
    if msgspec_json is None:
        return dump
    fast: typing.Callable[[typing.Any], bytes] = msgspec_json.Encoder().encode

    def with_msgspec(value: typing.Any) -> bytes:
        if _plain(value, 0):
            try:
                return fast(value)
            except Exception:  # (a lone surrogate): the stdlib raises its own error
                pass
        return dump(value)

    return with_msgspec


# Exactly these types, and finite floats, encode alike in msgspec and the stdlib.
_SCALARS = frozenset({str, int, bool, type(None)})

# Deeper than this, _plain gives up and the stdlib encodes: a cycle then gets the
# stdlib's "Circular reference" error, and too deep a value its RecursionError, rather than
# a walk of our own failing first.
_MAX_DEPTH = 100


def _plain(value: typing.Any, depth: int) -> bool:
    """Is ``value`` built of dicts with str keys, lists, str, int, bool, None and finite
    floats only? Those msgspec encodes as the stdlib does (bar a float's exponent: 1e16
    where the stdlib writes 1e+16). Anything else (NaN, tuples, subclasses, other keys,
    types the stdlib refuses and msgspec would take: datetime, UUID, bytes, dataclasses)
    goes to the stdlib, so ``json=`` accepts and refuses the same values either way."""
    kind = type(value)
    if kind is dict:
        if depth == _MAX_DEPTH:
            return False
        for key, item in value.items():
            if type(key) is not str or (
                type(item) not in _SCALARS and not _plain(item, depth + 1)
            ):
                return False
        return True
    if kind is list:
        if depth == _MAX_DEPTH:
            return False
        for item in value:  # (a loop: all() over a generator costs twice as much)
            if type(item) not in _SCALARS and not _plain(item, depth + 1):
                return False
        return True
    if kind is float:  # finite: NaN - NaN and inf - inf are NaN
        return bool(value - value == 0)
    return kind in _SCALARS
