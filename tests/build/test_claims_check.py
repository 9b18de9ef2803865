"""Claims checked against the data, on a hand-made mini atlas whose verdicts are known."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline.build import estimate
from pipeline.build.run import build_database
from pipeline.build.sqlfiles import build_out_tables, run_schema
from pipeline.commands.fetch import run_fetch
from pipeline.util.paths import SQL_DIR

FIXTURES = Path(__file__).parents[1] / "fixtures"

TOP_12 = ["IND", "BGD", "PAK", "USA", "PHL", "GBR", "CHN", "UKR", "RUS", "EGY", "CAN", "KEN"]

MINI = """
insert into core__countries values
    ('USA', 'US', 'United States', 'Americas', 'Northern America', -98, 39),
    ('GBR', 'GB', 'United Kingdom', 'Europe', 'Northern Europe', -1, 52),
    ('IND', 'IN', 'India', 'Asia', 'Southern Asia', 78, 22),
    ('PHL', 'PH', 'Philippines', 'Asia', 'South-eastern Asia', 122, 12),
    ('NPL', 'NP', 'Nepal', 'Asia', 'Southern Asia', 84, 28),
    ('KEN', 'KE', 'Kenya', 'Africa', 'Eastern Africa', 38, 0);
insert into core__country_groups values
    ('un_m49_developed', 'USA', true, 'ref'), ('un_m49_developed', 'GBR', true, 'ref'),
    ('un_m49_developed', 'IND', false, 'ref'), ('un_m49_developed', 'PHL', false, 'ref'),
    ('un_m49_developed', 'NPL', false, 'ref'), ('un_m49_developed', 'KEN', false, 'ref');
insert into core__claims (claim_id, source_id, role, country_code, region_label, statement) values
    ('C1', 'claims', 'buyer', 'USA', null, 's'),
    ('C1', 'claims', 'seller', 'IND', null, 's'),
    ('C1', 'claims', 'seller', 'NPL', null, 's'),
    ('C1', 'claims', 'seller', 'KEN', null, 's'),
    ('C2', 'claims', 'seller', null, 'Central America', 's');
"""


# source, period, role, buyer, seller, region, measure, amount
TALLIES = [
    ("obs", "2020", "pair", "USA", "IND", None, "projects", 50),
    ("obs", "2020", "pair", "USA", "PHL", None, "projects", 30),
    ("obs", "2020", "pair", "GBR", "IND", None, "projects", 10),
    ("obs", "2020", "pair", "GBR", "GBR", None, "projects", 5),
    ("pub", "2019", "seller", None, "IND", None, "share_pct", 40),
    ("pub", "2019", "seller", None, "PHL", None, "share_pct", 8),
    ("pub", "2019", "seller", None, None, "rest of world", "share_pct", 52),
    *[("rk", "2018", "seller", None, c, None, "rank", i + 1) for i, c in enumerate(TOP_12)],
]


@pytest.fixture(scope="module")
def atlas():
    con = duckdb.connect()
    run_schema(con)
    con.execute(MINI)
    con.executemany(
        "insert into core__tallies (source_id, platform, period_start, period_end, role, "
        "buyer_country_code, seller_country_code, region_label, occupation, measure, amount, "
        "location) values ($1, 'p', make_date($2::int, 1, 1), make_date($2::int, 12, 31), $3, "
        "$4, $5, $6, 'unknown', $7, $8, 'x')",
        TALLIES,
    )
    estimate.run(con)
    build_out_tables(con)
    yield con
    con.close()


def verdicts(con: duckdb.DuckDBPyConnection) -> dict[tuple, tuple]:
    rows = con.execute(
        "select claim_id, role, country_code, source_id, verdict, rank from out__claims_check"
    ).fetchall()
    return {(c, r, code, s): (v, rank) for c, r, code, s, v, rank in rows}


def test_verdicts_on_the_mini_atlas(atlas) -> None:
    assert verdicts(atlas) == {
        # observed flows: the rank itself; no projects at all contradicts the claim
        ("C1", "buyer", "USA", "obs"): ("supported", 1),
        ("C1", "seller", "IND", "obs"): ("supported", 1),
        ("C1", "seller", "NPL", "obs"): ("contradicted", None),
        ("C1", "seller", "KEN", "obs"): ("contradicted", None),
        # shares with 52 % unlisted: India 1st (at worst 2nd), Nepal could be anywhere
        ("C1", "seller", "IND", "pub"): ("supported", 1),
        ("C1", "seller", "NPL", "pub"): ("no data", None),
        ("C1", "seller", "KEN", "pub"): ("no data", None),
        # a complete printed top 12: Kenya 12th and Nepal below it are not in the top 10
        ("C1", "seller", "IND", "rk"): ("supported", 1),
        ("C1", "seller", "NPL", "rk"): ("contradicted", None),
        ("C1", "seller", "KEN", "rk"): ("contradicted", 12),
        # a region is not ranked by any source
        ("C2", "seller", None, None): ("no data", None),
    }


def test_rule_states_n_source_period_and_figure(atlas) -> None:
    rule = atlas.execute(
        "select rule from out__claims_check where source_id = 'pub' and country_code = 'IND'"
    ).fetchone()[0]
    assert rule == (
        "claimed seller among the top 10 sellers of pub (p, published shares, 2019): listed 1 "
        "of 2 at 40.0 %, 52.0 % left to unlisted countries: rank 1 to 2"
    )


def test_map_query_sums_up_each_party_and_claim(atlas) -> None:
    sql = (SQL_DIR / "maps" / "claims_check.sql").read_text(encoding="utf-8")
    cursor = atlas.execute(sql)
    names = [d[0] for d in cursor.description]
    rows = [dict(zip(names, r, strict=True)) for r in cursor.fetchall()]
    parties = {(r["claim_id"], r["role"], r["party_name"]): r["party_verdict"] for r in rows}
    assert parties == {
        ("C1", "buyer", "United States"): "supported",
        ("C1", "seller", "India"): "supported",
        ("C1", "seller", "Kenya"): "contradicted",
        ("C1", "seller", "Nepal"): "contradicted",
        ("C2", "seller", "Central America"): "no data",
    }
    claims = {r["claim_id"]: r["claim_verdict"] for r in rows}
    assert claims == {"C1": "partly supported", "C2": "no data"}


def test_shipped_claims_have_a_verdict_for_every_party(shipped_con) -> None:
    missing = shipped_con.execute(
        "select claim_id, role, coalesce(country_code, region_label) from core__claims "
        "except select claims.claim_id, claims.role, "
        "coalesce(claims.country_code, claims.region_label) from core__claims as claims "
        "inner join out__claims_check as checks on claims.claim_id = checks.claim_id "
        "and claims.role = checks.role "
        "and claims.country_code is not distinct from checks.country_code"
    ).fetchall()
    assert missing == []
    counts = dict(
        shipped_con.execute(
            "select verdict, count(*) from out__claims_check group by all"
        ).fetchall()
    )
    assert set(counts) == {"supported", "contradicted", "no data"}


# tests/fixtures/csv/two_platforms.csv, ranked by hand: each year's buyers and sellers over both
# platforms together (2021: the United States and the United Kingdom buy on Alpha only, Canada
# on Beta only, India sells on both)
TWO_PLATFORM_RANKS = {
    (2021, "buyer"): {"USA": 1, "GBR": 2, "CAN": 3},
    (2021, "seller"): {"IND": 1, "PHL": 2, "PAK": 3},
    (2022, "buyer"): {"USA": 1},
    (2022, "seller"): {"IND": 1},
}


@pytest.fixture(scope="module")
def two_platforms(tmp_path_factory: pytest.TempPathFactory):
    """The shipped data and claims, plus a user table of two platforms."""
    root = tmp_path_factory.mktemp("two_platforms")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ATLAS_RAW", str(root / "raw"))
        source = FIXTURES / "csv" / "two_platforms.csv"
        assert run_fetch("csv", source, None, out=lambda _: None) == 0
    build_database(root / "atlas.duckdb", raw_root=root / "raw", staging_root=root / "staging")
    con = duckdb.connect(str(root / "atlas.duckdb"), read_only=True)
    yield con
    con.close()


def test_one_verdict_per_claim_source_and_year_over_all_platforms(two_platforms) -> None:
    rows = two_platforms.execute(
        "select claim_id, role, country_code, year, verdict, rank from out__claims_check "
        "where source_id = 'csv'"
    ).fetchall()
    found: dict[tuple, list[tuple]] = {}
    for claim, role, country, year, verdict, rank in rows:
        found.setdefault((claim, role, country, year), []).append((verdict, rank))
    parties = two_platforms.execute(
        "select distinct claim_id, role, country_code from core__claims "
        "where country_code is not null"
    ).fetchall()
    expected = {}
    for claim, role, country in parties:
        for year in (2021, 2022):
            rank = TWO_PLATFORM_RANKS[year, role].get(country)
            verdict = "contradicted" if rank is None else "supported"
            expected[claim, role, country, year] = [(verdict, rank)]
    assert len(expected) == 2 * 55
    assert found == expected


def test_observed_sets_carry_one_platform_label(two_platforms) -> None:
    labels = two_platforms.execute(
        "select year, role, list(distinct platform) from out__country_shares "
        "where source_id = 'csv' group by all"
    ).fetchall()
    assert {(year, role): sorted(label) for year, role, label in labels} == {
        (2021, "buyer"): ["Alpha, Beta"],
        (2021, "seller"): ["Alpha, Beta"],
        (2022, "buyer"): ["Beta"],
        (2022, "seller"): ["Beta"],
    }
    rule = two_platforms.execute(
        "select distinct rule from out__claims_check where source_id = 'csv' and year = 2021 "
        "and role = 'buyer' and country_code = 'CAN'"
    ).fetchall()
    assert rule == [
        (
            "claimed buyer among the top 10 buyers of csv (Alpha, Beta, observed flows, 2021): "
            "rank 3 of 3 countries with projects (17.6 % of the projects)",
        )
    ]


def test_a_long_platform_list_is_named_in_part_and_counted() -> None:
    con = duckdb.connect()
    run_schema(con)
    con.execute(MINI)
    con.executemany(
        "insert into core__tallies (source_id, platform, period_start, period_end, role, "
        "buyer_country_code, seller_country_code, occupation, measure, amount, location) "
        "values ('obs', $1, '2020-01-01', '2020-12-31', 'pair', 'USA', 'IND', 'unknown', "
        "'projects', 1, 'x')",
        [(f"p{i}",) for i in range(7, 0, -1)],
    )
    estimate.run(con)
    build_out_tables(con)
    labels = con.execute("select distinct platform from out__country_shares").fetchall()
    assert labels == [("p1, p2, p3, p4, p5 and 2 more",)]
