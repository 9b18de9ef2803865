"""Every saved query of sql/queries on a hand-made atlas (tests/fixtures/queries/hand_atlas.sql),
against figures worked out on paper from the fixture's rows: the header of the fixture lists
them, and each test says how its figures follow.

A query that returns rows is not enough: `south_to_north_by_occupation` filtering the wrong
direction, or `concentration` summing a top 4 as its "top 5", still returns rows. Here each
column that a reader would quote has at least one figure pinned."""

from __future__ import annotations

from typing import Any

import duckdb
import pytest
from conftest import hand_atlas

from pipeline.build.sqlfiles import build_out_tables
from pipeline.commands.query import bind, resolve_query, saved_queries

SOUTH_TO_NORTH = "south_to_north"


def with_rejects() -> duckdb.DuckDBPyConnection:
    con = hand_atlas()
    # Four rejects, two of one kind: the rejects query groups them; one sums up 3 repeats.
    con.execute(
        "insert into core__rejects (source_id, location, field, value, reason, repeats) values "
        "('obs', 'f.csv:3', 'count', '-1', 'count below 0', null), "
        "('obs', 'f.csv:9', 'count', '-5', 'count below 0', null), "
        "('obs', 'f.csv:4', 'buyer_country', 'Atlantis', 'unknown country', null), "
        "('obs', 'f.csv:6', null, null, 'exact duplicate of line 5 (counted once): 3 repeats, "
        "on lines 6, 7, 8', 3)"
    )
    return con


@pytest.fixture(scope="module")
def con():
    con = with_rejects()
    yield con
    con.close()


def ask(con: duckdb.DuckDBPyConnection, name: str, **values: str) -> list[dict[str, Any]]:
    """A saved query's rows as the user gets them, one dict per row."""
    sql = resolve_query(name)
    cursor = con.execute(sql, bind(sql, dict(values)))
    columns = [d[0] for d in cursor.description]
    return [dict(zip(columns, row, strict=True)) for row in cursor.fetchall()]


def pick(rows: list[dict[str, Any]], *columns: str) -> list[tuple[Any, ...]]:
    return [tuple(r[c] for c in columns) for r in rows]


def test_every_saved_query_has_a_test_here() -> None:
    tested = {name.removeprefix("test_").split("__")[0] for name in globals()}
    assert set(saved_queries()) <= tested, set(saved_queries()) - tested


def test_top_flows(con) -> None:
    rows = ask(con, "top_flows")
    # obs: the seven cross-border pairs (USA <- USA, domestic, is left out), largest first;
    # two ties of 20 and of 10 projects
    obs = [r for r in rows if r["source_id"] == "obs"]
    assert [r["rank_in_source"] for r in obs] == [1, 2, 3, 4, 5, 6, 7]
    assert [r["tasks"] for r in obs] == [60, 30, 20, 20, 16, 10, 10]
    assert pick(obs[:2], "buyer", "seller", "unit", "method", "year") == [
        ("United States", "India", "projects", "observed", 2020),
        ("United Kingdom", "Philippines", "projects", "observed", 2020),
    ]
    # oli: buyer share × seller share / 100 over the 12 cross-border pairs; the 10 largest are
    # shown, the 10th is UK <- Venezuela (24 × 9 / 100 = 2.16), the 11th, US <- UK (50 × 4 /
    # 100 = 2.0), is not
    oli = [r for r in rows if r["source_id"] == "oli"]
    assert [(r["buyer"], r["seller"]) for r in oli] == [
        ("United States", "India"),
        ("United States", "Philippines"),
        ("United States", "Bangladesh"),
        ("United Kingdom", "India"),
        ("United States", "Kenya"),
        ("United Kingdom", "Philippines"),
        ("United States", "Venezuela"),
        ("United Kingdom", "Bangladesh"),
        ("United Kingdom", "Kenya"),
        ("United Kingdom", "Venezuela"),
    ]
    assert [r["tasks"] for r in oli] == pytest.approx(
        [15, 10, 7.5, 7.2, 5, 4.8, 4.5, 3.6, 2.4, 2.16]
    )
    assert [r["rank_in_source"] for r in oli] == list(range(1, 11))
    assert {(r["unit"], r["method"]) for r in oli} == {("pct_of_total", "estimated")}


def test_south_to_north(con) -> None:
    rows = ask(con, "south_to_north")
    # obs, un_m49_developed: USA <- IND 60 + GBR <- PHL 30 + CAN <- VEN 10 = 100 of 200;
    # wb_high_income: Venezuela is unclassified, so 90 of 200.
    # oli: named North buyers 50 + 24 = 74 (none named South), named South sellers
    # 30 + 20 + 15 + 10 + 9 = 84 (75 without Venezuela), named North sellers 7 + 4 = 11. No
    # prior, and countries unnamed: no point, only the bounds any matrix with these shares has:
    # low max(0, 74 + 84 - 100) = 58 (49 with 75), high min(100 - 0, 100 - 11) = 89. Named
    # pairs South -> North: 74 × 84 / 100 = 62.16 (74 × 75 / 100 = 55.5) of the whole 100;
    # cells with an unnamed side: 100 - 74 × 95 / 100 = 29.7.
    assert pick(
        rows,
        "scheme",
        "source_id",
        "method",
        "prior",
        "south_to_north_pct",
        "share_low_pct",
        "share_high_pct",
        "not_named_pct",
        "unit",
    ) == [
        ("un_m49_developed", "obs", "observed", None, 50.0, None, None, None, "projects"),
        ("un_m49_developed", "oli", "estimated", "none", None, 58.0, 89.0, 29.7, "pct_of_total"),
        ("wb_high_income", "obs", "observed", None, 45.0, None, None, None, "projects"),
        ("wb_high_income", "oli", "estimated", "none", None, 49.0, 89.0, 29.7, "pct_of_total"),
    ]
    assert [r["tasks"] for r in rows] == pytest.approx([100, 62.16, 90, 55.5])


def test_south_to_north_by_occupation(con) -> None:
    rows = ask(con, "south_to_north_by_occupation")
    got = {
        (r["scheme"], r["source_id"], r["occupation"]): (r["south_to_north_pct"], r["tasks"])
        for r in rows
    }
    # software: USA <- IND 60 of 60 + 20 + 20; clerical: GBR <- PHL 30 and CAN <- VEN 10 of 50
    # (CAN <- VEN unclassified under wb_high_income: 30 of 50); writing: VEN <- IND and the
    # domestic USA <- USA, none South -> North.
    assert got == {
        ("un_m49_developed", "obs", "software development and technology"): (60.0, 100),
        ("un_m49_developed", "obs", "clerical and data entry"): (80.0, 50),
        ("un_m49_developed", "obs", "writing and translation"): (0.0, 50),
        # oli: no point (see test_south_to_north), over its whole 100
        ("un_m49_developed", "oli", "unknown"): (None, pytest.approx(100)),
        ("wb_high_income", "obs", "software development and technology"): (60.0, 100),
        ("wb_high_income", "obs", "clerical and data entry"): (60.0, 50),
        ("wb_high_income", "obs", "writing and translation"): (0.0, 50),
        ("wb_high_income", "oli", "unknown"): (None, pytest.approx(100)),
    }
    # highest share first within a source and year
    m49_obs = [r["occupation"] for r in rows[:3]]
    assert m49_obs == [
        "clerical and data entry",
        "software development and technology",
        "writing and translation",
    ]
    assert {r["method"] for r in rows if r["source_id"] == "obs"} == {"observed"}
    assert {r["unit"] for r in rows if r["source_id"] == "oli"} == {"pct_of_total"}


def test_concentration(con) -> None:
    rows = ask(con, "concentration")
    got = {
        (r["role"], r["source_id"]): pick([r], "countries", "top5_share_pct", "hhi", "hhi_is")[0]
        + (r["share_covered_pct"], r["basis"], r["period"], r["platform"])
        for r in rows
    }
    assert got == {
        # obs buyers: USA 114, GBR 30, IND 20, VEN 16, PHL 10, CAN 10 of 200 = 57, 15, 10, 8,
        # 5, 5 %; top 5 = 95; HHI = 57² + 15² + 10² + 8² + 5² + 5² = 3688
        ("buyer", "obs"): (6, 95.0, 3688, "exact", 100.0, "observed flows", "2020", "P1"),
        # oli buyers: USA 50, GBR 24 listed (26 % rest of world): HHI 2500 + 576 = 3076
        ("buyer", "oli"): (2, 74.0, 3076, "lower bound", 74.0, "published shares", "2020", "OLI"),
        # ilo sellers: IND 25, KEN 12.34: 625 + 152.2756 = 777.2756
        ("seller", "ilo"): (2, 37.3, 777, "lower bound", 37.3, "published shares", "2020", "ILO"),
        # obs sellers: IND 76, USA 54, PHL 30, GBR 20, BGD 10, VEN 10 of 200 = 38, 27, 15, 10,
        # 5, 5 %: top 5 = 95 (a top 4 would be 90); HHI = 1444 + 729 + 225 + 100 + 25 + 25
        ("seller", "obs"): (6, 95.0, 2548, "exact", 100.0, "observed flows", "2020", "P1"),
        # oli sellers: 30, 20, 15, 10, 9, 7, 4: top 5 = 84 (top 4: 75, top 6: 91);
        # HHI = 900 + 400 + 225 + 100 + 81 + 49 + 16 = 1771; 95 % listed
        ("seller", "oli"): (7, 84.0, 1771, "lower bound", 95.0, "published shares", "2020", "OLI"),
    }
    assert [(r["role"], r["source_id"]) for r in rows] == sorted(got)
    assert {r["year"] for r in rows} == {2020}


def test_concentration_names_a_period_shorter_than_a_year_by_its_dates() -> None:
    con = hand_atlas()
    # ilo's sellers of the first half of 2020, beside those of the whole year
    con.execute(
        "insert into core__tallies (source_id, platform, period_start, period_end, role, "
        "seller_country_code, occupation, measure, amount) values "
        "('ilo', 'ILO', '2020-01-01', '2020-06-30', 'seller', 'IND', 'unknown', 'share_pct', 40)"
    )
    build_out_tables(con)
    periods = {
        (r["source_id"], r["period"]): r["top5_share_pct"]
        for r in ask(con, "concentration")
        if r["source_id"] == "ilo"
    }
    assert periods == {("ilo", "2020"): 37.3, ("ilo", "2020-01-01 to 2020-06-30"): 40.0}
    platforms = {(r["source_id"], r["period"]) for r in ask(con, "platform_comparison")}
    assert ("ilo", "2020-01-01 to 2020-06-30") in platforms and ("ilo", "2020") in platforms
    con.close()


def test_net_balance(con) -> None:
    rows = ask(con, "net_balance")
    # obs flows, un_m49_developed: sold - bought per country (projects)
    assert pick(
        [r for r in rows if r["source_id"] == "obs"],
        "net_rank",
        "country",
        "grouped_as",
        "bought",
        "sold",
        "net_sold",
    ) == [
        (1, "India", "South", 20, 76, 56),
        (2, "Philippines", "South", 10, 30, 20),
        (3, "Bangladesh", "South", 0, 10, 10),
        (4, "Venezuela", "South", 16, 10, -6),
        (5, "Canada", "North", 10, 0, -10),
        (5, "United Kingdom", "North", 30, 20, -10),
        (7, "United States", "North", 114, 54, -60),
    ]
    # oli marginals, percentage points; only countries with both sides published get a net
    assert pick(
        [r for r in rows if r["source_id"] == "oli"],
        "net_rank",
        "country",
        "bought",
        "sold",
        "net_sold",
        "unit",
        "basis",
    ) == [
        (1, "United Kingdom", 24, 4, -20, "pct", "marginals"),
        (2, "United States", 50, 7, -43, "pct", "marginals"),
    ]
    assert {(r["unit"], r["basis"]) for r in rows if r["source_id"] == "obs"} == {
        ("projects", "flows")
    }


# oli's balance from its published shares (un_m49_developed): country, bought, sold, net sold
OLI_BALANCE = [
    ("BGD", None, 15, None),
    ("GBR", 24, 4, -20),
    ("IND", None, 30, None),
    ("KEN", None, 10, None),
    ("PHL", None, 20, None),
    ("USA", 50, 7, -43),
    ("VEN", None, 9, None),
]


def test_the_balance_of_published_marginals_keeps_one_sided_countries(con) -> None:
    # oli's paired shares of 2020 only (ilo's sellers of the same year are another source's)
    rows = con.execute(
        "select country_code, tasks_bought, tasks_sold, net_sold from out__country_balance "
        "where source_id = 'oli' and scheme = 'un_m49_developed' order by country_code"
    ).fetchall()
    assert rows == OLI_BALANCE


def decimals() -> duckdb.DuckDBPyConnection:
    """The hand atlas with one more pair, of a fraction of a project: GBR <- KEN 1.004."""
    con = hand_atlas()
    con.execute(
        "insert into core__tallies (source_id, platform, period_start, period_end, role, "
        "buyer_country_code, seller_country_code, occupation, measure, amount) values "
        "('obs', 'P1', '2020-01-01', '2020-12-31', 'pair', 'GBR', 'KEN', 'unknown', "
        "'projects', 1.004), "
        # India's software work for the US also in another occupation: 5 more projects
        "('obs', 'P1', '2020-01-01', '2020-12-31', 'pair', 'USA', 'IND', 'unknown', "
        "'projects', 5)"
    )
    build_out_tables(con)
    return con


def test_figures_are_rounded_as_printed_and_pairs_summed_over_occupations() -> None:
    con = decimals()
    kenya = [r for r in ask(con, "net_balance") if r["country"] == "Kenya"]
    # sold 1.004, shown to 2 decimals
    assert pick(kenya, "bought", "sold", "net_sold") == [(0, 1.0, 1.0)]
    # 206.004 projects: the US buys 119 (57.77 %), India sells 81 (39.32 %)
    p1 = next(r for r in ask(con, "platform_comparison") if r["platform"] == "P1")
    assert (p1["top_buyer_pct"], p1["top_seller_pct"]) == (57.8, 39.3)
    profile = ask(con, "country_profile", country="KEN")
    assert pick([r for r in profile if r["source_id"] == "obs"], "section", "figure") == [
        ("share among sellers", 0.49),  # 1.004 / 206.004
        ("work sold to", 1.0),
    ]
    # the US buys 60 + 5 from India, in two occupations: one flow of 65 projects
    top = ask(con, "top_flows")[0]
    assert (top["buyer"], top["seller"], top["tasks"]) == ("United States", "India", 65)
    # and India's profile sums them too: 65 sold to the United States
    india = ask(con, "country_profile", country="IND")
    with_us = [r for r in india if r["detail"] == "United States (observed)"]
    assert pick(with_us, "section", "figure") == [("work bought from", 20), ("work sold to", 65)]
    # the UK buys 30 + 1.004 = 31.004 and sells 20: shown as 31.0 bought, -11.0 net
    balance = ask(con, "net_balance")
    uk = [r for r in balance if (r["source_id"], r["country"]) == ("obs", "United Kingdom")]
    assert pick(uk, "bought", "sold", "net_sold") == [(31.0, 20, -11.0)]
    # South -> North: 60 + 5 + 30 + 10 + 1.004 = 106.004 of 206.004 projects, 51.457 %
    obs = [r for r in ask(con, "south_to_north") if r["source_id"] == "obs"]
    assert pick(obs, "scheme", "south_to_north_pct")[0] == ("un_m49_developed", 51.5)
    con.close()


@pytest.fixture(scope="module")
def pub():
    # the hand atlas and the source `pub`, whose file works out the figures below
    con = hand_atlas("fractional_shares.sql")
    yield con
    con.close()


def test_the_balance_of_shares_sums_a_country_s_rows_of_its_paired_period_only(pub) -> None:
    def balance(source: str) -> list[tuple[Any, ...]]:
        return pub.execute(
            "select country_code, tasks_bought, tasks_sold, net_sold from out__country_balance "
            "where source_id = ? and scheme = 'un_m49_developed' order by country_code",
            [source],
        ).fetchall()

    approx = pytest.approx
    assert balance("pub") == [
        ("GBR", approx(24.4), approx(0.31), approx(-24.09)),
        ("IND", None, 60, None),
        ("KEN", None, 39, None),  # 25 + 14
        ("USA", approx(50.23), None, None),  # 30 + 20.23; never the 999 projects
    ]
    # oli's shares, of the same period, as in the hand atlas alone
    assert balance("oli") == OLI_BALANCE
    # neither pub's unpaired 2019 buyer share nor ilo's unpaired seller shares
    assert pub.execute(
        "select distinct source_id, year from out__country_balance where basis = 'marginals' "
        "order by all"
    ).fetchall() == [("oli", 2020), ("pub", 2020)]


def test_an_estimate_s_remainders_are_one_category_and_counts_are_not_flows(pub) -> None:
    rows = pub.execute(
        "select method, buyer_country_code, seller_country_code, tasks from out__flows "
        "where source_id = 'pub'"
    ).fetchall()
    # the workers pair and the pair with an unnamed side are not flows of projects
    assert {method for method, *_ in rows} == {"estimated"}
    assert sum(t for *_, t in rows) == pytest.approx(100)
    # (10 + 15.37) × 60 / 100
    assert [t for _, b, s, t in rows if b is None and s == "IND"] == [pytest.approx(15.222)]


def test_shares_of_two_decimals_are_printed_to_one_or_two(pub) -> None:
    rows = [r for r in ask(pub, "south_to_north") if r["source_id"] == "pub"]
    columns = ("scheme", "south_to_north_pct", "share_low_pct", "share_high_pct", "not_named_pct")
    assert pick(rows, *columns) == [
        ("un_m49_developed", None, 73.6, 99.7, 25.9),
        ("wb_high_income", None, 73.6, 99.7, 25.9),
    ]
    assert [r["tasks"] for r in rows] == pytest.approx([73.8837, 73.8837])
    by_occupation = [r for r in ask(pub, "south_to_north_by_occupation") if r["source_id"] == "pub"]
    assert pick(by_occupation, "scheme", "occupation", "share_low_pct", "share_high_pct") == [
        ("un_m49_developed", "unknown", 73.6, 99.7),
        ("wb_high_income", "unknown", 73.6, 99.7),
    ]
    # beside obs (50 %) and oli (62.16 %): 73.8837 - 50 = 23.8837 points apart
    compared = [
        r
        for r in ask(pub, "compare_sources")
        if r["source_id"] == "pub" and r["measure"] == "south_to_north share (un_m49_developed)"
    ]
    assert pick(compared, "share_pct", "sources_that_year", "spread_pts") == [(73.88, 3, 23.88)]


@pytest.fixture(scope="module")
def halves():
    # the hand atlas, the source `half` publishing shares for each half of 2020 and `few`'s
    # three observed projects; half_years.sql works out the figures below
    con = hand_atlas("half_years.sql")
    yield con
    con.close()


def test_south_to_north__bounds_over_a_year_s_estimates(halves) -> None:
    rows = [r for r in ask(halves, "south_to_north") if r["source_id"] in ("half", "few")]
    columns = (
        "scheme",
        "source_id",
        "prior",
        "south_to_north_pct",
        "share_low_pct",
        "share_high_pct",
        "not_named_pct",
    )
    # half: 67.5115 of 200; the lowest bound of its two halves (25) and the highest (60.3).
    # few: 1 of 3 projects.
    assert pick(rows, *columns) == [
        ("un_m49_developed", "few", None, 33.3, None, None, None),
        ("un_m49_developed", "half", "none", 33.8, 25.0, 60.3, None),
        ("wb_high_income", "few", None, 33.3, None, None, None),
        ("wb_high_income", "half", "none", 33.8, 25.0, 60.3, None),
    ]
    assert [r["tasks"] for r in rows] == pytest.approx([1, 67.5115, 1, 67.5115])


def test_south_to_north_by_occupation__points_and_fractions(halves) -> None:
    rows = [
        r for r in ask(halves, "south_to_north_by_occupation") if r["source_id"] in ("half", "few")
    ]
    columns = ("source_id", "occupation", "method", "south_to_north_pct", "tasks")
    # few: 1 of 3 projects, 33.3 %; half: the point of each half, highest first, 42.5115
    # (printed 42.5) and 25, each with its own bounds
    expected = [
        ("few", "creative and multimedia", "observed", 33.3, 3),
        ("half", "unknown", "estimated", 42.5, 100),
        ("half", "unknown", "estimated", 25.0, 100),
    ]
    assert [r["scheme"] for r in rows] == ["un_m49_developed"] * 3 + ["wb_high_income"] * 3
    assert pick(rows, *columns) == expected + expected
    bounds = [(None, None), (30.8, 60.3), (25.0, 25.0)]
    assert pick(rows, "share_low_pct", "share_high_pct") == bounds + bounds


def test_net_sellers(con) -> None:
    rows = ask(con, "net_sellers")
    obs = pick(
        [r for r in rows if r["source_id"] == "obs"],
        "country",
        "grouped_as",
        "tasks_bought",
        "tasks_sold",
        "net_sold",
    )
    assert obs[:4] == [
        ("India", "South", 20, 76, 56),
        ("Philippines", "South", 10, 30, 20),
        ("Bangladesh", "South", 0, 10, 10),
        ("Venezuela", "South", 16, 10, -6),
    ]
    # a tie at -10, in either order
    assert set(obs[4:6]) == {
        ("Canada", "North", 10, 0, -10),
        ("United Kingdom", "North", 30, 20, -10),
    }
    assert obs[6:] == [("United States", "North", 114, 54, -60)]
    assert pick([r for r in rows if r["source_id"] == "oli"], "country", "net_sold") == [
        ("United Kingdom", -20),
        ("United States", -43),
    ]


def test_platform_comparison(con) -> None:
    rows = ask(con, "platform_comparison")
    columns = (
        "platform",
        "source_id",
        "period",
        "basis",
        "buyer_countries",
        "seller_countries",
        "top_buyer",
        "top_buyer_pct",
        "top_seller",
        "top_seller_pct",
        SOUTH_TO_NORTH + "_pct",
        "flow_method",
    )
    assert pick(rows, *columns) == [
        # ilo publishes sellers only and has no flows
        ("ILO", "ilo", "2020", "published shares", 0, 2, None, None, "IND", 25.0, None, None),
        (
            "OLI",
            "oli",
            "2020",
            "published shares",
            2,
            7,
            "USA",
            50.0,
            "IND",
            30.0,
            # the named pairs South -> North, of the whole 100 (no point: test_south_to_north)
            62.2,
            "estimated",
        ),
        # USA buys 114 of 200 (57 %), India sells 76 (38 %)
        (
            "P1",
            "obs",
            "2020",
            "observed flows",
            6,
            6,
            "USA",
            57.0,
            "IND",
            38.0,
            50.0,
            "observed",
        ),
    ]


def test_compare_sources(con) -> None:
    rows = ask(con, "compare_sources")

    def figures(country: str, measure: str) -> list[tuple[Any, ...]]:
        return pick(
            [
                r
                for r in rows
                if (r["year"], r["country"], r["measure"]) == (2020, country, measure)
            ],
            "source_id",
            "basis",
            "share_pct",
            "qualifier",
            "period",
            "sources_that_year",
            "spread_pts",
            "preferred",
        )

    whole_year = "2020-01-01 to 2020-12-31"
    # observed flows are preferred over published shares
    assert figures("United States", "buyer share") == [
        ("obs", "observed flows", 57.0, None, whole_year, 2, 7.0, True),
        ("oli", "published shares", 50.0, None, whole_year, 2, 7.0, False),
    ]
    assert figures("India", "seller share") == [
        ("obs", "observed flows", 38.0, None, whole_year, 3, 13.0, True),
        ("ilo", "published shares", 25.0, None, whole_year, 3, 13.0, False),
        ("oli", "published shares", 30.0, None, whole_year, 3, 13.0, False),
    ]
    # an exact figure is preferred over a hedged one of the same period ("ilo" would come
    # first by source id)
    assert figures("Kenya", "seller share") == [
        ("oli", "published shares", 10.0, None, whole_year, 2, 2.34, True),
        ("ilo", "published shares", 12.34, "about", whole_year, 2, 2.34, False),
    ]
    # South -> North of the whole: the named pairs' 62.16 % estimated against 50 % observed
    assert figures("(all countries)", "south_to_north share (un_m49_developed)") == [
        ("obs", "observed flows", 50.0, None, "2020", 2, 12.16, True),
        ("oli", "estimated flows", 62.16, None, "2020", 2, 12.16, False),
    ]
    # 55.5 % against 45 %
    assert figures("(all countries)", "south_to_north share (wb_high_income)") == [
        ("obs", "observed flows", 45.0, None, "2020", 2, 10.5, True),
        ("oli", "estimated flows", 55.5, None, "2020", 2, 10.5, False),
    ]


@pytest.mark.parametrize("given", ["USA", "us", " united states "])
def test_country_profile(con, given: str) -> None:
    rows = ask(con, "country_profile", country=given)
    assert {r["country"] for r in rows} == {"United States"}

    def section(name: str, source: str) -> list[tuple[Any, ...]]:
        return pick(
            [r for r in rows if (r["section"], r["source_id"]) == (name, source)],
            "detail",
            "figure",
            "unit",
            "rank",
            "out_of",
        )

    assert section("share among buyers", "obs") == [("P1, observed flows", 57.0, "%", 1, 6)]
    assert section("share among buyers", "oli") == [("OLI, published shares", 50.0, "%", 1, 2)]
    assert section("share among sellers", "obs") == [("P1, observed flows", 27.0, "%", 2, 6)]
    assert section("share among sellers", "oli") == [("OLI, published shares", 7.0, "%", 6, 7)]
    assert section("work bought from", "obs") == [
        ("India (observed)", 60, "projects", None, None),
        ("United Kingdom (observed)", 20, "projects", None, None),
    ]
    # the five largest partners of six: the United Kingdom (50 × 4 / 100 = 2.0) is the sixth
    assert section("work bought from", "oli") == [
        ("India (estimated)", 15.0, "pct_of_total", None, None),
        ("Philippines (estimated)", 10.0, "pct_of_total", None, None),
        ("Bangladesh (estimated)", 7.5, "pct_of_total", None, None),
        ("Kenya (estimated)", 5.0, "pct_of_total", None, None),
        ("Venezuela (estimated)", 4.5, "pct_of_total", None, None),
    ]
    assert section("work sold to", "obs") == [("India (observed)", 20, "projects", None, None)]
    assert section("work sold to", "oli") == [
        ("United Kingdom (estimated)", 1.68, "pct_of_total", None, None)
    ]
    assert section("work done at home", "obs") == [
        ("United States (observed)", 34, "projects", None, None)
    ]
    assert section("work done at home", "oli") == [
        ("United States (estimated)", 3.5, "pct_of_total", None, None)
    ]
    assert section("named as buyer in claim C1", "claims") == [
        ("Americans buy, South Asians work", None, None, None, None)
    ]
    assert len(rows) == 4 + 2 + 5 + 1 + 1 + 1 + 1 + 1


def test_country_profile_of_an_unknown_country_is_empty(con) -> None:
    assert ask(con, "country_profile", country="Atlantis") == []


def test_claims(con) -> None:
    assert pick(
        ask(con, "claims"), "claim_id", "role", "place", "platform", "seed_file", "cited_study"
    ) == [
        ("C1", "buyer", "United States", "oDesk", "seed_a.pdf", "Study A"),
        ("C1", "seller", "India", "oDesk", "seed_a.pdf", "Study A"),
        ("C1", "seller", "South Asia", "oDesk", "seed_a.pdf", "Study A"),
        ("C2", "seller", "Kenya", "Upwork", "seed_b.pdf", "Study B"),
    ]


def test_claims_check(con) -> None:
    # The verdicts' rules are tested in test_claims_check.py; here, what is set beside what:
    # every claimed country beside every source that ranks its side, with its rank there. The
    # hand-made sources declare no market, so none of them judges a claim: all are context.
    rows = ask(con, "claims_check")
    beside = [r for r in rows if r["source_id"] is not None]
    assert {r["verdict"] for r in beside} == {"context"}
    assert sorted(
        pick(beside, "claim_id", "role", "party", "source_id", "year", "rank"),
        key=lambda r: tuple("" if v is None else str(v) for v in r),
    ) == [
        # United States: 1st of 6 buyers in obs (114 of 200), 1st of 2 listed by oli
        ("C1", "buyer", "United States", "obs", 2020, 1),
        ("C1", "buyer", "United States", "oli", 2020, 1),
        # India: 76 of 200 projects sold in obs, 30 % in oli, 25 % in ilo: first everywhere
        ("C1", "seller", "India", "ilo", 2020, 1),
        ("C1", "seller", "India", "obs", 2020, 1),
        ("C1", "seller", "India", "oli", 2020, 1),
        # Kenya: no projects in obs, 2nd of 2 in ilo (12 after 25), 4th of 7 in oli
        ("C2", "seller", "Kenya", "ilo", 2020, 2),
        ("C2", "seller", "Kenya", "obs", 2020, None),
        ("C2", "seller", "Kenya", "oli", 2020, 4),
    ]
    # in the order of the claims
    assert [r["claim_id"] for r in rows] == sorted(r["claim_id"] for r in rows)


def expected_estimate_error() -> dict[str, float]:
    """The obs matrix estimated again from its marginals with no prior: each cell is buyer
    total × seller total / 200, over all 6 × 6 buyer × seller pairs."""
    observed = {
        ("USA", "IND"): 60,
        ("IND", "USA"): 20,
        ("USA", "GBR"): 20,
        ("GBR", "PHL"): 30,
        ("PHL", "BGD"): 10,
        ("CAN", "VEN"): 10,
        ("VEN", "IND"): 16,
        ("USA", "USA"): 34,
    }
    buyers = {"USA": 114, "IND": 20, "GBR": 30, "PHL": 10, "CAN": 10, "VEN": 16}
    sellers = {"IND": 76, "USA": 54, "GBR": 20, "PHL": 30, "BGD": 10, "VEN": 10}
    wrong = sum(
        abs(b_total * s_total / 200 - observed.get((b, s), 0))
        for b, b_total in buyers.items()
        for s, s_total in sellers.items()
    )
    # domestic: USA 114 × 54, IND 20 × 76, GBR 30 × 20, PHL 10 × 30, VEN 16 × 10 = 8736 / 200
    return {"pair_error_pct": 50 * wrong / 200, "domestic_estimated_pct": 8736 / 200 / 2}


def test_estimate_error(con) -> None:
    rows = ask(con, "estimate_error")
    expected = expected_estimate_error()
    # obs has one year: only the estimate without a prior is checked. South -> North
    # estimated: North buyers 114 + 30 + 10 = 154 × South sellers 76 + 30 + 10 + 10 = 126 / 200
    # = 97.02 = 48.5 % (m49); without Venezuela 154 × 116 / 200 = 89.32 = 44.7 % (wb).
    assert pick(
        rows,
        "source_id",
        "year",
        "scheme",
        "prior",
        "south_to_north_observed_pct",
        "south_to_north_estimated_pct",
        "south_to_north_error_pts",
        "domestic_observed_pct",
        "domestic_estimated_pct",
    ) == [
        ("obs", 2020, "un_m49_developed", "none", 50.0, 48.5, -1.5, 17.0, 21.8),
        ("obs", 2020, "wb_high_income", "none", 45.0, 44.7, -0.3, 17.0, 21.8),
    ]
    assert expected["domestic_estimated_pct"] == pytest.approx(21.84)
    assert [r["pair_error_pct"] for r in rows] == [round(expected["pair_error_pct"], 1)] * 2


def test_estimate_pairs(con) -> None:
    import datetime as dt

    year_2020 = (dt.date(2020, 1, 1), dt.date(2020, 12, 31))
    # oli's two complete sides of 2020 are paired; ilo's sellers (37 % listed) are not
    assert pick(
        ask(con, "estimate_pairs"),
        "source_id",
        "year",
        "buyer_period_start",
        "buyer_period_end",
        "seller_period_start",
        "seller_period_end",
        "period_label",
        "is_same_period",
    ) == [
        (
            "oli",
            2020,
            *year_2020,
            *year_2020,
            "employers 2020-01-01 to 2020-12-31 × workers 2020-01-01 to 2020-12-31",
            True,
        )
    ]


def test_rejects(con) -> None:
    assert pick(
        ask(con, "rejects"),
        "source_id",
        "reason",
        "field",
        "n_rows",
        "n_lines",
        "first_location",
        "example_value",
    ) == [
        (
            "obs",
            "exact duplicate of line 5 (counted once): 3 repeats, on lines 6, 7, 8",
            None,
            1,
            3,
            "f.csv:6",
            None,
        ),
        ("obs", "count below 0", "count", 2, 2, "f.csv:3", "-1"),
        ("obs", "unknown country", "buyer_country", 1, 1, "f.csv:4", "Atlantis"),
    ]


def test_sources(con) -> None:
    assert pick(ask(con, "sources"), "source_id", "method", "citation") == [
        ("claims", "curated", "Claims (2021)"),
        ("ilo", "curated", "Ilo (2021)"),
        ("obs", "downloaded", "Obs (2021)"),
        ("oli", "downloaded", "Oli (2021)"),
        ("ref_m49", "reference", "UNSD M49"),
        ("ref_wb", "reference", "WB"),
    ]


def test_estimate_summary(con) -> None:
    rows = ask(con, "estimate_summary")
    # oli 2020 (see test_south_to_north): 2 buyers and 7 sellers named, their pairs
    # 74 × 95 / 100 = 70.3 % of the work; bounds 58-89 % (M49) and 49-89 % (World Bank, where
    # Venezuela is unclassified); no prior, so no point; the cut check runs on the one observed
    # matrix (obs 2020) cut to 2 × 7
    assert pick(
        rows,
        "scheme",
        "source_id",
        "year",
        "countries_named",
        "named_pct",
        "share_low_pct",
        "share_high_pct",
        "estimated_share_pct",
        "model",
        "matrices_measured",
    ) == [
        ("un_m49_developed", "oli", 2020, "2 × 7", 70.3, 58.0, 89.0, None, "independence", 1),
        ("wb_high_income", "oli", 2020, "2 × 7", 70.3, 49.0, 89.0, None, "independence", 1),
    ]
