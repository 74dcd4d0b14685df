"""Percent-encoding (RFC 3986 §2.1) as the URL and form encoders share it: encode what a
component's set does not allow, keep escapes that are valid, decode as UTF-8."""

from __future__ import annotations

import re

__all__ = ["HEX", "escapes_valid", "quote", "unquote"]

HEX = "0123456789ABCDEFabcdef"


def quote(text: str, raw: re.Pattern[str]) -> str:
    """Percent-encode what ``raw`` does not allow, keeping valid ``%XX`` escapes."""
    if raw.fullmatch(text) and ("%" not in text or escapes_valid(text)):
        return text
    out: list[str] = []
    n = len(text)
    for i, ch in enumerate(text):
        if ch == "%":
            if i + 2 < n and text[i + 1] in HEX and text[i + 2] in HEX:
                out.append(ch)
            else:
                out.append("%25")
        elif raw.fullmatch(ch):
            out.append(ch)
        else:
            out.append("".join(f"%{b:02X}" for b in ch.encode("utf-8", "surrogatepass")))
    return "".join(out)


def escapes_valid(text: str) -> bool:
    """Is every ``%`` in ``text`` the start of a ``%XX`` escape?"""
    start = text.find("%")
    n = len(text)
    while start != -1:
        if start + 2 >= n or text[start + 1] not in HEX or text[start + 2] not in HEX:
            return False
        start = text.find("%", start + 3)
    return True


def unquote(text: str) -> str:
    """``%XX`` escapes decoded, the bytes read as UTF-8 (invalid ones replaced)."""
    if "%" not in text:
        return text
    data = bytearray()
    i, n = 0, len(text)
    while i < n:
        ch = text[i]
        if ch == "%" and i + 2 < n and text[i + 1] in HEX and text[i + 2] in HEX:
            data.append(int(text[i + 1 : i + 3], 16))
            i += 3
        else:
            data += ch.encode("utf-8")
            i += 1
    return data.decode("utf-8", "replace")
