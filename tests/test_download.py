"""client.download(): the decisions as tables, then both clients against nginx (a static
file, Range and If-Range as a real server does them) and scripted servers for the faults
(a connection cut mid-body, a server that ignores Range, an ETag that changes, a short body).
"""

from __future__ import annotations

import itertools
import os
import pathlib
import socket
import typing
import uuid

import pytest

import restwell
from both import Make
from nginx_server import Nginx
from restwell._features._download import (
    AGAIN,
    APPEND,
    DONE,
    FAIL,
    FRESH,
    Partial,
    content_range,
    decide,
    range_headers,
    read_sidecar,
    sidecar,
)
from servers import ScriptedServer, read_request

Start = typing.Callable[..., ScriptedServer]
MB = 1 << 20


class Stop(Exception):
    """Raised from a progress callback: the download is interrupted there."""


def stop_after(limit: int) -> typing.Callable[[int, int | None], None]:
    def progress(done: int, total: int | None) -> None:
        if done >= limit:
            raise Stop(done)

    return progress


def leftovers(folder: pathlib.Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


# -- the decisions ----------------------------------------------------------------------------

H = restwell.Headers


@pytest.mark.parametrize(("value", "expected"), [
    ("bytes 0-99/1000", (0, 99, 1000)), ("bytes 100-999/*", (100, 999, None)),
    ("bytes */1000", (None, None, 1000)), ("bytes 5-1/10", None), ("items 0-1/2", None),
    ("bytes 0-x/10", None), ("bytes 0-9/x", None), (None, None), ("bytes 1/2", None),
])
def test_content_range(value: str | None, expected: typing.Any) -> None:
    assert content_range(value) == expected


@pytest.mark.parametrize(("status", "headers", "offset", "kind", "total"), [
    (200, {"Content-Length": "10"}, 0, FRESH, 10),
    (200, {"Content-Length": "10"}, 4, FRESH, 10),   # Range ignored, or If-Range not met
    (200, {}, 0, FRESH, None),                        # chunked: no length to check
    (206, {"Content-Range": "bytes 4-9/10"}, 4, APPEND, 10),
    (206, {"Content-Range": "bytes 4-7/*"}, 4, APPEND, 8),
    (206, {"Content-Range": "bytes 0-9/10"}, 4, FAIL, None),  # not what was asked
    (206, {}, 4, FAIL, None),
    (206, {"Content-Range": "bytes 0-9/10"}, 0, FAIL, None),  # unasked
    (416, {"Content-Range": "bytes */10"}, 10, DONE, 10),
    (416, {"Content-Range": "bytes */8"}, 10, AGAIN, None),   # shorter now: start again
    (416, {}, 10, AGAIN, None),
    (416, {"Content-Range": "bytes */10"}, 0, FAIL, None),
    (304, {}, 0, FAIL, None), (404, {}, 3, FAIL, None),
])
def test_decide(status: int, headers: dict[str, str], offset: int, kind: str,
                total: int | None) -> None:
    decision = decide(status, H(headers), offset)
    assert (decision.kind, decision.total) == (kind, total)
    assert bool(decision.problem) == (kind == FAIL)


def test_sidecar_and_range_fields() -> None:
    strong = H({"ETag": '"abc"', "Last-Modified": "Tue, 01 Dec 2026 10:00:00 GMT",
                "Content-Length": "10"})
    content = sidecar("http://x/f", strong)
    assert content is not None
    assert read_sidecar(content, "http://x/f") == Partial("http://x/f", '"abc"', 10)
    assert read_sidecar(content, "http://x/other") is None  # another URL: not resumed
    assert read_sidecar(b"{not json", "http://x/f") is None
    assert read_sidecar(b"[]", "http://x/f") is None
    weak = H({"ETag": 'W/"abc"', "Last-Modified": "Tue, 01 Dec 2026 10:00:00 GMT"})
    assert read_sidecar(sidecar("u", weak) or b"", "u") == Partial(  # a weak ETag: never
        "u", "Tue, 01 Dec 2026 10:00:00 GMT", None)
    assert sidecar("u", H({"ETag": 'W/"abc"'})) is None
    partial = Partial("u", '"abc"', 10)
    assert range_headers(4, partial) == {"Range": "bytes=4-", "If-Range": '"abc"'}
    assert range_headers(0, partial) == {}
    assert range_headers(4, None) == {}


# -- nginx: a static file ----------------------------------------------------------------------

def served(nginx: Nginx, size: int = 5 * MB) -> tuple[str, bytes, str]:
    name = f"dl-{uuid.uuid4().hex}.bin"
    path = nginx.write_file(name, size)
    return f"{nginx.http_url}/{name}", pathlib.Path(path).read_bytes(), path


def test_download_from_nginx(nginx: Nginx, make_client: Make, tmp_path: pathlib.Path) -> None:
    url, body, _ = served(nginx)
    seen: list[tuple[int, int | None]] = []
    target = tmp_path / "file.bin"
    with make_client() as client:
        r = client.download(url, target, progress=lambda done, total: seen.append((done, total)))
    assert r.status_code == 200
    assert target.read_bytes() == body
    assert seen[-1] == (len(body), len(body)) and len(seen) > 5  # chunk by chunk
    assert all(a[0] < b[0] for a, b in itertools.pairwise(seen))
    assert leftovers(tmp_path) == ["file.bin"]


def test_nginx_resume_after_interruption(nginx: Nginx, make_client: Make,
                                         tmp_path: pathlib.Path) -> None:
    url, body, _ = served(nginx)
    target = tmp_path / "file.bin"
    with make_client() as client:
        with pytest.raises(Stop):
            client.download(url, target, progress=stop_after(MB))
        assert not target.exists()  # never a truncated file at path
        assert leftovers(tmp_path) == ["file.bin.part", "file.bin.part.json"]
        kept = (tmp_path / "file.bin.part").stat().st_size
        assert MB <= kept < len(body)
        seen: list[int] = []
        r = client.download(url, target, progress=lambda done, total: seen.append(done))
    assert r.status_code == 206 and seen[0] > kept  # the rest only
    assert target.read_bytes() == body
    assert leftovers(tmp_path) == ["file.bin"]


def test_nginx_changed_file_starts_again(nginx: Nginx, make_client: Make,
                                         tmp_path: pathlib.Path) -> None:
    url, _, path = served(nginx)
    target = tmp_path / "file.bin"
    with make_client() as client:
        with pytest.raises(Stop):
            client.download(url, target, progress=stop_after(MB))
        changed = os.urandom(3 * MB)
        pathlib.Path(path).write_bytes(changed)
        os.utime(path, (1_700_000_000, 1_700_000_000))  # a new ETag and Last-Modified
        r = client.download(url, target)
    assert r.status_code == 200  # If-Range did not match: the whole new file
    assert target.read_bytes() == changed


def test_nginx_partial_already_whole(nginx: Nginx, make_client: Make,
                                     tmp_path: pathlib.Path) -> None:
    url, body, _ = served(nginx, MB)
    target = tmp_path / "file.bin"
    with make_client() as client:
        with pytest.raises(Stop):  # interrupted after the last chunk was written
            client.download(url, target, progress=stop_after(len(body)))
        assert (tmp_path / "file.bin.part").stat().st_size == len(body)
        r = client.download(url, target)
    assert r.status_code == 416  # nothing more to send: the partial file was whole
    assert target.read_bytes() == body
    assert leftovers(tmp_path) == ["file.bin"]


def test_nginx_without_resume_leaves_nothing(nginx: Nginx, make_client: Make,
                                             tmp_path: pathlib.Path) -> None:
    url, body, _ = served(nginx, MB)
    target = tmp_path / "file.bin"
    target.write_bytes(b"old")
    with make_client() as client:
        with pytest.raises(Stop):
            client.download(url, target, resume=False, progress=stop_after(1))
        assert leftovers(tmp_path) == ["file.bin"] and target.read_bytes() == b"old"
        with pytest.raises(restwell.NotFound):
            client.download(url + ".missing", target)
        assert leftovers(tmp_path) == ["file.bin"]
        client.download(url, target, resume=False)
    assert target.read_bytes() == body


# -- scripted servers: the faults --------------------------------------------------------------

BODY = bytes(range(256)) * 400  # 102,400 bytes


def field(request: bytes, name: str) -> str | None:
    for line in request.split(b"\r\n")[1:]:
        key, _, value = line.partition(b":")
        if key.strip().lower() == name.encode():
            return value.strip().decode()
    return None


def ranged(script: typing.Callable[[int, bytes], tuple[bytes, bool]],
           scripted: Start) -> ScriptedServer:
    """A keep-alive server answering each request (numbered from 0) with ``script``'s bytes;
    ``True`` with them: close the connection after writing."""
    count = [0]
    server: ScriptedServer

    def handler(conn: socket.socket, index: int) -> None:
        while True:
            request = read_request(conn, server)
            if not request:
                return
            data, close = script(count[0], request)
            count[0] += 1
            conn.sendall(data)
            if close:
                return

    server = scripted(handler)
    return server


def whole(body: bytes, etag: str = '"v1"', length: int | None = None) -> bytes:
    return (f"HTTP/1.1 200 OK\r\nETag: {etag}\r\nContent-Length: "
            f"{len(body) if length is None else length}\r\n\r\n").encode() + body


def part(body: bytes, start: int, etag: str = '"v1"') -> bytes:
    rest = body[start:]
    return (f"HTTP/1.1 206 Partial Content\r\nETag: {etag}\r\nContent-Range: bytes "
            f"{start}-{len(body) - 1}/{len(body)}\r\nContent-Length: {len(rest)}\r\n\r\n"
            ).encode() + rest


def honour_range(body: bytes, etag: str, request: bytes) -> bytes:
    asked = field(request, "range")
    if asked is None or field(request, "if-range") != etag:
        return whole(body, etag)
    return part(body, int(asked.removeprefix("bytes=").rstrip("-")), etag)


def test_cut_mid_body_then_resumed(scripted: Start, make_client: Make,
                                   tmp_path: pathlib.Path) -> None:
    def script(n: int, request: bytes) -> tuple[bytes, bool]:
        if n == 0:
            return whole(BODY)[:-60000], True  # the connection dies mid-body
        return honour_range(BODY, '"v1"', request), False

    server = ranged(script, scripted)
    target = tmp_path / "f"
    with make_client() as client:
        with pytest.raises(restwell.TransportError):
            client.download(server.url + "/f", target)
        assert not target.exists()
        kept = (tmp_path / "f.part").stat().st_size
        assert 0 < kept < len(BODY)
        r = client.download(server.url + "/f", target)
    assert r.status_code == 206 and target.read_bytes() == BODY
    assert field(server.received[1], "range") == f"bytes={kept}-"
    assert field(server.received[1], "if-range") == '"v1"'
    assert field(server.received[1], "accept-encoding") == "identity"
    assert leftovers(tmp_path) == ["f"]


def test_server_ignoring_range_starts_again(scripted: Start, make_client: Make,
                                            tmp_path: pathlib.Path) -> None:
    def script(n: int, request: bytes) -> tuple[bytes, bool]:
        return (whole(BODY)[:-60000], True) if n == 0 else (whole(BODY), False)

    server = ranged(script, scripted)
    target = tmp_path / "f"
    seen: list[int] = []
    with make_client() as client:
        with pytest.raises(restwell.TransportError):
            client.download(server.url + "/f", target)
        r = client.download(server.url + "/f", target, progress=lambda d, t: seen.append(d))
    assert r.status_code == 200 and target.read_bytes() == BODY  # not appended twice
    assert field(server.received[1], "range") is not None and seen[-1] == len(BODY)
    assert leftovers(tmp_path) == ["f"]


def test_changed_etag_starts_again(scripted: Start, make_client: Make,
                                   tmp_path: pathlib.Path) -> None:
    new = BODY[::-1] + b"more"

    def script(n: int, request: bytes) -> tuple[bytes, bool]:
        if n == 0:
            return whole(BODY)[:-60000], True
        return honour_range(new, '"v2"', request), False  # If-Range "v1" no longer matches

    server = ranged(script, scripted)
    target = tmp_path / "f"
    with make_client() as client:
        with pytest.raises(restwell.TransportError):
            client.download(server.url + "/f", target)
        r = client.download(server.url + "/f", target)
        assert r.status_code == 200 and target.read_bytes() == new
    assert field(server.received[1], "if-range") == '"v1"'
    assert leftovers(tmp_path) == ["f"]


def test_short_body_raises_and_resumes(scripted: Start, make_client: Make,
                                       tmp_path: pathlib.Path) -> None:
    def script(n: int, request: bytes) -> tuple[bytes, bool]:
        if n == 0:  # announces 102,400 bytes, sends 50,000, closes
            return whole(BODY[:50000], length=len(BODY)), True
        return honour_range(BODY, '"v1"', request), False

    server = ranged(script, scripted)
    target = tmp_path / "f"
    with make_client() as client:
        with pytest.raises(restwell.IncompleteBodyError):
            client.download(server.url + "/f", target)
        assert not target.exists() and (tmp_path / "f.part").stat().st_size == 50000
        r = client.download(server.url + "/f", target)
    assert r.status_code == 206 and target.read_bytes() == BODY
    assert field(server.received[1], "range") == "bytes=50000-"


def test_short_range_is_checked(scripted: Start, make_client: Make,
                                tmp_path: pathlib.Path) -> None:
    def script(n: int, request: bytes) -> tuple[bytes, bool]:
        if n == 0:
            return whole(BODY)[:-60000], True
        start = int(field(request, "range").removeprefix("bytes=").rstrip("-"))  # type: ignore[union-attr]
        piece = BODY[start:start + 100]  # a 206 for less than the rest: the server's right
        return (f"HTTP/1.1 206 Partial Content\r\nContent-Range: bytes {start}-"
                f"{start + 99}/{len(BODY)}\r\nContent-Length: 100\r\n\r\n").encode() + piece, False

    server = ranged(script, scripted)
    target = tmp_path / "f"
    with make_client() as client:
        with pytest.raises(restwell.TransportError):
            client.download(server.url + "/f", target)
        kept = (tmp_path / "f.part").stat().st_size
        with pytest.raises(restwell.IncompleteBodyError, match=f"{kept + 100} of {len(BODY)}"):
            client.download(server.url + "/f", target)
    assert not target.exists() and (tmp_path / "f.part").stat().st_size == kept + 100
