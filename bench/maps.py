"""Map benchmarks: ``python -m bench.maps`` (part of ``make bench``).

1. Budgets with a full remote-work year loaded: flows.html size (<= 3 MB) and first render in
   headless Chromium (< 2 s). The real files may not be redistributed, so a year is synthesised
   with the shape of remote-work 2015: about 4,400 cross-border pairs, heavy-tailed (the largest
   pair, India -> United States, about 14 % of all projects), loaded through the pipeline's own
   SQL.
2. Against a naive folium map of the same flows (one PolyLine with its own tooltip per flow,
   default settings, Leaflet inlined so it opens offline), at 1,000 and 4,000 drawn flows:
   size and render-time ratios, measured in the same run.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from pathlib import Path

import duckdb
import folium
import numpy as np

from bench.folium_page import save_map
from pipeline.build import sqlfiles
from pipeline.build.run import build_database
from pipeline.render.flow_data import flow_records, flow_view
from pipeline.render.flows import render_flows
from pipeline.render.projection import WorldProjection

BUDGET_BYTES = 3_000_000
BUDGET_SECONDS = 2.0
YEAR = 2015
PAIRS = 4_400
# Shape of remote-work 2015 (Braesemann et al. 2022): a few buyers and sellers dominate.
BUYERS = ["USA", "GBR", "AUS", "CAN", "DEU", "IND", "FRA", "NLD", "ARE", "ISR", "SGP", "IRL"]
SELLERS = ["IND", "BGD", "PHL", "PAK", "USA", "UKR", "RUS", "GBR", "EGY", "LKA", "NPL", "CAN"]
CHROMIUM = "/usr/bin/chromium"
ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--no-first-run"]


def map_codes(codes: list[str]) -> list[str]:
    """The countries a flow can be drawn to: those with a label point, less the uninhabited."""
    uninhabited = {"ATA", "ATF", "BVT", "HMD", "IOT", "PCN", "SGS", "UMI"}
    return sorted(c for c in codes if c not in uninhabited)


def synthetic_pairs(
    codes: list[str], pairs: int = PAIRS, seed: int = 2015
) -> list[tuple[str, str, float]]:
    """One heavy-tailed year of remote-work pairs: (buyer, seller, projects), cross-border."""
    rng = np.random.default_rng(seed)

    def weights(top: list[str]) -> np.ndarray:
        w = rng.lognormal(0.0, 1.2, len(codes)) * 0.02
        for rank, code in enumerate(top):
            if code in codes:
                w[codes.index(code)] = 30.0 / (rank + 1) ** 1.3
        return w / w.sum()

    buyer_w, seller_w = weights(BUYERS), weights(SELLERS)
    score = np.outer(buyer_w, seller_w) * rng.lognormal(0.0, 0.8, (len(codes), len(codes)))
    np.fill_diagonal(score, 0.0)
    flat = np.argsort(score, axis=None)[::-1][:pairs]
    total = 115_000.0
    scale = total / score.ravel()[flat].sum()
    rows = []
    for k in flat:
        b, s = divmod(int(k), len(codes))
        amount = max(1.0, round(float(score.ravel()[k]) * scale))
        rows.append((codes[b], codes[s], amount))
    return rows


def synthetic_year(con: duckdb.DuckDBPyConnection, pairs: int = PAIRS, seed: int = 2015) -> int:
    """Insert one heavy-tailed year of remote-work pairs; return the cross-border pair count."""
    located = con.execute("select country_code from core__countries where lon is not null")
    rows = synthetic_pairs(map_codes([r[0] for r in located.fetchall()]), pairs, seed)
    con.executemany(
        "insert into core__tallies (source_id, platform, period_start, period_end, role, "
        "buyer_country_code, seller_country_code, occupation, measure, amount, location) "
        f"values ('remotework', 'bench', '{YEAR}-01-01', '{YEAR}-12-31', 'pair', ?, ?, "
        "'unknown', 'projects', ?, 'bench')",
        rows,
    )
    sqlfiles.build_out_tables(con)
    return len(rows)


def first_render_seconds(browser, path: Path, ready: str, repeat: int) -> float:
    """Median seconds from navigation start to the first frame after ``ready`` holds."""
    times = []
    for _ in range(repeat):
        page = browser.new_page(viewport={"width": 1400, "height": 900})
        page.goto(path.as_uri(), wait_until="commit")
        page.wait_for_function(ready, polling="raf", timeout=60_000)
        ms = page.evaluate(
            "() => new Promise(r => requestAnimationFrame(() => r(performance.now())))"
        )
        times.append(ms / 1000)
        page.close()
    return statistics.median(times)


def naive_map(con: duckdb.DuckDBPyConnection, path: Path, n: int) -> int:
    """The same n largest flows, the way a first folium map would draw them."""
    records = flow_records(con)
    layer = next(
        i
        for i, x in enumerate(records.layers)
        if (x["source_id"], x["year"]) == ("remotework", YEAR)
    )
    points = {c["country_code"]: (c["lat"], c["lon"]) for c in records.countries}
    names = {c["country_code"]: c["name"] for c in records.countries}
    view = flow_view(records, layer, top_n=n)
    m = folium.Map(location=[20, 0], zoom_start=2, tiles=None)
    top = view.flows[0].tasks
    for f in view.flows:
        folium.PolyLine(
            [points[f.seller], points[f.buyer]],
            weight=max(0.6, 12 * f.tasks / top),
            color="#c2185b",
            tooltip=f"{names[f.seller]} → {names[f.buyer]}: {f.tasks:,.0f} projects",
        ).add_to(m)
    save_map(m, path)
    return len(view.flows)


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.maps", description=__doc__)
    parser.add_argument("--repeat", type=int, default=3)
    parser.add_argument("--sizes", default="1000,4000", help="drawn flows for the folium ratio")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    with tempfile.TemporaryDirectory(prefix="atlas-bench-maps-") as tmp:
        work = Path(tmp)
        (work / "raw").mkdir()
        db = work / "atlas.duckdb"
        build_database(db, raw_root=work / "raw")
        con = duckdb.connect(str(db))
        start = time.perf_counter()
        pairs = synthetic_year(con, PAIRS)
        print(
            f"maps: shipped data + a synthetic remote-work year ({pairs:,} pairs, "
            f"{time.perf_counter() - start:.1f} s to load)"
        )
        records = flow_records(con)
        proj = WorldProjection()
        with sync_playwright() as p:
            browser = p.chromium.launch(executable_path=CHROMIUM, headless=True, args=ARGS)
            start = time.perf_counter()
            flows = render_flows(con, work / "flows.html", records=records, proj=proj)
            build = time.perf_counter() - start
            size = flows.stat().st_size
            render = first_render_seconds(browser, flows, "() => window.atlasReady", args.repeat)
            ok = size <= BUDGET_BYTES and render < BUDGET_SECONDS
            print(
                f"  flows.html (default view, every layer embedded): {size / 1e6:.2f} MB "
                f"(budget 3 MB), first render {render:.2f} s (budget 2 s), built in "
                f"{build:.1f} s: {'within budget' if ok else 'OVER BUDGET'}"
            )
            print(
                f"  {'flows':>6} {'ours MB':>8} {'naive MB':>9} {'size ratio':>10} "
                f"{'B/flow ours':>11} {'B/flow naive':>12} {'ours s':>7} {'naive s':>8} "
                f"{'time ratio':>10}"
            )
            for n in (int(s) for s in args.sizes.split(",")):
                ours = render_flows(
                    con, work / f"ours_{n}.html", top_n=n, records=records, proj=proj
                )
                naive = work / f"naive_{n}.html"
                drawn = naive_map(con, naive, n)
                t_ours = first_render_seconds(browser, ours, "() => window.atlasReady", args.repeat)
                t_naive = first_render_seconds(
                    browser,
                    naive,
                    "() => document.querySelectorAll('path.leaflet-interactive').length"
                    f" >= {drawn}",
                    args.repeat,
                )
                s_ours, s_naive = ours.stat().st_size, naive.stat().st_size
                print(
                    f"  {drawn:>6,} {s_ours / 1e6:>8.2f} {s_naive / 1e6:>9.2f} "
                    f"{s_ours / s_naive:>10.2f} {s_ours / drawn:>11,.0f} "
                    f"{s_naive / drawn:>12,.0f} {t_ours:>7.2f} {t_naive:>8.2f} "
                    f"{t_ours / t_naive:>10.2f}"
                )
            browser.close()
        con.close()
    print(
        "  (ratios: ours / naive; B/flow: whole file divided by drawn flows. Ours also carries "
        "country shapes, every other layer and both North/South schemes; the naive map has "
        "no countries.)"
    )


if __name__ == "__main__":
    main()
