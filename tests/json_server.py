"""json-server (the npm package, 0.17.x) on 127.0.0.1, on a free port, over a generated db:
a real paginating REST server that sends ``Link`` fields for ``_page``/``_limit``.
Installed by scripts/bootstrap into tests/node/node_modules; a missing binary fails."""

from __future__ import annotations

import json
import pathlib
import socket
import subprocess
import time

BINARY = pathlib.Path(__file__).parent / "node" / "node_modules" / ".bin" / "json-server"


class JsonServer:
    def __init__(self, folder: pathlib.Path, db: dict[str, object]) -> None:
        if not BINARY.exists():
            raise RuntimeError(f"{BINARY} is missing: run scripts/bootstrap (npm install)")
        path = folder / "db.json"
        path.write_text(json.dumps(db))
        with socket.socket() as probe:  # a free port (json-server does not report port 0's)
            probe.bind(("127.0.0.1", 0))
            self.port = probe.getsockname()[1]
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = subprocess.Popen(
            [str(BINARY), "--host", "127.0.0.1", "--port", str(self.port), "--quiet",
             str(path)], stdout=subprocess.DEVNULL, stderr=subprocess.PIPE)
        deadline = time.monotonic() + 20
        while time.monotonic() < deadline:
            try:
                socket.create_connection(("127.0.0.1", self.port), timeout=0.5).close()
                return
            except OSError:
                if self.process.poll() is not None:
                    raise RuntimeError(f"json-server exited: {self.process.stderr.read()!r}"
                                       ) from None  # type: ignore[union-attr]
                time.sleep(0.1)
        self.close()
        raise RuntimeError("json-server did not start within 20 s")

    def close(self) -> None:
        self.process.terminate()
        self.process.wait(timeout=10)
