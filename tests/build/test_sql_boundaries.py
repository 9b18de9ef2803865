"""The thresholds and windows of the sql/out models, each with a case exactly at the threshold,
one just inside and one just outside (the saved queries' windows, top 5 and top 10, are in
test_saved_queries.py; the estimator's and the claims check's in their own tests)."""

from __future__ import annotations

import duckdb
import pytest

from pipeline.build import estimate
from pipeline.build.sqlfiles import build_out_tables, run_schema


def atlas(tallies: list[tuple]) -> duckdb.DuckDBPyConnection:
    """An empty atlas holding only these core__tallies rows (source, platform, start, end,
    role, buyer, seller, region, measure, amount), built by the estimator and sql/out."""
    con = duckdb.connect()
    run_schema(con)
    con.executemany(
        "insert into core__tallies (source_id, platform, period_start, period_end, role, "
        "buyer_country_code, seller_country_code, region_label, occupation, measure, amount) "
        "values (?, ?, ?, ?, ?, ?, ?, ?, 'unknown', ?, ?)",
        tallies,
    )
    estimate.run(con)
    build_out_tables(con)
    return con


def marginals(buyer_rest: float, start: str = "2020-01-01", end: str = "2020-12-31") -> list:
    """Complete seller shares (IND 50 + rest 50) and buyer shares USA 60 + rest: the buyer
    side adds up to 60 + buyer_rest."""
    return [
        ("s", "p", start, end, "buyer", "USA", None, None, "share_pct", 60.0),
        ("s", "p", start, end, "buyer", None, None, "rest", "share_pct", buyer_rest),
        ("s", "p", start, end, "seller", None, "IND", None, "share_pct", 50.0),
        ("s", "p", start, end, "seller", None, None, "rest", "share_pct", 50.0),
    ]


# Shares are paired when they add up to 100 within 0.5 (rounding in published shares); the
# offsets are powers of two so that the sums are exact in binary.
@pytest.mark.parametrize(
    ("total", "paired"),
    [
        (100.0, True),
        (100.5, True),  # at the bound
        (100.5 - 1 / 128, True),  # just inside
        (100.5 + 1 / 128, False),  # just outside
        (99.5, True),
        (99.5 + 1 / 128, True),
        (99.5 - 1 / 128, False),
    ],
)
def test_marginals_are_paired_within_half_a_point_of_100(total: float, paired: bool) -> None:
    con = atlas(marginals(total - 60))
    pairs = con.execute("select count(*) from out__marginal_pairs").fetchone()
    assert pairs == (int(paired),)
    flows = con.execute(
        "select count(*) from out__flows where method = 'estimated' "
        "and buyer_country_code is not null and seller_country_code is not null"
    ).fetchone()
    assert flows == (int(paired),)  # USA <- IND, the one country pair
    # and the whole 2 x 2 grid, each side's rest included, when paired
    cells = con.execute("select count(*) from out__flows where method = 'estimated'").fetchone()
    assert cells == (4 * int(paired),)


def test_a_side_of_remainders_only_is_not_paired() -> None:
    rows = marginals(40)
    rows[0] = ("s", "p", "2020-01-01", "2020-12-31", "buyer", None, None, "Asia", "share_pct", 60.0)
    assert atlas(rows).execute("select count(*) from out__marginal_pairs").fetchone() == (0,)


def test_the_nearest_seller_period_is_paired_and_a_tie_takes_the_earlier() -> None:
    buyers = marginals(40, "2020-07-01", "2020-07-31")[:2]
    sellers = [
        marginals(40, start, end)[2:]
        for start, end in [
            ("2020-06-21", "2020-06-30"),  # 10 days before
            ("2020-07-11", "2020-07-20"),  # 10 days after
            ("2019-07-01", "2019-07-31"),  # a year before
        ]
    ]
    con = atlas([*buyers, *(row for side in sellers for row in side)])
    assert con.execute(
        "select strftime(seller_period_start, '%Y-%m-%d'), is_same_period from out__marginal_pairs"
    ).fetchall() == [("2020-06-21", False)]
    sellers[0] = marginals(40, "2020-06-20", "2020-06-30")[2:]  # now 11 days before
    con = atlas([*buyers, *(row for side in sellers for row in side)])
    assert con.execute(
        "select strftime(seller_period_start, '%Y-%m-%d') from out__marginal_pairs"
    ).fetchall() == [("2020-07-11",)]


@pytest.mark.parametrize(
    ("start", "end", "label"),
    [
        ("2020-01-01", "2020-12-31", "2020"),
        ("2020-01-02", "2020-12-31", "2020-01-02 to 2020-12-31"),
        ("2020-01-01", "2020-12-30", "2020-01-01 to 2020-12-30"),
        ("2020-01-01", "2021-12-31", "2020-01-01 to 2021-12-31"),
    ],
)
def test_a_period_is_labelled_by_its_year_only_when_it_is_the_whole_year(
    start: str, end: str, label: str
) -> None:
    con = atlas([("s", "p", start, end, "pair", "USA", "IND", None, "projects", 5.0)])
    assert con.execute("select year, period_label from out__flows").fetchall() == [(2020, label)]


@pytest.mark.parametrize(
    ("platforms", "label"),
    [
        (4, "p1, p2, p3, p4"),
        (5, "p1, p2, p3, p4, p5"),  # at the bound: every platform named
        (6, "p1, p2, p3, p4, p5 and 1 more"),
        (7, "p1, p2, p3, p4, p5 and 2 more"),
    ],
)
def test_a_side_names_five_platforms_and_counts_the_others(platforms: int, label: str) -> None:
    con = atlas(
        [
            ("s", f"p{k}", "2020-01-01", "2020-12-31", "pair", "USA", "IND", None, "projects", 1.0)
            for k in range(1, platforms + 1)
        ]
    )
    rows = con.execute(
        "select role, platform, share_pct, rank, listed from out__country_shares order by role"
    ).fetchall()
    assert rows == [("buyer", label, 100.0, 1, 1), ("seller", label, 100.0, 1, 1)]


@pytest.mark.parametrize(
    ("ranks", "top_list"),
    [([1, 2, 3], True), ([1, 2, 4], False), ([2, 3, 4], False), ([1], True), ([1, 1, 2], False)],
)
def test_a_printed_ranking_is_a_top_list_only_when_it_runs_1_to_k(
    ranks: list[int], top_list: bool
) -> None:
    codes = ["USA", "GBR", "CAN"]
    con = atlas(
        [
            ("s", "p", "2020-01-01", "2020-12-31", "buyer", code, None, None, "rank", float(rank))
            for code, rank in zip(codes, ranks, strict=False)
        ]
    )
    got = con.execute(
        "select distinct is_top_list, listed from out__country_shares where basis = "
        "'published ranks'"
    ).fetchall()
    assert got == [(top_list, len(ranks))]


def test_shares_left_to_unlisted_countries_are_never_negative() -> None:
    # Two listed shares add up to 100.25: nothing is left, not -0.25.
    con = atlas(
        [
            ("s", "p", "2020-01-01", "2020-12-31", "seller", None, "IND", None, "share_pct", 60.0),
            ("s", "p", "2020-01-01", "2020-12-31", "seller", None, "PHL", None, "share_pct", 40.25),
        ]
    )
    assert con.execute("select distinct unlisted_pct from out__country_shares").fetchall() == [
        (0.0,)
    ]


def test_a_side_s_projects_do_not_count_as_its_shares() -> None:
    # The OLI's monthly employer tallies are counts of projects beside the shares: they take
    # no part in the shares' 100.
    rows = marginals(40)
    rows.append(("s", "p", "2020-01-01", "2020-12-31", "buyer", "USA", None, None, "projects", 500))
    assert atlas(rows).execute("select count(*) from out__marginal_pairs").fetchone() == (1,)


def test_periods_that_share_their_start_are_not_the_same_period() -> None:
    rows = [*marginals(40)[:2], *marginals(40, "2020-01-01", "2020-06-30")[2:]]
    con = atlas(rows)
    assert con.execute(
        "select is_same_period, period_label from out__marginal_pairs"
    ).fetchall() == [
        (False, "employers 2020-01-01 to 2020-12-31 × workers 2020-01-01 to 2020-06-30")
    ]


def test_tasks_become_flows_with_their_value_in_cents_rounded_half_up() -> None:
    con = duckdb.connect()
    run_schema(con)
    con.executemany(
        "insert into core__tasks (task_id, source_id, platform, task_date, buyer_country_code, "
        "seller_country_code, occupation, price_usd) values (?, 'f', 'F', ?, ?, ?, 'unknown', ?)",
        [
            # 0.125 $ is 12.5 cents: 13; 2.5625 $ is 256.25 cents: 256
            ("1", "2021-03-01", "GBR", "KEN", 0.125),
            ("2", "2021-05-01", "GBR", "KEN", 2.5625),
            ("3", "2021-05-01", None, "KEN", 1.0),  # no buyer: not a flow
            ("4", "2021-05-01", "GBR", None, 1.0),  # no seller
            ("5", None, "GBR", "KEN", 1.0),  # no date
            ("6", "2022-01-01", "GBR", "KEN", None),  # no price: counted, no value
        ],
    )
    estimate.run(con)
    build_out_tables(con)
    assert con.execute(
        "select year, buyer_country_code, seller_country_code, tasks, value_usd, method, "
        "period_label from out__flows order by year"
    ).fetchall() == [
        (2021, "GBR", "KEN", 2, 2.69, "observed", "2021"),
        (2022, "GBR", "KEN", 1, None, "observed", "2022"),
    ]


def test_the_rows_of_one_pair_are_summed() -> None:
    # a pair given over several rows (the remote-work files give one per region of a country)
    con = atlas(
        [
            ("s", "p", "2020-01-01", "2020-12-31", "pair", "USA", "IND", None, "projects", 3.0),
            ("s", "p", "2020-01-01", "2020-12-31", "pair", "USA", "IND", None, "projects", 4.0),
        ]
    )
    assert con.execute("select tasks from out__flows").fetchall() == [(7,)]


@pytest.mark.parametrize(
    ("macro", "one", "other", "share"),
    [
        # lowest: bN + sS - 100, never below 0 (30 + 50 - 100 = -20); exactly 100 gives 0
        ("south_to_north_low_pct", 30, 50, 0),
        ("south_to_north_low_pct", 60, 40, 0),
        ("south_to_north_low_pct", 60, 41, 1),
        # highest: min(100 - bS, 100 - sN), either side the tighter
        ("south_to_north_high_pct", 20, 10, 80),
        ("south_to_north_high_pct", 10, 20, 80),
        ("south_to_north_high_pct", 0, 0, 100),
    ],
)
def test_the_bounds_macros_at_their_edges(
    macro: str, one: float, other: float, share: float
) -> None:
    con = duckdb.connect()
    run_schema(con)
    assert con.execute(f"select {macro}(?, ?)", [one, other]).fetchone() == (share,)


@pytest.mark.parametrize(
    ("values", "total"),
    [
        # whole counts add as integers, fractions as exact decimals: 2 + 3 + 0.5 + 0.25
        ([2.0, 3.0, 0.5, 0.25], 5.75),
        # 10^15 and past it: summed as decimals, still exact
        ([1e15, 1.0, 0.5], 1_000_000_000_000_001.5),
        # nothing to add: null, as sum gives
        ([None, None], None),
    ],
)
def test_exact_sum_adds_whole_and_fractional_values(
    values: list[float | None], total: float | None
) -> None:
    con = duckdb.connect()
    run_schema(con)
    con.execute("create table v (x double)")
    con.executemany("insert into v values (?)", [[v] for v in values])
    (found,) = con.execute("select cast(exact_sum(x) as double) from v").fetchone()
    assert found == total
