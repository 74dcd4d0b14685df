"""``RedisCache`` against a real redis-server (tests/redis_server.py): the storage protocol,
sync and async; expiry from ``ttl``; ``max_entry_bytes``; one SET per entry under threads;
SCAN over the prefix; a Redis that is not there, or goes away mid-run, is a miss; and the
issue's bar: four processes share one cache, so a response one fetched is a hit for the
others and the origin sees each URL once."""

from __future__ import annotations

import asyncio
import os
import subprocess
import sys
import threading
import time
import typing

import pytest
import redis
import redis.asyncio

import restwell
from both import Make, new_runner
from nginx_server import free_port
from redis_server import RedisServer
from restwell._features._cache._config import Storage
from restwell._features._cache._policy import KEEP_STALE
from restwell._storage import _redis
from test_cache_client import Origin, fixed

HEAD = _redis._HEAD.size  # the bytes in front of each stored value
FRESH = [("Cache-Control", "max-age=60"), ("Content-Type", "text/plain")]

@pytest.fixture
def origin() -> typing.Iterator[Origin]:
    server = Origin()
    yield server
    server.close()


@pytest.fixture
def store(redis_url: str) -> typing.Iterator[restwell.RedisCache]:
    cache = restwell.RedisCache(redis_url, prefix="t:")
    yield cache
    cache.close()


def test_the_protocol(store: restwell.RedisCache, redis_url: str) -> None:
    assert isinstance(store, Storage)
    assert store.get("a") is None
    store.put("a", b"meta", b"body")
    store.put("b", b"m", b"")
    assert store.get("a") == (b"meta", b"body") and store.get("b") == (b"m", b"")
    store.put("a", b"meta2", b"body2")  # replaced whole
    assert store.get("a") == (b"meta2", b"body2")
    assert sorted(store.keys()) == ["a", "b"]
    assert store.size() == (len("t:a") + HEAD + 10) + (len("t:b") + HEAD + 1)
    store.delete("a")
    store.delete("missing")
    assert store.get("a") is None and list(store.keys()) == ["b"]
    store.clear()
    assert list(store.keys()) == [] and store.size() == 0


def test_the_prefix_is_all_it_reads_lists_and_counts(redis_url: str) -> None:
    other = redis.Redis.from_url(redis_url)
    other.set("not-ours", b"x" * 100)
    one, two = restwell.RedisCache(redis_url, prefix="a*[b]:"), restwell.RedisCache(redis_url)
    one.put("k", b"1", b"1")
    two.put("k", b"2", b"2")
    assert one.get("k") == (b"1", b"1") and two.get("k") == (b"2", b"2")
    assert list(one.keys()) == ["k"] and list(two.keys()) == ["k"]
    assert one.size() == len("a*[b]:k") + HEAD + 2
    one.clear()
    assert two.get("k") == (b"2", b"2") and other.get("not-ours") == b"x" * 100
    assert other.get("restwell:k") is not None  # the default prefix


def test_keys_walk_with_scan_never_keys(store: restwell.RedisCache,
                                        monkeypatch: pytest.MonkeyPatch) -> None:
    pipe = store._sync.pipeline(transaction=False)
    for i in range(1300):  # several SCAN pages
        pipe.set(f"t:k{i}", _redis._pack(b"", b""))
    pipe.execute()

    def forbidden(*args: object, **kwargs: object) -> None:
        raise AssertionError("KEYS blocks the server")

    monkeypatch.setattr(store._sync, "keys", forbidden)
    assert sorted(store.keys()) == sorted(f"k{i}" for i in range(1300))
    assert store.size() == sum(len(f"t:k{i}") + HEAD for i in range(1300))


@pytest.mark.parametrize("kind", ["asyncio", "uvloop"])
def test_async_twins(store: restwell.RedisCache, kind: str) -> None:
    async def main() -> None:
        await store.aclose()  # (nothing open yet)
        assert await store.aget("k") is None
        await store.aput("k", b"m", b"b")
        assert await store.aget("k") == (b"m", b"b")
        assert store.get("k") == (b"m", b"b")  # the sync side sees the async write
        assert await store.akeys() == ["k"] and await store.asize() == len("t:k") + HEAD + 2
        await store.aput("short", b"m", b"b", ttl=0.1)
        await asyncio.sleep(0.25)
        assert await store.aget("short") is None
        await store.adelete("k")
        assert await store.aget("k") is None
        await store.aclose()  # closed now, and opened again when used
        assert await store.aget("k") is None

    for _ in range(2):  # a new event loop each time: each gets its own redis.asyncio client
        with new_runner(kind) as runner:
            runner.run(main())


def test_clients_passed_in(redis_url: str) -> None:
    sync = restwell.RedisCache(redis.Redis.from_url(redis_url))
    sync.put("k", b"m", b"b")
    assert asyncio.run(sync.aget("k")) == (b"m", b"b")  # (in a worker thread)

    async def main() -> tuple[bytes, bytes] | None:
        store = restwell.RedisCache(redis.asyncio.Redis.from_url(redis_url))
        await store.aput("a", b"1", b"2")
        found = store.get("a")  # a blocking twin with the same settings
        await store._given_async.aclose()
        return found

    assert asyncio.run(main()) == (b"1", b"2")
    with pytest.raises(TypeError, match="redis:// URL"):
        restwell.RedisCache(42)


def test_ttl_is_the_key_s_expiry(store: restwell.RedisCache) -> None:
    store.put("short", b"m", b"b", ttl=0.2)
    store.put("kept", b"m", b"b")
    assert store.get("short") == (b"m", b"b")
    assert 0 < store._sync.pttl("t:short") <= 200 and store._sync.pttl("t:kept") == -1
    time.sleep(0.35)
    assert store.get("short") is None and list(store.keys()) == ["kept"]
    store.put("kept", b"m", b"b", ttl=0)  # already past: not stored, and the old one goes
    assert store.get("kept") is None


def test_max_entry_bytes(redis_url: str) -> None:
    store = restwell.RedisCache(redis_url, max_entry_bytes=100)
    store.put("k", b"m" * 50, b"b" * 50)  # meta and body: 100 bytes, stored
    assert store.get("k") == (b"m" * 50, b"b" * 50)
    store.put("k", b"m" * 50, b"b" * 51)  # one more: not stored, and the old one is not kept
    assert store.get("k") is None and list(store.keys()) == []


def test_each_put_is_one_whole_value(store: restwell.RedisCache) -> None:
    stop, seen, mixed = threading.Event(), [0], []

    def write(n: int) -> None:
        while not stop.is_set():
            store.put("k", b"%d" % n, b"%d" % n * 20000)

    def read() -> None:
        while not stop.is_set():
            value = store.get("k")
            if value is not None:
                seen[0] += 1
                if value[1] != value[0] * 20000:
                    mixed.append(value[0])

    threads = [threading.Thread(target=write, args=(n,)) for n in range(1, 5)]
    threads += [threading.Thread(target=read) for _ in range(2)]
    for thread in threads:
        thread.start()
    time.sleep(1.0)
    stop.set()
    for thread in threads:
        thread.join()
    assert seen[0] > 0 and mixed == []


def test_what_is_not_ours_is_a_miss(store: restwell.RedisCache) -> None:
    for raw in (b"", b"garbage", b"rw1" + b"\0" * 8 + b"x", b"rw1\0\0\0\x05\0\0\0\0abc"):
        store._sync.set("t:k", raw)
        assert store.get("k") is None
    store._sync.rpush("t:list", b"x")  # a key of another type: an error from Redis, a miss
    assert store.get("list") is None


def test_no_redis_is_a_miss() -> None:
    store = restwell.RedisCache(f"redis://127.0.0.1:{free_port()}/0", timeout=0.5)
    assert store.get("k") is None
    store.put("k", b"m", b"b")
    store.delete("k")
    assert list(store.keys()) == [] and store.size() == 0

    async def main() -> None:
        await store.aclose()  # (nothing open yet)
        assert await store.aget("k") is None
        await store.aput("k", b"m", b"b")
        await store.adelete("k")
        assert await store.akeys() == [] and await store.asize() == 0

    asyncio.run(main())


def test_a_redis_that_goes_away_is_a_miss(origin: Origin, make_client: Make,
                                          monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr("restwell._storage._redis.DOWN_PAUSE", 0.0)
    origin.routes["/a"] = fixed(200, FRESH, b"hello")
    server = RedisServer()
    try:
        with make_client(cache=restwell.RedisCache(server.url, timeout=0.5)) as c:
            assert c.get(origin.url + "/a").cache_status == "miss"
            assert c.get(origin.url + "/a").cache_status == "hit"
            server.close()  # stopped mid-run
            for _ in range(2):
                r = c.get(origin.url + "/a")
                assert (r.status_code, r.text, r.cache_status) == (200, "hello", "miss")
            assert origin.count("/a") == 3
    finally:
        server.close()


def test_through_both_clients(origin: Origin, make_client: Make, redis_url: str) -> None:
    origin.routes["/a"] = fixed(200, FRESH, b"hello")
    store = restwell.RedisCache(redis_url)
    with make_client(cache=store) as c:
        assert c.get(origin.url + "/a").cache_status == "miss"
        again = c.get(origin.url + "/a")
        assert (again.cache_status, again.text) == ("hit", "hello")
    with restwell.Client(cache=store) as other:  # another client, sync: the same entry
        assert other.get(origin.url + "/a").cache_status == "hit"
    assert origin.count("/a") == 1
    assert all(store._sync.pttl("restwell:" + key) > 0 for key in list(store.keys()))


def test_the_cache_s_ttl_is_each_key_s_expiry(origin: Origin, make_client: Make,
                                              redis_url: str) -> None:
    """Freshness left, plus a day to revalidate when there is a validator; the index lives
    at least a day. A streamed response, stored as it is read, gets the same."""
    origin.routes["/fresh"] = fixed(200, FRESH)
    origin.routes["/tagged"] = fixed(200, [*FRESH, ("ETag", '"v1"')])
    store = restwell.RedisCache(redis_url)
    with make_client(cache=store) as c:
        c.get(origin.url + "/fresh")
        with c.stream("GET", origin.url + "/tagged") as r:
            r.read()
        assert c.get(origin.url + "/tagged").cache_status == "hit"

    def seconds(url: str) -> float:
        key = next(k for k in list(store.keys()) if url in k and k != "GET " + url)
        return float(store._sync.pttl("restwell:" + key)) / 1000

    day = KEEP_STALE
    assert 55 < seconds(origin.url + "/fresh") <= 60
    assert day + 55 < seconds(origin.url + "/tagged") <= day + 60
    index = float(store._sync.pttl("restwell:GET " + origin.url + "/fresh")) / 1000
    assert day - 5 < index <= day


def test_import_restwell_without_redis() -> None:
    code = ("import sys; sys.modules['redis'] = None; import restwell\n"
            "try:\n    restwell.RedisCache('redis://127.0.0.1:1/0')\n"
            "except ImportError as e:\n    print(e)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True, timeout=30)
    assert "pip install 'restwell[redis]'" in out.stdout


SHARER = """
import asyncio, sys, restwell
url, redis_url, kind, own = sys.argv[1:]
paths = ["/p%d" % i for i in range(4)]

def run():
    with restwell.Client(cache=restwell.RedisCache(redis_url)) as c:
        print(c.get(url + own).cache_status, flush=True)
        sys.stdin.readline()
        print(" ".join(c.get(url + p).cache_status for p in paths), flush=True)

async def arun():
    async with restwell.AsyncClient(cache=restwell.RedisCache(redis_url)) as c:
        print((await c.get(url + own)).cache_status, flush=True)
        await asyncio.to_thread(sys.stdin.readline)
        print(" ".join([(await c.get(url + p)).cache_status for p in paths]), flush=True)

run() if kind == "sync" else asyncio.run(arun())
"""


def test_four_processes_share_one_cache(origin: Origin, redis_url: str) -> None:
    for i in range(4):
        origin.routes[f"/p{i}"] = fixed(200, FRESH, b"from %d" % i)
    env = {**os.environ, "PYTHONPATH": os.pathsep.join(sys.path)}
    procs = [subprocess.Popen([sys.executable, "-c", SHARER, origin.url, redis_url,
                               "sync" if i % 2 else "async", f"/p{i}"],
                              stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, env=env)
             for i in range(4)]
    try:
        # each fetches its own URL first (a miss), then all four: three from the others
        assert [p.stdout.readline().strip() for p in procs] == ["miss"] * 4  # type: ignore[union-attr]
        for p in procs:
            p.stdin.write("go\n")  # type: ignore[union-attr]
            p.stdin.flush()  # type: ignore[union-attr]
        for p in procs:
            assert p.stdout.readline().split() == ["hit"] * 4  # type: ignore[union-attr]
            assert p.wait(30) == 0
    finally:
        for p in procs:
            if p.poll() is None:
                p.kill()
                p.wait()
            p.stdin.close()  # type: ignore[union-attr]
            p.stdout.close()  # type: ignore[union-attr]
    assert [origin.count(f"/p{i}") for i in range(4)] == [1, 1, 1, 1]
