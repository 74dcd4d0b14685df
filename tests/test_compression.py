"""Content codings through both clients: gzip, deflate, br and zstd, chained, streamed,
bounded, and corrupt."""

from __future__ import annotations

import socket
import typing

import brotli
import pytest
from backports import zstd

import restwell
from both import Make
from restwell import Limits
from restwell._models._decoders import ACCEPT_ENCODING, make_decoder
from servers import AppServer, ScriptedServer, read_request

Start = typing.Callable[[typing.Callable[[socket.socket, int], None]], ScriptedServer]
EXPECTED = b"restwell " * 111 + b"x"  # what /coded/... sends for size=1000
_BOMB: dict[str, bytes] = {}


def _bomb(coding: str) -> bytes:
    """256 MiB of zeros, compressed once per run (quality 5: brotli's best takes seconds)."""
    if coding not in _BOMB:
        raw = b"\0" * (256 << 20)
        _BOMB[coding] = brotli.compress(raw, quality=5) if coding == "br" else zstd.compress(raw)
    return _BOMB[coding]


BOMBS = {"br": lambda: _bomb("br"), "zstd": lambda: _bomb("zstd")}


@pytest.mark.parametrize("codings", ["br", "zstd", "gzip,br", "br,zstd,deflate"])
def test_codings_decode_whole_and_streamed(app: AppServer, make_client: Make, codings: str) -> None:
    with make_client(base_url=app.url) as c:
        r = c.get(f"/coded/{codings}?size=1000")
        assert r.content == EXPECTED
        with c.stream("GET", f"/coded/{codings}?size=1000") as r:
            assert b"".join(r.iter_bytes(chunk_size=100)) == EXPECTED


def test_accept_encoding_lists_what_is_installed(app: AppServer, make_client: Make) -> None:
    assert ACCEPT_ENCODING == "gzip, deflate, br, zstd"  # the test extra installs both
    with make_client(base_url=app.url) as c:
        sent = c.get("/echo").json()
    assert [v for n, v in sent["headers"] if n == "accept-encoding"] == [ACCEPT_ENCODING]


@pytest.mark.parametrize(
    "coding", ["br", "zstd"],
)
def test_bombs_are_bounded(scripted: Start, make_client: Make, coding: str) -> None:
    bomb = BOMBS[coding]()
    head = (f"HTTP/1.1 200 OK\r\nContent-Encoding: {coding}\r\n"
            f"Content-Length: {len(bomb)}\r\n\r\n").encode()

    def handler(conn: socket.socket, index: int) -> None:
        while read_request(conn):
            conn.sendall(head + bomb)

    server = scripted(handler)
    with make_client(limits=Limits(max_decompressed_size=1 << 20)) as c:
        with pytest.raises(restwell.DecodingError, match="larger than"):
            c.get(server.url).content  # noqa: B018
        with c.stream("GET", server.url) as r:
            total = 0
            for piece in r.iter_bytes():
                # each step's expansion is bounded too (brotli stops growing its buffer once
                # past the limit, so a step may give a little more than 64 KiB)
                assert len(piece) <= 128 * 1024
                total += len(piece)
                if total > 8 << 20:
                    break


@pytest.mark.parametrize(("coding", "body"), [("br", b"not brotli"), ("zstd", b"not zstd!")])
def test_corrupt_bodies_name_their_coding(
    scripted: Start, make_client: Make, coding: str, body: bytes
) -> None:
    head = (f"HTTP/1.1 200 OK\r\nContent-Encoding: {coding}\r\n"
            f"Content-Length: {len(body)}\r\n\r\n").encode()
    server = scripted(lambda conn, i: [read_request(conn), conn.sendall(head + body)])
    with make_client() as c, pytest.raises(restwell.DecodingError, match=coding):
        c.get(server.url).content  # noqa: B018


@pytest.mark.parametrize("coding", ["br", "zstd"])
def test_truncated_streams_are_errors(coding: str) -> None:
    data = brotli.compress(EXPECTED) if coding == "br" else zstd.compress(EXPECTED)
    decoder = make_decoder(coding)
    assert decoder is not None
    out = b"".join(decoder.feed(data[: len(data) // 2]))
    assert EXPECTED.startswith(out)
    with pytest.raises(restwell.DecodingError, match="ends before"):
        list(decoder.flush())


def test_zstd_several_frames() -> None:
    decoder = make_decoder("zstd")
    assert decoder is not None
    data = zstd.compress(b"one ") + zstd.compress(b"two")
    assert b"".join([*decoder.feed(data), *decoder.flush()]) == b"one two"
