"""Do two relations hold the same rows? Used to check that other engines (Spark, pandas,
polars, hand-written SQL) give the figures the out__ build gives.

Floating-point sums depend on the order rows are added in, which differs between engines, so
double columns are compared rounded to a number of decimals.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

import duckdb


def _projection(columns: Sequence[str], rounded: Mapping[str, int]) -> str:
    return ", ".join(
        f"round({column}, {rounded[column]}) as {column}" if column in rounded else column
        for column in columns
    )


def differences(
    con: duckdb.DuckDBPyConnection,
    left: str,
    right: str,
    columns: Sequence[str],
    rounded: Mapping[str, int],
) -> tuple[int, int]:
    """(rows only in left, rows only in right), duplicates counted; ``left`` and ``right`` are
    relations as written after FROM (a table, ``read_parquet(...)``, a subquery)."""
    projection = _projection(columns, rounded)
    left_rows = f"select {projection} from {left}"
    right_rows = f"select {projection} from {right}"
    only = []
    for a, b in ((left_rows, right_rows), (right_rows, left_rows)):
        row = con.execute(f"select count(*) from ({a} except all {b})").fetchone()
        only.append(int(row[0]) if row else 0)
    return only[0], only[1]
