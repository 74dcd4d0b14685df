"""``verify="system"``: the OS trust store, through both clients against the real nginx TLS
server, whose certificate comes from a throwaway CA that no system store holds.

On Linux the system store is OpenSSL's (``SSL_CERT_FILE``/``SSL_CERT_DIR`` when the
environment is trusted, else the compiled-in paths or a distribution's bundle): the test CA
is refused, until ``SSL_CERT_FILE`` names it. The truststore path, which macOS and Windows
take, runs here too with ``OS_VERIFIER`` forced on: truststore's context under restwell's
own TLS (``TLSSocket``, ``TLSConnection``), where truststore on Linux reads the same
OpenSSL paths.
"""

from __future__ import annotations

import ssl
import sys
import typing

import pytest

import restwell
from both import Make
from nginx_server import Nginx
from restwell._io import _system_trust, _tls


@pytest.fixture(autouse=True)
def fresh_contexts(monkeypatch: pytest.MonkeyPatch) -> None:
    """Each test builds its contexts anew, with no SSL_CERT_* from the developer's shell."""
    monkeypatch.setattr(_tls, "_cache", {})
    monkeypatch.delenv("SSL_CERT_FILE", raising=False)
    monkeypatch.delenv("SSL_CERT_DIR", raising=False)


@pytest.fixture(params=["openssl", "truststore"])
def verifier(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> str:
    if request.param == "truststore":
        pytest.importorskip("truststore")
        monkeypatch.setattr(_system_trust, "OS_VERIFIER", True)
    else:
        monkeypatch.setattr(_system_trust, "OS_VERIFIER", False)
    return request.param  # type: ignore[no-any-return]


def test_a_private_ca_is_not_in_the_system_store(
    nginx: Nginx, make_client: Make, verifier: str
) -> None:
    with make_client(verify="system") as client:
        with pytest.raises(restwell.CertificateVerifyError):
            client.get(nginx.https_url + "/json")
        assert client.get(nginx.http_url + "/json").status_code == 200  # (plain: no TLS)


def test_the_system_store_as_openssl_defines_it_takes_ssl_cert_file(
    nginx: Nginx, make_client: Make, verifier: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """SSL_CERT_FILE is where OpenSSL's system store is, when the environment is trusted:
    the test CA, named there, is trusted; two requests share one connection."""
    monkeypatch.setenv("SSL_CERT_FILE", nginx.ca_path)
    with make_client(verify="system") as client:
        for _ in range(2):
            assert client.get(nginx.https_url + "/json").json()["id"] == 1
        pool = getattr(client, "client", client)._transport.pool
        assert pool.stats() == {"total": 1, "idle": 1, "in_use": 0}
    context = _tls.ssl_context("system", None, True)
    assert context.verify_mode == ssl.CERT_REQUIRED and context.check_hostname
    assert context.minimum_version == ssl.TLSVersion.TLSv1_2
    assert context.hostname_checks_common_name is False
    if verifier == "truststore":
        import truststore

        assert isinstance(context, truststore.SSLContext)


def test_trust_env_false_keeps_ssl_cert_file_out(
    nginx: Nginx, make_client: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_system_trust, "OS_VERIFIER", False)
    monkeypatch.setenv("SSL_CERT_FILE", nginx.ca_path)
    with make_client(verify="system", trust_env=False) as client, \
            pytest.raises(restwell.CertificateVerifyError):
        client.get(nginx.https_url + "/json")


def test_the_system_store_is_loaded_once_per_context(
    nginx: Nginx, monkeypatch: pytest.MonkeyPatch
) -> None:
    """No reload per connection (truststore's way on Linux, 27 ms a connection)."""
    monkeypatch.setattr(_system_trust, "OS_VERIFIER", False)
    monkeypatch.setenv("SSL_CERT_FILE", nginx.ca_path)
    loads: list[object] = []
    real = _system_trust.load_system_store
    monkeypatch.setattr(_system_trust, "load_system_store",
                        lambda *args: (loads.append(args), real(*args))[1])
    with restwell.Client(verify="system", limits=restwell.Limits(max_idle=0)) as client:
        for _ in range(3):  # three connections: nothing kept idle
            assert client.get(nginx.https_url + "/json").status_code == 200
    assert len(loads) == 1


def test_without_truststore_an_os_verifier_says_what_to_install(
    nginx: Nginx, make_client: Make, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(_system_trust, "OS_VERIFIER", True)
    monkeypatch.setitem(sys.modules, "truststore", None)  # import truststore fails
    with make_client(verify="system") as client, \
            pytest.raises(restwell.TLSError, match=r"restwell\[truststore\]"):
        client.get(nginx.https_url + "/json")


def test_no_system_store_at_all_is_an_error_not_certifi(
    nginx: Nginx, make_client: Make, monkeypatch: pytest.MonkeyPatch, tmp_path: typing.Any
) -> None:
    monkeypatch.setattr(_system_trust, "OS_VERIFIER", False)
    monkeypatch.setattr(_system_trust, "CA_FILES", ())
    empty = ssl.DefaultVerifyPaths(None, None, "SSL_CERT_FILE", str(tmp_path / "none.pem"),
                                   "SSL_CERT_DIR", str(tmp_path / "none"))  # type: ignore[call-arg]
    monkeypatch.setattr(ssl, "get_default_verify_paths", lambda: empty)
    with make_client(verify="system") as client, \
            pytest.raises(restwell.TLSError, match="no CA store"):
        client.get(nginx.https_url + "/json")
