"""The cookie jar (RFC 6265): what servers set, kept per domain and path, sent back only where
it belongs.

- ``Set-Cookie`` is parsed as §5.2 says; a cookie without ``Domain`` is host-only; a
  ``Domain`` must domain-match the host that set it and must not be a public suffix (the list
  comes from the ``publicsuffixlist`` package, loaded on first need): no cookie for ``com`` or
  ``co.uk``, and one for ``github.io`` only from ``github.io`` itself, as host-only.
- ``Secure`` cookies are set only by https origins and sent only over https; ``__Secure-`` and
  ``__Host-`` prefixes are enforced (RFC 6265bis). ``HttpOnly`` and ``SameSite`` are kept.
- ``Max-Age`` beats ``Expires``; expired cookies are dropped and never sent.
- Bounds: name and value at most 4096 bytes together, 50 cookies per domain, 3000 in all
  (the oldest go first).

Cookies a caller gives without a domain (``Client(cookies={...})``, ``cookies.set(name,
value)``) are *unscoped*, the caller's own: like client auth they go only to ``base_url``'s
origin when the client has one (to every origin it asks for when it has none), and never on a
redirect hop once the chain has left the first origin. Cookies servers set follow RFC 6265
matching, which (as in browsers) does not separate ports.
"""

from __future__ import annotations

import contextlib
import time
import typing

if typing.TYPE_CHECKING:  # pragma: no cover
    from .._models._request import Request
    from .._models._response import Response
    from .._models._urls import URL

__all__ = ["Cookie", "Cookies", "parse_set_cookie", "keep_cookies", "cookies_for_hop"]


MAX_PAIR = 4096
MAX_PER_DOMAIN = 50
MAX_TOTAL = 3000
_PSL: list[typing.Any] = []


class Cookie:
    __slots__ = ("created", "domain", "expires", "host_only", "http_only", "name", "path",
                 "same_site", "secure", "value")

    def __init__(self, name: str, value: str, domain: str = "", path: str = "/", *,
                 host_only: bool = True, secure: bool = False, http_only: bool = False,
                 same_site: str | None = None, expires: float | None = None) -> None:
        self.name, self.value, self.domain, self.path = name, value, domain, path
        self.host_only, self.secure, self.http_only = host_only, secure, http_only
        self.same_site, self.expires = same_site, expires
        self.created = time.time()

    def __repr__(self) -> str:
        return f"<Cookie {self.name}=*** for {self.domain or '*'}{self.path}>"

    def expired(self, now: float) -> bool:
        return self.expires is not None and self.expires <= now

    def matches(self, host: str, path: str, https: bool, now: float) -> bool:
        if self.expired(now) or (self.secure and not https):
            return False
        if self.domain:
            if self.host_only or _is_ip(host):
                if host != self.domain:
                    return False
            elif not _domain_match(host, self.domain):
                return False
        return _path_match(path, self.path)


class Cookies:
    """A jar; iterate it, ``get``/``set``/``delete`` by name, ``save``/``load`` to a file."""

    def __init__(self, cookies: typing.Mapping[str, str] | Cookies | None = None,
                 domain: str = "") -> None:
        self._jar: dict[tuple[str, str, str], Cookie] = {}
        if isinstance(cookies, Cookies):
            self._jar.update(cookies._jar)
        elif cookies:
            for name, value in cookies.items():
                self.set(name, value, domain=domain)

    def __iter__(self) -> typing.Iterator[Cookie]:
        return iter(list(self._jar.values()))

    def __len__(self) -> int:
        return len(self._jar)

    def __bool__(self) -> bool:
        return bool(self._jar)

    def __repr__(self) -> str:
        return f"<Cookies {len(self._jar)}>"

    def set(self, name: str, value: str, domain: str = "", path: str = "/") -> None:
        """Set a cookie of the caller's own, for ``path`` and below. Without ``domain`` it goes
        where the client's auth goes (only to ``base_url``'s origin, when there is one); with
        one, to that host only. ValueError for a name or value a Cookie field cannot carry."""
        from .._models._headers import check_header

        check_header("Cookie", f"{name}={value}")
        if not name or any(c in name for c in "=;, \t") or ";" in value:
            raise ValueError(f"invalid cookie {name!r}: names hold no '=', ';' or spaces")
        self._store(Cookie(name, value, domain.lower(), path))

    def get(self, name: str, domain: str | None = None) -> str | None:
        """The value of a cookie named ``name`` (of that ``domain``, when given; "" for the
        caller's own), or None."""
        for cookie in self._jar.values():
            if cookie.name == name and (domain is None or cookie.domain == domain):
                return cookie.value
        return None

    def delete(self, name: str, domain: str | None = None) -> None:
        """Remove every cookie named ``name`` (of that ``domain`` only, when given)."""
        for key, cookie in list(self._jar.items()):
            if cookie.name == name and (domain is None or cookie.domain == domain):
                del self._jar[key]

    def clear(self) -> None:
        """Remove every cookie."""
        self._jar.clear()

    # -- what goes out -------------------------------------------------------------------------

    def header_for(self, scheme: str, host: str, path: str, unscoped: bool = True,
                   exclude: typing.Container[str] = ()) -> str:
        """The Cookie value for a request, longest paths first (§5.4); "" when none match."""
        if not self._jar:
            return ""
        now = time.time()
        https = scheme == "https"
        chosen = [c for c in self._jar.values() if (c.domain or unscoped)
                  and c.name not in exclude and c.matches(host, path, https, now)]
        chosen.sort(key=lambda c: (-len(c.path), c.created))
        return "; ".join(f"{c.name}={c.value}" for c in chosen)

    # -- what comes in -------------------------------------------------------------------------

    def extract(self, scheme: str, host: str, path: str, set_cookies: list[str]) -> None:
        """Keep the cookies of these ``Set-Cookie`` values as if ``scheme://host`` had answered a
        request for ``path`` with them; those RFC 6265 refuses are dropped."""
        for line in set_cookies:
            cookie = parse_set_cookie(line, scheme, host, path)
            if cookie is not None:
                self._store(cookie)

    def _store(self, cookie: Cookie) -> None:
        key = (cookie.domain, cookie.path, cookie.name)
        old = self._jar.pop(key, None)
        if old is not None:
            cookie.created = old.created  # §5.3 step 11: the creation time is kept
        if cookie.expired(time.time()):
            return  # a cookie set to expire in the past deletes the old one (§5.3)
        self._jar[key] = cookie
        same = [k for k in self._jar if k[0] == cookie.domain]
        for extra in same[:max(0, len(same) - MAX_PER_DOMAIN)]:
            del self._jar[extra]  # dicts keep insertion order: the oldest go first
        while len(self._jar) > MAX_TOTAL:
            del self._jar[next(iter(self._jar))]

    # -- persistence ---------------------------------------------------------------------------

    def save(self, path: str) -> None:
        """Write the jar as JSON (data only), readable by its owner only (0600), atomically."""
        import json
        import os

        now = time.time()
        rows = [{name: getattr(c, name) for name in Cookie.__slots__}
                for c in self._jar.values() if not c.expired(now)]
        temporary = f"{path}.{os.getpid()}.tmp"
        fd = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_EXCL | os.O_NOFOLLOW, 0o600)
        try:
            with os.fdopen(fd, "w", encoding="utf-8") as f:
                json.dump(rows, f)
            os.replace(temporary, path)
        except BaseException:
            with contextlib.suppress(OSError):
                os.unlink(temporary)
            raise

    @classmethod
    def load(cls, path: str) -> Cookies:
        """A jar from a file ``save`` wrote. The file is data (JSON), never code; anything
        else in it, or a cookie that could not have come from a server, is a ValueError."""
        import json

        jar = cls()
        try:
            with open(path, encoding="utf-8") as f:
                rows = json.load(f)
        except (UnicodeDecodeError, json.JSONDecodeError) as exc:
            raise ValueError(f"{path} is not a restwell cookie file: {exc}") from None
        if not isinstance(rows, list):
            raise ValueError(f"{path} is not a restwell cookie file: not a JSON list")
        for row in rows:
            jar._store(_cookie_from_row(row, path))
        return jar


_ROW_TYPES: dict[str, tuple[type, ...]] = {
    "name": (str,), "value": (str,), "domain": (str,), "path": (str,), "host_only": (bool,),
    "secure": (bool,), "http_only": (bool,), "same_site": (str, type(None)),
    "expires": (int, float, type(None)), "created": (int, float),
}


def _cookie_from_row(row: object, path: str) -> Cookie:
    from .._models._headers import check_header

    if not isinstance(row, dict) or set(row) != set(_ROW_TYPES) or any(
        not isinstance(row[key], types) for key, types in _ROW_TYPES.items()
    ):
        raise ValueError(f"{path} is not a restwell cookie file: a row is malformed")
    try:
        check_header("Cookie", f"{row['name']}={row['value']}")
    except ValueError:
        raise ValueError(f"{path} holds a cookie with control characters") from None
    if not row["name"] or any(c in row["name"] for c in "=;, \t") or ";" in row["value"]:
        raise ValueError(f"{path} holds an invalid cookie name or value")
    cookie = Cookie(row["name"], row["value"], row["domain"].lower(), row["path"])
    for name in Cookie.__slots__:
        setattr(cookie, name, row[name])
    return cookie


def parse_set_cookie(line: str, scheme: str, host: str, request_path: str) -> Cookie | None:
    """One Set-Cookie field, as RFC 6265 §5.2 and §5.3 read it; None when it is refused."""
    pair, *attributes = line.split(";")
    name, eq, value = pair.partition("=")
    name, value = name.strip(), value.strip()
    if not eq or not name or len(name) + len(value) > MAX_PAIR or _has_ctl(name + value):
        return None
    cookie = Cookie(name, value, host, _default_path(request_path))
    max_age: float | None = None
    domain = ""
    for attribute in attributes:
        key, _, val = attribute.partition("=")
        key, val = key.strip().lower(), val.strip()
        if key == "expires" and max_age is None:
            cookie.expires = _http_date(val)
        elif key == "max-age" and val.lstrip("-").isdigit():
            max_age = float(val)
            cookie.expires = time.time() + max_age if max_age > 0 else 0.0
        elif key == "domain" and val:
            domain = val.lstrip(".").lower()
        elif key == "path" and val.startswith("/"):
            cookie.path = val
        elif key == "secure":
            cookie.secure = True
        elif key == "httponly":
            cookie.http_only = True
        elif key == "samesite" and val.lower() in ("strict", "lax", "none"):
            cookie.same_site = val.capitalize()
    if domain and not _accept_domain(cookie, domain, host):
        return None
    if cookie.secure and scheme != "https":
        return None  # RFC 6265bis: an insecure origin cannot set Secure cookies
    if name.startswith("__Secure-") and not cookie.secure:
        return None
    if name.startswith("__Host-") and not (cookie.secure and cookie.host_only
                                          and cookie.path == "/"):
        return None
    return cookie


def _accept_domain(cookie: Cookie, domain: str, host: str) -> bool:
    if _is_public_suffix(domain):
        return domain == host  # a public suffix may only set a host-only cookie for itself
    if not _domain_match(host, domain) or (_is_ip(host) and host != domain):
        return False
    cookie.domain, cookie.host_only = domain, False
    return True


def _is_public_suffix(domain: str) -> bool:
    if not _PSL:
        from publicsuffixlist import PublicSuffixList

        _PSL.append(PublicSuffixList())
    return bool(_PSL[0].is_public(domain))


def _domain_match(host: str, domain: str) -> bool:
    return host == domain or (host.endswith("." + domain) and not _is_ip(host))


def _path_match(request_path: str, cookie_path: str) -> bool:
    if request_path == cookie_path:
        return True
    if request_path.startswith(cookie_path):
        return cookie_path.endswith("/") or request_path[len(cookie_path)] == "/"
    return False


def _default_path(path: str) -> str:
    if not path.startswith("/") or path.count("/") == 1:
        return "/"
    return path[: path.rfind("/")]


def _is_ip(host: str) -> bool:
    return ":" in host or host.replace(".", "").isdigit()


def _has_ctl(text: str) -> bool:
    return any((ord(c) < 0x20 and c != "\t") or c == "\x7f" for c in text)


def _http_date(value: str) -> float | None:
    import email.utils

    try:
        return email.utils.parsedate_to_datetime(value).timestamp()
    except (TypeError, ValueError, IndexError, OverflowError):
        return None


def keep_cookies(jar: Cookies, request: Request, response: Response) -> None:
    """Store what a response's Set-Cookie fields set (each hop of a chain too)."""
    values = response._set_cookie_fields()
    if values:
        url = request.url
        jar.extract(url.scheme, url.host, url.path or "/", values)


def cookies_for_hop(
    jar: Cookies, base_url: URL | None, hop: Request, first: Request, strayed: bool
) -> None:
    """The Cookie field of a redirect hop (or of an auth flow's next request), rebuilt: the
    jar's cookies for the hop's URL, plus the caller's own only while the chain has not left
    the first origin."""
    if not jar and not first.caller_cookies:
        return  # next_request() already dropped the field if the chain left the origin
    caller = "" if strayed else first.caller_cookies
    if caller:
        hop.caller_cookies = caller  # for an auth retry of this hop
    url = hop.url
    unscoped = not strayed and (base_url is None or base_url.origin == url.origin)
    from_jar = jar.header_for(url.scheme, url.host, url.path or "/", unscoped)
    hop.headers.pop_all("cookie")
    value = "; ".join(part for part in (caller, from_jar) if part)
    if value:
        hop.headers.add("Cookie", value)
