"""Claims checked against the data, on a hand-made mini atlas whose verdicts are known."""

from __future__ import annotations

import duckdb
import pytest

from pipeline import estimate
from pipeline.paths import SQL_DIR
from pipeline.sqlfiles import build_out_tables, run_schema

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
