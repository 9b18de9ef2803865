"""``python -m pipeline.spark`` (``make spark``, ``atlas spark``): the atlas built by Spark from
the raw files, with no DuckDB build first.

The driver lists the current raw files of data/raw (or $ATLAS_RAW, ``--raw``); Spark's
executors parse them with the sources' own parsers and write the staged tables as Parquet under
data/spark/staging (``--staging``); the SQL of sql/int, sql/core and sql/out then runs on Spark
and the core__ and out__ tables are written as Parquet under data/spark/out (``--out``).
``--master`` takes a cluster's URL (spark://host:7077, yarn, k8s://…); ``--staging`` and
``--out`` may then be hdfs:// or s3a:// locations, while the raw folder must be one every
executor reads at the same path (a shared mount).
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipeline.build.run import BuildError
from pipeline.spark.plan import load_plan
from pipeline.spark.run import build, session
from pipeline.util import paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.spark", description=__doc__)
    parser.add_argument("--raw", help="the raw store to parse (default data/raw or $ATLAS_RAW)")
    parser.add_argument(
        "--staging",
        help="where Spark writes the staged tables (default data/spark/staging or "
        "$ATLAS_SPARK_STAGING)",
    )
    parser.add_argument(
        "--out", help="where the built tables go (default data/spark/out or $ATLAS_SPARK_OUT)"
    )
    parser.add_argument(
        "--master",
        default=os.environ.get("SPARK_MASTER") or "local[*]",
        help="Spark master URL (default $SPARK_MASTER or local[*])",
    )
    args = parser.parse_args(argv)
    plan = load_plan()
    spark_dir = paths.data_dir() / "spark"
    out = args.out or os.environ.get("ATLAS_SPARK_OUT") or str(spark_dir / "out")
    staging = args.staging or os.environ.get("ATLAS_SPARK_STAGING") or str(spark_dir / "staging")
    raw = Path(args.raw) if args.raw else paths.raw_dir()
    spark = session(args.master)
    try:
        report = build(spark, plan, staging_location=staging, output=out, raw_root=raw, say=print)
    except BuildError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    finally:
        spark.stop()
    for line in report.lines():
        print(line)
    for table, rows in report.tables.items():
        print(f"{table}: {rows} rows -> {out.rstrip('/')}/{table}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
