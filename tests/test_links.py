"""``Link`` fields (RFC 8288): the full grammar, and a property test over generated fields."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

import restwell
from restwell._models._links import parse_link_fields, parse_link_values

BASE = restwell.URL("https://api.example.com/v1/items?page=1")


def links(*fields: str) -> dict[str, dict[str, str]]:
    return parse_link_fields(fields, BASE)


def test_github_s_field() -> None:
    got = links('<https://api.github.com/user/repos?page=2>; rel="next", '
                '<https://api.github.com/user/repos?page=5>; rel="last"')
    assert got["next"] == {"url": "https://api.github.com/user/repos?page=2", "rel": "next"}
    assert got["last"]["url"].endswith("page=5")


def test_several_fields_several_rels_and_relative_targets() -> None:
    got = links('</v1/items?page=2>; rel="next nofollow"', "<?page=1>;rel=prev",
                '<../other>; rel="https://example.com/rel/Custom"')
    assert got["next"]["url"] == "https://api.example.com/v1/items?page=2"
    assert got["nofollow"] is got["next"] and got["next"]["rel"] == "next nofollow"
    assert got["prev"]["url"] == "https://api.example.com/v1/items?page=1"
    assert got["https://example.com/rel/Custom"]["url"] == "https://api.example.com/other"


def test_quoted_strings_hold_commas_semicolons_and_escapes() -> None:
    got = links('<a>; rel=next; title="one, two; \\"three\\""; type=text/html, <b>; rel=last')
    assert got["next"]["title"] == 'one, two; "three"' and got["next"]["type"] == "text/html"
    assert got["last"]["url"] == "https://api.example.com/v1/b"


def test_title_star_is_rfc_8187_and_wins() -> None:
    got = links("</x>; rel=next; title=\"plain\"; title*=UTF-8'en'%e2%82%ac%20rates")
    assert got["next"]["title"] == "€ rates" == got["next"]["title*"]
    bad = links("</x>; rel=next; title*=nonsense")
    assert bad["next"]["title*"] == "nonsense" and "title" not in bad["next"]


def test_anchor_case_and_first_occurrence_rules() -> None:
    got = links('</x>; REL="Next"; Rel=prev; anchor="#it"; hreflang=en; hreflang=de')
    assert set(got) == {"next"}  # a second rel is ignored (§3.3)
    assert got["next"]["anchor"] == "https://api.example.com/v1/items?page=1#it"
    assert got["next"]["hreflang"] == "en de"


def test_no_rel_is_keyed_by_url_and_first_of_a_rel_wins() -> None:
    got = links("</a>", "</b>; rel=next", "</c>; rel=next")
    assert got["https://api.example.com/a"]["url"] == "https://api.example.com/a"
    assert got["next"]["url"] == "https://api.example.com/b"


@pytest.mark.parametrize("field", [
    "garbage", "<unclosed", '</x>; rel="unclosed', "</x> junk; rel=next", ";;;", ",,,", "",
    "</x>; =value", '<"<>">; rel=a',
])
def test_malformed_values_are_skipped_not_raised(field: str) -> None:
    got = links(field, "</ok>; rel=ok")
    assert got["ok"]["url"] == "https://api.example.com/ok"


def test_through_a_response(scripted: object) -> None:
    response = restwell.Response(200, headers=[("Link", "</p2>; rel=next")])
    assert response.links == {"next": {"url": "/p2", "rel": "next"}}  # no request: as written


_TOKEN = st.text("abcdefghijklmnopqrstuvwxyz0123456789-._~!#$&+^`|", min_size=1, max_size=8)
_QUOTED = st.text(st.characters(min_codepoint=32, max_codepoint=126), max_size=12)
_NAME = _TOKEN.filter(lambda n: n not in ("rel", "anchor", "title", "title*", "url"))
_LINK = st.tuples(
    st.text("abcdefghij/0123456789?=&", min_size=1, max_size=12).map(lambda p: "/" + p),
    st.lists(_TOKEN, min_size=1, max_size=3, unique=True),
    st.dictionaries(_NAME, st.one_of(_TOKEN, _QUOTED), max_size=3),
    st.booleans(),
)


def _render(path: str, rels: list[str], params: dict[str, str], quote_rel: bool) -> str:
    parts = [f"<{path}>", f'rel="{" ".join(rels)}"' if quote_rel or len(rels) > 1
             else f"rel={rels[0]}"]
    for name, value in params.items():
        escaped = value.replace("\\", "\\\\").replace('"', '\\"')
        parts.append(f'{name}="{escaped}"')
    return " ; ".join(parts)


@given(st.lists(_LINK, min_size=1, max_size=6), st.integers(1, 3))
def test_property_generated_fields_parse_back(generated: list[tuple[str, list[str], dict[
        str, str], bool]], split: int) -> None:
    rendered = [_render(*link) for link in generated]
    fields = [", ".join(rendered[i::split]) for i in range(split)]
    order = [rendered.index(r) for i in range(split) for r in rendered[i::split]]
    values = parse_link_values(fields)
    assert len(values) == len(generated)
    for (target, params), index in zip(values, order, strict=True):
        path, rels, extra, _ = generated[index]
        assert target == path and params["rel"] == " ".join(rels)
        assert {k: v for k, v in params.items() if k != "rel"} == extra
    parsed = parse_link_fields(fields, BASE)
    for index in order:
        path, rels, _, _ = generated[index]
        first = next(i for i in order if set(generated[i][1]) & {rels[0]})
        assert parsed[rels[0]]["url"] == str(BASE.join(generated[first][0]))
