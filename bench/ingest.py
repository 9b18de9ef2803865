"""Ingestion through the public entry points: ``python -m bench.ingest`` (run by ``make bench``).

A user flow CSV (synthetic rows, country names as users write them) goes through ``python -m
pipeline fetch csv --from <file>`` and ``python -m pipeline db`` exactly as a user runs them,
with ``ATLAS_RAW``, ``ATLAS_STAGING`` and ``ATLAS_DB`` pointing into a temporary folder. Each
command runs in a process of its own; its time and peak resident memory (bench/measure.py) are
its own. Cases: a 1 M-row file, a file of about 200 MB, and a one-file rebuild: a raw store of
several files built, one file added (``fetch`` parses it, ``db`` builds), against the same
store built from nothing (staging removed: every file parsed again) and built again unchanged.
Whatever ingestion the checkout has is what is measured, so the same command gives the baseline
and the figures after a rewrite.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import sys
import tempfile
from pathlib import Path
from typing import Any

import duckdb

from bench import report
from bench.__main__ import RESULTS_JSON, SEED, parse_size
from bench.scale import measure
from pipeline.util import paths

HERE = Path(__file__).parent
# The csv source refuses text files over 200 MiB (pipeline/sources/user_csv.yaml).
BIG_FILE_BYTES = 195 * 1024 * 1024


def run_command(args: list[str], env: dict[str, str], log: Path) -> tuple[float, float]:
    """(seconds, peak resident MB) of one command, measured by bench/measure.py; the
    command's output goes to ``log``."""
    result = measure(args, env, log)
    return float(result["seconds"]), float(result["peak_mb"])


def write_user_csv(path: Path, rows: int, seed: int) -> int:
    """Up to ``rows`` synthetic flow rows, distinct flow keys, in the user CSV layout
    (bench/synthetic_user_csv.sql); returns the number written. Tasks share keys, so three
    times as many tasks as rows are drawn, and more until there are enough keys."""
    con = duckdb.connect()
    tasks = (HERE / "synthetic_tasks.sql").read_text(encoding="utf-8")
    flows = (HERE / "synthetic_user_csv.sql").read_text(encoding="utf-8")
    countries_csv = str(paths.reference_dir() / "countries.csv")
    draws = 3 * rows
    while True:
        params = {
            "n": draws,
            "seed": seed,
            "countries_csv": countries_csv,
            "weights_csv": str(HERE / "synthetic_weights.csv"),
        }
        con.execute(f"create or replace temp table synthetic_tasks as {tasks}", params)
        con.execute(
            f"create or replace temp table user_rows as {flows}",
            {"countries_csv": countries_csv},
        )
        keys = int(con.sql("select count(*) from user_rows").fetchall()[0][0])
        if keys >= rows or draws > 20 * rows:
            break
        draws = int(draws * 1.6)
    con.execute(f"copy (select * from user_rows limit {int(rows)}) to '{path}' (header)")
    con.close()
    return min(keys, rows)


def pipeline_env(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["ATLAS_RAW"] = str(folder / "raw")
    env["ATLAS_DB"] = str(folder / "atlas.duckdb")
    env["ATLAS_STAGING"] = str(folder / "staging")
    return env


def fetch_and_build(folder: Path, source: Path, rows: int, name: str) -> dict[str, Any]:
    env = pipeline_env(folder)
    log = folder / "commands.log"
    python = [sys.executable, "-m", "pipeline"]
    print(f"  {name}: fetch", flush=True)
    fetch_s, fetch_mb = run_command([*python, "fetch", "csv", "--from", str(source)], env, log)
    print(f"  {name}: db", flush=True)
    db_s, db_mb = run_command([*python, "db"], env, log)
    return {
        "name": name,
        "rows": rows,
        "file_mb": source.stat().st_size / 1e6,
        "fetch_seconds": fetch_s,
        "db_seconds": db_s,
        "fetch_peak_mb": fetch_mb,
        "db_peak_mb": db_mb,
    }


def one_file_rebuild(work: Path, files: int, rows_per_file: int) -> dict[str, Any]:
    folder = work / "rebuild"
    inputs = folder / "inputs"
    inputs.mkdir(parents=True)
    env = pipeline_env(folder)
    log = folder / "commands.log"
    python = [sys.executable, "-m", "pipeline"]
    for i in range(files + 1):
        write_user_csv(inputs / f"flows_{i:02d}.csv", rows_per_file, SEED + i)
    first = inputs / "first"
    first.mkdir()
    for i in range(files):
        (inputs / f"flows_{i:02d}.csv").rename(first / f"flows_{i:02d}.csv")
    print(f"  rebuild: {files} files", flush=True)
    run_command([*python, "fetch", "csv", "--from", str(first)], env, log)
    run_command([*python, "db"], env, log)
    print("  rebuild: one more file", flush=True)
    added = inputs / f"flows_{files:02d}.csv"
    fetch_s, _ = run_command([*python, "fetch", "csv", "--from", str(added)], env, log)
    db_s, _ = run_command([*python, "db"], env, log)
    # the same store built from nothing: every file parsed again, then every table built
    print("  rebuild: all files from scratch", flush=True)
    shutil.rmtree(folder / "staging")
    full_s, _ = run_command([*python, "db"], env, log)
    again_s, _ = run_command([*python, "db"], env, log)
    return {
        "files": files,
        "rows_per_file": rows_per_file,
        "full_seconds": full_s,
        "one_file_seconds": fetch_s + db_s,
        "one_file_fetch_seconds": fetch_s,
        "one_file_db_seconds": db_s,
        "nothing_changed_seconds": again_s,
    }


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.ingest", description=__doc__)
    parser.add_argument("--rows", default=os.environ.get("INGEST_ROWS") or "1M")
    parser.add_argument("--results", type=Path, default=RESULTS_JSON)
    parser.add_argument("--no-big-file", action="store_true", help="skip the ~200 MB file")
    args = parser.parse_args()
    rows = parse_size(args.rows)
    stored = json.loads(args.results.read_text()) if args.results.exists() else {}
    print("ingestion through the entry points", flush=True)
    with tempfile.TemporaryDirectory(prefix="atlas-bench-ingest-") as tmp:
        work = Path(tmp)
        cases = []
        folder = work / "one"
        folder.mkdir()
        source = folder / "flows.csv"
        rows = write_user_csv(source, rows, SEED)
        cases.append(fetch_and_build(folder, source, rows, f"{rows:,}-row user CSV"))
        if not args.no_big_file:
            bytes_per_row = source.stat().st_size / rows
            big_rows = int(BIG_FILE_BYTES / bytes_per_row)
            folder = work / "big"
            folder.mkdir()
            source = folder / "flows.csv"
            big_rows = write_user_csv(source, big_rows, SEED + 100)
            size_mb = source.stat().st_size / 1e6
            cases.append(fetch_and_build(folder, source, big_rows, f"{size_mb:,.0f} MB user CSV"))
        rebuild = one_file_rebuild(work, files=10, rows_per_file=max(rows // 20, 1000))
    stored["ingest"] = {"cases": cases, "rebuild": rebuild, "machine": report.machine()}
    args.results.write_text(json.dumps(stored, indent=1) + "\n")
    report.write(stored, args.results.with_suffix(".md"))
    print(f"wrote {args.results} and {args.results.with_suffix('.md')}")


if __name__ == "__main__":
    main()
