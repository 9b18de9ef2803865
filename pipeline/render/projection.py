"""One world in the Equal Earth projection, computed here so the browser only draws.

Equal Earth (Šavrič, Patterson & Jenny 2018) is equal-area, so circles and countries compare
honestly, and its poles are lines rather than points: a flow between India and the United States
stays on the map instead of being clamped at 85° N as in Web Mercator. Leaflet has no Equal
Earth CRS, so every coordinate is projected with pyproj and shown in Leaflet's ``CRS.Simple``.

Map units are 100 km (x within about ±172, y within ±84, like degrees), and coordinates are
written as integers of a tenth of a unit (10 km, under a pixel at every zoom the pages allow).
The map is centred on 11° E (Europe and Africa in the middle, the cut in the Pacific), which
sends the fewest large flows across the map's edge.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from functools import cached_property

import numpy as np
import shapely
from pyproj import Transformer
from shapely.geometry.base import BaseGeometry

DEFAULT_LON_0 = 11.0
METRES_PER_UNIT = 100_000.0
# Integer coordinates in the pages: one integer step is this fraction of a map unit.
QUANTUM = 10
# Longitudes this close to the cut are pulled inside so pyproj keeps them on their own side.
EDGE_EPS = 1e-6


@dataclass(frozen=True)
class WorldProjection:
    lon_0: float = DEFAULT_LON_0

    name = "Equal Earth"

    @cached_property
    def _transformer(self) -> Transformer:
        return Transformer.from_crs(
            "EPSG:4326", f"+proj=eqearth +lon_0={self.lon_0} +datum=WGS84 +units=m", always_xy=True
        )

    @property
    def west(self) -> float:
        return self.lon_0 - 180.0

    @property
    def east(self) -> float:
        return self.lon_0 + 180.0

    def frame_lon(self, lon: float | np.ndarray) -> np.ndarray:
        """Longitudes moved by multiples of 360 into [lon_0 - 180, lon_0 + 180]."""
        return (np.asarray(lon, dtype=float) - self.west) % 360.0 + self.west

    def project(self, lon: float | np.ndarray, lat: float | np.ndarray) -> np.ndarray:
        """lon/lat (already inside the frame, or any: they are moved into it) -> n x 2 units."""
        lon = np.atleast_1d(np.asarray(lon, dtype=float))
        lat = np.atleast_1d(np.asarray(lat, dtype=float))
        inside = (lon >= self.west) & (lon <= self.east)
        lon = np.where(inside, lon, self.frame_lon(lon))
        # Relative to lon_0, kept strictly inside ±180 so each edge stays on its own side.
        rel = np.clip(lon - self.lon_0, -180.0 + EDGE_EPS, 180.0 - EDGE_EPS)
        x, y = self._transformer.transform(rel + self.lon_0, np.clip(lat, -90.0, 90.0))
        return np.column_stack([np.asarray(x), np.asarray(y)]) / METRES_PER_UNIT

    @cached_property
    def _inverse(self) -> Transformer:
        return Transformer.from_crs(
            f"+proj=eqearth +lon_0={self.lon_0} +datum=WGS84 +units=m", "EPSG:4326", always_xy=True
        )

    def unproject(self, xy: np.ndarray) -> np.ndarray:
        """n x 2 map units -> n x 2 lon/lat (the inverse of :meth:`project`)."""
        xy = np.asarray(xy, dtype=float).reshape(-1, 2) * METRES_PER_UNIT
        lon, lat = self._inverse.transform(xy[:, 0], xy[:, 1])
        return np.column_stack([np.asarray(lon), np.asarray(lat)])

    @cached_property
    def _points(self) -> dict[tuple[float, float], tuple[float, float]]:
        return {}

    def remember(self, lonlats: Iterable[tuple[float, float]]) -> None:
        """Project these points in one transformer call, for :meth:`point` to find: a page asks
        for each country's point once per flow, thousands of times, and each call to pyproj
        costs far more than its arithmetic."""
        todo = [p for p in dict.fromkeys(lonlats) if p not in self._points]
        if todo:
            lonlat = np.array(todo, dtype=float)
            xy = self.project(lonlat[:, 0], lonlat[:, 1])
            self._points.update(
                {p: (float(x), float(y)) for p, (x, y) in zip(todo, xy, strict=True)}
            )

    def point(self, lon: float, lat: float) -> tuple[float, float]:
        if (lon, lat) not in self._points:
            x, y = self.project(lon, lat)[0]
            self._points[lon, lat] = (float(x), float(y))
        return self._points[lon, lat]

    @cached_property
    def outline(self) -> np.ndarray:
        """The world's edge as a closed ring (n x 2 units): east meridian up, west one down."""
        lats = np.linspace(-90.0, 90.0, 181)
        east = self.project(np.full_like(lats, self.east), lats)
        west = self.project(np.full_like(lats, self.west), lats[::-1])
        ring = np.vstack([east, west])
        return np.vstack([ring, ring[:1]])

    @cached_property
    def outline_polygon(self) -> shapely.Polygon:
        return shapely.Polygon(self.outline)

    def shape(self, geom: BaseGeometry, segment_deg: float = 1.0) -> BaseGeometry:
        """A lon/lat (multi)polygon in this projection, cut at the map's edge.

        Parts beyond the cut (eastern Chukotka, the western Aleutians for a map centred on
        Europe) are moved by 360° to the other edge, never drawn across the whole map.
        """
        pieces = []
        for offset in (-360.0, 0.0, 360.0):
            part = shapely.clip_by_rect(geom, self.west - offset, -90.0, self.east - offset, 90.0)
            if part.is_empty:
                continue
            part = shapely.transform(part, lambda c, o=offset: c + np.array([o, 0.0]))
            # Cut edges run along a meridian, which is curved in Equal Earth.
            part = shapely.segmentize(part, segment_deg)
            pieces.append(shapely.transform(part, lambda c: self.project(c[:, 0], c[:, 1])))
        if not pieces:
            return shapely.Polygon()
        return shapely.make_valid(shapely.union_all(pieces))


def quantise(coords: np.ndarray | list[tuple[float, float]]) -> list[int]:
    """n x 2 units -> flat integer list [x0, y0, x1, y1, ...] in tenths of a unit."""
    return [int(v) for v in np.round(np.asarray(coords, dtype=float) * QUANTUM).ravel()]


def quantise_inside(coords: np.ndarray, outline: shapely.Polygon) -> list[int]:
    """Like ``quantise``, but a point that rounding pushed outside the world's outline (by up
    to 5 km, at the edge or the pole line) is moved one step towards the centre, so no drawn
    vertex lies outside the world."""
    q = np.round(np.asarray(coords, dtype=float) * QUANTUM)
    for _ in range(4):
        outside = ~shapely.covers(outline, shapely.points(q / QUANTUM))
        if not outside.any():
            break
        q[outside] -= np.sign(q[outside])
    return [int(v) for v in q.ravel()]


def delta_encode(coords: np.ndarray) -> list[int]:
    """A ring as integers: the first point, then each step from the previous point (short)."""
    q = np.round(np.asarray(coords, dtype=float) * QUANTUM).astype(np.int64)
    steps = np.vstack([q[:1], np.diff(q, axis=0)])
    return [int(v) for v in steps.ravel()]


def delta_decode(values: list[int]) -> np.ndarray:
    arr = np.asarray(values, dtype=float).reshape(-1, 2)
    return np.cumsum(arr, axis=0) / QUANTUM
