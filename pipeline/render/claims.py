"""claims.html: what the literature says about who buys from whom, one colour per claim.

A claim names buyer countries and seller countries (and sometimes regions); every buyer ×
seller country pair of the same claim is drawn as a curved flow from the seller to the buyer,
in the same projection and with the same curves as the flow map. Regions have no point on the
map, so they are listed in the legend and the tooltips instead.

Each claim record has a ``verdict`` field (None for now): when the database gains a table that
checks claims against the data, ``claim_records`` fills it and the page shows it beside the
claim (claims.js, ``verdictText``).
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from pipeline.render.curves import route, sea_across
from pipeline.render.page import map_page, save_page
from pipeline.render.projection import WorldProjection, delta_encode, quantise, quantise_inside
from pipeline.render.queries import query_rows
from pipeline.render.shapes import country_shapes
from pipeline.render.style import CLAIM_COLOURS, style_for_page

TITLE = "Claims about who buys online work from whom"


@dataclass(frozen=True)
class ClaimRecords:
    claims: list[dict[str, Any]]
    links: list[dict[str, Any]]
    parties: list[dict[str, Any]]


def claim_records(con: duckdb.DuckDBPyConnection) -> ClaimRecords:
    """Claims, their buyer × seller links and their parties, as plain rows."""
    claims = query_rows(con, "claim_list")
    for c in claims:
        c["verdict"] = None
    return ClaimRecords(claims, query_rows(con, "claim_links"), query_rows(con, "claim_parties"))


def claim_colours(claim_ids: list[str]) -> dict[str, str]:
    return {c: CLAIM_COLOURS[i % len(CLAIM_COLOURS)] for i, c in enumerate(claim_ids)}


def page_data(
    records: ClaimRecords, proj: WorldProjection, routes: str = "curved"
) -> dict[str, Any]:
    points: dict[str, tuple[str, float, float]] = {}
    for p in records.parties:
        if p["is_drawn"]:
            points[p["country_code"]] = (p["party_name"], float(p["lon"]), float(p["lat"]))
    codes = sorted(points)
    index = {c: i for i, c in enumerate(codes)}
    roles: dict[str, dict[str, list[str]]] = defaultdict(lambda: {"buyer": [], "seller": []})
    for p in records.parties:
        if p["is_drawn"]:
            roles[p["country_code"]][p["role"]].append(p["claim_id"])
    parties_by_claim: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in records.parties:
        parties_by_claim[p["claim_id"]].append(
            {"role": p["role"], "name": p["party_name"], "drawn": bool(p["is_drawn"])}
        )
    colours = claim_colours([c["claim_id"] for c in records.claims])
    links = []
    for link in records.links:
        s, b = link["seller_country_code"], link["buyer_country_code"]
        r = route(proj, points[s][1:], points[b][1:], routes)
        links.append(
            [link["claim_id"], index[s], index[b]]
            + [quantise_inside(p, proj.outline_polygon) for p in r.pieces]
        )
    return {
        "map": "claims",
        "title": TITLE,
        "style": style_for_page(),
        "proj": {"name": proj.name, "lon_0": proj.lon_0, "sea": sea_across(proj)},
        "routes": routes,
        "outline": delta_encode(proj.outline),
        "countries": {
            "code": codes,
            "name": [points[c][0] for c in codes],
            "pt": [v for c in codes for v in quantise([proj.point(*points[c][1:])])],
            "as_buyer": [sorted(set(roles[c]["buyer"])) for c in codes],
            "as_seller": [sorted(set(roles[c]["seller"])) for c in codes],
        },
        "shapes": country_shapes(proj.lon_0).encoded({}),
        "claims": [
            {
                "id": c["claim_id"],
                "colour": colours[c["claim_id"]],
                "statement": c["statement"],
                "quote": c["quote"],
                "platform": c["platform"],
                "seed_file": c["seed_file"],
                "cited_study": c["cited_study"],
                "citation": c["source_citation"],
                "parties": parties_by_claim[c["claim_id"]],
                "verdict": c["verdict"],
            }
            for c in records.claims
        ],
        "links": links,
        "links_total": len(links),
    }


def render_claims(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    proj: WorldProjection | None = None,
    routes: str = "curved",
) -> Path:
    """Write claims.html and return its path."""
    html = map_page(
        TITLE + " · Microwork Atlas",
        page_data(claim_records(con), proj or WorldProjection(), routes),
        ["claims.js"],
        "Claims map: published statements about which countries buy online work and which "
        "do it, drawn as curved lines from the workers' to the buyers' countries.",
    )
    return save_page(html, path)
