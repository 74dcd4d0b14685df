"""One behaviour suite for both clients: ``make_client`` builds a ``Client``, or an
``AsyncClient`` driven from sync test code on an asyncio or uvloop event loop.

The facade only turns awaits into calls; every request, response and error is the
AsyncClient's own, so a test that passes for "sync" and fails for "asyncio" has found a drift.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import typing

import restwell

KINDS = ["sync", "asyncio", "uvloop"]
T = typing.TypeVar("T")


def new_runner(kind: str) -> asyncio.Runner:
    if kind == "uvloop":
        import uvloop

        return asyncio.Runner(loop_factory=uvloop.new_event_loop)
    return asyncio.Runner()


class SyncResponse:
    """An async streamed Response, iterated through the sync names."""

    def __init__(self, response: restwell.Response, run: typing.Callable[..., typing.Any]):
        self._response = response
        self._run = run

    def __getattr__(self, name: str) -> typing.Any:
        return getattr(self._response, name)

    def __setattr__(self, name: str, value: typing.Any) -> None:
        if name in ("_response", "_run"):
            object.__setattr__(self, name, value)
        else:  # (response.encoding = ...)
            setattr(self._response, name, value)

    def _drive(self, agen: typing.AsyncIterator[T]) -> typing.Iterator[T]:
        while True:
            try:
                yield self._run(agen.__anext__())
            except StopAsyncIteration:
                return

    def iter_raw(self, chunk_size: int | None = None) -> typing.Iterator[bytes]:
        return self._drive(self._response.aiter_raw(chunk_size))

    def iter_bytes(self, chunk_size: int | None = None) -> typing.Iterator[bytes]:
        return self._drive(self._response.aiter_bytes(chunk_size))

    def iter_text(self, chunk_size: int | None = None) -> typing.Iterator[str]:
        return self._drive(self._response.aiter_text(chunk_size))

    def iter_lines(self) -> typing.Iterator[str]:
        return self._drive(self._response.aiter_lines())

    def iter_sse(self) -> typing.Iterator[restwell.ServerSentEvent]:
        return self._drive(self._response.aiter_sse())

    def read(self) -> bytes:
        return self._run(self._response.aread())  # type: ignore[no-any-return]

    def close(self) -> None:
        self._run(self._response.aclose())


class SyncPages:
    """An AsyncClient's ``paginate()``, iterated through the sync names."""

    def __init__(self, pages: typing.Any, run: typing.Callable[..., typing.Any]) -> None:
        self._pages = pages
        self._run = run

    def _drive(self, agen: typing.AsyncIterator[T]) -> typing.Iterator[T]:
        while True:
            try:
                yield self._run(agen.__anext__())
            except StopAsyncIteration:
                return

    def __iter__(self) -> typing.Iterator[restwell.Response]:
        return self._drive(self._pages.__aiter__())

    def items(self, path: typing.Any = None) -> typing.Iterator[typing.Any]:
        return self._drive(self._pages.items(path))


class AsyncFacade:
    """An AsyncClient with its coroutine methods run to completion on ``runner``."""

    def __init__(self, runner: asyncio.Runner, **kwargs: typing.Any) -> None:
        object.__setattr__(self, "_runner", runner)
        object.__setattr__(self, "client", restwell.AsyncClient(**kwargs))

    def __setattr__(self, name: str, value: typing.Any) -> None:
        setattr(self.client, name, value)  # client.auth = ...: the AsyncClient's setting

    def _run(self, coro: typing.Awaitable[T]) -> T:
        return self._runner.run(coro)  # type: ignore[arg-type]

    def __getattr__(self, name: str) -> typing.Any:
        attr = getattr(self.client, name)
        if inspect.iscoroutinefunction(attr):
            return lambda *a, **k: self._wrap(self._run(attr(*a, **k)))
        return attr

    def _wrap(self, value: typing.Any) -> typing.Any:
        if isinstance(value, restwell.Response) and value._astream is not None:
            return SyncResponse(value, self._run)  # a streamed body: iterate it through awaits
        return value

    @contextlib.contextmanager
    def stream(self, *args: typing.Any, **kwargs: typing.Any) -> typing.Iterator[typing.Any]:
        manager = self.client.stream(*args, **kwargs)
        response = self._run(manager.__aenter__())
        try:
            yield SyncResponse(response, self._run)
        finally:
            self._run(manager.__aexit__(None, None, None))

    @contextlib.contextmanager
    def sse(self, *args: typing.Any, **kwargs: typing.Any) -> typing.Iterator[typing.Any]:
        manager = self.client.sse(*args, **kwargs)
        events = self._run(manager.__aenter__())
        try:
            yield SyncResponse._drive(typing.cast(SyncResponse, self), events)
        except BaseException as exc:
            if not self._run(manager.__aexit__(type(exc), exc, exc.__traceback__)):
                raise
        else:
            self._run(manager.__aexit__(None, None, None))

    def paginate(self, *args: typing.Any, **kwargs: typing.Any) -> SyncPages:
        return SyncPages(self.client.paginate(*args, **kwargs), self._run)

    def close(self) -> None:
        self._run(self.client.aclose())

    def __enter__(self) -> AsyncFacade:
        return self

    def __exit__(self, *args: object) -> None:
        self.close()


def factory(kind: str, runner: asyncio.Runner | None) -> typing.Callable[..., typing.Any]:
    if kind == "sync":
        return restwell.Client
    assert runner is not None
    return lambda **kwargs: AsyncFacade(runner, **kwargs)


CLIENT_ARGS = ("verify", "cert", "trust_env", "limits")


def request_via(
    make_client: typing.Callable[..., typing.Any], method: str, url: str, **kwargs: typing.Any
) -> restwell.Response:
    """``restwell.request`` through the client under test: one client, one request."""
    client_kwargs = {name: kwargs.pop(name) for name in CLIENT_ARGS if name in kwargs}
    with make_client(**client_kwargs) as client:
        return client.request(method, url, **kwargs)  # type: ignore[no-any-return]


Make = typing.Callable[..., typing.Any]
