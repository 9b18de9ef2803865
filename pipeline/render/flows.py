"""flows.html: who buys online work from whom, as curved flows from worker to buyer.

data (flow_data: database -> plain records and views) -> features (this module: projected
routes, widths, colours, circles) -> page (this module: compact JSON + flows.js) and print
(print_maps). The page carries every layer (source × year × unit), every occupation and both
North/South schemes compactly; flows.js draws the view the reader chooses.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pipeline.reference.countries import DEFAULT_SCHEME
from pipeline.render.curves import Route, RouteBook, region_centres, sea_across
from pipeline.render.flow_data import (
    DIRECTIONS,
    MAX_DRAWN,
    UNCLASSIFIED,
    FlowRecords,
    FlowView,
    flow_records,
    flow_view,
    published_text,
    series_maxima,
)
from pipeline.render.page import compact_number, map_page, save_page
from pipeline.render.projection import WorldProjection, delta_encode, quantise
from pipeline.render.regions import region_pairs, route_ints, subregions
from pipeline.render.shapes import country_shapes
from pipeline.render.style import (
    DEFAULT_WIDTH_SCALE,
    DIRECTION_COLOURS,
    GROUP_COLOURS,
    LABELS,
    group_key,
    radius_px,
    style_for_page,
    width_px,
)

DEFAULT_TOP_N = 100
TITLE = "Who buys online work, and where it is done"


@dataclass
class FlowFeature:
    seller: str
    buyer: str
    tasks: float
    direction: str
    method: str
    colour: str
    width: float
    route: Route


@dataclass
class NodeFeature:
    code: str
    name: str
    xy: tuple[float, float]
    radius: float
    colour: str
    bought: float
    sold: float
    internal: float
    bought_not_named: float = 0.0
    sold_not_named: float = 0.0


@dataclass
class FlowLayerFeatures:
    """A layer's default view, ready to draw (used by the print version and the tests)."""

    source_id: str
    year: int | None
    unit: str
    info: dict[str, Any]
    view: FlowView
    flows: list[FlowFeature]
    circles: list[NodeFeature]
    labels: list[NodeFeature]
    width_max: float
    circle_max: float
    published: dict[str, str] = field(default_factory=dict)

    @property
    def nodes(self) -> list[dict[str, Any]]:
        """The circles as simple records, with the source's published shares where it has
        them (estimated layers: the figures to quote)."""
        return [
            {
                "properties": {
                    "kind": "node",
                    "code": n.code,
                    "bought": n.bought,
                    "sold": n.sold,
                    "internal": n.internal,
                    "bought_not_named": n.bought_not_named,
                    "sold_not_named": n.sold_not_named,
                    "radius": n.radius,
                    "published": self.published.get(n.code, "none"),
                }
            }
            for n in self.circles
        ]

    @property
    def lines(self) -> list[dict[str, Any]]:
        """The drawn flows as simple records (what the CSV download of the page holds)."""
        return [
            {
                "properties": {
                    "kind": "flow",
                    "seller_code": f.seller,
                    "buyer_code": f.buyer,
                    "tasks": f.tasks,
                    "method": f.method,
                    "direction": f.direction,
                    "weight": f.width,
                }
            }
            for f in self.flows
        ]


@dataclass
class FlowMap:
    scheme: str
    top_n: int
    proj: WorldProjection
    records: FlowRecords
    layers: list[FlowLayerFeatures]


def _points(records: FlowRecords) -> dict[str, tuple[float, float]]:
    return {c["country_code"]: (float(c["lon"]), float(c["lat"])) for c in records.countries}


def route_book(proj: WorldProjection, kind: str, records: FlowRecords) -> RouteBook:
    """The routes of a map: label points, and sub-region centres for the way round the world."""
    return RouteBook(proj, kind, _points(records), region_centres(records.countries))


def layer_features(
    records: FlowRecords,
    index: int,
    book: RouteBook,
    scheme: str = DEFAULT_SCHEME,
    top_n: int = DEFAULT_TOP_N,
    occupation: str | None = None,
    focus: str | None = None,
    width_scale: str = DEFAULT_WIDTH_SCALE,
) -> FlowLayerFeatures:
    view = flow_view(records, index, scheme, occupation, top_n, focus)
    width_max, circle_max = series_maxima(records, index)
    names = {c["country_code"]: c["name"] for c in records.countries}
    groups = records.groups.get(scheme, {})
    flows = [
        FlowFeature(
            seller=f.seller,
            buyer=f.buyer,
            tasks=f.tasks,
            direction=f.direction,
            method=f.method,
            colour=DIRECTION_COLOURS[f.direction],
            width=width_px(f.tasks, width_max, width_scale),
            route=book.get(f.seller, f.buyer),
        )
        for f in view.flows
    ]
    # circles at the ends of the drawn flows, as in the page
    ends = {f.seller for f in view.flows} | {f.buyer for f in view.flows}
    if focus is not None:
        ends.add(focus)
    nodes = [
        NodeFeature(
            code=code,
            name=names.get(code, code),
            xy=book.proj.point(*book.points[code]),
            radius=radius_px(fig.involved, circle_max),
            colour=GROUP_COLOURS[group_key(groups.get(code))],
            bought=fig.bought,
            sold=fig.sold,
            internal=fig.internal,
            bought_not_named=fig.bought_not_named,
            sold_not_named=fig.sold_not_named,
        )
        for code, fig in view.nodes.items()
        if code in book.points and code in ends
    ]
    nodes.sort(key=lambda n: (-(n.bought + n.sold + n.internal), n.code))
    info = records.layers[index]
    return FlowLayerFeatures(
        source_id=info["source_id"],
        year=info["year"],
        unit=info["unit"],
        info=info,
        view=view,
        flows=flows,
        circles=nodes,
        labels=nodes[:LABELS],
        width_max=width_max,
        circle_max=circle_max,
        published={
            p["country_code"]: published_text(
                p["published_bought_pct"],
                p["published_sold_pct"],
                p["buyer_unit"],
                p["seller_unit"],
            )
            for p in records.published
            if (p["source_id"], p["year"]) == (info["source_id"], info["year"])
        },
    )


def flow_map_data(
    con: duckdb.DuckDBPyConnection,
    scheme: str = DEFAULT_SCHEME,
    top_n: int = DEFAULT_TOP_N,
    routes: str = "curved",
    lon_0: float | None = None,
) -> FlowMap:
    """Every layer's default view with its geometry, before any HTML is made."""
    records = flow_records(con)
    proj = WorldProjection() if lon_0 is None else WorldProjection(lon_0)
    book = route_book(proj, routes, records)
    layers = [layer_features(records, i, book, scheme, top_n) for i in range(len(records.layers))]
    return FlowMap(scheme, top_n, proj, records, layers)


def page_data(
    records: FlowRecords,
    proj: WorldProjection,
    routes: str = "curved",
    scheme: str = DEFAULT_SCHEME,
    top_n: int = DEFAULT_TOP_N,
) -> dict[str, Any]:
    """Everything flows.js needs, as compact JSON: countries once, one route per pair, the
    direction of each pair under each scheme (as the database gives it), and per layer flat
    integer/number rows [pair, occupation, volume, estimated]."""
    countries = records.countries
    index = {c["country_code"]: i for i, c in enumerate(countries)}
    pts = [proj.point(float(c["lon"]), float(c["lat"])) for c in countries]
    book = route_book(proj, routes, records)
    occupations = records.occupations()
    occ_index = {o: i for i, o in enumerate(occupations)}
    pair_index: dict[tuple[str, str], int] = {}
    pairs: list[list[Any]] = []
    pair_keys: list[tuple[str, str]] = []
    layers = []
    for li, info in enumerate(records.layers):
        rows: list[Any] = []
        internal: list[Any] = []
        # the money the source records, one figure per row of rows (internal), null where none
        usd: list[Any] = []
        internal_usd: list[Any] = []
        for r in records.layer_rows(li):
            s, b = r["seller_country_code"], r["buyer_country_code"]
            value = compact_number(r["tasks"])
            money = None if r["value_usd"] is None else compact_number(r["value_usd"])
            occ = occ_index[r["occupation"]]
            if s == b:
                internal.extend([index[s], occ, value])
                internal_usd.append(money)
                continue
            usd.append(money)
            key = (s, b)
            if key not in pair_index:
                pair_index[key] = len(pairs)
                pair_keys.append(key)
                pairs.append([index[s], index[b], *route_ints(book.get(s, b), proj)])
            rows.extend([pair_index[key], occ, value, 0 if r["method"] == "observed" else 1])
        mine = [
            p
            for p in records.published
            if (p["source_id"], p["year"]) == (info["source_id"], info["year"])
        ]
        published = [
            x
            for p in mine
            if p["country_code"] in index
            for x in (
                index[p["country_code"]],
                compact_number(p["published_bought_pct"]),
                compact_number(p["published_sold_pct"]),
            )
        ]
        # work never drawn as a line: [buyer, seller (-1: not named), occupation, volume] and
        # [occupation, volume] for pairs without a label point
        unnamed: list[Any] = []
        unlocated: list[Any] = []
        for r in records.layer_unnamed(li):
            occ, value = occ_index[r["occupation"]], compact_number(r["tasks"])
            if r["kind"] == "not_named":
                buyer, seller = r["buyer_country_code"], r["seller_country_code"]
                unnamed.extend([index.get(buyer, -1), index.get(seller, -1), occ, value])
            else:
                unlocated.extend([occ, value])
        width_max, circle_max = series_maxima(records, li)
        layers.append(
            {
                "source": info["source_id"],
                "year": info["year"],
                "unit": info["unit"],
                "method": info["method"],
                "period": info["period_label"],
                "platform": info["platform"],
                "title": info["source_title"],
                "citation": info["citation"],
                "licence": info["licence"],
                "flows_total": int(info["flows_total"] or 0),
                "flows_unlocated": int(info["flows_unlocated"] or 0),
                "rows": rows,
                "internal": internal,
                "usd": usd,
                "internal_usd": internal_usd,
                "unnamed": unnamed,
                "unlocated": unlocated,
                "published": published,
                "units": [mine[0]["buyer_unit"], mine[0]["seller_unit"]] if mine else [None, None],
                "combines": info["combines"],
                "model": info["model"],
                "unnamed_model": info["unnamed_model"],
                "wmax": compact_number(width_max),
                "cmax": compact_number(circle_max),
            }
        )
    groups = {
        name: [_flag(members.get(c["country_code"])) for c in countries]
        for name, members in records.groups.items()
    }
    # per scheme (the default one too, even if the database lacks it), the index in
    # direction_names of each pair's direction
    direction_names = [*DIRECTIONS, UNCLASSIFIED]
    regions = subregions(countries)
    region_of = {code: i for i, r in enumerate(regions) for code in r.members}
    directions = {
        name: [direction_names.index(records.direction(name, s, b)) for s, b in pair_keys]
        for name in dict.fromkeys([*records.groups, scheme])
    }
    return {
        "map": "flows",
        "title": TITLE,
        "style": style_for_page(),
        "proj": {"name": proj.name, "lon_0": proj.lon_0, "sea": sea_across(proj)},
        "routes": routes,
        "outline": delta_encode(proj.outline),
        "countries": {
            "code": [c["country_code"] for c in countries],
            "name": [c["name"] for c in countries],
            "pt": [v for xy in pts for v in quantise([xy])],
            "pop": [c.get("population") for c in countries],
            "region": [region_of.get(c["country_code"], -1) for c in countries],
        },
        "population_source": records.population_citation(),
        "regions": {
            "name": [r.name for r in regions],
            "pt": [v for r in regions for v in quantise([proj.point(*r.point)])],
        },
        "region_pairs": region_pairs(regions, region_of, pair_keys, proj, routes, len(countries)),
        "groups": groups,
        "directions": {"names": direction_names, "by_scheme": directions},
        "schemes": [
            {
                "id": s["scheme"],
                "citation": s.get("source_citation") or s.get("source_title") or s["source_id"],
            }
            for s in records.schemes
        ],
        "scheme": scheme,
        "shapes": country_shapes(proj.lon_0).encoded(index),
        "occupations": occupations,
        "pairs": pairs,
        "layers": layers,
        "top_n": top_n,
        "max_drawn": MAX_DRAWN,
    }


def _flag(value: bool | None) -> int | None:
    return None if value is None else int(bool(value))


def flows_html(
    records: FlowRecords,
    proj: WorldProjection,
    scheme: str = DEFAULT_SCHEME,
    top_n: int = DEFAULT_TOP_N,
    routes: str = "curved",
    start: dict[str, Any] | None = None,
) -> str:
    """The flows.html page. ``start`` is the view it opens on when its address names none
    (keys of the address: source, year, occupation, direction, scheme, focus); without it,
    the richest layer under ``scheme``."""
    data = page_data(records, proj, routes, scheme, top_n)
    data["start"] = {k: str(v) for k, v in (start or {}).items() if v is not None}
    return map_page(
        TITLE + " · Microwork Atlas",
        data,
        ["flows.js"],
        "Flow map: curved lines from the countries where online work is done to the "
        "countries that buy it, width by volume, colour by North/South direction.",
    )


def render_flows(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    scheme: str = DEFAULT_SCHEME,
    top_n: int = DEFAULT_TOP_N,
    routes: str = "curved",
    records: FlowRecords | None = None,
    proj: WorldProjection | None = None,
) -> Path:
    """Write flows.html and return its path."""
    records = records or flow_records(con)
    proj = proj or WorldProjection()
    return save_page(flows_html(records, proj, scheme, top_n, routes), path)
