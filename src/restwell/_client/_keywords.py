"""Keywords a requests or httpx user brings: what restwell takes in their place, said in a
TypeError that names the method called and restwell's spelling.

Only the error path comes here. A call with keywords restwell knows never does: the verbs
catch the TypeError of an unknown keyword and ask ``call_keyword`` about each one, which
raises the translation, or lets through the few that mean nothing here (``stream=False``, a
``verify=`` or ``cert=`` equal to the client's own).
"""

from __future__ import annotations

import typing

__all__ = ["CALL_KEYWORDS", "CLIENT_RENAMES", "SETTING_RENAMES", "call_keyword",
           "constructor_keywords"]

# What build_request() and send() take: every keyword a call may give (tests check the list
# against the signatures).
CALL_KEYWORDS = frozenset({
    "params", "headers", "content", "data", "json", "files", "cookies", "timeout", "proxy",
    "expect_continue", "upload_progress", "retries", "auth", "follow_redirects",
    "max_redirects", "cache", "raise_for_status", "path",
})
_MISSING = object()

_STREAM = ("restwell streams with a context manager: `with {client}.stream(method, url, ...) "
           "as r:` then r.iter_bytes() / r.iter_lines() (stream=False is the default)")
_PROXIES = ("restwell takes proxy=: one proxy URL, or {{'http': url, 'https': url, 'all': url, "
            "'no_proxy': 'a,b'}}, per call or on the client (an explicit proxy= ignores "
            "HTTP(S)_PROXY; requests' proxies= adds to them)")
_HOOKS = ("restwell's hooks are the client's: {owner}(event_hooks={{'request': [fn], "
          "'response': [fn]}}); each hook is called with the request or the response alone")
_TLS = ("TLS settings belong to the client, which owns its connection pool (so verify=False "
        "never reaches another client's connections): make one with {owner}({name}=...), or "
        "call restwell.get(url, {name}=...) for a single request")
_FIXED = "{name}= is a setting of the client, fixed when it is made: {owner}({name}=...)"

# Per call: requests' and httpx's names, and what to write instead.
_CALL_RENAMES = {
    "stream": _STREAM,
    "allow_redirects": "restwell spells it follow_redirects= (per call or on the client)",
    "proxies": _PROXIES,
    "hooks": _HOOKS,
    "verify": _TLS, "cert": _TLS,
    "trust_env": _FIXED, "limits": _FIXED, "proxy_auth": _FIXED, "transport": _FIXED,
    "extensions": ("restwell takes no extensions= per call: build the request with "
                   "client.build_request(...), set request.extensions, then client.send(request)"),
}

# On the constructor (requests' Session attributes, httpx's Client arguments).
CLIENT_RENAMES = {
    "proxies": _PROXIES,
    "hooks": "restwell spells it event_hooks={{'request': [fn], 'response': [fn]}}",
    "allow_redirects": "restwell spells it follow_redirects=",
    "max_retries": "restwell spells it retries= (an int or a restwell.Retry)",
    "stream": _STREAM,
    "http2": "restwell speaks HTTP/1.1 only",
    "http1": "restwell speaks HTTP/1.1 only; leave http1= out",
    "app": "test an app through transport=restwell.testing.MockTransport(handler)",
    "adapters": ("restwell takes transport= (one for all), or mounts={{'https://host': "
                 "transport, 'all://*.corp': other}} to route by URL pattern"),
}

# On assignment to a client (requests' Session attributes).
SETTING_RENAMES = {
    "proxies": "pass proxy= when the client is made (the proxy routes are chosen once)",
    "hooks": "assign client.event_hooks = {'request': [...], 'response': [...]}",
    "stream": "stream per call with `with client.stream(method, url) as r:`",
    "allow_redirects": "assign client.follow_redirects = True or False",
    "max_retries": "assign client.retries = 3 (or a restwell.Retry)",
    "adapters": "pass transport= when the client is made",
}


def call_keyword(called: str, owner: str, client_name: str, name: str, value: object,
                 fixed: typing.Mapping[str, object]) -> None:
    """Raise a TypeError for a keyword restwell's ``called`` does not take, with what to write
    instead; return for one that is a no-op here (``fixed``: the client's own TLS settings)."""
    if name == "stream" and value is False:
        return
    if name in ("verify", "cert") and fixed.get(name, _MISSING) == value:
        return  # the client's own setting, restated
    hint = _CALL_RENAMES.get(name)
    # (from None: raised while the TypeError of the call itself is handled, which says less)
    if hint is None:
        raise TypeError(_unknown(called, name, CALL_KEYWORDS)) from None
    raise TypeError(f"{called} got requests' keyword argument {name!r}: "
                    + hint.format(owner=owner, name=name, client=client_name)) from None


def constructor_keywords(owner: str, names: typing.Iterable[str], known: typing.Iterable[str]
                         ) -> str:
    """The TypeError message for keywords the constructor does not take."""
    messages = []
    for name in names:
        hint = CLIENT_RENAMES.get(name)
        if hint is None:
            messages.append(_unknown(f"{owner}()", name, known))
        else:
            messages.append(f"{owner}() got the keyword argument {name!r}: "
                            + hint.format(owner=owner, client="client", name=name))
    return "; ".join(messages)


def _unknown(called: str, name: str, known: typing.Iterable[str]) -> str:
    import difflib

    close = difflib.get_close_matches(name, sorted(known), n=1)
    guess = f" (did you mean {close[0]!r}?)" if close else ""
    return f"{called} got an unexpected keyword argument {name!r}{guess}"
