"""The benchmark runner's bookkeeping: the round order, the paired "ahead" counts and the
baseline section that the results report, the options, and how a baseline is installed (the
measurements themselves run in scripts/bench, not here)."""

from __future__ import annotations

import os
import sys
import typing

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks"))
import baseline
import run


def test_each_round_starts_one_client_further_along(monkeypatch: pytest.MonkeyPatch) -> None:
    order: list[str] = []

    def fake_run(client: str, *args: object) -> dict:
        order.append(client)
        return {"rps": float(len(order)), "cpu_us": 1.0}

    monkeypatch.setattr(run, "run_once", fake_run)
    cells = run.run_scenario(["a", "b", "c"], "get", "", 1, "", "", repeats=4)
    assert order == ["a", "b", "c", "b", "c", "a", "c", "a", "b", "a", "b", "c"]
    a = cells["a"]
    assert a is not None
    assert [r["rps"] for r in a["runs"]] == [1.0, 6.0, 8.0, 10.0]  # in round order
    assert a["rps"] == 7.0  # the median


def test_a_client_that_fails_once_is_left_out(monkeypatch: pytest.MonkeyPatch) -> None:
    def fake_run(client: str, *args: object) -> dict | None:
        return None if client == "b" else {"rps": 1.0, "cpu_us": 1.0}

    monkeypatch.setattr(run, "run_once", fake_run)
    cells = run.run_scenario(["a", "b"], "get", "", 1, "", "", repeats=3)
    assert cells["b"] is None and cells["a"] is not None


def test_ahead_counts_rounds_won_pairwise() -> None:
    ours = run._cell([{"rps": 10.0, "cpu_us": 5.0}, {"rps": 8.0, "cpu_us": 7.0},
                      {"rps": 12.0, "cpu_us": 4.0}])
    theirs = run._cell([{"rps": 9.0, "cpu_us": 6.0}, {"rps": 9.0, "cpu_us": 6.0},
                        {"rps": 9.0, "cpu_us": 6.0}])
    # per-round ratios: rps 10/9, 8/9, 12/9 (median 1.11); CPU 5/6, 7/6, 4/6 (median 0.83)
    assert run.rounds_ahead(ours, theirs, "rps") == "2/3, 1.11"
    assert run.rounds_ahead(ours, theirs, "cpu_us") == "2/3, 0.83"  # lower CPU is ahead
    table = run._request_table({"restwell": ours, "peer": theirs})
    assert table[2].startswith("| restwell | 10 | 5.0 | 1.00 | 1.00 |  |  |")
    assert table[3] == "| peer | 9 | 6.0 | 1.11 | 0.83 | 2/3, 1.11 | 2/3, 0.83 |"


def test_pairing_cancels_a_slow_patch_that_the_medians_keep() -> None:
    # Round 2 ran at a third of the rate for both; round 4 only for restwell.
    ours = run._cell([{"rps": 1100.0, "cpu_us": 1.0}, {"rps": 330.0, "cpu_us": 1.0},
                      {"rps": 1100.0, "cpu_us": 1.0}, {"rps": 330.0, "cpu_us": 1.0}])
    theirs = run._cell([{"rps": 1000.0, "cpu_us": 1.0}, {"rps": 300.0, "cpu_us": 1.0},
                        {"rps": 1000.0, "cpu_us": 1.0}, {"rps": 1000.0, "cpu_us": 1.0}])
    assert ours["rps"] / theirs["rps"] < 0.8  # the ratio of the medians: a loss
    assert run.rounds_ahead(ours, theirs, "rps") == "3/4, 1.10"


def test_a_stored_run_renders_again(tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    import pathlib

    here = pathlib.Path(str(tmp_path))
    monkeypatch.setattr(run, "HERE", str(here))
    cell = run._cell([{"rps": 10.0, "cpu_us": 5.0}])
    run.write_results({"get": {"restwell": cell, "peer": cell}}, {"restwell": 1.0}, 100, 5000,
                      1, full=False, when="2026-01-02 03:04")
    first = (here / "RESULTS-partial.md").read_text()
    stored = here / "results-partial.json"
    assert json.loads(stored.read_text())["when"] == "2026-01-02 03:04"
    (here / "RESULTS-partial.md").unlink()
    monkeypatch.setattr(sys, "argv", ["run.py", "--render", str(stored)])
    run.main()
    text = (here / "RESULTS-partial.md").read_text()
    assert text.startswith("# Benchmark results\n\nRun 2026-01-02 03:04 on ")
    assert "| peer | 10 | 5.0 | 1.00 | 1.00 | 0/1, 1.00 | 0/1, 1.00 |" in text
    assert text == first


def test_the_floor_row_compares_the_floor_with_the_fastest_peer_only() -> None:
    def cell(*rps: float) -> dict:
        return run._cell([{"rps": r, "cpu_us": 1000 / r} for r in rps])

    cells = {"restwell": cell(10, 11, 9), "restwell-py": cell(50, 50, 50),
             "restwell@abc1234": cell(60, 60, 60), "slow": cell(5, 5, 5),
             "fast": cell(10, 10, 10), "floor": cell(20, 9, 21)}
    # neither restwell-py (in stored runs), a baseline row nor the floor is a peer
    assert run.fastest_peer(cells) == "fast"
    assert run._floor_row("get", cells) == (
        "| get | fast | 2/3, 2.00 | 2/3, 0.50 | 1/3, 1.00 | 1/3, 1.00 |")
    assert run._floor_row("download", cells) == ""  # bulk rows have no floor
    assert run._floor_row("get", {"restwell": cells["restwell"], "fast": cells["fast"]}) == ""


def test_the_floor_does_what_each_scenario_asks(nginx: typing.Any) -> None:
    """The floor's loops against the real nginx: each returns what the scenario fetched."""
    import json

    import floor

    from nginx_server import SMALL_JSON

    expected = json.loads(SMALL_JSON)
    for url in (f"{nginx.http_url}/json", f"{nginx.https_url}/json"):
        op = floor.get_json(url, nginx.ca_path)
        assert op() == expected and op() == expected  # the same connection, kept alive
    op = floor.new_conn_get(f"{nginx.http_url}/json", nginx.ca_path)
    assert op() == expected and op() == expected
    payload = {"name": "x" * 100}
    reply = floor.post_json(f"{nginx.http_url}/upload", nginx.ca_path, payload)()
    assert reply == b"ok"  # what /upload answers once it has read the body


def _runs(*pairs: tuple[float, float]) -> dict:
    return run._cell([{"rps": rps, "cpu_us": cpu} for rps, cpu in pairs])


def test_the_baseline_section_pairs_restwell_with_the_baseline_by_round() -> None:
    ours = _runs((100, 10.0), (50, 20.0), (110, 9.0))
    base = _runs((90, 10.5), (60, 19.0), (100, 9.9))
    # CPU ratios 10/10.5, 20/19, 9/9.9: median 0.952, won 2 of 3; req/s 1.111, 0.833, 1.1
    table = {"get": {"restwell": ours, "restwell@abc1234": base, "peer": ours},
             "post": {"restwell": ours, "restwell@abc1234": None}}
    lines = run.baseline_section(table, "restwell@abc1234", "restwell@abc1234 is `HEAD~1`")
    assert lines[0] == "## restwell against restwell@abc1234 (paired by round)"
    assert lines[2] == "restwell@abc1234 is `HEAD~1`."
    assert lines[-2] == "| get | 0.952 | 2/3 | 1.100 | 2/3 | -4.8% CPU, within 3% |"
    assert lines[-1] == "| post | n/a | | n/a | | |"  # a row that failed has no ratio


def test_a_cpu_ratio_up_to_1_03_is_within_3_percent() -> None:
    assert run.verdict(1.03) == "+3.0% CPU, within 3%"
    assert run.verdict(0.9) == "-10.0% CPU, within 3%"
    assert run.verdict(1.031) == "+3.1% CPU, over"
    assert run.paired(_runs((1, 1.0), (1, 2.0)), _runs((1, 1.0), (1, 1.0)), "cpu_us") == (
        0, 2, 1.5)  # a tie is no round won


def test_a_stored_baseline_run_renders_its_section_again(
        tmp_path: object, monkeypatch: pytest.MonkeyPatch) -> None:
    import pathlib

    out = pathlib.Path(str(tmp_path)) / "out"
    monkeypatch.setattr(run, "HERE", str(tmp_path))  # nothing may land beside run.py
    cells = {"restwell": _runs((10, 5.0)), "restwell@abc1234": _runs((10, 5.0))}
    run.write_results({"get": cells}, {}, 100, 5000, 1, full=False, when="2026-01-02 03:04",
                      out=str(out), baseline={"row": "restwell@abc1234", "about": "from x"})
    first = (out / "RESULTS-partial.md").read_text()
    assert "| get | 1.000 | 0/1 | 1.000 | 0/1 | +0.0% CPU, within 3% |" in first
    monkeypatch.setattr(sys, "argv", ["run.py", "--render", str(out / "results-partial.json")])
    (out / "RESULTS-partial.md").unlink()
    run.main()  # writes beside the stored run
    assert (out / "RESULTS-partial.md").read_text() == first
    assert sorted(p.name for p in pathlib.Path(str(tmp_path)).iterdir()) == ["out"]


def test_clients_and_scenarios_are_chosen_by_name() -> None:
    args, sync, async_, scenarios = run.parse_args(
        ["--scenarios", "get,async_get", "--clients", "restwell,httpr,aiohttp"])
    assert scenarios == ["get", "async_get"]
    assert sync == ["restwell", "httpr"]  # each kind of table takes the clients it has
    assert async_ == ["restwell", "aiohttp"]
    assert not args.baseline and not args.out and args.rounds == 0
    _, sync, async_, scenarios = run.parse_args([])
    assert scenarios == run.SCENARIOS and "restwell" in sync and "aiohttp" in async_
    assert "restwell-py" not in sync + async_  # retired with the compiled build
    _, sync, async_, _ = run.parse_args(["--baseline", "HEAD~1", "--clients",
                                          "restwell,restwell@base", "--out", "/tmp/x"])
    assert sync == async_ == ["restwell", "restwell@base"]


@pytest.mark.parametrize("argv", [["--scenarios", "gett"], ["--clients", "restwel"],
                                  ["--clients", "restwell,restwell@base"], ["--rounds", "-1"]])
def test_a_misspelt_name_or_a_baseline_row_without_a_ref_is_an_error(argv: list[str]) -> None:
    with pytest.raises(SystemExit):
        run.parse_args(argv)


def test_the_baseline_row_follows_restwell_however_it_was_named() -> None:
    row = "restwell@abc1234"
    assert run.with_baseline(["restwell", "httpr"], row) == ["restwell", row, "httpr"]
    assert run.with_baseline(["httpr", "restwell@base", "restwell"], row) == [
        "httpr", "restwell", row]
    assert run.with_baseline(["httpr"], row) == [row, "httpr"]
    assert run.with_baseline([row, "restwell"], row) == ["restwell", row]


def test_the_baseline_row_runs_restwell_in_the_baseline_environment(
        monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESTWELL_MYPYC", "1")
    monkeypatch.setenv("PYTHONPATH", "/somewhere/src")
    monkeypatch.setitem(run.EXTERNAL, "restwell@abc1234", ("/base/venv/bin/python", "restwell"))
    python, adapter, env = run.interpreter("restwell@abc1234")
    assert (python, adapter) == ("/base/venv/bin/python", "restwell")
    assert env is not None and "RESTWELL_MYPYC" not in env and "PYTHONPATH" not in env
    assert run.interpreter("httpr") == (sys.executable, "httpr", None)


def test_the_baseline_environment_pins_what_the_benchmark_environment_has() -> None:
    freeze = ("# a comment\nmsgspec==0.23.0\n-e git+https://x/y#egg=restwell\n"
              "restwell==0.1.0\nbackports.zstd==1.8.0\nhttptools==0.9.0\n"
              "pkg @ file:///tmp/pkg.whl\nPython_Socks==2.4\n")
    pins = baseline.pins(freeze)
    assert pins == ["msgspec==0.23.0", "backports.zstd==1.8.0", "httptools==0.9.0",
                    "Python_Socks==2.4"]
    assert baseline.optional_pins(pins) == ["msgspec==0.23.0", "backports.zstd==1.8.0",
                                            "Python_Socks==2.4"]
    pyproject = '[project]\nname = "restwell"\ndependencies = ["httptools>=0.6", "certifi"]\n'
    assert baseline.runtime_dependencies(pyproject) == ["httptools>=0.6", "certifi"]
    assert baseline.runtime_dependencies("[build-system]\n") == []


def _tree(tmp_path: object) -> tuple[str, str]:
    import pathlib

    tree, site = pathlib.Path(str(tmp_path)) / "tree", pathlib.Path(str(tmp_path)) / "site"
    tree.mkdir()
    site.mkdir()
    (tree / "pyproject.toml").write_text(
        '[build-system]\nbuild-backend = "backend"\nbackend-path = ["_build"]\n'
        '[project]\nname = "restwell"\ndependencies = ["httptools>=0.6"]\n')
    return str(tree), str(site)


def test_a_baseline_installs_with_its_own_backend_when_that_works(tmp_path: object) -> None:
    tree, site = _tree(tmp_path)
    calls: list[list[str]] = []
    how = baseline.install_restwell(lambda args: calls.append(args) or True, tree, site, "c.txt")
    assert how == "editable, the ref's own build backend"
    assert calls == [["install", "-c", "c.txt", "-e", tree]]
    assert os.listdir(site) == []


def test_a_baseline_whose_backend_fails_falls_back_without_isolation(tmp_path: object) -> None:
    tree, site = _tree(tmp_path)
    calls: list[list[str]] = []

    def pip(args: list[str]) -> bool:
        calls.append(args)
        return len(calls) > 1  # the isolated build fails
    how = baseline.install_restwell(pip, tree, site, "c.txt")
    assert how == "editable, no build isolation"
    assert calls[-1] == ["install", "-c", "c.txt", "--no-build-isolation", "-e", tree]


def test_a_baseline_that_builds_no_way_runs_from_its_src(tmp_path: object) -> None:
    tree, site = _tree(tmp_path)
    calls: list[list[str]] = []

    def pip(args: list[str]) -> bool:
        calls.append(args)
        return "-e" not in args  # every build fails; plain installs work
    how = baseline.install_restwell(pip, tree, site, "c.txt")
    assert how == "src/ on the path, no build"
    assert calls[-1] == ["install", "-c", "c.txt", "httptools>=0.6"]  # its runtime deps
    with open(os.path.join(site, "restwell-baseline.pth")) as f:
        assert f.read() == os.path.join(tree, "src") + "\n"


def test_no_install_step_asks_for_the_compiled_build(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("RESTWELL_MYPYC", "1")
    assert "RESTWELL_MYPYC" not in baseline.clean_env()
