from __future__ import annotations

import time

import pytest

from restwell import URL, InvalidURL


@pytest.mark.parametrize(
    ("raw", "expected"),
    [
        ("HTTP://Example.COM:80/a/./b/../c?x=1#frag", "http://example.com/a/c?x=1#frag"),
        ("https://example.com:443", "https://example.com/"),
        ("https://example.com:8443/p", "https://example.com:8443/p"),
        ("http://h/a b?q=a b", "http://h/a%20b?q=a%20b"),
        ("http://h/%7e%zz", "http://h/%7e%25zz"),
        ("http://h/filter?x[name]=1", "http://h/filter?x[name]=1"),
        ("http://[::1]:8080/", "http://[::1]:8080/"),
        ("http://[0:0::1]/", "http://[::1]/"),
        ("http://user:p%40ss@h/", "http://user:p%40ss@h/"),
        ("  http://h/  ", "http://h/"),
        ("http://bücher.de/", "http://xn--bcher-kva.de/"),
        ("http://h/caf\u00e9", "http://h/caf%C3%A9"),
    ],
)
def test_normalise(raw: str, expected: str) -> None:
    assert str(URL(raw)) == expected


@pytest.mark.parametrize(
    "raw",
    [
        "http://h/\r\nX: y",
        "http://h\r\nX: y:80/",
        "http://h/?a=\n",
        "http://h/\x00",
        "http:////admin",
        "http://x@//internal:8082/",
        "http://h:99999/",
        "http://h:8o/",
        "http://h:\u0661\u0662/",
        "http://[evil.com]/",
        "http://[::1/",
        "http://exa mple.com/",
        "http://a\uff0fb.com/",
        "http://" + "a" * 64 + ".com/",
        "http://" + ("a" * 60 + ".") * 5 + "com/",
    ],
)
def test_invalid(raw: str) -> None:
    with pytest.raises(InvalidURL) as info:
        URL(raw)
    assert "Invalid URL" in str(info.value)


def test_userinfo_and_credentials() -> None:
    url = URL("https://al%20ice:s3cr%3At@api.test/x")
    assert (url.username, url.password) == ("al ice", "s3cr:t")
    assert url.host == "api.test"
    assert "s3cr" not in repr(url)


def test_last_at_splits_userinfo() -> None:
    url = URL("http://good.test:x@evil.test/")
    assert url.host == "evil.test"
    assert url.username == "good.test"


@pytest.mark.parametrize(
    ("ref", "expected"),
    [  # RFC 3986 §5.4.1 normal examples
        ("g", "http://a/b/c/g"),
        ("./g", "http://a/b/c/g"),
        ("g/", "http://a/b/c/g/"),
        ("/g", "http://a/g"),
        ("//g", "http://g/"),
        ("?y", "http://a/b/c/d;p?y"),
        ("g?y", "http://a/b/c/g?y"),
        ("#s", "http://a/b/c/d;p?q#s"),
        ("g#s", "http://a/b/c/g#s"),
        (";x", "http://a/b/c/;x"),
        ("", "http://a/b/c/d;p?q"),
        (".", "http://a/b/c/"),
        ("..", "http://a/b/"),
        ("../g", "http://a/b/g"),
        ("../..", "http://a/"),
        ("../../g", "http://a/g"),
        ("../../../g", "http://a/g"),
        ("/./g", "http://a/g"),
        ("g.", "http://a/b/c/g."),
        ("g/../h", "http://a/b/c/h"),
        ("https://other/x", "https://other/x"),
    ],
)
def test_join(ref: str, expected: str) -> None:
    assert str(URL("http://a/b/c/d;p?q").join(ref)) == expected


def test_params_merge() -> None:
    url = URL("http://h/p?a=1", params={"b": [1, 2], "c": "x y", "d": True, "e": None})
    assert url.query == "a=1&b=1&b=2&c=x+y&d=true"  # None: the key left out, as requests does
    assert url.params == [("a", "1"), ("b", "1"), ("b", "2"), ("c", "x y"), ("d", "true")]
    assert URL("http://h/", params=[("k", "&=?")]).query == "k=%26%3D%3F"


@pytest.mark.parametrize(
    "raw",
    ["http://" + "@" * 100_000 + "h/", "http://h/" + "%" * 200_000, "http://h/?" + "é%" * 100_000],
)
def test_linear_time(raw: str) -> None:
    start = time.perf_counter()
    try:
        URL(raw)
    except InvalidURL:
        pass
    assert time.perf_counter() - start < 1.0


def test_idna_bomb_rejected_before_decoding() -> None:
    start = time.perf_counter()
    with pytest.raises(InvalidURL):
        URL("http://xn--016c" + "a" * 5000 + "/")
    with pytest.raises(InvalidURL):
        URL("http://" + "\u0660" * 5000 + "/")
    assert time.perf_counter() - start < 0.5

# The round-trip property (with any authority) lives in test_properties.py.
