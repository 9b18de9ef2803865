# ruff: noqa: F811 (the fixtures come from test_maps_browser, imported by name)
"""The maps' own downloads (SVG, PNG, CSV), read back from the files a reader gets: a title, every
key, the view's filters in words, the source in full, no blank bands, the citation in the CSV."""

from __future__ import annotations

import csv
import io
import xml.etree.ElementTree as ET

import numpy as np
import pytest
from PIL import Image
from render.test_maps_browser import (  # noqa: F401 (fixtures, skip marks)
    Opened,
    browser,
    con,
    pages,
    pytestmark,
)

from pipeline.render.projection import WorldProjection

SVG = "{http://www.w3.org/2000/svg}"
CITATION = "Braesemann et al. (2022) <img src=https://evil.example/x.png>"


def svg_words(root: ET.Element) -> list[str]:
    return [t.text or "" for t in root.iter(f"{SVG}text")]


def blank_runs(png: bytes) -> tuple[float, float]:
    """Longest run of wholly white rows / columns, as fractions of the height / width."""
    grey = np.asarray(Image.open(io.BytesIO(png)).convert("L")) > 250

    def run(blank: np.ndarray) -> int:
        best = cur = 0
        for b in blank:
            cur = cur + 1 if b else 0
            best = max(best, cur)
        return best

    return run(grey.all(axis=1)) / grey.shape[0], run(grey.all(axis=0)) / grey.shape[1]


def test_flows_export_carries_the_title_every_key_and_the_whole_source(browser, pages) -> None:
    view = "#source=remotework&year=2020&focus=IND&direction=south_to_north"
    page = Opened(browser, pages["flows"], hash_=view)
    root = ET.fromstring(page.download("#download-svg"))
    words = svg_words(root)
    assert "Who buys online work, and where it is done" in words  # drawn, not only <title>
    for key in ("South → North", "North → North", "South → South", "North → South"):
        assert key in words
    assert "observed (counted)" in words
    assert "estimated (modelled from published shares)" in words
    # what the view leaves out, in words
    text = " ".join(words)
    assert "Only the flows of India (IND)." in text
    assert "Highlighted: South → North; the other directions in grey." in text
    # width key: round volumes at 1, 1/2, 1/4 and 1/10 of the largest flow of remotework
    # (Philippines -> United States, 120 projects in 2020), each as wide as the map draws it
    assert {"100", "60", "30", "10"} <= set(words)
    widths = sorted(
        float(line.get("stroke-width"))
        for line in root.iter(f"{SVG}line")
        if line.get("stroke") == "#666"
    )
    assert widths == pytest.approx([1.5, 4.5, 9, 15], abs=0.01)  # 18 px x volume / 120
    assert "Line width is proportional to the volume, capped at 18 px" in text
    # circle key: the US in 2020, 210 bought + 30 sold abroad + 50 at home = 290 projects
    assert {"250", "70", "10"} <= set(words)
    radii = sorted(
        float(c.get("r")) for c in root.iter(f"{SVG}circle") if c.get("stroke") == "#777"
    )
    assert radii == pytest.approx(sorted(24 * (v / 290) ** 0.5 for v in (250, 70, 10)), abs=0.01)
    assert {"North", "South"} <= set(words)
    assert CITATION in text  # whole, wrapped at spaces
    assert "DejaVu Sans" in root.get("font-family")
    # the map part is cut to the world (6 px around it): no blank bands above or below it
    inner = next(s for s in root.iter(f"{SVG}svg") if s is not root and s.get("viewBox"))
    w, h = float(inner.get("width")), float(inner.get("height"))
    outline = WorldProjection().outline
    aspect = np.ptp(outline[:, 1]) / np.ptp(outline[:, 0])
    assert h == pytest.approx((w - 12) * aspect + 12, abs=3)
    png = page.download("#download-png")
    size = Image.open(io.BytesIO(png)).size
    assert size == (2 * int(root.get("width")), 2 * int(root.get("height")))
    rows, cols = blank_runs(png)
    assert rows < 0.04 and cols < 0.04
    page.close()


def test_flows_csv_carries_the_citation_licence_and_period_on_every_row(browser, pages, con):
    page = Opened(browser, pages["flows"])
    rows = list(csv.DictReader(io.StringIO(page.download("#download-csv").decode("utf-8"))))
    assert len(rows) == 7
    source = con.execute(
        "select citation, licence from core__sources where source_id = 'remotework'"
    ).fetchone()
    assert source == (CITATION, "CC-BY-4.0")
    assert {(r["citation"], r["licence"], r["period"]) for r in rows} == {(*source, "2020")}
    page.close()


def test_balance_export_carries_its_colour_key_and_the_whole_source(browser, pages) -> None:
    page = Opened(browser, pages["balance"])
    root = ET.fromstring(page.download("#download-svg"))
    words = svg_words(root)
    assert "Balance of online work: who sells more than it buys" in words
    assert "Net work sold (sold minus bought), in projects" in words
    # three classes of net sellers, three of net buyers
    assert {"balanced (net 0)", "no data"} <= set(words)
    assert sum(w.startswith(("net seller: ", "net buyer: ")) for w in words) == 6
    assert CITATION in " ".join(words)
    rows, cols = blank_runs(page.download("#download-png"))
    assert rows < 0.04 and cols < 0.04
    page.close()
