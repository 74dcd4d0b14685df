"""Against a real nginx: keep-alive, TLS verification, gzip, large bodies."""

from __future__ import annotations

import hashlib
import os
import ssl
import typing

import pytest

import restwell
from both import Make, request_via
from nginx_server import SMALL_JSON, Nginx


def test_plain_and_tls_keep_alive(nginx: Nginx, make_client: Make) -> None:
    with make_client(verify=nginx.ca_path) as c:
        for base in (nginx.http_url, nginx.https_url):
            for _ in range(5):
                r = c.get(base + "/json")
                assert r.json()["full_name"] == "team/restwell"
        assert c._transport.pool.stats() == {"total": 2, "idle": 2, "in_use": 0}  # type: ignore[attr-defined]


def test_default_verification_rejects_unknown_ca(nginx: Nginx, make_client: Make) -> None:
    with pytest.raises(restwell.CertificateVerifyError, match="did not verify"):
        request_via(make_client, "GET", nginx.https_url + "/json")


def test_verify_false_does_not_leak_into_another_client(nginx: Nginx, make_client: Make) -> None:
    with make_client(verify=False) as insecure, make_client() as secure:
        assert insecure.get(nginx.https_url + "/json").status_code == 200
        with pytest.raises(restwell.CertificateVerifyError):
            secure.get(nginx.https_url + "/json")


def test_ssl_context_and_env(
    nginx: Nginx, monkeypatch: pytest.MonkeyPatch, make_client: Make
) -> None:
    context = ssl.create_default_context(cafile=nginx.ca_path)
    assert (
        request_via(make_client, "GET", nginx.https_url + "/json", verify=context).status_code
        == 200
    )
    monkeypatch.setenv("SSL_CERT_FILE", nginx.ca_path)
    assert request_via(make_client, "GET", nginx.https_url + "/json").status_code == 200
    with pytest.raises(restwell.CertificateVerifyError):
        request_via(make_client, "GET", nginx.https_url + "/json", trust_env=False)


def test_gzip_from_nginx(nginx: Nginx, make_client: Make) -> None:
    r = request_via(make_client, "GET", nginx.http_url + "/gzip.json")
    assert r.headers["content-encoding"] == "gzip"
    assert r.json()[0]["id"] == 1 and len(r.json()) == 20


@pytest.mark.parametrize("scheme", ["http", "https"])
def test_large_download_streams(nginx: Nginx, make_client: Make, scheme: str) -> None:
    path = nginx.write_file("big.bin", 8 << 20)
    with open(path, "rb") as f:
        expected = hashlib.sha256(f.read()).hexdigest()
    base = nginx.http_url if scheme == "http" else nginx.https_url
    with make_client(verify=nginx.ca_path) as c:
        for _ in range(2):  # on a new connection, then on the same one again
            digest = hashlib.sha256()
            with c.stream("GET", base + "/big.bin") as r:
                for chunk in r.iter_bytes():
                    digest.update(chunk)
            assert digest.hexdigest() == expected
        assert c.get(base + "/json").json()["id"] == 1


def test_large_upload_from_file(nginx: Nginx, tmp_path, make_client: Make) -> None:  # type: ignore[no-untyped-def]
    path = tmp_path / "up.bin"
    path.write_bytes(os.urandom(4 << 20))
    with make_client(verify=nginx.ca_path) as c:
        for base in (nginx.http_url, nginx.https_url):
            with open(path, "rb") as f:
                r = c.post(base + "/upload", content=f)
            assert r.status_code == 200 and r.text == "ok"


def test_json_small(nginx: Nginx, make_client: Make) -> None:
    assert request_via(make_client, "GET", nginx.http_url + "/json").content == SMALL_JSON.encode()


def test_missing_ca_bundle_is_a_clear_tls_error(nginx: Nginx, make_client: Make) -> None:
    with pytest.raises(restwell.TLSError, match="CA bundle"):
        request_via(make_client, "GET", nginx.https_url + "/json", verify="/nonexistent/ca.pem")


def test_streamed_response_has_elapsed(nginx: Nginx, make_client: Make) -> None:
    with make_client() as c, c.stream("GET", nginx.http_url + "/json") as r:
        r.read()
    assert r.elapsed.total_seconds() > 0


def test_client_certificate(nginx: Nginx, make_client: Make) -> None:
    r = request_via(
        make_client, "GET", nginx.mtls_url + "/", verify=nginx.ca_path, cert=nginx.client_cert
    )
    assert r.status_code == 200 and "O=trustme" in r.text  # nginx saw our certificate
    # without the certificate nginx refuses the request
    assert (
        request_via(make_client, "GET", nginx.mtls_url + "/", verify=nginx.ca_path).status_code
        == 400
    )


def test_an_explicit_bundle_is_the_only_trust(
    nginx: Nginx, monkeypatch: pytest.MonkeyPatch, make_client: Make, tmp_path: typing.Any
) -> None:
    """Row 25: with verify="bundle.pem", a certificate the environment's store trusts (here
    SSL_CERT_FILE holds nginx's CA) but the bundle does not is refused."""
    import trustme

    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))
    monkeypatch.setenv("SSL_CERT_FILE", nginx.ca_path)
    with pytest.raises(restwell.CertificateVerifyError):
        request_via(make_client, "GET", nginx.https_url + "/json", verify=str(other))
    assert request_via(make_client, "GET", nginx.https_url + "/json",
                       verify=nginx.ca_path).status_code == 200
