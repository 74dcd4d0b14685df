"""Pagination, decided: which request fetches the next page, and when to stop. Pure: the
clients' ``Pages`` and ``AsyncPages`` loops send what ``Plan`` asks for and hand it back
each response.

Three strategies, frozen objects with one decision each (``next_page``):

- ``LinkPagination(rel="next")``, the default: the ``Link`` field's target (GitHub, GitLab).
  The call's params are not appended again to a target that already carries them (the
  target's values win), nor the client's where the target has the same pair.
- ``CursorPagination(param, body=..., header=..., has_more=...)``: a cursor read from a
  dotted path into the JSON body (Slack's ``response_metadata.next_cursor``, Stripe's
  ``data.-1.id`` with ``has_more``) or from a header, sent back as ``param``.
- ``PagePagination(param="page", start=1, items=None, total=None)``: page numbers, until a
  page has no items or ``total`` items (a body path or ``header:Name``) have come.

``Plan`` adds what every strategy shares: ``max_pages``, ``max_items``, and a page request
that repeats one already sent ends with ``PaginationError`` instead of looping.
"""

from __future__ import annotations

import typing

from .._models._exceptions import PaginationError
from .._models._urls import URL, QueryParams, encode_form, param_pairs

if typing.TYPE_CHECKING:  # pragma: no cover
    from .._models._response import Response

__all__ = ["CursorPagination", "LinkPagination", "PagePagination", "PageRequest", "Plan",
           "Pagination", "dig", "items_of"]

ItemsPath = typing.Union[str, typing.Callable[["Response"], typing.Iterable[typing.Any]], None]


class PageRequest(typing.NamedTuple):
    """One page to fetch: the URL and the call's options for it (params included)."""

    url: URL | str
    options: dict[str, typing.Any]


def dig(body: typing.Any, path: str | None) -> typing.Any:
    """The value at a dotted path (``"data"``, ``"meta.next"``, ``"data.-1.id"``); None
    where the path leads nowhere."""
    if path is None:
        return body
    for part in path.split("."):
        if isinstance(body, dict):
            body = body.get(part)
        elif isinstance(body, list) and part.lstrip("-").isdigit():
            index = int(part)
            body = body[index] if -len(body) <= index < len(body) else None
        else:
            return None
    return body


def items_of(response: Response, path: ItemsPath) -> list[typing.Any]:
    """A page's items: the body itself (None), at a dotted path, or a callable's."""
    if callable(path):
        return list(path(response))
    found = dig(response.json(), path)
    if found is None:
        return []
    if not isinstance(found, list):
        raise PaginationError(
            f"the items of {_where(response)} at {path or 'the body'} are a "
            f"{type(found).__name__}, not a list; give items(path=...) the key of the list",
            response=response)
    return found


def _where(response: Response) -> str:
    request = response.request
    return "a page" if request is None else f"{request.method} {request.url.redacted()}"


class LinkPagination:
    """Follow the ``Link`` field's ``rel`` target (``"next"``): GitHub, GitLab, json-server."""

    __slots__ = ("rel",)

    def __init__(self, rel: str = "next") -> None:
        self.rel = rel

    def next_page(self, response: Response, sent: PageRequest,
                  client_params: QueryParams) -> PageRequest | None:
        """The request for the page after ``response``, or None for the last page."""
        link = response.links.get(self.rel)
        if not link or not link.get("url"):
            return None
        target = response.url.join(link["url"])
        options = {k: v for k, v in sent.options.items() if k != "path"}
        return PageRequest(*_without_repeats(target, options, client_params))


def _without_repeats(target: URL, options: dict[str, typing.Any],
                     client_params: QueryParams) -> tuple[URL, dict[str, typing.Any]]:
    """The target and options so that nothing the target's query carries is sent twice: the
    call's params lose the keys the target has; the target loses the client's exact pairs
    (which the client appends to every request)."""
    import urllib.parse  # (here: it imports ipaddress, which import restwell does not)

    query = target.query or ""
    pieces = [piece for piece in query.split("&") if piece]
    decoded = [(urllib.parse.parse_qsl(piece, keep_blank_values=True) or [(piece, "")])[0]
               for piece in pieces]
    keys = {pair[0] for pair in decoded}
    call = options.get("params")
    if call:
        kept = [(k, v) for k, v in param_pairs(call) if k not in keys]
        options = {**options, "params": kept or None}
    if client_params and pieces:
        theirs = set(urllib.parse.parse_qsl(encode_form(client_params), keep_blank_values=True))
        left = [p for p, pair in zip(pieces, decoded, strict=True) if pair not in theirs]
        if len(left) != len(pieces):
            target = target.copy_with(query="&".join(left) or None)
    return target, options


class CursorPagination:
    """A cursor from the body (a dotted path) or a header, sent back as ``param``; the last
    page is the one without a cursor, or whose ``has_more`` path is false."""

    __slots__ = ("param", "body", "header", "has_more")

    def __init__(self, param: str, *, body: str | None = None, header: str | None = None,
                 has_more: str | None = None) -> None:
        if (body is None) == (header is None):
            raise ValueError("CursorPagination needs body='dotted.path' or header='Name'")
        self.param, self.body, self.header, self.has_more = param, body, header, has_more

    def next_page(self, response: Response, sent: PageRequest,
                  client_params: QueryParams) -> PageRequest | None:
        """The request for the page after ``response``, or None for the last page."""
        if self.header is not None:
            cursor: typing.Any = response.headers.get(self.header)
        else:
            body = response.json()
            if self.has_more is not None and not dig(body, self.has_more):
                return None
            cursor = dig(body, self.body)
        if cursor is None or cursor == "" or isinstance(cursor, (dict, list)):
            return None
        return PageRequest(sent.url, _with_param(sent.options, self.param, cursor))


def _with_param(options: dict[str, typing.Any], name: str, value: typing.Any
                ) -> dict[str, typing.Any]:
    params = [(k, v) for k, v in param_pairs(options.get("params")) if k != name]
    return {**options, "params": [*params, (name, value)]}


class PagePagination:
    """Page numbers in ``param``, from ``start``, until a page has no items (``items``: the
    list's dotted path, None for a body that is the list) or ``total`` items have come
    (a dotted path into the body, or ``"header:X-Total-Count"``)."""

    __slots__ = ("param", "start", "items", "total")

    def __init__(self, param: str = "page", *, start: int = 1, items: ItemsPath = None,
                 total: str | None = None) -> None:
        self.param, self.start, self.items, self.total = param, start, items, total

    def first(self, options: dict[str, typing.Any]) -> dict[str, typing.Any]:
        """The first page's options: ``param`` set to ``start`` unless the call set it."""
        if any(k == self.param for k, _ in param_pairs(options.get("params"))):
            return options
        return _with_param(options, self.param, self.start)

    def next_page(self, response: Response, sent: PageRequest,
                  client_params: QueryParams, seen: int = 0) -> PageRequest | None:
        """The request for the page after ``response``, or None for the last page."""
        count = len(items_of(response, self.items))
        if count == 0:
            return None
        if self.total is not None:
            name = self.total.removeprefix("header:")
            total = (response.headers.get(name) if name != self.total
                     else dig(response.json(), self.total))
            if total is not None and str(total).isdigit() and seen + count >= int(total):
                return None
        page = dict(param_pairs(sent.options.get("params"))).get(self.param, self.start)
        return PageRequest(sent.url, _with_param(sent.options, self.param, int(page) + 1))


Pagination = typing.Union[LinkPagination, CursorPagination, PagePagination]


class Plan:
    """One paginate() call's decisions: the first request, each next one, and the limits."""

    __slots__ = ("strategy", "client_params", "max_pages", "max_items", "pages", "items",
                 "_seen", "_sent")

    def __init__(self, strategy: Pagination | None, client_params: QueryParams,
                 max_pages: int | None, max_items: int | None) -> None:
        self.strategy = strategy or LinkPagination()
        self.client_params = client_params
        self.max_pages, self.max_items = max_pages, max_items
        self.pages = self.items = self._seen = 0  # (items: taken by items(); _seen: on pages)
        self._sent: set[str] = set()

    def first(self, url: URL | str, options: dict[str, typing.Any]) -> PageRequest | None:
        """The first page's request (None with ``max_pages=0``)."""
        if isinstance(self.strategy, PagePagination):
            options = self.strategy.first(options)
        return None if self.max_pages == 0 else self._mark(PageRequest(url, options), None)

    def after(self, response: Response, sent: PageRequest) -> PageRequest | None:
        """The request for the next page, or None: the last page, or a limit reached."""
        self.pages += 1
        if self.max_pages is not None and self.pages >= self.max_pages:
            return None
        if self.max_items is not None and self.items >= self.max_items:
            return None
        strategy = self.strategy
        if isinstance(strategy, PagePagination):
            following = strategy.next_page(response, sent, self.client_params, self._seen)
            self._seen += len(items_of(response, strategy.items))
        else:
            following = strategy.next_page(response, sent, self.client_params)
        return None if following is None else self._mark(following, response)

    def take(self, items: list[typing.Any]) -> list[typing.Any]:
        """A page's items, cut at ``max_items``; counts them."""
        if self.max_items is not None:
            items = items[: max(self.max_items - self.items, 0)]
        self.items += len(items)
        return items

    def _mark(self, page: PageRequest, response: Response | None) -> PageRequest:
        key = f"{page.url} {encode_form(page.options.get('params'))}"
        if key in self._sent:
            raise PaginationError(
                f"the page after {_where(response) if response is not None else 'the first'} "
                f"is {page.url} again, already fetched: the server's pagination loops; stop "
                "with max_pages=... or check the strategy", response=response)
        self._sent.add(key)
        return page
