"""The seed story, end to end: create a GitHub repository with a JSON POST and Basic auth.

GitHub answers 401 without a challenge, so the credentials must go out preemptively, on the
first request. restwell does that with ``auth=(user, token)``. This script runs against a
local stand-in for the API (examples/fake_github.py); point API at https://api.github.com and
use a real token to do it for real.
"""

from __future__ import annotations

import os
import sys

sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))

import fake_github

import restwell


def main() -> int:
    server, api = fake_github.start()
    try:
        print(f"API: {api} (a local stand-in for api.github.com)")
        anonymous = restwell.post(f"{api}/user/repos", json={"name": "test"})
        challenge = anonymous.headers.get("WWW-Authenticate")
        print(f"without credentials: {anonymous.status_code} {anonymous.json()['message']!r}, "
              f"WWW-Authenticate: {challenge!r}")

        with restwell.Client(base_url=api, auth=("octocat", "s3cret-token"), timeout=10) as gh:
            r = gh.post("/user/repos", json={"name": "test", "description": "Some test repo"})
            r.raise_for_status()
            repo = r.json()
            print(f"with auth=(user, token): {r.status_code} {r.reason_phrase} in "
                  f"{r.elapsed.total_seconds() * 1000:.1f} ms, rate limit left "
                  f"{r.headers['X-RateLimit-Remaining']}")
            print(f"created {repo['full_name']} (id {repo['id']}): {repo['description']}")
            again = gh.post("/user/repos", json={"name": "test"})
            try:
                again.raise_for_status()
            except restwell.HTTPStatusError as exc:
                # The message carries GitHub's reason, which it puts inside "errors": [...]
                print(f"creating it twice: {exc}")
                reasons = [e.get("message") or e.get("code") for e in again.json()["errors"]]
                print(f"  the reasons GitHub gave: {reasons}")
        return 0
    finally:
        server.shutdown()


if __name__ == "__main__":
    raise SystemExit(main())
