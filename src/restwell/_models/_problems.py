"""What a failed response says: the messages of ``raise_for_status()`` and ``.json()``, and
``JSONDecodeError``.

Server text never goes raw into a message. ``sanitize`` turns control, format and separator
characters (CR and LF, bidi overrides, U+2028...) into spaces, collapses whitespace and caps
the length; an HTML page gives only its ``<title>``, an XML error its ``<Message>``, other
markup and binary bodies only their type and size. An API's JSON error gives its message
and the reasons it lists (GitHub's ``errors[]``, JSON:API's, FastAPI's ``detail``), so
``Repository creation failed: name already exists on this account``; problem details (RFC
9457) their title and detail. ``HTTPStatusError.problem`` parses the same bodies into fields
(``_problem_details``).

Loaded on the first error only: it imports ``json`` (``JSONDecodeError`` subclasses
``json.JSONDecodeError``), which ``import restwell`` does not.
"""

from __future__ import annotations

import json
import re
import typing

from ._exceptions import RestwellError

if typing.TYPE_CHECKING:  # pragma: no cover
    from ._request import Request
    from ._response import Response

__all__ = ["JSONDecodeError", "json_error", "sanitize", "status_message"]


class JSONDecodeError(RestwellError, json.JSONDecodeError):
    """``response.json()`` on a body that is not JSON. A ``json.JSONDecodeError`` (so a
    ``ValueError``, with ``.msg``, ``.doc``, ``.pos``) and a ``RestwellError``, but not a
    ``RequestError``: the request itself succeeded, so ``except RequestError`` and retry
    policies do not take a 200 with an HTML body for a failed transfer. ``.response`` and
    ``.request`` are the response and its request (None for a bare ``Response``)."""

    def __init__(self, msg: str, doc: str, pos: int, *, message: str | None = None,
                 response: Response | None = None) -> None:
        json.JSONDecodeError.__init__(self, msg, doc, pos)
        if message is not None:
            self.args = (message,)
        self.response = response
        self.request: Request | None = getattr(response, "request", None)

    def __reduce__(self) -> typing.Any:  # (json.JSONDecodeError's drops the message)
        return (type(self), (self.msg, self.doc, self.pos),
                {"args": self.args, "response": self.response, "request": self.request})


# Everything str.isprintable() refuses but a space: C0 and C1 controls, CR and LF, U+2028,
# U+2029, bidi and other format characters, unassigned code points.
def sanitize(text: str, limit: int = 200) -> str:
    """``text`` safe to put in a message: on one line, printable, at most ``limit`` long."""
    text = text[: limit * 4]
    if not text.isprintable():
        text = "".join(c if c.isprintable() else " " for c in text)
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 3].rstrip() + "..."


def _where(response: Response) -> str:
    request = getattr(response, "request", None)
    return "the server" if request is None else f"{request.method} {request.url.redacted()}"


def _media_type(response: Response) -> str:
    value = response.headers.get("content-type") or ""
    return sanitize(value.split(";", 1)[0].strip().lower(), 80)


def _is_json(media_type: str) -> bool:
    return media_type == "application/json" or media_type.endswith("+json")


_TITLE = re.compile(r"<title[^>]*>(.*?)</title\s*>", re.IGNORECASE | re.DOTALL)
_XML_MESSAGE = re.compile(r"<(message|errormessage)>(.*?)</\1>", re.IGNORECASE | re.DOTALL)
_MARKUP = re.compile(r"\s*(<\?xml|<!doctype|<html|<[a-z][\w:-]*[\s>])", re.IGNORECASE)


def _markup_summary(text: str, media_type: str, size: int) -> str:
    """An HTML page by its title, an XML error by its message, else its type and size."""
    import html  # (light, and only for the rare markup error page)

    found = _TITLE.search(text[:65536]) or _XML_MESSAGE.search(text[:65536])
    if found:
        inner = sanitize(html.unescape(re.sub(r"<[^>]*>", " ", found.groups()[-1])), 120)
        if inner:
            kind = "an HTML page titled" if found.re is _TITLE else "an XML error saying"
            return f'{kind} "{inner}"'
    return f"({media_type or 'markup'} body, {size} bytes)"


def status_message(response: Response) -> str:
    """The message of ``raise_for_status()``: status, reason, request, and what the body
    says (the API's own explanation where it gives one)."""
    status = response.status_code
    kind = "client error" if status < 500 else "server error"
    reason = sanitize(response.reason_phrase, 80)
    message = f"{status}{' ' + reason if reason else ''} ({kind})"
    if getattr(response, "request", None) is not None:
        message += f" for {_where(response)}"
    detail = _body_detail(response)
    return f"{message}: {detail}" if detail else message


def _body_detail(response: Response) -> str:
    from ._exceptions import DecodingError

    if response._content is None and response._raw_body is None:  # streamed
        if response._consumed or response._closed:
            return ""
        return "the streamed body was not read (read() it first for the server's explanation)"
    try:
        content = response.content
    except DecodingError:
        return "the body did not decode"
    if not content:
        return ""
    media_type = _media_type(response)
    if _is_json(media_type) or (not media_type and content.lstrip()[:1] in (b"{", b"[")):
        try:
            said = api_message(json.loads(content))
        except ValueError:
            said = ""
        if said:
            return said
    textual = (not media_type and b"\x00" not in content[:1024]) or media_type.startswith(
        "text/") or _is_json(media_type) or media_type.endswith(("/xml", "+xml"))
    if not textual:
        return f"({media_type} body, {len(content)} bytes)"
    text = content[:65536].decode(response.encoding, "replace")
    if "html" in media_type or "xml" in media_type or _MARKUP.match(text):
        return _markup_summary(text, media_type, len(content))
    return sanitize(text)


_MESSAGE_KEYS = ("message", "detail", "title", "error_description", "error_message",
                 "errorMessage", "msg", "error")


def api_message(body: typing.Any) -> str:
    """What a JSON error body says: its message, then the reasons it lists."""
    if isinstance(body, str):
        return sanitize(body)
    if isinstance(body, list):
        return "; ".join(_reasons(body))
    if not isinstance(body, dict):
        return ""
    nested = body.get("error")
    if isinstance(nested, dict):  # Google, Azure: {"error": {"code": ..., "message": ...}}
        return api_message(nested)
    main = next((body[key] for key in _MESSAGE_KEYS if isinstance(body.get(key), str)
                 and body[key].strip()), "")
    main = sanitize(main)
    title = body.get("title")
    if isinstance(title, str) and isinstance(body.get("detail"), str) and not isinstance(
            body.get("message"), str):  # RFC 9457: the kind of problem, then this occurrence's
        title = sanitize(title, 120)
        if title and main and title != main:
            main = f"{title.rstrip('.').rstrip()}: {main}"
    code = body.get("error")
    if isinstance(code, str) and main and main != sanitize(code):  # OAuth 2: error + description
        main = f"{sanitize(code, 60)}: {main}"
    listed = [*_reasons(body.get("errors")), *_reasons(body.get("detail"))]
    reasons = [reason for reason in dict.fromkeys(listed) if reason and reason != main]
    if not reasons:
        return main
    shown = "; ".join(reasons[:3]) + (f"; and {len(reasons) - 3} more" if len(reasons) > 3 else "")
    return sanitize(f"{main.rstrip('.').rstrip()}: {shown}" if main else shown, 400)


def _reasons(items: typing.Any) -> list[str]:
    """The reasons in a list of errors: GitHub's ``{"field": "name", "code": "missing_field"}``
    or ``{"message": ...}``, JSON:API's ``{"detail": ...}``, FastAPI's ``{"loc", "msg"}``."""
    if not isinstance(items, list):
        return []
    found = []
    for item in items[:20]:
        if isinstance(item, str):
            found.append(sanitize(item))
        elif isinstance(item, dict):
            said = next((item[key] for key in ("message", "detail", "msg", "title")
                         if isinstance(item.get(key), str) and item[key].strip()), None)
            field = item.get("field")
            loc = item.get("loc")
            if isinstance(loc, list):
                field = ".".join(str(part) for part in loc)
            if said is None and isinstance(item.get("code"), str):
                said = item["code"].replace("_", " ")
                if isinstance(field, str) and field:
                    said = f"{field} {said}"
            elif said is not None and isinstance(loc, list) and field:
                said = f"{field}: {said}"
            if said:
                found.append(sanitize(said))
    return found


def json_error(response: Response, content: bytes, error: ValueError) -> JSONDecodeError:
    """The error of ``.json()`` on a body that is not JSON: the request, the status, the
    content type and the start of the body, quoted."""
    media_type = _media_type(response)
    what = f"a {media_type} body" if media_type else "a body without a Content-Type"
    if not content:
        what = "an empty body"
    if isinstance(error, json.JSONDecodeError):
        msg, doc, pos = error.msg, error.doc, error.pos
    else:  # invalid UTF-8 (RFC 8259: JSON is UTF-8), or a json.loads(**kwargs) hook's error
        msg = sanitize(str(error), 120)
        doc, pos = content.decode("utf-8", "replace"), getattr(error, "start", 0)
    message = (f"{_where(response)} answered {response.status_code} with {what}, "
               f"which is not JSON ({msg}")
    message += f": line {error.lineno} column {error.colno})" if isinstance(
        error, json.JSONDecodeError) else ")"
    if content:
        start = sanitize(content[:240].decode("utf-8", "replace"), 60)
        message += f"; it starts {start!r}"
        if "html" in media_type or _MARKUP.match(start):
            summary = _markup_summary(content[:65536].decode("utf-8", "replace"), media_type,
                                      len(content))
            if summary.startswith("an "):
                message += f", {summary}"
    return JSONDecodeError(msg, doc, pos, message=message, response=response)


JSONDecodeError.__module__ = "restwell"  # (loaded on first use, not by restwell/__init__)
