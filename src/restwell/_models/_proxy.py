"""Proxies: what a proxy is, which requests go through which, and the CONNECT exchange.

Pure data and rules, no sockets: ``Proxy`` describes one proxy (its URL, its credentials as a
ready ``Proxy-Authorization`` value, the key pooled connections are filed under), ``Routes``
picks the proxy for a URL (per scheme, minus the ``NO_PROXY`` exceptions), and
``routes_from_env`` reads ``HTTP_PROXY``, ``HTTPS_PROXY``, ``ALL_PROXY`` and ``NO_PROXY``. The
transports (``_tunnel``, ``_async_tunnel``) open the connections.

Credentials go to the proxy only: on the CONNECT line for an https target (never inside the
tunnel, where the origin would see them), and on the forwarded request for an http target,
which the proxy consumes. They never appear in ``repr()`` or in messages.
"""

from __future__ import annotations

import base64
import os
import typing

from ._exceptions import InvalidURL
from ._headers import Headers, HeaderTypes
from ._urls import URL

__all__ = ["Proxy", "ProxyTypes", "Routes", "routes_for", "routes_from_env"]


_PROXY_SCHEMES = {"http": 80, "https": 443, "socks5": 1080, "socks5h": 1080}


class Proxy:
    """A proxy: ``http://`` (plain to the proxy), ``https://`` (TLS to the proxy, and TLS to
    an https origin inside that), ``socks5://`` (names resolved here) or ``socks5h://``
    (names resolved by the proxy; needs the ``socks`` extra). Credentials come from the URL's
    userinfo or ``auth=(user, password)``; ``headers`` go to the proxy only."""

    __slots__ = ("auth_header", "headers", "host", "key", "password", "port", "scheme", "url",
                 "username")

    def __init__(
        self, url: URL | str, *, auth: tuple[str, str] | None = None,
        headers: HeaderTypes = None,
    ) -> None:
        text = str(url)
        if "://" not in text:
            text = f"http://{text}"  # "proxy:3128", as curl and the environment spell it
        parsed = URL(text)
        if parsed.scheme not in _PROXY_SCHEMES:
            raise InvalidURL(
                f"Invalid proxy URL {parsed.redacted()!r}: restwell speaks to http://, "
                "https://, socks5:// and socks5h:// proxies"
            )
        if not parsed.host:
            raise InvalidURL(f"Invalid proxy URL {parsed.redacted()!r}: it has no host")
        self.scheme = parsed.scheme
        self.host = parsed.host
        self.port = parsed.port or _PROXY_SCHEMES[parsed.scheme]
        if auth is None and parsed.userinfo:
            auth = (parsed.username, parsed.password)
        self.username, self.password = auth if auth is not None else ("", "")
        self.url = parsed.copy_with(userinfo="", path="", query=None, fragment=None)
        self.auth_header = _basic(*auth) if auth is not None else None
        self.headers = Headers(headers)
        if self.auth_header is not None:
            self.headers["Proxy-Authorization"] = self.auth_header
        # Connections through different proxies, or the same one with other credentials,
        # are never pooled together.
        self.key = (self.scheme, self.host, self.port, self.headers.encoded())

    @property
    def is_socks(self) -> bool:
        """True for a ``socks5://`` or ``socks5h://`` proxy."""
        return self.scheme.startswith("socks")

    def redacted(self) -> str:
        """``scheme://user:***@host:port``, for messages and logs: the password never shows."""
        user = f"{self.username}:***@" if self.auth_header else ""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{self.scheme}://{user}{host}:{self.port}"

    def __repr__(self) -> str:
        return f"Proxy({self.redacted()!r})"

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Proxy) and self.key == other.key

    def __hash__(self) -> int:
        return hash(self.key)


def _basic(username: str, password: str) -> str:
    token = f"{username}:{password}".encode()
    return "Basic " + base64.b64encode(token).decode("ascii")


ProxyTypes = typing.Union[
    URL, str, Proxy, None, typing.Mapping[str, typing.Union[URL, str, Proxy, None]]
]


class Routes:
    """Which proxy, if any, a request goes through: by the URL's scheme, unless ``NO_PROXY``
    exempts its host."""

    __slots__ = ("_by_scheme", "_bypass")

    def __init__(self, by_scheme: dict[str, Proxy | None], no_proxy: str = "") -> None:
        self._by_scheme = by_scheme
        self._bypass = _NoProxy(no_proxy) if no_proxy.strip() else None

    def select(self, url: URL) -> Proxy | None:
        proxy = self._by_scheme.get(url.scheme)
        if proxy is None or (self._bypass is not None and self._bypass.matches(url)):
            return None
        return proxy

    def __bool__(self) -> bool:
        return any(proxy is not None for proxy in self._by_scheme.values())


def _to_proxy(value: URL | str | Proxy | None, auth: tuple[str, str] | None) -> Proxy | None:
    if value is None or value == "":
        return None
    if isinstance(value, Proxy):
        return value if auth is None else Proxy(value.url, auth=auth, headers=value.headers)
    return Proxy(value, auth=auth)


def routes_for(
    proxy: ProxyTypes, proxy_auth: tuple[str, str] | None = None
) -> Routes | None:
    """Routes for an explicit ``proxy=``: one proxy for everything, or a mapping of
    ``"http"``, ``"https"`` and ``"all"`` to proxies, plus an optional ``"no_proxy"`` list."""
    if proxy is None:
        return None
    if isinstance(proxy, typing.Mapping):
        unknown = set(proxy) - {"http", "https", "all", "no_proxy"}
        if unknown:
            raise ValueError(f"proxy= mapping keys are 'http', 'https', 'all' and 'no_proxy', "
                             f"not {sorted(unknown)}")
        every = _to_proxy(proxy.get("all"), proxy_auth)
        by_scheme = {
            scheme: _to_proxy(proxy[scheme], proxy_auth) if scheme in proxy else every
            for scheme in ("http", "https")
        }
        return Routes(by_scheme, str(proxy.get("no_proxy") or ""))
    one = _to_proxy(proxy, proxy_auth)
    return Routes({"http": one, "https": one})


def routes_from_env(
    environ: typing.Mapping[str, str] | None = None, proxy_auth: tuple[str, str] | None = None
) -> Routes | None:
    """Routes from the environment, curl's way: lower-case names first; ``HTTP_PROXY`` in
    upper case is ignored under CGI (``REQUEST_METHOD`` set), where a client's ``Proxy:``
    header would become it (httpoxy, CVE-2016-5385)."""
    env = os.environ if environ is None else environ

    def get(name: str) -> str:
        value = env.get(name)
        if value is None and not (name == "http_proxy" and "REQUEST_METHOD" in env):
            value = env.get(name.upper())
        return (value or "").strip()

    every = get("all_proxy")
    by_scheme = {
        scheme: _to_proxy(get(f"{scheme}_proxy") or every, proxy_auth)
        for scheme in ("http", "https")
    }
    routes = Routes(by_scheme, get("no_proxy"))
    return routes if routes else None


class _NoProxy:
    """``NO_PROXY`` entries: ``*``, host names and domains (``example.com`` and
    ``.example.com`` both cover the domain and its subdomains), IP addresses, CIDR ranges,
    each optionally with ``:port``."""

    __slots__ = ("_all", "_domains", "_networks")

    def __init__(self, text: str) -> None:
        self._all = False
        self._domains: list[tuple[str, int | None]] = []
        self._networks: list[tuple[typing.Any, int | None]] = []
        for entry in text.replace(",", " ").split():
            self._add(entry.lower())

    def _add(self, entry: str) -> None:
        if entry == "*":
            self._all = True
            return
        host, port = _split_port(entry)
        if host[:1].isdigit() or ":" in host:
            import ipaddress  # only an address entry needs it

            try:
                self._networks.append((ipaddress.ip_network(host, strict=False), port))
                return
            except ValueError:
                pass
        domain = host.lstrip("*").lstrip(".")
        if not domain.isascii():  # a URL's host is an A-label (IDNA 2008): compare like with like
            try:
                domain = URL(f"http://{domain}/").host
            except InvalidURL:
                return  # no URL has that host: it exempts nothing
        self._domains.append((domain, port))

    def matches(self, url: URL) -> bool:
        if self._all:
            return True
        host, port = url.host.lower(), url.effective_port
        for domain, want in self._domains:
            if (want is None or want == port) and (
                host == domain or host.endswith("." + domain)
            ):
                return True
        if self._networks and (host[:1].isdigit() or ":" in host):
            import ipaddress

            try:
                address = ipaddress.ip_address(host.split("%")[0])
            except ValueError:
                return False
            return any((want is None or want == port) and address in network
                       for network, want in self._networks)
        return False


def _split_port(entry: str) -> tuple[str, int | None]:
    if entry.startswith("["):  # [v6]:port or [v6]
        host, _, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif entry.count(":") == 1:
        host, _, port = entry.partition(":")
    else:
        host, port = entry, ""
    return host, int(port) if port.isdigit() else None
