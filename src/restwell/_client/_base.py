"""What ``Client`` and ``AsyncClient`` share: settings, building requests, and the test for
whether a call needs the feature flow at all.

Settings are merged call > client > environment > default; ``UNSET`` marks "not given here".
The client's own settings are converted once, at construction or when a property is assigned
(``client.timeout = 5``: one conversion per setting, ``_settings``); those that make the
transport and the proxy routes (``verify``, ``proxy``...) are fixed at construction. A call's
are resolved as its request is built (``build_request``: params, headers, cookies, timeout,
retries, proxy) and, for auth and redirects, by the feature flow (``_features/_flow``).

The hot path (``get`` -> ``build_request`` -> ``send``) does no work that can be done once
per client: default headers are validated at construction, parsed URLs are cached per
string, and a call with no auth, cookies, retries or hooks is sent without starting the flow.
"""

from __future__ import annotations

import typing

from .._features._auth import Auth, AuthTypes, netrc_credentials, to_auth
from .._features._cookies import Cookies
from .._features._redirects import REDIRECT_CODES
from .._models._config import UNSET, Limits, Timeout, TimeoutTypes, UnsetType, to_timeout
from .._models._content import RequestContent, RequestData, RequestFiles, encode_body
from .._models._exceptions import ClientClosed, InvalidURL
from .._models._headers import _KNOWN_METHODS, Headers, HeaderTypes, check_method
from .._models._proxy import ProxyTypes, routes_for, routes_from_env
from .._models._request import _BODY_METHODS, _FRAMING, Request, set_length
from .._models._response import DefaultEncoding, Response
from .._models._retry import Retry, RetryTypes, to_retry
from .._models._urls import URL, QueryParams
from ._build import (
    CookieTypes,
    add_cookies,
    base_url_of,
    merge_url,
    override_fields,
    upload_options,
    with_params,
)
from ._caching import CacheTypes, to_cache
from ._keywords import CALL_KEYWORDS, call_keyword, constructor_keywords
from ._settings import (
    USER_AGENT,
    EventHooks,
    Hooks,
    fixed_property,
    fixed_setting,
    params_as_pairs,
    to_client_timeout,
    to_cookies,
    to_event_hooks,
    to_follow_redirects,
    to_headers,
    to_max_redirects,
    to_params,
    unknown_setting,
)

if typing.TYPE_CHECKING:  # pragma: no cover
    from .._io._tls import CertTypes, VerifyTypes

__all__ = ["BaseClient", "EventHooks", "SEND_OPTIONS", "USER_AGENT"]
_URL_CACHE_SIZE = 512
# The options build_request() does not take (send()'s own, the call's cache=,
# raise_for_status= and path=), which the verbs pass on to request() instead.
SEND_OPTIONS = frozenset({"auth", "follow_redirects", "max_redirects", "cache",
                          "raise_for_status", "path"})
# With raise_for_status=True, a 4xx or 5xx leaves the direct path as a redirect does.
_RAISING = REDIRECT_CODES | frozenset(range(400, 1000))


class BaseClient:
    """What ``Client`` and ``AsyncClient`` share: settings, and building requests.

    The settings are properties: assigning one (``client.auth = ("u", "p")``,
    ``client.timeout = 5``) converts and checks it as the constructor does; those that make
    the transport or the proxy routes are fixed, and assigning one raises AttributeError.
    The hot path reads the underscore attributes behind them."""

    # Slots: a misspelt or foreign setting (client.verfy = ..., session.proxies = ...) is
    # an AttributeError, never an attribute nobody reads. (A subclass has a __dict__.)
    __slots__ = ("__weakref__", "_auth", "_base_url", "_cache", "_cert", "_closed", "_cookies",
                 "_default_encoding", "_raise_for_status", "_unsettled",
                 "_event_hooks", "_follow_redirects", "_headers", "_limits", "_max_redirects",
                 "_names", "_netrc_hosts", "_params", "_proxy", "_proxy_auth", "_retries",
                 "_routes", "_timeout", "_transport", "_trust_env", "_urls", "_verify")
    _transport: typing.Any
    _asynchronous = False  # (AsyncClient: True; the flow starts the matching auth flow)

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
        default_encoding: DefaultEncoding = "utf-8",
        cache: CacheTypes = None,
        mounts: typing.Mapping[str, typing.Any] | None = None,
        raise_for_status: bool = False,
        **unknown: typing.Any,
    ) -> None:
        if unknown:  # requests' Session names, httpx's arguments: say what restwell takes
            raise TypeError(constructor_keywords(type(self).__name__, unknown, _CONSTRUCTOR))
        self._urls: dict[str, URL] = {}
        self._names: tuple[str | None, frozenset[str]] = (None, frozenset())
        self._netrc_hosts: dict[str, tuple[str, str]] | None = None
        self._closed = False
        # Each setting through its one conversion, which the property's setter uses too.
        self._base_url = base_url_of(base_url)
        self._retries = to_retry(retries)
        self._headers = to_headers(headers)
        self._params = to_params(params)
        self._auth = to_auth(auth)
        self._timeout = to_client_timeout(timeout)
        # Cookies given here are the caller's (no domain): like client auth, they go only to
        # base_url's origin when there is one (see _cookies); the jar adds what servers set.
        # A jar given is used as it is (shared).
        self._cookies = to_cookies(cookies)
        self._event_hooks = to_event_hooks(event_hooks)
        self._follow_redirects = to_follow_redirects(follow_redirects)
        self._max_redirects = to_max_redirects(max_redirects)
        # The text encoding of responses that name none: a codec, or a function of the body
        # that names one (charset detection); the client hands it to each response.
        self.default_encoding = default_encoding
        self._cache = to_cache(cache)
        # Fixed here: the proxy routes and the transport are made once.
        self._trust_env = trust_env
        self._verify, self._cert, self._proxy = verify, cert, proxy
        self._limits = limits = limits or Limits()
        # An explicit proxy= (None included: "go direct") wins over the environment.
        self._proxy_auth = proxy_auth
        if isinstance(proxy, UnsetType):
            self._routes = routes_from_env(proxy_auth=proxy_auth) if trust_env else None
        else:
            self._routes = routes_for(proxy, proxy_auth)
        self._transport = transport or self._default_transport(
            verify=verify, cert=cert, limits=limits, trust_env=trust_env
        )
        if mounts:  # {"all://*.corp": transport, ...}: routed by URL pattern (_mounts)
            from ._mounts import Mounted

            self._transport = Mounted(self._transport, mounts)
        self.raise_for_status = raise_for_status

    def __setattr__(self, name: str, value: typing.Any) -> None:
        try:
            object.__setattr__(self, name, value)
        except AttributeError:
            if hasattr(type(self), name):  # a fixed setting, or a read-only one: its message
                raise
            raise AttributeError(unknown_setting(type(self).__name__, name)) from None

    # -- settings ------------------------------------------------------------------------------

    @property
    def auth(self) -> Auth | None:
        """The client's auth (an ``Auth``, or None); assign ``(user, password)``, an ``Auth``
        or a callable as ``auth=`` takes them. It goes only to ``base_url``'s origin."""
        return self._auth

    @auth.setter
    def auth(self, auth: AuthTypes) -> None:
        self._auth = to_auth(auth)

    @property
    def base_url(self) -> URL | None:
        """The URL relative request URLs extend (None: every URL must be absolute)."""
        return self._base_url

    @base_url.setter
    def base_url(self, base_url: URL | str | None) -> None:
        self._base_url = base_url_of(base_url)
        self._urls = {}  # the URLs joined to the old base

    @property
    def headers(self) -> Headers:
        """The default fields of every request; change them in place
        (``client.headers["X"] = "1"``, ``client.headers.update(...)``, a value of None
        removes one) or assign new ones, which go over the defaults as ``headers=`` does."""
        return self._headers

    @headers.setter
    def headers(self, headers: HeaderTypes) -> None:
        self._headers = to_headers(headers)

    @property
    def params(self) -> tuple[tuple[str, str], ...]:
        """The default query parameters, as decoded (key, value) pairs; assign new ones as
        ``params=`` takes them. A URL or call that has the key keeps its own."""
        return params_as_pairs(self._params)

    @params.setter
    def params(self, params: QueryParams) -> None:
        self._params = to_params(params)

    @property
    def timeout(self) -> Timeout:
        """The client's ``Timeout``; assign seconds, ``(connect, read)``, None or a Timeout."""
        return self._timeout

    @timeout.setter
    def timeout(self, timeout: TimeoutTypes | UnsetType) -> None:
        self._timeout = to_client_timeout(timeout)

    @property
    def cookies(self) -> Cookies:
        """The jar (a mapping of names to values, and the full records); assign a mapping for
        a new jar of your own cookies, or a ``Cookies`` to share that jar."""
        return self._cookies

    @cookies.setter
    def cookies(self, cookies: CookieTypes) -> None:
        self._cookies = to_cookies(cookies)

    @property
    def event_hooks(self) -> Hooks:
        """``{"request": [...], "response": [...]}``: append to the lists, or assign anew."""
        return self._event_hooks

    @event_hooks.setter
    def event_hooks(self, event_hooks: EventHooks | None) -> None:
        self._event_hooks = to_event_hooks(event_hooks)

    @property
    def follow_redirects(self) -> bool:
        """Whether redirects are followed (per call: ``follow_redirects=``)."""
        return self._follow_redirects

    @follow_redirects.setter
    def follow_redirects(self, follow: bool) -> None:
        self._follow_redirects = to_follow_redirects(follow)

    @property
    def max_redirects(self) -> int:
        """How many redirects a call follows at most (TooManyRedirects beyond)."""
        return self._max_redirects

    @max_redirects.setter
    def max_redirects(self, limit: int) -> None:
        self._max_redirects = to_max_redirects(limit)

    @property
    def retries(self) -> Retry | None:
        """The client's ``Retry`` policy (None: off); assign an int or a Retry."""
        return self._retries

    @retries.setter
    def retries(self, retries: RetryTypes) -> None:
        self._retries = to_retry(retries)

    # Fixed when the client is made: readable, and assigning one says so.

    @property
    def trust_env(self) -> bool:
        """Whether the environment (proxy variables, netrc, SSL_CERT_FILE) was read."""
        return self._trust_env

    @trust_env.setter
    def trust_env(self, value: bool) -> None:
        raise AttributeError(fixed_setting(type(self).__name__, "trust_env"))

    verify = fixed_property("verify", "The ``verify=`` the client was made with.")
    cert = fixed_property("cert", "The ``cert=`` the client was made with.")
    limits = fixed_property("limits", "The pool's ``Limits``.")
    proxy = fixed_property("proxy", "The ``proxy=`` given (UNSET: the environment's, with "
                                    "``trust_env``).")
    proxy_auth = fixed_property("proxy_auth", "The ``proxy_auth=`` given.")
    transport = fixed_property("transport", "What the client sends through.")
    cache = fixed_property("cache", "The client's ``Cache`` (None: it caches nothing).")

    def _keywords(self, called: str, kwargs: dict[str, typing.Any]) -> dict[str, typing.Any]:
        """The keywords of a call without those that mean nothing here; a TypeError saying
        what to write instead for one restwell does not take (``called``: "get" and so on)."""
        owner = type(self).__name__
        for name in kwargs:
            if name not in CALL_KEYWORDS:
                call_keyword(f"{owner}.{called}()", owner, "client", name, kwargs[name],
                             {"verify": self._verify, "cert": self._cert}
                             if self._transport_is_default() else {})
        return {name: value for name, value in kwargs.items() if name in CALL_KEYWORDS}

    def _transport_is_default(self) -> bool:
        from .._io._settings import TransportSettings

        return isinstance(self._transport, TransportSettings)

    def _default_transport(self, **settings: typing.Any) -> typing.Any:
        raise NotImplementedError

    def __repr__(self) -> str:
        base = f" base_url={str(self._base_url)!r}" if self._base_url else ""
        return f"<{type(self).__name__}{base} {self._transport!r}>"

    # -- building requests ---------------------------------------------------------------------

    def _url(self, url: URL | str) -> URL:
        if isinstance(url, URL):
            return url if self._base_url is None else self._base_url.join(url)
        cached = self._urls.get(url)
        if cached is None:
            cached = merge_url(self._base_url, url)
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
        """The request a call with these arguments would send, with the client's settings
        merged in (``base_url``, default headers and params, cookies, timeout, retries and
        proxy), for ``send()``: to inspect or change it first."""
        target = self._urls.get(url) if type(url) is str else None  # (_url's cache, inlined)
        if target is None:
            target = self._url(url)
        if params or self._params:
            target = with_params(target, self._params, params)
        request = Request.__new__(Request)
        if method not in _KNOWN_METHODS:
            method = check_method(method)
        request.method = method
        request.url = target
        # (no_options(request), inlined: a call costs more than these stores)
        request.retries = request.routes = UNSET
        request.caller_cookies = ""
        request.expect_continue = None
        request.for_auth = False
        request._extensions = None
        merged = self._headers._for_host(target._netloc or target.netloc)
        if headers:
            extra = Headers(headers)
            # One field per item of a dict, unless a value was None (Headers leaves it out):
            # that field left out, a client default too (pairs and the rest: _build's).
            if (type(headers) is dict and len(extra._list) == len(headers)) or (
                    type(headers) is Headers):
                merged._override(extra, self._default_names())
            else:
                override_fields(merged, headers, self._default_names())
        if cookies or self._cookies._jar:  # (the jar's dict: bool(Cookies) is a Python call)
            base = self._base_url
            scoped = base is None or base.origin == target.origin
            caller = add_cookies(merged, cookies, self._cookies, target, scoped)
            if caller:
                request.caller_cookies = caller
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
            self._timeout if timeout is UNSET else to_timeout(timeout)  # type: ignore[arg-type]
        )
        if request.body and (expect_continue or upload_progress is not None):
            upload_options(request, expect_continue, upload_progress)
        if retries is not UNSET:  # this call's retries= beat the client's
            request.retries = to_retry(retries)  # type: ignore[arg-type]
        # Without routes the choice is already made (direct); else the flow makes it.
        request.proxy = None if self._routes is None else UNSET
        if proxy is not UNSET:  # this call's proxy= beats the client's
            routes = request.routes = routes_for(proxy, self._proxy_auth)  # type: ignore[arg-type]
            request.proxy = None if routes is None else routes.select(target)
        return request

    def _default_names(self) -> frozenset[str]:
        """The lower-cased names of the client's default fields, worked out again only when
        they change (every change makes a new serialised block)."""
        cached = self._names
        if cached[0] is not self._headers.encoded():
            cached = self._names = self._headers._names()
        return cached[1]

    # -- what a call needs ---------------------------------------------------------------------

    def _plain(self, request: Request) -> bool:
        """Can this request go straight to the transport, with no feature before it (no
        auth of any kind, no retries, no request hooks, its route known, no cache)? ``send``
        asks only when the call gave no ``auth=``. The netrc test is ``auth_for``'s, short-cut."""
        return (self._auth is None and not request.url.userinfo
                and (self._netrc_hosts == {} or not self._trust_env)
                and request.proxy is not UNSET and self._retries is None
                and request.retries is UNSET and not self._event_hooks["request"]
                and self._cache is None)

    def _settled(self, response: Response) -> bool:
        """Is a directly sent request's response the caller's as it is (no cookie to keep,
        no redirect to follow, no response hook)?"""
        return (response.status_code not in self._unsettled
                and response._raw_head is not None and "set-cookie" not in response._lower_head
                and not self._event_hooks["response"])

    def _netrc(self) -> dict[str, tuple[str, str]]:
        """The netrc credentials by host (``~/.netrc`` or ``NETRC``)."""
        netrc = self._netrc_hosts
        if netrc is None:  # read once per client, on first use
            netrc = self._netrc_hosts = netrc_credentials()
        return netrc

    def _check_open(self) -> None:
        if self._closed:
            raise ClientClosed(
                f"this client was closed; create a new {type(self).__name__} to send requests"
            )

    @property
    def default_encoding(self) -> DefaultEncoding:
        """The text encoding of responses that name none: a codec name, or a function given
        the body that names one (charset detection)."""
        return "utf-8" if self._default_encoding is None else self._default_encoding

    @default_encoding.setter
    def default_encoding(self, value: DefaultEncoding) -> None:
        # None for UTF-8, the responses' own default: a client that keeps it stores nothing
        # on each response (send() tests it for None).
        self._default_encoding = None if value == "utf-8" else value

    @property
    def raise_for_status(self) -> bool:
        """Whether every 4xx and 5xx raises its ``HTTPStatusError`` (a call's
        ``raise_for_status=`` beats it)."""
        return self._raise_for_status

    @raise_for_status.setter
    def raise_for_status(self, value: bool) -> None:
        self._raise_for_status = bool(value)
        self._unsettled = _RAISING if value else REDIRECT_CODES

    @property
    def is_closed(self) -> bool:
        """True once ``close()`` (``aclose()``) has been called."""
        return self._closed


# The constructor's own keywords, for the "did you mean" of an unknown one.
_CONSTRUCTOR = frozenset(BaseClient.__init__.__code__.co_varnames[
    1:BaseClient.__init__.__code__.co_kwonlyargcount + 1])
