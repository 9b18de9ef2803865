"""The figures users see, built by `make db` from the shipped data and from each source's
fixture, against figures worked out by hand from those files (each test says how). The OLI
fixture's South -> North shares and top pair, and the row counts of the tables not worked out
here, were recorded from the pipeline (main at 3f71fd0) and pin it against regressions.
"""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest
from conftest import OLI_FIXTURES, REMOTEWORK_FIXTURES

from pipeline.build.run import build_database
from pipeline.commands.fetch import run_fetch
from pipeline.commands.query import run_query

FIXTURES = Path(__file__).parents[1] / "fixtures"


def build(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, source: str | None, path: Path | None):
    raw = tmp_path / "raw"
    raw.mkdir()
    monkeypatch.setenv("ATLAS_RAW", str(raw))
    monkeypatch.setenv("ATLAS_STAGING", str(tmp_path / "staging"))
    if source is not None and path is not None:
        assert run_fetch(source, path, None, out=lambda _: None) == 0
    build_database(tmp_path / "atlas.duckdb", raw_root=raw)
    return duckdb.connect(str(tmp_path / "atlas.duckdb"), read_only=True)


def counts(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    tables = [t for (t,) in con.execute("select table_name from duckdb_tables()").fetchall()]
    return {
        t: con.execute(f"select count(*) from {t}").fetchone()[0]  # type: ignore[index]
        for t in tables
        if t.startswith(("core__", "out__"))
    }


def south_to_north(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select scheme, source_id, year, round(share_pct, 1) from out__flows_by_direction "
        "where direction = 'south_to_north' order by all"
    ).fetchall()


def top_pairs(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    return con.execute(
        "select source_id, year, buyer_country_code, seller_country_code, round(tasks, 4) "
        "from out__flows where buyer_country_code <> seller_country_code "
        "qualify row_number() over (partition by source_id, year "
        "order by tasks desc, buyer_country_code, seller_country_code) = 1 order by all"
    ).fetchall()


SHIPPED_COUNTS = {
    "core__claims": 60,
    # every ISO 3166-1 country and Kosovo, each in the two North/South schemes
    "core__countries": 250,
    "core__country_groups": 500,
    "core__rejects": 0,
    "core__sources": 15,
    "core__tallies": 75,
    "core__tasks": 0,
    "out__claims_check": 491,
    # USA, GBR, IND, AUS, BGD (the countries of the two paired sides) in 2 schemes
    "out__country_balance": 10,
    "out__country_shares": 66,
    "out__estimate_check": 0,
    # 4 employer countries × 3 worker countries
    "out__flows": 12,
    # 4 directions (North and South on both sides) in 2 schemes
    "out__flows_by_direction": 8,
    "out__marginal_pairs": 1,
}
OLI_SHARES = [("curated_oli_shares", 2016, "USA", "IND", 12.48)]


def test_shipped_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    con = build(tmp_path, monkeypatch, None, None)
    assert counts(con) == SHIPPED_COUNTS
    # data/curated/oli_shares.csv: employers (May-Sep 2016) USA 52, GBR 6.3, IND 5.9, AUS 5.7,
    # rest 30.1; workers (1-6 July 2017) IND 24, BGD 16, USA 12, rest 48. Country pairs:
    # 69.9 × 52 / 100 = 36.348; South -> North (North buyers USA, GBR, AUS = 64, South sellers
    # IND, BGD = 40, under both schemes): 64 × 40 / 100 = 25.6, i.e. 70.4 %.
    assert south_to_north(con) == [
        ("un_m49_developed", "curated_oli_shares", 2016, 70.4),
        ("wb_high_income", "curated_oli_shares", 2016, 70.4),
    ]
    # the largest pair: 52 × 24 / 100 = 12.48 % of all projects, India -> United States
    assert top_pairs(con) == OLI_SHARES
    # 4 employer × 3 worker countries; each country of a side in each scheme
    assert con.execute(
        "select count(*), count(distinct buyer_country_code), count(distinct seller_country_code)"
        " from out__flows"
    ).fetchone() == (12, 4, 3)
    table = run_query(con, "south_to_north")
    assert "70.4" in table and "curated_oli_shares" in table


def test_remotework_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    con = build(tmp_path, monkeypatch, "remotework", REMOTEWORK_FIXTURES)
    assert counts(con) == {
        **SHIPPED_COUNTS,
        # rows 15 (netherlands antilles), 18 (antarctica), 19 (NA) and 38 (count x)
        "core__rejects": 4,
        "core__sources": 16,
        # the 36 rows left become 29 pair tallies (USA -> IND over 5 rows, GBR <- BGD over
        # 2, ARG <- ARG over 2, DEU <- IND over 2)
        "core__tallies": 75 + 29,
        "out__claims_check": 546,
        # 34 countries in 2 schemes
        "out__country_balance": 10 + 68,
        "out__country_shares": 106,
        "out__estimate_check": 8,
        "out__flows": 12 + 29,
        # all four directions in both schemes
        "out__flows_by_direction": 8 + 8,
    }
    # handmade_network_2015.csv, 60 projects in the rows kept. South -> North (M49): the US,
    # UK, Australian, German, French, Canadian and Japanese employers of workers in Asia,
    # Africa, Latin America: rows 1-11 (25), 16, 25-27 (6), 34, 36-37 (3) = 36, 60.0 %.
    # World Bank: also Hong Kong (row 12, 2) and Korea (row 14, 2) buying, and Serbia
    # (row 28, 1) selling: 41 of 60, 68.3 %.
    assert [r for r in south_to_north(con) if r[1] == "remotework"] == [
        ("un_m49_developed", "remotework", 2015, 60.0),
        ("wb_high_income", "remotework", 2015, 68.3),
    ]
    # United States <- India: 3 + 2 + 1 + 4 + 2 (rows 1-4, 36)
    assert top_pairs(con) == [*OLI_SHARES, ("remotework", 2015, "USA", "IND", 12.0)]
    assert con.execute(
        "select sum(tasks) from out__flows where source_id = 'remotework'"
    ).fetchone() == (60,)


def test_oli_fixtures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    con = build(tmp_path, monkeypatch, "oli", OLI_FIXTURES)
    assert counts(con) == {
        **SHIPPED_COUNTS,
        "core__rejects": 6,
        "core__sources": 16,
        "core__tallies": 490,
        "out__claims_check": 584,
        "out__country_balance": 32,
        "out__country_shares": 271,
        "out__flows": 47,
        "out__flows_by_direction": 14,
        "out__marginal_pairs": 2,
    }
    assert [r for r in south_to_north(con) if r[1] == "oli"] == [
        ("un_m49_developed", "oli", 2016, 87.8),
        ("wb_high_income", "oli", 2016, 92.9),
    ]
    assert top_pairs(con) == [*OLI_SHARES, ("oli", 2016, "USA", "IND", 56.6138)]


def test_csv_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    con = build(tmp_path, monkeypatch, "csv", FIXTURES / "csv" / "flows.csv")
    assert counts(con) == {
        **SHIPPED_COUNTS,
        # Atlantis, the year 20x0, the count -2, the occupation "cooking"
        "core__rejects": 4,
        "core__sources": 16,
        # the five rows left
        "core__tallies": 75 + 5,
        # the shipped 491, and one verdict per claimed country (55) in each of the 2 years
        "out__claims_check": 601,
        # 2019: USA, IND, GBR, PAK, PHL; 2020: USA, BGD, DEU, UKR; in 2 schemes
        "out__country_balance": 10 + 18,
        "out__country_shares": 75,
        "out__estimate_check": 10,
        "out__flows": 12 + 5,
        # 2019: South -> North only; 2020: South -> North and (M49) North -> North
        "out__flows_by_direction": 8 + 2 + 3,
    }
    # flows.csv: 2019, USA <- IND 120, GBR <- PAK 40 (Royaume-Uni, Pakistan), USA <- PHL 35
    # (Stati Uniti, Filippine): all South -> North. 2020, USA <- BGD 10 (South -> North) and
    # DEU <- UKR 7.5: North -> North under M49 (Ukraine is in Europe), South -> North by
    # income: 10 of 17.5 = 57.1 % and 100 %.
    assert [r for r in south_to_north(con) if r[1] == "csv"] == [
        ("un_m49_developed", "csv", 2019, 100.0),
        ("un_m49_developed", "csv", 2020, 57.1),
        ("wb_high_income", "csv", 2019, 100.0),
        ("wb_high_income", "csv", 2020, 100.0),
    ]
    assert top_pairs(con) == [
        ("csv", 2019, "USA", "IND", 120.0),
        ("csv", 2020, "USA", "BGD", 10.0),
        *OLI_SHARES,
    ]
    assert con.execute(
        "select year, occupation, tasks from out__flows where source_id = 'csv' "
        "order by year, tasks desc"
    ).fetchall() == [
        (2019, "software development and technology", 120),
        (2019, "writing and translation", 40),
        (2019, "unknown", 35),
        (2020, "clerical and data entry", 10),
        (2020, "creative and multimedia", 7.5),
    ]


def test_freelancer_fixtures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    con = build(tmp_path, monkeypatch, "freelancer", FIXTURES / "freelancer")
    assert counts(con) == {
        **SHIPPED_COUNTS,
        # the projects page: an owner without a country, an unmapped category; the bids page:
        # an award whose owner is not on the page, a rejected bid. The compact bids page
        # without awards (result: {}) is an empty page, not a reject.
        "core__rejects": 4,
        "core__sources": 16,
        # the four projects kept of six, and the three awards
        "core__tasks": 7,
        "out__claims_check": 546,
        # USA, PAK, GBR, BGD, IND, PHL in 2 schemes
        "out__country_balance": 10 + 12,
        "out__country_shares": 72,
        "out__estimate_check": 4,
        # the three awards' pairs
        "out__flows": 12 + 3,
        # South -> North and South -> South in 2 schemes
        "out__flows_by_direction": 8 + 4,
    }
    # bids_page.json: three awards with both countries, US <- PK, UK <- BD (South -> North),
    # IN <- PH (South -> South): 2 of 3 = 66.7 % under both schemes
    assert [r for r in south_to_north(con) if r[1] == "freelancer"] == [
        ("un_m49_developed", "freelancer", 2025, 66.7),
        ("wb_high_income", "freelancer", 2025, 66.7),
    ]
    assert con.execute(
        "select buyer_country_code, seller_country_code, tasks from out__flows "
        "where source_id = 'freelancer' order by all"
    ).fetchall() == [("GBR", "BGD", 1), ("IND", "PHL", 1), ("USA", "PAK", 1)]
    assert top_pairs(con) == [*OLI_SHARES, ("freelancer", 2025, "GBR", "BGD", 1.0)]
