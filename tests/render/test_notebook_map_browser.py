"""The flow map as a notebook shows it (``atlas.flow_map(...)._repr_html_()``, a sandboxed
frame) opens in headless Chromium on the view asked for, and draws the table's flows."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from conftest import cross_border_pairs_per_layer, mini_atlas

from pipeline import atlas

CHROMIUM = "/usr/bin/chromium"
if not os.path.exists(CHROMIUM) and os.environ.get("ATLAS_REQUIRE_BROWSER") == "1":
    raise RuntimeError(f"{CHROMIUM} is required (ATLAS_REQUIRE_BROWSER=1): install chromium")

pytestmark = [
    pytest.mark.browser,
    pytest.mark.skipif(
        not os.path.exists(CHROMIUM), reason=f"{CHROMIUM} not installed (apt-get install chromium)"
    ),
]

DRAWN = """() => {
    const out = [];
    atlas.map.eachLayer(l => {
        if (l.atlas && l.atlas.kind === 'flow' && l.atlas.piece === 0) {
            out.push([l.atlas.direction, l.atlas.greyed]);
        }
    });
    return out;
}"""


def test_the_notebook_cell_opens_on_the_chosen_view(tmp_path: Path) -> None:
    from playwright.sync_api import sync_playwright

    con = mini_atlas()
    db = tmp_path / "mini.duckdb"
    con.execute(f"attach '{db}' as saved")
    con.execute("copy from database memory to saved")
    con.execute("detach saved")
    source, year = con.execute(
        "select source_id, year from out__flows where method = 'observed' "
        "group by all order by count(*) desc, source_id, year limit 1"
    ).fetchone()
    pairs = cross_border_pairs_per_layer(con)[f"{source}:{year}"]
    south_to_north = con.execute(
        "select count(*) from (select distinct seller_country_code, buyer_country_code "
        "from out__flows f join core__country_groups s on s.country_code = f.seller_country_code "
        "join core__country_groups b on b.country_code = f.buyer_country_code "
        "and b.scheme = s.scheme where s.scheme = 'un_m49_developed' and not s.is_north "
        "and b.is_north and f.source_id = ? and f.year = ?)",
        [source, year],
    ).fetchone()[0]
    assert 0 < south_to_north < pairs

    cell = atlas.flow_map(source=source, year=year, direction="south_to_north", db=db)
    notebook = tmp_path / "notebook.html"
    notebook.write_text(f"<!DOCTYPE html><html><body>{cell._repr_html_()}</body></html>")
    problems: list[str] = []
    with sync_playwright() as p:
        browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=["--no-sandbox"])
        page = browser.new_page()
        page.on("console", lambda m: problems.append(m.text) if m.type == "error" else None)
        page.on("pageerror", lambda e: problems.append(str(e)))
        page.goto(notebook.as_uri())
        frame = page.frames[1]
        frame.wait_for_function("() => window.atlasReady && window.atlas")
        state = frame.evaluate(
            "() => { const d = JSON.parse(document.getElementById('atlas-data').textContent);"
            "const l = d.layers[atlas.state.layer];"
            "return {layer: [l.source, l.year], dirs: atlas.state.dirs}; }"
        )
        drawn = frame.evaluate(DRAWN)
        browser.close()
    assert problems == []
    assert state["layer"] == [source, year]
    assert state["dirs"] == ["south_to_north"]
    assert len(drawn) == pairs
    assert sum(1 for direction, greyed in drawn if not greyed) == south_to_north
    assert all(direction == "south_to_north" for direction, greyed in drawn if not greyed)
