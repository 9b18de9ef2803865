"""Builds data/atlas.duckdb from the reference tables, the curated datasets and the raw files.

The database is written to a temporary file beside the target and renamed into place only once
every table is built and every SQL test passes, so a failed build never leaves a broken database.
"""

from __future__ import annotations

import dataclasses
import logging
import os
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pandas as pd
import yaml

from pipeline import estimate, paths, sqlfiles
from pipeline.countries import CountryIndex, country_index
from pipeline.records import ParseResult, Reject, Source, Task
from pipeline.sources import curated
from pipeline.summary import reject_lines

log = logging.getLogger(__name__)


class BuildError(RuntimeError):
    """The database could not be built; the previous database, if any, is untouched."""


@dataclass
class SourceSummary:
    source_id: str
    records_in: int = 0
    records_ok: int = 0
    records_rejected: int = 0
    rejects: list[Reject] = field(default_factory=list)
    repeated_tasks: int = 0

    def line(self) -> str:
        lines = [
            f"{self.source_id}: {self.records_in} records read, {self.records_ok} loaded, "
            f"{self.records_rejected} rejected"
        ]
        if self.repeated_tasks:
            lines.append(f"  {self.repeated_tasks} repeated observations of a task: newest kept")
        lines += ["  " + line for line in reject_lines(self.rejects, limit=10)]
        return "\n".join(lines)


@dataclass
class BuildReport:
    db_path: Path
    sources: list[SourceSummary]
    tables: dict[str, int]
    estimates: str = ""

    def lines(self) -> list[str]:
        out = [s.line() for s in self.sources]
        out += [self.estimates] if self.estimates else []
        out.append("tables: " + ", ".join(f"{t} {n}" for t, n in self.tables.items()))
        return out


def _frame(rows: Sequence[object], columns: list[str]) -> pd.DataFrame:
    records = [dataclasses.asdict(r) for r in rows]  # type: ignore[call-overload]
    frame = pd.DataFrame.from_records(records, columns=columns)
    return frame.astype(object).where(frame.notna(), None)


def insert_rows(con: duckdb.DuckDBPyConnection, table: str, rows: Sequence[object]) -> int:
    """Append dataclass rows to a table, matching fields to the table's columns by name."""
    if not rows:
        return 0
    columns = con.table(table).columns
    frame = _frame(rows, columns)
    con.from_df(frame).insert_into(table)
    return len(frame)


def reference_sources(reference_dir: Path) -> list[Source]:
    entries = yaml.safe_load((reference_dir / "sources.yaml").read_text(encoding="utf-8"))
    if isinstance(entries, dict):
        entries = entries.get("sources", entries)
    fields = {f.name for f in dataclasses.fields(Source)}
    return [Source(**{k: v for k, v in e.items() if k in fields}) for e in entries]


def load_reference(
    con: duckdb.DuckDBPyConnection, index: CountryIndex, reference_dir: Path
) -> None:
    insert_rows(con, "core__sources", reference_sources(reference_dir))
    countries = [
        _CountryRow(c.code, c.iso2, c.name, c.region, c.subregion, c.lon, c.lat)
        for c in sorted(index.countries.values(), key=lambda c: c.code)
    ]
    insert_rows(con, "core__countries", countries)
    scheme_sources = index.group_sources()
    groups = [
        _Group(scheme, code, is_north, scheme_sources[scheme])
        for scheme, code, is_north in sorted(index.groups(), key=lambda g: (g[0], g[1]))
    ]
    insert_rows(con, "core__country_groups", groups)


@dataclass(frozen=True)
class _CountryRow:
    country_code: str
    iso2: str
    name: str
    region: str | None
    subregion: str | None
    lon: float
    lat: float


@dataclass(frozen=True)
class _Group:
    scheme: str
    country_code: str
    is_north: bool | None
    source_id: str


def _summarise(result: ParseResult) -> SourceSummary:
    return SourceSummary(
        result.source_id,
        result.records_in,
        result.records_ok,
        result.records_rejected,
        list(result.rejects),
    )


def _newest_observation_per_task(tasks: list[Task]) -> tuple[list[Task], int]:
    """One row per task: a task seen in several raw files (a page fetched again) keeps the row
    from the newest file, since raw files are parsed oldest first."""
    newest: dict[str, Task] = {}
    for task in tasks:
        newest[task.task_id] = task
    return sorted(newest.values(), key=lambda t: t.task_id), len(tasks) - len(newest)


def _store(con: duckdb.DuckDBPyConnection, result: ParseResult) -> None:
    result.check_balance()
    insert_rows(con, "core__tasks", result.tasks)
    insert_rows(con, "core__tallies", result.tallies)
    insert_rows(con, "core__claims", result.claims)
    insert_rows(con, "core__rejects", result.rejects)


def load_curated(
    con: duckdb.DuckDBPyConnection, index: CountryIndex, folder: Path
) -> list[SourceSummary]:
    summaries = []
    for yaml_path in curated.discover(folder):
        try:
            source, result = curated.parse(yaml_path, index)
        except curated.CuratedError as err:
            raise BuildError(str(err)) from err
        insert_rows(con, "core__sources", [source])
        _store(con, result)
        summaries.append(_summarise(result))
    return summaries


def load_raw_sources(
    con: duckdb.DuckDBPyConnection,
    index: CountryIndex,
    raw_root: Path,
    source_ids: Iterable[str] | None = None,
) -> list[SourceSummary]:
    """Parse every raw file kept for each fetchable source (no network involved)."""
    from pipeline import rawstore, sources
    from pipeline.progress import progress

    summaries = []
    for source_id in source_ids if source_ids is not None else sources.available():
        files = rawstore.iter_files(source_id, raw_root)
        if not files:
            continue
        module = sources.module_for(source_id)
        total = ParseResult(source_id=source_id)
        for path in progress(files, desc=f"parse {source_id}", unit="file"):
            total.extend(module.parse(path, index))
        total.tasks, repeated = _newest_observation_per_task(total.tasks)
        insert_rows(con, "core__sources", [module.source(files)])
        _store(con, total)
        summary = _summarise(total)
        summary.repeated_tasks = repeated
        summaries.append(summary)
    return summaries


def build_database(
    target: Path | None = None,
    *,
    reference_dir: Path | None = None,
    curated_dir: Path | None = None,
    raw_root: Path | None = None,
    sql_dir: Path = paths.SQL_DIR,
) -> BuildReport:
    """Build the whole database into ``target`` atomically and return what went in."""
    target = target or paths.db_path()
    reference_dir = reference_dir or paths.reference_dir()
    curated_dir = curated_dir or paths.curated_dir()
    raw_root = raw_root or paths.raw_dir()
    target.parent.mkdir(parents=True, exist_ok=True)
    tmp = target.with_name(f"{target.name}.tmp-{os.getpid()}")
    tmp.unlink(missing_ok=True)
    con = duckdb.connect(str(tmp))
    try:
        index = country_index(reference_dir)
        created = sqlfiles.run_schema(con, sql_dir)
        load_reference(con, index, reference_dir)
        summaries = load_curated(con, index, curated_dir)
        summaries += load_raw_sources(con, index, raw_root)
        estimates = estimate.run(con, sql_dir)
        built = sqlfiles.build_out_tables(con, sql_dir)
        failures = sqlfiles.run_sql_tests(con, sql_dir)
        if failures:
            raise BuildError("SQL tests failed:\n" + "\n".join(f.describe() for f in failures))
        tables = {
            name: con.execute(f"select count(*) from {name}").fetchone()[0]  # type: ignore[index]
            for name in [t for t in created if t.startswith("core__")] + built
        }
        con.execute("checkpoint")
        con.close()
        os.replace(tmp, target)
    except BaseException:
        con.close()
        tmp.unlink(missing_ok=True)
        tmp.with_name(tmp.name + ".wal").unlink(missing_ok=True)
        raise
    return BuildReport(target, summaries, tables, estimates.line())
