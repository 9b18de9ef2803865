"""Countries grouped into their UN M49 sub-regions, for the flow map at world zoom: each
sub-region's countries, the point its grouped flows start and end at, and the routes between
the sub-regions some flow joins (drawn by flows.js when the reader groups countries)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from pipeline.render.curves import Route, region_centres, route
from pipeline.render.projection import WorldProjection, quantise_inside


def route_ints(way: Route, proj: WorldProjection) -> list[list[int]]:
    """A route's pieces as the page's integers, kept inside the world's outline."""
    return [quantise_inside(piece, proj.outline_polygon) for piece in way.pieces]


@dataclass(frozen=True)
class Region:
    """A UN M49 sub-region: its countries and the point its grouped flows start and end at."""

    name: str
    members: tuple[str, ...]
    point: tuple[float, float]  # lon, lat


def subregions(countries: list[dict[str, Any]]) -> list[Region]:
    """Every sub-region of the countries, by name; its point is the circular mean of its
    members' label points in longitude (a region across 180° stays whole) and their mean
    latitude."""
    members: dict[str, list[dict[str, Any]]] = {}
    for c in countries:
        if c.get("subregion"):
            members.setdefault(str(c["subregion"]), []).append(c)
    centres = region_centres(countries)
    return [
        Region(
            name,
            tuple(c["country_code"] for c in group),
            (
                centres[group[0]["country_code"]],
                sum(float(c["lat"]) for c in group) / len(group),
            ),
        )
        for name, group in sorted(members.items())
    ]


def region_pairs(
    regions: list[Region],
    region_of: dict[str, int],
    pair_keys: list[tuple[str, str]],
    proj: WorldProjection,
    routes: str,
    offset: int,
) -> list[list[Any]]:
    """[seller region, buyer region, route pieces...] for every two sub-regions some flow
    joins, regions numbered after the countries (``offset``), as the pairs of countries."""
    joined = sorted(
        {
            (region_of[s], region_of[b])
            for s, b in pair_keys
            if s in region_of and b in region_of and region_of[s] != region_of[b]
        }
    )
    out = []
    for rs, rb in joined:
        seller, buyer = regions[rs].point, regions[rb].point
        way = route(proj, seller, buyer, routes, seller[0])
        out.append([offset + rs, offset + rb, *route_ints(way, proj)])
    return out
