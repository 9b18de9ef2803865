"""The atlas's maps: flows, balance, claims, an index page linking them, and print versions.

Every page is a single file that opens offline (Leaflet inlined, no tiles, one Equal Earth
world pre-projected in Python) and is built only from the database: core__countries,
core__country_groups, core__sources, core__claims and the out__ tables. Each map goes
data (plain records) -> features (projected geometry) -> page (HTML + its .js file) and
print (SVG and 300-dpi PNG, from the same geometry).

Stage 5: reads the database only; may import ``pipeline.reference`` and ``pipeline.util``, never
the stages that make the database.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.reference.countries import DEFAULT_SCHEME
from pipeline.render.balance import balance_records, render_balance
from pipeline.render.claims import render_claims
from pipeline.render.flow_data import flow_records
from pipeline.render.flows import DEFAULT_TOP_N, render_flows
from pipeline.render.index import render_index
from pipeline.render.projection import DEFAULT_LON_0, WorldProjection
from pipeline.util import atomic

__all__ = ["render_all", "render_balance", "render_claims", "render_flows", "render_index"]


def render_all(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    scheme: str = DEFAULT_SCHEME,
    top_n: int = DEFAULT_TOP_N,
    routes: str = "curved",
    lon_0: float = DEFAULT_LON_0,
    print_versions: bool = False,
) -> list[Path]:
    """Write flows.html, balance.html, claims.html and index.html into ``out_dir`` (and, with
    ``print_versions``, flows/balance/claims .svg and .png); return the HTML paths.

    The print versions are asked for, not drawn by default: they are for a paper's figures,
    and drawing them at 300 dpi takes longer than the pages and the database together."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic.clean_stale(out_dir)  # outputs half written by a killed run
    proj = WorldProjection(lon_0)
    records = flow_records(con)
    layers = balance_records(con, scheme)
    pages = [
        render_flows(con, out_dir / "flows.html", scheme, top_n, routes, records, proj),
        render_balance(con, out_dir / "balance.html", scheme, proj, layers),
        render_claims(con, out_dir / "claims.html", proj, routes),
        render_index(con, out_dir / "index.html", scheme=scheme),
    ]
    if print_versions:
        from pipeline.render.print_maps import print_all

        print_all(con, out_dir, scheme, top_n, routes, proj, records, layers)
    return pages
