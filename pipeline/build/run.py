"""Builds data/atlas.duckdb: reference tables, then every source parsed into staging, then the
``core__`` tables (``sql/core``) and the ``out__`` tables (``sql/out``) in SQL.

The database is written to a temporary file beside the target and renamed into place only once
every table is built and every SQL test passes (``pipeline.build.swap.DatabaseSwap``), so a failed
build never leaves a broken database. A raw file that cannot be read, that no longer matches its
manifest, or a row that breaks a check, is quarantined in ``core__rejects`` (file, row, field,
value, reason) and the build goes on with the rest.
"""

from __future__ import annotations

import datetime as dt
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import pyarrow as pa

from pipeline.build import estimate, sqlfiles, staging
from pipeline.build.staged_views import create_staging_views
from pipeline.build.swap import DatabaseSwap
from pipeline.build.tables import (
    insert,
    latest_retrieved_at,
    lineage_table,
    load_reference,
    sources_table,
)
from pipeline.raw.versions import RawFile, quarantine_result
from pipeline.reference.countries import CountryIndex, country_index
from pipeline.reference.population import PopulationFileError, read_populations
from pipeline.sources import (
    Spec,
    curated_specs,
    fetchable,
    loaded_sources,
    reference_sources,
)
from pipeline.sources.contract import ParseContext
from pipeline.sources.meta import MetadataError, SourceMeta
from pipeline.util import atomic, paths, resources
from pipeline.util.progress import progress
from pipeline.util.records import Reject

log = logging.getLogger(__name__)


# A rule broken by input quarantines the files it names and the build runs again; each round
# removes at least one file, and this bounds the rounds.
MAX_QUARANTINE_ROUNDS = 5


class BuildError(RuntimeError):
    """The database could not be built; the previous database, if any, is untouched."""


@dataclass
class SourceSummary:
    source_id: str
    files: int = 0
    files_parsed: int = 0
    records_in: int = 0
    records_ok: int = 0
    records_rejected: int = 0
    superseded: int = 0
    notes: list[str] = field(default_factory=list)
    reject_lines: list[str] = field(default_factory=list)
    quarantined: list[str] = field(default_factory=list)
    # raw path -> why, for the files that gave nothing to load (the raw store's list shows them)
    quarantined_files: dict[Path, str] = field(default_factory=dict)

    def line(self) -> str:
        cached = self.files - self.files_parsed
        lines = [
            f"{self.source_id}: {self.records_in} records read, {self.records_ok} loaded, "
            f"{self.records_rejected} rejected"
            + (f", {self.superseded} superseded" if self.superseded else "")
            + (f" ({self.files} files, {cached} unchanged since the last build)" if cached else "")
        ]
        if self.quarantined:
            lines.append(
                f"  quarantined (nothing usable; see core__rejects): {', '.join(self.quarantined)}"
            )
        lines += ["  " + n for n in self.notes]
        lines += ["  " + r for r in self.reject_lines]
        return "\n".join(lines)


@dataclass
class BuildReport:
    db_path: Path
    sources: list[SourceSummary]
    tables: dict[str, int]
    stages: list[tuple[str, float, int]] = field(default_factory=list)
    estimates: str = ""

    def quarantined_files(self) -> dict[Path, str]:
        """Raw path -> why, for every raw file that gave nothing to load."""
        return {p: why for s in self.sources for p, why in s.quarantined_files.items()}

    def lines(self) -> list[str]:
        out = [s.line() for s in self.sources]
        out += [self.estimates] if self.estimates else []
        out += [
            f"stage {name}: {seconds:.2f} s, {rows} rows" for name, seconds, rows in self.stages
        ]
        out.append("tables: " + ", ".join(f"{t} {n}" for t, n in self.tables.items()))
        return out


def _timed(stages: list[tuple[str, float, int]], name: str, start: float, rows: int) -> None:
    stages.append((name, time.perf_counter() - start, rows))


def stage_sources(
    specs: Sequence[tuple[Spec, list[RawFile]]],
    index: CountryIndex,
    reference_dir: Path,
    root: Path,
) -> tuple[list[SourceSummary], list[staging.StagedFile]]:
    """Parse every raw file that changed since the last build into staging; reuse the rest."""
    summaries, staged_files = [], []
    for spec, files in specs:
        ctx = ParseContext(spec.meta, index)
        parser_key = staging.fingerprint(spec, reference_dir)
        summary = SourceSummary(spec.source_id, files=len(files))
        for raw in progress(files, desc=f"parse {spec.source_id}", unit="file"):
            staged = staging.stage(spec, raw, ctx, parser_key, root)
            staged_files.append(staged)
            summary.files_parsed += staged.parsed_now
            if staged.healed:
                summary.notes.append(staged.healed)
            summary.records_in += staged.records_in
            summary.records_ok += staged.records_ok
            summary.records_rejected += staged.records_rejected
            why = staging.nothing_usable(staged, root)
            if why is not None:
                summary.quarantined.append(f"{raw.name} ({why})")
                summary.quarantined_files[raw.path] = why
            warning = spec.meta.expected_rows.check(raw.name, staged.records_in)
            summary.notes += ([warning + "; check the file"] if warning else []) + [
                n for n in staged.notes if not n.startswith(raw.name + ": '")
            ]
        summaries.append(summary)
    return summaries, staged_files


def write_loader_rejects(
    con: duckdb.DuckDBPyConnection,
    quarantined: dict[tuple[str, str], str],
    raw_rejects: Sequence[Reject],
) -> None:
    """``int__loader_rejects``, which sql/core/core__rejects.sql adds to the parse rejects: the
    files quarantined so far and the raw files that fail their manifest check."""
    con.execute("delete from int__loader_rejects")
    insert(con, "int__loader_rejects", _quarantine_rejects(quarantined))
    insert(con, "int__loader_rejects", _rejects_table(raw_rejects))


Sources = list[tuple[Spec, list[RawFile]]]


def gather_sources(
    reference_dir: Path, curated_dir: Path, raw_root: Path
) -> tuple[Sources, list[Reject], list[SourceMeta]]:
    """What a build reads: every curated dataset and every fetchable source's current raw
    files (one entry per dataset of a source that splits into datasets), the rejects of raw
    files left out (refused metadata, a failed manifest check), and the reference tables as
    sources. BuildError when a metadata file cannot be read."""
    try:
        sources: Sources = [
            (spec, [RawFile.of(spec.data_file)])
            for spec in curated_specs(curated_dir)
            if spec.data_file
        ]
        raw_rejects: list[Reject] = []
        for spec in fetchable().values():
            loaded, refused = loaded_sources(spec, raw_root)
            sources += loaded
            raw_rejects += refused
            # Raw files that fail their manifest check, also of a source with none loaded.
            raw_rejects += quarantine_result(spec.source_id, raw_root, spec.rules)
        return sources, raw_rejects, reference_sources(reference_dir)
    except (MetadataError, FileNotFoundError) as err:
        raise BuildError(str(err)) from err


def write_source_tables(
    con: duckdb.DuckDBPyConnection,
    sources: Sources,
    staged_files: Sequence[staging.StagedFile],
    reference_meta: Sequence[SourceMeta],
    curated_dir: Path,
) -> None:
    """``core__sources`` (with the notes each source's parse adds) and ``core__source_lineage``;
    BuildError when the metadata's ``derived_from`` chains go round in a circle."""
    rows: list[tuple[SourceMeta, dt.datetime | None, str | None]] = [
        (m, None, None) for m in reference_meta
    ]
    for spec, files in sources:
        extra = _source_note(spec, [s for s in staged_files if s.source_id == spec.source_id])
        retrieved = None if spec.data_file else latest_retrieved_at(f.path for f in files)
        rows.append((spec.meta, retrieved, extra))
    insert(con, "core__sources", sources_table(rows))
    # every source the atlas knows, loaded or not, so that a chain of re-reports is
    # followed through a source whose files are not loaded (oli, when only its re-reports are)
    known = {m.source_id: m for m in reference_meta}
    known.update({s.source_id: s.meta for s in fetchable().values()})
    known.update({s.source_id: s.meta for s in curated_specs(curated_dir)})
    try:
        lineage = lineage_table([m for m, _, _ in rows], known)
    except MetadataError as err:
        raise BuildError(str(err)) from err
    insert(con, "core__source_lineage", lineage)


def build_database(
    target: Path | None = None,
    *,
    reference_dir: Path | None = None,
    curated_dir: Path | None = None,
    raw_root: Path | None = None,
    staging_root: Path | None = None,
    sql_dir: Path = paths.SQL_DIR,
    out: Callable[[str], None] | None = None,
) -> BuildReport:
    """Build the whole database into ``target`` atomically and return what went in."""
    target = target or paths.db_path()
    reference_dir = reference_dir or paths.reference_dir()
    curated_dir = curated_dir or paths.curated_dir()
    raw_root = raw_root or paths.raw_dir()
    root = staging_root or staging.staging_dir()
    try:
        limit = resources.memory_limit()
    except ValueError as err:
        raise BuildError(str(err)) from None
    swap = DatabaseSwap(target)
    con = swap.connect({"memory_limit": limit})
    stages: list[tuple[str, float, int]] = []
    say = out or (lambda _: None)
    try:
        start = time.perf_counter()
        index = country_index(reference_dir)
        sources, raw_rejects, reference_meta = gather_sources(reference_dir, curated_dir, raw_root)
        try:
            populations = read_populations(reference_dir, set(index.countries))
        except (PopulationFileError, FileNotFoundError) as err:
            raise BuildError(str(err)) from err
        created = sqlfiles.run_schema(con, sql_dir)
        load_reference(con, index, populations)
        _timed(stages, "reference", start, len(index.countries))
        say(f"stage reference: {stages[-1][1]:.2f} s")

        start = time.perf_counter()
        # temporary files of killed runs (their pid is gone); a running build's are kept
        atomic.clean_stale(root, recursive=True)
        summaries, staged_files = stage_sources(sources, index, reference_dir, root)
        _count_raw_rejects(summaries, raw_rejects)
        _timed(stages, "parse", start, sum(s.records_in for s in summaries))
        say(f"stage parse: {stages[-1][1]:.2f} s, {stages[-1][2]} records")

        start = time.perf_counter()
        write_source_tables(con, sources, staged_files, reference_meta, curated_dir)
        quarantined: dict[tuple[str, str], str] = {}
        for _ in range(MAX_QUARANTINE_ROUNDS):
            sqlfiles.empty_core_tables(con, sql_dir)
            create_staging_views(con, staged_files, root, quarantined, sql_dir)
            write_loader_rejects(con, quarantined, raw_rejects)
            core_rows = sqlfiles.build_core_tables(con, sql_dir)
            _timed(stages, "core", start, sum(core_rows.values()))
            say(f"stage core: {stages[-1][1]:.2f} s, {stages[-1][2]} rows")

            start = time.perf_counter()
            estimates = estimate.run(con, sql_dir)
            built = sqlfiles.build_out_tables(con, sql_dir)
            failures = sqlfiles.run_sql_tests(con, sql_dir)
            if not failures:
                break
            blamed = culprits(failures, staged_files)
            if blamed is None or set(blamed) <= set(quarantined):
                raise BuildError("SQL tests failed:\n" + "\n".join(f.describe() for f in failures))
            quarantined.update(blamed)
            start = time.perf_counter()
        else:
            raise BuildError(f"still failing after quarantining {len(quarantined)} files")
        raw_paths = {(spec.source_id, f.name): f.path for spec, files in sources for f in files}
        for staged in staged_files:
            key = (staged.source_id, staged.name)
            summary = next(s for s in summaries if s.source_id == staged.source_id)
            if key in quarantined:
                summary.quarantined.append(f"{staged.name} ({quarantined[key]})")
                summary.quarantined_files[raw_paths[key]] = quarantined[key]
                summary.records_ok -= staged.records_ok
                summary.records_rejected += staged.records_ok
        tables = {
            name: int(con.execute(f"select count(*) from {name}").fetchall()[0][0])
            for name in [t for t in created if t.startswith("core__")] + built
        }
        _timed(stages, "out", start, sum(tables[t] for t in built))
        say(f"stage out: {stages[-1][1]:.2f} s, {stages[-1][2]} rows")
        ids = {
            (spec.source_id, raw.name): raw.sha256[:12] for spec, files in sources for raw in files
        }
        _add_build_rejects(con, summaries, ids)
        con.execute("checkpoint")
        con.close()
        swap.commit()
    except BaseException:
        con.close()
        swap.abort()
        raise
    return BuildReport(target, summaries, tables, stages, estimates.line())


def culprits(
    failures: Sequence[sqlfiles.SqlTestFailure], staged: Sequence[staging.StagedFile]
) -> dict[tuple[str, str], str] | None:
    """The raw files named by failing rules that input can break (those returning ``files``);
    None when a failing rule names no file: then the pipeline itself is at fault."""
    known = {(s.source_id, s.name) for s in staged}
    found: dict[tuple[str, str], str] = {}
    for failure in failures:
        if "files" not in failure.columns or "source_id" not in failure.columns:
            return None
        for row in failure.rows:
            record = dict(zip(failure.columns, row, strict=True))
            names = str(record["files"] or "").split(",")
            hits = [
                (str(record["source_id"]), n) for n in names if (record["source_id"], n) in known
            ]
            if not hits:
                return None
            for hit in hits:
                found.setdefault(hit, f"its rows break sql/tests/{failure.name}.sql")
    return found


def _quarantine_rejects(quarantined: dict[tuple[str, str], str]) -> pa.Table:
    items = sorted(quarantined.items())
    return pa.table(
        {
            "source_id": pa.array([s for (s, _), _ in items], pa.string()),
            "location": pa.array([n for (_, n), _ in items], pa.string()),
            "field": pa.array([None] * len(items), pa.string()),
            "value": pa.array([None] * len(items), pa.string()),
            "reason": pa.array([f"file quarantined: {r}" for _, r in items], pa.string()),
        }
    )


def _rejects_table(rejects: Sequence[Reject]) -> pa.Table:
    def column(name: str) -> pa.Array:
        return pa.array([getattr(r, name) for r in rejects], pa.string())

    return pa.table(
        {name: column(name) for name in ("source_id", "location", "field", "value", "reason")}
    )


def _count_raw_rejects(summaries: list[SourceSummary], rejects: Sequence[Reject]) -> None:
    """A quarantined raw file counts as one record read and rejected for its source."""
    for reject in rejects:
        summary = next((s for s in summaries if s.source_id == reject.source_id), None)
        if summary is None:
            summary = SourceSummary(reject.source_id)
            summaries.append(summary)
        summary.records_in += 1
        summary.records_rejected += 1


def _source_note(spec: Spec, staged: list[staging.StagedFile]) -> str | None:
    """What the parse of a source's files adds to its ``core__sources.notes``."""
    text = spec.module.source_note(staged)
    return str(text) if text else None


def _add_build_rejects(
    con: duckdb.DuckDBPyConnection,
    summaries: list[SourceSummary],
    ids: dict[tuple[str, str], str],
) -> None:
    """Reject counts by reason per source, from core__rejects, for the build summary; for
    rows a more recently imported file replaces, both files, the keys and the totals."""
    from pipeline.build.overlaps import read_overlaps
    from pipeline.build.summary import counted_reject_lines
    from pipeline.raw.report import overlap_lines

    by_reason = sqlfiles.read_sql(paths.SQL_DIR / "summary" / "rejects_by_reason.sql")
    superseded = sqlfiles.read_sql(paths.SQL_DIR / "summary" / "superseded_by_file.sql")
    for summary in summaries:
        rows = con.execute(by_reason, [summary.source_id]).fetchall()
        groups = [(Reject(*row[:5]), int(row[5])) for row in rows]
        summary.reject_lines = counted_reject_lines(groups, limit=10)
        overlaps = {(o.older, o.newer): o for o in read_overlaps(con, summary.source_id)}
        names = {name: i for (source, name), i in ids.items() if source == summary.source_id}
        lines: list[str] = []
        # rows a more recently imported file replaces: staged, but not loaded
        for older, reason, n in con.execute(superseded, [summary.source_id]).fetchall():
            summary.records_ok -= n
            summary.superseded += n
            lines.append(f"{n} rows of {older} {reason}")
            newer = str(reason).removeprefix("superseded by ").split(":")[0]
            if (older, newer) in overlaps:
                lines += [f"  {line}" for line in overlap_lines(overlaps[older, newer], names)]
        summary.reject_lines[:0] = lines
