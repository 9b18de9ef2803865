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
(``int__estimated_flows``, ``int__estimated_spread``, ``int__estimate_check_cells``,
``int__estimate_cut_cells``), so every aggregation stays in SQL (``sql/out/out__flows.sql``,
``sql/out/out__estimate_summary.sql``, …) and another engine can read the estimates as input
tables. North and South are never decided here: the direction rule lives in SQL. No maintained
library does IPF on two marginals with this refusal and zero-row rule in a few lines (``ipfn``
wraps pandas and has no such checks).

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

Every estimate keeps its whole total: the remainder cells are written with the others. With a
prior they are also spread over the prior's countries that the marginals do not name
(``spread_unnamed``, ``int__estimated_spread``), so that SQL can tell North from South in them;
with no prior nothing says where that work goes, and it stays unnamed.

How wrong an estimate is gets measured on the same kind of input: every observed matrix is cut
to as many countries per side as an estimate names (its largest buyers and sellers, the others
lumped: ``cut``), estimated from the cut's marginals with the same model, and set beside the
observed cells (``int__estimate_cut_cells``); the complete matrices are also checked
(``int__estimate_check_cells``).

Why one module of this length: the fitting, its check against observed matrices and the choice
of prior share one grid of named countries and remainders; split, each would rebuild it.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.parse.tabular import arrow_table
from pipeline.util.paths import SQL_DIR

log = logging.getLogger(__name__)

TOLERANCE = 1e-10
MAX_ITERATIONS = 10_000
TOTAL_TOLERANCE = 0.01
SMOOTHING = 0.01
PRIOR_MIN_PROJECTS = 1_000
PRIOR_MAX_YEARS = 3
NO_PRIOR = "none"
# Estimated cells are percentages of the source's whole total: the two published sides may
# count different things (vacancies, worker profiles), so the unit does not name either.
UNIT = "pct_of_total"
# The remainder of a side in an observed matrix cut to its largest countries.
NOT_NAMED = "countries not named"


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
class Cells:
    """A sparse buyer × seller matrix in columns: cell ``k`` is ``buyers[rows[k]]`` ×
    ``sellers[cols[k]]`` with ``tasks[k]`` tasks; ``buyers`` and ``sellers`` are the distinct
    country codes, sorted."""

    buyers: np.ndarray
    sellers: np.ndarray
    rows: np.ndarray
    cols: np.ndarray
    tasks: np.ndarray

    @classmethod
    def from_mapping(cls, cells: Mapping[tuple[str, str], float]) -> Cells:
        buyers, rows = _codes(pa.array([b for b, _ in cells], pa.string()))
        sellers, cols = _codes(pa.array([s for _, s in cells], pa.string()))
        return cls(buyers, sellers, rows, cols, np.fromiter(cells.values(), float, len(cells)))

    def dense(self) -> np.ndarray:
        matrix = np.zeros((self.buyers.size, self.sellers.size))
        np.add.at(matrix, (self.rows, self.cols), self.tasks)
        return matrix


class ObservedMatrix:
    """The observed matrix of one source and year (``cells`` may be given as a mapping
    ``{(buyer, seller): tasks}``)."""

    def __init__(
        self, source_id: str, year: int, cells: Cells | Mapping[tuple[str, str], float]
    ) -> None:
        self.source_id = source_id
        self.year = year
        self.cells = cells if isinstance(cells, Cells) else Cells.from_mapping(cells)
        self.total = float(self.cells.tasks.sum())

    @property
    def label(self) -> str:
        return f"{self.source_id} {self.year}"

    def __repr__(self) -> str:
        return f"ObservedMatrix({self.label}, {self.cells.tasks.size} cells)"


@dataclass
class EstimateReport:
    estimates: int = 0
    with_prior: int = 0
    checked_matrices: int = 0
    cut_checks: int = 0
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        text = (
            f"estimates: {self.estimates} fitted ({self.with_prior} with an observed prior), "
            f"{self.checked_matrices} observed matrices checked whole, and {self.cut_checks} "
            "times cut to the countries an estimate names"
        )
        return "\n".join([text, *("  " + p for p in self.problems)])


def _query(con: duckdb.DuckDBPyConnection, path: Path) -> pa.Table:
    return arrow_table(con.sql(path.read_text(encoding="utf-8")))


def read_marginals(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> list[Marginals]:
    """The marginals to fit, read through the pairing rule of sql/out/out__marginal_pairs.sql."""
    pairs_sql = (sql_dir / "out" / "out__marginal_pairs.sql").read_text(encoding="utf-8")
    # The pairing is an out__ model built after this step; a temporary view runs the same file
    # so that the rule has one home.
    con.execute(f"create or replace temp view out__marginal_pairs as\n{pairs_sql}")
    try:
        # one row per published share: a few hundred at most, read as Python rows
        rows = _query(con, sql_dir / "estimate" / "marginals.sql").to_pylist()
    finally:
        con.execute("drop view if exists temp.out__marginal_pairs")
    return marginals_of(rows)


def marginals_of(rows: Iterable[Mapping[str, Any]]) -> list[Marginals]:
    """The marginals to fit from the rows of sql/estimate/marginals.sql, whichever engine ran
    it; those with both sides."""
    estimates: dict[tuple[Any, ...], Marginals] = {}
    for row in rows:
        key = (row["source_id"], int(row["year"]), row["period_label"], row["occupation"])
        found = estimates.setdefault(key, Marginals(*key))
        side = found.buyers if row["role"] == "buyer" else found.sellers
        category = Category(_text(row["country_code"]), _text(row["region_label"]))
        side.add(category, float(row["amount"]), _text(row["citation"]))
        side.platform = side.platform or row["platform"]
    return [m for m in estimates.values() if m.buyers.categories and m.sellers.categories]


def _text(value: object) -> str | None:
    return None if value is None else str(value)


def _codes(column: pa.Array | pa.ChunkedArray) -> tuple[np.ndarray, np.ndarray]:
    """A text column as its distinct values, sorted, and each row's position among them."""
    names = np.array(sorted(pc.unique(column).to_pylist()), dtype=str)
    positions = pc.index_in(column, value_set=pa.array(names, pa.string()))
    return names, positions.to_numpy().astype(np.intp)


def read_observed(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> list[ObservedMatrix]:
    """The observed matrices, ordered by source and year."""
    return observed_matrices(_query(con, sql_dir / "estimate" / "observed_matrices.sql"))


def observed_matrices(table: pa.Table) -> list[ObservedMatrix]:
    """The observed matrices from the rows of sql/estimate/observed_matrices.sql (in its
    order), whichever engine ran it."""
    if table.num_rows == 0:
        return []
    source_names, source = _codes(table["source_id"])
    buyer_names, buyer = _codes(table["buyer_country_code"])
    seller_names, seller = _codes(table["seller_country_code"])
    year = table["year"].to_numpy().astype(np.int64)
    tasks = table["tasks"].to_numpy().astype(float)
    # one group per source and year, numbered in that order (one integer key sorts faster than
    # pairs); a stable sort keeps the query's order of the cells within a group, the order a
    # prior's cells are summed in
    first_year, years = int(year.min()), int(year.max() - year.min()) + 1
    keys, group = np.unique(source * years + (year - first_year), return_inverse=True)
    order = np.argsort(group, kind="stable")
    bounds = np.searchsorted(group[order], np.arange(keys.size + 1))
    matrices = []
    for g, key in enumerate(keys.tolist()):
        s, y = divmod(key, years)
        rows = order[bounds[g] : bounds[g + 1]]
        buyers, b_local = np.unique(buyer[rows], return_inverse=True)
        sellers, s_local = np.unique(seller[rows], return_inverse=True)
        cells = Cells(buyer_names[buyers], seller_names[sellers], b_local, s_local, tasks[rows])
        matrices.append(ObservedMatrix(str(source_names[s]), first_year + y, cells))
    return matrices


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
    cells = matrix.cells
    rows = _positions(cells.buyers, b_index, n)[cells.rows]
    cols = _positions(cells.sellers, s_index, m)[cells.cols]
    np.add.at(extended, (rows, cols), cells.tasks)
    spread: np.ndarray = (
        extended[:n, :m]
        + np.outer(b_rest, extended[n, :m])
        + np.outer(extended[:n, m], s_rest)
        + extended[n, m] * np.outer(b_rest, s_rest)
    )
    return spread


def _positions(codes: np.ndarray, index: Mapping[str, int], missing: int) -> np.ndarray:
    """Where each of a matrix's distinct codes sits on another grid (``missing`` when not
    there): one look-up per country, then indexed by the cells."""
    return np.array([index.get(code, missing) for code in codes.tolist()], dtype=np.intp)


def _cell_citation(buyer: str | None, seller: str | None) -> str | None:
    if buyer == seller:
        return buyer
    return " × ".join(c for c in (buyer, seller) if c) or None


def _repeat(value: object, type_: pa.DataType, n: int) -> pa.Array:
    return pa.repeat(pa.scalar(value, type_), n)


def _pick(values: Sequence[str | None] | np.ndarray, index: np.ndarray) -> pa.Array:
    """``values[index]`` as an Arrow text column, gathered by Arrow rather than in Python."""
    return pa.array(values, pa.string()).take(pa.array(index, pa.int64()))


def _citations(buyers: Side, sellers: Side, bi: np.ndarray, sj: np.ndarray) -> pa.Array:
    """Each cell's citation, worked out once per pair of distinct citations of its two sides."""
    b_cited = list(dict.fromkeys(buyers.citations))
    s_cited = list(dict.fromkeys(sellers.citations))
    b_code = np.array([b_cited.index(c) for c in buyers.citations], dtype=np.intp)
    s_code = np.array([s_cited.index(c) for c in sellers.citations], dtype=np.intp)
    pairs = [_cell_citation(b, s) for b in b_cited for s in s_cited]
    return _pick(pairs, b_code[bi] * len(s_cited) + s_code[sj])


def estimate_rows(marginals: Marginals, prior: ObservedMatrix | None) -> tuple[pa.Table, Fit, str]:
    buyers, sellers = marginals.buyers, marginals.sellers
    seed = collapse(prior, buyers, sellers) if prior is not None else None
    fit = ipf(buyers.amounts, sellers.amounts, seed)
    label = prior.label if prior is not None else NO_PRIOR
    n, m = fit.matrix.shape
    # cells row by row: buyer i, then each seller j
    bi, sj = np.repeat(np.arange(n), m), np.tile(np.arange(m), n)
    size = n * m
    rows = pa.table(
        {
            "source_id": _repeat(marginals.source_id, pa.string(), size),
            "platform": _repeat(buyers.platform, pa.string(), size),
            "year": _repeat(marginals.year, pa.int32(), size),
            "period_label": _repeat(marginals.period_label, pa.string(), size),
            "occupation": _repeat(marginals.occupation, pa.string(), size),
            "buyer_country_code": _pick([c.country_code for c in buyers.categories], bi),
            "buyer_region_label": _pick([c.region_label for c in buyers.categories], bi),
            "seller_country_code": _pick([c.country_code for c in sellers.categories], sj),
            "seller_region_label": _pick([c.region_label for c in sellers.categories], sj),
            "tasks": fit.matrix.ravel(),
            "unit": _repeat(UNIT, pa.string(), size),
            "citation": _citations(buyers, sellers, bi, sj),
            "prior": _repeat(label, pa.string(), size),
            "iterations": _repeat(fit.iterations, pa.int32(), size),
        }
    )
    return rows, fit, label


# --- the countries a source does not name: spread like the prior's ---------------------------


@dataclass(frozen=True)
class Spread:
    """Estimated cells that involve a country the marginals do not name, spread over the
    prior's countries: ``buyers[k]`` × ``sellers[k]`` holds ``tasks[k]``; a code is None where
    the prior has no country to spread over (that mass stays unnamed)."""

    buyers: list[str | None]
    sellers: list[str | None]
    tasks: np.ndarray


def _weights(block: np.ndarray, fallback: np.ndarray) -> np.ndarray:
    """Each row of ``block`` as proportions; a row that is all zero takes ``fallback``'s."""
    sums = block.sum(axis=1, keepdims=True)
    rows = np.where(sums > 0, block, fallback[None, :])
    total = rows.sum(axis=1, keepdims=True)
    shares: np.ndarray = np.divide(rows, total, out=np.zeros_like(rows), where=total > 0)
    return shares


def spread_unnamed(
    matrix: np.ndarray,
    buyers: Side,
    sellers: Side,
    prior: ObservedMatrix,
    smoothing: float = SMOOTHING,
) -> Spread:
    """The fitted cells of the remainders (``matrix`` on the grid of ``buyers`` × ``sellers``)
    spread over the prior's countries that the marginals do not name, in proportion to the
    prior's own cells plus the same ``smoothing`` share of independence that the fit adds.

    This is what fitting the prior at the level of its countries gives, with each remainder
    held to its published total: IPF scales a group of rows by one factor, so within the group
    the cells keep the prior's proportions. A named country that the prior never saw takes the
    make-up of the prior's unnamed countries on the other side; several remainders of one side
    ("Asia", "other") are spread together, since no prior says which countries each holds.
    """
    prior_cells = prior.cells.dense()
    row_sums, col_sums = prior_cells.sum(axis=1), prior_cells.sum(axis=0)
    seed = prior_cells + smoothing * np.outer(row_sums, col_sums) / prior_cells.sum()
    b_codes = [c.country_code for c in buyers.categories]
    s_codes = [c.country_code for c in sellers.categories]
    b_named = np.array([c is not None for c in b_codes])
    s_named = np.array([c is not None for c in s_codes])
    prior_b = prior.cells.buyers.tolist()
    prior_s = prior.cells.sellers.tolist()
    # the prior's countries that the marginals do not name, and where the named ones sit in it
    free_b = np.array([code not in set(b_codes) for code in prior_b], dtype=bool)
    free_s = np.array([code not in set(s_codes) for code in prior_s], dtype=bool)
    b_where = {code: i for i, code in enumerate(prior_b)}
    s_where = {code: j for j, code in enumerate(prior_s)}
    free_b_codes = [c for c, f in zip(prior_b, free_b, strict=True) if f]
    free_s_codes = [c for c, f in zip(prior_s, free_s, strict=True) if f]
    named_rows, named_cols = np.flatnonzero(b_named), np.flatnonzero(s_named)
    to_rest = matrix[named_rows][:, ~s_named].sum(axis=1)  # named buyer × unnamed sellers
    from_rest = matrix[~b_named][:, named_cols].sum(axis=0)  # unnamed buyers × named seller
    rest_rest = float(matrix[~b_named][:, ~s_named].sum())

    out_b: list[str | None] = []
    out_s: list[str | None] = []
    out_t: list[np.ndarray] = []

    def emit(b: list[str | None], s: list[str | None], t: np.ndarray) -> None:
        keep = t > 0
        out_b.extend(x for x, k in zip(b, keep, strict=True) if k)
        out_s.extend(x for x, k in zip(s, keep, strict=True) if k)
        out_t.append(t[keep])

    for k, i in enumerate(named_rows.tolist()):
        mass, code = float(to_rest[k]), b_codes[i]
        if mass <= 0:
            continue
        if not free_s_codes:
            emit([code], [None], np.array([mass]))
            continue
        block = seed[[b_where[code]]][:, free_s] if code in b_where else np.zeros((1, free_s.sum()))
        share = _weights(block, col_sums[free_s])[0]
        emit([code] * len(free_s_codes), list(free_s_codes), mass * share)
    for k, j in enumerate(named_cols.tolist()):
        mass, code = float(from_rest[k]), s_codes[j]
        if mass <= 0:
            continue
        if not free_b_codes:
            emit([None], [code], np.array([mass]))
            continue
        block = seed[free_b][:, [s_where[code]]] if code in s_where else np.zeros((free_b.sum(), 1))
        share = _weights(block.T, row_sums[free_b])[0]
        emit(list(free_b_codes), [code] * len(free_b_codes), mass * share)
    if rest_rest > 0:
        if not free_b_codes or not free_s_codes:
            emit([None], [None], np.array([rest_rest]))
        else:
            block = seed[free_b][:, free_s]
            share = (block / block.sum()).ravel()
            emit(
                [b for b in free_b_codes for _ in free_s_codes],
                [s for _ in free_b_codes for s in free_s_codes],
                rest_rest * share,
            )
    tasks = np.concatenate(out_t) if out_t else np.zeros(0)
    return Spread(out_b, out_s, tasks)


def spread_rows(marginals: Marginals, matrix: np.ndarray, prior: ObservedMatrix) -> pa.Table:
    """int__estimated_spread: the unnamed cells of one estimate, spread like its prior's."""
    spread = spread_unnamed(matrix, marginals.buyers, marginals.sellers, prior)
    named_b = {c.country_code for c in marginals.buyers.categories if c.country_code}
    named_s = {c.country_code for c in marginals.sellers.categories if c.country_code}
    size = spread.tasks.size
    return pa.table(
        {
            "source_id": _repeat(marginals.source_id, pa.string(), size),
            "year": _repeat(marginals.year, pa.int32(), size),
            "period_label": _repeat(marginals.period_label, pa.string(), size),
            "occupation": _repeat(marginals.occupation, pa.string(), size),
            "buyer_country_code": pa.array(spread.buyers, pa.string()),
            "seller_country_code": pa.array(spread.sellers, pa.string()),
            "buyer_named": pa.array([b in named_b for b in spread.buyers], pa.bool_()),
            "seller_named": pa.array([s in named_s for s in spread.sellers], pa.bool_()),
            "tasks": spread.tasks,
            "unit": _repeat(UNIT, pa.string(), size),
            "prior": _repeat(prior.label, pa.string(), size),
        }
    )


# --- how wrong: re-estimating observed matrices from their marginals ---------------------------


def nearest_other_year(
    matrix: ObservedMatrix, observed: Sequence[ObservedMatrix]
) -> ObservedMatrix | None:
    """The same source's observed matrix of the nearest other year (the earlier one on ties)."""
    others = [m for m in observed if m.source_id == matrix.source_id and m.year != matrix.year]
    if not others:
        return None
    return min(others, key=lambda m: (abs(m.year - matrix.year), m.year))


def check_rows(matrix: ObservedMatrix, prior: ObservedMatrix | None) -> pa.Table:
    """Hide the pairs of an observed matrix, keep its marginals, estimate, and pair up the cells."""
    cells = matrix.cells
    observed = cells.dense()
    seed = None
    if prior is not None:
        # the prior's cells on this matrix's grid; pairs of countries it lacks are left out
        b_index = {code: i for i, code in enumerate(cells.buyers.tolist())}
        s_index = {code: j for j, code in enumerate(cells.sellers.tolist())}
        rows = _positions(prior.cells.buyers, b_index, -1)[prior.cells.rows]
        cols = _positions(prior.cells.sellers, s_index, -1)[prior.cells.cols]
        inside = (rows >= 0) & (cols >= 0)
        seed = np.zeros_like(observed)
        np.add.at(seed, (rows[inside], cols[inside]), prior.cells.tasks[inside])
    fit = ipf(observed.sum(axis=1), observed.sum(axis=0), seed)
    label = prior.label if prior is not None else NO_PRIOR
    bi, sj = np.nonzero((observed > 0) | (fit.matrix > 0))
    return pa.table(
        {
            "source_id": _repeat(matrix.source_id, pa.string(), bi.size),
            "year": _repeat(matrix.year, pa.int32(), bi.size),
            "prior": _repeat(label, pa.string(), bi.size),
            "buyer_country_code": _pick(cells.buyers, bi),
            "seller_country_code": _pick(cells.sellers, sj),
            "observed": observed[bi, sj],
            "estimated": fit.matrix[bi, sj],
        }
    )


def cut(matrix: ObservedMatrix, buyers_named: int, sellers_named: int) -> tuple[Side, Side]:
    """An observed matrix's two marginals as a source that names only its ``buyers_named``
    largest buyers and ``sellers_named`` largest sellers would publish them: those countries,
    and one remainder per side for all the others (ties broken by country code)."""
    observed = matrix.cells.dense()

    def side(codes: np.ndarray, totals: np.ndarray, k: int) -> Side:
        order = sorted(range(codes.size), key=lambda i: (-totals[i], codes[i]))
        named = sorted(i for i in order[:k] if totals[i] > 0)
        result = Side()
        for i in named:
            result.add(Category(str(codes[i]), None), float(totals[i]), None)
        result.add(Category(None, NOT_NAMED), float(totals.sum() - totals[named].sum()), None)
        return result

    return (
        side(matrix.cells.buyers, observed.sum(axis=1), buyers_named),
        side(matrix.cells.sellers, observed.sum(axis=0), sellers_named),
    )


def cut_check_rows(
    matrix: ObservedMatrix, buyers_named: int, sellers_named: int, prior: ObservedMatrix | None
) -> pa.Table:
    """The estimate a source naming ``buyers_named`` × ``sellers_named`` countries would get
    from this matrix, beside the matrix itself: the matrix is cut to its largest countries
    (``cut``), fitted as published marginals are (with ``prior`` collapsed onto the cut's grid,
    or none), and the remainders spread like the prior's unnamed countries (with no prior they
    stay unnamed: null codes). One row per country pair (null: the unnamed countries), with
    the observed and the estimated projects."""
    buyers, sellers = cut(matrix, buyers_named, sellers_named)
    seed = collapse(prior, buyers, sellers) if prior is not None else None
    fit = ipf(buyers.amounts, sellers.amounts, seed)
    b_codes = [c.country_code for c in buyers.categories]
    s_codes = [c.country_code for c in sellers.categories]
    n, m = fit.matrix.shape
    est_b: list[str | None] = []
    est_s: list[str | None] = []
    est_t: list[float] = []
    for i in range(n):
        for j in range(m):
            named_cell = b_codes[i] is not None and s_codes[j] is not None
            if (named_cell or prior is None) and fit.matrix[i, j] > 0:
                est_b.append(b_codes[i])
                est_s.append(s_codes[j])
                est_t.append(float(fit.matrix[i, j]))
    if prior is not None:
        spread = spread_unnamed(fit.matrix, buyers, sellers, prior)
        est_b.extend(spread.buyers)
        est_s.extend(spread.sellers)
        est_t.extend(spread.tasks.tolist())
    cells = matrix.cells
    observed = pa.table(
        {
            "buyer_country_code": _pick(cells.buyers, cells.rows),
            "seller_country_code": _pick(cells.sellers, cells.cols),
            "observed": cells.tasks,
            "estimated": np.zeros(cells.tasks.size),
        }
    )
    estimated = pa.table(
        {
            "buyer_country_code": pa.array(est_b, pa.string()),
            "seller_country_code": pa.array(est_s, pa.string()),
            "observed": np.zeros(len(est_t)),
            "estimated": np.array(est_t, dtype=float),
        }
    )
    # one row per pair: a pair is at most once observed and once estimated, so these sums
    # add at most two numbers and do not depend on the order of the rows
    merged = (
        pa.concat_tables([observed, estimated])
        .group_by(["buyer_country_code", "seller_country_code"], use_threads=False)
        .aggregate([("observed", "sum"), ("estimated", "sum")])
        .rename_columns(["buyer_country_code", "seller_country_code", "observed", "estimated"])
        .sort_by([("buyer_country_code", "ascending"), ("seller_country_code", "ascending")])
    )
    named_b = pa.array([c for c in b_codes if c], pa.string())
    named_s = pa.array([c for c in s_codes if c], pa.string())
    size = merged.num_rows
    label = prior.label if prior is not None else NO_PRIOR
    return pa.table(
        {
            "buyers_named": _repeat(buyers_named, pa.int32(), size),
            "sellers_named": _repeat(sellers_named, pa.int32(), size),
            "source_id": _repeat(matrix.source_id, pa.string(), size),
            "year": _repeat(matrix.year, pa.int32(), size),
            "prior": _repeat(label, pa.string(), size),
            "buyer_country_code": merged["buyer_country_code"],
            "seller_country_code": merged["seller_country_code"],
            "buyer_named": pc.fill_null(
                pc.is_in(merged["buyer_country_code"], value_set=named_b), False
            ),
            "seller_named": pc.fill_null(
                pc.is_in(merged["seller_country_code"], value_set=named_s), False
            ),
            "observed": merged["observed"],
            "estimated": merged["estimated"],
        }
    )


# --- the step the build runs between the core__ and the out__ tables ---------------------------


def _write(con: duckdb.DuckDBPyConnection, table: str, parts: list[pa.Table]) -> None:
    con.execute(f"delete from {table}")
    if not parts:
        return
    columns = ", ".join(con.table(table).columns)
    con.register("_estimate_rows", pa.concat_tables(parts))
    try:
        con.execute(f"insert into {table} select {columns} from _estimate_rows")
    finally:
        con.unregister("_estimate_rows")


def _named(side: Side) -> int:
    return sum(c.country_code is not None for c in side.categories)


def run(
    con: duckdb.DuckDBPyConnection,
    sql_dir: Path = SQL_DIR,
    *,
    prior_min_projects: float = PRIOR_MIN_PROJECTS,
    prior_max_years: int = PRIOR_MAX_YEARS,
) -> EstimateReport:
    """Write int__estimated_flows, int__estimated_spread, int__estimate_check_cells and
    int__estimate_cut_cells from the core__ tables."""
    return fit(
        con,
        read_observed(con, sql_dir),
        read_marginals(con, sql_dir),
        prior_min_projects=prior_min_projects,
        prior_max_years=prior_max_years,
    )


def fit(
    con: duckdb.DuckDBPyConnection,
    observed: Sequence[ObservedMatrix],
    marginals_to_fit: Iterable[Marginals],
    *,
    prior_min_projects: float = PRIOR_MIN_PROJECTS,
    prior_max_years: int = PRIOR_MAX_YEARS,
) -> EstimateReport:
    """Fit every estimate and check every observed matrix; the rows go to the four int__
    estimate tables of ``con`` (created by their sql/int DDL). The inputs may come from
    another engine (pipeline/spark), which then reads the tables back."""
    report = EstimateReport()

    flows: list[pa.Table] = []
    spreads: list[pa.Table] = []
    # how many countries each estimate names per side: the cuts its error is measured on
    grids: set[tuple[int, int]] = set()
    for marginals in marginals_to_fit:
        prior = choose_prior(marginals, observed, prior_min_projects, prior_max_years)
        name = f"{marginals.source_id} {marginals.year} ({marginals.period_label})"
        try:
            rows, fit, label = estimate_rows(marginals, prior)
        except NotConverged as err:
            if prior is None:
                report.problems.append(f"{name}: not estimated: {err}")
                continue
            # Cannot happen with a smoothed prior; kept so that a prior never blocks the build.
            report.problems.append(f"{name}: with prior {prior.label}: {err}; no prior used")
            rows, fit, label = estimate_rows(marginals, None)
        except EstimateError as err:
            report.problems.append(f"{name}: not estimated: {err}")
            continue
        flows.append(rows)
        if prior is not None and label != NO_PRIOR:
            spreads.append(spread_rows(marginals, fit.matrix, prior))
        grids.add((_named(marginals.buyers), _named(marginals.sellers)))
        report.estimates += 1
        report.with_prior += label != NO_PRIOR
    _write(con, "int__estimated_flows", flows)
    _write(con, "int__estimated_spread", spreads)

    cells: list[pa.Table] = []
    cuts: list[pa.Table] = []
    for matrix in observed:
        if matrix.total <= 0:
            continue
        # a source observed in a single year has no other year to use as prior
        other = nearest_other_year(matrix, observed)
        for prior in [None] if other is None else [None, other]:
            try:
                cells.append(check_rows(matrix, prior))
                for buyers_named, sellers_named in sorted(grids):
                    cuts.append(cut_check_rows(matrix, buyers_named, sellers_named, prior))
                    report.cut_checks += 1
            except EstimateError as err:
                report.problems.append(f"check of {matrix.label}: {err}")
        report.checked_matrices += 1
    _write(con, "int__estimate_check_cells", cells)
    _write(con, "int__estimate_cut_cells", cuts)
    for problem in report.problems:
        log.warning(problem)
    return report
