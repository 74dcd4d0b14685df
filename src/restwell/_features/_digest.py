"""HTTP Digest authentication (RFC 7616) as an auth flow.

The first request to an origin goes without credentials; its 401 carries the challenge, and
the request is sent again with a response computed from it. The challenge is then kept per
origin, so later requests answer it at once with the next nonce count (``nc``): one round
trip per request, not two. When such an answer meets a 401 (``stale=true``, or a server that
forgot its nonce), the new challenge is answered once; a 401 to that answer is the caller's
(wrong credentials are not retried), and the origin's challenge is forgotten.

Algorithms: MD5, SHA-256, SHA-512-256 (RFC 7616), and SHA-512 (which some servers, httpbin
among them, offer), each also as ``-sess``; qop ``auth`` and ``auth-int`` (which needs the
body in memory; a streamed body falls back to ``auth`` when the server allows it); ``userhash``;
UTF-8 user names sent as ``username*``. When a server offers several challenges the strongest
is taken.
"""

from __future__ import annotations

import os
import typing

from .._models._content import BodyStream
from .._models._exceptions import ProtocolError
from .._models._request import Request
from .._models._response import Response
from ._auth import Auth, AuthFlow

__all__ = ["DigestAuth", "parse_challenges"]


# Digest names -> hashlib names (hashlib itself is imported on first use: import stays light)
_HASHES = {"MD5": "md5", "SHA-256": "sha256", "SHA-512-256": "sha512_256", "SHA-512": "sha512"}
_STRENGTH = ["MD5", "SHA-512", "SHA-256", "SHA-512-256"]  # weakest first


def _hasher(name: str) -> typing.Callable[[bytes], typing.Any]:
    import hashlib

    return lambda data: hashlib.new(name, data)


def parse_challenges(values: typing.Iterable[str]) -> list[tuple[str, dict[str, str]]]:
    """``WWW-Authenticate`` field values as (scheme, params) challenges (RFC 9110 §11.6.1):
    several fields, several challenges per field, quoted strings with escapes."""
    challenges: list[tuple[str, dict[str, str]]] = []
    for value in values:
        pos, end = 0, len(value)
        while pos < end:
            pos = _skip(value, pos, " \t,")
            start = pos
            while pos < end and value[pos] not in " \t,=":
                pos += 1
            token = value[start:pos]
            after = _skip(value, pos, " \t")
            if not token:
                break
            if after < end and value[after] == "=" and challenges:
                pos = _param(value, token, after + 1, challenges[-1][1])
            else:
                challenges.append((token.lower(), {}))
                pos = after
    return challenges


def _skip(value: str, pos: int, chars: str) -> int:
    while pos < len(value) and value[pos] in chars:
        pos += 1
    return pos


def _param(value: str, name: str, pos: int, params: dict[str, str]) -> int:
    pos = _skip(value, pos, " \t")
    if pos < len(value) and value[pos] == '"':
        out: list[str] = []
        pos += 1
        while pos < len(value) and value[pos] != '"':
            if value[pos] == "\\" and pos + 1 < len(value):
                pos += 1
            out.append(value[pos])
            pos += 1
        text = "".join(out)
        pos += 1
    else:
        start = pos
        while pos < len(value) and value[pos] not in " \t,":
            pos += 1
        text = value[start:pos]
    params[name.lower()] = text
    return pos


class _Challenge:
    """One accepted challenge and its nonce count, shared by the requests that answer it."""

    __slots__ = ("algorithm", "hash", "nc", "nonce", "opaque", "qops", "realm", "session",
                 "userhash")

    def __init__(self, params: dict[str, str], algorithm: str) -> None:
        self.realm = params.get("realm", "")
        self.nonce = params["nonce"]
        self.opaque = params.get("opaque")
        self.qops = {q.strip().lower() for q in params.get("qop", "").split(",") if q.strip()}
        self.session = algorithm.upper().endswith("-SESS")
        self.algorithm = algorithm
        self.hash = _hasher(_HASHES[algorithm.upper().removesuffix("-SESS")])
        self.userhash = params.get("userhash", "").lower() == "true"
        self.nc = 0


def _pick(response: Response) -> tuple[dict[str, str], str] | None:
    """The strongest Digest challenge we can answer, as (params, algorithm)."""
    best: tuple[int, dict[str, str], str] | None = None
    for scheme, params in parse_challenges(response.headers.get_list("www-authenticate")):
        if scheme != "digest" or "nonce" not in params:
            continue
        algorithm = params.get("algorithm", "MD5")
        base = algorithm.upper().removesuffix("-SESS")
        if base not in _HASHES:
            continue
        rank = _STRENGTH.index(base)
        if best is None or rank > best[0]:
            best = (rank, params, algorithm)
    return None if best is None else (best[1], best[2])


class DigestAuth(Auth):
    """RFC 7616 Digest: ``auth=restwell.DigestAuth("user", "password")``. Thread- and
    task-safe: one instance may serve many concurrent requests."""

    def __init__(self, username: str, password: str) -> None:
        self._username = username
        self._password = password
        self._challenges: dict[tuple[str, str, int], _Challenge] = {}
        import threading  # here: import restwell does not load threading

        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"DigestAuth({self._username!r}, ***)"

    def auth_flow(self, request: Request) -> AuthFlow:
        """Send the request, answering the challenge held for its origin if there is one; a
        401 with a new challenge is answered once, and a 401 to that answer is the caller's.
        ProtocolError if the server asks for a ``qop`` restwell cannot give."""
        origin = request.url.origin
        held = self._challenges.get(origin)
        if held is not None:  # answer the challenge we hold: no 401 round trip
            request.headers["Authorization"] = self._authorization(request, held)
        response = yield request
        if response.status_code != 401:
            return
        picked = _pick(response)
        if picked is None:
            return  # no Digest challenge we can answer: the 401 is the caller's
        if isinstance(request.body, BodyStream) and not request.body.rewindable:
            return  # a one-shot body cannot be sent a second time
        # A fresh challenge (the first, or a new nonce for a stale or forgotten one) is
        # answered once; if that answer is refused too, the credentials are wrong.
        challenge = _Challenge(*picked)
        self._challenges[origin] = challenge
        request.headers["Authorization"] = self._authorization(request, challenge)
        response = yield request
        if response.status_code == 401:
            self._challenges.pop(origin, None)  # never send refused credentials unasked

    def _authorization(self, request: Request, challenge: _Challenge) -> str:
        def h(text: str | bytes) -> str:
            data = text.encode("utf-8") if isinstance(text, str) else text
            return typing.cast(str, challenge.hash(data).hexdigest())

        qop = self._qop(request, challenge)
        with self._lock:
            challenge.nc += 1
            nc = f"{challenge.nc:08x}"
        cnonce = self._cnonce()
        uri = request.url.target
        realm, nonce = challenge.realm, challenge.nonce
        ha1 = h(f"{self._username}:{realm}:{self._password}")
        if challenge.session:
            ha1 = h(f"{ha1}:{nonce}:{cnonce}")
        if qop == "auth-int":
            body = request.body if isinstance(request.body, bytes) else b""
            ha2 = h(f"{request.method}:{uri}:{h(body)}")
        else:
            ha2 = h(f"{request.method}:{uri}")
        if qop is None:
            digest = h(f"{ha1}:{nonce}:{ha2}")
        else:
            digest = h(f"{ha1}:{nonce}:{nc}:{cnonce}:{qop}:{ha2}")
        fields = [self._user_field(challenge, h), f'realm="{_quote(realm)}"',
                  f'uri="{_quote(uri)}"', f"algorithm={challenge.algorithm}",
                  f'nonce="{_quote(nonce)}"', f'response="{digest}"']
        if qop is not None:
            fields += [f"qop={qop}", f"nc={nc}", f'cnonce="{cnonce}"']
        if challenge.opaque is not None:
            fields.append(f'opaque="{_quote(challenge.opaque)}"')
        if challenge.userhash:
            fields.append("userhash=true")
        return "Digest " + ", ".join(fields)

    def _user_field(self, challenge: _Challenge, h: typing.Callable[[str], str]) -> str:
        if challenge.userhash:
            return f'username="{h(f"{self._username}:{challenge.realm}")}"'
        if self._username.isascii() and '"' not in self._username:
            return f'username="{self._username}"'
        return "username*=UTF-8''" + _ext_value(self._username)

    @staticmethod
    def _qop(request: Request, challenge: _Challenge) -> str | None:
        if not challenge.qops:
            return None  # RFC 2069 compatibility: no qop, no nonce count
        if "auth-int" in challenge.qops and (
            "auth" not in challenge.qops and not isinstance(request.body, BodyStream)
        ):
            return "auth-int"
        if "auth" in challenge.qops:
            return "auth"
        if "auth-int" in challenge.qops:
            raise ProtocolError(
                f"{request.url.redacted()} asks for Digest qop=auth-int, which needs the whole "
                "body in memory; pass the body as bytes", request=request,
            )
        raise ProtocolError(
            f"{request.url.redacted()} offers Digest qop {sorted(challenge.qops)}, none of "
            "which restwell knows (auth, auth-int)", request=request,
        )

    def _cnonce(self) -> str:
        return os.urandom(16).hex()


def _ext_value(text: str) -> str:
    """RFC 8187 ext-value characters: attr-char as is, every other byte as %XX."""
    return "".join(
        c if c.isascii() and (c.isalnum() or c in "!#$&+-.^_`|~") else
        "".join(f"%{byte:02X}" for byte in c.encode("utf-8"))
        for c in text
    )


def _quote(text: str) -> str:
    return text.replace("\\", "\\\\").replace('"', '\\"')
