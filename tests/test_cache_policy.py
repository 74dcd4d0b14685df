"""The cache's decisions (RFC 9111) as tables over fields, with a fake clock: what may be
stored, freshness and age, when a stored response is served or validated, what a 304 updates,
what an unsafe method invalidates, and the keys (Vary, the credential digest)."""

from __future__ import annotations

import email.utils

import pytest
from hypothesis import given
from hypothesis import strategies as st

from restwell import Cache, MemoryCache
from restwell._features._cache._directives import (
    cache_control,
    etag_matches,
    http_date,
    vary_names,
    vary_values,
)
from restwell._features._cache._entry import (
    Entry,
    credentials_digest,
    load_index,
    primary_key,
    secondary_key,
)
from restwell._features._cache._policy import (
    KEEP_STALE,
    conditional_fields,
    current_age,
    decide,
    freshens,
    freshness_lifetime,
    invalidated,
    keep_for,
    merged_fields,
    request_directives,
    stale_if_error,
    storable,
    stored_fields,
)

NOW = 1_700_000_000.0
PRIVATE = Cache(MemoryCache())
SHARED = Cache(MemoryCache(), shared=True)
NO_HEURISTIC = Cache(MemoryCache(), heuristic=False)


def date(offset: float) -> str:
    return email.utils.formatdate(NOW + offset, usegmt=True)


def f(**fields: str) -> list[tuple[str, str]]:
    return [(name.replace("_", "-"), value) for name, value in fields.items()]


def test_cache_control_parsing() -> None:
    assert cache_control(f(cache_control='max-age=60, No-Cache, private="x, y"')) == {
        "max-age": "60", "no-cache": None, "private": "x, y"}
    assert cache_control([("Cache-Control", "max-age=1"), ("Cache-Control", "max-age=9")]) == {
        "max-age": "1"}  # the first wins
    assert cache_control(f(cache_control=", ,")) == {}
    assert request_directives(f(pragma="no-cache")) == {"no-cache": None}
    assert request_directives(f(pragma="no-cache", cache_control="max-age=5")) == {
        "max-age": "5"}


@given(st.text(max_size=60))
def test_cache_control_never_raises(text: str) -> None:
    cache_control([("Cache-Control", text)])
    http_date(text)


@pytest.mark.parametrize(("method", "status", "request_fields", "fields", "cache", "expected"), [
    ("GET", 200, [], f(cache_control="max-age=60"), PRIVATE, True),
    ("HEAD", 200, [], f(cache_control="max-age=60"), PRIVATE, True),
    ("POST", 200, [], f(cache_control="max-age=60"), PRIVATE, False),
    ("GET", 200, [], f(etag='"a"'), PRIVATE, True),  # cacheable by default, validator
    ("GET", 200, [], [], PRIVATE, False),  # nothing to reuse: not worth storing
    ("GET", 201, [], f(etag='"a"'), PRIVATE, False),  # 201 is not cacheable by default
    ("GET", 201, [], f(cache_control="max-age=5"), PRIVATE, True),  # ... but explicit is
    ("GET", 404, [], f(last_modified=date(-1000)), PRIVATE, True),
    ("GET", 206, [], f(cache_control="max-age=5"), PRIVATE, False),
    ("GET", 304, [], f(cache_control="max-age=5"), PRIVATE, False),
    ("GET", 200, [], f(cache_control="max-age=5, no-store"), PRIVATE, False),
    ("GET", 200, f(cache_control="no-store"), f(cache_control="max-age=5"), PRIVATE, False),
    ("GET", 200, [], f(cache_control="max-age=5", vary="*"), PRIVATE, False),
    ("GET", 200, [], f(cache_control="private, max-age=5"), PRIVATE, True),
    ("GET", 200, [], f(cache_control="private, max-age=5"), SHARED, False),
    ("GET", 200, f(authorization="x"), f(cache_control="max-age=5"), PRIVATE, True),
    ("GET", 200, f(authorization="x"), f(cache_control="max-age=5"), SHARED, False),
    ("GET", 200, f(authorization="x"), f(cache_control="max-age=5, public"), SHARED, True),
    ("GET", 200, f(authorization="x"), f(cache_control="s-maxage=5"), SHARED, True),
    ("GET", 200, f(authorization="x"), f(cache_control="must-revalidate, max-age=5"), SHARED,
     True),
    ("GET", 200, [], f(expires=date(60)), PRIVATE, True),
])
def test_storable(method: str, status: int, request_fields: list[tuple[str, str]],
                  fields: list[tuple[str, str]], cache: Cache, expected: bool) -> None:
    assert storable(method, status, request_fields, fields, cache) is expected


@pytest.mark.parametrize(("status", "fields", "cache", "lifetime"), [
    (200, f(cache_control="max-age=60"), PRIVATE, 60),
    (200, f(cache_control="max-age=60, s-maxage=5"), PRIVATE, 60),  # s-maxage: shared only
    (200, f(cache_control="max-age=60, s-maxage=5"), SHARED, 5),
    (200, f(cache_control="max-age=60", expires=date(10), date=date(0)), PRIVATE, 60),
    (200, f(expires=date(30), date=date(0)), PRIVATE, 30),
    (200, f(expires="not a date", date=date(0)), PRIVATE, 0),  # invalid Expires: expired
    (200, f(expires=date(-30), date=date(0)), PRIVATE, 0),
    (200, f(last_modified=date(-1000), date=date(0)), PRIVATE, 100),  # 10% heuristic
    (200, f(last_modified=date(-1000), date=date(0)), NO_HEURISTIC, 0),
    (200, f(last_modified=date(-10**7), date=date(0)), PRIVATE, 24 * 3600),  # capped
    (201, f(last_modified=date(-1000), date=date(0)), PRIVATE, 0),  # not by default
    (201, f(last_modified=date(-1000), date=date(0), cache_control="public"), PRIVATE, 100),
    (200, f(cache_control="max-age=abc"), PRIVATE, 0),
])
def test_freshness_lifetime(status: int, fields: list[tuple[str, str]], cache: Cache,
                            lifetime: float) -> None:
    assert freshness_lifetime(status, fields, NOW, cache) == pytest.approx(lifetime)


@pytest.mark.parametrize(("fields", "request_time", "response_time", "now", "age"), [
    ([], NOW, NOW, NOW, 0),
    ([], NOW, NOW, NOW + 30, 30),                     # resident time
    (f(age="100"), NOW, NOW, NOW + 5, 105),           # Age plus resident time
    (f(age="100"), NOW - 2, NOW, NOW, 102),           # plus the response delay
    (f(date=date(-50)), NOW, NOW, NOW, 50),           # apparent age from Date
    (f(date=date(-50), age="10"), NOW, NOW, NOW, 50),  # the larger of the two
    (f(date=date(+50)), NOW, NOW, NOW, 0),            # a clock ahead: never negative
    (f(age="bogus"), NOW, NOW, NOW, 0),
])
def test_current_age(fields: list[tuple[str, str]], request_time: float,
                     response_time: float, now: float, age: float) -> None:
    assert current_age(fields, request_time, response_time, now) == pytest.approx(age)


@pytest.mark.parametrize(("fields", "request_cc", "elapsed", "cache", "verdict"), [
    (f(cache_control="max-age=60"), "", 10, PRIVATE, "fresh"),
    (f(cache_control="max-age=60"), "", 61, PRIVATE, "validate"),
    (f(cache_control="max-age=60, no-cache"), "", 1, PRIVATE, "validate"),
    (f(cache_control="max-age=60"), "no-cache", 1, PRIVATE, "validate"),
    (f(cache_control="max-age=60"), "max-age=0", 1, PRIVATE, "validate"),
    (f(cache_control="max-age=60"), "max-age=5", 3, PRIVATE, "fresh"),
    (f(cache_control="max-age=60, immutable"), "max-age=0", 1, PRIVATE, "fresh"),
    (f(cache_control="max-age=60, immutable"), "no-cache", 1, PRIVATE, "validate"),
    (f(cache_control="max-age=60"), "min-fresh=30", 40, PRIVATE, "validate"),
    (f(cache_control="max-age=60"), "min-fresh=30", 20, PRIVATE, "fresh"),
    (f(cache_control="max-age=60"), "max-stale", 1000, PRIVATE, "stale"),
    (f(cache_control="max-age=60"), "max-stale=10", 65, PRIVATE, "stale"),
    (f(cache_control="max-age=60"), "max-stale=10", 75, PRIVATE, "validate"),
    (f(cache_control="max-age=60, must-revalidate"), "max-stale", 65, PRIVATE, "validate"),
    (f(cache_control="max-age=60, proxy-revalidate"), "max-stale", 65, PRIVATE, "stale"),
    (f(cache_control="max-age=60, proxy-revalidate"), "max-stale", 65, SHARED, "validate"),
    (f(cache_control="s-maxage=60"), "", 30, SHARED, "fresh"),
])
def test_decide(fields: list[tuple[str, str]], request_cc: str, elapsed: float, cache: Cache,
                verdict: str) -> None:
    directives = request_directives([("Cache-Control", request_cc)] if request_cc else [])
    got, age = decide(200, fields, NOW, NOW, directives, NOW + elapsed, cache)
    assert (got, age) == (verdict, pytest.approx(elapsed))


@pytest.mark.parametrize(("fields", "elapsed", "ttl"), [
    (f(cache_control="max-age=60"), 0, 60),                 # until it turns stale
    (f(cache_control="max-age=60"), 45, 15),                # what freshness it has left
    (f(cache_control="max-age=60", age="20"), 0, 40),
    (f(cache_control="max-age=60"), 100, 0),                # stale, no validator: worthless
    (f(cache_control="max-age=60", etag='"v"'), 0, 60 + KEEP_STALE),  # kept to revalidate
    (f(cache_control="no-cache", etag='"v"'), 0, KEEP_STALE),
    (f(cache_control="max-age=60", last_modified=date(-1000)), 100, KEEP_STALE),
])
def test_keep_for(fields: list[tuple[str, str]], elapsed: float, ttl: float) -> None:
    """The ttl a storage that expires entries (Redis) is given: freshness left, then a
    window for revalidation when there is a validator."""
    assert keep_for(200, fields, NOW, NOW, NOW + elapsed, PRIVATE) == pytest.approx(ttl)


def test_validation_fields_and_etag_comparison() -> None:
    assert conditional_fields(f(etag='W/"x"', last_modified=date(-5))) == [
        ("If-None-Match", 'W/"x"'), ("If-Modified-Since", date(-5))]
    assert conditional_fields(f(cache_control="max-age=1")) == []
    assert etag_matches('"a"', '"a"', weak=False)
    assert not etag_matches('W/"a"', '"a"', weak=False)
    assert etag_matches('W/"a"', '"a"', weak=True)
    assert not etag_matches('"a"', '"b"', weak=True)
    assert not etag_matches(None, '"a"', weak=True)


@pytest.mark.parametrize(("stored", "answer", "expected"), [
    (f(etag='"a"'), f(etag='"a"'), True),
    (f(etag='"a"'), f(etag='"b"'), False),
    (f(etag='W/"a"'), f(etag='"a"'), False),  # a strong 304 validator: strong comparison
    (f(etag='W/"a"'), f(etag='W/"a"'), True),
    (f(last_modified=date(-9)), f(last_modified=date(-9)), True),
    (f(last_modified=date(-9)), f(last_modified=date(-8)), False),
    (f(etag='"a"'), [], True),
])
def test_freshens(stored: list[tuple[str, str]], answer: list[tuple[str, str]],
                  expected: bool) -> None:
    assert freshens(stored, answer) is expected


def test_a_304_updates_the_stored_fields_but_not_the_body_s() -> None:
    stored = [("Content-Type", "application/json"), ("Content-Length", "8"),
              ("Cache-Control", "max-age=1"), ("ETag", '"a"'), ("X-Old", "1")]
    answer = [("Cache-Control", "max-age=60"), ("Content-Length", "0"), ("ETag", '"a"'),
              ("Connection", "keep-alive"), ("X-New", "2")]
    merged = dict(merged_fields(stored, answer))
    assert merged == {"Content-Type": "application/json", "Content-Length": "8",
                      "Cache-Control": "max-age=60", "ETag": '"a"', "X-Old": "1", "X-New": "2"}


def test_hop_by_hop_fields_and_set_cookie_are_not_stored() -> None:
    fields = [("Connection", "close, X-Hop"), ("X-Hop", "1"), ("Keep-Alive", "5"),
              ("Transfer-Encoding", "chunked"), ("Set-Cookie", "a=b"), ("ETag", '"a"')]
    assert stored_fields(fields) == [("ETag", '"a"')]


def test_invalidation_names_the_target_and_same_origin_locations() -> None:
    origin = ("http", "a.test", 80)

    def join(ref: str) -> tuple[str, tuple[str, str, int]] | None:
        if ref.startswith("http"):
            return ref, ("http", ref.split("/")[2], 80)
        return "http://a.test" + ref, origin

    fields = f(location="/items/1", content_location="http://b.test/x")
    assert invalidated("http://a.test/items", 201, fields, join, origin) == [
        "http://a.test/items", "http://a.test/items/1"]
    assert invalidated("http://a.test/items", 500, fields, join, origin) == []
    assert invalidated("http://a.test/items", 404, fields, join, origin) == []


def test_vary_names_and_normalised_values() -> None:
    assert vary_names(f(vary="Accept-Encoding, accept")) == ("accept", "accept-encoding")
    assert vary_names(f(vary="accept, *")) is None
    assert vary_names([]) == ()
    request = [("Accept", "a/b,  c/d"), ("accept", "e/f"), ("X", "1  2")]
    assert vary_values(request, ("accept", "x", "missing")) == ["a/b,c/d,e/f", "1 2", None]


def test_keys_separate_variants_and_identities() -> None:
    primary = primary_key("GET", "http://a.test/x#frag")
    assert primary == "GET http://a.test/x"
    alice = credentials_digest([("Authorization", "Bearer alice")], cookies=True)
    bob = credentials_digest([("Authorization", "Bearer bob")], cookies=True)
    assert alice and bob and alice != bob and "alice" not in alice
    assert credentials_digest([], cookies=True) == ""
    assert credentials_digest([("Cookie", "s=1")], cookies=False) == ""
    assert credentials_digest([("Cookie", "s=1")], cookies=True) != ""
    keys = {secondary_key(primary, (), [], who) for who in (alice, bob, "")}
    assert len(keys) == 3
    gzip_key = secondary_key(primary, ("accept-encoding",), [("Accept-Encoding", "gzip")], "")
    br_key = secondary_key(primary, ("accept-encoding",), [("Accept-Encoding", "br")], "")
    assert gzip_key != br_key
    assert gzip_key == secondary_key(primary, ("accept-encoding",),
                                     [("accept-encoding", " gzip ")], "")


def test_entries_round_trip_and_garbage_is_a_miss() -> None:
    entry = Entry(200, "OK", "HTTP/1.1", [("ETag", '"a"')], NOW, NOW + 1, "http://a.test/",
                  ("accept",), ["x"], b"body")
    assert Entry.load(entry.meta(), b"body") == entry
    for garbage in (b"", b"{", b"[]", b'{"v": 99}', b'{"v": 1}', b"\xff\xfe"):
        assert Entry.load(garbage, b"") is None
        assert load_index(garbage) is None


@pytest.mark.parametrize(("cache_control", "asked", "stale_by", "cache", "allowed"), [
    ("max-age=10, stale-if-error=60", "", 30, PRIVATE, True),
    ("max-age=10, stale-if-error=60", "", 90, PRIVATE, False),  # past the window
    ("max-age=10", "stale-if-error=60", 30, PRIVATE, True),  # the request's window
    ("max-age=10, stale-if-error=60", "stale-if-error=5", 30, PRIVATE, False),  # the request's
    ("max-age=10", "", 30, PRIVATE, False),  # no window at all
    ("max-age=10, stale-if-error=60, must-revalidate", "", 30, PRIVATE, False),
    ("max-age=10, stale-if-error=60, no-cache", "", 30, PRIVATE, False),
    ("max-age=10, stale-if-error=60, proxy-revalidate", "", 30, PRIVATE, True),
    ("max-age=10, stale-if-error=60, proxy-revalidate", "", 30, SHARED, False),
    ("max-age=10, stale-if-error=x", "", 30, PRIVATE, False),  # not delta-seconds: no window
])
def test_stale_if_error(cache_control: str, asked: str, stale_by: float, cache: Cache,
                        allowed: bool) -> None:
    """RFC 5861 §4: a stale response may answer for a failed origin within the window."""
    fields = f(cache_control=cache_control, date=date(0))
    directives = request_directives(f(cache_control=asked) if asked else [])
    now = NOW + 10 + stale_by
    assert stale_if_error(200, fields, NOW, NOW, directives, now, cache) is allowed


def test_the_stale_if_error_window_is_kept() -> None:
    """An entry is kept (its ttl) for its stale-if-error window past its freshness."""
    fields = f(cache_control="max-age=10, stale-if-error=600", date=date(0))
    assert keep_for(200, fields, NOW, NOW, NOW, PRIVATE) == 610.0

