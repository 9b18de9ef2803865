"""Text from the data in the pages' HTML: escaped for every context it reaches (element text,
a double- or single-quoted attribute, a <meta> content, an aria-label), and cut at its limits
exactly. The same payloads are opened in Chromium by test_maps_payloads.py."""

from __future__ import annotations

from html.parser import HTMLParser

import pytest
from conftest import mini_atlas

from pipeline.render.index import index_html
from pipeline.render.page import map_page
from pipeline.render.text import (
    amount,
    country_label,
    esc,
    esc_full,
    json_for_script,
    layer_name,
    number,
    truncate,
    unit_text,
)

# the default length of a label (pipeline.render.text.LABEL_MAX)
LABEL_MAX = 80

HANDLER = "window.__pwned=1"
# Each would close the attribute it is put in and open an event handler of its own.
ATTRIBUTE_PAYLOADS = [
    f'Smith " onmouseover="{HANDLER}" data-pwned="',
    f"Smith ' onmouseover='{HANDLER}' data-pwned='",
    f"Smith ` onmouseover=`{HANDLER}` data-pwned=`",
    f'Smith\n" onfocus="{HANDLER}" autofocus data-pwned="',
    f'Smith "><img src=x onerror="{HANDLER}">',
]


class Elements(HTMLParser):
    """Every start tag of a page with its attributes, as a browser's tokenizer reads them."""

    def __init__(self, html: str) -> None:
        super().__init__(convert_charrefs=True)
        self.tags: list[tuple[str, list[tuple[str, str | None]]]] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, attrs))

    def attribute_names(self) -> set[str]:
        return {name for _, attrs in self.tags for name, _ in attrs}

    def values(self, name: str) -> list[str]:
        return [v or "" for _, attrs in self.tags for n, v in attrs if n == name]


@pytest.mark.parametrize("payload", ATTRIBUTE_PAYLOADS)
@pytest.mark.parametrize("quote", ['"', "'"])
def test_escaped_text_stays_inside_its_attribute(payload: str, quote: str) -> None:
    page = Elements(f"<span title={quote}{esc(payload)}{quote} class=x>t</span>")
    # one span, its two attributes, the title holding the text as shown (whitespace collapsed)
    assert page.tags == [("span", [("title", truncate(payload)), ("class", "x")])]


@pytest.mark.parametrize("payload", ATTRIBUTE_PAYLOADS)
def test_a_cut_text_keeps_its_whole_text_in_a_title_attribute(payload: str) -> None:
    text = "A long citation, " * 8 + payload
    page = Elements(esc_full(text, 40))
    assert page.tags == [("span", [("class", "cut"), ("title", " ".join(text.split()))])]


@pytest.mark.parametrize("payload", ATTRIBUTE_PAYLOADS)
def test_the_index_page_keeps_source_texts_in_their_attributes(payload: str) -> None:
    con = mini_atlas()
    long = "Remote work project network, the yearly files of the authors' repository " * 2
    # titles over 120 and citations over 300 characters are cut on the page: their whole text
    # goes into the title attribute of the shortened text
    con.execute("update core__sources set title = ? || ?, citation = ? || ?", [long, payload] * 2)
    con.execute("update core__sources set citation = citation || citation")
    page = Elements(index_html(con))
    con.close()
    assert not {name for name in page.attribute_names() if name.startswith("on")}
    assert not {"data-pwned", "autofocus", "src"} & page.attribute_names()
    whole = " ".join((long + payload).split())
    # three headlines (oli 2021, remotework 2019 and 2020): each source's title and its
    # citation (the text twice), and the citation of the North/South scheme
    titles = page.values("title")
    assert (titles.count(whole), titles.count(whole + whole), len(titles)) == (3, 4, 7)


@pytest.mark.parametrize("payload", ATTRIBUTE_PAYLOADS)
def test_a_map_page_keeps_its_title_and_description_in_their_attributes(payload: str) -> None:
    page = Elements(map_page(payload, {}, [], payload))
    content = [v for tag, attrs in page.tags if tag == "meta" for n, v in attrs if n == "content"]
    assert " ".join(payload.split()) in content
    assert page.values("aria-label") == ["Legend and choices", " ".join(payload.split())]
    assert not {name for name in page.attribute_names() if name.startswith("on")}
    assert not {"data-pwned", "autofocus", "src"} & page.attribute_names()


def test_truncate_at_its_limit() -> None:
    assert truncate("x" * LABEL_MAX) == "x" * LABEL_MAX  # at the limit: whole
    assert truncate("x" * (LABEL_MAX - 1)) == "x" * (LABEL_MAX - 1)
    cut = truncate("x" * (LABEL_MAX + 1))  # one over: cut, the ellipsis within the limit
    assert cut == "x" * (LABEL_MAX - 1) + "…" and len(cut) == LABEL_MAX
    assert truncate(" a \n b\t") == "a b" and truncate(None) == ""
    assert esc("y" * 81) == "y" * 79 + "…"  # esc and esc_full cut at the same default


def test_truncate_cuts_at_a_space_unless_that_loses_a_third() -> None:
    # limit 10: the text kept before "…" is 9 characters; a space at or after position
    # (10 - 1) * 2 // 3 = 6 is a cut point, one before it is not
    assert truncate("abcdef ghijkl", 10) == "abcdef…"  # space at 6: cut there
    assert truncate("abcde fghijkl", 10) == "abcde fgh…"  # space at 5: hard cut
    assert truncate("abcdefgh ijkl", 10) == "abcdefgh…"
    assert truncate("abcdefghi jkl", 10) == "abcdefghi…"  # the cut falls on the space
    # the character at the cut is a space: the text before it ends a word, nothing more is cut
    assert truncate("abcdef gh ijk", 10) == "abcdef gh…"
    # limit 11: (11 - 1) * 2 // 3 = 6, so a space at 6 is still a cut point
    assert truncate("abcdef ghijklmn", 11) == "abcdef…"
    assert truncate("abcdefg, hijklmn", 10) == "abcdefg…"  # no comma before the ellipsis
    assert truncate("abcdefg hijkl", 10) == "abcdefg…"  # space at 7, past the bound
    assert truncate("abcdefg h\x01jkl", 10) == "abcdefg…"  # a control character is no space
    # limit 11: the bound is (11 - 1) * 2 // 3 = 6, so a space at 6 is still a cut point
    assert truncate("abcdef ghijklmn", 11) == "abcdef…"


@pytest.mark.parametrize(
    ("value", "text"),
    [
        (None, "n/a"),
        (1.0, "1"),
        (1234.0, "1,234"),
        (0.999, "0.999"),
        (1.04, "1.0"),
        (99.94, "99.9"),
        (99.96, "100.0"),
        (100.4, "100"),
        (1234.5, "1,234"),
        (0.0, "0"),
        (-0.0, "0"),
        (0.000123456, "0.000123"),
        (2.0000000001, "2"),  # within 1e-9 of a whole number
        (2.000001, "2.0"),
        (-3.0, "-3"),
        (0.5, "0.5"),
        (-150.4, "-150"),
        (-99.94, "-99.9"),
    ],
)
def test_number_shows_decimals_only_where_they_carry_information(
    value: float | None, text: str
) -> None:
    assert number(value) == text


def test_esc_escapes_every_quote_and_bracket() -> None:
    assert esc("\"'<>&") == "&quot;&#x27;&lt;&gt;&amp;"


def test_labels_units_and_amounts() -> None:
    assert country_label("Kenya", "KEN") == "Kenya (KEN)"
    # the name cut at 60 characters, the code at 8
    assert country_label("n" * 61 + "<", "ABCDEFGHI") == "n" * 59 + "… (ABCDEFG…)"
    assert unit_text("projects") == "projects"
    assert unit_text("pct_of_total") == "% of the source&#x27;s total"
    assert unit_text("pct") == "% (share)"
    assert unit_text("u" * 41) == "u" * 39 + "…"
    assert unit_text("<b>") == "&lt;b&gt;"
    assert amount(None, "projects") == "not published"
    assert amount(12.5, "pct_of_total") == "12.5 % of the source&#x27;s total"
    assert amount(1200.0, "projects") == "1,200 projects"


def test_layer_names() -> None:
    assert layer_name("oli", 2016) == "oli · 2016"
    assert layer_name("oli", None) == "oli · all years"
    assert layer_name("oli", 2016, "pct_of_total") == "oli · 2016"
    assert layer_name("oli", 2016, "pct_of_total", with_unit=True) == (
        "oli · 2016 (% of the source&#x27;s total)"
    )
    assert layer_name("oli", 2016, None, with_unit=True) == "oli · 2016"
    assert layer_name("s" * 41, 2016) == "s" * 39 + "… · 2016"
    # cut at 90 characters before escaping: "<i> · 2016 (" is 12 of them
    assert layer_name("<i>", 2016, "u" * 100, with_unit=True) == (
        "&lt;i&gt; · 2016 (" + "u" * 77 + "…"
    )


def test_json_for_a_script_element() -> None:
    text = json_for_script({"b": "</script><!-- & é", "a": [1, 2.5]})
    assert text == ('{"a":[1,2.5],"b":"\\u003c/script\\u003e\\u003c!-- \\u0026 é"}')


def test_a_text_short_enough_is_not_wrapped() -> None:
    assert esc_full("Graham & al.", 40) == "Graham &amp; al."
    assert esc_full("x" * 40, 40) == "x" * 40
    cut = Elements(esc_full("x" * 41, 40)).tags
    assert cut == [("span", [("class", "cut"), ("title", "x" * 41)])]
    # the whole text in the title is bounded too: 4,000 characters
    huge = Elements(esc_full("h" * 5000, 40)).tags
    assert huge == [("span", [("class", "cut"), ("title", "h" * 3999 + "…")])]


@pytest.mark.parametrize(("length", "cut"), [(299, False), (300, False), (301, True)])
def test_the_index_page_cuts_citations_over_300_characters(length: int, cut: bool) -> None:
    con = mini_atlas()
    citation = "c" * (length - 1) + "!"
    con.execute("update core__sources set citation = ? where source_id = 'oli'", [citation])
    page = index_html(con)
    con.close()
    assert (f'title="{citation}"' in page) == cut
    assert (f">{citation}<" in page) == (not cut)


def test_a_cut_text_of_characters_past_the_ellipsis_keeps_its_whole_title() -> None:
    # "語" sorts after "…": the shortened text is then "smaller" than the whole, never equal
    whole = "語" * (LABEL_MAX + 20)
    assert esc_full(whole) == f'<span class="cut" title="{whole}">{"語" * (LABEL_MAX - 1)}…</span>'
