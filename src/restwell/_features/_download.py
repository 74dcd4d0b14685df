"""``download()``'s decisions, pure: what to ask for, what an answer means, what to remember.

A download streams into a partial file beside its target and is renamed over it only when
whole. To resume an interrupted one, restwell asks for the rest (``Range: bytes=N-``) on
the condition that the resource has not changed since the first response (``If-Range``
with that response's strong ``ETag``, else its ``Last-Modified``; RFC 9110 §13.1.5 forbids
a weak ETag there). The validator is remembered in a small sidecar file next to the
partial one. Without a validator there is no safe resume: the download starts again.

The answers (RFC 9110 §14, §15.3.7, §15.5.17):

- ``206`` whose ``Content-Range`` starts where the partial file ends: append;
- any other ``2xx`` (``200``: the server ignores ``Range``, or the resource changed and
  ``If-Range`` did not match): the whole body, from zero;
- ``416`` whose ``Content-Range: bytes */N`` says the resource is exactly as long as the
  partial file: it was whole already; another length: drop the partial file, ask again
  without ``Range`` (once: without ``Range`` there is no 416);
- anything else: an error; nothing is written.

The client does the file I/O (``_client/_download.py``) and the two loops.
"""

from __future__ import annotations

import typing

from .._models._json import dumps, loads

if typing.TYPE_CHECKING:  # pragma: no cover
    from .._models._headers import Headers

__all__ = ["AGAIN", "APPEND", "DONE", "FAIL", "FRESH", "Decision", "Partial", "content_range",
           "decide", "range_headers", "read_sidecar", "sidecar", "validator"]

APPEND, FRESH, DONE, AGAIN, FAIL = "append", "fresh", "done", "again", "fail"
SIDECAR_VERSION = 1


class Partial(typing.NamedTuple):  # (NamedTuples: import restwell loads no dataclasses)
    """What the sidecar remembers of the first response of an interrupted download."""

    url: str
    validator: str | None  # a strong ETag or a Last-Modified date, sent back as If-Range
    total: int | None  # the whole resource's length, when the first response said it


class Decision(typing.NamedTuple):
    """What an answer means: ``kind`` (one of the constants above), the length the file
    must have when the body ends (None: unknown), and for ``FAIL`` why."""

    kind: str
    total: int | None = None
    problem: str = ""


def validator(headers: Headers) -> str | None:
    """The validator ``If-Range`` may carry: a strong ETag, else Last-Modified, else None."""
    etag = headers.get("etag")
    if etag and not etag.startswith("W/") and etag.startswith('"'):
        return etag  # type: ignore[no-any-return]
    modified = headers.get("last-modified")
    return modified or None


def _length(value: str | None) -> int | None:
    if value is None or not value.strip().isdigit():
        return None
    return int(value)


def sidecar(url: str, headers: Headers) -> bytes | None:
    """The sidecar's content (JSON) for a first response, or None when it has no validator (such a
    download cannot be resumed safely, so nothing is remembered)."""
    found = validator(headers)
    if found is None:
        return None
    total = _length(headers.get("content-length"))
    return dumps({"version": SIDECAR_VERSION, "url": url, "validator": found,
                  "total": total})


def read_sidecar(text: bytes, url: str) -> Partial | None:
    """The partial download a sidecar describes, if it is for ``url`` and readable."""
    try:
        data = loads(text)
    except ValueError:
        return None
    if (not isinstance(data, dict) or data.get("version") != SIDECAR_VERSION
            or data.get("url") != url or not isinstance(data.get("validator"), str)):
        return None
    total = data.get("total")
    return Partial(url, data["validator"], total if isinstance(total, int) else None)


def range_headers(offset: int, partial: Partial | None) -> dict[str, str]:
    """The fields asking for the rest of a partial file of ``offset`` bytes; none (a whole
    download) when there is nothing to resume or no validator to make it safe."""
    if offset <= 0 or partial is None or partial.validator is None:
        return {}
    return {"Range": f"bytes={offset}-", "If-Range": partial.validator}


def content_range(value: str | None) -> tuple[int | None, int | None, int | None] | None:
    """``Content-Range: bytes first-last/total`` as (first, last, total); ``*`` is None
    (``bytes */total`` of a 416 has neither first nor last); None when malformed."""
    if value is None:
        return None
    unit, _, spec = value.strip().partition(" ")
    if unit.lower() != "bytes":
        return None
    span, _, whole = spec.strip().partition("/")
    total = None if whole == "*" else _length(whole)
    if total is None and whole != "*":
        return None
    if span == "*":
        return None, None, total
    first, dash, last = span.partition("-")
    start, end = _length(first), _length(last)
    if not dash or start is None or end is None or end < start:
        return None
    return start, end, total


def decide(status: int, headers: Headers, offset: int) -> Decision:
    """What the answer to a download request means, the partial file being ``offset`` bytes
    long (0: none, or not resumed: the request carried no ``Range``)."""
    if status == 206:
        span = content_range(headers.get("content-range"))
        if offset == 0 or span is None or span[0] is None:
            return Decision(FAIL, problem="a 206 without a usable Content-Range "
                            f"({headers.get('content-range')!r}) to a request for bytes "
                            f"from {offset}")
        start, end, total = span
        if start != offset:
            return Decision(FAIL, problem=f"a 206 for bytes from {start} to a request for "
                            f"bytes from {offset}")
        return Decision(APPEND, total if total is not None else typing.cast(int, end) + 1)
    if 200 <= status < 300:
        return Decision(FRESH, _length(headers.get("content-length")))
    if status == 416 and offset > 0:
        span = content_range(headers.get("content-range"))
        if span is not None and span[2] == offset:
            return Decision(DONE, offset)
        return Decision(AGAIN)
    return Decision(FAIL, problem=f"{status} is no body to save")
