"""The raw files parsed on Spark's executors, by the parsers the DuckDB build uses, into staged
Parquet written by Spark.

The driver lists the current raw files (the raw store's manifests, as the DuckDB build reads
them) as a DataFrame of one row per file; ``mapInArrow`` runs each file through its source's
``parse`` (``pipeline.build.staging.parse``, ``staged_tables``, ``record``) on an executor and
yields Arrow batches of one wide schema: every staged table's columns side by side, the name of
the staged table each row belongs to, and one row per file carrying what its parse recorded
(records read, used, rejected; the parser's statistics). Spark then writes each staged table
under ``<staging>/<table>/source_id=<id>/year=<year>/`` (hive partitions, as DuckDB's staging
is), one folder per table, plus a ``raw_file`` column: a Spark part file mixes the rows of many
raw files, and a file the loader quarantines is left out by that column.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pyarrow as pa

from pipeline.build import staging
from pipeline.build.run import Sources
from pipeline.build.staged_views import parsed_schemas, staged_schemas
from pipeline.raw.versions import RawFile
from pipeline.reference.countries import CountryIndex
from pipeline.sources import Spec
from pipeline.sources.contract import ParseContext

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

TABLE = "staged_table"
RAW_FILE = "raw_file"
RECORD = "record"
# the staged_table value of the row that carries a parse's record (StagedFile, as JSON)
RECORD_ROW = "_files"
HIVE = ("source_id", "year")
# rows per Arrow batch an executor hands back: bounded memory for a file of millions of rows
BATCH_ROWS = 50_000


def bundle_column(table: str, column: str) -> str:
    return f"{table}__{column}"


def bundle_schema(schemas: Mapping[str, pa.Schema]) -> pa.Schema:
    """What the executors hand back: the row's staged table, source, raw file and year, a
    parse's record, then every staged table's own columns (null on the other tables' rows)."""
    fields = [
        pa.field(TABLE, pa.string()),
        pa.field("source_id", pa.string()),
        pa.field(RAW_FILE, pa.string()),
        pa.field("year", pa.int64()),
        pa.field(RECORD, pa.string()),
    ]
    for name, schema in schemas.items():
        fields += [
            pa.field(bundle_column(name, f.name), f.type) for f in schema if f.name != "year"
        ]
    return pa.schema(fields)


@dataclass(frozen=True)
class ParseJob:
    """What an executor needs to parse a file: the specs (module and metadata) and the
    country index, shipped from the driver with the function, so that no executor reads the
    metadata or reference files itself; and each spec's parser fingerprint."""

    specs: tuple[Spec, ...]
    parser_keys: tuple[str, ...]
    countries: CountryIndex
    schemas: Mapping[str, pa.Schema]

    def parse_file(
        self, spec_index: int, path: str, sha256: str, day: str
    ) -> Iterator[pa.RecordBatch]:
        """The staged rows and the record of one raw file, as batches of the bundle schema."""
        spec = self.specs[spec_index]
        raw = RawFile(Path(path), sha256, day)
        key = staging.staging_key(spec, raw, self.parser_keys[spec_index])
        parsed = staging.parse(spec, raw, ParseContext(spec.meta, self.countries))
        staged = staging.parse_record(spec, raw, key, parsed)
        target = bundle_schema(self.schemas)
        for name, table in staging.staged_tables(spec, parsed).items():
            rows = table.cast(self.schemas[name])
            for batch in rows.to_batches(max_chunksize=BATCH_ROWS):
                yield _bundle_batch(target, name, spec.source_id, raw.name, batch)
        text = json.dumps(staged.__dict__, sort_keys=True, default=str)
        record = pa.record_batch({RECORD: pa.array([text], pa.string())})
        yield _bundle_batch(target, RECORD_ROW, spec.source_id, raw.name, record)

    def __call__(self, batches: Iterator[pa.RecordBatch]) -> Iterator[pa.RecordBatch]:
        for batch in batches:
            for row in batch.to_pylist():
                yield from self.parse_file(row["spec"], row["path"], row["sha256"], row["day"])


def _bundle_batch(
    target: pa.Schema, table: str, source_id: str, raw_name: str, rows: pa.RecordBatch
) -> pa.RecordBatch:
    n = rows.num_rows
    given = {bundle_column(table, name): rows.column(name) for name in rows.schema.names}
    given[TABLE] = pa.array([table] * n, pa.string())
    given["source_id"] = pa.array([source_id] * n, pa.string())
    given[RAW_FILE] = pa.array([raw_name] * n, pa.string())
    if "year" in rows.schema.names:
        given["year"] = rows.column("year")
    if RECORD in rows.schema.names:
        given[RECORD] = rows.column(RECORD)
    columns = [given.get(f.name, pa.nulls(n, f.type)) for f in target]
    return pa.RecordBatch.from_arrays(columns, schema=target)


def raw_file_rows(sources: Sources) -> list[dict[str, Any]]:
    """One row per raw file to parse: its spec's position in ``sources``, path, sha256, day."""
    return [
        {"spec": i, "path": str(raw.path), "sha256": raw.sha256, "day": raw.day}
        for i, (_, files) in enumerate(sources)
        for raw in files
    ]


def parse_on_executors(
    spark: SparkSession, sources: Sources, countries: CountryIndex, reference_dir: Path
) -> DataFrame:
    """The bundle of every raw file's staged rows and records, parsed by the executors: one
    task per file, so that large files spread over the cluster. Persisted: each staged table
    and the records are read from it without parsing again."""
    from pyspark import StorageLevel
    from pyspark.sql.pandas.types import from_arrow_schema

    schemas = parsed_schemas()
    job = ParseJob(
        specs=tuple(spec for spec, _ in sources),
        parser_keys=tuple(staging.fingerprint(spec, reference_dir) for spec, _ in sources),
        countries=countries,
        schemas=schemas,
    )
    rows = raw_file_rows(sources)
    files = spark.createDataFrame(
        rows or [], "spec int, path string, sha256 string, day string"
    ).repartition(max(1, len(rows)))
    bundle = files.mapInArrow(job, from_arrow_schema(bundle_schema(schemas)))
    return bundle.persist(StorageLevel.MEMORY_AND_DISK)


def records(bundle: DataFrame) -> list[staging.StagedFile]:
    """What each raw file's parse gave (counts, notes, statistics), for the driver."""
    text = bundle.where(f"{TABLE} = '{RECORD_ROW}'").select(RECORD).toArrow()
    found = [staging.StagedFile(**json.loads(t)) for t in text.column(RECORD).to_pylist()]
    return sorted(found, key=lambda s: (s.source_id, s.name))


def write_staging(bundle: DataFrame, location: str, schemas: Mapping[str, pa.Schema]) -> None:
    """Each staged table written by Spark as Parquet under ``<location>/<table>``,
    partitioned by source_id (and year where the table has one), with the raw file of each
    row; a table no file gave rows to is an empty folder."""
    for name, schema in schemas.items():
        own = [f.name for f in schema if f.name != "year"]
        hive = ["source_id", "year"] if "year" in schema.names else ["source_id"]
        rows = bundle.where(bundle[TABLE] == name).select(
            *[bundle[bundle_column(name, c)].alias(c) for c in own],
            bundle[RAW_FILE],
            *[bundle[h] for h in hive],
        )
        rows.write.mode("overwrite").partitionBy(*hive).parquet(staged_location(location, name))


def staged_location(location: str, table: str) -> str:
    return f"{location.rstrip('/')}/{table}"


def read_staging(
    spark: SparkSession,
    location: str,
    tables: Sequence[str],
    left_out: Collection[tuple[str, str]] = (),
) -> None:
    """One view stg__<table> per staged table with the columns DuckDB's view has (source_id and
    year from the folder names, typed as there), without the rows of the raw files
    ``left_out`` names as (source_id, raw file name): a quarantined file keeps only its
    rejects, as in DuckDB."""
    from pyspark.sql import functions as F
    from pyspark.sql.pandas.types import from_arrow_schema

    schemas = staged_schemas()
    for table in tables:
        full = schemas[table]
        own = [f for f in full if f.name not in HIVE]
        hive = [f for f in full if f.name in HIVE]
        with_file = pa.schema([*own, pa.field(RAW_FILE, pa.string()), *hive])
        frame = spark.read.schema(from_arrow_schema(with_file)).parquet(
            staged_location(location, table)
        )
        for source_id, name in [] if table == staging.REJECTS else sorted(left_out):
            frame = frame.where(~((F.col("source_id") == source_id) & (F.col(RAW_FILE) == name)))
        frame.drop(RAW_FILE).createOrReplaceTempView(f"stg__{table}")
