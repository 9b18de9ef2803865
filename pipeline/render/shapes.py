"""Country outlines in the map's projection, simplified and written as short integer lists."""

from __future__ import annotations

from dataclasses import dataclass
from functools import lru_cache
from typing import Any

import numpy as np
import shapely

from pipeline.reference.geo import read_country_shapes
from pipeline.render.projection import QUANTUM, WorldProjection, delta_encode

# About 8 km: invisible at the zooms the pages allow, a fraction of the vertices.
SIMPLIFY_UNITS = 0.08


@dataclass(frozen=True)
class CountryShapes:
    """Projected outlines: ``polygons[code]`` is a list of polygons, each a list of rings
    (n x 2 arrays in map units, outer ring first)."""

    polygons: dict[str, list[list[np.ndarray]]]

    def encoded(self, index: dict[str, int]) -> list[list[Any]]:
        """[[country index, [[ring ints, ...], ...]], ...] for the countries in ``index``;
        outlines of countries without a label point are kept with index -1."""
        out = []
        for code, polys in self.polygons.items():
            out.append(
                [index.get(code, -1), [[delta_encode(ring) for ring in poly] for poly in polys]]
            )
        return out


def _rings(geom: shapely.Geometry) -> list[list[np.ndarray]]:
    polys = []
    for part in shapely.get_parts(geom):
        if part.geom_type != "Polygon" or part.is_empty:
            continue
        rings = [np.asarray(part.exterior.coords)] + [np.asarray(r.coords) for r in part.interiors]
        rings = [_dedupe(r) for r in rings]
        rings = [r for r in rings if len(r) >= 4]
        if rings:
            polys.append(rings)
    return polys


def _dedupe(ring: np.ndarray) -> np.ndarray:
    q = np.round(ring * QUANTUM) / QUANTUM
    keep = np.concatenate([[True], np.any(np.diff(q, axis=0) != 0, axis=1)])
    kept: np.ndarray = q[keep]
    return kept


@lru_cache(maxsize=4)
def country_shapes(lon_0: float) -> CountryShapes:
    """Every country outline of data/geo, projected and simplified (cached per centre)."""
    proj = WorldProjection(lon_0)
    frame = read_country_shapes()
    polygons: dict[str, list[list[np.ndarray]]] = {}
    for code, geom in zip(frame["country_code"], frame.geometry, strict=True):
        projected = shapely.simplify(proj.shape(geom), SIMPLIFY_UNITS, preserve_topology=True)
        rings = _rings(projected)
        if rings:
            polygons[str(code)] = rings
    return CountryShapes(polygons)
