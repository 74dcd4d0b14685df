"""Server-Sent Events: the WHATWG event-stream parser (HTML, "Interpreting an event
stream"), fed lines without their endings (``_bodies.LineSplitter`` cuts them), pure.

A line is a comment (``:``), a field with a value (``name: value``, one leading space of the
value removed) or a field without one (``name``); a blank line dispatches the event. ``data``
lines are joined by ``\\n``; an event whose data buffer is empty dispatches nothing (its
``event`` is dropped with it); ``event`` defaults to ``"message"``; ``id`` is ignored when it
contains NUL and is kept across events (the last event id); ``retry`` counts only when it is
all ASCII digits. A BOM at the very start of the stream is removed.
"""

from __future__ import annotations

import typing

__all__ = ["SSEParser", "ServerSentEvent"]


# A NamedTuple, not a dataclass: immutable and compared by value all the same, and
# ``import restwell`` does not pay for dataclasses (and inspect), about 8 ms.
class ServerSentEvent(typing.NamedTuple):
    """One event of a ``text/event-stream``: its type (``"message"`` by default), its data
    (the ``data`` lines joined by ``\\n``), the last event id seen (``""`` if none) and the
    reconnection time the server asked for, in milliseconds (``None`` if not in this event)."""

    event: str = "message"
    data: str = ""
    id: str = ""
    retry: int | None = None

    def json(self) -> typing.Any:
        """``data`` parsed as JSON."""
        from ._json import loads

        return loads(self.data.encode())


class SSEParser:
    """Lines in, events out: ``feed(line)`` returns the event a blank line dispatches, or
    None. ``last_event_id`` and ``retry`` (the last one the server sent) outlive the events."""

    __slots__ = ("_data", "_event", "_started", "_retry", "last_event_id", "retry")

    def __init__(self) -> None:
        self._data: list[str] = []
        self._event = ""
        self._retry: int | None = None
        self._started = False
        self.last_event_id = ""
        self.retry: int | None = None

    def feed(self, line: str) -> ServerSentEvent | None:
        if not self._started:
            self._started = True
            if line.startswith("\ufeff"):
                line = line[1:]
        if not line:
            return self._dispatch()
        if line[0] == ":":
            return None
        name, colon, value = line.partition(":")
        if colon and value.startswith(" "):
            value = value[1:]
        if name == "data":
            self._data.append(value)
        elif name == "event":
            self._event = value
        elif name == "id":
            if "\0" not in value:
                self.last_event_id = value
        elif name == "retry" and value and value.isascii() and value.isdigit():
            self._retry = self.retry = int(value)
        return None

    def _dispatch(self) -> ServerSentEvent | None:
        data, event, retry = self._data, self._event, self._retry
        self._data, self._event, self._retry = [], "", None
        if not data:
            return None
        return ServerSentEvent(event or "message", "\n".join(data), self.last_event_id, retry)
