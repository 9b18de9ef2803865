"""The maps' geometry as geographic tables: flow lines, country points and country polygons.

What a GIS user (geopandas, QGIS, kepler.gl) gets from the atlas, in longitude/latitude
(EPSG:4326). A flow line is the curve the flow map draws (pipeline/render/curves.py, the same
route for the same pair and centre), sampled into a polyline in the map's Equal Earth
projection and taken back to longitude/latitude, so reprojected to Equal Earth it lies on the
drawn curve. A curve that crosses the 180th meridian is cut there (a multi-line), as GeoJSON
asks, and one that the map sends across its edge keeps its two pieces. Countries carry the
work they buy and sell from ``out__country_balance`` (through sql/maps/balance_countries.sql).

Reads the database only, like the maps.
"""

from __future__ import annotations

from typing import Any

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from pipeline.reference.countries import DEFAULT_SCHEME
from pipeline.reference.geo import read_country_shapes
from pipeline.render.curves import Route, RouteBook, sample, sea_across
from pipeline.render.flow_data import FlowRecords, flow_records, flow_view
from pipeline.render.flows import _points
from pipeline.render.projection import DEFAULT_LON_0, METRES_PER_UNIT, WorldProjection
from pipeline.render.queries import query_rows

CRS = "EPSG:4326"
# Points per Bézier piece: the curve's deviation from the polyline is under 1 km.
SAMPLES = 48

FLOW_COLUMNS = [
    "source_id",
    "year",
    "unit",
    "period_label",
    "method",
    "seller_country_code",
    "seller_name",
    "buyer_country_code",
    "buyer_name",
    "tasks",
    "share_pct",
    "direction",
    "scheme",
    "occupation",
    "route",
    "citation",
]
COUNTRY_COLUMNS = [
    "source_id",
    "year",
    "basis",
    "unit",
    "scheme",
    "country_code",
    "name",
    "is_north",
    "tasks_bought",
    "tasks_sold",
    "net_sold",
    "citation",
]


def map_crs(lon_0: float = DEFAULT_LON_0) -> str:
    """The flow map's projection as a PROJ string (metres): ``gdf.to_crs(map_crs())``."""
    return f"+proj=eqearth +lon_0={lon_0} +datum=WGS84 +units=m +no_defs"


def split_at_antimeridian(lonlat: np.ndarray) -> list[np.ndarray]:
    """A polyline in longitude/latitude whose longitudes may jump by 360° where it crosses
    the 180th meridian, as pieces that each stay within [-180, 180] and meet at ±180."""
    lon = np.degrees(np.unwrap(np.radians(lonlat[:, 0])))
    lat = lonlat[:, 1]
    # which 360°-wide band each vertex is in once unwrapped: 0 is [-180, 180)
    band = np.floor((lon + 180.0) / 360.0)
    pieces: list[list[tuple[float, float]]] = [[]]
    for i in range(len(lon)):
        if i and band[i] != band[i - 1]:
            edge = 180.0 + 360.0 * min(band[i], band[i - 1])
            f = (edge - lon[i - 1]) / (lon[i] - lon[i - 1])
            cross_lat = float(lat[i - 1] + f * (lat[i] - lat[i - 1]))
            pieces[-1].append((float(edge - 360.0 * band[i - 1]), cross_lat))
            pieces.append([(float(edge - 360.0 * band[i]), cross_lat)])
        pieces[-1].append((float(lon[i] - 360.0 * band[i]), float(lat[i])))
    return [np.array(p) for p in pieces if len(p) >= 2]


def route_geometry(r: Route, proj: WorldProjection, projected: bool = False) -> shapely.Geometry:
    """A drawn route as a (multi)line in longitude/latitude, or with ``projected`` in the
    map's projection (metres), each piece as the map draws it."""
    lines: list[np.ndarray] = []
    for piece in r.pieces:
        xy = sample(piece, SAMPLES) if r.kind == "bezier" else piece
        if projected:
            lines.append(np.asarray(xy) * METRES_PER_UNIT)
        else:
            lines.extend(split_at_antimeridian(proj.unproject(xy)))
    if len(lines) == 1:
        return shapely.LineString(lines[0])
    return shapely.MultiLineString(lines)


def _chosen_layers(records: FlowRecords, source: str | None, year: int | None) -> list[int]:
    return [
        i
        for i, info in enumerate(records.layers)
        if (source is None or info["source_id"] == source)
        and (year is None or info["year"] == year)
    ]


def flow_lines(
    con: duckdb.DuckDBPyConnection,
    source: str | None = None,
    year: int | None = None,
    scheme: str = DEFAULT_SCHEME,
    occupation: str | None = None,
    top_n: int | None = None,
    routes: str = "curved",
    lon_0: float = DEFAULT_LON_0,
    projected: bool = False,
) -> gpd.GeoDataFrame:
    """One row per drawn flow (a cross-border seller -> buyer pair of a layer, its
    occupations summed unless ``occupation`` is given), largest first in each layer, with the
    curve the flow map draws. ``top_n`` keeps each layer's largest flows, as the map does
    (100); None keeps them all. ``projected`` gives the geometry in the map's projection
    (:func:`map_crs`) instead of longitude/latitude."""
    records = flow_records(con)
    proj = WorldProjection(lon_0)
    book = RouteBook(proj, routes, _points(records))
    names = {c["country_code"]: c["name"] for c in records.countries}
    rows: list[dict[str, Any]] = []
    geometry: list[shapely.Geometry] = []
    for index in _chosen_layers(records, source, year):
        info = records.layers[index]
        limit = top_n if top_n is not None else len(records.rows)
        view = flow_view(records, index, scheme, occupation, limit)
        for f in view.flows:
            r = book.get(f.seller, f.buyer)
            rows.append(
                {
                    "source_id": info["source_id"],
                    "year": info["year"],
                    "unit": info["unit"],
                    "period_label": info["period_label"],
                    "method": f.method,
                    "seller_country_code": f.seller,
                    "seller_name": names.get(f.seller, f.seller),
                    "buyer_country_code": f.buyer,
                    "buyer_name": names.get(f.buyer, f.buyer),
                    "tasks": f.tasks,
                    "share_pct": f.share_pct,
                    "direction": f.direction,
                    "scheme": scheme,
                    "occupation": occupation or "all",
                    "route": f"across {sea_across(proj)}" if r.split else "direct",
                    "citation": info["citation"],
                }
            )
            geometry.append(route_geometry(r, proj, projected))
    frame = pd.DataFrame(rows, columns=FLOW_COLUMNS)
    return gpd.GeoDataFrame(frame, geometry=geometry, crs=map_crs(lon_0) if projected else CRS)


def country_totals(
    con: duckdb.DuckDBPyConnection,
    source: str | None = None,
    year: int | None = None,
    scheme: str = DEFAULT_SCHEME,
) -> pd.DataFrame:
    """Work bought, sold and net sold per country, source and year (out__country_balance)."""
    rows = [
        {**r, "scheme": scheme, "citation": r["source_citation"]}
        for r in query_rows(con, "balance_countries", scheme=scheme)
        if (source is None or r["source_id"] == source) and (year is None or r["year"] == year)
    ]
    return pd.DataFrame(rows, columns=COUNTRY_COLUMNS)


def country_points(
    con: duckdb.DuckDBPyConnection,
    source: str | None = None,
    year: int | None = None,
    scheme: str = DEFAULT_SCHEME,
    projected: bool = False,
    lon_0: float = DEFAULT_LON_0,
) -> gpd.GeoDataFrame:
    """:func:`country_totals` at each country's label point (where the maps put its circle);
    a country without one is left out. ``projected``: in the map's projection."""
    totals = country_totals(con, source, year, scheme)
    points = {c["country_code"]: (c["lon"], c["lat"]) for c in query_rows(con, "map_countries")}
    kept = totals[totals["country_code"].isin(points)].reset_index(drop=True)
    geometry = [shapely.Point(points[code]) for code in kept["country_code"]]
    frame = gpd.GeoDataFrame(kept, geometry=geometry, crs=CRS)
    return frame.to_crs(map_crs(lon_0)) if projected else frame


def country_polygons(
    con: duckdb.DuckDBPyConnection,
    source: str | None = None,
    year: int | None = None,
    scheme: str = DEFAULT_SCHEME,
    projected: bool = False,
    lon_0: float = DEFAULT_LON_0,
) -> gpd.GeoDataFrame:
    """:func:`country_totals` with each country's outline (data/geo); a country without one
    (a small island at this scale) is left out. ``projected``: in the map's projection, each
    outline cut at the map's edge as the maps cut it (a plain ``to_crs`` would stretch the
    parts beyond the edge, the western Aleutians, across the whole map)."""
    totals = country_totals(con, source, year, scheme)
    shapes = read_country_shapes()
    outlines = dict(zip(shapes["country_code"], shapes.geometry, strict=True))
    kept = totals[totals["country_code"].isin(outlines)].reset_index(drop=True)
    if not projected:
        geometry = [outlines[code] for code in kept["country_code"]]
        return gpd.GeoDataFrame(kept, geometry=geometry, crs=CRS)
    proj = WorldProjection(lon_0)
    cut = {code: proj.shape(outlines[code]) for code in set(kept["country_code"])}
    geometry = [
        shapely.transform(cut[code], lambda c: c * METRES_PER_UNIT) for code in kept["country_code"]
    ]
    return gpd.GeoDataFrame(kept, geometry=geometry, crs=map_crs(lon_0))


__all__ = [
    "CRS",
    "country_points",
    "country_polygons",
    "country_totals",
    "flow_lines",
    "map_crs",
    "route_geometry",
    "split_at_antimeridian",
]
