"""The figures users see, pinned on the shipped data and on the fixtures.

Recorded from the pipeline before its ingest path was rewritten (main at 3f71fd0): the same raw
inputs must give the same tables, whatever the parsers and the SQL look like inside.
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
    "core__countries": 250,
    "core__country_groups": 500,
    "core__rejects": 0,
    "core__sources": 15,
    "core__tallies": 75,
    "core__tasks": 0,
    "out__claims_check": 491,
    "out__country_balance": 10,
    "out__country_shares": 66,
    "out__estimate_check": 0,
    "out__flows": 12,
    "out__flows_by_direction": 8,
    "out__marginal_pairs": 1,
}
OLI_SHARES = [("curated_oli_shares", 2016, "USA", "IND", 12.48)]


def test_shipped_data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    con = build(tmp_path, monkeypatch, None, None)
    assert counts(con) == SHIPPED_COUNTS
    assert south_to_north(con) == [
        ("un_m49_developed", "curated_oli_shares", 2016, 70.4),
        ("wb_high_income", "curated_oli_shares", 2016, 70.4),
    ]
    assert top_pairs(con) == OLI_SHARES
    table = run_query(con, "south_to_north")
    assert "70.4" in table and "curated_oli_shares" in table


def test_remotework_fixture(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    con = build(tmp_path, monkeypatch, "remotework", REMOTEWORK_FIXTURES)
    assert counts(con) == {
        **SHIPPED_COUNTS,
        "core__rejects": 4,
        "core__sources": 16,
        "core__tallies": 104,
        "out__claims_check": 546,
        "out__country_balance": 78,
        "out__country_shares": 106,
        "out__estimate_check": 8,
        "out__flows": 41,
        "out__flows_by_direction": 16,
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
        "core__rejects": 4,
        "core__sources": 16,
        "core__tallies": 80,
        # the shipped 491, and one verdict per claimed country (55) in each of the 2 years
        "out__claims_check": 601,
        "out__country_balance": 28,
        "out__country_shares": 75,
        "out__estimate_check": 10,
        "out__flows": 17,
        "out__flows_by_direction": 13,
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
        "core__sources": 16,
        "core__tasks": 7,
        "out__claims_check": 546,
        "out__country_balance": 22,
        "out__country_shares": 72,
        "out__estimate_check": 4,
        "out__flows": 15,
        "out__flows_by_direction": 12,
    }
    assert [r for r in south_to_north(con) if r[1] == "freelancer"] == [
        ("un_m49_developed", "freelancer", 2025, 66.7),
        ("wb_high_income", "freelancer", 2025, 66.7),
    ]
    assert top_pairs(con) == [*OLI_SHARES, ("freelancer", 2025, "GBR", "BGD", 1.0)]
