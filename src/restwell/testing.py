"""Test helpers for code that uses restwell: ``MockTransport`` answers from a function."""

from __future__ import annotations

import inspect
import typing

from ._io._async._transport import AsyncBaseTransport
from ._io._sync._transport import BaseTransport
from ._models._request import Request
from ._models._response import Response

__all__ = ["MockTransport"]


class MockTransport(BaseTransport, AsyncBaseTransport):
    """``Client(transport=MockTransport(handler))``, or the same with ``AsyncClient``:
    ``handler(request)`` returns the response (a coroutine function works with AsyncClient)."""

    def __init__(self, handler: typing.Callable[[Request], typing.Any]) -> None:
        self._handler = handler

    def handle_request(self, request: Request, stream: bool = False) -> Response:
        """The handler's response; a streamed request body is joined into bytes first, so the
        handler can read ``request.content``."""
        if request.body is not None and not isinstance(request.body, bytes):
            request.body = b"".join(request.body.iter_chunks())
        response: Response = self._handler(request)
        response.request = response.request or request
        return response

    async def handle_async_request(self, request: Request, stream: bool = False) -> Response:
        """``handle_request`` for AsyncClient; the handler may be a coroutine function."""
        body = request.body
        if body is not None and not isinstance(body, bytes):
            request.body = b"".join([chunk async for chunk in body.aiter_chunks()])
        result = self._handler(request)
        response: Response = await result if inspect.isawaitable(result) else result
        response.request = response.request or request
        return response
