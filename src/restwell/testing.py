"""Test helpers for code that uses restwell: ``MockTransport`` answers from a function."""

from __future__ import annotations

import typing

from ._models import Request, Response
from ._transport import BaseTransport

__all__ = ["MockTransport"]


class MockTransport(BaseTransport):
    """``Client(transport=MockTransport(handler))``: ``handler(request)`` returns the response."""

    def __init__(self, handler: typing.Callable[[Request], Response]) -> None:
        self._handler = handler

    def handle_request(self, request: Request, stream: bool = False) -> Response:
        if request.body is not None and not isinstance(request.body, bytes):
            request.body = b"".join(request.body.iter_chunks())
        response = self._handler(request)
        response.request = response.request or request
        return response
