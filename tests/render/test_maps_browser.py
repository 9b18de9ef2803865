"""Open every page in headless Chromium from file://, offline, and check what a reader sees."""

from __future__ import annotations

import csv
import io
import json
import os
import xml.etree.ElementTree as ET
from collections import Counter
from collections.abc import Iterator
from pathlib import Path

import duckdb
import numpy as np
import pytest
import shapely
from conftest import FIXTURES, mini_atlas

from pipeline.render import render_all
from pipeline.render.balance import balance_records, fill
from pipeline.render.projection import WorldProjection
from pipeline.render.style import MAX_WIDTH_PX
from pipeline.render.text import number

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

# Drawn flows: the first piece of each (a flow across the map's edge has two).
DRAWN = """() => {
    const out = [];
    atlas.map.eachLayer(l => {
        if (l.atlas && l.atlas.kind === 'flow' && l.atlas.piece === 0) {
            out.push([l.atlas.seller, l.atlas.buyer, l.atlas.value, l.atlas.direction,
                      l.atlas.greyed, l.options.weight, l.options.dashArray || null]);
        }
    });
    return out;
}"""

KINDS = """() => {
    const out = {};
    atlas.map.eachLayer(l => { if (l.atlas) out[l.atlas.kind] = (out[l.atlas.kind] || 0) + 1; });
    return out;
}"""

CIRCLES = """() => {
    const out = [];
    atlas.map.eachLayer(l => { if (l.atlas && l.atlas.kind === 'node') out.push(l.atlas.code); });
    return out;
}"""

FILLS = """() => {
    const out = {};
    atlas.map.eachLayer(l => {
        if (l.atlas && l.atlas.kind === 'country' && l.atlas.code) out[l.atlas.code] = l.atlas.fill;
    });
    return out;
}"""

VERTICES = """() => {
    const out = [];
    atlas.map.eachLayer(l => {
        if (l.atlas && (l.atlas.kind === 'flow' || l.atlas.kind === 'link' ||
                        l.atlas.kind === 'edge')) {
            const lls = l.getLatLngs ? [l.getLatLngs()].flat(3) : [l.getLatLng()];
            lls.forEach(ll => out.push([ll.lng, ll.lat]));
        }
    });
    return out;
}"""


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return mini_atlas()


@pytest.fixture(scope="module")
def pages(con, tmp_path_factory) -> dict[str, Path]:
    out = tmp_path_factory.mktemp("maps")
    return {p.stem: p for p in render_all(con, out, print_versions=False)}


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
        self,
        browser,
        path: Path,
        needs_map: bool = True,
        size: tuple[int, int] = (1280, 800),
        hash_: str = "",
    ):
        self.context = browser.new_context(
            viewport={"width": size[0], "height": size[1]}, accept_downloads=True
        )
        self.page = self.context.new_page()
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
        # blob: URLs are the page's own downloads, made in memory
        self.page.on(
            "request",
            lambda r: (
                None
                if r.url.startswith(("file:", "data:", "blob:"))
                else self.problems.append(f"network request: {r.url}")
            ),
        )
        self.page.goto(path.as_uri() + hash_)
        if needs_map:
            self.page.wait_for_function("() => window.atlasReady && window.atlas")

    def js(self, script: str, arg=None):
        return self.page.evaluate(script, arg)

    def island(self) -> dict:
        return json.loads(self.page.locator("#atlas-data").text_content())

    def download(self, button: str) -> bytes:
        with self.page.expect_download() as info:
            self.page.click(button)
        return Path(info.value.path()).read_bytes()

    def close(self) -> None:
        self.context.close()
        assert not self.problems, self.problems


def table_pairs(con, source: str, year: int, focus: str | None = None) -> set[tuple[str, str]]:
    rows = con.execute(
        "select distinct seller_country_code, buyer_country_code from out__flows "
        "where source_id = ? and year = ? and buyer_country_code <> seller_country_code",
        [source, year],
    ).fetchall()
    return {r for r in rows if focus is None or focus in r}


def table_directions(con, source: str, year: int, scheme: str) -> dict[tuple[str, str], str]:
    """The database's direction of each cross-border pair of a layer (macro work_direction)."""
    rows = con.execute(
        "select distinct f.seller_country_code, f.buyer_country_code, "
        "work_direction(s.is_north, b.is_north) from out__flows f "
        "left join core__country_groups s on s.country_code = f.seller_country_code "
        "and s.scheme = $scheme "
        "left join core__country_groups b on b.country_code = f.buyer_country_code "
        "and b.scheme = $scheme "
        "where f.source_id = $source and f.year = $year "
        "and f.buyer_country_code <> f.seller_country_code",
        {"scheme": scheme, "source": source, "year": year},
    ).fetchall()
    return {(s, b): d for s, b, d in rows}


def test_flows_page_draws_the_table_once_inside_one_world(browser, pages, con) -> None:
    page = Opened(browser, pages["flows"])
    assert page.js("() => document.documentElement.lang") == "en"
    assert "Microwork Atlas" in page.page.title()
    drawn = page.js(DRAWN)
    expected = table_pairs(con, "remotework", 2020)
    assert {(s, b) for s, b, *_ in drawn} == expected and len(drawn) == len(expected)
    text = page.page.locator("#shown-count").inner_text()
    # remotework 2020: every cross-border flow, 340 of its 390 projects (50 done in the US)
    assert f"{len(expected)} of {len(expected)} flows, 87.2% of the work shown" in text
    assert page.page.locator("#not-named").is_hidden()  # an observed layer names every country
    # every country's circle once; the largest flows drawn first (smaller ones on top)
    circles = page.js(CIRCLES)
    assert circles and max(Counter(circles).values()) == 1
    order = [d[2] for d in drawn]
    assert order == sorted(order, reverse=True)
    # no vertex outside the projected world (a 10 m tolerance for rounding)
    outline = WorldProjection().outline_polygon.buffer(0.001)
    vertices = page.js(VERTICES)
    assert vertices and all(outline.covers(shapely.Point(x, y)) for x, y in vertices)
    # Philippines -> United States crosses the Pacific: two pieces, two edge markers
    kinds = page.js(KINDS)
    assert kinds["edge"] == 2 * 3  # PHL->USA, PHL->CAN, USA->AUS
    assert kinds["arrow"] == len(expected)
    assert kinds["label"] == len(circles)  # fewer than 15 countries: all labelled
    page.close()


def test_widths_follow_one_scale_for_every_year(browser, pages) -> None:
    page = Opened(browser, pages["flows"])
    widths = {(s, b): w for s, b, _, _, _, w, _ in page.js(DRAWN)}
    # width proportional to the volume: 60 projects, half the largest flow, half as wide
    assert widths[("PHL", "USA")] == pytest.approx(MAX_WIDTH_PX)
    assert widths[("IND", "GBR")] == pytest.approx(MAX_WIDTH_PX * 60 / 120)
    page.page.check("input[name=year][value='1']")  # 2019, a choice excluding 2020
    assert page.page.locator("input[name=year]:checked").count() == 1
    widths_2019 = {(s, b): w for s, b, _, _, _, w, _ in page.js(DRAWN)}
    assert set(widths_2019) == {("PHL", "USA"), ("IND", "GBR")}
    # 70 projects in 2019 on the scale whose 18 px means 120 projects in 2020
    assert widths_2019[("PHL", "USA")] == pytest.approx(MAX_WIDTH_PX * 70 / 120)
    assert "year=2019" in page.page.url
    # the square root, the reader's switch, kept in the address
    page.page.check("input[name=width][value=sqrt]")
    widths_sqrt = {(s, b): w for s, b, _, _, _, w, _ in page.js(DRAWN)}
    assert widths_sqrt[("PHL", "USA")] == pytest.approx(MAX_WIDTH_PX * (70 / 120) ** 0.5)
    assert "width=sqrt" in page.page.url
    page.close()


def test_tooltip_shows_the_figures_and_the_literal_citation(browser, pages) -> None:
    page = Opened(browser, pages["flows"])
    page.js(
        """() => atlas.map.eachLayer(l => {
            if (l.atlas && l.atlas.kind === 'flow' && l.atlas.seller === 'PHL' &&
                l.atlas.buyer === 'USA' && l.atlas.piece === 0) {
                l.fire('mouseover', {originalEvent: {clientX: 300, clientY: 300}});
            }
        })"""
    )
    text = page.page.locator("#atlas-tip").inner_text()
    assert "Philippines (PHL)" in text and "United States (USA)" in text
    # 120 of the 390 projects of remotework 2020
    assert "120 projects" in text and "30.8% of all the work in this view" in text
    assert "observed" in text and "South → North" in text and "across the Pacific" in text
    assert "<img src=https://evil.example/x.png>" in text
    assert page.page.locator("#atlas-tip img, #atlas-side img").count() == 0
    page.close()


def test_clicking_a_country_leaves_exactly_its_flows(browser, pages, con) -> None:
    page = Opened(browser, pages["flows"])
    page.js(
        """() => atlas.map.eachLayer(l => {
            if (l.atlas && l.atlas.kind === 'node' && l.atlas.code === 'IND') l.fire('click');
        })"""
    )
    drawn = {(s, b) for s, b, *_ in page.js(DRAWN)}
    assert drawn == table_pairs(con, "remotework", 2020, focus="IND")
    assert "focus=IND" in page.page.url
    box = page.page.locator("#focus-box").inner_text()
    assert "India (IND)" in box and "Net sold" in box
    page.page.keyboard.press("Escape")
    assert {(s, b) for s, b, *_ in page.js(DRAWN)} == table_pairs(con, "remotework", 2020)
    assert "focus=" not in page.page.url
    page.close()


def test_direction_filter_greys_the_other_directions(browser, pages, con) -> None:
    page = Opened(browser, pages["flows"])
    page.page.click("button[data-direction=north_to_south]")
    directions = table_directions(con, "remotework", 2020, "un_m49_developed")
    drawn = page.js(DRAWN)
    coloured = {(s, b) for s, b, _, d, greyed, *_ in drawn if not greyed}
    assert coloured == {k for k, d in directions.items() if d == "north_to_south"}
    assert {(s, b) for s, b, *_ in drawn} == set(directions)  # the rest stays, greyed
    assert all(d == directions[(s, b)] for s, b, _, d, *_ in drawn)
    page.page.click("#all-directions")
    assert not any(g for *_, g, _, _ in page.js(DRAWN))
    page.close()


def test_the_page_draws_the_database_directions_under_each_scheme(browser, tmp_path) -> None:
    """The page reads each pair's direction, per scheme, from its data: what it draws equals
    the database's macro work_direction, also where the schemes disagree (Kenya has no World
    Bank income group in the fixture)."""
    from pipeline.build.sqlfiles import build_out_tables

    con = mini_atlas()
    con.execute(
        "insert into core__tallies (source_id, platform, period_start, period_end, role, "
        "buyer_country_code, seller_country_code, occupation, measure, amount, location) values "
        "('remotework', 'various', '2020-01-01', '2020-12-31', 'pair', 'USA', 'KEN', "
        "'clerical and data entry', 'projects', 7, 'f:13')"
    )
    build_out_tables(con)
    flows = render_all(con, tmp_path, print_versions=False)[0]
    page = Opened(browser, flows)
    drawn = {}
    for scheme in ("un_m49_developed", "wb_high_income"):
        page.page.check(f"input[name=scheme][value={scheme}]")
        drawn[scheme] = {(s, b): d for s, b, _, d, *_ in page.js(DRAWN)}
        assert drawn[scheme] == table_directions(con, "remotework", 2020, scheme)
    assert drawn["un_m49_developed"][("KEN", "USA")] == "south_to_north"
    assert drawn["wb_high_income"][("KEN", "USA")] == "unclassified"
    page.close()


def test_the_url_hash_restores_a_view(browser, pages, con) -> None:
    view = "#source=remotework&year=2019&focus=PHL&direction=north_to_north&scheme=wb_high_income"
    page = Opened(browser, pages["flows"], hash_=view)
    state = page.js("() => atlas.state")
    assert state["focus"] == "PHL" and state["scheme"] == "wb_high_income"
    assert state["dirs"] == ["north_to_north"]
    drawn = page.js(DRAWN)
    assert {(s, b) for s, b, *_ in drawn} == table_pairs(con, "remotework", 2019, focus="PHL")
    assert all(greyed for *_, greyed, _, _ in drawn)  # PHL -> USA is South -> North
    assert page.page.locator("input[name=scheme][value=wb_high_income]").is_checked()
    # and a new hash (a link followed within the page) changes the view
    page.js("() => { location.hash = 'source=oli&year=2021'; }")
    page.page.wait_for_function("() => atlas.state.focus === null")
    drawn = page.js(DRAWN)
    assert {(s, b) for s, b, *_ in drawn} == table_pairs(con, "oli", 2021)
    assert all(dash for *_, dash in drawn)  # estimated flows are dashed
    page.close()


def test_the_three_downloads_hold_what_is_drawn(browser, pages) -> None:
    page = Opened(browser, pages["flows"], hash_="#source=remotework&year=2020&focus=IND")
    drawn = page.js(DRAWN)
    rows = list(csv.DictReader(io.StringIO(page.download("#download-csv").decode("utf-8"))))
    assert [(r["seller_code"], r["buyer_code"], float(r["volume"])) for r in rows] == [
        (s, b, v) for s, b, v, *_ in drawn
    ]
    svg = ET.fromstring(page.download("#download-svg"))
    assert svg.tag.endswith("svg")
    paths = svg.findall(".//{http://www.w3.org/2000/svg}path")
    assert len(paths) > 200  # countries, flows, heads and circles
    assert "India" in "".join(svg.itertext())
    png = page.download("#download-png")
    assert png[:8] == b"\x89PNG\r\n\x1a\n" and len(png) > 10_000
    page.close()


def test_arrowheads_keep_their_pixel_size_and_touch_the_circle(browser, pages) -> None:
    page = Opened(browser, pages["flows"])
    measure = """() => {
        const m = atlas.map; let head = null, line = null, circle = null;
        m.eachLayer(l => {
            const a = l.atlas;
            if (!a) return;
            const phlUsa = a.seller === 'PHL' && a.buyer === 'USA';
            if (a.kind === 'arrow' && phlUsa) head = l;
            if (a.kind === 'flow' && phlUsa && a.piece === 1) line = l;
            if (a.kind === 'node' && a.code === 'USA') circle = l;
        });
        const p = head.getLatLngs()[0].map(ll => m.latLngToContainerPoint(ll));
        const c = m.latLngToContainerPoint(circle.getLatLng());
        return {width: p[1].distanceTo(p[2]), tipGap: p[0].distanceTo(c),
                radius: circle.getRadius(), weight: line.options.weight};
    }"""
    first = page.js(measure)
    page.js("() => atlas.map.setZoom(atlas.map.getZoom() + 1.5)")
    second = page.js(measure)
    for m in (first, second):
        assert m["width"] > m["weight"]
        assert m["tipGap"] == pytest.approx(m["radius"] + 1, abs=1.0)
    assert second["width"] == pytest.approx(first["width"], abs=1.0)
    page.close()


@pytest.mark.parametrize("size", [(1024, 768), (1400, 900)])
def test_legend_leads_with_the_colour_key_and_never_covers_the_map(browser, pages, size) -> None:
    page = Opened(browser, pages["flows"], size=size)
    side = page.page.locator("#atlas-side").bounding_box()
    mapbox = page.page.locator("#atlas-map").bounding_box()
    assert side["x"] + side["width"] <= mapbox["x"] + 0.5
    key = page.page.locator("#direction-key").bounding_box()
    assert key["y"] + key["height"] <= size[1]  # the colour key is above the fold
    first_h2 = page.page.locator("#atlas-side h2").first.inner_text()
    assert first_h2.startswith("Direction of the work")
    points = page.js(
        """() => { const out = []; const box = atlas.map.getContainer().getBoundingClientRect();
        atlas.map.eachLayer(l => { if (l.atlas && l.atlas.kind === 'node') {
            const p = atlas.map.latLngToContainerPoint(l.getLatLng());
            out.push([p.x + box.left, p.y + box.top]); } }); return out; }"""
    )
    for x, y in points:
        assert mapbox["x"] <= x <= mapbox["x"] + mapbox["width"]
        assert mapbox["y"] <= y <= mapbox["y"] + mapbox["height"]
    page.close()


def test_balance_opens_on_the_richest_observed_layer_with_gross_views(browser, pages, con) -> None:
    page = Opened(browser, pages["balance"])
    n = con.execute(
        "select count(*) from out__country_balance where scheme = 'un_m49_developed' "
        "and source_id = 'remotework' and year = 2020 and basis = 'flows'"
    ).fetchone()[0]
    assert sorted(page.js("() => atlas.drawn")) and len(page.js("() => atlas.drawn")) == n
    assert "remotework · 2020 (observed flows)" in page.page.locator("#shown-count").inner_text()
    fills = page.js(FILLS)
    assert fills["USA"] != fills["IND"]
    page.page.check("input[name=view][value=sold]")
    assert "view=sold" in page.page.url
    sold = page.js(FILLS)
    assert sold["PHL"] != fills["PHL"]
    # the page draws the classes of the Python rule (style.balance_class), for every view
    layer = balance_records(con)[0]
    for view, drawn in (("net", fills), ("sold", sold)):
        expected = {
            r["country_code"]: fill(layer, r, view) or "url(#atlas-one-side)" for r in layer.rows
        }
        assert {c: drawn[c] for c in expected if c in drawn} == {
            c: f for c, f in expected.items() if c in drawn
        }
    # OLI publishes employer shares (USA) and worker shares (PHL) apart: a side it does not
    # publish is hatched, unlike "no data"
    page.page.select_option("#choose-layer", label="oli · 2021 (published shares)")
    page.page.check("input[name=view][value=bought]")
    hatched = page.js(FILLS)
    assert hatched["PHL"].startswith("url(#") and not hatched["USA"].startswith("url(#")
    no_data = page.island()["style"]["no_data"]
    others = page.js(
        """() => { const out = new Set(); atlas.map.eachLayer(l => {
            if (l.atlas && l.atlas.kind === 'country' && !l.atlas.code) out.add(l.atlas.fill);
        }); return [...out]; }"""
    )
    assert others == [no_data] and hatched["AUS"] == no_data != hatched["PHL"]
    rows = list(csv.DictReader(io.StringIO(page.download("#download-csv").decode("utf-8"))))
    assert {r["country_code"] for r in rows} == {"USA", "GBR", "PHL", "IND"}
    page.close()


def test_claims_page_links_every_buyer_seller_pair(browser, pages, con) -> None:
    page = Opened(browser, pages["claims"])
    expected = con.execute(
        "select count(*) from core__claims b join core__claims s using (claim_id) "
        "where b.role = 'buyer' and s.role = 'seller' and b.country_code <> s.country_code"
    ).fetchone()[0]
    assert page.js("() => atlas.drawn") == expected == page.island()["links_total"]
    circles = page.js(CIRCLES)
    assert max(Counter(circles).values()) == 1
    outline = WorldProjection().outline_polygon.buffer(0.001)
    assert all(outline.covers(shapely.Point(x, y)) for x, y in page.js(VERTICES))
    legend = page.page.locator("#atlas-side").inner_text()
    assert "South-East Asia (region, not drawn; supported)" in legend
    assert "Central America (region, not drawn; no data)" in legend
    assert "Kenya <script>alert(3)</script>" in legend
    page.page.click("button[data-claim=C2]")
    assert page.js("() => atlas.drawn") == 1 and "claim=C2" in page.page.url
    page.close()


def test_index_links_each_figure_to_the_view_showing_it(browser, pages, con) -> None:
    page = Opened(browser, pages["index"], needs_map=False)
    hrefs = page.js("() => [...document.querySelectorAll('a')].map(a => a.getAttribute('href'))")
    assert {"flows.html", "balance.html", "claims.html"} <= set(hrefs)
    share = con.execute(
        "select sum(share_pct) from out__flows_by_direction where scheme = 'un_m49_developed' "
        "and source_id = 'remotework' and year = 2020 and direction = 'south_to_north'"
    ).fetchone()[0]
    assert f"{share:.1f}%" in page.page.locator("body").inner_text()
    link = "flows.html#source=remotework&year=2020&direction=south_to_north"
    assert hrefs.count(link) == 2  # the table's figure and the chart's point
    # two observed years; the oli estimate has no prior, so an interval and no point
    assert page.page.locator("svg.chart circle").count() == 2
    assert page.page.locator("svg.chart line.interval").count() == 1
    page.close()
    flows = Opened(browser, pages["flows"].parent / "flows.html", hash_=link[len("flows.html") :])
    assert flows.js("() => atlas.state.dirs") == ["south_to_north"]
    flows.close()


def test_occupation_choice_draws_that_occupation_only(browser, pages, con) -> None:
    page = Opened(browser, pages["flows"])
    page.page.select_option("#choose-occupation", "clerical and data entry")
    rows = con.execute(
        "select seller_country_code, buyer_country_code, sum(tasks) from out__flows "
        "where source_id = 'remotework' and year = 2020 and occupation = ? "
        "and buyer_country_code <> seller_country_code group by all",
        ["clerical and data entry"],
    ).fetchall()
    assert {(s, b, v) for s, b, v, *_ in page.js(DRAWN)} == {(s, b, v) for s, b, v in rows}
    assert "occupation=clerical" in page.page.url
    page.close()


def test_great_circle_routes_stay_inside_the_world(browser, con, tmp_path) -> None:
    flows = render_all(con, tmp_path, routes="great-circle", print_versions=False)[0]
    page = Opened(browser, flows)
    drawn = page.js(DRAWN)
    assert len(drawn) == len(table_pairs(con, "remotework", 2020))
    outline = WorldProjection().outline_polygon.buffer(0.001)
    vertices = page.js(VERTICES)
    assert all(outline.covers(shapely.Point(x, y)) for x, y in vertices)
    # India -> United States passes over the Arctic, up to the pole line, unclamped
    assert max(y for _, y in vertices) > WorldProjection().point(0, 80)[1]
    page.close()


def test_an_empty_atlas_opens_without_errors(browser, tmp_path) -> None:
    from pipeline.build.sqlfiles import build_out_tables, run_schema

    empty = duckdb.connect()
    run_schema(empty)
    build_out_tables(empty)
    for path in render_all(empty, tmp_path, print_versions=False):
        page = Opened(browser, path, needs_map=path.stem != "index")
        assert page.page.title()
        page.close()


def test_shipped_data_maps_open_and_draw_the_table(browser, shipped_build, tmp_path) -> None:
    shipped = duckdb.connect(str(shipped_build.db_path), read_only=True)
    paths = {p.stem: p for p in render_all(shipped, tmp_path, print_versions=False)}
    page = Opened(browser, paths["flows"])
    layer = page.island()["layers"][0]
    expected = table_pairs(shipped, layer["source"], layer["year"])
    drawn = page.js(DRAWN)
    assert {(s, b) for s, b, *_ in drawn} == expected  # fewer than 100: all drawn
    assert max(Counter(page.js(CIRCLES)).values()) == 1
    outline = WorldProjection().outline_polygon.buffer(0.001)
    assert all(outline.covers(shapely.Point(x, y)) for x, y in page.js(VERTICES))
    page.close()
    for name in ("balance", "claims", "index"):
        other = Opened(browser, paths[name], needs_map=name != "index")
        assert other.js("() => document.documentElement.lang") == "en"
        other.close()
    shipped.close()


def test_scheme_switch_recolours_in_the_page(browser, pages) -> None:
    page = Opened(browser, pages["flows"])
    island = page.island()
    kenya = island["countries"]["code"].index("KEN")
    fill = """(ci) => { let out = null; atlas.map.eachLayer(l => {
        if (l.atlas && l.atlas.kind === 'country' && l.atlas.ci === ci) out = l.options.fillColor;
        }); return out; }"""
    assert page.js(fill, kenya) == island["style"]["land_south"]
    page.page.check("input[name=scheme][value=wb_high_income]")
    assert page.js("() => atlas.state.scheme") == "wb_high_income"
    assert "scheme=wb_high_income" in page.page.url
    # Kenya has no World Bank income group in the fixture: its shape turns "not classified"
    assert page.js(fill, kenya) == island["style"]["land"]
    page.close()


def test_focus_stays_when_the_year_changes(browser, pages, con) -> None:
    page = Opened(browser, pages["flows"], hash_="#source=remotework&year=2020&focus=IND")
    page.page.check("input[name=year][value='1']")  # 2019
    drawn = {(s, b) for s, b, *_ in page.js(DRAWN)}
    assert drawn == table_pairs(con, "remotework", 2019, focus="IND")
    assert "year=2019" in page.page.url and "focus=IND" in page.page.url
    page.page.keyboard.press("Escape")
    assert "focus=" not in page.page.url
    page.close()


def test_page_and_python_draw_the_same_view_and_heads(browser, con, tmp_path) -> None:
    from pipeline.render.curves import arrow_at_end, route, sample
    from pipeline.render.flow_data import flow_records, flow_view

    flows = render_all(con, tmp_path, top_n=3, print_versions=False)[0]
    page = Opened(browser, flows)
    expected = flow_view(flow_records(con), 0, top_n=3)
    assert [(s, b, v) for s, b, v, *_ in page.js(DRAWN)] == [
        (f.seller, f.buyer, f.tasks) for f in expected.flows
    ]
    assert "3 of 7 flows" in page.page.locator("#shown-count").inner_text()
    proj = WorldProjection()
    pts = sample(route(proj, (78.5, 22.0), (-1.5, 52.5)).pieces[0], 24)
    for width, radius, ppu in [(1.0, 2.0, 3.0), (18.0, 24.0, 6.5)]:
        line, head = arrow_at_end(pts, width, radius, ppu)
        js = page.js(
            "([pts, w, r, ppu]) => Atlas.arrowAtEnd(pts, w, r, ppu)",
            [pts.tolist(), width, radius, ppu],
        )
        assert np.allclose(js["head"], head, atol=1e-9)
        assert np.allclose(js["line"], line, atol=1e-9)
    page.close()


# Verdict marks beside the claims map's circles: (claim, role, country, verdict) of each.
MARKS = """() => {
    const out = [];
    atlas.map.eachLayer(l => {
        if (l.atlas && l.atlas.kind === 'verdict') {
            out.push([l.atlas.claim, l.atlas.role, l.atlas.code, l.atlas.verdict]);
        }
    });
    return out;
}"""

HOVER = """([kind, claim, code, buyer]) => atlas.map.eachLayer(l => {
    if (l.atlas && l.atlas.kind === kind && l.atlas.claim === claim && !l.atlas.piece &&
        (l.atlas.code === code || (l.atlas.seller === code && l.atlas.buyer === buyer))) {
        l.fire('mouseover', {originalEvent: {clientX: 300, clientY: 300}});
    }
})"""


def checked_parties(con) -> list[dict]:
    from pipeline.render.queries import query_rows

    return query_rows(con, "claims_check")


def assert_marks_follow_the_table(page: Opened, con) -> None:
    table = checked_parties(con)
    drawn = [r for r in table if r["is_drawn"]]
    marks = page.js(MARKS)
    assert Counter(m[3] for m in marks) == Counter(r["party_verdict"] for r in drawn)
    assert sorted(map(tuple, marks)) == sorted(
        (r["claim_id"], r["role"], r["country_code"], r["party_verdict"]) for r in drawn
    )
    side = page.page.locator("#atlas-side").inner_text()
    for claim_id in {r["claim_id"] for r in table}:
        row = next(r for r in table if r["claim_id"] == claim_id)
        counts = [
            (row["parties_supported"], "supported"),
            (row["parties_borderline"], "borderline"),
            (row["parties_disagreeing"], "sources disagree"),
            (row["parties_contradicted"], "contradicted"),
            (row["parties_without_data"], "no data"),
            (row["parties_not_measured"], "not measured"),
            (row["parties_not_judged"], "not judged"),
        ]
        text = ", ".join(f"{n} {v}" for n, v in counts if n)
        # the same counts as the table writes them
        assert text == row["claim_counts"]
        assert f"{claim_id}: {row['claim_verdict']} — {text}" in side
    for r in table:
        if not r["is_drawn"]:
            assert f"{r['party_name']} (region, not drawn; {r['party_verdict']})" in side


def test_claims_page_marks_each_party_with_its_verdict(browser, pages, con) -> None:
    page = Opened(browser, pages["claims"])
    assert_marks_follow_the_table(page, con)
    # the mini atlas has every verdict but "no data" on a drawn country
    side = page.page.locator("#atlas-side").inner_text()
    assert "C1: supported — 5 supported" in side
    assert "C2: partly supported — 1 sources disagree, 1 contradicted, 1 no data" in side
    assert "C3: not measured — 2 not measured" in side
    assert "C4: partly supported — 1 borderline, 1 not judged" in side
    assert "Market: click_farm_social_fakes." in side
    key = page.js(
        "() => [...document.querySelectorAll('.verdict-key [data-verdict]')]"
        ".map(e => e.textContent.trim())"
    )
    assert key == [
        "supported",
        "borderline",
        "sources disagree",
        "contradicted",
        "no data",
        "not measured",
        "not judged",
    ]
    # Kenya contradicted, Australia with sources disagreeing: the link is dashed as contradicted
    links = page.js(
        """() => { const out = []; atlas.map.eachLayer(l => {
            if (l.atlas && l.atlas.kind === 'link' && l.atlas.claim === 'C2')
                out.push([l.atlas.verdict, l.options.dashArray]); }); return out; }"""
    )
    assert links == [["contradicted", "7 4"]]
    solid = page.js(
        """() => { const out = new Set(); atlas.map.eachLayer(l => {
            if (l.atlas && l.atlas.kind === 'link' && l.atlas.claim === 'C1')
                out.add(String(l.atlas.verdict) + ':' + String(l.options.dashArray)); });
            return [...out]; }"""
    )
    assert solid == ["supported:null"]
    # one claim alone: only its marks
    page.page.click("button[data-claim=C2]")
    assert {m[0] for m in page.js(MARKS)} == {"C2"} and len(page.js(MARKS)) == 2
    page.close()


def test_claim_tooltips_show_the_figures_as_text(browser, pages, con) -> None:
    figures = {
        (r["claim_id"], r["country_code"]): r["figures"].split("\n")
        for r in checked_parties(con)
        if r["is_drawn"]
    }
    page = Opened(browser, pages["claims"])
    page.js(HOVER, ["verdict", "C2", "KEN"])
    tip = page.page.locator("#atlas-tip").inner_text()
    assert "Kenya <script>alert(3)</script> (KEN)" in tip and "contradicted" in tip
    assert figures[("C2", "KEN")] and all(line in tip for line in figures[("C2", "KEN")])
    assert "no projects among the 4 countries with projects" in tip
    # the market and what the claim says, and the source, its market and family in each line
    assert (
        "online_freelance" in tip and "leading: “Kenyan <script>alert(4)</script> workers”" in tip
    )
    assert (
        "remotework (various, observed flows, 2020; online_freelance, counted as remotework)" in tip
    )
    assert "remotework: contradicted" in tip
    # a claim about a market nothing measures: the figures of other markets, as context
    page.js(HOVER, ["verdict", "C3", "IND"])
    tip = page.page.locator("#atlas-tip").inner_text()
    assert "not measured: no source measures the sellers of click_farm_social_fakes" in tip
    assert "Context, not a verdict" in tip
    assert "context, not a verdict (online_freelance data; the claim is about " in tip
    page.js(HOVER, ["link", "C1", "IND", "GBR"])
    tip = page.page.locator("#atlas-tip").inner_text()
    assert "Most work is bought in the US <script>alert(1)</script> and done in Asia" in tip
    assert "C1: supported" not in tip and "supported — 5 supported" in tip
    assert all(line in tip for line in figures[("C1", "IND")] + figures[("C1", "GBR")])
    assert page.page.locator("#atlas-tip script, #atlas-side script").count() == 0
    page.close()


def test_index_gives_the_interval_and_the_measured_error_beside_the_estimate(
    browser, pages, con
) -> None:
    # oli 2021 names USA 42.5 and GBR 6 of its buyers (North; rest 51.5) and PHL 15.5 and IND
    # 10 of its sellers (South; rest 74.5): lowest max(0, 48.5 + 25.5 - 100) = 0, highest
    # min(100 - 0, 100 - 0) = 100. With no prior there is no point: the error is the pair
    # error of independence on the 2 x 2 cuts of both remote-work years.
    pair = con.execute(
        "select avg(pair_error_pct) from out__estimate_cut_check where prior = 'none' "
        "and scheme = 'un_m49_developed' and buyers_named = 2 and sellers_named = 2"
    ).fetchone()[0]
    page = Opened(browser, pages["index"], needs_map=False)
    checks = page.js(
        "() => [...document.querySelectorAll('tbody tr')].map(r => "
        "[r.cells[0].innerText.split('\\n')[0], r.cells[1].innerText, "
        "r.cells[2].innerText, r.cells[4].innerText])"
    )
    assert checks == [
        [
            "oli",
            "2021",
            "0.0–100.0%\nno point estimate: the countries not named have no model",
            "interval: the lowest and highest share of any buyer × seller matrix with the "
            "published shares; it holds the observed share on each 2 × 2 cut of remotework "
            f"2019, 2020; no point to check (independence puts {number(pair)}% of the work on "
            "the wrong cell there)",
        ],
        # 2020: PHL -> USA 120, PHL -> CAN 30, IND -> GBR 60, IND -> USA 90 of 390 projects
        ["remotework", "2020", "76.9%", "—"],
        # 2019: PHL -> USA 70 and IND -> GBR 20, every project
        ["remotework", "2019", "100%", "—"],
    ]
    method = page.page.locator("tbody tr", has_text="oli").first.locator("td").nth(3).inner_text()
    assert "independence" in method and "% of the source's total" in method
    page.close()


def test_index_names_the_prior_and_the_point_with_its_error(browser, tmp_path) -> None:
    # the mini atlas with its remote-work years allowed as priors: oli 2021 takes remotework
    # 2020, and its point comes with the error of the same procedure on the 2 x 2 cuts
    from pipeline.build import estimate
    from pipeline.build.sqlfiles import build_out_tables, run_schema

    atlas = duckdb.connect()
    run_schema(atlas)
    atlas.execute((FIXTURES / "maps" / "mini.sql").read_text(encoding="utf-8"))
    estimate.run(atlas, prior_min_projects=1)
    build_out_tables(atlas)
    (point, typical, largest, pair) = atlas.execute(
        "select estimated_share_pct, typical_error_pp, max_error_pp, typical_pair_error_pp "
        "from out__estimate_summary where scheme = 'un_m49_developed'"
    ).fetchone()
    paths = {p.stem: p for p in render_all(atlas, tmp_path, print_versions=False)}
    page = Opened(browser, paths["index"], needs_map=False)
    row = page.page.locator("tbody tr", has_text="oli").first.inner_text()
    assert "0.0–100.0%" in row
    assert f"estimate {number(point)}% ± {number(typical)} pts" in row
    assert "IPF with prior remotework 2020" in row
    assert "spread like the countries of remotework 2020 that the source does not name" in row
    assert (
        f"point: the same procedure there is off by {number(typical)} pts South → North on "
        f"average (at most {number(largest)}) and puts {number(pair)}% of the work on the "
        "wrong cell"
    ) in row
    page.close()


def test_shipped_claims_and_index_show_the_checks(browser, shipped_build, tmp_path) -> None:
    shipped = duckdb.connect(str(shipped_build.db_path), read_only=True)
    paths = {p.stem: p for p in render_all(shipped, tmp_path, print_versions=False)}
    page = Opened(browser, paths["claims"])
    assert_marks_follow_the_table(page, shipped)
    page.close()
    estimated = shipped.execute(
        "select count(distinct (source_id, year)) from out__flows where method = 'estimated'"
    ).fetchone()[0]
    index = Opened(browser, paths["index"], needs_map=False)
    cells = index.js("() => [...document.querySelectorAll('td.check')].map(c => c.innerText)")
    assert estimated and sum("error not measured" in c for c in cells) == estimated
    # never a bare point: OLI 2016 is the interval 4.0-82.0 (tests/build/test_estimate.py)
    share = index.page.locator("tbody tr", has_text="curated_oli_shares").locator("td.share")
    assert share.inner_text().startswith("4.0–82.0%\nno point estimate")
    index.close()
    # the flow map counts against the whole total and shows the unnamed work: the named cells
    # hold 69.9 x 58 / 100 = 40.542 % of the work, 8.034 % of it domestic (US 52 x 12, UK 6.3
    # x 6, India 5.9 x 24, / 100), so the 13 cross-border flows carry 32.5 %; 59.5 % is with a
    # country the source does not name
    flows = Opened(browser, paths["flows"])
    assert (
        "13 of 13 flows, 32.5% of the work shown" in flows.page.locator("#shown-count").inner_text()
    )
    unnamed = flows.page.locator("#not-named").inner_text().strip()
    assert unnamed.startswith("Countries not named by the source: 59.5% of the work")
    flows.close()
    shipped.close()


@pytest.fixture(scope="module")
def remotework_atlas(tmp_path_factory) -> Path:
    """The shipped data plus two observed remote-work years (the fixture of test_estimate)."""
    from conftest import FIXTURES, staged

    from pipeline.build.run import build_database
    from pipeline.commands.fetch import run_fetch

    years = staged(
        {
            "olm_network_data_2014.csv": FIXTURES / "remotework" / "handmade_network_2014.csv",
            "olm_network_data_2015.csv": FIXTURES / "remotework" / "handmade_network_2015.csv",
        }
    )
    root = tmp_path_factory.mktemp("rw-index")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("ATLAS_RAW", str(root / "raw"))
        assert run_fetch("remotework", years, None, out=lambda _: None) == 0
        return build_database(root / "atlas.duckdb", raw_root=root / "raw").db_path


def test_index_shows_the_error_measured_on_remote_work_years(
    browser, remotework_atlas, tmp_path
) -> None:
    db = duckdb.connect(str(remotework_atlas), read_only=True)
    pair = db.execute(
        "select avg(pair_error_pct) from out__estimate_cut_check where prior = 'none' "
        "and scheme = 'un_m49_developed' and buyers_named = 4 and sellers_named = 4"
    ).fetchone()[0]
    paths = {p.stem: p for p in render_all(db, tmp_path, print_versions=False)}
    db.close()
    page = Opened(browser, paths["index"], needs_map=False)
    row = page.page.locator("tbody tr", has_text="curated_oli_shares").inner_text()
    # the fixture years are too small to be a prior: no point, the error of independence
    assert (
        "it holds the observed share on each 4 × 4 cut of remotework 2014, 2015; no point to "
        f"check (independence puts {number(pair)}% of the work on the wrong cell there)"
    ) in row
    assert "error not measured" not in page.page.locator("tbody").inner_text()
    page.close()
