"""Parsed rows staged as Parquet, one set of files per raw file, re-parsed only when it changes.

Layout: ``<staging>/<table>/source_id=<id>/year=<year>/<key>.parquet`` (hive partitions; tables
without a year have no year folder) and ``<staging>/_files/<source_id>/<key>.json``, written
last, which says a raw file was parsed and what it gave. ``<key>`` is the raw file's sha256
(from the raw store's manifest) combined with a fingerprint of the parser's code and tables, so a
changed file or a changed parser is parsed again and an unchanged one never is. The entry
records the size and sha256 of every Parquet file it lists: a staged file that was cut, emptied
or changed since (a full disk, a copy gone wrong, a hand edit) is not reused but parsed again
from the raw file, and the build says so. The folder is rebuilt from ``data/raw`` at will and
never committed.
"""

from __future__ import annotations

import hashlib
import json
import os
from collections.abc import Iterable, Mapping
from dataclasses import asdict, dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.parquet as pq

from pipeline.build import sqlfiles
from pipeline.parse import lookups, tabular
from pipeline.raw.versions import RawFile
from pipeline.sources import Spec, contract, meta
from pipeline.sources.contract import ParseContext, Parsed
from pipeline.util import atomic, paths
from pipeline.util.records import Reject

REJECTS = "rejects"
REJECT_SCHEMA = pa.schema(
    [
        ("location", pa.string()),
        ("field", pa.string()),
        ("value", pa.string()),
        ("reason", pa.string()),
        # the lines a reject summing up the exact repeats of an earlier line stands for
        ("repeats", pa.int64()),
    ]
)
_REFERENCE_FILES = ("countries.csv", "country_aliases.csv")
# StagedFile fields that say what this run did, not what the parse gave: not in ``_files``
_NOT_RECORDED = ("parsed_now", "healed")
# The generic parsing code every source's parse runs through: a change to it re-parses.
_PARSER_FILES = tuple(Path(module.__file__ or "") for module in (contract, tabular, lookups, meta))


def staging_dir() -> Path:
    return Path(os.environ.get("ATLAS_STAGING", paths.data_dir() / "staging"))


@dataclass
class StagedFile:
    """What one raw file gave, as recorded in its ``_files`` entry."""

    source_id: str
    name: str
    sha256: str
    key: str
    files: dict[str, list[str]] = field(default_factory=dict)
    records_in: int = 0
    records_ok: int = 0
    records_rejected: int = 0
    rejects: int = 0
    notes: list[str] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    # relative path -> {"size": bytes, "sha256": hex} of each file as written
    checksums: dict[str, dict[str, Any]] = field(default_factory=dict)
    parsed_now: bool = False
    # why an earlier parse of the same bytes was not reused (its staged files were damaged)
    healed: str = ""


def fingerprint(spec: Spec, reference_dir: Path) -> str:
    """A hash of everything a parse depends on besides the raw bytes."""
    digest = hashlib.sha256()
    module_file = Path(str(getattr(spec.module, "__file__", "")))
    here = module_file.parent
    parts = [module_file, *_PARSER_FILES, spec.meta.path]
    parts += sorted(here.glob(f"{module_file.stem}_*.csv"))
    parts += sorted((paths.SQL_DIR / "parse").glob("*.sql"))
    parts += [reference_dir / name for name in _REFERENCE_FILES]
    for part in parts:
        if part.is_file():
            digest.update(part.name.encode())
            digest.update(part.read_bytes())
    # the metadata as read: a dataset's (pipeline.sources.shares) is its own YAML over its
    # source's, two files, and the rows carry its citation and platform
    digest.update(json.dumps(dict(spec.meta), sort_keys=True, default=str).encode())
    return digest.hexdigest()[:16]


def _write_parquet(table: pa.Table, target: Path) -> dict[str, Any]:
    """Write ``table`` to ``target`` through a temporary file; its size and sha256."""
    target.parent.mkdir(parents=True, exist_ok=True)
    temp = target.with_name(f".tmp-{os.getpid()}-{target.name}")
    pq.write_table(table, temp)
    written = _checksum(temp)
    os.replace(temp, target)
    return written


def _checksum(path: Path) -> dict[str, Any]:
    with path.open("rb") as handle:
        digest = hashlib.file_digest(handle, "sha256").hexdigest()
    return {"size": path.stat().st_size, "sha256": digest}


def _without_year(schema: pa.Schema, rows: pa.Table) -> pa.Schema:
    return pa.schema([schema.field(n) for n in rows.column_names])


def _partitions(table: pa.Table) -> Iterable[tuple[str, pa.Table]]:
    """(relative folder, rows) per year when the table has a year column."""
    if "year" not in table.column_names:
        yield "", table
        return
    for year in sorted(pc.unique(table.column("year")).to_pylist()):
        rows = table.filter(pc.equal(table.column("year"), year)).drop_columns(["year"])
        yield f"year={year}", rows


def _rejects_table(rejects: list[Reject]) -> pa.Table:
    return pa.table(
        {
            "location": pa.array([r.location for r in rejects], pa.string()),
            "field": pa.array([r.field for r in rejects], pa.string()),
            "value": pa.array([r.value for r in rejects], pa.string()),
            "reason": pa.array([r.reason for r in rejects], pa.string()),
            "repeats": pa.array([r.repeats for r in rejects], pa.int64()),
        }
    )


class StagingError(RuntimeError):
    """The staging folder could not be written (a full disk, a read-only folder); the message
    says why and what to do."""


def write(spec: Spec, raw: RawFile, key: str, parsed: Parsed, root: Path) -> StagedFile:
    """Write one parse's tables and rejects, then the ``_files`` entry that vouches for them;
    StagingError when the folder cannot be written."""
    try:
        return _write(spec, raw, key, parsed, root)
    except OSError as err:
        if not atomic.is_write_failure(err):
            raise
        message = atomic.write_failure(err, root, f"the staged rows of {raw.name}", "ATLAS_STAGING")
        raise StagingError(
            f"{message} (the staging folder holds only what is parsed again from data/raw: "
            "deleting it is safe)"
        ) from None


def parse_record(spec: Spec, raw: RawFile, key: str, parsed: Parsed) -> StagedFile:
    """What one parse gave, before any file is written (``files`` and ``checksums`` empty)."""
    parsed.check_balance(f"{spec.source_id} {raw.name}")
    return StagedFile(
        spec.source_id,
        raw.name,
        raw.sha256,
        key,
        records_in=parsed.records_in,
        records_ok=parsed.records_ok,
        records_rejected=parsed.records_rejected,
        rejects=parsed.reject_count(),
        notes=list(parsed.notes),
        stats=dict(parsed.stats),
        parsed_now=True,
    )


def staged_tables(spec: Spec, parsed: Parsed) -> dict[str, pa.Table]:
    """The rows one parse stages, per staged table (rejects included), with the columns of the
    table's schema (``year`` too where it has one), in that order; tables with no row left
    out. Another engine writes them its own way (pipeline/spark/parse.py)."""
    schemas: Mapping[str, pa.Schema] = spec.module.STAGED
    tables = dict(parsed.tables)
    bulk = (
        []
        if parsed.reject_rows is None
        else [parsed.reject_rows.select(REJECT_SCHEMA.names).cast(REJECT_SCHEMA)]
    )
    if parsed.rejects or bulk:
        tables[REJECTS] = pa.concat_tables([_rejects_table(parsed.rejects), *bulk])
    out = {}
    for name, table in tables.items():
        schema = REJECT_SCHEMA if name == REJECTS else schemas[name]
        if table.num_rows:
            out[name] = table.select(schema.names)
    return out


def _write(spec: Spec, raw: RawFile, key: str, parsed: Parsed, root: Path) -> StagedFile:
    staged = parse_record(spec, raw, key, parsed)
    schemas: Mapping[str, pa.Schema] = spec.module.STAGED
    for name, table in staged_tables(spec, parsed).items():
        schema = REJECT_SCHEMA if name == REJECTS else schemas[name]
        for folder, rows in _partitions(table):
            relative = Path(name) / f"source_id={spec.source_id}" / folder / f"{key}.parquet"
            # cast a partition at a time: dictionary-encoded text becomes plain text in the
            # file's schema without a second copy of the whole table
            written = _write_parquet(rows.cast(_without_year(schema, rows)), root / relative)
            staged.files.setdefault(name, []).append(relative.as_posix())
            staged.checksums[relative.as_posix()] = written
    entry = root / "_files" / spec.source_id / f"{key}.json"
    entry.parent.mkdir(parents=True, exist_ok=True)
    temp = entry.with_name(f".tmp-{os.getpid()}-{entry.name}")
    record = {k: v for k, v in asdict(staged).items() if k not in _NOT_RECORDED}
    temp.write_text(json.dumps(record, indent=1, sort_keys=True) + "\n", encoding="utf-8")
    os.replace(temp, entry)
    return staged


def check_cached(source_id: str, key: str, root: Path) -> tuple[StagedFile | None, str]:
    """(the earlier parse with this key, "") when its staged files are whole; (None, why)
    when there is one that cannot be trusted any more; (None, "") when there is none."""
    entry = root / "_files" / source_id / f"{key}.json"
    if not entry.exists():
        return None, ""
    try:
        record = json.loads(entry.read_text(encoding="utf-8"))
        staged = StagedFile(**record)
    except (OSError, ValueError, TypeError) as err:
        return None, f"its record {entry} is damaged ({str(err)[:100]})"
    listed = [f for files in staged.files.values() for f in files]
    if set(listed) != set(staged.checksums):
        # staged before files carried their checksums: nothing to verify them against, so
        # parsed again like a file never seen
        return None, ""
    for relative in listed:
        path = root / relative
        expected = staged.checksums[relative]
        try:
            size = path.stat().st_size
            if size != expected.get("size"):
                return None, (
                    f"{path} is {size} bytes, {expected.get('size')} were written: cut or changed"
                )
            if _checksum(path)["sha256"] != expected.get("sha256"):
                return None, f"{path} has other bytes than were written"
        except FileNotFoundError:
            return None, f"{path} is missing"
        except OSError as err:
            return None, f"{path} cannot be read ({err.strerror})"
    return staged, ""


def staging_key(spec: Spec, raw: RawFile, parser_key: str) -> str:
    """The key of a raw file's staged files: its bytes, the parser, and for a parser that
    stages the file's place in the raw store (user_csv's import order) that place, so that the
    same bytes elsewhere in a raw store imported anew are parsed again."""
    placed = spec.module.import_order(raw)
    where = f":{placed}" if placed is not None else ""
    return hashlib.sha256(f"{raw.sha256}:{parser_key}{where}".encode()).hexdigest()[:24]


def parse(spec: Spec, raw: RawFile, ctx: ParseContext) -> Parsed:
    """One raw file parsed by its source's parser; a file nested too deeply for Python to
    read is one rejected record, not a crash."""
    try:
        return spec.module.parse(raw, ctx)
    except RecursionError:
        return Parsed.unreadable(spec.source_id, raw.name, "nested too deeply to be read")


def stage(spec: Spec, raw: RawFile, ctx: ParseContext, parser_key: str, root: Path) -> StagedFile:
    """The staged rows of one raw file: from an earlier parse when nothing changed."""
    key = staging_key(spec, raw, parser_key)
    found, damaged = check_cached(spec.source_id, key, root)
    if found is not None:
        return found
    staged = write(spec, raw, key, parse(spec, raw, ctx), root)
    # the file's cells and rows are gone: hand their memory back before the next file, or the
    # allocator keeps it and a folder of files grows the process file by file
    pa.default_memory_pool().release_unused()
    if damaged:
        staged.healed = (
            f"{raw.name}: staged rows not reused ({damaged}); parsed again from {raw.path}"
        )
    return staged


def counted_rejects(staged: Iterable[StagedFile], root: Path) -> list[tuple[Reject, int]]:
    """The rejects of these staged files, one per source, field, value and reason, with how
    many there are: summed by DuckDB over the Parquet files, not read row by row."""
    files = [(s.source_id, str(root / f)) for s in staged for f in s.files.get(REJECTS, [])]
    if not files:
        return []
    query = sqlfiles.read_sql(paths.SQL_DIR / "summary" / "staged_rejects_by_reason.sql")
    con = duckdb.connect()
    try:
        out = []
        for source_id in dict.fromkeys(s for s, _ in files):
            rows = con.execute(query, [[f for s, f in files if s == source_id]]).fetchall()
            out += [(Reject(source_id, *row[:4]), int(row[4])) for row in rows]
    finally:
        con.close()
    return out


def read_rejects(staged: StagedFile, root: Path) -> list[Reject]:
    """The rejects one staged file recorded."""
    out = []
    for relative in staged.files.get(REJECTS, []):
        table = pq.read_table(root / relative)
        for row in table.to_pylist():
            out.append(Reject(staged.source_id, **row))
    return out


def nothing_usable(staged: StagedFile, root: Path) -> str | None:
    """Why a staged raw file gave nothing to load (its reason for the whole file or its header,
    else "every record rejected"); None when it gave rows or had no record at all."""
    if staged.records_ok or not staged.records_rejected:
        return None
    whole = {staged.name, f"{staged.name}:1"}
    for relative in staged.files.get(REJECTS, []):
        table = pq.read_table(root / relative, filters=[("location", "in", sorted(whole))])
        for reason in table.column("reason").to_pylist():
            return str(reason)
    return f"every record rejected ({staged.records_rejected}; see core__rejects)"


def quarantined_by_parse(
    files: Iterable[tuple[Spec, RawFile]], reference_dir: Path, root: Path
) -> dict[Path, str]:
    """The raw files whose parse, with today's parser, left nothing usable (from the staged
    record, without parsing): the raw store lists them as quarantined, with why."""
    out: dict[Path, str] = {}
    keys: dict[str, str] = {}
    for spec, raw in files:
        if spec.source_id not in keys:
            keys[spec.source_id] = fingerprint(spec, reference_dir)
        found, _ = check_cached(spec.source_id, staging_key(spec, raw, keys[spec.source_id]), root)
        why = nothing_usable(found, root) if found is not None else None
        if why is not None:
            out[raw.path] = why
    return out
