"""Turning data into text for pages: everything is escaped, and long strings are cut short.

All strings shown come from data that may have been scraped, so nothing reaches HTML (tooltips,
legends, layer names) without going through ``esc``. folium's GeoJsonTooltip puts property
values into innerHTML as they are, which is why tooltip properties are escaped here first.
"""

from __future__ import annotations

import html
import json
from typing import Any

LABEL_MAX = 80
CITATION_MAX = 300
# Hover text for a shortened string: the whole string, bounded only against absurd input.
TITLE_MAX = 4000

UNIT_TEXT = {
    "projects": "projects",
    # an estimate's cells: its two sides may count different things (vacancies, workers)
    "pct_of_total": "% of the source's total",
    "pct": "% (share)",
}


def truncate(value: Any, limit: int = LABEL_MAX) -> str:
    """Whitespace collapsed, then cut to at most ``limit`` characters, "…" included.

    The cut falls at the last space before the limit so no word is split, unless that would
    throw away more than a third of the text allowed (one very long word): then it is hard.
    """
    text = "" if value is None else " ".join(str(value).split())
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ", 0, limit)
    if text[limit - 1] != " " and space >= (limit - 1) * 2 // 3:
        head = head[:space]
    return head.rstrip(" ,;:.-–(") + "…"


def esc(value: Any, limit: int = LABEL_MAX) -> str:
    """Plain text -> HTML-safe text of at most ``limit`` characters (before escaping)."""
    return html.escape(truncate(value, limit), quote=True)


def esc_full(value: Any, limit: int = LABEL_MAX) -> str:
    """Like ``esc``, but wrapped in a span whose title holds the whole text when it was cut,
    so hovering the shortened text shows all of it."""
    short = esc(value, limit)
    whole = esc(value, TITLE_MAX)
    if short == whole:
        return short
    return f'<span class="cut" title="{whole}">{short}</span>'


def country_label(name: Any, code: Any) -> str:
    return esc(f"{truncate(name, 60)} ({truncate(code, 8)})")


def unit_text(unit: Any) -> str:
    return esc(UNIT_TEXT.get(str(unit), str(unit)), 40)


def number(value: float | None) -> str:
    """Readable number: thousands separators, decimals only where they carry information."""
    if value is None:
        return "n/a"
    value += 0.0  # -0.0 (a sum of nothing negative) is shown as 0, not "-0"
    if abs(value - round(value)) < 1e-9 and abs(value) >= 1:
        return f"{round(value):,}"
    if abs(value) >= 100:
        return f"{value:,.0f}"
    if abs(value) >= 1:
        return f"{value:,.1f}"
    return f"{value:.3g}"


def amount(value: float | None, unit: Any) -> str:
    """A volume with its unit, e.g. '120 projects' or '12.5 % of all projects'."""
    if value is None:
        return "not published"
    return f"{number(value)} {unit_text(unit)}"


def layer_name(source_id: Any, year: Any, unit: Any = None, with_unit: bool = False) -> str:
    base = f"{truncate(source_id, 40)} · {year if year is not None else 'all years'}"
    if with_unit and unit:
        base += f" ({UNIT_TEXT.get(str(unit), str(unit))})"
    return esc(base, 90)


def json_for_script(data: Any) -> str:
    """JSON that is safe inside <script type="application/json">: no '<', '>' or '&' at all."""
    text = json.dumps(data, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return text.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
