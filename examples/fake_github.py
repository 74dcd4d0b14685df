"""A local stand-in for GitHub's ``POST /user/repos``, as the seed story meets it.

Without credentials it answers 401 *without* ``WWW-Authenticate`` (as GitHub does), so a
client that waits for a challenge never sends them. With Basic credentials it answers 201 and
the new repository as JSON, with GitHub's rate-limit headers. A name already taken gets
GitHub's 422: a general ``message`` at the top, the reason inside ``errors[]``.
"""

from __future__ import annotations

import base64
import json
import threading
import typing
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USERS = {"octocat": "s3cret-token"}


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-github"
    repos: typing.ClassVar[dict[str, dict[str, object]]] = {}  # shared by all handlers

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _reply(self, status: int, body: dict[str, object]) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json; charset=utf-8")
        self.send_header("Content-Length", str(len(data)))
        self.send_header("X-RateLimit-Limit", "5000")
        self.send_header("X-RateLimit-Remaining", "4999")
        self.end_headers()
        self.wfile.write(data)

    def _user(self) -> str | None:
        header = self.headers.get("Authorization", "")
        if not header.startswith("Basic "):
            return None
        user, _, password = base64.b64decode(header[6:]).decode().partition(":")
        return user if USERS.get(user) == password else None

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        payload = self.rfile.read(length)
        if self.path != "/user/repos":
            self._reply(404, {"message": "Not Found"})
            return
        user = self._user()
        if user is None:
            self._reply(401, {"message": "Requires authentication",
                              "documentation_url": "https://docs.github.com/rest"})
            return
        try:
            spec = json.loads(payload)
        except ValueError:
            self._reply(400, {"message": "Problems parsing JSON"})
            return
        name = spec.get("name") if isinstance(spec, dict) else None
        if not isinstance(name, str) or not name:
            self._reply(422, _failed({"resource": "Repository", "code": "missing_field",
                                      "field": "name"}))
            return
        if name in self.repos:
            self._reply(422, _failed({"resource": "Repository", "code": "custom",
                                      "field": "name",
                                      "message": "name already exists on this account"}))
            return
        repo = {"id": len(self.repos) + 1, "name": name, "full_name": f"{user}/{name}",
                "private": bool(spec.get("private", False)),
                "description": spec.get("description"), "owner": {"login": user}}
        self.repos[name] = repo
        self._reply(201, repo)


def _failed(error: dict[str, str]) -> dict[str, object]:
    """GitHub's 422 body for POST /user/repos, as api.github.com sends it."""
    return {"message": "Repository creation failed.", "errors": [error],
            "documentation_url": "https://docs.github.com/rest/repos/repos"
                                 "#create-a-repository-for-the-authenticated-user",
            "status": "422"}


def start() -> tuple[ThreadingHTTPServer, str]:
    """Start on 127.0.0.1 with a port from the OS; returns the server and its base URL."""
    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return server, f"http://127.0.0.1:{server.server_address[1]}"
