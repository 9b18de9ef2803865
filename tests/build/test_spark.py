"""Spark gives the figures DuckDB gives, starting from the raw files alone: the executors parse
them with the sources' parsers into staged Parquet, the core__ and out__ tables are built by the
SQL transpiled by sqlglot with its macros inlined, run by pyspark in local mode on the shipped
data plus the source fixtures; the DuckDB build (make db) of the same raw files, in a folder of
its own, is the reference."""

from __future__ import annotations

import contextlib
import datetime as dt
import importlib.util
import os
import shutil
import sys
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import duckdb
import pytest
from conftest import FIXTURES, OLI_FIXTURES, REMOTEWORK_FIXTURES

from bench import tablediff
from pipeline.build.run import build_database
from pipeline.build.sqlfiles import model_files
from pipeline.commands.fetch import run_fetch
from pipeline.sources import open_store
from pipeline.spark.run import SparkReport
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


def _raw_files(root: Path) -> Path:
    """The raw store of the test, imported as a user would: every source fixture, an older
    version of the user's table (imported, then replaced under its name: only the newer is
    current), two employer deposits that together give 2017 shares of 200 % (a rule of
    sql/tests quarantines both), a file edited after it was stored (the loader quarantines it)
    and an extract of the employer deposit that gives none of its days twice. flows.csv has
    one bad row of each kind (tests/fixtures/csv/README.md)."""
    quiet = lambda _: None  # noqa: E731
    raw, given = root / "raw", root / "given"
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
    shutil.rmtree(given)
    return raw


def _duckdb_build(raw: Path, root: Path) -> Path:
    """`make db` of the same raw files (a quarantined file's path is part of its reject), its
    staging and database in a folder of their own."""
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ATLAS_RAW", str(raw))
        env.setenv("ATLAS_STAGING", str(root / "staging"))
        env.setenv("ATLAS_DB", str(root / "atlas.duckdb"))
        return build_database().db_path


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


@dataclass(frozen=True)
class Built:
    db: Path  # the DuckDB build's database
    spark: Path  # the folder of the Spark build: raw/, staging/, out/
    report: SparkReport


@pytest.fixture(scope="module")
def built(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Built]:
    """Spark's build from a folder holding only raw files (one session, local[2]), and the
    DuckDB build of the same raw files."""
    from pipeline.spark.plan import load_plan
    from pipeline.spark.run import build, session

    root = tmp_path_factory.mktemp("spark")
    raw = _raw_files(root)
    assert sorted(p.name for p in root.iterdir()) == ["raw"]
    with _without_module_mocks(), pytest.MonkeyPatch.context() as env:
        env.setenv("ATLAS_RAW", str(raw))
        env.setenv("ATLAS_DB", str(root / "no.duckdb"))
        spark = session("local[2]")
        try:
            report = build(
                spark,
                load_plan(),
                staging_location=str(root / "staging"),
                output=str(root / "out"),
                say=print,
            )
        finally:
            spark.stop()
    # no database was read or made
    assert not list(root.rglob("*.duckdb"))
    yield Built(_duckdb_build(raw, tmp_path_factory.mktemp("duckdb")), root, report)


def _compare(con: duckdb.DuckDBPyConnection, table: str, spark_rows: str) -> tuple[int, int]:
    described = con.execute(f"describe {table}").fetchall()
    columns = [name for name, *_ in described]
    doubles = {name: 9 for name, kind, *_ in described if kind == "DOUBLE"}
    return tablediff.differences(con, table, spark_rows, columns, doubles)


def _spark_table(built: Built, table: str) -> str:
    return f"read_parquet('{built.spark / 'out' / table}/*.parquet')"


def test_the_fixtures_reach_every_branch_of_out_flows(built: Built) -> None:
    kinds = duckdb.execute(
        f"select distinct source_id, method from {_spark_table(built, 'out__flows')}"
    ).fetchall()
    # tasks (freelancer), published pairs (remotework, csv), estimates (oli)
    assert {
        ("freelancer", "observed"),
        ("remotework", "observed"),
        ("csv", "observed"),
        ("oli", "estimated"),
    } <= set(kinds)


def test_the_executors_staged_the_bad_rows_of_the_users_table(built: Built) -> None:
    # one bad row of each kind in tests/fixtures/csv/flows.csv (its README): lines 7 to 10;
    # the raw store keeps it as flows.1.csv, the second file imported under that name
    staged = built.spark / "staging" / "rejects" / "source_id=csv"
    rows = duckdb.execute(
        f"select raw_file, location, field, value from read_parquet('{staged}/*.parquet') "
        "order by location"
    ).fetchall()
    assert rows == [
        ("flows.1.csv", "flows.1.csv:10", "occupation", "cooking"),
        ("flows.1.csv", "flows.1.csv:7", "buyer_country", "Atlantis"),
        ("flows.1.csv", "flows.1.csv:8", "year", "20x0"),
        ("flows.1.csv", "flows.1.csv:9", "count", "-2"),
    ]


def test_spark_stages_each_table_in_hive_folders_as_duckdb_does(built: Built) -> None:
    staging = built.spark / "staging"
    folders = {
        p.parent.relative_to(staging).as_posix()
        for p in staging.rglob("*.parquet")
        if p.parent.name != staging.name
    }
    # the current flows.csv (stored as flows.1.csv, the second import of that name) has rows
    # of 2019 and 2020 (the older version is not parsed);
    # the remote-work fixture is of 2015; rejects have no year
    assert {
        "csv_rows/source_id=csv/year=2019",
        "csv_rows/source_id=csv/year=2020",
        "remotework_rows/source_id=remotework/year=2015",
        "rejects/source_id=csv",
    } <= folders
    # edited.csv fails its manifest check: the driver never hands it to an executor
    parsed = duckdb.execute(
        f"select distinct raw_file from read_parquet('{staging}/csv_rows/*/*/*.parquet') "
        "order by all"
    ).fetchall()
    assert parsed == [("flows.1.csv",)]


def test_the_user_table_is_read_in_its_current_version_only(built: Built) -> None:
    # the older version said 900 where the current one says 120 (United States -> India)
    counts = duckdb.execute(
        f"select tasks from {_spark_table(built, 'out__flows')} where source_id = 'csv' "
        "and buyer_country_code = 'USA' and seller_country_code = 'IND'"
    ).fetchall()
    assert counts == [(120.0,)]


def test_the_report_counts_what_the_executors_parsed(built: Built) -> None:
    report = built.report
    assert report.records_in == report.records_ok + report.records_rejected
    # the two deposits that together give 200 %, named by sql/tests
    assert sorted(name for _, name in report.quarantined) == [
        "copy_bcountrydata_2017.txt",
        "reissued_bcountrydata_2017.txt",
    ]


def test_spark_rejects_name_what_the_loader_left_out(built: Built) -> None:
    rows = duckdb.execute(
        f"select source_id, location, reason from {_spark_table(built, 'core__rejects')}"
        " where reason like '%quarantined: %' order by all"
    ).fetchall()
    assert [(source, Path(location).name) for source, location, _ in rows] == [
        ("csv", "edited.csv"),
        ("oli", "copy_bcountrydata_2017.txt"),
        ("oli", "reissued_bcountrydata_2017.txt"),
    ]


def test_both_engines_take_the_extracts_days_from_the_deposit(built: Built) -> None:
    query = (
        "select location, reason from {} where source_id = 'oli' "
        "and reason like 'superseded by %' order by all"
    )
    con = duckdb.connect(str(built.db), read_only=True)
    in_duckdb = con.execute(query.format("core__rejects")).fetchall()
    con.close()
    in_spark = duckdb.execute(query.format(_spark_table(built, "core__rejects"))).fetchall()
    reason = "superseded by bcountrydata_2016-07-10.txt: the same day of the bcountrydata series"
    # the extract's three rows, all of 2016-06-01, a day the deposit gives
    expected = [(f"bcountrydata_extract.txt:{line}", reason) for line in (2, 3, 4)]
    assert in_duckdb == in_spark == expected


@pytest.mark.parametrize("table", COMPARED)
def test_spark_gives_the_duckdb_figures(built: Built, table: str) -> None:
    con = duckdb.connect(str(built.db), read_only=True)
    spark_rows = _spark_table(built, table)
    rows = con.execute(f"select count(*) from {spark_rows}").fetchone()
    assert rows is not None and rows[0] > 0
    assert _compare(con, table, spark_rows) == (0, 0)
    con.close()


def test_the_comparison_sees_one_changed_figure(built: Built) -> None:
    con = duckdb.connect(str(built.db), read_only=True)
    changed = (
        f"(select * replace (case when source_id = 'freelancer' and buyer_country_code = 'USA' "
        f"then tasks + 1 else tasks end as tasks) from {_spark_table(built, 'out__flows')})"
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


def test_the_models_that_read_the_estimate_run_after_it() -> None:
    from pipeline.spark.plan import load_plan
    from pipeline.spark.run import _around_the_estimate

    before, after = _around_the_estimate(load_plan().model_files)
    first, then = {p.stem for p in before}, {p.stem for p in after}
    # the estimate reads the marginal pairs and the core__ tables; out__flows and the checks
    # read the fitted tables
    assert {"out__marginal_pairs", "core__tallies", "core__tasks"} <= first
    assert {"out__flows", "out__estimate_check", "out__estimate_summary"} <= then


def test_atlas_spark_hands_its_options_to_the_spark_build(monkeypatch: pytest.MonkeyPatch) -> None:
    import pipeline.spark.__main__ as spark_main
    from pipeline import cli

    seen: list[list[str] | None] = []
    monkeypatch.setattr(spark_main, "main", lambda argv: seen.append(argv) or 0)
    assert cli.main(["spark", "--raw", "/data/raw", "--out", "s3a://bucket/out"]) == 0
    # --staging and --master not given: the build's own defaults apply
    assert seen == [["--raw", "/data/raw", "--out", "s3a://bucket/out"]]
