"""Auth beyond Basic through both clients: Bearer tokens and netrc, including the netrc leak
rows of shared/research/security.md (CVE-2024-11053, GHSA-9hjg-9r4m-mvj7)."""

from __future__ import annotations

import base64
import typing
import urllib.parse

import pytest

import restwell
from both import Make
from servers import AppServer


def authorization(record: dict[str, typing.Any]) -> list[str]:
    return [v for n, v in record["headers"] if n == "authorization"]


def basic(user: str, password: str) -> str:
    return "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()


@pytest.fixture
def netrc_file(tmp_path: typing.Any, monkeypatch: pytest.MonkeyPatch) -> typing.Any:
    path = tmp_path / "netrc"
    path.write_text("machine localhost login alice password s3cret\n"
                    "default login everyone password for-all\n")
    path.chmod(0o600)
    monkeypatch.setenv("NETRC", str(path))
    return path


def test_netrc_for_the_exact_host_only(app: AppServer, make_client: Make, netrc_file: typing.Any,
                                       app_url_localhost: str) -> None:
    with make_client() as c:
        named = c.get(app_url_localhost + "/echo").json()
        assert authorization(named) == [basic("alice", "s3cret")]
        assert authorization(c.get(app.url + "/echo").json()) == []  # 127.0.0.1: not named
    with make_client(trust_env=False) as c:
        assert authorization(c.get(app_url_localhost + "/echo").json()) == []


def test_netrc_host_is_the_parsed_host(app: AppServer, make_client: Make, netrc_file: typing.Any
                                       ) -> None:
    # GHSA-9hjg-9r4m-mvj7: the userinfo looks like "localhost", the host is 127.0.0.1
    url = app.url.replace("http://", "http://localhost:x@") + "/echo"
    with make_client() as c:
        assert authorization(c.get(url).json()) == [basic("localhost", "x")]  # the URL's own


def test_netrc_credentials_do_not_follow_a_redirect(
    app: AppServer, make_client: Make, netrc_file: typing.Any, app_url_localhost: str
) -> None:
    # CVE-2024-11053: a 302 from the netrc host to another host carries no credentials
    to = urllib.parse.quote(app.url + "/echo", safe="")
    with make_client() as c:
        r = c.get(f"{app_url_localhost}/redirect/302?to={to}")
    assert authorization(app.requests[0]) == [basic("alice", "s3cret")]
    assert authorization(r.json()) == []


def test_bearer_static_and_callable(app: AppServer, make_client: Make) -> None:
    tokens = iter(["t1", "t2"])
    with make_client(base_url=app.url, auth=restwell.BearerAuth(lambda: next(tokens))) as c:
        assert authorization(c.get("/echo").json()) == ["Bearer t1"]
        assert authorization(c.get("/echo").json()) == ["Bearer t2"]  # read per request
        sent = c.get("/echo", auth=restwell.BearerAuth("fixed")).json()
        assert authorization(sent) == ["Bearer fixed"]
    assert "fixed" not in repr(restwell.BearerAuth("fixed"))
