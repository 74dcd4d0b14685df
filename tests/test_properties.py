"""Properties and fuzzing (issue 6): URL round trips with any authority, no CTL byte on the
wire from any user input, the redirect-stripping rule over all origin pairs, bounded
decoding of any bytes, and a raw-response fuzzer against both clients over real sockets.

Budgets are small by default (the test command stays quick); ``RESTWELL_LONG=1`` multiplies
them by 20.
"""

from __future__ import annotations

import gzip
import os
import random
import socket
import time
import typing
import zlib

import brotli
import pytest
from backports import zstd
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import restwell
from both import Make
from restwell import URL, InvalidHeader, InvalidURL
from restwell._features._redirects import crosses_boundary, next_request
from restwell._models._decoders import decode_all
from restwell._protocol._http11 import encode_head
from servers import ScriptedServer, read_request

LONG = os.environ.get("RESTWELL_LONG") == "1"
pytestmark = pytest.mark.timeout(3600 if LONG else 120)  # the long budgets take minutes


def budget(examples: int) -> typing.Any:
    return settings(max_examples=examples * (20 if LONG else 1), deadline=None,
                    suppress_health_check=[HealthCheck.function_scoped_fixture,
                                           HealthCheck.too_slow])


# -- URLs ------------------------------------------------------------------------------------------

_text = st.text(alphabet=st.characters(codec="utf-8", exclude_categories=("Cs",)), max_size=12)
_hosts = st.one_of(
    st.sampled_from(["api.test", "127.0.0.1", "[::1]", "EXAMPLE.com", "xn--bcher-kva.test",
                     "bücher.test", "a-b.c", "localhost"]),
    _text,
)


@budget(400)
@given(scheme=st.sampled_from(["http", "https", "HTTP"]), userinfo=_text, host=_hosts,
       port=st.one_of(st.none(), st.integers(0, 70000), _text), path=_text, query=_text,
       fragment=_text)
def test_url_round_trip_with_any_authority(
    scheme: str, userinfo: str, host: str, port: typing.Any, path: str, query: str,
    fragment: str,
) -> None:
    """parse(str(parse(u))) == parse(u); the host a URL connects to never moves on a
    re-parse (CVE-2021-41945), and nothing unsafe is left in what goes on the wire."""
    authority = f"{userinfo}@{host}" if userinfo else host
    if port is not None:
        authority += f":{port}"
    raw = f"{scheme}://{authority}/{path}?{query}#{fragment}"
    try:
        url = URL(raw)
    except InvalidURL:
        return
    again = URL(str(url))
    assert str(again) == str(url)
    assert again.origin == url.origin and again.userinfo == url.userinfo
    assert again.target == url.target and again.fragment == url.fragment
    for part in (url.host, url.target, url.netloc):
        assert not any(ord(c) < 0x21 or ord(c) == 0x7F for c in part)


# -- no CTL reaches the wire -----------------------------------------------------------------------

_any = st.text(max_size=16)


@budget(400)
@given(method=_any, path=_any, header_name=_any, header_value=_any, param=_any,
       cookie=_any)
def test_no_ctl_byte_reaches_the_wire(
    method: str, path: str, header_name: str, header_value: str, param: str, cookie: str
) -> None:
    """Whatever a caller passes, the head either is refused with a restwell error (or the
    ValueError/TypeError it subclasses) or holds no CTL byte but the CRLFs between lines."""
    client = restwell.Client(base_url="http://api.test")
    try:
        request = client.build_request(
            method or "GET", "/" + path, headers={header_name or "X": header_value},
            params={param: param}, cookies={"c": cookie},
        )
    except (InvalidHeader, InvalidURL, ValueError, TypeError):
        return
    head = encode_head(request.method, request.url.target, request.headers)
    request_line, *fields = head.split(b"\r\n")
    assert fields[-2:] == [b"", b""]
    assert not _ctl(request_line), request_line
    for line in fields[:-2]:
        name, _, value = line.partition(b": ")
        # RFC 9110 §5.5 allows HTAB inside a field value; it cannot frame anything. Cookies
        # the caller gives may not hold one (RFC 6265), nor any other CTL.
        assert not _ctl(name) and not _ctl(value.replace(b"\t", b"")), line
        if name == b"Cookie":  # the only cookie: the field is it, blanks at the ends trimmed
            assert value == f"c={cookie}".strip(" \t").encode()


def _ctl(data: bytes) -> bool:
    return any(b < 0x20 or b == 0x7F for b in data)


# -- the redirect-stripping rule -------------------------------------------------------------------

_origins = st.tuples(st.sampled_from(["http", "https"]),
                     st.sampled_from(["a.test", "b.test", "sub.a.test", "A.TEST"]),
                     st.sampled_from([None, 80, 443, 8080]))
_SENSITIVE = ["Authorization", "authorization", "AUTHORIZATION", "Cookie", "cookie",
              "Proxy-Authorization", "PROXY-AUTHORIZATION"]


def _url(origin: tuple[str, str, int | None]) -> str:
    scheme, host, port = origin
    return f"{scheme}://{host}{'' if port is None else f':{port}'}/p"


@budget(300)
@given(old=_origins, new=_origins, names=st.lists(st.sampled_from(_SENSITIVE), min_size=1,
                                                  max_size=6),
       status=st.sampled_from([301, 302, 303, 307, 308]))
def test_redirect_rule_over_all_origin_pairs(
    old: tuple[str, str, int | None], new: tuple[str, str, int | None], names: list[str],
    status: int,
) -> None:
    a, b = URL(_url(old)), URL(_url(new))
    crosses = a.origin != b.origin or (a.scheme == "https" and b.scheme == "http")
    assert crosses_boundary(a, b) is crosses
    request = restwell.Request("GET", a, headers=[(n, "secret") for n in names])
    response = restwell.Response(status, headers={"Location": str(b)}, request=request)
    hop = next_request(request, response)
    left = [n for n, _ in hop.headers.multi_items()
            if n.lower() in ("authorization", "cookie", "proxy-authorization")]
    assert left == ([] if crosses else [n for n, _ in request.headers.multi_items()
                                        if n.lower() != "host"])


# -- bounded decoding ------------------------------------------------------------------------------

_CODERS: dict[str, typing.Callable[[bytes], bytes]] = {
    "gzip": gzip.compress, "deflate": zlib.compress, "br": brotli.compress,
    "zstd": zstd.compress,
}


@budget(300)
@given(coding=st.sampled_from(sorted(_CODERS)), payload=st.binary(max_size=3000),
       garbage=st.binary(max_size=40), cut=st.integers(0, 100), max_size=st.integers(0, 4000),
       mode=st.sampled_from(["valid", "garbage", "truncated", "appended"]))
def test_decoding_any_bytes_is_bounded(
    coding: str, payload: bytes, garbage: bytes, cut: int, max_size: int, mode: str
) -> None:
    """Any body under any coding decodes to at most max_size bytes, or raises DecodingError;
    never another exception and never more output."""
    data = _CODERS[coding](payload)
    data = {"valid": data, "garbage": garbage, "truncated": data[:cut],
            "appended": data + garbage}[mode]
    try:
        out = decode_all(data, coding, max_size)
    except restwell.DecodingError:
        return
    assert len(out) <= max_size
    if mode == "valid":
        assert out == payload


# -- the raw-response fuzzer -----------------------------------------------------------------------

_GOOD = [
    b"HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
    b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n0\r\n\r\n",
    b"HTTP/1.1 204 No Content\r\n\r\n",
    b"HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok",
    b"HTTP/1.0 200 OK\r\n\r\nuntil close",
    b"HTTP/1.1 304 Not Modified\r\nContent-Length: 10\r\n\r\n",
]


class Fuzzer:
    """Serves scripted byte streams, one per request on each connection (so keep-alive reuse
    meets the second), each split into pieces with tiny pauses."""

    def __init__(self) -> None:
        self.streams: list[list[tuple[bytes, list[int]]]] = []  # per connection, per request
        self.server = ScriptedServer(self._handle)

    def _handle(self, conn: socket.socket, index: int) -> None:
        for data, cuts in self.streams[index] if index < len(self.streams) else []:
            if not read_request(conn):
                return
            start = 0
            for cut in [*sorted(cuts), len(data)]:
                if cut > start:
                    conn.sendall(data[start:cut])
                    time.sleep(0.001)
                    start = cut
        time.sleep(0.05)  # then close: the client must not wait for more


def _mutate(draw: st.DrawFn, data: bytearray) -> bytes:
    for _ in range(draw(st.integers(0, 3))):  # mutations: flip, insert, delete
        if not data:
            break
        at = draw(st.integers(0, len(data) - 1))
        kind = draw(st.sampled_from(["flip", "insert", "delete"]))
        if kind == "flip":
            data[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            data[at:at] = draw(st.binary(min_size=1, max_size=8))
        else:
            del data[at]
    if draw(st.booleans()):
        data += draw(st.binary(max_size=20))
    return bytes(data)


@st.composite
def _response_streams(draw: st.DrawFn) -> list[tuple[bytes, list[int]]]:
    streams = []
    for _ in range(2):
        data = _mutate(draw, bytearray(draw(st.sampled_from(_GOOD))))
        streams.append((data, draw(st.lists(st.integers(0, len(data)), max_size=5))))
    return streams


@budget(40)
@given(streams=_response_streams())
def test_raw_response_fuzzer(
    make_client: Make, streams: list[tuple[bytes, list[int]]]
) -> None:
    """Random bytes at random boundaries, two requests per connection (keep-alive reuse):
    every call ends in a response or a restwell exception, within a second, and the pool is
    consistent after each."""
    fuzzer = Fuzzer()
    fuzzer.streams = [streams] * 3
    try:
        with make_client(timeout=restwell.Timeout(0.3, total=1.0)) as c:
            for _ in range(2):
                started = time.monotonic()
                try:
                    c.get(fuzzer.server.url).read()
                except restwell.RestwellError:
                    pass
                assert time.monotonic() - started < 1.5  # the 1 s deadline, and some slack
                stats = c._transport.pool.stats()
                assert stats["in_use"] == 0 and stats["total"] <= 1
    finally:
        fuzzer.server.close()


def test_fuzzer_corpus_smoke(make_client: Make) -> None:
    """A fixed seed over many byte streams, to keep the fuzzer honest between hypothesis
    runs: both outcomes (responses and restwell errors) must occur."""
    rng = random.Random(1234)
    fuzzer = Fuzzer()
    outcomes: set[str] = set()
    try:
        for _ in range(30 * (20 if LONG else 1)):
            pair = []
            for _ in range(2):
                data = bytearray(rng.choice(_GOOD))
                for _ in range(rng.randint(0, 2)):
                    data[rng.randrange(len(data))] = rng.randrange(256)
                pair.append((bytes(data), [rng.randrange(len(data)) for _ in range(3)]))
            fuzzer.streams.append(pair)
        with make_client(timeout=restwell.Timeout(0.3, total=1.0)) as c:
            for _ in range(len(fuzzer.streams)):
                try:
                    c.get(fuzzer.server.url).read()
                    outcomes.add("response")
                except restwell.RestwellError as exc:
                    outcomes.add(type(exc).__name__)
                assert c._transport.pool.stats()["in_use"] == 0
        assert "response" in outcomes and len(outcomes) > 1
    finally:
        fuzzer.server.close()
