"""The decisions of RFC 9111, each a pure function of fields, times and the cache's knobs.

- ``storable``: may this response be stored (§3, with the default-cacheable statuses of
  RFC 9110 §15.1)?
- ``freshness_lifetime`` and ``current_age``: §4.2.1 and §4.2.3, the response delay included;
- ``stale_if_error``: may a stale one answer when the origin fails (RFC 5861)?
- ``decide``: is a stored response served as it is ("fresh"), served stale because the request
  allows it ("stale"), or validated first ("validate")? (§4.2, §4.3, §5.2.1, §5.2.2);
- ``conditional_fields``, ``freshens`` and ``merged_fields``: validation (§4.3) and how a
  304 updates what is stored (§3.2, §4.3.4);
- ``invalidated``: what an unsafe request's response invalidates (§4.4).

Times are seconds since the epoch; the caller passes "now", so tests use a fake clock.
"""

from __future__ import annotations

import typing

from ._directives import (
    Directives,
    Fields,
    age_of,
    cache_control,
    delta_seconds,
    etag_matches,
    first,
    http_date,
    vary_names,
)

if typing.TYPE_CHECKING:  # pragma: no cover
    from ._config import Cache

__all__ = ["CACHEABLE_BY_DEFAULT", "storable", "freshness_lifetime", "current_age", "decide",
           "request_directives", "conditional_fields", "freshens", "merged_fields",
           "stored_fields", "invalidated", "is_unsafe", "keep_for", "KEEP_STALE"]

# RFC 9110 §15.1: heuristically cacheable statuses (206 left out: ranges are not cached).
CACHEABLE_BY_DEFAULT = frozenset({200, 203, 204, 300, 301, 308, 404, 405, 410, 414, 501})
# How long a stale response with a validator stays worth keeping: a conditional request can
# renew it with a 304 instead of its body.
KEEP_STALE = 24 * 3600.0
_SAFE = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Never stored (§3.1): hop-by-hop fields, and Set-Cookie (a cookie is set once, by the
# response that carried it, not again by every hit).
_NOT_STORED = frozenset({"connection", "keep-alive", "proxy-connection", "te", "upgrade",
                         "transfer-encoding", "trailer", "proxy-authenticate",
                         "proxy-authorization", "set-cookie"})
# Not updated from a 304 (§3.2): they describe the stored body, not the 304's.
_NOT_UPDATED = frozenset({"content-length", "content-encoding", "content-range",
                          "content-type", "transfer-encoding"})


def is_unsafe(method: str) -> bool:
    """RFC 9110 §9.2.1: any method but GET, HEAD, OPTIONS and TRACE."""
    return method not in _SAFE


def request_directives(fields: Fields) -> Directives:
    """A request's Cache-Control; ``Pragma: no-cache`` counts as ``no-cache`` when there is
    no Cache-Control (§5.4)."""
    directives = cache_control(fields)
    if not directives and any(
        n.lower() == "pragma" and "no-cache" in v.lower() for n, v in fields
    ):
        directives["no-cache"] = None
    return directives


def storable(method: str, status: int, request_fields: Fields, fields: Fields,
             cache: Cache) -> bool:
    """May this response be stored (§3)?"""
    if method not in ("GET", "HEAD") or status < 200 or status in (206, 304):
        return False
    response, request = cache_control(fields), request_directives(request_fields)
    if "no-store" in response or "no-store" in request or vary_names(fields) is None:
        return False
    if cache.shared:
        if "private" in response:
            return False
        if first(request_fields, "authorization") is not None and not (
            "must-revalidate" in response or "public" in response or "s-maxage" in response
        ):
            return False  # §3.5
    explicit = ("max-age" in response or "public" in response
                or (cache.shared and "s-maxage" in response)
                or (not cache.shared and "private" in response)
                or first(fields, "expires") is not None)
    if not (explicit or status in CACHEABLE_BY_DEFAULT):
        return False
    # A response with no freshness and no validator could only ever be validated by
    # fetching it again: storing it buys nothing.
    has_validator = (first(fields, "etag") is not None
                     or first(fields, "last-modified") is not None)
    return has_validator or freshness_lifetime(status, fields, 0.0, cache) > 0


def freshness_lifetime(status: int, fields: Fields, response_time: float,
                       cache: Cache) -> float:
    """Seconds the response is fresh for (§4.2.1): s-maxage (shared caches), max-age,
    Expires minus Date, else the heuristic where it is allowed (§4.2.2)."""
    directives = cache_control(fields)
    if cache.shared:
        s_maxage = delta_seconds(directives, "s-maxage")
        if s_maxage is not None:
            return float(s_maxage)
    max_age = delta_seconds(directives, "max-age")
    if max_age is not None:
        return float(max_age)
    date = http_date(first(fields, "date"))
    base = response_time if date is None else date
    expires_field = first(fields, "expires")
    if expires_field is not None:
        expires = http_date(expires_field)
        return 0.0 if expires is None else max(0.0, expires - base)  # invalid: expired
    if not cache.heuristic or "no-cache" in directives:
        return 0.0
    if status not in CACHEABLE_BY_DEFAULT and "public" not in directives:
        return 0.0
    last_modified = http_date(first(fields, "last-modified"))
    if last_modified is None or last_modified >= base:
        return 0.0
    return min(0.1 * (base - last_modified), cache.max_heuristic)


def current_age(fields: Fields, request_time: float, response_time: float,
                now: float) -> float:
    """The stored response's age now (§4.2.3): its Age, the time on the way (the response
    delay) and the time since it was received."""
    date = http_date(first(fields, "date"))
    apparent_age = 0.0 if date is None else max(0.0, response_time - date)
    response_delay = max(0.0, response_time - request_time)
    corrected_age_value = age_of(fields) + response_delay
    corrected_initial_age = max(apparent_age, corrected_age_value)
    return corrected_initial_age + max(0.0, now - response_time)


def keep_for(status: int, fields: Fields, request_time: float, response_time: float,
             now: float, cache: Cache) -> float:
    """Seconds a stored response is worth keeping, from ``now``: the ``ttl`` storages that
    expire entries (Redis) are given. The freshness it has left, then the window it may still
    be used in stale: ``KEEP_STALE`` when it has a validator (it can be revalidated), none
    otherwise (a request's ``max-stale`` is not known in advance)."""
    left = freshness_lifetime(status, fields, response_time, cache) - current_age(
        fields, request_time, response_time, now)
    on_error = delta_seconds(cache_control(fields), "stale-if-error") or 0
    return max(0.0, left) + max(KEEP_STALE if conditional_fields(fields) else 0.0,
                                float(on_error))


def stale_if_error(status: int, fields: Fields, request_time: float, response_time: float,
                   request: Directives, now: float, cache: Cache) -> bool:
    """May a stale stored response answer a request whose origin failed (unreachable, or a
    500, 502, 503 or 504)? RFC 5861 §4: within the request's ``stale-if-error`` window, else
    the response's, past its freshness; never when it must be revalidated (``no-cache``,
    ``must-revalidate``, and for a shared cache ``proxy-revalidate`` and ``s-maxage``)."""
    response = cache_control(fields)
    if "no-cache" in response or "must-revalidate" in response or (
        cache.shared and ("proxy-revalidate" in response or "s-maxage" in response)
    ):
        return False
    window = delta_seconds(request, "stale-if-error")
    if window is None:
        window = delta_seconds(response, "stale-if-error")
    if window is None:
        return False
    lifetime = freshness_lifetime(status, fields, response_time, cache)
    return current_age(fields, request_time, response_time, now) - lifetime <= window


def decide(status: int, fields: Fields, request_time: float, response_time: float,
           request: Directives, now: float, cache: Cache) -> tuple[str, float]:
    """What to do with a stored response for a request with these directives: "fresh"
    (serve it), "stale" (serve it, stale: the request's max-stale allows it) or "validate"
    (ask the origin first); and its current age."""
    response = cache_control(fields)
    age = current_age(fields, request_time, response_time, now)
    lifetime = freshness_lifetime(status, fields, response_time, cache)
    fresh = lifetime > age
    if "no-cache" in response or "no-cache" in request:
        return "validate", age
    # immutable (RFC 8246): a fresh response does not change, so a request's max-age=0 (a
    # "reload") is answered without asking; an explicit no-cache still asks.
    if not (fresh and "immutable" in response):
        max_age = delta_seconds(request, "max-age")
        if max_age is not None and age > max_age:
            return "validate", age
    min_fresh = delta_seconds(request, "min-fresh")
    if min_fresh is not None and lifetime - age < min_fresh:
        return "validate", age
    if fresh:
        return "fresh", age
    if "must-revalidate" in response or (
        cache.shared and ("proxy-revalidate" in response or "s-maxage" in response)
    ):
        return "validate", age  # §4.2.4: never served stale
    if "max-stale" in request:
        limit = delta_seconds(request, "max-stale")
        if request["max-stale"] is None or (limit is not None and age - lifetime <= limit):
            return "stale", age
    return "validate", age


def conditional_fields(fields: Fields) -> list[tuple[str, str]]:
    """The fields that make a request conditional on a stored response (§4.3.1): its ETag
    as If-None-Match, its Last-Modified as If-Modified-Since."""
    found = []
    etag = first(fields, "etag")
    if etag is not None:
        found.append(("If-None-Match", etag))
    last_modified = first(fields, "last-modified")
    if last_modified is not None:
        found.append(("If-Modified-Since", last_modified))
    return found


def freshens(stored: Fields, not_modified: Fields) -> bool:
    """Does a 304 answer for this stored response (§4.3.4)? Its strong ETag (or, without one,
    its Last-Modified) must match; a 304 without validators matches the one stored response."""
    etag = first(not_modified, "etag")
    if etag is not None:
        if etag.strip().startswith(("W/", "w/")):
            return etag_matches(etag, first(stored, "etag"), weak=True)
        return etag_matches(etag, first(stored, "etag"), weak=False)
    last_modified = first(not_modified, "last-modified")
    if last_modified is not None:
        return http_date(last_modified) == http_date(first(stored, "last-modified"))
    return True


def stored_fields(fields: Fields) -> list[tuple[str, str]]:
    """The fields kept with a stored response: all but hop-by-hop ones (and those the
    Connection field names) and Set-Cookie (§3.1)."""
    named = {name.strip().lower() for n, v in fields if n.lower() == "connection"
             for name in v.split(",")}
    return [(n, v) for n, v in fields if n.lower() not in _NOT_STORED and n.lower() not in named]


def merged_fields(stored: Fields, not_modified: Fields) -> list[tuple[str, str]]:
    """The stored fields updated from a 304 (§3.2): each field it carries replaces the stored
    ones of that name, except those describing the stored body."""
    fresh = [(n, v) for n, v in stored_fields(not_modified) if n.lower() not in _NOT_UPDATED]
    replaced = {n.lower() for n, _ in fresh}
    return [(n, v) for n, v in stored if n.lower() not in replaced] + fresh


def invalidated(url: str, status: int, fields: Fields,
                join: typing.Callable[[str], tuple[str, tuple[str, str, int]] | None],
                origin: tuple[str, str, int]) -> list[str]:
    """The URIs an unsafe request's non-error response invalidates (§4.4): its target, and
    its Location and Content-Location when they are on the same origin. ``join`` resolves a
    reference against the request's URL, to (URI, origin), or None if it does not parse."""
    if not 200 <= status < 400:
        return []
    found = [url]
    for name in ("location", "content-location"):
        reference = first(fields, name)
        resolved = join(reference) if reference else None
        if resolved is not None and resolved[1] == origin and resolved[0] not in found:
            found.append(resolved[0])
    return found
