"""OAuth 2.0 access tokens (RFC 6749 §4.4 client credentials, §6 refresh) as an auth flow.

The token is fetched from ``token_url`` through the same client (its pool, proxy, TLS and
timeouts), cached until shortly before it expires, and sent as ``Authorization: Bearer``.
A 401 that says the token is bad (``error="invalid_token"``, or no ``WWW-Authenticate`` at
all) drops it, fetches a new one and sends the request once more.

Single flight: concurrent requests that find no valid token wait for one fetch instead of
each fetching (threads on a ``threading.Lock``, tasks on an ``asyncio.Lock`` per event
loop). A request whose token was already replaced by the time its 401 came back just uses
the new token. The token logic is pure (``_token_request``, ``_store``); only the waiting
differs between ``sync_auth_flow`` and ``async_auth_flow``.
"""

from __future__ import annotations

import base64
import time
import typing

from .._models._content import BodyStream
from .._models._exceptions import AuthError, InvalidURL
from .._models._request import Request
from .._models._response import Response
from .._models._urls import URL, form_quote
from ._auth import AsyncAuthFlow, Auth, AuthFlow

if typing.TYPE_CHECKING:  # pragma: no cover
    import asyncio

__all__ = ["OAuth2"]


class OAuth2(Auth):
    """``auth=restwell.OAuth2(token_url, client_id, client_secret, scope="read")``.

    Without ``refresh_token`` the client-credentials grant gets tokens; with one (or once a
    token response carries one) the refresh-token grant does. The client authenticates to
    the token endpoint with HTTP Basic (``client_auth="basic"``, RFC 6749 §2.3.1) or with
    form fields (``client_auth="body"``). Tokens are renewed ``leeway`` seconds before they
    expire.
    """

    def __init__(
        self, token_url: URL | str, client_id: str, client_secret: str, *,
        scope: str | None = None, refresh_token: str | None = None,
        client_auth: str = "basic", leeway: float = 30.0,
        extra: typing.Mapping[str, str] | None = None,
    ) -> None:
        if client_auth not in ("basic", "body"):
            raise ValueError("client_auth= is 'basic' or 'body'")
        self.token_url = URL(token_url)
        if not self.token_url.is_absolute:
            raise InvalidURL(f"OAuth2 token_url must be an absolute URL, not {str(token_url)!r}")
        self.client_id = client_id
        self._secret = client_secret
        self.scope = scope
        self._refresh = refresh_token
        self._client_auth = client_auth
        self._leeway = leeway
        self._extra = dict(extra or {})
        self._token: str | None = None
        self._expires = 0.0
        self.fetches = 0  # token requests made: what the tests (and curious users) count
        import threading  # here: import restwell does not load threading

        self._lock = threading.Lock()
        self._async_locks: dict[asyncio.AbstractEventLoop, asyncio.Lock] = {}

    def __repr__(self) -> str:
        return f"OAuth2({str(self.token_url)!r}, client_id={self.client_id!r}, ***)"

    # -- the flows -----------------------------------------------------------------------------

    def sync_auth_flow(self, request: Request) -> AuthFlow:
        """Fetch a token when none is valid (one fetch at a time across threads), send the
        request with it, and after a 401 that rejects the token, renew it and send once more.
        AuthError if the token endpoint gives no token."""
        token = self._valid()
        if token is None:
            with self._lock:  # one fetch at a time; the others find its token
                token = self._valid()
                if token is None:
                    token = self._store((yield self._token_request(request)))
        response = yield self._authorize(request, token)
        if not self._rejected(response, request):
            return
        with self._lock:
            token = self._renewed(token)
            if token is None:
                token = self._store((yield self._token_request(request)))
        yield self._authorize(request, token)

    async def async_auth_flow(self, request: Request) -> AsyncAuthFlow:
        """``sync_auth_flow`` for AsyncClient: tasks wait on an ``asyncio.Lock`` per event loop."""
        token = self._valid()
        if token is None:
            async with self._async_lock():
                token = self._valid()
                if token is None:
                    token = self._store((yield self._token_request(request)))
        response = yield self._authorize(request, token)
        if not self._rejected(response, request):
            return
        async with self._async_lock():
            token = self._renewed(token)
            if token is None:
                token = self._store((yield self._token_request(request)))
        yield self._authorize(request, token)

    def auth_flow(self, request: Request) -> AuthFlow:
        """The same as ``sync_auth_flow``."""
        return self.sync_auth_flow(request)

    def _async_lock(self) -> asyncio.Lock:
        import asyncio

        loop = asyncio.get_running_loop()
        lock = self._async_locks.get(loop)
        if lock is None:
            for old in [old for old in self._async_locks if old.is_closed()]:
                del self._async_locks[old]
            lock = self._async_locks[loop] = asyncio.Lock()
        return lock

    # -- the token (pure) ----------------------------------------------------------------------

    def _valid(self) -> str | None:
        token = self._token
        if token is not None and time.monotonic() < self._expires:
            return token
        return None

    def _renewed(self, rejected: str) -> str | None:
        """After a 401: the token another request fetched meanwhile, or None to fetch one
        (the rejected token is dropped)."""
        if self._token is not None and self._token != rejected:
            return self._valid()
        self._token = None
        return None

    @staticmethod
    def _authorize(request: Request, token: str) -> Request:
        request.headers["Authorization"] = f"Bearer {token}"
        return request

    @staticmethod
    def _rejected(response: Response, request: Request) -> bool:
        """Does this 401 say the token is bad (and can the request be sent again)?"""
        if response.status_code != 401:
            return False
        if isinstance(request.body, BodyStream) and not request.body.rewindable:
            return False
        challenge = response.headers.get("www-authenticate", "")
        return "error=" not in challenge or "invalid_token" in challenge

    def _token_request(self, request: Request) -> Request:
        form = {"grant_type": "client_credentials"}
        if self._refresh is not None:
            form = {"grant_type": "refresh_token", "refresh_token": self._refresh}
        if self.scope:
            form["scope"] = self.scope
        form.update(self._extra)
        headers = {"Accept": "application/json"}
        if self._client_auth == "basic":
            # RFC 6749 §2.3.1: id and secret are form-encoded before the Basic encoding
            pair = f"{form_quote(self.client_id)}:{form_quote(self._secret)}".encode()
            headers["Authorization"] = "Basic " + base64.b64encode(pair).decode("ascii")
        else:
            form.update(client_id=self.client_id, client_secret=self._secret)
        token_request = Request("POST", self.token_url, data=form, headers=headers,
                                timeout=request.timeout)
        token_request.for_auth = True
        self.fetches += 1
        return token_request

    def _store(self, response: Response) -> str:
        """Keep the token from a token response; AuthError if there is none."""
        where = f"the token endpoint {self.token_url.redacted()}"
        try:
            payload = response.json()
        except ValueError:
            payload = None
        if not isinstance(payload, dict):
            raise AuthError(
                f"{where} answered {response.status_code} without a JSON object; check "
                "token_url", request=response.request,
            )
        if response.status_code != 200 or not isinstance(payload.get("access_token"), str):
            error = payload.get("error", "no access_token")
            detail = payload.get("error_description")
            raise AuthError(
                f"{where} refused a token: {response.status_code} {error}"
                f"{f' ({detail})' if detail else ''}; check client_id, client_secret and "
                "scope", request=response.request,
            )
        token: str = payload["access_token"]
        lifetime = payload.get("expires_in")
        if isinstance(lifetime, (int, float)) or (isinstance(lifetime, str) and
                                                  lifetime.isdigit()):
            seconds = float(lifetime)
            self._expires = time.monotonic() + max(seconds - min(self._leeway, seconds / 2), 0)
        else:
            self._expires = float("inf")  # no lifetime given: until a 401 says otherwise
        if isinstance(payload.get("refresh_token"), str):
            self._refresh = payload["refresh_token"]
        self._token = token
        return token
