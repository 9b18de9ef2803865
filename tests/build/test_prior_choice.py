"""Which observed matrix the estimator takes as its prior: another source's, of at least
PRIOR_MIN_PROJECTS projects, at most PRIOR_MAX_YEARS from the estimate's year; the nearest
year first. Cases exactly at the window's edge, just inside and just outside."""

from __future__ import annotations

import pytest

from pipeline.build.estimate import (
    PRIOR_MAX_YEARS,
    PRIOR_MIN_PROJECTS,
    Marginals,
    ObservedMatrix,
    choose_prior,
)

TARGET_YEAR = 2016


def observed(source_id: str, year: int, total: float = PRIOR_MIN_PROJECTS) -> ObservedMatrix:
    return ObservedMatrix(source_id, year, {("USA", "IND"): total})


def chosen(*matrices: ObservedMatrix) -> str | None:
    prior = choose_prior(Marginals("oli", TARGET_YEAR, "2016", "unknown"), matrices)
    return None if prior is None else prior.label


def test_the_window_is_three_years() -> None:
    # the README's rule: "at most 3 years away"
    assert PRIOR_MAX_YEARS == 3


@pytest.mark.parametrize("side", [-1, 1])
@pytest.mark.parametrize(
    ("years_away", "taken"),
    [(PRIOR_MAX_YEARS - 1, True), (PRIOR_MAX_YEARS, True), (PRIOR_MAX_YEARS + 1, False)],
)
def test_a_prior_at_the_edge_of_the_window(side: int, years_away: int, taken: bool) -> None:
    year = TARGET_YEAR + side * years_away
    assert chosen(observed("remotework", year)) == (f"remotework {year}" if taken else None)


def test_the_nearest_year_wins_and_a_tie_takes_more_projects_then_the_earlier_year() -> None:
    at_edge = observed("remotework", TARGET_YEAR + PRIOR_MAX_YEARS, total=10_000)
    inside = observed("remotework", TARGET_YEAR - PRIOR_MAX_YEARS + 1)
    assert chosen(at_edge, inside) == f"remotework {TARGET_YEAR - PRIOR_MAX_YEARS + 1}"
    before, after = observed("remotework", 2015), observed("freelancer", 2017)
    assert chosen(after, before) == "remotework 2015"
    assert chosen(before, observed("freelancer", 2017, total=2_000)) == "freelancer 2017"


def test_a_prior_needs_enough_projects_and_another_source() -> None:
    assert chosen(observed("remotework", 2016, total=PRIOR_MIN_PROJECTS)) == "remotework 2016"
    assert chosen(observed("remotework", 2016, total=PRIOR_MIN_PROJECTS - 1)) is None
    assert chosen(observed("oli", 2016, total=10 * PRIOR_MIN_PROJECTS)) is None
