"""Rebuilding the same raw data gives the same tables, row for row and to the last bit.

The shipped data and every source fixture, plus a user table of 20,000 flows (whole counts, as
the csv source takes them) over 8 years and 3 platforms: enough countries that each year's
estimate check has about 60,000 cells, and enough rows that DuckDB adds them on several threads,
in an order that changes from one run to the next. Any sum of doubles in the SQL then shows in
the last digits.
"""

from __future__ import annotations

import csv
import shutil
from pathlib import Path

import duckdb
import numpy as np
import pytest
from conftest import FIXTURES, OLI_FIXTURES, REMOTEWORK_FIXTURES

from pipeline.build.run import build_database
from pipeline.commands.fetch import run_fetch
from pipeline.util import paths

ROWS = 20_000
YEARS = range(2013, 2021)
PLATFORMS = ("alpha", "beta", "gamma")


def write_user_table(path: Path, rows: int, seed: int = 7) -> None:
    """Distinct flow keys (buyer, seller, year, platform), countries by their English names,
    whole counts of projects (the estimates made from them are fractional)."""
    with (paths.reference_dir() / "countries.csv").open(encoding="utf-8", newline="") as f:
        names = [row["name"] for row in csv.DictReader(f)]
    rng = np.random.default_rng(seed)
    shape = (len(names), len(names), len(YEARS), len(PLATFORMS))
    keys = rng.choice(int(np.prod(shape)), size=rows, replace=False)
    buyer, seller, year, platform = np.unravel_index(keys, shape)
    counts = np.round(rng.gamma(1.0, 20.0, size=rows)) + 1
    with path.open("w", encoding="utf-8", newline="") as f:
        out = csv.writer(f)
        out.writerow(["buyer_country", "seller_country", "count", "year", "platform"])
        for b, s, y, p, c in zip(buyer, seller, year, platform, counts, strict=True):
            out.writerow([names[b], names[s], f"{c:.0f}", YEARS[y], PLATFORMS[p]])


@pytest.fixture(scope="module")
def two_builds(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path]:
    root = tmp_path_factory.mktemp("rebuild")
    quiet = lambda _: None  # noqa: E731
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ATLAS_RAW", str(root / "raw"))
        assert run_fetch("remotework", REMOTEWORK_FIXTURES, None, out=quiet) == 0
        assert run_fetch("oli", OLI_FIXTURES, None, out=quiet) == 0
        assert run_fetch("freelancer", FIXTURES / "freelancer", None, out=quiet) == 0
        assert run_fetch("csv", FIXTURES / "csv" / "flows.csv", None, out=quiet) == 0
        table = root / "synthetic_flows.csv"
        write_user_table(table, ROWS)
        assert run_fetch("csv", table, None, out=quiet) == 0
    builds = []
    for name in ("first.duckdb", "second.duckdb"):
        report = build_database(root / name, raw_root=root / "raw", staging_root=root / "staging")
        builds.append(report.db_path)
    yield builds[0], builds[1]
    shutil.rmtree(root, ignore_errors=True)


def test_two_builds_of_the_same_data_are_identical(two_builds: tuple[Path, Path]) -> None:
    first, second = two_builds
    con = duckdb.connect()
    con.execute(f"attach '{first}' as first (read_only)")
    con.execute(f"attach '{second}' as second (read_only)")
    tables = [
        name
        for (name,) in con.execute(
            "select table_name from duckdb_tables() where database_name = 'first' "
            "and regexp_matches(table_name, '^(core|int|out)__') order by all"
        ).fetchall()
    ]
    assert {"out__estimate_check", "out__country_shares", "int__estimate_check_cells"} <= set(
        tables
    )
    differing = {}
    for table in tables:
        rows = con.execute(f"select count(*) from first.{table}").fetchone()
        only_first = con.execute(
            f"select count(*) from (from first.{table} except all from second.{table})"
        ).fetchone()
        only_second = con.execute(
            f"select count(*) from (from second.{table} except all from first.{table})"
        ).fetchone()
        assert rows and only_first and only_second
        if only_first[0] or only_second[0]:
            differing[table] = (rows[0], only_first[0], only_second[0])
    assert differing == {}
    # the input reaches the tables whose sums used to differ
    checked = con.execute(
        "select count(*) from first.out__estimate_check where source_id = 'csv'"
    ).fetchone()
    cells = con.execute("select count(*) from first.int__estimate_check_cells").fetchone()
    assert checked and checked[0] == 160
    assert cells and cells[0] > 500_000
