"""A real nginx on 127.0.0.1 (plain and TLS) for the tests and the benchmarks.

The certificate comes from a throwaway CA made with trustme. nginx needs a port number in its
configuration, so we ask the OS for a free one (bind to port 0, read it, close) just before
starting it.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import typing

import trustme

NGINX_CONF = """
worker_processes 1;
{affinity}
daemon off;
pid {prefix}/nginx.pid;
error_log {prefix}/error.log warn;
{user}
events {{ worker_connections 1024; }}
http {{
    access_log off;
    client_body_temp_path {prefix}/body;
    proxy_temp_path {prefix}/proxy;
    fastcgi_temp_path {prefix}/fastcgi;
    uwsgi_temp_path {prefix}/uwsgi;
    scgi_temp_path {prefix}/scgi;
    keepalive_requests 1000000;
    keepalive_timeout 75s;
    client_max_body_size 0;
    sendfile on;
    tcp_nodelay on;
    default_type application/octet-stream;
    # /flaky drops about 1 in 200 requests without a word (the load test's random closes)
    split_clients "${{msec}}${{connection}}${{connection_requests}}" $drop {{ 0.5% 1; * 0; }}
    server {{
        listen 127.0.0.1:{http_port};
        listen unix:{prefix}/http.sock;
        {locations}
    }}
    server {{
        listen 127.0.0.1:{https_port} ssl;
        listen unix:{prefix}/https.sock ssl;
        ssl_certificate {prefix}/server.pem;
        ssl_certificate_key {prefix}/server.key;
        {locations}
    }}
    server {{
        listen 127.0.0.1:{mtls_port} ssl;
        ssl_certificate {prefix}/server.pem;
        ssl_certificate_key {prefix}/server.key;
        ssl_client_certificate {prefix}/ca.pem;
        ssl_verify_client on;
        location / {{ return 200 '$ssl_client_s_dn'; }}
    }}
}}
"""

LOCATIONS = """
        root {prefix}/www;
        location = /json {{ default_type application/json; return 200 '{json}'; }}
        location = /gzip.json {{
            default_type application/json; gzip on; gzip_types *; gzip_min_length 0;
        }}
        location = /upload {{
            # read whole into memory, never spooled to disk: the upload benchmark measures
            # the client, not the disk's writeback
            client_body_buffer_size 128m; proxy_pass http://127.0.0.1:{http_port}/sink;
        }}
        location = /sink {{ return 200 'ok'; }}
        location = /flaky {{
            keepalive_requests 50; keepalive_timeout 1s; default_type application/json;
            if ($drop) {{ return 444; }}
            return 200 '{json}';
        }}
        location = /upload-1k {{
            client_max_body_size 1k; proxy_pass http://127.0.0.1:{http_port}/sink;
        }}
        location = /echo-status {{ return 418 '{{"message": "teapot"}}'; }}
        location = /peer {{ return 200 '$remote_addr $host'; }}
        location = /sensitive {{
            return 200 'proxy-authorization=[$http_proxy_authorization] cookie=[$http_cookie]';
        }}
"""

SMALL_JSON = '{"id": 1, "name": "restwell", "full_name": "team/restwell", "private": false, '\
    '"owner": {"login": "team", "id": 42}, "stargazers_count": 1000, "topics": ["http", "rest"]}'


def stop(proc: subprocess.Popen[bytes]) -> None:
    """Stop a server process: politely, then for good."""
    proc.terminate()
    try:
        proc.wait(5)
    except subprocess.TimeoutExpired:
        proc.kill()
        proc.wait()


def free_port() -> int:
    with socket.create_server(("127.0.0.1", 0)) as sock:
        return int(sock.getsockname()[1])


class Nginx:
    def __init__(self, cpu: int | None = None) -> None:
        binary = shutil.which("nginx") or "/usr/sbin/nginx"
        if not os.path.exists(binary):
            raise RuntimeError("nginx is not installed: run scripts/test (it installs it as root)")
        self.prefix = tempfile.mkdtemp(prefix="restwell-nginx-")
        self.ca = trustme.CA()
        cert = self.ca.issue_cert("127.0.0.1", "localhost")
        cert.private_key_pem.write_to_path(f"{self.prefix}/server.key")
        cert.cert_chain_pems[0].write_to_path(f"{self.prefix}/server.pem")
        with open(f"{self.prefix}/server.pem", "ab") as f:
            for pem in cert.cert_chain_pems[1:]:
                f.write(pem.bytes())
        self.ca_path = f"{self.prefix}/ca.pem"
        self.ca.cert_pem.write_to_path(self.ca_path)
        client = self.ca.issue_cert("client@restwell.test")  # for mutual TLS
        self.client_cert = f"{self.prefix}/client.pem"
        client.private_key_and_cert_chain_pem.write_to_path(self.client_cert)
        os.makedirs(f"{self.prefix}/www")
        with open(f"{self.prefix}/www/gzip.json", "w") as f:
            f.write("[" + ",".join([SMALL_JSON] * 20) + "]")
        self.http_port, self.https_port, self.mtls_port = free_port(), free_port(), free_port()
        locations = LOCATIONS.format(prefix=self.prefix, json=SMALL_JSON,
                                     http_port=self.http_port)
        conf = NGINX_CONF.format(
            prefix=self.prefix, http_port=self.http_port, https_port=self.https_port,
            mtls_port=self.mtls_port,
            locations=locations,
            affinity=f"worker_cpu_affinity {1 << cpu:b};" if cpu is not None else "",
            user="user root;" if os.geteuid() == 0 else "",
        )
        with open(f"{self.prefix}/nginx.conf", "w") as f:
            f.write(conf)
        self.proc = subprocess.Popen(
            [binary, "-p", self.prefix, "-c", f"{self.prefix}/nginx.conf"],
            stdout=subprocess.DEVNULL, stderr=subprocess.PIPE,
        )
        self._wait()
        self.http_url = f"http://127.0.0.1:{self.http_port}"
        self.https_url = f"https://127.0.0.1:{self.https_port}"
        self.mtls_url = f"https://127.0.0.1:{self.mtls_port}"
        # the same servers on Unix domain sockets (uds=): plain and TLS
        self.http_sock = f"{self.prefix}/http.sock"
        self.https_sock = f"{self.prefix}/https.sock"

    def _wait(self) -> None:
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise RuntimeError(f"nginx exited: {self.proc.stderr.read().decode()}")  # type: ignore[union-attr]
            try:
                for port in (self.http_port, self.https_port, self.mtls_port):
                    socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
                for name in ("http.sock", "https.sock"):
                    with socket.socket(socket.AF_UNIX) as unix:
                        unix.settimeout(0.2)
                        unix.connect(f"{self.prefix}/{name}")
                return
            except OSError:
                time.sleep(0.05)
        raise RuntimeError("nginx did not start within 10 s")

    def write_file(self, name: str, size: int) -> str:
        path = f"{self.prefix}/www/{name}"
        with open(path, "wb") as f:
            block = os.urandom(1 << 20)
            for _ in range(size >> 20):
                f.write(block)
        return path

    def close(self) -> None:
        stop(self.proc)
        shutil.rmtree(self.prefix, ignore_errors=True)

    def __enter__(self) -> Nginx:
        return self

    def __exit__(self, *args: typing.Any) -> None:
        self.close()
