"""The real httpbin package served by gunicorn on 127.0.0.1, for Digest auth against a server
we did not write. Its port comes from the OS just before it starts, as nginx's does."""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request

from nginx_server import free_port, stop


class Httpbin:
    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "PYTHONWARNINGS": "ignore"}
        self.proc = subprocess.Popen(
            [sys.executable, "-m", "gunicorn", "--bind", f"127.0.0.1:{self.port}",
             "--workers", "1", "--threads", "8", "--log-level", "warning", "httpbin:app"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, env=env,
        )
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"httpbin exited: {self.proc.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                urllib.request.urlopen(f"{self.url}/get", timeout=1).close()
                return
            except (OSError, urllib.error.URLError):
                time.sleep(0.1)
        raise RuntimeError("httpbin (gunicorn) did not start within 30 s")

    def close(self) -> None:
        stop(self.proc)
