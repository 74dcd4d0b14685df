"""A real redis-server on 127.0.0.1 for the tests of ``RedisCache``, on a port from the OS,
saving nothing (``--save "" --appendonly no``) into its own temporary folder.

scripts/bootstrap installs Debian's redis-server when run as root; a missing binary fails
the run (never a skip).
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time

from nginx_server import free_port, stop


class RedisServer:
    """One redis-server process; ``url`` is ``redis://127.0.0.1:<port>/0``."""

    def __init__(self) -> None:
        binary = shutil.which("redis-server") or "/usr/bin/redis-server"
        if not os.path.exists(binary):
            raise RuntimeError("redis-server is not installed: run scripts/bootstrap as root "
                               "(it installs Debian's redis-server), or apt-get install "
                               "redis-server")
        self.dir = tempfile.mkdtemp(prefix="restwell-redis-")
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.proc = subprocess.Popen(
            [binary, "--port", str(self.port), "--bind", "127.0.0.1", "--save", "",
             "--appendonly", "no", "--dir", self.dir, "--daemonize", "no",
             "--loglevel", "warning"],
            stdout=subprocess.PIPE, stderr=subprocess.STDOUT)
        try:
            self._wait()
        except BaseException:
            self.close()
            raise

    def _wait(self) -> None:
        """Until the server answers PING."""
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                out = self.proc.stdout.read().decode()  # type: ignore[union-attr]
                raise RuntimeError(f"redis-server exited: {out}")
            try:
                with socket.create_connection(("127.0.0.1", self.port), timeout=0.5) as sock:
                    sock.sendall(b"PING\r\n")
                    if sock.recv(64).startswith(b"+PONG"):
                        return
            except OSError:
                pass
            time.sleep(0.05)
        raise RuntimeError("redis-server did not answer PING within 20 s")

    def flush(self) -> None:
        """Forget every key (between tests sharing the session's server)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=5) as sock:
            sock.sendall(b"FLUSHALL\r\n")
            assert sock.recv(64).startswith(b"+OK")

    def close(self) -> None:
        if self.proc.poll() is None:
            stop(self.proc)
        if self.proc.stdout is not None:
            self.proc.stdout.close()
        shutil.rmtree(self.dir, ignore_errors=True)
