from __future__ import annotations

import os
import sys
import typing

import pytest

sys.path.insert(0, os.path.dirname(__file__))

from nginx_server import Nginx
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


@pytest.fixture
def app_url_localhost(app: AppServer) -> str:
    """The app server by name rather than IP, so the resolver path runs."""
    return app.url.replace("127.0.0.1", "localhost")
