"""Label points: one point inside each country, where a flow line starts or ends.

A whole-country centroid can fall in the sea or in another country (France pulled towards
French Guiana, the United States towards Alaska), so the point is the pole of inaccessibility
of the country's largest part, measured on an equal-area projection so that high-latitude
islands (Svalbard) do not outweigh the mainland.
"""

from __future__ import annotations

import geopandas as gpd
from shapely.geometry import Point, Polygon
from shapely.ops import polylabel

EQUAL_AREA = "ESRI:54009"  # Mollweide


def largest_parts(shapes: gpd.GeoDataFrame) -> dict[str, Polygon]:
    """country_code -> its largest polygon by true (equal-area) size."""
    parts = shapes[["country_code", "geometry"]].explode(index_parts=False, ignore_index=True)
    parts["area"] = parts.to_crs(EQUAL_AREA).area
    best = parts.sort_values("area", ascending=False).drop_duplicates("country_code")
    return dict(zip(best["country_code"], best.geometry, strict=True))


def label_point(part: Polygon) -> Point:
    minx, miny, maxx, maxy = part.bounds
    # A tolerance relative to the part's size keeps Monaco and Russia equally precise.
    tolerance = max(max(maxx - minx, maxy - miny) / 1000, 1e-5)
    return polylabel(part, tolerance=tolerance)
