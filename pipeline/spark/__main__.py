"""``python -m pipeline.spark`` (``make spark``): the core__ and out__ tables built by Spark.

Spark reads the staged Parquet files of the DuckDB build (under data/staging, or ``--staging``)
and builds the core__ tables with sql/int and sql/core, then the out__ tables with sql/out,
written as Parquet under data/spark/out, in local mode. The reference tables, the fitted int__
flows, the loader's rejects and the list of staged files the build read are exported from the
DuckDB database first. ``--master`` takes a cluster's URL (spark://host:7077, yarn, k8s://…);
``--inputs`` and ``--staging`` point at Parquet on storage the cluster sees (``--inputs`` skips
the export); ``--export-only`` writes the inputs and stops.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipeline.build import staging
from pipeline.spark.plan import load_plan
from pipeline.spark.run import StagingMismatch, build, export_inputs, session
from pipeline.util import paths


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.spark", description=__doc__)
    parser.add_argument("--db", help="DuckDB database to export (default data/atlas.duckdb)")
    parser.add_argument(
        "--inputs", help="Parquet location of the input tables; given, nothing is exported"
    )
    parser.add_argument(
        "--staging",
        help="location of the staged Parquet tables (default data/staging or $ATLAS_STAGING)",
    )
    parser.add_argument(
        "--out", help="where the built tables go (default data/spark/out or $ATLAS_SPARK_OUT)"
    )
    parser.add_argument(
        "--export-only", action="store_true", help="write the input Parquet files and stop"
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
    inputs = args.inputs
    if inputs is None:
        db = Path(args.db) if args.db else paths.db_path()
        if not db.exists():
            print(f"error: no database at {db}; build it first with `make db`", file=sys.stderr)
            return 1
        folder = spark_dir / "inputs"
        export_inputs(db, plan, folder)
        inputs = str(folder)
        print(f"exported {', '.join(plan.inputs)} to {folder}")
        if args.export_only:
            return 0
    spark = session(args.master)
    try:
        counts = build(spark, plan, inputs, out, args.staging or str(staging.staging_dir()))
    except StagingMismatch as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    finally:
        spark.stop()
    for table, rows in counts.items():
        print(f"{table}: {rows} rows -> {out.rstrip('/')}/{table}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
