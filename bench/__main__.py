"""Benchmarks: ``make bench``. Machines are noisy, so every figure is a ratio against a baseline
measured in the same run, on the same data."""

from __future__ import annotations

import argparse
import shutil
import statistics
import tempfile
import time
from collections.abc import Callable
from pathlib import Path

import duckdb

from pipeline import sqlfiles
from pipeline.load import build_database

HERE = Path(__file__).parent


def median_seconds(fn: Callable[[], object], repeat: int) -> float:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return statistics.median(times)


def add_synthetic_tasks(con: duckdb.DuckDBPyConnection, n: int) -> None:
    sql = (HERE / "synthetic_tasks.sql").read_text(encoding="utf-8")
    con.execute(f"insert into core__tasks {sql}", {"n": n})


def bench_sql(work: Path, sizes: list[int], repeat: int) -> None:
    print(
        "out__ tables build vs one plain GROUP BY over the same tasks (median of", repeat, "runs)"
    )
    print(f"{'tasks':>10} {'baseline s':>11} {'build s':>9} {'ratio':>7}")
    baseline_sql = (HERE / "baseline_group_by.sql").read_text(encoding="utf-8")
    for n in sizes:
        db = work / f"bench_{n}.duckdb"
        shutil.copy(work / "shipped.duckdb", db)
        con = duckdb.connect(str(db))
        add_synthetic_tasks(con, n)
        base = median_seconds(lambda: con.execute(baseline_sql).fetchall(), repeat)  # noqa: B023
        build = median_seconds(lambda: sqlfiles.build_out_tables(con), repeat)  # noqa: B023
        flows = con.execute("select count(*) from out__flows").fetchone()[0]  # type: ignore[index]
        con.close()
        print(f"{n:>10,} {base:>11.3f} {build:>9.3f} {build / base:>7.1f}   ({flows:,} flow rows)")


def bench_maps(work: Path, n: int, repeat: int) -> None:
    from pipeline.render import render_all

    print(f"\nmaps: shipped data vs shipped data + {n:,} synthetic tasks (median of {repeat} runs)")
    results = {}
    for label, db in (
        ("shipped", work / "shipped.duckdb"),
        ("synthetic", work / f"bench_{n}.duckdb"),
    ):
        con = duckdb.connect(str(db), read_only=True)
        out = work / f"maps_{label}"
        out.mkdir(exist_ok=True)
        seconds = median_seconds(lambda: render_all(con, out), repeat)  # noqa: B023
        sizes = {p.name: p.stat().st_size for p in out.glob("*.html")}
        con.close()
        results[label] = seconds
        size_text = ", ".join(f"{k} {v / 1e6:.2f} MB" for k, v in sorted(sizes.items()))
        print(f"  {label:>9}: {seconds:.2f} s   {size_text}")
    print(f"  ratio synthetic/shipped: {results['synthetic'] / results['shipped']:.2f}")


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench", description=__doc__)
    parser.add_argument("--sizes", default="100000,1000000", help="synthetic task counts")
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    sizes = [int(s) for s in args.sizes.split(",")]
    with tempfile.TemporaryDirectory(prefix="atlas-bench-") as tmp:
        work = Path(tmp)
        (work / "raw").mkdir()
        build_database(work / "shipped.duckdb", raw_root=work / "raw")
        bench_sql(work, sizes, args.repeat)
        bench_maps(work, sizes[-1], args.repeat)


if __name__ == "__main__":
    main()
