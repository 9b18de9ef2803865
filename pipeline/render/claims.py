"""claims.html: what the literature says about who buys from whom, one colour per claim.

A claim names buyer countries and seller countries (and sometimes regions); every buyer x
seller country pair of the same claim is drawn as a great circle from the seller to the buyer.
Regions have no point on the map, so they are listed in the legend and the tooltips instead.
"""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

import duckdb
import folium

from pipeline.render import legend
from pipeline.render.assets import save_map
from pipeline.render.background import Background
from pipeline.render.flows import arrow_feature, arrows_layer, background_layer
from pipeline.render.geometry import (
    NodePlacer,
    arrowhead,
    choose_centre,
    great_circle,
    rounded,
    shift_to_centre,
)
from pipeline.render.page import add_data_island, add_legend, feature_group, fit_view, new_map
from pipeline.render.queries import query_rows
from pipeline.render.style import CLAIM_COLOURS
from pipeline.render.text import CITATION_MAX, QUOTE_MAX, country_label, esc, esc_full

LINE_WEIGHT = 2.5
LEGEND_STATEMENT_MAX = 110
LON_PAD = 180.0

FIELDS = ["claim", "buyer", "seller", "statement", "quote", "seed_file", "cited_study", "citation"]
ALIASES = [
    "Claim",
    "Buyer (employer)",
    "Seller (worker)",
    "Statement",
    "Quote",
    "Seed file",
    "Cited study",
    "Source",
]
NODE_FIELDS = ["country", "as_buyer", "as_seller"]
NODE_ALIASES = ["Country", "Buyer in claims", "Seller in claims"]


def claim_colours(claim_ids: list[str]) -> dict[str, str]:
    return {c: CLAIM_COLOURS[i % len(CLAIM_COLOURS)] for i, c in enumerate(claim_ids)}


def _party_list(parties: list[dict[str, Any]], role: str) -> str:
    items = []
    for p in parties:
        if p["role"] != role:
            continue
        if p["is_drawn"]:
            items.append(esc(p["party_name"], 60))
        else:
            items.append(f"<i>{esc(p['party_name'], 60)}</i> (region, not drawn)")
    return ", ".join(items) or "none named"


def render_claims(con: duckdb.DuckDBPyConnection, path: Path, background: Background) -> Path:
    """Write claims.html and return its path."""
    links = query_rows(con, "claim_links")
    parties = query_rows(con, "claim_parties")
    claims = query_rows(con, "claim_list")
    colours = claim_colours([c["claim_id"] for c in claims])
    parties_by_claim: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for p in parties:
        parties_by_claim[p["claim_id"]].append(p)

    coords = {
        id(link): great_circle(
            link["seller_lon"], link["seller_lat"], link["buyer_lon"], link["buyer_lat"]
        )
        for link in links
    }
    centre = choose_centre(
        [(k["seller_country_code"], k["buyer_country_code"], coords[id(k)]) for k in links]
    )
    placer = NodePlacer(centre)
    features_by_claim: dict[str, list[dict[str, Any]]] = defaultdict(list)
    arrows_by_claim: dict[str, list[dict[str, Any]]] = defaultdict(list)
    lons: list[float] = []
    lats: list[float] = []
    for link in links:
        line = shift_to_centre(coords[id(link)], centre)
        placer.add(link["seller_country_code"], float(line[0, 0]))
        placer.add(link["buyer_country_code"], float(line[-1, 0]))
        lons.extend(line[:, 0].tolist())
        lats.extend(line[:, 1].tolist())
        link_feature, arrow = _link_features(link, line, colours)
        features_by_claim[link["claim_id"]].append(link_feature)
        arrows_by_claim[link["claim_id"]].append(arrow)

    node_features = _node_features(parties, placer, lons, lats)
    lo, hi = (min(lons), max(lons)) if lons else (centre - 180, centre + 180)
    bounds = [[min(lats), lo], [max(lats), hi]] if lons else None
    # The first view can span far more than 360 degrees (wide window, zoomed out to keep the
    # drawing clear of the legend): cover the frame, with half a world to spare on each side.
    lon_range = (min(lo, centre - 180) - LON_PAD, max(hi, centre + 180) + LON_PAD)

    m = new_map(centre)
    # No North/South shading here: claims are not classified by a scheme.
    background_layer(background, lon_range, {}).add_to(m)
    if node_features:
        folium.GeoJson(
            {"type": "FeatureCollection", "features": node_features},
            name="countries in claims",
            control=False,
            marker=folium.CircleMarker(),
            style_function=lambda f: {
                "radius": 5,
                "color": "#333",
                "weight": 1,
                "fillColor": "#ffffff",
                "fillOpacity": 0.9,
            },
            tooltip=folium.GeoJsonTooltip(fields=NODE_FIELDS, aliases=NODE_ALIASES),
        ).add_to(m)
    for claim in claims:
        features = features_by_claim.get(claim["claim_id"], [])
        group = feature_group(esc(f"claim {claim['claim_id']}", 60), show=True)
        if features:
            folium.GeoJson(
                {"type": "FeatureCollection", "features": features},
                style_function=_link_style,
                tooltip=folium.GeoJsonTooltip(fields=FIELDS, aliases=ALIASES),
            ).add_to(group)
            arrows_layer(arrows_by_claim[claim["claim_id"]]).add_to(group)
        group.add_to(m)
    folium.LayerControl(collapsed=len(claims) > 12).add_to(m)
    add_legend(m, "Claims about who buys from whom", _legend(claims, parties_by_claim, colours))
    fit_view(m, bounds)
    add_data_island(
        m,
        {
            "map": "claims",
            "links_total": len(links),
            "claims": [
                {
                    "claim_id": c["claim_id"],
                    "links": sum(
                        1
                        for f in features_by_claim.get(c["claim_id"], [])
                        if f["properties"]["kind"] == "link"
                    ),
                    "regions": [
                        p["party_name"]
                        for p in parties_by_claim[c["claim_id"]]
                        if not p["is_drawn"]
                    ],
                }
                for c in claims
            ],
        },
    )
    return save_map(m, path)


def _link_features(
    link: dict[str, Any], line: Any, colours: dict[str, str]
) -> tuple[dict[str, Any], dict[str, Any]]:
    props = {
        "kind": "link",
        "claim_id": link["claim_id"],
        "color": colours.get(link["claim_id"], CLAIM_COLOURS[0]),
        "claim": esc(link["claim_id"], 40),
        "buyer": country_label(link["buyer_name"], link["buyer_country_code"]),
        "seller": country_label(link["seller_name"], link["seller_country_code"]),
        "statement": esc(link["statement"], QUOTE_MAX),
        "quote": esc(link["quote"], QUOTE_MAX) or "none",
        "seed_file": esc(link["seed_file"], 80) or "none",
        "cited_study": esc(link["cited_study"], 200) or "none",
        "citation": esc(link["source_citation"], CITATION_MAX),
    }
    fid = f"{link['claim_id']}:{link['seller_country_code']}>{link['buyer_country_code']}"
    return (
        {
            "type": "Feature",
            "id": fid,
            "properties": props,
            "geometry": {"type": "LineString", "coordinates": rounded(line)},
        },
        arrow_feature(
            fid,
            link["claim_id"],
            link["seller_country_code"],
            link["buyer_country_code"],
            props["color"],
            arrowhead(line, 3.0),
        ),
    )


def _link_style(feature: dict[str, Any]) -> dict[str, Any]:
    p = feature["properties"]
    return {"color": p["color"], "weight": LINE_WEIGHT, "opacity": 0.85, "fill": False}


def _node_features(
    parties: list[dict[str, Any]], placer: NodePlacer, lons: list[float], lats: list[float]
) -> list[dict[str, Any]]:
    roles: dict[str, dict[str, set[str]]] = defaultdict(lambda: {"buyer": set(), "seller": set()})
    points: dict[str, tuple[str, float, float]] = {}
    for p in parties:
        if not p["is_drawn"]:
            continue
        roles[p["country_code"]][p["role"]].add(p["claim_id"])
        points[p["country_code"]] = (p["party_name"], p["lon"], p["lat"])
    features = []
    for code, (name, lon, lat) in sorted(points.items()):
        for k, x in enumerate(placer.lons(code, lon)):
            lons.append(x)
            lats.append(lat)
            features.append(
                {
                    "type": "Feature",
                    "id": f"{code}:{k}",
                    "properties": {
                        "kind": "node",
                        "code": code,
                        "country": country_label(name, code),
                        "as_buyer": esc(", ".join(sorted(roles[code]["buyer"])), 200) or "none",
                        "as_seller": esc(", ".join(sorted(roles[code]["seller"])), 200) or "none",
                    },
                    "geometry": {"type": "Point", "coordinates": [round(x, 2), round(lat, 2)]},
                }
            )
    return features


def _legend(
    claims: list[dict[str, Any]],
    parties_by_claim: dict[str, list[dict[str, Any]]],
    colours: dict[str, str],
) -> str:
    rows = []
    for c in claims:
        ps = parties_by_claim[c["claim_id"]]
        rows.append(
            f'<div class="claim-entry" style="margin:3px 0">'
            f'<span style="display:inline-block;width:18px;height:4px;vertical-align:middle;'
            f'background:{colours[c["claim_id"]]}"></span> <b>{esc(c["claim_id"], 40)}</b> '
            f"{esc_full(c['statement'], LEGEND_STATEMENT_MAX)}<br>"
            f'<span class="muted">Buyers: {_party_list(ps, "buyer")}. '
            f"Sellers: {_party_list(ps, 'seller')}.</span></div>"
        )
    return (
        '<p class="muted">Each line joins a seller (worker) country to a buyer country named in '
        "the same claim; the arrow points at the buyer. Regions cannot be drawn and are listed "
        "here. Hover a line for the quote and its source.</p>" + legend.GLOBE_NOTE + "".join(rows)
    )
