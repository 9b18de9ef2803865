"""A region named by a claim, judged as its UN M49 countries summed and ranked as one unit, on
hand-made atlases whose figures, verdicts and rule sentences are worked out by hand: observed
flows, published shares (none, some or all of a region's countries listed) and published
ranks."""

from __future__ import annotations

import duckdb
import pytest
from claims_atlas import claims_atlas, countries

# Five M49 areas: Central America and Eastern Africa of two countries here, Southern Asia of
# three, Australia and New Zealand of one, and Melanesia, none of whose countries is in this
# table (a sum over no country).
COUNTRIES = countries("USA", "MEX", "GTM", "IND", "BGD", "NPL", "PHL", "KEN", "MDG", "AUS")

F = "online_freelance"
CA, SA, EA = "Central America", "Southern Asia", "Eastern Africa"
ANZ, MEL = "Australia and New Zealand", "Melanesia"

LEADING_1 = (
    "leading seller, 1 named: supported at rank ≤ 1, borderline at rank 2, contradicted from 3"
)
LEADING_2 = "leading seller, 2 named: supported at rank ≤ 2, borderline 3–4, contradicted from 5"
PRESENT = (
    "named seller: supported at ≥ 0.1 % or in a printed top list, contradicted below 0.01 % "
    "only in observed data of ≥ 10,000 projects"
)


def region(claim: str, area: str, proposition: str) -> tuple:
    """A claim's row naming an M49 area (labelled with the area's name)."""
    return (claim, "seller", None, area, area, F, proposition, None, None)


def country(claim: str, code: str, proposition: str) -> tuple:
    return (claim, "seller", code, None, None, F, proposition, None, None)


def sold(year: int, projects: dict[str, int]) -> list[tuple]:
    """Observed projects of one year, all bought in the United States."""
    return [("obs", year, "pair", "USA", c, None, "projects", n) for c, n in projects.items()]


def figures(con: duckdb.DuckDBPyConnection, claim: str) -> list[tuple]:
    """Each region's rows of a claim, one per set: (party, source, year, verdict, rank,
    share_pct, share_low_pct, share_high_pct, rank_best, rank_worst)."""
    return con.execute(
        "select region_label, source_id, year, verdict, rank, share_pct, share_low_pct, "
        "share_high_pct, rank_best, rank_worst from out__claims_check "
        "where claim_id = ? and region_label is not null order by all",
        [claim],
    ).fetchall()


def rules(con: duckdb.DuckDBPyConnection, claim: str) -> list[str]:
    """The rule sentence of each region's row of a claim, by party, source and year."""
    rows = con.execute(
        "select rule from out__claims_check where claim_id = ? and region_label is not null "
        "order by region_label, source_id, year",
        [claim],
    ).fetchall()
    return [rule for (rule,) in rows]


def votes(con: duckdb.DuckDBPyConnection, claim: str) -> list[tuple]:
    """Every row of a claim: (party, source, verdict, family_verdict, party_verdict); a party
    judged twice on one set would show twice."""
    return con.execute(
        "select coalesce(country_code, region_label), source_id, verdict, family_verdict, "
        "party_verdict from out__claims_check where claim_id = ? order by all",
        [claim],
    ).fetchall()


def claim_verdict(con: duckdb.DuckDBPyConnection, claim: str) -> list[tuple]:
    return con.execute(
        "select distinct claim_verdict, claim_counts from out__claims_check where claim_id = ?",
        [claim],
    ).fetchall()


# Observed projects of 2020: 12,800 in all, so that each project is 1/128 % and every share
# below is exact. Sellers: PHL 4,000 (31.25 %), IND 3,202 (25.015625 %), BGD 2,396
# (18.71875 %), MEX 2,000 (15.625 %), GTM 1,202 (9.390625 %).
OBSERVED = {"PHL": 4000, "IND": 3202, "BGD": 2396, "MEX": 2000, "GTM": 1202}
OBSERVED_CLAIMS = [
    country("O1", "PHL", "leading"),
    region("O1", CA, "leading"),
    region("O2", SA, "present"),
    region("O3", EA, "present"),
    region("O3", MEL, "present"),
    # a region with no M49 area: nothing to sum
    ("O4", "seller", None, "the Global South", None, F, "present", None, None),
]
OBS = "obs (p, observed flows, 2020; online_freelance, counted as obs)"


@pytest.fixture(scope="module")
def observed():
    con = claims_atlas(COUNTRIES, [("obs", F, None, "obs")], OBSERVED_CLAIMS, sold(2020, OBSERVED))
    yield con
    con.close()


def test_an_observed_region_is_ranked_on_its_summed_projects(observed) -> None:
    # Central America: MEX 2,000 + GTM 1,202 = 3,202 projects, 25.015625 %. Only PHL
    # (31.25 %) holds more; IND holds exactly as much and ties, not above: rank 2, which is
    # k = 2: supported
    assert figures(observed, "O1") == [
        (CA, "obs", 2020, "supported", 2, 25.015625, 25.015625, 25.015625, 2, 2),
    ]
    assert rules(observed, "O1") == [
        f"{LEADING_2} — {OBS}: UN M49 Central America (2 countries) summed: 25.016 % of the "
        "12800 projects (2 of its countries with projects): rank 2 as one unit",
    ]
    assert votes(observed, "O1") == [
        (CA, "obs", "supported", "supported", "supported"),
        ("PHL", "obs", "supported", "supported", "supported"),  # rank 1
    ]
    assert claim_verdict(observed, "O1") == [("supported", "2 supported")]
    # Southern Asia: IND 3,202 + BGD 2,396 = 5,598 projects, 43.734375 %; Nepal has none.
    # No country outside it holds more: rank 1, and far above the 0.1 % floor
    assert figures(observed, "O2") == [
        (SA, "obs", 2020, "supported", 1, 43.734375, 43.734375, 43.734375, 1, 1),
    ]
    assert rules(observed, "O2") == [
        f"{PRESENT} — {OBS}: UN M49 Southern Asia (3 countries) summed: 43.734 % of the 12800 "
        "projects (2 of its countries with projects): rank 1 as one unit",
    ]


def test_an_observed_region_without_projects_is_contradicted(observed) -> None:
    # Eastern Africa sold none of the 12,800 projects (at least 10,000), and Melanesia has no
    # country in the atlas at all: 0 %, below every one of the five sellers: rank 6
    assert figures(observed, "O3") == [
        (EA, "obs", 2020, "contradicted", 6, 0.0, 0.0, 0.0, 6, 6),
        (MEL, "obs", 2020, "contradicted", 6, 0.0, 0.0, 0.0, 6, 6),
    ]
    assert rules(observed, "O3") == [
        f"{PRESENT} — {OBS}: UN M49 Eastern Africa (2 countries) summed: 0.0 % of the 12800 "
        "projects (0 of its countries with projects): rank 6 as one unit",
        f"{PRESENT} — {OBS}: UN M49 Melanesia (0 countries) summed: 0.0 % of the 12800 "
        "projects (0 of its countries with projects): rank 6 as one unit",
    ]
    assert claim_verdict(observed, "O3") == [("contradicted", "2 contradicted")]


def test_a_region_without_an_m49_area_is_not_summed(observed) -> None:
    assert observed.execute(
        "select source_id, verdict, rule from out__claims_check where claim_id = 'O4'"
    ).fetchall() == [
        (None, "no data", "the Global South is not a place the data can be summed over"),
    ]


# Published seller shares of 2019: PHL 20.03125, IND 20.03125, MEX 10.09375, GTM 5.015625,
# KEN 0.75: 55.921875 % listed, 44.078125 % left to unlisted countries (printed as rest of
# world).
PUBLISHED = {"PHL": 20.03125, "IND": 20.03125, "MEX": 10.09375, "GTM": 5.015625, "KEN": 0.75}
PUBLISHED_CLAIMS = [
    region("P1", CA, "leading"),
    region("P1", SA, "leading"),
    region("P2", EA, "present"),
    region("P2", ANZ, "present"),
    region("P2", MEL, "present"),
]
PUB = "pub (p, published shares, 2019; online_freelance, counted as pub)"


@pytest.fixture(scope="module")
def published():
    tallies = [
        *[("pub", 2019, "seller", None, c, None, "share_pct", s) for c, s in PUBLISHED.items()],
        ("pub", 2019, "seller", None, None, "rest of world", "share_pct", 44.078125),
    ]
    con = claims_atlas(COUNTRIES, [("pub", F, None, "pub")], PUBLISHED_CLAIMS, tallies)
    yield con
    con.close()


def test_published_shares_bound_a_region_by_its_listed_countries(published) -> None:
    assert figures(published, "P1") == [
        # all listed: MEX + GTM = 15.109375 %, exactly. PHL and IND hold more (rank 3 at
        # best); at worst floor(44.078125 / 15.109375) = 2 unlisted countries hold as much:
        # rank 3 to 5, neither within k = 2 nor beyond 2k = 4: no data
        (CA, "pub", 2019, "no data", None, 15.109375, 15.109375, 15.109375, 3, 5),
        # one of three listed: IND's 20.03125 % at least, 20.03125 + 44.078125 = 64.109375 %
        # at most, so no share of its own. No country holds more than 64.1 %: rank 1 at best;
        # at worst PHL, with exactly IND's share, ranks above, and floor(44.078125 /
        # 20.03125) = 2 unlisted countries too: rank 4
        (SA, "pub", 2019, "no data", None, None, 20.03125, 64.109375, 1, 4),
    ]
    assert rules(published, "P1") == [
        f"{LEADING_2} — {PUB}: UN M49 Central America (2 countries) summed: all its countries "
        "listed, holding 15.109 %: rank 3 to 5 as one unit",
        f"{LEADING_2} — {PUB}: UN M49 Southern Asia (3 countries) summed: 1 of its countries "
        "listed, holding 20.031 %, at most 64.109 % with what is left to unlisted countries: "
        "rank 1 to 4 as one unit",
    ]
    # each region is a party of its own, judged once on the one set
    assert votes(published, "P1") == [
        (CA, "pub", "no data", "no data", "no data"),
        (SA, "pub", "no data", "no data", "no data"),
    ]
    assert claim_verdict(published, "P1") == [("not measured", "2 no data")]


def test_published_shares_with_few_or_none_of_a_region_listed(published) -> None:
    assert figures(published, "P2") == [
        # only Australia, not listed: 0 to 44.078125 %; no listed country holds more than
        # that (rank 1 at best), and a share of 0 leaves no worst rank
        (ANZ, "pub", 2019, "no data", None, None, 0.0, 44.078125, 1, None),
        # KEN listed at 0.75 %, MDG not: 0.75 to 44.828125 %, above the 0.1 % floor. The four
        # other listed countries hold at least 0.75 %, and floor(44.078125 / 0.75) = 58
        # unlisted countries could: rank 1 to 4 + 1 + 58 = 63
        (EA, "pub", 2019, "supported", None, None, 0.75, 44.828125, 1, 63),
        # no country in the atlas: a sum of nothing, exactly 0 % (its bounds meet), below all
        # five listed
        (MEL, "pub", 2019, "no data", None, 0.0, 0.0, 0.0, 6, None),
    ]
    assert rules(published, "P2") == [
        f"{PRESENT} — {PUB}: UN M49 Australia and New Zealand (1 countries) summed: none of its "
        "countries listed, 44.1 % left to unlisted countries: rank 1 or lower as one unit",
        f"{PRESENT} — {PUB}: UN M49 Eastern Africa (2 countries) summed: 1 of its countries "
        "listed, holding 0.75 %, at most 44.828 % with what is left to unlisted countries: "
        "rank 1 to 63 as one unit",
        f"{PRESENT} — {PUB}: UN M49 Melanesia (0 countries) summed: none of its countries "
        "listed, 44.1 % left to unlisted countries: rank 6 or lower as one unit",
    ]
    assert claim_verdict(published, "P2") == [("partly supported", "1 supported, 2 no data")]


# A complete printed top 5 of 2018's sellers: PHL, IND, USA, KEN, BGD.
RANKED = ["PHL", "IND", "USA", "KEN", "BGD"]
RANKED_CLAIMS = [
    country("R1", "PHL", "leading"),
    region("R1", SA, "leading"),
    region("R2", EA, "present"),
    region("R2", CA, "present"),
]
RK = "rk (p, published ranks, 2018; online_freelance, counted as rk)"


@pytest.fixture(scope="module")
def ranked():
    tallies = [("rk", 2018, "seller", None, c, None, "rank", i + 1) for i, c in enumerate(RANKED)]
    con = claims_atlas(COUNTRIES, [("rk", F, None, "rk")], RANKED_CLAIMS, tallies)
    yield con
    con.close()


def test_a_printed_rank_places_a_region_no_lower_than_its_best_country(ranked) -> None:
    # Southern Asia: IND 2nd, BGD 5th, NPL unlisted. The region holds at least IND's share,
    # so it ranks 2nd or higher, and what its other countries add could put it first: rank 1
    # to 2, within k = 2
    assert figures(ranked, "R1") == [(SA, "rk", 2018, "supported", None, None, None, None, 1, 2)]
    assert rules(ranked, "R1") == [
        f"{LEADING_2} — {RK}: UN M49 Southern Asia (3 countries) summed: its best-placed "
        "country is ranked 2 of the 5 printed: rank 1 to 2 as one unit",
    ]
    assert claim_verdict(ranked, "R1") == [("supported", "2 supported")]
    assert figures(ranked, "R2") == [
        # neither MEX nor GTM printed: rank 1 (their sum could lead) or lower: no data
        (CA, "rk", 2018, "no data", None, None, None, None, 1, None),
        # KEN 4th: a country of the region is in the printed top list, so it is present
        (EA, "rk", 2018, "supported", None, None, None, None, 1, 4),
    ]
    assert rules(ranked, "R2") == [
        f"{PRESENT} — {RK}: UN M49 Central America (2 countries) summed: none of its countries "
        "among the 5 ranks printed",
        f"{PRESENT} — {RK}: UN M49 Eastern Africa (2 countries) summed: its best-placed country "
        "is ranked 4 of the 5 printed: rank 1 to 4 as one unit",
    ]
    assert claim_verdict(ranked, "R2") == [("partly supported", "1 supported, 1 no data")]


# 2021: only India (3 projects, 60 % published) and Bangladesh (1 project, 30 % published)
# sell, both in Southern Asia; 10 % of the published shares is left to the rest of the world.
@pytest.fixture(scope="module")
def alone():
    tallies = [
        *sold(2021, {"IND": 3, "BGD": 1}),
        ("pub", 2021, "seller", None, "IND", None, "share_pct", 60),
        ("pub", 2021, "seller", None, "BGD", None, "share_pct", 30),
        ("pub", 2021, "seller", None, None, "rest of world", "share_pct", 10),
    ]
    con = claims_atlas(
        COUNTRIES,
        [("obs", F, None, "obs"), ("pub", F, None, "pub")],
        [region("A1", SA, "leading")],
        tallies,
    )
    yield con
    con.close()


def test_a_region_no_outside_country_outranks_is_first(alone) -> None:
    assert figures(alone, "A1") == [
        # all 4 projects: 100 %, and no country outside it sells: rank 1
        (SA, "obs", 2021, "supported", 1, 100.0, 100.0, 100.0, 1, 1),
        # 90 % listed, 100 % with the rest of the world; no outside country listed, and
        # floor(10 / 90) = 0 unlisted countries could hold 90 %: rank 1
        (SA, "pub", 2021, "supported", None, None, 90.0, 100.0, 1, 1),
    ]
    assert rules(alone, "A1") == [
        f"{LEADING_1} — obs (p, observed flows, 2021; online_freelance, counted as obs): UN M49 "
        "Southern Asia (3 countries) summed: 100.0 % of the 4 projects (2 of its countries "
        "with projects): rank 1 as one unit",
        f"{LEADING_1} — pub (p, published shares, 2021; online_freelance, counted as pub): UN "
        "M49 Southern Asia (3 countries) summed: 2 of its countries listed, holding 90.0 %, at "
        "most 100.0 % with what is left to unlisted countries: rank 1 as one unit",
    ]
    assert claim_verdict(alone, "A1") == [("supported", "1 supported")]


# One region judged on two periods of one source and on a second source of another family.
# pub 2019: IND 50, MEX 30, GTM 10 (10 % unlisted); pub 2020: MEX 45, IND 40 (15 %);
# pub2 2019: IND 70, PHL 20 (10 %).
SHARES = [
    ("pub", 2019, "IND", 50),
    ("pub", 2019, "MEX", 30),
    ("pub", 2019, "GTM", 10),
    ("pub", 2020, "MEX", 45),
    ("pub", 2020, "IND", 40),
    ("pub2", 2019, "IND", 70),
    ("pub2", 2019, "PHL", 20),
]


@pytest.fixture(scope="module")
def two_sources():
    con = claims_atlas(
        COUNTRIES,
        [("pub", F, None, "pub"), ("pub2", F, None, "pub2")],
        [region("M1", CA, "leading")],
        [(s, y, "seller", None, c, None, "share_pct", v) for s, y, c, v in SHARES],
    )
    yield con
    con.close()


def test_each_set_bounds_a_region_by_its_own_countries(two_sources) -> None:
    assert figures(two_sources, "M1") == [
        # 2019: MEX 30 + GTM 10 = 40 %, below IND's 50; floor(10 / 40) = 0 unlisted countries
        # above: rank 2, k + 1: borderline
        (CA, "pub", 2019, "borderline", None, 40.0, 40.0, 40.0, 2, 2),
        # 2020: MEX's 45 % to 45 + 15 = 60 %, above IND's 40, and floor(15 / 45) = 0 unlisted
        # countries can hold 45 %: rank 1
        (CA, "pub", 2020, "supported", None, None, 45.0, 60.0, 1, 1),
        # neither listed: at most the 10 % unlisted, below IND and PHL: rank 3 or lower, beyond
        # 2k = 2
        (CA, "pub2", 2019, "contradicted", None, None, 0.0, 10.0, 3, None),
    ]

    def rule(source: str, year: int, evidence: str) -> str:
        return (
            f"{LEADING_1} — {source} (p, published shares, {year}; online_freelance, counted "
            f"as {source}): UN M49 Central America (2 countries) summed: {evidence}"
        )

    assert rules(two_sources, "M1") == [
        rule("pub", 2019, "all its countries listed, holding 40.0 %: rank 2 as one unit"),
        rule(
            "pub",
            2020,
            "1 of its countries listed, holding 45.0 %, at most 60.0 % with what is left to "
            "unlisted countries: rank 1 as one unit",
        ),
        rule(
            "pub2",
            2019,
            "none of its countries listed, 10.0 % left to unlisted countries: rank 3 or lower "
            "as one unit",
        ),
    ]
    # pub's family supports it (2020), pub2's contradicts it: the sources disagree
    assert votes(two_sources, "M1") == [
        (CA, "pub", "borderline", "supported", "sources disagree"),
        (CA, "pub", "supported", "supported", "sources disagree"),
        (CA, "pub2", "contradicted", "contradicted", "sources disagree"),
    ]
    assert claim_verdict(two_sources, "M1") == [("partly supported", "1 sources disagree")]
