"""TLS on the AsyncClient: restwell runs TLS itself over a plain TCP transport
(``TLSConnection``), on asyncio and on uvloop. It must give the same bytes, the same checks
and a proper close as a TLS transport would."""

from __future__ import annotations

import hashlib
import socket
import ssl
import threading
import typing

import pytest
import trustme

import both
from nginx_server import Nginx
from restwell import AsyncClient, CertificateVerifyError
from restwell._io._async._connection import AsyncConnection
from restwell._io._async._open import TLSConnection
from servers import ScriptedServer, read_request

Run = typing.Callable[[typing.Awaitable[typing.Any]], typing.Any]


@pytest.fixture(params=["asyncio", "uvloop"])
def loop_kind(request: pytest.FixtureRequest) -> str:
    return str(request.param)


@pytest.fixture
def run(loop_kind: str) -> typing.Iterator[Run]:
    with both.new_runner(loop_kind) as runner:
        yield runner.run


def idle_connections(client: AsyncClient) -> list[AsyncConnection]:
    pool = client._transport.pool  # type: ignore[attr-defined]
    return [conn for idle in pool._idle.values() for conn in idle]


def test_tls_is_restwells_own_on_both_loops(nginx: Nginx, run: Run) -> None:
    async def main() -> list[AsyncConnection]:
        async with AsyncClient(verify=nginx.ca_path) as client:
            for _ in range(3):
                assert (await client.get(f"{nginx.https_url}/json")).json()["id"] == 1
            return idle_connections(client)

    (conn,) = run(main())
    assert isinstance(conn, TLSConnection)
    assert conn.served == 3


def test_a_large_body_crosses_many_tls_records_intact(nginx: Nginx, run: Run) -> None:
    path = nginx.write_file("tls-big.bin", 6 << 20)
    with open(path, "rb") as f:
        expected = hashlib.sha256(f.read()).hexdigest()

    async def main() -> tuple[str, str]:
        async with AsyncClient(verify=nginx.ca_path) as client:
            whole = (await client.get(f"{nginx.https_url}/tls-big.bin")).content
            digest = hashlib.sha256()
            async with client.stream("GET", f"{nginx.https_url}/tls-big.bin") as response:
                async for chunk in response.aiter_bytes():
                    digest.update(chunk)
            return hashlib.sha256(whole).hexdigest(), digest.hexdigest()

    assert run(main()) == (expected, expected)


def test_a_wrong_certificate_is_refused(nginx: Nginx, run: Run, tmp_path: typing.Any) -> None:
    other = tmp_path / "other-ca.pem"
    trustme.CA().cert_pem.write_to_path(str(other))

    async def main() -> None:
        async with AsyncClient(verify=str(other)) as client:
            await client.get(f"{nginx.https_url}/json")

    with pytest.raises(CertificateVerifyError, match="did not verify"):
        run(main())


def test_closing_the_client_sends_close_notify(run: Run) -> None:
    """RFC 9112 §9.8: a client closes TLS with a closure alert, not just a TCP close."""
    ca = trustme.CA()
    server_context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(server_context)
    endings: list[str] = []
    done = threading.Event()

    def handler(raw: socket.socket, index: int) -> None:
        conn = server_context.wrap_socket(raw, server_side=True, suppress_ragged_eofs=False)
        try:
            read_request(conn)
            conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            try:
                endings.append("close_notify" if conn.recv(1) == b"" else "data")
            except ssl.SSLEOFError:
                endings.append("bare TCP close")
        finally:
            done.set()

    server = ScriptedServer(handler)
    try:
        with ca.cert_pem.tempfile() as ca_path:
            async def main() -> None:
                async with AsyncClient(verify=ca_path) as client:
                    url = f"https://127.0.0.1:{server.port}/"
                    assert (await client.get(url)).text == "ok"

            run(main())
        assert done.wait(5)
    finally:
        server.close()
    assert endings == ["close_notify"]
