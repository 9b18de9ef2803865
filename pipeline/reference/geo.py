"""Country and land outlines from the vendored Natural Earth TopoJSON, ready for web maps.

The file (``data/geo/world-50m.topo.json``) has two defects that break maps: rings that cross
the antimeridian come back spanning -180..180 (Russia, Fiji, Antarctica; Leaflet draws them as
stripes across the world), and some features carry codes that are not ISO 3166-1. Both are
fixed here on load; ``data/geo/feature_codes.csv`` says which codes are folded or dropped.
"""

from __future__ import annotations

import csv
from collections.abc import Iterable, Sequence
from functools import lru_cache
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING

import shapely
from shapely import affinity
from shapely.geometry import MultiPolygon, Polygon, box
from shapely.geometry.base import BaseGeometry

from pipeline.util import paths

if TYPE_CHECKING:
    import geopandas as gpd

BOUNDARIES_FILE = "world-50m.topo.json"
FEATURE_CODES_FILE = "feature_codes.csv"
CRS = "EPSG:4326"

Coords = list[tuple[float, float]]


def _unwrap(coords: Sequence[tuple[float, ...]]) -> tuple[Coords, bool]:
    """Make a ring continuous in longitude; True if it went once around a pole."""
    out: Coords = []
    offset = 0.0
    previous: float | None = None
    for x, y, *_ in coords:
        if previous is not None:
            step = x - previous
            # No real edge in this data is longer than 180 degrees, so a jump that long is the
            # ring crossing the antimeridian.
            if step > 180:
                offset -= 360
            elif step < -180:
                offset += 360
        out.append((x + offset, y))
        previous = x
    return out, offset != 0


def _close_around_pole(ring: Coords) -> Coords:
    # The ring ends one full turn from where it started; walk down to the pole and back so
    # the planar polygon covers the polar cap as the sphere does.
    pole = -90.0 if sum(y for _, y in ring) < 0 else 90.0
    start_x, start_y = ring[0]
    end_x = ring[-1][0]
    return [*ring, (end_x, pole), (start_x, pole), (start_x, start_y)]


def _crosses(ring: Sequence[tuple[float, ...]]) -> bool:
    return any(abs(b[0] - a[0]) > 180 for a, b in pairwise(ring))


def _polygons(geom: BaseGeometry) -> list[Polygon]:
    if isinstance(geom, Polygon):
        return [] if geom.is_empty else [geom]
    if hasattr(geom, "geoms"):
        return [p for part in geom.geoms for p in _polygons(part)]
    return []


def _fix_polygon(polygon: Polygon) -> list[Polygon]:
    rings = [polygon.exterior, *polygon.interiors]
    if not any(_crosses(ring.coords) for ring in rings):
        return [polygon]
    shell, polar = _unwrap(polygon.exterior.coords)
    if polar:
        shell = _close_around_pole(shell)
    shell_mid = (min(x for x, _ in shell) + max(x for x, _ in shell)) / 2
    holes = []
    for interior in polygon.interiors:
        hole, _ = _unwrap(interior.coords)
        mid = (min(x for x, _ in hole) + max(x for x, _ in hole)) / 2
        # Put the hole in the same 360-degree turn as its shell.
        shift = 360.0 * round((shell_mid - mid) / 360.0)
        holes.append([(x + shift, y) for x, y in hole])
    unwrapped = shapely.make_valid(Polygon(shell, holes), method="structure", keep_collapsed=False)
    pieces: list[Polygon] = []
    for turn in (-1, 0, 1):
        window = box(-180 + 360 * turn, -90, 180 + 360 * turn, 90)
        clipped = unwrapped.intersection(window)
        pieces.extend(_polygons(affinity.translate(clipped, xoff=-360 * turn)))
    return pieces


def fix_antimeridian(geom: BaseGeometry) -> Polygon | MultiPolygon:
    """Split parts that cross the antimeridian into parts on either side, and make it valid.

    A part whose ring jumps across +-180 is unwrapped into one continuous ring, cut at +-180
    and the overflow shifted back by 360 degrees; a ring that goes round a pole (Antarctica)
    is first closed along the pole.
    """
    parts = [piece for polygon in _polygons(geom) for piece in _fix_polygon(polygon)]
    fixed = shapely.make_valid(MultiPolygon(parts), method="structure", keep_collapsed=False)
    polygons = _polygons(fixed)
    return polygons[0] if len(polygons) == 1 else MultiPolygon(polygons)


def read_feature_codes(path: Path | None = None) -> dict[str, str | None]:
    """TopoJSON a3 -> country code to use; None drops the feature."""
    path = path or paths.geo_dir() / FEATURE_CODES_FILE
    with path.open(newline="", encoding="utf-8") as handle:
        return {row["a3"]: row["country_code"] or None for row in csv.DictReader(handle)}


def _dissolve(codes: Iterable[str], geoms: Iterable[BaseGeometry]) -> dict[str, BaseGeometry]:
    grouped: dict[str, list[BaseGeometry]] = {}
    for code, geom in zip(codes, geoms, strict=True):
        grouped.setdefault(code, []).append(geom)
    return {
        code: parts[0] if len(parts) == 1 else fix_antimeridian(shapely.union_all(parts))
        for code, parts in grouped.items()
    }


@lru_cache(maxsize=4)
def _country_shapes(path: Path, codes_path: Path) -> gpd.GeoDataFrame:
    # imported here: geopandas brings pandas (0.6 s), which pages drawn from cached shapes skip
    import geopandas as gpd

    frame = gpd.read_file(path, layer="countries")
    # Empty at 50m: the Vatican and Ashmore and Cartier lost all area in quantisation.
    frame = frame[~frame.geometry.is_empty]
    overrides = read_feature_codes(codes_path)
    codes = [overrides.get(a3, a3) for a3 in frame["a3"]]
    kept = [(code, geom) for code, geom in zip(codes, frame.geometry, strict=True) if code]
    shapes = _dissolve((c for c, _ in kept), (fix_antimeridian(g) for _, g in kept))
    bad = sorted(code for code in shapes if not (len(code) == 3 and code.isupper()))
    if bad:
        raise ValueError(f"{path}: feature codes that are not alpha-3: {bad}")
    return gpd.GeoDataFrame(
        {"country_code": list(shapes)}, geometry=list(shapes.values()), crs=CRS
    ).sort_values("country_code", ignore_index=True)


def read_country_shapes(
    path: Path | None = None, *, codes_path: Path | None = None
) -> gpd.GeoDataFrame:
    """One valid, antimeridian-safe (multi)polygon per country code, columns country_code,
    geometry; no country names, so it does not need ``data/reference``."""
    path = (path or paths.geo_dir() / BOUNDARIES_FILE).resolve()
    codes_path = (codes_path or path.parent / FEATURE_CODES_FILE).resolve()
    return _country_shapes(path, codes_path).copy()
