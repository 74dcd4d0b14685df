"""Redirects as pure decisions: given a request and its 3xx response, the next request.

No I/O here: ``Client`` and ``AsyncClient`` each run the same short loop around these
functions, so both follow redirects identically.

- 301 and 302 turn POST into GET; 303 turns every method but HEAD into GET; a request turned
  into GET loses its body and the fields that describe it. 307 and 308 resend method and body:
  bytes as they are, a file rewound; a one-shot iterator that was already sent raises
  ``StreamConsumed`` instead of sending nothing.
- ``Location`` may be relative; it is resolved against the request's URL. A fragment of the
  request's URL carries over when ``Location`` has none (RFC 9110 §10.2.2).
- Only http and https are followed (``UnsupportedProtocol`` otherwise: no ``file:``, no
  ``ftp:``).
- One rule for credentials (``strip_credentials``): when the origin changes, or the scheme goes
  from https to http, every ``Authorization``, ``Proxy-Authorization`` and ``Cookie`` field is
  removed, whatever its spelling and however many there are. The clients' ``_follow`` loops
  then apply no auth (the call's, the client's or netrc's) for the rest of a chain that has
  strayed, and rebuild each hop's Cookie field from the jar (``_cookies_for_hop``).
"""

from __future__ import annotations

from .._models._content import BodyStream
from .._models._exceptions import RemoteProtocolError, StreamConsumed, UnsupportedProtocol
from .._models._headers import Headers
from .._models._request import Request, no_options, set_length
from .._models._response import Response
from .._models._urls import URL

__all__ = ["REDIRECT_CODES", "next_request", "strip_credentials", "crosses_boundary"]


REDIRECT_CODES = frozenset({301, 302, 303, 307, 308})
_SENSITIVE = ("authorization", "proxy-authorization", "cookie")
_BODY_FIELDS = ("content-length", "content-type", "transfer-encoding", "content-encoding")


def crosses_boundary(old: URL, new: URL) -> bool:
    """True when credentials must not follow: another origin, or https down to http."""
    return old.origin != new.origin or (old.scheme == "https" and new.scheme != "https")


def strip_credentials(headers: Headers, old: URL, new: URL) -> None:
    if crosses_boundary(old, new):
        for name in _SENSITIVE:
            headers.pop_all(name)


def redirect_method(method: str, status: int) -> str:
    if status == 303 and method != "HEAD":
        return "GET"
    if status in (301, 302) and method == "POST":
        return "GET"
    return method


def location(request: Request, response: Response) -> URL:
    value = response.headers.get("location")
    if not value:
        raise RemoteProtocolError(
            f"{response.status_code} redirect from {request.url.redacted()} has no Location",
            request=request,
        )
    try:
        target = request.url.join(value)
    except ValueError as exc:
        raise RemoteProtocolError(
            f"{response.status_code} redirect from {request.url.redacted()} to an invalid "
            f"Location {value!r}: {exc}",
            request=request,
        ) from None
    if target.scheme not in ("http", "https"):
        raise UnsupportedProtocol(
            f"{request.url.redacted()} redirects to {target.redacted()}: restwell follows "
            "redirects to http:// and https:// only",
            request=request,
        )
    # "http:/x" or "///x": a URL without a host is a request to nobody, and its str() would
    # read back as another URL.
    if not target.host:
        raise RemoteProtocolError(
            f"{response.status_code} redirect from {request.url.redacted()} to Location "
            f"{value!r}, which names no host: the server's Location is broken",
            request=request,
        )
    if target.fragment is None and request.url.fragment is not None:
        target = target.copy_with(fragment=request.url.fragment)
    return target


def next_request(request: Request, response: Response) -> Request:
    """The request that follows ``response`` (a redirect) to its Location."""
    url = location(request, response)
    method = redirect_method(request.method, response.status_code)
    headers = Headers([("Host", url.netloc), *(
        (name, value) for name, value in request.headers.multi_items() if name.lower() != "host"
    )])
    strip_credentials(headers, request.url, url)
    body = request.body
    if method != request.method and method == "GET":
        body = None
        for name in _BODY_FIELDS:
            headers.pop_all(name)
    elif isinstance(body, BodyStream) and not body.rewindable:
        raise StreamConsumed(
            f"{request.url.redacted()} answered {response.status_code}, which asks for the "
            "body again, but it was a one-shot iterator; pass bytes or a file to allow it"
        )
    new = Request.__new__(Request)
    new.method, new.url, new.headers, new.body = method, url, headers, body
    new.timeout = request.timeout
    no_options(new)
    set_length(new)
    return new
