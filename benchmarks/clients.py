"""One adapter per client library: the same scenarios, each written the library's usual way.

Every adapter returns callables that do one whole request (send, read, decode JSON where the
scenario says so), so the runner times the same work for each library. A library that is not
installed, or lacks a feature a scenario needs, is reported as missing for that scenario.
"""

from __future__ import annotations

import typing

import floor  # (httptools only, which every run has: no need to import it lazily)

Op = typing.Callable[[], object]
PAYLOAD = {"name": "restwell", "description": "x" * 900, "private": False, "topics": ["a", "b"]}


class Adapter:
    name = ""
    skips: frozenset[str] = frozenset()  # scenarios it takes no part in, beyond missing methods

    def __init__(self, ca: str) -> None:
        self.ca = ca

    def get_json(self, url: str) -> Op: raise NotImplementedError
    def post_json(self, url: str) -> Op: raise NotImplementedError
    def new_conn_get(self, url: str) -> Op: raise NotImplementedError
    def download(self, url: str) -> Op: raise NotImplementedError
    def upload(self, url: str, path: str) -> Op: raise NotImplementedError
    def multipart(self, url: str, path: str) -> Op: raise NotImplementedError


class _HttpxStyle(Adapter):
    """Clients with the httpx-style API (get/post/stream on ``self.client``)."""

    client: typing.Any

    def get_json(self, url: str) -> Op:
        get = self.client.get
        return lambda: get(url).json()

    def post_json(self, url: str) -> Op:
        post = self.client.post
        return lambda: post(url, json=PAYLOAD).content

    def new_conn_get(self, url: str) -> Op:
        get = self.client.get
        return lambda: get(url, headers={"Connection": "close"}).json()

    def download(self, url: str) -> Op:
        def op() -> int:
            with self.client.stream("GET", url) as r:
                return sum(len(c) for c in r.iter_bytes())
        return op

    def upload(self, url: str, path: str) -> Op:
        def op() -> object:
            with open(path, "rb") as f:
                return self.client.post(url, content=f).content
        return op

    def multipart(self, url: str, path: str) -> Op:
        def op() -> object:
            with open(path, "rb") as f:
                return self.client.post(url, data={"kind": "bench"}, files={"file": f}).content
        return op


class Restwell(_HttpxStyle):
    name = "restwell"

    def __init__(self, ca: str) -> None:
        import restwell

        self.client = restwell.Client(verify=ca)
        super().__init__(ca)


class Requests(Adapter):
    name = "requests"

    def __init__(self, ca: str) -> None:
        import requests

        self.session = requests.Session()
        self.session.trust_env = False  # else REQUESTS_CA_BUNDLE/CURL_CA_BUNDLE beat verify=
        self.session.verify = ca
        super().__init__(ca)

    def get_json(self, url: str) -> Op:
        get = self.session.get
        return lambda: get(url).json()

    def post_json(self, url: str) -> Op:
        post = self.session.post
        return lambda: post(url, json=PAYLOAD).content

    def new_conn_get(self, url: str) -> Op:
        get = self.session.get
        return lambda: get(url, headers={"Connection": "close"}).json()

    def download(self, url: str) -> Op:
        def op() -> int:
            with self.session.get(url, stream=True) as r:
                return sum(len(c) for c in r.iter_content(256 * 1024))
        return op

    def upload(self, url: str, path: str) -> Op:
        def op() -> object:
            with open(path, "rb") as f:
                return self.session.post(url, data=f).content
        return op

    def multipart(self, url: str, path: str) -> Op:
        def op() -> object:
            with open(path, "rb") as f:
                return self.session.post(url, data={"kind": "bench"}, files={"file": f}).content
        return op


class Httpx2(_HttpxStyle):
    name = "httpx2"

    def __init__(self, ca: str) -> None:
        import httpx2

        self.client = httpx2.Client(verify=ca)
        super().__init__(ca)


class Urllib3(Adapter):
    name = "urllib3"

    def __init__(self, ca: str) -> None:
        import urllib3

        self.pool = urllib3.PoolManager(ca_certs=ca, maxsize=10)
        super().__init__(ca)

    def get_json(self, url: str) -> Op:
        request = self.pool.request
        return lambda: request("GET", url).json()

    def post_json(self, url: str) -> Op:
        request = self.pool.request
        return lambda: request("POST", url, json=PAYLOAD).data

    def new_conn_get(self, url: str) -> Op:
        request = self.pool.request
        return lambda: request("GET", url, headers={"Connection": "close"}).json()

    def download(self, url: str) -> Op:
        def op() -> int:
            r = self.pool.request("GET", url, preload_content=False)
            n = sum(len(c) for c in r.stream(256 * 1024))
            r.release_conn()
            return n
        return op

    def upload(self, url: str, path: str) -> Op:
        import os

        def op() -> object:
            with open(path, "rb") as f:
                headers = {"Content-Length": str(os.path.getsize(path))}
                return self.pool.request("POST", url, body=f, headers=headers).data
        return op


class Niquests(Requests):
    name = "niquests"

    def __init__(self, ca: str) -> None:
        import niquests

        self.session = niquests.Session(disable_http2=True, disable_http3=True)
        self.session.trust_env = False
        self.session.verify = ca
        self.ca = ca


class Pycurl(Adapter):
    name = "pycurl"

    def __init__(self, ca: str) -> None:
        import json

        import pycurl

        self.pycurl = pycurl
        self.json = json
        self.curl = pycurl.Curl()
        self.curl.setopt(pycurl.CAINFO, ca)
        self.curl.setopt(pycurl.ACCEPT_ENCODING, "")  # every coding libcurl can decode
        super().__init__(ca)

    def _perform(self, url: str, body: bytes | None = None,
                 headers: list[str] | None = None) -> bytes:
        import io

        pycurl, c = self.pycurl, self.curl
        buf = io.BytesIO()
        c.setopt(pycurl.URL, url)
        c.setopt(pycurl.WRITEDATA, buf)
        c.setopt(pycurl.HTTPHEADER, headers or [])
        if body is not None:
            c.setopt(pycurl.POSTFIELDS, body)
        else:
            c.setopt(pycurl.HTTPGET, 1)
        c.perform()
        return buf.getvalue()

    def get_json(self, url: str) -> Op:
        loads, perform = self.json.loads, self._perform
        return lambda: loads(perform(url))

    def post_json(self, url: str) -> Op:
        dumps, perform = self.json.dumps, self._perform
        headers = ["Content-Type: application/json"]
        return lambda: perform(url, dumps(PAYLOAD).encode(), headers)

    def new_conn_get(self, url: str) -> Op:
        loads, perform = self.json.loads, self._perform
        return lambda: loads(perform(url, headers=["Connection: close"]))

    def download(self, url: str) -> Op:
        pycurl, c = self.pycurl, self.curl

        def op() -> int:
            total = 0

            def write(chunk: bytes) -> None:
                nonlocal total
                total += len(chunk)
            c.setopt(pycurl.URL, url)
            c.setopt(pycurl.HTTPGET, 1)
            c.setopt(pycurl.HTTPHEADER, [])
            c.setopt(pycurl.WRITEFUNCTION, write)
            c.perform()
            return total
        return op

    def upload(self, url: str, path: str) -> Op:
        import os

        pycurl, c = self.pycurl, self.curl

        def op() -> object:
            with open(path, "rb") as f:
                c.setopt(pycurl.URL, url)
                c.setopt(pycurl.UPLOAD, 1)
                c.setopt(pycurl.CUSTOMREQUEST, "POST")
                c.setopt(pycurl.READDATA, f)
                c.setopt(pycurl.INFILESIZE_LARGE, os.path.getsize(path))
                c.setopt(pycurl.WRITEFUNCTION, lambda b: None)
                c.perform()
                c.setopt(pycurl.UPLOAD, 0)
                c.setopt(pycurl.CUSTOMREQUEST, None)  # type: ignore[arg-type]
            return None
        return op


def _pycurl_multipart(adapter: typing.Any, url: str, path: str) -> Op:
    """libcurl's own form upload, streamed from the file."""
    import io

    pycurl, c = adapter.pycurl, adapter.curl

    def op() -> object:
        buf = io.BytesIO()
        c.setopt(pycurl.URL, url)
        c.setopt(pycurl.WRITEDATA, buf)
        c.setopt(pycurl.HTTPHEADER, [])
        c.setopt(pycurl.HTTPPOST, [("kind", "bench"), ("file", (pycurl.FORM_FILE, path))])
        c.perform()
        return buf.getvalue()
    return op


Pycurl.multipart = _pycurl_multipart  # type: ignore[method-assign]


class Pyreqwest(Adapter):
    name = "pyreqwest"

    def __init__(self, ca: str) -> None:
        from pyreqwest.client import SyncClientBuilder

        with open(ca, "rb") as f:
            pem = f.read()
        self.client = SyncClientBuilder().add_root_certificate_pem(pem).build()
        super().__init__(ca)

    def get_json(self, url: str) -> Op:
        client = self.client
        return lambda: client.get(url).build().send().json()

    def post_json(self, url: str) -> Op:
        client = self.client
        return lambda: client.post(url).body_json(PAYLOAD).build().send().bytes()

    def new_conn_get(self, url: str) -> Op:
        client = self.client
        return lambda: client.get(url).header("Connection", "close").build().send().json()

    def download(self, url: str) -> Op:
        def op() -> int:
            total = 0
            with self.client.get(url).build_streamed() as r:
                reader = r.body_reader
                while (chunk := reader.read_chunk()) is not None:
                    total += len(chunk)
            return total
        return op


class Httpr(_HttpxStyle):
    name = "httpr"

    def __init__(self, ca: str) -> None:
        import httpr

        self.client = httpr.Client(ca_cert_file=ca, http1_only=True, cookie_store=False)
        super().__init__(ca)

    upload = Adapter.upload  # httpr takes no file object as content
    multipart = Adapter.multipart  # nor a file object in files=


class Floor(Adapter):
    """Not a peer: the bare loop of floor.py, the least a Python client does (its row shows
    restwell's distance to it, and whether it leads the fastest peer)."""

    name = "floor"
    skips = frozenset({"gzip_get"})  # it asks for no coding, so would decode none

    def get_json(self, url: str) -> Op:
        return floor.get_json(url, self.ca)

    def post_json(self, url: str) -> Op:
        return floor.post_json(url, self.ca, PAYLOAD)

    def new_conn_get(self, url: str) -> Op:
        return floor.new_conn_get(url, self.ca)


ADAPTERS: dict[str, type[Adapter]] = {
    a.name: a for a in (Restwell, Pycurl, Httpr, Pyreqwest, Urllib3, Httpx2, Requests, Niquests,
                        Floor)
}
# Rows that are restwell itself or a reference, not peers: never "the fastest peer"; nor is
# a baseline row, restwell@<sha> (run.py --baseline). restwell-py (the pure source beside the
# retired compiled build) is only in stored runs, which --render still draws.
NOT_PEERS = frozenset({"restwell", "restwell-py", "restwell-uvloop", "floor"})


def is_peer(client: str) -> bool:
    return client not in NOT_PEERS and not client.startswith("restwell@")


IMPORTS = {"restwell": "restwell", "pycurl": "pycurl", "httpr": "httpr",
           "pyreqwest": "pyreqwest.client", "urllib3": "urllib3", "httpx2": "httpx2",
           "requests": "requests", "niquests": "niquests"}
