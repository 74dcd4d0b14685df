"""The floor: a bare blocking-socket loop over httptools, the least any Python client does.

Not a client: no pool, no timeouts, no redirects, no header checks, no idle check before
reusing its one connection, no error mapping. It sends a fixed request head and reads the
reply with httptools on a plain (or ssl-wrapped) blocking socket, then decodes the JSON with
msgspec (the stdlib when that is missing). It runs beside the peers so every run
shows two things the peers' figures alone cannot: how far restwell's layers sit above the
floor, and whether the floor itself leads the fastest peer. Where even the floor only draws
with a peer, no Python client can lead it robustly (docs/performance.md).
"""

from __future__ import annotations

import json
import socket
import typing
import urllib.parse

import httptools

Op = typing.Callable[[], object]


def _codec() -> tuple[typing.Callable[[bytes], typing.Any], typing.Callable[[object], bytes]]:
    """The fastest JSON decoder and encoder at hand: msgspec's, else the stdlib's."""
    try:
        import msgspec
    except ImportError:
        return json.loads, lambda value: json.dumps(value, separators=(",", ":")).encode()
    return msgspec.json.Decoder().decode, msgspec.json.encode


class _Reply:
    """httptools' callbacks: the body's chunks, and whether the response is whole."""

    __slots__ = ("body", "done")

    def __init__(self) -> None:
        self.body: list[bytes] = []
        self.done = False

    def on_body(self, chunk: bytes) -> None:
        self.body.append(chunk)

    def on_message_complete(self) -> None:
        self.done = True


class FloorConnection:
    """One socket to the URL's origin; ``exchange`` sends a head (and body), returns the body."""

    def __init__(self, url: str, ca: str) -> None:
        parts = urllib.parse.urlsplit(url)
        self.tls = parts.scheme == "https"
        self.host, self.port = parts.hostname or "", parts.port or (443 if self.tls else 80)
        self.target = parts.path or "/"
        self.sock: typing.Any = None
        self.context: typing.Any = None
        if self.tls:  # one context for every connection, as any client keeps it
            import ssl

            self.context = ssl.create_default_context(cafile=ca)

    def open(self) -> None:
        sock = socket.create_connection((self.host, self.port))
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if self.context is not None:
            sock = self.context.wrap_socket(sock, server_hostname=self.host)
        self.sock = sock

    def head(self, method: str, fields: str = "") -> bytes:
        return (f"{method} {self.target} HTTP/1.1\r\nHost: {self.host}:{self.port}\r\n"
                f"User-Agent: floor\r\nAccept: */*\r\n{fields}\r\n").encode()

    def exchange(self, data: bytes) -> bytes:
        sock = self.sock
        sock.sendall(data)
        reply = _Reply()
        parser = httptools.HttpResponseParser(reply)
        recv = sock.recv
        while not reply.done:
            chunk = recv(65536)
            if not chunk:
                raise ConnectionError(f"{self.host}:{self.port} closed mid-response")
            parser.feed_data(chunk)
        return b"".join(reply.body)


def get_json(url: str, ca: str) -> Op:
    conn = FloorConnection(url, ca)
    conn.open()
    head, exchange, loads = conn.head("GET"), conn.exchange, _codec()[0]
    return lambda: loads(exchange(head))


def post_json(url: str, ca: str, payload: object) -> Op:
    conn = FloorConnection(url, ca)
    conn.open()
    exchange, dumps = conn.exchange, _codec()[1]

    def op() -> bytes:
        body = dumps(payload)
        fields = f"Content-Type: application/json\r\nContent-Length: {len(body)}\r\n"
        return exchange(conn.head("POST", fields) + body)

    return op


def new_conn_get(url: str, ca: str) -> Op:
    conn = FloorConnection(url, ca)
    head, loads = conn.head("GET", "Connection: close\r\n"), _codec()[0]

    def op() -> object:
        conn.open()
        try:
            return loads(conn.exchange(head))
        finally:
            conn.sock.close()

    return op
