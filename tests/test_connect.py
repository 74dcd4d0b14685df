"""How the sync client opens a plain connection: the connect is begun, and the request's
first write completes it (start_connection / Connection). On loopback the connect is done
before that write; these tests hold it back (a listener whose accept queue is full drops
the SYN, and the kernel sends it again after a second) to take the path a real network's
round trip takes, and check TCP_NODELAY, which is set only once a second write may follow."""

from __future__ import annotations

import socket
import threading
import time
import typing

import pytest

import portable
import restwell
from restwell import Client, Timeout
from servers import ScriptedServer, read_request

Start = typing.Callable[[typing.Callable[[socket.socket, int], None]], ScriptedServer]
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


class FullListener:
    """A listener whose accept queue is full: a new SYN is dropped until ``open_up``."""

    def __init__(self) -> None:
        self.sock = socket.create_server(("127.0.0.1", 0), backlog=0)
        self.port = self.sock.getsockname()[1]
        self.fillers = []
        for _ in range(4):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", self.port))
            self.fillers.append(s)
        time.sleep(0.1)
        self.received: list[bytes] = []

    def open_up(self, after: float) -> None:
        """Accept and answer every connection, from ``after`` seconds on."""
        def serve() -> None:
            time.sleep(after)
            self.sock.settimeout(5)
            while True:
                try:
                    conn, _ = self.sock.accept()
                except OSError:
                    return
                with conn:
                    conn.settimeout(0.5)
                    try:
                        request = read_request(conn)
                    except OSError:
                        continue  # a filler: it sends nothing
                    if request:
                        self.received.append(request)
                        conn.sendall(OK)
                        return

        threading.Thread(target=serve, daemon=True).start()

    def refuse(self, after: float) -> None:
        """Close the listener after ``after`` seconds: the next SYN is answered with RST."""
        def close() -> None:
            time.sleep(after)
            self.close()

        threading.Thread(target=close, daemon=True).start()

    def close(self) -> None:
        for s in self.fillers:
            s.close()
        self.sock.close()


@pytest.fixture
def full_listener() -> typing.Iterator[FullListener]:
    listener = FullListener()
    yield listener
    listener.close()


def idle_connection(client: Client) -> typing.Any:
    pool = client._transport.pool  # type: ignore[attr-defined]
    (conns,) = [idle for idle in pool._idle.values() if idle]
    return conns[-1]


def nodelay(conn: typing.Any) -> int:
    return conn.sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY)  # type: ignore[no-any-return]


def test_a_connect_still_under_way_is_awaited_by_the_first_write(
    full_listener: FullListener,
) -> None:
    full_listener.open_up(after=0.3)
    with Client(timeout=Timeout(connect=5, read=5)) as c:
        r = c.post(f"http://127.0.0.1:{full_listener.port}/", content=b"payload")
        assert r.text == "ok"
    (request,) = full_listener.received
    assert request.startswith(b"POST / HTTP/1.1\r\n") and request.endswith(b"\r\n\r\npayload")


def test_a_connect_that_fails_while_awaited_is_a_connect_error(
    full_listener: FullListener,
) -> None:
    """A POST whose connect is refused was never sent: a ConnectError (which retries may
    repeat for any method), not a WriteError."""
    full_listener.refuse(after=0.3)
    with Client(timeout=Timeout(connect=5)) as c:
        with pytest.raises(restwell.ConnectError, match=r"connecting to POST .*check the host"):
            c.post(f"http://127.0.0.1:{full_listener.port}/", content=b"x")
        assert c._transport.pool.stats()["total"] == 0  # type: ignore[attr-defined]


def test_a_connect_that_times_out_while_awaited(full_listener: FullListener) -> None:
    with Client(timeout=Timeout(connect=0.3)) as c:
        start = time.monotonic()
        with pytest.raises(restwell.ConnectTimeout, match="connect timeout"):
            c.post(f"http://127.0.0.1:{full_listener.port}/", content=b"x")
        assert time.monotonic() - start < 1.5
        assert c._transport.pool.stats()["total"] == 0  # type: ignore[attr-defined]


def keep_alive(received: list[bytes]) -> typing.Callable[[socket.socket, int], None]:
    def handler(conn: socket.socket, index: int) -> None:
        while request := read_request(conn):
            received.append(request)
            conn.sendall(OK)

    return handler


@portable.posix_fast_path
def test_nodelay_is_set_before_a_second_write(scripted: Start) -> None:
    server = scripted(keep_alive([]))
    with Client() as c:
        c.get(server.url)
        conn = idle_connection(c)
        assert nodelay(conn) == 0  # one write: Nagle had nothing to hold back
        c.get(server.url)
        assert idle_connection(c) is conn and nodelay(conn)  # used again
    with Client() as c:
        c.post(server.url, content=b"x" * (256 << 10))  # head and body: two writes
        assert nodelay(idle_connection(c))


def test_nodelay_is_set_before_a_file_is_sent(scripted: Start, tmp_path: typing.Any) -> None:
    received: list[bytes] = []
    server = scripted(keep_alive(received))
    path = tmp_path / "body.bin"
    path.write_bytes(b"y" * 100_000)
    with Client() as c, open(path, "rb") as f:
        assert c.post(server.url, content=f).text == "ok"
        assert nodelay(idle_connection(c))
    assert received[-1].endswith(b"\r\n\r\n" + b"y" * 100_000)


@portable.posix_fast_path
@pytest.mark.parametrize("connect", [None, 5.0])
def test_without_a_connect_timeout_the_connect_is_done_first(
    scripted: Start, connect: float | None
) -> None:
    server = scripted(keep_alive([]))
    with Client(timeout=Timeout(connect=connect)) as c:
        assert c.get(server.url).text == "ok"
        assert nodelay(idle_connection(c)) == (1 if connect is None else 0)
