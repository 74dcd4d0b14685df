"""Load (issue 6): 16 threads sharing a Client, and 1,000 concurrent tasks sharing an
AsyncClient, against nginx's /flaky, which closes every connection after 50 requests and
drops about 1 in 200 requests without a word. With a retry policy: zero errors, zero leaked
connections or file descriptors, memory flat.

The default run sends 4,000 requests per test (seconds); ``RESTWELL_LOAD=1`` sends the full
100,000 each (minutes).
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import gc
import os
import typing

import pytest

import restwell
from nginx_server import Nginx

TOTAL = 100_000 if os.environ.get("RESTWELL_LOAD") == "1" else 4_000
POLICY = restwell.Retry(total=5, backoff_factor=0.01)


def shares(total: int, parts: int) -> list[int]:
    """``total`` split into ``parts`` counts that add up to it exactly."""
    return [total // parts + (i < total % parts) for i in range(parts)]


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def open_fds() -> int:
    return len(os.listdir("/proc/self/fd"))


class Tally:
    def __init__(self) -> None:
        self.ok = 0
        self.errors: list[str] = []
        self.retried = 0

    def count(self, response: restwell.Response) -> None:
        assert response.json()["name"] == "restwell"
        self.ok += 1
        self.retried += bool(response.retries)


def _check(tally: Tally, fds_before: int, rss: list[float]) -> None:
    print(f"\nload: {tally.ok} ok, {len(tally.errors)} errors, {tally.retried} retried by the "
          f"policy, RSS per quarter {[round(r, 1) for r in rss]} MB, fds {open_fds()} "
          f"(before {fds_before})")
    assert tally.errors == [], tally.errors[:5]
    assert tally.ok == TOTAL
    gc.collect()
    assert open_fds() <= fds_before + 2  # every connection closed with its client
    growth = rss[-1] - rss[0]
    assert growth < 20, f"RSS grew {growth:.1f} MB from the first to the last quarter"


def test_threads_share_a_client_under_load(nginx: Nginx) -> None:
    tally = Tally()
    url = nginx.http_url + "/flaky"
    fds_before = open_fds()
    rss: list[float] = []
    with restwell.Client(retries=POLICY) as client:

        def worker(n: int) -> None:
            for _ in range(n):
                try:
                    tally.count(client.get(url))
                except restwell.RequestError as exc:
                    tally.errors.append(repr(exc))

        for quarter in shares(TOTAL, 4):  # sampling memory after each quarter
            with concurrent.futures.ThreadPoolExecutor(16) as pool:
                list(pool.map(worker, shares(quarter, 16)))
            rss.append(rss_mb())
        stats = client._transport.pool.stats()
        assert stats["in_use"] == 0 and stats["total"] <= 16
    _check(tally, fds_before, rss)


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_thousand_tasks_share_a_client_under_load(nginx: Nginx, loop: str) -> None:
    tally = Tally()
    url = nginx.http_url + "/flaky"
    fds_before = open_fds()
    rss: list[float] = []

    async def main() -> None:
        async with restwell.AsyncClient(retries=POLICY) as client:

            async def worker(n: int) -> None:
                for _ in range(n):
                    try:
                        tally.count(await client.get(url))
                    except restwell.RequestError as exc:
                        tally.errors.append(repr(exc))

            for quarter in shares(TOTAL, 4):
                await asyncio.gather(*(worker(n) for n in shares(quarter, 1000)))
                rss.append(rss_mb())
            stats = client._transport.pool.stats()
            assert stats["in_use"] == 0 and stats["total"] <= 100

    runner: typing.Any = asyncio.run
    if loop == "uvloop":
        import uvloop

        runner = uvloop.run
    runner(main())
    _check(tally, fds_before, rss)
