"""Server-Sent Events: the WHATWG parser by table, any chunking of a stream giving the same
events, ``iter_sse()`` and ``client.sse()`` through both clients against a scripted server
(the stream written in small pieces), and one real SSE server (sse-starlette on uvicorn)."""

from __future__ import annotations

import itertools
import socket
import time
import typing

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

import restwell
from both import Make
from restwell import ServerSentEvent as E
from restwell._models._bodies import LineSplitter
from restwell._models._sse import SSEParser
from servers import ScriptedServer, read_request

Start = typing.Callable[[typing.Callable[[socket.socket, int], None]], ScriptedServer]


def parse(text: str) -> list[E]:
    lines = LineSplitter()
    parser = SSEParser()
    found = [parser.feed(line) for line in [*lines.feed(text), *lines.flush()]]
    return [event for event in found if event is not None]


CASES = [
    ("data: a\n\n", [E(data="a")]),
    ("data: a\ndata: b\n\n", [E(data="a\nb")]),
    ("data:a\n\n", [E(data="a")]),  # no space after the colon
    ("data:  a\n\n", [E(data=" a")]),  # one space removed, only one
    ("event: add\ndata: 1\n\n", [E("add", "1")]),
    ("event: add\n\ndata: 2\n\n", [E(data="2")]),  # no data: nothing dispatched, type reset
    (": a comment\ndata: x\n\n", [E(data="x")]),
    (":\n\n", []),
    ("data\n\n", [E(data="")]),  # a field without a colon: an empty value
    ("data\ndata\n\n", [E(data="\n")]),
    ("data:\n\n", [E(data="")]),
    ("\n\n\n", []),
    ("id: 1\ndata: a\n\ndata: b\n\n", [E(data="a", id="1"), E(data="b", id="1")]),
    ("id: 1\ndata: a\n\nid\ndata: b\n\n", [E(data="a", id="1"), E(data="b", id="")]),
    ("id: 1\ndata: a\n\nid: 2\0x\ndata: b\n\n", [E(data="a", id="1"), E(data="b", id="1")]),
    ("retry: 1500\ndata: a\n\n", [E(data="a", retry=1500)]),
    ("retry: 15x\ndata: a\n\n", [E(data="a")]),
    ("retry: -1\ndata: a\n\n", [E(data="a")]),
    ("retry:\ndata: a\n\n", [E(data="a")]),
    ("retry: \u0661\ndata: a\n\n", [E(data="a")]),  # (a non-ASCII digit)
    ("\ufeffdata: a\n\n", [E(data="a")]),
    ("\ufeffdata: a\n\n\ufeffdata: b\n\n", [E(data="a")]),  # a BOM only at the very start
    ("data: a\r\rdata: b\r\n\r\n", [E(data="a"), E(data="b")]),
    ("data: a\n", []),  # the stream ended before the blank line: dropped
    ("dat: a\nDATA: b\ndata: c\n\n", [E(data="c")]),  # unknown fields ignored
    ("data: a:b\n\n", [E(data="a:b")]),
    ("data: {\"x\": 1}\n\n", [E(data='{"x": 1}')]),
    ("data: x\u2028y\n\n", [E(data="x\u2028y")]),  # not a line break
]


@pytest.mark.parametrize(("text", "events"), CASES)
def test_the_parser_follows_the_whatwg_rules(text: str, events: list[E]) -> None:
    assert parse(text) == events


def test_an_event_parses_its_data_as_json() -> None:
    assert E(data='{"a": [1, 2]}').json() == {"a": [1, 2]}


field = st.sampled_from(["data", "event", "id", "retry", "other", ""])
value = st.text(st.characters(codec="utf-8", exclude_characters="\r\n"), max_size=8)
line = st.one_of(
    st.builds(lambda n, v: f"{n}:{v}", field, value),
    st.builds(lambda n, v: f"{n}: {v}", field, value),
    st.sampled_from(["", "", "data", ":comment", "retry: 20", "id: 7"]),
)
ending = st.sampled_from(["\n", "\r", "\r\n"])


class Chunks:
    def __init__(self, chunks: list[bytes]) -> None:
        self._chunks = chunks

    def __iter__(self) -> typing.Iterator[bytes]:
        return iter(self._chunks)

    def close(self) -> None:
        pass


@settings(max_examples=200, deadline=None)
@given(st.data())
def test_any_chunking_of_a_stream_gives_the_same_events(data: st.DataObject) -> None:
    lines = data.draw(st.lists(st.tuples(line, ending), max_size=20))
    text = "".join(a + b for a, b in lines)
    body = ("\ufeff" if data.draw(st.booleans()) else "").encode() + text.encode()
    points = sorted(data.draw(st.lists(st.integers(0, len(body)), max_size=12)))
    bounds = [0, *points, len(body)]
    r = restwell.Response(200, headers={"Content-Type": "text/event-stream"},
                          stream=Chunks([body[a:b] for a, b in itertools.pairwise(bounds)]))
    assert list(r.iter_sse()) == parse(body.decode())


# -- through both clients, a scripted server ---------------------------------------------------

STREAM = (b"\xef\xbb\xbf: hello\r\n"
          b"retry: 200\r\nid: 1\r\nevent: add\r\ndata: {\"n\": 1}\r\n\r\n"
          b"data: line one\rdata: line two\r\r"
          b"id: 2\ndata: caf\xc3\xa9\n\n"
          b"data: unfinished\n")


def sse_server(scripted: Start, content_type: str = "text/event-stream",
               status: str = "200 OK") -> ScriptedServer:
    def handler(conn: socket.socket, index: int) -> None:
        conn.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        server.requests.append(read_request(conn))
        conn.sendall(f"HTTP/1.1 {status}\r\nContent-Type: {content_type}\r\n"
                     "Connection: close\r\n\r\n".encode())
        for start in range(0, len(STREAM), 7):  # small pieces, each flushed
            conn.sendall(STREAM[start:start + 7])
            time.sleep(0.002)

    server = scripted(handler)
    server.requests = []  # type: ignore[attr-defined]
    return server


EXPECTED = [E("add", '{"n": 1}', "1", 200), E(data="line one\nline two", id="1"),
            E(data="caf\u00e9", id="2")]


def test_client_sse_iterates_the_events(scripted: Start, make_client: Make) -> None:
    server = sse_server(scripted)
    with make_client() as client, client.sse(server.url + "/events") as events:
        got = list(events)
    assert got == EXPECTED
    assert got[0].json() == {"n": 1}
    head = server.requests[0].lower()  # type: ignore[attr-defined]
    assert head.startswith(b"get /events ")
    assert b"accept: text/event-stream\r\n" in head
    assert b"cache-control: no-store\r\n" in head


def test_iter_sse_on_a_streamed_response(scripted: Start, make_client: Make) -> None:
    server = sse_server(scripted, "text/event-stream; charset=latin-1")  # (always UTF-8)
    with make_client() as client, client.stream("GET", server.url) as response:
        assert list(response.iter_sse()) == EXPECTED


def test_breaking_out_closes_the_stream(scripted: Start, make_client: Make) -> None:
    server = sse_server(scripted)
    with make_client() as client:
        with client.sse(server.url) as events:
            for event in events:
                assert event.event == "add"
                break
        with client.sse(server.url) as events:  # the client goes on
            assert len(list(events)) == 3


def test_another_content_type_is_a_clear_error(scripted: Start, make_client: Make) -> None:
    server = sse_server(scripted, "text/html")
    with make_client() as client, pytest.raises(restwell.RemoteProtocolError) as caught, \
            client.sse(server.url + "/page"):
        pass
    assert "text/event-stream" in str(caught.value)
    assert "'text/html'" in str(caught.value)
    assert f"{server.url}/page" in str(caught.value)


def test_an_error_status_raises_its_status_error(scripted: Start, make_client: Make) -> None:
    server = sse_server(scripted, "text/plain", "404 Not Found")
    with make_client() as client, pytest.raises(restwell.NotFound), client.sse(server.url):
        pass


def test_the_callers_headers_win(scripted: Start, make_client: Make) -> None:
    server = sse_server(scripted)
    with make_client() as client, client.sse(
            server.url, method="POST", json={"q": 1},
            headers={"Accept": "text/event-stream, */*;q=0.1"}) as events:
        assert len(list(events)) == 3
    head = server.requests[0].lower()  # type: ignore[attr-defined]
    assert head.startswith(b"post / ")
    assert b"accept: text/event-stream, */*;q=0.1\r\n" in head


# -- a real SSE server: sse-starlette on uvicorn ----------------------------------------------

@pytest.fixture(scope="module")
def starlette_sse() -> typing.Iterator[str]:
    """sse-starlette's EventSourceResponse on uvicorn, on a free port of 127.0.0.1 (a missing
    package fails the run: both are in the test extra)."""
    import threading

    import uvicorn
    from sse_starlette.sse import EventSourceResponse, ServerSentEvent
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.routing import Route

    async def events(request: Request) -> EventSourceResponse:
        async def source() -> typing.AsyncIterator[ServerSentEvent]:
            for n in range(3):
                yield ServerSentEvent(data=f"tick {n}\nsecond line", event="tick", id=str(n))
            yield ServerSentEvent(data=request.headers.get("accept", ""), retry=1500)

        return EventSourceResponse(source(), ping=60)

    app = Starlette(routes=[Route("/events", events)])
    sock = socket.create_server(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, log_level="warning", lifespan="off"))
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, daemon=True)
    thread.start()
    deadline = time.monotonic() + 10
    while not server.started:
        assert time.monotonic() < deadline, "uvicorn did not start"
        time.sleep(0.01)
    yield f"http://127.0.0.1:{port}"
    server.should_exit = True
    thread.join(5)
    sock.close()


def test_a_real_sse_server(starlette_sse: str, make_client: Make) -> None:
    with make_client() as client, client.sse(starlette_sse + "/events") as events:
        got = list(events)
    assert got == [
        *(E("tick", f"tick {n}\nsecond line", str(n)) for n in range(3)),
        E(data="text/event-stream", id="2", retry=1500),
    ]
