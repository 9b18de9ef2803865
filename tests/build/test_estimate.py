"""The IPF estimator: small matrices worked by hand, its rule for zeros and refusals, the build's
estimated flows, and the check of the estimate against observed remote-work years."""

from __future__ import annotations

from pathlib import Path

import duckdb
import numpy as np
import pytest
from conftest import FIXTURES, staged
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra.numpy import arrays

from pipeline.build import estimate
from pipeline.build.estimate import MarginsMismatch, NotConverged, ipf
from pipeline.build.run import build_database
from pipeline.commands.fetch import run_fetch
from pipeline.util.paths import SQL_DIR

REMOTEWORK_YEARS = staged(
    {
        "olm_network_data_2014.csv": FIXTURES / "remotework" / "handmade_network_2014.csv",
        "olm_network_data_2015.csv": FIXTURES / "remotework" / "handmade_network_2015.csv",
    }
)


def test_no_prior_is_the_product_of_the_marginals_worked_by_hand() -> None:
    # buyers 60/40, sellers 50/30/20 of 100: cell = buyer × seller / 100
    fit = ipf([60, 40], [50, 30, 20])
    assert fit.matrix == pytest.approx(np.array([[30, 18, 12], [20, 12, 8]]))
    assert fit.iterations == 1


def test_prior_structure_carries_over_worked_by_hand() -> None:
    # Prior [[1, 1], [0, 1]] to rows (2, 1), columns (1, 2), no smoothing: it already fits,
    # and the zero stays a zero.
    # Prior [[3, 1], [1, 1]] to rows (4, 4), columns (4, 4): by symmetry the fit is
    # [[a, 4-a], [4-a, a]], and IPF keeps the prior's odds ratio, a² / (4-a)² = 3,
    # so a = 4·√3 / (1 + √3).
    fit = ipf([2, 1], [1, 2], np.array([[1.0, 1.0], [0.0, 1.0]]), smoothing=0)
    assert fit.matrix == pytest.approx(np.array([[1, 1], [0, 1]]))
    fit = ipf([4, 4], [4, 4], np.array([[3.0, 1.0], [1.0, 1.0]]), smoothing=0)
    a = 4 * np.sqrt(3) / (1 + np.sqrt(3))
    assert fit.matrix == pytest.approx(np.array([[a, 4 - a], [4 - a, a]]))
    odds = fit.matrix[0, 0] * fit.matrix[1, 1] / (fit.matrix[0, 1] * fit.matrix[1, 0])
    assert odds == pytest.approx(3)


def test_domestic_structure_of_a_prior_raises_the_diagonal() -> None:
    prior = np.array([[8.0, 2.0], [2.0, 8.0]])
    with_prior = ipf([50, 50], [50, 50], prior).matrix
    without = ipf([50, 50], [50, 50]).matrix
    assert np.trace(without) == pytest.approx(50)
    assert np.trace(with_prior) > 75


def test_zero_rows_and_columns_of_the_prior_are_filled_with_its_profile() -> None:
    # The prior never saw buyer 2 nor seller 3: buyer 2 hires like all buyers together
    # (seller profile 3:1), seller 3 is hired like all sellers.
    prior = np.array([[3.0, 1.0, 0.0], [0.0, 0.0, 0.0]])
    seed = estimate.prepare_prior(prior, np.array([1.0, 1.0]), np.ones(3), smoothing=0)
    assert seed[1, :2] == pytest.approx([3, 1])
    assert seed[:, 2] == pytest.approx([4, 4])
    fit = ipf([10, 10], [8, 4, 8], prior, smoothing=0)
    assert fit.matrix.sum(axis=1) == pytest.approx([10, 10])
    assert fit.matrix.sum(axis=0) == pytest.approx([8, 4, 8])


def test_zero_totals_stay_zero() -> None:
    fit = ipf([0, 10], [5, 0, 5], np.ones((2, 3)))
    assert fit.matrix[0].tolist() == [0, 0, 0]
    assert fit.matrix[:, 1].tolist() == [0, 0]
    assert fit.matrix[1] == pytest.approx([5, 0, 5])


def test_marginals_of_different_totals_are_refused() -> None:
    with pytest.raises(MarginsMismatch, match="buyer totals add up to 100 and seller totals to 90"):
        ipf([60, 40], [50, 40])
    # rounding in published shares (99.8 against 100) is reconciled, not refused
    fit = ipf([60, 39.8], [50, 50])
    assert fit.matrix.sum(axis=0) == pytest.approx([49.9, 49.9])


@pytest.mark.parametrize(
    ("rows", "cols", "message"),
    [([-1, 2], [1, 0], "negative"), ([np.nan, 1], [1, 0], "missing"), ([0, 0], [0, 0], "zero")],
)
def test_bad_totals_are_refused(rows, cols, message) -> None:
    with pytest.raises(estimate.EstimateError, match=message):
        ipf(rows, cols)


def test_a_prior_of_the_wrong_shape_is_refused() -> None:
    with pytest.raises(estimate.EstimateError, match=r"prior has shape \(2, 2\)"):
        ipf([1, 1], [1, 1, 0], np.ones((2, 2)))


def test_an_infeasible_prior_without_smoothing_does_not_converge() -> None:
    # Zeros that forbid every matrix with these totals: buyer 1 may only hire seller 1, whose
    # total (1) is smaller than buyer 1's (2).
    prior = np.array([[1.0, 0.0], [1.0, 1.0]])
    with pytest.raises(NotConverged, match="no fit within 50 iterations"):
        ipf([2, 1], [1, 2], prior, smoothing=0, max_iterations=50)
    # the default smoothing keeps every cell possible, so the same prior fits
    fit = ipf([2, 1], [1, 2], prior)
    assert fit.matrix.sum(axis=1) == pytest.approx([2, 1])


@settings(max_examples=60, deadline=None)
@given(
    rows=arrays(float, st.integers(1, 6), elements=st.floats(0, 1000)),
    cols=arrays(float, st.integers(1, 6), elements=st.floats(0, 1000)),
    seed=st.integers(0, 2**32 - 1),
    use_prior=st.booleans(),
)
def test_the_estimate_reproduces_both_marginals(rows, cols, seed, use_prior) -> None:
    if rows.sum() <= 1e-3 or cols.sum() <= 1e-3:
        return
    cols = cols * rows.sum() / cols.sum()
    rng = np.random.default_rng(seed)
    prior = rng.random((rows.size, cols.size)) * (rng.random((rows.size, cols.size)) > 0.5)
    fit = ipf(rows, cols, prior if use_prior else None)
    tolerance = estimate.TOLERANCE * rows.sum() + 1e-12
    assert np.abs(fit.matrix.sum(axis=1) - rows).max() <= tolerance
    assert np.abs(fit.matrix.sum(axis=0) - cols).max() <= tolerance
    assert (fit.matrix >= 0).all()


def test_shipped_figures_are_unchanged(shipped_con) -> None:
    south_to_north = shipped_con.execute(
        "select share_pct from out__flows_by_direction where scheme = 'un_m49_developed' "
        "and source_id = 'curated_oli_shares' and direction = 'south_to_north'"
    ).fetchone()
    assert round(south_to_north[0], 1) == 70.4
    india_to_us = shipped_con.execute(
        "select tasks, method, prior from out__flows where source_id = 'curated_oli_shares' "
        "and buyer_country_code = 'USA' and seller_country_code = 'IND'"
    ).fetchall()
    assert india_to_us == [(pytest.approx(12.48), "estimated", "none")]
    observed_prior = shipped_con.execute(
        "select count(*) from out__flows where method = 'observed' and prior is not null"
    ).fetchone()
    assert observed_prior == (0,)


def test_estimates_with_an_observed_prior_name_it_and_keep_the_marginals() -> None:
    con = duckdb.connect()
    from pipeline.build.sqlfiles import build_out_tables, run_schema

    run_schema(con)
    con.execute((FIXTURES / "maps" / "mini.sql").read_text(encoding="utf-8"))
    # the mini atlas's remote-work years are small; allow them as priors here
    report = estimate.run(con, prior_min_projects=1)
    build_out_tables(con)
    assert report.with_prior == report.estimates == 1
    priors = con.execute(
        "select distinct prior from out__flows where method = 'estimated'"
    ).fetchall()
    assert priors == [("remotework 2020",)]
    # The prior (remotework 2020) has US buyers hiring in the Philippines and British buyers in
    # India: both cells rise above independence (share × share / 100), GBR -> PHL falls.
    cells = dict(
        ((b, s), t)
        for b, s, t in con.execute(
            "select buyer_country_code, seller_country_code, tasks from out__flows "
            "where source_id = 'oli'"
        ).fetchall()
    )
    assert cells[("USA", "PHL")] > 42.5 * 15.5 / 100
    assert cells[("GBR", "IND")] > 6.0 * 10.0 / 100
    assert cells[("GBR", "PHL")] < 6.0 * 15.5 / 100
    from pipeline.build.sqlfiles import run_sql_tests

    assert [f.describe() for f in run_sql_tests(con)] == []


@pytest.fixture(scope="module")
def remotework_build(tmp_path_factory: pytest.TempPathFactory, monkeypatch_module) -> Path:
    root = tmp_path_factory.mktemp("rw")
    monkeypatch_module.setenv("ATLAS_RAW", str(root / "raw"))
    assert run_fetch("remotework", REMOTEWORK_YEARS, None, out=lambda _: None) == 0
    return build_database(root / "atlas.duckdb", raw_root=root / "raw").db_path


@pytest.fixture(scope="module")
def monkeypatch_module():
    with pytest.MonkeyPatch.context() as mp:
        yield mp


def _check(db: Path) -> dict[tuple, tuple]:
    con = duckdb.connect(str(db), read_only=True)
    try:
        rows = con.execute(
            "select year, prior, observed_share_pct, estimated_share_pct, pair_error_pct, "
            "domestic_observed_pct, domestic_estimated_pct from out__estimate_check "
            "where scheme = 'un_m49_developed' and direction = 'south_to_north'"
        ).fetchall()
    finally:
        con.close()
    return {(r[0], r[1]): r[2:] for r in rows}


def test_estimate_check_covers_every_observed_year_with_and_without_prior(remotework_build) -> None:
    check = _check(remotework_build)
    assert sorted(check) == [
        (2014, "none"),
        (2014, "remotework 2015"),
        (2015, "none"),
        (2015, "remotework 2014"),
    ]
    # 2015 observed, by hand from the fixture: 60 projects, 4 domestic (Argentina 3, Egypt 1)
    observed_2015 = check[(2015, "none")]
    assert observed_2015[3] == pytest.approx(100 * 4 / 60)
    for (year, _prior), (obs, _est, pair_error, _dom_obs, _dom_est) in check.items():
        assert obs == check[(year, "none")][0]  # the truth does not depend on the prior
        assert 0 < pair_error < 100
    # the prior carries structure: it puts less work on the wrong pair than independence
    assert check[(2015, "remotework 2014")][2] < check[(2015, "none")][2]
    assert check[(2014, "remotework 2015")][2] < check[(2014, "none")][2]


def test_pair_error_is_half_the_absolute_difference(remotework_build) -> None:
    con = duckdb.connect(str(remotework_build), read_only=True)
    try:
        cells = con.execute(
            "select observed, estimated from int__estimate_check_cells "
            "where year = 2015 and prior = 'none'"
        ).fetchnumpy()
        published = con.execute(
            "select distinct pair_error_pct from out__estimate_check "
            "where year = 2015 and prior = 'none'"
        ).fetchall()
    finally:
        con.close()
    observed, estimated = cells["observed"], cells["estimated"]
    expected = 50 * np.abs(estimated - observed).sum() / observed.sum()
    assert published == [(pytest.approx(expected),)]
    # no prior: each estimated cell is row total × column total / total
    assert estimated.sum() == pytest.approx(observed.sum())


def test_estimate_check_is_empty_without_observed_flows(shipped_con) -> None:
    assert shipped_con.execute("select count(*) from out__estimate_check").fetchone() == (0,)


def test_headline_error_for_the_index_page(remotework_build) -> None:
    con = duckdb.connect(str(remotework_build), read_only=True)
    try:
        sql = (SQL_DIR / "maps" / "headline_error.sql").read_text(encoding="utf-8")
        rows = con.execute(sql, {"scheme": "un_m49_developed"}).fetchall()
        errors = con.execute(
            "select pair_error_pct from out__estimate_check where prior = 'none' "
            "and scheme = 'un_m49_developed' and direction = 'south_to_north'"
        ).fetchall()
    finally:
        con.close()
    # the fixture years are too small to be a prior, so the OLI headline has none, and its
    # error is the no-prior error measured on both fixture years
    assert [(r[0], r[1], r[2], r[3], r[4]) for r in rows] == [
        ("curated_oli_shares", 2016, "none", 2, "remotework 2014, remotework 2015")
    ]
    assert rows[0][5] == pytest.approx(sum(e for (e,) in errors) / 2)


def test_a_prior_is_collapsed_onto_the_published_categories() -> None:
    # Buyers published: USA and "rest of world"; sellers: IND, and two remainders 30/10.
    buyers, sellers = estimate.Side(), estimate.Side()
    buyers.add(estimate.Category("USA", None), 60, None)
    buyers.add(estimate.Category(None, "rest of world"), 40, None)
    sellers.add(estimate.Category("IND", None), 60, None)
    sellers.add(estimate.Category(None, "Asia"), 30, None)
    sellers.add(estimate.Category(None, "other"), 10, None)
    prior = estimate.ObservedMatrix(
        "rw", 2015, {("USA", "IND"): 8.0, ("USA", "PHL"): 4.0, ("GBR", "IND"): 2.0}
    )
    # USA -> PHL goes to the seller remainders 3:1, GBR to the buyer remainder
    assert estimate.collapse(prior, buyers, sellers) == pytest.approx(
        np.array([[8.0, 3.0, 1.0], [2.0, 0.0, 0.0]])
    )


def test_check_cells_of_a_matrix_with_a_prior_worked_by_hand() -> None:
    # Published pair counts of one source in two years. 2015 is checked against its marginals
    # (buyers GBR 2, USA 8; sellers IND 7, PHL 3) with 2014 as prior; 2014 also names a buyer
    # (DEU) and a seller (BRA) that 2015 lacks, which the prior must leave out.
    con = duckdb.connect()
    from pipeline.build.sqlfiles import run_schema

    run_schema(con)
    pairs = {
        2015: {("USA", "IND"): 6, ("USA", "PHL"): 2, ("GBR", "IND"): 1, ("GBR", "PHL"): 1},
        2014: {
            ("GBR", "IND"): 1,
            ("GBR", "PHL"): 1,
            ("USA", "IND"): 1,
            ("USA", "PHL"): 3,
            ("DEU", "IND"): 50,
            ("USA", "BRA"): 50,
        },
    }
    con.executemany(
        "insert into core__tallies (source_id, platform, period_start, period_end, role, "
        "buyer_country_code, seller_country_code, occupation, measure, amount) "
        "values ('rw', 'web', make_date(?, 1, 1), make_date(?, 12, 31), 'pair', ?, ?, "
        "'unknown', 'projects', ?)",
        [(y, y, b, s, n) for y, cells in pairs.items() for (b, s), n in cells.items()],
    )
    report = estimate.run(con)
    assert (report.estimates, report.checked_matrices, report.problems) == (0, 2, [])
    rows = con.execute(
        "select prior, buyer_country_code, seller_country_code, observed, estimated "
        "from int__estimate_check_cells where year = 2015"
    ).fetchall()
    cells = {(p, b, s): (o, e) for p, b, s, o, e in rows}
    assert len(cells) == len(rows) == 8
    pairs_2015 = [("GBR", "IND"), ("GBR", "PHL"), ("USA", "IND"), ("USA", "PHL")]
    # no prior: row total × column total / 10
    independence = [2 * 7 / 10, 2 * 3 / 10, 8 * 7 / 10, 8 * 3 / 10]
    for (b, s), expected in zip(pairs_2015, independence, strict=True):
        observed, estimated = cells[("none", b, s)]
        assert observed == pairs[2015][(b, s)]
        assert estimated == pytest.approx(expected)
    # prior 2014 on the 2015 grid, [[1, 1], [1, 3]] (row totals 2, 4 of 6), plus 1 % of its
    # independence; a 2 × 2 fit keeps the seed's odds ratio θ, and with the margins above the
    # cells are [[a, 2 - a], [7 - a, 1 + a]] where a(1 + a) = θ(2 - a)(7 - a)
    seed = np.array([[1.0, 1.0], [1.0, 3.0]]) + 0.01 * np.array([[4.0, 8.0], [8.0, 16.0]]) / 6
    theta = seed[0, 0] * seed[1, 1] / (seed[0, 1] * seed[1, 0])
    roots = np.roots([1 - theta, 1 + 9 * theta, -14 * theta])
    (a,) = [r.real for r in roots if 0 < r.real < 2]
    for (b, s), expected in zip(pairs_2015, [a, 2 - a, 7 - a, 1 + a], strict=True):
        observed, estimated = cells[("rw 2014", b, s)]
        assert observed == pairs[2015][(b, s)]
        assert estimated == pytest.approx(expected, rel=1e-9)
