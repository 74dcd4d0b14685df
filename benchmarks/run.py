"""restwell against its peers, side by side in one run, against a local nginx.

    scripts/bench                 # full run, writes benchmarks/RESULTS.md
    scripts/bench --quick         # fewer requests, for a smoke check
    scripts/bench --scenarios get,post --clients restwell,httpr   # some rows of some tables
    scripts/bench --baseline HEAD~3 --clients restwell \
        --scenarios get,post,https_get,new_conn,threads8,async_get --out /tmp/bench
                                  # the working tree against an earlier commit, paired

nginx's worker is pinned to CPU 1 and every client process to CPU 0 (taskset), so per-request
CPU figures are not swung by the scheduler's placement on a 2-core machine. Each cell is the
median of several runs in fresh processes; CPU is the client process's own user+system time
(all its threads, so Rust clients' runtime threads count too). The ``floor`` row is no
peer but a bare loop (floor.py): the table at the end says whether even it leads the
fastest peer, and how far restwell is from doing what it does.

``--baseline REF`` (a sha, a branch, HEAD~3) adds the row ``restwell@<short-sha>``: restwell
as it was at REF, exported with git archive and installed in an environment of its own
(baseline.py says how), run by the same adapter, in the same rounds, as the ``restwell`` row
(the working tree). The section "restwell against restwell@<sha> (paired by round)" then
gives per scenario the median of the per-round ratios restwell / baseline of CPU per request
and of req/s, and the rounds restwell won; a CPU ratio of at most 1.03 is "within 3%". The
row is always in the run once --baseline is given; ``--clients`` may also name it
``restwell@base``. ``--clients`` and ``--scenarios`` take comma-separated names (a client
list covers the sync and the async tables alike); ``--rounds`` overrides the 9 rounds (1
with --quick); ``--out DIR`` writes the results files there instead of benchmarks/. A run
with any of --quick, --clients, --scenarios, --rounds writes RESULTS-partial.md (and
results-partial.json), never RESULTS.md.
"""

from __future__ import annotations

import argparse
import datetime
import json
import os
import platform
import resource
import shutil
import statistics
import subprocess
import sys
import threading
import time

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(HERE)
sys.path.insert(0, HERE)
sys.path.insert(0, os.path.join(HERE, "..", "tests"))

SEQUENTIAL = ["get", "post", "https_get", "new_conn"]
ASYNC = ["async_get", "async_https_get"]
SCENARIOS = [*SEQUENTIAL, "gzip_get", "threads8", "download", "upload", "multipart", *ASYNC]
CONCURRENCY = 64
BULK = ("download", "upload", "multipart")  # 100 MB each: MB/s and RSS, not req/s
# Loopback bulk transfers swing by a fifth from run to run (the server's page faults, cache
# placement): several transfers per run.
BULK_COUNT = 5
TIME_WAIT_LIMIT = 12_000  # under half of Linux's default ephemeral port range (28,232)


def async_worker(client: str, url: str, count: int, ca: str) -> dict:
    """``count`` GETs by CONCURRENCY tasks sharing one client, after a warm-up round."""
    import asyncio

    from async_clients import ASYNC_ADAPTERS

    adapter = ASYNC_ADAPTERS[client](ca)

    async def main() -> dict:
        get = await adapter.open()
        left = [count]

        async def task() -> None:
            while left[0] > 0:
                left[0] -= 1
                await get(url)

        left[0] = CONCURRENCY * 4
        await asyncio.gather(*[task() for _ in range(CONCURRENCY)])  # warm up the pool
        left[0] = count
        cpu0, wall0 = time.process_time(), time.perf_counter()
        await asyncio.gather(*[task() for _ in range(CONCURRENCY)])
        wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
        result = {"rps": count / wall, "cpu_us": cpu / count * 1e6}
        print(json.dumps(result), flush=True)  # before closing: a crash there loses nothing
        await adapter.close()
        return result

    if adapter.loop == "uvloop":
        import uvloop

        return uvloop.run(main())  # type: ignore[no-any-return]
    return asyncio.run(main())


# Rows run by another interpreter: row -> (its python, the adapter it runs). --baseline adds
# restwell@<sha>: the restwell adapter, in the baseline's environment (baseline.py).
EXTERNAL: dict[str, tuple[str, str]] = {}


def interpreter(client: str) -> tuple[str, str, dict[str, str] | None]:
    """The python that runs a row's workers, the adapter it runs, and its environment."""
    if client in EXTERNAL:
        from baseline import clean_env

        python, adapter = EXTERNAL[client]
        return python, adapter, clean_env()
    return sys.executable, client, None


def worker(client: str, scenario: str, url: str, count: int, ca: str, path: str) -> dict:
    if scenario in ASYNC:
        return async_worker(client, url, count, ca)
    from clients import ADAPTERS, Adapter

    cls = ADAPTERS[client]
    adapter = cls(ca)
    method = {"get": "get_json", "https_get": "get_json", "new_conn": "new_conn_get",
              "post": "post_json", "threads8": "get_json", "download": "download",
              "upload": "upload", "gzip_get": "get_json", "multipart": "multipart"}[scenario]
    if getattr(cls, method) is getattr(Adapter, method) or scenario in cls.skips:
        return {"missing": True}
    op = (getattr(adapter, method)(url, path) if scenario in ("upload", "multipart")
          else getattr(adapter, method)(url))
    if scenario == "threads8":
        return _threads(cls, adapter, method, url, count, ca)
    rss0 = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # growth includes the warm-up
    for _ in range(min(count // 10, 200) if scenario not in BULK else 1):
        op()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    for _ in range(count):
        op()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    rss = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss - rss0
    return {"rps": count / wall, "cpu_us": cpu / count * 1e6, "wall": wall,
            "mbps": count * 100 / wall, "rss_mb": rss / 1024}


def _threads(cls: type, adapter: object, method: str, url: str, count: int, ca: str) -> dict:
    per_thread = count // 8
    # a pycurl handle must not be shared between threads: each gets its own, as users do
    ops = [getattr(cls(ca) if cls.__name__ == "Pycurl" else adapter, method)(url)
           for _ in range(8)]
    for op in ops:
        op()
    barrier = threading.Barrier(9)

    def run(op: object) -> None:
        barrier.wait()
        for _ in range(per_thread):
            op()  # type: ignore[operator]

    threads = [threading.Thread(target=run, args=(op,)) for op in ops]
    for t in threads:
        t.start()
    cpu0, wall0 = time.process_time(), time.perf_counter()
    barrier.wait()
    for t in threads:
        t.join()
    wall, cpu = time.perf_counter() - wall0, time.process_time() - cpu0
    return {"rps": per_thread * 8 / wall, "cpu_us": cpu / (per_thread * 8) * 1e6}


def import_time(client: str) -> float:
    from clients import IMPORTS

    python, adapter, env = interpreter(client)
    code = (f"import time; t = time.perf_counter(); import {IMPORTS[adapter]}; "
            f"print(time.perf_counter() - t)")
    runs = [float(subprocess.run([python, "-c", code], capture_output=True, text=True,
                                 check=True, env=env, cwd="/").stdout) for _ in range(7)]
    return statistics.median(runs) * 1000


def wait_for_time_wait(limit: int = TIME_WAIT_LIMIT, longest: float = 90.0) -> None:
    """Until fewer than ``limit`` TCP connections sit in TIME_WAIT (Linux only).

    A connection per request leaves one in TIME_WAIT for 60 s. On loopback those share the
    port space of new connections: once tens of thousands pile up, connect(2) hunts for a
    free port, and that kernel time, billed to whichever client runs then, swamps what is
    measured. Each new_conn run starts with the port space mostly free instead.
    """
    end = time.monotonic() + longest
    while time.monotonic() < end:
        try:
            with open("/proc/net/sockstat") as f:
                fields = next(line for line in f if line.startswith("TCP:")).split()
        except (OSError, StopIteration):
            return
        if int(fields[fields.index("tw") + 1]) < limit:
            return
        time.sleep(0.5)


def run_once(client: str, scenario: str, url: str, count: int, ca: str,
             path: str) -> dict | None:
    if scenario == "new_conn":
        wait_for_time_wait()
    python, adapter, env = interpreter(client)
    cmd = [python, __file__, "--worker", adapter, scenario, url, str(count), ca, path]
    if shutil.which("taskset"):
        cmd = ["taskset", "-c", "0", *cmd]
    out = subprocess.run(cmd, capture_output=True, text=True, timeout=900, env=env)
    if out.returncode != 0 and '{"rps"' in out.stdout:
        print(f"  {client} {scenario} crashed after its measurement (exit {out.returncode})")
    elif out.returncode != 0:
        print(f"  {client} {scenario} failed: {out.stderr.strip().splitlines()[-1:]}")
        return None
    result = json.loads(out.stdout.strip().splitlines()[-1])
    return None if result.get("missing") else result


def run_scenario(clients: list[str], scenario: str, url: str, count: int, ca: str,
                 path: str, repeats: int) -> dict[str, dict | None]:
    """Every client once per round, rounds repeated: drift in the machine hits all alike.

    Each round starts one client further along, so no client always runs first (or always
    right after the same one). A cell is the median of its runs, and keeps the runs
    (``"runs"``, one per round in order) for the paired comparison in the table.
    """
    runs: dict[str, list[dict]] = {c: [] for c in clients}
    skip: set[str] = set()
    for round_ in range(repeats):
        shift = round_ % len(clients)
        for client in clients[shift:] + clients[:shift]:
            if client in skip:
                continue
            result = run_once(client, scenario, url, count, ca, path)
            if result is None:
                skip.add(client)
            else:
                runs[client].append(result)
    return {c: (_cell(v) if v and c not in skip else None) for c, v in runs.items()}


def _cell(runs: list[dict]) -> dict:
    cell: dict = {k: statistics.median(r[k] for r in runs) for k in runs[0]}
    cell["runs"] = runs
    return cell


def paired(ours: dict, theirs: dict, key: str) -> tuple[int, int, float]:
    """Our run against theirs of the same round: the rounds we won (less CPU, more of the
    rest), the rounds, and the median of the per-round ratios ours / theirs.

    A slow patch of the machine (some rounds here ran at a third of the usual rate) moves
    the runs of one round together, so the paired ratio cancels it where the ratio of two
    medians may pair a fast run with a slow one. A draw shows as a split count, a lead as
    (nearly) every round.
    """
    pairs = list(zip(ours["runs"], theirs["runs"], strict=True))
    lower = key == "cpu_us"
    won = sum((a[key] < b[key]) if lower else (a[key] > b[key]) for a, b in pairs)
    return won, len(pairs), statistics.median(a[key] / b[key] for a, b in pairs)


def rounds_ahead(ours: dict, theirs: dict, key: str) -> str:
    won, rounds, ratio = paired(ours, theirs, key)
    return f"{won}/{rounds}, {ratio:.2f}"


WITHIN = 1.03  # a CPU-per-request ratio up to this is "within 3%" of the baseline


def verdict(cpu_ratio: float) -> str:
    change = f"{(cpu_ratio - 1) * 100:+.1f}% CPU"
    return f"{change}, within {WITHIN - 1:.0%}" if cpu_ratio <= WITHIN else f"{change}, over"


def baseline_section(table: dict, row: str, about: str = "") -> list[str]:
    """restwell (the working tree) against the baseline row, paired by round, per scenario."""
    lines = [f"## restwell against {row} (paired by round)", "",
             *([about + ".", ""] if about else []),
             f"Each ratio is restwell's figure divided by {row}'s in the same round, the median "
             "over the rounds; CPU below 1 and req/s above 1 mean the working tree is better "
             "(bulk scenarios: transfers/s). Rounds won: those where restwell used less CPU "
             f"per request, or served more per second. A CPU ratio up to {WITHIN} is within "
             f"{WITHIN - 1:.0%}.", "",
             "| scenario | CPU/request ratio | CPU rounds won | req/s ratio | req/s rounds won | "
             "CPU against before |", "|---|---|---|---|---|---|"]
    for scenario, cells in table.items():
        ours, base = cells.get("restwell"), cells.get(row)
        if not ours or not base:
            lines.append(f"| {scenario} | n/a | | n/a | | |")
            continue
        cpu_won, rounds, cpu = paired(ours, base, "cpu_us")
        rps_won, _, rps = paired(ours, base, "rps")
        lines.append(f"| {scenario} | {cpu:.3f} | {cpu_won}/{rounds} | {rps:.3f} | "
                     f"{rps_won}/{rounds} | {verdict(cpu)} |")
    return lines


def pick(given: str, known: list[str], what: str) -> list[str]:
    """The comma-separated names of ``given`` (all of ``known`` when empty), in the order
    given; a name not in ``known`` is an error."""
    names = [n.strip() for n in given.split(",") if n.strip()] if given else list(known)
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(f"unknown {what}: {', '.join(unknown)} (known: {', '.join(known)})")
    return names


def with_baseline(clients: list[str], row: str) -> list[str]:
    """The client list with the baseline row in it right after restwell (or first), whether
    --clients named it restwell@base or not at all."""
    from baseline import ALIAS

    rest = [c for c in clients if c not in (ALIAS, row)]
    at = rest.index("restwell") + 1 if "restwell" in rest else 0
    return [*rest[:at], row, *rest[at:]]


def main() -> None:
    args, clients, async_clients, scenarios = parse_args(sys.argv[1:])
    if args.render:
        with open(args.render) as f:
            stored = json.load(f)
        write_results(**stored, full=os.path.basename(args.render) == "results.json",
                      out=args.out or os.path.dirname(os.path.abspath(args.render)))
        return
    import baseline
    from async_clients import ASYNC_ADAPTERS
    from clients import ADAPTERS

    from nginx_server import Nginx

    # The restwell row is the working tree's source (the editable install), never a build.
    print(f"restwell: {baseline.check_pure(sys.executable, os.path.join(ROOT, 'src'))}")
    base = None
    if args.baseline:
        base = baseline.prepare(args.baseline)
        EXTERNAL[base.row] = (base.python, "restwell")
        print(f"{base.describe()}.")
        clients = with_baseline(clients, base.row)
        async_clients = with_baseline(async_clients, base.row)
    # 9 runs: on this kind of VM one client's run-to-run CPU per request moves by up to a
    # sixth with no change anywhere, so a median of 5 or 7 could still flip a close
    # comparison (docs/performance.md).
    n, repeats, big = (1000, 1, 10) if args.quick else (5000, 9, 100)
    repeats = args.rounds or repeats
    table: dict[str, dict[str, dict | None]] = {}
    with Nginx(cpu=1) as nginx:
        big_file = nginx.write_file("big.bin", big << 20)
        urls = {"get": f"{nginx.http_url}/json", "https_get": f"{nginx.https_url}/json",
                "post": f"{nginx.http_url}/upload", "new_conn": f"{nginx.http_url}/json",
                "threads8": f"{nginx.http_url}/json", "download": f"{nginx.http_url}/big.bin",
                "upload": f"{nginx.http_url}/upload", "async_get": f"{nginx.http_url}/json",
                "async_https_get": f"{nginx.https_url}/json",
                "gzip_get": f"{nginx.http_url}/gzip.json", "multipart": f"{nginx.http_url}/upload"}
        for scenario in scenarios:
            count = BULK_COUNT if scenario in BULK else n // 2 if scenario == "new_conn" else n
            if scenario in ASYNC:
                count = n * 2
            print(f"{scenario}:")
            table[scenario] = run_scenario(
                [c for c in async_clients if c in ASYNC_ADAPTERS or c in EXTERNAL]
                if scenario in ASYNC else [c for c in clients if c in ADAPTERS or c in EXTERNAL],
                scenario, urls[scenario], count, nginx.ca_path, big_file, repeats)
            for client, cell in table[scenario].items():
                if cell:
                    if scenario in BULK:
                        print(f"  {client:16} {cell['mbps'] * big / 100:9.1f} MB/s "
                              f"RSS +{cell['rss_mb']:.1f} MB")
                    else:
                        print(f"  {client:16} {cell['rps']:9.0f} req/s "
                              f"{cell['cpu_us']:7.1f} µs CPU/req")
    from clients import IMPORTS

    imports = {c: import_time(c) for c in clients if c in IMPORTS or c in EXTERNAL}
    full = not (args.quick or args.clients or args.scenarios or args.rounds)
    write_results(table, imports, big, n, repeats, full, out=args.out or HERE,
                  baseline={"row": base.row, "about": base.describe()} if base else None)


def parse_args(argv: list[str]) -> tuple[argparse.Namespace, list[str], list[str], list[str]]:
    """The options, and the sync clients, async clients and scenarios they select."""
    from async_clients import ASYNC_ADAPTERS
    from baseline import ALIAS
    from clients import ADAPTERS

    parser = argparse.ArgumentParser(description="restwell and its peers against nginx.")
    parser.add_argument("--quick", action="store_true", help="fewer requests, one round")
    parser.add_argument("--clients", default="", help="comma-separated rows (all when empty); "
                        f"{ALIAS} names the --baseline row")
    parser.add_argument("--scenarios", default="",
                        help=f"comma-separated, of {','.join(SCENARIOS)} (all when empty)")
    parser.add_argument("--baseline", metavar="REF", default="",
                        help="also run restwell as of this git ref, as row restwell@<sha>")
    parser.add_argument("--rounds", type=int, default=0, help="rounds (9, or 1 with --quick)")
    parser.add_argument("--out", metavar="DIR", default="",
                        help="write the results files here instead of benchmarks/")
    parser.add_argument("--render", metavar="JSON",
                        help="rewrite the tables of a stored run (results.json), no measuring")
    args = parser.parse_args(argv)
    if args.rounds < 0:
        parser.error("--rounds must be positive")
    try:
        scenarios = pick(args.scenarios, SCENARIOS, "scenario")
        if not args.clients:
            return args, list(ADAPTERS), list(ASYNC_ADAPTERS), scenarios
        chosen = pick(args.clients, list(dict.fromkeys([*ADAPTERS, *ASYNC_ADAPTERS, ALIAS])),
                      "client")
        if ALIAS in chosen and not args.baseline:
            raise ValueError(f"{ALIAS} names the --baseline row: give --baseline REF")
    except ValueError as exc:
        parser.error(str(exc))
    # one list for both kinds of table: each takes the clients it has an adapter for
    return (args, [c for c in chosen if c in ADAPTERS or c == ALIAS],
            [c for c in chosen if c in ASYNC_ADAPTERS or c == ALIAS], scenarios)


def write_results(table: dict, imports: dict, big: int, n: int, repeats: int,
                  full: bool = True, when: str = "", out: str = "",
                  baseline: dict | None = None) -> None:
    when = when or f"{datetime.datetime.now():%Y-%m-%d %H:%M}"
    lines = [
        "# Benchmark results", "",
        f"Run {when} on {platform.machine()}, "
        f"{os.cpu_count()} cores, Python {platform.python_version()}, "
        f"{platform.platform()}. nginx pinned to CPU 1, clients to CPU 0. "
        f"{n} requests per sequential run ({n // 2} with a new connection each, every run "
        f"starting with under {TIME_WAIT_LIMIT} connections in TIME_WAIT), bulk transfers "
        f"{BULK_COUNT} per run; every client runs once per round, each round starting one "
        f"client further along, and a cell is the median of {repeats} rounds.", "",
        "Ratios are restwell's figure divided by the peer's: for req/s and MB/s above 1 means "
        "restwell is faster; for CPU/request below 1 means restwell uses less. The \"ahead\" "
        "columns pair restwell's run with that peer's run of the same round: the rounds "
        "restwell won, and the median of the per-round ratios.", "",
    ]
    if baseline:
        lines += [*baseline_section(table, baseline["row"], baseline.get("about", "")), ""]
    for scenario, cells in table.items():
        lines += [f"## {scenario}", "", *(_bulk_table(cells, big) if scenario in BULK
                                         else _request_table(cells)), ""]
    lines += ["## import time", "", "| module | ms (median of 7) |", "|---|---|"]
    lines += [f"| {c} | {ms:.1f} |" for c, ms in imports.items()]
    floor_rows = [row for scenario, cells in table.items() if (row := _floor_row(scenario, cells))]
    if floor_rows:
        lines += ["", "## the floor against the fastest peer", "", FLOOR_NOTE, "",
                  "| scenario | fastest peer | floor req/s ahead, paired | floor CPU ahead, "
                  "paired | restwell req/s ahead, paired | restwell CPU ahead, paired |",
                  "|---|---|---|---|---|---|", *floor_rows]
    # A partial run (some scenarios or clients, or --quick) must not replace the full record.
    name = "RESULTS" if full else "RESULTS-partial"
    out = out or HERE
    os.makedirs(out, exist_ok=True)
    stored = {"table": table, "imports": imports, "big": big, "n": n, "repeats": repeats,
              "when": when, **({"baseline": baseline} if baseline else {})}
    with open(os.path.join(out, f"{name.lower()}.json"), "w") as f:  # to compare later
        json.dump(stored, f, indent=1)
    with open(os.path.join(out, f"{name}.md"), "w") as f:
        f.write("\n".join(lines) + "\n")
    print("\n".join(lines))


FLOOR_NOTE = (
    "The floor is a bare blocking-socket loop over httptools (benchmarks/floor.py), with no "
    "client layers at all. Where it wins only some rounds against the fastest peer, no Python "
    "client can lead that peer robustly. Where it leads in every round, what restwell's lead "
    "falls short of the floor's is the cost of restwell's own layers.")


def fastest_peer(cells: dict[str, dict | None]) -> str | None:
    from clients import is_peer

    peers = {c: cell["rps"] for c, cell in cells.items() if cell and is_peer(c)}
    return max(peers, key=peers.__getitem__) if peers else None


def _floor_row(scenario: str, cells: dict[str, dict | None]) -> str:
    floor, ours, peer = cells.get("floor"), cells.get("restwell"), fastest_peer(cells)
    if scenario in BULK or not floor or peer is None:
        return ""
    theirs = cells[peer]
    assert theirs is not None
    mine = [rounds_ahead(ours, theirs, k) if ours else "" for k in ("rps", "cpu_us")]
    return (f"| {scenario} | {peer} | {rounds_ahead(floor, theirs, 'rps')} | "
            f"{rounds_ahead(floor, theirs, 'cpu_us')} | {mine[0]} | {mine[1]} |")


def _ahead(ours: dict | None, client: str, cell: dict, key: str) -> str:
    return rounds_ahead(ours, cell, key) if ours and client != "restwell" else ""


def _bulk_table(cells: dict[str, dict | None], big: int) -> list[str]:
    ours = cells.get("restwell")
    lines = ["| client | MB/s | peak RSS growth MB | restwell MB/s ratio | ahead, paired |",
             "|---|---|---|---|---|"]
    for client, cell in cells.items():
        if cell is None:
            lines.append(f"| {client} | n/a | n/a | | |")
            continue
        ratio = (ours["mbps"] / cell["mbps"]) if ours else float("nan")
        lines.append(f"| {client} | {cell['mbps'] * big / 100:.1f} | {cell['rss_mb']:.1f} | "
                     f"{ratio:.2f} | {_ahead(ours, client, cell, 'mbps')} |")
    return lines


def _request_table(cells: dict[str, dict | None]) -> list[str]:
    # Async tables also compare restwell on uvloop (restwell-uvloop) with each peer.
    ours, uv = cells.get("restwell"), cells.get("restwell-uvloop")
    extra = " uvloop req/s ratio | uvloop CPU ratio |" if uv else ""
    lines = ["| client | req/s | CPU µs/req | req/s ratio | CPU ratio | req/s ahead, paired | "
             "CPU ahead, paired |" + extra,
             "|---|---|---|---|---|---|---|" + ("---|---|" if uv else "")]
    for client, cell in cells.items():
        if cell is None:
            lines.append(f"| {client} | n/a | n/a | | | | |" + (" | |" if uv else ""))
            continue
        row = f"| {client} | {cell['rps']:.0f} | {cell['cpu_us']:.1f} |"
        for mine in (ours, uv) if uv else (ours,):
            rps = mine["rps"] / cell["rps"] if mine else float("nan")
            cpu = mine["cpu_us"] / cell["cpu_us"] if mine else float("nan")
            row += f" {rps:.2f} | {cpu:.2f} |"
            if mine is ours:
                row += (f" {_ahead(ours, client, cell, 'rps')} |"
                        f" {_ahead(ours, client, cell, 'cpu_us')} |")
        lines.append(row)
    return lines


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "--worker":
        _, _, client, scenario, url, count, ca, path = sys.argv
        print(json.dumps(worker(client, scenario, url, int(count), ca, path)), flush=True)
        os._exit(0)  # skip interpreter teardown, which no scenario measures
    else:
        main()
