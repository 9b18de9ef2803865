"""A folium map made self-contained, for the benchmark's naive map: folium links Leaflet,
jQuery, Bootstrap and FontAwesome from CDNs, which offline renders a blank page ("L is not
defined"). Leaflet and jQuery are inlined from the xstatic packages (the versions folium 0.20
references); Bootstrap, FontAwesome and awesome-markers serve only folium.Icon and are dropped.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import folium
import xstatic.pkg.jquery

from pipeline.render.assets import (
    RemoteAssetError,
    assert_self_contained,
    leaflet_css,
    leaflet_js,
    png_data_uri,
)
from pipeline.util.atomic import write_atomic

_JQUERY_DIR = Path(xstatic.pkg.jquery.BASE_DIR)
_SCRIPT_SRC = re.compile(r"""<script\b[^>]*\bsrc\s*=\s*["']([^"']+)["'][^>]*>\s*</script>""", re.I)
_LINK_HREF = re.compile(r"""<link\b[^>]*\bhref\s*=\s*["']([^"']+)["'][^>]*/?>""", re.I)
# Only folium.Icon and bootstrap-styled popups use these; none of the benchmark's maps do.
_DROPPED = ("bootstrap", "glyphicons", "fontawesome", "awesome-markers", "awesome.rotate")


@cache
def jquery_js() -> str:
    text = (_JQUERY_DIR / "jquery.min.js").read_text(encoding="utf-8")
    return re.sub(r"^//# sourceMappingURL=.*$", "", text, flags=re.M)


def _icon_fix() -> str:
    # Leaflet guesses the marker image folder from the CSS URL; with inlined CSS it guesses wrong.
    return (
        "L.Icon.Default.imagePath='';L.Icon.Default.mergeOptions({"
        f"iconUrl:'{png_data_uri('marker-icon.png')}',"
        f"iconRetinaUrl:'{png_data_uri('marker-icon-2x.png')}',"
        f"shadowUrl:'{png_data_uri('marker-shadow.png')}'}});"
    )


def _inline_script(body: str) -> str:
    if re.search(r"</script", body, re.I):
        raise ValueError("an inlined script contains '</script'")
    return f"<script>{body}</script>"


def inline_assets(html: str) -> str:
    """Replace folium's CDN links with inlined Leaflet and jQuery; drop the rest."""

    def script(m: re.Match[str]) -> str:
        url = m.group(1).lower()
        if url.endswith("/leaflet.js"):
            return _inline_script(leaflet_js() + "\n" + _icon_fix())
        if "jquery" in url and url.endswith(".js"):
            return _inline_script(jquery_js())
        if any(d in url for d in _DROPPED):
            return ""
        raise RemoteAssetError(f"unexpected script {m.group(1)!r}: inline it or drop it")

    def link(m: re.Match[str]) -> str:
        url = m.group(1).lower()
        if url.endswith("/leaflet.css"):
            return f"<style>{leaflet_css()}</style>"
        if any(d in url for d in _DROPPED):
            return ""
        if url.startswith(("http:", "https:", "//")):
            raise RemoteAssetError(f"unexpected stylesheet {m.group(1)!r}: inline it or drop it")
        return m.group(0)

    html = _SCRIPT_SRC.sub(script, html)
    html = _LINK_HREF.sub(link, html)
    assert_self_contained(html)
    return html


def save_map(m: folium.Map, path: Path) -> Path:
    """Render a folium map to a single self-contained HTML file (the benchmark's naive map)."""
    return write_atomic(path, inline_assets(m.get_root().render()))
