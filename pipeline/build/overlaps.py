"""Loaded files of one source that give the same keys: which rows the source's rule replaces,
for the build summary, ``make fetch`` and ``make raw``.

The rules themselves are SQL, read by the core__ tables: the user's files' flow keys are taken
from the most recently imported file (``sql/int/int__user_rows_ranked.sql``), a day of an OLI
series from one file (``sql/int/int__oli_rows_ranked.sql``). This module reads what they did
(``sql/summary/<name>_overlaps.sql``), in the build's database or, for the user's files outside
a build, over the staged rows of the files the next build loads.
"""

from __future__ import annotations

from pathlib import Path

import duckdb

from pipeline.build import sqlfiles, staging
from pipeline.raw.report import Overlap
from pipeline.raw.versions import raw_files
from pipeline.reference.countries import country_index
from pipeline.sources import spec_for
from pipeline.sources.contract import ParseContext
from pipeline.util import paths, resources

USER_SOURCE = "csv"
_STAGED = "csv_rows"
# the sql/int models that rank the rows of the user files, in the order they read each other
_USER_MODELS = frozenset({"int__user_files", "int__user_shared_keys", "int__user_rows_ranked"})
# source -> (its query in sql/summary, what its keys are, how to keep both files' rows)
_RULES = {
    USER_SOURCE: (
        "user_overlaps.sql",
        "key",
        "give each file its own platform, or a dataset column, and import it again under its name",
    ),
    # a day of a series counted from two files would be counted twice: one file gives it
    "oli": ("oli_overlaps.sql", "day", ""),
}


def read_overlaps(con: duckdb.DuckDBPyConnection, source_id: str) -> list[Overlap]:
    """The overlaps of one source, from a connection where its int__ ranking view exists."""
    if source_id not in _RULES:
        return []
    name, unit, keep_both = _RULES[source_id]
    query = sqlfiles.read_sql(paths.SQL_DIR / "summary" / name)
    rows = con.execute(query, {"source_id": source_id}).fetchall()
    return [
        Overlap(
            older=str(older),
            newer=str(newer),
            rows=int(n_rows),
            keys=int(n_keys),
            first_keys=tuple(str(k) for k in first_keys),
            older_total=float(older_total),
            newer_total=float(newer_total),
            unit=unit,
            keep_both=keep_both,
        )
        for older, newer, n_rows, n_keys, first_keys, older_total, newer_total in rows
    ]


def user_overlaps(
    raw_root: Path | None = None,
    staging_root: Path | None = None,
    reference_dir: Path | None = None,
) -> tuple[list[Overlap], dict[str, str]]:
    """The overlaps between the user files the next build loads, and each file's id (as
    ``make raw`` shows it), by file name. A file not staged yet is parsed into staging first,
    as the build would."""
    raw_root = raw_root or paths.raw_dir()
    staging_root = staging_root or staging.staging_dir()
    reference_dir = reference_dir or paths.reference_dir()
    spec = spec_for(USER_SOURCE)
    files = raw_files(USER_SOURCE, raw_root, spec.rules)
    ids = {raw.name: raw.sha256[:12] for raw in files}
    if len(files) < 2:
        return [], ids
    ctx = ParseContext(spec.meta, country_index(reference_dir))
    parser_key = staging.fingerprint(spec, reference_dir)
    staged = [staging.stage(spec, raw, ctx, parser_key, staging_root) for raw in files]
    parquet = [str(staging_root / f) for s in staged for f in s.files.get(_STAGED, [])]
    if not parquet:
        return [], ids
    # the build's memory bound: grouping every row of every file must spill, not grow
    con = duckdb.connect(config={"memory_limit": resources.memory_limit()})
    try:
        sqlfiles.create_staging_view(con, f"stg__{_STAGED}", parquet)
        sqlfiles.build_int_views(con, only=_USER_MODELS)
        return read_overlaps(con, USER_SOURCE), ids
    finally:
        con.close()
