"""Colours shared by the maps, chosen to stay apart for colour-blind readers where possible."""

from __future__ import annotations

from typing import Any

# Lines by direction of the work. South -> North is the story of the atlas: one strong colour.
DIRECTION_COLOURS = {
    "south_to_north": "#c2185b",
    "north_to_north": "#4a78b0",
    "south_to_south": "#2e9a6a",
    "north_to_south": "#e08e0b",
    "unclassified": "#8c8c8c",
}
DIRECTION_TEXT = {
    "south_to_north": "South → North (worker South, buyer North)",
    "north_to_north": "North → North",
    "south_to_south": "South → South",
    "north_to_south": "North → South (worker North, buyer South)",
    "unclassified": "not classified by this scheme",
}

# Circles by the country's group.
GROUP_COLOURS = {True: "#2c5d8f", False: "#d0661c", None: "#8c8c8c"}
GROUP_TEXT = {True: "North", False: "South", None: "not classified"}

# Background polygons: faint North/South shading so the lines stay in front.
BACKGROUND_FILL = {True: "#dfe4ec", False: "#efeae2", None: "#e8e8e8"}
BACKGROUND_EDGE = "#ffffff"
OCEAN = "#f6f8fb"

# Diverging classes for the balance map: net buyers (purple) <-> net sellers (orange), PuOr.
BALANCE_BUYER = ("#542788", "#8073ac", "#b2abd2")  # strongest first
BALANCE_SELLER = ("#b35806", "#e08214", "#fdb863")  # strongest first
BALANCE_EVEN = "#f7f7f7"
BALANCE_ONE_SIDED = "#d9d9d9"

# Claims: one colour per claim (Tableau 10), cycled.
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
)


def group_key(is_north: Any) -> bool | None:
    return None if is_north is None else bool(is_north)
