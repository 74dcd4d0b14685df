"""One-shot functions: ``restwell.get(url)`` and friends, each with a short-lived Client, and
``restwell.stream(method, url)``, a response read as it comes."""

from __future__ import annotations

import contextlib
import typing

from ._client._keywords import CALL_KEYWORDS, call_keyword
from ._client._sync import Client
from ._models._response import Response
from ._models._urls import URL

__all__ = ["request", "stream", "get", "head", "options", "delete", "post", "put", "patch"]


_CLIENT_ARGS = ("verify", "cert", "trust_env", "limits", "proxy_auth")


def _split(called: str, kwargs: dict[str, typing.Any]) -> dict[str, typing.Any]:
    """Pop the Client's arguments out of ``kwargs``; a TypeError saying what to write for a
    keyword restwell does not take (requests' ``stream=True``, ``proxies=``...)."""
    client_args = {name: kwargs.pop(name) for name in _CLIENT_ARGS if name in kwargs}
    for name in [name for name in kwargs if name not in CALL_KEYWORDS]:
        call_keyword(f"restwell.{called}()", "Client", "restwell", name, kwargs[name], {})
        del kwargs[name]  # (a no-op here: stream=False)
    return client_args


def _one_shot(called: str, method: str, url: URL | str, kwargs: dict[str, typing.Any]) -> Response:
    client_args = _split(called, kwargs)
    with Client(**client_args) as client:
        return client.request(method, url, **kwargs)


def request(method: str, url: URL | str, **kwargs: typing.Any) -> Response:
    """Send one request on a fresh Client and return the response, read and closed.

    Takes ``Client.request()``'s arguments, plus ``verify``, ``cert``, ``trust_env``,
    ``limits`` and ``proxy_auth`` for the Client; a program making several calls
    should keep one Client, whose pool reuses connections."""
    return _one_shot("request", method, url, kwargs)


@contextlib.contextmanager
def stream(method: str, url: URL | str, **kwargs: typing.Any) -> typing.Iterator[Response]:
    """One request on a fresh Client, its response body read as you iterate it
    (``iter_bytes``, ``iter_lines``...); the response and the client are closed when the
    block ends. Takes what ``restwell.request()`` takes::

        with restwell.stream("GET", url) as r:
            for line in r.iter_lines():
                ...
    """
    client_args = _split("stream", kwargs)
    with Client(**client_args) as client, client.stream(method, url, **kwargs) as response:
        yield response


def get(url: URL | str, **kwargs: typing.Any) -> Response:
    """Send one ``GET`` on a fresh Client and return the response, read and closed;
    takes what ``restwell.request()`` takes: ``Client.request()``'s arguments, plus
    ``verify``, ``cert``, ``trust_env``, ``limits`` and ``proxy_auth`` for the Client."""
    return _one_shot("get", "GET", url, kwargs)


def head(url: URL | str, **kwargs: typing.Any) -> Response:
    """Send one ``HEAD`` on a fresh Client and return the response, read and closed;
    takes what ``restwell.request()`` takes: ``Client.request()``'s arguments, plus
    ``verify``, ``cert``, ``trust_env``, ``limits`` and ``proxy_auth`` for the Client."""
    return _one_shot("head", "HEAD", url, kwargs)


def options(url: URL | str, **kwargs: typing.Any) -> Response:
    """Send one ``OPTIONS`` on a fresh Client and return the response, read and closed;
    takes what ``restwell.request()`` takes: ``Client.request()``'s arguments, plus
    ``verify``, ``cert``, ``trust_env``, ``limits`` and ``proxy_auth`` for the Client."""
    return _one_shot("options", "OPTIONS", url, kwargs)


def delete(url: URL | str, **kwargs: typing.Any) -> Response:
    """Send one ``DELETE`` on a fresh Client and return the response, read and closed;
    takes what ``restwell.request()`` takes: ``Client.request()``'s arguments, plus
    ``verify``, ``cert``, ``trust_env``, ``limits`` and ``proxy_auth`` for the Client."""
    return _one_shot("delete", "DELETE", url, kwargs)


def post(url: URL | str, **kwargs: typing.Any) -> Response:
    """Send one ``POST`` on a fresh Client and return the response, read and closed;
    takes what ``restwell.request()`` takes: ``Client.request()``'s arguments, plus
    ``verify``, ``cert``, ``trust_env``, ``limits`` and ``proxy_auth`` for the Client."""
    return _one_shot("post", "POST", url, kwargs)


def put(url: URL | str, **kwargs: typing.Any) -> Response:
    """Send one ``PUT`` on a fresh Client and return the response, read and closed;
    takes what ``restwell.request()`` takes: ``Client.request()``'s arguments, plus
    ``verify``, ``cert``, ``trust_env``, ``limits`` and ``proxy_auth`` for the Client."""
    return _one_shot("put", "PUT", url, kwargs)


def patch(url: URL | str, **kwargs: typing.Any) -> Response:
    """Send one ``PATCH`` on a fresh Client and return the response, read and closed;
    takes what ``restwell.request()`` takes: ``Client.request()``'s arguments, plus
    ``verify``, ``cert``, ``trust_env``, ``limits`` and ``proxy_auth`` for the Client."""
    return _one_shot("patch", "PATCH", url, kwargs)
