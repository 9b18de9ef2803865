"""balance.html: the Oxford "balance of payments" of online work, and the gross views.

Each country is coloured by work sold minus work bought (orange: it does more work than it
buys; purple: it buys more than it does), or, in the gross views the OII maps also showed, by
the work it buys or the work it sells. Classes are fractions of the layer's largest value,
because one buyer, usually the US, dwarfs everyone else. The page opens on the richest observed
layer.

data (``balance_records``: database -> plain rows) -> page (``page_data`` + balance.js) and
print (print_maps). The colour rule is style.balance_class: the page is given each country's
class in each view, and the values at the class limits for its key, and only looks colours up.
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
    BALANCE_VIEWS,
    balance_class,
    balance_colour,
    balance_limits,
    style_for_page,
)

TITLE = "Balance of online work: who sells more than it buys"
# The column each view colours by.
VIEW_COLUMNS = {"net": "net_sold", "bought": "tasks_bought", "sold": "tasks_sold"}


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

    def largest(self, view: str) -> float:
        """The value the view's classes are fractions of: largest |net|, or largest value."""
        return self.max_abs_net if view == "net" else self.max_of(VIEW_COLUMNS[view])

    def classes(self, view: str) -> list[int | None]:
        """Each row's class in the view (style.balance_class), in row order."""
        largest = self.largest(view)
        return [balance_class(view, r[VIEW_COLUMNS[view]], largest) for r in self.rows]

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


def fill(layer: BalanceLayer, row: dict[str, Any], view: str = "net") -> str | None:
    """A row's fill in the view; None means one side only (drawn hatched)."""
    return balance_colour(view, row[VIEW_COLUMNS[view]], layer.largest(view))


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
                # per view, each row's class (an index into style.BALANCE_CLASSES[view]) and
                # the values at the class limits, smallest first, for the key
                "classes": {view: layer.classes(view) for view in BALANCE_VIEWS},
                "limits": {
                    view: balance_limits(view, layer.largest(view)) for view in BALANCE_VIEWS
                },
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
