"""The seed story: GitHub's POST /user/repos answers 401 without a challenge, so Basic auth
must be sent preemptively."""

from __future__ import annotations

import os
import subprocess
import sys

sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "examples"))

import fake_github

from both import Make, request_via


def test_create_repo_with_preemptive_basic_auth(make_client: Make) -> None:
    server, api = fake_github.start()
    fake_github.Handler.repos.clear()
    try:
        r = request_via(make_client, "POST", f"{api}/user/repos", json={"name": "seed"})
        assert r.status_code == 401 and "WWW-Authenticate" not in r.headers
        with make_client(base_url=api, auth=("octocat", "s3cret-token")) as gh:
            r = gh.post("/user/repos", json={"name": "seed", "private": True})
        assert r.raise_for_status().status_code == 201
        assert r.json()["full_name"] == "octocat/seed" and r.json()["private"] is True
    finally:
        server.shutdown()


def test_demo_script_runs() -> None:
    script = os.path.join(os.path.dirname(__file__), "..", "examples", "create_repo.py")
    out = subprocess.run([sys.executable, script], capture_output=True, text=True, timeout=60)
    assert out.returncode == 0, out.stderr
    assert "201 Created" in out.stdout and "created octocat/test" in out.stdout
