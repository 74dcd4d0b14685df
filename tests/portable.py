"""Running the sync client as it runs where ``select.poll`` is missing (Windows).

``hide_poll`` takes ``select.poll`` away and makes ``_wait`` choose again, as its import
would on such a platform: the ``select.select`` fallback. ``like_windows`` also turns off
what Windows lacks besides: sockets that ``os.read``/``os.write`` take and kernel timeouts
in a struct timeval, ``os.sendfile`` and ``SO_RCVLOWAT``. ``RESTWELL_WAIT=select`` or
``RESTWELL_WAIT=windows`` runs the whole suite so (conftest.py); test_portable.py runs a
representative part of it in each mode.
"""

from __future__ import annotations

import os
import select
import socket

import pytest

import restwell._io._sync._connection as connection
from restwell._io import _wait

MODES = ("select", "windows")


def hide_poll(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delattr(select, "poll", raising=False)
    chosen = _wait.choose()
    assert chosen is _wait.SelectPoller, chosen
    monkeypatch.setattr(_wait, "poller", chosen)


def like_windows(monkeypatch: pytest.MonkeyPatch) -> None:
    hide_poll(monkeypatch)
    monkeypatch.setattr(connection, "_FD_SOCKETS", False)
    monkeypatch.setattr(connection, "_RCVLOWAT", 0)
    monkeypatch.delattr(os, "sendfile", raising=False)
    # (socket.sendfile() chose its way at import, as it would have on Windows: by send())
    monkeypatch.setattr(socket.socket, "_sendfile_use_sendfile", socket.socket._sendfile_use_send)


def apply(mode: str, monkeypatch: pytest.MonkeyPatch) -> None:
    if mode == "select":
        hide_poll(monkeypatch)
    elif mode == "windows":
        like_windows(monkeypatch)
    else:
        raise ValueError(f"RESTWELL_WAIT is one of {MODES}, not {mode!r}")


# For a test of a fast path that only sockets which are file descriptors have (deferred
# connects, TCP_NODELAY after the first write, SO_RCVLOWAT): not taken in "windows" mode.
posix_fast_path = pytest.mark.skipif(
    os.environ.get("RESTWELL_WAIT") == "windows",
    reason="a POSIX fast path, turned off where sockets are not file descriptors",
)
