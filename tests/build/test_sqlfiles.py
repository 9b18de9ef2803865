"""The SQL runner (pipeline/build/sqlfiles.py) on small sql/ folders made here: which files are
models and which are DDL, the order models are built in, the staging views' errors, and the
report of a broken rule."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline.build import sqlfiles


def folder(tmp_path: Path, files: dict[str, str]) -> Path:
    for name, text in files.items():
        path = tmp_path / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return tmp_path


def test_model_names_and_files(tmp_path: Path) -> None:
    sql = folder(
        tmp_path,
        {
            "out/out__b.sql": "select 1 as x",
            "out/out__a.sql": "select 2 as x",
            "out/out__a.ddl.sql": "create table out__a (x int)",
            "out/notes.txt": "",
        },
    )
    assert sqlfiles.model_name(Path("core__tallies.ddl.sql")) == "core__tallies"
    assert sqlfiles.model_name(Path("core__tallies.sql")) == "core__tallies"
    assert list(sqlfiles.model_files(sql, "out")) == ["out__a", "out__b"]
    assert sqlfiles.ddl_files(sql, "out") == {"out__a": sql / "out" / "out__a.ddl.sql"}


def test_models_are_built_after_the_models_they_read(tmp_path: Path) -> None:
    sql = folder(
        tmp_path,
        {
            # c reads b, b reads a; a names c only in a comment, and reads itself
            "out/out__c.sql": "select x + 1 as x from out__b",
            "out/out__b.sql": "select x * 10 as x from out__a",
            "out/out__a.sql": "-- before out__c\nselect 4 as x from (select 1) as out__a",
            "out/out__d.sql": "select 7 as x",
            "macros.sql": "create or replace macro twice(x) as 2 * x;",
        },
    )
    order = [p.stem for p in sqlfiles.out_table_order(sql)]
    assert order == ["out__a", "out__d", "out__b", "out__c"]
    con = duckdb.connect()
    assert sqlfiles.run_schema(con, sql) == []
    assert con.execute("select twice(21)").fetchone() == (42,)
    assert sqlfiles.build_out_tables(con, sql) == order
    assert con.execute("select x from out__c").fetchall() == [(41,)]


def test_a_circle_of_models_is_named(tmp_path: Path) -> None:
    sql = folder(
        tmp_path,
        {
            "out/out__a.sql": "select * from out__b",
            "out/out__b.sql": "select * from out__a",
            "out/out__c.sql": "select 1",
        },
    )
    with pytest.raises(ValueError, match=r"circular references between out__a, out__b in "):
        sqlfiles.out_table_order(sql)


def test_core_tables_are_filled_through_the_int_views_and_emptied(tmp_path: Path) -> None:
    sql = folder(
        tmp_path,
        {
            "macros.sql": "select 1;",
            "core/core__t.ddl.sql": "create table core__t (x int, y int)",
            "core/core__t.sql": "select x, x * 2 as y from int__v",
            "core/core__u.ddl.sql": "create table core__u (x int)",
            "core/core__u.sql": "select x from core__t where y > 2",
            "int/int__v.sql": "select * from range(3) as r(x)",
        },
    )
    con = duckdb.connect()
    assert sqlfiles.run_schema(con, sql) == ["core__t", "core__u"]
    assert sqlfiles.build_core_tables(con, sql) == {"core__t": 3, "core__u": 1}
    assert con.execute("select * from core__u").fetchall() == [(2,)]
    sqlfiles.empty_core_tables(con, sql)
    assert con.execute("select count(*) from core__t").fetchone() == (0,)
    assert con.execute("select count(*) from core__u").fetchone() == (0,)


def test_a_staging_view_needs_files_and_its_sql_file(tmp_path: Path) -> None:
    sql = folder(
        tmp_path, {"staging/stg__rows.sql": "select unnest(getvariable('stg__rows_files')) as f"}
    )
    con = duckdb.connect()
    with pytest.raises(ValueError, match=r"stg__rows: a view over no files"):
        sqlfiles.create_staging_view(con, "stg__rows", [], sql)
    with pytest.raises(FileNotFoundError, match=r"no .*/staging/stg__other\.sql"):
        sqlfiles.create_staging_view(con, "stg__other", ["a.parquet"], sql)
    sqlfiles.create_staging_view(con, "stg__rows", ["a.parquet", "b.parquet"], sql)
    assert con.execute("select f from stg__rows").fetchall() == [("a.parquet",), ("b.parquet",)]


def test_a_broken_rule_reports_its_rows(tmp_path: Path) -> None:
    sql = folder(
        tmp_path,
        {
            "tests/t__passes.sql": "select 1 as x where false",
            "tests/t__fails.sql": "select * from range(7) as r(n)",
        },
    )
    failures = sqlfiles.run_sql_tests(duckdb.connect(), sql)
    assert [f.name for f in failures] == ["t__fails"]
    # five rows shown by default, then how many more
    text = failures[0].describe()
    assert text.startswith("sql/tests/t__fails.sql returned 7 row(s):\n    {'n': 0}\n")
    assert text.endswith("    {'n': 4}\n    … and 2 more")
    assert failures[0].describe(limit=7).endswith("{'n': 6}")
    assert failures[0].describe(limit=10).endswith("{'n': 6}")


def test_int_models_can_be_built_one_by_one(tmp_path: Path) -> None:
    (tmp_path / "int").mkdir()
    (tmp_path / "int" / "int__a.sql").write_text("select 1 as x\n", encoding="utf-8")
    (tmp_path / "int" / "int__b.sql").write_text("select 2 as y\n", encoding="utf-8")
    con = duckdb.connect()
    # the model asked for is built, the one sorted before it is not
    assert sqlfiles.build_int_views(con, tmp_path, only=frozenset({"int__b"})) == ["int__b"]
    assert con.execute("select y from int__b").fetchall() == [(2,)]
    assert sqlfiles.build_int_views(con, tmp_path) == ["int__a", "int__b"]
