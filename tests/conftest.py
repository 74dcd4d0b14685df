from __future__ import annotations

import os
import sys
import typing

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import both
import portable
from httpbin_server import Httpbin
from nginx_server import Nginx
from proxy_servers import Microsocks, Squid, Tinyproxy
from redis_server import RedisServer
from servers import AppServer, Handler, ScriptedServer


@pytest.fixture
def app() -> typing.Iterator[AppServer]:
    server = AppServer()
    yield server
    server.close()


@pytest.fixture
def scripted() -> typing.Iterator[typing.Callable[[Handler], ScriptedServer]]:
    servers: list[ScriptedServer] = []

    def start(handler: Handler) -> ScriptedServer:
        server = ScriptedServer(handler)
        servers.append(server)
        return server

    yield start
    for server in servers:
        server.close()


@pytest.fixture(scope="session")
def nginx() -> typing.Iterator[Nginx]:
    server = Nginx()  # a missing nginx fails the run: scripts/test installs it
    yield server
    server.close()


def _session_server(make: typing.Callable[..., typing.Any]) -> typing.Any:
    """A session-scoped fixture that starts a server with ``make`` and stops it at the end."""

    @pytest.fixture(scope="session")
    def fixture(request: pytest.FixtureRequest) -> typing.Iterator[typing.Any]:
        server = make(request)
        yield server
        server.close()

    return fixture


squid = _session_server(lambda r: Squid(r.getfixturevalue("nginx").ca, auth=False))
squid_auth = _session_server(lambda r: Squid(r.getfixturevalue("nginx").ca, auth=True))
tinyproxy = _session_server(lambda r: Tinyproxy(auth=False))
tinyproxy_auth = _session_server(lambda r: Tinyproxy(auth=True))
microsocks = _session_server(lambda r: Microsocks(auth=False))
microsocks_auth = _session_server(lambda r: Microsocks(auth=True))
httpbin = _session_server(lambda r: Httpbin())
redis_server = _session_server(lambda r: RedisServer())  # a missing redis-server fails the run


@pytest.fixture
def redis_url(redis_server: RedisServer) -> str:
    """The session's redis-server, emptied for this test."""
    redis_server.flush()
    return redis_server.url


@pytest.fixture
def app_url_localhost(app: AppServer) -> str:
    """The app server by name rather than IP, so the resolver path runs."""
    return app.url.replace("127.0.0.1", "localhost")


@pytest.fixture(params=both.KINDS)
def kind(request: pytest.FixtureRequest) -> str:
    return request.param  # type: ignore[no-any-return]


@pytest.fixture
def runner(kind: str) -> typing.Iterator[typing.Any]:
    if kind == "sync":
        yield None
        return
    with both.new_runner(kind) as loop_runner:
        yield loop_runner


@pytest.fixture
def make_client(kind: str, runner: typing.Any) -> typing.Callable[..., typing.Any]:
    """``Client`` or an AsyncClient behind a sync facade: the behaviour suite runs on both."""
    return both.factory(kind, runner)


@pytest.fixture(autouse=True)
def no_netrc(tmp_path: typing.Any, monkeypatch: pytest.MonkeyPatch) -> None:
    """A developer's own ~/.netrc and proxy settings must not change what the tests send."""
    monkeypatch.setenv("NETRC", str(tmp_path / "no-such-netrc"))
    for name in ("http_proxy", "https_proxy", "all_proxy", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.upper(), raising=False)


@pytest.fixture(autouse=True)
def wait_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    """``RESTWELL_WAIT=select`` (or ``windows``): the whole suite without ``select.poll``
    (and, for ``windows``, without what else Windows lacks): see portable.py."""
    mode = os.environ.get("RESTWELL_WAIT")
    if mode:
        portable.apply(mode, monkeypatch)


_STARTED = [0.0]


def pytest_sessionstart(session: pytest.Session) -> None:
    import time

    _STARTED[0] = time.monotonic()


def pytest_sessionfinish(session: pytest.Session, exitstatus: int) -> None:
    """``RESTWELL_EVERYDAY_REPORT=path`` (scripts/everyday): tests/test_everyday.py's table of
    cases x libraries, written there."""
    import time

    path = os.environ.get("RESTWELL_EVERYDAY_REPORT")
    module = sys.modules.get("test_everyday")
    if path and module is not None:
        module.write_report(path, time.monotonic() - _STARTED[0])
