"""index.html: a plain page linking the maps, with each source's South -> North headline.

Beside the table, a small inline-SVG chart draws the South -> North share per source over the
years; every figure links to the flow map view that shows it. An estimated figure is never a
bare point: it is the interval the published shares allow, with the point estimate (when a
stated model gives one) and the error the same procedure makes on observed matrices cut to as
many named countries, the model it used and what it combines (sql/maps/estimate_headlines.sql,
from out__estimate_summary).
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
td.share .point { display: block; font-size: 0.6em; line-height: 1.35; font-weight: 400;
  color: #444; white-space: normal; margin-top: 0.3em; }
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
    """Headlines per source and year; estimated ones carry ``estimate`` (their row of
    estimate_headlines.sql) and every row ``check``, the sentence the "Check" column shows."""
    estimates = {
        (e["source_id"], e["year"]): e for e in query_rows(con, "estimate_headlines", scheme=scheme)
    }
    rows = query_rows(con, "headlines", scheme=scheme)
    for r in rows:
        r["estimate"] = estimates.get((r["source_id"], r["year"]))
        r["check"] = check_text(r["method"], r["estimate"])
    return rows


def _years_text(measured_on: str) -> str:
    """ "remotework 2014, remotework 2015" -> "remotework 2014, 2015"."""
    years: dict[str, list[str]] = {}
    for item in measured_on.split(", "):
        source, _, year = item.rpartition(" ")
        years.setdefault(source, []).append(year)
    return "; ".join(f"{source} {', '.join(ys)}" for source, ys in years.items())


def _is_estimate(method: str | None, estimate: dict[str, Any] | None) -> bool:
    return "estimated" in (method or "") and estimate is not None


def interval_text(estimate: dict[str, Any]) -> str:
    return f"{estimate['share_low_pct']:.1f}–{estimate['share_high_pct']:.1f}%"


def point_text(estimate: dict[str, Any]) -> str:
    """The point estimate with its typical error, or why there is none."""
    point = estimate["estimated_share_pct"]
    if point is None:
        return "no point estimate: the countries not named have no model"
    if not estimate["matrices_measured"] or estimate["typical_error_pp"] is None:
        return f"estimate {number(point)}%, error not measured"
    return f"estimate {number(point)}% ± {number(estimate['typical_error_pp'])} pts"


def model_text(estimate: dict[str, Any]) -> str:
    """The model actually used, and how the countries the source does not name were treated."""
    unnamed = 100 - estimate["named_pct"]
    return (
        f"{estimate['model']}; {estimate['buyers_named']} buyer × {estimate['sellers_named']} "
        f"seller countries named; the work with the others ({number(unnamed)}%): "
        f"{estimate['unnamed_model']}"
    )


def check_text(method: str, estimate: dict[str, Any] | None) -> str:
    """What the "Check" column says: for an estimate, where its interval comes from and the
    error the same procedure makes on observed matrices cut to as many named countries;
    nothing to check for observed figures."""
    if not _is_estimate(method, estimate):
        return "—"
    assert estimate is not None
    interval = (
        "interval: the lowest and highest share of any buyer × seller matrix with the published "
        "shares"
    )
    if not estimate["matrices_measured"]:
        return f"{interval}; point: error not measured (no observed matrix loaded)"
    cuts = (
        f"{estimate['buyers_named']} × {estimate['sellers_named']} cut of "
        f"{_years_text(estimate['measured_on'])}"
    )
    pair = f"{number(estimate['typical_pair_error_pp'])}% of the work on the wrong cell"
    if estimate["typical_error_pp"] is None:
        return (
            f"{interval}; it holds the observed share on each {cuts}; no point to check "
            f"({estimate['model']} puts {pair} there)"
        )
    return (
        f"{interval}; it holds the observed share on each {cuts}; point: the same procedure "
        f"there is off by {number(estimate['typical_error_pp'])} pts South → North on average "
        f"(at most {number(estimate['max_error_pp'])}) and puts {pair}"
    )


def _headline_row(row: dict[str, Any], scheme: str) -> str:
    year = row["year"] if row["year"] is not None else "all years"
    title = esc_full(row["source_title"] or row["source_id"], 120)
    link = esc(view_link(row["source_id"], row["year"], scheme), 300)
    estimate = row["estimate"]
    if _is_estimate(row["method"], estimate):
        share = (
            f'<a href="{link}">{esc(interval_text(estimate), 40)}</a>'
            f'<span class="point">{esc(point_text(estimate), 120)}</span>'
        )
        method = (
            f"{esc(row['method'], 40)}: {esc(model_text(estimate), 400)}<br>"
            f'<span class="muted">period {esc(row["period_label"], 80)}; combines '
            f"{esc(estimate['unit'], 200)}; in {unit_text(row['unit'])}</span>"
        )
    else:
        share = f'<a href="{link}">{number(row["south_to_north_pct"])}%</a>'
        method = (
            f"{esc(row['method'], 40)}<br>"
            f'<span class="muted">period {esc(row["period_label"], 80)}; '
            f"in {unit_text(row['unit'])}</span>"
        )
    return (
        "<tr>"
        f'<td><b>{esc(row["source_id"], 40)}</b><br><span class="muted">{title}</span></td>'
        f"<td>{esc(year, 12)}</td>"
        f'<td class="share">{share}</td>'
        f"<td>{method}</td>"
        f'<td class="check">{esc(row["check"], 600)}</td>'
        f"<td>{esc_full(row['source_citation'], CITATION_MAX)}</td>"
        "</tr>"
    )


def chart_point(row: dict[str, Any]) -> float | None:
    """The point a row puts on the chart: the observed share, or an estimate's point (None
    when it has only an interval)."""
    estimate = row["estimate"]
    if _is_estimate(row["method"], estimate):
        point: float | None = estimate["estimated_share_pct"]
        return point
    share: float = row["south_to_north_pct"]
    return share


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
        located = [(r, p) for r in mine if (p := chart_point(r)) is not None]
        if len(located) > 1:
            path = " ".join(f"{x(r['year']):.1f},{y(p):.1f}" for r, p in located)
            parts.append(
                f'<polyline points="{path}" fill="none" stroke="{colour}" stroke-width="2"/>'
            )
        for r in mine:
            link = esc(view_link(source, r["year"], scheme), 300)
            estimate = r["estimate"]
            if _is_estimate(r["method"], estimate):
                # the interval the published shares allow, and the point when a model gives one
                label = (
                    f"{r['source_id']} {r['year']}: {interval_text(estimate)} South → North; "
                    f"{point_text(estimate)}"
                )
                low, high = y(estimate["share_low_pct"]), y(estimate["share_high_pct"])
                parts.append(
                    f'<a href="{link}"><title>{esc(label, 300)}</title>'
                    f'<line class="interval" x1="{x(r["year"]):.1f}" x2="{x(r["year"]):.1f}" '
                    f'y1="{low:.1f}" y2="{high:.1f}" stroke="{colour}" stroke-width="6" '
                    f'stroke-opacity="0.35" stroke-linecap="round"/></a>'
                )
            else:
                label = (
                    f"{r['source_id']} {r['year']}: {number(r['south_to_north_pct'])}% "
                    "South → North"
                )
            point = chart_point(r)
            if point is None:
                continue
            paint = (
                f'fill="{colour}" stroke="#fff"'
                if r["method"] == "observed"
                else f'fill="#fff" stroke="{colour}" stroke-width="2"'
            )
            parts.append(
                f'<a href="{link}"><title>{esc(label, 300)}</title>'
                f'<circle cx="{x(r["year"]):.1f}" cy="{y(point):.1f}" r="4.5" {paint}/></a>'
            )
        last = mine[-1]
        last_point = chart_point(last)
        if last_point is None:
            last_point = (
                last["estimate"]["share_low_pct"] + last["estimate"]["share_high_pct"]
            ) / 2
        parts.append(
            f'<text x="{x(last["year"]) + 9:.1f}" y="{y(last_point) + 4:.1f}" '
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
                "south_to_north_pct": chart_point(r),
                "share_low_pct": (r["estimate"] or {}).get("share_low_pct"),
                "share_high_pct": (r["estimate"] or {}).get("share_high_pct"),
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
North highlighted. Filled points are observed. An estimated figure is a bar and, when a model
gives one, a hollow point: the bar is the interval the published shares allow, from the lowest
to the highest South → North share of any buyer × seller matrix that has them (the countries a
source does not name may be North or South, and the work may go between the countries any way
that keeps the shares); the point needs a model for where the work of the unnamed countries
goes, an observed matrix used as prior and named on the row, and without one there is no
point. Check: the error of the same procedure on the same kind of input — every observed
matrix cut to as many named buyer and seller countries as the source gives, estimated again
from the cut's shares with the same model and compared with the whole matrix: the mean and
largest gap in the South → North share, in percentage points, and the share of the work put on
the wrong cell of the cut. "error not measured" means no observed matrix is loaded to measure
it on.</p>
<p class="muted">observed: counted from projects or published pair counts. estimated: built
from published buyer shares and worker shares, which often count different things (each row
says what it combines, e.g. vacancies by employer country × worker profiles by worker
country), so its shares are of the estimate's own total.</p>
{data_island(island)}
</body>
</html>
"""


def render_index(con: duckdb.DuckDBPyConnection, path: Path, scheme: str = DEFAULT_SCHEME) -> Path:
    """Write index.html and return its path."""
    return save_page(index_html(con, scheme), path)
