"""Build the core__ and out__ tables with Apache Spark from the staged Parquet.

``export_inputs`` writes the plan's input tables (reference tables and fitted flows) from a
DuckDB database to Parquet; ``build`` reads the staged tables as ``stg__<table>`` views and runs
every model of the plan with a Spark session, each written as Parquet under the output location
and read back as the view the next models use. Locations may be local folders or anything Spark
reads (hdfs://, s3a://) when a cluster runs the build.
"""

from __future__ import annotations

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


def read_staging(spark: SparkSession, plan: Plan, staging: str) -> None:
    """One view stg__<table> per staged table of the plan, over its hive-partitioned folder
    with the columns DuckDB gives it (source_id and year from the folder names, typed as
    there); a table no source staged is an empty view."""
    from pyspark.errors import AnalysisException
    from pyspark.sql.pandas.types import from_arrow_schema

    from pipeline.load import staged_schemas

    schemas = staged_schemas()
    for table in plan.staging:
        schema = from_arrow_schema(schemas[table])
        folder = _location(staging, table)
        # a local folder is checked here: Spark logs a stack trace for each missing one
        local = "://" not in folder and not folder.startswith("file:")
        try:
            if local and not Path(folder).is_dir():
                frame = spark.createDataFrame([], schema)
            else:
                frame = spark.read.schema(schema).option("basePath", folder).parquet(folder)
        except AnalysisException as err:
            if "PATH_NOT_FOUND" not in str(err) and "Path does not exist" not in str(err):
                raise
            frame = spark.createDataFrame([], schema)
        frame.createOrReplaceTempView(f"stg__{table}")


def build(
    spark: SparkSession, plan: Plan, inputs: str, output: str, staging: str
) -> dict[str, int]:
    """Run the plan's models on Spark; returns the row count of each output table."""
    read_staging(spark, plan, staging)
    for table in plan.inputs:
        spark.read.parquet(_location(inputs, table, ".parquet")).createOrReplaceTempView(table)
    macros = read_macros(list(plan.macro_files))
    counts = {}
    for path in plan.model_files:
        table = path.stem
        frame = spark.sql(to_spark(path.read_text(encoding="utf-8"), macros))
        frame.write.mode("overwrite").parquet(_location(output, table))
        # read back, so that later models start from the written table, not the whole lineage
        spark.read.parquet(_location(output, table)).createOrReplaceTempView(table)
        if table in plan.outputs:
            counts[table] = spark.table(table).count()
    return counts
