"""Spark gives the figures DuckDB gives: the core__ tables built from the staged Parquet and the
out__ tables from them, the SQL transpiled by sqlglot with its macros inlined, run by pyspark in
local mode on the shipped data plus the source fixtures."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import os
import shutil
import sys
from collections.abc import Iterator
from pathlib import Path

import duckdb
import pytest
from conftest import FIXTURES, OLI_FIXTURES, REMOTEWORK_FIXTURES

from bench import tablediff
from pipeline.build.run import build_database
from pipeline.build.sqlfiles import model_files
from pipeline.commands.fetch import run_fetch
from pipeline.sources import open_store
from pipeline.util.paths import SQL_DIR


def _missing() -> str | None:
    for module in ("pyspark", "sqlglot"):
        if importlib.util.find_spec(module) is None:
            return f"{module} is not installed (pip install -e '.[spark]')"
    if shutil.which("java") is None:
        return "java is not installed (Debian: apt-get install default-jre-headless)"
    return None


MISSING = _missing()
# Skipped without pyspark or Java, except where ATLAS_REQUIRE_SPARK=1 (CI) makes that an error.
if MISSING and os.environ.get("ATLAS_REQUIRE_SPARK") == "1":
    raise RuntimeError(f"ATLAS_REQUIRE_SPARK=1 but {MISSING}")

pytestmark = [
    pytest.mark.spark,
    pytest.mark.skipif(MISSING is not None, reason=MISSING or ""),
]

COMPARED = (
    "core__tasks",
    "core__tallies",
    "core__claims",
    "core__rejects",
    "out__marginal_pairs",
    "out__flows",
    "out__flows_by_direction",
    "out__country_balance",
    "out__country_shares",
    "out__estimate_check",
    "out__estimate_cut_check",
    "out__estimate_summary",
    "out__claims_check",
)


def _fixture_atlas(root: Path) -> Path:
    """The shipped data plus every source fixture, imported as a user would, built in a
    staging folder that also holds files this build leaves out: the staged rows of an older
    version of the user's table (built once, then replaced under its name) and of two employer
    deposits quarantined because together they give 2017 shares of 200 %. A raw file edited
    after it was stored is quarantined by the loader; an extract of the employer deposit gives
    none of its days twice."""
    quiet = lambda _: None  # noqa: E731
    raw, staging, given = root / "raw", root / "staging", root / "given"
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ATLAS_RAW", str(raw))
        assert run_fetch("remotework", REMOTEWORK_FIXTURES, None, out=quiet) == 0
        oli = given / "oli"
        oli.mkdir(parents=True)
        shutil.copy(OLI_FIXTURES / "worker_countrydata_2017-07-05.txt", oli)
        # one employer month: a year with one pair of marginals (as in test_fetch)
        lines = (OLI_FIXTURES / "bcountrydata_2016-07-10.txt").read_text().splitlines()
        june = [line for line in lines[1:] if line.startswith("2016-06")]
        (oli / "bcountrydata_2016-07-10.txt").write_text("\n".join([lines[0], *june]) + "\n")
        # an extract of the deposit's first rows: its days are the deposit's, so its rows are
        # superseded (sql/int/int__oli_rows_ranked.sql)
        (oli / "bcountrydata_extract.txt").write_text("\n".join([lines[0], *june[:3]]) + "\n")
        assert run_fetch("oli", oli, None, out=quiet) == 0
        assert run_fetch("freelancer", FIXTURES / "freelancer", None, out=quiet) == 0
        assert run_fetch("shares", FIXTURES / "shares" / "oli_2016.csv", None, out=quiet) == 0
        assert run_fetch("shares", FIXTURES / "shares" / "bad_rows.csv", None, out=quiet) == 0
        older = given / "older" / "flows.csv"
        older.parent.mkdir()
        older.write_text(
            (FIXTURES / "csv" / "flows.csv").read_text().replace(",120,", ",900,"), "utf-8"
        )
        assert run_fetch("csv", older, None, out=quiet) == 0
        build_database(root / "first.duckdb", raw_root=raw, staging_root=staging)
        assert run_fetch("csv", FIXTURES / "csv" / "flows.csv", None, out=quiet) == 0
        edited = given / "edited.csv"
        edited.write_text("buyer_country,seller_country,count,year\nUS,IN,7,2021\n", "utf-8")
        assert run_fetch("csv", edited, None, out=quiet) == 0
    stored = next(p for p in open_store("csv", raw).loaded_files() if p.name == "edited.csv")
    stored.write_text(stored.read_text().replace("7", "9"))
    # names that do not mark them as versions of one deposit, so both load
    store = open_store("oli", root=raw, day=dt.date(2026, 1, 1))
    for name, count in (("reissued_bcountrydata_2017.txt", 40), ("copy_bcountrydata_2017.txt", 41)):
        (given / name).write_text(
            f"{lines[0]}\n2017-03-01,United States,United States,Writing and translation,{count}\n"
            "2017-03-01,India,India,Writing and translation,10\n"
        )
        store.save_file(given / name)
    report = build_database(root / "atlas.duckdb", raw_root=raw, staging_root=staging)
    return report.db_path


@contextlib.contextmanager
def _without_module_mocks() -> Iterator[None]:
    """colour-science (imported by the map tests) puts a mock in sys.modules for scipy when scipy
    is not installed; pyspark calls importlib.util.find_spec on optional packages when a session
    starts, which raises on a module without __spec__. The mocks are set aside meanwhile."""
    mocked = {
        name: module
        for name, module in list(sys.modules.items())
        if getattr(module, "__spec__", None) is None
        and "." not in name
        and name != "__main__"
        and type(module).__module__.startswith("unittest.mock")
    }
    for name in mocked:
        del sys.modules[name]
    try:
        yield
    finally:
        sys.modules.update(mocked)


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[Path, Path]]:
    """(DuckDB database, folder of the Spark-built tables): one Spark session per test run."""
    from pipeline.spark.plan import load_plan
    from pipeline.spark.run import build, export_inputs, session

    root = tmp_path_factory.mktemp("spark")
    db = _fixture_atlas(root)
    plan = load_plan()
    export_inputs(db, plan, root / "inputs")
    with _without_module_mocks():
        spark = session("local[2]")
        try:
            build(spark, plan, str(root / "inputs"), str(root / "out"), str(root / "staging"))
        finally:
            spark.stop()
    yield db, root / "out"


def _compare(con: duckdb.DuckDBPyConnection, table: str, spark_rows: str) -> tuple[int, int]:
    described = con.execute(f"describe {table}").fetchall()
    columns = [name for name, *_ in described]
    doubles = {name: 9 for name, kind, *_ in described if kind == "DOUBLE"}
    return tablediff.differences(con, table, spark_rows, columns, doubles)


def test_the_fixtures_reach_every_branch_of_out_flows(built: tuple[Path, Path]) -> None:
    db, _ = built
    con = duckdb.connect(str(db), read_only=True)
    kinds = con.execute(
        "select source_id, method, count(*) from out__flows group by all order by all"
    ).fetchall()
    con.close()
    by_source = {(source, method) for source, method, _ in kinds}
    # tasks (freelancer), published pairs (remotework, csv), estimates (oli, curated shares)
    assert {("freelancer", "observed"), ("remotework", "observed"), ("oli", "estimated")} <= (
        by_source
    )


def test_the_staging_folder_holds_files_the_build_left_out(built: tuple[Path, Path]) -> None:
    db, _ = built
    staging = db.parent / "staging"
    con = duckdb.connect(str(db), read_only=True)
    listed = {path for (path,) in con.execute("select path from int__staged_files").fetchall()}
    left_out = con.execute(
        "select location, reason from core__rejects where reason like '%quarantined: %' "
        "order by all"
    ).fetchall()
    con.close()
    on_disk = {p.relative_to(staging).as_posix() for p in staging.rglob("*.parquet")}
    assert listed < on_disk
    unlisted = {path.rsplit("/", 1)[0] for path in on_disk - listed}
    # the older version of flows.csv: its rows and rejects; the two quarantined deposits' rows
    assert unlisted == {
        "csv_rows/source_id=csv/year=2019",
        "csv_rows/source_id=csv/year=2020",
        "rejects/source_id=csv",
        "oli_rows/source_id=oli/year=2017",
    }
    assert [(Path(location).name, reason.split(":")[0]) for location, reason in left_out] == [
        ("edited.csv", "raw file quarantined"),
        ("copy_bcountrydata_2017.txt", "file quarantined"),
        ("reissued_bcountrydata_2017.txt", "file quarantined"),
    ]


def test_spark_rejects_name_what_the_loader_left_out(built: tuple[Path, Path]) -> None:
    _, out = built
    rows = duckdb.execute(
        f"select source_id, location, reason from read_parquet('{out / 'core__rejects'}/*.parquet')"
        " where reason like '%quarantined: %' order by all"
    ).fetchall()
    assert [(source, Path(location).name) for source, location, _ in rows] == [
        ("csv", "edited.csv"),
        ("oli", "copy_bcountrydata_2017.txt"),
        ("oli", "reissued_bcountrydata_2017.txt"),
    ]


def test_both_engines_take_the_extracts_days_from_the_deposit(built: tuple[Path, Path]) -> None:
    db, out = built
    query = (
        "select location, reason from {} where source_id = 'oli' "
        "and reason like 'superseded by %' order by all"
    )
    con = duckdb.connect(str(db), read_only=True)
    in_duckdb = con.execute(query.format("core__rejects")).fetchall()
    con.close()
    in_spark = duckdb.execute(
        query.format(f"read_parquet('{out / 'core__rejects'}/*.parquet')")
    ).fetchall()
    reason = "superseded by bcountrydata_2016-07-10.txt: the same day of the bcountrydata series"
    # the extract's three rows, all of 2016-06-01, a day the deposit gives
    expected = [(f"bcountrydata_extract.txt:{line}", reason) for line in (2, 3, 4)]
    assert in_duckdb == in_spark == expected


def test_a_staging_folder_without_a_file_of_the_build_is_refused(
    built: tuple[Path, Path], tmp_path: Path
) -> None:
    from pipeline.spark.run import StagingMismatch, check_staged_files, staged_file_lists

    db, _ = built
    con = duckdb.connect(str(db), read_only=True)
    files = staged_file_lists(
        con.execute("select staged_table, path from int__staged_files").fetchall()
    )
    con.close()
    check_staged_files(str(db.parent / "staging"), files)
    partial = tmp_path / "staging"
    shutil.copytree(db.parent / "staging", partial)
    gone = files["oli_rows"][0]
    (partial / gone).unlink()
    with pytest.raises(StagingMismatch, match=f"lacks 1 staged file.*{gone}"):
        check_staged_files(str(partial), files)


@pytest.mark.parametrize("table", COMPARED)
def test_spark_gives_the_duckdb_figures(built: tuple[Path, Path], table: str) -> None:
    db, out = built
    con = duckdb.connect(str(db), read_only=True)
    spark_rows = f"read_parquet('{out / table}/*.parquet')"
    rows = con.execute(f"select count(*) from {spark_rows}").fetchone()
    assert rows is not None and rows[0] > 0
    assert _compare(con, table, spark_rows) == (0, 0)
    con.close()


def test_the_comparison_sees_one_changed_figure(built: tuple[Path, Path]) -> None:
    db, out = built
    con = duckdb.connect(str(db), read_only=True)
    changed = (
        f"(select * replace (case when source_id = 'freelancer' and buyer_country_code = 'USA' "
        f"then tasks + 1 else tasks end as tasks) "
        f"from read_parquet('{out / 'out__flows'}/*.parquet'))"
    )
    assert _compare(con, "out__flows", changed) == (1, 1)
    con.close()


def test_macros_are_inlined_for_spark() -> None:
    from pipeline.spark.transpile import read_macros, to_spark

    macros = read_macros([SQL_DIR / "macros.sql"])
    sql = to_spark((SQL_DIR / "out" / "out__flows_by_direction.sql").read_text(), macros)
    assert "work_direction(" not in sql.lower()
    assert "'south_to_north'" in sql


def test_a_macro_called_with_the_wrong_arity_is_refused() -> None:
    from pipeline.spark.transpile import TranspileError, read_macros, to_spark

    macros = read_macros([SQL_DIR / "macros.sql"])
    with pytest.raises(TranspileError, match="takes 2 arguments"):
        to_spark("select work_direction(true) as d", macros)


def test_named_windows_are_written_out_for_spark() -> None:
    from pipeline.spark.transpile import to_spark

    sql = to_spark(
        "select rank() over (side order by a desc) as r, count(*) over side as n "
        "from t window side as (partition by x)",
        {},
    )
    assert "RANK() OVER (PARTITION BY x ORDER BY a DESC)" in sql
    assert "COUNT(*) OVER (PARTITION BY x)" in sql
    assert "WINDOW" not in sql


def test_every_core_and_out_table_is_compared() -> None:
    built_by_sql = {name for layer in ("core", "out") for name in model_files(SQL_DIR, layer)}
    assert built_by_sql == set(COMPARED)


def test_the_plan_runs_the_int_models_before_the_core_models_that_read_them() -> None:
    from pipeline.spark.plan import load_plan

    plan = load_plan()
    order = [path.stem for path in plan.model_files]
    assert set(order) == {*model_files(SQL_DIR, "int"), *COMPARED}
    # each int__ model before every model that reads it
    files, shared = order.index("int__user_files"), order.index("int__user_shared_keys")
    ranked = order.index("int__user_rows_ranked")
    assert files < shared < ranked < order.index("core__tallies")
    assert shared < order.index("core__rejects") and files < order.index("core__rejects")
    assert set(plan.outputs) == set(COMPARED)  # the int__ models stay views
