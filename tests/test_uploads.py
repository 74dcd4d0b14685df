"""Uploads through both clients: ``Expect: 100-continue`` (opt-in per call) and the upload
progress callback, against our scripted server and nginx."""

from __future__ import annotations

import io
import socket
import threading
import time
import typing

import pytest

from both import Make
from nginx_server import Nginx
from servers import ScriptedServer

Start = typing.Callable[..., ScriptedServer]
BODY = b"x" * 200_000


def read_head(conn: socket.socket) -> tuple[bytes, bytes]:
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return b"", b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    return head, rest


def read_exactly(conn: socket.socket, rest: bytes, size: int) -> bytes:
    while len(rest) < size:
        chunk = conn.recv(65536)
        if not chunk:
            break
        rest += chunk
    return rest


class Seen:
    """What the server saw on each connection."""

    def __init__(self) -> None:
        self.heads: list[bytes] = []
        self.early: list[int] = []  # body bytes that arrived before the server answered
        self.bodies: list[int] = []
        self.lock = threading.Lock()


def continue_server(mode: str, seen: Seen) -> typing.Callable[[socket.socket, int], None]:
    """mode: "continue" (100, then read the body), "refuse" (401 at once), "silent" (no
    100: read the body whenever it comes)."""

    def handle(conn: socket.socket, index: int) -> None:
        while True:
            head, rest = read_head(conn)
            if not head:
                return
            seen.heads.append(head)
            length = int(head.lower().split(b"content-length: ")[1].split(b"\r\n")[0])
            if mode == "refuse":
                conn.settimeout(0.3)  # anything that arrives now is a body we refused
                try:
                    extra = conn.recv(65536)
                except TimeoutError:
                    extra = b""
                seen.early.append(len(rest) + len(extra))
                conn.sendall(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 6\r\n\r\ndenied")
                conn.settimeout(10)
                continue  # the client must not reuse this connection
            if mode == "continue":
                seen.early.append(len(rest))
                conn.sendall(b"HTTP/1.1 100 Continue\r\n\r\n")
            body = read_exactly(conn, rest, length)
            seen.bodies.append(len(body))
            reply = str(len(body)).encode()
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: %d\r\n\r\n%b" % (len(reply), reply))

    return handle


def test_body_waits_for_100_continue(scripted: Start, make_client: Make) -> None:
    seen = Seen()
    server = scripted(continue_server("continue", seen))
    with make_client() as c:
        for _ in range(2):
            r = c.post(server.url + "/up", content=BODY, expect_continue=5)
            assert r.status_code == 200 and r.text == str(len(BODY))
    assert b"expect: 100-continue" in seen.heads[0].lower()
    assert seen.early == [0, 0]  # nothing of the body before the 100
    assert server.connections == 1  # and the connection is reused after a 100


def test_final_status_instead_of_100_means_the_body_is_not_sent(
    scripted: Start, make_client: Make
) -> None:
    seen = Seen()
    server = scripted(continue_server("refuse", seen))
    with make_client() as c:
        for _ in range(2):
            r = c.post(server.url + "/up", content=io.BytesIO(BODY), expect_continue=5)
            assert r.status_code == 401 and r.text == "denied"
        assert c._transport.pool.stats()["in_use"] == 0
    assert seen.early == [0, 0]  # the body never went out
    assert server.connections == 2  # the server may read what follows as a body: not reused


def test_silent_server_gets_the_body_after_the_wait(scripted: Start, make_client: Make) -> None:
    seen = Seen()
    server = scripted(continue_server("silent", seen))
    with make_client() as c:
        started = time.monotonic()
        r = c.post(server.url + "/up", content=BODY, expect_continue=0.2)
        waited = time.monotonic() - started
    assert r.status_code == 200 and r.text == str(len(BODY))
    assert 0.15 < waited < 5
    assert seen.bodies == [len(BODY)]


def test_expect_continue_with_nginx(nginx: Nginx, make_client: Make, tmp_path: typing.Any) -> None:
    big = tmp_path / "big.bin"
    big.write_bytes(BODY * 10)
    with make_client() as c:
        with open(big, "rb") as f:
            r = c.post(nginx.http_url + "/upload", content=f, expect_continue=True)
        assert r.status_code == 200 and r.text == "ok"
        # nginx refuses an oversized body on its Content-Length, before any 100
        r = c.post(nginx.http_url + "/upload-1k", content=BODY, expect_continue=True)
        assert r.status_code == 413
        assert c.get(nginx.http_url + "/json").status_code == 200


def test_no_expect_header_unless_asked(scripted: Start, make_client: Make) -> None:
    seen = Seen()
    server = scripted(continue_server("silent", seen))
    with make_client() as c:
        c.post(server.url + "/up", content=b"small")
        c.get(server.url + "/up", expect_continue=True, headers={"Content-Length": "0"})
    assert all(b"expect" not in head.lower() for head in seen.heads)


@pytest.mark.parametrize("kind_of_body", ["bytes", "file", "iterator", "multipart"])
def test_upload_progress(
    nginx: Nginx, make_client: Make, tmp_path: typing.Any, kind_of_body: str
) -> None:
    calls: list[tuple[int, int | None]] = []
    path = tmp_path / "up.bin"
    path.write_bytes(BODY * 5)
    total: int | None = len(BODY) * 5
    with make_client() as c, open(path, "rb") as f:
        kwargs: dict[str, typing.Any] = {
            "bytes": {"content": BODY * 5},
            "file": {"content": f},
            "iterator": {"content": iter([BODY] * 5)},
            "multipart": {"files": {"upload": f}, "data": {"field": "value"}},
        }[kind_of_body]
        r = c.post(nginx.http_url + "/upload", upload_progress=lambda s, t: calls.append((s, t)),
                   **kwargs)
        assert r.status_code == 200
    if kind_of_body == "iterator":
        total = None
    if kind_of_body == "multipart":
        total = calls[-1][1]
        assert total is not None and total > len(BODY) * 5
    assert len(calls) >= 2
    assert [s for s, _ in calls] == sorted(s for s, _ in calls)
    assert calls[-1][0] == (total if total is not None else len(BODY) * 5)
    assert all(t == total for _, t in calls)
