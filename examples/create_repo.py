"""The seed story, end to end: create a GitHub repository with a JSON POST and Basic auth.

GitHub answers 401 without a challenge, so the credentials must go out preemptively, on the
first request. restwell does that with ``auth=(user, token)``. This script runs against a
local stand-in for the API (examples/fake_github.py); point API at https://api.github.com and
use a real token to do it for real.

Then two things every GitHub client needs: listing the user's repositories across pages
(``paginate`` follows the ``Link`` field's ``rel="next"``), and reading the new repository
again from the client's cache (``cache=True``): within its ``max-age=60`` a hit sends
nothing, and a revalidation costs a ``304``, which GitHub does not count against the rate
limit.
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

        with restwell.Client(base_url=api, auth=("octocat", "s3cret-token"), timeout=10,
                             cache=True) as gh:
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
            list_pages(gh)
            read_cached(gh, repo["owner"]["login"], repo["name"])
        return 0
    finally:
        server.shutdown()


def list_pages(gh: restwell.Client) -> None:
    """Every repository of the user, two a page: the Link field says where the next is."""
    pages = [[repo["name"] for repo in page.json()]
             for page in gh.paginate("/user/repos", params={"per_page": 2})]
    names = [name for page in pages for name in page]
    print(f"listing /user/repos, per_page=2: {len(names)} repositories on {len(pages)} pages "
          "(Link: rel=\"next\" followed)")
    for number, page in enumerate(pages, 1):
        print(f"  page {number}: {', '.join(page)}")


def read_cached(gh: restwell.Client, owner: str, name: str) -> None:
    """The repository three times: fetched (and stored), a hit, a 304 revalidation."""
    where = {"owner": owner, "repo": name}
    first = gh.get("/repos/{owner}/{repo}", path=where)
    before = first.headers["X-RateLimit-Remaining"]
    print(f"GET /repos/{owner}/{name}: {first.status_code}, cache_status "
          f"{first.cache_status!r}, ETag {first.headers['ETag']}, rate limit left {before}")
    hit = gh.get("/repos/{owner}/{repo}", path=where)
    print(f"  again: {hit.status_code}, cache_status {hit.cache_status!r} (no request sent, "
          f"fresh for max-age=60)")
    checked = gh.get("/repos/{owner}/{repo}", path=where, headers={"Cache-Control": "no-cache"})
    after = checked.headers["X-RateLimit-Remaining"]
    print(f"  again with Cache-Control: no-cache: {checked.status_code}, cache_status "
          f"{checked.cache_status!r} (If-None-Match answered 304), rate limit left {after} "
          f"({'unchanged: a 304 is not counted' if after == before else 'changed'})")


if __name__ == "__main__":
    raise SystemExit(main())
