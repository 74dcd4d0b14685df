"""The protocol layer: bytes in, state out; and the same bytes through h11 agree."""

from __future__ import annotations

import h11
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from restwell import Headers, IncompleteBodyError, LocalProtocolError, RemoteProtocolError
from restwell._models._headers import check_method
from restwell._protocol._http11 import ResponseParser, encode_head


def parse(data: bytes, head: bool = False, split: int = 0, eof: bool = True) -> ResponseParser:
    p = ResponseParser(head)
    pieces = [data] if not split else [data[i:i + split] for i in range(0, len(data), split)]
    for piece in pieces:
        p.feed(piece)
        if p.complete:
            break
    if eof and not p.complete:
        p.feed_eof()
    return p


def test_simple() -> None:
    p = parse(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX: y\r\n\r\nhello", split=3)
    assert (p.status, p.reason, p.complete, p.keep_alive) == (200, b"OK", True, True)
    assert p.take_body() == b"hello"
    assert p.raw_headers == [(b"Content-Length", b"5"), (b"X", b"y")]


def test_head_response_has_no_body() -> None:
    p = parse(b"HTTP/1.1 200 OK\r\nContent-Length: 500\r\n\r\n", head=True, eof=False)
    assert p.complete and p.keep_alive and p.take_body() == b""


def test_bytes_after_head_response_poison_the_connection() -> None:
    p = parse(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello", head=True)
    assert p.complete and not p.keep_alive


def test_interim_responses_skipped_and_bounded() -> None:
    p = parse(b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 103 Early\r\nLink: x\r\n\r\n"
              b"HTTP/1.1 201 Created\r\nContent-Length: 0\r\n\r\n")
    assert p.status == 201 and p.interim == 2 and p.raw_headers == [(b"Content-Length", b"0")]
    with pytest.raises(RemoteProtocolError, match="1xx"):
        parse(b"HTTP/1.1 100 Continue\r\n\r\n" * 50)


def test_body_until_close() -> None:
    p = parse(b"HTTP/1.0 200 OK\r\n\r\nabc")
    assert p.complete and not p.keep_alive and p.take_body() == b"abc"
    assert p.http_version == "HTTP/1.0"


def test_connection_close() -> None:
    p = parse(b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 1\r\n\r\na")
    assert p.complete and not p.keep_alive


@pytest.mark.parametrize("status", [204, 304])
def test_no_body_statuses(status: int) -> None:
    p = parse(f"HTTP/1.1 {status} X\r\nContent-Length: 10\r\n\r\n".encode(), eof=False)
    assert p.complete and p.keep_alive


def test_truncated_body_is_an_error() -> None:
    with pytest.raises(IncompleteBodyError, match="12 of 22"):
        parse(b"HTTP/1.1 200 OK\r\nContent-Length: 22\r\n\r\n" + b"x" * 12)
    with pytest.raises(IncompleteBodyError, match="chunked"):
        parse(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhel")


@pytest.mark.parametrize(
    "data",
    [
        b"HTTP/1.1 200 OK\r\nContent-Length: 16\r\nContent-Length: 32\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nTransfer-Encoding: chunked\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhelloXX0\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: a\rb\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nX: a\x00b\r\n\r\n",
        b"HTTP/1.1 200 OK\nX: a\n\n",
        "HTTP/1.1 200 OK\r\nContent-Length: \u0661\u0662\r\n\r\n".encode(),
        b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n",
        b"HTTP/1.1 2000 OK\r\n\r\n",
        b"HTTP/9.1 200 OK\r\n\r\n",
        b"garbage\r\n\r\n",
        b"HTTP/1.1 200 OK\r\nno colon here\r\n\r\n",
    ],
)
def test_strict_rejections(data: bytes) -> None:
    with pytest.raises(RemoteProtocolError):
        parse(data)


def test_head_size_bounded() -> None:
    p = ResponseParser(False, max_head=1024)
    with pytest.raises(RemoteProtocolError, match="larger than 1024"):
        p.feed(b"HTTP/1.1 200 OK\r\nX: " + b"a" * 2000)
    with pytest.raises(RemoteProtocolError, match="more than 5 header"):
        ResponseParser(False, max_count=5).feed(b"HTTP/1.1 200 OK\r\n" + b"X: 1\r\n" * 6 + b"\r\n")


def test_trailers_are_checked_but_not_kept() -> None:
    p = ResponseParser(False, max_count=5)
    p.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n")
    p.feed(b"T: x\r\n" * 10_000 + b"\r\n")  # beyond the head's count: nothing is stored
    assert p.complete and p.keep_alive and p.take_body() == b"a"
    assert p.raw_headers == [(b"Transfer-Encoding", b"chunked")]
    bad = ResponseParser(False)
    bad.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n")
    with pytest.raises(RemoteProtocolError, match="malformed"):
        bad.feed(b"T\x01: x\r\n\r\n")  # llhttp still validates what it drops


def test_endless_trailers_and_framing_are_bounded() -> None:
    """Fault 19: trailers (or chunk framing) that never end are an error, not a hang."""
    p = ResponseParser(False)
    p.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n1\r\na\r\n0\r\n")
    with pytest.raises(RemoteProtocolError, match="trailers are far larger"):
        for _ in range(1000):
            p.feed(b"T: x\r\n" * 1000)
    p = ResponseParser(False)  # many one-byte chunks are fine: framing stays near the body
    p.feed(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
    p.feed(b"1\r\na\r\n" * 200_000 + b"0\r\n\r\n")
    assert p.complete and len(p.take_body()) == 200_000


def test_extra_response_after_complete_drops_keep_alive() -> None:
    p = parse(b"HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\n\r\n")
    assert p.complete and not p.keep_alive and p.take_body() == b"a"


def test_request_head() -> None:
    head = encode_head("POST", "/x?y=1", Headers([("Host", "h"), ("Content-Length", "2")]))
    assert head == b"POST /x?y=1 HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\n\r\n"


@pytest.mark.parametrize("method", ["GET / HTTP/1.1\r\nHost: x\r\n\r\nGET", "G T", "GET\x00", ""])
def test_method_injection_rejected(method: str) -> None:
    with pytest.raises(LocalProtocolError):
        check_method(method)


# -- differential: our parser and h11 must agree on well-formed responses ----------------------

def _h11_parse(data: bytes, head: bool) -> tuple[int, list[tuple[bytes, bytes]], bytes, bool]:
    conn = h11.Connection(h11.CLIENT)
    conn.send(h11.Request(method="HEAD" if head else "GET", target="/",
                          headers=[("Host", "h")]))
    conn.send(h11.EndOfMessage())
    conn.receive_data(data)
    conn.receive_data(b"")
    status, headers, body = 0, [], b""
    while True:
        event = conn.next_event()
        if isinstance(event, h11.Response):
            status = event.status_code
            headers = [(n, v) for n, v in event.headers.raw_items()]
        elif isinstance(event, h11.Data):
            body += event.data
        elif event is h11.NEED_DATA or isinstance(event, (h11.EndOfMessage, h11.ConnectionClosed)):
            break
    return status, headers, body, conn.their_state is not h11.MUST_CLOSE


_token = st.text(alphabet="abcdefghijklmnopqrstuvwxyz-", min_size=1, max_size=10).filter(
    lambda s: s not in ("content-length", "transfer-encoding", "connection"))
_value = st.text(alphabet="abcdefghijklmnopqrstuvwxyz0123456789 ,;=/", max_size=20).map(str.strip)


@settings(max_examples=300, deadline=None)
@given(
    status=st.integers(200, 599),
    headers=st.lists(st.tuples(_token, _value), max_size=6),
    body=st.binary(max_size=300),
    framing=st.sampled_from(["length", "chunked", "close"]),
    keep=st.booleans(),
    head=st.booleans(),
    split=st.integers(1, 50),
)
def test_differential_h11(status: int, headers: list[tuple[str, str]], body: bytes,
                          framing: str, keep: bool, head: bool, split: int) -> None:
    if status in (204, 304):
        body = b""
    lines = [f"HTTP/1.1 {status} Whatever"]
    lines += [f"{n}: {v}" for n, v in headers]
    if framing == "length":
        lines.append(f"Content-Length: {len(body)}")
        payload = body
    elif framing == "chunked":
        lines.append("Transfer-Encoding: chunked")
        payload = (f"{len(body):x}\r\n".encode() + body + b"\r\n" if body else b"") + b"0\r\n\r\n"
    else:
        payload = body
    if not keep:
        lines.append("Connection: close")
    if status in (204, 304) or head:
        payload = b""
    data = ("\r\n".join(lines) + "\r\n\r\n").encode() + payload
    ours = parse(data, head=head, split=split)
    theirs = _h11_parse(data, head)
    assert ours.status == theirs[0]
    lower = [(n.lower(), v) for n, v in theirs[1]]
    assert [(n.lower(), v) for n, v in ours.raw_headers] == lower
    assert ours.take_body() == theirs[2]
    if framing != "close" or head or status in (204, 304):
        assert ours.keep_alive == (keep and theirs[3])


def test_one_parser_reads_the_responses_of_a_connection_in_turn() -> None:
    p = ResponseParser(False)
    llhttp = p._parser
    p.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nhi")
    assert p.complete and p.keep_alive and p.take_body() == b"hi"
    p.start(False)
    assert not p.complete and p.status == 0 and p.received == 0
    p.feed(b"HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n")
    assert p.status == 201 and p.complete and p.keep_alive and p.take_body() == b"abc"
    assert p._parser is llhttp  # kept: making one per response costs more than the parsing


def test_a_head_response_leaves_llhttp_mid_message_so_the_next_gets_a_new_one() -> None:
    p = ResponseParser(True)
    p.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n")
    assert p.complete and p.keep_alive
    p.start(False)
    p.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
    assert p.complete and p.take_body() == b"ok"


def test_part_of_a_second_response_in_the_same_read_spoils_the_connection() -> None:
    p = ResponseParser(False)
    p.feed(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nokHTTP/1.1 200 OK\r\nX-")
    assert p.complete and p.take_body() == b"ok"
    assert not p.keep_alive  # the next request would read the rest of that head


def test_close_drops_llhttp_and_the_reference_cycle() -> None:
    p = ResponseParser(False)
    p.close()
    assert p._parser is None
