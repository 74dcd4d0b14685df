"""A stored response and the keys it is stored under.

Storage keys (RFC 9111 §2, §4.1):

- the *primary* key is the method and the target URI (without its fragment);
- under it sits an *index*: the list of variants stored for that URI, each with the Vary
  names it was selected by;
- each variant is stored under the primary key plus a digest of its *secondary key*: the
  request's normalised values for those Vary names, and the digest of the credentials the
  request carried (``Authorization``, and ``Cookie`` unless the cache is told otherwise).

The credential digest is an implicit Vary on identity: one client often carries several
identities (a per-call ``auth=``, several tokens), and a response fetched with one must never
be served to a request with another, even in a private cache. Only a digest is stored, never
the credentials.
"""

from __future__ import annotations

import dataclasses
import typing

from ._directives import Fields, vary_values

__all__ = ["Entry", "Variant", "primary_key", "secondary_key", "credentials_digest",
           "dump_index", "load_index"]
FORMAT = 1  # bumped when the stored layout changes: an entry of another format is a miss


@dataclasses.dataclass
class Entry:
    """One stored response: its head, its raw (still content-coded) body, and when it was
    requested and received (for the age calculation of §4.2.3)."""

    status: int
    reason: str
    http_version: str
    fields: list[tuple[str, str]]
    request_time: float
    response_time: float
    url: str
    vary: tuple[str, ...] = ()
    vary_values: list[str | None] = dataclasses.field(default_factory=list)
    body: bytes = b""

    def meta(self) -> bytes:
        """The head as bytes, for storage next to the body."""
        import json  # (here and below: import restwell loads no JSON codec)

        return json.dumps({
            "v": FORMAT, "status": self.status, "reason": self.reason,
            "http": self.http_version, "fields": self.fields, "req": self.request_time,
            "resp": self.response_time, "url": self.url, "vary": list(self.vary),
            "vary_values": self.vary_values,
        }, separators=(",", ":")).encode()

    @classmethod
    def load(cls, meta: bytes, body: bytes) -> Entry | None:
        """An entry from what storage returned; None for anything malformed (a miss)."""
        import json

        try:
            data = json.loads(meta)
            if data.get("v") != FORMAT:
                return None
            return cls(
                status=int(data["status"]), reason=str(data["reason"]),
                http_version=str(data["http"]),
                fields=[(str(n), str(v)) for n, v in data["fields"]],
                request_time=float(data["req"]), response_time=float(data["resp"]),
                url=str(data["url"]), vary=tuple(str(n) for n in data["vary"]),
                vary_values=[None if v is None else str(v) for v in data["vary_values"]],
                body=bytes(body),
            )
        except (ValueError, TypeError, KeyError, AttributeError):
            return None


@dataclasses.dataclass(frozen=True)
class Variant:
    """One line of an index: the Vary names a stored variant was selected by, and its key."""

    vary: tuple[str, ...]
    key: str


def primary_key(method: str, url: str) -> str:
    """The primary cache key: method and target URI without its fragment."""
    return f"{method} {url.split('#', 1)[0]}"


def credentials_digest(fields: Fields, cookies: bool) -> str:
    """A digest of the credentials a request carries ("" for none): its Authorization
    fields, and its Cookie fields when ``cookies``."""
    names = ("authorization", "cookie") if cookies else ("authorization",)
    carried = [f"{n.lower()}:{v}" for n, v in fields if n.lower() in names]
    if not carried:
        return ""
    import hashlib  # here: import restwell loads no hashing

    return hashlib.sha256("\n".join(carried).encode("utf-8", "surrogateescape")).hexdigest()


def secondary_key(primary: str, vary: tuple[str, ...], request_fields: Fields,
                  credentials: str) -> str:
    """The storage key of the variant a request with these fields selects."""
    import hashlib
    import json

    selecting = json.dumps([list(vary), vary_values(request_fields, vary), credentials])
    digest = hashlib.sha256(selecting.encode("utf-8", "surrogateescape")).hexdigest()[:32]
    return f"{primary} #{digest}"


def dump_index(variants: typing.Sequence[Variant]) -> bytes:
    """An index, as stored."""
    import json

    return json.dumps({"v": FORMAT, "index": [[list(v.vary), v.key] for v in variants]},
                      separators=(",", ":")).encode()


def load_index(meta: bytes) -> list[Variant] | None:
    """An index from storage; None when malformed or of another format."""
    import json

    try:
        data = json.loads(meta)
        if data.get("v") != FORMAT:
            return None
        return [Variant(tuple(str(n) for n in vary), str(key)) for vary, key in data["index"]]
    except (ValueError, TypeError, KeyError, AttributeError):
        return None
