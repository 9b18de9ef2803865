# ruff: noqa: F811 (the fixtures come from test_maps_browser, imported by name)
"""The flow map's drawing as a reader sees it in Chromium: the way round the world, the edge
markers, the hubs (line ends, arrowheads, circles, labels) and small screens."""

from __future__ import annotations

import csv
import itertools
from pathlib import Path

import numpy as np
import pytest
import shapely
from conftest import mini_atlas
from render.test_maps_browser import (  # noqa: F401 (fixtures, skip marks)
    Opened,
    browser,
    con,
    pages,
    pytestmark,
)

from pipeline.render import render_all

REFERENCE = Path(__file__).parents[2] / "data" / "reference" / "countries.csv"

EDGES = """() => {
    const out = [], widths = {};
    atlas.map.eachLayer(l => {
        const a = l.atlas;
        if (a && a.kind === 'flow') widths[a.seller + '>' + a.buyer] = l.options.weight;
    });
    atlas.map.eachLayer(l => {
        const a = l.atlas;
        if (a && a.kind === 'edge') out.push([a.seller, a.buyer, l.getRadius(),
                                              widths[a.seller + '>' + a.buyer]]);
    });
    return out;
}"""


def test_edge_markers_are_as_wide_as_the_lines_running_into_them(browser, pages) -> None:
    page = Opened(browser, pages["flows"])
    edges = page.js(EDGES)
    # Philippines -> United States and -> Canada, United States -> Australia: two markers each
    assert sorted({(s, b) for s, b, *_ in edges}) == [
        ("PHL", "CAN"),
        ("PHL", "USA"),
        ("USA", "AUS"),
    ]
    assert len(edges) == 6
    for seller, buyer, radius, width in edges:
        assert 2 * radius > width, (seller, buyer)
    # the largest flow, 18 px wide: markers 9 + 1.5 px in radius
    assert {r for s, b, r, _ in edges if (s, b) == ("PHL", "USA")} == {10.5}
    page.close()


# A year of a crowded network, as the real remote-work years are: 30 seller countries, most of
# them selling to the United States, heavy-tailed, so the US is a hub and South Asia, South-East
# Asia and Europe are clusters of circles.
SELLERS = (
    *("IND", "BGD", "PAK", "PHL", "UKR", "SRB", "ROU", "RUS", "VNM", "IDN"),
    *("CHN", "LKA", "NPL", "EGY", "KEN", "NGA", "BRA", "ARG", "MEX", "GBR"),
    *("DEU", "FRA", "NLD", "ESP", "POL", "CAN", "AUS", "ISR", "SGP", "MYS"),
)
BUYERS = ("USA", "GBR", "AUS", "CAN", "DEU")


@pytest.fixture(scope="module")
def hub_pages(tmp_path_factory) -> dict[str, Path]:
    from pipeline.build.sqlfiles import build_out_tables

    con = mini_atlas()
    with REFERENCE.open(encoding="utf-8") as handle:
        ref = {r["country_code"]: r for r in csv.DictReader(handle)}
    have = {r[0] for r in con.execute("select country_code from core__countries").fetchall()}
    for code in sorted({*SELLERS, *BUYERS} - have):
        r = ref[code]
        con.execute(
            "insert into core__countries "
            "(country_code, iso2, name, region, subregion, lon, lat) values (?, ?, ?, ?, ?, ?, ?)",
            [code, r["iso2"], r["name"], r["region"], r["subregion"], r["lon"], r["lat"]],
        )
        north = r["region"] == "Europe" or code in ("USA", "CAN", "AUS", "JPN", "NZL")
        for scheme, source in (("un_m49_developed", "ref_m49"), ("wb_high_income", "ref_wb")):
            con.execute(
                "insert into core__country_groups values (?, ?, ?, ?)",
                [scheme, code, north, source],
            )
    rows = []
    for rank, seller in enumerate(SELLERS, start=1):
        for k, buyer in enumerate(BUYERS):
            if seller != buyer and (k == 0 or rank % (k + 1) == 0):
                amount = round(16_000 / rank**1.1 / (k + 1) ** 2)
                rows.append([buyer, seller, amount, f"hub:{len(rows) + 1}"])
    for buyer, seller, amount, location in rows:
        con.execute(
            "insert into core__tallies (source_id, platform, period_start, period_end, role, "
            "buyer_country_code, seller_country_code, region_label, occupation, measure, "
            "amount, citation, location) values ('remotework', 'various', '2021-01-01', "
            "'2021-12-31', 'pair', ?, ?, null, 'unknown', 'projects', ?, null, ?)",
            [buyer, seller, amount, location],
        )
    build_out_tables(con)
    out = tmp_path_factory.mktemp("hub")
    return {p.stem: p for p in render_all(con, out, print_versions=False)}


HUB = "#source=remotework&year=2021"

# In container pixels: heads and points (triangles), circles, labels (their boxes), and where
# each drawn flow starts, with its seller's circle.
GEOMETRY = """() => {
    const m = atlas.map, px = ll => { const p = m.latLngToContainerPoint(ll); return [p.x, p.y]; };
    const out = {arrow: [], taper: [], node: {}, label: [], start: [], flows: 0, order: []};
    const box = m.getContainer().getBoundingClientRect();
    m.eachLayer(l => {
        const a = l.atlas;
        if (!a) return;
        if (a.kind === 'arrow' || a.kind === 'taper')
            out[a.kind].push([a.seller, a.buyer, l.getLatLngs()[0].map(px)]);
        if (a.kind === 'node') out.node[a.code] = [...px(l.getLatLng()), l.getRadius()];
        if (a.kind === 'flow' && a.piece === 0) {
            out.flows += 1;
            out.start.push([a.seller, a.buyer, px(l.getLatLngs()[0])]);
        }
        if (a.kind === 'label') {
            const r = l.getElement().querySelector('span').getBoundingClientRect();
            out.label.push([a.code, [r.left - box.left, r.top - box.top,
                                     r.right - box.left, r.bottom - box.top]]);
        }
    });
    return out;
}"""


def test_hubs_keep_heads_apart_and_circles_and_labels_in_sight(browser, hub_pages) -> None:
    page = Opened(browser, hub_pages["flows"], size=(1400, 900), hash_=HUB)
    g = page.js(GEOMETRY)
    # every seller to the US; every 2nd, 3rd, 4th, 5th to the UK, Australia, Canada, Germany
    # (the UK and Australia are sellers 20 and 27: not to themselves)
    assert g["flows"] == 30 + (15 - 1) + (10 - 1) + 7 + 6 == 66
    # every flow ends in a head or a point; no two heads overlap, at the US hub or anywhere
    assert len(g["arrow"]) + len(g["taper"]) == g["flows"]
    heads = [shapely.Polygon(t) for *_, t in g["arrow"]]
    assert len(heads) >= 10
    assert not [
        (i, j)
        for i, j in itertools.combinations(range(len(heads)), 2)
        if heads[i].intersects(heads[j])
    ]
    # the largest flow into the US keeps its head
    assert ["IND", "USA"] in [[s, b] for s, b, _ in g["arrow"]]
    # a point is as wide as its line: never wider than the widest line (18 px)
    for *_, t in g["taper"]:
        assert np.hypot(t[1][0] - t[2][0], t[1][1] - t[2][1]) <= 18.01
    # flows leave their seller's circle at its edge, not its centre (short flows, under 100 px,
    # are cut by 30 % of their length at most)
    for seller, buyer, (x, y) in g["start"]:
        cx, cy, r = g["node"][seller]
        if np.hypot(cx - g["node"][buyer][0], cy - g["node"][buyer][1]) < 100:
            continue
        # (Leaflet rounds container points to whole pixels)
        assert np.hypot(x - cx, y - cy) == pytest.approx(r + 1, abs=1.5), seller
    # the 15 largest countries are labelled, each beside its circle: no label on a circle or
    # on another label
    labels = dict(g["label"])
    totals = page.js(
        "() => { const out = []; atlas.view.nodes.forEach((n, ci) => out.push("
        "[JSON.parse(document.getElementById('atlas-data').textContent).countries.code[ci], "
        "n.bought + n.sold + n.internal])); return out; }"
    )
    top = [c for c, _ in sorted(totals, key=lambda t: -t[1]) if c in g["node"]][:15]
    assert "BGD" in top and set(top) <= set(labels)
    for (a, ba), (b, bb) in itertools.combinations(labels.items(), 2):
        assert not (ba[0] < bb[2] and bb[0] < ba[2] and ba[1] < bb[3] and bb[1] < ba[3]), (a, b)
    for code, (x0, y0, x1, y1) in labels.items():
        for other, (cx, cy, r) in g["node"].items():
            nx, ny = min(max(cx, x0), x1), min(max(cy, y0), y1)
            assert np.hypot(nx - cx, ny - cy) >= r - 0.5, (code, other)
    # no flow hides a circle: at each circle's centre the topmost mark is that circle
    hidden = page.js(
        """() => { const out = [], box = atlas.map.getContainer().getBoundingClientRect();
        atlas.map.eachLayer(l => { if (l.atlas && l.atlas.kind === 'node') {
            const p = atlas.map.latLngToContainerPoint(l.getLatLng());
            const top = document.elementFromPoint(p.x + box.left, p.y + box.top);
            if (top !== l.getElement()) out.push(l.atlas.code); } }); return out; }"""
    )
    assert hidden == []
    page.close()


def test_page_and_print_share_the_rules_for_ends_heads_and_labels(browser, pages) -> None:
    """atlas.js and the Python behind the print versions draw the same line ends, keep the
    same arrowheads and put the labels in the same places, given the same input."""
    from pipeline.render.curves import Route, choose_heads, flow_shape, route, sample
    from pipeline.render.labels import LabelItem, place_labels
    from pipeline.render.projection import WorldProjection

    page = Opened(browser, pages["flows"])
    pts = sample(route(WorldProjection(), (78.5, 22.0), (-1.5, 52.5)).pieces[0], 24)
    for width, start, end, ppu in [(1.0, 2.0, 3.0, 3.0), (18.0, 10.0, 24.0, 6.5)]:
        shape = flow_shape(Route("polyline", (pts,)), width, start, end, ppu)
        js = page.js(
            """([pts, w, r0, r1, ppu]) => { const s = Atlas.trimStart(pts, (r0 + 1) / ppu);
            return [Atlas.arrowAtEnd(s, w, r1, ppu), Atlas.arrowAtEnd(s, w, r1, ppu, true)]; }""",
            [pts.tolist(), width, start, end, ppu],
        )
        for py, got in ((shape.head, js[0]), (shape.taper, js[1])):
            assert np.allclose(got["line"], py[0], atol=1e-9)
            assert np.allclose(got["head"], py[1], atol=1e-9)
        # a point is exactly as wide as its line; a head wider
        assert np.hypot(*(shape.taper[1][1] - shape.taper[1][2])) * ppu == pytest.approx(width)
        assert np.hypot(*(shape.head[1][1] - shape.head[1][2])) * ppu > width
    # two heads touching and a third apart: the second gives way to the first (larger) one
    a = np.array([[0.0, 0.0], [4.0, 1.0], [4.0, -1.0]])
    heads = [a, a + np.array([0.5, 0.5]), a + np.array([10.0, 0.0])]
    assert choose_heads(heads, 0.1) == [True, False, True]
    rng = np.random.default_rng(7)
    many = [rng.uniform(0, 20, size=(1, 2)) + rng.uniform(-2, 2, size=(3, 2)) for _ in range(40)]
    js = page.js("([h, m]) => Atlas.chooseHeads(h, m)", [[h.tolist() for h in many], 0.5])
    assert js == choose_heads(many, 0.5) and 0 < sum(js) < 40
    items = [
        LabelItem(str(i), float(x), float(y), float(r), 40.0 + 5 * i, 14.0)
        for i, (x, y, r) in enumerate(rng.uniform([0, 0, 3], [200, 120, 20], size=(15, 3)))
    ]
    circles = [(it.x, it.y, it.r) for it in items]
    py = place_labels(items, circles)
    js = page.js(
        "([items, circles]) => Atlas.placeLabels(items, circles)",
        [[it.__dict__ for it in items], circles],
    )
    assert [(p["key"], p["leader"]) for p in js] == [(p.key, p.leader) for p in py]
    assert np.allclose([p["box"] for p in js], [p.box for p in py], atol=1e-9)
    page.close()


# The world's outline and the map's box in container pixels, what Leaflet thinks its size is,
# and where the legend lies.
BOXES = """() => {
    const m = atlas.map, box = m.getContainer().getBoundingClientRect();
    let x0 = Infinity, y0 = Infinity, x1 = -Infinity, y1 = -Infinity;
    Atlas.outline.forEach(pt => { const p = m.latLngToContainerPoint([pt[1], pt[0]]);
        x0 = Math.min(x0, p.x); y0 = Math.min(y0, p.y);
        x1 = Math.max(x1, p.x); y1 = Math.max(y1, p.y); });
    const side = document.getElementById('atlas-side').getBoundingClientRect();
    let widest = 0;
    m.eachLayer(l => {
        if (l.atlas && l.atlas.kind === 'flow') widest = Math.max(widest, l.options.weight);
    });
    return {box: [box.left, box.top, box.width, box.height], size: [m.getSize().x, m.getSize().y],
            world: [x0, y0, x1, y1], side: [side.top, side.height], widest: widest};
}"""


def assert_world_fits(b: dict) -> None:
    _, _, w, h = b["box"]
    assert b["size"] == [round(w), round(h)] or b["size"] == [int(w), int(h)]
    x0, y0, x1, y1 = b["world"]
    assert x0 >= -1 and y0 >= -1 and x1 <= w + 1 and y1 <= h + 1, b
    # the world fills most of the box's width or height (zoom goes by quarter steps)
    assert x1 - x0 >= 0.8 * w or y1 - y0 >= 0.8 * h, b


@pytest.mark.parametrize("size", [(390, 844), (768, 1024)])
def test_small_screens_draw_the_whole_world_on_every_load(browser, hub_pages, size) -> None:
    """The map lays itself out once the legend beside it is filled: the whole world on every
    load (the map used to be laid out for the box it had before the sidebar was filled, and was
    drawn low and clipped on 7 loads in 8), the legend under the map, foldable."""
    for _load in range(5):
        page = Opened(browser, hub_pages["flows"], size=size, hash_=HUB)
        b = page.js(BOXES)
        assert_world_fits(b)
        # the legend lies under the map, and the map is as tall as the world needs
        assert b["side"][0] >= b["box"][1] + b["box"][3] - 1
        assert b["world"][3] - b["world"][1] >= 0.8 * b["box"][3]
        # lines shrink with the world: 18 px at 800 px of world width and more
        world_px = b["world"][2] - b["world"][0]
        assert b["widest"] == pytest.approx(18 * max(0.4, min(1.0, world_px / 800)), abs=0.1)
        page.close()
    page = Opened(browser, hub_pages["flows"], size=size, hash_=HUB)
    before = page.js(BOXES)
    page.page.click("#atlas-side-toggle")  # fold the legend: the map takes the screen
    page.page.wait_for_function(f"() => atlas.map.getSize().y > {before['size'][1] + 100}")
    folded = page.js(BOXES)
    assert folded["box"][3] > before["box"][3] + 100 and folded["side"][1] < before["side"][1]
    assert_world_fits(folded)
    assert page.page.locator("#direction-key").is_visible()  # the colour key stays
    assert not page.page.locator("#download-svg").is_visible()
    page.close()
    balance = Opened(browser, hub_pages["balance"], size=size)
    assert_world_fits(balance.js(BOXES))
    balance.close()
