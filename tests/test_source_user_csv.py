"""A user's own flow table: names in three languages, codes, and a clear reject for each fault."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from pipeline.countries import country_index
from pipeline.fetch import FetchContext, SourceError
from pipeline.rawstore import RawStore
from pipeline.sources import user_csv

FIXTURES = Path(__file__).parent / "fixtures" / "csv"


def test_rows_become_yearly_pair_tallies() -> None:
    result = user_csv.parse(FIXTURES / "flows.csv", country_index())
    result.check_balance()
    assert (result.records_in, result.records_ok, result.records_rejected) == (9, 5, 4)
    rows = [
        (t.buyer_country_code, t.seller_country_code, t.amount, t.platform, t.occupation)
        for t in result.tallies
    ]
    assert rows == [
        ("USA", "IND", 120.0, "Example platform", "software development and technology"),
        ("GBR", "PAK", 40.0, "user data", "writing and translation"),
        ("USA", "PHL", 35.0, "user data", "unknown"),
        ("USA", "BGD", 10.0, "Example platform", "clerical and data entry"),
        ("DEU", "UKR", 7.5, "user data", "creative and multimedia"),
    ]
    assert {(t.role, t.measure) for t in result.tallies} == {("pair", "projects")}
    first = result.tallies[0]
    assert (first.period_start, first.period_end) == (dt.date(2019, 1, 1), dt.date(2019, 12, 31))
    assert first.location == "flows.csv:2"


def test_each_fault_is_a_reject_naming_row_and_field() -> None:
    result = user_csv.parse(FIXTURES / "flows.csv", country_index())
    assert {(r.location, r.field, r.value) for r in result.rejects} == {
        ("flows.csv:7", "buyer_country", "Atlantis"),
        ("flows.csv:8", "year", "20x0"),
        ("flows.csv:9", "count", "-2"),
        ("flows.csv:10", "occupation", "cooking"),
    }


def test_a_table_without_year_rejects_every_row_naming_the_column() -> None:
    result = user_csv.parse(FIXTURES / "flows_no_year.csv", country_index())
    result.check_balance()
    assert (result.records_in, result.records_rejected, result.tallies) == (2, 2, [])
    assert {r.field for r in result.rejects} == {"year"}
    assert "no year column" in result.rejects[0].reason


def test_semicolon_tables_from_french_spreadsheets_are_read(tmp_path: Path) -> None:
    path = tmp_path / "flux.csv"
    path.write_text("buyer_country;seller_country;count;year\nFrance;Sénégal;3;2021\n")
    result = user_csv.parse(path, country_index())
    assert [(t.buyer_country_code, t.seller_country_code) for t in result.tallies] == [
        ("FRA", "SEN")
    ]


def test_mapping_report_lists_every_name_with_its_code() -> None:
    report = dict(
        (value, code)
        for value, code, _ in user_csv.mapping_report(FIXTURES / "flows.csv", country_index())
    )
    assert report["Royaume-Uni"] == "GBR"
    assert report["Stati Uniti"] == "USA"
    assert report["Filippine"] == "PHL"
    assert report["bd"] == "BGD"
    assert report["Atlantis"] is None
    lines = user_csv.summary_lines([FIXTURES / "flows.csv"], country_index())
    assert any("'Atlantis' -> NOT MAPPED" in line for line in lines)


def test_there_is_nothing_to_fetch(tmp_path: Path) -> None:
    ctx = FetchContext(None, RawStore("csv", root=tmp_path), None, tmp_path)  # type: ignore[arg-type]
    with pytest.raises(SourceError, match="FROM="):
        user_csv.fetch(ctx)
