"""Ingestion at scale against DuckDB alone: ``python -m bench.scale`` (run by ``make bench``).

Each case runs in fresh ``ATLAS_RAW``, ``ATLAS_STAGING`` and ``ATLAS_DB`` folders: an empty
``python -m pipeline db`` (the fixed cost), ``fetch csv --from`` the files, ``db``; then the
yardstick, DuckDB ``read_csv`` + a group-by of the same files in a process of its own
(bench/duckdb_baseline.py), and the floor: the least the data contract asks of ingestion
(a raw copy with its hash, checked rows staged as Parquet, each usable row kept with its line,
the flows grouped), done in DuckDB alone (bench/duckdb_floor.py). Every command is measured by
bench/measure.py: wall seconds, CPU seconds (user + system of the process and its children) and
peak resident memory. The cost of ingestion is fetch + db less the empty db; its ratios to the
yardstick and to the floor are the figures to compare.

Files come from bench/realistic_user_csv.sql: distinct flow keys, names in English, French and
Italian, about 8 % quoted lines and 1 % bad rows; a repeat-heavy case draws the same number of
rows from 1 % as many keys (99 % exact repeats). Sizes above FILE_ROWS are split into files of
FILE_ROWS rows, each under the csv source's size cap. A last case times ``pipeline maps``
(the pages: first with no country outlines kept yet, then again) and ``pipeline maps --print``
(with the print versions) against ``pipeline db``, on the shipped data and on a
remote-work-shaped year loaded as a user table.

Sizes: ``SCALE_SIZE`` (default 2M,16M) or ``--sizes``; ``--label`` names the run (e.g. before
and after a change), and each label's results are kept in bench/results.json under ``scale``.
"""

from __future__ import annotations

import argparse
import csv
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path
from typing import Any

import duckdb

from bench import maps as bench_maps
from bench import report
from bench.__main__ import RESULTS_JSON, SEED, parse_size
from pipeline.util import paths

HERE = Path(__file__).parent
FILE_ROWS = 2_000_000
REPEAT_SHARE = 0.99
DEFAULT_SIZES = "2M,16M"


def measure(args: list[str], env: dict[str, str], log: Path) -> dict[str, Any]:
    """Seconds, CPU seconds and peak MB of one command (bench/measure.py), and the JSON line
    the command itself printed last, if any."""
    with log.open("ab") as err:
        done = subprocess.run(
            [sys.executable, "-m", "bench.measure", *args],
            env=env,
            stdout=subprocess.PIPE,
            stderr=err,
            cwd=paths.ROOT,
            check=False,
        )
    found = [
        json.loads(line)
        for line in done.stdout.decode(errors="replace").splitlines()
        if line.startswith("{")
    ]
    if done.returncode != 0 or not found or found[-1].get("exit") != 0:
        tail = log.read_text(errors="replace")[-2000:]
        raise SystemExit(f"error: {' '.join(args)} failed:\n{tail}")
    result: dict[str, Any] = found[-1]
    if len(found) > 1:
        result["output"] = found[-2]
    return result


def write_files(folder: Path, rows: int, distinct: int, seed: int) -> list[Path]:
    """``rows`` rows of bench/realistic_user_csv.sql in files of at most FILE_ROWS rows."""
    folder.mkdir(parents=True)
    sql = (HERE / "realistic_user_csv.sql").read_text(encoding="utf-8")
    con = duckdb.connect()
    files = []
    for first in range(0, rows, FILE_ROWS):
        path = folder / f"flows_{first // FILE_ROWS:02d}.csv"
        params = {
            "first": first,
            "n": min(FILE_ROWS, rows - first),
            "seed": seed,
            "distinct": distinct,
            "countries_csv": str(paths.reference_dir() / "countries.csv"),
            "aliases_csv": str(paths.reference_dir() / "country_aliases.csv"),
        }
        con.execute(f"copy ({sql}) to '{path}' (header)", params)
        files.append(path)
    con.close()
    return files


def pipeline_env(folder: Path) -> dict[str, str]:
    env = dict(os.environ)
    env["ATLAS_RAW"] = str(folder / "raw")
    env["ATLAS_DB"] = str(folder / "atlas.duckdb")
    env["ATLAS_STAGING"] = str(folder / "staging")
    env["ATLAS_MAPS"] = str(folder / "maps")
    # its own data/cache too: the first maps of a fresh checkout compute the country outlines
    env["ATLAS_DATA"] = str(folder / "data")
    env["ATLAS_EXPORTS"] = str(folder / "exports")
    return env


def ingestion_case(work: Path, name: str, rows: int, distinct: int) -> dict[str, Any]:
    folder = work / name.replace(" ", "-")
    print(f"  {name}: writing {rows:,} rows", flush=True)
    files = write_files(folder / "inputs", rows, distinct, SEED)
    source = files[0] if len(files) == 1 else folder / "inputs"
    env = pipeline_env(folder)
    log = folder / "commands.log"
    pipeline = [sys.executable, "-m", "pipeline"]
    steps: dict[str, dict[str, Any]] = {}
    print(f"  {name}: DuckDB read_csv + group-by", flush=True)
    steps["duckdb"] = measure(
        [sys.executable, "-m", "bench.duckdb_baseline", *map(str, files)], env, log
    )
    print(f"  {name}: the same in DuckDB alone, what the data contract asks", flush=True)
    steps["floor"] = measure(
        [sys.executable, "-m", "bench.duckdb_floor", str(folder / "floor"), *map(str, files)],
        env,
        log,
    )
    for step, args in (
        ("empty_db", [*pipeline, "db"]),
        ("fetch", [*pipeline, "fetch", "csv", "--from", str(source)]),
        ("db", [*pipeline, "db"]),
    ):
        print(f"  {name}: {step}", flush=True)
        steps[step] = measure(args, env, log)
    return {
        "name": name,
        "rows": rows,
        "files": len(files),
        "file_mb": sum(f.stat().st_size for f in files) / 1e6,
        "steps": steps,
    }


def maps_case(work: Path) -> dict[str, Any]:
    folder = work / "maps"
    folder.mkdir()
    env = pipeline_env(folder)
    log = folder / "commands.log"
    pipeline = [sys.executable, "-m", "pipeline"]
    steps = {}
    cases = (
        ("db", [*pipeline, "db"]),
        ("maps", [*pipeline, "maps"]),
        ("maps_again", [*pipeline, "maps"]),
        ("print", [*pipeline, "maps", "--print"]),
    )
    for step, args in cases:
        print(f"  shipped data: {step}", flush=True)
        steps[step] = measure(args, env, log)
    return {"name": "shipped data", "steps": steps}


def remote_year_case(work: Path) -> dict[str, Any]:
    """`pipeline maps` against `pipeline db` with a remote-work-shaped year of 4,400 pairs,
    loaded as users load a table: a CSV through `pipeline fetch csv`."""
    folder = work / "remote-year"
    folder.mkdir()
    env = pipeline_env(folder)
    log = folder / "commands.log"
    countries = paths.reference_dir() / "countries.csv"
    with countries.open(encoding="utf-8", newline="") as handle:
        located = [r["country_code"] for r in csv.DictReader(handle) if r["lon"]]
    codes = bench_maps.map_codes(located)
    table = folder / "year.csv"
    with table.open("w", encoding="utf-8", newline="") as handle:
        out = csv.writer(handle)
        out.writerow(["buyer_country", "seller_country", "count", "year"])
        out.writerows(
            (buyer, seller, int(n), bench_maps.YEAR)
            for buyer, seller, n in bench_maps.synthetic_pairs(codes)
        )
    pipeline = [sys.executable, "-m", "pipeline"]
    steps = {}
    for step, args in (
        ("fetch", [*pipeline, "fetch", "csv", "--from", str(table)]),
        ("db", [*pipeline, "db"]),
        ("maps", [*pipeline, "maps"]),
        ("maps_again", [*pipeline, "maps"]),
        ("print", [*pipeline, "maps", "--print"]),
    ):
        print(f"  remote-work-shaped year: {step}", flush=True)
        steps[step] = measure(args, env, log)
    return {"name": f"a remote-work-shaped year ({bench_maps.PAIRS:,} pairs)", "steps": steps}


def main() -> None:
    parser = argparse.ArgumentParser(prog="python -m bench.scale", description=__doc__)
    parser.add_argument("--sizes", default=os.environ.get("SCALE_SIZE") or DEFAULT_SIZES)
    parser.add_argument("--label", default=os.environ.get("SCALE_LABEL") or "current")
    parser.add_argument("--no-repeats", action="store_true", help="skip the repeat-heavy file")
    parser.add_argument("--no-maps", action="store_true", help="skip maps against db")
    parser.add_argument("--results", type=Path, default=RESULTS_JSON)
    args = parser.parse_args()
    sizes = [parse_size(s) for s in args.sizes.split(",") if s.strip()]
    stored = json.loads(args.results.read_text()) if args.results.exists() else {}
    print(f"ingestion at scale ({args.label})", flush=True)
    run: dict[str, Any] = {"cases": [], "machine": report.machine()}
    with tempfile.TemporaryDirectory(prefix="atlas-bench-scale-") as tmp:
        work = Path(tmp)
        for rows in sizes:
            run["cases"].append(ingestion_case(work, f"distinct {rows:,}", rows, 0))
        if not args.no_repeats:
            rows = 2_000_000
            distinct = int(rows * (1 - REPEAT_SHARE))
            run["cases"].append(ingestion_case(work, f"repeats {rows:,}", rows, distinct))
        if not args.no_maps:
            run["maps"] = maps_case(work)
            run["maps_year"] = remote_year_case(work)
    stored.setdefault("scale", {})[args.label] = run
    args.results.write_text(json.dumps(stored, indent=1) + "\n")
    report.write(stored, args.results.with_suffix(".md"))
    print(f"wrote {args.results} and {args.results.with_suffix('.md')}")


if __name__ == "__main__":
    main()
