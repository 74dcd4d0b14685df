"""One-shot functions: ``restwell.get(url)`` and friends, each with a short-lived Client."""

from __future__ import annotations

import typing

from ._client._sync import Client
from ._models._response import Response
from ._models._urls import URL

__all__ = ["request", "get", "head", "options", "delete", "post", "put", "patch"]


_CLIENT_ARGS = ("verify", "cert", "trust_env", "limits", "proxy_auth")


def request(method: str, url: URL | str, **kwargs: typing.Any) -> Response:
    """Send one request on a fresh Client and return the response, read and closed.

    Takes ``Client.request()``'s arguments, plus ``verify``, ``cert``, ``trust_env``,
    ``limits`` and ``proxy_auth`` for the Client; a program making several calls
    should keep one Client, whose pool reuses connections."""
    client_args = {name: kwargs.pop(name) for name in _CLIENT_ARGS if name in kwargs}
    with Client(**client_args) as client:
        return client.request(method, url, **kwargs)


def get(url: URL | str, **kwargs: typing.Any) -> Response:
    """Send one ``GET`` on a fresh Client and return the response, read and closed;
    takes what ``restwell.request()`` takes: ``Client.request()``'s arguments, plus
    ``verify``, ``cert``, ``trust_env``, ``limits`` and ``proxy_auth`` for the Client."""
    return request("GET", url, **kwargs)


def head(url: URL | str, **kwargs: typing.Any) -> Response:
    """Send one ``HEAD`` on a fresh Client and return the response, read and closed;
    takes what ``restwell.request()`` takes: ``Client.request()``'s arguments, plus
    ``verify``, ``cert``, ``trust_env``, ``limits`` and ``proxy_auth`` for the Client."""
    return request("HEAD", url, **kwargs)


def options(url: URL | str, **kwargs: typing.Any) -> Response:
    """Send one ``OPTIONS`` on a fresh Client and return the response, read and closed;
    takes what ``restwell.request()`` takes: ``Client.request()``'s arguments, plus
    ``verify``, ``cert``, ``trust_env``, ``limits`` and ``proxy_auth`` for the Client."""
    return request("OPTIONS", url, **kwargs)


def delete(url: URL | str, **kwargs: typing.Any) -> Response:
    """Send one ``DELETE`` on a fresh Client and return the response, read and closed;
    takes what ``restwell.request()`` takes: ``Client.request()``'s arguments, plus
    ``verify``, ``cert``, ``trust_env``, ``limits`` and ``proxy_auth`` for the Client."""
    return request("DELETE", url, **kwargs)


def post(url: URL | str, **kwargs: typing.Any) -> Response:
    """Send one ``POST`` on a fresh Client and return the response, read and closed;
    takes what ``restwell.request()`` takes: ``Client.request()``'s arguments, plus
    ``verify``, ``cert``, ``trust_env``, ``limits`` and ``proxy_auth`` for the Client."""
    return request("POST", url, **kwargs)


def put(url: URL | str, **kwargs: typing.Any) -> Response:
    """Send one ``PUT`` on a fresh Client and return the response, read and closed;
    takes what ``restwell.request()`` takes: ``Client.request()``'s arguments, plus
    ``verify``, ``cert``, ``trust_env``, ``limits`` and ``proxy_auth`` for the Client."""
    return request("PUT", url, **kwargs)


def patch(url: URL | str, **kwargs: typing.Any) -> Response:
    """Send one ``PATCH`` on a fresh Client and return the response, read and closed;
    takes what ``restwell.request()`` takes: ``Client.request()``'s arguments, plus
    ``verify``, ``cert``, ``trust_env``, ``limits`` and ``proxy_auth`` for the Client."""
    return request("PATCH", url, **kwargs)
