"""``HTTPStatusError.problem``: what a failed response's body says, as RFC 9457 problem
details, whatever shape the API gives it.

``application/problem+json`` is read as the RFC has it: ``type`` (``"about:blank"`` when
absent), ``title``, ``status``, ``detail``, ``instance``, and every other member an extension.
The common shapes that predate the RFC map onto the same five fields:

- GitHub: ``message`` is the title, ``documentation_url`` the type, ``errors[]`` an extension;
- OAuth 2 (RFC 6749 §5.2): ``error`` is the title, ``error_description`` the detail;
- Google and Azure: ``{"error": {"code", "message", "status"}}``, read inside.

A member of the wrong type is ignored, as RFC 9457 §3.1 asks; a body that is not a JSON
object gives the status's own title (the meaning of ``about:blank``). Every member of the
body but the five standard ones stays in ``extensions``, mapped or not.
"""

from __future__ import annotations

import typing

if typing.TYPE_CHECKING:  # pragma: no cover
    from ._response import Response

__all__ = ["Problem", "problem_of", "parse_problem"]

_STANDARD = ("type", "title", "status", "detail", "instance")


class Problem:
    """Problem details (RFC 9457) of a failed response: ``type``, ``title``, ``status``,
    ``detail``, ``instance``, and ``extensions`` (every other member of the body, such as
    GitHub's ``errors`` and ``documentation_url``); ``problem["errors"]`` reads one."""

    __slots__ = ("type", "title", "status", "detail", "instance", "extensions")

    def __init__(self, type: str = "about:blank", title: str | None = None,
                 status: int | None = None, detail: str | None = None,
                 instance: str | None = None,
                 extensions: dict[str, typing.Any] | None = None) -> None:
        self.type = type
        self.title = title
        self.status = status
        self.detail = detail
        self.instance = instance
        self.extensions = extensions or {}

    def __getitem__(self, name: str) -> typing.Any:
        if name in _STANDARD:
            return getattr(self, name)
        return self.extensions[name]

    def get(self, name: str, default: typing.Any = None) -> typing.Any:
        """A member by name (standard or extension), else ``default``."""
        try:
            return self[name]
        except KeyError:
            return default

    def __eq__(self, other: object) -> bool:
        if not isinstance(other, Problem):
            return NotImplemented
        return all(getattr(self, name) == getattr(other, name) for name in self.__slots__)

    __hash__ = None  # type: ignore[assignment]

    def __repr__(self) -> str:
        shown = ", ".join(f"{name}={getattr(self, name)!r}" for name in _STANDARD
                          if getattr(self, name) is not None)
        return f"Problem({shown})"


def _text(value: typing.Any) -> str | None:
    return value if isinstance(value, str) and value.strip() else None


def parse_problem(body: typing.Any, status: int | None = None,
                  reason: str | None = None) -> Problem:
    """Problem details from a decoded JSON body; ``status`` and ``reason`` are the
    response's, used where the body gives none."""
    if not isinstance(body, dict):
        return Problem(title=reason or None, status=status)
    inner = body.get("error")
    if isinstance(inner, dict) and not any(name in body for name in _STANDARD):
        body = {**inner, **{k: v for k, v in body.items() if k != "error"}}
    extensions = {key: value for key, value in body.items() if key not in _STANDARD}
    given = body.get("status")
    code = body.get("code")
    # RFC 9457 wants a number; GitHub sends "422", Google a name beside its numeric code.
    if isinstance(given, str) and given.isdigit():
        given = int(given)
    elif not isinstance(given, int) and isinstance(code, int):
        given = code
    title = (_text(body.get("title")) or _text(body.get("message"))
             or _text(body.get("error")) or reason or None)
    detail = _text(body.get("detail")) or _text(body.get("error_description"))
    if detail is None and _text(body.get("message")) and title != body.get("message"):
        detail = body["message"]
    return Problem(
        type=_text(body.get("type")) or _text(body.get("documentation_url")) or "about:blank",
        title=title,
        status=given if isinstance(given, int) and not isinstance(given, bool) else status,
        detail=detail,
        instance=_text(body.get("instance")),
        extensions=extensions,
    )


def problem_of(response: Response) -> Problem:
    """The problem details of a response: its body's when it is JSON and was read, else
    those of its status alone."""
    import json

    reason = response.reason_phrase or None
    body: typing.Any = None
    if response._content is not None or response._raw_body is not None:  # (not streamed)
        try:
            content = response.content
            body = json.loads(content) if content.lstrip()[:1] in (b"{", b"[") else None
        # Not JSON, or a DecodingError (not named: _exceptions imports this module): a body
        # that does not decode or parse says nothing structured.
        except Exception:
            body = None
    return parse_problem(body, response.status_code, reason)
