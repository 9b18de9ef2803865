"""The tables the build fills from Python rather than SQL: the country reference
(``core__countries``, ``core__country_groups``, ``core__populations``), ``core__sources`` and
``core__source_lineage``."""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path

import duckdb
import pyarrow as pa

from pipeline.raw.manifest import load_manifest
from pipeline.reference.countries import CountryIndex
from pipeline.reference.population import Population
from pipeline.sources.meta import MetadataError, SourceMeta


def latest_retrieved_at(files: Iterable[Path]) -> dt.datetime | None:
    """The latest ``retrieved_at`` the day-folder manifests record for these files."""
    wanted: dict[Path, set[str]] = {}
    for path in files:
        wanted.setdefault(path.parent, set()).add(path.name)
    latest: dt.datetime | None = None
    for folder, names in wanted.items():
        for entry in load_manifest(folder):
            stamp = entry.get("retrieved_at")
            if entry.get("name") not in names or not stamp:
                continue
            when = dt.datetime.fromisoformat(str(stamp))
            if when.tzinfo is not None:
                when = when.astimezone(dt.UTC).replace(tzinfo=None)
            latest = when if latest is None or when > latest else latest
    return latest


def sources_table(rows: Sequence[tuple[SourceMeta, dt.datetime | None, str | None]]) -> pa.Table:
    """``core__sources``: one row per source, with when it was last retrieved and its notes."""

    def column(values: list[object], kind: pa.DataType) -> pa.Array:
        return pa.array(values, kind)

    return pa.table(
        {
            "source_id": column([m.source_id for m, _, _ in rows], pa.string()),
            "title": column([m.title for m, _, _ in rows], pa.string()),
            "publisher": column([m.publisher for m, _, _ in rows], pa.string()),
            "url": column([m.url for m, _, _ in rows], pa.string()),
            "licence": column([m.licence for m, _, _ in rows], pa.string()),
            "citation": column([m.citation for m, _, _ in rows], pa.string()),
            "method": column([m.method for m, _, _ in rows], pa.string()),
            "retrieved_at": column([r for _, r, _ in rows], pa.timestamp("us")),
            "vintage": column([m.vintage for m, _, _ in rows], pa.string()),
            "market": column([m.market for m, _, _ in rows], pa.string()),
            "derived_from": column([m.derived_from_text() for m, _, _ in rows], pa.string()),
            "notes": column(
                [" ".join(t for t in (m.notes, extra) if t) or None for m, _, extra in rows],
                pa.string(),
            ),
            "buyer_unit": column([m.buyer_unit for m, _, _ in rows], pa.string()),
            "seller_unit": column([m.seller_unit for m, _, _ in rows], pa.string()),
        }
    )


def family_of(source_id: str, platform: str | None, known: Mapping[str, SourceMeta]) -> str:
    """The source (or outside study) whose data the rows of ``source_id`` and ``platform``
    re-report, followed to its root: every source of one family counts once."""
    seen = [source_id]
    current, meta = source_id, known.get(source_id)
    parent = meta.derived_from_for(platform) if meta else None
    while parent is not None:
        if parent in seen:
            chain = " -> ".join([*seen, parent])
            raise MetadataError(f"derived_from goes round in a circle: {chain}")
        seen.append(parent)
        current, meta = parent, known.get(parent)
        parent = meta.derived_from_for(None) if meta else None
    return current


def lineage_table(metas: Sequence[SourceMeta], known: Mapping[str, SourceMeta]) -> pa.Table:
    """``core__source_lineage``: per source, what it re-reports and the family it counts in;
    one row with no platform for the source as a whole, and one per platform its
    ``derived_from`` names."""
    rows: list[tuple[str, str | None, str | None, str]] = []
    for meta in metas:
        rows.append(
            (
                meta.source_id,
                None,
                meta.derived_from_for(None),
                family_of(meta.source_id, None, known),
            )
        )
        if isinstance(meta.derived_from, dict):
            for platform, parent in meta.derived_from.items():
                rows.append(
                    (meta.source_id, platform, parent, family_of(meta.source_id, platform, known))
                )
    return pa.table(
        {
            "source_id": pa.array([r[0] for r in rows], pa.string()),
            "platform": pa.array([r[1] for r in rows], pa.string()),
            "derived_from": pa.array([r[2] for r in rows], pa.string()),
            "family": pa.array([r[3] for r in rows], pa.string()),
        }
    )


def load_reference(
    con: duckdb.DuckDBPyConnection, index: CountryIndex, populations: Sequence[Population] = ()
) -> None:
    """``core__countries``, ``core__country_groups`` and ``core__populations`` from the
    reference tables (populations read and checked by pipeline.reference.population)."""
    countries = sorted(index.countries.values(), key=lambda c: c.code)
    insert(
        con,
        "core__countries",
        pa.table(
            {
                "country_code": [c.code for c in countries],
                "iso2": [c.iso2 for c in countries],
                "name": [c.name for c in countries],
                "region": pa.array([c.region for c in countries], pa.string()),
                "subregion": pa.array([c.subregion for c in countries], pa.string()),
                "intermediate_region": pa.array(
                    [c.intermediate_region for c in countries], pa.string()
                ),
                "lon": [c.lon for c in countries],
                "lat": [c.lat for c in countries],
            }
        ),
    )
    scheme_sources = index.group_sources()
    groups = sorted(index.groups(), key=lambda g: (g[0], g[1]))
    insert(
        con,
        "core__country_groups",
        pa.table(
            {
                "scheme": [g[0] for g in groups],
                "country_code": [g[1] for g in groups],
                "is_north": pa.array([g[2] for g in groups], pa.bool_()),
                "source_id": [scheme_sources[g[0]] for g in groups],
            }
        ),
    )
    insert(
        con,
        "core__populations",
        pa.table(
            {
                "country_code": pa.array([p.country_code for p in populations], pa.string()),
                "population": pa.array([p.population for p in populations], pa.int64()),
                "year": pa.array([p.year for p in populations], pa.int32()),
                "source_id": pa.array([p.source for p in populations], pa.string()),
            }
        ),
    )


def insert(con: duckdb.DuckDBPyConnection, table: str, rows: pa.Table) -> None:
    """Append Arrow rows to a table, matching columns by name."""
    con.register("_rows", rows)
    con.execute(f"insert into {table} by name select * from _rows")
    con.unregister("_rows")
