"""The parts every folium map page shares: an empty map (no web tiles), CSS, the legend box,
the JSON data island tests read, and legends that follow the layer control."""

from __future__ import annotations

from typing import Any

import folium
from branca.element import Element, MacroElement
from jinja2 import Template

from pipeline.render.style import OCEAN
from pipeline.render.text import esc, json_for_script

DATA_ISLAND_ID = "atlas-data"
LEGEND_ID = "atlas-legend"
LEGEND_WIDTH_PX = 290
# Tall enough for a layer's section, short enough to leave most of a laptop screen to the map.
LEGEND_MAX_HEIGHT = "min(62vh, calc(100vh - 150px))"
# Free space kept between the drawing and the window edges or a panel, in px.
FIT_GAP_PX = 10
MIN_ZOOM = 0.5
MAX_ZOOM = 8

_CSS = f"""
<style>
  /* leaflet.css comes after user styles in folium's header, hence !important */
  .leaflet-container {{ background: {OCEAN} !important; font: 12px/1.4 system-ui, sans-serif; }}
  .atlas-legend {{ position: absolute; z-index: 1000; left: 10px; bottom: 24px;
    width: {LEGEND_WIDTH_PX}px; max-width: calc(100vw - 60px); max-height: {LEGEND_MAX_HEIGHT};
    overflow-y: auto; box-sizing: border-box; background: rgba(255,255,255,0.95);
    padding: 6px 9px; border-radius: 6px; box-shadow: 0 1px 4px rgba(0,0,0,0.3);
    font: 11.5px/1.3 system-ui, sans-serif; color: #222; }}
  .atlas-legend:not([open]) {{ width: auto; }}
  .atlas-legend > summary {{ cursor: pointer; padding: 1px 0; }}
  .atlas-legend > summary h1 {{ display: inline; font-size: 13px; margin: 0; }}
  .atlas-legend h2 {{ font-size: 11.5px; margin: 6px 0 1px 0; }}
  .atlas-legend p {{ margin: 2px 0; }}
  .atlas-legend table {{ border-collapse: collapse; }}
  .atlas-legend td {{ padding: 0 4px 0 0; vertical-align: middle; }}
  .atlas-legend .muted {{ color: #666; }}
  .atlas-legend svg {{ display: block; }}
  .atlas-legend .scales {{ display: flex; gap: 10px; align-items: center; }}
  .atlas-legend .cut {{ cursor: help; text-decoration: underline dotted #aaa; }}
  .leaflet-tooltip table th {{ text-align: left; padding-right: 6px; color: #555; }}
  .leaflet-tooltip {{ max-width: 360px; white-space: normal; }}
</style>
"""


def new_map(centre_lon: float) -> folium.Map:
    """A blank map: countries come from our own polygons, never from a tile server.

    The initial view is set later by ``fit_view``, once the legend and the controls exist.
    """
    m = folium.Map(
        location=[20.0, centre_lon],
        zoom_start=2,
        # Fractional zooms let the first view fill the space the panels leave free.
        zoom_snap=0.25,
        zoom_delta=0.5,
        tiles=None,
        world_copy_jump=False,
        control_scale=False,
        # SVG, not canvas: thin lines stay hoverable and the arrowheads render the same way.
        prefer_canvas=False,
    )
    # folium hands min_zoom/max_zoom to the tile layer, and this map has none: set them here.
    m.options["minZoom"] = MIN_ZOOM
    m.options["maxZoom"] = MAX_ZOOM
    m.get_root().header.add_child(Element(_CSS))
    return m


def legend_box(title: str, body_html: str) -> str:
    """A legend a reader can fold: the title stays visible, the (already escaped) body folds."""
    return (
        f'<details open class="atlas-legend" id="{LEGEND_ID}">'
        f'<summary title="Click to fold or unfold the legend"><h1>{esc(title, 120)}</h1>'
        f"</summary>{body_html}</details>"
    )


def add_legend(m: folium.Map, title: str, body_html: str) -> None:
    """Pin a foldable legend to the bottom left of the page."""
    m.get_root().html.add_child(Element(legend_box(title, body_html)))


class FitAroundPanels(MacroElement):
    """Open the map on ``bounds``, fitted into the part of the window no panel covers.

    The legend and the Leaflet controls sit in the corners. Each panel can be kept clear of
    the drawing either by a band beside it (left or right) or by a band above or below it;
    every combination is tried and the one that allows the largest zoom wins, so the widest
    view is used in which no drawn point starts under a panel. Runs once, when the page opens.
    """

    _template = Template(
        """
        {% macro script(this, kwargs) %}
        (function () {
            var map = {{ this._parent.get_name() }};
            var bounds = L.latLngBounds({{ this.bounds | tojson }});
            var gap = {{ this.gap }};
            function bands() {
                var box = map.getContainer().getBoundingClientRect();
                var size = map.getSize();
                var found = [];
                var panels = document.querySelectorAll(
                    '#{{ this.legend_id }}, .leaflet-control-container .leaflet-control');
                panels.forEach(function (el) {
                    var r = el.getBoundingClientRect();
                    if (r.width <= 0 || r.height <= 0) { return; }
                    var x0 = r.left - box.left, x1 = r.right - box.left;
                    var y0 = r.top - box.top, y1 = r.bottom - box.top;
                    var side = (x0 + x1) / 2 < size.x / 2
                        ? {left: x1 + gap} : {right: size.x - x0 + gap};
                    var end = (y0 + y1) / 2 < size.y / 2
                        ? {top: y1 + gap} : {bottom: size.y - y0 + gap};
                    found.push([side, end]);
                });
                return found;
            }
            function fit() {
                var options = bands();
                var best = null;
                for (var mask = 0; mask < (1 << options.length); mask++) {
                    var pad = {left: gap, top: gap, right: gap, bottom: gap};
                    options.forEach(function (pair, i) {
                        var band = pair[(mask >> i) & 1];
                        for (var k in band) { pad[k] = Math.max(pad[k], band[k]); }
                    });
                    var free = map.getSize().subtract(
                        L.point(pad.left + pad.right, pad.top + pad.bottom));
                    // a band that leaves no room to draw in is no choice at all
                    if (free.x < 80 || free.y < 80) { continue; }
                    var zoom = map.getBoundsZoom(
                        bounds, false, L.point(pad.left + pad.right, pad.top + pad.bottom));
                    if (!isFinite(zoom)) { continue; }
                    var cost = pad.left + pad.right + pad.top + pad.bottom;
                    if (!best || zoom > best.zoom || (zoom === best.zoom && cost < best.cost)) {
                        best = {zoom: zoom, cost: cost, pad: pad};
                    }
                }
                var pad = best ? best.pad : {left: gap, top: gap, right: gap, bottom: gap};
                map.fitBounds(bounds, {
                    paddingTopLeft: [pad.left, pad.top],
                    paddingBottomRight: [pad.right, pad.bottom],
                    animate: false
                });
            }
            fit();
        })();
        {% endmacro %}
        """
    )

    def __init__(self, bounds: list[list[float]], gap: int = FIT_GAP_PX):
        super().__init__()
        self._name = "FitAroundPanels"
        self.bounds = [[float(v) for v in corner] for corner in bounds]
        self.gap = int(gap)
        self.legend_id = LEGEND_ID


def fit_view(m: folium.Map, bounds: list[list[float]] | None) -> None:
    """Set the first view; call after the legend and the layer control have been added."""
    if bounds:
        FitAroundPanels(bounds).add_to(m)


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
