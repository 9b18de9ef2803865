"""The staged tables as the build reads them: each source module's staged schemas, the staged
files of one build (a quarantined file keeps only its rejects), and the ``stg__`` views over
exactly those files, listed in ``int__staged_files`` for another engine to read the same."""

from __future__ import annotations

from collections.abc import Iterable
from pathlib import Path

import duckdb
import pyarrow as pa

from pipeline.build import sqlfiles, staging
from pipeline.build.tables import insert
from pipeline.sources import fetchable, load_module
from pipeline.util import paths


def parsed_schemas() -> dict[str, pa.Schema]:
    """The columns of every staged table of every source module as its parser gives them."""
    schemas: dict[str, pa.Schema] = {staging.REJECTS: staging.REJECT_SCHEMA}
    for module in [load_module("curated"), *(spec.module for spec in fetchable().values())]:
        schemas.update(module.STAGED)
    return schemas


def staged_schemas() -> dict[str, pa.Schema]:
    """The columns of every staged table of every source module, as read back: the columns of
    its Parquet files, then ``source_id`` and (where the table has one) ``year`` from the hive
    folder names."""
    full = {}
    for name, schema in parsed_schemas().items():
        hive = [pa.field("source_id", pa.string())]
        if "year" in schema.names:
            hive.append(pa.field("year", pa.int64()))
        full[name] = pa.schema([*[f for f in schema if f.name != "year"], *hive])
    return full


def staged_files_of_build(
    staged_files: Iterable[staging.StagedFile], quarantined: Iterable[tuple[str, str]] = ()
) -> dict[str, list[str]]:
    """The staged Parquet files of this build per staged table of every source module, as paths
    relative to the staging root: a quarantined file keeps only its rejects."""
    left_out = set(quarantined)
    files: dict[str, dict[str, None]] = {name: {} for name in staged_schemas()}
    for staged in staged_files:
        for name, listed in staged.files.items():
            if name != staging.REJECTS and (staged.source_id, staged.name) in left_out:
                continue
            files[name].update(dict.fromkeys(listed))
    return {name: list(paths) for name, paths in files.items()}


def create_staging_views(
    con: duckdb.DuckDBPyConnection,
    staged_files: Iterable[staging.StagedFile],
    root: Path,
    quarantined: Iterable[tuple[str, str]] = (),
    sql_dir: Path = paths.SQL_DIR,
) -> None:
    """One view ``stg__<table>`` per staged table of every source module (sql/staging), over
    exactly the files of this build (empty when a source has none), and those files listed in
    ``int__staged_files`` for another engine to read the same."""
    schemas = staged_schemas()
    files = staged_files_of_build(staged_files, quarantined)
    listed = [(name, path) for name, paths in files.items() for path in paths]
    con.execute("delete from int__staged_files")
    insert(
        con,
        "int__staged_files",
        pa.table(
            {
                "staged_table": pa.array([n for n, _ in listed], pa.string()),
                "path": pa.array([p for _, p in listed], pa.string()),
            }
        ),
    )
    for name, full in schemas.items():
        view = f"stg__{name}"
        con.unregister(view)
        if not files[name]:
            con.execute(f"drop view if exists {view}")
            con.register(view, full.empty_table())
            continue
        # DuckDB's own Parquet reader (parallel, reads only the columns a query uses) over the
        # staging root's own files, by the query of sql/staging/stg__<table>.sql.
        sqlfiles.create_staging_view(con, view, [str(root / f) for f in files[name]], sql_dir)
