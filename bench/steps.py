"""One benchmark step per process, so that each step's peak memory is its own.

``python -m bench.steps '<json>'`` runs the step the JSON names and prints one JSON line:
seconds (the best of ``repeat`` runs: on a shared machine other work only ever adds time;
every run is kept too), rows in and out, and the process's peak
resident memory (VmHWM: everything the step held, the loaded data included; not getrusage,
whose ru_maxrss a child inherits from the parent it was forked from).
"""

from __future__ import annotations

import json
import resource
import shutil
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import duckdb

from pipeline.util import resources

HERE = Path(__file__).parent
TASKS_TABLE = "core__tasks"


def _sql(name: str) -> str:
    return (HERE / name).read_text(encoding="utf-8")


def _timed(fn: Callable[[], Any], repeat: int) -> tuple[list[float], Any]:
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append(time.perf_counter() - start)
    return times, result


def _count(con: duckdb.DuckDBPyConnection, table: str) -> int:
    row = con.execute(f"select count(*) from {table}").fetchone()
    return int(row[0]) if row else 0


def generate(args: dict[str, Any]) -> dict[str, Any]:
    """Synthetic tasks to Parquet (and CSV when asked): the inputs of every other step."""
    con = duckdb.connect()
    params = {
        "n": args["rows"],
        "seed": args["seed"],
        "countries_csv": args["countries_csv"],
        "weights_csv": str(HERE / "synthetic_weights.csv"),
    }
    query = _sql("synthetic_tasks.sql")
    start = time.perf_counter()
    con.execute(f"copy ({query}) to '{args['parquet']}' (format parquet)", params)
    if args.get("csv"):
        con.execute(f"copy (from read_parquet('{args['parquet']}')) to '{args['csv']}' (header)")
    return {"seconds": time.perf_counter() - start, "rows_in": args["rows"]}


def ingest(args: dict[str, Any]) -> dict[str, Any]:
    """Tasks from Parquet or CSV into core__tasks of a copy of the shipped database."""
    db = Path(args["db"])
    shutil.copy(args["shipped_db"], db)
    # the old primary key's index cannot spill to disk: under the build's memory cap its insert
    # fails at 10M ("failed to pin block"), so that step runs with DuckDB's default limit
    config = {} if args.get("primary_key") else {"memory_limit": resources.memory_limit()}
    con = duckdb.connect(str(db), config=config)
    if args.get("primary_key"):
        con.execute(f"alter table {TASKS_TABLE} add primary key (source_id, task_id)")
    path = args["input"]
    reader = (
        f"read_parquet('{path}')"
        if args["format"] == "parquet"
        else f"read_csv('{path}', header = true, columns = {_csv_columns(con)})"
    )
    start = time.perf_counter()
    con.execute(f"insert into {TASKS_TABLE} by name select * from {reader}")
    con.execute("checkpoint")
    seconds = time.perf_counter() - start
    rows = _count(con, TASKS_TABLE)
    result: dict[str, Any] = {"seconds": seconds, "rows_in": rows, "rows_out": rows}
    if args.get("check_rule"):
        rule = (HERE.parent / "sql" / "tests" / "core__tasks__unique_key.sql").read_text(
            encoding="utf-8"
        )
        start = time.perf_counter()
        broken = con.execute(rule).fetchall()
        result["rule_seconds"] = time.perf_counter() - start
        result["rule_rows"] = len(broken)
    con.close()
    result["db_mb"] = db.stat().st_size / 1e6
    return result


def _csv_columns(con: duckdb.DuckDBPyConnection) -> str:
    """The table's own column types, so that the CSV reader never guesses (enums read as text
    and are checked by the insert)."""
    rows = con.execute(f"select column_name, column_type from (describe {TASKS_TABLE})").fetchall()
    types = {name: "VARCHAR" if kind.startswith("ENUM") else kind for name, kind in rows}
    return "{" + ", ".join(f"'{name}': '{kind}'" for name, kind in types.items()) + "}"


# The out__ tables the hand-written queries and the dataframes compute too.
FLOW_TABLES = (
    "out__marginal_pairs",
    "out__flows",
    "out__flows_by_direction",
    "out__country_balance",
)


def build(args: dict[str, Any]) -> dict[str, Any]:
    """The project's out__ build on the loaded tasks: every model of sql/out in the order and
    with the statement pipeline.build.sqlfiles.build_out_tables uses, each model timed."""
    from pipeline.build import sqlfiles

    db = Path(args["db"])
    shutil.copy(args["tasks_db"], db)
    con = duckdb.connect(str(db), config={"memory_limit": resources.memory_limit()})
    models = sqlfiles.out_table_order()
    per_model: dict[str, list[float]] = {p.stem: [] for p in models}
    totals, flow_totals = [], []
    for _ in range(args["repeat"]):
        for path in models:
            start = time.perf_counter()
            con.execute(f"create or replace table {path.stem} as\n{sqlfiles.read_sql(path)}")
            per_model[path.stem].append(time.perf_counter() - start)
        totals.append(sum(times[-1] for times in per_model.values()))
        flow_totals.append(sum(per_model[t][-1] for t in FLOW_TABLES))
    out = {name: _count(con, name) for name in per_model}
    rows_in = _count(con, TASKS_TABLE)
    con.close()
    return {
        "seconds": min(flow_totals),
        "all_seconds": flow_totals,
        "full_build_seconds": min(totals),
        "full_build_all_seconds": totals,
        "model_seconds": {name: min(times) for name, times in per_model.items()},
        "rows_in": rows_in,
        "rows_out": {name: out[name] for name in FLOW_TABLES},
    }


def plain(args: dict[str, Any]) -> dict[str, Any]:
    """The same tables with the hand-written queries in bench/plain_*.sql."""
    db = Path(args["db"])
    shutil.copy(args["tasks_db"], db)
    con = duckdb.connect(str(db), config={"memory_limit": resources.memory_limit()})
    queries = [_sql(f"plain_{name}.sql") for name in ("flows", "directions", "balance")]

    def run() -> None:
        for query in queries:
            con.execute(query)

    times, _ = _timed(run, args["repeat"])
    out = {f"plain_{n}": _count(con, f"plain_{n}") for n in ("flows", "directions", "balance")}
    rows_in = _count(con, TASKS_TABLE)
    con.close()
    return {"seconds": min(times), "all_seconds": times, "rows_in": rows_in, "rows_out": out}


def frames(args: dict[str, Any]) -> dict[str, Any]:
    """pandas or polars: load the Parquet tasks, then the same three tables, results saved."""
    from bench import frames as impl

    engine = args["engine"]
    start = time.perf_counter()
    if engine == "pandas":
        tasks, groups = impl.pandas_load(Path(args["parquet"]), Path(args["groups"]))

        def run() -> tuple[Any, Any, Any]:
            return impl.pandas_tables(tasks, groups)
    else:
        categorical = engine.endswith("categorical")
        tasks, groups = impl.polars_load(Path(args["parquet"]), Path(args["groups"]), categorical)
        lazy = "lazy" in engine

        def run() -> tuple[Any, Any, Any]:
            return impl.polars_tables(tasks, groups, lazy)

    load_seconds = time.perf_counter() - start
    times, tables = _timed(run, args["repeat"])
    out_dir = Path(args["out_dir"])
    out_dir.mkdir(parents=True, exist_ok=True)
    for name, table in zip(("flows", "directions", "balance"), tables, strict=True):
        path = out_dir / f"{name}.parquet"
        if engine == "pandas":
            table.to_parquet(path, index=False)
        else:
            table.write_parquet(path)
    return {
        "seconds": min(times),
        "all_seconds": times,
        "load_seconds": load_seconds,
        "rows_in": len(tasks),
        "rows_out": {
            name: len(t) for name, t in zip(("flows", "directions", "balance"), tables, strict=True)
        },
    }


def peak_rss_mb() -> float:
    """Peak resident memory of this process since it started (Linux /proc), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


STEPS = {"generate": generate, "ingest": ingest, "build": build, "plain": plain, "frames": frames}


def main() -> None:
    args = json.loads(sys.argv[1])
    result = STEPS[args["step"]](args)
    result["peak_mb"] = peak_rss_mb()
    print(json.dumps(result))


if __name__ == "__main__":
    main()
