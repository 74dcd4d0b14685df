"""A local stand-in for GitHub's repository API, as the seed story meets it.

- ``POST /user/repos``: without credentials it answers 401 *without* ``WWW-Authenticate``
  (as GitHub does), so a client that waits for a challenge never sends them. With Basic
  credentials it answers 201 and the new repository as JSON. A name already taken gets
  GitHub's 422: a general ``message`` at the top, the reason inside ``errors[]``.
- ``GET /user/repos``: the user's repositories sorted by ``full_name`` (GitHub's default),
  a page at a time: ``page`` and ``per_page`` (default 30, at most 100), and a ``Link``
  field with ``prev``/``next``/``first``/``last`` as absolute URLs, as GitHub sends it.
- ``GET /repos/{owner}/{repo}``: the repository, with a weak ``ETag`` and GitHub's
  ``Cache-Control: private, max-age=60, s-maxage=60``; a matching ``If-None-Match`` gets a
  ``304 Not Modified``.

Every response carries GitHub's rate-limit fields (``X-RateLimit-Limit``, ``-Remaining``,
``-Used``), counted per identity (5000 for a user, 60 without credentials); like GitHub,
a 304 is not counted against the limit.
"""

from __future__ import annotations

import base64
import hashlib
import json
import threading
import typing
import urllib.parse
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

USERS = {"octocat": "s3cret-token"}
# What the user owns before the demo creates anything (the demo's "test" joins them)
EXISTING = ("hello-world", "spoon-knife", "linguist", "octo-docs")
LIMITS = {True: 5000, False: 60}  # an authenticated user's hourly budget, an anonymous one's


class Handler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server_version = "fake-github"
    repos: typing.ClassVar[dict[str, dict[str, object]]] = {}  # shared by all handlers
    used: typing.ClassVar[dict[str | None, int]] = {}  # requests counted, per identity
    lock = threading.Lock()

    def log_message(self, format: str, *args: object) -> None:
        pass

    def _reply(self, status: int, body: object,
               headers: typing.Sequence[tuple[str, str]] = ()) -> None:
        data = b"" if status == 304 else json.dumps(body).encode()
        self.send_response(status)
        if status != 304:
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
        for name, value in headers:
            self.send_header(name, value)
        user = self._user()
        with self.lock:  # GitHub counts every request but a 304 (a conditional one that hit)
            used = self.used[user] = self.used.get(user, 0) + (status != 304)
        limit = LIMITS[user is not None]
        self.send_header("X-RateLimit-Limit", str(limit))
        self.send_header("X-RateLimit-Remaining", str(max(limit - used, 0)))
        self.send_header("X-RateLimit-Used", str(used))
        self.end_headers()
        self.wfile.write(data)

    def _owned(self, user: str) -> list[dict[str, object]]:
        """The user's repositories, sorted by full_name as GitHub sorts /user/repos."""
        made = [repo for repo in self.repos.values() if repo["owner"] == {"login": user}]
        have = {repo["name"] for repo in made}
        seeded = [_repo(index + 100, user, name, None) for index, name in enumerate(EXISTING)
                  if name not in have]
        return sorted(made + seeded, key=lambda repo: str(repo["full_name"]))

    def do_GET(self) -> None:
        url = urllib.parse.urlsplit(self.path)
        user = self._user()
        if user is None:
            self._reply(401, {"message": "Requires authentication",
                              "documentation_url": "https://docs.github.com/rest"})
        elif url.path == "/user/repos":
            self._list(user, url.query)
        elif url.path.startswith("/repos/") and url.path.count("/") == 3:
            _, _, owner, name = url.path.split("/")
            found = [r for r in self._owned(owner) if r["name"] == name] if owner == user else []
            if not found:
                self._reply(404, {"message": "Not Found"})
                return
            self._conditional(found[0])
        else:
            self._reply(404, {"message": "Not Found"})

    def _list(self, user: str, query: str) -> None:
        """One page of /user/repos, with GitHub's Link field (absolute URLs)."""
        params = dict(urllib.parse.parse_qsl(query))
        try:
            page = max(int(params.get("page", 1)), 1)
            per_page = min(max(int(params.get("per_page", 30)), 1), 100)
        except ValueError:
            self._reply(400, {"message": "Invalid page"})
            return
        repos = self._owned(user)
        last = max((len(repos) + per_page - 1) // per_page, 1)
        base = f"http://{self.headers.get('Host')}/user/repos?"

        def link(number: int, rel: str) -> str:
            return f'<{base}{urllib.parse.urlencode({**params, "page": number})}>; rel="{rel}"'

        links = ([link(page - 1, "prev")] if page > 1 else []) + (
            [link(page + 1, "next"), link(last, "last")] if page < last else []) + (
            [link(1, "first")] if page > 1 else [])
        items = repos[(page - 1) * per_page:page * per_page]
        self._reply(200, items, [("Link", ", ".join(links))] if links else [])

    def _conditional(self, repo: dict[str, object]) -> None:
        """A repository with its ETag; a 304 when the request's If-None-Match has it."""
        etag = 'W/"' + hashlib.sha1(json.dumps(repo, sort_keys=True).encode()).hexdigest() + '"'
        fields = [("ETag", etag), ("Cache-Control", "private, max-age=60, s-maxage=60"),
                  ("Vary", "Accept, Authorization")]
        wanted = [tag.strip().removeprefix("W/")
                  for tag in self.headers.get("If-None-Match", "").split(",")]
        if etag.removeprefix("W/") in wanted or "*" in wanted:  # (a weak comparison)
            self._reply(304, None, fields)
        else:
            self._reply(200, repo, fields)

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
        if name in self.repos or name in EXISTING:
            self._reply(422, _failed({"resource": "Repository", "code": "custom",
                                      "field": "name",
                                      "message": "name already exists on this account"}))
            return
        repo = _repo(len(self.repos) + 1, user, name, spec.get("description"),
                     bool(spec.get("private", False)))
        self.repos[name] = repo
        self._reply(201, repo)


def _repo(number: int, user: str, name: str, description: object,
          private: bool = False) -> dict[str, object]:
    return {"id": number, "name": name, "full_name": f"{user}/{name}", "private": private,
            "description": description, "owner": {"login": user}}


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
