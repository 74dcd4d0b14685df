"""The Response side of the first hour of a requests or httpx user, through both clients:
JSON errors that are not transport errors, lines split only at CR, LF and CRLF however the
network cuts them, one rule for a streamed body whatever its size, raise_for_status() messages
that carry an API's reason and never raw markup, and the conveniences the peers have
(``ok`` and the status classes, ``encoding``, ``default_encoding``, ``num_bytes_downloaded``,
``links``, ``restwell.codes``, pickling)."""

from __future__ import annotations

import ast
import gzip
import itertools
import json
import os
import pathlib
import pickle
import re
import socket
import sys
import time
import typing

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import restwell
from both import Make, request_via
from restwell._models._bodies import LineSplitter
from servers import ScriptedServer, read_request

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))

import fake_github

Start = typing.Callable[[typing.Callable[[socket.socket, int], None]], ScriptedServer]


def head(status: str = "200 OK", *fields: str, length: int | None = None) -> bytes:
    lines = [f"HTTP/1.1 {status}", *fields]
    lines.append("Transfer-Encoding: chunked" if length is None else f"Content-Length: {length}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1")


def answer(*pieces: bytes, pause: float = 0.0) -> typing.Callable[[socket.socket, int], None]:
    """A server that answers every request on a connection with ``pieces``, each its own
    write, ``pause`` seconds apart (so that each arrives in a read of its own)."""
    def handler(conn: socket.socket, index: int) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        while read_request(conn):
            for number, piece in enumerate(pieces):
                if number and pause:
                    time.sleep(pause)
                conn.sendall(piece)

    return handler


def fixed(status: str, body: bytes, *fields: str) -> typing.Callable[[socket.socket, int], None]:
    return answer(head(status, *fields, length=len(body)) + body)


def chunk(data: bytes) -> bytes:
    return f"{len(data):x}\r\n".encode() + data + b"\r\n"


# -- 1. JSON errors -------------------------------------------------------------------------------

MAINTENANCE = (b"<!DOCTYPE html>\r\n<html><head><title>Down for maintenance</title></head>\r\n"
               b"<body><h1>Back soon</h1></body></html>\r\n")


def test_json_of_an_html_200_is_a_json_error_not_a_transport_error(
    scripted: Start, make_client: Make
) -> None:
    server = scripted(fixed("200 OK", MAINTENANCE, "Content-Type: text/html; charset=utf-8"))
    with make_client() as c:
        r = c.get(server.url + "/api/items?page=2")
        attempts = 0
        with pytest.raises(restwell.JSONDecodeError) as caught:
            try:  # a retry loop on RequestError must not take it for a failed transfer
                attempts += 1
                r.json()
            except restwell.RequestError:
                pytest.fail("a body that is not JSON is not a RequestError")
    error = caught.value
    assert attempts == 1
    assert isinstance(error, json.JSONDecodeError) and isinstance(error, ValueError)
    assert isinstance(error, restwell.RestwellError)
    assert not isinstance(error, (restwell.RequestError, restwell.TransportError,
                                  restwell.DecodingError))
    message = str(error)
    assert message.startswith(f"GET {server.url}/api/items?page=2 answered 200 with a "
                              "text/html body, which is not JSON")
    assert "it starts '<!DOCTYPE html> <html><head>" in message
    assert '"Down for maintenance"' in message
    assert "\r" not in message and "\n" not in message
    assert error.response is r and error.request is r.request and error.pos == 0
    again = pickle.loads(pickle.dumps(error))
    assert str(again) == message and again.response.status_code == 200


def test_json_error_of_an_empty_body_says_so(scripted: Start, make_client: Make) -> None:
    server = scripted(fixed("204 No Content", b""))
    r = request_via(make_client, "DELETE", server.url + "/x")
    with pytest.raises(ValueError, match="answered 204 with an empty body, which is not JSON"):
        r.json()


# -- 2. lines -----------------------------------------------------------------------------------

BREAKS = ["\n", "\r", "\r\n", "\u2028", "\u2029", "\x85", "\x0b", "\x0c", "\x1c", "\x1d", "\x1e"]


def reference_lines(text: str) -> list[str]:
    """Lines end at LF, CRLF and CR only; the last one needs no ending."""
    lines = re.split(r"\r\n|\r|\n", text)
    if lines[-1] == "":
        lines.pop()
    return lines


texts = st.lists(st.sampled_from([*BREAKS, "a", "é", "€", "😀", " ", '"', "{}"]),
                 max_size=60).map("".join)


@st.composite
def cut(draw: typing.Callable[..., typing.Any], text: str) -> list[str]:
    points = sorted(draw(st.lists(st.integers(0, len(text)), max_size=12)))
    bounds = [0, *points, len(text)]
    return [text[a:b] for a, b in itertools.pairwise(bounds)]


@settings(max_examples=400, deadline=None)
@given(st.data())
def test_line_splitter_matches_the_reference_for_any_chunking(data: st.DataObject) -> None:
    text = data.draw(texts)
    pieces = data.draw(cut(text))
    lines = LineSplitter()
    got = [line for piece in pieces for line in lines.feed(piece)] + lines.flush()
    assert got == reference_lines(text)


class Chunks:
    def __init__(self, chunks: list[bytes]) -> None:
        self.chunks = chunks

    def __iter__(self) -> typing.Iterator[bytes]:
        return iter(self.chunks)

    def close(self) -> None:
        pass


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_iter_lines_matches_the_reference_for_any_cut_of_the_bytes(data: st.DataObject) -> None:
    """Cut between any two bytes (inside a UTF-8 sequence or a CRLF alike)."""
    text = data.draw(texts)
    body = text.encode("utf-8")
    points = sorted(data.draw(st.lists(st.integers(0, len(body)), max_size=12)))
    bounds = [0, *points, len(body)]
    r = restwell.Response(200, headers={"Content-Type": "text/plain; charset=utf-8"},
                          stream=Chunks([body[a:b] for a, b in itertools.pairwise(bounds)]))
    assert list(r.iter_lines()) == reference_lines(text)


@pytest.mark.parametrize("framing", ["content-length", "chunked"])
def test_a_crlf_split_across_reads_is_one_line_end(
    scripted: Start, make_client: Make, framing: str
) -> None:
    # (U+2028 and U+0085 may stand raw inside a JSON string; str.splitlines cuts at both)
    pieces = [b'{"a": 1}\r', b'\n{"b": "x\xe2\x80\xa8y\xc2\x85z"}\r\n\r', b'\nlast\r', b"\n"]
    if framing == "chunked":
        wire = [head() + chunk(pieces[0]), *(chunk(p) for p in pieces[1:]), b"0\r\n\r\n"]
    else:
        wire = [head(length=sum(map(len, pieces))) + pieces[0], *pieces[1:]]
    server = scripted(answer(*wire, pause=0.05))
    with make_client() as c:
        with c.stream("GET", server.url) as r:
            lines = list(r.iter_lines())
        assert lines == ['{"a": 1}', '{"b": "x\u2028y\x85z"}', "", "last"]
        assert [json.loads(line) for line in lines[:2]] == [{"a": 1}, {"b": "x\u2028y\x85z"}]


# -- 3. one rule for a streamed body ----------------------------------------------------------

SIZES = {"with the head": 74, "chunked": None, "5 MB": 5_000_000}


def body_server(scripted: Start, size: int | None) -> ScriptedServer:
    if size is None:
        data = json.dumps({"items": list(range(20))}).encode()
        return scripted(answer(head(), chunk(data[:10]), chunk(data[10:]) + b"0\r\n\r\n",
                               pause=0.05))
    data = json.dumps({"pad": "x" * (size - 11)}).encode()
    assert len(data) == size
    return scripted(answer(head("200 OK", "Content-Type: application/json", length=size) + data))


@pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
def test_content_before_read_raises_whatever_the_size(
    scripted: Start, make_client: Make, size: int | None
) -> None:
    server = body_server(scripted, size)
    with make_client() as c, c.stream("GET", server.url) as r:
        assert not r.is_closed and not r.is_stream_consumed
        for attempt in (lambda: r.content, lambda: r.text, r.json):
            with pytest.raises(restwell.ResponseNotRead, match=r"read\(\) first"):
                attempt()
        body = r.read()
        assert r.content == body and r.json() == json.loads(body) and r.is_closed
        assert b"".join(r.iter_bytes()) == body  # a read body iterates from memory


@pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
def test_a_body_iterated_without_read_is_not_kept(
    scripted: Start, make_client: Make, size: int | None
) -> None:
    server = body_server(scripted, size)
    with make_client() as c, c.stream("GET", server.url) as r:
        assert sum(len(piece) for piece in r.iter_bytes()) > 0
        assert r.is_stream_consumed and r.is_closed
        with pytest.raises(restwell.StreamConsumed, match="not kept"):
            r.content  # noqa: B018
        with pytest.raises(restwell.StreamConsumed):
            r.read()
        with pytest.raises(restwell.StreamConsumed):
            list(r.iter_bytes())


@pytest.mark.parametrize("size", SIZES.values(), ids=SIZES.keys())
def test_a_stream_closed_before_it_was_read(
    scripted: Start, make_client: Make, size: int | None
) -> None:
    server = body_server(scripted, size)
    with make_client() as c:
        with c.stream("GET", server.url) as r:
            pass
        with pytest.raises(restwell.StreamClosed, match="closed before its body was read"):
            r.content  # noqa: B018
        with pytest.raises(restwell.StreamClosed):
            r.read()


def test_iter_raw_is_for_a_body_not_yet_read(scripted: Start, make_client: Make) -> None:
    data = gzip.compress(b"restwell " * 1000)
    server = scripted(fixed("200 OK", data, "Content-Encoding: gzip"))
    with make_client() as c:
        with c.stream("GET", server.url) as r:
            assert r.read() == b"restwell " * 1000
            with pytest.raises(restwell.StreamConsumed, match="iter_bytes"):
                list(r.iter_raw())
            assert b"".join(r.iter_bytes()) == b"restwell " * 1000
        with c.stream("GET", server.url) as r:
            assert b"".join(r.iter_raw()) == data  # the bytes as they came, still gzip
        r = c.get(server.url)  # read whole
        with pytest.raises(restwell.StreamConsumed, match=r"client\.stream"):
            list(r.iter_raw())
        assert b"".join(r.iter_bytes(chunk_size=1000)) == r.content == b"restwell " * 1000


# -- 4. raise_for_status() messages ----------------------------------------------------------------

GITHUB_422 = {"message": "Repository creation failed.", "errors": [
    {"resource": "Repository", "code": "custom", "field": "name",
     "message": "name already exists on this account"}],
    "documentation_url": "https://docs.github.com/rest/repos/repos", "status": "422"}


def status_error(response: restwell.Response) -> str:
    with pytest.raises(restwell.HTTPStatusError) as caught:
        response.raise_for_status()
    message = str(caught.value)
    assert "\r" not in message and "\n" not in message and len(message) < 700
    return message


def test_github_s_422_gives_its_reason(scripted: Start, make_client: Make) -> None:
    body = json.dumps(GITHUB_422).encode()
    server = scripted(fixed("422 Unprocessable Entity", body,
                            "Content-Type: application/json; charset=utf-8"))
    r = request_via(make_client, "POST", server.url + "/user/repos", json={"name": "test"})
    assert status_error(r) == (
        f"422 Unprocessable Entity (client error) for POST {server.url}/user/repos: "
        "Repository creation failed: name already exists on this account")


def test_the_fake_github_answers_as_github_does(make_client: Make) -> None:
    server, api = fake_github.start()
    fake_github.Handler.repos.clear()
    try:
        with make_client(base_url=api, auth=("octocat", "s3cret-token")) as gh:
            assert gh.post("/user/repos", json={"name": "twice"}).status_code == 201
            r = gh.post("/user/repos", json={"name": "twice"})
            nameless = gh.post("/user/repos", json={})
        assert r.json()["message"] == "Repository creation failed."
        assert r.json()["errors"][0]["message"] == "name already exists on this account"
        assert status_error(r).endswith(
            "Repository creation failed: name already exists on this account")
        assert status_error(nameless).endswith("Repository creation failed: name missing field")
    finally:
        server.shutdown()


PROXY_PAGE = (b"<html>\r\n<head><title>502 Bad Gateway</title></head>\r\n<body>\r\n"
              b"<center><h1>502 Bad Gateway</h1></center>\r\n<hr><center>nginx</center>\r\n"
              b"</body>\r\n</html>\r\n")


@pytest.mark.parametrize(("body", "expected"), [
    (PROXY_PAGE, ': an HTML page titled "502 Bad Gateway"'),
    (b"<html><body><h1>Bad gateway</h1>\r\n</body></html>", ": (text/html body, 48 bytes)"),
])
def test_an_html_error_page_is_never_quoted_raw(
    scripted: Start, make_client: Make, body: bytes, expected: str
) -> None:
    server = scripted(fixed("502 Bad Gateway", body, "Content-Type: text/html"))
    message = status_error(request_via(make_client, "GET", server.url + "/api"))
    assert message == f"502 Bad Gateway (server error) for GET {server.url}/api{expected}"
    assert "<" not in message


def test_server_text_in_a_message_is_sanitized(scripted: Start, make_client: Make) -> None:
    said = "bad\r\nX-Injected: 1\u202e\u2028\x1b[31m" + "a" * 1000
    server = scripted(fixed("400 Bad Request", json.dumps({"message": said}).encode(),
                            "Content-Type: application/json"))
    message = status_error(request_via(make_client, "GET", server.url))
    assert message.endswith("...") and ": bad X-Injected: 1 [31maaa" in message
    assert all(c.isprintable() for c in message)


def test_hints_say_increase_never_raise() -> None:
    """"raise Limits(...)" reads as "raise an exception": every hint says increase."""
    bad = re.compile(r"\braise (restwell\.)?(Limits|Timeout|max_\w+)")
    src = pathlib.Path(restwell.__file__).parent
    found = []
    for path in src.rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (isinstance(node, ast.Constant) and isinstance(node.value, str)
                    and bad.search(" ".join(node.value.split()))):
                found.append(f"{path.name}:{node.lineno}")
    assert not found


def test_a_read_timeout_says_increase(scripted: Start, make_client: Make) -> None:
    server = scripted(lambda conn, index: (read_request(conn), time.sleep(2)))
    with make_client(timeout=restwell.Timeout(5, read=0.2)) as c, pytest.raises(
        restwell.ReadTimeout, match=r"increase restwell\.Timeout\(read=\.\.\.\)"
    ):
        c.get(server.url)


# -- 5. conveniences -----------------------------------------------------------------------------


@pytest.mark.parametrize(("status", "flags"), [
    ("200 OK", {"ok", "is_success"}),
    ("302 Found", {"ok", "is_redirect"}),
    ("404 Not Found", {"is_client_error", "is_error"}),
    ("503 Service Unavailable", {"is_server_error", "is_error"}),
])
def test_status_classes(scripted: Start, make_client: Make, status: str, flags: set[str]) -> None:
    server = scripted(fixed(status, b"", "Location: /elsewhere"))
    r = request_via(make_client, "GET", server.url, follow_redirects=False)
    names = ["ok", "is_informational", "is_success", "is_redirect", "is_client_error",
             "is_server_error", "is_error"]
    assert {name for name in names if getattr(r, name)} == flags
    assert r.status_code == restwell.codes(int(status[:3]))
    assert restwell.Response(103).is_informational and restwell.Response(103).ok


def test_codes() -> None:
    codes = restwell.codes
    assert codes.NOT_FOUND == 404 and codes.not_found is codes.NOT_FOUND
    assert codes(422) is codes.UNPROCESSABLE_CONTENT is codes.UNPROCESSABLE_ENTITY
    assert codes.get_reason_phrase(404) == "Not Found" and codes.get_reason_phrase(299) == ""
    assert codes.IM_A_TEAPOT.phrase == "I'm a Teapot" and str(codes.OK) == "200"
    assert pickle.loads(pickle.dumps(codes.OK)) is codes.OK
    assert restwell.Response(422).reason_phrase == "Unprocessable Content"


LATIN = "café au lait".encode("latin-1")


def test_encoding_setter(scripted: Start, make_client: Make) -> None:
    server = scripted(fixed("200 OK", LATIN, "Content-Type: text/plain"))
    with make_client() as c:
        r = c.get(server.url)
        assert r.encoding == "utf-8" and r.text == "caf\ufffd au lait"
        r.encoding = "latin-1"  # after text was read: decoded again, as in requests
        assert r.encoding == "iso8859-1" and r.text == "café au lait"
        r.encoding = None
        assert r.text == "caf\ufffd au lait"
        with pytest.raises(LookupError):
            r.encoding = "no-such-codec"
        with c.stream("GET", server.url) as s:
            s.encoding = "cp1252"
            assert "".join(s.iter_text()) == "café au lait"


def test_default_encoding(scripted: Start, make_client: Make) -> None:
    server = scripted(fixed("200 OK", LATIN, "Content-Type: text/plain"))
    typed = scripted(fixed("200 OK", "café".encode(), "Content-Type: text/plain; charset=utf-8"))
    as_json = scripted(fixed("200 OK", '{"a": "é"}'.encode(), "Content-Type: application/json"))
    with make_client(default_encoding="latin-1") as c:
        assert c.get(server.url).text == "café au lait"
        assert c.get(typed.url).text == "café"  # a charset wins
        assert c.get(as_json.url).text == '{"a": "é"}'  # JSON is UTF-8 (RFC 8259)
    seen: list[bytes] = []

    def detect(body: bytes) -> str:
        seen.append(body)
        return "latin-1"

    with make_client(default_encoding=detect) as c:
        r = c.get(server.url)
        assert r.text == "café au lait" and r.text == "café au lait" and seen == [LATIN]
        with c.stream("GET", server.url) as s:
            assert "".join(s.iter_text()) == "café au lait" and seen[-1] == LATIN
        copy = pickle.loads(pickle.dumps(r))  # the detector stays behind, its answer not
        assert copy.text == "café au lait"


def test_num_bytes_downloaded(scripted: Start, make_client: Make) -> None:
    data = gzip.compress(os.urandom(200_000))
    server = scripted(answer(head("200 OK", "Content-Encoding: gzip", length=len(data))
                             + data[:1000], data[1000:], pause=0.05))
    with make_client() as c:
        assert c.get(server.url).num_bytes_downloaded == len(data)
        with c.stream("GET", server.url) as r:
            assert r.num_bytes_downloaded == 0
            pieces = r.iter_raw()
            first = next(pieces)
            assert r.num_bytes_downloaded == len(first) < len(data)
            assert len(first) + sum(map(len, pieces)) == r.num_bytes_downloaded == len(data)


def test_links(scripted: Start, make_client: Make) -> None:
    link = ('<https://api.github.com/user/repos?page=2>; rel="next", '
            '<https://api.github.com/user/repos?page=5>; rel="last"')
    server = scripted(fixed("200 OK", b"[]", f"Link: {link}"))
    r = request_via(make_client, "GET", server.url)
    assert r.links["next"] == {"url": "https://api.github.com/user/repos?page=2", "rel": "next"}
    assert r.links["last"]["url"].endswith("page=5")
    assert restwell.Response(200).links == {}


def test_hand_built_responses() -> None:
    r = restwell.Response(201, json={"id": 1})
    assert r.json() == {"id": 1} and r.headers["content-type"] == "application/json"
    assert restwell.Response(200, text="hé").content == "hé".encode()
    with pytest.raises(restwell.HTTPStatusError, match=r"^404 Not Found \(client error\)$"):
        restwell.Response(404).raise_for_status()
    with pytest.raises(RuntimeError, match="without a request"):
        restwell.Response(200).url  # noqa: B018


def test_url_headers_and_request_pickle(tmp_path: pathlib.Path) -> None:
    url = restwell.URL("https://user:pw@example.com:8443/a%20b/c?x=1&y=%C3%A9#frag")
    again = pickle.loads(pickle.dumps(url))
    assert again == url and str(again) == str(url) and again.origin == url.origin
    headers = restwell.Headers([("A", "1"), ("a", "2"), ("B", "x")])
    assert pickle.loads(pickle.dumps(headers)).get_list("a") == ["1", "2"]
    request = restwell.Request("POST", url, json={"k": "v"}, headers={"X-Key": "1"})
    copy = pickle.loads(pickle.dumps(request))
    assert (copy.method, copy.url, copy.content) == ("POST", url, b'{"k":"v"}')
    assert copy.headers["x-key"] == "1"
    path = tmp_path / "upload.bin"
    path.write_bytes(b"data")
    with path.open("rb") as file:
        streamed = pickle.loads(pickle.dumps(restwell.Request("PUT", url, content=file)))
    assert streamed.headers["content-length"] == "4"
    with pytest.raises(restwell.StreamConsumed):
        streamed.content  # noqa: B018


def test_responses_pickle(scripted: Start, make_client: Make) -> None:
    body = json.dumps({"id": 7}).encode()
    server = scripted(fixed("200 OK", body, "Content-Type: application/json", "X-A: 1"))
    with make_client() as c:
        r = c.get(server.url + "/x?q=1")
        copy = pickle.loads(pickle.dumps(r))
        assert (copy.status_code, copy.json(), copy.headers["x-a"]) == (200, {"id": 7}, "1")
        assert copy.url == r.url and copy.request.method == "GET" and copy.is_closed
        assert copy.reason_phrase == "OK" and copy.num_bytes_downloaded == len(body)
        with c.stream("GET", server.url) as s:
            with pytest.raises(restwell.ResponseNotRead, match="cannot pickle"):
                pickle.dumps(s._response if hasattr(s, "_response") else s)
            s.read()
            assert pickle.loads(pickle.dumps(getattr(s, "_response", s))).json() == {"id": 7}
        with c.stream("GET", server.url) as s:
            pass
        closed = pickle.loads(pickle.dumps(getattr(s, "_response", s)))
        with pytest.raises(restwell.StreamClosed):
            closed.content  # noqa: B018


def test_a_chunk_size_below_one_is_refused_not_a_hang() -> None:
    r = restwell.Response(200, content=b"abc")
    with pytest.raises(ValueError, match="chunk_size"):
        list(r.iter_bytes(chunk_size=0))
    assert list(r.iter_bytes(chunk_size=2)) == [b"ab", b"c"]


def test_a_streamed_error_that_was_not_read_says_so(scripted: Start, make_client: Make) -> None:
    server = scripted(fixed("404 Not Found", b'{"message": "no such repo"}',
                            "Content-Type: application/json"))
    with make_client() as c, c.stream("GET", server.url) as r:
        assert status_error(r).endswith("the streamed body was not read (read() it first "
                                        "for the server's explanation)")
        r.read()
        assert status_error(r).endswith(": no such repo")
