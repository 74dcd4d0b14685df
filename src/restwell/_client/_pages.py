"""``client.paginate()``'s iterators: ``Pages`` (sync) and ``AsyncPages`` (``async for``).

Each is a short loop around ``_features._pagination.Plan``, which decides every page
request and when to stop; a page is fetched with ``client.request()``, so the client's and
the call's settings (headers, auth, params, timeout, retries, raise_for_status) apply to
every page. A page is fetched only when the previous one has been handed over and the
iteration asks for more: breaking out early fetches nothing further.
"""

from __future__ import annotations

import typing

from .._features._pagination import ItemsPath, Pagination, Plan, items_of

if typing.TYPE_CHECKING:  # pragma: no cover
    from .._models._response import Response
    from ._async import AsyncClient
    from ._sync import Client

__all__ = ["AsyncPages", "Pages"]


class Pages:
    """The pages of ``client.paginate()``, each a ``Response``; ``.items()`` their items."""

    def __init__(self, client: Client, method: str, url: typing.Any, pagination: Pagination |
                 None, max_pages: int | None, max_items: int | None,
                 options: dict[str, typing.Any]) -> None:
        self._client, self._method, self._url, self._options = client, method, url, options
        self._plan = Plan(pagination, client.params, max_pages, max_items)

    def __iter__(self) -> typing.Iterator[Response]:
        plan = self._plan
        page = plan.first(self._url, self._options)
        while page is not None:
            response = self._client.request(self._method, page.url, **page.options)
            following = plan.after(response, page)  # (decided before handing it over)
            yield response
            page = following

    def items(self, path: ItemsPath = None) -> typing.Iterator[typing.Any]:
        """Every page's items: ``path`` is a key or dotted path into the JSON body
        (``"data"``, ``"result.items"``), a callable given the response, or None for a body
        that is the list itself (GitHub's); ``max_items`` counts these."""
        for response in self:
            yield from self._plan.take(items_of(response, path))


class AsyncPages:
    """The pages of ``AsyncClient.paginate()`` (``async for``); ``.items()`` their items."""

    def __init__(self, client: AsyncClient, method: str, url: typing.Any, pagination:
                 Pagination | None, max_pages: int | None, max_items: int | None,
                 options: dict[str, typing.Any]) -> None:
        self._client, self._method, self._url, self._options = client, method, url, options
        self._plan = Plan(pagination, client.params, max_pages, max_items)

    async def __aiter__(self) -> typing.AsyncIterator[Response]:
        plan = self._plan
        page = plan.first(self._url, self._options)
        while page is not None:
            response = await self._client.request(self._method, page.url, **page.options)
            following = plan.after(response, page)
            yield response
            page = following

    async def items(self, path: ItemsPath = None) -> typing.AsyncIterator[typing.Any]:
        """Every page's items (``async for``); ``path`` as ``Pages.items()`` takes it."""
        async for response in self:
            for item in self._plan.take(items_of(response, path)):
                yield item
