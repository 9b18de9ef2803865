"""claims.html: what the literature says about who buys from whom, one colour per claim.

A claim names buyer countries and seller countries (and sometimes regions); every buyer ×
seller country pair of the same claim is drawn as a curved flow from the seller to the buyer,
in the same projection and with the same curves as the flow map. Regions have no point on the
map, so they are listed in the legend and the tooltips instead.

Every party carries its verdict from out__claims_check (sql/maps/claims_check.sql), judged only
by sources of the market the claim is about: supported, borderline, sources disagree,
contradicted, no data, not measured (no source measures that market) or not judged (an
anecdote), with the figures behind it, one line per source naming its market, and the figures
of other markets as context, never as a verdict. Each drawn party gets a small verdict mark
beside its country's circle, each link is dashed after the weaker of its two ends, and every
claim carries its own verdict and party counts.
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
from pipeline.render.text import truncate

TITLE = "Claims about who buys online work from whom"

# Party verdicts, weakest last: a link takes the weaker verdict of its two ends. Okabe-Ito
# blue, sky blue, vermillion and yellow stay apart for the common colour-vision deficiencies
# and differ in lightness; "no data" is a hollow mark, "not measured" a grey one and "not
# judged" a hollow one with a dotted edge, so none of them rests on colour alone.
VERDICTS = (
    "supported",
    "borderline",
    "sources disagree",
    "contradicted",
    "no data",
    "not measured",
    "not judged",
)
VERDICT_FILL = {
    "supported": "#0072b2",
    "borderline": "#56b4e9",
    "sources disagree": "#f0e442",
    "contradicted": "#d55e00",
    "no data": "#ffffff",
    "not measured": "#c8c8c8",
    "not judged": "#ffffff",
}
VERDICT_EDGE = {
    "supported": "#003d5c",
    "borderline": "#1d5a7a",
    "sources disagree": "#6b6200",
    "contradicted": "#6b2e00",
    "no data": "#6b6b6b",
    "not measured": "#6b6b6b",
    "not judged": "#8a8a8a",
}
VERDICT_DASH = {
    "supported": None,
    "borderline": "12 4",
    "sources disagree": "10 3 2 3",
    "contradicted": "7 4",
    "no data": "1.5 4",
    "not measured": "1 7",
    "not judged": "0.5 10",
}
# the edge of a verdict mark, dotted where the fill alone would not tell it from "no data"
MARK_DASH = {"not judged": "1.5 1.5"}
# what each verdict means, for the legend
VERDICT_MEANING = {
    "supported": "a source of the claim's market bears it out",
    "borderline": "just outside what the claim says (next ranks, or a trace share)",
    "sources disagree": "independent sources of its market differ",
    "contradicted": "a source of its market shows otherwise",
    "no data": "its market's sources cannot tell, or none reports the claim's scope",
    "not measured": "no source measures the market the claim is about",
    "not judged": "one person, firm or case: not a claim about flows",
}
NO_FIGURES = "no data — the check has no row for this party"
FIGURE_MAX = 400
CONTEXT_LINES = 12


@dataclass(frozen=True)
class ClaimRecords:
    claims: list[dict[str, Any]]
    links: list[dict[str, Any]]
    parties: list[dict[str, Any]]


def _party_key(row: dict[str, Any]) -> tuple[Any, ...]:
    return (row["claim_id"], row["role"], row["country_code"] or row["party_name"])


def claim_records(con: duckdb.DuckDBPyConnection) -> ClaimRecords:
    """Claims, their buyer × seller links and their parties, as plain rows, each claim and
    party with its verdict from the check against the data."""
    checked = {_party_key(r): r for r in query_rows(con, "claims_check")}
    parties = query_rows(con, "claim_parties")
    said = ("market", "proposition", "proposition_words", "proposition_words_en")
    for p in parties:
        check = checked.get(_party_key(p))
        p["verdict"] = check["party_verdict"] if check else "no data"
        p["figures"] = (check["figures"] if check else None) or NO_FIGURES
        for key in (*said, "region_definition", "context", "votes"):
            p[key] = check[key] if check else None
    by_claim = {r["claim_id"]: r for r in checked.values()}
    claims = query_rows(con, "claim_list")
    for c in claims:
        check = by_claim.get(c["claim_id"])
        if check:
            c["verdict"] = check["claim_verdict"]
            c["counts"] = {
                "supported": check["parties_supported"],
                "borderline": check["parties_borderline"],
                "sources disagree": check["parties_disagreeing"],
                "contradicted": check["parties_contradicted"],
                "no data": check["parties_without_data"],
                "not measured": check["parties_not_measured"],
                "not judged": check["parties_not_judged"],
            }
        else:  # a claim the check has no row for: nothing judged it
            c["verdict"] = "no data"
            c["counts"] = dict.fromkeys(VERDICTS, 0)
            c["counts"]["no data"] = sum(p["claim_id"] == c["claim_id"] for p in parties)
    return ClaimRecords(claims, query_rows(con, "claim_links"), parties)


def counts_text(counts: dict[str, int]) -> str:
    """ "9 supported, 2 contradicted, 1 no data": the non-zero party counts."""
    return ", ".join(f"{counts[v]} {v}" for v in VERDICTS if counts[v]) or "no parties"


def link_verdict(seller: str, buyer: str) -> str:
    """A link is as well supported as the weaker of its two ends."""
    return max(seller, buyer, key=VERDICTS.index)


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
    verdict_of: dict[tuple[str, str, str], str] = {}
    marks = []
    for p in records.parties:
        context = (p["context"] or "").split("\n") if p["context"] else []
        parties_by_claim[p["claim_id"]].append(
            {
                "role": p["role"],
                "name": p["party_name"],
                "code": p["country_code"],
                "drawn": bool(p["is_drawn"]),
                "verdict": p["verdict"],
                "market": p["market"],
                "proposition": p["proposition"],
                "words": p["proposition_words"],
                "words_en": p["proposition_words_en"],
                "region": p["region_definition"],
                "votes": p["votes"],
                # one line per source; bounded, as the rules quote source titles
                "figures": [truncate(f, FIGURE_MAX) for f in p["figures"].split("\n")[:40]],
                "context": [truncate(f, FIGURE_MAX) for f in context[:CONTEXT_LINES]],
                "context_more": max(0, len(context) - CONTEXT_LINES),
            }
        )
        if p["is_drawn"]:
            verdict_of[p["claim_id"], p["role"], p["country_code"]] = p["verdict"]
            marks.append([p["claim_id"], p["role"], index[p["country_code"]], p["verdict"]])
    colours = claim_colours([c["claim_id"] for c in records.claims])
    links, link_ends = [], []
    for link in records.links:
        s, b = link["seller_country_code"], link["buyer_country_code"]
        r = route(proj, points[s][1:], points[b][1:], routes)
        links.append(
            [link["claim_id"], index[s], index[b]]
            + [quantise_inside(p, proj.outline_polygon) for p in r.pieces]
        )
        ends = [verdict_of[link["claim_id"], "seller", s], verdict_of[link["claim_id"], "buyer", b]]
        link_ends.append([*ends, link_verdict(*ends)])
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
                "markets": c["markets"],
                "seed_file": c["seed_file"],
                "cited_study": c["cited_study"],
                "citation": c["source_citation"],
                "parties": parties_by_claim[c["claim_id"]],
                "verdict": c["verdict"],
                "counts": c["counts"],
            }
            for c in records.claims
        ],
        "verdicts": {
            "order": list(VERDICTS),
            "fill": VERDICT_FILL,
            "edge": VERDICT_EDGE,
            "dash": VERDICT_DASH,
            "mark_dash": MARK_DASH,
            "meaning": VERDICT_MEANING,
        },
        "marks": marks,
        "links": links,
        "link_ends": link_ends,
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
