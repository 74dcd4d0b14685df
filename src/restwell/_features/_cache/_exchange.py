"""The cache around one request on the wire, as steps of the feature flow.

``exchange`` is what ``_flow._one`` runs instead of sending a request when the client has a
cache: it looks the request up (``STORE`` steps, which the client does with the storage's
sync or async methods), serves a fresh stored response without the network, sends a
conditional request for a stale one and turns its 304 into the stored response, and stores
what comes back when it may. An unsafe method's response invalidates what it names (§4.4).

A storage step that fails (a broken disk, a lost Redis) is a miss, never the caller's error.
A streamed response is stored as the caller reads it (``_tee``), and only once its body
ended cleanly.
"""

from __future__ import annotations

import time
import typing

from ..._models._exceptions import RequestError
from ..._models._headers import Headers
from ..._models._request import Request
from ..._models._response import Response
from .._retry import attempts
from .._steps import CLOSE, SEND, STORE, Step
from ._config import Cache
from ._entry import (
    Entry,
    Variant,
    credentials_digest,
    dump_index,
    load_index,
    primary_key,
    secondary_key,
)
from ._policy import (
    KEEP_STALE,
    conditional_fields,
    decide,
    freshens,
    invalidated,
    is_unsafe,
    keep_for,
    merged_fields,
    request_directives,
    stale_if_error,
    storable,
    stored_fields,
)
from ._tee import AsyncTee, Tee

if typing.TYPE_CHECKING:  # pragma: no cover
    from ..._models._retry import Retry

__all__ = ["exchange"]
Steps = typing.Generator[Step, typing.Any, typing.Any]
_OWN_CONDITIONS = frozenset({"if-none-match", "if-modified-since", "if-match",
                             "if-unmodified-since", "if-range", "range"})
_MAX_VARIANTS = 32
_ORIGIN_ERRORS = frozenset({500, 502, 503, 504})  # what stale-if-error may answer for


class _Store:
    """The storage's methods for this client: the sync ones, or the async twins."""

    def __init__(self, cache: Cache, asynchronous: bool) -> None:
        storage = cache.storage
        self.asynchronous = asynchronous
        if asynchronous:
            self.get, self.put, self.delete = storage.aget, storage.aput, storage.adelete
        else:
            self.get, self.put, self.delete = storage.get, storage.put, storage.delete


def _do(method: typing.Callable[..., typing.Any], *args: typing.Any) -> Steps:
    """One storage call; what it raises is a miss (None)."""
    try:
        return (yield STORE, method, args)
    except Exception:  # (a cache never fails the caller's request)
        return None


def _wire(request: Request, stream: bool, policy: Retry | None) -> Steps:
    if policy is None:
        return (yield SEND, request, stream)
    return (yield from attempts(request, stream, policy))


def exchange(cache: Cache, request: Request, stream: bool, policy: Retry | None,
             asynchronous: bool) -> Steps:
    """One request through the cache: its response, stored, served or revalidated."""
    started = time.perf_counter()
    store = _Store(cache, asynchronous)
    method = request.method
    if method not in ("GET", "HEAD"):
        response = yield from _wire(request, stream, policy)
        if is_unsafe(method):
            yield from _invalidate(store, request, response)
        return response
    fields = request.headers.multi_items()
    if any(name.lower() in _OWN_CONDITIONS for name, _ in fields):
        return (yield from _wire(request, stream, policy))  # the caller's own validation
    directives = request_directives(fields)
    primary = primary_key(method, str(request.url))
    credentials = credentials_digest(fields, cache.cookies_in_key)
    found = yield from _lookup(store, primary, fields, credentials)
    index, entry, key = found
    if entry is not None:
        verdict, age = decide(entry.status, entry.fields, entry.request_time,
                              entry.response_time, directives, cache.clock(), cache)
        if verdict != "validate":
            return _served(entry, request, age, "hit" if verdict == "fresh" else "stale",
                           started)
    if "only-if-cached" in directives:
        return _gateway_timeout(request, started)
    validators = conditional_fields(entry.fields) if entry is not None else []
    sent = _conditional(request, validators) if validators else request
    request_time = cache.clock()
    try:
        response = yield from _wire(sent, stream, policy)
    except RequestError:  # the origin is unreachable: stale-if-error may answer (RFC 5861)
        if entry is None or not _may_serve_stale(entry, directives, cache):
            raise
        return _served(entry, request, 0.0, "stale", started, age_from=cache)
    response_time = cache.clock()
    if (entry is not None and response.status_code in _ORIGIN_ERRORS
            and _may_serve_stale(entry, directives, cache)):
        yield CLOSE, response, None
        return _served(entry, request, 0.0, "stale", started, age_from=cache)
    if validators and response.status_code == 304:
        yield CLOSE, response, None
        assert entry is not None
        answer = response.headers.multi_items()
        if freshens(entry.fields, answer):
            entry.fields = merged_fields(entry.fields, answer)
            entry.request_time, entry.response_time = request_time, response_time
            yield from _save(store, cache, index, primary, key, entry)
            return _served(entry, request, 0.0, "revalidated", started, age_from=cache)
        response = yield from _wire(request, stream, policy)  # not ours: ask plainly
    response.request = request
    response.cache_status = "miss"
    answer = response.headers.multi_items()
    if storable(method, response.status_code, fields, answer, cache):
        yield from _keep(store, cache, index, primary, fields, credentials, response,
                         (request_time, response_time))
    return response


def _may_serve_stale(entry: Entry, directives: typing.Any, cache: Cache) -> bool:
    return stale_if_error(entry.status, entry.fields, entry.request_time, entry.response_time,
                          directives, cache.clock(), cache)


def _lookup(store: _Store, primary: str, fields: list[tuple[str, str]],
            credentials: str) -> Steps:
    """The index of a primary key and the variant this request selects: (index, entry,
    its key), with None for what is not stored (or does not load)."""
    stored = yield from _do(store.get, primary)
    index = load_index(stored[0]) if stored is not None else None
    if not index:
        return [], None, None
    for vary in dict.fromkeys(variant.vary for variant in index):
        key = secondary_key(primary, vary, fields, credentials)
        if not any(variant.key == key for variant in index):
            continue
        value = yield from _do(store.get, key)
        entry = Entry.load(*value) if value is not None else None
        if entry is not None:
            return index, entry, key
    return index, None, None


def _keep(store: _Store, cache: Cache, index: list[Variant], primary: str,
          fields: list[tuple[str, str]], credentials: str, response: Response,
          times: tuple[float, float]) -> Steps:
    """Store a response that may be stored: now if its body is read, else as it is read."""
    from ._directives import vary_names, vary_values

    answer = response.headers.multi_items()
    vary = vary_names(answer) or ()
    key = secondary_key(primary, vary, fields, credentials)
    entry = Entry(response.status_code, response.reason_phrase, response.http_version,
                  stored_fields(answer), times[0], times[1], str(response.request.url), vary,
                  vary_values(fields, vary))
    if response._consumed:
        if response._raw_body is None and response._content is not None:  # (made by hand)
            entry.fields = [(n, v) for n, v in entry.fields
                            if n.lower() not in ("content-encoding", "content-length")]
        body = response._raw_body if response._raw_body is not None else response._content
        if len(body or b"") <= cache.max_entry_bytes:
            entry.body = body or b""
            yield from _save(store, cache, index, primary, key, entry)
        return
    meta_of = (lambda: _meta_steps(cache, index, primary, key, entry))  # noqa: E731
    if store.asynchronous and response._astream is not None:
        response._astream = AsyncTee(response._astream, cache.max_entry_bytes, store.put,
                                     meta_of)
    elif response._stream is not None:
        response._stream = Tee(response._stream, cache.max_entry_bytes, store.put, meta_of)


def _meta_steps(cache: Cache, index: list[Variant], primary: str, key: str | None,
                entry: Entry) -> list[tuple[str, bytes, float]]:
    """What storing ``entry`` writes besides its body: its meta and the index naming it, each
    with its ttl (``keep_for``). The index is kept at least ``KEEP_STALE``, and as long as
    this entry: an older variant that outlives it is unreachable, and expires in its turn."""
    assert key is not None
    kept = [v for v in index if v.key != key][-(_MAX_VARIANTS - 1):]
    ttl = keep_for(entry.status, entry.fields, entry.request_time, entry.response_time,
                   cache.clock(), cache)
    return [(key, entry.meta(), ttl),
            (primary, dump_index([*kept, Variant(entry.vary, key)]), max(ttl, KEEP_STALE))]


def _save(store: _Store, cache: Cache, index: list[Variant], primary: str, key: str | None,
          entry: Entry) -> Steps:
    (key_, meta, ttl), (primary_, index_meta, index_ttl) = _meta_steps(cache, index, primary,
                                                                       key, entry)
    yield from _do(store.put, key_, meta, entry.body, ttl)
    yield from _do(store.put, primary_, index_meta, b"", index_ttl)


def _invalidate(store: _Store, request: Request, response: Response) -> Steps:
    """Forget what an unsafe request's response invalidates: every variant stored for the
    target and its same-origin Location and Content-Location, under GET and HEAD."""
    def join(reference: str) -> tuple[str, tuple[str, str, int]] | None:
        try:
            resolved = request.url.join(reference)
        except Exception:  # (a reference that does not parse invalidates nothing)
            return None
        return str(resolved.copy_with(fragment=None)), resolved.origin

    target = str(request.url.copy_with(fragment=None))
    for url in invalidated(target, response.status_code, response.headers.multi_items(),
                           join, request.url.origin):
        for method in ("GET", "HEAD"):
            primary = primary_key(method, url)
            stored = yield from _do(store.get, primary)
            for variant in (load_index(stored[0]) or []) if stored is not None else []:
                yield from _do(store.delete, variant.key)
            if stored is not None:
                yield from _do(store.delete, primary)


def _conditional(request: Request, validators: list[tuple[str, str]]) -> Request:
    """A copy of ``request`` made conditional on a stored response."""
    copy = Request.__new__(Request)
    for slot in Request.__slots__:
        if hasattr(request, slot):
            setattr(copy, slot, getattr(request, slot))
    copy.headers = request.headers.copy()
    for name, value in validators:
        copy.headers[name] = value
    return copy


def _served(entry: Entry, request: Request, age: float, status: str, started: float,
            age_from: Cache | None = None) -> Response:
    """A stored response, as the caller's: its fields with its current Age."""
    if age_from is not None:
        from ._policy import current_age

        age = current_age(entry.fields, entry.request_time, entry.response_time,
                          age_from.clock())
    fields = [(n, v) for n, v in entry.fields if n.lower() != "age"]
    fields.append(("Age", str(int(age))))
    response = Response(entry.status, headers=Headers(fields), request=request,
                        reason_phrase=entry.reason, http_version=entry.http_version)
    response._content = None
    response._raw_body = entry.body
    response.cache_status = status
    response._elapsed = time.perf_counter() - started
    return response


def _gateway_timeout(request: Request, started: float) -> Response:
    """only-if-cached with nothing usable stored (RFC 9111 §5.2.1.7)."""
    response = Response(504, headers={"Content-Length": "0"}, request=request)
    response.cache_status = "miss"
    response._elapsed = time.perf_counter() - started
    return response

