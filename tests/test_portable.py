"""The sync client where ``select.poll`` is missing (Windows): the ``select.select`` fallback
that ``_wait`` chooses there, and (mode "windows") no os.read/os.write on sockets, no kernel
timeouts, no sendfile. Each mode runs the sync core in-process (GET, POST, streaming,
keep-alive reuse, stale connections, Happy Eyeballs, TLS, connect and read timeouts), and
then a part of the behaviour suite itself in a child pytest with ``RESTWELL_WAIT`` set."""

from __future__ import annotations

import os
import pathlib
import select
import socket
import subprocess
import sys
import time
import typing

import pytest

import portable
import restwell
from both import Make
from restwell import Client, Timeout
from restwell._io import _wait
from servers import AppServer, ScriptedServer, read_request

Start = typing.Callable[..., ScriptedServer]
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok"
ROOT = pathlib.Path(__file__).resolve().parent.parent


class CountingPoller(_wait.SelectPoller):
    polls = 0

    def poll(self, timeout: float | None = None) -> list[tuple[int, int]]:
        CountingPoller.polls += 1
        return super().poll(timeout)


@pytest.fixture(params=portable.MODES)
def mode(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    portable.apply(request.param, monkeypatch)
    assert not hasattr(select, "poll")
    CountingPoller.polls = 0
    monkeypatch.setattr(_wait, "poller", CountingPoller)
    return request.param  # type: ignore[no-any-return]


def pool_of(client: typing.Any) -> dict[str, int]:
    return client._transport.pool.stats()  # type: ignore[no-any-return]


def test_the_fallback_is_chosen_where_poll_is_missing(monkeypatch: pytest.MonkeyPatch) -> None:
    assert _wait.choose() is getattr(select, "poll", _wait.SelectPoller)
    monkeypatch.delattr(select, "poll", raising=False)
    assert _wait.choose() is _wait.SelectPoller


def test_select_poller_reports_as_poll_does() -> None:
    a, b = socket.socketpair()
    try:
        poller = _wait.SelectPoller()
        poller.register(a.fileno(), _wait.POLLIN)
        assert poller.poll(0) == []
        b.sendall(b"x")
        assert poller.poll(1000) == [(a.fileno(), _wait.POLLIN)]
        poller.register(a.fileno(), _wait.POLLOUT)  # registering again replaces the events
        assert poller.poll(0) == [(a.fileno(), _wait.POLLOUT)]
        poller.unregister(a.fileno())
        with pytest.raises(KeyError):
            poller.unregister(a.fileno())
        started = time.monotonic()
        assert poller.poll(50) == []  # nothing registered: a sleep, as poll() would be
        assert time.monotonic() - started >= 0.04
    finally:
        a.close()
        b.close()


def test_get_post_and_keep_alive(mode: str, app: AppServer) -> None:
    with Client() as client:
        assert client.get(app.url + "/json").json()["id"] == 1
        assert client.post(app.url + "/echo", json={"a": 1}).json()["body"] == '{"a":1}'
        assert client.post(app.url + "/echo", content=iter([b"x", b"y"])).json()["body"] == "xy"
        for _ in range(3):
            assert client.get(app.url + "/json").status_code == 200
        assert app.connections == 1  # one connection, reused: idle checks by the fallback
        assert pool_of(client) == {"total": 1, "idle": 1, "in_use": 0}
    assert CountingPoller.polls > 0


def test_a_file_upload_and_a_streamed_download(
    mode: str, app: AppServer, tmp_path: pathlib.Path
) -> None:
    data = bytes(range(256)) * 1200  # 300 KiB: sendfile(2), or (windows) chunks
    path = tmp_path / "up.bin"
    path.write_bytes(data)
    with Client() as client:
        with path.open("rb") as f:
            echoed = client.put(app.url + "/echo", content=f).json()
        assert echoed["body"].encode("latin-1") == data
        with client.stream("GET", app.url + "/bytes/2000000") as r:
            got = sum(len(chunk) for chunk in r.iter_bytes())
        assert got == 2_000_000
        assert client.get(app.url + "/json").status_code == 200
        assert pool_of(client)["idle"] == 1


def test_a_stale_connection_is_found_and_replaced(mode: str, scripted: Start) -> None:
    def handler(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(OK)  # claims keep-alive, then closes once the client holds it idle

    server = scripted(handler)
    with Client() as client:
        assert client.get(server.url).text == "ok"
        time.sleep(0.2)
        polls = CountingPoller.polls
        assert client.post(server.url, content=b"body").text == "ok"
        assert CountingPoller.polls > polls  # the idle check ran, by select()
        assert client.get(server.url).text == "ok"
    assert server.connections == 3


def test_read_timeout_on_a_new_and_a_reused_connection(mode: str, scripted: Start) -> None:
    def handler(conn: socket.socket, index: int) -> None:
        read_request(conn)
        if index == 0:
            conn.sendall(OK)
            read_request(conn)
        time.sleep(3)

    server = scripted(handler)
    with Client(timeout=Timeout(read=0.3)) as client:
        for _ in range(2):  # the first on a reused connection, the second on a new one
            started = time.monotonic()
            if server.connections == 0:
                assert client.get(server.url).text == "ok"
            with pytest.raises(restwell.ReadTimeout):
                client.get(server.url)
            assert time.monotonic() - started < 2
        assert pool_of(client)["total"] == 0


def test_connect_timeout_and_refusal(mode: str) -> None:
    listener = socket.create_server(("127.0.0.1", 0), backlog=0)
    port = listener.getsockname()[1]
    fillers = []
    try:
        for _ in range(4):
            s = socket.socket()
            s.setblocking(False)
            s.connect_ex(("127.0.0.1", port))
            fillers.append(s)
        time.sleep(0.1)
        with Client(timeout=Timeout(connect=0.3)) as client:
            started = time.monotonic()
            with pytest.raises(restwell.ConnectTimeout):
                client.get(f"http://127.0.0.1:{port}/")
            assert time.monotonic() - started < 2
    finally:
        for s in fillers:
            s.close()
        listener.close()
    with Client() as client, pytest.raises(restwell.ConnectError):
        client.get(f"http://127.0.0.1:{port}/")


def test_happy_eyeballs_race_on_the_fallback(
    mode: str, scripted: Start, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two addresses race on the fallback poller: one refuses (its port is closed), the
    other answers."""
    server = scripted(lambda conn, index: (read_request(conn), conn.sendall(OK)))
    closed = socket.create_server(("127.0.0.1", 0))
    dead_port = closed.getsockname()[1]
    closed.close()
    addresses = [("127.0.0.1", dead_port), ("127.0.0.1", server.port)]

    def getaddrinfo(*args: typing.Any, **kwargs: typing.Any) -> typing.Any:
        return [(socket.AF_INET, socket.SOCK_STREAM, 6, "", a) for a in addresses]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    with Client(timeout=Timeout(connect=5)) as client:
        assert client.get("http://dual.test/").text == "ok"


def test_tls(mode: str, nginx: typing.Any) -> None:
    with Client(verify=nginx.ca_path) as client:
        for _ in range(2):
            assert client.get(nginx.https_url + "/json").json()["id"] == 1
        assert pool_of(client) == {"total": 1, "idle": 1, "in_use": 0}


def test_async_idle_checks_on_the_fallback(
    mode: str, scripted: Start, make_client: Make, kind: str
) -> None:
    """The async connection's idle check (is_usable) uses the same chosen poller."""
    if kind == "sync":
        pytest.skip("the sync client is covered above")

    def handler(conn: socket.socket, index: int) -> None:
        read_request(conn)
        conn.sendall(OK)
        time.sleep(0.1)  # then closes, while the event loop is not running

    server = scripted(handler)
    with make_client() as client:
        assert client.get(server.url).text == "ok"
        time.sleep(0.3)
        assert client.get(server.url).text == "ok"
    assert server.connections == 2
    assert CountingPoller.polls > 0


# A part of the behaviour and fault suites, run as they are in a child pytest: the sync
# core through the fallback (and the Windows-like mode), not only the tests above.
SUITE = [
    "tests/test_client.py::test_keep_alive_reuses_one_connection[sync]",
    "tests/test_client.py::test_json_post_with_preemptive_basic_auth[sync]",
    "tests/test_client.py::test_form_bytes_file_and_iterator_bodies[sync]",
    "tests/test_client.py::test_stream_iterates_and_releases[sync]",
    "tests/test_client.py::test_threads_share_a_client",
    "tests/test_faults.py::test_stale_keep_alive_is_retried_transparently[sync]",
    "tests/test_faults.py::test_reset_after_request_sent_on_reused_connection_is_retried_once[sync]",
    "tests/test_faults.py::test_read_timeout_on_a_new_and_on_a_reused_connection[sync-0]",
    "tests/test_faults.py::test_read_timeout_on_a_new_and_on_a_reused_connection[sync-2]",
    "tests/test_faults.py::test_write_timeout_on_a_new_and_on_a_reused_connection[sync-True]",
    "tests/test_faults.py::test_connect_timeout[sync]",
    "tests/test_faults.py::test_connect_refused[sync]",
    "tests/test_faults.py::test_streamed_body_cut_short[sync]",
    "tests/test_fault_suite.py::test_04_a_black_holed_address_does_not_stall_the_connect[sync]",
]


@pytest.mark.parametrize("wait", portable.MODES)
def test_the_sync_suite_core_without_poll(wait: str) -> None:
    env = {**os.environ, "RESTWELL_WAIT": wait}
    out = subprocess.run(
        [sys.executable, "-m", "pytest", "-o", "addopts=", "-q", "-p", "no:cacheprovider", *SUITE],
        cwd=ROOT, env=env, capture_output=True, text=True, timeout=120,
    )
    assert out.returncode == 0, out.stdout[-3000:] + out.stderr[-2000:]
    assert f"{len(SUITE)} passed" in out.stdout, out.stdout[-2000:]
