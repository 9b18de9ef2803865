"""Flow-line geometry: great circles that never jump across the antimeridian.

Leaflet joins consecutive vertices with straight segments in Web Mercator and draws longitudes
as given, so a line whose vertices go 179 -> -179 becomes a stripe across the whole map. Every
line here is therefore densified along its great circle and *unwrapped* (longitudes may leave
[-180, 180]); the whole map then shares one central longitude so that lines, their end circles
and the background copies all sit on the same "world copy".
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

import numpy as np
from pyproj import Geod

_GEOD = Geod(ellps="WGS84")
_METRES_PER_DEGREE = 111_195.0
DEGREES_PER_VERTEX = 2.0
MAX_VERTICES = 96
DECIMALS = 2
CENTRE_CANDIDATES = tuple(range(-180, 180, 10))


def vertex_count(distance_deg: float) -> int:
    """Vertices for a great circle of this angular length, ends included (~1 per 2 degrees)."""
    return int(min(MAX_VERTICES, max(2, math.ceil(distance_deg / DEGREES_PER_VERTEX) + 1)))


def great_circle(lon1: float, lat1: float, lon2: float, lat2: float) -> np.ndarray:
    """Vertices (n x 2, lon/lat) from point 1 to point 2 along the WGS84 geodesic.

    Longitudes are unwrapped: the first vertex is exactly lon1 and no two consecutive vertices
    differ by more than 180 degrees, so the last one is lon2 shifted by a multiple of 360.
    """
    _, _, metres = _GEOD.inv(lon1, lat1, lon2, lat2)
    n = vertex_count(metres / _METRES_PER_DEGREE)
    inner = _GEOD.npts(lon1, lat1, lon2, lat2, n - 2) if n > 2 else []
    lons = np.array([lon1, *(p[0] for p in inner), lon2], dtype=float)
    lats = np.array([lat1, *(p[1] for p in inner), lat2], dtype=float)
    return np.column_stack([unwrap_lons(lons), lats])


def unwrap_lons(lons: Sequence[float] | np.ndarray) -> np.ndarray:
    """Shift longitudes by multiples of 360 so that no step exceeds 180 degrees."""
    arr = np.asarray(lons, dtype=float)
    if arr.size == 0:
        return arr
    steps = np.diff(arr)
    fixed = steps - 360.0 * np.round(steps / 360.0)
    return np.concatenate([[arr[0]], arr[0] + np.cumsum(fixed)])


def max_lon_step(coords: np.ndarray) -> float:
    """Largest longitude jump between consecutive vertices (0 for fewer than two vertices)."""
    if len(coords) < 2:
        return 0.0
    return float(np.max(np.abs(np.diff(coords[:, 0]))))


def shift_to_centre(coords: np.ndarray, centre: float) -> np.ndarray:
    """Move a whole line by a multiple of 360 so its midpoint lies within 180 of ``centre``."""
    mid = (coords[:, 0].min() + coords[:, 0].max()) / 2
    k = round((centre - mid) / 360.0)
    out = coords.copy()
    out[:, 0] += 360.0 * k
    return out


def normalise_lon(lon: float, centre: float) -> float:
    """The copy of ``lon`` within [centre - 180, centre + 180)."""
    return (lon - centre + 180.0) % 360.0 - 180.0 + centre


def choose_centre(
    lines: Sequence[tuple[str, str, np.ndarray]],
    candidates: Iterable[float] = CENTRE_CANDIDATES,
) -> float:
    """The central longitude that draws the lines with the fewest duplicated end circles.

    ``lines`` are (start code, end code, unwrapped coords). Ties go to the narrowest drawing,
    then to the centre closest to the middle of the drawing. A map with US-Philippines and
    Australia-US flows comes out Pacific-centred.
    """
    best: tuple[int, float, float] | None = None
    best_centre = 0.0
    for centre in candidates:
        placed = [(a, b, shift_to_centre(c, centre)) for a, b, c in lines]
        ends: dict[str, set[float]] = {}
        lo, hi = math.inf, -math.inf
        for a, b, c in placed:
            ends.setdefault(a, set()).add(round(float(c[0, 0]), 1))
            ends.setdefault(b, set()).add(round(float(c[-1, 0]), 1))
            lo, hi = min(lo, float(c[:, 0].min())), max(hi, float(c[:, 0].max()))
        duplicates = sum(len(v) - 1 for v in ends.values())
        width = (hi - lo) if placed else 0.0
        off_centre = abs((lo + hi) / 2 - centre) if placed else abs(centre)
        score = (duplicates, round(width, 1), off_centre)
        if best is None or score < best:
            best, best_centre = score, float(centre)
    return best_centre


@dataclass
class NodePlacer:
    """Remembers at which (possibly shifted) longitudes lines reach each country.

    A circle must be drawn where its lines end, not at the country's nominal longitude: after
    unwrapping, Manila may sit at 121.8 for one line and at -238.2 for another.
    """

    centre: float
    _seen: dict[str, list[float]] = field(default_factory=dict)

    def add(self, code: str, lon: float) -> None:
        known = self._seen.setdefault(code, [])
        if not any(abs(x - lon) < 1.0 for x in known):
            known.append(round(lon, DECIMALS))

    def lons(self, code: str, nominal_lon: float) -> list[float]:
        """Every longitude to draw the country at; one in the central frame if no line uses it."""
        return list(self._seen.get(code) or [round(normalise_lon(nominal_lon, self.centre), 2)])


def bow(coords: np.ndarray, amount_deg: float) -> np.ndarray:
    """Bend a line sideways (to the right of travel, in Mercator) by up to ``amount_deg``.

    Used when both A->B and B->A are drawn, so the two directions bow to opposite sides instead
    of overlapping. The ends do not move.
    """
    if len(coords) < 3 or amount_deg == 0:
        return coords
    xy = to_mercator(coords)
    d = np.gradient(xy, axis=0)
    norm = np.hypot(d[:, 0], d[:, 1])
    norm[norm == 0] = 1.0
    right = np.column_stack([d[:, 1], -d[:, 0]]) / norm[:, None]
    t = np.linspace(0.0, 1.0, len(coords))
    xy = xy + right * (amount_deg * np.sin(np.pi * t))[:, None]
    return from_mercator(xy)


def to_mercator(coords: np.ndarray) -> np.ndarray:
    """lon/lat -> Web Mercator in degree units (x = lon), so shapes look right on the map."""
    lat = np.clip(coords[:, 1], -85.0, 85.0)
    y = np.degrees(np.log(np.tan(np.pi / 4 + np.radians(lat) / 2)))
    return np.column_stack([coords[:, 0], y])


def from_mercator(xy: np.ndarray) -> np.ndarray:
    lat = np.degrees(2 * np.arctan(np.exp(np.radians(xy[:, 1]))) - np.pi / 2)
    return np.column_stack([xy[:, 0], lat])


def arrowhead(coords: np.ndarray, length_deg: float, back_deg: float = 1.0) -> np.ndarray:
    """A closed triangle (4 x 2, lon/lat) pointing along the line towards its last vertex.

    The tip sits ``back_deg`` before the end so it is not hidden under the end circle; both are
    measured in Mercator degrees, i.e. the arrow looks the same size anywhere on the map. Short
    lines get proportionally smaller arrows.
    """
    xy = to_mercator(coords)
    seg = np.hypot(*np.diff(xy, axis=0).T)
    total = float(seg.sum())
    if total == 0:
        raise ValueError("an arrowhead needs a line of non-zero length")
    length = min(length_deg, total / 3)
    back = min(back_deg, total / 6)
    tip = _point_back_from_end(xy, seg, back)
    base = _point_back_from_end(xy, seg, back + length)
    u = tip - base
    u = u / (np.hypot(*u) or 1.0)
    n = np.array([-u[1], u[0]])
    half = 0.45 * length
    tri = np.array([tip, tip - u * length + n * half, tip - u * length - n * half, tip])
    return from_mercator(tri)


def _point_back_from_end(xy: np.ndarray, seg: np.ndarray, dist: float) -> np.ndarray:
    remaining = dist
    for i in range(len(seg) - 1, -1, -1):
        if seg[i] >= remaining and seg[i] > 0:
            f = remaining / seg[i]
            return xy[i + 1] + (xy[i] - xy[i + 1]) * f
        remaining -= seg[i]
    return xy[0].copy()


def rounded(coords: np.ndarray, decimals: int = DECIMALS) -> list[list[float]]:
    """GeoJSON-ready [[lon, lat], ...] rounded to about a kilometre (invisible at world zoom)."""
    return np.round(coords, decimals).tolist()


@dataclass(frozen=True)
class LinearScale:
    """Zero-anchored linear scale: value 0 -> 0, ``max_value`` -> ``max_px``.

    One scale per layer, so widths within a layer compare honestly; ``floor_px`` only keeps
    hair-thin lines visible and hoverable and is stated in the legend.
    """

    max_value: float
    max_px: float
    floor_px: float = 0.0

    def __call__(self, value: float) -> float:
        if self.max_value <= 0:
            return self.floor_px
        return self.max_px * max(value, 0.0) / self.max_value

    def drawn(self, value: float) -> float:
        return round(max(self(value), self.floor_px), 2)


@dataclass(frozen=True)
class AreaScale:
    """Circle radius in pixels with area proportional to value (radius ~ sqrt), zero-anchored."""

    max_value: float
    max_radius_px: float
    floor_px: float = 0.0

    def __call__(self, value: float) -> float:
        if self.max_value <= 0:
            return self.floor_px
        return self.max_radius_px * math.sqrt(max(value, 0.0) / self.max_value)

    def drawn(self, value: float) -> float:
        return round(max(self(value), self.floor_px), 2)


def legend_samples(max_value: float, count: int = 3) -> list[float]:
    """Round values at or below ``max_value`` to show in a legend, largest first."""
    if max_value <= 0:
        return []
    out: list[float] = []
    for fraction in (1.0, 0.4, 0.1, 0.03)[: count + 1]:
        v = _round_down_nice(max_value * fraction)
        if v > 0 and v not in out:
            out.append(v)
    return out[:count]


def _round_down_nice(value: float) -> float:
    """Round down to 1 or 2 significant figures (1, 1.5, 2, 2.5, 3, 4, 5, 6, 7, 8, 9 x 10^k)."""
    if value <= 0:
        return 0.0
    exp = math.floor(math.log10(value))
    base = 10.0**exp
    for step in (9, 8, 7, 6, 5, 4, 3, 2.5, 2, 1.5, 1):
        if step * base <= value * (1 + 1e-9):
            return float(round(step * base, max(0, -exp + 1)))
    return float(base)
