"""``make screenshots``: the README's pictures of each map, taken in headless Chromium.

Opens the pages ``make maps`` wrote (maps/), offline, at 1200 x 720, and writes small PNGs
(reduced to a 96-colour palette) to docs/screenshots/, which are committed.
"""

from __future__ import annotations

import io
import sys
from pathlib import Path

from PIL import Image

from pipeline.util import paths
from pipeline.util.atomic import write_atomic

CHROMIUM = "/usr/bin/chromium"
SIZE = (1200, 720)
PAGES = ("flows", "balance", "claims", "index")


def _local_only(route) -> None:  # type: ignore[no-untyped-def]
    """The pages load nothing from the network; make sure a screenshot never does either."""
    if route.request.url.startswith(("file:", "data:")):
        route.continue_()
    else:
        route.abort()


def take(maps_dir: Path, out_dir: Path) -> list[Path]:
    from playwright.sync_api import sync_playwright

    written = []
    with sync_playwright() as p:
        browser = p.chromium.launch(
            executable_path=CHROMIUM, headless=True, args=["--no-sandbox", "--disable-gpu"]
        )
        for name in PAGES:
            page = browser.new_page(viewport={"width": SIZE[0], "height": SIZE[1]})
            page.route(
                "**/*",
                lambda r: (
                    r.abort() if not r.request.url.startswith(("file:", "data:")) else r.continue_()
                ),
            )
            page.goto((maps_dir / f"{name}.html").as_uri())
            if name != "index":
                page.wait_for_function("() => window.atlasReady")
            shot = Image.open(io.BytesIO(page.screenshot()))
            small = shot.convert("RGB").quantize(colors=96, method=Image.Quantize.MEDIANCUT)
            out = io.BytesIO()
            small.save(out, format="PNG", optimize=True)
            written.append(write_atomic(out_dir / f"{name}.png", out.getvalue()))
            page.close()
        browser.close()
    return written


def main() -> int:
    root = Path(__file__).resolve().parents[2]
    for path in take(paths.maps_dir(), root / "docs" / "screenshots"):
        print(f"wrote {path} ({path.stat().st_size / 1024:,.0f} KB)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
