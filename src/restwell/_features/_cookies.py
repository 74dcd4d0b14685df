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

Values are octets (§5.4): a Set-Cookie value is read as UTF-8 with ``surrogateescape``, so
any other byte is kept as a lone surrogate and goes back as that byte; text a caller gives
goes out as UTF-8, bytes as they are. ``Cookies`` is a mapping of names to values (as
requests' and httpx's jars are) over the records, guarded by one lock.
"""

from __future__ import annotations

import _thread
import contextlib
import time
import typing

from .._models._exceptions import CookieConflict

if typing.TYPE_CHECKING:  # pragma: no cover
    from .._models._request import Request
    from .._models._response import Response
    from .._models._urls import URL

__all__ = ["Cookie", "Cookies", "parse_set_cookie", "keep_cookies", "cookies_for_hop",
           "set_cookie_octets"]


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

    def copy(self) -> Cookie:
        """An independent copy of this record."""
        new = Cookie.__new__(Cookie)
        for name in Cookie.__slots__:
            setattr(new, name, getattr(self, name))
        return new

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


class Cookies(typing.MutableMapping[str, str]):
    """A jar, and a mapping of cookie names to values (as requests' and httpx's jars are):
    ``jar["sid"]``, ``"sid" in jar``, ``dict(jar)``, ``jar.update({...})``.

    A name can belong to cookies of several domains or paths: ``jar[name]`` then raises
    ``CookieConflict`` (unless they share one value), and ``get(name, domain=, path=)``
    picks one. ``records()`` lists the whole ``Cookie`` records; ``save``/``load`` persist
    them. Thread-safe: one lock guards the records (held for no I/O and no await, so an
    AsyncClient may share it too); a client that has no cookie never takes it.
    """

    def __init__(self, cookies: typing.Mapping[str, str | bytes] | Cookies | None = None,
                 domain: str = "") -> None:
        self._jar: dict[tuple[str, str, str], Cookie] = {}
        self._lock = _thread.allocate_lock()
        if isinstance(cookies, Cookies):
            self._jar.update((key, c.copy()) for key, c in cookies._items())
        elif cookies:
            for name, value in cookies.items():
                self.set(name, value, domain=domain)

    def __getstate__(self) -> dict[str, typing.Any]:  # (pickle and copy: the lock is not)
        return {"_jar": dict(self._items())}

    def __setstate__(self, state: dict[str, typing.Any]) -> None:
        self._jar = state["_jar"]
        self._lock = _thread.allocate_lock()

    def _items(self) -> list[tuple[tuple[str, str, str], Cookie]]:
        with self._lock:
            return list(self._jar.items())

    def _live(self) -> list[Cookie]:
        """The unexpired records, oldest first (expired ones are dropped on the way)."""
        now = time.time()
        with self._lock:
            gone = [key for key, c in self._jar.items() if c.expired(now)]
            for key in gone:
                del self._jar[key]
            return list(self._jar.values())

    # -- the mapping: names to values ----------------------------------------------------------

    def __getitem__(self, name: str) -> str:
        value = self._find(name, None, None)
        if value is None:
            raise KeyError(name)
        return value

    def __setitem__(self, name: str, value: str | bytes) -> None:
        self.set(name, value)

    def __delitem__(self, name: str) -> None:
        if not self._remove(name, None, None):
            raise KeyError(name)

    def __iter__(self) -> typing.Iterator[str]:
        return iter(dict.fromkeys(c.name for c in self._live()))

    def __len__(self) -> int:
        return len({c.name for c in self._live()})

    def __contains__(self, name: object) -> bool:
        return any(c.name == name for c in self._live())

    def __bool__(self) -> bool:
        return bool(self._jar) and bool(self._live())

    def __repr__(self) -> str:
        return f"<Cookies {sorted(self)}>"

    def get(self, name: str, default: typing.Any = None,
            domain: str | None = None, path: str | None = None) -> typing.Any:
        """The value of the cookie named ``name`` (of that ``domain`` and ``path``, when given;
        domain "" for the caller's own), else ``default``. ``CookieConflict`` when several
        match with different values."""
        value = self._find(name, domain, path)
        return default if value is None else value

    def set(self, name: str, value: str | bytes, domain: str = "", path: str = "/") -> None:
        """Set a cookie of the caller's own, for ``path`` and below. Without ``domain`` it goes
        where the client's auth goes (only to ``base_url``'s origin, when there is one); with
        one, to that host only. A str value goes out as UTF-8, bytes as they are. ValueError
        for a name or value a Cookie field cannot carry."""
        from .._models._headers import check_header

        if isinstance(value, (bytes, bytearray)):
            value = bytes(value).decode("utf-8", "surrogateescape")  # octets, as they go out
        check_header("Cookie", f"{name}={value}")
        if not name or any(c in name for c in "=;, \t") or ";" in value:
            raise ValueError(f"invalid cookie {name!r}: names hold no '=', ';' or spaces")
        cookie = Cookie(name, value, domain.lower(), path)
        with self._lock:
            self._store(cookie)

    def update(self, other: typing.Any = (), /, **kwargs: str) -> None:
        """Set these cookies (a mapping, pairs or keywords, as ``dict.update`` takes them); the
        records of another jar are copied whole, domains and paths included."""
        if isinstance(other, Cookies):
            copies = [c.copy() for _, c in other._items()]
            with self._lock:
                for cookie in copies:
                    self._store(cookie)
            other = ()
        super().update(other, **kwargs)

    def items(self) -> list[tuple[str, str]]:  # type: ignore[override]
        """Every cookie's (name, value), one snapshot (safe while other threads change the
        jar, which ``dict(jar)``, reading names then values, is not); a name set for several
        domains or paths appears once for each, as in requests' jar."""
        return [(c.name, c.value) for c in self._live()]

    def values(self) -> list[str]:  # type: ignore[override]
        """Every cookie's value, one snapshot (see ``items``)."""
        return [c.value for c in self._live()]

    def records(self) -> list[Cookie]:
        """Every cookie as its full record (name, value, domain, path, flags, expiry): a
        snapshot, oldest first."""
        return self._live()

    def delete(self, name: str, domain: str | None = None, path: str | None = None) -> None:
        """Remove every cookie named ``name`` (of that ``domain`` and ``path`` only, when given);
        none is no error."""
        self._remove(name, domain, path)

    def clear(self, domain: str | None = None, path: str | None = None) -> None:
        """Remove every cookie (of that ``domain``, and that ``path``, when given)."""
        with self._lock:
            if domain is None and path is None:
                self._jar.clear()
                return
            for key in [k for k in self._jar if (domain is None or k[0] == domain.lower())
                        and (path is None or k[1] == path)]:
                del self._jar[key]

    def _find(self, name: str, domain: str | None, path: str | None) -> str | None:
        found = [c for c in self._live() if c.name == name
                 and (domain is None or c.domain == domain.lower())
                 and (path is None or c.path == path)]
        if not found:
            return None
        if len(found) > 1 and len({c.value for c in found}) > 1:
            where = ", ".join(f"{c.domain or '(yours)'}{c.path}" for c in found)
            raise CookieConflict(
                f"{len(found)} cookies are named {name!r} ({where}); pick one with "
                f"cookies.get({name!r}, domain=..., path=...)"
            )
        return found[-1].value

    def _remove(self, name: str, domain: str | None, path: str | None) -> bool:
        with self._lock:
            keys = [key for key, c in self._jar.items() if c.name == name
                    and (domain is None or c.domain == domain.lower())
                    and (path is None or c.path == path)]
            for key in keys:
                del self._jar[key]
        return bool(keys)

    # -- what goes out -------------------------------------------------------------------------

    def header_for(self, scheme: str, host: str, path: str, unscoped: bool = True,
                   exclude: typing.Container[str] = ()) -> str:
        """The Cookie value for a request, longest paths first (§5.4); "" when none match."""
        if not self._jar:
            return ""
        now = time.time()
        https = scheme == "https"
        with self._lock:
            chosen = [c for c in self._jar.values() if (c.domain or unscoped)
                      and c.name not in exclude and c.matches(host, path, https, now)]
        chosen.sort(key=lambda c: (-len(c.path), c.created))
        return "; ".join(f"{c.name}={c.value}" for c in chosen)

    # -- what comes in -------------------------------------------------------------------------

    def extract(self, scheme: str, host: str, path: str, set_cookies: list[str]) -> None:
        """Keep the cookies of these ``Set-Cookie`` values as if ``scheme://host`` had answered a
        request for ``path`` with them; those RFC 6265 refuses are dropped."""
        cookies = [parse_set_cookie(line, scheme, host, path) for line in set_cookies]
        with self._lock:
            for cookie in cookies:
                if cookie is not None:
                    self._store(cookie)

    def _store(self, cookie: Cookie) -> None:
        """Keep one cookie (with the lock held)."""
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

        rows = [{name: getattr(c, name) for name in Cookie.__slots__} for c in self._live()]
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
        cookies = [_cookie_from_row(row, path) for row in rows]
        with jar._lock:
            for cookie in cookies:
                jar._store(cookie)
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
    values = set_cookie_octets(response)
    if values:
        url = request.url
        jar.extract(url.scheme, url.host, url.path or "/", values)


def set_cookie_octets(response: Response) -> list[str]:
    """A response's Set-Cookie values as octets (RFC 6265 §5.4), for the jar: UTF-8 reads as
    text, any other byte as a lone surrogate (``surrogateescape``), which the head's encoder
    turns back into that byte. (``response.headers`` reads a value that is not UTF-8 as
    Latin-1, for display: a 0xE9 read as "é" would go back as UTF-8, two other bytes.)"""
    if response._raw_head is None:
        return response._set_cookie_fields()  # a Response made in Python: its headers
    if "set-cookie" not in response._lower_head:
        return []
    return [value.decode("utf-8", "surrogateescape") for name, value in response._wire_fields()
            if name.lower() == b"set-cookie"]


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
