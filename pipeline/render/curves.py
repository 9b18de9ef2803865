"""Where each flow runs on the projected map: a symmetric curve, or two across the map's edge.

A flow is a quadratic Bézier curve between the two countries' label points, bowed to the right
of travel, so A -> B and B -> A always lie on opposite sides (Jenny et al. 2018: curved,
symmetric, longer flows bowed more, no sharp bends).

One rule decides which way a flow goes round the world: the way that is shorter on the globe,
that is, the way the great circle goes (east or west, whichever spans less than 180° of
longitude), judged from the centre of the seller's UN M49 sub-region rather than from the
seller alone, so that neighbouring origins go the same way to one buyer: Viet Nam, the
Philippines and Indonesia all cross the Pacific to the United States; India, Bangladesh and
Pakistan all cross the Atlantic (Bangladesh alone is 171° east of the United States, India
177° west). A flow whose way crosses the map's edge (the Philippines -> United States, centred
on Europe) is drawn as two curves: from the seller to the edge, and from the opposite edge to
the buyer, at the latitude where the flow's great circle crosses the cut (where it goes the
other way, at the latitude a straight line in longitude and latitude crosses it).
``routes="great-circle"`` draws each flow's own geodesic instead; Equal Earth shows the poles
as lines, so those never clamp.

The browser and the print version both draw from the pieces computed here.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import shapely
from pyproj import Geod

from pipeline.render.projection import WorldProjection

ROUTES = ("curved", "great-circle")
# Bow: control point offset as a fraction of the chord, growing with the chord's length.
BOW_SHORT = 0.10
BOW_LONG = 0.20
BOW_FULL_AT = 150.0  # units (15,000 km) at which a flow gets the full bow
GC_DEGREES_PER_VERTEX = 3.0
# Edge points sit this far inside the cut, so they are inside the drawn (polygonal) outline.
EDGE_INSET_DEG = 0.05
_GEOD = Geod(ellps="WGS84")


@dataclass(frozen=True)
class Route:
    """A flow's drawn path: pieces of (3 x 2) Bézier control points, or (n x 2) polylines."""

    kind: str  # "bezier" or "polyline"
    pieces: tuple[np.ndarray, ...]

    @property
    def split(self) -> bool:
        return len(self.pieces) > 1

    def edge_points(self) -> list[np.ndarray]:
        """Where the route leaves and re-enters the map (empty when it does not)."""
        out = []
        for a, b in zip(self.pieces, self.pieces[1:], strict=False):
            out.extend([a[-1], b[0]])
        return out

    def sampled(self, n: int = 24) -> np.ndarray:
        """All drawn vertices (pieces stacked), for checks."""
        return np.vstack([sample(p, n) if self.kind == "bezier" else p for p in self.pieces])


def bezier(p0: np.ndarray, p2: np.ndarray, outline: shapely.Polygon | None = None) -> np.ndarray:
    """Control points of a symmetric curve from p0 to p2, bowed to the right of travel.

    If the bow would push the curve outside the world (near the edge), it is halved until the
    control point, and with it the whole curve (which lies inside the triangle of its control
    points; the outline is convex), is inside.
    """
    p0 = np.asarray(p0, dtype=float)
    p2 = np.asarray(p2, dtype=float)
    d = p2 - p0
    length = float(np.hypot(*d))
    if length == 0:
        return np.vstack([p0, p0, p2])
    right = np.array([d[1], -d[0]]) / length
    k = BOW_SHORT + (BOW_LONG - BOW_SHORT) * min(1.0, length / BOW_FULL_AT)
    mid = (p0 + p2) / 2
    for _ in range(6):
        control = mid + right * k * length
        if outline is None or outline.covers(shapely.Point(control)):
            return np.vstack([p0, control, p2])
        k /= 2
    return np.vstack([p0, mid, p2])


def sample(ctrl: np.ndarray, n: int = 24) -> np.ndarray:
    """n points along a quadratic Bézier curve (ends included)."""
    t = np.linspace(0.0, 1.0, n)[:, None]
    points: np.ndarray = (1 - t) ** 2 * ctrl[0] + 2 * (1 - t) * t * ctrl[1] + t**2 * ctrl[2]
    return points


def _crossing_lat(
    proj: WorldProjection, lon1: float, lat1: float, lon2: float, lat2: float, east: bool
) -> float:
    """Latitude where the way from point 1 to point 2, going ``east`` (or west), crosses the
    map's cut: where the great circle crosses it if it goes that way, else where the straight
    line in longitude and latitude does."""
    n = 180
    pts = np.array(_GEOD.npts(lon1, lat1, lon2, lat2, n))
    lons = np.concatenate([[lon1], pts[:, 0], [lon2]])
    lats = np.concatenate([[lat1], pts[:, 1], [lat2]])
    rel = np.degrees(np.unwrap(np.radians(lons - proj.lon_0)))
    rel -= 360.0 * np.round((rel[0] - (proj.frame_lon(lon1) - proj.lon_0)) / 360.0)
    edge = 180.0 if east else -180.0
    for i in range(len(rel) - 1):
        a, b = rel[i] - edge, rel[i + 1] - edge
        if a == 0 or a * b < 0:
            f = 0.0 if a == b else a / (a - b)
            return float(lats[i] + f * (lats[i + 1] - lats[i]))
    start = float(proj.frame_lon(lon1)) - proj.lon_0
    end = float(proj.frame_lon(lon2)) - proj.lon_0 + (360.0 if east else -360.0)
    f = (edge - start) / (end - start)
    return float(lat1 + f * (lat2 - lat1))


def way_across(proj: WorldProjection, seller_lon: float, buyer_lon: float) -> bool | None:
    """None if the shorter way on the globe from ``seller_lon`` to ``buyer_lon`` stays inside
    the map; else whether it leaves the map eastward (True) or westward (False)."""
    start = float(proj.frame_lon(seller_lon))
    end = float(proj.frame_lon(buyer_lon))
    if abs(end - start) <= 180.0:
        return None
    return end < start  # the buyer lies west on the map: the short way goes east, over the cut


def crosses_edge(proj: WorldProjection, seller_lon: float, buyer_lon: float) -> bool:
    """True if the flow is shorter across the map's edge than across the map."""
    return way_across(proj, seller_lon, buyer_lon) is not None


def region_centres(countries: list[dict[str, object]]) -> dict[str, float]:
    """Each country's deciding longitude: the centre (circular mean of the label points of
    every country in the reference) of its UN M49 sub-region, or its own longitude when it has
    none."""
    members: dict[str, list[float]] = {}
    for c in countries:
        if c.get("subregion") and c.get("lon") is not None:
            members.setdefault(str(c["subregion"]), []).append(float(str(c["lon"])))
    centre = {
        region: math.degrees(
            math.atan2(
                sum(math.sin(math.radians(v)) for v in lons),
                sum(math.cos(math.radians(v)) for v in lons),
            )
        )
        for region, lons in members.items()
    }
    return {
        str(c["country_code"]): centre.get(str(c.get("subregion")), float(str(c["lon"])))
        for c in countries
        if c.get("lon") is not None
    }


def route(
    proj: WorldProjection,
    seller: tuple[float, float],
    buyer: tuple[float, float],
    kind: str = "curved",
    seller_centre: float | None = None,
) -> Route:
    """The path of the flow from ``seller`` (lon, lat) to ``buyer`` (lon, lat); its way round
    the world is judged from ``seller_centre`` (the longitude of the centre of the seller's
    sub-region; the seller's own longitude if not given)."""
    if kind not in ROUTES:
        raise ValueError(f"routes must be one of {ROUTES}, not {kind!r}")
    if kind == "great-circle":
        return great_circle_route(proj, seller, buyer)
    start = np.array(proj.point(*seller))
    end = np.array(proj.point(*buyer))
    outline = proj.outline_polygon
    east = way_across(proj, seller[0] if seller_centre is None else seller_centre, buyer[0])
    if east is None:
        return Route("bezier", (bezier(start, end, outline),))
    lat = _crossing_lat(proj, *seller, *buyer, east)
    inset = EDGE_INSET_DEG
    if east:
        exit_lon, entry_lon = proj.east - inset, proj.west + inset
    else:
        exit_lon, entry_lon = proj.west + inset, proj.east - inset
    exit_pt = proj.project(exit_lon, lat)[0]
    entry_pt = proj.project(entry_lon, lat)[0]
    return Route("bezier", (bezier(start, exit_pt, outline), bezier(entry_pt, end, outline)))


def great_circle_route(
    proj: WorldProjection, seller: tuple[float, float], buyer: tuple[float, float]
) -> Route:
    """The geodesic, cut where it crosses the map's edge; poles are lines, so nothing clamps."""
    _, _, metres = _GEOD.inv(*seller, *buyer)
    n = max(2, min(120, math.ceil(metres / 111_195 / GC_DEGREES_PER_VERTEX)))
    inner = np.array(_GEOD.npts(*seller, *buyer, n)).reshape(-1, 2)
    lons = np.concatenate([[seller[0]], inner[:, 0], [buyer[0]]])
    lats = np.concatenate([[seller[1]], inner[:, 1], [buyer[1]]])
    rel = np.degrees(np.unwrap(np.radians(lons - proj.lon_0)))
    rel -= 360.0 * np.round((rel[0] - (proj.frame_lon(seller[0]) - proj.lon_0)) / 360.0)
    pieces: list[list[tuple[float, float]]] = [[(rel[0], lats[0])]]
    for i in range(1, len(rel)):
        a, b = rel[i - 1], rel[i]
        for edge in (180.0, -180.0):
            if (a - edge) * (b - edge) < 0:
                f = (a - edge) / (a - b)
                lat = lats[i - 1] + f * (lats[i] - lats[i - 1])
                inset = math.copysign(EDGE_INSET_DEG, edge)
                pieces[-1].append((edge - inset, lat))
                pieces.append([(-edge + inset, lat)])
                rel[i:] -= 2 * edge
                b = rel[i]
        pieces[-1].append((b, lats[i]))
    out = []
    for piece in pieces:
        arr = np.array(piece)
        out.append(proj.project(arr[:, 0] + proj.lon_0, arr[:, 1]))
    return Route("polyline", tuple(out))


def sea_across(proj: WorldProjection) -> str:
    """Name of the ocean the map's cut runs through, for tooltips of split flows."""
    cut = float(proj.frame_lon(proj.lon_0 + 180.0)) % 360.0
    if 120.0 <= cut <= 290.0:
        return "the Pacific"
    if cut > 290.0 or cut <= 20.0:
        return "the Atlantic"
    return "the Indian Ocean"


# Arrowheads and line ends, in pixels: the same rules as atlas.js uses in the page, so the
# print version and the browser draw the same heads.
def head_size(width_px: float) -> tuple[float, float]:
    """(length, width) of an arrowhead for a line ``width_px`` wide: always wider than it."""
    width = 1.6 * width_px + 6.0
    return 1.1 * width, width


def trim_end(points: np.ndarray, cut: float) -> tuple[np.ndarray, np.ndarray]:
    """Polyline shortened by ``cut`` (same units) at its end; also the removed end's direction."""
    seg = np.hypot(*np.diff(points, axis=0).T)
    remaining = cut
    for i in range(len(seg) - 1, -1, -1):
        if seg[i] >= remaining and seg[i] > 0:
            f = remaining / seg[i]
            end = points[i + 1] + (points[i] - points[i + 1]) * f
            out = np.vstack([points[: i + 1], end])
            direction = points[i + 1] - points[i]
            return out, direction / (np.hypot(*direction) or 1.0)
        remaining -= seg[i]
    direction = points[-1] - points[0]
    return points[:1], direction / (np.hypot(*direction) or 1.0)


def trim_start(points: np.ndarray, cut: float) -> np.ndarray:
    """Polyline shortened by ``cut`` (at most 30 % of it) at its start: a flow leaves from the
    edge of its seller's circle, not its centre."""
    length = float(np.hypot(*np.diff(points, axis=0).T).sum())
    out, _ = trim_end(points[::-1], min(cut, 0.3 * length))
    return out[::-1]


def taper_size(width_px: float) -> tuple[float, float]:
    """(length, width) of a tapered end for a line ``width_px`` wide: as wide as the line."""
    return 1.5 * width_px + 4.0, width_px


def arrow_at_end(
    points: np.ndarray,
    width_px: float,
    end_radius_px: float,
    px_per_unit: float,
    taper: bool = False,
) -> tuple[np.ndarray, np.ndarray]:
    """(line, head): the last piece of a flow ending at the edge of the buyer's circle, with
    its arrowhead (triangle, 3 x 2) whose tip touches the circle; with ``taper``, a point as
    wide as the line instead of a head wider than it. All in map units."""
    length = float(np.hypot(*np.diff(points, axis=0).T).sum())
    head_len, head_w = taper_size(width_px) if taper else head_size(width_px)
    head_len = min(head_len / px_per_unit, 0.45 * length)
    head_w = head_w / px_per_unit
    gap = min((end_radius_px + 1.0) / px_per_unit, 0.3 * length)
    to_tip, direction = trim_end(points, gap)
    tip = to_tip[-1]
    base = tip - direction * head_len
    normal = np.array([-direction[1], direction[0]])
    head = np.vstack([tip, base + normal * head_w / 2, base - normal * head_w / 2])
    # the line stops inside the head, so its square end never shows past the tip
    line, _ = trim_end(to_tip, head_len * 0.7)
    return line, head


def triangles_meet(a: np.ndarray, b: np.ndarray, margin: float) -> bool:
    """Whether two triangles come closer than ``margin`` (separating axes; atlas.js,
    trianglesMeet)."""
    for poly in (a, b):
        for i in range(len(poly)):
            edge = poly[(i + 1) % len(poly)] - poly[i]
            axis = np.array([-edge[1], edge[0]])
            norm = float(np.hypot(*axis))
            if not norm > 0:
                continue
            pa, pb = a @ (axis / norm), b @ (axis / norm)
            if pa.max() + margin <= pb.min() or pb.max() + margin <= pa.min():
                return False
    return True


def choose_heads(heads: list[np.ndarray], margin: float) -> list[bool]:
    """Which arrowheads to draw, given in order of priority (largest flow first): each one
    that keeps ``margin`` clear of every head already kept. The others end in a point as wide
    as their line (``taper``), so no hub is a heap of heads (atlas.js, chooseHeads)."""
    kept: list[np.ndarray] = []
    out = []
    for h in heads:
        free = not any(triangles_meet(h, k, margin) for k in kept)
        if free:
            kept.append(h)
        out.append(free)
    return out


@dataclass(frozen=True)
class FlowShape:
    """A flow as drawn: its pieces as polylines (map units), the first leaving the seller's
    circle at its edge, the last ending where its arrowhead (``head``) or its point (``taper``)
    starts; each end is (line, triangle)."""

    lines: tuple[np.ndarray, ...]
    head: tuple[np.ndarray, np.ndarray]
    taper: tuple[np.ndarray, np.ndarray]


def flow_shape(
    r: Route, width_px: float, start_radius_px: float, end_radius_px: float, px_per_unit: float
) -> FlowShape:
    """The drawn shape of a flow (atlas.js and flows.js, flowShape, do the same)."""
    lines = [sample(p, 24) if r.kind == "bezier" else p for p in r.pieces]
    lines[0] = trim_start(lines[0], (start_radius_px + 1.0) / px_per_unit)
    return FlowShape(
        tuple(lines),
        arrow_at_end(lines[-1], width_px, end_radius_px, px_per_unit),
        arrow_at_end(lines[-1], width_px, end_radius_px, px_per_unit, taper=True),
    )


@dataclass
class RouteBook:
    """One route per (seller, buyer) pair, computed once for every layer that draws it."""

    proj: WorldProjection
    kind: str
    points: dict[str, tuple[float, float]]
    # each country's sub-region centre (longitude): neighbours go the same way round the world
    centres: dict[str, float] = field(default_factory=dict)
    routes: dict[tuple[str, str], Route] = field(default_factory=dict)

    def __post_init__(self) -> None:
        self.proj.remember(self.points.values())

    def get(self, seller: str, buyer: str) -> Route:
        key = (seller, buyer)
        if key not in self.routes:
            self.routes[key] = route(
                self.proj,
                self.points[seller],
                self.points[buyer],
                self.kind,
                self.centres.get(seller),
            )
        return self.routes[key]
