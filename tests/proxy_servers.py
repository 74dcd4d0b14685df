"""Real forward proxies on 127.0.0.1 for the tests: squid (plain and TLS-facing, with or
without Basic auth), tinyproxy (with or without Basic auth) and microsocks (SOCKS5).

Each gets its port from the OS just before it starts (bind to port 0, read, close), as
nginx does. scripts/bootstrap installs them from Debian when run as root.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
import typing

from nginx_server import free_port, stop

USER, PASSWORD = "proxyuser", "proxy-secret"

SQUID_CONF = """
http_port 127.0.0.1:{port}
https_port 127.0.0.1:{tls_port} tls-cert={prefix}/server.pem tls-key={prefix}/server.key
pid_filename {prefix}/squid.pid
cache deny all
cache_mem 8 MB
access_log none
cache_log {prefix}/cache.log
cache_store_log none
coredump_dir {prefix}
shutdown_lifetime 0 seconds
{auth}
http_access deny all
"""

SQUID_AUTH = """
auth_param basic program /usr/lib/squid/basic_ncsa_auth {prefix}/passwd
auth_param basic realm restwell
acl users proxy_auth REQUIRED
http_access allow localhost users
"""

TINYPROXY_CONF = """
Port {port}
Listen 127.0.0.1
Timeout 60
MaxClients 200
Allow 127.0.0.1
LogLevel Warning
LogFile "{prefix}/tinyproxy.log"
ViaProxyName "tinyproxy"
{auth}
"""


def _which(name: str, *extra: str) -> str:
    for path in (shutil.which(name), *extra):
        if path and os.path.exists(path):
            return path
    raise RuntimeError(f"{name} is not installed: run scripts/test (it installs it as root)")


def _wait_port(proc: subprocess.Popen[bytes], port: int, name: str) -> None:
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise RuntimeError(f"{name} exited: {proc.stderr.read().decode()}")  # type: ignore[union-attr]
        try:
            socket.create_connection(("127.0.0.1", port), timeout=0.2).close()
            return
        except OSError:
            time.sleep(0.05)
    raise RuntimeError(f"{name} did not start within 20 s")


class ProxyProcess:
    """One proxy process; ``url`` is its address, ``auth_url`` the same with credentials."""

    name = "proxy"
    scheme = "http"

    def __init__(self, auth: bool) -> None:
        self.auth = auth
        self.prefix = tempfile.mkdtemp(prefix=f"restwell-{self.name}-")
        os.chmod(self.prefix, 0o755)  # squid and tinyproxy drop root and must still read here
        self.port = free_port()
        self.proc = subprocess.Popen(self.command(), stdout=subprocess.DEVNULL,
                                     stderr=subprocess.PIPE)
        _wait_port(self.proc, self.port, self.name)

    def command(self) -> list[str]:
        raise NotImplementedError

    def url_for(self, port: int, scheme: str | None = None, auth: bool | None = None) -> str:
        creds = f"{USER}:{PASSWORD}@" if (self.auth if auth is None else auth) else ""
        return f"{scheme or self.scheme}://{creds}127.0.0.1:{port}"

    @property
    def url(self) -> str:
        """The proxy with credentials when it wants them."""
        return self.url_for(self.port)

    @property
    def bare_url(self) -> str:
        return self.url_for(self.port, auth=False)

    def close(self) -> None:
        stop(self.proc)
        shutil.rmtree(self.prefix, ignore_errors=True)


class Squid(ProxyProcess):
    """squid with a plain port and a TLS port (an https:// proxy), certificate from ``ca``."""

    name = "squid"

    def __init__(self, ca: typing.Any, auth: bool) -> None:
        self.ca = ca
        self.tls_port = free_port()
        super().__init__(auth)
        _wait_port(self.proc, self.tls_port, self.name)

    def command(self) -> list[str]:
        cert = self.ca.issue_cert("localhost")  # not 127.0.0.1: a test connects by the wrong name
        cert.private_key_pem.write_to_path(f"{self.prefix}/server.key")
        cert.cert_chain_pems[0].write_to_path(f"{self.prefix}/server.pem")
        auth = "http_access allow localhost"
        if self.auth:
            digest = subprocess.run(["openssl", "passwd", "-apr1", PASSWORD], check=True,
                                    capture_output=True, text=True).stdout.strip()
            with open(f"{self.prefix}/passwd", "w") as f:
                f.write(f"{USER}:{digest}\n")
            auth = SQUID_AUTH.format(prefix=self.prefix)
        for name in os.listdir(self.prefix):
            os.chmod(f"{self.prefix}/{name}", 0o644)
        with open(f"{self.prefix}/squid.conf", "w") as f:
            f.write(SQUID_CONF.format(port=self.port, tls_port=self.tls_port, prefix=self.prefix,
                                      auth=auth))
        return [_which("squid", "/usr/sbin/squid"), "-N", "-f", f"{self.prefix}/squid.conf"]

    @property
    def tls_url(self) -> str:
        return self.url_for(self.tls_port, scheme="https").replace("127.0.0.1", "localhost")


class Tinyproxy(ProxyProcess):
    name = "tinyproxy"

    def command(self) -> list[str]:
        auth = f"BasicAuth {USER} {PASSWORD}" if self.auth else ""
        if os.geteuid() == 0:
            auth += "\nUser nobody\nGroup nogroup"
        with open(f"{self.prefix}/tinyproxy.conf", "w") as f:
            f.write(TINYPROXY_CONF.format(port=self.port, prefix=self.prefix, auth=auth))
        open(f"{self.prefix}/tinyproxy.log", "w").close()
        os.chmod(f"{self.prefix}/tinyproxy.log", 0o666)
        return [_which("tinyproxy"), "-d", "-c", f"{self.prefix}/tinyproxy.conf"]


class Microsocks(ProxyProcess):
    name = "microsocks"
    scheme = "socks5"

    def command(self) -> list[str]:
        args = [_which("microsocks"), "-i", "127.0.0.1", "-p", str(self.port)]
        if self.auth:
            args += ["-u", USER, "-P", PASSWORD]
        return args
