"""The client's transport when ``mounts=`` is given: each request goes to the transport of
the most specific pattern that matches its URL (``_models._mounts``), else to the client's
own. A client without mounts never sees this class: its requests go straight to its
transport, as before."""

from __future__ import annotations

import typing

from .._models._mounts import Mounts

if typing.TYPE_CHECKING:  # pragma: no cover
    from .._models._request import Request
    from .._models._response import Response

__all__ = ["Mounted"]


class Mounted:
    """A transport (sync and async alike) that hands each request to the transport mounted
    for its URL. Closing it closes the default transport and every mounted one, once."""

    def __init__(self, default: typing.Any, mounts: typing.Mapping[str, typing.Any]) -> None:
        self.default = default
        self.mounts: Mounts[typing.Any] = Mounts(mounts)

    def transport_for(self, request: Request) -> typing.Any:
        return self.mounts.select(request.url, self.default)

    def handle_request(self, request: Request, stream: bool = False) -> Response:
        return self.transport_for(request).handle_request(request, stream)  # type: ignore[no-any-return]

    async def handle_async_request(self, request: Request, stream: bool = False) -> Response:
        return await self.transport_for(request).handle_async_request(request, stream)  # type: ignore[no-any-return]

    def _all(self) -> list[typing.Any]:
        others = [t for t in self.mounts.transports() if t is not self.default]
        return [self.default, *others]

    def close(self) -> None:
        for transport in self._all():
            transport.close()

    async def aclose(self) -> None:
        for transport in self._all():
            await transport.aclose()

    @property
    def pool(self) -> typing.Any:
        """The default transport's pool."""
        return self.default.pool

    def __repr__(self) -> str:
        return f"<Mounted {self.mounts!r} default={self.default!r}>"
