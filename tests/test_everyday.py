"""Everyday REST calls, each written once, run through restwell's ``Client``, its
``AsyncClient`` (driven through tests/both.py's facade), ``requests.Session`` and
``httpx.Client``, against real servers on 127.0.0.1 (httpbin under gunicorn, nginx with TLS,
and a small echo server for what httpbin does not show).

Each case is a small function of a ``Session`` adapter that returns a normalised result
(status, the JSON echoed back, selected headers, cookies, final URL...). restwell's result must
equal the peers' wherever they agree. Where a peer behaves otherwise, the case says so with
``Differs``: the documented reason (docs/defaults.md, docs/migrating.md) and what that peer
gives instead, which is asserted too, so a stale note fails. The adapter spells only what the
libraries spell apart (``allow_redirects=`` / ``follow_redirects=``, ``stream=True`` /
``stream()``, the exception classes, httpx's ``verify=`` context); every other keyword goes
through as a script writes it.

``RESTWELL_EVERYDAY_REPORT=path`` (scripts/everyday) writes the cases x libraries table there
when the session ends (``pytest_sessionfinish`` in conftest.py calls ``write_report``).
"""

from __future__ import annotations

import asyncio
import contextlib
import dataclasses
import datetime
import hashlib
import json
import os
import re
import ssl
import subprocess
import time
import typing

import certifi
import httpx
import pytest
import requests
import requests.auth

import both
import restwell
from httpbin_server import Httpbin
from nginx_server import Nginx
from servers import AppServer

Result = dict[str, typing.Any]
RESTWELL = ("restwell", "restwell-async")
PEERS = ("requests", "httpx")
LIBS = (*RESTWELL, *PEERS)
TITLES = {"restwell": "restwell `Client`", "restwell-async": "restwell `AsyncClient`",
          "requests": "`requests.Session`", "httpx": "`httpx.Client`"}


# -- the servers ---------------------------------------------------------------------------------


class EchoServer(AppServer):
    """tests/servers.py's app, plus a text body with no charset."""

    def _route(
        self, request: typing.Any, body: bytes
    ) -> tuple[int, list[tuple[str, str]], bytes | list[bytes]]:
        if request.target == b"/nocharset":
            return 200, [("Content-Type", "text/plain")], "café ✓ naïve".encode()
        return super()._route(request, body)


@dataclasses.dataclass
class Servers:
    bin: str  # httpbin's base URL
    nginx: Nginx
    echo: str


@pytest.fixture(scope="module")
def echo_server() -> typing.Iterator[EchoServer]:
    server = EchoServer()
    yield server
    server.close()


@pytest.fixture
def servers(httpbin: Httpbin, nginx: Nginx, echo_server: EchoServer) -> Servers:
    return Servers(httpbin.url, nginx, echo_server.url)


# -- one library's session, spelt the way its users spell it -------------------------------------


class Session:
    """A session of one library. ``get``/``post``/... go to the library as written; the rest
    is what the four spell apart."""

    def __init__(self, lib: str, runner: asyncio.Runner | None) -> None:
        self.lib = lib
        self._runner = runner
        self._opened: list[typing.Any] = []
        self.native = self._open({})
        self.timeout_error: type[BaseException]
        self.status_error: type[BaseException]
        self.tls_error: type[BaseException]
        if lib == "requests":
            self.timeout_error = requests.exceptions.Timeout
            self.status_error = requests.HTTPError
            self.tls_error = requests.exceptions.SSLError
            self.follow: dict[str, bool] = {"allow_redirects": True}
            self.no_follow: dict[str, bool] = {"allow_redirects": False}
        else:
            if lib == "httpx":
                self.timeout_error = httpx.TimeoutException
                self.status_error = httpx.HTTPStatusError
                self.tls_error = httpx.ConnectError
            else:
                self.timeout_error = restwell.TimeoutException
                self.status_error = restwell.HTTPStatusError
                self.tls_error = restwell.CertificateVerifyError
            self.follow = {"follow_redirects": True}
            self.no_follow = {"follow_redirects": False}

    def _open(self, settings: dict[str, typing.Any]) -> typing.Any:
        session: typing.Any
        if self.lib == "requests":
            session = requests.Session()
            for name, value in settings.items():
                if name == "headers":
                    session.headers.update(value)
                elif name == "base_url":
                    raise AssertionError("requests has no base_url: the case skips requests")
                else:
                    setattr(session, name, value)  # auth, verify, params, cookies
        elif self.lib == "httpx":
            if isinstance(settings.get("verify"), str):  # httpx 0.28: an SSLContext, not a path
                settings = {**settings,
                            "verify": ssl.create_default_context(cafile=settings["verify"])}
            session = httpx.Client(**settings)
        elif self.lib == "restwell":
            session = restwell.Client(**settings)
        else:
            assert self._runner is not None
            session = both.AsyncFacade(self._runner, **settings)
        self._opened.append(session)
        return session

    def client(self, **settings: typing.Any) -> Session:
        """Another session of the same library, made with these settings (closed with this)."""
        other = Session.__new__(Session)
        other.__dict__.update(self.__dict__)
        other.native = self._open(settings)
        return other

    def close(self) -> None:
        for session in self._opened:
            session.close()

    # the calls, as written
    def request(self, method: str, url: str, **kwargs: typing.Any) -> typing.Any:
        return self.native.request(method, url, **kwargs)

    def get(self, url: str, **kwargs: typing.Any) -> typing.Any:
        return self.native.get(url, **kwargs)

    def head(self, url: str, **kwargs: typing.Any) -> typing.Any:
        return self.native.head(url, **kwargs)

    def post(self, url: str, **kwargs: typing.Any) -> typing.Any:
        return self.native.post(url, **kwargs)

    def put(self, url: str, **kwargs: typing.Any) -> typing.Any:
        return self.native.put(url, **kwargs)

    def patch(self, url: str, **kwargs: typing.Any) -> typing.Any:
        return self.native.patch(url, **kwargs)

    def delete(self, url: str, **kwargs: typing.Any) -> typing.Any:
        return self.native.delete(url, **kwargs)

    @property
    def cookies(self) -> dict[str, str]:
        return dict(self.native.cookies)

    # what they spell apart
    @contextlib.contextmanager
    def stream(self, method: str, url: str, **kwargs: typing.Any) -> typing.Iterator[typing.Any]:
        """requests: ``stream=True`` and close; httpx and restwell: ``with c.stream(...)``."""
        if self.lib == "requests":
            with self.native.request(method, url, stream=True, **kwargs) as response:
                yield response
        else:
            with self.native.stream(method, url, **kwargs) as response:
                yield response

    def iter_bytes(self, response: typing.Any) -> typing.Iterator[bytes]:
        if self.lib == "requests":
            return response.iter_content(chunk_size=8192)  # type: ignore[no-any-return]
        return response.iter_bytes()  # type: ignore[no-any-return]

    def iter_lines(self, response: typing.Any) -> typing.Iterator[str]:
        if self.lib == "requests":
            return response.iter_lines(decode_unicode=True)  # type: ignore[no-any-return]
        return response.iter_lines()  # type: ignore[no-any-return]

    def ok(self, response: typing.Any) -> bool:
        """requests' and restwell's ``r.ok``; httpx: ``r.is_success``."""
        return bool(response.is_success if self.lib == "httpx" else response.ok)

    def digest(self, user: str, password: str) -> typing.Any:
        if self.lib == "requests":
            return requests.auth.HTTPDigestAuth(user, password)
        if self.lib == "httpx":
            return httpx.DigestAuth(user, password)
        return restwell.DigestAuth(user, password)


def outcome(call: typing.Callable[[], typing.Any], s: Session) -> str:
    """What a call ended in, by the library's own exception classes."""
    try:
        call()
    except s.timeout_error:
        return "timeout"
    except s.status_error:
        return "status error"
    except s.tls_error:
        return "TLS error"
    except ValueError:
        return "ValueError"
    except TypeError:
        return "TypeError"
    return "returned"


def history(r: typing.Any) -> list[int]:
    return [h.status_code for h in r.history]


def sent(r: typing.Any, *names: str) -> dict[str, str | None]:
    """The request headers httpbin echoed back, by name."""
    echoed = {k.lower(): v for k, v in r.json()["headers"].items()}
    return {name: echoed.get(name.lower()) for name in names}


def got(r: typing.Any, *names: str) -> dict[str, str | None]:
    """Response headers, by name."""
    return {name: r.headers.get(name) for name in names}


# -- the table of cases ----------------------------------------------------------------------------


@dataclasses.dataclass(frozen=True)
class Differs:
    """A peer that behaves otherwise, as documented in ``doc``: its result is restwell's
    with ``peer`` over it (``whole=True``: ``peer`` is its whole result)."""

    doc: str
    peer: Result
    whole: bool = False


Fn = typing.Callable[[Session, Servers], Result]


@dataclasses.dataclass
class Case:
    name: str
    fn: Fn
    differs: dict[str, Differs]
    skip: dict[str, str]  # a library the case cannot be written for, and why
    xfail: dict[str, str]  # a restwell column that is a known defect, and the defect
    expect: Result | None  # restwell's result, when no peer agrees with it


CASES: list[Case] = []


def case(
    *, differs: dict[str, Differs] | None = None, skip: dict[str, str] | None = None,
    xfail: dict[str, str] | None = None, expect: Result | None = None,
) -> typing.Callable[[Fn], Fn]:
    def register(fn: Fn) -> Fn:
        CASES.append(Case(fn.__name__, fn, differs or {}, skip or {}, xfail or {}, expect))
        return fn

    return register


@case(differs={"httpx": Differs(
    "migrating.md, from requests: a None param is left out and bytes are their octets, as in "
    "requests; httpx sends since= and sig=b'abc'",
    {"args": {"q": "café au lait", "sig": "b'abc'", "since": "", "tag": ["a", "b"]},
     "query": "tag=a&tag=b&since=&sig=b%27abc%27&q=caf%C3%A9+au+lait"})})
def get_params_lists_none_bytes(s: Session, srv: Servers) -> Result:
    r = s.get(f"{srv.bin}/get", params={"tag": ["a", "b"], "since": None, "sig": b"abc",
                                        "q": "café au lait"})
    query = httpx.URL(str(r.url)).query.decode()
    return {"status": r.status_code, "args": r.json()["args"], "query": query}


@case(differs={"requests": Differs("defaults.md, query booleans: restwell and httpx send "
                                   "true/false, requests True/False",
                                   {"args": {"flag": "True", "off": "False"}})})
def get_params_booleans(s: Session, srv: Servers) -> Result:
    r = s.get(f"{srv.bin}/get", params={"flag": True, "off": False})
    return {"status": r.status_code, "args": r.json()["args"]}


@case()
def post_json(s: Session, srv: Servers) -> Result:
    body = {"name": "restwell", "tags": ["http", "ünïcode"], "n": 1.5, "none": None}
    r = s.post(f"{srv.bin}/post", json=body)
    data = r.json()
    return {"status": r.status_code, "json": data["json"],
            "type": sent(r, "Content-Type")["Content-Type"]}


@case(differs={"httpx": Differs(
    "migrating.md, from requests: data= leaves a None field out, as requests does; httpx "
    "sends c=", {"form": {"a": "1", "b": "two words", "c": ""}})})
def post_form_dict(s: Session, srv: Servers) -> Result:
    r = s.post(f"{srv.bin}/post", data={"a": "1", "b": "two words", "c": None})
    return {"status": r.status_code, "form": r.json()["form"],
            "type": sent(r, "Content-Type")["Content-Type"]}


@case(differs={"httpx": Differs(
    "migrating.md, from requests: data=[(k, v), ...] is requests' spelling (restwell keeps "
    "it); httpx takes only a mapping, data={'a': ['1', '2']}",
    {"raised": "TypeError"}, whole=True)})
def post_form_pairs(s: Session, srv: Servers) -> Result:
    try:
        r = s.post(f"{srv.bin}/post", data=[("a", "1"), ("a", "2"), ("b", "3")])
    except (TypeError, AttributeError):
        return {"raised": "TypeError"}
    return {"status": r.status_code, "form": r.json()["form"]}


@case()
def multipart_upload(s: Session, srv: Servers) -> Result:
    r = s.post(f"{srv.echo}/echo", data={"note": "hi"},
               files={"upload": ("report.csv", b"a,b\n1,2\n", "text/csv")})
    record = r.json()
    body = record["body"]
    parts = []
    for part in re.split(r"--[^\r\n]+\r\n", body)[1:]:
        head, _, content = part.partition("\r\n\r\n")
        fields = {k.lower(): v for k, _, v in
                  (line.partition(": ") for line in head.split("\r\n"))}
        parts.append({"disposition": fields.get("content-disposition"),
                      "type": fields.get("content-type"),
                      "content": re.sub(r"\r\n--\S+--\r\n$", "", content).removesuffix("\r\n")})
    ctype = dict((k.lower(), v) for k, v in record["headers"])["content-type"]
    return {"status": r.status_code, "type": ctype.split(";")[0], "parts": parts}


@case()
def multipart_httpbin(s: Session, srv: Servers) -> Result:
    r = s.post(f"{srv.bin}/post", data={"note": "hi"},
               files={"upload": ("report.csv", b"a,b\n1,2\n", "text/csv")})
    data = r.json()
    return {"status": r.status_code, "files": data["files"], "form": data["form"]}


@case()
def put_patch_delete(s: Session, srv: Servers) -> Result:
    put = s.put(f"{srv.bin}/put", json={"v": 1})
    patch = s.patch(f"{srv.bin}/patch", data={"v": "2"})
    delete = s.delete(f"{srv.bin}/delete", params={"id": "7"})
    return {"put": [put.status_code, put.json()["json"]],
            "patch": [patch.status_code, patch.json()["form"]],
            "delete": [delete.status_code, delete.json()["args"]]}


@case()
def custom_headers(s: Session, srv: Servers) -> Result:
    c = s.client(headers={"X-Team": "core", "X-Trace": "default"})
    r = c.get(f"{srv.bin}/headers", headers={"X-Trace": "call", "X-Call": "1"})
    return {"status": r.status_code, **sent(r, "X-Team", "X-Trace", "X-Call")}


@case(differs={"httpx": Differs(
    "migrating.md, from requests: headers={'X': None} is requests' spelling for removing a "
    "default (restwell keeps it); httpx refuses a None header value", {"raised": "TypeError"},
    whole=True)})
def header_none_removes_default(s: Session, srv: Servers) -> Result:
    c = s.client(headers={"X-Default": "1", "X-Kept": "2"})
    try:
        r = c.get(f"{srv.bin}/headers", headers={"X-Default": None})
    except (TypeError, AttributeError):
        return {"raised": "TypeError"}
    return {"status": r.status_code, **sent(r, "X-Default", "X-Kept")}


@case()
def basic_auth(s: Session, srv: Servers) -> Result:
    ok = s.get(f"{srv.bin}/basic-auth/user/pa55", auth=("user", "pa55"))
    bad = s.get(f"{srv.bin}/basic-auth/user/pa55", auth=("user", "wrong"))
    c = s.client(auth=("user", "pa55"))
    client_level = c.get(f"{srv.bin}/basic-auth/user/pa55")
    return {"ok": [ok.status_code, ok.json()], "bad": bad.status_code,
            "client": client_level.status_code}


@case()
def digest_auth(s: Session, srv: Servers) -> Result:
    url = f"{srv.bin}/digest-auth/auth/user/pa55"
    ok = s.get(url, auth=s.digest("user", "pa55"))
    bad = s.get(url, auth=s.digest("user", "wrong"))
    sha = s.get(f"{srv.bin}/digest-auth/auth/user/pa55/SHA-256", auth=s.digest("user", "pa55"))
    return {"ok": [ok.status_code, ok.json()], "bad": bad.status_code, "sha256": sha.status_code}


@case()
def digest_auth_history(s: Session, srv: Servers) -> Result:
    r = s.get(f"{srv.bin}/digest-auth/auth/user/pa55", auth=s.digest("user", "pa55"))
    return {"status": r.status_code, "history": history(r)}


@case()
def bearer_header(s: Session, srv: Servers) -> Result:
    ok = s.get(f"{srv.bin}/bearer", headers={"Authorization": "Bearer t0ken"})
    missing = s.get(f"{srv.bin}/bearer")
    return {"ok": [ok.status_code, ok.json()], "missing": missing.status_code}


@case()
def cookies_set_and_sent_back(s: Session, srv: Servers) -> Result:
    r = s.get(f"{srv.bin}/cookies/set", params={"sid": "abc", "theme": "dark"}, **s.follow)
    return {"status": r.status_code, "echoed": r.json(), "history": history(r),
            "jar": s.cookies}


@case()
def session_cookies_across_calls(s: Session, srv: Servers) -> Result:
    first = s.get(f"{srv.bin}/cookies/set/sid/xyz", **s.no_follow)
    second = s.get(f"{srv.bin}/cookies")
    third = s.get(f"{srv.bin}/cookies", cookies={"extra": "1"})
    return {"first": first.status_code, "set": first.cookies.get("sid"),
            "second": second.json(), "third": third.json(), "jar": s.cookies}


@case(differs={"httpx": Differs(
    "migrating.md: restwell follows redirects by default like requests (httpx does not)",
    {"status": 302, "history": [], "url_path": "/redirect/3"})})
def redirects_followed_by_default(s: Session, srv: Servers) -> Result:
    r = s.get(f"{srv.bin}/redirect/3")
    return {"status": r.status_code, "history": history(r), "url_path": httpx.URL(str(r.url)).path}


@case()
def redirects_followed(s: Session, srv: Servers) -> Result:
    out = {}
    for path in ("/redirect/3", "/absolute-redirect/2", "/relative-redirect/2"):
        r = s.get(srv.bin + path, **s.follow)
        out[path] = [r.status_code, str(r.url), history(r)]
    return out


@case()
def redirect_not_followed(s: Session, srv: Servers) -> Result:
    r = s.get(f"{srv.bin}/redirect/1", **s.no_follow)
    return {"status": r.status_code, "location": r.headers["Location"], "history": history(r),
            "is_redirect": r.is_redirect}


@case(differs={
    "requests": Differs("defaults.md, head(): restwell follows redirects as every method "
                        "does; requests' head() does not", {"status": 302, "history": []}),
    "httpx": Differs("migrating.md: restwell follows by default (httpx does not)",
                     {"status": 302, "history": []})},
    expect={"status": 200, "history": [302]})
def head_follows_redirects(s: Session, srv: Servers) -> Result:
    r = s.head(f"{srv.bin}/redirect/1")
    return {"status": r.status_code, "history": history(r)}


@case()
def post_303_becomes_get(s: Session, srv: Servers) -> Result:
    out = {}
    for code in (301, 302, 303, 307):
        r = s.post(f"{srv.bin}/redirect-to", params={"url": "/anything", "status_code": code},
                   json={"v": code}, **s.follow)
        data = r.json()
        out[str(code)] = [r.status_code, data["method"], data["json"], history(r)]
    return out


@case()
def gzip_deflate_brotli(s: Session, srv: Servers) -> Result:
    out = {}
    for coding, key in (("gzip", "gzipped"), ("deflate", "deflated"), ("brotli", "brotli")):
        r = s.get(f"{srv.bin}/{coding}")
        out[coding] = [r.status_code, r.json()[key], r.headers["Content-Encoding"]]
    return out


@case(differs={"httpx": Differs(
    "defaults.md, Accept-Encoding: restwell advertises what it can decode, zstd too with the "
    "zstd extra (backports.zstd); httpx reads zstd only with the zstandard package",
    {"zstd": False})})
def accept_encoding_advertised(s: Session, srv: Servers) -> Result:
    r = s.get(f"{srv.bin}/headers")
    codings = {c.strip() for c in (sent(r, "Accept-Encoding")["Accept-Encoding"] or "").split(",")}
    return {"status": r.status_code, **{c: c in codings for c in ("gzip", "deflate", "br", "zstd")}}


@case()
def stream_lines(s: Session, srv: Servers) -> Result:
    with s.stream("GET", f"{srv.bin}/stream/20") as r:
        ids = [json.loads(line)["id"] for line in s.iter_lines(r) if line]
    return {"status": r.status_code, "lines": len(ids), "ids": ids}


@case()
def stream_bytes(s: Session, srv: Servers) -> Result:
    digest = hashlib.sha256()
    total = 0
    with s.stream("GET", f"{srv.bin}/stream-bytes/50000",
                  params={"seed": 7, "chunk_size": 1024}) as r:
        for chunk in s.iter_bytes(r):
            total += len(chunk)
            digest.update(chunk)
    return {"status": r.status_code, "total": total, "sha256": digest.hexdigest()}


@case()
def status_errors_raise(s: Session, srv: Servers) -> Result:
    out = {}
    for code in (404, 500, 200):
        r = s.get(f"{srv.bin}/status/{code}")
        out[str(code)] = [r.status_code, s.ok(r), outcome(r.raise_for_status, s)]
    return out


@case(differs={"requests": Differs("defaults.md, bool(response): always true in restwell and "
                                   "httpx; requests' is response.ok", {"bool": False})})
def bool_of_error_response(s: Session, srv: Servers) -> Result:
    r = s.get(f"{srv.bin}/status/404")
    return {"status": r.status_code, "bool": bool(r), "ok": s.ok(r)}


@case()
def read_timeout(s: Session, srv: Servers) -> Result:
    start = time.monotonic()
    result = outcome(lambda: s.get(f"{srv.bin}/delay/3", timeout=0.5), s)
    return {"outcome": result, "quick": time.monotonic() - start < 2.5}


@case()
def timeout_connect_read_tuple(s: Session, srv: Servers) -> Result:
    start = time.monotonic()
    slow = outcome(lambda: s.get(f"{srv.bin}/delay/3", timeout=(3.05, 0.5)), s)
    quick = time.monotonic() - start < 2.5
    fine = s.get(f"{srv.bin}/get", timeout=(3.05, 10))
    return {"slow": slow, "quick": quick, "fine": fine.status_code}


@case()
def json_decode_error_is_value_error(s: Session, srv: Servers) -> Result:
    r = s.get(f"{srv.bin}/html")
    return {"status": r.status_code, "json": outcome(r.json, s),
            "type": r.headers["Content-Type"]}


@case()
def response_headers(s: Session, srv: Servers) -> Result:
    r = s.get(f"{srv.bin}/response-headers", params={"X-Test": "1", "X-Multi": ["a", "b"]})
    return {"status": r.status_code, **got(r, "X-Test", "x-test", "X-Multi", "Content-Type")}


@case(differs={"requests": Differs(
    "defaults.md, text without a charset: UTF-8 in restwell and httpx; requests decodes "
    "text/* as ISO-8859-1", {"text": "café ✓ naïve".encode().decode("latin-1"),
                             "encoding": "ISO-8859-1"})})
def text_without_charset(s: Session, srv: Servers) -> Result:
    r = s.get(f"{srv.echo}/nocharset")
    return {"status": r.status_code, "text": r.text,
            "encoding": (r.encoding or "").upper().replace("UTF8", "UTF-8")}


CA_ENV = ("REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE", "SSL_CERT_FILE", "SSL_CERT_DIR")


@contextlib.contextmanager
def environment(**values: str | None) -> typing.Iterator[None]:
    """The process environment with these variables set (None: unset), for one case."""
    saved = {name: os.environ.get(name) for name in values}
    try:
        for name, value in values.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value
        yield
    finally:
        for name, value in saved.items():
            if value is None:
                os.environ.pop(name, None)
            else:
                os.environ[name] = value


@case()
def https_with_ca(s: Session, srv: Servers) -> Result:
    with environment(**dict.fromkeys(CA_ENV)):
        c = s.client(verify=srv.nginx.ca_path)
        r = c.get(f"{srv.nginx.https_url}/json")
        per_call = outcome(lambda: s.get(f"{srv.nginx.https_url}/json"), s)
    return {"status": r.status_code, "json": r.json(), "url": str(r.url), "default": per_call}


@case(differs={"requests": Differs(
    "defaults.md, explicit vs environment: an explicit verify= wins in restwell (and httpx); "
    "requests lets REQUESTS_CA_BUNDLE override session.verify", {"outcome": "TLS error"})})
def https_session_verify_beats_environment(s: Session, srv: Servers) -> Result:
    with environment(REQUESTS_CA_BUNDLE=certifi.where(), CURL_CA_BUNDLE=None):
        c = s.client(verify=srv.nginx.ca_path)
        return {"outcome": outcome(lambda: c.get(f"{srv.nginx.https_url}/json"), c)}


@case()
def https_without_ca_fails(s: Session, srv: Servers) -> Result:
    with environment(**dict.fromkeys(CA_ENV)):
        return {"outcome": outcome(lambda: s.get(f"{srv.nginx.https_url}/json"), s)}


@case(skip={"requests": "requests has no base_url (a Session joins nothing)"})
def base_url_relative(s: Session, srv: Servers) -> Result:
    c = s.client(base_url=f"{srv.bin}/anything/v2")
    a = c.get("/users", params={"page": 2})
    b = c.get("users/7")
    return {"a": [a.status_code, str(a.url)], "b": [b.status_code, str(b.url)]}


@case(differs={
    "requests": Differs("defaults.md, a client default param the URL already has: restwell "
                        "keeps the URL's; requests sends both", {"args": {"page": ["2", "1"]}}),
    "httpx": Differs("defaults.md, a client default param the URL already has: restwell keeps "
                     "the URL's (the row names requests only; httpx puts the client's over "
                     "it)", {"args": {"page": "1"}})},
    expect={"status": 200, "args": {"page": "2"}})
def client_param_and_url_query(s: Session, srv: Servers) -> Result:
    c = s.client(params={"page": "1"})
    r = c.get(f"{srv.bin}/get?page=2")
    return {"status": r.status_code, "args": r.json()["args"]}


@case()
def client_auth_assigned_later(s: Session, srv: Servers) -> Result:
    c = s.client()
    c.native.auth = ("user", "pa55")
    c.native.headers.update({"X-Later": "1"})
    r = c.get(f"{srv.bin}/basic-auth/user/pa55")
    h = c.get(f"{srv.bin}/headers")
    return {"status": r.status_code, **sent(h, "X-Later")}


@case()
def json_response(s: Session, srv: Servers) -> Result:
    r = s.get(f"{srv.bin}/json")
    return {"status": r.status_code, "slideshow": r.json()["slideshow"]["title"],
            "bytes": len(r.content), "type": r.headers["content-type"]}


@case(skip={"httpx": "httpx spells it reason_phrase (httpx_response_attributes covers it)"})
def requests_response_attributes(s: Session, srv: Servers) -> Result:
    r = s.get(f"{srv.bin}/status/404")
    return {"ok": r.ok, "reason": r.reason, "status": r.status_code}


@case(skip={"requests": "requests spells these r.ok and r.reason"})
def httpx_response_attributes(s: Session, srv: Servers) -> Result:
    r = s.get(f"{srv.bin}/status/404")
    return {"reason": r.reason_phrase, "success": r.is_success, "error": r.is_error,
            "client_error": r.is_client_error, "version": r.http_version,
            "timed": r.elapsed.total_seconds() >= 0}


# -- running them ----------------------------------------------------------------------------------

RESULTS: dict[tuple[str, str], Result] = {}
OUTCOMES: dict[tuple[str, str], str] = {}


def run(c: Case, lib: str, srv: Servers) -> Result:
    """The case's result for ``lib``, run once per session."""
    key = (c.name, lib)
    if key not in RESULTS:
        with contextlib.ExitStack() as stack:
            runner = None
            if lib == "restwell-async":
                runner = stack.enter_context(both.new_runner("asyncio"))
            session = Session(lib, runner)
            stack.callback(session.close)
            RESULTS[key] = c.fn(session, srv)
    return RESULTS[key]


def expected(c: Case, srv: Servers) -> Result:
    """restwell's expected result: the agreeing peers', or the case's own ``expect``."""
    if c.expect is not None:
        return c.expect
    agreeing = [p for p in PEERS if p not in c.differs and p not in c.skip]
    assert agreeing, f"{c.name}: every peer differs or is skipped, so give expect="
    return run(c, agreeing[0], srv)


def params() -> list[typing.Any]:
    out = []
    for c in CASES:
        for lib in LIBS:
            marks = []
            if lib in c.xfail:
                marks.append(pytest.mark.xfail(strict=True, reason=c.xfail[lib]))
            out.append(pytest.param(c, lib, id=f"{c.name}-{lib}", marks=marks))
    return out


@pytest.mark.parametrize(("c", "lib"), params())
def test_everyday(c: Case, lib: str, servers: Servers) -> None:
    key = (c.name, lib)
    OUTCOMES[key] = "fails"
    if lib in c.skip:
        OUTCOMES[key] = f"n/a: {c.skip[lib]}"
        pytest.skip(c.skip[lib])
    if lib in c.xfail:
        OUTCOMES[key] = f"xfail: {c.xfail[lib]}"
    want = expected(c, servers)
    result = run(c, lib, servers)
    if lib in c.differs:
        note = c.differs[lib]
        documented = note.peer if note.whole else {**want, **note.peer}
        assert result == documented, f"{lib} no longer differs as {note.doc!r}"
        assert result != want, f"{lib} no longer differs as {note.doc!r}: drop the note"
        label = "differs as documented"
    else:
        assert result == want
        label = "same"
    OUTCOMES[key] = "fails: an xfail that passes (drop the mark)" if lib in c.xfail else label


def test_table_is_big_enough() -> None:
    assert len(CASES) >= 25
    assert len({c.name for c in CASES}) == len(CASES)


# -- the report (scripts/everyday) -------------------------------------------------------------


def write_report(path: str, seconds: float) -> None:
    """benchmarks/EVERYDAY.md: cases x libraries, and what each documented difference is."""
    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], capture_output=True,
                            text=True, check=False).stdout.strip() or "unknown"
    today = datetime.date.today().isoformat()
    counts: dict[str, dict[str, int]] = {lib: {} for lib in LIBS}
    rows = []
    notes: list[str] = []
    defects: list[str] = []
    for c in CASES:
        cells = []
        for lib in LIBS:
            cell = OUTCOMES.get((c.name, lib), "not run")
            kind, _, why = cell.partition(": ")
            counts[lib][kind] = counts[lib].get(kind, 0) + 1
            if kind == "differs as documented":
                notes.append(f"`{c.name}`, {lib}: {c.differs[lib].doc}")
                cell = f"differs as documented [{len(notes)}]"
            elif kind == "xfail":
                if why not in defects:
                    defects.append(why)
                cell = f"**xfail** [D{defects.index(why) + 1}]"
            elif kind != "same":
                cell = f"**{kind}**: {why}" if why else f"**{kind}**"
            cells.append(cell)
        rows.append(f"| `{c.name}` | " + " | ".join(cells) + " |")
    kinds = ["same", "differs as documented", "n/a", "xfail", "fails", "not run"]
    tally = ["| **count** | " + " | ".join(
        ", ".join(f"{counts[lib][k]} {k}" for k in kinds if counts[lib].get(k))
        for lib in LIBS) + " |"]
    lines = [
        "# Everyday calls: restwell, requests and httpx side by side",
        "",
        f"Generated by `scripts/everyday` (tests/test_everyday.py) on {today}, tests at commit "
        f"{commit}, in {seconds:.0f} s: {len(CASES)} cases x {len(LIBS)} libraries.",
        "",
        "*same*: the library's normalised result (status, echoed JSON, selected headers, "
        "cookies, final URL...) equals restwell's expected one, the peers' where they agree; "
        "*differs as documented*: the peer gives what its note says, a difference "
        "docs/defaults.md or docs/migrating.md lists (asserted, so a stale note fails); *n/a*: "
        "the case cannot be written for that library; *xfail*: a restwell defect still to "
        "fix; *fails*: a result nobody documented.",
        "",
        "| case | " + " | ".join(TITLES[lib] for lib in LIBS) + " |",
        "|---|" + "---|" * len(LIBS),
        *rows,
        *tally,
        "",
        "Documented differences:",
        "",
        *(f"{i}. {note}" for i, note in enumerate(notes, 1)),
        "",
        "Defects (xfail, strict):",
        "",
        *(f"- D{i}: {defect}" for i, defect in enumerate(defects, 1)),
        "",
    ]
    with open(path, "w", encoding="utf-8") as f:
        f.write("\n".join(lines))
