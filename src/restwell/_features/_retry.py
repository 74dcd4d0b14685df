"""Retrying one request: the attempts loop of the feature flow, around ``Retry.decide``.

``Retry`` (in ``_models``, since a request carries it) decides from one failed attempt how
long to wait, or not to retry; this module feeds it the attempt's facts, keeps the history
that ``response.retries`` reports, sets the ``Idempotency-Key`` once for all attempts, and
never lets a wait run past the call's total deadline.
"""

from __future__ import annotations

import time
import typing

from .._models._content import BodyStream
from .._models._exceptions import RequestError
from .._models._request import Request
from .._models._response import Response
from .._models._retry import Retry
from ._steps import CLOSE, SEND, SLEEP, Step

__all__ = ["attempts"]
History = list[tuple[typing.Union[int, str], float]]


def attempts(
    request: Request, stream: bool, policy: Retry
) -> typing.Generator[Step, typing.Any, Response]:
    """Send ``request`` until an attempt is not retryable; its response (or error) is the
    caller's, with the history of the retries made. The call's deadline (the flow's, on the
    request's timeout) bounds them all."""
    history: History = []
    _start(request, policy)
    deadline = None if request.timeout is None else request.timeout._deadline
    while True:
        try:
            response: Response = yield SEND, request, stream
        except RequestError as exc:
            delay = _delay(policy, request, history, deadline, error=exc)
            if delay is None:
                exc.retries = history
                raise
        else:
            delay = _delay(policy, request, history, deadline, response=response)
            if delay is None:
                response.retries = history
                return response
            yield CLOSE, response, None
        yield SLEEP, policy, delay


def _start(request: Request, policy: Retry) -> None:
    """Before the first attempt: the Idempotency-Key (if the policy wants one for this
    method: the same on every attempt)."""
    if (policy.idempotency_key and request.method not in policy.methods
            and "idempotency-key" not in request.headers):
        import uuid

        request.headers["Idempotency-Key"] = str(uuid.uuid4())


def _delay(
    policy: Retry, request: Request, history: History, deadline: float | None,
    error: BaseException | None = None, response: Response | None = None,
) -> float | None:
    """How long to wait before retrying (None: don't), by the policy, and never past the
    call's total deadline."""
    import random  # (here: import restwell stays light)

    body = request.body
    delay = policy.decide(
        attempt=len(history), method=request.method,
        has_key="idempotency-key" in request.headers,
        rewindable=not isinstance(body, BodyStream) or body.rewindable,
        error=error, status=None if response is None else response.status_code,
        retry_after=None if response is None else response.headers.get("retry-after"),
        now=time.time(), rand=random.random(),
    )
    if delay is not None and deadline is not None and time.monotonic() + delay >= deadline:
        return None
    if delay is not None:
        history.append((type(error).__name__ if response is None else response.status_code,
                        delay))
    return delay
