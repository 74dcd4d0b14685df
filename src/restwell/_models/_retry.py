"""Retries: a frozen policy whose decision is a pure function.

``Retry.decide`` looks at one failed attempt (an exception, or a response with a retryable
status) and says how long to wait before the next, or None for "stop". It reads no clock
and draws no random number itself: the caller passes ``now`` (wall time, for an HTTP-date
``Retry-After``) and ``rand`` (in [0, 1), for the jitter), so the rules are tested as a
table. The feature flow runs the attempts (``_features._retry.attempts``), and the clients
sleep through the policy's ``sleep``/``async_sleep``, which tests replace to run instantly.

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


class Retry:
    """``retries=Retry(total=5, backoff_factor=1)``, or ``retries=3`` for the defaults.
    Frozen: a policy is shared by every request of a client and never changes under them.
    (A plain class rather than a dataclass: ``dataclasses`` imports ``inspect``, which would
    double restwell's import time.)"""

    __slots__ = ("async_sleep", "backoff_factor", "backoff_max", "idempotency_key", "methods",
                 "respect_retry_after", "retry_after_max", "sleep", "statuses", "total")

    total: int
    statuses: frozenset[int]
    methods: frozenset[str]
    backoff_factor: float
    backoff_max: float
    respect_retry_after: bool
    retry_after_max: float
    idempotency_key: bool
    sleep: typing.Callable[[float], None]
    async_sleep: typing.Callable[[float], typing.Awaitable[None]]

    def __init__(
        self, total: int = 3, *,
        statuses: typing.Iterable[int] = (408, 429, 500, 502, 503, 504),
        methods: typing.Iterable[str] = IDEMPOTENT,
        backoff_factor: float = 0.5, backoff_max: float = 30.0,
        respect_retry_after: bool = True, retry_after_max: float = 300.0,
        idempotency_key: bool = False,
        sleep: typing.Callable[[float], None] = _sleep,
        async_sleep: typing.Callable[[float], typing.Awaitable[None]] = _async_sleep,
    ) -> None:
        if total < 0 or backoff_factor < 0 or backoff_max < 0:
            raise ValueError("Retry: total, backoff_factor and backoff_max must be >= 0")
        values = {
            "total": total, "statuses": frozenset(statuses),
            "methods": frozenset(m.upper() for m in methods),
            "backoff_factor": backoff_factor, "backoff_max": backoff_max,
            "respect_retry_after": respect_retry_after, "retry_after_max": retry_after_max,
            "idempotency_key": idempotency_key, "sleep": sleep, "async_sleep": async_sleep,
        }
        for name, value in values.items():
            object.__setattr__(self, name, value)

    def __setattr__(self, name: str, value: object) -> None:
        raise AttributeError("a Retry policy is frozen; make a new one")

    def _key(self) -> tuple[object, ...]:
        return tuple(getattr(self, name) for name in self.__slots__)

    def __eq__(self, other: object) -> bool:
        return isinstance(other, Retry) and self._key() == other._key()

    def __hash__(self) -> int:
        return hash(self._key())

    def __repr__(self) -> str:
        return (f"Retry(total={self.total}, statuses={sorted(self.statuses)}, "
                f"backoff_factor={self.backoff_factor}, backoff_max={self.backoff_max}, "
                f"idempotency_key={self.idempotency_key})")

    def retryable_method(self, method: str, has_key: bool) -> bool:
        """May a request that may have reached the server be sent again? Yes for ``methods``, and
        for any method when ``idempotency_key`` is on and the request has a key (``has_key``)."""
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
