"""Map geometry and content: antimeridian-safe arcs, honest scales, escaped text, counts."""

from __future__ import annotations

import html
import json
import re

import duckdb
import numpy as np
import pytest
import shapely
from conftest import cross_border_pairs_per_layer, mini_atlas

from pipeline.render.assets import RemoteAssetError, assert_self_contained, inline_assets
from pipeline.render.flows import flow_map_data
from pipeline.render.geometry import (
    AreaScale,
    LinearScale,
    NodePlacer,
    arrowhead,
    choose_centre,
    great_circle,
    max_lon_step,
    shift_to_centre,
    unwrap_lons,
)
from pipeline.render.text import esc, esc_full, json_for_script

USA = (-98.5, 39.5)
CAN = (-101.0, 57.0)
PHL = (122.0, 12.5)
AUS = (134.0, -25.0)
GBR = (-1.5, 52.5)


@pytest.fixture
def con() -> duckdb.DuckDBPyConnection:
    return mini_atlas()


def _same_lon(a: float, b: float) -> bool:
    return abs(((a - b + 180) % 360) - 180) < 0.02


@pytest.mark.parametrize(
    ("start", "end"),
    [(USA, PHL), (PHL, USA), (CAN, PHL), (AUS, GBR), (GBR, AUS), (USA, AUS)],
)
def test_great_circle_has_no_jump_and_ends_at_label_points(start, end) -> None:
    line = great_circle(*start, *end)
    assert max_lon_step(line) < 180
    assert line[0, 0] == pytest.approx(start[0]) and line[0, 1] == pytest.approx(start[1])
    assert _same_lon(line[-1, 0], end[0]) and line[-1, 1] == pytest.approx(end[1])
    assert 2 <= len(line) <= 96


def test_us_to_philippines_crosses_the_pacific_not_africa() -> None:
    line = great_circle(*USA, *PHL)
    # westward over the Pacific: longitudes fall below -180 instead of passing 0
    assert line[:, 0].min() < -180
    assert not np.any(np.abs(line[:, 0]) < 10)


def test_australia_to_uk_goes_over_asia() -> None:
    line = great_circle(*AUS, *GBR)
    mid = line[len(line) // 2]
    assert 40 < mid[0] < 110 and mid[1] > 10


def test_vertices_grow_with_distance_and_are_capped() -> None:
    short = great_circle(0, 50, 4, 50)
    long = great_circle(*USA, *PHL)
    assert len(short) < len(long) <= 96


def test_unwrap_removes_every_jump() -> None:
    lons = unwrap_lons([170, 179, -179, -170, 175])
    assert np.all(np.abs(np.diff(lons)) <= 180)
    assert lons.tolist() == [170, 179, 181, 190, 175]


def test_shift_puts_whole_line_near_centre_without_breaking_it() -> None:
    line = great_circle(*USA, *PHL)
    shifted = shift_to_centre(line, 150.0)
    assert max_lon_step(shifted) == max_lon_step(line)
    assert abs((shifted[:, 0].min() + shifted[:, 0].max()) / 2 - 150) <= 180


def test_pacific_flows_get_a_pacific_centre_and_no_duplicate_nodes() -> None:
    lines = [
        ("PHL", "USA", great_circle(*PHL, *USA)),
        ("PHL", "CAN", great_circle(*PHL, *CAN)),
        ("USA", "AUS", great_circle(*USA, *AUS)),
    ]
    centre = choose_centre(lines)
    placer = NodePlacer(centre)
    for a, b, c in lines:
        s = shift_to_centre(c, centre)
        placer.add(a, s[0, 0])
        placer.add(b, s[-1, 0])
    assert 90 <= centre % 360 <= 220  # Pacific-centred, however it is written
    for code, lon in [("USA", USA[0]), ("PHL", PHL[0]), ("AUS", AUS[0])]:
        assert len(placer.lons(code, lon)) == 1


def test_arrowhead_points_at_the_line_end() -> None:
    line = great_circle(*PHL, *USA)
    tri = arrowhead(line, 3.0)
    tip = tri[0]
    base_mid = (tri[1] + tri[2]) / 2
    end = line[-1]
    assert np.hypot(*(tip - end)) < np.hypot(*(base_mid - end))
    assert np.hypot(*(tip - end)) < 3


def test_width_scale_is_linear_from_zero() -> None:
    scale = LinearScale(max_value=200.0, max_px=12.0, floor_px=0.6)
    assert scale(0) == 0
    assert scale(200) == 12
    assert scale(50) * 2 == pytest.approx(scale(100))
    assert scale.drawn(0.001) == 0.6


def test_circle_area_is_proportional_to_value() -> None:
    scale = AreaScale(max_value=100.0, max_radius_px=20.0)
    assert scale(25) ** 2 * 4 == pytest.approx(scale(100) ** 2)


def test_hostile_strings_are_escaped_and_bounded() -> None:
    attack = "<script>alert(1)</script>"
    assert "<" not in esc(attack) and html.unescape(esc(attack)) == attack
    assert len(html.unescape(esc("x" * 1000, 300))) == 300
    island = json_for_script({"name": attack + "</script><!--"})
    assert "<" not in island and json.loads(island)["name"].startswith(attack)


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


def test_flow_features_match_the_database(con) -> None:
    data = flow_map_data(con, top_n=200)
    expected = cross_border_pairs_per_layer(con)
    got = {f"{layer.source_id}:{layer.year}": layer.flows_shown for layer in data.layers}
    assert got == expected
    island = data.island()
    assert [(x["flows_shown"], x["flows_total"]) for x in island["layers"]] == [
        (expected[f"{x['source_id']}:{x['year']}"],) * 2 for x in island["layers"]
    ]


def test_flow_lines_end_at_their_circles_and_never_jump(con) -> None:
    data = flow_map_data(con, top_n=200)
    for layer in data.layers:
        nodes = {}
        for f in layer.nodes:
            nodes.setdefault(f["properties"]["code"], []).append(f["geometry"]["coordinates"])
        for f in layer.lines:
            if f["properties"]["kind"] != "flow":
                continue
            coords = np.array(f["geometry"]["coordinates"])
            assert max_lon_step(coords) < 180
            for code, point in [
                (f["properties"]["seller_code"], coords[0]),
                (f["properties"]["buyer_code"], coords[-1]),
            ]:
                assert any(np.allclose(point, n, atol=0.02) for n in nodes[code]), code


def test_domestic_work_is_a_circle_figure_not_a_line(con) -> None:
    data = flow_map_data(con, top_n=200)
    layer = next(x for x in data.layers if (x.source_id, x.year) == ("remotework", 2020))
    assert all(f["properties"]["buyer_code"] != f["properties"]["seller_code"] for f in layer.lines)
    usa = next(f for f in layer.nodes if f["properties"]["code"] == "USA")
    assert usa["properties"]["internal"] == "50 projects"
    assert usa["properties"]["bought"] == "120 projects"


def test_widths_follow_volumes_in_each_layer(con) -> None:
    data = flow_map_data(con, top_n=200)
    layer = next(x for x in data.layers if (x.source_id, x.year) == ("remotework", 2020))
    flows = {
        (f["properties"]["seller_code"], f["properties"]["buyer_code"]): f["properties"]
        for f in layer.lines
        if f["properties"]["kind"] == "flow"
    }
    assert flows[("PHL", "USA")]["volume"] == "120 projects (2 occupations)"
    assert flows[("PHL", "USA")]["weight"] == pytest.approx(12.0)
    assert flows[("IND", "GBR")]["weight"] == pytest.approx(12.0 * 60 / 120)
    assert flows[("PHL", "USA")]["share"].startswith("49")


def test_top_n_is_reported_as_n_of_m(con) -> None:
    data = flow_map_data(con, top_n=2)
    layer = next(x for x in data.layers if (x.source_id, x.year) == ("remotework", 2020))
    summary = layer.summary(True)
    assert (summary["flows_shown"], summary["flows_total"]) == (2, 5)
    kept = {f["properties"]["seller_code"] for f in layer.lines}
    assert kept == {"PHL", "IND"}  # the two largest: PHL->USA 120, IND->GBR 60


def test_hostile_data_is_escaped_in_every_page(con, tmp_path) -> None:
    from pipeline.render import render_all

    pages = render_all(con, tmp_path, top_n=200)
    assert [p.name for p in pages] == ["flows.html", "balance.html", "claims.html", "index.html"]
    for page in pages:
        text = page.read_text(encoding="utf-8")
        assert "<script>alert(" not in text, page.name
        assert "<img src=https://evil" not in text, page.name
        assert_self_contained(text)
        island = re.search(r'<script type="application/json" id="atlas-data">(.*?)</script>', text)
        assert island, page.name
        json.loads(island.group(1))
    claims = (tmp_path / "claims.html").read_text(encoding="utf-8")
    # shown as text: escaped in the legend, and escaped then JSON-encoded in tooltip data
    assert "Kenya &lt;script&gt;alert(3)&lt;/script&gt;" in claims
    assert "\\u0026lt;script\\u0026gt;alert(1)" in claims


def test_long_text_is_cut_between_words_and_kept_whole_in_the_title() -> None:
    text = "Kässi, O., Hadley, C. & Lehdonvirta, V. (2019), Online Labour Index <b>x</b> tail"
    short = html.unescape(esc(text, 40))
    assert short.endswith("…") and len(short) <= 40
    assert text.startswith(short[:-1])  # nothing added, nothing reordered
    # the cut falls where a word ends (before a space or the punctuation dropped with it)
    assert text[len(short) - 1] in " ,;:.-("
    assert short[:-1].split()[-1] in text.split() or text.split()[
        len(short[:-1].split()) - 1
    ].startswith(short[:-1].split()[-1])
    cut = esc_full(text, 40)
    assert "<b>" not in cut and cut.startswith('<span class="cut" title="')
    title = re.search(r'title="([^"]*)"', cut).group(1)
    assert html.unescape(title) == text
    # short text is left as it is, without a title
    assert esc_full("short", 40) == "short"


def test_copies_of_a_circle_carry_the_same_tooltip(con) -> None:
    data = flow_map_data(con, top_n=200)
    copies = 0
    for layer in data.layers:
        by_code: dict[str, list[dict]] = {}
        for f in layer.nodes:
            by_code.setdefault(f["properties"]["code"], []).append(f)
        for features in by_code.values():
            for f in features[1:]:
                copies += 1
                assert f["properties"] == features[0]["properties"]
                assert f["geometry"]["coordinates"][1] == features[0]["geometry"]["coordinates"][1]
    # IND -> USA over the pole and PHL -> USA over the Pacific reach the US from both sides
    assert copies >= 1


def test_background_clips_even_shapes_that_rounding_made_invalid() -> None:
    from pipeline.render.background import Background, _clip, load_countries

    bowtie = shapely.Polygon([(0, 0), (2, 2), (2, 0), (0, 2), (0, 0)])
    assert not bowtie.is_valid
    part = _clip(bowtie, 1.0, 3.0)
    assert part.geom_type in ("Polygon", "MultiPolygon") and part.bounds[0] >= 1.0
    # the range a zoomed-out, legend-padded flow map asks for (it reaches the Cayman Islands'
    # rounded ring, which GEOS cannot clip as it is)
    features = Background.from_frame(load_countries()).features((-440.0, 280.0))
    assert features and all(f["geometry"]["coordinates"] for f in features)
