"""``make screenshots``: the README's pictures of each map, taken in headless Chromium.

Opens the pages ``make maps`` wrote (maps/), offline, at 1200 x 720, and writes small PNGs
(reduced to a 96-colour palette) to docs/screenshots/, which are committed. Each shot is a page
in the view it opens on, or with switches added to its address (per million inhabitants, US
dollars, sub-regions). ``--maps DIR --only NAME`` takes some shots from other pages: no
shipped source records money, so flows-money.png is taken from maps of a sample with amounts
(README, "What the maps show").
"""

from __future__ import annotations

import argparse
import io
import sys
from pathlib import Path

from PIL import Image

from pipeline.util import paths
from pipeline.util.atomic import write_atomic

CHROMIUM = "/usr/bin/chromium"
SIZE = (1200, 720)
# file name -> (page, switches added to the address of the view the page opens on)
SHOTS: dict[str, tuple[str, str]] = {
    "flows": ("flows", ""),
    "flows-per-capita": ("flows", "per=million"),
    "flows-money": ("flows", "money=usd"),
    "flows-regions": ("flows", "regions=subregion"),
    "balance": ("balance", ""),
    "claims": ("claims", ""),
    "index": ("index", ""),
}
# The view a switch asks for, as the page keeps it after applying the address: a shot whose
# switch the page refused (a source without money) is not taken.
APPLIED = "(key) => new URLSearchParams(location.hash.slice(1)).has(key)"


def _local_only(route) -> None:  # type: ignore[no-untyped-def]
    """The pages load nothing from the network; make sure a screenshot never does either."""
    if route.request.url.startswith(("file:", "data:")):
        route.continue_()
    else:
        route.abort()


def take(maps_dir: Path, out_dir: Path, only: list[str] | None = None) -> list[Path]:
    """Take the shots (``only`` those named) of the pages in ``maps_dir`` into ``out_dir``."""
    from playwright.sync_api import sync_playwright

    unknown = sorted(set(only or []) - set(SHOTS))
    if unknown:
        raise ValueError(f"no shot named {', '.join(unknown)}; known: {', '.join(SHOTS)}")
    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        for name, (page_name, switches) in SHOTS.items():
            if only and name not in only:
                continue
            page = browser.new_page(viewport={"width": SIZE[0], "height": SIZE[1]})
            page.route(
                "**/*",
                lambda r: (
                    r.abort() if not r.request.url.startswith(("file:", "data:")) else r.continue_()
                ),
            )
            page.goto((maps_dir / f"{page_name}.html").as_uri())
            if page_name != "index":
                page.wait_for_function("() => window.atlasReady")
            if switches:
                page.evaluate("(more) => { location.hash += '&' + more; }", switches)
                key = switches.split("=", 1)[0]
                if not page.evaluate(APPLIED, key):
                    print(f"skipped {name}: the page refused {switches} (nothing to show)")
                    page.close()
                    continue
            shot = Image.open(io.BytesIO(page.screenshot()))
            small = shot.convert("RGB").quantize(colors=96, method=Image.Quantize.MEDIANCUT)
            out = io.BytesIO()
            small.save(out, format="PNG", optimize=True)
            written.append(write_atomic(out_dir / f"{name}.png", out.getvalue()))
            page.close()
        browser.close()
    return written


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="The README's screenshots of the maps.")
    parser.add_argument("--maps", type=Path, default=None, help="the pages (default: maps/)")
    parser.add_argument("--only", nargs="*", default=None, help=f"some of {', '.join(SHOTS)}")
    args = parser.parse_args(argv)
    root = Path(__file__).resolve().parents[2]
    maps_dir = args.maps or paths.maps_dir()
    for path in take(maps_dir, root / "docs" / "screenshots", args.only):
        print(f"wrote {path} ({path.stat().st_size / 1024:,.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
