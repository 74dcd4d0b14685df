"""The sync ``Client``: settings merged once, requests built, features run around the transport.

Settings are merged in one place, ``_merge``: a value given to the call beats the client's,
which beats the environment's, which beats the default. ``UNSET`` marks "not given here".

The hot path (``request`` -> ``build_request`` -> ``send``) does no work that can be done
once per client: default headers are validated at construction, parsed URLs are cached per
string, and a client without auth, cookies or hooks pays nothing for those features.
"""

from __future__ import annotations

import time
import typing

from .._features._auth import (
    AUTH_READS_BODY,
    Auth,
    AuthTypes,
    BasicAuth,
    netrc_credentials,
    to_auth,
)
from .._features._cookies import Cookies
from .._models._config import UNSET, Limits, Timeout, TimeoutTypes, UnsetType, to_timeout
from .._models._content import (
    BodyStream,
    RequestContent,
    RequestData,
    RequestFiles,
    encode_body,
)
from .._models._decoders import ACCEPT_ENCODING
from .._models._exceptions import (
    ClientClosed,
    InvalidURL,
    TooManyRedirects,
)
from .._models._headers import _KNOWN_METHODS, Headers, HeaderTypes, check_method
from .._models._proxy import ProxyTypes, Routes, routes_for, routes_from_env
from .._models._request import _BODY_METHODS, _FRAMING, Request, set_length
from .._models._response import Response
from .._models._retry import Retry, RetryTypes, to_retry
from .._models._urls import URL, QueryParams
from .._version import __version__

if typing.TYPE_CHECKING:  # pragma: no cover
    from .._io._tls import CertTypes, VerifyTypes
from ._build import (
    CookieTypes,
    _add_cookies,
    _base_url,
    _merge_params,
    _merge_url,
    _override,
    _upload_options,
)

__all__ = ["BaseClient", "EventHooks"]


USER_AGENT = f"restwell/{__version__}"

EventHooks = typing.Mapping[str, typing.Sequence[typing.Callable[..., typing.Any]]]


_URL_CACHE_SIZE = 512

_SEND_OPTIONS = frozenset({"auth", "follow_redirects", "max_redirects"})

_CALLER = "restwell.caller_cookies"

_ROUTES = "restwell.proxy_routes"

_RETRY = "restwell.retry"


class BaseClient:
    """What ``Client`` and ``AsyncClient`` share: settings, and building requests."""

    _transport: typing.Any

    def __init__(
        self,
        *,
        base_url: URL | str | None = None,
        headers: HeaderTypes = None,
        params: QueryParams = None,
        auth: AuthTypes = None,
        timeout: TimeoutTypes | UnsetType = UNSET,
        limits: Limits | None = None,
        verify: VerifyTypes = True,
        cert: CertTypes = None,
        cookies: CookieTypes = None,
        event_hooks: EventHooks | None = None,
        transport: typing.Any = None,
        trust_env: bool = True,
        follow_redirects: bool = True,
        max_redirects: int = 20,
        proxy: ProxyTypes | UnsetType = UNSET,
        proxy_auth: tuple[str, str] | None = None,
        retries: RetryTypes = None,
    ) -> None:
        self.base_url = _base_url(base_url)
        self.retries = to_retry(retries)
        # An explicit proxy= (None included: "go direct") wins over the environment.
        self._proxy_auth = proxy_auth
        if isinstance(proxy, UnsetType):
            self._routes = routes_from_env(proxy_auth=proxy_auth) if trust_env else None
        else:
            self._routes = routes_for(proxy, proxy_auth)
        self.headers = Headers({"User-Agent": USER_AGENT, "Accept": "*/*",
                                "Accept-Encoding": ACCEPT_ENCODING})
        if headers:
            self.headers.update(Headers(headers))
        self.params = params
        self.auth = to_auth(auth)
        self.timeout = Timeout() if isinstance(timeout, UnsetType) else to_timeout(timeout)
        # Cookies given here are the caller's (no domain): like client auth, they go only to
        # base_url's origin when there is one (see _cookies); the jar adds what servers set.
        self.cookies = Cookies(cookies)
        self.event_hooks = {
            "request": list((event_hooks or {}).get("request", ())),
            "response": list((event_hooks or {}).get("response", ())),
        }
        self.trust_env = trust_env
        self.follow_redirects = follow_redirects
        self.max_redirects = max_redirects
        self._transport = transport or self._default_transport(
            verify=verify, cert=cert, limits=limits, trust_env=trust_env
        )
        self._urls: dict[str, URL] = {}
        self._names: tuple[str | None, frozenset[str]] = (None, frozenset())
        self._netrc_hosts: dict[str, tuple[str, str]] | None = None
        self._closed = False

    def _default_transport(self, **settings: typing.Any) -> typing.Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        base = f" base_url={str(self.base_url)!r}" if self.base_url else ""
        return f"<{type(self).__name__}{base} {self._transport!r}>"

    # -- building requests ---------------------------------------------------------------------

    def _url(self, url: URL | str) -> URL:
        if isinstance(url, URL):
            return url if self.base_url is None else self.base_url.join(url)
        cached = self._urls.get(url)
        if cached is None:
            cached = _merge_url(self.base_url, url)
            if not cached.is_absolute:
                raise InvalidURL(
                    f"Invalid URL {url!r}: a request needs an absolute http(s) URL; give a full "
                    "URL or create the client with base_url="
                )
            if len(self._urls) >= _URL_CACHE_SIZE:
                self._urls.clear()
            self._urls[url] = cached
        return cached

    def build_request(
        self,
        method: str,
        url: URL | str,
        # Not keyword-only: a call that leaves out keyword-only arguments looks up each one's
        # default in a dict, 13 lookups for get(url); these come from a tuple. (A subclass
        # may still override it with keyword-only options: every call passes them by name.)
        params: QueryParams = None,
        headers: HeaderTypes = None,
        content: RequestContent | None = None,
        data: RequestData | None = None,
        json: typing.Any = None,
        files: RequestFiles | None = None,
        cookies: CookieTypes = None,
        timeout: TimeoutTypes | UnsetType = UNSET,
        proxy: ProxyTypes | UnsetType = UNSET,
        expect_continue: bool | float = False,
        upload_progress: typing.Callable[[int, int | None], typing.Any] | None = None,
        retries: RetryTypes | UnsetType = UNSET,
    ) -> Request:
        target = self._urls.get(url) if type(url) is str else None  # (_url's cache, inlined)
        if target is None:
            target = self._url(url)
        if params or self.params:
            target = target.copy_merge_params(_merge_params(self.params, params))
        request = Request.__new__(Request)
        if method not in _KNOWN_METHODS:
            method = check_method(method)
        request.method = method
        request.url = target
        base = self.headers
        merged = Headers.__new__(Headers)
        netloc = target._netloc or target.netloc
        merged._list = [("Host", netloc), *base._list]
        # Reuse the client's serialised fields; any change below clears this again.
        merged._block = f"Host: {netloc}\r\n{base._block or base.encoded()}"
        if headers:
            _override(merged, Headers(headers), self._default_names())
        caller_cookies = None
        if cookies or self.cookies._jar:  # (the jar's dict: bool(Cookies) is a Python call)
            scoped = self.base_url is None or self.base_url.origin == target.origin
            caller_cookies = _add_cookies(merged, cookies, self.cookies, target, scoped)
        request.headers = merged
        request.body = None
        # Without fields of the call's own, the merged fields are the client's (and Host,
        # Cookie): whether they type or frame the body is known without a scan.
        unframed = False
        if content is not None or data is not None or json is not None or files is not None:
            content_type, request.body = encode_body(content, data, json, files)
            if headers:
                if content_type is not None and "content-type" not in merged:
                    merged.append_trusted("Content-Type", content_type)
            else:
                names = self._default_names()
                if content_type is not None and "content-type" not in names:
                    merged.append_trusted("Content-Type", content_type)
                unframed = names.isdisjoint(_FRAMING)
        if request.body is not None or method in _BODY_METHODS:
            set_length(request, unframed)  # nothing to frame on a GET without a body
        request.timeout = (
            self.timeout if timeout is UNSET else to_timeout(timeout)  # type: ignore[arg-type]
        )
        request.extensions = {} if caller_cookies is None else {_CALLER: caller_cookies}
        if request.body and (expect_continue or upload_progress is not None):
            _upload_options(request, expect_continue, upload_progress)
        if retries is not UNSET:  # this call's retries= beat the client's
            request.extensions[_RETRY] = to_retry(retries)  # type: ignore[arg-type]
        # Without routes the choice is already made (direct); else _send_one makes it.
        request.proxy = None if self._routes is None else UNSET
        if proxy is not UNSET:  # this call's proxy= beats the client's
            routes = request.extensions[_ROUTES] = routes_for(
                proxy, self._proxy_auth  # type: ignore[arg-type]
            )
            request.proxy = None if routes is None else routes.select(target)
        return request

    def _default_names(self) -> frozenset[str]:
        """The lower-cased names of the client's default fields, worked out again only when
        they change (every change makes a new serialised block)."""
        base = self.headers
        block = base._block or base.encoded()
        cached = self._names
        if cached[0] is not block:
            cached = self._names = (block, frozenset(name.lower() for name, _ in base._list))
        return cached[1]

    def _route(self, request: Request, first: Request) -> None:
        """The proxy for a request (or a redirect hop of ``first``): the call's proxy= if
        it gave one, else the client's routes. A hop also keeps the call's retries=."""
        routes: Routes | None = first.extensions.get(_ROUTES, self._routes)
        request.proxy = None if routes is None else routes.select(request.url)
        if request is not first and _RETRY in first.extensions:
            request.extensions[_RETRY] = first.extensions[_RETRY]

    def _retry_delay(
        self, policy: Retry, request: Request, history: list[tuple[int | str, float]],
        deadline: float | None, error: BaseException | None = None,
        response: Response | None = None,
    ) -> float | None:
        """How long to wait before retrying (None: don't), by the policy, and never past
        the call's total deadline."""
        import random

        body = request.body
        delay = policy.decide(
            attempt=len(history), method=request.method,
            has_key="idempotency-key" in request.headers,
            rewindable=not isinstance(body, BodyStream) or body.rewindable,
            error=error, status=None if response is None else response.status_code,
            retry_after=None if response is None else response.headers.get("retry-after"),
            now=time.time(), rand=random.random(),
        )
        if delay is not None and deadline is not None and time.monotonic() + delay >= deadline:
            return None
        if delay is not None:
            history.append((type(error).__name__ if response is None else response.status_code,
                            delay))
        return delay

    def _retry_start(self, request: Request, policy: Retry) -> float | None:
        """Before the first attempt: the Idempotency-Key (if the policy wants one for this
        method: the same on every attempt), and the deadline of all attempts together."""
        if (policy.idempotency_key and request.method not in policy.methods
                and "idempotency-key" not in request.headers):
            import uuid

            request.headers["Idempotency-Key"] = str(uuid.uuid4())
        total = (request.timeout or self.timeout).total
        return None if total is None else time.monotonic() + total

    def _keep_cookies(self, request: Request, response: Response) -> None:
        """Store what a response's Set-Cookie fields set (each hop of a chain too)."""
        values = response._set_cookie_fields()
        if values:
            url = request.url
            self.cookies.extract(url.scheme, url.host, url.path or "/", values)

    def _cookies_for_hop(self, hop: Request, first: Request, strayed: bool) -> None:
        """The Cookie field of a redirect hop, rebuilt: the jar's cookies for the hop's URL,
        plus the caller's own only while the chain has not left the first origin."""
        if not self.cookies and _CALLER not in first.extensions:
            return  # next_request() already dropped the field if the chain left the origin
        caller = "" if strayed else first.extensions.get(_CALLER, "")
        if caller:
            hop.extensions[_CALLER] = caller  # for an auth retry of this hop (below)
        url = hop.url
        unscoped = not strayed and (self.base_url is None or self.base_url.origin == url.origin)
        jar = self.cookies.header_for(url.scheme, url.host, url.path or "/", unscoped)
        hop.headers.pop_all("cookie")
        value = "; ".join(part for part in (caller, jar) if part)
        if value:
            hop.headers.add("Cookie", value)

    def _cookies_for_retry(self, request: Request, response: Response) -> None:
        """An auth flow's next request carries what the last response set: a challenge may
        come with cookies the answer must return (httpbin's Digest does)."""
        if AUTH_READS_BODY not in request.extensions and response._set_cookie_fields():
            self._cookies_for_hop(request, request, False)

    def _auth_for(self, request: Request, auth: AuthTypes | UnsetType) -> Auth | None:
        if not isinstance(auth, UnsetType):
            return to_auth(auth)
        if request.url.userinfo:
            return BasicAuth(request.url.username, request.url.password)
        if self.auth is not None and (
            self.base_url is None or self.base_url.origin == request.url.origin
        ):
            return self.auth  # client credentials stay on the base_url's origin
        if self.trust_env:
            netrc = self._netrc_hosts
            if netrc is None:
                netrc = self._netrc()
            found = netrc.get(request.url.host)  # the exact host, as parsed
            if found is not None:
                return BasicAuth(*found)
        return None

    def _netrc(self) -> dict[str, tuple[str, str]]:
        netrc = self._netrc_hosts
        if netrc is None:  # read once per client, on first use
            netrc = self._netrc_hosts = netrc_credentials()
        return netrc

    def _redirect_limit(
        self, follow: bool | UnsetType, limit: int | UnsetType
    ) -> int | None:
        """How many redirects to follow for a call, or None not to follow them."""
        if not (self.follow_redirects if isinstance(follow, UnsetType) else follow):
            return None
        return self.max_redirects if isinstance(limit, UnsetType) else limit

    def _too_many(self, request: Request, history: list[Response]) -> TooManyRedirects:
        return TooManyRedirects(
            f"more than {len(history) - 1} redirects, last to {request.url.redacted()}; "
            "raise max_redirects=... if the chain is meant to be that long",
            request=request, history=history,
        )

    def _check_open(self) -> None:
        if self._closed:
            raise ClientClosed(
                f"this client was closed; create a new {type(self).__name__} to send requests"
            )

    @property
    def is_closed(self) -> bool:
        return self._closed
