"""The atlas from Python: tables as DataFrames, flow lines as a GeoDataFrame, maps in Jupyter.

``from pipeline import atlas``, then::

    atlas.build()                                   # data/atlas.duckdb from the shipped data
    atlas.flows(source="curated_oli_shares", year=2016, direction="south_to_north")
    atlas.balance(source="curated_oli_shares", year=2016)
    atlas.query("south_to_north")                   # a saved query of sql/queries/
    atlas.query("country_profile", country="PHL")   # its $country parameter
    atlas.query("select * from out__flows where seller_country_code = $c", c="IND")
    atlas.flow_lines(source="curated_oli_shares")   # GeoDataFrame of the drawn curves
    atlas.flow_map(source="curated_oli_shares", year=2016)   # shows in a notebook cell
    atlas.flow_map().save("flows.html")             # the same offline page as maps/flows.html
    atlas.export("geoparquet")                      # exports/*.parquet, as `make export`

Every function reads the database the command line builds (``data/atlas.duckdb``, or
``ATLAS_DB``, or ``db=``), opening it read-only for the call only, so a build can replace it
between two calls. Tables come back as pandas DataFrames; ``output="arrow"`` gives a
``pyarrow.Table`` and ``output="polars"`` a polars DataFrame (``pip install polars``). Each
row names its ``source_id``; ``atlas.query("sources")`` gives every source's citation and
licence, and estimated rows (``method = 'estimated'``) are modelled from published shares (the
README's "Observed and estimated flows" says how, and how wrong they can be).

Directions follow the work: ``south_to_north`` is work done in the South for a buyer in the
North, under the North/South ``scheme`` (``un_m49_developed`` by default, or
``wb_high_income``). Occupations are the Online Labour Index's six classes
(:data:`OCCUPATIONS`) and ``unknown``.

Sits above ``pipeline.commands`` (it offers the same verbs: build, query, export) and below
``pipeline.cli``.
"""

from __future__ import annotations

import html
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import duckdb
import geopandas as gpd

from pipeline.build.run import BuildReport, build_database
from pipeline.commands import export as exporting
from pipeline.commands.database import DatabaseUnavailable, open_read_only
from pipeline.commands.query import parameters_of, resolve_query, saved_queries
from pipeline.reference.countries import DEFAULT_SCHEME
from pipeline.render import geodata
from pipeline.render.flow_data import DIRECTIONS, flow_records
from pipeline.render.flows import DEFAULT_TOP_N, flows_html
from pipeline.render.page import save_page
from pipeline.render.projection import DEFAULT_LON_0, WorldProjection
from pipeline.util import paths
from pipeline.util.records import OCCUPATIONS as _OCCUPATIONS

Output = Literal["pandas", "arrow", "polars"]
# The six classes of the Online Labour Index a flow's occupation is one of (or "unknown").
OCCUPATIONS: tuple[str, ...] = tuple(o for o in _OCCUPATIONS if o != "unknown")
SCHEMES = ("un_m49_developed", "wb_high_income")

__all__ = [
    "DIRECTIONS",
    "OCCUPATIONS",
    "SCHEMES",
    "DatabaseUnavailable",
    "FlowMap",
    "balance",
    "build",
    "country_points",
    "country_polygons",
    "export",
    "flow_lines",
    "flow_map",
    "flows",
    "map_crs",
    "query",
    "saved_queries",
]


@contextmanager
def _reading(db: Path | str | None) -> Iterator[duckdb.DuckDBPyConnection]:
    con = open_read_only(db)
    try:
        yield con
    finally:
        con.close()


def _table(con: duckdb.DuckDBPyConnection, sql: str, params: dict[str, Any], output: Output) -> Any:
    relation = con.sql(sql, params=params or None)
    if output == "pandas":
        return relation.df()
    arrow = relation.to_arrow_table()
    if output == "arrow":
        return arrow
    if output == "polars":
        try:
            import polars
        except ImportError:
            raise ImportError("output='polars' needs polars: pip install polars") from None
        return polars.from_arrow(arrow)
    raise ValueError(f"output must be 'pandas', 'arrow' or 'polars', not {output!r}")


def _check(
    con: duckdb.DuckDBPyConnection,
    source: str | None,
    year: int | None,
    scheme: str,
    direction: str | None = None,
    occupation: str | None = None,
) -> None:
    exporting.check_choice(con, source, year, scheme)
    if direction is not None and direction not in DIRECTIONS:
        raise ValueError(f"direction must be one of {', '.join(DIRECTIONS)}, not {direction!r}")
    if occupation is not None and occupation not in (*OCCUPATIONS, "unknown"):
        raise ValueError(
            f"occupation must be one of the six classes {', '.join(map(repr, OCCUPATIONS))} "
            f"or 'unknown', not {occupation!r}"
        )


def _sql(name: str) -> str:
    return (paths.SQL_DIR / "api" / f"{name}.sql").read_text(encoding="utf-8")


def build(out: Callable[[str], None] | None = print) -> BuildReport:
    """Build the database from the shipped data and everything in data/raw, as ``make db``
    does (atomically: the previous database stays until the new one is complete).

    >>> report = atlas.build()          # prints what went in, per source
    >>> report.db_path                  # data/atlas.duckdb, or ATLAS_DB
    """
    report = build_database(paths.db_path())
    if out is not None:
        for line in report.lines():
            out(line)
    return report


def flows(
    source: str | None = None,
    year: int | None = None,
    scheme: str = DEFAULT_SCHEME,
    direction: str | None = None,
    occupation: str | None = None,
    *,
    output: Output = "pandas",
    db: Path | str | None = None,
) -> Any:
    """The flows of ``out__flows``, with each pair's direction under ``scheme`` and the
    countries' names: one row per source, year, occupation, buyer and seller country (domestic
    work included, buyer = seller). None means all.

    >>> df = atlas.flows(source="curated_oli_shares", year=2016, direction="south_to_north")
    >>> df.groupby("seller_name").tasks.sum().sort_values(ascending=False)

    Columns: source_id, platform, year, period_label, occupation, buyer_country_code,
    buyer_name, seller_country_code, seller_name, tasks, unit, value_usd, method, prior,
    scheme, direction, citation.
    """
    with _reading(db) as con:
        _check(con, source, year, scheme, direction, occupation)
        params = {
            "scheme": scheme,
            "source": source,
            "year": year,
            "direction": direction,
            "occupation": occupation,
        }
        return _table(con, _sql("flows"), params, output)


def balance(
    source: str | None = None,
    year: int | None = None,
    scheme: str = DEFAULT_SCHEME,
    *,
    output: Output = "pandas",
    db: Path | str | None = None,
) -> Any:
    """Work bought, sold and net sold (sold - bought) per country, source and year, under
    ``scheme`` (``out__country_balance``): the balance map's figures. ``net_sold`` is missing
    where a source publishes one side only.

    >>> atlas.balance(source="curated_oli_shares", year=2016).head(3)
    """
    with _reading(db) as con:
        _check(con, source, year, scheme)
        params = {"scheme": scheme, "source": source, "year": year}
        return _table(con, _sql("balance"), params, output)


def query(
    name_or_sql: str,
    *,
    output: Output = "pandas",
    db: Path | str | None = None,
    **params: Any,
) -> Any:
    """A saved query of sql/queries/ by name (:func:`saved_queries` lists them), or SQL text,
    with its ``$name`` parameters given as keyword arguments (bound, never pasted into the
    SQL).

    >>> atlas.query("south_to_north")
    >>> atlas.query("country_profile", country="Philippines")
    >>> atlas.query("select count(*) as n from out__flows where year = $year", year=2016)
    """
    sql = resolve_query(name_or_sql)
    wanted = parameters_of(sql)
    unused = sorted(set(params) - set(wanted))
    if unused:
        takes = ", ".join(wanted) or "none"
        raise ValueError(f"this query has no parameter {', '.join(unused)}; it takes: {takes}")
    missing = [p for p in wanted if p not in params]
    if missing:
        raise ValueError(
            "this query needs " + ", ".join(f"{p}=…" for p in missing) + " (its $parameters)"
        )
    with _reading(db) as con:
        return _table(con, sql, params, output)


def flow_lines(
    source: str | None = None,
    year: int | None = None,
    scheme: str = DEFAULT_SCHEME,
    occupation: str | None = None,
    top_n: int | None = None,
    *,
    projected: bool = False,
    db: Path | str | None = None,
) -> gpd.GeoDataFrame:
    """The flow map's lines as a GeoDataFrame in longitude/latitude (EPSG:4326): one row per
    cross-border seller -> buyer pair of each source and year (occupations summed unless
    ``occupation`` is given), largest first, with the curve the map draws (cut at the 180th
    meridian and at the map's edge). ``top_n`` keeps each layer's largest, as the map does
    (100); None keeps all. ``projected=True`` gives them in the map's Equal Earth projection
    (:func:`map_crs`, metres), as the map draws them.

    >>> lines = atlas.flow_lines(source="curated_oli_shares", year=2016)
    >>> lines[["seller_name", "buyer_name", "tasks", "direction"]].head(3)
    >>> lines.plot(column="direction")
    """
    with _reading(db) as con:
        _check(con, source, year, scheme, occupation=occupation)
        return geodata.flow_lines(con, source, year, scheme, occupation, top_n, projected=projected)


def country_points(
    source: str | None = None,
    year: int | None = None,
    scheme: str = DEFAULT_SCHEME,
    *,
    projected: bool = False,
    db: Path | str | None = None,
) -> gpd.GeoDataFrame:
    """Each country's work bought, sold and net sold (:func:`balance`) at its label point, in
    longitude/latitude or (``projected=True``) the map's projection.

    >>> atlas.country_points(source="curated_oli_shares", year=2016).explore()
    """
    with _reading(db) as con:
        _check(con, source, year, scheme)
        return geodata.country_points(con, source, year, scheme, projected)


def country_polygons(
    source: str | None = None,
    year: int | None = None,
    scheme: str = DEFAULT_SCHEME,
    *,
    projected: bool = False,
    db: Path | str | None = None,
) -> gpd.GeoDataFrame:
    """Each country's work bought, sold and net sold (:func:`balance`) with its outline, in
    longitude/latitude or (``projected=True``) the map's projection, cut at the map's edge.

    >>> atlas.country_polygons(source="curated_oli_shares", year=2016).plot(column="net_sold")
    """
    with _reading(db) as con:
        _check(con, source, year, scheme)
        return geodata.country_polygons(con, source, year, scheme, projected)


def map_crs(lon_0: float = DEFAULT_LON_0) -> str:
    """The flow map's Equal Earth projection (metres), for ``GeoDataFrame.to_crs``."""
    return geodata.map_crs(lon_0)


@dataclass(frozen=True)
class FlowMap:
    """The flow map page: shown in a Jupyter cell, or saved as the offline page."""

    html: str = field(repr=False)
    height: int = 640

    def __repr__(self) -> str:
        return f"<flow map page, {len(self.html) / 1024:,.0f} KB: .save(path) writes it>"

    def _repr_html_(self) -> str:
        # The page is a whole document with its own scripts: a frame keeps it apart from the
        # notebook's page (and the notebook's from it).
        return (
            f'<iframe title="Microwork Atlas flow map" srcdoc="{html.escape(self.html)}" '
            f'style="width: 100%; height: {self.height}px; border: 1px solid #d0d7de" '
            'sandbox="allow-scripts allow-downloads"></iframe>'
        )

    def save(self, path: Path | str) -> Path:
        """Write the page (one file, opens offline in any browser) and return its path."""
        return save_page(self.html, Path(path))


def flow_map(
    source: str | None = None,
    year: int | None = None,
    scheme: str = DEFAULT_SCHEME,
    occupation: str | None = None,
    direction: str | None = None,
    top_n: int = DEFAULT_TOP_N,
    *,
    db: Path | str | None = None,
) -> FlowMap:
    """The flow map (maps/flows.html) opening on the chosen source, year, occupation and
    direction; every other choice stays in the page.

    >>> atlas.flow_map(source="curated_oli_shares", year=2016)     # in a notebook cell
    >>> atlas.flow_map(direction="south_to_north").save("flows.html")
    """
    with _reading(db) as con:
        _check(con, source, year, scheme, direction, occupation)
        records = flow_records(con)
    start = {
        "source": source,
        "year": year,
        "occupation": occupation,
        "direction": direction,
        "scheme": scheme,
    }
    return FlowMap(flows_html(records, WorldProjection(), scheme, top_n, start=start))


def export(
    format: str,
    source: str | None = None,
    year: int | None = None,
    scheme: str = DEFAULT_SCHEME,
    *,
    out: Path | str | None = None,
    db: Path | str | None = None,
) -> list[Path]:
    """What ``make export FORMAT=…`` writes: flows, country_points and country_polygons as
    ``geojson``, ``geoparquet`` or ``csv`` in ``out`` (default exports/), each carrying its
    citation. Returns the paths written.

    >>> atlas.export("geoparquet", source="curated_oli_shares", year=2016)
    >>> # exports/flows_curated_oli_shares_2016.parquet, country_points_…, country_polygons_…
    """
    with _reading(db) as con:
        return exporting.export(con, format, Path(out) if out else None, source, year, scheme)
