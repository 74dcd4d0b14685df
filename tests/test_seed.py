"""The seed story: GitHub's POST /user/repos answers 401 without a challenge, so Basic auth
must be sent preemptively."""

from __future__ import annotations

import os
import re
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
    # the two steps after it: pages through Link rel="next", and a cached read of the repo
    assert "5 repositories on 3 pages" in out.stdout
    assert "page 1: hello-world, linguist" in out.stdout and "page 3: test" in out.stdout
    assert "cache_status 'hit'" in out.stdout and "cache_status 'revalidated'" in out.stdout
    left = re.findall(r"rate limit left (\d+)", out.stdout)
    assert left[0] == "4999" and left[-1] == left[-2] == "4994", out.stdout
    assert "unchanged: a 304 is not counted" in out.stdout


def test_fake_github_pages_and_revalidates(make_client: Make) -> None:
    """What the demo's last steps rely on, through both clients: GitHub's Link pagination
    and an ETag answered with an uncounted 304."""
    server, api = fake_github.start()
    fake_github.Handler.repos.clear()
    fake_github.Handler.used.clear()
    try:
        with make_client(base_url=api, auth=("octocat", "s3cret-token"), cache=True) as gh:
            pages = list(gh.paginate("/user/repos", params={"per_page": 3}))
            assert [len(p.json()) for p in pages] == [3, 1]
            assert pages[0].links["last"]["url"] == f"{api}/user/repos?per_page=3&page=2"
            assert "next" not in pages[1].links and "prev" in pages[1].links
            first = gh.get("/repos/octocat/linguist")
            again = gh.get("/repos/octocat/linguist", headers={"Cache-Control": "no-cache"})
            assert (first.cache_status, again.cache_status) == ("miss", "revalidated")
            assert again.json() == first.json() and first.headers["ETag"].startswith('W/"')
            assert gh.get("/repos/octocat/nope").status_code == 404
        assert fake_github.Handler.used["octocat"] == 4  # two pages, a 200, a 404: no 304
        assert first.headers["X-RateLimit-Remaining"] == "4997"
        assert again.headers["X-RateLimit-Remaining"] == "4997"
    finally:
        server.shutdown()
