"""Leaflet inlined from the xstatic package: the maps must open from a file with no network.

Also the check that a page refers to nothing on the network (:func:`assert_self_contained`).
"""

from __future__ import annotations

import base64
import re
from functools import cache
from pathlib import Path

import xstatic.pkg.leaflet

_LEAFLET_DIR = Path(xstatic.pkg.leaflet.BASE_DIR)

_REMOTE = re.compile(
    r"""<(?:script|link|img|iframe|source)\b[^>]*\b(?:src|href)\s*=\s*["']?\s*(?:https?:)?//""",
    re.I,
)
_CSS_URL = re.compile(r"""url\((['"]?)images/([a-z0-9\-]+\.png)\1\)""", re.I)


class RemoteAssetError(RuntimeError):
    """A page still refers to something on the network."""


def png_data_uri(name: str) -> str:
    data = (_LEAFLET_DIR / "images" / name).read_bytes()
    return "data:image/png;base64," + base64.b64encode(data).decode("ascii")


@cache
def leaflet_js() -> str:
    text = (_LEAFLET_DIR / "leaflet.js").read_text(encoding="utf-8")
    return re.sub(r"^//# sourceMappingURL=.*$", "", text, flags=re.M)


@cache
def leaflet_css() -> str:
    css = (_LEAFLET_DIR / "leaflet.css").read_text(encoding="utf-8")
    return _CSS_URL.sub(lambda m: f"url({png_data_uri(m.group(2))})", css)


def assert_self_contained(html: str) -> None:
    """Raise if any script, stylesheet, image or frame would be fetched over the network."""
    m = _REMOTE.search(html)
    if m:
        raise RemoteAssetError(f"page still loads a remote asset: {m.group(0)[:120]!r}")
