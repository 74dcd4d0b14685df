"""What the feature flow asks of the client that drives it, one step at a time.

The flow (``_flow.run``) is a generator that yields ``(kind, a, b)`` and is sent back the
result of doing it; an error the step raised is thrown into the flow instead. ``Client`` does
each step with blocking calls, ``AsyncClient`` awaits it: that short loop is the only code the
two clients repeat.

=========  ======================  ================================  ==============
kind       a                       b                                 sent back
=========  ======================  ================================  ==============
SEND       request                 stream (bool)                     the response
SLEEP      the retry policy        seconds (its sleep/async_sleep)   None
CALL       an event hook           its argument (awaited if async)   None
CLOSE      a response              None                              None
READ       a response              None (read whole, then closed)    None
AUTH       an auth flow generator  what to send it (None: start)     next request,
                                                                     None at its end
AUTH_END   an auth flow generator  None (closed)                     None
STORE      a storage method        its arguments (a tuple; awaited   what it returned
           (sync, or async twin)   if async)
=========  ======================  ================================  ==============
"""

from __future__ import annotations

import typing

__all__ = ["SEND", "SLEEP", "CALL", "CLOSE", "READ", "AUTH", "AUTH_END", "STORE", "Step",
           "Flow"]
SEND, SLEEP, CALL, CLOSE, READ, AUTH, AUTH_END, STORE = range(8)
Step = tuple[int, typing.Any, typing.Any]
Flow = typing.Generator[Step, typing.Any, typing.Any]
