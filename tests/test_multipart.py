"""files=: multipart/form-data through both clients, streamed with a known length."""

from __future__ import annotations

import email.parser
import email.policy
import io
import os
import typing
import urllib.parse

import pytest

import restwell
from both import Make
from restwell._models._multipart import MultipartBody
from servers import AppServer


def parts(record: dict[str, typing.Any]) -> list[typing.Any]:
    """The parts the server received, parsed by the standard library's MIME parser."""
    content_type = next(v for n, v in record["headers"] if n == "content-type")
    raw = f"Content-Type: {content_type}\r\n\r\n".encode() + record["body"].encode("latin-1")
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(raw)
    return list(message.iter_parts())


def test_fields_and_files(app: AppServer, make_client: Make, tmp_path: typing.Any) -> None:
    path = tmp_path / "report.csv"
    path.write_bytes(b"a,b\n1,2\n")
    with make_client(base_url=app.url) as c, open(path, "rb") as f:
        sent = c.post("/echo", data={"title": "Q3", "tags": ["x", "y"]}, files={
            "report": f,
            "raw": b"\x00\x01",
            "note": ("note.txt", "héllo", "text/plain; charset=utf-8", {"X-Part": "1"}),
        }).json()
    got = parts(sent)
    assert [p.get_param("name", header="content-disposition") for p in got] == [
        "title", "tags", "tags", "report", "raw", "note"]
    assert got[0].get_content() == "Q3" and got[2].get_content() == "y"
    assert got[3].get_filename() == "report.csv" and got[3].get_content_type() == "text/csv"
    assert got[3].get_payload(decode=True) == b"a,b\n1,2\n"
    assert got[4].get_content_type() == "application/octet-stream"
    assert got[4].get_payload(decode=True) == b"\x00\x01"
    assert got[5]["X-Part"] == "1" and got[5].get_payload(decode=True) == "héllo".encode()
    length = [v for n, v in sent["headers"] if n == "content-length"]
    assert length == [str(len(sent["body"].encode("latin-1")))]  # known up front, and right


def test_names_cannot_break_out(app: AppServer, make_client: Make) -> None:
    with make_client(base_url=app.url) as c:
        sent = c.post("/echo", files={'a"\r\nX-Evil: 1': ('b"\r\n.txt', b"v")}).json()
    body = sent["body"]
    assert "X-Evil: 1\r\n" not in body and 'name="a%22%0D%0AX-Evil: 1"' in body
    assert 'filename="b%22%0D%0A.txt"' in body
    with make_client(base_url=app.url) as c, pytest.raises(restwell.InvalidHeader):
        c.post("/echo", files={"f": ("f", b"v", None, {"X": "a\r\nB: c"})})


@pytest.mark.parametrize("content_type", [
    "text/plain\r\nX-Injected: 1", "text/plain\nX-Injected: 1", "text/plain\rX", "text/\x00plain",
    "text/plain\x7f",
])
def test_part_content_types_cannot_inject(
    app: AppServer, make_client: Make, content_type: str
) -> None:
    """A part's content type is checked as a header value is: CR, LF, NUL and the other
    controls are refused before anything is sent."""
    with make_client(base_url=app.url) as c, pytest.raises(restwell.InvalidHeader) as info:
        c.post("/echo", files={"f": ("a.txt", b"data", content_type)})
    assert "Content-Type" in str(info.value)
    assert app.requests == []


@pytest.mark.parametrize("name, filename", [("a\x00b", "f.txt"), ("a", "f\x00.txt"),
                                            ("a", "f\x1b.txt"), ("a\x7f", "f")])
def test_part_names_with_other_controls_are_refused(
    app: AppServer, make_client: Make, name: str, filename: str
) -> None:
    with make_client(base_url=app.url) as c, pytest.raises(restwell.InvalidHeader):
        c.post("/echo", files={name: (filename, b"v")})
    assert app.requests == []


def test_large_file_streams_with_known_length(
    app: AppServer, make_client: Make, tmp_path: typing.Any
) -> None:
    path = tmp_path / "big.bin"
    data = os.urandom(3 << 20)
    path.write_bytes(data)
    with make_client(base_url=app.url) as c, open(path, "rb") as f:
        sent = c.post("/echo", files={"blob": f}).json()
    assert parts(sent)[0].get_payload(decode=True) == data
    assert not [v for n, v in sent["headers"] if n == "transfer-encoding"]


def test_rewound_for_a_307(app: AppServer, make_client: Make) -> None:
    to = urllib.parse.quote("/echo", safe="")
    with make_client(base_url=app.url) as c:
        sent = c.post(f"/redirect/307?to={to}", files={"f": io.BytesIO(b"again")}).json()
    assert parts(sent)[0].get_payload(decode=True) == b"again"
    assert app.requests[-2]["body"] == app.requests[-1]["body"]


def test_unknown_size_goes_chunked() -> None:
    class Pipe(io.RawIOBase):  # a readable stream without a size
        def __init__(self) -> None:
            self.left = [b"abc"]

        def readable(self) -> bool:
            return True

        def read(self, n: int = -1) -> bytes:
            return self.left.pop() if self.left else b""

    form = MultipartBody(None, {"p": Pipe()}, boundary="b")  # type: ignore[dict-item]
    assert form.length is None
    assert b"".join(form) == (b'--b\r\nContent-Disposition: form-data; name="p"; filename="p"'
                              b"\r\nContent-Type: application/octet-stream\r\n\r\nabc\r\n--b--\r\n")


def test_files_with_json_is_refused() -> None:
    with pytest.raises(TypeError, match="files="):
        restwell.Request("POST", "http://x.test/", files={"a": b"1"}, json={})
