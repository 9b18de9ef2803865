"""Country polygons drawn under the lines: simplified, rounded, copied across +-360 if needed."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry import mapping

from pipeline.geo import read_country_shapes

SIMPLIFY_DEG = 0.08
DECIMALS = 2


def load_countries(path: Path | None = None) -> gpd.GeoDataFrame:
    """Antimeridian-safe boundaries as GeoDataFrame[country_code, geometry] in EPSG:4326.

    Names are not taken from here: the maps name countries from core__countries, so the
    boundary file is all that has to be present.
    """
    return read_country_shapes(path)


@dataclass(frozen=True)
class Background:
    """Simplified country shapes, ready to be turned into GeoJSON features."""

    codes: list[str]
    geoms: list[shapely.Geometry]

    @classmethod
    def from_frame(cls, gdf: gpd.GeoDataFrame, tolerance: float = SIMPLIFY_DEG) -> Background:
        geoms = shapely.simplify(np.asarray(gdf.geometry.values), tolerance, preserve_topology=True)
        geoms = shapely.transform(geoms, lambda c: np.round(c, DECIMALS))
        keep = ~shapely.is_empty(geoms)
        return cls(
            codes=[str(c) for c, k in zip(gdf["country_code"], keep, strict=True) if k],
            geoms=[g for g, k in zip(geoms, keep, strict=True) if k],
        )

    def features(
        self,
        lon_range: tuple[float, float],
        properties: Callable[[str], Mapping[str, Any]] | None = None,
        only: set[str] | None = None,
    ) -> list[dict[str, Any]]:
        """GeoJSON features covering ``lon_range``, with copies shifted by +-360 where needed.

        Only the copies (and countries) that reach into the range are written, which keeps a
        Pacific-centred page from carrying three whole worlds.
        """
        lo, hi = lon_range
        out: list[dict[str, Any]] = []
        for offset in (-360.0, 0.0, 360.0):
            if hi < -180 + offset or lo > 180 + offset:
                continue
            for code, geom in zip(self.codes, self.geoms, strict=True):
                if only is not None and code not in only:
                    continue
                minx, _, maxx, _ = geom.bounds
                if maxx + offset < lo or minx + offset > hi:
                    continue
                g = shapely.transform(geom, lambda c, o=offset: c + np.array([o, 0.0]))
                if minx + offset < lo or maxx + offset > hi:
                    g = _clip(g, lo, hi)
                    if g.is_empty:
                        continue
                props = dict(properties(code)) if properties else {}
                props.setdefault("code", code)
                out.append(
                    {
                        "type": "Feature",
                        "id": f"{code}{int(offset):+d}",
                        "properties": props,
                        "geometry": _rounded_mapping(g),
                    }
                )
        return out


def _clip(geom: shapely.Geometry, lo: float, hi: float) -> shapely.Geometry:
    """The part of ``geom`` between longitudes ``lo`` and ``hi``.

    Rounding to two decimals can leave a tiny island's ring self-intersecting, which GEOS
    refuses to clip: such a shape is repaired first, and only its polygons are kept.
    """
    try:
        return shapely.clip_by_rect(geom, lo, -90.0, hi, 90.0)
    except shapely.errors.GEOSException:
        fixed = shapely.make_valid(geom)
        parts = [
            p
            for p in shapely.get_parts(fixed)
            if p.geom_type in ("Polygon", "MultiPolygon") and not p.is_empty
        ]
        if not parts:
            return shapely.Polygon()
        return shapely.clip_by_rect(shapely.union_all(parts), lo, -90.0, hi, 90.0)


def _rounded_mapping(geom: shapely.Geometry) -> dict[str, Any]:
    # Adding the offset can reintroduce float noise (e.g. 12.34 + 360 = 372.34000000000003).
    geom = shapely.transform(geom, lambda c: np.round(c, DECIMALS))
    return dict(mapping(geom))
