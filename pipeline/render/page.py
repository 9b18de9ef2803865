"""The parts every folium map page shares: an empty map (no web tiles), CSS, the legend box,
the JSON data island tests read, and legends that follow the layer control."""

from __future__ import annotations

from typing import Any

import folium
from branca.element import Element, MacroElement
from jinja2 import Template

from pipeline.render.style import OCEAN
from pipeline.render.text import json_for_script

DATA_ISLAND_ID = "atlas-data"

_CSS = f"""
<style>
  /* leaflet.css comes after user styles in folium's header, hence !important */
  .leaflet-container {{ background: {OCEAN} !important; font: 12px/1.4 system-ui, sans-serif; }}
  .atlas-legend {{ position: absolute; z-index: 1000; left: 10px; bottom: 14px; max-width: 340px;
    max-height: 75vh; overflow-y: auto; background: rgba(255,255,255,0.94); padding: 8px 10px;
    border-radius: 6px; box-shadow: 0 1px 4px rgba(0,0,0,0.3);
    font: 12px/1.35 system-ui, sans-serif;
    color: #222; }}
  .atlas-legend h1 {{ font-size: 14px; margin: 0 0 4px 0; }}
  .atlas-legend h2 {{ font-size: 12px; margin: 8px 0 2px 0; }}
  .atlas-legend p {{ margin: 2px 0; }}
  .atlas-legend table {{ border-collapse: collapse; }}
  .atlas-legend td {{ padding: 1px 4px 1px 0; vertical-align: middle; }}
  .atlas-legend .muted {{ color: #666; }}
  .atlas-legend svg {{ display: block; }}
  .leaflet-tooltip table th {{ text-align: left; padding-right: 6px; color: #555; }}
  .leaflet-tooltip {{ max-width: 360px; white-space: normal; }}
</style>
"""


def new_map(centre_lon: float, bounds: list[list[float]] | None) -> folium.Map:
    """A blank map: countries come from our own polygons, never from a tile server."""
    m = folium.Map(
        location=[20.0, centre_lon],
        zoom_start=2,
        min_zoom=1,
        max_zoom=8,
        tiles=None,
        world_copy_jump=False,
        control_scale=False,
        # SVG, not canvas: thin lines stay hoverable and the arrowheads render the same way.
        prefer_canvas=False,
    )
    m.get_root().header.add_child(Element(_CSS))
    if bounds:
        m.fit_bounds(bounds, padding=(10, 10))
    return m


def add_legend(m: folium.Map, legend_html: str) -> None:
    """Pin an (already escaped) legend to the bottom left of the page."""
    m.get_root().html.add_child(Element(f'<div class="atlas-legend">{legend_html}</div>'))


def add_data_island(m: folium.Map, data: Any) -> None:
    m.get_root().html.add_child(Element(data_island(data)))


def data_island(data: Any) -> str:
    return f'<script type="application/json" id="{DATA_ISLAND_ID}">{json_for_script(data)}</script>'


class LegendFollowsLayers(MacroElement):
    """Show a layer's legend section only while that layer is switched on."""

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var sections = {{ this.sections | tojson }};
            var map = {{ this._parent.get_name() }};
            function sync(layer, on) {
                for (var name in sections) {
                    if (window[name] === layer) {
                        var el = document.getElementById(sections[name]);
                        if (el) { el.style.display = on ? '' : 'none'; }
                    }
                }
            }
            map.on('overlayadd', function (e) { sync(e.layer, true); });
            map.on('overlayremove', function (e) { sync(e.layer, false); });
        })();
        {% endmacro %}
        """
    )

    def __init__(self, sections: dict[str, str]):
        super().__init__()
        self._name = "LegendFollowsLayers"
        self.sections = sections


def feature_group(name: str, show: bool) -> folium.FeatureGroup:
    return folium.FeatureGroup(name=name, show=show, overlay=True, control=True)
