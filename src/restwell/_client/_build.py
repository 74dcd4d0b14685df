"""Pieces of building a request from a call's arguments: base URL joining, query merging,
header overriding, the Cookie field, upload options."""

from __future__ import annotations

import re
import typing
from collections.abc import Mapping

from .._features._cookies import Cookies
from .._models._content import with_progress
from .._models._exceptions import (
    InvalidHeader,
    InvalidURL,
)
from .._models._headers import Headers
from .._models._request import Request
from .._models._urls import URL, QueryParams, encode_form, param_pairs

__all__ = ["CookieTypes", "add_cookies", "base_url_of", "merge_params", "merge_url",
           "upload_options"]
CookieTypes = typing.Union[typing.Mapping[str, str], Cookies, None]


# RFC 6265 §4.1.1: no CTL (HTAB included, which a header value could otherwise carry) and no
# ';' in a cookie the caller gives.
_BAD_COOKIE_VALUE = re.compile(r"[\x00-\x1f\x7f;]")


def base_url_of(base_url: URL | str | None) -> URL | None:
    if base_url is None:
        return None
    url = URL(base_url)
    if not url.is_absolute:
        raise InvalidURL(f"Invalid base_url {str(base_url)!r}: it must be an absolute URL")
    if not url.path.endswith("/"):  # so that relative paths extend it instead of replacing
        url = url.copy_with(path=url.path + "/")
    return url


def merge_url(base: URL | None, url: str) -> URL:
    """A relative URL extends base_url's path: base ``/v3`` + ``/user`` is ``/v3/user``."""
    if base is None:
        return URL(url)
    parsed = URL(url)
    if parsed.scheme:
        return parsed
    return base.join(url.lstrip("/") if not url.startswith("//") else url)


def merge_params(client: QueryParams, call: QueryParams) -> str:
    if not client:
        return encode_form(call)
    if not call:
        return encode_form(client)
    if isinstance(client, (str, bytes)) or isinstance(call, (str, bytes)):
        return f"{encode_form(client)}&{encode_form(call)}"  # ready-made query strings
    call_pairs = param_pairs(call)
    call_keys = {key for key, _ in call_pairs}
    return encode_form([pair for pair in param_pairs(client) if pair[0] not in call_keys]
                       + call_pairs)


def add_cookies(
    headers: Headers, call: CookieTypes, jar: Cookies, url: URL, unscoped: bool
) -> str:
    """One Cookie field (RFC 6265 §5.4): the caller's own field and the call's cookies, then
    the jar's for this URL (a call's cookie wins over the jar's of the same name). Returns the
    caller's part, which redirect hops need apart from the jar's."""
    given = dict(call) if isinstance(call, Mapping) else {c.name: c.value for c in call or ()}
    pairs = []
    for name, value in given.items():
        if not name or any(c in name for c in "=;, \t") or _BAD_COOKIE_VALUE.search(value):
            raise InvalidHeader(f"Invalid cookie {name!r}: names and values cannot hold ';', "
                                "'=' or control characters")
        pairs.append(f"{name}={value}")
    caller = "; ".join([*headers.pop_all("cookie"), *pairs])
    mine = jar.header_for(url.scheme, url.host, url.path or "/", unscoped, exclude=set(given))
    value = "; ".join(part for part in (caller, mine) if part)
    if value:
        headers.add("Cookie", value)
    return caller


def upload_options(
    request: Request, expect_continue: bool | float,
    upload_progress: typing.Callable[[int, int | None], typing.Any] | None,
) -> None:
    if expect_continue:
        # curl waits 1 s for the 100 before sending anyway; so do we unless told otherwise.
        wait = 1.0 if expect_continue is True else float(expect_continue)
        request.headers.add("Expect", "100-continue")
        request.expect_continue = wait
    if upload_progress is not None:
        request.body = with_progress(request.body, upload_progress)  # type: ignore[arg-type]
