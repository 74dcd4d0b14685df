"""A call's own options on its way to ``send()``: what ``stream()`` and ``request()`` of both
clients do before sending, written once."""

from __future__ import annotations

import typing

from .._models._config import UNSET, UnsetType
from .._models._request import Request
from .._models._templates import expand_path
from .._models._urls import URL
from ._base import SEND_OPTIONS, BaseClient
from ._caching import per_call
from ._keywords import CALL_KEYWORDS

__all__ = ["call_options", "streamed"]


def streamed(
    client: BaseClient, method: str, url: URL | str, kwargs: dict[str, typing.Any]
) -> tuple[Request, dict[str, typing.Any], bool | UnsetType]:
    """What ``stream()`` sends: the request built from the call's arguments (with
    ``path=`` filled in, requests' keywords translated in a TypeError), ``send()``'s own
    options, and the call's ``raise_for_status=``."""
    options = {name: kwargs.pop(name) for name in SEND_OPTIONS if name in kwargs}
    raising = options.pop("raise_for_status", UNSET)
    values = options.pop("path", None)
    if values is not None:
        url = expand_path(url, values)  # type: ignore[arg-type]
    try:
        built = client.build_request(method, url, **kwargs)
    except TypeError:
        if CALL_KEYWORDS.issuperset(kwargs):
            raise
        built = client.build_request(method, url, **client._keywords("stream", kwargs))
    return call_options(built, options.pop("cache", True), raising), options, raising


def call_options(request: Request, cache: bool, raising: bool | UnsetType) -> Request:
    """The call's ``cache=`` and ``raise_for_status=``, noted on its request (only when
    given: the request path stores nothing otherwise)."""
    if cache is not True:
        per_call(request, cache)
    if raising is not UNSET:
        request._raise_status = raising  # type: ignore[assignment]
    return request

