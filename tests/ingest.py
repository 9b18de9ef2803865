"""Helpers for the source tests: parse one file through the contract, or build the core__
tables of a few files in memory with the pipeline's own staging and SQL."""

from __future__ import annotations

import datetime as dt
from pathlib import Path
from typing import Any

import duckdb

from pipeline.build import sqlfiles, staging
from pipeline.build.staged_views import create_staging_views
from pipeline.raw.store import RawStore
from pipeline.reference.countries import country_index
from pipeline.sources import spec_for
from pipeline.sources.contract import ParseContext, Parsed, RawFile, SourceContext
from pipeline.util import paths


def parse(source_id: str, path: Path, today: dt.date | None = None) -> Parsed:
    spec = spec_for(source_id)
    ctx = ParseContext(spec.meta, country_index(), today or dt.date(2026, 11, 24))
    parsed = spec.module.parse(RawFile.of(path, day=path.parent.name), ctx)
    parsed.check_balance(path.name)
    return parsed


def rows(parsed: Parsed, table: str) -> list[dict[str, Any]]:
    return parsed.tables[table].to_pylist()


def core(source_id: str, files: list[Path], tmp_path: Path) -> duckdb.DuckDBPyConnection:
    """An in-memory database with the core__ tables built from these raw files only."""
    spec = spec_for(source_id)
    ctx = ParseContext(spec.meta, country_index())
    root = tmp_path / "staging"
    key = staging.fingerprint(spec, paths.reference_dir())
    staged = [staging.stage(spec, RawFile.of(p, day=p.parent.name), ctx, key, root) for p in files]
    con = duckdb.connect()
    sqlfiles.run_schema(con)
    create_staging_views(con, staged, root)
    sqlfiles.build_core_tables(con)
    return con


def records(con: duckdb.DuckDBPyConnection, sql: str) -> list[dict[str, Any]]:
    cursor = con.execute(sql)
    names = [d[0] for d in cursor.description]
    return [dict(zip(names, row, strict=True)) for row in cursor.fetchall()]


def context(
    source_id: str, tmp_path: Path, session: object = None, max_pages: int | None = None
) -> SourceContext:
    spec = spec_for(source_id)
    ctx = SourceContext(
        store=RawStore(source_id, root=tmp_path / "raw"),
        meta=spec.meta,
        countries=country_index(),
        max_pages=max_pages,
        state_dir=tmp_path / "state",
    )
    if session is not None:
        ctx.session = session  # type: ignore[assignment]
    return ctx


def fetch_context(
    source_id: str,
    session: object,
    store: RawStore,
    max_pages: int | None,
    state_dir: Path,
    **options: object,
) -> SourceContext:
    """A fetch context around a given session, with some of the source's options replaced."""
    import dataclasses

    meta = spec_for(source_id).meta
    meta = dataclasses.replace(meta, options={**meta.options, **options})
    ctx = SourceContext(store, meta, country_index(), max_pages, state_dir)
    ctx.session = session  # type: ignore[assignment]
    return ctx
