"""index.html: a plain page linking the maps, with each source's South -> North headline.

Beside the table, a small inline-SVG chart draws the South -> North share per source over the
years; every figure links to the flow map view that shows it. Beside every estimated figure,
the "Check" column gives the error of the same kind of estimate measured on the observed years
(sql/maps/headline_error.sql, from out__estimate_check).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import duckdb

from pipeline.reference.countries import DEFAULT_SCHEME
from pipeline.render.page import data_island, save_page
from pipeline.render.queries import query_rows
from pipeline.render.text import CITATION_MAX, esc, esc_full, number, unit_text

CHART_COLOURS = ("#b2182b", "#253494", "#41b6c4", "#e6850e", "#737373", "#59a14f")

_CSS = """
body { font: 15px/1.5 system-ui, sans-serif; color: #222; max-width: 860px; margin: 2em auto;
  padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
ul.maps li { margin: 0.3em 0; }
table { border-collapse: collapse; width: 100%; margin: 1em 0; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #ddd; vertical-align: top; }
td.share { font-size: 1.4em; font-weight: 600; white-space: nowrap; }
td.share a { color: #b2182b; }
.chart { margin: 1em 0; }
.chart a:hover circle { r: 6; }
.muted { color: #666; font-size: 0.9em; }
.cut { cursor: help; }
.cut:hover { text-decoration: underline dotted #aaa; }
"""


def view_link(source_id: Any, year: Any, scheme: str) -> str:
    """The flow map's URL for one source and year, South -> North highlighted."""
    params = {"source": source_id, "year": year, "direction": "south_to_north"}
    if scheme != DEFAULT_SCHEME:
        params["scheme"] = scheme
    return "flows.html#" + urlencode({k: v for k, v in params.items() if v is not None})


def headline_records(con: duckdb.DuckDBPyConnection, scheme: str) -> list[dict[str, Any]]:
    """Headlines per source and year; estimated ones carry ``error`` (their row of
    headline_error.sql) and ``check``, the sentence the "Check" column shows."""
    errors = {
        (e["source_id"], e["year"]): e for e in query_rows(con, "headline_error", scheme=scheme)
    }
    rows = query_rows(con, "headlines", scheme=scheme)
    for r in rows:
        r["error"] = errors.get((r["source_id"], r["year"]))
        r["check"] = check_text(r["method"], r["error"])
    return rows


def _years_text(measured_on: str) -> str:
    """ "remotework 2014, remotework 2015" -> "remotework 2014, 2015"."""
    years: dict[str, list[str]] = {}
    for item in measured_on.split(", "):
        source, _, year = item.rpartition(" ")
        years.setdefault(source, []).append(year)
    return "; ".join(f"{source} {', '.join(ys)}" for source, ys in years.items())


def check_text(method: str, error: dict[str, Any] | None) -> str:
    """What the "Check" column says: for an estimate, the prior it used and the error the same
    kind of estimate makes on the observed years; nothing to check for observed figures."""
    if "estimated" not in (method or ""):
        return "—"
    prior = (error or {}).get("prior") or "none"
    used = (
        "estimated without a prior (product of the marginals)"
        if prior == "none"
        else f"estimated with {prior} as prior"
    )
    if not error or not error["years_measured"]:
        return f"{used}; error not measured (no observed year loaded)"
    return (
        f"{used}; measured on {_years_text(error['measured_on'])}: "
        f"{number(error['mean_pair_error_pct'])} % of work on the wrong pair "
        f"(max {number(error['max_pair_error_pct'])} %), South → North within "
        f"{number(error['max_south_to_north_error_pts'])} pts"
    )


def _headline_row(row: dict[str, Any], scheme: str) -> str:
    year = row["year"] if row["year"] is not None else "all years"
    title = esc_full(row["source_title"] or row["source_id"], 120)
    return (
        "<tr>"
        f'<td><b>{esc(row["source_id"], 40)}</b><br><span class="muted">{title}</span></td>'
        f"<td>{esc(year, 12)}</td>"
        f'<td class="share"><a href="{esc(view_link(row["source_id"], row["year"], scheme), 300)}">'
        f"{number(row['south_to_north_pct'])}%</a></td>"
        f"<td>{esc(row['method'], 40)}<br>"
        f'<span class="muted">period {esc(row["period_label"], 80)}; '
        f"in {unit_text(row['unit'])}</span></td>"
        f'<td class="check">{esc(row["check"], 400)}</td>'
        f"<td>{esc_full(row['source_citation'], CITATION_MAX)}</td>"
        "</tr>"
    )


def share_chart(rows: list[dict[str, Any]], scheme: str) -> str:
    """South -> North share per source over the years, as a small inline SVG; each point
    links to the flow map showing it."""
    points = [r for r in rows if r["year"] is not None]
    if not points:
        return ""
    years = sorted({r["year"] for r in points})
    width, height, left, right, top, bottom = 560, 220, 44, 150, 12, 28
    x0, x1 = years[0] - 0.5, years[-1] + 0.5

    def x(year: float) -> float:
        return float(left + (year - x0) / (x1 - x0) * (width - left - right))

    def y(pct: float) -> float:
        return top + (1 - pct / 100) * (height - top - bottom)

    palette = CHART_COLOURS
    parts = []
    for pct in (0, 25, 50, 75, 100):
        parts.append(
            f'<line x1="{left}" x2="{width - right}" y1="{y(pct):.1f}" y2="{y(pct):.1f}" '
            f'stroke="#ddd"/><text x="{left - 6}" y="{y(pct) + 4:.1f}" text-anchor="end" '
            f'font-size="11" fill="#555">{pct}%</text>'
        )
    for year in years:
        parts.append(
            f'<text x="{x(year):.1f}" y="{height - 8}" text-anchor="middle" font-size="11" '
            f'fill="#555">{year}</text>'
        )
    sources = sorted({r["source_id"] for r in points})
    for k, source in enumerate(sources):
        colour = palette[k % len(palette)]
        mine = sorted((r for r in points if r["source_id"] == source), key=lambda r: r["year"])
        if len(mine) > 1:
            path = " ".join(f"{x(r['year']):.1f},{y(r['south_to_north_pct']):.1f}" for r in mine)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for r in mine:
            label = (
                f"{r['source_id']} {r['year']}: {number(r['south_to_north_pct'])}% South → North"
            )
            paint = (
                f'fill="{colour}" stroke="#fff"'
                if r["method"] == "observed"
                else f'fill="#fff" stroke="{colour}" stroke-width="2"'
            )
            parts.append(
                f'<a href="{esc(view_link(source, r["year"], scheme), 300)}">'
                f"<title>{esc(label, 200)}</title>"
                f'<circle cx="{x(r["year"]):.1f}" cy="{y(r["south_to_north_pct"]):.1f}" r="4.5" '
                f"{paint}/></a>"
            )
        last = mine[-1]
        parts.append(
            f'<text x="{x(last["year"]) + 9:.1f}" y="{y(last["south_to_north_pct"]) + 4:.1f}" '
            f'font-size="11" fill="{colour}">{esc(source, 24)}</text>'
        )
    return (
        f'<svg class="chart" role="img" width="{width}" height="{height}" '
        f'viewBox="0 0 {width} {height}" aria-label="South to North share per source and year">'
        f"<title>Share of the work done in the South for buyers in the North</title>"
        + "".join(parts)
        + "</svg>"
    )


def index_html(con: duckdb.DuckDBPyConnection, scheme: str = DEFAULT_SCHEME) -> str:
    headlines = headline_records(con, scheme)
    schemes = query_rows(con, "schemes")
    current = next((s for s in schemes if s["scheme"] == scheme), None)
    others = [s for s in schemes if s["scheme"] != scheme]
    scheme_source = (
        esc_full(current["source_citation"] or current["source_title"], 200)
        if current
        else "not found in the database"
    )
    other_text = (
        "Other schemes in the database: "
        + ", ".join(f"<b>{esc(s['scheme'], 40)}</b>" for s in others)
        + " (switch to it in the flow map's sidebar)."
        if others
        else ""
    )
    rows = "".join(_headline_row(r, scheme) for r in headlines) or (
        '<tr><td colspan="6">No flows in the database yet.</td></tr>'
    )
    island = {
        "map": "index",
        "scheme": scheme,
        "headlines": [
            {
                "source_id": r["source_id"],
                "year": r["year"],
                "south_to_north_pct": r["south_to_north_pct"],
                "method": r["method"],
            }
            for r in headlines
        ],
    }
    return f"""<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Microwork Atlas</title>
<style>{_CSS}</style>
</head>
<body>
<h1>Microwork Atlas</h1>
<p>Where paid online work is bought (employers) and where it is done (workers).</p>
<ul class="maps">
<li><a href="flows.html">Flows</a>: curved lines from the workers' countries to the buyers'
countries; choose the source, year, occupation and North/South scheme.</li>
<li><a href="balance.html">Balance</a>: countries that sell more work than they buy, and the
reverse, with the work each country buys and sells.</li>
<li><a href="claims.html">Claims</a>: who buys from whom according to published studies.</li>
</ul>
<h2>How much work flows from the South to the North?</h2>
<p class="muted">Share of each source's work (domestic work included) done by workers in the
South for buyers in the North. North/South scheme: <b>{esc(scheme, 40)}</b>
({scheme_source}). {other_text}</p>
{share_chart(headlines, scheme)}
<table>
<thead><tr><th>Source</th><th>Year</th><th>South → North</th><th>Method</th>
<th>Check</th><th>Citation</th></tr></thead>
<tbody>{rows}</tbody>
</table>
<p class="muted">Click a figure or a point of the chart to open the flow map on it, South →
North highlighted. Hollow points are estimated, filled ones observed. Check: for an estimated
figure, the error the same estimator makes where the pairs are known — each observed year's
pairs hidden, re-estimated from its two marginals (with the same kind of prior) and compared:
the mean and largest share of the work put on the wrong buyer × seller pair, and the largest
gap in the South → North share, in percentage points. "error not measured" means no observed
year is loaded to measure it on.</p>
<p class="muted">observed: counted from projects or published pair counts. estimated: modelled
from published buyer and worker shares, assuming a buyer's work is spread over worker countries
in proportion to their share of workers.</p>
{data_island(island)}
</body>
</html>
"""


def render_index(con: duckdb.DuckDBPyConnection, path: Path, scheme: str = DEFAULT_SCHEME) -> Path:
    """Write index.html and return its path."""
    return save_page(index_html(con, scheme), path)
