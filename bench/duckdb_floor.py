"""``python -m bench.duckdb_floor <work folder> <file.csv>…``: the second yardstick of the scale
benchmark, the least work the atlas's data contract asks of ingestion, done in DuckDB alone.

Where bench/duckdb_baseline.py only sums the file, this does what no ingestion of user rows
can skip: keep a copy of each raw file with its SHA-256, resolve the names, check and type the
cells, stage the usable rows as Parquet partitioned by year and the rejects apart
(floor_stage.sql), then keep every usable row with its file and line and group the rows into
flows, both as tables of a database file (floor_build.sql), under the build's memory limit and
in the storage format the build writes. The pipeline's cost over this is
what its own checks, reports and reading rules add. Timed inside this process (wall and CPU,
imports left out) and printed as one JSON line.
"""

from __future__ import annotations

import hashlib
import json
import resource
import shutil
import sys
import time
from pathlib import Path

import duckdb

from pipeline.build.swap import STORAGE_VERSION
from pipeline.util import paths, resources

HERE = Path(__file__).parent


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def ingest(work: Path, files: list[Path]) -> int:
    """Stage and build ``files`` in ``work``; returns the number of flow rows."""
    raw = work / "raw"
    raw.mkdir(parents=True)
    for path in files:
        with path.open("rb") as handle:
            hashlib.file_digest(handle, "sha256")
        shutil.copyfile(path, raw / path.name)
    staging = work / "staging"
    # the bounds a build keeps: its memory limit, and the storage format DuckDB 1.x clients read
    limit = resources.memory_limit()
    con = duckdb.connect(config={"memory_limit": limit})
    params = {
        "files": [str(f) for f in files],
        "aliases_csv": str(paths.reference_dir() / "country_aliases.csv"),
        "countries_csv": str(paths.reference_dir() / "countries.csv"),
    }
    stage = (HERE / "floor_stage.sql").read_text(encoding="utf-8")
    con.execute(f"create temp table checked as {stage}", params)
    con.execute(
        f"copy (select * exclude (usable) from checked where usable) to '{staging}' "
        "(format parquet, partition_by (year))"
    )
    con.execute(
        f"copy (select file_name, line from checked where not usable) to "
        f"'{work / 'rejects.parquet'}' (format parquet)"
    )
    con.close()
    con = duckdb.connect(
        str(work / "floor.duckdb"),
        config={"memory_limit": limit, "storage_compatibility_version": STORAGE_VERSION},
    )
    staged = sorted(str(p) for p in staging.rglob("*.parquet"))
    con.execute("set variable staged_files = $files", {"files": staged})
    con.execute((HERE / "floor_build.sql").read_text(encoding="utf-8"))
    con.execute("checkpoint")
    groups = int(con.sql("select count(*) from flows").fetchall()[0][0])
    con.close()
    return groups


def main() -> None:
    work, files = Path(sys.argv[1]), [Path(f) for f in sys.argv[2:]]
    start, cpu = time.perf_counter(), _cpu()
    groups = ingest(work, files)
    seconds, cpu_seconds = time.perf_counter() - start, _cpu() - cpu
    print(
        json.dumps({"query_seconds": seconds, "query_cpu_seconds": cpu_seconds, "groups": groups})
    )


if __name__ == "__main__":
    main()
