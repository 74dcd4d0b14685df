"""The benchmark runner's bookkeeping: the round order and the paired "ahead" counts that
the results table reports (the measurements themselves run in scripts/bench, not here)."""

from __future__ import annotations

import os
import sys
import typing

import pytest

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "benchmarks"))
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
             "slow": cell(5, 5, 5), "fast": cell(10, 10, 10), "floor": cell(20, 9, 21)}
    assert run.fastest_peer(cells) == "fast"  # neither restwell-py nor the floor is a peer
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
