"""Authentication as request flows.

An ``Auth`` is a generator: it yields a request, receives the response, and may yield again
(``response = yield request``); one implementation serves the sync and the async client.
``BasicAuth`` yields once, with its header already on the request: credentials go out on the
first request, without waiting for a challenge. That is what APIs such as GitHub's need, which
answer 401 *without* ``WWW-Authenticate`` (the story in shared/seeds).
"""

from __future__ import annotations

import base64
import typing

from .._models._request import Request
from .._models._response import Response

__all__ = [
    "Auth", "BasicAuth", "BearerAuth", "FunctionAuth", "AuthTypes", "to_auth", "netrc_credentials",
    "AuthFlow", "AsyncAuthFlow", "wrote_authorization",
]
AuthFlow = typing.Generator[Request, Response, None]
AsyncAuthFlow = typing.AsyncGenerator[Request, Response]


class Auth:
    """Base class of authentication schemes.

    Override ``auth_flow``, a generator that yields requests and receives their responses
    (``response = yield request``); the last response is the caller's. Both clients run the
    same ``auth_flow``. A scheme that must wait on something (a lock shared by concurrent
    requests, an async token source) overrides ``sync_auth_flow`` and ``async_auth_flow``
    instead, which by default run ``auth_flow``.
    """

    def auth_flow(self, request: Request) -> AuthFlow:
        """The scheme, as a generator run once per request.

        Yield a request to send it; the response comes back from the yield
        (``response = yield request``). Yield again to send another (a challenge answered,
        the request with a fresh token): the response before is read and closed. When the
        generator ends, the last response goes to the caller. The same ``auth_flow`` serves
        ``Client`` and ``AsyncClient``. This one sends the request as it is."""
        yield request

    def sync_auth_flow(self, request: Request) -> AuthFlow:
        """The flow ``Client`` runs: ``auth_flow``. Override it (with ``async_auth_flow``) for a
        scheme that must wait on something, such as a lock shared by concurrent requests."""
        return self.auth_flow(request)

    async def async_auth_flow(self, request: Request) -> AsyncAuthFlow:
        """The flow ``AsyncClient`` runs, an async generator with the same protocol: by default
        ``auth_flow``, step by step. Override it where the scheme must await something."""
        flow = self.auth_flow(request)
        request = next(flow)
        while True:
            response = yield request
            try:
                request = flow.send(response)
            except StopIteration:
                return


class BasicAuth(Auth):
    """RFC 7617 Basic, sent preemptively; user and password are encoded as UTF-8."""

    __slots__ = ("_header",)

    def __init__(self, username: str | bytes, password: str | bytes) -> None:
        user = username.encode("utf-8") if isinstance(username, str) else username
        secret = password.encode("utf-8") if isinstance(password, str) else password
        if b":" in user:
            raise ValueError("a Basic auth user name cannot contain ':' (RFC 7617 §2)")
        self._header = "Basic " + base64.b64encode(user + b":" + secret).decode("ascii")

    def auth_flow(self, request: Request) -> AuthFlow:
        """Send the request once, with its ``Authorization: Basic`` field."""
        request.headers["Authorization"] = self._header
        yield request

    def __repr__(self) -> str:
        return "BasicAuth(***)"


class BearerAuth(Auth):
    """``Authorization: Bearer <token>``; a callable token is called for every request, so a
    token that is refreshed elsewhere is always the current one. With ``AsyncClient`` the
    callable may be a coroutine function."""

    __slots__ = ("_token",)

    def __init__(
        self, token: str | typing.Callable[[], str] | typing.Callable[[], typing.Awaitable[str]]
    ) -> None:
        self._token = token

    def auth_flow(self, request: Request) -> AuthFlow:
        """Send the request once, with ``Authorization: Bearer`` and the current token;
        TypeError if the token function is async (use AsyncClient) or gives no str."""
        token = self._token() if callable(self._token) else self._token
        if not isinstance(token, str):
            if hasattr(token, "__await__"):  # (inspect.isawaitable; inspect is slow to import)
                token.close()  # type: ignore[attr-defined]
                raise TypeError("BearerAuth's token function is async: use it with AsyncClient")
            raise TypeError(f"BearerAuth's token must be a str, not {type(token).__name__}")
        request.headers["Authorization"] = f"Bearer {token}"
        yield request

    async def async_auth_flow(self, request: Request) -> AsyncAuthFlow:
        """``auth_flow`` for AsyncClient: the token function may also be a coroutine function."""
        token = self._token() if callable(self._token) else self._token
        if hasattr(token, "__await__"):
            token = await token
        if not isinstance(token, str):
            raise TypeError(f"BearerAuth's token must be a str, not {type(token).__name__}")
        request.headers["Authorization"] = f"Bearer {token}"
        yield request

    def __repr__(self) -> str:
        return "BearerAuth(***)"


def netrc_credentials(path: str | None = None) -> dict[str, tuple[str, str]]:
    """host -> (login, password) from ``NETRC`` or ``~/.netrc``; {} when there is none or it
    does not parse. Only ``machine`` entries count: credentials go to the hosts the file
    names, never to every host (a ``default`` entry is ignored)."""
    import netrc
    import os

    path = path or os.environ.get("NETRC") or os.path.join(os.path.expanduser("~"), ".netrc")
    if not os.path.isfile(path):
        return {}
    try:
        hosts = netrc.netrc(path).hosts
    except (netrc.NetrcParseError, OSError, UnicodeDecodeError):
        return {}
    return {host.lower(): (login, password) for host, (login, _, password) in hosts.items()
            if host != "default" and password is not None}


class FunctionAuth(Auth):
    """``auth=callable``: the callable edits (or replaces) the request before it is sent."""

    def __init__(self, func: typing.Callable[[Request], Request | None]) -> None:
        self._func = func

    def auth_flow(self, request: Request) -> AuthFlow:
        result = self._func(request)
        yield result if isinstance(result, Request) else request


AuthTypes = typing.Union[
    Auth, typing.Tuple[str, str], typing.Callable[[Request], Request | None], None
]


def wrote_authorization(request: Request, defaults: typing.Mapping[str, str]) -> bool:
    """Did the caller write the request's Authorization field (not the client's default
    one)? A call's own field is sent as it is: it beats the client's auth= and netrc."""
    value = request.headers.get("authorization")
    return value is not None and value != defaults.get("authorization")


def to_auth(auth: AuthTypes) -> Auth | None:
    if auth is None or isinstance(auth, Auth):
        return auth
    if isinstance(auth, tuple) and len(auth) == 2:
        return BasicAuth(*auth)
    if callable(auth):
        return FunctionAuth(auth)
    # (the type only: the value may hold a password)
    shape = f"a {len(auth)}-item {type(auth).__name__}" if isinstance(auth, (tuple, list)) else (
        type(auth).__name__)
    raise TypeError(f"auth= must be a (user, password) tuple, an Auth or a callable, not {shape}")
