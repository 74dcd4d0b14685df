"""Instructions per request, counted by callgrind: the working tree against an earlier commit.

    scripts/instructions --baseline HEAD~1            # get and post, 200 requests each
    scripts/instructions --baseline 4ebd5f5 --scenarios get,get_total --requests 400

CPU time on a shared 2-core machine swings by several percent from run to run; the number of
instructions a request executes does not (the same binary, inputs and environment give the
same count, whatever else the machine is doing). So a change to the request path is checked
here first, and with the paired rounds of ``scripts/bench`` second.

For each Python (the working tree's, then the baseline's, made by ``baseline.prepare``) and
each scenario, a client process runs under ``valgrind --tool=callgrind`` twice: after the
same warm-up (client made, connection open, caches filled), once with no request and once
with ``--requests`` of them; the difference, divided by the count, is one request's cost with
start-up and warm-up cancelled out. After the warm-up the heap is frozen (``gc.freeze()``), so
the collections a run triggers scan only what its requests made, not the modules a change
happens to import. ``PYTHONHASHSEED=0`` keeps dict layouts the same. The
server is a raw-socket keep-alive server in its own process on another core, answering every
request with the same small JSON body.
"""

from __future__ import annotations

import argparse
import multiprocessing
import os
import re
import socket
import subprocess
import sys
import typing

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import baseline

BODY = b'{"id": 1, "name": "restwell", "private": false}'
ANSWER = (b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%b"
          % (len(BODY), BODY))
WARM_UP = 50

# Each scenario: the client's settings and one request, as Python source run in the client.
SCENARIOS = {
    "get": ("", "c.get(url)"),
    "post": ("", "c.post(url, json=payload)"),
    "get_total": ("timeout=restwell.Timeout(10, total=30)", "c.get(url)"),
    "get_params": ("", "c.get(url, params={'page': 2, 'q': 'x'})"),
}
CLIENT = """
import sys, restwell
url, count = sys.argv[1], int(sys.argv[2])
payload = {{"name": "restwell", "private": False, "tags": ["a", "b"]}}
c = restwell.Client({settings})
for _ in range({warm}):
    {call}
import gc
gc.collect()
gc.freeze()  # what start-up left is not the request's: collections see only what it makes
for _ in range(count):
    {call}
c.close()
"""


def serve(listener: socket.socket) -> None:
    """Answer every request on every connection with ANSWER (bodies read by Content-Length)."""
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {1 % os.cpu_count()})  # type: ignore[operator]
    while True:
        conn, _ = listener.accept()
        data = b""
        while True:
            while b"\r\n\r\n" not in data:
                chunk = conn.recv(65536)
                if not chunk:
                    break
                data += chunk
            else:
                head, _, data = data.partition(b"\r\n\r\n")
                match = re.search(rb"(?i)content-length:\s*(\d+)", head)
                length = int(match.group(1)) if match else 0
                while len(data) < length:
                    data += conn.recv(65536)
                data = data[length:]
                conn.sendall(ANSWER)
                continue
            conn.close()
            break


def count(python: str, url: str, scenario: str, requests: int) -> int:
    """Instructions of one client process under callgrind."""
    settings, call = SCENARIOS[scenario]
    source = CLIENT.format(settings=settings, call=call, warm=WARM_UP)
    env = {**baseline.clean_env(), "PYTHONHASHSEED": "0"}
    command = ["valgrind", "--tool=callgrind", "--callgrind-out-file=/dev/null",
               python, "-c", source, url, str(requests)]
    if hasattr(os, "sched_setaffinity"):
        command = ["taskset", "-c", "0", *command]
    out = subprocess.run(command, capture_output=True, text=True, env=env, check=False)
    found = re.search(r"Collected : (\d+)", out.stderr)
    if out.returncode != 0 or not found:
        raise SystemExit(f"{python} {scenario}: the client failed:\n{out.stderr[-2000:]}")
    return int(found.group(1))


def per_request(python: str, url: str, scenario: str, requests: int) -> float:
    return (count(python, url, scenario, requests) - count(python, url, scenario, 0)) / requests


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--baseline", help="a git ref to compare with (sha, branch, HEAD~1)")
    parser.add_argument("--scenarios", default="get,post",
                        help=f"comma-separated, of {', '.join(SCENARIOS)}")
    parser.add_argument("--requests", type=int, default=200)
    args = parser.parse_args(argv)
    scenarios = args.scenarios.split(",")
    unknown = [name for name in scenarios if name not in SCENARIOS]
    if unknown:
        raise SystemExit(f"unknown scenarios {unknown}: choose from {list(SCENARIOS)}")
    pythons: list[tuple[str, str]] = [("working tree", sys.executable)]
    if args.baseline:
        base = baseline.prepare(args.baseline)
        pythons.append((base.row, base.python))
    listener = socket.create_server(("127.0.0.1", 0))
    server = multiprocessing.Process(target=serve, args=(listener,), daemon=True)
    server.start()
    url = f"http://127.0.0.1:{listener.getsockname()[1]}/repos/1"
    try:
        results = {(name, scenario): per_request(python, url, scenario, args.requests)
                   for name, python in pythons for scenario in scenarios}
    finally:
        server.kill()
    report(results, [name for name, _ in pythons], scenarios)


def report(results: dict[tuple[str, str], float], names: list[str],
           scenarios: typing.Sequence[str]) -> None:
    print(f"{'scenario':<12}" + "".join(f"{name:>22}" for name in names)
          + ("   ratio" if len(names) > 1 else ""))
    for scenario in scenarios:
        row = [results[(name, scenario)] for name in names]
        ratio = f"{row[0] / row[1]:8.4f}" if len(row) > 1 else ""
        print(f"{scenario:<12}" + "".join(f"{value:>22,.0f}" for value in row) + ratio)


if __name__ == "__main__":
    main()
