"""Open every page in headless Chromium from file://, offline, and check what a reader sees."""

from __future__ import annotations

import json
import os
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from conftest import cross_border_pairs_per_layer, mini_atlas

from pipeline.render import render_all

CHROMIUM = "/usr/bin/chromium"

# Without Chromium the browser tests are skipped with this reason, except where
# ATLAS_REQUIRE_BROWSER=1 (CI) makes a missing browser an error rather than a silent pass.
if not os.path.exists(CHROMIUM) and os.environ.get("ATLAS_REQUIRE_BROWSER") == "1":
    raise RuntimeError(f"{CHROMIUM} is required (ATLAS_REQUIRE_BROWSER=1): install chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} not installed (apt-get install chromium)"
    ),
]

FIND_MAP = "Object.values(window).find(v => v instanceof L.Map)"


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return mini_atlas()


@pytest.fixture(scope="module")
def pages(con, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("maps")
    return {p.stem: p for p in render_all(con, out, top_n=200)}


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        b = p.chromium.launch(
            executable_path=CHROMIUM,
            headless=True,
            args=[
                "--no-sandbox",
                "--disable-gpu",
                "--disable-background-networking",
                "--disable-component-update",
                "--disable-sync",
                "--no-first-run",
            ],
        )
        yield b
        b.close()


class Opened:
    def __init__(
        self, browser, path: Path, needs_leaflet: bool = True, size: tuple[int, int] = (1280, 800)
    ):
        self.page = browser.new_page(viewport={"width": size[0], "height": size[1]})
        self.problems: list[str] = []
        self.page.on(
            "console",
            lambda m: (
                self.problems.append(f"console {m.type}: {m.text}") if m.type == "error" else None
            ),
        )
        self.page.on("pageerror", lambda e: self.problems.append(f"page error: {e}"))
        self.page.on(
            "dialog", lambda d: (self.problems.append(f"dialog: {d.message}"), d.dismiss())
        )
        self.page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith(("file:", "data:"))
                else self.problems.append(f"network request: {r.url}")
            ),
        )
        self.page.goto(path.as_uri())
        if needs_leaflet:
            self.page.wait_for_function(f"() => window.L && {FIND_MAP}")
            self.page.wait_for_selector(".leaflet-overlay-pane svg path", state="attached")

    def js(self, script: str):
        return self.page.evaluate(script)

    def island(self) -> dict:
        return json.loads(self.page.locator("#atlas-data").text_content())

    def switch_on_all_layers(self) -> None:
        boxes = self.page.locator(".leaflet-control-layers-overlays input[type=checkbox]")
        for i in range(boxes.count()):
            if not boxes.nth(i).is_checked():
                boxes.nth(i).check()

    def close(self) -> None:
        self.page.close()
        assert not self.problems, self.problems


COUNT_BY_LAYER = f"""() => {{
    const map = {FIND_MAP};
    const counts = {{}};
    map.eachLayer(l => {{
        const p = l.feature && l.feature.properties;
        if (p && p.kind === 'flow' && l instanceof L.Polyline) {{
            counts[p.layer] = (counts[p.layer] || 0) + 1;
        }}
    }});
    return counts;
}}"""

JUMPS = f"""(kinds) => {{
    const map = {FIND_MAP};
    let jumps = 0, lines = 0;
    map.eachLayer(l => {{
        const p = l.feature && l.feature.properties;
        if (!p || !kinds.includes(p.kind) || !(l instanceof L.Polyline)) return;
        lines += 1;
        const flat = [l.getLatLngs()].flat(3);
        for (let i = 1; i < flat.length; i++) {{
            if (Math.abs(flat[i].lng - flat[i - 1].lng) > 180) jumps += 1;
        }}
    }});
    return [lines, jumps];
}}"""

POINT_ON = f"""([kind, a, b]) => {{
    const map = {FIND_MAP};
    let xy = null;
    map.eachLayer(l => {{
        const p = l.feature && l.feature.properties;
        if (xy === null && p && p.kind === kind && p.seller_code === a && p.buyer_code === b
            && p.layer === 0) {{
            const pts = l.getLatLngs();
            const pt = map.latLngToContainerPoint(pts[Math.floor(pts.length / 2)]);
            const box = map.getContainer().getBoundingClientRect();
            xy = [box.left + pt.x, box.top + pt.y];
        }}
    }});
    return xy;
}}"""


def test_flows_page_draws_every_flow_without_jumps(browser, pages, con) -> None:
    page = Opened(browser, pages["flows"])
    assert page.js("() => typeof L.version") == "string"
    island = page.island()
    first = island["layers"][0]
    assert first["shown_by_default"] and (first["source_id"], first["year"]) == ("remotework", 2020)
    assert page.js(COUNT_BY_LAYER) == {"0": first["flows_shown"]}

    page.switch_on_all_layers()
    drawn = page.js(COUNT_BY_LAYER)
    expected = cross_border_pairs_per_layer(con)
    for index, layer in enumerate(island["layers"]):
        key = f"{layer['source_id']}:{layer['year']}"
        assert drawn[str(index)] == layer["flows_shown"] == layer["flows_total"] == expected[key]

    lines, jumps = page.js(f"() => ({JUMPS})(['flow', 'arrow'])")
    assert lines == 2 * sum(expected.values()) and jumps == 0
    page.close()


def test_flow_tooltip_shows_the_numbers_and_the_literal_source(browser, pages) -> None:
    page = Opened(browser, pages["flows"])
    x, y = page.js(f"() => ({POINT_ON})(['flow', 'PHL', 'USA'])")
    page.page.mouse.move(x, y)
    text = page.page.locator(".leaflet-tooltip").inner_text()
    assert "Philippines (PHL)" in text and "United States (USA)" in text
    assert "120 projects" in text and "49.0%" in text and "observed" in text
    # the hostile citation is shown as text, never turned into an element
    assert "<img src=https://evil.example/x.png>" in text
    assert page.page.locator(".leaflet-tooltip img").count() == 0
    legend = page.page.locator(".atlas-legend").inner_text()
    assert "5 of 5 cross-border flows shown" in legend
    assert "un_m49_developed" in legend
    page.close()


def test_top_n_legend_says_how_many_are_hidden(browser, con, tmp_path) -> None:
    out = render_all(con, tmp_path, top_n=2)[0]
    page = Opened(browser, out)
    assert page.js(COUNT_BY_LAYER) == {"0": 2}
    assert "2 of 5 cross-border flows shown" in page.page.locator(".atlas-legend").inner_text()
    page.close()


def test_balance_page_colours_the_countries_in_the_table(browser, pages, con) -> None:
    page = Opened(browser, pages["balance"])
    island = page.island()
    first = island["layers"][0]
    n = con.execute(
        "select count(*) from out__country_balance where scheme = 'un_m49_developed' "
        "and source_id = ? and year = ? and basis = ?",
        [first["source_id"], first["year"], first["basis"]],
    ).fetchone()[0]
    drawn = page.js(
        f"""() => {{ const codes = new Set();
        {FIND_MAP}.eachLayer(l => {{ const p = l.feature && l.feature.properties;
            if (p && p.net !== undefined) codes.add(p.code); }});
        return codes.size; }}"""
    )
    assert drawn == first["countries"] == n
    page.close()


def test_claims_page_links_every_buyer_seller_pair(browser, pages, con) -> None:
    page = Opened(browser, pages["claims"])
    expected = con.execute(
        "select count(*) from core__claims b join core__claims s using (claim_id) "
        "where b.role = 'buyer' and s.role = 'seller' and b.country_code <> s.country_code"
    ).fetchone()[0]
    links = page.js(
        f"""() => {{ let n = 0; {FIND_MAP}.eachLayer(l => {{
            const p = l.feature && l.feature.properties;
            if (p && p.kind === 'link') n += 1; }}); return n; }}"""
    )
    assert links == expected == page.island()["links_total"]
    lines, jumps = page.js(f"() => ({JUMPS})(['link'])")
    assert lines == expected and jumps == 0
    legend = page.page.locator(".atlas-legend").inner_text()
    assert "South-East Asia (region, not drawn)" in legend
    assert "Central America (region, not drawn)" in legend
    assert "Kenya <script>alert(3)</script>" in legend
    page.close()


def test_index_page_links_the_maps_and_gives_the_headline(browser, pages, con) -> None:
    page = Opened(browser, pages["index"], needs_leaflet=False)
    hrefs = page.js("() => [...document.querySelectorAll('a')].map(a => a.getAttribute('href'))")
    assert {"flows.html", "balance.html", "claims.html"} <= set(hrefs)
    share = con.execute(
        "select sum(share_pct) from out__flows_by_direction where scheme = 'un_m49_developed' "
        "and source_id = 'remotework' and year = 2020 and direction = 'south_to_north'"
    ).fetchone()[0]
    text = page.page.locator("body").inner_text()
    assert f"{share:.1f}%" in text
    assert "wb_high_income" in text and "estimated" in text
    page.close()


# Every drawn line end and circle centre of the layers switched on, and every panel's box, in
# page coordinates.
POINTS_AND_PANELS = f"""() => {{
    const map = {FIND_MAP};
    const box = map.getContainer().getBoundingClientRect();
    const points = [];
    function add(ll, what) {{
        const pt = map.latLngToContainerPoint(ll);
        points.push([box.left + pt.x, box.top + pt.y, what]);
    }}
    map.eachLayer(l => {{
        const p = l.feature && l.feature.properties;
        if (!p) return;
        if (l instanceof L.CircleMarker) {{
            add(l.getLatLng(), 'circle ' + p.code);
        }} else if ((p.kind === 'flow' || p.kind === 'link') && l instanceof L.Polyline) {{
            const pts = l.getLatLngs();
            add(pts[0], 'start ' + p.seller_code + '>' + p.buyer_code);
            add(pts[pts.length - 1], 'end ' + p.seller_code + '>' + p.buyer_code);
        }}
    }});
    const panels = [...document.querySelectorAll(
        '.atlas-legend, .leaflet-control-container .leaflet-control')].map(el => {{
        const r = el.getBoundingClientRect();
        return [r.left, r.top, r.right, r.bottom, el.className];
    }});
    return {{points, panels, width: innerWidth, height: innerHeight}};
}}"""


@pytest.mark.parametrize("size", [(1024, 768), (1400, 850)])
@pytest.mark.parametrize("name", ["flows", "claims"])
def test_first_view_puts_no_line_end_or_circle_under_a_panel(browser, pages, name, size) -> None:
    page = Opened(browser, pages[name], size=size)
    seen = page.js(POINTS_AND_PANELS)
    assert seen["points"] and len(seen["panels"]) >= 3  # legend, zoom, layers (+ attribution)
    for x, y, what in seen["points"]:
        assert 0 <= x <= seen["width"] and 0 <= y <= seen["height"], (what, x, y)
        for left, top, right, bottom, panel in seen["panels"]:
            inside = left <= x <= right and top <= y <= bottom
            assert not inside, (what, x, y, panel)
    page.close()


def test_balance_first_view_keeps_the_world_clear_of_the_legend(browser, pages) -> None:
    page = Opened(browser, pages["balance"], size=(1024, 768))
    legend_right = page.js(
        "() => document.querySelector('.atlas-legend').getBoundingClientRect().right"
    )
    # Alaska's western tip: the west end of the bounds the page opens on
    west = page.js(
        f"() => {{ const m = {FIND_MAP}; return m.latLngToContainerPoint([60, -165]).x + "
        "m.getContainer().getBoundingClientRect().left; }"
    )
    assert west > legend_right
    page.close()


@pytest.mark.parametrize("name", ["flows", "balance", "claims"])
def test_legend_folds_to_its_title(browser, pages, name) -> None:
    page = Opened(browser, pages[name], size=(1024, 768))
    legend = page.page.locator(".atlas-legend")
    assert legend.evaluate("el => el.tagName") == "DETAILS"
    assert legend.evaluate("el => el.open")
    tall = legend.bounding_box()["height"]
    assert tall <= 768 * 0.62 + 1  # compact: never more than 62 % of the window
    legend.locator("summary").click()
    assert not legend.evaluate("el => el.open")
    folded = legend.bounding_box()
    assert folded["height"] < 40 and folded["height"] < tall
    assert legend.locator("summary").is_visible()
    assert not legend.locator(".legend-section, .claim-entry").first.is_visible()
    legend.locator("summary").click()
    assert legend.evaluate("el => el.open")
    page.close()


def test_legends_explain_the_great_circles(browser, pages) -> None:
    for name in ("flows", "claims"):
        page = Opened(browser, pages[name])
        text = page.page.locator(".atlas-legend").inner_text()
        assert "Lines follow the shortest route on the globe" in text
        assert "a country reached from both sides appears twice" in text
        page.close()


def test_both_circles_of_a_country_show_the_same_tooltip(browser, pages) -> None:
    page = Opened(browser, pages["flows"])
    page.switch_on_all_layers()
    tips = page.js(
        f"""() => {{ const map = {FIND_MAP}; const seen = {{}};
        map.eachLayer(l => {{
            const p = l.feature && l.feature.properties;
            if (!p || p.kind !== 'node' || !(l instanceof L.CircleMarker)) return;
            // what a hover does: the event reaches the GeoJSON layer the tooltip is bound to
            const owner = Object.values(l._eventParents || {{}}).find(g => g.getTooltip());
            l.fire('mouseover', {{latlng: l.getLatLng()}}, true);
            const key = p.layer_index + ':' + p.code;
            (seen[key] = seen[key] || []).push(owner.getTooltip().getElement().innerText);
            owner.closeTooltip();
        }});
        return Object.values(seen).filter(v => v.length > 1); }}"""
    )
    assert tips, "the fixture has a country drawn twice (USA in oli 2021)"
    for texts in tips:
        assert len(set(texts)) == 1 and "United States (USA)" in texts[0]
    page.close()


def test_cut_citations_show_in_full_on_hover(browser, tmp_path) -> None:
    long_citation = (
        "Kässi, O., Hadley, C. & Lehdonvirta, V. (2019), Online Labour Index: Measuring the "
        'Online Gig Economy for Policy and Research <img src=x onerror="alert(9)"> figshare'
    )
    con = mini_atlas()
    con.execute("update core__sources set citation = ? where source_id = 'oli'", [long_citation])
    paths = {p.stem: p for p in render_all(con, tmp_path, top_n=200)}
    page = Opened(browser, paths["flows"])
    page.switch_on_all_layers()
    cut = page.page.locator(".atlas-legend .citation .cut").filter(has_text="Kässi")
    assert cut.count() == 1
    shown = cut.inner_text()
    assert shown.endswith("…") and not shown[:-1].endswith(("Onli", "Measu", "Polic"))
    assert long_citation.startswith(shown[:-1].rstrip(" ,.:"))
    assert cut.get_attribute("title") == long_citation
    assert page.page.locator(".atlas-legend img").count() == 0
    page.close()
    index = Opened(browser, paths["index"], needs_leaflet=False)
    # the index has room for it: shown whole, as text
    assert long_citation in index.page.locator("body").inner_text()
    assert index.page.locator("td img").count() == 0
    index.close()
