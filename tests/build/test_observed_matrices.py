"""The observed matrices the estimator takes its priors from and is checked against
(sql/estimate/observed_matrices.sql), on a hand-made atlas: which tasks and pair counts enter a
matrix, and how the rows of one source, year and pair add up."""

from __future__ import annotations

import duckdb
import pytest

from pipeline.build.sqlfiles import run_schema
from pipeline.util.paths import SQL_DIR

SOFTWARE = "software development and technology"
CLERICAL = "clerical and data entry"
# Tasks of the source `obs` (id, platform, date, buyer, seller, occupation). The first four
# have both countries and a date; the last four lack one of them and must not be counted.
TASKS = [
    ("t1", "P1", "2020-03-01", "USA", "IND", SOFTWARE),
    ("t2", "P2", "2020-05-01", "USA", "IND", "writing and translation"),
    ("t3", "P1", "2020-06-01", "GBR", "PHL", CLERICAL),
    ("t4", "P1", "2021-01-10", "USA", "IND", SOFTWARE),
    ("no buyer", "P1", "2020-02-01", None, "IND", SOFTWARE),
    ("no seller", "P1", "2020-02-01", "USA", None, SOFTWARE),
    ("no date", "P1", None, "USA", "IND", SOFTWARE),
    ("nothing but a date", "P1", "2020-02-01", None, None, "unknown"),
]
# Published tallies (source, platform, year, role, buyer, seller, region, occupation, measure,
# amount). Counted: pair counts of projects with both countries. The last five are not.
TALLIES = [
    ("obs", "P1", 2020, "pair", "USA", "IND", None, "unknown", "projects", 2.5),
    ("obs", "P1", 2020, "pair", "GBR", "PHL", None, "unknown", "projects", 1.25),
    ("obs", "P2", 2020, "pair", "GBR", "PHL", None, "unknown", "projects", 0.5),
    ("net", "N", 2020, "pair", "USA", "PHL", None, SOFTWARE, "projects", 3),
    ("net", "N", 2020, "pair", "USA", "PHL", None, CLERICAL, "projects", 4),
    # a pair with a side the source does not name
    ("net", "N", 2020, "pair", "USA", None, "rest of world", "unknown", "projects", 7),
    ("net", "N", 2020, "pair", None, "PHL", "rest of world", "unknown", "projects", 9),
    # workers, not projects
    ("net", "N", 2020, "pair", "USA", "PHL", None, "unknown", "workers", 11),
    # one side's count and one side's share
    ("net", "N", 2020, "buyer", "USA", None, None, "unknown", "projects", 13),
    ("net", "N", 2020, "seller", None, "PHL", None, "unknown", "share_pct", 100),
]


@pytest.fixture(scope="module")
def con():
    con = duckdb.connect()
    run_schema(con)
    con.executemany(
        "insert into core__tasks (task_id, source_id, platform, task_date, buyer_country_code, "
        "seller_country_code, occupation) values (?, 'obs', ?, ?, ?, ?, ?)",
        TASKS,
    )
    con.executemany(
        "insert into core__tallies (source_id, platform, period_start, period_end, role, "
        "buyer_country_code, seller_country_code, region_label, occupation, measure, amount) "
        "values (?, ?, make_date(?, 1, 1), make_date(?, 12, 31), ?, ?, ?, ?, ?, ?, ?)",
        [(s, p, y, y, *rest) for s, p, y, *rest in TALLIES],
    )
    yield con
    con.close()


def test_observed_matrices_count_tasks_and_pair_counts_worked_by_hand(con) -> None:
    # As the estimator reads it (pipeline.build.estimate.read_observed): the file's own query.
    query = con.sql((SQL_DIR / "estimate" / "observed_matrices.sql").read_text(encoding="utf-8"))
    assert query.columns == [
        "source_id",
        "year",
        "buyer_country_code",
        "seller_country_code",
        "tasks",
    ]
    # net 2020 USA -> PHL: 3 software + 4 clerical projects = 7 (occupations summed; the pair
    # with a side not named, the workers and the one-sided rows left out).
    # obs 2020 GBR -> PHL: task t3, and 1.25 + 0.5 projects published for two platforms:
    # 1 + 1.75 = 2.75 (the largest of the two rows would be 1.75).
    # obs 2020 USA -> IND: tasks t1 and t2 on two platforms, and 2.5 published: 2 + 2.5 = 4.5.
    # obs 2021 USA -> IND: task t4. No task with a missing country or date enters.
    assert query.fetchall() == [
        ("net", 2020, "USA", "PHL", 7.0),
        ("obs", 2020, "GBR", "PHL", 2.75),
        ("obs", 2020, "USA", "IND", 4.5),
        ("obs", 2021, "USA", "IND", 1.0),
    ]
