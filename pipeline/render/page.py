"""One HTML page per map: Leaflet inlined, the page's data as JSON, its JavaScript inlined.

The pages are written by hand rather than through folium: folium can only use Leaflet's
built-in CRSs and writes one JavaScript object per feature, while these pages need
``CRS.Simple`` for the pre-projected world and draw every flow from compact data, so a
hidden year costs a few bytes per flow instead of a whole layer. The JavaScript lives in
``pipeline/render/js/`` and is inlined at build time; ``atlas.js`` holds what the maps share.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

from pipeline.render.assets import assert_self_contained, leaflet_css, leaflet_js
from pipeline.render.text import esc, json_for_script
from pipeline.util.atomic import write_atomic

JS_DIR = Path(__file__).parent / "js"
DATA_ISLAND_ID = "atlas-data"
SIDE_WIDTH_PX = 300
# At this width and below (phones, portrait tablets) the legend goes under the map.
NARROW_PX = 820

CSS = f"""
html, body {{ margin: 0; height: 100%; }}
body {{ font: 13px/1.4 system-ui, sans-serif; color: #222; background: #fff; }}
#atlas {{ display: flex; height: 100vh; }}
#atlas-side {{ width: {SIDE_WIDTH_PX}px; flex: none; overflow-y: auto; box-sizing: border-box;
  padding: 8px 12px 12px; border-right: 1px solid #d0d7de; background: #fbfcfd; }}
#atlas-map {{ flex: 1; min-width: 0; background: #fff; }}
.leaflet-container {{ background: #fff !important; font: 12px/1.4 system-ui, sans-serif; }}
#atlas-side h1 {{ font-size: 16px; margin: 2px 0 4px; }}
#atlas-side h2 {{ font-size: 13px; margin: 10px 0 3px; }}
#atlas-side p {{ margin: 3px 0; }}
#atlas-side .muted {{ color: #555; font-size: 12px; }}
#atlas-side table {{ border-collapse: collapse; }}
#atlas-side td {{ padding: 1px 5px 1px 0; vertical-align: middle; }}
#atlas-side select {{ max-width: 190px; font: inherit; }}
#atlas-side fieldset {{ border: none; margin: 0; padding: 0; }}
#atlas-side label {{ margin-right: 8px; white-space: nowrap; }}
#atlas-side .shown-count {{ font-weight: 600; }}
.key button {{ display: flex; align-items: center; gap: 6px; width: 100%; text-align: left;
  border: 1px solid transparent; background: none; font: inherit; padding: 1px 2px;
  cursor: pointer; border-radius: 3px; }}
.key button[aria-pressed="false"] {{ opacity: 0.45; }}
.key button:hover {{ border-color: #bbb; }}
.downloads button, .plain-button {{ font: inherit; margin: 2px 4px 2px 0; padding: 3px 8px;
  cursor: pointer; }}
.focus-box {{ background: #fff6d6; border: 1px solid #e6d38a; padding: 4px 6px;
  border-radius: 4px; margin-top: 6px; }}
#atlas-tip {{ position: fixed; z-index: 2000; max-width: 360px; pointer-events: none;
  background: rgba(255,255,255,0.97); border: 1px solid #999; border-radius: 4px;
  padding: 4px 7px; font: 12px/1.35 system-ui, sans-serif; box-shadow: 0 1px 4px #0003; }}
#atlas-tip th {{ text-align: left; color: #555; padding-right: 6px; vertical-align: top;
  font-weight: normal; }}
.atlas-label span {{ font: 600 11px/1 system-ui, sans-serif; color: #222; white-space: nowrap;
  text-shadow: 0 0 2px #fff, 0 0 2px #fff, 0 0 3px #fff; pointer-events: none;
  display: inline-block; transform: translate(-50%, -50%); }}
#atlas-side-toggle {{ display: none; }}
/* Phones and portrait tablets: the map on top, as tall as the world needs at this width, the
   legend and choices under it; the legend can be folded away to give the map the screen. */
@media (max-width: {NARROW_PX}px) {{
  #atlas {{ flex-direction: column; }}
  #atlas-map {{ order: 1; flex: none; height: min(calc(50vw + 12px), 62vh); }}
  .leaflet-control-zoom {{ display: none; }}  /* pinch to zoom; the buttons hid labels */
  #atlas-side {{ order: 2; width: auto; flex: 1; min-height: 0; border-right: none;
    border-top: 1px solid #d0d7de; padding: 4px 10px 6px; }}
  #atlas-side-toggle {{ display: block; float: right; font: inherit; margin: 2px 0 2px 6px;
    padding: 3px 8px; cursor: pointer; }}
  #atlas-side h1 {{ font-size: 14px; }}
  /* folded: the title and the colour key only, the map takes the rest of the screen */
  #atlas-side.collapsed {{ flex: none; }}
  #atlas-side.collapsed > :not(h1):not(.key):not(#atlas-side-toggle) {{ display: none; }}
  #atlas-side.collapsed .key button {{ display: inline-flex; width: auto; }}
  #atlas-side.collapsed + #atlas-map {{ flex: 1; height: auto; min-height: 0; }}
}}
"""


@cache
def script(name: str) -> str:
    text = (JS_DIR / name).read_text(encoding="utf-8")
    if "</script" in text.lower():
        raise ValueError(f"{name} contains '</script'")
    return text


def map_page(title: str, data: Any, scripts: list[str], description: str) -> str:
    """A map page: sidebar (filled by the page's script), map, tooltip box, data, scripts."""
    body_scripts = "".join(
        f"<script>{text}</script>"
        for text in [leaflet_js(), *(script(name) for name in ["atlas.js", *scripts])]
    )
    return (
        "<!DOCTYPE html>\n"
        '<html lang="en">\n<head>\n<meta charset="utf-8">\n'
        '<meta name="viewport" content="width=device-width, initial-scale=1">\n'
        f"<title>{esc(title, 120)}</title>\n"
        f'<meta name="description" content="{esc(description, 300)}">\n'
        f"<style>{leaflet_css()}</style>\n<style>{CSS}</style>\n</head>\n<body>\n"
        '<div id="atlas"><aside id="atlas-side" aria-label="Legend and choices"></aside>'
        f'<main id="atlas-map" role="img" aria-label="{esc(description, 300)}"></main></div>\n'
        '<div id="atlas-tip" role="tooltip" hidden></div>\n'
        f'<script type="application/json" id="{DATA_ISLAND_ID}">{json_for_script(data)}</script>\n'
        f"{body_scripts}\n</body>\n</html>\n"
    )


def save_page(html: str, path: Path) -> Path:
    """Write a page after checking it loads nothing from the network."""
    assert_self_contained(html)
    return write_atomic(path, html)


def data_island(data: Any) -> str:
    return f'<script type="application/json" id="{DATA_ISLAND_ID}">{json_for_script(data)}</script>'


def compact_number(value: float | None, digits: int = 4) -> float | int | None:
    """A volume as short as JSON allows: integers stay integers, others keep 4 decimals."""
    if value is None:
        return None
    r = round(float(value), digits)
    return int(r) if r == int(r) else r
