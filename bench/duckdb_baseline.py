"""``python -m bench.duckdb_baseline <file.csv>…``: the yardstick of the scale benchmark.

DuckDB reads the files with ``read_csv`` and sums the counts per pair and year, as a user would
without the atlas. The query is timed inside this process (wall and CPU, without starting Python
and importing DuckDB), and printed as one JSON line.
"""

from __future__ import annotations

import json
import resource
import sys
import time

import duckdb


def _cpu() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def main() -> None:
    files = sys.argv[1:]
    con = duckdb.connect()
    start, cpu = time.perf_counter(), _cpu()
    con.execute(
        "create table t as select buyer_country, seller_country, year, sum(count) as count "
        "from read_csv(?) group by all",
        [files],
    )
    seconds, cpu_seconds = time.perf_counter() - start, _cpu() - cpu
    groups = int(con.sql("select count(*) from t").fetchall()[0][0])
    print(
        json.dumps({"query_seconds": seconds, "query_cpu_seconds": cpu_seconds, "groups": groups})
    )


if __name__ == "__main__":
    main()
