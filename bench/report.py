"""bench/results.md from bench/results.json: the machine, the versions and every figure."""

from __future__ import annotations

import datetime as dt
import importlib.metadata
import os
import platform
from pathlib import Path
from typing import Any

PACKAGES = ("duckdb", "pandas", "polars", "pyarrow", "pyspark", "sqlglot", "numpy")


def _meminfo_gb() -> float:
    try:
        for line in Path("/proc/meminfo").read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) / 1024 / 1024
    except OSError:
        pass
    return float("nan")


def _cpu_model() -> str:
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def machine() -> dict[str, Any]:
    versions = {}
    for name in PACKAGES:
        try:
            versions[name] = importlib.metadata.version(name)
        except importlib.metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "date": dt.datetime.now(dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "cores": os.cpu_count(),
        "memory_gb": round(_meminfo_gb(), 1),
        "cpu": _cpu_model(),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": platform.python_version(),
        "os": f"{platform.system()} {platform.release()}",
        "versions": versions,
    }


def _machine_line(m: dict[str, Any]) -> str:
    versions = ", ".join(f"{k} {v}" for k, v in m["versions"].items())
    load = " ".join(str(x) for x in m["load_average"])
    return (
        f"{m['date']}; {m['cores']} cores ({m['cpu']}), {m['memory_gb']} GB; {m['os']}; "
        f"load average at the end {load}; Python {m['python']}; {versions}"
    )


def _rows_out(step: dict[str, Any]) -> str:
    out = step.get("rows_out")
    if isinstance(out, dict):
        return ", ".join(f"{k} {v:,}" for k, v in out.items())
    return f"{out:,}" if isinstance(out, int) else ""


STEP_NAMES = {
    "generate": "generate (Parquet, and CSV up to 10M)",
    "ingest_parquet": "ingest: Parquet → core__tasks (no key)",
    "ingest_parquet_pk": "ingest: Parquet → core__tasks with the old primary key (no memory cap)",
    "ingest_csv": "ingest: CSV → core__tasks (no key)",
    "build": "**out__ build** (sql/out: the same tables)",
    "plain_duckdb": "plain DuckDB (bench/plain_*.sql)",
    "pandas": "pandas (categorical keys)",
    "polars_eager": "polars eager (string keys)",
    "polars_lazy": "polars lazy (string keys)",
    "polars_eager_categorical": "polars eager (categorical keys)",
    "polars_lazy_categorical": "polars lazy (categorical keys)",
}
ENGINES = (
    "plain_duckdb",
    "pandas",
    "polars_eager",
    "polars_lazy",
    "polars_eager_categorical",
    "polars_lazy_categorical",
)


def _size_section(label: str, run: dict[str, Any]) -> list[str]:
    steps = run["steps"]
    lines = [
        f"## {label} synthetic tasks",
        "",
        _machine_line(run["machine"]),
        "",
        f"Seconds are the best of {run['repeat']} runs for the build and the engines, run in "
        "interleaved rounds with the order rotated (the machine is shared: other work only ever "
        "adds time, and falls on every engine alike; every run is listed), and one run for "
        "generation and ingestion; rows/s = rows in / seconds; peak = the step's process peak "
        "resident memory, data loaded included. pandas and polars load the Parquet file first "
        "(load s); their seconds are the aggregation alone, on data in memory. The out__ build "
        "row times the models of the tables the others compute (out__marginal_pairs, out__flows, "
        "out__flows_by_direction, out__country_balance); the whole sql/out build, with the "
        "country shares and the claim and estimate checks, is in its notes.",
        "",
        "| step | rows in | rows out | seconds | rows/s | peak MB | notes |",
        "|---|---:|---|---:|---:|---:|---|",
    ]
    for key, name in STEP_NAMES.items():
        step = steps.get(key)
        if step is None:
            continue
        notes = []
        if "full_build_seconds" in step:
            notes.append(f"whole sql/out build {step['full_build_seconds']:.2f} s")
        if "load_seconds" in step:
            notes.append(f"load {step['load_seconds']:.2f} s")
        if "rule_seconds" in step:
            notes.append(f"uniqueness rule {step['rule_seconds']:.2f} s")
        if "db_mb" in step:
            notes.append(f"database {step['db_mb']:,.0f} MB")
        if "all_seconds" in step:
            notes.append("runs " + ", ".join(f"{s:.2f}" for s in step["all_seconds"]))
        rate = step["rows_in"] / step["seconds"] if step["seconds"] else float("nan")
        lines.append(
            f"| {name} | {step['rows_in']:,} | {_rows_out(step)} | {step['seconds']:.2f} | "
            f"{rate:,.0f} | {step['peak_mb']:,.0f} | {'; '.join(notes)} |"
        )
    lines += ["", "Ratios (same run, same data):", ""]
    build = steps["build"]["seconds"]
    lines.append(
        f"- out__ build / plain DuckDB: **{build / steps['plain_duckdb']['seconds']:.2f}×** "
        "(target ≤ 1.25×)"
    )
    polars = [k for k in ENGINES if k.startswith("polars") and k in steps]
    if polars:
        best = min(polars, key=lambda k: steps[k]["seconds"])
        lines.append(
            f"- fastest polars ({best}) / out__ build: **{steps[best]['seconds'] / build:.2f}×** "
            "(target > 1: the build faster)"
        )
    if "pandas" in steps:
        lines.append(
            f"- pandas / out__ build: **{steps['pandas']['seconds'] / build:.2f}×** (target ≥ 3×)"
        )
    ingest = steps["ingest_parquet"]
    whole = steps["build"].get("full_build_seconds", build)
    rule = ingest.get("rule_seconds", 0.0)
    lines.append(
        f"- the whole path, ingest from Parquet ({ingest['seconds']:.1f} s) + uniqueness rule "
        f"({rule:.1f} s) + whole out__ build ({whole:.1f} s): "
        f"**{ingest['seconds'] + rule + whole:.1f} s**, peak "
        f"**{max(ingest['peak_mb'], steps['build']['peak_mb']) / 1024:.2f} GB** (issue 10's "
        "target at 100M: ≤ 60 s, < 4 GB)"
    )
    if "ingest_parquet_pk" in steps:
        pk, plain = steps["ingest_parquet_pk"], steps["ingest_parquet"]
        lines.append(
            f"- ingestion with the primary key / without: {pk['seconds'] / plain['seconds']:.2f}× "
            f"the time, {pk['peak_mb'] / plain['peak_mb']:.2f}× the memory, "
            f"{pk['db_mb'] / plain['db_mb']:.2f}× the file; the uniqueness rule that replaces it "
            f"takes {plain['rule_seconds']:.2f} s per build"
        )
    lines += ["", "Same figures as the out__ tables (rows only in out__ / only in the engine):", ""]
    for engine, checks in run["checks"].items():
        same = all(a == 0 and b == 0 for a, b in checks.values())
        detail = ", ".join(f"{t} {a}/{b}" for t, (a, b) in checks.items())
        lines.append(f"- {engine}: {'identical' if same else 'DIFFERENT'} ({detail})")
    return [*lines, ""]


def _ingest_section(run: dict[str, Any]) -> list[str]:
    lines = [
        "## Ingestion through the entry points",
        "",
        _machine_line(run["machine"]),
        "",
        "`python -m pipeline fetch csv --from <file>` then `python -m pipeline db`, with "
        "`ATLAS_RAW`, `ATLAS_STAGING` and `ATLAS_DB` in a temporary folder; each command in "
        "its own process "
        "(peak = its peak resident memory). The rows are user flow rows (country names, as "
        "users write them). Measures whatever ingestion the checkout has.",
        "",
        "| case | rows | file MB | fetch s | db s | end to end rows/s | fetch peak MB | "
        "db peak MB |",
        "|---|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for case in run["cases"]:
        total = case["fetch_seconds"] + case["db_seconds"]
        lines.append(
            f"| {case['name']} | {case['rows']:,} | {case['file_mb']:,.0f} | "
            f"{case['fetch_seconds']:.1f} | {case['db_seconds']:.1f} | {case['rows'] / total:,.0f} "
            f"| {case['fetch_peak_mb']:,.0f} | {case['db_peak_mb']:,.0f} |"
        )
    rebuild = run.get("rebuild")
    if rebuild and "one_file_fetch_seconds" in rebuild:
        n = rebuild["files"]
        lines += [
            "",
            f"One-file rebuild: {n} files of {rebuild['rows_per_file']:,} rows fetched and "
            f"built, then one more file added: `fetch` (parses the new file only) "
            f"{rebuild['one_file_fetch_seconds']:.1f} s + `db` "
            f"{rebuild['one_file_db_seconds']:.1f} s = {rebuild['one_file_seconds']:.1f} s, "
            f"against {rebuild['full_seconds']:.1f} s for the same {n + 1} files built from "
            f"nothing (staging removed, every file parsed again): "
            f"**{rebuild['one_file_seconds'] / rebuild['full_seconds']:.2f}×**. "
            f"`db` again with nothing changed: {rebuild['nothing_changed_seconds']:.1f} s (no "
            "file parsed; every table built again).",
        ]
    return [*lines, ""]


def _cost(case: dict[str, Any], key: str) -> float:
    """fetch + db less the empty db: what ingesting the files adds."""
    steps = case["steps"]
    return float(steps["fetch"][key] + steps["db"][key] - steps["empty_db"][key])


def _scale_rows(label: str, run: dict[str, Any]) -> list[str]:
    lines = []
    for case in run["cases"]:
        steps = case["steps"]
        base = steps["duckdb"]["output"]
        wall, cpu = _cost(case, "seconds"), _cost(case, "cpu_seconds")
        peak = max(steps[s]["peak_mb"] for s in ("empty_db", "fetch", "db"))
        lines.append(
            f"| {label} | {case['name']} ({case['files']} file{'s' if case['files'] > 1 else ''},"
            f" {case['file_mb']:,.0f} MB) | {steps['empty_db']['seconds']:.1f} / "
            f"{steps['empty_db']['cpu_seconds']:.1f} | {steps['fetch']['seconds']:.1f} / "
            f"{steps['fetch']['cpu_seconds']:.1f} | {steps['db']['seconds']:.1f} / "
            f"{steps['db']['cpu_seconds']:.1f} | {wall:.1f} / {cpu:.1f} | "
            f"{base['query_seconds']:.2f} / {base['query_cpu_seconds']:.2f} | "
            f"**{wall / base['query_seconds']:.1f}×** | {cpu / base['query_cpu_seconds']:.1f}× | "
            f"{_floor_cells(steps, wall, cpu)} | {peak:,.0f} |"
        )
    return lines


def _floor_cells(steps: dict[str, Any], wall: float, cpu: float) -> str:
    """The floor's wall / CPU seconds, the cost over it, and the floor over the yardstick (CPU);
    dashes for runs made before the floor was measured."""
    if "floor" not in steps:
        return "– | – | –"
    floor, base = steps["floor"]["output"], steps["duckdb"]["output"]
    return (
        f"{floor['query_seconds']:.2f} / {floor['query_cpu_seconds']:.2f} | "
        f"{wall / floor['query_seconds']:.1f}× / {cpu / floor['query_cpu_seconds']:.1f}× | "
        f"{floor['query_cpu_seconds'] / base['query_cpu_seconds']:.1f}×"
    )


def _scale_section(runs: dict[str, Any]) -> list[str]:
    lines = [
        "## Ingestion at scale",
        "",
        "`python -m bench.scale` (`SCALE_SIZE=2M,16M`, `SCALE_LABEL=<name>`): in fresh "
        "`ATLAS_RAW`, `ATLAS_STAGING` and `ATLAS_DB` folders, an empty `pipeline db`, then "
        "`pipeline fetch csv --from <files>` and `pipeline db`; cost = fetch + db - empty db. "
        "Yardstick: DuckDB `read_csv` + `group by` of the same files in its own process, the "
        "query timed inside it (bench/duckdb_baseline.py). Files from "
        "bench/realistic_user_csv.sql (distinct keys, English/French/Italian names, ~8 % quoted "
        "lines, ~1 % bad rows; the repeat-heavy file: 99 % exact repeats), 2M rows a file. "
        "Floor: the least the data contract asks of ingestion (a raw copy with its SHA-256, "
        "names resolved, cells checked and typed, usable rows staged as Parquet by year and "
        "rejects apart, every usable row kept with its file and line, flows grouped, both as "
        "tables of a database file, under the build's memory limit and in its storage format), "
        "in DuckDB alone (bench/duckdb_floor.py); runs before `after-5` took the floor without "
        "either. "
        "Seconds are wall / CPU (user + system); peak = the largest peak resident memory of the "
        "three pipeline commands.",
        "",
    ]
    for label, run in runs.items():
        lines += [f"- {label}: {_machine_line(run['machine'])}"]
    lines += [
        "",
        "| run | case | empty db s | fetch s | db s | cost s | DuckDB s | **ratio** | CPU ratio | "
        "floor s | cost ÷ floor (wall / CPU) | floor ÷ DuckDB (CPU) | peak MB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for label, run in runs.items():
        lines += _scale_rows(label, run)
    maps_lines = []
    for label, run in runs.items():
        for case in (run[k] for k in ("maps", "maps_year") if k in run):
            maps_lines.append(f"| {label} | {case['name']} | {_maps_cells(case['steps'])} |")
    if maps_lines:
        lines += [
            "",
            "`pipeline maps` against `pipeline db` (fresh folders), on the shipped data and "
            "with a remote-work-shaped year loaded as a user table; each builds the database "
            "first. `maps` is the first run, which computes the country outlines; `maps again` "
            "finds them kept in data/cache. Runs before print versions were asked for "
            "(`--print`) drew them in `pipeline maps`:",
            "",
            "| run | data | db s (wall / CPU) | maps s (wall / CPU) | **maps ÷ db** | CPU ratio | "
            "maps peak MB | maps again s (wall / CPU), CPU ÷ db | maps --print s (wall / "
            "CPU), CPU ÷ db |",
            "|---|---|---:|---:|---:|---:|---:|---:|---:|",
            *maps_lines,
        ]
    return [*lines, ""]


def _maps_cells(steps: dict[str, Any]) -> str:
    db, maps = steps["db"], steps["maps"]
    return (
        f"{db['seconds']:.1f} / {db['cpu_seconds']:.1f} | "
        f"{maps['seconds']:.1f} / {maps['cpu_seconds']:.1f} | "
        f"**{maps['seconds'] / db['seconds']:.1f}×** | "
        f"{maps['cpu_seconds'] / db['cpu_seconds']:.1f}× | "
        f"{maps['peak_mb']:,.0f} | {_step_cell(steps, 'maps_again')} | {_step_cell(steps, 'print')}"
    )


def _step_cell(steps: dict[str, Any], step: str) -> str:
    """A step's wall / CPU seconds and its CPU time over the build's ("–" if not run)."""
    if step not in steps:
        return "–"
    done, db = steps[step], steps["db"]
    ratio = done["cpu_seconds"] / db["cpu_seconds"]
    return f"{done['seconds']:.1f} / {done['cpu_seconds']:.1f}, {ratio:.1f}×"


def write(stored: dict[str, Any], path: Path) -> None:
    lines = [
        "# Benchmark results",
        "",
        "Written by `make bench` (`python -m bench`, `python -m bench.ingest`, "
        "`python -m bench.scale`) from `bench/results.json`; bench/README.md says what each "
        "step does. Synthetic data only "
        "(source_id `synthetic_bench`), built in temporary folders.",
        "",
    ]
    if stored.get("notes"):
        lines += ["## Notes", ""]
        lines += [f"- {note}" for note in stored["notes"]]
        lines.append("")
    sizes = stored.get("sizes", {})
    for label in sorted(sizes, key=lambda s: sizes[s]["rows"]):
        lines += _size_section(label, sizes[label])
    if "ingest" in stored:
        lines += _ingest_section(stored["ingest"])
    if "scale" in stored:
        lines += _scale_section(stored["scale"])
    path.write_text("\n".join(lines).rstrip() + "\n", encoding="utf-8")
