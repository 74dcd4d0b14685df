"""What only the AsyncClient has: cancellation at every await, flow control, async bodies
and hooks. Each test runs on asyncio and on uvloop."""

from __future__ import annotations

import asyncio
import os
import random
import socket
import time
import typing

import pytest

import both
import restwell
from nginx_server import Nginx
from restwell import AsyncClient, Limits, Timeout
from servers import AppServer, ScriptedServer, read_request

Start = typing.Callable[[typing.Callable[[socket.socket, int], None]], ScriptedServer]
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
Run = typing.Callable[[typing.Awaitable[typing.Any]], typing.Any]


@pytest.fixture(params=["asyncio", "uvloop"])
def run(request: pytest.FixtureRequest) -> typing.Iterator[Run]:
    with both.new_runner(request.param) as runner:
        yield runner.run


def stats(client: AsyncClient) -> dict[str, int]:
    return client._transport.pool.stats()  # type: ignore[attr-defined,no-any-return]


def answer_each(delay: float = 0.0) -> typing.Callable[[socket.socket, int], None]:
    def handler(conn: socket.socket, index: int) -> None:
        while read_request(conn):
            time.sleep(delay)
            conn.sendall(OK)

    return handler


def slow_bodies(conn: socket.socket, index: int) -> None:
    """Each response's head at once, its body 0.4 s later: a stream holds the connection."""
    while read_request(conn):
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\n")
        time.sleep(0.4)
        conn.sendall(b"ok")


async def cancel_soon(coro: typing.Awaitable[typing.Any], after: float = 0.2) -> None:
    task = asyncio.ensure_future(coro)
    await asyncio.sleep(after)
    assert not task.done(), "the request finished before it could be cancelled"
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task


# -- cancellation, one test per await point ----------------------------------------------------


def test_cancel_while_connecting(run: Run) -> None:
    listener = socket.create_server(("127.0.0.1", 0), backlog=0)
    port = listener.getsockname()[1]
    fillers = []
    for _ in range(4):  # fill the backlog: further connects hang in SYN_SENT
        s = socket.socket()
        s.setblocking(False)
        s.connect_ex(("127.0.0.1", port))
        fillers.append(s)

    async def main() -> None:
        async with AsyncClient() as client:
            await cancel_soon(client.get(f"http://127.0.0.1:{port}/"))
            assert stats(client) == {"total": 0, "idle": 0, "in_use": 0}

    try:
        run(main())
    finally:
        for s in fillers:
            s.close()
        listener.close()


def test_cancel_while_waiting_for_a_pool_slot(run: Run, scripted: Start) -> None:
    server = scripted(slow_bodies)

    async def main() -> None:
        async with AsyncClient(limits=Limits(max_connections=1)) as client:
            async with client.stream("GET", server.url) as held:
                await cancel_soon(client.get(server.url))
                assert stats(client) == {"total": 1, "idle": 0, "in_use": 1}
                assert client._transport.pool._waiters == collections_empty()  # type: ignore[attr-defined]
                await held.aread()
            assert (await client.get(server.url)).text == "ok"
            assert stats(client) == {"total": 1, "idle": 1, "in_use": 0}

    run(main())
    assert server.connections == 1


def collections_empty() -> typing.Any:
    import collections

    return collections.deque()


def test_cancel_right_after_a_connection_was_handed_over(run: Run, scripted: Start) -> None:
    """The waiter is given the connection and cancelled before it runs: it must give it back."""
    server = scripted(slow_bodies)

    async def main() -> None:
        async with AsyncClient(limits=Limits(max_connections=1)) as client:
            async with client.stream("GET", server.url) as held:
                waiter = asyncio.ensure_future(client.get(server.url))
                await asyncio.sleep(0.05)  # now in line for the only connection
                await held.aread()  # releases it: handed to the waiter's future
                waiter.cancel()  # before the waiter ran
                with pytest.raises(asyncio.CancelledError):
                    await waiter
            assert stats(client) == {"total": 1, "idle": 1, "in_use": 0}
            assert (await client.get(server.url)).text == "ok"

    run(main())
    assert server.connections == 1


def test_cancel_while_sending(run: Run, scripted: Start) -> None:
    server = scripted(lambda conn, index: time.sleep(3))  # never reads: the send stalls

    async def main() -> None:
        async with AsyncClient() as client:
            await cancel_soon(client.post(server.url, content=b"x" * (64 << 20)))
            assert stats(client) == {"total": 0, "idle": 0, "in_use": 0}

    run(main())


def test_cancel_while_waiting_for_the_head(run: Run, scripted: Start) -> None:
    def handler(conn: socket.socket, index: int) -> None:
        read_request(conn)
        if index == 0:
            time.sleep(3)  # the first request is never answered
        else:
            conn.sendall(OK)

    server = scripted(handler)

    async def main() -> None:
        async with AsyncClient() as client:
            await cancel_soon(client.get(server.url))
            assert stats(client) == {"total": 0, "idle": 0, "in_use": 0}
            assert (await client.get(server.url)).text == "ok"  # on a new connection

    run(main())
    assert server.connections == 2


def test_cancel_mid_body(run: Run, scripted: Start) -> None:
    def handler(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n" + b"a" * 10)
        time.sleep(3)

    server = scripted(handler)

    async def main() -> None:
        async with AsyncClient() as client:

            async def consume() -> None:
                async with client.stream("GET", server.url) as r:
                    async for _ in r.aiter_bytes():
                        pass

            await cancel_soon(consume())
            assert stats(client) == {"total": 0, "idle": 0, "in_use": 0}

    run(main())


def test_thousand_tasks_with_random_cancellations(run: Run, nginx: Nginx) -> None:
    url = nginx.http_url + "/json"

    async def main() -> None:
        rng = random.Random(7)
        async with AsyncClient(limits=Limits(max_connections=50)) as client:
            tasks = [asyncio.ensure_future(client.get(url)) for _ in range(1000)]
            for task in rng.sample(tasks, 500):
                await asyncio.sleep(rng.random() * 0.002)
                task.cancel()
            outcomes = await asyncio.gather(*tasks, return_exceptions=True)
            cancelled = sum(isinstance(o, asyncio.CancelledError) for o in outcomes)
            assert all(
                isinstance(o, asyncio.CancelledError) or o.status_code == 200  # type: ignore[union-attr]
                for o in outcomes
            )
            assert 0 < cancelled <= 500
            after = stats(client)
            assert after["in_use"] == 0 and after["total"] == after["idle"] <= 50
            responses = await asyncio.gather(*[client.get(url) for _ in range(1000)])
            assert all(r.status_code == 200 and r.json()["id"] == 1 for r in responses)
            after = stats(client)
            assert after["in_use"] == 0 and after["total"] == after["idle"] <= 50

    run(main())


# -- flow control --------------------------------------------------------------------------------


def rss_mb() -> float:
    with open("/proc/self/statm") as f:
        return int(f.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def test_slow_consumer_of_a_1gb_download_stays_small(run: Run, nginx: Nginx) -> None:
    from restwell._io._async._connection import HIGH_WATER

    path = os.path.join(nginx.prefix, "www", "sparse-1g.bin")
    with open(path, "wb") as f:
        f.truncate(1 << 30)  # sparse: no disk, nginx sends it with sendfile

    async def main() -> None:
        url = nginx.http_url + "/sparse-1g.bin"
        async with AsyncClient() as client, client.stream("GET", url) as r:
            conn = r._astream._conn  # type: ignore[union-attr]
            base = rss_mb()
            peak = 0.0
            total = 0
            async for chunk in r.aiter_raw():
                total += len(chunk)
                if total < 4 << 20:  # a slow start: the socket must pause meanwhile
                    await asyncio.sleep(0.05)
                    assert conn._paused  # nginx outran us: reading stopped at the mark
                    assert conn._buffered <= HIGH_WATER + (256 << 10)
                if total % (64 << 20) < len(chunk):
                    peak = max(peak, rss_mb() - base)
            assert total == 1 << 30
            assert peak < 16, f"memory grew {peak:.1f} MB while streaming"

    run(main())


# -- async bodies, hooks and handlers ------------------------------------------------------------


def test_async_iterator_body_hooks_and_text_iterators(run: Run, app: AppServer) -> None:
    seen: list[str] = []

    async def on_request(request: restwell.Request) -> None:
        seen.append(request.method)

    async def body() -> typing.AsyncIterator[bytes]:
        yield b"ab"
        yield b""
        yield b"cd"

    async def main() -> None:
        async with AsyncClient(base_url=app.url, event_hooks={"request": [on_request]}) as c:
            sent = (await c.post("/echo", content=body())).json()
            assert sent["body"] == "abcd"
            assert ["transfer-encoding", "chunked"] in [[n.lower(), v] for n, v in sent["headers"]]
            async with c.stream("GET", "/chunks/50") as r:
                lines = [line async for line in r.aiter_lines()]
            assert lines == [f"line {i}" for i in range(50)]
            async with c.stream("GET", "/gzip") as r:
                text = "".join([t async for t in r.aiter_text()])
            assert text == '{"zipped": true}'
            async with c.stream("GET", "/bytes/10") as r:
                with pytest.raises(restwell.StreamClosed, match="aiter_raw"):
                    next(r.iter_raw())
            with pytest.raises(TypeError, match="AsyncClient"):
                restwell.Client().post(app.url + "/echo", content=body())
        assert seen == ["POST", "GET", "GET", "GET"]

    run(main())


def test_async_mock_transport(run: Run) -> None:
    from restwell.testing import MockTransport

    async def handler(request: restwell.Request) -> restwell.Response:
        return restwell.Response(201, content=request.content)

    async def main() -> None:
        async with AsyncClient(transport=MockTransport(handler)) as c:
            r = await c.post("https://api.test/x", json={"a": 1})
        assert r.status_code == 201 and r.json() == {"a": 1}

    run(main())


def test_total_deadline_and_read_timeout_between_reads(run: Run, scripted: Start) -> None:
    def trickle(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 8\r\n\r\n")
        for _ in range(8):  # a byte every 150 ms: each silence is shorter than the timeout
            time.sleep(0.15)
            conn.sendall(b"a")

    server = scripted(trickle)

    async def main() -> None:
        async with AsyncClient(timeout=Timeout(read=0.5)) as c:
            assert (await c.get(server.url)).text == "a" * 8  # 1.2 s in all: no timeout
        async with AsyncClient(timeout=Timeout(read=0.5, total=0.6)) as c:
            with pytest.raises(restwell.ReadTimeout, match="total deadline"):
                await c.get(server.url)
            assert stats(c)["total"] == 0

    run(main())


def test_closed_client_fails_waiters(run: Run, scripted: Start) -> None:
    server = scripted(answer_each(0.3))

    async def main() -> None:
        c = AsyncClient(limits=Limits(max_connections=1))
        first = asyncio.ensure_future(c.get(server.url))
        second = asyncio.ensure_future(c.get(server.url))
        await asyncio.sleep(0.1)
        await c.aclose()
        with pytest.raises(restwell.ClientClosed, match="closed"):
            await second
        assert (await first).text == "ok"  # the request already under way completes
        with pytest.raises(restwell.ClientClosed):
            await c.get(server.url)

    run(main())


def test_client_reused_across_event_loops(app: AppServer) -> None:
    """A module-level client used by several asyncio.run() calls (one per test, say)."""
    client = AsyncClient(base_url=app.url)

    async def get() -> int:
        return (await client.get("/json")).status_code

    assert asyncio.run(get()) == 200
    assert asyncio.run(get()) == 200  # the first loop's connection is not reused
    assert app.connections == 2
    asyncio.run(client.aclose())


def test_body_read_whole_after_reading_paused(
    run: Run, app: AppServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Reading may pause (flow control) while the head is awaited; a response read whole must
    then resume it, not wait for the read timeout."""
    monkeypatch.setattr("restwell._io._async._connection.HIGH_WATER", 1024)

    async def main() -> None:
        async with AsyncClient(base_url=app.url, timeout=Timeout(read=2)) as c:
            sizes = await asyncio.gather(*[c.get("/bytes/3000000") for _ in range(8)])
            assert [len(r.content) for r in sizes] == [3_000_000] * 8

    run(main())
