"""The core tables' types agree with the vocabularies the parsers check against."""

from __future__ import annotations

import duckdb

from pipeline.build.sqlfiles import run_schema
from pipeline.util.records import OCCUPATIONS


def test_occupation_enum_is_the_parsers_list() -> None:
    con = duckdb.connect()
    run_schema(con)
    (values,) = con.execute("select enum_range(null::occupation_class)").fetchone()  # type: ignore[misc]
    assert tuple(values) == OCCUPATIONS


def test_an_unknown_occupation_cannot_enter_core_tasks() -> None:
    con = duckdb.connect()
    run_schema(con)
    insert = (
        "insert into core__tasks (task_id, source_id, platform, occupation) "
        "values ('T1', 'freelancer', 'Freelancer.com', ?)"
    )
    con.execute(insert, ["writing and translation"])
    try:
        con.execute(insert, ["basket weaving"])
    except duckdb.ConversionException:
        pass
    else:
        raise AssertionError("an occupation outside the enum was accepted")
    assert con.execute("select count(*) from core__tasks").fetchone() == (1,)
