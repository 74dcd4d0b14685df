"""Retries: a frozen policy whose decision is a pure function.

``Retry.decide`` looks at one failed attempt (an exception, or a response with a retryable
status) and says how long to wait before the next, or None for "stop". It reads no clock
and draws no random number itself: the caller passes ``now`` (wall time, for an HTTP-date
``Retry-After``) and ``rand`` (in [0, 1), for the jitter), so the rules are tested as a
table. The clients run the loop (``Client._retrying`` and its async twin) and sleep through
the policy's ``sleep``/``async_sleep``, which tests replace to run instantly.

What is retried:

- failures to connect (nothing was sent): always, whatever the method; not TLS certificate
  failures, which a retry cannot fix;
- read and write failures, and the statuses in ``statuses`` (408, 429, 500, 502, 503, 504):
  only for idempotent methods, or for any method when ``idempotency_key`` is on (the client
  then sends one ``Idempotency-Key`` per logical request, the same on every attempt);
- never a request whose body was a one-shot stream.

Waits: exponential backoff with full jitter, ``rand * min(backoff_max, backoff_factor *
2**attempt)``; a ``Retry-After`` (seconds or HTTP-date) is honoured instead when it is
longer, up to ``retry_after_max``, beyond which the response is returned as it is.
"""

from __future__ import annotations

import dataclasses
import typing

from ._exceptions import (
    ConnectError,
    ConnectTimeout,
    ReadError,
    ReadTimeout,
    RemoteProtocolError,
    TLSError,
    WriteError,
    WriteTimeout,
)

__all__ = ["Retry", "RetryTypes", "to_retry", "IDEMPOTENT"]

IDEMPOTENT = frozenset({"GET", "HEAD", "OPTIONS", "PUT", "DELETE", "TRACE"})
_SENT_MAYBE = (ReadError, ReadTimeout, RemoteProtocolError, WriteError, WriteTimeout)


def _sleep(seconds: float) -> None:
    import time

    time.sleep(seconds)


async def _async_sleep(seconds: float) -> None:
    import asyncio

    await asyncio.sleep(seconds)


@dataclasses.dataclass(frozen=True)
class Retry:
    """``retries=Retry(total=5, backoff_factor=1)``, or ``retries=3`` for the defaults."""

    total: int = 3
    statuses: frozenset[int] = frozenset({408, 429, 500, 502, 503, 504})
    methods: frozenset[str] = IDEMPOTENT
    backoff_factor: float = 0.5
    backoff_max: float = 30.0
    respect_retry_after: bool = True
    retry_after_max: float = 300.0
    idempotency_key: bool = False
    sleep: typing.Callable[[float], None] = _sleep
    async_sleep: typing.Callable[[float], typing.Awaitable[None]] = _async_sleep

    def __post_init__(self) -> None:
        if self.total < 0 or self.backoff_factor < 0 or self.backoff_max < 0:
            raise ValueError("Retry: total, backoff_factor and backoff_max must be >= 0")
        object.__setattr__(self, "statuses", frozenset(self.statuses))
        object.__setattr__(self, "methods", frozenset(m.upper() for m in self.methods))

    def retryable_method(self, method: str, has_key: bool) -> bool:
        return method in self.methods or (self.idempotency_key and has_key)

    def decide(
        self, *, attempt: int, method: str, has_key: bool, rewindable: bool,
        error: BaseException | None = None, status: int | None = None,
        retry_after: str | None = None, now: float = 0.0, rand: float = 1.0,
    ) -> float | None:
        """Seconds to wait before attempt ``attempt + 1``, or None not to retry.

        ``attempt`` counts the retries already made; ``error`` is what the attempt raised,
        or ``status`` (and its ``Retry-After``) what it answered."""
        if attempt >= self.total or not rewindable:
            return None
        if error is not None:
            if isinstance(error, (ConnectError, ConnectTimeout)):
                if isinstance(error, TLSError):
                    return None
            elif not (isinstance(error, _SENT_MAYBE) and self.retryable_method(method, has_key)):
                return None
        elif status not in self.statuses or not self.retryable_method(method, has_key):
            return None
        backoff = rand * min(self.backoff_max, self.backoff_factor * 2.0 ** attempt)
        if status is not None and retry_after and self.respect_retry_after:
            asked = parse_retry_after(retry_after, now)
            if asked is not None:
                if asked > self.retry_after_max:
                    return None  # waiting less than asked is pointless; the caller decides
                return max(asked, backoff)
        return backoff


def parse_retry_after(value: str, now: float) -> float | None:
    """``Retry-After`` (RFC 9110 §10.2.3) as seconds from ``now``; None when it is garbage."""
    value = value.strip()
    if value.isascii() and value.isdigit():
        return float(int(value))
    import email.utils

    try:
        when = email.utils.parsedate_to_datetime(value)
    except (TypeError, ValueError, IndexError):
        return None
    if when is None or when.tzinfo is None:
        return None
    return max(when.timestamp() - now, 0.0)


RetryTypes = typing.Union[int, Retry, None]


def to_retry(retries: RetryTypes) -> Retry | None:
    if retries is None or retries == 0:
        return None
    if isinstance(retries, Retry):
        return retries if retries.total > 0 else None
    if isinstance(retries, int) and not isinstance(retries, bool) and retries > 0:
        return Retry(total=retries)
    raise TypeError(f"retries= must be an int >= 0 or a restwell.Retry, not {retries!r}")
