"""Claims checked against the data, on a hand-made mini atlas whose verdicts are worked out by
hand, and on the shipped data against the reviewed table in tests/fixtures/claims/."""

from __future__ import annotations

import csv
from collections import Counter
from pathlib import Path

import duckdb
import pytest
from claims_atlas import claims_atlas, countries

from pipeline.build import estimate
from pipeline.build.run import build_database
from pipeline.build.sqlfiles import build_out_tables, run_schema
from pipeline.commands.fetch import run_fetch
from pipeline.util.paths import SQL_DIR

FIXTURES = Path(__file__).parents[1] / "fixtures"

# Countries, with the M49 intermediate region of the two Central American ones.
COUNTRIES = countries(
    "USA", "IND", "PHL", "BGD", "MEX", "GTM", "KEN", "NPL", "PAK", "LKA", "MDG", "SGP"
)

# source, market, derived_from, family (as the loader writes core__source_lineage)
SOURCES = [
    ("obs", "online_freelance", None, "obs"),
    ("small", "online_freelance", None, "small"),
    ("rk", "online_freelance", None, "rk"),
    ("pub", "online_freelance", None, "pub"),
    ("blog", "online_freelance", "pub", "pub"),
    ("mt", "microtask_crowdwork", None, "mt"),
    ("usr", None, None, "usr"),
]

# Observed projects of 2020, all bought in the United States: 10,000 in all, so each project is
# 0.01 % of the sellers. Seller ranks: IND 1 (50 %), PHL 2 (20 %), BGD 3 (12 %), MEX 4 (7 %),
# GTM 5 (6 %), KEN 6 (4.8 %), NPL 7 (0.1 %), PAK 8 (0.09 %), LKA 9 (0.01 %); Madagascar none.
OBSERVED = {
    "IND": 5000,
    "PHL": 2000,
    "BGD": 1200,
    "MEX": 700,
    "GTM": 600,
    "KEN": 480,
    "NPL": 10,
    "PAK": 9,
    "LKA": 1,
}

# source, period, role, buyer, seller, region, measure, amount
TALLIES = [
    *[("obs", 2020, "pair", "USA", c, None, "projects", n) for c, n in OBSERVED.items()],
    # 9,999 projects: too few for a share of 0 to contradict a country named as present
    ("small", 2021, "pair", "USA", "IND", None, "projects", 9999),
    # a complete printed top 4 of sellers
    *[
        ("rk", 2018, "seller", None, c, None, "rank", i + 1)
        for i, c in enumerate(["IND", "PHL", "BGD", "MEX"])
    ],
    ("pub", 2019, "seller", None, "IND", None, "share_pct", 40),
    ("pub", 2019, "seller", None, "PHL", None, "share_pct", 8),
    ("pub", 2019, "seller", None, None, "rest of world", "share_pct", 52),
    # a re-report of pub, which puts the Philippines first
    ("blog", 2019, "seller", None, "PHL", None, "share_pct", 60),
    ("blog", 2019, "seller", None, None, "rest of world", "share_pct", 40),
    ("mt", 2015, "seller", None, "USA", None, "share_pct", 80),
    ("mt", 2015, "seller", None, "IND", None, "share_pct", 20),
    ("usr", 2019, "pair", "USA", "KEN", None, "projects", 5),
]

F, M = "online_freelance", "microtask_crowdwork"
# claim, role, country, region, M49 area, market, proposition, stated share, scope
CLAIMS = [
    # leading, k = 2: rank 2 (= k) and rank 3 (k + 1)
    ("C1", "seller", "PHL", None, None, F, "leading", None, None),
    ("C1", "seller", "BGD", None, None, F, "leading", None, None),
    # leading, k = 2: rank 4 (= 2k) and rank 5 (2k + 1)
    ("C2", "seller", "MEX", None, None, F, "leading", None, None),
    ("C2", "seller", "GTM", None, None, F, "leading", None, None),
    # said to supply most (50 %)
    ("C3", "seller", "IND", None, None, F, "leading", 50.0, None),
    ("C4", "seller", "BGD", None, None, F, "leading", 50.0, None),
    # named as places the work comes from
    ("C6", "seller", "KEN", None, None, F, "present", None, None),
    ("C6", "seller", "NPL", None, None, F, "present", None, None),
    ("C6", "seller", "PAK", None, None, F, "present", None, None),
    ("C6", "seller", "LKA", None, None, F, "present", None, None),
    ("C6", "seller", "MDG", None, None, F, "present", None, None),
    # a region among the leading three
    ("C7", "seller", "IND", None, None, F, "leading", None, None),
    ("C7", "seller", "PHL", None, None, F, "leading", None, None),
    ("C7", "seller", None, "Central America", "Central America", F, "leading", None, None),
    # a market no source measures
    ("C8", "buyer", "USA", None, None, "crowdturfing", "present", None, None),
    ("C8", "seller", "KEN", None, None, "crowdturfing", "present", None, None),
    ("C9", "seller", "IND", None, None, M, "leading", None, None),
    ("C10", "seller", "SGP", None, None, F, "anecdote", None, None),
    ("C11", "seller", "IND", None, None, F, "present", None, "translation"),
    ("C12", "seller", "PHL", None, None, F, "leading", None, None),
    # a supported party beside an anecdote, and beside a party nothing measures
    ("C13", "seller", "IND", None, None, F, "present", None, None),
    ("C13", "seller", "SGP", None, None, F, "anecdote", None, None),
    ("C14", "seller", "IND", None, None, F, "present", None, None),
    ("C14", "seller", "BGD", None, None, "crowdturfing", "present", None, None),
]


def mini_atlas() -> duckdb.DuckDBPyConnection:
    return claims_atlas(COUNTRIES, SOURCES, CLAIMS, TALLIES)


@pytest.fixture(scope="module")
def atlas():
    con = mini_atlas()
    yield con
    con.close()


def verdicts(con: duckdb.DuckDBPyConnection, claim: str) -> dict[tuple, str]:
    """(party, source) -> the set's verdict; (party, None) for a row without a set."""
    rows = con.execute(
        "select coalesce(country_code, region_label), source_id, verdict "
        "from out__claims_check where claim_id = ?",
        [claim],
    ).fetchall()
    return {(party, source): verdict for party, source, verdict in rows}


def parties(con: duckdb.DuckDBPyConnection) -> dict[tuple, str]:
    rows = con.execute(
        "select distinct claim_id, coalesce(country_code, region_label), party_verdict "
        "from out__claims_check"
    ).fetchall()
    return {(claim, party): verdict for claim, party, verdict in rows}


def claims(con: duckdb.DuckDBPyConnection) -> dict[str, tuple[str, str]]:
    rows = con.execute(
        "select distinct claim_id, claim_verdict, claim_counts from out__claims_check"
    ).fetchall()
    return {claim: (verdict, counts) for claim, verdict, counts in rows}


def test_rank_band_at_its_edges(atlas) -> None:
    # k = 2: supported at rank <= 2, borderline at 3..4, contradicted from 5
    assert verdicts(atlas, "C1") == {
        ("PHL", "obs"): "supported",  # rank 2: exactly k
        ("PHL", "rk"): "supported",
        # 8 % listed 2nd with 52 % unlisted: rank 2 to 2 + 6 = 8, both sides of k
        ("PHL", "pub"): "no data",
        ("PHL", "blog"): "supported",  # 60 %, first
        ("BGD", "obs"): "borderline",  # rank 3: just inside the band
        ("BGD", "rk"): "borderline",
        ("BGD", "pub"): "no data",  # unlisted: could be first
        ("BGD", "blog"): "no data",
        # 2021: India alone, so any other country is 2nd or lower: not beyond 2k
        ("PHL", "small"): "no data",
        ("BGD", "small"): "no data",
        # a source with no declared market: shown, never a verdict
        ("PHL", "usr"): "context",
        ("BGD", "usr"): "context",
    }
    assert verdicts(atlas, "C2") == {
        ("MEX", "obs"): "borderline",  # rank 4: the band's last rank, 2k
        ("MEX", "rk"): "borderline",
        ("MEX", "pub"): "no data",
        ("MEX", "blog"): "no data",
        ("GTM", "obs"): "contradicted",  # rank 5: just outside, 2k + 1
        ("GTM", "rk"): "contradicted",  # not in a complete top 4: rank 5 or lower
        ("GTM", "pub"): "no data",
        ("GTM", "blog"): "no data",
        ("MEX", "small"): "no data",
        ("GTM", "small"): "no data",
        ("MEX", "usr"): "context",
        ("GTM", "usr"): "context",
    }


def test_a_stated_share_is_judged_as_a_share(atlas) -> None:
    # "most": supported at >= 50 %, borderline at 25..50 %, contradicted below 25 %
    assert verdicts(atlas, "C3") == {
        ("IND", "obs"): "supported",  # 5,000 of 10,000: exactly 50 %
        ("IND", "pub"): "borderline",  # 40 %
        ("IND", "blog"): "no data",  # unlisted, at most 40 %: 0..40 straddles 25
        ("IND", "rk"): "no data",  # first: a share of up to 100 %
        ("IND", "small"): "supported",  # all of 2021's projects
        ("IND", "usr"): "context",
    }
    assert verdicts(atlas, "C4") == {
        ("BGD", "obs"): "contradicted",  # 12 %
        ("BGD", "rk"): "no data",  # third: at most 100 / 3 = 33.3 %
        ("BGD", "pub"): "no data",
        ("BGD", "blog"): "no data",
        ("BGD", "small"): "contradicted",  # no project in 2021
        ("BGD", "usr"): "context",
    }


def test_share_floor_at_its_edges(atlas) -> None:
    # present: supported at >= 0.1 %, borderline at 0.01..0.1 %, contradicted below 0.01 %
    # in observed data of at least 10,000 projects; a printed top list names only the present
    found = verdicts(atlas, "C6")
    assert {p: v for (p, s), v in found.items() if s == "obs"} == {
        "KEN": "supported",  # 4.8 %
        "NPL": "supported",  # 10 of 10,000: exactly 0.1 %
        "PAK": "borderline",  # 9 of 10,000: just below the floor
        "LKA": "borderline",  # 1 of 10,000: exactly 0.01 %, not below it
        "MDG": "contradicted",  # none of 10,000
    }
    # 9,999 projects, none from Madagascar: one project short of contradicting
    assert found["MDG", "small"] == "no data"
    # published figures never contradict a country named as present
    assert {v for (p, s), v in found.items() if s in ("rk", "pub", "blog")} == {"no data"}
    assert parties(atlas)["C6", "MDG"] == "contradicted"


def test_a_region_is_its_countries_summed(atlas) -> None:
    # Mexico (7 %) and Guatemala (6 %): 13 %, above Bangladesh (12 %), so third as one unit
    # (k = 3) while neither country alone is
    row = atlas.execute(
        "select verdict, rank, share_pct, rule from out__claims_check "
        "where claim_id = 'C7' and region_label = 'Central America' and source_id = 'obs'"
    ).fetchone()
    assert row[:2] == ("supported", 3) and row[2] == pytest.approx(13.0)
    assert "UN M49 Central America (2 countries) summed: 13.0 % of the 10000 projects" in row[3]
    # a top list that ranks Mexico 4th puts the region 1st to 4th: both sides of k = 3
    assert verdicts(atlas, "C7")["Central America", "rk"] == "no data"
    assert parties(atlas)["C7", "Central America"] == "supported"


def test_other_markets_are_context_never_a_verdict(atlas) -> None:
    found = verdicts(atlas, "C8")
    assert found["USA", None] == found["KEN", None] == "not measured"
    # every set of the party's side is shown beside it, as context
    assert found["KEN", "obs"] == found["KEN", "mt"] == found["KEN", "usr"] == "context"
    assert found["USA", "obs"] == "context" and ("USA", "mt") not in found
    assert parties(atlas)["C8", "KEN"] == "not measured"
    rule = atlas.execute(
        "select rule from out__claims_check where claim_id = 'C8' and country_code = 'KEN' "
        "and source_id = 'obs'"
    ).fetchone()[0]
    assert rule == (
        "context, not a verdict (online_freelance data; the claim is about crowdturfing) — "
        "obs (p, observed flows, 2020; online_freelance, counted as obs): rank 6 of 9 "
        "countries with projects, 4.8 % of the 10000 projects"
    )
    # a microtask source judges a microtask claim; freelance figures are not even shown then
    assert verdicts(atlas, "C9") == {("IND", "mt"): "borderline", ("IND", "usr"): "context"}


def test_anecdotes_and_narrow_scopes_are_not_judged(atlas) -> None:
    assert verdicts(atlas, "C10") == {("SGP", None): "not judged"}
    found = verdicts(atlas, "C11")
    assert found.pop(("IND", None)) == "no data"
    assert set(found.values()) == {"context"}


def test_re_reports_count_once(atlas) -> None:
    rows = atlas.execute(
        "select source_id, family, verdict, family_verdict from out__claims_check "
        "where claim_id = 'C12' order by source_id"
    ).fetchall()
    # blog re-reports pub: one family, whose vote is blog's "supported"
    assert rows == [
        ("blog", "pub", "supported", "supported"),
        ("obs", "obs", "borderline", "borderline"),
        ("pub", "pub", "no data", "supported"),
        ("rk", "rk", "borderline", "borderline"),
        ("small", "small", "no data", "no data"),
        ("usr", "usr", "context", None),
    ]
    sql = (SQL_DIR / "maps" / "claims_check.sql").read_text(encoding="utf-8")
    votes = atlas.execute(f"select families, votes from ({sql}) where claim_id = 'C12'").fetchone()
    assert votes == (4, "obs: borderline; pub: supported; rk: borderline; small: no data")


def test_party_and_claim_verdicts(atlas) -> None:
    assert claims(atlas) == {
        "C1": ("partly supported", "1 supported, 1 borderline"),
        "C2": ("partly supported", "1 borderline, 1 contradicted"),
        "C3": ("supported", "1 supported"),
        "C4": ("contradicted", "1 contradicted"),
        "C6": ("partly supported", "2 supported, 2 borderline, 1 contradicted"),
        "C7": ("supported", "3 supported"),
        "C8": ("not measured", "2 not measured"),
        "C9": ("partly supported", "1 borderline"),
        "C10": ("not judged", "1 not judged"),
        "C11": ("not measured", "1 no data"),
        "C12": ("supported", "1 supported"),
        # an anecdote beside a supported party leaves the claim supported...
        "C13": ("supported", "1 supported, 1 not judged"),
        # ...a party nothing measures does not
        "C14": ("partly supported", "1 supported, 1 not measured"),
    }


def test_the_rule_states_the_band_the_source_and_the_figure(atlas) -> None:
    row = atlas.execute(
        "select k, source_market, family, basis, rank_best, rank_worst, share_pct, rule "
        "from out__claims_check where claim_id = 'C1' and country_code = 'PHL' "
        "and source_id = 'pub'"
    ).fetchone()
    assert row[:7] == (2, "online_freelance", "pub", "published shares", 2, 8, 8.0)
    assert row[7] == (
        "leading seller, 2 named: supported at rank ≤ 2, borderline 3–4, contradicted from 5 "
        "— pub (p, published shares, 2019; online_freelance, counted as pub): listed 2 of 2 at "
        "8.0 %, 52.0 % left to unlisted countries: rank 2 to 8"
    )


def no_mark_from_another_market(con: duckdb.DuckDBPyConnection) -> list[tuple]:
    """Rows whose verdict counts for or against a party but whose source measures another
    market than the claim's (there must be none)."""
    return con.execute(
        "select claim_id, country_code, region_label, source_id, verdict from out__claims_check "
        "where verdict in ('supported', 'borderline', 'contradicted', 'no data') "
        "and source_id is not null and source_market is distinct from market"
    ).fetchall()


def test_no_mark_rests_on_a_source_of_another_market(atlas, shipped_con) -> None:
    assert no_mark_from_another_market(atlas) == []
    assert no_mark_from_another_market(shipped_con) == []
    # and every negative party verdict has a negative set of its own market behind it
    for con in (atlas, shipped_con):
        unbacked = con.execute(
            "select claim_id, country_code from out__claims_check "
            "where party_verdict in ('contradicted', 'borderline') "
            "group by claim_id, role, country_code, region_label, party_verdict "
            "having count(*) filter (where verdict = party_verdict and source_market = market) "
            "= 0"
        ).fetchall()
        assert unbacked == []


EXPECTED = FIXTURES / "claims"


def reviewed(name: str) -> list[dict[str, str]]:
    with (EXPECTED / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


def test_shipped_claims_give_the_reviewed_verdicts(shipped_con) -> None:
    found = {
        (claim, role, party): (market, proposition, verdict)
        for claim, role, party, market, proposition, verdict in shipped_con.execute(
            "select distinct claim_id, role, coalesce(country_code, region_label), market, "
            "proposition, party_verdict from out__claims_check"
        ).fetchall()
    }
    table = reviewed("expected_verdicts.csv")
    assert len(table) == 60
    expected = {
        (r["claim_id"], r["role"], r["party"]): (r["market"], r["proposition"], r["verdict"])
        for r in table
    }
    assert found == expected
    claim_table = reviewed("expected_claims.csv")
    assert claims(shipped_con) == {
        r["claim_id"]: (r["claim_verdict"], r["counts"]) for r in claim_table
    }
    # the parties the review expects counted, as the claims table says
    by_claim = Counter(r["claim_id"] for r in table)
    assert {r["claim_id"]: int(r["parties"]) for r in claim_table} == dict(by_claim)


def test_shipped_claims_have_a_verdict_for_every_party(shipped_con) -> None:
    missing = shipped_con.execute(
        "select claim_id, role, coalesce(country_code, region_label) from core__claims "
        "except select claim_id, role, coalesce(country_code, region_label) "
        "from out__claims_check"
    ).fetchall()
    assert missing == []


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


def test_a_user_table_with_no_market_is_context_over_all_its_platforms(two_platforms) -> None:
    rows = two_platforms.execute(
        "select claim_id, role, country_code, year, verdict, rank from out__claims_check "
        "where source_id = 'csv'"
    ).fetchall()
    found: dict[tuple, list[tuple]] = {}
    for claim, role, country, year, verdict, rank in rows:
        found.setdefault((claim, role, country, year), []).append((verdict, rank))
    # every country party that is not an anecdote sees the user's figures, as context only
    named = two_platforms.execute(
        "select distinct claim_id, role, country_code from core__claims "
        "where country_code is not null and proposition <> 'anecdote'"
    ).fetchall()
    expected = {
        (claim, role, country, year): [("context", TWO_PLATFORM_RANKS[year, role].get(country))]
        for claim, role, country in named
        for year in (2021, 2022)
    }
    assert len(expected) == 2 * 41
    assert {k: v for k, v in found.items() if k[2] is not None} == expected
    # the user's table changes no verdict
    assert two_platforms.execute(
        "select count(*) from out__claims_check where source_id = 'csv' and verdict <> 'context'"
    ).fetchone() == (0,)


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
        "select rule from out__claims_check where source_id = 'csv' and year = 2021 "
        "and claim_id = 'C1' and role = 'buyer' and country_code = 'CAN'"
    ).fetchall()
    # Canada buys 15 of the 85 projects of 2021: 17.647 %
    assert rule == [
        (
            "context, not a verdict (undeclared market data; the claim is about "
            "online_freelance) — csv (Alpha, Beta, observed flows, 2021; market not declared, "
            "counted as csv): rank 3 of 3 countries with projects, 17.647 % of the 85 projects",
        )
    ]


def test_a_long_platform_list_is_named_in_part_and_counted() -> None:
    con = duckdb.connect()
    run_schema(con)
    con.execute(COUNTRIES)
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
