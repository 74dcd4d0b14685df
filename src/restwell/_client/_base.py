"""What ``Client`` and ``AsyncClient`` share: settings, building requests, and the test for
whether a call needs the feature flow at all.

Settings are merged call > client > environment > default; ``UNSET`` marks "not given here".
The client's own settings are resolved once, here at construction (``proxy=`` against the
proxy variables, ``timeout=`` against the default); a call's are resolved as its request is
built (``build_request``: params, headers, cookies, timeout, retries, proxy) and, for auth and
redirects, by the feature flow (``_features/_flow``).

The hot path (``get`` -> ``build_request`` -> ``send``) does no work that can be done once
per client: default headers are validated at construction, parsed URLs are cached per
string, and a call with no auth, cookies, retries or hooks is sent without starting the flow.
"""

from __future__ import annotations

import typing

from .._features._auth import AuthTypes, netrc_credentials, to_auth
from .._features._cookies import Cookies
from .._features._redirects import REDIRECT_CODES
from .._models._config import UNSET, Limits, Timeout, TimeoutTypes, UnsetType, to_timeout
from .._models._content import RequestContent, RequestData, RequestFiles, encode_body
from .._models._decoders import ACCEPT_ENCODING
from .._models._exceptions import ClientClosed, InvalidURL
from .._models._headers import _KNOWN_METHODS, Headers, HeaderTypes, check_method
from .._models._proxy import ProxyTypes, routes_for, routes_from_env
from .._models._request import _BODY_METHODS, _FRAMING, Request, set_length
from .._models._response import DefaultEncoding, Response
from .._models._retry import RetryTypes, to_retry
from .._models._urls import URL, QueryParams
from .._version import __version__
from ._build import CookieTypes, add_cookies, base_url_of, merge_params, merge_url, upload_options
from ._caching import CacheTypes, to_cache

if typing.TYPE_CHECKING:  # pragma: no cover
    from .._io._tls import CertTypes, VerifyTypes

__all__ = ["BaseClient", "EventHooks", "SEND_OPTIONS"]
USER_AGENT = f"restwell/{__version__}"
EventHooks = typing.Mapping[str, typing.Sequence[typing.Callable[..., typing.Any]]]
_URL_CACHE_SIZE = 512
# The options build_request() does not take (send()'s own, the call's cache=,
# raise_for_status= and path=), which the verbs pass on to request() instead.
SEND_OPTIONS = frozenset({"auth", "follow_redirects", "max_redirects", "cache",
                          "raise_for_status", "path"})
# With raise_for_status=True, a 4xx or 5xx leaves the direct path as a redirect does.
_RAISING = REDIRECT_CODES | frozenset(range(400, 1000))


class BaseClient:
    """What ``Client`` and ``AsyncClient`` share: settings, and building requests."""

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
    ) -> None:
        self.base_url = base_url_of(base_url)
        # The text encoding of responses that name none: a codec, or a function of the body
        # that names one (charset detection); the client hands it to each response.
        self.default_encoding = default_encoding
        self._cache = to_cache(cache)
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
        if mounts:  # {"all://*.corp": transport, ...}: routed by URL pattern (_mounts)
            from ._mounts import Mounted

            self._transport = Mounted(self._transport, mounts)
        self._urls: dict[str, URL] = {}
        self._names: tuple[str | None, frozenset[str]] = (None, frozenset())
        self._netrc_hosts: dict[str, tuple[str, str]] | None = None
        self._closed = False
        self.raise_for_status = raise_for_status

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
            cached = merge_url(self.base_url, url)
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
        if params or self.params:
            target = target.copy_merge_params(merge_params(self.params, params))
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
        merged = self.headers._for_host(target._netloc or target.netloc)
        if headers:
            merged._override(Headers(headers), self._default_names())
        if cookies or self.cookies._jar:  # (the jar's dict: bool(Cookies) is a Python call)
            scoped = self.base_url is None or self.base_url.origin == target.origin
            caller = add_cookies(merged, cookies, self.cookies, target, scoped)
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
            self.timeout if timeout is UNSET else to_timeout(timeout)  # type: ignore[arg-type]
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
        if cached[0] is not self.headers.encoded():
            cached = self._names = self.headers._names()
        return cached[1]

    # -- what a call needs ---------------------------------------------------------------------

    def _plain(self, request: Request) -> bool:
        """Can this request go straight to the transport, with no feature before it (no
        auth of any kind, no retries, no request hooks, its route known, no cache)? ``send``
        asks only when the call gave no ``auth=``. The netrc test is ``auth_for``'s, short-cut."""
        return (self.auth is None and not request.url.userinfo
                and (self._netrc_hosts == {} or not self.trust_env)
                and request.proxy is not UNSET and self.retries is None
                and request.retries is UNSET and not self.event_hooks["request"]
                and self._cache is None)

    def _settled(self, response: Response) -> bool:
        """Is a directly sent request's response the caller's as it is (no cookie to keep,
        no redirect to follow, no response hook)?"""
        return (response.status_code not in self._unsettled
                and response._raw_head is not None and "set-cookie" not in response._lower_head
                and not self.event_hooks["response"])

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
