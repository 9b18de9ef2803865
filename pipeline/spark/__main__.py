"""``python -m pipeline.spark`` (``make spark``): the out__ tables built by Apache Spark.

By default the core__ tables of the DuckDB database are exported to Parquet and the out__
tables are written as Parquet under data/spark/out, with Spark in local mode. ``--master``
takes a cluster's URL (spark://host:7077, yarn, k8s://…); ``--inputs`` skips the export and
reads Parquet already on storage the cluster sees; ``--export-only`` writes the inputs and stops.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

from pipeline import paths
from pipeline.spark.plan import load_plan
from pipeline.spark.run import build, export_inputs, session


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m pipeline.spark", description=__doc__)
    parser.add_argument("--db", help="DuckDB database to export (default data/atlas.duckdb)")
    parser.add_argument(
        "--inputs", help="Parquet location of the input tables; given, nothing is exported"
    )
    parser.add_argument(
        "--out", help="where the out__ tables go (default data/spark/out or $ATLAS_SPARK_OUT)"
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
        counts = build(spark, plan, inputs, out)
    finally:
        spark.stop()
    for table, rows in counts.items():
        print(f"{table}: {rows} rows -> {out.rstrip('/')}/{table}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
