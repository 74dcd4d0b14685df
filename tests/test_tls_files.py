"""The TLS settings in force are the files as they are now: a CA removed from a bundle is
no longer trusted, one added is, and a rewritten client certificate is the one presented, by
the next client made (``verify=``, ``SSL_CERT_FILE`` and ``cert=``). Through both clients,
against TLS servers on 127.0.0.1."""

from __future__ import annotations

import contextlib
import os
import pathlib
import socket
import ssl
import typing

import pytest
import trustme

import restwell
from servers import ScriptedServer, read_request

Start = typing.Callable[..., ScriptedServer]
Make = typing.Callable[..., typing.Any]
OK = b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\nConnection: close\r\n\r\nok"


def _tls_server(
    scripted: Start, ca: trustme.CA, client_ca: trustme.CA | None = None,
    seen: list[str] | None = None,
) -> str:
    """An https URL served with a leaf of ``ca``; with ``client_ca`` it requires a client
    certificate from it and notes the certificate's first name in ``seen``."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("localhost").configure_cert(context)
    if client_ca is not None:
        context.verify_mode = ssl.CERT_REQUIRED
        client_ca.configure_trust(context)

    def handler(conn: socket.socket, index: int) -> None:
        with contextlib.suppress(OSError, ssl.SSLError):
            tls = context.wrap_socket(conn, server_side=True)
            if seen is not None:
                names = tls.getpeercert()["subjectAltName"]  # type: ignore[index]
                seen.append(str(names[0][1]))
            read_request(tls)
            tls.sendall(OK)

    return f"https://localhost:{scripted(handler).port}/"


def _write(path: pathlib.Path, *cas: trustme.CA) -> None:
    path.write_bytes(b"".join(ca.cert_pem.bytes() for ca in cas))


def _get(make_client: Make, url: str, **settings: typing.Any) -> str:
    with make_client(**settings) as c:
        return c.get(url).text  # type: ignore[no-any-return]


def test_a_bundle_change_is_seen_by_the_next_client(
    scripted: Start, make_client: Make, tmp_path: pathlib.Path
) -> None:
    a, b = trustme.CA(), trustme.CA()
    url_a, url_b = _tls_server(scripted, a), _tls_server(scripted, b)
    bundle = tmp_path / "bundle.pem"
    _write(bundle, a, b)
    assert _get(make_client, url_b, verify=str(bundle)) == "ok"
    _write(bundle, a)  # B removed
    with pytest.raises(restwell.CertificateVerifyError):
        _get(make_client, url_b, verify=str(bundle))
    assert _get(make_client, url_a, verify=str(bundle)) == "ok"
    _write(bundle, a, b)  # and added again
    assert _get(make_client, url_b, verify=str(bundle)) == "ok"


def test_an_ssl_cert_file_change_is_seen_by_the_next_client(
    scripted: Start, make_client: Make, tmp_path: pathlib.Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    a, b = trustme.CA(), trustme.CA()
    url_b = _tls_server(scripted, b)
    bundle = tmp_path / "env-bundle.pem"
    monkeypatch.setenv("SSL_CERT_FILE", str(bundle))
    _write(bundle, a)
    with pytest.raises(restwell.CertificateVerifyError):
        _get(make_client, url_b)
    _write(bundle, a, b)  # B added
    assert _get(make_client, url_b) == "ok"
    os.replace(_replacement(tmp_path, a), bundle)  # B removed, by an atomic rename
    with pytest.raises(restwell.CertificateVerifyError):
        _get(make_client, url_b)


def _replacement(folder: pathlib.Path, *cas: trustme.CA) -> pathlib.Path:
    path = folder / "new.pem"
    _write(path, *cas)
    return path


def test_a_rewritten_client_certificate_is_the_one_presented(
    scripted: Start, make_client: Make, tmp_path: pathlib.Path
) -> None:
    server_ca, client_ca = trustme.CA(), trustme.CA()
    seen: list[str] = []
    url = _tls_server(scripted, server_ca, client_ca, seen)
    trust, chain = tmp_path / "ca.pem", tmp_path / "client.pem"
    _write(trust, server_ca)
    for name in ("first.example", "second.example"):
        client_ca.issue_cert(name).private_key_and_cert_chain_pem.write_to_path(str(chain))
        assert _get(make_client, url, verify=str(trust), cert=str(chain)) == "ok"
    assert seen == ["first.example", "second.example"]
