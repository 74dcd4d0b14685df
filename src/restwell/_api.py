"""One-shot functions: ``restwell.get(url)`` and friends, each with a short-lived Client."""

from __future__ import annotations

import typing

from ._client._sync import Client
from ._models._response import Response
from ._models._urls import URL

__all__ = ["request", "get", "head", "options", "delete", "post", "put", "patch"]


_CLIENT_ARGS = ("verify", "cert", "trust_env", "limits", "proxy_auth")


def request(method: str, url: URL | str, **kwargs: typing.Any) -> Response:
    """Send one request on a fresh client and return the response, read and closed."""
    client_args = {name: kwargs.pop(name) for name in _CLIENT_ARGS if name in kwargs}
    with Client(**client_args) as client:
        return client.request(method, url, **kwargs)


def get(url: URL | str, **kwargs: typing.Any) -> Response:
    return request("GET", url, **kwargs)


def head(url: URL | str, **kwargs: typing.Any) -> Response:
    return request("HEAD", url, **kwargs)


def options(url: URL | str, **kwargs: typing.Any) -> Response:
    return request("OPTIONS", url, **kwargs)


def delete(url: URL | str, **kwargs: typing.Any) -> Response:
    return request("DELETE", url, **kwargs)


def post(url: URL | str, **kwargs: typing.Any) -> Response:
    return request("POST", url, **kwargs)


def put(url: URL | str, **kwargs: typing.Any) -> Response:
    return request("PUT", url, **kwargs)


def patch(url: URL | str, **kwargs: typing.Any) -> Response:
    return request("PATCH", url, **kwargs)
