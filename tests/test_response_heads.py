"""How response heads are read off the wire: obs-fold unfolded (RFC 9112 §5.2), and the
strict rules around it kept. Through both clients, against a scripted server."""

from __future__ import annotations

import socket
import typing

import pytest

import restwell
from servers import ScriptedServer, read_request

Start = typing.Callable[..., ScriptedServer]
Make = typing.Callable[..., typing.Any]


def _serving(head: bytes) -> typing.Callable[[socket.socket, int], None]:
    """Answers every request on the connection with ``head`` and a 2-byte body, sent a few
    bytes at a time so a fold can fall across reads."""
    def handler(conn: socket.socket, index: int) -> None:
        while read_request(conn):
            raw = head + b"Content-Length: 2\r\n\r\nok"
            for i in range(0, len(raw), 5):
                conn.sendall(raw[i:i + 5])

    return handler


def test_a_folded_field_is_unfolded(scripted: Start, make_client: Make) -> None:
    server = scripted(_serving(b"HTTP/1.1 200 OK\r\nX-Folded: first\r\n second\r\n\tthird\r\n"))
    with make_client() as c:
        for _ in range(2):  # and the connection is reused after it
            response = c.get(server.url)
            assert response.headers["x-folded"] == "first second third"
            assert response.text == "ok"
        with c.stream("GET", server.url) as streamed:
            assert streamed.headers["x-folded"] == "first second third"
            assert streamed.read() == b"ok"
    assert server.connections == 1


@pytest.mark.parametrize("head", [
    b"HTTP/1.1 200 OK\r\n X-Before-Fields: 1\r\n",  # whitespace before the first field: no fold
    b"HTTP/1.1 200 OK\r\nX-A: 1\r\n two\rX-B: 3\r\n",  # a bare CR in the continuation
    b"HTTP/1.1 200 OK\r\nX-A: 1\r\n two\r\nno-colon\r\n",  # a line without a colon
], ids=["leading-space", "bare-cr", "no-colon"])
def test_the_rules_around_folding_stay_strict(
    scripted: Start, make_client: Make, head: bytes
) -> None:
    server = scripted(_serving(head))
    with make_client() as c, pytest.raises(restwell.RemoteProtocolError, match="malformed"):
        c.get(server.url)
