"""Waiting for a pool slot, through both clients against real servers on 127.0.0.1.

A release must wake a waiter that can use what it freed, at once, and waiters go in arrival
order. Each scenario is a timeline of requests started at fixed offsets, run as threads on a
``Client`` and as tasks in one event loop on an ``AsyncClient`` (asyncio and uvloop); the
servers log when each request arrived and when its answer went out, and the assertions read
those logs. Delays are long (about a second) against a 0.2 s bar, so a loaded machine does not
make them flaky; every wait has a timeout.
"""

from __future__ import annotations

import asyncio
import socket
import threading
import time
import typing

from restwell import Limits, Timeout
from servers import ScriptedServer, read_request

Start = typing.Callable[[typing.Callable[[socket.socket, int], None]], ScriptedServer]
Make = typing.Callable[..., typing.Any]
PROMPT = 0.2  # how soon a freed connection or slot must reach a waiter that can use it
RUN_LIMIT = 30.0  # nothing here may take longer than this


class TimedServer:
    """Keep-alive HTTP/1.1: ``GET /<name>?<seconds>`` is answered after that many seconds.

    ``log[name]`` is (arrived, answered) in ``time.monotonic()``; ``order`` lists the names
    in arrival order."""

    def __init__(self, scripted: Start) -> None:
        self.log: dict[str, tuple[float, float]] = {}
        self.order: list[str] = []
        self._lock = threading.Lock()
        self.server = scripted(self._handle)
        self.url = self.server.url

    def _handle(self, conn: socket.socket, index: int) -> None:
        while True:
            raw = read_request(conn)
            if not raw:
                return
            arrived = time.monotonic()
            target = raw.split(b" ", 2)[1].decode()
            name, _, delay = target.lstrip("/").partition("?")
            with self._lock:
                self.order.append(name)
            time.sleep(float(delay or 0))
            body = name.encode()
            with self._lock:  # (before the answer: once it is out, the test may read the log)
                self.log[name] = (arrived, time.monotonic())
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%s" % (len(body), body))

    def arrived(self, name: str) -> float:
        return self.log[name][0]

    def answered(self, name: str) -> float:
        return self.log[name][1]


class Outcome(typing.NamedTuple):
    started: float
    text: str  # the body, or the error's type and message
    finished: float


def run_timeline(
    kind: str, runner: typing.Any, client: typing.Any, jobs: list[tuple[str, float, str]]
) -> dict[str, Outcome]:
    """Start each (name, offset, url) ``offset`` seconds in, all at once on ``client``:
    threads for a Client, tasks in the runner's event loop for an AsyncClient."""
    if kind == "sync":
        return _run_threads(client, jobs)
    return typing.cast("dict[str, Outcome]", runner.run(_run_tasks(client.client, jobs)))


def _run_threads(client: typing.Any, jobs: list[tuple[str, float, str]]) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    t0 = time.monotonic()

    def one(name: str, offset: float, url: str) -> None:
        time.sleep(max(0.0, t0 + offset - time.monotonic()))
        started = time.monotonic()
        try:
            text = client.get(url).text
        except Exception as exc:  # reported through the outcome
            text = f"{type(exc).__name__}: {exc}"
        outcomes[name] = Outcome(started, text, time.monotonic())

    threads = [threading.Thread(target=one, args=job, daemon=True) for job in jobs]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max(0.1, t0 + RUN_LIMIT - time.monotonic()))
    assert not any(t.is_alive() for t in threads), "a request hung"
    return outcomes


async def _run_tasks(client: typing.Any, jobs: list[tuple[str, float, str]]) -> dict[str, Outcome]:
    outcomes: dict[str, Outcome] = {}
    t0 = time.monotonic()

    async def one(name: str, offset: float, url: str) -> None:
        await asyncio.sleep(max(0.0, t0 + offset - time.monotonic()))
        started = time.monotonic()
        try:
            text = (await client.get(url)).text
        except Exception as exc:  # reported through the outcome
            text = f"{type(exc).__name__}: {exc}"
        outcomes[name] = Outcome(started, text, time.monotonic())

    await asyncio.wait_for(asyncio.gather(*(one(*job) for job in jobs)), RUN_LIMIT)
    return outcomes


def pool_stats(client: typing.Any) -> dict[str, int]:
    return client._transport.pool.stats()  # type: ignore[no-any-return]


def test_release_wakes_the_waiter_that_can_use_it(
    scripted: Start, make_client: Make, kind: str, runner: typing.Any
) -> None:
    """The issue: max_connections=2, max_per_host=1. A (host 1) and B (host 3) are in flight;
    W1 waits for host 1 (its per-host limit), W2 for host 2 (only the total). B's connection
    comes back: W2 must go at once (closing B's idle connection to make room), although W1 is
    first in line; W1 goes only when A's connection comes back."""
    one, two, three = TimedServer(scripted), TimedServer(scripted), TimedServer(scripted)
    jobs = [
        ("A", 0.0, f"{one.url}/A?2.5"),
        ("B", 0.0, f"{three.url}/B?1.2"),
        ("W1", 0.3, f"{one.url}/W1?0"),
        ("W2", 0.5, f"{two.url}/W2?0"),
    ]
    limits = Limits(max_connections=2, max_per_host=1)
    with make_client(limits=limits, timeout=Timeout(10, pool=5.0)) as client:
        outcomes = run_timeline(kind, runner, client, jobs)
        stats = pool_stats(client)
    assert {name: o.text for name, o in outcomes.items()} == {n: n for n in ("A", "B", "W1", "W2")}
    # The timeline held: A and B were under way before the waiters came, both waited.
    assert max(one.arrived("A"), three.arrived("B")) < outcomes["W1"].started
    assert outcomes["W1"].started < outcomes["W2"].started < three.answered("B")
    late = two.arrived("W2") - three.answered("B")
    assert late < PROMPT, f"W2 reached its server {late:.3f} s after B's connection was freed"
    assert one.arrived("W1") >= one.answered("A"), "W1 went past max_per_host"
    assert stats["in_use"] == 0 and stats["total"] <= 2


def test_waiters_for_one_origin_go_in_arrival_order(
    scripted: Start, make_client: Make, kind: str, runner: typing.Any
) -> None:
    server = TimedServer(scripted)
    jobs = [("H", 0.0, f"{server.url}/H?1.2")]
    jobs += [(f"W{i}", 0.2 + 0.15 * i, f"{server.url}/W{i}?0.05") for i in range(5)]
    with make_client(limits=Limits(max_connections=1), timeout=Timeout(10)) as client:
        outcomes = run_timeline(kind, runner, client, jobs)
        stats = pool_stats(client)
    assert all(o.text == name for name, o in outcomes.items())
    starts = sorted(outcomes, key=lambda name: outcomes[name].started)
    assert starts == ["H", "W0", "W1", "W2", "W3", "W4"]  # the timeline held
    assert server.order == starts
    assert server.server.connections == 1 and stats == {"total": 1, "idle": 1, "in_use": 0}


def test_a_caller_back_to_back_does_not_starve_a_waiter(
    scripted: Start, make_client: Make, kind: str, runner: typing.Any
) -> None:
    """One caller sends requests back to back on the only connection; a waiter that came
    while the first was under way goes next, instead of losing each release to the caller's
    next request (barging) until its pool timeout."""
    server = TimedServer(scripted)
    with make_client(limits=Limits(max_connections=1), timeout=Timeout(10, pool=5.0)) as client:

        def loop_sync() -> str:
            return ",".join(client.get(f"{server.url}/L{i}?0.3").text for i in range(6))

        async def loop_async() -> str:
            texts = [(await client.client.get(f"{server.url}/L{i}?0.3")).text for i in range(6)]
            return ",".join(texts)

        if kind == "sync":
            results: list[str] = []
            looper = threading.Thread(target=lambda: results.append(loop_sync()), daemon=True)
            looper.start()
            outcomes = run_timeline(kind, runner, client, [("W", 0.15, f"{server.url}/W?0")])
            looper.join(RUN_LIMIT)
            assert results == [",".join(f"L{i}" for i in range(6))]
        else:

            async def main() -> dict[str, Outcome]:
                looper = asyncio.ensure_future(loop_async())
                outcomes = await _run_tasks(client.client, [("W", 0.15, f"{server.url}/W?0")])
                assert await asyncio.wait_for(looper, RUN_LIMIT) == ",".join(
                    f"L{i}" for i in range(6))
                return outcomes

            outcomes = runner.run(main())
    assert outcomes["W"].text == "W"
    assert server.order[:3] == ["L0", "W", "L1"], server.order
