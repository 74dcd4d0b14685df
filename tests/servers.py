"""Servers the tests talk to, all on 127.0.0.1 with a port from the OS.

- ``ScriptedServer``: a raw-socket server whose per-connection handler writes whatever bytes a
  fault needs (close mid-body, stall, malformed framing...). It records what it received.
- ``AppServer``: a small keep-alive HTTP/1.1 app on h11 (a test-only dependency) with routes
  for behaviour tests; it counts connections so tests can see reuse.
"""

from __future__ import annotations

import gzip
import json
import socket
import threading
import time
import typing
import urllib.parse
import zlib

import h11

Handler = typing.Callable[[socket.socket, int], None]


class ScriptedServer:
    """``uds=path``: listens on a Unix domain socket at that path instead (``url`` is then
    ``http://localhost``, a host the client never resolves over a socket path)."""

    def __init__(self, handler: Handler, uds: str | None = None) -> None:
        self.handler = handler
        if uds is None:
            self.sock = socket.create_server(("127.0.0.1", 0))
            self.port = self.sock.getsockname()[1]
            self.url = f"http://127.0.0.1:{self.port}"
        else:
            self.sock = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
            self.sock.bind(uds)
            self.sock.listen(64)
            self.port = 0
            self.url = "http://localhost"
        self.uds = uds
        self.peers: list[typing.Any] = []  # each connection's peer address, in order
        self.connections = 0
        self.received: list[bytes] = []
        self._stop = False
        self._threads: list[threading.Thread] = []
        self._clients: list[socket.socket] = []
        self.sock.settimeout(0.1)
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        while not self._stop:
            try:
                conn, _ = self.sock.accept()
            except TimeoutError:
                continue
            except OSError:
                return
            index = self.connections
            self.peers.append(conn.getpeername())
            self.connections += 1
            self._clients.append(conn)
            thread = threading.Thread(target=self._run, args=(conn, index), daemon=True)
            thread.start()
            self._threads.append(thread)

    def _run(self, conn: socket.socket, index: int) -> None:
        conn.settimeout(10)
        try:
            self.handler(conn, index)
        except OSError:
            pass
        finally:
            conn.close()

    def close(self) -> None:
        self._stop = True
        self.sock.close()
        for conn in self._clients:
            try:
                conn.close()
            except OSError:
                pass
        self._thread.join(2)


def read_request(conn: socket.socket, server: ScriptedServer | None = None) -> bytes:
    """Read one request (head and Content-Length or chunked body); b'' on EOF."""
    data = b""
    while b"\r\n\r\n" not in data:
        chunk = conn.recv(65536)
        if not chunk:
            return b""
        data += chunk
    head, _, rest = data.partition(b"\r\n\r\n")
    lower = head.lower()
    if b"content-length:" in lower:
        length = int(lower.split(b"content-length:")[1].split(b"\r\n")[0])
        while len(rest) < length:
            chunk = conn.recv(65536)
            if not chunk:
                break
            rest += chunk
    elif b"transfer-encoding: chunked" in lower:
        while not rest.endswith(b"0\r\n\r\n"):
            chunk = conn.recv(65536)
            if not chunk:
                break
            rest += chunk
    raw = head + b"\r\n\r\n" + rest
    if server is not None:
        server.received.append(raw)
    return raw


class AppServer:
    """Keep-alive HTTP/1.1 app for behaviour tests."""

    def __init__(self) -> None:
        self.server = ScriptedServer(self._handle)
        self.url = self.server.url
        self.requests: list[dict[str, typing.Any]] = []

    @property
    def connections(self) -> int:
        return self.server.connections

    def close(self) -> None:
        self.server.close()

    def _handle(self, conn: socket.socket, index: int) -> None:
        h = h11.Connection(h11.SERVER, max_incomplete_event_size=1 << 20)
        while True:
            request, body = self._read(conn, h)
            if request is None:
                return
            status, headers, payload = self._route(request, body)
            if isinstance(payload, list):  # a streamed (chunked) body
                conn.sendall(h.send(h11.Response(status_code=status, headers=headers)))
                for piece in payload:
                    conn.sendall(h.send(h11.Data(data=piece)))
                conn.sendall(h.send(h11.EndOfMessage()))
            else:
                headers = [*headers, ("Content-Length", str(len(payload)))]
                conn.sendall(h.send(h11.Response(status_code=status, headers=headers)))
                if request.method != b"HEAD":
                    conn.sendall(h.send(h11.Data(data=payload)))
                conn.sendall(h.send(h11.EndOfMessage()))
            if h.our_state is h11.MUST_CLOSE:
                return
            h.start_next_cycle()

    def _read(self, conn: socket.socket, h: h11.Connection) -> tuple[typing.Any, bytes]:
        request = None
        body = b""
        while True:
            event = h.next_event()
            if event is h11.NEED_DATA:
                try:
                    data = conn.recv(65536)
                except OSError:
                    return None, b""
                h.receive_data(data)
                if not data and request is None:
                    return None, b""
                continue
            if isinstance(event, h11.Request):
                request = event
            elif isinstance(event, h11.Data):
                body += event.data
            elif isinstance(event, h11.EndOfMessage):
                return request, body
            elif isinstance(event, h11.ConnectionClosed):
                return None, b""

    @staticmethod
    def _encode(codings: str, size: int) -> bytes:
        data = b"restwell " * (size // 9) + b"x" * (size % 9)
        for coding in codings.split(","):
            if coding == "gzip":
                data = gzip.compress(data)
            elif coding == "deflate":
                data = zlib.compress(data)
            elif coding == "br":
                import brotli

                data = brotli.compress(data)
            elif coding == "zstd":
                from backports import zstd

                data = zstd.compress(data)
        return data

    def _route(
        self, request: h11.Request, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes | list[bytes]]:
        target = request.target.decode()
        path, _, query = target.partition("?")
        headers = [(n.decode(), v.decode("latin-1")) for n, v in request.headers]
        record = {"method": request.method.decode(), "target": target, "headers": headers,
                  "body": body.decode("latin-1")}
        self.requests.append(record)
        js = [("Content-Type", "application/json")]
        if path == "/echo":
            return 200, js, json.dumps(record).encode()
        if path == "/json":
            return 200, js, b'{"id": 1, "name": "restwell", "ok": true}'
        if path == "/gzip":
            return 200, [*js, ("Content-Encoding", "gzip")], gzip.compress(b'{"zipped": true}')
        if path == "/deflate":
            return 200, [*js, ("Content-Encoding", "deflate")], zlib.compress(b'{"d": 1}')
        if path.startswith("/status/"):
            code = int(path.rsplit("/", 1)[1])
            return code, js, json.dumps({"message": f"status {code} as asked"}).encode()
        if path == "/slow":
            time.sleep(float(query.partition("=")[2] or 1))
            return 200, [], b"slow"
        if path.startswith("/bytes/"):
            return 200, [("Content-Type", "application/octet-stream")], b"x" * int(
                path.rsplit("/", 1)[1])
        if path.startswith("/chunks/"):
            count = int(path.rsplit("/", 1)[1])
            return 200, [("Content-Type", "text/plain")], [f"line {i}\n".encode()
                                                           for i in range(count)]
        if path == "/latin1":
            return 200, [("Content-Type", "text/plain; charset=iso-8859-1")], "café".encode(
                "latin-1")
        if path.startswith("/coded/"):  # /coded/br,gzip?size=N: N bytes, encodings in order
            coded = self._encode(path.rsplit("/", 1)[1], int(query.partition("=")[2] or 1000))
            return 200, [("Content-Encoding", path.rsplit("/", 1)[1])], coded
        sets = [("Set-Cookie", c) for c in urllib.parse.parse_qs(query).get("c", [])]
        if path.startswith("/redirect/"):  # /redirect/302?to=<quoted Location>[&c=Set-Cookie]
            code = int(path.rsplit("/", 1)[1])
            to = urllib.parse.parse_qs(query).get("to", [""])[0]
            return code, [("Location", to), *sets], b"moved"
        if path.startswith("/cookies/"):  # /cookies/any/path?c=<Set-Cookie>&c=...
            return 200, [*js, *sets], json.dumps(record).encode()
        if path == "/close":
            return 200, [("Connection", "close")], b"bye"
        return 404, js, b'{"message": "Not Found"}'
