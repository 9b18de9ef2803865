"""The built database opens in the DuckDB clients researchers have, not only in the DuckDB 2 the
pipeline runs: the newest 1.x Python package and command-line tool, and the oldest Python
package the README names (1.1.0), each installed from PyPI into an environment of its own."""

from __future__ import annotations

import csv
import json
import subprocess
from pathlib import Path

import duckdb
import pytest
from venvs import cached_env, python_of

from pipeline.build.run import BuildReport
from pipeline.util import paths

pytestmark = pytest.mark.pypi

# Every table's row count, and the direction shares, as the client reads them.
READ_ALL = r"""
import json, sys
import duckdb
con = duckdb.connect(sys.argv[1], read_only=True)
tables = [r[0] for r in con.execute(
    "select table_name from information_schema.tables where table_type = 'BASE TABLE'"
).fetchall()]
print(json.dumps({
    "version": duckdb.__version__,
    "counts": {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables},
    "directions": con.execute(
        "select scheme, source_id, year, direction, share_pct from out__flows_by_direction "
        "order by all").fetchall(),
    "macro": con.execute("select work_direction(false, true)").fetchone()[0],
}))
"""


def read_with(python: Path, db: Path) -> dict:
    done = subprocess.run(
        [str(python), "-c", READ_ALL, str(db)], capture_output=True, text=True, timeout=300
    )
    assert done.returncode == 0, done.stderr[-3000:]
    return json.loads(done.stdout)


def read_here(db: Path) -> dict:
    con = duckdb.connect(str(db), read_only=True)
    tables = [
        r[0]
        for r in con.execute(
            "select table_name from information_schema.tables where table_type = 'BASE TABLE'"
        ).fetchall()
    ]
    counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in tables}
    directions = con.execute(
        "select scheme, source_id, year, direction, share_pct from out__flows_by_direction "
        "order by all"
    ).fetchall()
    con.close()
    return {"counts": counts, "directions": [list(r) for r in directions]}


def countries_shipped() -> int:
    with (paths.reference_dir() / "countries.csv").open(encoding="utf-8") as f:
        return sum(1 for _ in csv.DictReader(f))


@pytest.mark.parametrize("requirement", ["duckdb<2", "duckdb==1.1.0"])
def test_a_duckdb_1_python_client_reads_every_table(
    shipped_build: BuildReport, requirement: str
) -> None:
    env = cached_env([requirement])
    seen = read_with(python_of(env), shipped_build.db_path)
    assert seen["version"].startswith("1.")
    if requirement == "duckdb==1.1.0":
        assert seen["version"] == "1.1.0"
    expected = read_here(shipped_build.db_path)
    assert seen["counts"] == expected["counts"]
    assert seen["directions"] == expected["directions"]
    # one row per country of the shipped reference table, whoever reads it
    assert seen["counts"]["core__countries"] == countries_shipped()
    # the macro stored in the database runs there too: the seller in the South, the buyer in
    # the North is work going South -> North
    assert seen["macro"] == "south_to_north"


def test_the_duckdb_1_command_line_tool_reads_the_database(shipped_build: BuildReport) -> None:
    env = cached_env(["duckdb-cli<2"])
    done = subprocess.run(
        [
            str(env / "bin" / "duckdb"),
            "-readonly",
            "-csv",
            str(shipped_build.db_path),
            "select version() as version, count(*) as countries from core__countries",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    [row] = list(csv.DictReader(done.stdout.splitlines()))
    assert row["version"].startswith("v1.")
    assert int(row["countries"]) == countries_shipped()
