"""Build the core__ and out__ tables with Apache Spark from the staged Parquet.

``export_inputs`` writes the plan's input tables (reference tables, fitted flows, the loader's
rejects and the list of staged files the build read) from a DuckDB database to Parquet;
``build`` reads those staged files as ``stg__<table>`` views and runs every model of the plan
with a Spark session, each written as Parquet under the output location and read back as the
view the next models use. Locations may be local folders or anything Spark reads (hdfs://,
s3a://) when a cluster runs the build.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING

import duckdb

from pipeline.spark.plan import Plan
from pipeline.spark.transpile import read_macros, to_spark

if TYPE_CHECKING:
    from pyspark.sql import SparkSession


def export_inputs(db_path: Path, plan: Plan, folder: Path) -> list[Path]:
    """One Parquet file per input table (enums are written as text)."""
    folder.mkdir(parents=True, exist_ok=True)
    con = duckdb.connect(str(db_path), read_only=True)
    written = []
    try:
        for table in plan.inputs:
            target = folder / f"{table}.parquet"
            con.execute(f"copy (select * from {table}) to '{target}' (format parquet)")
            written.append(target)
    finally:
        con.close()
    return written


def session(master: str, app_name: str = "microwork-atlas") -> SparkSession:
    """A Spark session: local[*] on this machine, or a cluster's master URL."""
    from pyspark.sql import SparkSession

    return (
        SparkSession.builder.master(master)
        .appName(app_name)
        # dates and timestamps as written, whatever the machine's time zone
        .config("spark.sql.session.timeZone", "UTC")
        # the atlas' tables are small once grouped: a few partitions beat the default 200
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        .getOrCreate()
    )


def _location(base: str, table: str, suffix: str = "") -> str:
    return f"{base.rstrip('/')}/{table}{suffix}"


class StagingMismatch(FileNotFoundError):
    """The staging location lacks files the DuckDB build read: it is not the folder that build
    wrote (or a full copy of it)."""


def staged_file_lists(rows: Iterable[tuple[str, str]]) -> dict[str, list[str]]:
    """``int__staged_files`` rows (staged table, path) as sorted paths per staged table."""
    files: dict[str, list[str]] = {}
    for table, path in rows:
        files.setdefault(table, []).append(path)
    return {table: sorted(paths) for table, paths in files.items()}


def check_staged_files(staging: str, files: Mapping[str, Sequence[str]]) -> None:
    """Refuse a local staging folder that lacks a file of the build, naming the first few; a
    remote location is checked by Spark when it reads."""
    if "://" in staging or staging.startswith("file:"):
        return
    missing = [p for paths in files.values() for p in paths if not (Path(staging) / p).is_file()]
    if missing:
        shown = ", ".join(missing[:3]) + (
            f" and {len(missing) - 3} more" if len(missing) > 3 else ""
        )
        raise StagingMismatch(
            f"{staging} lacks {len(missing)} staged file(s) of the build ({shown}): point "
            "--staging at the staging folder the database was built from, or a copy of it"
        )


def read_staging(
    spark: SparkSession, plan: Plan, staging: str, files: Mapping[str, Sequence[str]]
) -> None:
    """One view stg__<table> per staged table of the plan over exactly the files of the DuckDB
    build (``files``: paths under the staging location per table, from int__staged_files), not
    every file of the folder: a superseded raw version's, a stale parse's and a quarantined
    file's rows stay out, as in DuckDB. The columns are those DuckDB gives (source_id and year
    from the hive folder names, typed as there); a table with no file is an empty view."""
    from pyspark.sql.pandas.types import from_arrow_schema

    from pipeline.build.run import staged_schemas

    check_staged_files(staging, files)
    schemas = staged_schemas()
    for table in plan.staging:
        schema = from_arrow_schema(schemas[table])
        listed = [_location(staging, path) for path in files.get(table, [])]
        if listed:
            folder = _location(staging, table)
            frame = spark.read.schema(schema).option("basePath", folder).parquet(*listed)
        else:
            frame = spark.createDataFrame([], schema)
        frame.createOrReplaceTempView(f"stg__{table}")


def build(
    spark: SparkSession, plan: Plan, inputs: str, output: str, staging: str
) -> dict[str, int]:
    """Run the plan's models on Spark; returns the row count of each output table."""
    for table in plan.inputs:
        spark.read.parquet(_location(inputs, table, ".parquet")).createOrReplaceTempView(table)
    listed = spark.table(plan.staged_files).select("staged_table", "path").collect()
    read_staging(spark, plan, staging, staged_file_lists((r[0], r[1]) for r in listed))
    macros = read_macros(list(plan.macro_files))
    counts = {}
    for path in plan.model_files:
        table = path.stem
        frame = spark.sql(to_spark(path.read_text(encoding="utf-8"), macros))
        if table not in plan.outputs:
            # an intermediate model: a view, as in DuckDB, computed where a later model reads it
            frame.createOrReplaceTempView(table)
            continue
        frame.write.mode("overwrite").parquet(_location(output, table))
        # read back, so that later models start from the written table, not the whole lineage
        spark.read.parquet(_location(output, table)).createOrReplaceTempView(table)
        counts[table] = spark.table(table).count()
    return counts
