"""``download()``'s files: the partial file beside the target, its sidecar, the rename.

Both clients' ``download`` loops (``_sync``, ``_async``) drive one ``Target``: ``options``
gives the request's keywords (the ``Range`` of a resume), ``begin`` opens the partial file
as the answer says (``_features._download.decide``), ``write`` appends a chunk, ``finish``
checks the length and renames, ``abort`` keeps a resumable partial file or removes a
temporary one. The writes are plain blocking writes in both clients: a chunk goes to the
page cache in microseconds, less than a hop to a worker thread would cost per chunk; the
one ``fsync`` before the rename is the only wait on the disk (docs/downloads.md).

Names: with ``resume=True`` the partial file is ``<path>.part`` and its sidecar
``<path>.part.json``, so a later call finds them; with ``resume=False`` a unique hidden
temporary file in the same directory, removed on failure. Either way the file at ``path``
is only ever replaced whole (``os.replace``, atomic on one filesystem).
"""

from __future__ import annotations

import contextlib
import os
import typing

from .._features._download import (
    AGAIN,
    APPEND,
    DONE,
    FAIL,
    FRESH,
    Partial,
    decide,
    range_headers,
    read_sidecar,
    sidecar,
)
from .._models._exceptions import HTTPStatusError, IncompleteBodyError, RemoteProtocolError
from .._models._headers import Headers

if typing.TYPE_CHECKING:  # pragma: no cover
    from .._models._response import Response

__all__ = ["BODY", "Progress", "Target"]

BODY = "body"  # begin(): write the body that follows
Progress = typing.Callable[[int, int | None], typing.Any]


class Target:
    """One download's files, from the first request to the rename."""

    def __init__(self, url: str, path: str | os.PathLike[str], resume: bool,
                 progress: Progress | None) -> None:
        self.url, self.path, self.resume, self.progress = url, os.fspath(path), resume, progress
        self.file: typing.BinaryIO | None = None
        self.total: int | None = None
        self.offset = 0
        self.partial: Partial | None = None
        self.problem = ""
        folder, name = os.path.split(os.path.abspath(self.path))
        if resume:
            self.part = self.path + ".part"
            self.meta = self.part + ".json"
            self.offset = self._resumable()
        else:
            import tempfile  # (here: import restwell does not load it)

            handle, self.part = tempfile.mkstemp(prefix=f".{name}.", suffix=".part", dir=folder)
            os.close(handle)
            self.meta = ""
        self.written = self.offset

    def _resumable(self) -> int:
        """The length of a partial file this call may resume (its sidecar is for this URL
        and has a validator), else 0."""
        try:
            with open(self.meta, "rb") as f:
                self.partial = read_sidecar(f.read(), self.url)
            size = os.path.getsize(self.part)
        except OSError:
            self.partial = None
            return 0
        return size if self.partial is not None else 0

    def options(self, kwargs: dict[str, typing.Any]) -> dict[str, typing.Any]:
        """The call's request keywords, with the fields of a resume. The body is saved as
        it came (``iter_raw``): a range counts the bytes sent, so the client asks for no
        content coding unless the call names one."""
        headers = Headers(kwargs.get("headers"))
        headers.setdefault("Accept-Encoding", "identity")
        for name, value in range_headers(self.offset, self.partial).items():
            headers[name] = value
        return {**kwargs, "headers": headers}

    def begin(self, response: Response) -> str:
        """Open the partial file as the answer says; returns ``BODY`` (write the body),
        ``DONE`` (the partial file was whole: a 416), ``AGAIN`` (ask again, whole) or
        ``FAIL`` (read the body, then ``fail``)."""
        decision = decide(response.status_code, response.headers, self.offset)
        if decision.kind == FAIL:
            self.problem = decision.problem
            return FAIL
        self.total = decision.total
        if decision.kind == AGAIN:  # (a partial file the resource no longer matches)
            self._remove()
            self.offset = self.written = 0
            return AGAIN
        if decision.kind == APPEND:
            self.file = open(self.part, "ab")  # noqa: SIM115 (closed in finish or abort)
        elif decision.kind == FRESH:
            self.file = open(self.part, "wb")  # noqa: SIM115
            self.offset = self.written = 0
            self._remember(response)
        return DONE if decision.kind == DONE else BODY

    def fail(self, response: Response) -> typing.NoReturn:
        """Raise for an answer that is no body to save: its status error for a 4xx or 5xx
        (the body read, for its message), else ``HTTPStatusError`` (a 304, an unfollowed
        redirect) or ``RemoteProtocolError`` (a 206 for a range not asked for)."""
        response.raise_for_status()
        message = f"download of {self.url}: {self.problem}"
        if response.status_code == 206:
            raise RemoteProtocolError(message, request=response.request)
        raise HTTPStatusError(message, request=response.request, response=response)

    def _remember(self, response: Response) -> None:
        """Write the sidecar of a first response (before its body: an interruption leaves
        it); a response without a validator leaves none, so no later call resumes it."""
        if not self.resume:
            return
        content = sidecar(self.url, response.headers)
        if content is None:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.meta)
            return
        with open(self.meta, "wb") as f:
            f.write(content)

    def write(self, chunk: bytes) -> None:
        """Append a chunk of the body, and report the progress."""
        self.file.write(chunk)  # type: ignore[union-attr]
        self.written += len(chunk)
        if self.progress is not None:
            self.progress(self.written, self.total)

    def finish(self, response: Response) -> Response:
        """The body has ended: check its length, put the file in place, return ``response``."""
        if self.total is not None and self.written != self.total:
            raise IncompleteBodyError(
                f"download of {self.url}: the body ended at {self.written} of {self.total} "
                "bytes" + (f"; {self.part} is kept for the next download(resume=True)"
                           if self.resume else ""), request=response.request)
        if self.file is not None:
            self.file.flush()
            os.fsync(self.file.fileno())  # (on disk before the rename makes it the file)
            self.file.close()
            self.file = None
        os.replace(self.part, self.path)
        if self.resume:
            with contextlib.suppress(FileNotFoundError):
                os.remove(self.meta)
        return response

    def abort(self) -> None:
        """The download failed: keep a resumable partial file, remove a temporary one."""
        if self.file is not None:
            self.file.close()
            self.file = None
        if not self.resume:
            self._remove()

    def _remove(self) -> None:
        for name in (self.part, self.meta):
            if name:
                with contextlib.suppress(FileNotFoundError):
                    os.remove(name)
