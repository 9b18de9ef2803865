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


def test_the_shipped_estimate_keeps_the_whole_total(shipped_con) -> None:
    # OLI 2016: buyers US 52, UK 6.3, India 5.9, Australia 5.7, rest 30.1; sellers India 24,
    # Bangladesh 16, US 12, UK 6, rest 42. No prior: every cell is buyer × seller / 100,
    # the rest of world cells included (null country codes).
    rows = shipped_con.execute(
        "select buyer_country_code, seller_country_code, tasks, unit, prior from out__flows "
        "where source_id = 'curated_oli_shares'"
    ).fetchall()
    cells = {(b, s): t for b, s, t, _, _ in rows}
    assert {(u, p) for *_, u, p in rows} == {("pct_of_total", "none")}
    assert sum(cells.values()) == pytest.approx(100)
    assert cells[("USA", "IND")] == pytest.approx(52 * 24 / 100)
    assert cells[("USA", None)] == pytest.approx(52 * 42 / 100)
    assert cells[(None, "IND")] == pytest.approx(30.1 * 24 / 100)
    assert cells[(None, None)] == pytest.approx(30.1 * 42 / 100)
    assert sum(t for (b, _), t in cells.items() if b == "USA") == pytest.approx(52)
    observed_prior = shipped_con.execute(
        "select count(*) from out__flows where method = 'observed' and prior is not null"
    ).fetchall()
    assert observed_prior == [(0,)]


@pytest.mark.parametrize("scheme", ["un_m49_developed", "wb_high_income"])
def test_oli_2016_summary_on_shipped_data_worked_by_hand(shipped_con, scheme) -> None:
    # Both schemes put the US, the UK and Australia in the North, India and Bangladesh in the
    # South. Buyers: named North 52 + 6.3 + 5.7 = 64.0, named South 5.9, rest 30.1. Sellers:
    # named South 24 + 16 = 40, named North 12 + 6 = 18, rest 42.
    # lowest = max(0, 64.0 + 40 - 100) = 4.0; highest = min(100 - 5.9, 100 - 18) = 82.0.
    # Named × named cells: 69.9 × 58 / 100 = 40.542 % of the work.
    row = shipped_con.execute(
        "select buyers_named, sellers_named, named_pct, share_low_pct, share_high_pct, "
        "estimated_share_pct, model, prior, unnamed_model, unit, typical_error_pp, "
        "typical_pair_error_pp, matrices_measured from out__estimate_summary "
        "where source_id = 'curated_oli_shares' and scheme = ?",
        [scheme],
    ).fetchall()
    assert len(row) == 1
    (k_b, k_s, named, low, high, point, model, prior, unnamed, unit, err, pair_err, n) = row[0]
    assert (k_b, k_s) == (4, 4)
    assert named == pytest.approx(40.542)
    assert (low, high) == (pytest.approx(4.0), pytest.approx(82.0))
    # no prior: nothing models where the 59.5 % of the work with unnamed countries goes
    assert point is None and (model, prior) == ("independence", "none")
    assert unnamed.startswith("not modelled")
    assert unit == (
        "% of vacancies posted, by employer country × % of worker profiles in a weighted "
        "sample, by worker country"
    )
    assert (err, pair_err, n) == (None, None, 0)
    directions = dict(
        shipped_con.execute(
            "select direction, share_pct from out__flows_by_direction "
            "where source_id = 'curated_oli_shares' and scheme = ?",
            [scheme],
        ).fetchall()
    )
    # shares of the whole total: named North buyers × named South sellers, and the unnamed
    # work in its own category
    assert directions["south_to_north"] == pytest.approx(64.0 * 40 / 100)
    assert directions["not_named"] == pytest.approx(100 - 40.542)
    assert sum(directions.values()) == pytest.approx(100)


def _published_build(
    sources: dict[str, tuple[dict[str | None, float], dict[str | None, float]]],
    groups: dict[str, bool | None],
    observed: dict[int, dict[tuple[str, str], float]] | None = None,
    prior_min_projects: float = estimate.PRIOR_MIN_PROJECTS,
) -> duckdb.DuckDBPyConnection:
    """An in-memory atlas from published shares (per source: buyers and sellers, None for the
    rest of world) in 2015, observed pair counts of a source `rw` per year, and one North/South
    scheme `hand`, built by the pipeline's estimator and SQL."""
    from pipeline.build.sqlfiles import build_out_tables, run_schema, run_sql_tests

    con = duckdb.connect()
    run_schema(con)
    con.executemany(
        "insert into core__countries (country_code, iso2, name, lon, lat) values (?, ?, ?, 0, 0)",
        [(code, code[:2], code) for code in groups],
    )
    con.executemany(
        "insert into core__sources (source_id, title, citation, method) "
        "values (?, ?, 'test', 'curated')",
        [(source, source) for source in dict.fromkeys([*sources, "rw", "test"])],
    )
    con.executemany(
        "insert into core__country_groups values ('hand', ?, ?, 'test')", list(groups.items())
    )
    rows = [
        (
            source,
            role,
            code if role == "buyer" else None,
            code if role == "seller" else None,
            None if code else "rest of world",
            share,
        )
        for source, sides in sources.items()
        for role, side in zip(("buyer", "seller"), sides, strict=True)
        for code, share in side.items()
    ]
    con.executemany(
        "insert into core__tallies (source_id, platform, period_start, period_end, role, "
        "buyer_country_code, seller_country_code, region_label, occupation, measure, amount) "
        "values (?, 'web', '2015-01-01', '2015-12-31', ?, ?, ?, ?, 'unknown', 'share_pct', ?)",
        rows,
    )
    pairs = [
        (y, y, b, s, n) for y, cells in (observed or {}).items() for (b, s), n in cells.items()
    ]
    if pairs:
        con.executemany(
            "insert into core__tallies (source_id, platform, period_start, period_end, role, "
            "buyer_country_code, seller_country_code, occupation, measure, amount) "
            "values ('rw', 'web', make_date(?, 1, 1), make_date(?, 12, 31), 'pair', ?, ?, "
            "'unknown', 'projects', ?)",
            pairs,
        )
    estimate.run(con, prior_min_projects=prior_min_projects)
    build_out_tables(con)
    assert [f.describe() for f in run_sql_tests(con)] == []
    return con


# Hand-worked bounds (buyers; sellers; lowest, highest South → North share). North: USA, GBR;
# South: IND, PHL; KEN is left unclassified, so it may be either, like the rest of world.
BOUNDS = {
    # All named buyers North, all named sellers South: the named cells alone say 100 %.
    # bN ≥ 60, sS ≥ 50: lowest 60 + 50 - 100 = 10; highest min(100 - 0, 100 - 0) = 100.
    "e1": ({"USA": 50, "GBR": 10, None: 40}, {"IND": 30, "PHL": 20, None: 50}, 10, 100),
    # No remainder: bN = 70, sS = 60; lowest 70 + 60 - 100 = 30, highest min(70, 60) = 60.
    "e2": ({"USA": 70, "IND": 30}, {"PHL": 60, "GBR": 40}, 30, 60),
    # lowest max(0, 20 + 10 - 100) = 0; highest min(100 - 30, 100 - 40) = 60.
    "e3": ({"USA": 20, "IND": 30, None: 50}, {"PHL": 10, "GBR": 40, None: 50}, 0, 60),
    # Every buyer North: the share is the South sellers' share, 35.
    "e4": ({"USA": 100}, {"IND": 35, "GBR": 65}, 35, 35),
    # KEN unclassified: free like a remainder. lowest max(0, 50 + 40 - 100) = 0, highest
    # min(100 - 0, 100 - 0) = 100 (counted South, KEN would cap it at 100 - 20 = 80).
    "e5": ({"USA": 50, "KEN": 20, None: 30}, {"IND": 40, None: 60}, 0, 100),
}
HAND_GROUPS = {"USA": True, "GBR": True, "IND": False, "PHL": False, "KEN": None}


def test_bounds_worked_by_hand() -> None:
    con = _published_build({k: (b, s) for k, (b, s, _, _) in BOUNDS.items()}, HAND_GROUPS)
    got = {
        source: (low, high, point)
        for source, low, high, point in con.execute(
            "select source_id, share_low_pct, share_high_pct, estimated_share_pct "
            "from out__estimate_summary where scheme = 'hand'"
        ).fetchall()
    }
    assert sorted(got) == sorted(BOUNDS)
    for source, (*_, low, high) in BOUNDS.items():
        assert got[source][:2] == (pytest.approx(low), pytest.approx(high)), source
    # The old method divided the named cells by themselves: 60 × 50 / (60 × 50) = 100 % for e1.
    # Over the whole total the named cells hold 60 × 50 / 100 = 30 %, and the 70 % with an
    # unnamed country has no model, so there is no point estimate, only the bounds.
    e1 = dict(
        con.execute(
            "select direction, share_pct from out__flows_by_direction "
            "where source_id = 'e1' and scheme = 'hand'"
        ).fetchall()
    )
    assert e1 == {"south_to_north": pytest.approx(30), "not_named": pytest.approx(70)}
    assert got["e1"][2] is None
    # Sources that name every country need no model for the rest: independence gives the
    # point, inside the bounds (e2: 70 × 60 / 100 = 42; e4: 100 × 35 / 100 = 35).
    assert got["e2"][2] == pytest.approx(42)
    assert got["e4"][2] == pytest.approx(35)


# Observed pair counts of a source `rw`: 2015 is cut to its largest buyer (USA, 80 of 100) and
# seller (IND, 50) and estimated again; 2014 is its prior.
RW_2015 = {
    ("USA", "IND"): 45.0,
    ("USA", "PHL"): 15.0,
    ("USA", "USA"): 20.0,
    ("GBR", "IND"): 5.0,
    ("GBR", "PHL"): 15.0,
}
RW_2014 = {("USA", "IND"): 6.0, ("USA", "PHL"): 2.0, ("GBR", "IND"): 1.0, ("GBR", "PHL"): 1.0}


def test_truncation_error_on_a_fixture_matrix_worked_by_hand() -> None:
    # A source naming one buyer and one seller: the observed years are cut to 1 × 1.
    con = _published_build(
        {"one": ({"USA": 60, None: 40}, {"IND": 30, None: 70})},
        HAND_GROUPS,
        {2015: RW_2015, 2014: RW_2014},
    )
    rows = {
        prior: rest
        for prior, *rest in con.execute(
            "select prior, named_pct, share_low_pct, share_high_pct, observed_share_pct, "
            "estimated_share_pct, pair_error_pct from out__estimate_cut_check "
            "where year = 2015 and scheme = 'hand' and buyers_named = 1 and sellers_named = 1"
        ).fetchall()
    }
    assert sorted(rows) == ["none", "rw 2014"]
    # The cut's grid (buyers USA, rest × sellers IND, rest) holds 45, 35 / 5, 15. Its
    # marginals: USA 80, rest 20; IND 50, rest 50. South → North observed: every pair but
    # USA → USA, 80 %. Bounds: lowest 80 + 50 - 100 = 30, highest 100 (no named South buyer
    # nor North seller).
    # No prior: independence, 40, 40 / 10, 10: ½ (5 + 5 + 5 + 5) = 10 % on the wrong cell;
    # the unnamed countries' work has no model, so no share.
    assert rows["none"] == [
        pytest.approx(45),
        pytest.approx(30),
        pytest.approx(100),
        pytest.approx(80),
        None,
        pytest.approx(10),
    ]
    # Prior 2014 on the grid: [[6, 2], [1, 1]] (rows 8, 2; columns 7, 3; total 10) plus 1 % of
    # independence. A 2 × 2 fit keeps the seed's odds ratio θ: cells [[a, 80 - a], [50 - a,
    # a - 30]] with a (a - 30) = θ (80 - a)(50 - a). Each cell is |a - 45| off: 2 |a - 45| %.
    seed = np.array([[6.0, 2.0], [1.0, 1.0]]) + 0.01 * np.outer([8.0, 2.0], [7.0, 3.0]) / 10
    theta = seed[0, 0] * seed[1, 1] / (seed[0, 1] * seed[1, 0])
    roots = np.roots([1 - theta, 130 * theta - 30, -4000 * theta])
    (a,) = [r.real for r in roots if 30 < r.real < 50]
    # The prior's only unnamed buyer is GBR and its only unnamed seller PHL, so the spread
    # puts every unnamed cell on them: USA → PHL, GBR → IND, GBR → PHL, all South → North,
    # like USA → IND. The estimate says 100 %, 20 points above the truth.
    assert rows["rw 2014"] == [
        pytest.approx(45),
        pytest.approx(30),
        pytest.approx(100),
        pytest.approx(80),
        pytest.approx(100),
        pytest.approx(2 * abs(a - 45)),
    ]


def test_unnamed_work_is_spread_for_one_estimate_and_not_for_another_of_the_same_year() -> None:
    # Two estimates of 2015, of one period and occupation: `one` takes rw 2014 as prior (small
    # priors allowed); rw itself publishes shares of 2015, and rw's own years are never its
    # prior, so its estimate has none. Only `one`'s unnamed work is spread.
    con = _published_build(
        {
            "one": ({"USA": 60, None: 40}, {"IND": 30, None: 70}),
            "rw": ({"USA": 50, "IND": 20, None: 30}, {"IND": 40, "GBR": 20, None: 40}),
        },
        HAND_GROUPS,
        {2014: RW_2014},
        prior_min_projects=1,
    )
    priors = con.execute(
        "select distinct source_id, prior from out__flows where method = 'estimated' "
        "order by source_id"
    ).fetchall()
    assert priors == [("one", "rw 2014"), ("rw", "none")]

    def directions(source: str) -> dict[str, float]:
        return dict(
            con.execute(
                "select direction, share_pct from out__flows_by_direction "
                "where source_id = ? and year = 2015 and scheme = 'hand'",
                [source],
            ).fetchall()
        )

    # one: the prior's only buyer the source does not name is GBR, its only such seller PHL,
    # so USA -> rest goes to USA -> PHL, rest -> IND to GBR -> IND and rest -> rest to
    # GBR -> PHL: with USA -> IND, all of it South -> North.
    assert directions("one") == {"south_to_north": pytest.approx(100)}
    # rw: no prior, so independence, share × share / 100: USA -> IND 50 × 40 = 20 (South ->
    # North), USA -> GBR 50 × 20 = 10 (North -> North), IND -> IND 20 × 40 = 8 (South ->
    # South), IND -> GBR 20 × 20 = 4 (North -> South); the rest, 100 - 70 × 60 / 100 = 58,
    # has a country not named and no model.
    assert directions("rw") == {
        "south_to_north": pytest.approx(20),
        "north_to_north": pytest.approx(10),
        "south_to_south": pytest.approx(8),
        "north_to_south": pytest.approx(4),
        "not_named": pytest.approx(58),
    }


def test_the_summary_takes_the_error_of_the_same_procedure() -> None:
    # With small priors allowed, the source `one` (2015) takes rw 2015 as prior; its error is
    # that of estimates with a prior on the 1 × 1 cuts of both rw years; without a prior, the
    # cut checks without one.
    observed = {2015: RW_2015, 2014: RW_2014}
    for min_projects, expected_prior in ((1, "rw 2015"), (estimate.PRIOR_MIN_PROJECTS, "none")):
        con = _published_build(
            {"one": ({"USA": 60, None: 40}, {"IND": 30, None: 70})},
            HAND_GROUPS,
            observed,
            prior_min_projects=min_projects,
        )
        summary = con.execute(
            "select prior, typical_error_pp, max_error_pp, typical_pair_error_pp, "
            "matrices_measured, measured_on from out__estimate_summary where scheme = 'hand'"
        ).fetchall()
        with_prior = expected_prior != "none"
        checks = con.execute(
            "select abs(estimated_share_pct - observed_share_pct), pair_error_pct "
            "from out__estimate_cut_check where scheme = 'hand' and (prior <> 'none') = ?",
            [with_prior],
        ).fetchall()
        assert len(checks) == 2
        gaps = [g for g, _ in checks]
        assert summary == [
            (
                expected_prior,
                pytest.approx(sum(gaps) / 2) if with_prior else None,
                pytest.approx(max(gaps)) if with_prior else None,
                pytest.approx(sum(p for _, p in checks) / 2),
                2,
                "rw 2014, rw 2015",
            )
        ]


def test_the_unnamed_cells_are_spread_like_the_prior_worked_by_hand() -> None:
    # Grid: buyers USA, rest; sellers IND, rest. Prior: USA hires IND 4, PHL 3, BRA 1; DEU
    # hires PHL 1, BRA 1; FRA hires IND 2. Unnamed in the prior: buyers DEU, FRA; sellers PHL,
    # BRA. With no smoothing the spread follows the prior's cells:
    #   USA × rest (10) over PHL, BRA as 3 : 1 → 7.5, 2.5;
    #   rest × IND (6) over DEU, FRA as 0 : 2 → 0, 6;
    #   rest × rest (8) over DEU, FRA × PHL, BRA as 1, 1 / 0, 0 → 4, 4.
    buyers, sellers = estimate.Side(), estimate.Side()
    buyers.add(estimate.Category("USA", None), 60, None)
    buyers.add(estimate.Category(None, "rest of world"), 40, None)
    sellers.add(estimate.Category("IND", None), 56, None)
    sellers.add(estimate.Category(None, "rest of world"), 44, None)
    fitted = np.array([[50.0, 10.0], [6.0, 8.0]])
    prior = estimate.ObservedMatrix(
        "rw",
        2015,
        {
            ("USA", "IND"): 4.0,
            ("USA", "PHL"): 3.0,
            ("USA", "BRA"): 1.0,
            ("DEU", "PHL"): 1.0,
            ("DEU", "BRA"): 1.0,
            ("FRA", "IND"): 2.0,
        },
    )
    spread = estimate.spread_unnamed(fitted, buyers, sellers, prior, smoothing=0)
    got = {(b, s): t for b, s, t in zip(spread.buyers, spread.sellers, spread.tasks, strict=True)}
    assert got == {
        ("USA", "PHL"): pytest.approx(7.5),
        ("USA", "BRA"): pytest.approx(2.5),
        ("FRA", "IND"): pytest.approx(6),
        ("DEU", "PHL"): pytest.approx(4),
        ("DEU", "BRA"): pytest.approx(4),
    }
    # A named country the prior never saw takes the make-up of the prior's unnamed countries
    # on the other side: a named buyer GBR with 9 for the rest spreads it over PHL 1 + 3 = 4
    # and BRA 1 + 1 = 2 of the prior's sellers, 6 : 3.
    buyers.add(estimate.Category("GBR", None), 9, None)
    fitted = np.array([[50.0, 10.0], [6.0, 8.0], [0.0, 9.0]])
    buyers.categories[1], buyers.categories[2] = buyers.categories[2], buyers.categories[1]
    fitted[[1, 2]] = fitted[[2, 1]]
    spread = estimate.spread_unnamed(fitted, buyers, sellers, prior, smoothing=0)
    gbr = {
        s: t
        for b, s, t in zip(spread.buyers, spread.sellers, spread.tasks, strict=True)
        if b == "GBR"
    }
    assert gbr == {"PHL": pytest.approx(6), "BRA": pytest.approx(3)}


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


def test_observed_figures_do_not_move_with_the_estimates(remotework_build) -> None:
    # handmade 2014 (41 projects): South → North under M49 (Ukraine and Russia North) are
    # USA → IND 9, PHL 4, PAK 2, BGD 1; GBR → IND 3, BGD 2; AUS → PHL 3; CAN → IND 1;
    # FRA → MAR 1; JPN → CHN 1: 27 of 41. The build also holds the OLI estimate, which takes
    # its own rows and leaves these alone.
    con = duckdb.connect(str(remotework_build), read_only=True)
    try:
        share = con.execute(
            "select share_pct, method, unit from out__flows_by_direction "
            "where source_id = 'remotework' and year = 2014 and scheme = 'un_m49_developed' "
            "and direction = 'south_to_north'"
        ).fetchall()
        total = con.execute(
            "select sum(tasks), count(*) filter (where buyer_country_code is null "
            "or seller_country_code is null) from out__flows "
            "where source_id = 'remotework' and year = 2014"
        ).fetchall()
        summary = con.execute(
            "select matrices_measured, measured_on, typical_error_pp, typical_pair_error_pp "
            "from out__estimate_summary where scheme = 'un_m49_developed'"
        ).fetchall()
        cut_errors = con.execute(
            "select pair_error_pct from out__estimate_cut_check where prior = 'none' "
            "and scheme = 'un_m49_developed' and buyers_named = 4 and sellers_named = 4"
        ).fetchall()
    finally:
        con.close()
    assert share == [(pytest.approx(100 * 27 / 41), "observed", "projects")]
    assert total == [(41, 0)]
    # the fixture years are too small to be a prior: the OLI estimate has none, and its error
    # is that of estimates without a prior on the 4 × 4 cuts of both years (a pair error only)
    assert len(cut_errors) == 2
    assert summary == [
        (
            2,
            "remotework 2014, remotework 2015",
            None,
            pytest.approx(sum(e for (e,) in cut_errors) / 2),
        )
    ]


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
