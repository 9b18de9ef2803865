"""balance.html: the Oxford "balance of payments" of online work, and the gross views.

Each country is coloured by work sold minus work bought (orange: it does more work than it
buys; purple: it buys more than it does), or, in the gross views the OII maps also showed, by
the work it buys or the work it sells. Classes are fractions of the layer's largest value,
because one buyer, usually the US, dwarfs everyone else. The page opens on the richest observed
layer.

data (``balance_records``: database -> plain rows) -> page (``page_data`` + balance.js) and
print (print_maps).
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb

from pipeline.reference.countries import DEFAULT_SCHEME
from pipeline.render.page import compact_number, map_page, save_page
from pipeline.render.projection import WorldProjection, delta_encode
from pipeline.render.queries import query_rows
from pipeline.render.shapes import country_shapes
from pipeline.render.style import (
    BALANCE_BUYER,
    BALANCE_EVEN,
    BALANCE_SELLER,
    GROSS_BOUGHT,
    GROSS_SOLD,
    style_for_page,
)

TITLE = "Balance of online work: who sells more than it buys"
# Class limits as fractions of the layer's largest |net| (net) or largest value (gross).
NET_LIMITS = (0.01, 0.1)
GROSS_LIMITS = (0.01, 0.1, 0.3)
VIEWS = ("net", "bought", "sold")


@dataclass
class BalanceLayer:
    source_id: str
    year: int | None
    basis: str
    unit: str
    title: str | None
    citation: str | None
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def max_abs_net(self) -> float:
        return max((abs(r["net_sold"]) for r in self.rows if r["net_sold"] is not None), default=0)

    def max_of(self, column: str) -> float:
        return max((r[column] for r in self.rows if r[column] is not None), default=0)

    @property
    def observed(self) -> bool:
        return self.basis == "flows"


def balance_records(
    con: duckdb.DuckDBPyConnection, scheme: str = DEFAULT_SCHEME
) -> list[BalanceLayer]:
    """One layer per source × year × basis × unit; observed layers (basis ``flows``) first,
    the one with the most countries first of all: the page opens on it."""
    layers: dict[tuple[Any, ...], BalanceLayer] = {}
    for row in query_rows(con, "balance_countries", scheme=scheme):
        key = (row["source_id"], row["year"], row["basis"], row["unit"])
        if key not in layers:
            layers[key] = BalanceLayer(
                row["source_id"],
                row["year"],
                row["basis"],
                row["unit"],
                row["source_title"],
                row["source_citation"],
            )
        layers[key].rows.append(row)
    return sorted(
        layers.values(),
        key=lambda x: (not x.observed, -len(x.rows), x.source_id, -(x.year or 0)),
    )


def net_colour(net: float | None, max_abs: float) -> str | None:
    """Fill for a net value; None means one side only (drawn hatched)."""
    if net is None:
        return None
    if net == 0 or max_abs <= 0:
        return BALANCE_EVEN
    fraction = abs(net) / max_abs
    palette = BALANCE_SELLER if net > 0 else BALANCE_BUYER
    if fraction > NET_LIMITS[1]:
        return palette[0]
    if fraction > NET_LIMITS[0]:
        return palette[1]
    return palette[2]


def gross_colour(value: float | None, max_value: float, view: str) -> str | None:
    if value is None:
        return None
    palette = GROSS_BOUGHT if view == "bought" else GROSS_SOLD
    fraction = value / max_value if max_value > 0 else 0.0
    for limit, colour in zip(reversed(GROSS_LIMITS), palette, strict=False):
        if fraction > limit:
            return colour
    return palette[-1]


def fill(layer: BalanceLayer, row: dict[str, Any], view: str = "net") -> str | None:
    if view == "net":
        return net_colour(row["net_sold"], layer.max_abs_net)
    column = "tasks_bought" if view == "bought" else "tasks_sold"
    return gross_colour(row[column], layer.max_of(column), view)


def page_data(layers: list[BalanceLayer], proj: WorldProjection) -> dict[str, Any]:
    codes = sorted({r["country_code"] for layer in layers for r in layer.rows})
    names = {r["country_code"]: r["name"] for layer in layers for r in layer.rows}
    index = {c: i for i, c in enumerate(codes)}
    return {
        "map": "balance",
        "title": TITLE,
        "style": style_for_page(),
        "proj": {"name": proj.name, "lon_0": proj.lon_0},
        "outline": delta_encode(proj.outline),
        "countries": {"code": codes, "name": [names[c] for c in codes]},
        "shapes": country_shapes(proj.lon_0).encoded(index),
        "net_limits": NET_LIMITS,
        "gross_limits": GROSS_LIMITS,
        "layers": [
            {
                "source": layer.source_id,
                "year": layer.year,
                "basis": layer.basis,
                "unit": layer.unit,
                "title": layer.title,
                "citation": layer.citation,
                "rows": [
                    v
                    for r in layer.rows
                    for v in (
                        index[r["country_code"]],
                        compact_number(r["tasks_bought"]),
                        compact_number(r["tasks_sold"]),
                    )
                ],
            }
            for layer in layers
        ],
    }


def render_balance(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    scheme: str = DEFAULT_SCHEME,
    proj: WorldProjection | None = None,
    layers: list[BalanceLayer] | None = None,
) -> Path:
    """Write balance.html and return its path."""
    layers = balance_records(con, scheme) if layers is None else layers
    html = map_page(
        TITLE + " · Microwork Atlas",
        page_data(layers, proj or WorldProjection()),
        ["balance.js"],
        "Balance map: countries coloured by work sold minus work bought, or by the work "
        "they buy or sell.",
    )
    return save_page(html, path)
