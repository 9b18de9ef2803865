"""HTML legends: line widths, circle sizes, colours, how many flows are shown, and the scheme.

Every function takes raw values and escapes them itself; what comes out is safe HTML.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from pipeline.render.geometry import AreaScale, LinearScale, legend_samples
from pipeline.render.style import DIRECTION_COLOURS, DIRECTION_TEXT, GROUP_COLOURS, GROUP_TEXT
from pipeline.render.text import esc, esc_full, number, unit_text

# Shown on the maps drawn with great circles (flows, claims).
GLOBE_NOTE = (
    '<p class="muted globe-note">Lines follow the shortest route on the globe; near the pole '
    "they run along the top edge, and a country reached from both sides appears twice.</p>"
)
# Citations in legends are cut to this length; the whole text is in the hover title.
LEGEND_CITATION_MAX = 110


def citation(value: Any, limit: int = LEGEND_CITATION_MAX) -> str:
    """A source line for a legend: short, with the whole citation on hover."""
    return f'<p class="muted citation">Source: {esc_full(value, limit)}</p>'


def width_legend(scale: LinearScale, unit: Any, colour: str = "#555") -> str:
    """Three sample lines drawn at the widths the map uses, with their values (the unit is
    named in ``scale_note``)."""
    rows = []
    for value in legend_samples(scale.max_value):
        px = scale.drawn(value)
        rows.append(
            f'<tr><td><svg width="46" height="{max(8, int(px) + 4)}">'
            f'<line x1="2" x2="44" y1="50%" y2="50%" stroke="{colour}" stroke-width="{px}"/>'
            f'</svg></td><td style="white-space:nowrap">{esc(number(value))}</td></tr>'
        )
    return f'<table class="width-legend">{"".join(rows)}</table>'


def scale_note(scale: LinearScale, unit: Any) -> str:
    """What widths and circle areas measure, in which unit."""
    floor = (
        f"; lines under {number(scale.floor_px)} px are drawn at {number(scale.floor_px)} px"
        if scale.floor_px
        else ""
    )
    return (
        f'<p class="muted">In {unit_text(unit)}. Line width: volume, from zero{floor}. '
        "Circle area: work the country buys abroad, sells abroad and does at home.</p>"
    )


def scales(width_html: str, circle_html: str) -> str:
    """Line widths and circle sizes side by side, to keep the legend short."""
    return f'<div class="scales"><div>{width_html}</div><div>{circle_html}</div></div>'


def circle_legend(scale: AreaScale, unit: Any) -> str:
    """Three sample circles (area proportional to value)."""
    cells = []
    for value in legend_samples(scale.max_value):
        r = max(scale.drawn(value), 1.0)
        size = int(2 * r + 4)
        cells.append(
            f'<td style="text-align:center"><svg width="{size}" height="{size}">'
            f'<circle cx="{size / 2}" cy="{size / 2}" r="{r}" fill="#999" fill-opacity="0.35" '
            f'stroke="#555" stroke-width="1"/></svg>{esc(number(value))}</td>'
        )
    return f'<table class="circle-legend"><tr>{"".join(cells)}</tr></table>'


def line_swatches(directions: Sequence[str]) -> str:
    rows = [
        f'<tr><td><svg width="30" height="8"><line x1="1" x2="29" y1="4" y2="4" '
        f'stroke="{DIRECTION_COLOURS[d]}" stroke-width="4"/></svg></td>'
        f"<td>{esc(DIRECTION_TEXT[d])}</td></tr>"
        for d in directions
    ]
    return f'<table class="direction-legend">{"".join(rows)}</table>'


def group_swatches() -> str:
    # One row: three short entries side by side.
    cells = [
        f'<td><svg width="14" height="14"><circle cx="7" cy="7" r="6" '
        f'fill="{GROUP_COLOURS[k]}" fill-opacity="0.45" stroke="{GROUP_COLOURS[k]}"/></svg></td>'
        f"<td>{esc(GROUP_TEXT[k])}</td>"
        for k in (True, False, None)
    ]
    return f'<table class="group-legend"><tr>{"".join(cells)}</tr></table>'


def box_swatches(
    items: Sequence[tuple[str, str]], columns: int = 1, headers: Sequence[str] = ()
) -> str:
    """Colour boxes with (already escaped) labels, ``columns`` entries a row, under optional
    (already escaped) column headers."""
    cells = [
        f'<td><span style="display:inline-block;width:14px;height:11px;background:{c};'
        f'border:1px solid #999"></span></td><td>{label}</td>'
        for c, label in items
    ]
    rows = ["".join(cells[i : i + columns]) for i in range(0, len(cells), columns)]
    head = (
        "<tr>"
        + "".join(f'<th colspan="2" style="text-align:left">{h}</th>' for h in headers)
        + "</tr>"
        if headers
        else ""
    )
    return f"<table>{head}{''.join(f'<tr>{r}</tr>' for r in rows)}</table>"


def shown_count(shown: int, total: int, what: str = "flows") -> str:
    """The filtering is part of the message: say how much of the data is drawn."""
    return f'<p class="shown-count"><b>{shown} of {total} {esc(what)} shown</b></p>'


def scheme_note(scheme: str, schemes: Sequence[dict[str, Any]]) -> str:
    """Name the North/South scheme in use, where it comes from, and the alternatives."""
    row = next((s for s in schemes if s["scheme"] == scheme), None)
    source = (
        esc_full(
            row.get("source_citation") or row.get("source_title") or row.get("source_id"),
            LEGEND_CITATION_MAX,
        )
        if row
        else "not in the database"
    )
    others = [esc(s["scheme"], 40) for s in schemes if s["scheme"] != scheme]
    other_text = f" Also available: {', '.join(others)}." if others else ""
    return (
        f'<p class="scheme-note">North/South: <b>{esc(scheme, 40)}</b> ({source}).{other_text}</p>'
    )


def section(section_id: str, title: str, body: str, visible: bool) -> str:
    style = "" if visible else ' style="display:none"'
    return f'<div id="{esc(section_id)}" class="legend-section"{style}><h2>{title}</h2>{body}</div>'
