"""Staging: each raw file is parsed once, and again only when it (or its parser) changes;
the staged Parquet is hive-partitioned by source and year."""

from __future__ import annotations

import datetime as dt
import shutil
from pathlib import Path

import duckdb
from conftest import REMOTEWORK_FIXTURES

from pipeline.build.run import build_database
from pipeline.sources import open_store

FIXTURES = Path(__file__).parents[1] / "fixtures"


def build(tmp_path: Path, name: str):
    return build_database(
        tmp_path / f"{name}.duckdb", raw_root=tmp_path / "raw", staging_root=tmp_path / "staging"
    )


def summary(report, source_id: str):
    return next(s for s in report.sources if s.source_id == source_id)


def test_adding_one_raw_file_parses_only_that_file(tmp_path: Path) -> None:
    store = open_store("csv", root=tmp_path / "raw", day=dt.date(2026, 1, 1))
    store.save_file(FIXTURES / "csv" / "flows.csv")
    first = build(tmp_path, "first")
    assert (summary(first, "csv").files, summary(first, "csv").files_parsed) == (1, 1)
    assert all(s.files_parsed == 1 for s in first.sources)

    again = build(tmp_path, "again")
    assert [s.files_parsed for s in again.sources] == [0] * len(again.sources)
    assert "unchanged since the last build" in summary(again, "csv").line()

    extra = tmp_path / "more.csv"
    extra.write_text("buyer_country,seller_country,count,year\nUS,IN,7,2021\n", encoding="utf-8")
    store.save_file(extra)
    third = build(tmp_path, "third")
    assert (summary(third, "csv").files, summary(third, "csv").files_parsed) == (2, 1)
    assert sum(s.files_parsed for s in third.sources) == 1
    con = duckdb.connect(str(third.db_path), read_only=True)
    assert con.execute(
        "select sum(amount) from core__tallies where source_id = 'csv'"
    ).fetchall() == [(120 + 40 + 35 + 10 + 7 + 7,)]
    con.close()
    assert [name for name, _, _ in third.stages] == ["reference", "parse", "core", "out"]


def test_staged_files_are_partitioned_by_source_and_year(tmp_path: Path) -> None:
    store = open_store("remotework", root=tmp_path / "raw", day=dt.date(2026, 1, 1))
    store.save_file(REMOTEWORK_FIXTURES / "olm_network_data_2015.csv")
    build(tmp_path, "atlas")
    staged = sorted(
        p.relative_to(tmp_path / "staging").parent.as_posix()
        for p in (tmp_path / "staging").rglob("*.parquet")
    )
    assert "remotework_rows/source_id=remotework/year=2015" in staged
    assert "rejects/source_id=remotework" in staged
    assert "curated_tallies/source_id=curated_oli_shares/year=2016" in staged
    rows = duckdb.sql(
        f"select count(*), min(year), min(source_id) from read_parquet("
        f"'{tmp_path}/staging/remotework_rows/**/*.parquet', hive_partitioning = true)"
    ).fetchall()
    assert rows == [(36, 2015, "remotework")]


def test_a_removed_raw_file_leaves_the_build(tmp_path: Path) -> None:
    store = open_store("csv", root=tmp_path / "raw", day=dt.date(2026, 1, 1))
    saved = store.save_file(FIXTURES / "csv" / "flows.csv")
    build(tmp_path, "first")
    shutil.rmtree(saved.parent)
    report = build(tmp_path, "second")
    assert "csv" not in {s.source_id for s in report.sources}
    con = duckdb.connect(str(report.db_path), read_only=True)
    assert con.execute("select count(*) from core__tallies where source_id = 'csv'").fetchall() == [
        (0,)
    ]
    con.close()


def test_an_unreadable_file_is_quarantined_and_the_build_goes_on(tmp_path: Path) -> None:
    store = open_store("csv", root=tmp_path / "raw", day=dt.date(2026, 1, 1))
    store.save_file(FIXTURES / "csv" / "flows.csv")
    broken = tmp_path / "broken.csv"
    broken.write_bytes(b"\x00\x01 not a table at all")
    store.save_file(broken)
    report = build(tmp_path, "atlas")
    line = summary(report, "csv").line()
    assert "quarantined (nothing usable; see core__rejects): broken.csv" in line
    con = duckdb.connect(str(report.db_path), read_only=True)
    assert con.execute(
        "select count(*) from core__rejects where location like 'broken.csv%'"
    ).fetchall() == [(1,)]
    assert con.execute("select count(*) from core__tallies where source_id = 'csv'").fetchall() == [
        (5,)
    ]
    con.close()


def test_a_file_whose_rows_break_a_rule_is_quarantined_and_the_rest_loads(
    tmp_path: Path,
) -> None:
    from conftest import OLI_FIXTURES

    # a re-issued deposit saved beside the old one under a name that does not mark it as a
    # version of it (so both load): employer shares of the same days add up to 200 %
    store = open_store("oli", root=tmp_path / "raw", day=dt.date(2026, 1, 1))
    old = OLI_FIXTURES / "bcountrydata_2016-07-10.txt"
    store.save_file(old)
    reissued = tmp_path / "reissued_bcountrydata_2016-08-01.txt"
    reissued.write_text(old.read_text(encoding="utf-8").replace(",40\n", ",41\n"), "utf-8")
    store.save_file(reissued)
    open_store("csv", root=tmp_path / "raw", day=dt.date(2026, 1, 1)).save_file(
        FIXTURES / "csv" / "flows.csv"
    )
    report = build(tmp_path, "atlas")
    line = summary(report, "oli").line()
    rule = "sql/tests/core__tallies__shares_at_most_100.sql"
    assert f"bcountrydata_2016-07-10.txt (its rows break {rule})" in line
    assert f"reissued_bcountrydata_2016-08-01.txt (its rows break {rule})" in line
    con = duckdb.connect(str(report.db_path), read_only=True)
    assert con.execute(
        "select location from core__rejects where reason like 'file quarantined%' order by 1"
    ).fetchall() == [("bcountrydata_2016-07-10.txt",), ("reissued_bcountrydata_2016-08-01.txt",)]
    assert con.execute("select count(*) from core__tallies where source_id = 'oli'").fetchall() == [
        (0,)
    ]
    assert con.execute("select count(*) from core__tallies where source_id = 'csv'").fetchall() == [
        (5,)
    ]
    # what another engine is told to read: the quarantined files' rejects, none of their rows
    listed = con.execute(
        "select staged_table, count(*) from int__staged_files "
        "where path like '%source_id=oli/%' group by all order by all"
    ).fetchall()
    assert listed == [("rejects", 2)]
    assert con.execute(
        "select count(*) from (select * exclude (repeats) from core__rejects "
        "where reason like 'file quarantined%' except all select * from int__loader_rejects)"
    ).fetchall() == [(0,)]
    con.close()
