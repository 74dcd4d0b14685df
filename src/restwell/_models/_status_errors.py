"""The ``HTTPStatusError`` subclasses: by status class (``ClientError``, ``ServerError``) and
by the statuses APIs answer with, so ``except restwell.NotFound:`` catches a 404 and
``except restwell.ClientError:`` any 4xx. ``raise_for_status()`` raises the most specific.
"""

from __future__ import annotations

import time

from ._exceptions import HTTPStatusError
from ._retry import parse_retry_after

__all__ = ["ClientError", "ServerError", "status_error_class"]


class ClientError(HTTPStatusError):
    """A 4xx status: the request was refused as sent."""


class ServerError(HTTPStatusError):
    """A 5xx status: the server failed to answer a request it may well accept later."""


class BadRequest(ClientError):
    """400 Bad Request."""


class Unauthorized(ClientError):
    """401 Unauthorized: credentials missing or refused."""


class Forbidden(ClientError):
    """403 Forbidden: the credentials do not allow this (GitHub also says so for rate limits)."""


class NotFound(ClientError):
    """404 Not Found."""


class MethodNotAllowed(ClientError):
    """405 Method Not Allowed."""


class Conflict(ClientError):
    """409 Conflict: the resource's state does not allow the change."""


class Gone(ClientError):
    """410 Gone."""


class PreconditionFailed(ClientError):
    """412 Precondition Failed: an ``If-Match`` (or other condition) did not hold."""


class UnsupportedMediaType(ClientError):
    """415 Unsupported Media Type."""


class UnprocessableEntity(ClientError):
    """422 Unprocessable Content: the body parsed but did not validate."""


class TooManyRequests(ClientError):
    """429 Too Many Requests: a rate limit; ``retry_after`` is the server's wait, if it gave one."""

    @property
    def retry_after(self) -> float | None:
        """Seconds the ``Retry-After`` field asks to wait (a delay or a date), else None."""
        value = self.response.headers.get("retry-after")
        return None if value is None else parse_retry_after(value, time.time())


class InternalServerError(ServerError):
    """500 Internal Server Error."""


class BadGateway(ServerError):
    """502 Bad Gateway."""


class ServiceUnavailable(ServerError):
    """503 Service Unavailable; ``retry_after`` is the server's wait, if it gave one."""

    retry_after = TooManyRequests.retry_after


class GatewayTimeout(ServerError):
    """504 Gateway Timeout."""


_BY_STATUS: dict[int, type[HTTPStatusError]] = {
    400: BadRequest, 401: Unauthorized, 403: Forbidden, 404: NotFound, 405: MethodNotAllowed,
    409: Conflict, 410: Gone, 412: PreconditionFailed, 415: UnsupportedMediaType,
    422: UnprocessableEntity, 429: TooManyRequests, 500: InternalServerError, 502: BadGateway,
    503: ServiceUnavailable, 504: GatewayTimeout,
}


def status_error_class(status: int) -> type[HTTPStatusError]:
    """The class raised for a 4xx or 5xx: the status's own, else its class's."""
    found = _BY_STATUS.get(status)
    if found is not None:
        return found
    return ClientError if status < 500 else ServerError
