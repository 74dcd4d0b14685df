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
same bytes as ``json.JSONEncoder(ensure_ascii=False, separators=(",", ":"),
allow_nan=False).encode(value).encode()``. ``encode`` builds the C encoder and a closure on
every call (and ``json.dumps()`` with options builds a JSONEncoder too); ``dumps`` calls the
C encoder directly, as ``encode`` itself does for a one-shot encoding.
"""

from __future__ import annotations

import typing

__all__ = ["loads", "dumps"]

_Decode = typing.Callable[[bytes], typing.Any]
_CHOSEN: list[_Decode] = []
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

    if not use_msgspec:
        return stdlib
    try:
        import msgspec
    except ImportError:
        return stdlib
    fast = msgspec.json.Decoder().decode

    def with_msgspec(content: bytes) -> typing.Any:
        try:
            return fast(content)
        except Exception:  # refused (or not JSON at all): the stdlib decides
            return stdlib(content)

    return with_msgspec


def dumps(value: typing.Any) -> bytes:
    if not _ENCODER:
        _ENCODER.append(_encoder())
    return _ENCODER[0](value)


def _encoder() -> typing.Callable[[typing.Any], bytes]:
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

    return dump
