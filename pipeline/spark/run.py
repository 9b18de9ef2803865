"""The atlas built by Apache Spark from the raw files: parsing on the executors, the SQL on
Spark, the small steps on the driver.

``build`` lists the current raw files on the driver, has the executors parse them into staged
Parquet (``pipeline.spark.parse``), then runs sql/int, sql/core and sql/out on Spark, each
output written as Parquet under the output location and read back as the view later models
use. What is not parsed from a raw file is made on the driver by the functions the DuckDB build
calls, in an in-memory DuckDB database (small tables that do not grow with the raw data): the
reference tables and the sources' metadata (core__countries, core__country_groups,
core__sources, core__source_lineage), the loader's rejects (int__loader_rejects) and the flows
fitted by iterative proportional fitting (pipeline/build/estimate.py), fed by the observed
matrices and marginals Spark aggregates. The SQL tests (sql/tests) run on Spark too: a rule that
input breaks quarantines the raw files it names and the models run again without their rows, as
in DuckDB. Locations may be local folders or anything Spark writes (hdfs://, s3a://).
"""

from __future__ import annotations

import json
import os
import sys
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from functools import reduce
from pathlib import Path
from typing import TYPE_CHECKING, Any

import duckdb
import pyarrow as pa

from pipeline.build import estimate, sqlfiles
from pipeline.build.run import (
    MAX_QUARANTINE_ROUNDS,
    BuildError,
    culprits,
    gather_sources,
    write_loader_rejects,
    write_source_tables,
)
from pipeline.build.staged_views import parsed_schemas
from pipeline.build.tables import load_reference
from pipeline.reference.countries import country_index
from pipeline.spark import parse
from pipeline.spark.plan import Plan, table_references
from pipeline.spark.transpile import Macro, read_macros, to_spark
from pipeline.util import paths

if TYPE_CHECKING:
    from pyspark.sql import DataFrame, SparkSession

# the tables estimate.fit writes, which the driver hands to Spark
ESTIMATE_TABLES = (
    "int__estimated_flows",
    "int__estimated_spread",
    "int__estimate_check_cells",
    "int__estimate_cut_cells",
)


def session(master: str, app_name: str = "microwork-atlas") -> SparkSession:
    """A Spark session: local[*] on this machine, or a cluster's master URL."""
    from pyspark.sql import SparkSession

    # local mode: the executors' Python is this one, which has the pipeline and pyarrow (a
    # cluster's is set by spark-submit or PYSPARK_PYTHON)
    if master.startswith("local"):
        os.environ.setdefault("PYSPARK_PYTHON", sys.executable)
    return (
        SparkSession.builder.master(master)
        .appName(app_name)
        # dates and timestamps as written, whatever the machine's time zone
        .config("spark.sql.session.timeZone", "UTC")
        # the atlas' tables are small once grouped: a few partitions beat the default 200
        .config("spark.sql.shuffle.partitions", "8")
        .config("spark.ui.enabled", "false")
        # progress bars would be drawn over the lines the build prints
        .config("spark.ui.showConsoleProgress", "false")
        .getOrCreate()
    )


def _location(base: str, table: str) -> str:
    return f"{base.rstrip('/')}/{table}"


@dataclass
class SparkReport:
    files: int = 0
    records_in: int = 0
    records_ok: int = 0
    records_rejected: int = 0
    quarantined: dict[tuple[str, str], str] = field(default_factory=dict)
    tables: dict[str, int] = field(default_factory=dict)
    stages: list[tuple[str, float]] = field(default_factory=list)
    estimates: str = ""

    def lines(self) -> list[str]:
        out = [
            f"parsed on the executors: {self.files} raw files, {self.records_in} records read, "
            f"{self.records_ok} staged, {self.records_rejected} rejected"
        ]
        out += [f"quarantined {s} {n}: {why}" for (s, n), why in sorted(self.quarantined.items())]
        out += [self.estimates] if self.estimates else []
        return out


def _to_spark(spark: SparkSession, con: duckdb.DuckDBPyConnection, table: str) -> DataFrame:
    """A driver table as a Spark DataFrame, with the types DuckDB gives it (enums as text)."""
    from pyspark.sql.pandas.types import from_arrow_schema

    rows = con.sql(f"select * from {table}").to_arrow_table()
    plain = pa.schema(
        [
            pa.field(f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
            for f in rows.schema
        ]
    )
    rows = rows.cast(plain)
    if rows.num_rows == 0:
        return spark.createDataFrame([], from_arrow_schema(plain))
    return spark.createDataFrame(rows, from_arrow_schema(plain))


def _around_the_estimate(models: Sequence[Path]) -> tuple[list[Path], list[Path]]:
    """The model files that run before the estimate (they read none of its tables, directly or
    through another model) and those that run after it, each in build order."""
    after: set[str] = set(ESTIMATE_TABLES)
    later = []
    for path in models:
        if table_references(path) & after:
            after.add(path.stem)
            later.append(path)
    return [p for p in models if p not in later], later


class SparkModels:
    """Runs model files on a Spark session: an output is written and read back, any other
    model is a view."""

    def __init__(self, spark: SparkSession, plan: Plan, output: str) -> None:
        self.spark = spark
        self.plan = plan
        self.output = output
        self.macros: dict[str, Macro] = read_macros(list(plan.macro_files))

    def sql(self, text: str) -> DataFrame:
        return self.spark.sql(to_spark(text, self.macros))

    def run(self, files: Sequence[Path]) -> None:
        for path in files:
            table = path.stem
            frame = self.sql(sqlfiles.read_sql(path))
            if table not in self.plan.outputs:
                # an intermediate model: a view, as in DuckDB, computed where a later model reads it
                frame.createOrReplaceTempView(table)
                continue
            frame.write.mode("overwrite").parquet(_location(self.output, table))
            # read back, so that later models start from the written table, not the whole lineage
            self.spark.read.parquet(_location(self.output, table)).createOrReplaceTempView(table)

    def counts(self) -> dict[str, int]:
        """The rows of each output table as written."""
        return {table: self.spark.table(table).count() for table in self.plan.outputs}

    def sql_tests(self, sql_dir: Path) -> list[sqlfiles.SqlTestFailure]:
        """sql/tests on Spark's tables: the rows that break each rule. The rules run as one
        Spark job (each rule's rows as JSON text, side by side), not one job per rule."""
        from pyspark.sql import functions as F

        columns: dict[str, list[str]] = {}
        parts = []
        for path in sorted((sql_dir / "tests").glob("*.sql")):
            frame = self.sql(sqlfiles.read_sql(path))
            columns[path.stem] = frame.columns
            row = F.to_json(
                F.struct(*[frame[c] for c in frame.columns]), {"ignoreNullFields": "false"}
            )
            parts.append(frame.select(F.lit(path.stem).alias("rule"), row.alias("row")))
        if not parts:
            return []
        broken: dict[str, list[tuple[Any, ...]]] = {}
        for rule, text in reduce(lambda a, b: a.unionAll(b), parts).collect():
            values = json.loads(text)
            broken.setdefault(rule, []).append(tuple(values.get(c) for c in columns[rule]))
        return [
            sqlfiles.SqlTestFailure(rule, rows, columns[rule])
            for rule, rows in sorted(broken.items())
        ]


def _timed(report: SparkReport, name: str, start: float, say: Callable[[str], None]) -> float:
    report.stages.append((name, time.perf_counter() - start))
    say(f"stage {name}: {report.stages[-1][1]:.1f} s")
    return time.perf_counter()


def build(
    spark: SparkSession,
    plan: Plan,
    *,
    staging_location: str,
    output: str,
    raw_root: Path | None = None,
    reference_dir: Path | None = None,
    curated_dir: Path | None = None,
    sql_dir: Path = paths.SQL_DIR,
    say: Callable[[str], None] | None = None,
) -> SparkReport:
    """Parse the raw files on the executors, stage them, and build the plan's tables on Spark;
    BuildError when a rule fails that no raw file can be blamed for."""
    say = say or (lambda _: None)
    raw_root = raw_root or paths.raw_dir()
    reference_dir = reference_dir or paths.reference_dir()
    curated_dir = curated_dir or paths.curated_dir()
    report = SparkReport()
    start = time.perf_counter()
    index = country_index(reference_dir)
    sources, raw_rejects, reference_meta = gather_sources(reference_dir, curated_dir, raw_root)

    bundle = parse.parse_on_executors(spark, sources, index, reference_dir)
    try:
        staged = parse.records(bundle)
        parse.write_staging(bundle, staging_location, parsed_schemas())
    finally:
        bundle.unpersist()
    report.files = len(staged)
    report.records_in = sum(s.records_in for s in staged) + len(raw_rejects)
    report.records_ok = sum(s.records_ok for s in staged)
    report.records_rejected = sum(s.records_rejected for s in staged) + len(raw_rejects)
    start = _timed(report, "parse (executors)", start, say)

    # the small tables, made on the driver by the DuckDB build's own functions
    con = duckdb.connect()
    try:
        sqlfiles.run_schema(con, sql_dir)
        load_reference(con, index)
        write_source_tables(con, sources, staged, reference_meta, curated_dir)
        for table in plan.inputs:
            if table.startswith("core__"):
                _to_spark(spark, con, table).createOrReplaceTempView(table)
        start = _timed(report, "reference (driver)", start, say)
        models = SparkModels(spark, plan, output)
        before, after = _around_the_estimate(plan.model_files)
        quarantined: dict[tuple[str, str], str] = {}
        for _ in range(MAX_QUARANTINE_ROUNDS):
            parse.read_staging(spark, staging_location, plan.staging, set(quarantined))
            write_loader_rejects(con, quarantined, raw_rejects)
            _to_spark(spark, con, "int__loader_rejects").createOrReplaceTempView(
                "int__loader_rejects"
            )
            models.run(before)
            start = _timed(report, "core", start, say)
            report.estimates = _estimate(models, con, sql_dir)
            for table in ESTIMATE_TABLES:
                _to_spark(spark, con, table).createOrReplaceTempView(table)
            start = _timed(report, "estimate (driver)", start, say)
            models.run(after)
            failures = models.sql_tests(sql_dir)
            start = _timed(report, "out and tests", start, say)
            if not failures:
                break
            found = culprits(failures, staged)
            if found is None or set(found) <= set(quarantined):
                raise BuildError("SQL tests failed:\n" + "\n".join(f.describe() for f in failures))
            quarantined.update(found)
            say(f"quarantined {', '.join(n for _, n in sorted(found))}; building again")
        else:
            raise BuildError(f"still failing after quarantining {len(quarantined)} files")
    finally:
        con.close()
    report.quarantined = quarantined
    report.tables = models.counts()
    return report


def _estimate(models: SparkModels, con: duckdb.DuckDBPyConnection, sql_dir: Path) -> str:
    """The IPF estimate on the driver, from the observed matrices and the marginals Spark
    aggregates (a few rows per country pair and year); its tables are written to ``con``."""
    observed = models.sql(sqlfiles.read_sql(sql_dir / "estimate" / "observed_matrices.sql"))
    marginals = models.sql(sqlfiles.read_sql(sql_dir / "estimate" / "marginals.sql"))
    fitted = estimate.fit(
        con,
        estimate.observed_matrices(observed.toArrow()),
        estimate.marginals_of(marginals.toArrow().to_pylist()),
    )
    return fitted.line()
