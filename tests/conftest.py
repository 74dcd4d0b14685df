from __future__ import annotations

import os
import sys
import typing

import pytest

sys.path.insert(0, os.path.dirname(__file__))

import both
from httpbin_server import Httpbin
from nginx_server import Nginx
from proxy_servers import Microsocks, Squid, Tinyproxy
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


@pytest.fixture(scope="session")
def squid(nginx: Nginx) -> typing.Iterator[Squid]:
    server = Squid(nginx.ca, auth=False)
    yield server
    server.close()


@pytest.fixture(scope="session")
def squid_auth(nginx: Nginx) -> typing.Iterator[Squid]:
    server = Squid(nginx.ca, auth=True)
    yield server
    server.close()


@pytest.fixture(scope="session")
def tinyproxy() -> typing.Iterator[Tinyproxy]:
    server = Tinyproxy(auth=False)
    yield server
    server.close()


@pytest.fixture(scope="session")
def tinyproxy_auth() -> typing.Iterator[Tinyproxy]:
    server = Tinyproxy(auth=True)
    yield server
    server.close()


@pytest.fixture(scope="session")
def microsocks() -> typing.Iterator[Microsocks]:
    server = Microsocks(auth=False)
    yield server
    server.close()


@pytest.fixture(scope="session")
def microsocks_auth() -> typing.Iterator[Microsocks]:
    server = Microsocks(auth=True)
    yield server
    server.close()


@pytest.fixture(scope="session")
def httpbin() -> typing.Iterator[Httpbin]:
    server = Httpbin()
    yield server
    server.close()


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
