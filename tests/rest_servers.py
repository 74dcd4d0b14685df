"""Scripted REST servers for the toolkit's tests: a function of the request (method, target,
headers) answers each one on a keep-alive connection. Built on ``servers.ScriptedServer``."""

from __future__ import annotations

import socket
import typing

from servers import ScriptedServer, read_request

Answer = tuple[int, list[tuple[str, str]], bytes]
Route = typing.Callable[[str, str, dict[str, str]], Answer]
_REASONS = {200: "OK", 206: "Partial Content", 400: "Bad Request", 401: "Unauthorized",
            404: "Not Found", 409: "Conflict", 416: "Range Not Satisfiable",
            418: "I'm a Teapot", 422: "Unprocessable Entity", 429: "Too Many Requests",
            500: "Internal Server Error", 502: "Bad Gateway", 503: "Service Unavailable"}


def parse(raw: bytes) -> tuple[str, str, dict[str, str]]:
    """The method, target and (lower-cased) fields of a raw request."""
    head = raw.split(b"\r\n\r\n", 1)[0].decode("latin-1").split("\r\n")
    method, target, _ = head[0].split(" ", 2)
    fields = {}
    for line in head[1:]:
        name, _, value = line.partition(":")
        fields[name.strip().lower()] = value.strip()
    return method, target, fields


def encode(status: int, fields: list[tuple[str, str]], body: bytes) -> bytes:
    lines = [f"HTTP/1.1 {status} {_REASONS.get(status, 'Other')}",
             *(f"{n}: {v}" for n, v in fields)]
    if not any(n.lower() == "content-length" for n, _ in fields):
        lines.append(f"Content-Length: {len(body)}")
    return ("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body


def rest_server(route: Route) -> ScriptedServer:
    """A server answering each request with ``route(method, target, fields)``; it records
    the targets asked for in ``server.targets`` and their fields in ``server.fields``."""
    targets: list[str] = []
    seen: list[dict[str, str]] = []

    def handler(conn: socket.socket, index: int) -> None:
        while True:
            raw = read_request(conn)
            if not raw:
                return
            method, target, fields = parse(raw)
            targets.append(target)
            seen.append(fields)
            conn.sendall(encode(*route(method, target, fields)))

    server = ScriptedServer(handler)
    server.targets = targets  # type: ignore[attr-defined]
    server.fields = seen  # type: ignore[attr-defined]
    return server
