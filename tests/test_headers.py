from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from restwell import Headers, InvalidHeader


def test_case_insensitive_multi_dict() -> None:
    h = Headers([("Accept", "a"), ("X-Multi", "1"), ("x-multi", "2")])
    assert h["accept"] == "a"
    assert h["X-MULTI"] == "1, 2"
    assert h.get_list("x-multi") == ["1", "2"]
    assert list(h) == ["Accept", "X-Multi"]
    assert len(h) == 2
    h["X-Multi"] = "3"
    assert h.multi_items() == [("Accept", "a"), ("X-Multi", "3")]
    h.add("Set-Cookie", "a=1")
    h.add("Set-Cookie", "b=2")
    assert h.get_list("set-cookie") == ["a=1", "b=2"]
    del h["set-cookie"]
    assert "Set-Cookie" not in h
    with pytest.raises(KeyError):
        del h["nope"]
    assert h == {"accept": "a", "x-multi": "3"}


def test_caller_casing_kept_and_values_stripped() -> None:
    h = Headers({"X-API-Key": "  v \t"})
    assert h.multi_items() == [("X-API-Key", "v")]


def test_secrets_not_in_repr() -> None:
    h = Headers({"Authorization": "Bearer s3cret", "Cookie": "sid=s3cret", "X": "shown"})
    assert "s3cret" not in repr(h)
    assert "shown" in repr(h)


@pytest.mark.parametrize("ctl", [chr(c) for c in [*range(0, 9), *range(10, 32), 127]])
def test_every_ctl_rejected_in_values(ctl: str) -> None:
    with pytest.raises(InvalidHeader):
        Headers({"X": f"a{ctl}b"})
    with pytest.raises(InvalidHeader):
        Headers().add("X", f"a{ctl}")


@pytest.mark.parametrize("name", ["", "a b", "a:b", "a\r\nb", "é", "a\x00"])
def test_bad_names_rejected(name: str) -> None:
    with pytest.raises(InvalidHeader):
        Headers({name: "v"})


def test_non_string_value_rejected_with_hint() -> None:
    with pytest.raises(InvalidHeader, match="str"):
        Headers({"X-Count": 3})  # type: ignore[dict-item]


@given(st.text(max_size=30))
def test_no_ctl_ever_accepted(value: str) -> None:
    try:
        h = Headers({"X": value})
    except InvalidHeader:
        assert any((ord(c) < 32 and c != "\t") or ord(c) == 127 for c in value)
        return
    assert not any((ord(c) < 32 and c != "\t") or ord(c) == 127 for c in h["X"])


def test_encoded_block_follows_every_change() -> None:
    h = Headers({"A": "1"})
    assert h.encoded() == "A: 1\r\n"
    h["B"] = "2"
    h.add("B", "3")
    assert h.encoded() == "A: 1\r\nB: 2\r\nB: 3\r\n"
    del h["a"]
    assert h.encoded() == "B: 2\r\nB: 3\r\n"
    h.update({"C": "4"})
    assert Headers(h).encoded() == h.encoded() == "B: 2\r\nB: 3\r\nC: 4\r\n"
