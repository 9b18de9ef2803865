"""Estimated buyer × seller flows by iterative proportional fitting (IPF), and how wrong they are.

Most sources publish the buyer side and the seller side of online work apart (the share of
projects by employer country, the share of workers by country). A flow matrix is estimated by
fitting a seed matrix (the *prior*) to both sides: rows are scaled to the buyer totals, then
columns to the seller totals, over and over until both hold. With no prior (a seed of ones) one
round gives exactly the product of the marginals, ``buyer × seller / total``; with an observed
matrix as prior (a year of the remote-work network, another source's matrix) the structure of
the prior — domestic work, language ties — carries over into the estimate.

Why numpy and not SQL: IPF is a loop that runs until a convergence test passes, which SQL can
only express as a recursive query carrying whole matrices from one step to the next; a dozen
lines of numpy are easier to read and to test. The inputs still come from SQL
(``sql/estimate/*.sql``) and the results go back to DuckDB as plain tables
(``int__estimated_flows``, ``int__estimate_check_cells``), so every aggregation stays in SQL
(``sql/out/out__flows.sql``, ``sql/out/out__estimate_check.sql``) and another engine can read the
estimates as an input table. No maintained library does IPF on two marginals with this
refusal and zero-row rule in a few lines (``ipfn`` wraps pandas and has no such checks).

The rule, in full (also in the README):

* Both marginals must describe the same total: if the buyer and seller totals differ by more
  than ``TOTAL_TOLERANCE`` (1 %) of the larger one, the estimate is refused
  (``MarginsMismatch``); a smaller difference (rounding in published shares) is removed by
  scaling the seller side to the buyer total (published shares that out__marginal_pairs
  accepts, each side 100 ± 0.5, always pass). Negative, missing or infinite totals are refused.
* A row or column whose total is zero stays zero.
* A row of the prior that is all zero while its total is positive (a country the prior year
  never saw) is filled with the prior's seller profile: that buyer is taken to hire like all
  buyers together; a zero column likewise gets the prior's buyer profile. An all-zero prior is a
  prior of ones.
* Every prior cell then gets ``SMOOTHING`` (1 %) of its independence value (row total × column
  total / total of the prior) added: a pair the prior never saw can still receive work, and with
  every cell positive the fit always converges. A prior of ones is unchanged by this.
* Converged when no row or column total is further than ``TOLERANCE`` (1e-10) × total from its
  target; after ``MAX_ITERATIONS`` (10,000) rounds without that, ``NotConverged`` is raised.

In the build, an estimate uses as prior the observed matrix (all occupations) of the year
nearest to its own, from another source, with at least ``PRIOR_MIN_PROJECTS`` projects and at
most ``PRIOR_MAX_YEARS`` years away (ties: more projects, then the earlier year); otherwise no
prior. The prior is collapsed onto the estimate's grid: countries the marginals name keep their
row or column, every other country goes to the remainder ("rest of world").
"""

from __future__ import annotations

import logging
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import duckdb
import numpy as np
import pandas as pd

from pipeline.paths import SQL_DIR

log = logging.getLogger(__name__)

TOLERANCE = 1e-10
MAX_ITERATIONS = 10_000
TOTAL_TOLERANCE = 0.01
SMOOTHING = 0.01
PRIOR_MIN_PROJECTS = 1_000
PRIOR_MAX_YEARS = 3
NO_PRIOR = "none"
UNIT = "pct_of_projects"


class EstimateError(ValueError):
    """An estimate that cannot be made from the inputs given."""


class MarginsMismatch(EstimateError):
    """The buyer and seller totals do not describe the same total or share base."""


class NotConverged(EstimateError):
    """The fit did not reach the tolerance within the iteration cap."""


@dataclass(frozen=True)
class Fit:
    matrix: np.ndarray
    iterations: int
    residual: float  # largest distance of a row or column total from its target


def _totals(values: Sequence[float] | np.ndarray, side: str) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or array.size == 0:
        raise EstimateError(f"{side} totals must be a non-empty list of numbers")
    if not np.all(np.isfinite(array)):
        raise EstimateError(f"{side} totals contain a missing or infinite value")
    if np.any(array < 0):
        raise EstimateError(f"{side} totals contain a negative value")
    if array.sum() <= 0:
        raise EstimateError(f"{side} totals add up to zero")
    return array


def prepare_prior(
    prior: np.ndarray | None,
    rows: np.ndarray,
    cols: np.ndarray,
    smoothing: float = SMOOTHING,
) -> np.ndarray:
    """The seed matrix actually fitted: zero rows and columns filled, then smoothed."""
    shape = (rows.size, cols.size)
    if prior is None:
        seed = np.ones(shape)
    else:
        seed = np.array(prior, dtype=float)
        if seed.shape != shape:
            raise EstimateError(f"prior has shape {seed.shape}, the marginals need {shape}")
        if not np.all(np.isfinite(seed)) or np.any(seed < 0):
            raise EstimateError("prior contains a negative, missing or infinite value")
    live_rows, live_cols = rows > 0, cols > 0
    seed[~live_rows, :] = 0
    seed[:, ~live_cols] = 0
    if seed.sum() == 0:
        seed = np.outer(live_rows, live_cols).astype(float)
    empty_rows = live_rows & (seed.sum(axis=1) == 0)
    seed[empty_rows, :] = seed.sum(axis=0)
    empty_cols = live_cols & (seed.sum(axis=0) == 0)
    seed[:, empty_cols] = seed.sum(axis=1)[:, None]
    if smoothing > 0:
        seed = seed + smoothing * np.outer(seed.sum(axis=1), seed.sum(axis=0)) / seed.sum()
    return seed


def ipf(
    row_totals: Sequence[float] | np.ndarray,
    col_totals: Sequence[float] | np.ndarray,
    prior: np.ndarray | None = None,
    *,
    tolerance: float = TOLERANCE,
    max_iterations: int = MAX_ITERATIONS,
    smoothing: float = SMOOTHING,
) -> Fit:
    """Fit ``prior`` (ones when None) to the row (buyer) and column (seller) totals."""
    rows = _totals(row_totals, "buyer")
    cols = _totals(col_totals, "seller")
    r_total, c_total = rows.sum(), cols.sum()
    if abs(r_total - c_total) > TOTAL_TOLERANCE * max(r_total, c_total):
        raise MarginsMismatch(
            f"buyer totals add up to {r_total:g} and seller totals to {c_total:g}: the two "
            "sides do not describe the same total (or share base), so no flow matrix fits both"
        )
    cols = cols * (r_total / c_total)
    matrix = prepare_prior(prior, rows, cols, smoothing)
    residual = float("inf")
    for iteration in range(1, max_iterations + 1):
        row_sums = matrix.sum(axis=1)
        matrix *= np.divide(rows, row_sums, out=np.zeros_like(rows), where=row_sums > 0)[:, None]
        col_sums = matrix.sum(axis=0)
        matrix *= np.divide(cols, col_sums, out=np.zeros_like(cols), where=col_sums > 0)
        residual = float(
            max(
                np.abs(matrix.sum(axis=1) - rows).max(),
                np.abs(matrix.sum(axis=0) - cols).max(),
            )
        )
        if residual <= tolerance * r_total:
            return Fit(matrix, iteration, residual)
    raise NotConverged(
        f"no fit within {max_iterations} iterations: a total is still {residual:g} from its "
        f"target (tolerance {tolerance * r_total:g})"
    )


# --- the build: estimates from published marginals ------------------------------------------


@dataclass(frozen=True)
class Category:
    """One row or column of an estimate's grid: a country, or a remainder named by a label."""

    country_code: str | None
    region_label: str | None

    @property
    def key(self) -> str:
        return self.country_code or f"~{self.region_label}"


@dataclass
class Side:
    categories: list[Category] = field(default_factory=list)
    amounts: list[float] = field(default_factory=list)
    citations: list[str | None] = field(default_factory=list)
    platform: str | None = None

    def add(self, category: Category, amount: float, citation: str | None) -> None:
        for i, known in enumerate(self.categories):
            if known.key == category.key:
                self.amounts[i] += amount
                return
        self.categories.append(category)
        self.amounts.append(amount)
        self.citations.append(citation)


@dataclass
class Marginals:
    source_id: str
    year: int
    period_label: str
    occupation: str
    buyers: Side = field(default_factory=Side)
    sellers: Side = field(default_factory=Side)


@dataclass(frozen=True)
class ObservedMatrix:
    source_id: str
    year: int
    cells: dict[tuple[str, str], float]

    @property
    def total(self) -> float:
        return sum(self.cells.values())

    @property
    def label(self) -> str:
        return f"{self.source_id} {self.year}"


@dataclass
class EstimateReport:
    estimates: int = 0
    with_prior: int = 0
    checked_matrices: int = 0
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        text = (
            f"estimates: {self.estimates} fitted ({self.with_prior} with an observed prior), "
            f"{self.checked_matrices} observed matrices checked"
        )
        return "\n".join([text, *("  " + p for p in self.problems)])


def _query(con: duckdb.DuckDBPyConnection, path: Path) -> pd.DataFrame:
    return con.execute(path.read_text(encoding="utf-8")).df()


def read_marginals(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> list[Marginals]:
    """The marginals to fit, read through the pairing rule of sql/out/out__marginal_pairs.sql."""
    pairs_sql = (sql_dir / "out" / "out__marginal_pairs.sql").read_text(encoding="utf-8")
    # The pairing is an out__ model built after this step; a temporary view runs the same file
    # so that the rule has one home.
    con.execute(f"create or replace temp view out__marginal_pairs as\n{pairs_sql}")
    try:
        frame = _query(con, sql_dir / "estimate" / "marginals.sql")
    finally:
        con.execute("drop view if exists temp.out__marginal_pairs")
    estimates: dict[tuple, Marginals] = {}
    for row in frame.itertuples(index=False):
        key = (row.source_id, int(row.year), row.period_label, row.occupation)
        found = estimates.setdefault(key, Marginals(*key))
        side = found.buyers if row.role == "buyer" else found.sellers
        category = Category(_text(row.country_code), _text(row.region_label))
        side.add(category, float(row.amount), _text(row.citation))
        side.platform = side.platform or row.platform
    return [m for m in estimates.values() if m.buyers.categories and m.sellers.categories]


def _text(value: object) -> str | None:
    return None if value is None or (isinstance(value, float) and np.isnan(value)) else str(value)


def read_observed(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> list[ObservedMatrix]:
    frame = _query(con, sql_dir / "estimate" / "observed_matrices.sql")
    cells: dict[tuple[str, int], dict[tuple[str, str], float]] = defaultdict(dict)
    for row in frame.itertuples(index=False):
        cells[(row.source_id, int(row.year))][(row.buyer_country_code, row.seller_country_code)] = (
            float(row.tasks)
        )
    return [ObservedMatrix(s, y, c) for (s, y), c in sorted(cells.items())]


def choose_prior(
    target: Marginals,
    observed: Iterable[ObservedMatrix],
    min_projects: float = PRIOR_MIN_PROJECTS,
    max_years: int = PRIOR_MAX_YEARS,
) -> ObservedMatrix | None:
    """The nearest-year observed matrix of another source that is large enough, or None."""
    candidates = [
        m
        for m in observed
        if m.source_id != target.source_id
        and m.total >= min_projects
        and abs(m.year - target.year) <= max_years
    ]
    if not candidates:
        return None
    return min(candidates, key=lambda m: (abs(m.year - target.year), -m.total, m.year, m.source_id))


def collapse(matrix: ObservedMatrix, buyers: Side, sellers: Side) -> np.ndarray:
    """An observed matrix on an estimate's grid: named countries keep their own row/column,
    the others go to the remainder categories (split in proportion to their published shares;
    dropped when the side has no remainder)."""

    def positions(side: Side) -> tuple[dict[str, int], np.ndarray]:
        index = {c.country_code: i for i, c in enumerate(side.categories) if c.country_code}
        pairs = zip(side.categories, side.amounts, strict=True)
        rest = np.array([a if c.country_code is None else 0.0 for c, a in pairs])
        return index, rest / rest.sum() if rest.sum() > 0 else rest

    b_index, b_rest = positions(buyers)
    s_index, s_rest = positions(sellers)
    n, m = len(buyers.categories), len(sellers.categories)
    # one extra row and column gather the countries the marginals do not name
    extended = np.zeros((n + 1, m + 1))
    rows = [b_index.get(b, n) for b, _ in matrix.cells]
    cols = [s_index.get(s, m) for _, s in matrix.cells]
    np.add.at(extended, (rows, cols), list(matrix.cells.values()))
    return (
        extended[:n, :m]
        + np.outer(b_rest, extended[n, :m])
        + np.outer(extended[:n, m], s_rest)
        + extended[n, m] * np.outer(b_rest, s_rest)
    )


def _cell_citation(buyer: str | None, seller: str | None) -> str | None:
    if buyer == seller:
        return buyer
    return " × ".join(c for c in (buyer, seller) if c) or None


def estimate_rows(
    marginals: Marginals, prior: ObservedMatrix | None
) -> tuple[list[dict], Fit, str]:
    buyers, sellers = marginals.buyers, marginals.sellers
    seed = collapse(prior, buyers, sellers) if prior is not None else None
    fit = ipf(buyers.amounts, sellers.amounts, seed)
    label = prior.label if prior is not None else NO_PRIOR
    rows = []
    for i, b in enumerate(buyers.categories):
        for j, s in enumerate(sellers.categories):
            rows.append(
                {
                    "source_id": marginals.source_id,
                    "platform": buyers.platform,
                    "year": marginals.year,
                    "period_label": marginals.period_label,
                    "occupation": marginals.occupation,
                    "buyer_country_code": b.country_code,
                    "buyer_region_label": b.region_label,
                    "seller_country_code": s.country_code,
                    "seller_region_label": s.region_label,
                    "tasks": float(fit.matrix[i, j]),
                    "unit": UNIT,
                    "citation": _cell_citation(buyers.citations[i], sellers.citations[j]),
                    "prior": label,
                    "iterations": fit.iterations,
                }
            )
    return rows, fit, label


# --- how wrong: re-estimating observed matrices from their marginals ---------------------------


def nearest_other_year(
    matrix: ObservedMatrix, observed: Sequence[ObservedMatrix]
) -> ObservedMatrix | None:
    """The same source's observed matrix of the nearest other year (the earlier one on ties)."""
    others = [m for m in observed if m.source_id == matrix.source_id and m.year != matrix.year]
    if not others:
        return None
    return min(others, key=lambda m: (abs(m.year - matrix.year), m.year))


def check_rows(matrix: ObservedMatrix, prior: ObservedMatrix | None) -> list[dict]:
    """Hide the pairs of an observed matrix, keep its marginals, estimate, and pair up the cells."""
    buyers = sorted({b for b, _ in matrix.cells})
    sellers = sorted({s for _, s in matrix.cells})
    b_index = {c: i for i, c in enumerate(buyers)}
    s_index = {c: j for j, c in enumerate(sellers)}
    observed = np.zeros((len(buyers), len(sellers)))
    for (b, s), tasks in matrix.cells.items():
        observed[b_index[b], s_index[s]] += tasks
    seed = None
    if prior is not None:
        seed = np.zeros_like(observed)
        for (b, s), tasks in prior.cells.items():
            if b in b_index and s in s_index:
                seed[b_index[b], s_index[s]] += tasks
    fit = ipf(observed.sum(axis=1), observed.sum(axis=0), seed)
    label = prior.label if prior is not None else NO_PRIOR
    bi, sj = np.nonzero((observed > 0) | (fit.matrix > 0))
    return [
        {
            "source_id": matrix.source_id,
            "year": matrix.year,
            "prior": label,
            "buyer_country_code": buyers[i],
            "seller_country_code": sellers[j],
            "observed": float(observed[i, j]),
            "estimated": float(fit.matrix[i, j]),
        }
        for i, j in zip(bi.tolist(), sj.tolist(), strict=True)
    ]


# --- the step the build runs between the core__ and the out__ tables ---------------------------


def _write(con: duckdb.DuckDBPyConnection, table: str, rows: list[dict]) -> None:
    con.execute(f"delete from {table}")
    if not rows:
        return
    columns = con.table(table).columns
    frame = pd.DataFrame.from_records(rows, columns=columns)  # noqa: F841 - read by DuckDB
    con.execute(f"insert into {table} select {', '.join(columns)} from frame")


def run(
    con: duckdb.DuckDBPyConnection,
    sql_dir: Path = SQL_DIR,
    *,
    prior_min_projects: float = PRIOR_MIN_PROJECTS,
    prior_max_years: int = PRIOR_MAX_YEARS,
) -> EstimateReport:
    """Write int__estimated_flows and int__estimate_check_cells from the core__ tables."""
    report = EstimateReport()
    observed = read_observed(con, sql_dir)

    flows: list[dict] = []
    for marginals in read_marginals(con, sql_dir):
        prior = choose_prior(marginals, observed, prior_min_projects, prior_max_years)
        name = f"{marginals.source_id} {marginals.year} ({marginals.period_label})"
        try:
            rows, _, label = estimate_rows(marginals, prior)
        except NotConverged as err:
            if prior is None:
                report.problems.append(f"{name}: not estimated: {err}")
                continue
            # Cannot happen with a smoothed prior; kept so that a prior never blocks the build.
            report.problems.append(f"{name}: with prior {prior.label}: {err}; no prior used")
            rows, _, label = estimate_rows(marginals, None)
        except EstimateError as err:
            report.problems.append(f"{name}: not estimated: {err}")
            continue
        flows += rows
        report.estimates += 1
        report.with_prior += label != NO_PRIOR
    _write(con, "int__estimated_flows", flows)

    cells: list[dict] = []
    for matrix in observed:
        if matrix.total <= 0:
            continue
        # a source observed in a single year has no other year to use as prior
        other = nearest_other_year(matrix, observed)
        for prior in [None] if other is None else [None, other]:
            try:
                cells += check_rows(matrix, prior)
            except EstimateError as err:
                report.problems.append(f"check of {matrix.label}: {err}")
        report.checked_matrices += 1
    _write(con, "int__estimate_check_cells", cells)
    for problem in report.problems:
        log.warning(problem)
    return report
