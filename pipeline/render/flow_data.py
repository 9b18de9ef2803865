"""The flow map's data: plain records from the database, and the view a reader chooses.

Nothing here draws or projects anything, so it is tested without a browser. ``flow_view`` is
the same selection the page makes in JavaScript (flows.js, ``viewFlows``): the N largest
cross-border pairs of a layer (occupations summed, or one occupation), or every flow of one
country when the reader focuses on it (both ways, only the work it buys, or only the work it
sells); with a smallest flow chosen, every flow of at least that volume instead (at most
MAX_DRAWN, the largest); ties are broken by buyer code, then seller code. Shares are of the
layer's whole work: domestic work, pairs without a label point and an estimate's work with the
countries its source does not name (never a line: a named country's circle counts its part)
are in the total.

The direction of each pair under each North/South scheme comes from the database
(sql/maps/flow_directions.sql, macro work_direction), as it does for the page: the rule is
written once, in SQL, and read here.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field
from typing import Any

import duckdb

from pipeline.render.queries import query_rows
from pipeline.render.text import number

DIRECTIONS = ("south_to_north", "north_to_north", "south_to_south", "north_to_south")
# The flows of a focused country: both ways, the work it buys ("in"), the work it sells ("out").
FOCUS_MODES = ("both", "in", "out")
# With a smallest flow chosen, at most this many flows are drawn (the largest), so the page
# stays quick.
MAX_DRAWN = 1500
UNCLASSIFIED = "unclassified"

LayerKey = tuple[str, int | None, str]


@dataclass(frozen=True)
class FlowRecords:
    """What the flow map needs from the database, as plain rows."""

    countries: list[dict[str, Any]]
    groups: dict[str, dict[str, bool | None]]
    schemes: list[dict[str, Any]]
    layers: list[dict[str, Any]]
    rows: list[dict[str, Any]]
    published: list[dict[str, Any]]
    # work never drawn as a line (sql/maps/flow_unnamed.sql): kind 'not_named' or 'unlocated'
    unnamed: list[dict[str, Any]]
    # scheme -> (seller, buyer) -> direction of the work, as the database classifies it
    directions: dict[str, dict[tuple[str, str], str]]

    def direction(self, scheme: str, seller: str, buyer: str) -> str:
        """The database's direction of the work from ``seller`` to ``buyer`` under ``scheme``;
        a scheme the database does not have classifies nothing."""
        by_pair = self.directions.get(scheme)
        return UNCLASSIFIED if by_pair is None else by_pair[(seller, buyer)]

    def layer_key(self, index: int) -> LayerKey:
        info = self.layers[index]
        return (info["source_id"], info["year"], info["unit"])

    def layer_rows(self, index: int) -> list[dict[str, Any]]:
        key = self.layer_key(index)
        return [r for r in self.rows if (r["source_id"], r["year"], r["unit"]) == key]

    def layer_unnamed(self, index: int) -> list[dict[str, Any]]:
        key = self.layer_key(index)
        return [r for r in self.unnamed if (r["source_id"], r["year"], r["unit"]) == key]

    def series_layers(self, index: int) -> list[int]:
        """Layers of the same source and unit (its years): they share one width scale."""
        source, _, unit = self.layer_key(index)
        return [
            i
            for i in range(len(self.layers))
            if (self.layers[i]["source_id"], self.layers[i]["unit"]) == (source, unit)
        ]

    def population_citation(self) -> str | None:
        """The citation of the populations the per-million view divides by (None: none)."""
        cited = {c.get("population_citation") for c in self.countries if c.get("population_year")}
        return " | ".join(sorted(str(c) for c in cited if c)) or None

    def occupations(self) -> list[str]:
        return sorted({r["occupation"] for r in [*self.rows, *self.unnamed]})


def flow_records(con: duckdb.DuckDBPyConnection) -> FlowRecords:
    """Read every flow-map record from the database (all layers, all schemes)."""
    groups: dict[str, dict[str, bool | None]] = defaultdict(dict)
    for g in query_rows(con, "country_groups"):
        groups[g["scheme"]][g["country_code"]] = g["is_north"]
    directions: dict[str, dict[tuple[str, str], str]] = defaultdict(dict)
    for d in query_rows(con, "flow_directions"):
        directions[d["scheme"]][(d["seller_country_code"], d["buyer_country_code"])] = d[
            "direction"
        ]
    return FlowRecords(
        countries=query_rows(con, "map_countries"),
        groups=dict(groups),
        schemes=query_rows(con, "schemes"),
        layers=query_rows(con, "flow_layers"),
        rows=query_rows(con, "flow_rows"),
        published=query_rows(con, "published_shares"),
        unnamed=query_rows(con, "flow_unnamed"),
        directions=dict(directions),
    )


@dataclass(frozen=True)
class DrawnFlow:
    seller: str
    buyer: str
    tasks: float
    direction: str
    method: str
    share_pct: float | None


@dataclass
class NodeFigures:
    bought: float = 0.0  # abroad, the countries the source does not name included
    sold: float = 0.0
    internal: float = 0.0
    bought_not_named: float = 0.0  # of bought: from countries the source does not name
    sold_not_named: float = 0.0

    @property
    def involved(self) -> float:
        return self.bought + self.sold + self.internal


@dataclass
class FlowView:
    """One layer as a reader sees it: the drawn flows, largest first, and the totals."""

    layer: int
    scheme: str
    occupation: str | None
    focus: str | None
    flows: list[DrawnFlow]
    flows_total: int
    tasks_total: float  # the layer's whole work (in the occupation chosen)
    tasks_shown: float
    nodes: dict[str, NodeFigures] = field(default_factory=dict)
    tasks_not_named: float = 0.0  # with a country the source does not name: never a line

    @property
    def share_shown_pct(self) -> float:
        return 100.0 * self.tasks_shown / self.tasks_total if self.tasks_total else 0.0


def pair_totals(
    rows: list[dict[str, Any]], occupation: str | None = None
) -> tuple[dict[tuple[str, str], float], dict[tuple[str, str], set[str]], dict[str, NodeFigures]]:
    """Cross-border volume per (seller, buyer), the methods behind it, and per-country figures."""
    totals: dict[tuple[str, str], float] = defaultdict(float)
    methods: dict[tuple[str, str], set[str]] = defaultdict(set)
    nodes: dict[str, NodeFigures] = defaultdict(NodeFigures)
    for r in rows:
        if occupation is not None and r["occupation"] != occupation:
            continue
        seller, buyer, tasks = r["seller_country_code"], r["buyer_country_code"], r["tasks"]
        if seller == buyer:
            nodes[seller].internal += tasks
            continue
        totals[(seller, buyer)] += tasks
        methods[(seller, buyer)].add(r["method"])
        nodes[buyer].bought += tasks
        nodes[seller].sold += tasks
    return dict(totals), dict(methods), dict(nodes)


def unnamed_totals(
    rows: list[dict[str, Any]], nodes: dict[str, NodeFigures], occupation: str | None = None
) -> tuple[float, float]:
    """The work never drawn as a line, (not named, without a label point); a named country's
    work with the countries the source does not name is added to its circle (it is abroad)."""
    not_named = unlocated = 0.0
    for r in rows:
        if occupation is not None and r["occupation"] != occupation:
            continue
        tasks = r["tasks"]
        if r["kind"] != "not_named":
            unlocated += tasks
            continue
        not_named += tasks
        buyer, seller = r["buyer_country_code"], r["seller_country_code"]
        if buyer is not None:
            node = nodes.setdefault(buyer, NodeFigures())
            node.bought += tasks
            node.bought_not_named += tasks
        if seller is not None:
            node = nodes.setdefault(seller, NodeFigures())
            node.sold += tasks
            node.sold_not_named += tasks
    return not_named, unlocated


def flow_view(
    records: FlowRecords,
    layer: int = 0,
    scheme: str = "un_m49_developed",
    occupation: str | None = None,
    top_n: int = 100,
    focus: str | None = None,
    mode: str = "both",
    min_value: float | None = None,
) -> FlowView:
    """The flows drawn for one layer: the ``top_n`` largest, or all of ``focus``'s flows (in
    ``mode``: both ways, "in" the work it buys, "out" the work it sells); with ``min_value``,
    those of at least that volume (the MAX_DRAWN largest)."""
    if mode not in FOCUS_MODES:
        raise ValueError(f"focus mode must be one of {FOCUS_MODES}, not {mode!r}")
    totals, methods, nodes = pair_totals(records.layer_rows(layer), occupation)
    not_named, unlocated = unnamed_totals(records.layer_unnamed(layer), nodes, occupation)
    ranked = sorted(totals.items(), key=lambda kv: (-kv[1], kv[0][1], kv[0][0]))
    chosen = ranked
    if focus is not None:
        chosen = [
            kv
            for kv in ranked
            if (mode != "out" and kv[0][1] == focus) or (mode != "in" and kv[0][0] == focus)
        ]
    if min_value is not None:
        chosen = [kv for kv in chosen if kv[1] >= min_value][:MAX_DRAWN]
    elif focus is None:
        chosen = chosen[:top_n]
    domestic = sum(n.internal for n in nodes.values())
    all_tasks = sum(totals.values()) + domestic + not_named + unlocated
    flows = [
        DrawnFlow(
            seller=s,
            buyer=b,
            tasks=v,
            direction=records.direction(scheme, s, b),
            method=next(iter(methods[(s, b)])) if len(methods[(s, b)]) == 1 else "mixed",
            share_pct=100.0 * v / all_tasks if all_tasks else None,
        )
        for (s, b), v in chosen
    ]
    return FlowView(
        layer=layer,
        scheme=scheme,
        occupation=occupation,
        focus=focus,
        flows=flows,
        flows_total=len(totals),
        tasks_total=all_tasks,
        tasks_shown=sum(f.tasks for f in flows),
        nodes=nodes,
        tasks_not_named=not_named,
    )


def series_maxima(records: FlowRecords, layer: int) -> tuple[float, float]:
    """Largest pair volume and largest country total over every year of the layer's series:
    one width scale and one circle scale per source and unit, so years compare."""
    widest, largest = 0.0, 0.0
    for i in records.series_layers(layer):
        totals, _, nodes = pair_totals(records.layer_rows(i))
        unnamed_totals(records.layer_unnamed(i), nodes)
        widest = max(widest, *totals.values(), 0.0)
        largest = max(largest, *(n.involved for n in nodes.values()), 0.0)
    return widest, largest


UNIT_NOT_STATED = "% (unit not stated)"


def published_text(
    bought: float | None,
    sold: float | None,
    buyer_unit: str | None = None,
    seller_unit: str | None = None,
) -> str:
    """A country's published shares, each in what its side counts (vacancies, worker profiles):
    the same text as flows.js, publishedOf."""
    buyer_unit, seller_unit = buyer_unit or UNIT_NOT_STATED, seller_unit or UNIT_NOT_STATED
    employers = "not published" if bought is None else f"{number(bought)} {buyer_unit}"
    workers = "not published" if sold is None else f"{number(sold)} {seller_unit}"
    return f"as employer: {employers} · as worker country: {workers}"
