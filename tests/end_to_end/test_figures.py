"""The figures users see, pinned on the shipped data and on the fixtures.

Recorded from the pipeline before its ingest path was rewritten (main at 3f71fd0): the same raw
inputs must give the same tables, whatever the parsers and the SQL look like inside. Changed on
purpose since, each change worked out beside it: estimates keep the countries their source does
not name (out__flows rows with a null code, a `not_named` direction), the United Kingdom's 6 %
of OLI workers was added to the curated shares, and the estimates' bounds and errors
(out__estimate_summary, out__estimate_cut_check) were added.
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


# The fixtures' counts below are the shipped ones plus their own; core__tallies and
# out__country_shares each count the UK's 6 % of OLI workers once.
SHIPPED_COUNTS = {
    "core__claims": 60,
    "core__countries": 250,
    "core__country_groups": 500,
    # the World Bank's figure for 216 of the 250 countries (none for Taiwan, most territories)
    "core__populations": 216,
    "core__rejects": 0,
    "core__source_lineage": 19,
    "core__sources": 16,
    # 75 recorded, and the UK's 6 % of OLI workers
    "core__tallies": 76,
    "core__tasks": 0,
    # 49 parties without a set (17 anecdotes, 29 not measured, 3 out of scope); C1's 4 buyers
    # × 4 buyer sets and 7 sellers × 10 freelance seller sets (86 verdicts); the 49 other
    # parties that are not anecdotes beside every set of their side (4 buyer and 11 seller
    # sets), as context: 10 buyers × 4 + 22 sellers × 11 = 282
    "out__claims_check": 417,
    "out__country_balance": 10,
    "out__country_shares": 67,
    "out__estimate_check": 0,
    # no observed matrix to cut
    "out__estimate_cut_check": 0,
    # one estimate × two schemes
    "out__estimate_summary": 2,
    # the OLI 2016 grid, 4 named buyers and 4 named sellers, each side with its rest: 5 × 5
    "out__flows": 25,
    # four directions and not_named, under two schemes
    "out__flows_by_direction": 10,
    "out__marginal_pairs": 1,
}
OLI_SHARES = [("curated_oli_shares", 2016, "USA", "IND", 12.48)]
SHIPPED_SOUTH_TO_NORTH = [
    ("un_m49_developed", "curated_oli_shares", 2016, 25.6),
    ("wb_high_income", "curated_oli_shares", 2016, 25.6),
]


def test_shipped_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    con = build(tmp_path, monkeypatch, None, None)
    assert counts(con) == SHIPPED_COUNTS
    # shares of the whole total: named North buyers (64.0) × named South sellers (40) / 100
    assert south_to_north(con) == SHIPPED_SOUTH_TO_NORTH
    assert top_pairs(con) == OLI_SHARES
    # no point figure (the unnamed countries have no model), the bounds 4.0 to 82.0
    table = run_query(con, "south_to_north", output="csv")
    assert {tuple(line.split(",")[5:8]) for line in table.splitlines()[1:]} == {("", "4.0", "82.0")}


def test_remotework_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    con = build(tmp_path, monkeypatch, "remotework", REMOTEWORK_FIXTURES)
    assert counts(con) == {
        **SHIPPED_COUNTS,
        "core__rejects": 4,
        "core__source_lineage": 20,
        "core__sources": 17,
        "core__tallies": 105,
        # one freelance year: C1's 4 + 7 parties judged, 10 + 22 others shown (context)
        "out__claims_check": 417 + 43,
        "out__country_balance": 78,
        "out__country_shares": 107,
        "out__estimate_check": 8,
        # one year (no other year for a prior) cut to the 4 × 4 grid, under two schemes
        "out__estimate_cut_check": 2,
        "out__flows": 54,
        "out__flows_by_direction": 18,
    }
    assert [r for r in south_to_north(con) if r[1] == "remotework"] == [
        ("un_m49_developed", "remotework", 2015, 60.0),
        ("wb_high_income", "remotework", 2015, 68.3),
    ]
    assert top_pairs(con) == [*OLI_SHARES, ("remotework", 2015, "USA", "IND", 12.0)]


def test_oli_fixtures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    con = build(tmp_path, monkeypatch, "oli", OLI_FIXTURES)
    assert counts(con) == {
        **SHIPPED_COUNTS,
        "core__rejects": 6,
        "core__source_lineage": 20,
        "core__sources": 17,
        "core__tallies": 491,
        # a buyer set (4 judged, 10 context) and two seller sets (7 judged, 22 context)
        "out__claims_check": 417 + 14 + 2 * 29,
        "out__country_balance": 32,
        "out__country_shares": 272,
        "out__estimate_summary": 4,
        # the oli grid: 7 named buyers and 5 named sellers, each side with its rest (rows not
        # mapped to a country): 8 × 6 = 48, and the shipped 25
        "out__flows": 73,
        "out__flows_by_direction": 18,
        "out__marginal_pairs": 2,
    }
    # Of 135 projects, North buyers USA 100, GBR 8, CAN 8 (and CUW 2 by income); of 140
    # workers, South sellers IND 107, BGD 20, PAK 6.67, VCT 0.33 (and RUS 5.33 by income).
    # M49: 116/135 × 134/140 = 82.2 %; income: 118/135 × 139.33/140 = 87.0 % of the whole.
    assert [r for r in south_to_north(con) if r[1] == "oli"] == [
        ("un_m49_developed", "oli", 2016, 82.2),
        ("wb_high_income", "oli", 2016, 87.0),
    ]
    assert top_pairs(con) == [*OLI_SHARES, ("oli", 2016, "USA", "IND", 56.6138)]


def test_csv_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    con = build(tmp_path, monkeypatch, "csv", FIXTURES / "csv" / "flows.csv")
    assert counts(con) == {
        **SHIPPED_COUNTS,
        "core__rejects": 4,
        "core__source_lineage": 20,
        "core__sources": 17,
        "core__tallies": 81,
        # no declared market: context beside each of the 14 buyer and 29 seller parties that are
        # not anecdotes (regions included), in each of the 2 years
        "out__claims_check": 417 + 2 * (14 + 29),
        "out__country_balance": 28,
        "out__country_shares": 76,
        "out__estimate_check": 10,
        # two years, each without a prior and with the other year, cut to 4 × 4, two schemes
        "out__estimate_cut_check": 8,
        "out__flows": 30,
        "out__flows_by_direction": 15,
    }
    assert [r for r in south_to_north(con) if r[1] == "csv"] == [
        ("un_m49_developed", "csv", 2019, 100.0),
        # 2020: Bangladesh -> United States 10 of 17 projects (Ukraine -> Germany 7 is North)
        ("un_m49_developed", "csv", 2020, 58.8),
        ("wb_high_income", "csv", 2019, 100.0),
        ("wb_high_income", "csv", 2020, 100.0),
    ]
    assert top_pairs(con) == [
        ("csv", 2019, "USA", "IND", 120.0),
        ("csv", 2020, "USA", "BGD", 10.0),
        *OLI_SHARES,
    ]


def test_freelancer_fixtures(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    con = build(tmp_path, monkeypatch, "freelancer", FIXTURES / "freelancer")
    assert counts(con) == {
        **SHIPPED_COUNTS,
        # 4: the compact bids page without awards (result: {}) is an empty page, not a reject
        "core__rejects": 4,
        "core__source_lineage": 20,
        "core__sources": 17,
        "core__tasks": 7,
        # one freelance year: C1's 4 + 7 parties judged, 10 + 22 others shown (context)
        "out__claims_check": 417 + 43,
        "out__country_balance": 22,
        "out__country_shares": 73,
        "out__estimate_check": 4,
        "out__estimate_cut_check": 2,
        "out__flows": 28,
        "out__flows_by_direction": 14,
    }
    assert [r for r in south_to_north(con) if r[1] == "freelancer"] == [
        ("un_m49_developed", "freelancer", 2025, 66.7),
        ("wb_high_income", "freelancer", 2025, 66.7),
    ]
    assert top_pairs(con) == [*OLI_SHARES, ("freelancer", 2025, "GBR", "BGD", 1.0)]
