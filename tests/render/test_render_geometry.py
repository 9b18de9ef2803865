"""Map data and geometry without a browser: projection, routes, arrowheads, scales, views."""

from __future__ import annotations

import csv
import html
import json
import re
import stat
import xml.etree.ElementTree as ET
from itertools import permutations
from pathlib import Path

import duckdb
import numpy as np
import pytest
import shapely
from conftest import cross_border_pairs_per_layer, mini_atlas

from bench.folium_page import inline_assets
from pipeline.render import render_all
from pipeline.render.assets import RemoteAssetError, assert_self_contained
from pipeline.render.balance import balance_records, fill
from pipeline.render.balance import page_data as balance_page_data
from pipeline.render.curves import (
    arrow_at_end,
    crosses_edge,
    head_size,
    region_centres,
    route,
    sample,
)
from pipeline.render.flow_data import flow_records, flow_view, series_maxima
from pipeline.render.flows import flow_map_data, page_data
from pipeline.render.projection import WorldProjection, delta_decode, delta_encode
from pipeline.render.style import (
    BALANCE_BUYER,
    GROSS_SOLD,
    MAX_WIDTH_PX,
    MIN_WIDTH_PX,
    balance_class,
    balance_colour,
    width_px,
)
from pipeline.render.text import esc, esc_full, json_for_script
from pipeline.util.atomic import write_atomic

USA = (-98.5, 39.5)
CAN = (-101.0, 57.0)
PHL = (122.0, 12.5)
AUS = (134.0, -25.0)
GBR = (-1.5, 52.5)
IND = (78.5, 22.0)
JPN = (138.0, 36.0)
BGD = (90.3, 23.7)
VNM = (105.8, 21.0)
REFERENCE = Path(__file__).parents[2] / "data" / "reference" / "countries.csv"


@pytest.fixture(scope="module")
def proj() -> WorldProjection:
    return WorldProjection()


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return mini_atlas()


def _inside(proj: WorldProjection, pts: np.ndarray) -> bool:
    outline = proj.outline_polygon.buffer(1e-6)
    return bool(np.all(shapely.covers(outline, shapely.points(pts))))


def _label_points(limit: int = 60) -> list[tuple[float, float]]:
    with REFERENCE.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["lon"] and r["lat"]]
    step = max(1, len(rows) // limit)
    return [(float(r["lon"]), float(r["lat"])) for r in rows[::step]]


def test_equal_earth_world_is_one_convex_shape_without_clamping(proj) -> None:
    outline = proj.outline_polygon
    assert outline.is_valid and outline.convex_hull.area == pytest.approx(outline.area)
    # the poles are lines, not clamped points: 89.9 degrees north is still drawn, near the top
    top = proj.outline[:, 1].max()
    assert proj.point(78.5, 89.9)[1] == pytest.approx(top, rel=1e-3)
    assert proj.point(78.5, 89.9)[1] < top + 1e-9
    # centred on 11 E: the cut runs through the Pacific, at the outline's east and west edges
    east, west = proj.point(-169.0 - 1e-9, 0.0), proj.point(-169.0 + 1e-9, 0.0)
    assert east[0] == pytest.approx(proj.outline[:, 0].max()) and west[0] == -east[0]


def test_encoded_rings_round_trip_to_ten_kilometres(proj) -> None:
    ring = proj.outline
    back = delta_decode(delta_encode(ring))
    assert np.abs(back - ring).max() <= 0.05 + 1e-9


def test_pacific_flows_are_split_at_the_edge_and_others_are_not(proj) -> None:
    for seller, buyer in [(PHL, USA), (USA, PHL), (PHL, CAN), (AUS, USA), (JPN, USA)]:
        r = route(proj, seller, buyer)
        assert r.split and len(r.pieces) == 2, (seller, buyer)
        leave, enter = r.edge_points()
        assert leave[1] == pytest.approx(enter[1])  # same latitude on both edges
        assert leave[0] == pytest.approx(-enter[0])  # opposite edges
        assert r.pieces[0][0] == pytest.approx(proj.point(*seller))
        assert r.pieces[-1][-1] == pytest.approx(proj.point(*buyer))
    for seller, buyer in [(IND, USA), (GBR, IND), (IND, GBR), (USA, GBR)]:
        r = route(proj, seller, buyer)
        assert not r.split, (seller, buyer)
    assert crosses_edge(proj, PHL[0], USA[0]) and not crosses_edge(proj, IND[0], USA[0])
    # the shorter way on the globe: Viet Nam is 155.6° east of the United States (the fixed
    # 60° rule once sent it 204.4° west, over Eurasia), India 177° west, Bangladesh 171.2° east
    assert route(proj, VNM, USA).split and route(proj, BGD, USA).split
    # ... judged from the centre of the seller's sub-region, Bangladesh goes India's way
    assert not route(proj, BGD, USA, seller_centre=IND[0]).split


def test_neighbouring_origins_go_the_same_way_to_one_buyer(proj) -> None:
    """For every buyer, all the countries of one UN M49 sub-region go the same way round the
    world; the Philippines, Viet Nam, Indonesia and China cross the Pacific to the United
    States, India, Bangladesh and Pakistan the Atlantic."""
    with REFERENCE.open(encoding="utf-8") as handle:
        rows = [r for r in csv.DictReader(handle) if r["lon"] and r["lat"]]
    countries = [
        {"country_code": r["country_code"], "lon": float(r["lon"]), "subregion": r["subregion"]}
        for r in rows
    ]
    centres = region_centres(countries)
    point = {r["country_code"]: (float(r["lon"]), float(r["lat"])) for r in rows}
    buyers = ["USA", "CAN", "GBR", "AUS", "JPN", "BRA", "ZAF", "IND"]
    for buyer in buyers:
        ways: dict[str, set[bool]] = {}
        for c in countries:
            if c["country_code"] == buyer:
                continue
            ways.setdefault(c["subregion"], set()).add(
                crosses_edge(proj, centres[c["country_code"]], point[buyer][0])
            )
        assert all(len(w) == 1 for w in ways.values()), buyer

    def split(seller: str) -> bool:
        return route(proj, point[seller], point["USA"], seller_centre=centres[seller]).split

    assert all(split(c) for c in ("PHL", "VNM", "IDN", "CHN", "THA", "MYS"))
    assert not any(split(c) for c in ("IND", "BGD", "PAK", "LKA", "NPL"))


def test_reciprocal_flows_lie_on_opposite_sides_and_long_flows_bow_more(proj) -> None:
    there = route(proj, IND, GBR).pieces[0]
    back = route(proj, GBR, IND).pieces[0]
    chord = there[2] - there[0]

    def side(point: np.ndarray) -> float:
        rel = point - there[0]
        return float(np.sign(chord[0] * rel[1] - chord[1] * rel[0]))

    assert side(sample(there)[12]) == -side(sample(back)[12]) != 0

    def bow(ctrl: np.ndarray) -> float:
        mid = (ctrl[0] + ctrl[2]) / 2
        return float(np.hypot(*(ctrl[1] - mid)) / np.hypot(*(ctrl[2] - ctrl[0])))

    short = route(proj, (2.3, 48.9), (13.4, 52.5)).pieces[0]  # Paris -> Berlin
    long = route(proj, IND, USA).pieces[0]
    assert bow(long) > bow(short) > 0


def test_no_drawn_vertex_leaves_the_world(proj) -> None:
    points = _label_points(40)
    for kind in ("curved", "great-circle"):
        for seller, buyer in permutations(points[:25], 2):
            r = route(proj, seller, buyer, kind)
            assert _inside(proj, r.sampled()), (kind, seller, buyer)


def test_great_circle_option_reaches_the_pole_line_without_clamping(proj) -> None:
    r = route(proj, IND, USA, "great-circle")
    ys = r.sampled()[:, 1]
    assert ys.max() > proj.point(0, 80)[1]  # over the Arctic, as the globe says
    assert _inside(proj, r.sampled())
    assert route(proj, PHL, USA, "great-circle").split
    with pytest.raises(ValueError, match="routes must be one of"):
        route(proj, IND, USA, "straight")


@pytest.mark.parametrize("ppu", [2.0, 8.0])
def test_arrowheads_are_pixel_sized_wider_than_the_line_and_touch_the_circle(proj, ppu) -> None:
    pts = sample(route(proj, IND, GBR).pieces[0], 24)
    for width in (1.0, 6.0, 18.0):
        line, head = arrow_at_end(pts, width, end_radius_px=10.0, px_per_unit=ppu)
        tip = head[0]
        gap_px = np.hypot(*(tip - pts[-1])) * ppu
        assert gap_px == pytest.approx(11.0, abs=0.5)  # circle radius + 1 px
        head_width_px = np.hypot(*(head[1] - head[2])) * ppu
        assert head_width_px == pytest.approx(head_size(width)[1]) and head_width_px > width
        # the line ends inside the head, before the tip
        assert np.hypot(*(line[-1] - pts[-1])) > np.hypot(*(tip - pts[-1]))


def test_width_is_proportional_to_the_volume_capped_and_floored() -> None:
    # India -> United States (16,179 projects in 2015) is twice Bangladesh -> United States
    # (8,032): twice as wide
    assert width_px(16_179, 16_179) == MAX_WIDTH_PX == 18
    assert width_px(8_032, 16_179) == pytest.approx(18 * 8_032 / 16_179, abs=0.01)
    assert width_px(8_032, 16_179) == pytest.approx(8.94, abs=0.01)
    # capped at the largest flow, floored at 1 px (flows under 16,179 / 18 = 899)
    assert width_px(20_000, 16_179) == 18 and width_px(800, 16_179) == MIN_WIDTH_PX == 1
    with pytest.raises(ValueError, match="width scale"):
        width_px(1, 2, "log")


def test_square_root_widths_separate_a_heavy_tail_from_one_to_eighteen_pixels() -> None:
    volumes = 16_179 / np.arange(1, 201) ** 1.05  # heavy-tailed like a real year's top 200
    widths = [width_px(v, volumes[0], "sqrt") for v in volumes]
    assert widths[0] == MAX_WIDTH_PX and min(widths) >= MIN_WIDTH_PX
    assert widths == sorted(widths, reverse=True)
    assert sum(w == MIN_WIDTH_PX for w in widths) < 10  # no floor holding most lines
    assert widths[18] > 3 * widths[-1]  # rank 19 no longer looks like rank 200


def test_flow_view_is_the_top_n_of_the_table(con) -> None:
    records = flow_records(con)
    expected = cross_border_pairs_per_layer(con)
    for i, info in enumerate(records.layers):
        view = flow_view(records, i, top_n=200)
        assert (
            view.flows_total == len(view.flows) == expected[f"{info['source_id']}:{info['year']}"]
        )
    view = flow_view(records, 0, top_n=3)
    assert [(f.seller, f.buyer) for f in view.flows] == [
        ("PHL", "USA"),
        ("IND", "USA"),
        ("IND", "GBR"),
    ]
    # of the layer's whole work: 340 cross-border projects and 50 done at home in the US
    assert view.tasks_total == 390 and view.tasks_shown == 270
    assert view.share_shown_pct == pytest.approx(100 * 270 / 390)
    assert view.tasks_not_named == 0
    assert {f.direction for f in view.flows} == {"south_to_north"}
    assert view.nodes["USA"].internal == 50 and view.nodes["USA"].bought == 120 + 90


def test_focus_keeps_exactly_the_country_flows_and_occupation_filters(con) -> None:
    records = flow_records(con)
    view = flow_view(records, 0, top_n=1, focus="IND")
    assert {(f.seller, f.buyer) for f in view.flows} == {
        ("IND", "USA"),
        ("IND", "GBR"),
        ("GBR", "IND"),
        ("USA", "IND"),
    }
    clerical = flow_view(records, 0, occupation="clerical and data entry")
    assert {(f.seller, f.buyer): f.tasks for f in clerical.flows} == {
        ("PHL", "USA"): 40,
        ("PHL", "CAN"): 30,
        ("USA", "IND"): 5,
    }


def test_kenya_unclassified_by_income_changes_direction_with_the_scheme(con) -> None:
    con.execute(
        "insert into core__tallies (source_id, platform, period_start, period_end, role, "
        "buyer_country_code, seller_country_code, occupation, measure, amount, location) values "
        "('remotework', 'various', '2020-01-01', '2020-12-31', 'pair', 'USA', 'KEN', "
        "'clerical and data entry', 'projects', 7, 'f:13')"
    )
    from pipeline.build.sqlfiles import build_out_tables

    build_out_tables(con)
    records = flow_records(con)
    m49 = {(f.seller, f.buyer): f.direction for f in flow_view(records, 0).flows}
    wb = {(f.seller, f.buyer): f.direction for f in flow_view(records, 0, "wb_high_income").flows}
    assert m49[("KEN", "USA")] == "south_to_north" and wb[("KEN", "USA")] == "unclassified"


def test_one_scale_for_every_year_of_a_source(con) -> None:
    records = flow_records(con)
    layers = {(x["source_id"], x["year"]): i for i, x in enumerate(records.layers)}
    a = series_maxima(records, layers[("remotework", 2020)])
    b = series_maxima(records, layers[("remotework", 2019)])
    # USA 2020: bought 120 + 90, sold 25 + 5, domestic 50
    assert a == b == (120.0, 290.0)
    data = page_data(records, WorldProjection())
    l2019 = next(x for x in data["layers"] if x["year"] == 2019)
    l2020 = next(x for x in data["layers"] if x["year"] == 2020)
    assert (l2019["wmax"], l2019["cmax"]) == (l2020["wmax"], l2020["cmax"])


def test_flow_map_opens_on_the_richest_observed_layer(con) -> None:
    records = flow_records(con)
    assert (records.layers[0]["source_id"], records.layers[0]["year"]) == ("remotework", 2020)
    assert records.layers[-1]["method"] == "estimated"
    layers = balance_records(con)
    assert layers[0].observed and (layers[0].source_id, layers[0].year) == ("remotework", 2020)


def test_page_data_embeds_every_layer_compactly_with_one_route_per_pair(con) -> None:
    records = flow_records(con)
    data = page_data(records, WorldProjection())
    expected = cross_border_pairs_per_layer(con)
    for layer in data["layers"]:
        pairs = {layer["rows"][i] for i in range(0, len(layer["rows"]), 4)}
        assert len(pairs) == expected[f"{layer['source']}:{layer['year']}"]
    assert len(data["pairs"]) == len({tuple(p[:2]) for p in data["pairs"]})
    codes = data["countries"]["code"]
    split = [p for p in data["pairs"] if len(p) > 3]
    assert {(codes[p[0]], codes[p[1]]) for p in split} == {
        ("PHL", "USA"),
        ("PHL", "CAN"),
        ("USA", "AUS"),
    }
    assert set(data["groups"]) == {"un_m49_developed", "wb_high_income"}


def test_page_data_carries_the_database_directions_for_every_scheme(con) -> None:
    """flows.js reads each pair's direction from the page data, which holds the database's
    (macro work_direction) for every scheme: neither Python nor the page derives one."""
    con.execute(
        "insert into core__tallies (source_id, platform, period_start, period_end, role, "
        "buyer_country_code, seller_country_code, occupation, measure, amount, location) values "
        "('remotework', 'various', '2020-01-01', '2020-12-31', 'pair', 'USA', 'KEN', "
        "'clerical and data entry', 'projects', 7, 'f:13')"
    )
    from pipeline.build.sqlfiles import build_out_tables

    build_out_tables(con)  # Kenya: South by UN M49, no World Bank income group
    records = flow_records(con)
    data = page_data(records, WorldProjection())
    codes, pairs = data["countries"]["code"], data["pairs"]
    names, by_scheme = data["directions"]["names"], data["directions"]["by_scheme"]
    assert set(by_scheme) == set(data["groups"]) == {"un_m49_developed", "wb_high_income"}
    for scheme, indexes in by_scheme.items():
        database = dict(
            ((s, b), d)
            for s, b, d in con.execute(
                "select distinct f.seller_country_code, f.buyer_country_code, "
                "work_direction(s.is_north, b.is_north) from out__flows f "
                "left join core__country_groups s on s.country_code = f.seller_country_code "
                "and s.scheme = $scheme "
                "left join core__country_groups b on b.country_code = f.buyer_country_code "
                "and b.scheme = $scheme where f.buyer_country_code <> f.seller_country_code",
                {"scheme": scheme},
            ).fetchall()
        )
        page = {(codes[p[0]], codes[p[1]]): names[i] for p, i in zip(pairs, indexes, strict=True)}
        assert page == {pair: database[pair] for pair in page}
        # the Python view (print version, tests) reads the same
        for layer in range(len(records.layers)):
            view = flow_view(records, layer, scheme, top_n=200)
            assert {(f.seller, f.buyer): f.direction for f in view.flows}.items() <= page.items()
    kenya = pairs.index(next(p for p in pairs if (codes[p[0]], codes[p[1]]) == ("KEN", "USA")))
    assert names[by_scheme["un_m49_developed"][kenya]] == "south_to_north"
    assert names[by_scheme["wb_high_income"][kenya]] == "unclassified"


def test_balance_classes_are_one_rule_for_page_and_print(con) -> None:
    # net: classes 0-2 sellers, 3-5 buyers (strongest first), 6 balanced; None: one side only
    net = [balance_class("net", v, 100) for v in (50, 5, 1, 0, -50, -5, -0.5, None)]
    assert net == [0, 1, 2, 6, 3, 4, 5, None]
    gross = [balance_class("bought", v, 100) for v in (31, 30, 10, 1, 0.5, 0, None)]
    assert gross == [0, 1, 2, 3, 3, 3, None]
    assert balance_colour("net", -5, 100) == BALANCE_BUYER[1]
    assert balance_colour("sold", 31, 100) == GROSS_SOLD[0]
    # the page is given each country's class; its colour is the print version's fill
    layers = balance_records(con)
    data = balance_page_data(layers, WorldProjection())
    for layer, page_layer in zip(layers, data["layers"], strict=True):
        for view in ("net", "bought", "sold"):
            colours = data["style"]["balance_classes"][view]
            assert [None if k is None else colours[k] for k in page_layer["classes"][view]] == [
                fill(layer, r, view) for r in layer.rows
            ]
        assert page_layer["limits"]["net"] == [0.01 * layer.max_abs_net, 0.1 * layer.max_abs_net]


def test_legacy_features_match_the_database(con) -> None:
    data = flow_map_data(con, top_n=200)
    expected = cross_border_pairs_per_layer(con)
    got = {f"{layer.source_id}:{layer.year}": len(layer.lines) for layer in data.layers}
    assert got == expected
    layer = data.layers[0]
    usa = next(n["properties"] for n in layer.nodes if n["properties"]["code"] == "USA")
    assert usa["internal"] == 50 and usa["bought"] == 210


def test_hostile_strings_are_escaped_and_bounded() -> None:
    attack = "<script>alert(1)</script>"
    assert "<" not in esc(attack) and html.unescape(esc(attack)) == attack
    assert len(html.unescape(esc("x" * 1000, 300))) == 300
    island = json_for_script({"name": attack + "</script><!--"})
    assert "<" not in island and json.loads(island)["name"].startswith(attack)
    cut = esc_full("Kässi, O., Hadley, C. & Lehdonvirta, V. (2019), Online <b>x</b> tail", 40)
    assert "<b>" not in cut and cut.startswith('<span class="cut" title="')


def test_inlining_leaves_no_remote_asset_and_refuses_unknown_ones() -> None:
    page = (
        '<script src="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.js"></script>'
        '<link rel="stylesheet" href="https://cdn.jsdelivr.net/npm/leaflet@1.9.3/dist/leaflet.css"/>'
        '<script src="https://code.jquery.com/jquery-3.7.1.min.js"></script>'
    )
    out = inline_assets(page)
    assert "L.Icon.Default" in out and "jQuery" in out and "data:image/png" in out
    with pytest.raises(RemoteAssetError):
        inline_assets('<script src="https://example.org/other.js"></script>')
    with pytest.raises(RemoteAssetError):
        assert_self_contained('<img src="http://example.org/a.png">')


def test_outputs_are_written_atomically(tmp_path) -> None:
    target = tmp_path / "a" / "page.html"
    write_atomic(target, "one")
    write_atomic(target, b"two")
    assert target.read_text() == "two"
    assert [p.name for p in target.parent.iterdir()] == ["page.html"]
    assert stat.S_IMODE(target.stat().st_mode) & 0o044  # readable by others, not 0600


def test_every_page_and_print_version_is_written_and_escaped(con, tmp_path) -> None:
    pages = render_all(con, tmp_path, print_versions=True)
    assert [p.name for p in pages] == ["flows.html", "balance.html", "claims.html", "index.html"]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert '<html lang="en">' in text and re.search(r"<title>[^<]+</title>", text)
        assert "<script>alert(" not in text and "<img src=https://evil" not in text, page.name
        assert_self_contained(text)
        island = re.search(r'<script type="application/json" id="atlas-data">(.*?)</script>', text)
        assert island, page.name
        json.loads(island.group(1))
    for name in ("flows", "balance", "claims"):
        root = ET.parse(tmp_path / f"{name}.svg").getroot()
        assert root.tag.endswith("svg")
        from PIL import Image

        with Image.open(tmp_path / f"{name}.png") as png:
            assert round(png.info["dpi"][0]) == 300 and png.size[0] >= 3000
    svg = (tmp_path / "flows.svg").read_text(encoding="utf-8")
    # remotework 2020: all 7 cross-border flows, 340 of its 390 projects (50 done in the US)
    assert "7 of 7 flows, 87.2% of the work shown" in svg
    assert not [p for p in tmp_path.iterdir() if ".tmp" in p.name]


def test_print_claims_map_keys_the_verdicts(con, tmp_path) -> None:
    from pipeline.render.claims import VERDICT_FILL
    from pipeline.render.print_maps import print_claims
    from pipeline.render.projection import WorldProjection
    from pipeline.render.queries import query_rows

    svg = print_claims(con, WorldProjection(), tmp_path, "curved")[0].read_text(encoding="utf-8")
    # every text stays an SVG <text> (svg.fonttype none), editable in a drawing program
    for verdict in VERDICT_FILL:
        assert f">{verdict}</text>" in svg
    assert ">C1 (supported): Rich countries buy, Asia works</text>" in svg
    # the counts, then the claim's market, on as many lines as they take
    texts = " ".join(re.findall(r">([^<]*)</text>", svg))
    assert "1 sources disagree, 1 contradicted, 1 no data; market: online_freelance" in texts
    assert "2 not measured; market: click_farm_social_fakes" in texts
    # a mark per drawn party, filled with its verdict's colour, and one in the key
    drawn = [r["party_verdict"] for r in query_rows(con, "claims_check") if r["is_drawn"]]
    assert set(drawn) == set(VERDICT_FILL) - {"no data"}
    for verdict in ("supported", "borderline", "sources disagree", "contradicted", "not measured"):
        assert svg.count(f"fill: {VERDICT_FILL[verdict]}") == drawn.count(verdict) + 1


def test_flow_view_takes_a_smallest_flow_and_a_focus_mode(con) -> None:
    records = flow_records(con)
    # remotework 2020: 120, 90, 60, 30, 25, 10, 5 projects; at least 25: five flows
    view = flow_view(records, 0, min_value=25)
    assert [f.tasks for f in view.flows] == [120, 90, 60, 30, 25]
    assert view.tasks_shown == 325 and view.flows_total == 7
    bought = flow_view(records, 0, focus="IND", mode="in")
    assert {(f.seller, f.buyer) for f in bought.flows} == {("GBR", "IND"), ("USA", "IND")}
    sold = flow_view(records, 0, focus="IND", mode="out", min_value=61)
    assert [(f.seller, f.buyer, f.tasks) for f in sold.flows] == [("IND", "USA", 90)]
    with pytest.raises(ValueError, match="focus mode"):
        flow_view(records, 0, focus="IND", mode="sideways")
