"""The claims check's share and rank bounds of a country, its verdict bands at their edges and
the evidence sentence of each kind of figure, on small hand-made atlases whose every figure is
worked out by hand in the comments.

Each case has a market of its own: a party is judged only by the sets of its claim's market, so
the cases do not meet. The published figures need periods that are not calendar years and
qualifiers, which claims_atlas does not write: the atlases are built here from full rows."""

from __future__ import annotations

from collections.abc import Iterator, Sequence

import duckdb
import pytest
from claims_atlas import countries

from pipeline.build import estimate
from pipeline.build.sqlfiles import build_out_tables, run_schema

# Kenya and Madagascar make up the M49 intermediate region Eastern Africa.
COUNTRIES = countries("USA", "IND", "PHL", "BGD", "PAK", "NPL", "MEX", "KEN", "MDG")

Y2018 = ("2018-01-01", "2018-12-31")
Y2019 = ("2019-01-01", "2019-12-31")
Y2020 = ("2020-01-01", "2020-12-31")
# the second half of 2020: a period that is not a calendar year
H2_2020 = ("2020-07-01", "2020-12-31")


def seller(
    source: str,
    country: str,
    measure: str,
    amount: float,
    qualifier: str | None = None,
    period: tuple[str, str] = Y2019,
    platform: str = "p",
) -> tuple:
    """A published seller figure as a core__tallies row (the "rest of world" remainder row the
    loader adds is left out: the shares of a set leave it to unlisted countries anyway)."""
    return (source, platform, *period, "seller", None, country, measure, amount, qualifier)


def pair(source: str, buyer: str, sellers: str, projects: float) -> tuple:
    """Observed projects of 2020 bought in one country and sold in another."""
    return (source, "p", *Y2020, "pair", buyer, sellers, "projects", projects, None)


def build_atlas(
    sources: Sequence[tuple[str, str]],
    claims: Sequence[tuple],
    tallies: Sequence[tuple],
    platform_lineage: Sequence[tuple[str, str, str, str]] = (),
) -> duckdb.DuckDBPyConnection:
    """sources: (source, market), each its own family; claims: (claim, role, country, region,
    M49 area, market, proposition, stated share); tallies: from seller() and pair();
    platform_lineage: (source, platform, derived_from, family) for one platform of a source."""
    con = duckdb.connect()
    run_schema(con)
    con.execute(COUNTRIES)
    con.executemany(
        "insert into core__sources (source_id, title, citation, method, market) "
        "values ($1, $1, $1, 'curated', $2)",
        sources,
    )
    con.executemany(
        "insert into core__source_lineage values ($1, null, null, $1)", [s[:1] for s in sources]
    )
    if platform_lineage:
        con.executemany(
            "insert into core__source_lineage values ($1, $2, $3, $4)", platform_lineage
        )
    con.executemany(
        "insert into core__claims (claim_id, source_id, role, country_code, region_label, "
        "region_m49, market, proposition, stated_share_pct, statement, proposition_words) "
        "values ($1, 'claims', $2, $3, $4, $5, $6, $7, $8, 's', 'w')",
        claims,
    )
    con.executemany(
        "insert into core__tallies (source_id, platform, period_start, period_end, role, "
        "buyer_country_code, seller_country_code, occupation, measure, amount, qualifier, "
        "location) values ($1, $2, $3, $4, $5, $6, $7, 'unknown', $8, $9, $10, 'x')",
        tallies,
    )
    estimate.run(con)
    build_out_tables(con)
    return con


# source, market
SOURCES = [
    ("tie", "ties"),
    ("pubs", "shares"),
    ("zero", "zeros"),
    ("rk", "ranks"),
    ("tk", "ranks"),
    ("inc", "ranks"),
    ("agg", "lineage"),
    ("orig", "lineage"),
    ("b25", "bands"),
    ("b2499", "bands"),
    ("b125", "bands"),
    ("b1249", "bands"),
    ("r1", "region_bands"),
    ("r2", "region_bands"),
]

# Every figure is a seller's: no set at all has buyers.
TALLIES = [
    # India 50.5 %, the Philippines 24.75 %: 24.75 % left to unlisted countries, exactly the
    # Philippines' share, so only India is certainly above an unlisted country
    seller("tie", "IND", "share_pct", 50.5),
    seller("tie", "PHL", "share_pct", 24.75),
    # 55.25 + 20 = 75.25 listed, 24.75 % unlisted
    seller("pubs", "PHL", "share_pct", 55.25, "about"),
    seller("pubs", "IND", "share_pct", 20),
    # a share printed as 0 % and one below 1 %: 60 + 0.75 + 0 listed, 39.25 % unlisted
    seller("zero", "IND", "share_pct", 60),
    seller("zero", "PAK", "share_pct", 0.75),
    seller("zero", "NPL", "share_pct", 0),
    # a complete printed top 4, the 4th ranked by what it counts
    seller("rk", "IND", "rank", 1, period=Y2018),
    seller("rk", "PHL", "rank", 2, period=Y2018),
    seller("rk", "BGD", "rank", 3, period=Y2018),
    seller("rk", "PAK", "rank", 4, "by US$ inflow", period=Y2018),
    # a top 3 in no stated order
    *[seller("tk", c, "top_k", 3, period=Y2018) for c in ("IND", "PHL", "BGD")],
    # ranks 2 and 5 printed: not a complete top list
    seller("inc", "IND", "rank", 2, period=Y2018),
    seller("inc", "PHL", "rank", 5, period=Y2018),
    # agg's platform p (India third at 12 %, 8 % unlisted) counts as agg; its platform q
    # re-reports orig (India 70 %, 30 % unlisted) and counts as orig
    seller("agg", "PHL", "share_pct", 50),
    seller("agg", "BGD", "share_pct", 30),
    seller("agg", "IND", "share_pct", 12),
    seller("agg", "IND", "share_pct", 70, platform="q"),
    seller("orig", "PHL", "share_pct", 45),
    seller("orig", "IND", "share_pct", 40),
    # India at a stated share S = 25 %, at S minus a hair, at S / 2 and below it
    seller("b25", "IND", "share_pct", 25),
    seller("b2499", "IND", "share_pct", 24.99),
    seller("b125", "PHL", "share_pct", 47.5, period=H2_2020),
    seller("b125", "IND", "share_pct", 12.5, period=H2_2020),
    seller("b1249", "IND", "share_pct", 12.49),
    # Kenya listed, Madagascar not: Eastern Africa holds 20 % and at most 20 + 5 = 25 % (r1),
    # or 10 % and at most 10 + 10 = 20 % (r2)
    seller("r1", "KEN", "share_pct", 20),
    seller("r1", "IND", "share_pct", 75),
    seller("r2", "KEN", "share_pct", 10),
    seller("r2", "IND", "share_pct", 80),
]

PLATFORM_LINEAGE = [("agg", "q", "orig", "orig")]

# claim, role, country, region, M49 area, market, proposition, stated share
CLAIMS = [
    ("T1", "seller", "BGD", None, None, "ties", "leading", None),
    ("T2", "seller", "PHL", None, None, "shares", "leading", None),
    ("T2", "seller", "IND", None, None, "shares", "leading", None),
    ("Z1", "seller", "PAK", None, None, "zeros", "present", None),
    ("Z1", "seller", "NPL", None, None, "zeros", "present", None),
    ("R1", "seller", "IND", None, None, "ranks", "leading", None),
    ("R1", "seller", "MEX", None, None, "ranks", "leading", None),
    ("R2", "seller", "PAK", None, None, "ranks", "leading", None),
    ("L1", "seller", "IND", None, None, "lineage", "leading", None),
    ("S1", "seller", "IND", None, None, "bands", "leading", 25.0),
    ("S2", "seller", None, "Eastern Africa", "Eastern Africa", "region_bands", "leading", 25.0),
    # no source has a buyer set, of any market
    ("N1", "buyer", "USA", None, None, "ties", "present", None),
]


@pytest.fixture(scope="module")
def atlas() -> Iterator[duckdb.DuckDBPyConnection]:
    con = build_atlas(SOURCES, CLAIMS, TALLIES, PLATFORM_LINEAGE)
    yield con
    con.close()


@pytest.fixture(scope="module")
def observed() -> Iterator[duckdb.DuckDBPyConnection]:
    # 40 projects of 2020 bought in the United States: India sells 30, the Philippines 10
    con = build_atlas(
        [("obs", "observed")],
        [("O1", "seller", "BGD", None, None, "observed", "present", None)],
        [pair("obs", "USA", "IND", 30), pair("obs", "USA", "PHL", 10)],
    )
    yield con
    con.close()


BOUNDS = "verdict, share_pct, share_low_pct, share_high_pct, rank_best, rank_worst"


def bounds(con: duckdb.DuckDBPyConnection, claim: str, party: str) -> dict[str, tuple]:
    """source -> (verdict, share, share low, share high, best rank, worst rank) of a party."""
    rows = con.execute(
        f"select source_id, {BOUNDS} from out__claims_check "
        "where claim_id = ? and coalesce(country_code, region_label) = ?",
        [claim, party],
    ).fetchall()
    return {row[0]: row[1:] for row in rows}


def rule(con: duckdb.DuckDBPyConnection, claim: str, party: str, source: str) -> str:
    return con.execute(
        "select rule from out__claims_check where claim_id = ? and country_code = ? "
        "and source_id = ?",
        [claim, party, source],
    ).fetchone()[0]


def party_and_claim_verdicts(con: duckdb.DuckDBPyConnection, claim: str) -> set[tuple]:
    """(party, its verdict, the claim's verdict, the claim's counts) of a claim."""
    return set(
        con.execute(
            "select coalesce(country_code, region_label), party_verdict, claim_verdict, "
            "claim_counts from out__claims_check where claim_id = ?",
            [claim],
        ).fetchall()
    )


LEADING_1 = (
    "leading seller, 1 named: supported at rank ≤ 1, borderline at rank 2, contradicted from 3"
)
LEADING_2 = "leading seller, 2 named: supported at rank ≤ 2, borderline 3–4, contradicted from 5"


def test_an_unlisted_country_ties_a_listed_share_equal_to_what_is_unlisted(atlas) -> None:
    # Bangladesh, unlisted, holds 0..24.75 %: it can tie the Philippines (24.75 %), a tie that
    # may fall its way, but never pass India (50.5 %), so only India is certainly above it: rank
    # 2 or lower (k = 1: neither certainly 1st nor certainly below 2nd, so no data)
    assert bounds(atlas, "T1", "BGD") == {"tie": ("no data", None, 0.0, 24.75, 2, None)}
    assert rule(atlas, "T1", "BGD", "tie") == (
        f"{LEADING_1} — tie (p, published shares, 2019; ties, counted as tie): not among the 2 "
        "countries listed, 24.8 % left to unlisted countries: rank 2 or lower"
    )


def test_a_listed_share_ranks_down_to_what_the_unlisted_share_allows(atlas) -> None:
    # k = 2. The Philippines, 55.25 % and 1st: no unlisted country (24.75 % in all) can pass it,
    # rank 1 to 1 + floor(24.75 / 55.25) = 1: supported. India, 20 % and 2nd: one unlisted
    # country can hold more, rank 2 to 2 + floor(24.75 / 20) = 3: 2 is within k but 3 is not
    # certainly beyond it, so no data
    assert bounds(atlas, "T2", "PHL") == {"pubs": ("supported", 55.25, 55.25, 55.25, 1, 1)}
    assert bounds(atlas, "T2", "IND") == {"pubs": ("no data", 20.0, 20.0, 20.0, 2, 3)}
    assert rule(atlas, "T2", "PHL", "pubs") == (
        f"{LEADING_2} — pubs (p, published shares, 2019; shares, counted as pubs): listed 1 "
        "of 2 at about 55.25 %, 24.8 % left to unlisted countries: rank 1"
    )
    assert party_and_claim_verdicts(atlas, "T2") == {
        ("PHL", "supported", "partly supported", "1 supported, 1 no data"),
        ("IND", "no data", "partly supported", "1 supported, 1 no data"),
    }


def test_a_share_of_zero_has_no_lowest_rank(atlas) -> None:
    # Pakistan, 0.75 % and 2nd: floor(39.25 / 0.75) = 52 unlisted countries can hold more,
    # rank 2 to 54; 0.75 % >= 0.1 %: supported as present. Nepal, printed at 0 %: every
    # unlisted country can hold more, rank 3 or lower; a published share never contradicts
    assert bounds(atlas, "Z1", "PAK") == {"zero": ("supported", 0.75, 0.75, 0.75, 2, 54)}
    assert bounds(atlas, "Z1", "NPL") == {"zero": ("no data", 0.0, 0.0, 0.0, 3, None)}
    present = (
        "named seller: supported at ≥ 0.1 % or in a printed top list, contradicted below "
        "0.01 % only in observed data of ≥ 10,000 projects — zero (p, published shares, 2019; "
        "zeros, counted as zero): "
    )
    assert rule(atlas, "Z1", "PAK", "zero") == (
        f"{present}listed 2 of 3 at 0.75 %, 39.3 % left to unlisted countries: rank 2 to 54"
    )
    assert rule(atlas, "Z1", "NPL", "zero") == (
        f"{present}listed 3 of 3 at 0.0 %, 39.3 % left to unlisted countries: rank 3 or lower"
    )


def test_printed_ranks_bound_the_share_and_the_rank(atlas) -> None:
    # k = 2 for India and Mexico, k = 1 for Pakistan. A printed rank r: share at most 100 / r.
    # A complete top 4 that leaves a country out: rank 5 or lower, share at most 100 / 5. A
    # top 3 in no stated order: its countries rank 1 to 3, the others 4 or lower (at most
    # 100 / 4 %). A list that is not a complete top list says nothing of the others.
    assert bounds(atlas, "R1", "IND") == {
        "rk": ("supported", None, None, 100.0, 1, 1),
        "tk": ("no data", None, None, None, 1, 3),  # 1..3 straddles k = 2
        "inc": ("supported", None, None, 50.0, 2, 2),
    }
    assert bounds(atlas, "R1", "MEX") == {
        "rk": ("contradicted", None, None, 20.0, 5, None),  # 5 > 2k
        "tk": ("no data", None, None, 25.0, 4, None),  # 4 = 2k, and no lowest rank
        "inc": ("no data", None, None, None, 1, None),
    }
    assert bounds(atlas, "R2", "PAK") == {
        "rk": ("contradicted", None, None, 25.0, 4, 4),  # 4 > 2k = 2
        "tk": ("contradicted", None, None, 25.0, 4, None),
        "inc": ("no data", None, None, None, 1, None),
    }
    assert party_and_claim_verdicts(atlas, "R1") == {
        ("IND", "supported", "partly supported", "1 supported, 1 contradicted"),
        ("MEX", "contradicted", "partly supported", "1 supported, 1 contradicted"),
    }
    assert party_and_claim_verdicts(atlas, "R2") == {
        ("PAK", "contradicted", "contradicted", "1 contradicted"),
    }


def test_each_kind_of_printed_rank_is_described(atlas) -> None:
    def ranks(source: str) -> str:
        return f"— {source} (p, published ranks, 2018; ranks, counted as {source}): "

    assert rule(atlas, "R2", "PAK", "rk") == (
        f"{LEADING_1} {ranks('rk')}rank 4 as printed (by US$ inflow)"
    )
    assert rule(atlas, "R1", "IND", "rk") == f"{LEADING_2} {ranks('rk')}rank 1 as printed"
    assert rule(atlas, "R1", "IND", "tk") == (
        f"{LEADING_2} {ranks('tk')}among the printed top 3 in no stated order: rank 1 to 3"
    )
    assert rule(atlas, "R1", "MEX", "rk") == (
        f"{LEADING_2} {ranks('rk')}not in the printed top 4: rank 5 or lower"
    )
    assert rule(atlas, "R1", "MEX", "tk") == (
        f"{LEADING_2} {ranks('tk')}not in the printed top 3: rank 4 or lower"
    )
    assert rule(atlas, "R1", "MEX", "inc") == (
        f"{LEADING_2} {ranks('inc')}not among the 2 ranks printed, which are not a complete "
        "top list"
    )


def test_a_platform_of_a_source_counts_in_the_family_it_re_reports(atlas) -> None:
    # k = 1. agg on p: India 3rd, rank 3 to 3 + floor(8 / 12) = 3: contradicted; agg on q:
    # 70 %, rank 1 to 1 + floor(30 / 70) = 1: supported; orig: 40 % behind 45 %, rank 2 to
    # 2 + floor(15 / 40) = 2: borderline. Family agg: contradicted; family orig (agg on q and
    # orig): supported; so the sources disagree.
    rows = atlas.execute(
        "select source_id, platform, family, verdict, rank_best, rank_worst, family_verdict, "
        "party_verdict, claim_verdict, claim_counts from out__claims_check "
        "where claim_id = 'L1' order by source_id, platform"
    ).fetchall()
    disagree = ("sources disagree", "partly supported", "1 sources disagree")
    assert rows == [
        ("agg", "p", "agg", "contradicted", 3, 3, "contradicted", *disagree),
        ("agg", "q", "orig", "supported", 1, 1, "supported", *disagree),
        ("orig", "p", "orig", "borderline", 2, 2, "supported", *disagree),
    ]


def test_a_stated_share_band_at_its_edges(atlas) -> None:
    # S = 25: supported at >= 25 %, borderline at 12.5..25 %, contradicted below 12.5 %
    assert bounds(atlas, "S1", "IND") == {
        # exactly S; three unlisted countries can hold 25 % each, and a tie may fall against
        # India: rank 1 to 1 + floor(75 / 25) = 4
        "b25": ("supported", 25.0, 25.0, 25.0, 1, 4),
        "b2499": ("borderline", 24.99, 24.99, 24.99, 1, 4),  # just below S
        "b125": ("borderline", 12.5, 12.5, 12.5, 2, 5),  # exactly S / 2: 2 + floor(40 / 12.5)
        "b1249": ("contradicted", 12.49, 12.49, 12.49, 1, 8),  # just below S / 2
    }
    # the rule's S / 2 has decimals; the period is half a year
    assert rule(atlas, "S1", "IND", "b125") == (
        "leading seller, said to hold 25.0 %: supported at ≥ 25.0 %, borderline 12.5–25.0 %, "
        "contradicted below 12.5 % — b125 (p, published shares, 2020-07-01 to 2020-12-31; "
        "bands, counted as b125): listed 2 of 2 at 12.5 %, 40.0 % left to unlisted countries: "
        "rank 2 to 5"
    )
    assert party_and_claim_verdicts(atlas, "S1") == {
        ("IND", "sources disagree", "partly supported", "1 sources disagree")
    }


def test_a_stated_share_band_on_a_share_known_within_bounds(atlas) -> None:
    # Eastern Africa, S = 25: 20..25 % is at least S / 2 but not certainly below S (r1), and
    # 10..20 % is certainly below S but not certainly at least S / 2 (r2): no data either way
    assert bounds(atlas, "S2", "Eastern Africa") == {
        "r1": ("no data", None, 20.0, 25.0, 2, 2),  # 75 % outside above; 2 + floor(5 / 20)
        "r2": ("no data", None, 10.0, 20.0, 2, 3),  # 80 % outside above; 2 + floor(10 / 10)
    }


def test_a_side_that_no_source_measures_has_one_row(atlas) -> None:
    rows = atlas.execute(
        "select source_id, verdict, rule from out__claims_check where claim_id = 'N1'"
    ).fetchall()
    assert rows == [(None, "not measured", "not measured: no source measures the buyers of ties")]


def test_an_observed_country_without_projects_ranks_below_those_with(observed) -> None:
    # Bangladesh sells none of the 40 projects: below the 2 sellers, rank 3 or lower, 0 %;
    # 40 projects are too few to contradict a country named as present
    assert bounds(observed, "O1", "BGD") == {"obs": ("no data", None, 0.0, 0.0, 3, None)}
    assert rule(observed, "O1", "BGD", "obs") == (
        "named seller: supported at ≥ 0.1 % or in a printed top list, contradicted below "
        "0.01 % only in observed data of ≥ 10,000 projects — obs (p, observed flows, 2020; "
        "observed, counted as obs): no projects among the 2 countries with projects "
        "(40 projects)"
    )
