"""``client.sse()``'s halves both clients share: the request's options (``Accept:
text/event-stream``, ``Cache-Control: no-store``, the cache off) and the check that the
answer is an event stream."""

from __future__ import annotations

import typing

from .._models._exceptions import RemoteProtocolError
from .._models._headers import Headers

if typing.TYPE_CHECKING:  # pragma: no cover
    from .._models._response import Response

__all__ = ["check_event_stream", "sse_options"]


def sse_options(kwargs: dict[str, typing.Any]) -> dict[str, typing.Any]:
    """The call's keywords with the event-stream fields added (the caller's own win)."""
    headers = Headers(kwargs.get("headers"))
    headers.setdefault("Accept", "text/event-stream")
    headers.setdefault("Cache-Control", "no-store")
    return {**kwargs, "headers": headers, "cache": kwargs.get("cache", False)}


def check_event_stream(response: Response) -> None:
    """A 4xx or 5xx raises its ``HTTPStatusError`` (the caller read the body first, so that
    it quotes it); an answer that is not ``text/event-stream`` raises ``RemoteProtocolError``."""
    if response.status_code >= 400:
        response.raise_for_status()
    content_type = response.headers.get("Content-Type", "")
    if content_type.partition(";")[0].strip().lower() != "text/event-stream":
        raise RemoteProtocolError(
            f"expected a text/event-stream response from {response.url}, got "
            f"{content_type or 'no Content-Type'!r} (status {response.status_code}): "
            "is this URL an event stream?", request=response.request)
