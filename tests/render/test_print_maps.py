"""The print versions (maps/*.svg, maps/*.png) as a journal would take them: every key, the
source in full, text that stays text, no blank bands, claims in order and labels apart."""

from __future__ import annotations

import itertools
import re
import xml.etree.ElementTree as ET
from pathlib import Path

import duckdb
import numpy as np
import pytest
from conftest import mini_atlas
from matplotlib.font_manager import FontProperties
from matplotlib.textpath import TextPath
from PIL import Image

from pipeline.render.claims import claim_colours
from pipeline.render.flow_data import flow_records
from pipeline.render.labels import LabelItem, place_labels
from pipeline.render.print_maps import print_balance, print_claims, print_flows
from pipeline.render.projection import WorldProjection

SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture(scope="module")
def con() -> duckdb.DuckDBPyConnection:
    return mini_atlas()


def texts(svg: Path) -> list[ET.Element]:
    return list(ET.parse(svg).getroot().iter(f"{SVG}text"))


def longest_blank_run(png: Path) -> tuple[float, float]:
    """The longest run of wholly white rows and of wholly white columns, as fractions of the
    image's height and width."""
    with Image.open(png) as im:
        grey = np.asarray(im.convert("L")) > 250

    def run(blank: np.ndarray) -> int:
        best = cur = 0
        for b in blank:
            cur = cur + 1 if b else 0
            best = max(best, cur)
        return best

    return run(grey.all(axis=1)) / grey.shape[0], run(grey.all(axis=0)) / grey.shape[1]


def test_flows_print_carries_every_key_and_the_full_source_as_text(con, tmp_path) -> None:
    svg, png = print_flows(
        flow_records(con), WorldProjection(), tmp_path, "un_m49_developed", 100, "curved"
    )
    words = [t.text or "" for t in texts(svg)]
    assert "Who buys online work, and where it is done" in words
    for key in (
        "South → North",
        "North → North",
        "South → South",
        "North → South",
        "observed (counted)",
        "estimated (modelled from published shares)",
    ):
        assert key in words
    # width key: round volumes at 1, 1/2, 1/4 and 1/10 of the largest flow of the source
    # (Philippines -> United States, 120 projects in 2020), and how widths are scaled
    assert {"100", "60", "30", "10"} <= set(words)
    assert (
        "Line width is proportional to the volume, capped at 18 px for the largest flow of the "
        "source (120 projects); flows under 6.7 are drawn 1 px wide."
    ) in " ".join(words)
    # circle key: the largest country total, the US in 2020: 120 + 90 bought abroad, 25 + 5
    # sold abroad, 50 at home = 290
    assert {"250", "70", "10"} <= set(words)
    assert {"North", "South", "not classified"} <= set(words)
    # the citation whole, wrapped over lines at spaces, never cut
    assert "Braesemann et al. (2022) <img src=https://evil.example/x.png>" in " ".join(words)
    # every flow drawn: 340 of the whole 390, the United States' domestic 50 being no line
    assert any(w.startswith("7 of 7 flows, 87.2% of the work shown") for w in words)
    # text stays text, in declared fonts: no glyph outlines
    raw = svg.read_text(encoding="utf-8")
    assert "DejaVuSans-" not in raw
    assert all("font-family: 'DejaVu Sans'" in t.get("style", "") for t in texts(svg))
    with Image.open(png) as im:
        assert round(im.info["dpi"][0]) == 300 and im.size[0] >= 3000
    rows, cols = longest_blank_run(png)
    assert rows < 0.04 and cols < 0.04


def test_balance_print_has_its_key_and_full_source_without_blank_bands(con, tmp_path) -> None:
    from pipeline.render.balance import balance_records

    svg, png = print_balance(balance_records(con), WorldProjection(), tmp_path)
    words = [t.text or "" for t in texts(svg)]
    assert "Balance of online work: who sells more than it buys" in words
    assert "balanced (net 0)" in words and "no data" in words
    assert "Braesemann et al. (2022) <img src=https://evil.example/x.png>" in " ".join(words)
    rows, cols = longest_blank_run(png)
    assert rows < 0.04 and cols < 0.04


def label_boxes(svg: Path) -> dict[str, tuple[float, float, float, float]]:
    """The country labels of a print SVG (bold 7.5 px, centred) and their boxes, measured
    with the font the SVG declares."""
    out = {}
    for t in texts(svg):
        style = t.get("style", "")
        if "font-weight: 700" not in style or "text-anchor: middle" not in style:
            continue
        size = float(re.search(r"font-size: ([0-9.]+)px", style).group(1))
        ext = TextPath(
            (0, 0), t.text, size=size, prop=FontProperties(family="DejaVu Sans", weight="bold")
        ).get_extents()
        x, y = float(t.get("x")), float(t.get("y"))
        out[t.text] = (x - ext.width / 2, y - ext.y1, x + ext.width / 2, y - ext.y0)
    return out


def overlaps(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


def test_claims_print_orders_the_claims_numerically_in_distinct_colours(
    shipped_con, tmp_path
) -> None:
    svg = print_claims(shipped_con, WorldProjection(), tmp_path, "curved")[0]
    ids = [
        m.group(1)
        for t in texts(svg)
        if (m := re.match(r"(C[0-9]+) \(", t.text or "")) and "font-size: 8px" in t.get("style")
    ]
    shipped = shipped_con.execute("select count(distinct claim_id) from core__claims").fetchone()
    assert shipped[0] == 11
    assert ids == [f"C{i}" for i in range(1, 12)]
    colours = claim_colours(ids)
    assert len(set(colours.values())) == 11
    raw = svg.read_text(encoding="utf-8")
    assert all(f"stroke: {c}" in raw for c in colours.values())


def test_claims_print_labels_every_country_without_collisions(shipped_con, tmp_path) -> None:
    svg = print_claims(shipped_con, WorldProjection(), tmp_path, "curved")[0]
    boxes = label_boxes(svg)
    drawn = {
        r[0]
        for r in shipped_con.execute(
            "select distinct c.name from core__claims k join core__countries c "
            "on c.country_code = k.country_code where c.lon is not null"
        ).fetchall()
    }
    assert drawn and set(boxes) == drawn
    # Malaysia, Singapore and Indonesia; Nepal, Bangladesh and India: each label stands apart
    clashes = [(a, b) for (a, ba), (b, bb) in itertools.combinations(boxes.items(), 2)]
    assert not [(a, b) for a, b in clashes if overlaps(boxes[a], boxes[b])]


def test_labels_go_beside_their_circles_clear_of_every_circle_and_label() -> None:
    # alone: just right of the circle, 2 units clear of its edge
    [one] = place_labels([LabelItem("A", 0.0, 0.0, 5.0, 40.0, 10.0)], [(0.0, 0.0, 5.0)])
    assert one.box == (7.0, -5.0, 47.0, 5.0) and not one.leader
    # three circles in a tight cluster with long names (Malaysia, Singapore, Indonesia)
    circles = [(0.0, 0.0, 6.0), (6.0, 8.0, 4.0), (14.0, 2.0, 8.0), (40.0, 0.0, 12.0)]
    items = [
        LabelItem(name, x, y, r, 7.0 * len(name), 11.0)
        for name, (x, y, r) in zip(
            ("Indonesia", "Singapore", "Malaysia", "Australia"), circles, strict=True
        )
    ]
    placed = place_labels(items, circles)
    assert [p.key for p in placed] == ["Indonesia", "Singapore", "Malaysia", "Australia"]
    for p, q in itertools.combinations(placed, 2):
        assert not overlaps(p.box, q.box)
    for p in placed:
        for cx, cy, r in circles:
            nx, ny = min(max(cx, p.box[0]), p.box[2]), min(max(cy, p.box[1]), p.box[3])
            assert (nx - cx) ** 2 + (ny - cy) ** 2 >= r**2
    # a label that need not be shown and finds no room is dropped; one that must, is shown
    wall = [(x, y, 30.0) for x in range(-200, 201, 40) for y in range(-200, 201, 40)]
    crowded = [LabelItem("must", 0, 0, 30.0, 60, 12), LabelItem("may", 0, 0, 30.0, 60, 12, False)]
    assert [p.key for p in place_labels(crowded, wall)] == ["must"]
