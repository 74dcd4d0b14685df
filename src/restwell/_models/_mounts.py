"""``mounts=``: which transport a request goes to, by URL pattern. Pure rules, no I/O.

Patterns are httpx's (``httpx._utils.URLPattern``), so a ``mounts=`` mapping written for
httpx routes the same way here:

- ``scheme://host:port``; ``all://`` (or ``""``) matches any scheme, and a pattern without
  a host (or with ``*``) any host;
- ``*.example.com`` matches the subdomains of example.com but not example.com itself;
  ``*example.com`` matches example.com and its subdomains (and nothing else: not
  ``badexample.com``); ``example.com`` matches only itself;
- a port matches that port only, defaults included: ``https://example.com:443`` matches
  ``https://example.com/`` (httpx forgets a default port written in a pattern, and then
  matches every port);
- the most specific pattern wins: one with a port before one without, then an exact host
  before a wildcard (before none), then the longer host, then the longer scheme; patterns
  that tie keep the mapping's order. (httpx ranks by length alone, so its ``*example.com``
  beats ``example.com`` for example.com itself, the one case where the two differ.)

A path is not part of a pattern: one other than ``/`` is refused rather than ignored. A mount
whose value is None sends its URLs to the client's own transport (``transport=``, or the
default one), as in httpx.
"""

from __future__ import annotations

import re
import typing

from ._urls import URL

__all__ = ["Mounts", "URLPattern"]

T = typing.TypeVar("T")
_PATTERN = re.compile(r"([A-Za-z][A-Za-z0-9+.\-]*)://([^/?#]*)/?")


class URLPattern:
    """One ``mounts=`` key, parsed once: ``matches(url)`` and its ``priority``."""

    __slots__ = ("_host_re", "host", "pattern", "port", "scheme")

    def __init__(self, pattern: str) -> None:
        self.pattern = pattern
        match = _PATTERN.fullmatch(pattern or "all://")  # ("" matches everything, as in httpx)
        if match is None:
            if ":" not in pattern:
                raise ValueError(f"mounts= keys are URL patterns such as '{pattern}://' or "
                                 f"'all://{pattern}', not {pattern!r}")
            raise ValueError(f"mounts= key {pattern!r} is not a URL pattern: scheme://host:port, "
                             "with no path (all:// for any scheme, *.example.com for its "
                             "subdomains)")
        scheme, authority = match.groups()
        scheme = scheme.lower()
        self.scheme = "" if scheme == "all" else scheme
        host, port = _split(authority, pattern)
        self.port = port
        self.host = "" if host == "*" else host
        self._host_re: re.Pattern[str] | None = None
        if self.host.startswith("*."):  # subdomains only
            self._host_re = re.compile(rf".+\.{re.escape(_normal(self.host[2:], pattern))}")
        elif self.host.startswith("*"):  # the domain and its subdomains
            self._host_re = re.compile(rf"(?:.+\.)?{re.escape(_normal(self.host[1:], pattern))}")
        elif self.host:
            self._host_re = re.compile(re.escape(_normal(self.host, pattern)))

    def matches(self, url: URL) -> bool:
        if self.scheme and self.scheme != url.scheme:
            return False
        if self._host_re is not None and not self._host_re.fullmatch(url.host):
            return False
        return self.port is None or self.port == url.effective_port

    @property
    def priority(self) -> tuple[int, int, int, int]:
        """Sorts most specific first: a port, an exact host, the longer host, the longer
        scheme."""
        kind = 2 if not self.host else 1 if self.host.startswith("*") else 0
        return (0 if self.port is not None else 1, kind, -len(self.host), -len(self.scheme))

    def __repr__(self) -> str:
        return f"URLPattern({self.pattern!r})"


def _split(authority: str, pattern: str) -> tuple[str, int | None]:
    host, port_text = authority, ""
    if authority.startswith("["):
        end = authority.find("]")
        if end != -1 and authority[end + 1 : end + 2] == ":":
            host, port_text = authority[: end + 1], authority[end + 2 :]
    elif ":" in authority:
        host, _, port_text = authority.rpartition(":")
    if port_text == "":
        return host, None
    if not port_text.isdigit() or not port_text.isascii() or int(port_text) > 65535:
        raise ValueError(f"mounts= key {pattern!r} has an invalid port {port_text!r}")
    return host, int(port_text)


def _normal(host: str, pattern: str) -> str:
    """A pattern's host as a URL's host is normalised (case, IDNA, IPv6 brackets)."""
    if not host:
        raise ValueError(f"mounts= key {pattern!r}: a wildcard needs a domain after it")
    try:
        return URL(f"http://{host}/").host
    except ValueError as exc:
        raise ValueError(f"mounts= key {pattern!r} has an invalid host: {exc}") from None


class Mounts(typing.Generic[T]):
    """The ``mounts=`` mapping, most specific pattern first; ``select(url, default)``."""

    __slots__ = ("_items",)

    def __init__(self, mounts: typing.Mapping[str, T | None]) -> None:
        items = [(URLPattern(key), value) for key, value in mounts.items()]
        items.sort(key=lambda item: item[0].priority)  # (stable: ties keep their order)
        self._items = items

    def select(self, url: URL, default: T) -> T:
        """The transport of the first (most specific) pattern that matches ``url``; the
        default for none, or for a mount of None."""
        for pattern, value in self._items:
            if pattern.matches(url):
                return default if value is None else value
        return default

    def transports(self) -> list[T]:
        """Each mounted transport once, in order (what closing the client closes)."""
        seen: list[T] = []
        for _, value in self._items:
            if value is not None and not any(value is other for other in seen):
                seen.append(value)
        return seen

    def __repr__(self) -> str:
        return f"Mounts({[pattern.pattern for pattern, _ in self._items]})"
