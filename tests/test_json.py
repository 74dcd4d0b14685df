"""``_json.loads(body)`` must return exactly what ``json.loads`` returns for the body's UTF-8
text (RFC 8259), and raise where it raises.

Both of its paths are checked (msgspec's decoder with the stdlib behind it, and the stdlib's
scanner called directly) on the inputs where they could part ways: numbers of every size
(orjson, for one, turns a 20-digit integer into a float), what msgspec refuses and the stdlib
accepts, whitespace, trailing data, escapes, and arbitrary JSON documents.
"""

from __future__ import annotations

import collections
import dataclasses
import datetime
import decimal
import enum
import json
import math
import typing
import uuid

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import restwell
from restwell._models import _json
from restwell._models._problems import sanitize

PATHS = {"msgspec": _json._choose(True), "stdlib": _json._choose(False)}

EDGES = [
    "123456789012345678901234567890", "-9223372036854775809", "18446744073709551616",
    "9223372036854775807", "-0", "-0.0", "1E5", "1e400", "-1e400", "5e-324", "0.1",
    "1.7976931348623157e308", "123.456e-789", "NaN", "Infinity", "-Infinity",
    '"\\ud800"', '"\\ud83d\\ude00"', '"\\u0000"', '"\\/"', '{"a":1,"a":2}', '{"":0}',
    " [1] ", "\n\t[1]\r\n", "[1] x", "[1]\x0c", "\x0c[1]", "[1,]", '{"a":1,}', "01", "1.",
    ".5", "+1", '"\\x"', '"a\x01b"', "true ", "", " ", "[", '"\u2028"', '["\ufeff"]',
    "[" * 5000 + "]" * 5000, '{"a": [1, 2.5, "x", null, true, false, {"b": {}}]}',
]


def outcome(decode: typing.Callable[[bytes], typing.Any], data: bytes) -> tuple[str, object]:
    try:
        return "ok", decode(data)
    except RecursionError:
        return "error", "RecursionError"
    except ValueError as exc:
        return "error", type(exc).__name__


def same(a: object, b: object) -> bool:
    """Equal, with the same types all the way down (1 == 1.0 is not good enough), NaN
    equal to NaN."""
    if type(a) is not type(b):
        return False
    if isinstance(a, float):
        return a == b or (math.isnan(a) and math.isnan(b))  # type: ignore[arg-type]
    if isinstance(a, dict):
        return list(a) == list(b) and all(same(a[k], b[k]) for k in a)  # type: ignore[index]
    if isinstance(a, list):
        return len(a) == len(b) and all(same(x, y) for x, y in zip(a, b, strict=True))  # type: ignore[arg-type]
    return a == b


def check(data: bytes) -> None:
    expected = outcome(lambda d: json.loads(d.decode("utf-8")), data)
    for name, decode in PATHS.items():
        got = outcome(decode, data)
        assert got[0] == expected[0], (name, data[:60], got, expected)
        assert same(got[1], expected[1]) if got[0] == "ok" else True, (name, data[:60])


@pytest.mark.parametrize("text", EDGES, ids=range(len(EDGES)))
def test_edge_cases_decode_as_the_stdlib_does(text: str) -> None:
    check(text.encode("utf-8", "surrogatepass"))


def test_invalid_utf8_is_a_value_error_on_both_paths() -> None:
    for decode in PATHS.values():
        with pytest.raises(ValueError):
            decode(b'{"a": "\xff"}')


def test_the_msgspec_path_really_uses_msgspec(monkeypatch: pytest.MonkeyPatch) -> None:
    msgspec = pytest.importorskip("msgspec")
    decoded: list[bytes] = []
    real = msgspec.json.Decoder

    class Spy:
        def __init__(self) -> None:
            self._decode = real().decode

        def decode(self, content: bytes) -> object:
            decoded.append(content)
            return self._decode(content)

    monkeypatch.setattr(msgspec.json, "Decoder", Spy)
    assert _json._choose(True)(b'{"a": [1]}') == {"a": [1]}
    assert decoded == [b'{"a": [1]}']
    assert _json._choose(False)(b"[2]") == [2] and len(decoded) == 1


json_values = st.recursive(
    st.none() | st.booleans() | st.integers(min_value=-(10**40), max_value=10**40)
    | st.floats(allow_nan=False, allow_infinity=False) | st.text(),
    lambda inner: st.lists(inner, max_size=5) | st.dictionaries(st.text(), inner, max_size=5),
    max_leaves=30,
)


@settings(max_examples=300, deadline=None)
@given(json_values, st.sampled_from(["", " ", "\n", "\t\r\n "]), st.booleans())
def test_any_document_decodes_as_the_stdlib_does(
    value: object, space: str, ascii_only: bool
) -> None:
    text = space + json.dumps(value, ensure_ascii=ascii_only) + space
    check(text.encode("utf-8"))


@settings(max_examples=300, deadline=None)
@given(st.from_regex(r"-?(0|[1-9][0-9]{0,40})(\.[0-9]{1,30})?([eE][+-]?[0-9]{1,4})?",
                     fullmatch=True))
def test_any_number_decodes_as_the_stdlib_does(number: str) -> None:
    check(number.encode())
    check(f'{{"n": {number}}}'.encode())


@settings(max_examples=300, deadline=None)
@given(st.binary(max_size=64))
def test_any_bytes_decode_or_fail_as_the_stdlib_does(data: bytes) -> None:
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        for decode in PATHS.values():
            with pytest.raises(ValueError):
                decode(data)
        return
    check(data)


# -- encoding request bodies (json=) ---------------------------------------------------------


REFERENCE = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), allow_nan=False)
DUMPS = {"msgspec": _json._encoder(True), "stdlib": _json._encoder(False)}


def has_float(value: object) -> bool:
    if isinstance(value, dict):
        return any(has_float(v) for v in value.values())
    if isinstance(value, (list, tuple)):
        return any(has_float(v) for v in value)
    return isinstance(value, float)


def check_body(value: object) -> None:
    """Both paths make the reference's JSON text: the same bytes, except that msgspec
    may spell a float's exponent differently (1e16, not 1e+16): the same value still."""
    try:
        expected = REFERENCE.encode(value).encode("utf-8")
    except UnicodeEncodeError:  # a lone surrogate: not encodable as UTF-8 either way
        for dump in DUMPS.values():
            with pytest.raises(UnicodeEncodeError):
                dump(value)
        return
    for name, dump in DUMPS.items():
        got = dump(value)
        if name == "stdlib" or not has_float(value):
            assert got == expected, name
        else:
            assert same(json.loads(got), json.loads(expected)), (got, expected)


@settings(max_examples=300, deadline=None)
@given(json_values)
def test_json_bodies_are_what_the_stdlib_encoder_makes(value: object) -> None:
    check_body(value)
    assert _json.dumps(value) == DUMPS["msgspec"](value)  # the default takes msgspec


class Color(enum.IntEnum):
    RED = 1


class Name(enum.StrEnum):
    ADA = "ada"


@pytest.mark.parametrize("value", [
    {1: "int key", 2.5: "float key", False: "bool", None: "none"}, "top-level str", 42, None,
    [1, (2, 3)], {"nested": {"a": [{"b": []}]}}, "é\u2028\x00\"\\", [1e16, 1e-7, -0.0, 5e-324],
    [Color.RED, {"c": Color.RED}], [Name.ADA], collections.OrderedDict(a=1), 2**70, -(2**64),
    [True, False, None, 0.1], "\ud800", {"k": ["\ud83d"]},
])
def test_json_bodies_of_every_shape(value: object) -> None:
    check_body(value)


@pytest.mark.parametrize("value", [float("nan"), [float("inf")], {"x": -float("inf")},
                                   [[1.0, {"y": float("nan")}]]])
def test_json_bodies_refuse_nan_and_infinity(value: object) -> None:
    for dump in DUMPS.values():
        with pytest.raises(ValueError, match="JSON compliant"):
            dump(value)


@pytest.mark.parametrize("value", [
    datetime.datetime(2026, 1, 1), uuid.UUID(int=1), b"bytes", {1, 2}, decimal.Decimal("1.5"),
    {"when": datetime.date(2026, 1, 1)}, [dataclasses.make_dataclass("P", ["x"])(1)],
    {"k": object()},
])
def test_json_bodies_refuse_what_the_stdlib_refuses(value: object) -> None:
    """msgspec would encode these; json= refuses them with or without it."""
    for dump in DUMPS.values():
        with pytest.raises(TypeError, match="not JSON serializable"):
            dump(value)


def test_json_bodies_refuse_cycles_and_unknown_types() -> None:
    loop: list[object] = []
    loop.append(loop)
    deep: list[object] = []
    for _ in range(5000):
        deep = [deep]
    for dump in DUMPS.values():
        with pytest.raises(ValueError, match="Circular"):
            dump(loop)
        with pytest.raises(TypeError, match="not JSON serializable"):
            dump({"when": object()})
        assert dump([loop[:0], loop[:0]]) == b"[[],[]]"  # the same object twice is no cycle
        with pytest.raises(RecursionError):
            dump(deep)


def test_json_bodies_nested_past_the_walk_still_encode() -> None:
    """Past _plain's depth the stdlib encodes, and the bytes are the same."""
    value: object = {"leaf": [1, "two", None]}
    for level in range(150):
        value = [value] if level % 2 else {"k": value}
    expected = json.dumps(value, separators=(",", ":")).encode()
    for dump in DUMPS.values():
        assert dump(value) == expected


def test_the_msgspec_encoder_really_is_used() -> None:
    pytest.importorskip("msgspec")
    assert DUMPS["msgspec"]([1e16]) == b"[1e16]"  # the stdlib writes 1e+16
    assert DUMPS["stdlib"]([1e16]) == b"[1e+16]"


def _response(body: bytes) -> restwell.Response:
    return restwell.Response(
        200, content=body, request=restwell.Request("GET", "https://api.example/items?page=2")
    )


def test_response_json_skips_a_byte_order_mark() -> None:
    """RFC 8259 §8.1 lets a parser ignore a BOM, and json.loads does: so does .json(), whose
    fast path never looks for one."""
    body = b'\xef\xbb\xbf{"id": 12345678901234567890, "price": 1.5}'
    assert _response(body).json() == {"id": 12345678901234567890, "price": 1.5}
    assert _response(body).json(parse_float=decimal.Decimal) == {
        "id": 12345678901234567890, "price": decimal.Decimal("1.5")
    }


@pytest.mark.parametrize("body", [b'{"id": 1,', b'\xef\xbb\xbf{"id": ', b"", b"\xff{}"])
def test_response_json_names_the_request_when_the_body_is_not_json(body: bytes) -> None:
    """A JSONDecodeError: json's own (so a ValueError) and restwell's, not a RequestError, so
    a retry loop on RequestError does not resend a request that succeeded."""
    with pytest.raises(restwell.JSONDecodeError) as caught:
        _response(body).json()
    error = caught.value
    assert isinstance(error, json.JSONDecodeError) and isinstance(error, ValueError)
    assert isinstance(error, restwell.RestwellError)
    assert not isinstance(error, (restwell.RequestError, restwell.DecodingError))
    message = str(error)
    assert message.startswith("GET https://api.example/items?page=2 answered 200 with ")
    assert "which is not JSON" in message
    if body:
        start = sanitize(body.decode("utf-8", "replace"), 60)  # (one line, printable)
        assert start and f"it starts {start!r}" in message
    else:
        assert "an empty body" in message
    assert error.request is not None and error.response is not None
    assert error.response.status_code == 200
