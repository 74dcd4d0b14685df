"""Long streamed bodies are read in batches (SO_RCVLOWAT), and the batching never outlives
the body: the connection goes back to the pool reading byte by byte again."""

from __future__ import annotations

import socket
import time
import typing

import pytest

import portable
import restwell
from restwell import Client, Timeout
from restwell._io._sync._transport import BATCH_FROM, READ_BATCH, RECV_STREAM
from servers import ScriptedServer, read_request

pytestmark = pytest.mark.skipif(
    not hasattr(socket, "SO_RCVLOWAT"), reason="the platform has no SO_RCVLOWAT"
)

Start = typing.Callable[[typing.Callable[[socket.socket, int], None]], ScriptedServer]
SIZE = BATCH_FROM + 300_001
BODY = bytes(range(256)) * (SIZE // 256) + b"z" * (SIZE % 256)
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"


def lowat(sock: socket.socket) -> int:
    return sock.getsockopt(socket.SOL_SOCKET, socket.SO_RCVLOWAT)


def trickle(conn: socket.socket, piece: int = 4096) -> None:
    """The long body in small writes, as a server that the reader keeps up with sends it."""
    conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % SIZE)
    for start in range(0, SIZE, piece):
        conn.sendall(BODY[start:start + piece])
        if start % (64 * piece) == 0:
            time.sleep(0.002)  # let the reader drain the socket now and then


@portable.posix_fast_path
def test_a_long_body_arrives_in_batches_and_the_connection_is_reused(scripted: Start) -> None:
    def handler(conn: socket.socket, index: int) -> None:
        for _ in range(2):  # a stream on the new connection, then one on the reused one
            read_request(conn)
            trickle(conn)
        read_request(conn)
        conn.sendall(OK)
        time.sleep(1)

    server = scripted(handler)
    with Client(timeout=Timeout(read=3)) as c:
        for _ in range(2):
            with c.stream("GET", server.url) as r:
                raw = r._stream._conn.raw  # type: ignore[attr-defined]
                chunks = []
                for chunk in r.iter_bytes():
                    if len(chunks) == 1:  # past the bytes read with the head
                        assert lowat(raw) == READ_BATCH
                    chunks.append(chunk)
            assert b"".join(chunks) == BODY
            # The recvs made before the tail waited for a whole batch (the first chunk came
            # with the head; the last read's worth is read as it comes). The kernel may still
            # hand over less on a signal or a timeout, so a rare short read is allowed; unbatched,
            # more than half of them are short here.
            offset, batched = len(chunks[0]), []
            for chunk in chunks[1:]:
                if SIZE - offset > RECV_STREAM:
                    batched.append(len(chunk))
                offset += len(chunk)
            short = [size for size in batched if size < READ_BATCH]
            assert len(batched) > 10 and len(short) <= len(batched) // 10, sorted(batched)[:5]
            assert lowat(raw) == 1  # undone before the connection went back to the pool
        start = time.monotonic()
        assert c.get(server.url).text == "ok"
        assert time.monotonic() - start < 1  # not held up waiting for a batch
    assert server.connections == 1


def test_a_short_body_is_not_batched(scripted: Start) -> None:
    def handler(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % BATCH_FROM)
        conn.sendall(b"a" * BATCH_FROM)
        time.sleep(1)

    server = scripted(handler)
    with Client() as c, c.stream("GET", server.url) as r:
        raw = r._stream._conn.raw  # type: ignore[attr-defined]
        received = 0
        for chunk in r.iter_bytes():
            if BATCH_FROM - received > RECV_STREAM:  # mid-body, where a batch would be on
                assert lowat(raw) == 1
            received += len(chunk)
        assert received == BATCH_FROM


def test_a_long_body_that_stalls_times_out(scripted: Start) -> None:
    def handler(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n" % SIZE)
        conn.sendall(BODY[:BATCH_FROM // 2])  # then a few bytes short of a batch, and silence
        conn.sendall(BODY[BATCH_FROM // 2:BATCH_FROM // 2 + READ_BATCH // 3])
        time.sleep(4)

    server = scripted(handler)
    with Client(timeout=Timeout(read=0.3)) as c:
        received = 0
        start = time.monotonic()
        with pytest.raises(restwell.ReadTimeout), c.stream("GET", server.url) as r:
            for chunk in r.iter_bytes():
                received += len(chunk)
        # A recv that timed out with bytes waiting hands them over, then the next one times
        # out on nothing: every byte sent reached the caller, within two read timeouts.
        assert received == BATCH_FROM // 2 + READ_BATCH // 3
        assert time.monotonic() - start < 2
        assert c._transport.pool.stats()["total"] == 0  # type: ignore[attr-defined]
