"""`make export FORMAT=geojson|geoparquet|csv [SOURCE=… YEAR=…]`: the flows and countries as
files a GIS or a spreadsheet opens, each carrying its citation.

Three files per export: ``flows`` (the flow lines with the curves the map draws),
``country_points`` (each country's label point) and ``country_polygons`` (its outline), the
countries with the work they buy, sell and sell net (pipeline/render/geodata.py). Every row
names its source and carries that source's citation; the file carries the atlas's citation
(CITATION.cff) and every source's title, citation, licence and address: in GeoJSON as the
top-level member ``microwork_atlas``, in GeoParquet as the schema metadata key
``microwork_atlas`` (beside GeoParquet's own ``geo``), beside a CSV as ``<name>.citation.txt``.

A CSV cell that a spreadsheet would run as a formula (text starting with ``=``, ``+``, ``-``,
``@``, a tab or a carriage return) is written with a leading ``'``, unless it is a number:
country names, platforms and citations come from files the atlas did not write.
"""

from __future__ import annotations

import csv
import io
import json
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb
import geopandas as gpd
import pandas as pd
import pyarrow.parquet as pq
import yaml

from pipeline import __version__
from pipeline.reference.countries import DEFAULT_SCHEME
from pipeline.render import geodata
from pipeline.util import atomic, paths

FORMATS = {"geojson": ".geojson", "geoparquet": ".parquet", "csv": ".csv"}
METADATA_KEY = "microwork_atlas"
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
_NUMBER = re.compile(r"[+-]?(\d+(\.\d*)?|\.\d+)([eE][+-]?\d+)?")


class ChoiceError(ValueError):
    """A source, year, scheme or format the database has nothing for (the message lists what
    it has)."""


@dataclass(frozen=True)
class Layers:
    flows: gpd.GeoDataFrame
    country_points: gpd.GeoDataFrame
    country_polygons: gpd.GeoDataFrame

    def items(self) -> list[tuple[str, gpd.GeoDataFrame]]:
        return [
            ("flows", self.flows),
            ("country_points", self.country_points),
            ("country_polygons", self.country_polygons),
        ]


def neutralise(cell: str) -> str:
    """A text cell as a spreadsheet shows it without running it: ``'`` before a formula."""
    if cell.startswith(_FORMULA_START) and not _NUMBER.fullmatch(cell):
        return "'" + cell
    return cell


def atlas_citation() -> str:
    """How to cite the atlas itself, from CITATION.cff."""
    meta = yaml.safe_load(paths.CITATION_FILE.read_text(encoding="utf-8"))
    authors = ", ".join(
        a.get("name") or " ".join(x for x in (a.get("given-names"), a.get("family-names")) if x)
        for a in meta["authors"]
    )
    year = str(meta.get("date-released", ""))[:4]
    return f"{authors} ({year}). {meta['title']} (version {meta['version']}) [software]."


def check_choice(
    con: duckdb.DuckDBPyConnection, source: str | None, year: int | None, scheme: str
) -> None:
    """Refuse a source, year or scheme the database has no flows or countries for, listing
    what it has."""
    schemes = [r[0] for r in con.execute(_sql("schemes")).fetchall()]
    if scheme not in schemes:
        raise ChoiceError(f"no North/South scheme {scheme!r}; schemes: {', '.join(schemes)}")
    layers = con.execute(_sql("layers"), {"scheme": scheme}).fetchall()
    sources = sorted({s for s, _ in layers})
    if source is not None and source not in sources:
        raise ChoiceError(
            f"no flows or country totals for source {source!r}; sources: {', '.join(sources)}"
        )
    if year is not None:
        years = sorted({y for s, y in layers if source in (None, s) and y is not None})
        if year not in years:
            where = f" of {source}" if source else ""
            raise ChoiceError(
                f"no flows or country totals{where} for year {year}; years: "
                + ", ".join(str(y) for y in years)
            )


def _sql(name: str) -> str:
    return (paths.SQL_DIR / "api" / f"{name}.sql").read_text(encoding="utf-8")


def layers(
    con: duckdb.DuckDBPyConnection,
    source: str | None = None,
    year: int | None = None,
    scheme: str = DEFAULT_SCHEME,
) -> Layers:
    """The three exported tables, after checking the choice."""
    check_choice(con, source, year, scheme)
    return Layers(
        flows=geodata.flow_lines(con, source, year, scheme),
        country_points=geodata.country_points(con, source, year, scheme),
        country_polygons=geodata.country_polygons(con, source, year, scheme),
    )


def metadata(
    con: duckdb.DuckDBPyConnection,
    frame: pd.DataFrame,
    what: str,
    choice: dict[str, Any],
) -> dict[str, Any]:
    """What travels with a file: the atlas's citation and each source's, and the choice."""
    ids = sorted(set(frame["source_id"])) if len(frame) else []
    cursor = con.execute(_sql("sources"), {"ids": ids})
    columns = [d[0] for d in cursor.description]
    sources = [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]
    return {
        "title": f"Microwork Atlas: {what}",
        "cite_as": atlas_citation(),
        "atlas_version": __version__,
        "sources": sources,
        "selection": choice,
        "note": "Each row's citation column cites its source; estimated rows (method "
        "'estimated') are modelled from published shares, see the README's 'Observed and "
        "estimated flows'.",
    }


def citation_text(meta: dict[str, Any]) -> str:
    lines = [meta["title"], "", "Cite the atlas as:", f"  {meta['cite_as']}", ""]
    lines.append("and the sources of the rows you use:")
    for s in meta["sources"]:
        lines.append(f"  {s['source_id']}: {s['citation']}")
        lines.append(f"    licence: {s['licence']}" + (f"; {s['url']}" if s["url"] else ""))
    chosen = ", ".join(f"{k}={v}" for k, v in meta["selection"].items() if v is not None)
    lines += ["", f"Selection: {chosen}", f"Microwork Atlas {meta['atlas_version']}", ""]
    return "\n".join(lines)


def _csv_cell(value: Any) -> Any:
    if value is None or (isinstance(value, float) and value != value):
        return ""
    return neutralise(value) if isinstance(value, str) else value


def write_csv(frame: gpd.GeoDataFrame, path: Path, meta: dict[str, Any]) -> list[Path]:
    """The table with its geometry as WKT (longitude/latitude), formulas neutralised, and
    ``<name>.citation.txt`` beside it."""
    table = pd.DataFrame(frame.drop(columns=frame.geometry.name))
    table["geometry_wkt"] = frame.geometry.to_wkt(rounding_precision=5)
    out = io.StringIO()
    # RFC 4180's CRLF: a cell holding either character is then quoted
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(table.columns)
    for row in table.itertuples(index=False):
        writer.writerow([_csv_cell(v) for v in row])
    sidecar = path.with_name(path.stem + ".citation.txt")
    atomic.write_atomic(path, out.getvalue())
    atomic.write_atomic(sidecar, citation_text(meta))
    return [path, sidecar]


def write_geojson(frame: gpd.GeoDataFrame, path: Path, meta: dict[str, Any]) -> list[Path]:
    """RFC 7946 GeoJSON (longitude/latitude) with the citation as the foreign member
    ``microwork_atlas``."""
    collection = json.loads(frame.to_json(na="null", drop_id=True))
    collection[METADATA_KEY] = meta
    atomic.write_atomic(path, json.dumps(collection, ensure_ascii=False))
    return [path]


def write_geoparquet(frame: gpd.GeoDataFrame, path: Path, meta: dict[str, Any]) -> list[Path]:
    """GeoParquet (geopandas writes the ``geo`` metadata) with the citation added to the
    schema metadata under ``microwork_atlas``."""
    buffer = io.BytesIO()
    frame.to_parquet(buffer, index=False)
    table = pq.read_table(io.BytesIO(buffer.getvalue()))
    extra = {METADATA_KEY.encode(): json.dumps(meta, ensure_ascii=False).encode("utf-8")}
    table = table.replace_schema_metadata({**(table.schema.metadata or {}), **extra})
    out = io.BytesIO()
    pq.write_table(table, out)
    atomic.write_atomic(path, out.getvalue())
    return [path]


WRITERS = {"geojson": write_geojson, "geoparquet": write_geoparquet, "csv": write_csv}
DESCRIPTIONS = {
    "flows": "flow lines (seller -> buyer, the curves of the flow map)",
    "country_points": "countries at their label points, with work bought, sold and net sold",
    "country_polygons": "country outlines, with work bought, sold and net sold",
}


def export(
    con: duckdb.DuckDBPyConnection,
    fmt: str,
    out_dir: Path | None = None,
    source: str | None = None,
    year: int | None = None,
    scheme: str = DEFAULT_SCHEME,
) -> list[Path]:
    """Write flows, country_points and country_polygons in ``fmt`` into ``out_dir`` (default
    exports/) and return the paths written."""
    fmt = fmt.strip().lower()
    if fmt not in FORMATS:
        raise ChoiceError(f"the format must be one of {', '.join(FORMATS)}, not {fmt!r}")
    out_dir = Path(out_dir) if out_dir is not None else paths.exports_dir()
    chosen = layers(con, source, year, scheme)
    out_dir.mkdir(parents=True, exist_ok=True)
    atomic.clean_stale(out_dir)
    suffix = "".join(f"_{part}" for part in (source, year) if part is not None)
    choice = {"source": source, "year": year, "scheme": scheme}
    written: list[Path] = []
    for name, frame in chosen.items():
        meta = metadata(con, frame, DESCRIPTIONS[name], choice)
        path = out_dir / f"{name}{suffix}{FORMATS[fmt]}"
        written += WRITERS[fmt](frame, path, meta)
    return written


def summary(paths_written: Sequence[Path]) -> list[str]:
    return [f"wrote {p} ({p.stat().st_size / 1024:,.0f} KB)" for p in paths_written]
