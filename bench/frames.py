"""The task part of the out__ build written with pandas and with polars, for the benchmark.

Each function takes the tasks and the country groups already in memory and returns the three
tables the build makes from tasks: flows (as out__flows, without the citation), flows by
direction and the flows basis of the country balance, with the columns of the out__ tables so
that the benchmark can check that every engine gives the same figures.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

FLOW_KEYS = [
    "source_id",
    "platform",
    "year",
    "occupation",
    "buyer_country_code",
    "seller_country_code",
]
FLOW_COLUMNS = [
    "source_id",
    "platform",
    "year",
    "period_label",
    "occupation",
    "buyer_country_code",
    "seller_country_code",
    "tasks",
    "unit",
    "value_usd",
    "method",
]
DIRECTION_COLUMNS = [
    "scheme",
    "source_id",
    "year",
    "direction",
    "tasks",
    "share_pct",
    "method",
    "unit",
]
BALANCE_COLUMNS = [
    "scheme",
    "source_id",
    "year",
    "country_code",
    "is_north",
    "tasks_bought",
    "tasks_sold",
    "net_sold",
    "unit",
    "basis",
]
TASK_COLUMNS = [
    "source_id",
    "platform",
    "task_date",
    "occupation",
    "buyer_country_code",
    "seller_country_code",
    "price_usd",
]
CATEGORICAL = [
    "source_id",
    "platform",
    "occupation",
    "buyer_country_code",
    "seller_country_code",
]


# -- pandas ---------------------------------------------------------------------------------


def pandas_load(tasks_parquet: Path, groups_parquet: Path) -> tuple[Any, Any]:
    """Tasks with categorical keys (groupby on categories is pandas' fastest path)."""
    import pandas as pd

    tasks = pd.read_parquet(tasks_parquet, columns=TASK_COLUMNS)
    for column in CATEGORICAL:
        tasks[column] = tasks[column].astype("category")
    tasks["task_date"] = pd.to_datetime(tasks["task_date"])
    return tasks, pd.read_parquet(groups_parquet)


def _pandas_direction(seller_is_north: Any, buyer_is_north: Any) -> Any:
    import numpy as np

    seller = seller_is_north.astype("boolean")
    buyer = buyer_is_north.astype("boolean")
    unknown = (seller.isna() | buyer.isna()).to_numpy()
    s = seller.fillna(False).to_numpy(dtype=bool)
    b = buyer.fillna(False).to_numpy(dtype=bool)
    return np.select(
        [unknown, ~s & b, s & b, ~s & ~b],
        ["unclassified", "south_to_north", "north_to_north", "south_to_south"],
        "north_to_south",
    )


def pandas_tables(tasks: Any, groups: Any) -> tuple[Any, Any, Any]:
    import numpy as np
    import pandas as pd

    valid = tasks[
        tasks["buyer_country_code"].notna()
        & tasks["seller_country_code"].notna()
        & tasks["task_date"].notna()
    ]
    # money is summed in whole cents, as out__flows does (exact in any order)
    keyed = valid.assign(
        year=valid["task_date"].dt.year, cents=np.floor(valid["price_usd"] * 100 + 0.5)
    )
    flows = (
        keyed.groupby(FLOW_KEYS, observed=True, sort=False)
        .agg(tasks=("cents", "size"), value_usd=("cents", "sum"))
        .reset_index()
    )
    flows["value_usd"] = flows["value_usd"] / 100
    for column in CATEGORICAL:
        flows[column] = flows[column].astype(str)
    flows["tasks"] = flows["tasks"].astype("float64")
    flows["period_label"] = flows["year"].astype(str)
    flows["unit"] = "projects"
    flows["method"] = "observed"
    flows = flows[FLOW_COLUMNS]

    north = groups[["scheme", "country_code", "is_north"]]
    paired = flows.merge(
        north.rename(columns={"country_code": "buyer_country_code", "is_north": "buyer_is_north"}),
        on="buyer_country_code",
    ).merge(
        north.rename(
            columns={"country_code": "seller_country_code", "is_north": "seller_is_north"}
        ),
        on=["scheme", "seller_country_code"],
    )
    paired["direction"] = _pandas_direction(paired["seller_is_north"], paired["buyer_is_north"])
    directions = (
        paired.groupby(["scheme", "source_id", "year", "direction", "method", "unit"], sort=False)[
            "tasks"
        ]
        .sum()
        .reset_index()
    )
    totals = directions.groupby(["scheme", "source_id", "year"])["tasks"].transform("sum")
    directions["share_pct"] = 100 * directions["tasks"] / totals
    directions = directions[DIRECTION_COLUMNS]

    sides = pd.concat(
        [
            flows.assign(country_code=flows["buyer_country_code"], bought=flows["tasks"], sold=0.0),
            flows.assign(
                country_code=flows["seller_country_code"], bought=0.0, sold=flows["tasks"]
            ),
        ]
    )
    summed = (
        sides.groupby(["source_id", "year", "country_code", "unit"], sort=False)[["bought", "sold"]]
        .sum()
        .reset_index()
        .rename(columns={"bought": "tasks_bought", "sold": "tasks_sold"})
    )
    balance = summed.merge(north, on="country_code")
    balance["net_sold"] = balance["tasks_sold"] - balance["tasks_bought"]
    balance["basis"] = "flows"
    return flows, directions, balance[BALANCE_COLUMNS]


# -- polars ---------------------------------------------------------------------------------


def polars_load(tasks_parquet: Path, groups_parquet: Path, categorical: bool) -> tuple[Any, Any]:
    import polars as pl

    tasks = pl.read_parquet(tasks_parquet, columns=TASK_COLUMNS)
    if categorical:
        tasks = tasks.with_columns(pl.col(CATEGORICAL).cast(pl.Categorical))
    return tasks, pl.read_parquet(groups_parquet)


def _polars_direction() -> Any:
    import polars as pl

    seller, buyer = pl.col("seller_is_north"), pl.col("buyer_is_north")
    return (
        pl.when(seller.is_null() | buyer.is_null())
        .then(pl.lit("unclassified"))
        .when(~seller & buyer)
        .then(pl.lit("south_to_north"))
        .when(seller & buyer)
        .then(pl.lit("north_to_north"))
        .when(~seller & ~buyer)
        .then(pl.lit("south_to_south"))
        .otherwise(pl.lit("north_to_south"))
        .alias("direction")
    )


def polars_tables(tasks: Any, groups: Any, lazy: bool) -> tuple[Any, Any, Any]:
    """Lazy: one plan per table, optimised and run by polars' engine; eager: step by step."""
    import polars as pl

    frame = tasks.lazy() if lazy else tasks
    flows = (
        frame.filter(
            pl.col("buyer_country_code").is_not_null()
            & pl.col("seller_country_code").is_not_null()
            & pl.col("task_date").is_not_null()
        )
        .with_columns(pl.col("task_date").dt.year().alias("year"))
        .group_by(FLOW_KEYS)
        .agg(
            pl.len().cast(pl.Float64).alias("tasks"),
            # money in whole cents, as out__flows sums it
            ((pl.col("price_usd") * 100 + 0.5).floor().sum() / 100).alias("value_usd"),
        )
        .with_columns(
            pl.col(CATEGORICAL).cast(pl.String),
            pl.col("year").cast(pl.String).alias("period_label"),
            pl.lit("projects").alias("unit"),
            pl.lit("observed").alias("method"),
        )
        .select(FLOW_COLUMNS)
    )
    if lazy:
        flows = flows.collect()
    north = groups.select("scheme", "country_code", "is_north")
    directions = (
        flows.join(
            north.rename({"country_code": "buyer_country_code", "is_north": "buyer_is_north"}),
            on="buyer_country_code",
        )
        .join(
            north.rename({"country_code": "seller_country_code", "is_north": "seller_is_north"}),
            on=["scheme", "seller_country_code"],
        )
        .with_columns(_polars_direction())
        .group_by(["scheme", "source_id", "year", "direction", "method", "unit"])
        .agg(pl.col("tasks").sum())
        .with_columns(
            (
                100 * pl.col("tasks") / pl.col("tasks").sum().over("scheme", "source_id", "year")
            ).alias("share_pct")
        )
        .select(DIRECTION_COLUMNS)
    )
    sides = pl.concat(
        [
            flows.select(
                "source_id",
                "year",
                "unit",
                pl.col("buyer_country_code").alias("country_code"),
                pl.col("tasks").alias("bought"),
                pl.lit(0.0).alias("sold"),
            ),
            flows.select(
                "source_id",
                "year",
                "unit",
                pl.col("seller_country_code").alias("country_code"),
                pl.lit(0.0).alias("bought"),
                pl.col("tasks").alias("sold"),
            ),
        ]
    )
    balance = (
        sides.group_by(["source_id", "year", "country_code", "unit"])
        .agg(pl.col("bought").sum().alias("tasks_bought"), pl.col("sold").sum().alias("tasks_sold"))
        .join(north, on="country_code")
        .with_columns(
            (pl.col("tasks_sold") - pl.col("tasks_bought")).alias("net_sold"),
            pl.lit("flows").alias("basis"),
        )
        .select(BALANCE_COLUMNS)
    )
    return flows, directions, balance
