"""Where country labels go: beside their circles, never on them, never on each other.

A label is tried at eight places around its circle (right, left, above, below, then the
diagonals), just clear of the circle's edge and inside the map's box; if all eight touch a
label already placed or a circle, the same eight a line-height farther out (with a leader line
back to the circle), up to ``RINGS`` times. Labels are placed largest country first, so the
largest get the nearest places. A label that must be shown (the largest countries) and finds no
free place goes where it overlaps least; one that need not be shown is dropped.

Coordinates are screen-like: x to the right, y downwards, in any one unit (page pixels or print
points). atlas.js (``placeLabels``) follows the same rule in the page, measuring its own text.
"""

from __future__ import annotations

from dataclasses import dataclass

# Around the circle, in this order: right, left, above, below, then the diagonals.
DIRECTIONS = ((1, 0), (-1, 0), (0, -1), (0, 1), (1, -1), (-1, -1), (1, 1), (-1, 1))
RINGS = 4
GAP = 2.0  # between a circle's edge and its label
MARGIN = 1.0  # kept free around each label


@dataclass(frozen=True)
class LabelItem:
    key: str
    x: float  # the circle's centre
    y: float
    r: float  # the circle's radius
    w: float  # the label's width and height
    h: float
    must: bool = True


@dataclass(frozen=True)
class Placed:
    key: str
    x: float  # the label's centre
    y: float
    box: tuple[float, float, float, float]  # x0, y0, x1, y1
    leader: bool  # placed away from its circle: a line joins them


Circle = tuple[float, float, float]
Box = tuple[float, float, float, float]


def _box_hits_circle(box: Box, c: Circle) -> bool:
    nx = min(max(c[0], box[0]), box[2])
    ny = min(max(c[1], box[1]), box[3])
    return (nx - c[0]) ** 2 + (ny - c[1]) ** 2 < c[2] ** 2


def _overlap(a: Box, b: Box) -> float:
    w = min(a[2], b[2]) - max(a[0], b[0])
    h = min(a[3], b[3]) - max(a[1], b[1])
    return w * h if w > 0 and h > 0 else 0.0


def candidate(it: LabelItem, direction: tuple[int, int], ring: int) -> Box:
    """The label's box at one of the places around its circle."""
    dx, dy = direction
    d = it.r + GAP + ring * it.h
    k = 0.7071 if dx and dy else 1.0
    cx = it.x + dx * (d * k + it.w / 2)
    cy = it.y + dy * (d * k + it.h / 2)
    return (cx - it.w / 2, cy - it.h / 2, cx + it.w / 2, cy + it.h / 2)


def place_labels(
    items: list[LabelItem], circles: list[Circle], bounds: Box | None = None
) -> list[Placed]:
    """Labels for ``items`` (in order of priority), clear of ``circles`` and of each other,
    and inside ``bounds`` (x0, y0, x1, y1) if given."""
    placed: list[Placed] = []
    boxes: list[Box] = []

    def grown(b: Box) -> Box:
        return (b[0] - MARGIN, b[1] - MARGIN, b[2] + MARGIN, b[3] + MARGIN)

    for it in items:
        best: tuple[float, Box, int] | None = None
        chosen: tuple[Box, int] | None = None
        for ring in range(RINGS + 1):
            for direction in DIRECTIONS:
                box = candidate(it, direction, ring)
                g = grown(box)
                hits = sum(_box_hits_circle(g, c) for c in circles)
                if bounds is not None and not (
                    bounds[0] <= box[0]
                    and bounds[1] <= box[1]
                    and box[2] <= bounds[2]
                    and box[3] <= bounds[3]
                ):
                    hits += 1
                cost = sum(_overlap(g, b) for b in boxes)
                if not hits and cost == 0:
                    chosen = (box, ring)
                    break
                cost += hits * it.w * it.h
                if best is None or cost < best[0]:
                    best = (cost, box, ring)
            if chosen:
                break
        if chosen is None:
            if not it.must or best is None:
                continue
            chosen = (best[1], best[2])
        box, ring = chosen
        boxes.append(box)
        placed.append(
            Placed(it.key, (box[0] + box[2]) / 2, (box[1] + box[3]) / 2, box, leader=ring > 0)
        )
    return placed
