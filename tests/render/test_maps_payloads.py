"""Scripts executed in maps: 0. The maps are built from an atlas whose every text from the data
(country names, platforms, occupations, citations, source titles, units and URLs, claim texts)
carries a script payload; every page is opened in headless Chromium, every source, year,
occupation and other choice is visited and the marks under the pointer are hovered for their
tooltips. Each payload, if it ran, would raise a counter in the page and log a console line."""

from __future__ import annotations

import duckdb
from conftest import FIXTURES
from render.test_maps_browser import Opened, browser, pytestmark  # noqa: F401 (fixture, skip marks)
from render.test_text import ATTRIBUTE_PAYLOADS

from pipeline.build import estimate
from pipeline.build.sqlfiles import build_out_tables, run_schema
from pipeline.render import render_all

RUN = "window.__pwned=(window.__pwned||0)+1;console.log('PWNED')"
PAYLOADS = [
    f"<script>{RUN}</script>",
    f'<img src=x onerror="{RUN}">',
    f"</script><script>{RUN}</script>",
    f"javascript:{RUN}//",
    f'\u2028\u2029</script><svg onload="{RUN}">',
    f"'\"-->`${{{RUN}}}<iframe srcdoc='<script>parent.{RUN}</script>'>",
]
# Payloads that break out of an attribute (test_text.py) follow the script payload: every text
# carries one of each.
# (table, column) of every text the pages can show; each row gets a payload after its text.
TEXTS = [
    ("core__countries", "name"),
    ("core__countries", "region"),
    ("core__countries", "subregion"),
    ("core__sources", "title"),
    ("core__sources", "publisher"),
    ("core__sources", "citation"),
    ("core__sources", "vintage"),
    ("core__sources", "notes"),
    ("core__sources", "buyer_unit"),
    ("core__sources", "seller_unit"),
    ("core__tallies", "platform"),
    ("core__tallies", "occupation"),
    ("core__tallies", "citation"),
    ("core__tallies", "region_label"),
    ("core__tallies", "qualifier"),
    ("core__claims", "statement"),
    ("core__claims", "quote"),
    ("core__claims", "platform"),
    ("core__claims", "cited_study"),
    ("core__claims", "region_label"),
    ("core__claims", "seed_file"),
    ("core__claims", "proposition_words"),
    ("core__claims", "proposition_words_en"),
    ("core__claims", "region_definition"),
]
CONTROLS = "select, input[type=radio], input[type=checkbox]"


def hostile_atlas() -> duckdb.DuckDBPyConnection:
    """The map tests' mini atlas with a payload appended to every text, then built by the
    pipeline's own estimate and out SQL."""
    con = duckdb.connect()
    run_schema(con)
    con.execute((FIXTURES / "maps" / "mini.sql").read_text(encoding="utf-8"))
    # Source titles and citations long enough to be cut on the index page, whose whole text
    # then goes into a title attribute.
    long = "A source whose title and citation are too long to be shown whole on the index page. "
    con.execute("update core__sources set title = ? || title, citation = ? || citation", [long] * 2)
    con.execute("update core__sources set citation = citation || ' ' || citation")
    for n, (table, column) in enumerate(TEXTS):
        payload = (
            PAYLOADS[n % len(PAYLOADS)] + " " + ATTRIBUTE_PAYLOADS[n % len(ATTRIBUTE_PAYLOADS)]
        )
        # the same text keeps the same payload, so that values that join stay equal
        con.execute(
            f"update {table} set {column} = coalesce({column}, '') || ' ' || ? "
            f"where {column} is not null "
            f"or '{column}' in ('notes', 'qualifier', 'buyer_unit', 'seller_unit')",
            [payload],
        )
    con.execute("update core__sources set url = 'javascript:' || ? || '//'", [RUN])
    estimate.run(con)
    build_out_tables(con)
    return con


# Every element that carries an attribute is sent the events the attribute payloads listen to;
# returns the attributes that are event handlers or that a payload added, and the number of
# title and aria-label attributes holding an attribute payload as their text.
ATTRIBUTES = """() => {
    const added = [];
    let held = 0;
    for (const e of document.querySelectorAll('*')) {
        for (const a of e.attributes) {
            if (/^on/i.test(a.name) || ['data-pwned', 'autofocus'].includes(a.name)) {
                added.push(e.tagName + ' ' + a.name);
            }
            const text = ['title', 'aria-label', 'content'].includes(a.name);
            if (text && /on(mouseover|focus|error)=/.test(a.value)) {
                held += 1;
            }
        }
        if (e.attributes.length) {
            for (const type of ['mouseover', 'focus']) {
                e.dispatchEvent(new Event(type, {bubbles: false}));
            }
        }
    }
    return [added, held];
}"""


def executed(page: Opened) -> int:
    return int(page.js("() => window.__pwned || 0")) + sum("PWNED" in p for p in page.logs)


# Every layer with a tooltip gets the pointer's mouseover (as the map tests do it), in turn.
HOVER_ALL = """() => {
    if (!window.atlas || !atlas.map) return 0;
    const tip = document.getElementById('atlas-tip');
    let shown = 0;
    atlas.map.eachLayer(l => {
        if (!l.atlas || !l.listens || !l.listens('mouseover')) return;
        l.fire('mouseover', {originalEvent: {clientX: 300, clientY: 300}});
        // a tooltip counts when it shows a payload as text
        if (tip && !tip.hidden && /onerror|<script>|<svg|srcdoc/.test(tip.textContent)) shown += 1;
        l.fire('mouseout');
    });
    return shown;
}"""


def hover_marks(page: Opened) -> int:
    """Every mark's tooltip in the current view; the number of tooltips shown."""
    return int(page.js(HOVER_ALL))


def visit_every_choice(page: Opened) -> tuple[int, int]:
    """For each source, each option of every other control in turn, hovering the marks of
    every view; returns the (views, tooltips shown). Controls are counted again after each
    choice, since a choice can redraw them."""
    views, tips = 1, hover_marks(page)
    controls = page.page.locator(CONTROLS)
    sources = page.page.locator("#choose-source option").count()
    for source in range(max(sources, 1)):
        if sources:
            page.page.locator("#choose-source").select_option(index=source)
            views, tips = views + 1, tips + hover_marks(page)
        c = 0
        while c < controls.count():
            control = controls.nth(c)
            if (
                control.get_attribute("id") == "choose-source"
                or not control.is_visible()
                or not control.is_enabled()  # nothing to choose (one occupation)
            ):
                c += 1
                continue
            if control.evaluate("e => e.tagName") == "SELECT":
                for option in range(control.locator("option").count()):
                    if c >= controls.count():
                        break
                    controls.nth(c).select_option(index=option)
                    views, tips = views + 1, tips + hover_marks(page)
            else:
                control.click()
                views, tips = views + 1, tips + hover_marks(page)
            c += 1
    return views, tips


def test_no_payload_runs_on_any_page_in_any_view(browser, tmp_path) -> None:  # noqa: F811
    con = hostile_atlas()
    names = con.execute("select list(name order by name) from core__countries").fetchone()[0]
    assert all("onerror" in n or "script" in n or "svg" in n for n in names)
    pages = render_all(con, tmp_path, print_versions=False)
    assert sorted(p.stem for p in pages) == ["balance", "claims", "flows", "index"]
    counts, counts_held = {}, {}
    for path in pages:
        page = Opened(browser, path, needs_map=path.stem != "index")
        page.logs = []  # type: ignore[attr-defined]
        page.page.on("console", lambda m, p=page: p.logs.append(m.text))
        views, tips = visit_every_choice(page)
        counts[path.stem] = (executed(page), views, tips)
        # no link runs script when clicked; payload elements never reach the DOM as elements
        hrefs = page.js("() => Array.from(document.links).map(a => a.protocol)")
        assert "javascript:" not in hrefs, path
        assert (
            page.js("() => document.querySelectorAll('img[src=x], iframe, svg[onload]').length")
            == 0
        )
        # no attribute payload added a handler or an attribute; each stays text in its
        # attribute (the index's cut titles and citations, the claims' quotes)
        added, held = page.js(ATTRIBUTES)
        assert added == [], (path, added)
        counts_held[path.stem] = held
        # the payloads are shown, as text
        assert "<script>" in page.js("() => document.body.innerText") or path.stem == "index"
        page.close()  # no console error, page error, dialog or network request
    assert {stem: c[0] for stem, c in counts.items()} == dict.fromkeys(counts, 0), counts
    # views changed and tooltips showed payloads as text on every map
    assert all(counts[m][1] > 1 and counts[m][2] > 0 for m in ("flows", "balance")), counts
    assert counts["claims"][2] > 0, counts
    assert counts_held["index"] > 0 and counts_held["claims"] > 0, counts_held


def test_the_counter_sees_a_payload_that_runs(browser, tmp_path) -> None:  # noqa: F811
    """The same detection on a page that puts a payload into innerHTML: it counts it."""
    path = tmp_path / "unsafe.html"
    path.write_text("<!doctype html><body><div id=d></div></body>", encoding="utf-8")
    page = Opened(browser, path, needs_map=False)
    page.logs = []  # type: ignore[attr-defined]
    page.page.on("console", lambda m: page.logs.append(m.text))
    page.js("(p) => { document.getElementById('d').innerHTML = p; }", PAYLOADS[1])
    page.page.wait_for_function("() => window.__pwned >= 1")
    assert executed(page) >= 1
    page.context.close()
