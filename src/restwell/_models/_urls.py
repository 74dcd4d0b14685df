"""URL parsing, normalisation and joining (RFC 3986), written for safety first.

Invariants:
- A URL never holds an ASCII control character, space-free hosts only: any C0 control or DEL
  anywhere in the input raises ``InvalidURL`` (CVE-2016-5699, CVE-2019-9740, CVE-2022-0391), so
  nothing a caller types can split the request line. Leading and trailing spaces are stripped
  (CVE-2023-24329).
- ``str(URL(s))`` parses back to the same URL, and the host we connect to is the host ``.host``
  shows (CVE-2021-41945): the authority is split once, on the last ``@``.
- Every step is linear in the input (CVE-2021-33503, CVE-2020-7212); host lengths are checked
  before IDNA ever runs (CVE-2022-45061).
- A non-ASCII host is encoded by IDNA 2008 with the UTS #46 mapping, non-transitional (the
  ``idna`` package): the host requests, httpx, aiohttp, urllib3 and browsers connect to
  (``faß.de`` is ``xn--fa-hia.de``). An ASCII host never reaches it.
- Percent-encoding follows the WHATWG sets: we encode what must be encoded and keep existing
  escapes, so ``filter[name]=x`` reaches the server as typed.
"""

from __future__ import annotations

import re
import typing

from ._exceptions import InvalidURL
from ._forms import (
    QueryParams,
    encode_form,
    form_key,
    form_quote,
    param_pairs,
    query_keys,
    query_pairs,
)
from ._percent import quote, unquote

__all__ = ["URL", "QueryParams", "encode_form", "param_pairs", "form_quote", "form_key",
           "query_keys", "query_pairs"]


_SPLIT = re.compile(
    r"(?:([A-Za-z][A-Za-z0-9+.\-]*):)?(?://([^/?#]*))?([^?#]*)(?:\?([^#]*))?(?:#(.*))?",
    re.DOTALL,
)
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
_DEFAULT_PORTS = {"http": 80, "https": 443, "ws": 80, "wss": 443}
_MAX_URL = 1 << 20

# Characters each component may carry as they are; anything else is percent-encoded.
_PATH_RAW = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/%\[\]|^\\]*")
_QUERY_RAW = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:@/?%\[\]|^\\`{}]*")
_USER_RAW = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=:%]*")
_FRAG_RAW = _QUERY_RAW
_HOST_ASCII = re.compile(r"[A-Za-z0-9\-._~!$&'()*+,;=]*")
_PORT = re.compile(r"[0-9]{1,5}")


def _check_host_length(host: str, url: str) -> None:
    if len(host) > 253:
        raise InvalidURL(f"Invalid URL {url!r}: the host name is longer than 253 characters")
    for label in host.split("."):
        if len(label) > 63:
            raise InvalidURL(f"Invalid URL {url!r}: a host label is longer than 63 characters")


def _normalise_host(host: str, url: str) -> str:
    if host.startswith("["):
        if not host.endswith("]"):
            raise InvalidURL(f"Invalid URL {url!r}: an IPv6 host needs a closing ']'")
        import ipaddress

        inner = host[1:-1]
        zone = ""
        if "%25" in inner:  # RFC 6874 zone identifier
            inner, zone = inner.split("%25", 1)
        try:
            address = ipaddress.IPv6Address(inner)
        except ValueError:
            raise InvalidURL(f"Invalid URL {url!r}: {host!r} is not an IPv6 address") from None
        return address.compressed + (f"%25{zone}" if zone else "")
    _check_host_length(host, url)
    if host.isascii():
        if not _HOST_ASCII.fullmatch(host):
            raise InvalidURL(f"Invalid URL {url!r}: the host {host!r} has invalid characters")
        return host.lower()
    return _normalise_host(_idna_host(host, url), url)


def _idna_host(host: str, url: str) -> str:
    """A non-ASCII host in its ASCII (A-label) form: IDNA 2008 with the UTS #46 mapping,
    non-transitional, as browsers, requests, httpx, aiohttp and urllib3 resolve it (``faß.de``
    is ``xn--fa-hia.de``; IDNA 2003 would make it another host, ``fass.de``)."""
    import idna  # only a non-ASCII host needs it

    try:
        # Case folding, width and compatibility forms (U+3002 and the full-width dots are
        # dots); deviation characters (ß, ς, ZWJ, ZWNJ) are kept, not mapped away.
        mapped = idna.uts46_remap(host, std3_rules=False, transitional=False)
    except idna.IDNAError as exc:
        raise InvalidURL(f"Invalid URL {url!r}: the host {host!r} is not a valid "
                         f"internationalised domain name: {exc}") from None
    if any(c in mapped for c in "/?#@:[]\\%"):  # CVE-2019-9636: U+FF20 maps to @, and so on
        raise InvalidURL(f"Invalid URL {url!r}: the host normalises to URL delimiters")
    labels = mapped.split(".")
    out = []
    for i, label in enumerate(labels):
        if label.isascii():
            if not label and 0 < i < len(labels) - 1:
                raise InvalidURL(f"Invalid URL {url!r}: the host {host!r} has an empty label")
            out.append(label)  # checked with the whole host by _normalise_host
            continue
        try:
            out.append(idna.alabel(label).decode("ascii"))  # IDNA 2008 validity, bidi, joiners
        except idna.IDNAError as exc:
            raise InvalidURL(f"Invalid URL {url!r}: the host {host!r} is not a valid "
                             f"internationalised domain name: {exc}") from None
    return ".".join(out)


def _remove_dot_segments(path: str) -> str:
    if "." not in path:
        return path
    output: list[str] = []
    for segment in path.split("/"):
        if segment == ".":
            continue
        if segment == "..":
            if output and output != [""]:
                output.pop()
            continue
        output.append(segment)
    if path.startswith("/") and (not output or output[0] != ""):
        output.insert(0, "")
    if path.endswith(("/.", "/..")):
        output.append("")
    return "/".join(output)


def _merge_paths(base: URL, ref_path: str) -> str:
    if base.host and not base.path:
        return "/" + ref_path
    return base.path[: base.path.rfind("/") + 1] + ref_path


_COMPONENTS = ("scheme", "userinfo", "host", "port", "path", "query", "fragment")


def _clear_caches(url: URL) -> None:
    for name in ("_str", "_origin", "_netloc", "_target"):
        object.__setattr__(url, name, None)


class URL:
    """An absolute or relative URL, normalised and safe to put on the wire."""

    __slots__ = ("_netloc", "_origin", "_str", "_target", "fragment", "host", "path", "port",
                 "query", "scheme", "userinfo")

    scheme: str
    userinfo: str
    host: str
    port: int | None
    path: str
    query: str | None
    fragment: str | None
    _str: str | None
    _origin: tuple[str, str, int] | None
    _netloc: str | None
    _target: str | None

    def __init__(self, url: str | URL = "", *, params: QueryParams = None) -> None:
        if isinstance(url, URL):
            for name in URL.__slots__:
                object.__setattr__(self, name, getattr(url, name))
        elif isinstance(url, str):
            self._parse(url)
        else:
            raise TypeError(f"URL must be a str or URL, not {type(url).__name__}")
        if params:
            merged = self.copy_merge_params(params)
            for name in URL.__slots__:
                object.__setattr__(self, name, getattr(merged, name))

    def _parse(self, url: str) -> None:
        set_ = object.__setattr__
        if len(url) > _MAX_URL:
            raise InvalidURL(f"Invalid URL: longer than {_MAX_URL} characters")
        text = url.strip(" ")
        bad = _CONTROL.search(text)
        if bad:
            raise InvalidURL(
                f"Invalid URL {url!r}: control character {bad.group()!r} at position "
                f"{bad.start()}; percent-encode it if it belongs in the URL"
            )
        match = _SPLIT.fullmatch(text)
        assert match is not None  # every string matches: all groups are optional
        scheme, authority, path, query, fragment = match.groups()
        scheme = (scheme or "").lower()
        userinfo, host, port = "", "", None
        if authority is not None:
            userinfo, host, port = self._split_authority(authority, url)
        if scheme in _DEFAULT_PORTS and authority is not None and not host:
            raise InvalidURL(f"Invalid URL {url!r}: no host; an {scheme} URL needs one")
        if port is not None and _DEFAULT_PORTS.get(scheme) == port:
            port = None
        path = quote(path, _PATH_RAW)
        if scheme or authority is not None:
            path = _remove_dot_segments(path)
        if authority is not None and not path and scheme in _DEFAULT_PORTS:
            path = "/"
        set_(self, "scheme", scheme)
        set_(self, "userinfo", userinfo)
        set_(self, "host", host)
        set_(self, "port", port)
        set_(self, "path", path)
        set_(self, "query", None if query is None else quote(query, _QUERY_RAW))
        set_(self, "fragment", None if fragment is None else quote(fragment, _FRAG_RAW))
        _clear_caches(self)

    @staticmethod
    def _split_authority(authority: str, url: str) -> tuple[str, str, int | None]:
        userinfo, at, hostport = authority.rpartition("@")
        userinfo = quote(userinfo, _USER_RAW) if at else ""
        if hostport.startswith("["):
            end = hostport.find("]")
            host, rest = (hostport[: end + 1], hostport[end + 1 :]) if end != -1 else (hostport, "")
            if rest and not rest.startswith(":"):
                raise InvalidURL(f"Invalid URL {url!r}: unexpected text after the IPv6 host")
            port_text = rest[1:] if rest else None
        else:
            host, colon, port_text_ = hostport.partition(":")
            port_text = port_text_ if colon else None
        port: int | None = None
        if port_text:
            if not _PORT.fullmatch(port_text) or int(port_text) > 65535:
                raise InvalidURL(f"Invalid URL {url!r}: invalid port {port_text!r}")
            port = int(port_text)
        return userinfo, _normalise_host(host, url) if host else "", port

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("URL is immutable; use copy_with()")

    def __getstate__(self) -> dict[str, typing.Any]:
        return {name: getattr(self, name) for name in _COMPONENTS}

    def __setstate__(self, state: dict[str, typing.Any]) -> None:
        for name in _COMPONENTS:
            object.__setattr__(self, name, state[name])
        _clear_caches(self)

    # -- derived views -------------------------------------------------------------------------

    @property
    def is_absolute(self) -> bool:
        """True when the URL has a scheme and a host, so it can be sent as it is."""
        return bool(self.scheme) and bool(self.host)

    @property
    def effective_port(self) -> int:
        """The port, else the scheme's default (80 for http, 443 for https), else 0."""
        if self.port is not None:
            return self.port
        return _DEFAULT_PORTS.get(self.scheme, 0)

    @property
    def origin(self) -> tuple[str, str, int]:
        """(scheme, host, port) with default ports filled in: what redirects compare and
        what the pool is keyed by (computed once: it is asked for on every request)."""
        origin = self._origin
        if origin is None:
            origin = (self.scheme, self.host, self.effective_port)
            object.__setattr__(self, "_origin", origin)
        return origin

    @property
    def netloc(self) -> str:
        """``host[:port]`` as the Host header carries it (IPv6 in brackets); cached."""
        netloc = self._netloc
        if netloc is None:
            host = f"[{self.host}]" if ":" in self.host else self.host
            netloc = host if self.port is None else f"{host}:{self.port}"
            object.__setattr__(self, "_netloc", netloc)
        return netloc

    @property
    def target(self) -> str:
        """The request target: path and query, never the fragment; cached."""
        target = self._target
        if target is None:
            path = self.path or "/"
            target = path if self.query is None else f"{path}?{self.query}"
            object.__setattr__(self, "_target", target)
        return target

    @property
    def username(self) -> str:
        """The user name of the userinfo, percent-decoded ("" if none)."""
        return unquote(self.userinfo.partition(":")[0])

    @property
    def password(self) -> str:
        """The password of the userinfo, percent-decoded ("" if none)."""
        return unquote(self.userinfo.partition(":")[2])

    @property
    def params(self) -> list[tuple[str, str]]:
        """The query as decoded (key, value) pairs (``+`` is a space), in order, repeats kept."""
        return query_pairs(self.query) if self.query else []

    # -- building new URLs ---------------------------------------------------------------------

    def copy_with(self, **changes: typing.Any) -> URL:
        """A new URL with these components replaced (``scheme``, ``userinfo``, ``host``, ``port``,
        ``path``, ``query``, ``fragment``), validated like any URL: InvalidURL if the result is
        not one, TypeError for another name."""
        new = object.__new__(URL)
        for name in _COMPONENTS:
            object.__setattr__(new, name, changes.pop(name, getattr(self, name)))
        if changes:
            raise TypeError(f"unknown URL components: {sorted(changes)}")
        _clear_caches(new)
        return URL(str(new))  # re-parse so the result is validated like any other URL

    def copy_merge_params(self, params: QueryParams) -> URL:
        """A new URL with ``params`` (as ``params=`` takes them) form-encoded after the query;
        this URL itself when they add nothing."""
        encoded = encode_form(params)
        if not encoded:
            return self
        query = f"{self.query}&{encoded}" if self.query else encoded
        return self.copy_with(query=query)

    def join(self, ref: str | URL) -> URL:
        """Resolve a reference against this URL (RFC 3986 §5.2.2)."""
        r = ref if isinstance(ref, URL) else URL(ref)
        if r.scheme:
            return r
        new = object.__new__(URL)
        set_ = object.__setattr__
        set_(new, "scheme", self.scheme)
        authority_ref = isinstance(ref, str) and ref.lstrip(" ").startswith("//")
        if r.host or authority_ref:
            userinfo, host, port, path, query = r.userinfo, r.host, r.port, r.path, r.query
            path = _remove_dot_segments(path)
        else:
            userinfo, host, port = self.userinfo, self.host, self.port
            if not r.path:
                path, query = self.path, self.query if r.query is None else r.query
            else:
                path = r.path if r.path.startswith("/") else _merge_paths(self, r.path)
                path, query = _remove_dot_segments(path), r.query
        for name, value in (("userinfo", userinfo), ("host", host), ("port", port)):
            set_(new, name, value)
        set_(new, "path", path or ("/" if host else ""))
        set_(new, "query", query)
        set_(new, "fragment", r.fragment)
        _clear_caches(new)
        return new

    # -- dunder --------------------------------------------------------------------------------

    def __str__(self) -> str:
        cached: str | None = self._str
        if cached is None:
            parts = [f"{self.scheme}:" if self.scheme else ""]
            if self.host or self.scheme in _DEFAULT_PORTS:
                userinfo = f"{self.userinfo}@" if self.userinfo else ""
                parts.append(f"//{userinfo}{self.netloc}")
            parts.append(self.path)
            if self.query is not None:
                parts.append(f"?{self.query}")
            if self.fragment is not None:
                parts.append(f"#{self.fragment}")
            cached = "".join(parts)
            object.__setattr__(self, "_str", cached)
        return cached

    def redacted(self) -> str:
        """The URL with any password replaced, for messages and logs."""
        if ":" not in self.userinfo:
            return str(self)
        return str(self).replace(f"{self.userinfo}@", f"{self.userinfo.split(':')[0]}:***@", 1)

    def __repr__(self) -> str:
        return f"URL({self.redacted()!r})"

    def __eq__(self, other: object) -> bool:
        if isinstance(other, URL):
            return str(self) == str(other)
        if isinstance(other, str):
            return str(self) == str(URL(other))
        return NotImplemented

    def __hash__(self) -> int:
        return hash(str(self))
