"""The client's settings: one conversion per setting, used by the constructor and by the
setter of its property alike, so ``client.auth = ("u", "p")`` is ``Client(auth=("u", "p"))``
and a value the constructor refuses is refused on assignment too.

Settings that shape the transport or the proxy routes (``verify``, ``cert``, ``limits``,
``proxy``, ``proxy_auth``, ``transport``, ``trust_env``) are fixed when the client is made:
assigning one raises ``AttributeError`` naming the constructor argument.
"""

from __future__ import annotations

import typing

from .._features._cookies import Cookies
from .._models._config import Timeout, TimeoutTypes, UnsetType, to_timeout
from .._models._decoders import ACCEPT_ENCODING
from .._models._headers import Headers, HeaderTypes
from .._models._urls import QueryParams, encode_form, form_key, param_pairs, query_pairs
from .._version import __version__
from ._build import CookieTypes, override_fields

__all__ = ["USER_AGENT", "ClientParams", "EventHooks", "FIXED", "Hooks", "fixed_setting",
           "fixed_property", "params_as_pairs", "to_cookies", "to_event_hooks",
           "to_follow_redirects", "to_headers", "to_max_redirects", "to_params",
           "to_client_timeout", "unknown_setting"]

USER_AGENT = f"restwell/{__version__}"
EventHooks = typing.Mapping[
    str, typing.Union[typing.Callable[..., typing.Any],
                      typing.Sequence[typing.Callable[..., typing.Any]]]
]
Hooks = dict[str, list[typing.Callable[..., typing.Any]]]
# The client's params=, ready to merge: (the key as decoded, "key=value" as sent) pairs.
ClientParams = tuple[tuple[str, str], ...]
_DEFAULT_FIELDS = (("User-Agent", USER_AGENT), ("Accept", "*/*"),
                   ("Accept-Encoding", ACCEPT_ENCODING))

# Fixed at construction (they make the transport, or the proxy routes, once).
FIXED = frozenset({"verify", "cert", "limits", "proxy", "proxy_auth", "transport", "trust_env",
                   "cache"})


def to_headers(headers: HeaderTypes) -> Headers:
    """The default fields (User-Agent, Accept, Accept-Encoding), then these over them: a
    field replaces the default of its name, and ``None`` removes it."""
    fields = Headers(_DEFAULT_FIELDS)
    if headers:
        override_fields(fields, headers, fields._names()[1])
    return fields


def to_params(params: QueryParams) -> ClientParams | None:
    """The client's default query parameters, encoded once (a None value: no such key)."""
    if not params:
        return None
    if isinstance(params, (str, bytes)):  # a ready-made query string, kept as typed
        text = encode_form(params)
        return tuple((query_pairs(part)[0][0], part) for part in text.split("&") if part) or None
    return tuple((form_key(key), encode_form([(key, value)]))
                 for key, value in param_pairs(params) if value is not None) or None


def params_as_pairs(params: ClientParams | None) -> tuple[tuple[str, str], ...]:
    """``client.params``: the defaults as decoded (key, value) pairs."""
    return tuple(query_pairs("&".join(text for _, text in params or ())))


def to_client_timeout(timeout: TimeoutTypes | UnsetType) -> Timeout:
    return Timeout() if isinstance(timeout, UnsetType) else to_timeout(timeout)


def to_cookies(cookies: CookieTypes) -> Cookies:
    """A jar given is used as it is (shared, as requests and httpx share it); a mapping
    becomes a new jar of the caller's own cookies."""
    if isinstance(cookies, Cookies):
        return cookies
    if cookies is not None and not isinstance(cookies, typing.Mapping):
        raise TypeError(f"cookies= must be a mapping of names to values or a restwell.Cookies "
                        f"jar, not {type(cookies).__name__}")
    return Cookies(cookies)


def to_follow_redirects(follow: bool) -> bool:
    if not isinstance(follow, bool):
        raise TypeError(f"follow_redirects= must be True or False, not {follow!r}")
    return follow


def to_max_redirects(limit: int) -> int:
    if isinstance(limit, bool) or not isinstance(limit, int) or limit < 0:
        raise ValueError(f"max_redirects= must be an int >= 0, not {limit!r}")
    return limit


def to_event_hooks(hooks: EventHooks | None) -> Hooks:
    """``{"request": [...], "response": [...]}``, each a list of callables (one callable
    alone is taken for a list of one, as requests' ``hooks=`` allows)."""
    hooks = hooks or {}
    if not isinstance(hooks, typing.Mapping):
        raise TypeError(f"event_hooks= must be a mapping such as {{'response': [fn]}}, not "
                        f"{type(hooks).__name__}")
    unknown = set(hooks) - {"request", "response"}
    if unknown:
        raise ValueError(f"event_hooks= has the keys 'request' and 'response', not "
                         f"{sorted(unknown)}")
    out: Hooks = {}
    for kind in ("request", "response"):
        given = hooks.get(kind, ())
        found = [given] if callable(given) else list(given)
        for hook in found:
            if not callable(hook):
                raise TypeError(f"event_hooks[{kind!r}] must hold callables, not {hook!r}")
        out[kind] = found
    return out


_WHY_FIXED = {
    "trust_env": "the environment is read once, for the proxy routes and the CA bundle",
    "transport": "it is what the client sends through",
    "proxy": "the proxy routes are chosen once", "proxy_auth": "the proxy routes are chosen once",
    "cache": "its storage is opened once",
}


def fixed_setting(owner: str, name: str) -> str:
    """The message for assigning a setting fixed at construction."""
    why = _WHY_FIXED.get(name, "its connection pool and TLS settings are made from it once")
    return (f"{name} is fixed when the {owner} is made ({why}): pass {owner}({name}=...), "
            "or make another client for the other value")


def fixed_property(name: str, doc: str) -> typing.Any:
    """A setting fixed at construction: read from ``_<name>``; assigning it raises."""
    private = f"_{name}"

    def get(client: typing.Any) -> typing.Any:
        return getattr(client, private)

    get.__doc__ = doc

    def refuse(client: typing.Any, value: typing.Any) -> None:
        raise AttributeError(fixed_setting(type(client).__name__, name))

    return property(get, refuse, doc=doc)


def unknown_setting(owner: str, name: str) -> str:
    """The message for assigning an attribute a client does not have."""
    from ._keywords import SETTING_RENAMES

    hint = SETTING_RENAMES.get(name)
    if hint is not None:
        return f"{owner} has no {name!r}: {hint}"
    return (f"{owner} has no setting {name!r}; its settings are auth, base_url, cookies, "
            "default_encoding, event_hooks, follow_redirects, headers, max_redirects, params, "
            "raise_for_status, retries and timeout (and, fixed when it is made: "
            + ", ".join(sorted(FIXED)) + ")")
