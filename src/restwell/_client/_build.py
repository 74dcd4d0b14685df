"""Pieces of building a request from a call's arguments: base URL joining, query merging,
header overriding (None removes a field), the Cookie field, upload options."""

from __future__ import annotations

import re
import time
import typing
from collections.abc import Mapping

from .._features._cookies import Cookies
from .._models._content import with_progress
from .._models._exceptions import (
    InvalidHeader,
    InvalidURL,
)
from .._models._headers import Headers, HeaderTypes
from .._models._request import Request
from .._models._urls import URL, QueryParams, encode_form, form_key, param_pairs, query_keys

__all__ = ["CookieTypes", "add_cookies", "base_url_of", "merge_url", "override_fields",
           "upload_options", "with_params"]
CookieTypes = typing.Union[typing.Mapping[str, typing.Union[str, bytes]], Cookies, None]


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


def with_params(url: URL, client: typing.Sequence[tuple[str, str]] | None,
                call: QueryParams) -> URL:
    """The URL with the client's default params and the call's. A client default is left out
    when the URL's query already has its key (a ``next`` link keeps its own ``page``) or the
    call gives it (a None value there: the key is left out altogether); the call's own are
    appended as given (None values left out), as requests does."""
    added = encode_form(call) if call else ""
    if client:
        taken = query_keys(url.query) if url.query else set()
        if call:
            taken |= (query_keys(added) if isinstance(call, (str, bytes))
                      else {form_key(key) for key, _ in param_pairs(call)})
        defaults = "&".join(text for key, text in client if key not in taken)
        added = f"{defaults}&{added}" if defaults and added else defaults or added
    return url.copy_merge_params(added) if added else url


def override_fields(
    fields: Headers, given: HeaderTypes, defaults: typing.AbstractSet[str]
) -> Headers:
    """A call's fields (or the client's ``headers=``) over ``fields``: each replaces those of
    its name (``defaults``: the lower-cased names ``fields`` may share with them), and a None
    value removes them, a client default included (Host stays). Returns the fields given,
    without the Nones."""
    if isinstance(given, Headers):
        extra = given
    else:
        items = list(given.items()) if isinstance(given, Mapping) else list(given or ())
        extra = Headers(items)  # (which leaves the Nones out)
        for name, value in items:
            if value is None and isinstance(name, str) and name.lower() != "host":
                fields.pop_all(name)
    fields._override(extra, defaults)
    return extra


def add_cookies(
    headers: Headers, call: CookieTypes, jar: Cookies, url: URL, unscoped: bool
) -> str:
    """One Cookie field (RFC 6265 §5.4): the caller's own field and the call's cookies, then
    the jar's for this URL (a call's cookie wins over the jar's of the same name). Returns the
    caller's part, which redirect hops need apart from the jar's."""
    given: dict[str, str | bytes]
    if call is None:
        given = {}
    elif type(call) is not dict and isinstance(call, Cookies):
        # a jar's cookies of a domain go to that domain only
        now, https = time.time(), url.scheme == "https"
        given = {c.name: c.value for c in call.records()
                 if not c.domain or c.matches(url.host, url.path or "/", https, now)}
    else:
        given = dict(call)
    pairs = []
    for name, value in given.items():
        if isinstance(value, (bytes, bytearray)):  # octets, sent as they are
            value = given[name] = bytes(value).decode("utf-8", "surrogateescape")
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
