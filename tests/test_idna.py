"""Internationalised host names: IDNA 2008 with the UTS #46 mapping (non-transitional), the
host that requests, httpx, aiohttp, urllib3 and the browsers connect to; and the ASCII hosts
that never reach the idna package."""

from __future__ import annotations

import socket
import subprocess
import sys
import typing

import pytest

import restwell
import restwell._io._async._open
from both import Make
from restwell import URL, InvalidURL
from servers import ScriptedServer, read_request


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        # ß is a letter of its own in IDNA 2008: IDNA 2003 (and transitional UTS #46) would
        # map it to "ss", another registered domain.
        ("faß.de", "xn--fa-hia.de"),
        ("FAß.DE", "xn--fa-hia.de"),  # upper case is folded first (UTS #46 mapping)
        ("straße.example", "xn--strae-oqa.example"),
        ("βόλος.gr", "xn--nxasmm1c.gr"),  # final sigma ς kept too (a deviation character)
        ("BÜCHER.de", "xn--bcher-kva.de"),
        ("bücher.de", "xn--bcher-kva.de"),
        ("\u0131stanbul.tr", "xn--stanbul-qfb.tr"),  # Turkish dotless i: a letter of its own
        ("İstanbul.tr", "xn--istanbul-o0e.tr"),  # dotted capital İ maps to i + U+0307
        ("faß.de.", "xn--fa-hia.de."),  # a trailing dot (the root) is kept, as typed
        ("faß.DE", "xn--fa-hia.de"),
        ("bücher\u3002de", "xn--bcher-kva.de"),  # the ideographic full stop is a dot
        ("bücher\uff0ede", "xn--bcher-kva.de"),  # so is the full-width one
        ("\u0915\u094d\u200d\u0937.in", "xn--11b2ezcw70k.in"),  # ZWJ after a virama: allowed
        ("\u0646\u0627\u0645\u0647\u200c\u0627\u06cc.ir",  # a ZWNJ in Persian joining
         "xn--mgba3gch31f060k.ir"),
        ("ex.bücher.de", "ex.xn--bcher-kva.de"),  # ASCII labels as they are
        ("my_svc.bücher.de", "my_svc.xn--bcher-kva.de"),  # (an underscore, as DNS allows)
        ("\uff11\uff12\uff17.\uff10.\uff10.\uff11", "127.0.0.1"),  # full-width digits
    ],
)
def test_idna_2008_uts46(host: str, expected: str) -> None:
    url = URL(f"http://{host}/p")
    assert url.host == expected
    assert str(url) == f"http://{expected}/p"


@pytest.mark.parametrize(
    ("host", "expected"),
    [
        ("fass.de", "fass.de"),
        ("EXAMPLE.com.", "example.com."),
        ("xn--fa-hia.de", "xn--fa-hia.de"),  # already an A-label: as it is
        ("127.0.0.1", "127.0.0.1"),
        ("[::1]", "::1"),
        ("[FE80::1%25eth0]", "fe80::1%25eth0"),  # an IPv6 zone id (RFC 6874), kept
        ("[fe80::1%25%C3%A9]", "fe80::1%25%C3%A9"),
        ("[::ffff:127.0.0.1]", "::ffff:7f00:1"),
    ],
)
def test_ascii_hosts_and_ip_literals_untouched(host: str, expected: str) -> None:
    assert URL(f"http://{host}:8080/").host == expected


@pytest.mark.parametrize(
    ("host", "message"),
    [
        ("a\u200db.de", "U+200D"),  # a ZWJ not after a virama (CONTEXTJ)
        ("a\u200cb.de", "U+200C"),  # a ZWNJ out of context
        ("\u2764.de", "not a valid internationalised domain name"),  # a symbol: disallowed
        ("b\u00fccher..de", "empty label"),
        ("\u0301bucher.de", "not a valid internationalised domain name"),  # leading mark
        ("\u05d0a\u05d1.il", "not a valid internationalised domain name"),  # bidi rule
        ("\uff20evil.de", "URL delimiters"),  # U+FF20 maps to @ (CVE-2019-9636)
        ("a\uff0fb.de", "URL delimiters"),  # U+FF0F maps to /
        ("\u00fc" * 64 + ".de", "longer than 63"),  # checked before IDNA runs
    ],
)
def test_invalid_hosts_are_restwells_invalid_url(host: str, message: str) -> None:
    with pytest.raises(InvalidURL) as info:
        URL(f"http://{host}/")
    text = str(info.value)
    assert text.startswith("Invalid URL"), text
    assert message in text, text
    assert not isinstance(info.value, UnicodeError)


def test_an_ascii_host_never_imports_idna() -> None:
    """The ASCII fast path stays free: no idna import (and so no call) for plain hosts."""
    code = ("import sys, restwell\n"
            "for h in ('api.example.com', 'EXAMPLE.COM.', '127.0.0.1', '[::1]', 'xn--fa-hia.de'):\n"
            "    restwell.URL(f'https://{h}:8443/x?y=1')\n"
            "print('idna' in sys.modules)\n"
            "restwell.URL('https://faß.de/')\n"
            "print('idna' in sys.modules)\n")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True,
                         check=True)
    assert out.stdout.split() == ["False", "True"]


def test_the_host_connected_to_and_sent_is_the_idna_2008_one(
    scripted: typing.Callable[..., ScriptedServer], make_client: Make,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Through both clients: the resolver is asked for xn--fa-hia.test (never fass.test),
    and the Host field carries it. (The resolver is replaced: tests never query DNS.)"""
    heads: list[bytes] = []

    def handle(conn: socket.socket, index: int) -> None:
        head = read_request(conn)
        heads.append(head)
        conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")

    server = scripted(handle)
    asked: list[str] = []
    real = socket.getaddrinfo

    def getaddrinfo(host: str, port: int, *args: typing.Any, **kwargs: typing.Any) -> typing.Any:
        asked.append(host)
        return real("127.0.0.1", port, *args, **kwargs)

    async def resolve(loop: typing.Any, host: str, port: int) -> typing.Any:
        asked.append(host)
        return [(socket.AF_INET, ("127.0.0.1", port))]

    monkeypatch.setattr(socket, "getaddrinfo", getaddrinfo)
    monkeypatch.setattr(restwell._io._async._open, "resolve", resolve)
    with make_client() as client:
        response = client.get(f"http://FAß.test:{server.port}/")
    assert response.text == "ok"
    assert str(response.url) == f"http://xn--fa-hia.test:{server.port}/"
    assert asked == ["xn--fa-hia.test"]
    assert f"\r\nhost: xn--fa-hia.test:{server.port}\r\n".encode() in heads[0].lower()


def test_no_proxy_names_internationalised_hosts_as_urls_have_them() -> None:
    """NO_PROXY=bücher.de exempts http://BÜCHER.de/ (whose host is xn--bcher-kva.de)."""
    from restwell._models._proxy import routes_from_env

    routes = routes_from_env({"HTTP_PROXY": "http://p.test:1",
                              "NO_PROXY": "bücher.de, .faß.de, a\u200db.de"})
    assert routes is not None
    assert routes.select(URL("http://BÜCHER.de/")) is None
    assert routes.select(URL("http://www.xn--bcher-kva.de/")) is None
    assert routes.select(URL("http://x.faß.de/")) is None
    assert routes.select(URL("http://fass.de/")) is not None  # IDNA 2003's host: not exempt
    assert routes.select(URL("http://other.de/")) is not None
