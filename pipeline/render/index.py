"""index.html: a plain page linking the maps, with each source's South -> North headline."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb

from pipeline.render.assets import save_page
from pipeline.render.page import data_island
from pipeline.render.queries import query_rows
from pipeline.render.text import CITATION_MAX, esc, esc_full, number, unit_text

DEFAULT_SCHEME = "un_m49_developed"

_CSS = """
body { font: 15px/1.5 system-ui, sans-serif; color: #222; max-width: 860px; margin: 2em auto;
  padding: 0 1em; }
h1 { font-size: 1.6em; margin-bottom: 0.2em; }
ul.maps li { margin: 0.3em 0; }
table { border-collapse: collapse; width: 100%; margin: 1em 0; }
th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid #ddd; vertical-align: top; }
td.share { font-size: 1.4em; font-weight: 600; color: #c2185b; white-space: nowrap; }
.muted { color: #666; font-size: 0.9em; }
.cut { cursor: help; }
.cut:hover { text-decoration: underline dotted #aaa; }
"""


def _headline_row(row: dict[str, Any]) -> str:
    year = row["year"] if row["year"] is not None else "all years"
    title = esc_full(row["source_title"] or row["source_id"], 120)
    return (
        "<tr>"
        f'<td><b>{esc(row["source_id"], 40)}</b><br><span class="muted">{title}</span></td>'
        f"<td>{esc(year, 12)}</td>"
        f'<td class="share">{number(row["south_to_north_pct"])}%</td>'
        f"<td>{esc(row['method'], 40)}<br>"
        f'<span class="muted">period {esc(row["period_label"], 80)}; '
        f"in {unit_text(row['unit'])}</span></td>"
        f"<td>{esc_full(row['source_citation'], CITATION_MAX)}</td>"
        "</tr>"
    )


def index_html(con: duckdb.DuckDBPyConnection, scheme: str = DEFAULT_SCHEME) -> str:
    headlines = query_rows(con, "headlines", scheme=scheme)
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
        + " (render with <code>--scheme</code> to use one)."
        if others
        else ""
    )
    rows = "".join(_headline_row(r) for r in headlines) or (
        '<tr><td colspan="5">No flows in the database yet.</td></tr>'
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
<li><a href="flows.html">Flows</a>: lines from the workers' countries to the buyers'
countries, one layer per source and year.</li>
<li><a href="balance.html">Balance</a>: countries that sell more work than they buy, and the
reverse.</li>
<li><a href="claims.html">Claims</a>: who buys from whom according to published studies.</li>
</ul>
<h2>How much work flows from the South to the North?</h2>
<p class="muted">Share of each source's work (domestic work included) done by workers in the
South for buyers in the North. North/South scheme: <b>{esc(scheme, 40)}</b>
({scheme_source}). {other_text}</p>
<table>
<thead><tr><th>Source</th><th>Year</th><th>South → North</th><th>Method</th>
<th>Citation</th></tr></thead>
<tbody>{rows}</tbody>
</table>
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
