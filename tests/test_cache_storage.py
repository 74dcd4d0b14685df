"""Cache storage: memory (LRU by bytes) and SQLite (WAL, pieces, bounded, several threads and
processes, corrupt files a miss), sync and async."""

from __future__ import annotations

import asyncio
import multiprocessing
import pathlib
import sqlite3
import threading
import typing

import pytest

from restwell import MemoryCache, SQLiteCache
from restwell._features._cache._config import Storage
from restwell._storage._sqlite import PIECE

Make = typing.Callable[[pathlib.Path, int], typing.Any]
STORES: dict[str, Make] = {
    "memory": lambda tmp, limit: MemoryCache(max_bytes=limit),
    "sqlite": lambda tmp, limit: SQLiteCache(tmp / "c.sqlite", max_bytes=limit),
}


@pytest.fixture(params=sorted(STORES))
def make(request: pytest.FixtureRequest,
         tmp_path: pathlib.Path) -> typing.Callable[..., typing.Any]:
    return lambda limit=10**7: STORES[request.param](tmp_path, limit)


def test_the_protocol(make: typing.Callable[..., typing.Any]) -> None:
    store = make()
    assert isinstance(store, Storage)
    assert store.get("a") is None
    store.put("a", b"meta", b"body")
    store.put("b", b"m", b"")
    assert store.get("a") == (b"meta", b"body") and store.get("b") == (b"m", b"")
    store.put("a", b"meta2", b"body2")  # replaced whole
    assert store.get("a") == (b"meta2", b"body2")
    assert sorted(store.keys()) == ["a", "b"]
    assert store.size() == len("a") + 5 + 5 + len("b") + 1
    store.delete("a")
    store.delete("missing")
    assert store.get("a") is None and list(store.keys()) == ["b"]


def test_bounded_by_bytes_least_recently_used_out(make: typing.Callable[..., typing.Any]) -> None:
    store = make(300)
    for name in "abc":
        store.put(name, b"", b"x" * 99)
    store.get("a")  # a is used: b is now the least recently used
    store.put("d", b"", b"x" * 99)
    assert store.get("b") is None
    assert store.get("a") is not None and store.get("d") is not None
    assert store.size() <= 300
    store.put("huge", b"", b"x" * 1000)  # larger than the bound: not stored
    assert store.get("huge") is None and store.get("a") is not None


def test_async_twins(make: typing.Callable[..., typing.Any]) -> None:
    store = make()

    async def main() -> tuple[bytes, bytes] | None:
        await store.aput("k", b"m", b"b")
        got = await store.aget("k")
        await store.adelete("k")
        assert await store.aget("k") is None
        return got

    assert asyncio.run(main()) == (b"m", b"b")


def test_sqlite_stores_a_large_body_in_pieces(tmp_path: pathlib.Path) -> None:
    store = SQLiteCache(tmp_path / "c.sqlite")
    body = bytes(range(256)) * (PIECE // 256 * 3 + 7)
    store.put("k", b"m", body)
    assert store.get("k") == (b"m", body)
    db = sqlite3.connect(tmp_path / "c.sqlite")
    assert db.execute("SELECT COUNT(*) FROM pieces WHERE key = 'k'").fetchone()[0] == 4
    assert db.execute("PRAGMA journal_mode").fetchone()[0] == "wal"
    # A piece lost (a truncated file, a crash): the entry is a miss, not a short body.
    db.execute("DELETE FROM pieces WHERE key = 'k' AND n = 2")
    db.commit()
    assert store.get("k") is None


@pytest.mark.parametrize("content", [b"", b"not a database at all" * 100, b"SQLite format 3\x00"])
def test_sqlite_corrupt_file_is_a_miss(tmp_path: pathlib.Path, content: bytes) -> None:
    path = tmp_path / "c.sqlite"
    good = SQLiteCache(path)
    good.put("k", b"m", b"b" * 10000)
    good.close()
    data = path.read_bytes()
    path.write_bytes(content or data[: len(data) // 3])  # garbage, or truncated
    for suffix in ("-wal", "-shm"):
        pathlib.Path(str(path) + suffix).unlink(missing_ok=True)
    store = SQLiteCache(path)
    assert store.get("k") in (None, (b"m", b"b" * 10000))
    store.put("k2", b"m", b"b")  # a write that fails is dropped
    store.delete("k")
    assert isinstance(store.size(), int) and isinstance(list(store.keys()), list)


def test_sqlite_unwritable_path_is_a_miss(tmp_path: pathlib.Path) -> None:
    store = SQLiteCache(tmp_path / "no" / "such" / "dir" / "c.sqlite")
    store.put("k", b"m", b"b")
    assert store.get("k") is None and store.size() == 0


def test_sqlite_threads_at_once(tmp_path: pathlib.Path) -> None:
    store = SQLiteCache(tmp_path / "c.sqlite")
    errors: list[BaseException] = []

    def work(n: int) -> None:
        try:
            for i in range(30):
                store.put(f"k{i % 5}", b"m%d" % n, b"%d" % n * 100)
                value = store.get(f"k{i % 5}")
                assert value is None or value[1] == value[0][1:] * 100
        except BaseException as exc:
            errors.append(exc)

    threads = [threading.Thread(target=work, args=(n,)) for n in range(6)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert not errors
    assert sorted(store.keys()) == [f"k{i}" for i in range(5)]


def _writer(path: str, n: int) -> None:
    store = SQLiteCache(path)
    for i in range(40):
        store.put(f"k{i % 4}", b"%d" % n, b"%d" % n * 5000)


def test_sqlite_processes_at_once(tmp_path: pathlib.Path) -> None:
    path = str(tmp_path / "c.sqlite")
    SQLiteCache(path).put("seed", b"", b"")
    context = multiprocessing.get_context("spawn")
    workers = [context.Process(target=_writer, args=(path, n)) for n in range(1, 5)]
    for worker in workers:
        worker.start()
    for worker in workers:
        worker.join(60)
        assert worker.exitcode == 0
    store = SQLiteCache(path)
    for i in range(4):
        value = store.get(f"k{i}")
        assert value is not None and value[1] == value[0] * 5000  # whole, never mixed
