"""Colours and sizes shared by the pages, the print versions and the tests."""

from __future__ import annotations

import math
from typing import Any

from pipeline.render.text import number

# Lines by direction of the work. The smallest CIEDE2000 distance between any two of these,
# drawn at LINE_OPACITY over the ocean or either land colour, is 18.7 under deuteranopia (and
# more under protanopia and tritanopia; Machado et al. 2009): tests/test_render_colours.py
# checks it stays >= 15. Lightness carries part of the difference (dark blue, mid red, light
# teal, orange), so the key also reads in greyscale.
DIRECTION_COLOURS = {
    "south_to_north": "#b2182b",
    "north_to_north": "#253494",
    "south_to_south": "#41b6c4",
    "north_to_south": "#e6850e",
    "unclassified": "#737373",
}
DIRECTION_TEXT = {
    "south_to_north": "South → North (worker South, buyer North)",
    "north_to_north": "North → North",
    "south_to_south": "South → South",
    "north_to_south": "North → South (worker North, buyer South)",
    "unclassified": "not classified by this scheme",
}
LINE_OPACITY = 0.9
# The change view between two years: gains green, losses purple (PRGn's ends: 36 apart in
# CIEDE2000 at the drawn opacity, for every colour-vision deficiency; test_render_colours.py).
CHANGE_COLOURS = {"gain": "#1b7837", "loss": "#762a83"}
# Each highlighted flow has a thin white casing (1 px each side), so flows that cross or run
# side by side stay apart; circles have a white halo and lie above the flows.
CASING = "#ffffff"
CASING_OPACITY = 0.75
CIRCLE_OPACITY = 0.45
# Lines the direction filter leaves out stay as faint context.
GREYED = "#c4c4c4"
# A flow between two sub-regions whose work goes in more than one North/South direction.
MIXED_COLOUR = "#6b6b6b"
# Countries grouped into sub-regions are drawn up to this many zoom levels past the zoom that
# shows the whole world; closer in, each country is drawn (flowmap.blue's clusters by zoom).
REGION_ZOOM = 1.0
GREYED_OPACITY = 0.55
# Estimated flows (modelled from published shares) are dashed; observed ones are solid.
ESTIMATED_DASH = "7 4"

# Line widths and circle radii in screen pixels (print: points). Width is proportional to the
# volume by default, so a flow twice as large is drawn twice as wide and the dominance of the
# largest corridors shows (Jenny et al. 2018; flowmap.gl); it is capped at MAX_WIDTH_PX for the
# largest flow of the source and never thinner than MIN_WIDTH_PX. The square root, a switch in
# the page, keeps the small flows apart but makes a flow ten times larger look about three
# times wider.
WIDTH_SCALES = ("linear", "sqrt")
DEFAULT_WIDTH_SCALE = "linear"
MIN_WIDTH_PX = 1.0
MAX_WIDTH_PX = 18.0
MIN_RADIUS_PX = 2.0
MAX_RADIUS_PX = 24.0
LABELS = 15
# On a small map (a phone) lines, circles and heads shrink with the world: below a world this
# many pixels wide, sizes are scaled by its width over this (at least MIN_SIZE_SCALE), and the
# labels by its width over LABELS_FULL_PX (at least MIN_LABELS).
SIZE_FULL_PX = 800.0
MIN_SIZE_SCALE = 0.4
LABELS_FULL_PX = 600.0
MIN_LABELS = 5
# The white markers where a flow leaves the map's edge and comes back: at least this radius,
# and as wide as the line running into them (edge_marker_px).
EDGE_MARKER_PX = 4.0
# The keys' values: round numbers at these fractions of the series' largest flow / country
# (widths: for each scale, values the eye can tell apart above the 1 px floor).
WIDTH_KEY = {"linear": (1.0, 0.5, 0.25, 0.1), "sqrt": (1.0, 0.25, 0.04)}
CIRCLE_KEY = (1.0, 0.25, 0.04)

# Circles by the country's group.
GROUP_COLOURS = {True: "#2c5d8f", False: "#d0661c", None: "#8c8c8c"}
GROUP_TEXT = {True: "North", False: "South", None: "not classified"}

# The world: ocean inside the projection's outline, land in one quiet tone, page outside.
OCEAN = "#eef3f8"
LAND = "#dcdcd6"
LAND_EDGE = "#ffffff"
PAGE = "#ffffff"
OUTLINE_EDGE = "#9fb2c6"
LAND_FILL = {True: "#d8dde6", False: "#e6e0d4", None: "#dcdcd6"}

# Balance map: net buyers (purple) <-> net sellers (orange), PuOr; gross views sequential.
BALANCE_BUYER = ("#542788", "#8073ac", "#b2abd2")  # strongest first
BALANCE_SELLER = ("#b35806", "#e08214", "#fdb863")  # strongest first
BALANCE_EVEN = "#fbfbf5"
# One side only: hatched, so it differs from countries without data and from "balanced".
ONE_SIDED_HATCH = "#6b6b6b"
ONE_SIDED_BACK = "#f3f3f3"
NO_DATA = "#d4d4d4"
GROSS_BOUGHT = ("#3f007d", "#6a51a3", "#9e9ac8", "#dadaeb")  # strongest first
GROSS_SOLD = ("#7f2704", "#d94801", "#fd8d3c", "#fdd0a2")  # strongest first
# Balance classes: limits as fractions of the layer's largest |net| (net view) or largest value
# (gross views). A country's class is an index into its view's palette below; the page is given
# the classes (balance.py, page_data) and only looks the colours up.
NET_LIMITS = (0.01, 0.1)
GROSS_LIMITS = (0.01, 0.1, 0.3)
BALANCE_VIEWS = ("net", "bought", "sold")
BALANCE_CLASSES = {
    # net sellers strongest first, net buyers strongest first, then balanced (net 0)
    "net": (*BALANCE_SELLER, *BALANCE_BUYER, BALANCE_EVEN),
    "bought": GROSS_BOUGHT,
    "sold": GROSS_SOLD,
}

# Claims: one colour per claim, in the order of the claims' numbers: Tableau 10, then a dark
# navy and a light blue, so the 11 claims of the seed documents get 11 different colours (the
# closest two, as drawn over the land, are 15.8 apart in CIEDE2000: tests/test_render_colours.py
# keeps them >= 15); a 13th claim would repeat the first colour.
CLAIM_COLOURS = (
    "#4e79a7",
    "#f28e2b",
    "#e15759",
    "#76b7b2",
    "#59a14f",
    "#edc948",
    "#b07aa1",
    "#ff9da7",
    "#9c755f",
    "#bab0ac",
    "#17375e",
    "#a0cbe8",
)


def group_key(is_north: Any) -> bool | None:
    return None if is_north is None else bool(is_north)


def style_for_page() -> dict[str, Any]:
    """The same constants, for the page's JavaScript."""
    return {
        "direction_colours": DIRECTION_COLOURS,
        "direction_text": DIRECTION_TEXT,
        "line_opacity": LINE_OPACITY,
        "change_colours": CHANGE_COLOURS,
        "casing": CASING,
        "casing_opacity": CASING_OPACITY,
        "circle_opacity": CIRCLE_OPACITY,
        "greyed": GREYED,
        "mixed_colour": MIXED_COLOUR,
        "region_zoom": REGION_ZOOM,
        "greyed_opacity": GREYED_OPACITY,
        "estimated_dash": ESTIMATED_DASH,
        "width_scales": WIDTH_SCALES,
        "width_scale": DEFAULT_WIDTH_SCALE,
        "min_width": MIN_WIDTH_PX,
        "max_width": MAX_WIDTH_PX,
        "min_radius": MIN_RADIUS_PX,
        "max_radius": MAX_RADIUS_PX,
        "labels": LABELS,
        "size_full_px": SIZE_FULL_PX,
        "min_size_scale": MIN_SIZE_SCALE,
        "labels_full_px": LABELS_FULL_PX,
        "min_labels": MIN_LABELS,
        "edge_marker": EDGE_MARKER_PX,
        "width_key": WIDTH_KEY,
        "circle_key": CIRCLE_KEY,
        "group_colours": {
            "north": GROUP_COLOURS[True],
            "south": GROUP_COLOURS[False],
            "none": GROUP_COLOURS[None],
        },
        "ocean": OCEAN,
        "land": LAND_FILL[None],
        "land_north": LAND_FILL[True],
        "land_south": LAND_FILL[False],
        "land_edge": LAND_EDGE,
        "outline_edge": OUTLINE_EDGE,
        "one_sided_hatch": ONE_SIDED_HATCH,
        "one_sided_back": ONE_SIDED_BACK,
        "no_data": NO_DATA,
        "balance_classes": BALANCE_CLASSES,
    }


def width_px(value: float, max_value: float, scale: str = DEFAULT_WIDTH_SCALE) -> float:
    """Line width for a volume on a series whose largest pair is ``max_value``: proportional to
    the volume (``linear``) or to its square root (``sqrt``), capped at MAX_WIDTH_PX, at least
    MIN_WIDTH_PX."""
    if scale not in WIDTH_SCALES:
        raise ValueError(f"width scale must be one of {WIDTH_SCALES}, not {scale!r}")
    if max_value <= 0 or value <= 0:
        return MIN_WIDTH_PX
    fraction = min(1.0, value / max_value)
    if scale == "sqrt":
        fraction = fraction**0.5
    return round(max(MIN_WIDTH_PX, MAX_WIDTH_PX * fraction), 2)


def floor_volume(max_value: float, scale: str = DEFAULT_WIDTH_SCALE) -> float:
    """The volume under which a line is drawn at the MIN_WIDTH_PX floor."""
    ratio = MIN_WIDTH_PX / MAX_WIDTH_PX
    return max_value * (ratio if scale == "linear" else ratio**2)


def edge_marker_px(width: float) -> float:
    """Radius of the edge markers of a line ``width`` px wide: wider than the line."""
    return max(EDGE_MARKER_PX, width / 2 + 1.5)


def nice_below(value: float) -> float:
    """The largest round number (1, 1.5, 2, 2.5, 3 … 9 times a power of ten) at or below
    ``value``, for the keys (atlas.js, niceBelow)."""
    if not value > 0:
        return 0.0
    base = 10.0 ** math.floor(math.log10(value))
    for step in (9, 8, 7, 6, 5, 4, 3, 2.5, 2, 1.5, 1):
        if step * base <= value * (1 + 1e-9):
            return step * base
    return base


def _key(largest: float, fractions: tuple[float, ...]) -> list[float]:
    out: list[float] = []
    for f in fractions:
        v = nice_below(largest * f)
        if v > 0 and v not in out:
            out.append(v)
    return out


def width_key(width_max: float, scale: str = DEFAULT_WIDTH_SCALE) -> list[tuple[float, float]]:
    """(volume, line width) of the width key: round volumes at fixed fractions of the series'
    largest flow, as the page's key (flows.js, widthKey)."""
    return [(v, width_px(v, width_max, scale)) for v in _key(width_max, WIDTH_KEY[scale])]


def circle_key(circle_max: float) -> list[tuple[float, float]]:
    """(country total, circle radius) of the circle key."""
    return [(v, radius_px(v, circle_max)) for v in _key(circle_max, CIRCLE_KEY)]


def width_text(width_max: float, unit: str, scale: str = DEFAULT_WIDTH_SCALE) -> str:
    """How widths are scaled, in words (the page's widthText says the same)."""
    how = (
        "Line width is proportional to the volume"
        if scale == "linear"
        else "Line width grows with the square root of the volume"
    )
    return (
        f"{how}, capped at {number(MAX_WIDTH_PX)} px for the largest flow of the source "
        f"({number(width_max)} {unit}); flows under {number(floor_volume(width_max, scale))} "
        f"are drawn {number(MIN_WIDTH_PX)} px wide."
    )


def radius_px(value: float, max_value: float) -> float:
    """Circle radius: area proportional to the country's total."""
    if max_value <= 0 or value <= 0:
        return MIN_RADIUS_PX
    return round(max(MIN_RADIUS_PX, MAX_RADIUS_PX * float((value / max_value) ** 0.5)), 2)


def balance_class(view: str, value: float | None, largest: float) -> int | None:
    """The class of a country's value in a balance view (an index into BALANCE_CLASSES[view]),
    given the layer's largest |net| (net) or largest value (gross); None when the source
    publishes one side only (drawn hatched)."""
    if value is None:
        return None
    if view == "net":
        if value == 0 or largest <= 0:
            return len(BALANCE_SELLER) + len(BALANCE_BUYER)  # balanced
        fraction = abs(value) / largest
        band = 0 if fraction > NET_LIMITS[1] else 1 if fraction > NET_LIMITS[0] else 2
        return band if value > 0 else len(BALANCE_SELLER) + band
    fraction = value / largest if largest > 0 else 0.0
    for band, limit in enumerate(reversed(GROSS_LIMITS)):
        if fraction > limit:
            return band
    return len(GROSS_LIMITS)


def balance_limits(view: str, largest: float) -> list[float]:
    """The values at the class limits of a balance view, smallest first (for the keys)."""
    return [limit * largest for limit in (NET_LIMITS if view == "net" else GROSS_LIMITS)]


def balance_colour(view: str, value: float | None, largest: float) -> str | None:
    """Fill for a country's value in a balance view; None means one side only (hatched)."""
    cls = balance_class(view, value, largest)
    return None if cls is None else BALANCE_CLASSES[view][cls]
