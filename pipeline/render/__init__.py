"""The atlas's HTML maps: flows, balance, claims, and an index page linking them.

Every page is a single file that opens offline (Leaflet and jQuery inlined, no tiles) and is
built only from the database: core__countries, core__country_groups, core__sources,
core__claims and the out__ tables.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.render.background import Background, load_countries
from pipeline.render.balance import render_balance
from pipeline.render.claims import render_claims
from pipeline.render.flows import render_flows
from pipeline.render.index import render_index

DEFAULT_SCHEME = "un_m49_developed"

__all__ = ["render_all", "render_balance", "render_claims", "render_flows", "render_index"]


def render_all(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    scheme: str = DEFAULT_SCHEME,
    top_n: int = 200,
) -> list[Path]:
    """Write flows.html, balance.html, claims.html and index.html into ``out_dir``."""
    out_dir = Path(out_dir)
    out_dir.mkdir(parents=True, exist_ok=True)
    background = Background.from_frame(load_countries())
    return [
        render_flows(con, out_dir / "flows.html", background, scheme=scheme, top_n=top_n),
        render_balance(con, out_dir / "balance.html", background, scheme=scheme),
        render_claims(con, out_dir / "claims.html", background),
        render_index(con, out_dir / "index.html", scheme=scheme),
    ]
