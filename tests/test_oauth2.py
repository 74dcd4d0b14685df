"""OAuth2 through both clients, against a token endpoint and an API of our own: the token is
fetched once and shared, renewed before it expires and once on a 401, and 50 concurrent
requests (threads, or tasks) make exactly one token request."""

from __future__ import annotations

import asyncio
import base64
import concurrent.futures
import threading
import time
import typing
import urllib.parse

import h11
import pytest

import restwell
from both import Make
from restwell import OAuth2
from servers import AppServer


class TokenServer(AppServer):
    """POST /token (client credentials or refresh token; slow, to make races real),
    GET /api (wants a live token), POST /revoke (every token dies)."""

    def __init__(self, expires_in: int | None = 3600, refresh: bool = False,
                 delay: float = 0.3) -> None:
        super().__init__()
        self.expires_in, self.refresh, self.delay = expires_in, refresh, delay
        self.live: set[str] = set()
        self.grants: list[dict[str, str]] = []
        self.lock = threading.Lock()
        self.refuse_all = False

    def _route(
        self, request: h11.Request, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes | list[bytes]]:
        super()._route(request, body)
        headers = {n.decode().lower(): v.decode() for n, v in request.headers}
        js = [("Content-Type", "application/json")]
        path = request.target.decode()
        if path == "/token":
            return self._token(headers, dict(urllib.parse.parse_qsl(body.decode())), js)
        if path == "/revoke":
            with self.lock:
                self.live.clear()
            return 204, [], b""
        token = headers.get("authorization", "").removeprefix("Bearer ")
        with self.lock:
            ok = token in self.live and not self.refuse_all
        if not ok:
            return 401, [("WWW-Authenticate", 'Bearer error="invalid_token"')], b""
        return 200, js, b'{"ok": true}'

    def _token(
        self, headers: dict[str, str], form: dict[str, str], js: list[tuple[str, str]]
    ) -> tuple[int, list[tuple[str, str]], bytes]:
        time.sleep(self.delay)
        basic = headers.get("authorization", "")
        if basic:
            pair = base64.b64decode(basic.removeprefix("Basic ")).decode()
            client_id, secret = (urllib.parse.unquote_plus(p) for p in pair.split(":", 1))
        else:
            client_id, secret = form.get("client_id", ""), form.get("client_secret", "")
        if (client_id, secret) != ("app id", "s3cret:&"):
            return 401, js, b'{"error": "invalid_client", "error_description": "bad secret"}'
        with self.lock:
            self.grants.append(form)
            token = f"tok-{len(self.grants)}"
            self.live.add(token)
        payload = {"access_token": token, "token_type": "Bearer"}
        if self.expires_in is not None:
            payload["expires_in"] = self.expires_in  # type: ignore[assignment]
        if self.refresh:
            payload["refresh_token"] = f"refresh-{len(self.grants)}"
        import json

        return 200, js, json.dumps(payload).encode()


@pytest.fixture
def tokens() -> typing.Iterator[TokenServer]:
    server = TokenServer()
    yield server
    server.close()


def oauth(server: TokenServer, **kwargs: typing.Any) -> OAuth2:
    return OAuth2(server.url + "/token", "app id", "s3cret:&", scope="read write", **kwargs)


def test_token_fetched_once_and_reused(tokens: TokenServer, make_client: Make) -> None:
    with make_client(base_url=tokens.url, auth=oauth(tokens)) as c:
        for _ in range(3):
            assert c.get("/api").json() == {"ok": True}
    assert tokens.grants == [{"grant_type": "client_credentials", "scope": "read write"}]


def test_client_secret_in_body(tokens: TokenServer, make_client: Make) -> None:
    with make_client(base_url=tokens.url, auth=oauth(tokens, client_auth="body")) as c:
        assert c.get("/api").status_code == 200
    assert tokens.grants[0]["client_id"] == "app id"


def test_401_refreshes_once_and_retries(tokens: TokenServer, make_client: Make) -> None:
    with make_client(base_url=tokens.url, auth=oauth(tokens)) as c:
        assert c.get("/api").status_code == 200
        c.post("/revoke", auth=None)
        r = c.post("/api", content=b"body is sent again")
        assert r.status_code == 200
    assert len(tokens.grants) == 2
    assert [rec["body"] for rec in tokens.requests if rec["target"] == "/api"][-2:] == [
        "body is sent again", "body is sent again"]


def test_a_token_that_stays_refused_is_returned_not_looped(make_client: Make) -> None:
    server = TokenServer(delay=0)
    try:
        auth = oauth(server)
        with make_client(base_url=server.url, auth=auth) as c:
            server.refuse_all = True
            r = c.get("/api")
            assert r.status_code == 401  # fetched, refused, fetched once more, refused: done
        assert len(server.grants) == 2
    finally:
        server.close()


def test_expiry_renews_before_the_deadline(make_client: Make) -> None:
    server = TokenServer(expires_in=1, refresh=True, delay=0)
    try:
        with make_client(base_url=server.url, auth=oauth(server, leeway=0.5)) as c:
            assert c.get("/api").status_code == 200
            time.sleep(0.6)  # half the lifetime is the most the leeway takes off
            assert c.get("/api").status_code == 200
        assert [g["grant_type"] for g in server.grants] == ["client_credentials",
                                                            "refresh_token"]
        assert server.grants[1]["refresh_token"] == "refresh-1"
    finally:
        server.close()


def test_token_endpoint_errors(tokens: TokenServer, make_client: Make) -> None:
    bad = OAuth2(tokens.url + "/token", "app id", "wrong-secret-value")
    with make_client(base_url=tokens.url, auth=bad) as c:
        with pytest.raises(restwell.AuthError) as info:
            c.get("/api")
        message = str(info.value)
        assert "401 invalid_client (bad secret)" in message and "/token" in message
        assert "wrong-secret-value" not in message
    assert "wrong-secret-value" not in repr(bad)
    with pytest.raises(restwell.InvalidURL):
        OAuth2("/token", "a", "b")


def test_fifty_threads_share_one_token_request(tokens: TokenServer) -> None:
    auth = oauth(tokens)
    with restwell.Client(base_url=tokens.url, auth=auth) as c:
        with concurrent.futures.ThreadPoolExecutor(50) as pool:
            codes = list(pool.map(lambda _: c.get("/api").status_code, range(50)))
        assert codes == [200] * 50 and len(tokens.grants) == 1
        c.post("/revoke", auth=None)
        with concurrent.futures.ThreadPoolExecutor(50) as pool:
            codes = list(pool.map(lambda _: c.get("/api").status_code, range(50)))
        assert codes == [200] * 50
    assert len(tokens.grants) == 2  # 50 requests met a 401: one refresh for them all
    assert auth.fetches == 2


@pytest.mark.parametrize("loop", ["asyncio", "uvloop"])
def test_fifty_tasks_share_one_token_request(tokens: TokenServer, loop: str) -> None:
    auth = oauth(tokens)

    async def main() -> None:
        async with restwell.AsyncClient(base_url=tokens.url, auth=auth) as c:
            responses = await asyncio.gather(*(c.get("/api") for _ in range(50)))
            assert [r.status_code for r in responses] == [200] * 50
            assert len(tokens.grants) == 1
            await c.post("/revoke", auth=None)
            responses = await asyncio.gather(*(c.get("/api") for _ in range(50)))
            assert [r.status_code for r in responses] == [200] * 50

    if loop == "uvloop":
        import uvloop

        uvloop.run(main())
    else:
        asyncio.run(main())
    assert len(tokens.grants) == 2 and auth.fetches == 2
    asyncio.run(_again(tokens, auth))  # the same auth on a new event loop still works


async def _again(tokens: TokenServer, auth: OAuth2) -> None:
    async with restwell.AsyncClient(base_url=tokens.url, auth=auth) as c:
        assert (await c.get("/api")).status_code == 200


def test_cancelled_token_fetch_releases_the_lock(tokens: TokenServer) -> None:
    """A task cancelled while it fetches the token leaves the others able to fetch."""
    auth = oauth(tokens)

    async def main() -> None:
        async with restwell.AsyncClient(base_url=tokens.url, auth=auth) as c:
            first = asyncio.ensure_future(c.get("/api"))
            await asyncio.sleep(0.1)  # inside the slow token request
            first.cancel()
            with pytest.raises(asyncio.CancelledError):
                await first
            r = await asyncio.wait_for(c.get("/api"), 5)
            assert r.status_code == 200

    asyncio.run(main())


def test_streamed_response_with_oauth2(tokens: TokenServer, make_client: Make) -> None:
    with make_client(base_url=tokens.url, auth=oauth(tokens)) as c, c.stream("GET", "/api") as r:
        assert b"".join(r.iter_bytes()) == b'{"ok": true}'


def test_async_bearer_callable(tokens: TokenServer) -> None:
    tokens.live.add("async-token")

    async def token() -> str:
        await asyncio.sleep(0)
        return "async-token"

    async def main() -> int:
        async with restwell.AsyncClient(base_url=tokens.url,
                                        auth=restwell.BearerAuth(token)) as c:
            return (await c.get("/api")).status_code

    assert asyncio.run(main()) == 200
    with restwell.Client(base_url=tokens.url, auth=restwell.BearerAuth(token)) as c, \
            pytest.raises(TypeError, match="AsyncClient"):
        c.get("/api")


class HeaderChallenge(restwell.Auth):
    """A custom challenge-response scheme, as a user would write one."""

    def auth_flow(self, request: restwell.Request) -> typing.Generator[
            restwell.Request, restwell.Response, None]:
        response = yield request
        if response.status_code == 401:
            request.headers["Authorization"] = "Bearer tok-from-flow"
            yield request


def test_custom_auth_flow_on_both_clients(tokens: TokenServer, make_client: Make) -> None:
    tokens.live.add("tok-from-flow")
    with make_client(base_url=tokens.url, auth=HeaderChallenge()) as c:
        assert c.get("/api").status_code == 200
