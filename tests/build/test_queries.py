"""Every ready-made analysis in sql/queries runs on the shipped data and answers; user values are
bound parameters, and the Makefile hands them to Python through the environment."""

from __future__ import annotations

import csv
import io
import re

import pytest

from pipeline.commands.query import parameters_of, run_query, saved_queries
from pipeline.util import paths

QUERIES = saved_queries()
# empty on the shipped data by construction, each tested on data that fills it
EMPTY_WITHOUT_RAW_DATA = {
    "estimate_error": "needs observed flows (tests/build/test_estimate.py stages them)",
    "rejects": "the shipped data has no rejects (tests/build/test_build.py)",
}
VALUES = {"country": "PHL"}


def test_the_analyses_of_the_brief_are_all_there() -> None:
    assert set(QUERIES) >= {
        "top_flows",
        "south_to_north",
        "south_to_north_by_occupation",
        "concentration",
        "net_balance",
        "country_profile",
        "platform_comparison",
        "estimate_error",
        "claims_check",
        "compare_sources",
    }


@pytest.mark.parametrize("name", QUERIES)
def test_query_starts_with_the_question_it_answers(name: str) -> None:
    text = (paths.SQL_DIR / "queries" / f"{name}.sql").read_text(encoding="utf-8")
    assert text.startswith("-- ") and len(text.splitlines()[0]) > 20


@pytest.mark.parametrize("name", QUERIES)
def test_query_runs_on_the_shipped_data_and_returns_rows(shipped_con, name: str) -> None:
    out = run_query(shipped_con, name, values=VALUES, output="csv")
    rows = list(csv.reader(io.StringIO(out)))
    if name in EMPTY_WITHOUT_RAW_DATA:
        assert len(rows) == 1, EMPTY_WITHOUT_RAW_DATA[name]
    else:
        assert len(rows) > 1, f"{name} returned no rows"


def test_country_profile_is_about_the_country_given(shipped_con) -> None:
    out = run_query(shipped_con, "country_profile", values={"country": "philippines"}, output="csv")
    rows = list(csv.DictReader(io.StringIO(out)))
    assert {r["country"] for r in rows} == {"Philippines"}
    sections = {r["section"] for r in rows}
    assert "share among sellers" in sections
    assert "named as seller in claim C1" in sections


def test_user_values_are_bound_not_spliced(shipped_con) -> None:
    hostile = "PHL'; drop table core__countries; --"
    out = run_query(shipped_con, "country_profile", values={"country": hostile}, output="csv")
    assert out.splitlines()[1:] == []
    assert shipped_con.execute("select count(*) from core__countries").fetchone()[0] > 200


def test_a_missing_value_names_the_variable(shipped_con) -> None:
    with pytest.raises(SystemExit, match=r"needs COUNTRY="):
        run_query(shipped_con, "country_profile", values={})


def test_parameters_are_found_outside_comments_and_strings() -> None:
    assert parameters_of("-- costs $5\nselect '$x', $country, $country") == ["country"]


def test_table_and_csv_output(shipped_con) -> None:
    table = run_query(shipped_con, "south_to_north")
    assert table.splitlines()[0].split(" | ")[0].strip() == "scheme"
    assert table.splitlines()[-1] == "(2 rows)"
    rows = list(csv.DictReader(io.StringIO(run_query(shipped_con, "south_to_north", output="csv"))))
    # OLI 2016 with no prior: the 59.5 % of the work with a country the shares do not name
    # (100 - 69.9 x 58 / 100) has no model, so no point figure; the bounds are 64.0 + 40 - 100
    # = 4.0 and min(100 - 5.9, 100 - 18) = 82.0 (tests/build/test_estimate.py works them out)
    assert {
        (
            r["scheme"],
            r["south_to_north_pct"],
            r["share_low_pct"],
            r["share_high_pct"],
            r["not_named_pct"],
            r["prior"],
        )
        for r in rows
    } == {
        ("un_m49_developed", "", "4.0", "82.0", "59.5", "none"),
        ("wb_high_income", "", "4.0", "82.0", "59.5", "none"),
    }


def test_compare_sources_shows_disagreement_and_one_preferred_figure(shipped_con) -> None:
    out = run_query(shipped_con, "compare_sources", output="csv")
    rows = [
        r
        for r in csv.DictReader(io.StringIO(out))
        if (r["year"], r["country"], r["measure"]) == ("2017", "Bangladesh", "seller share")
    ]
    assert {r["source_id"]: r["share_pct"] for r in rows} == {
        "curated_oli_shares": "16.0",
        "curated_oli_worker_trend": "10.0",
    }
    assert {r["spread_pts"] for r in rows} == {"6.0"}
    # both exact: the whole-year figure is preferred over the one-week sample
    assert [r["source_id"] for r in rows if r["preferred"] == "True"] == [
        "curated_oli_worker_trend"
    ]


def test_makefile_query_recipe_expands_no_user_value() -> None:
    makefile = (paths.ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("\nquery:", 1)[1].split("\n\n", 1)[0]
    assert not re.search(r"\$\((Q|COUNTRY|FORMAT)\)", recipe)


def test_cli_reads_q_country_and_format_from_the_environment(
    shipped_build, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipeline.cli import main

    monkeypatch.setenv("Q", "country_profile")
    monkeypatch.setenv("COUNTRY", "IND")
    monkeypatch.setenv("FORMAT", "csv")
    assert main(["query", "--db", str(shipped_build.db_path)]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert rows and {r["country"] for r in rows} == {"India"}
    monkeypatch.delenv("Q")
    assert main(["query", "--db", str(shipped_build.db_path)]) == 2
    assert "saved queries:" in capsys.readouterr().out
