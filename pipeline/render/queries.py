"""Run the map queries in sql/maps/ and hand back plain rows."""

from __future__ import annotations

import math
from typing import Any

import duckdb

from pipeline.util.paths import SQL_DIR

MAPS_SQL_DIR = SQL_DIR / "maps"


def query_rows(con: duckdb.DuckDBPyConnection, name: str, **params: Any) -> list[dict[str, Any]]:
    """Rows of sql/maps/<name>.sql as dicts; SQL nulls (and NaN) come back as None."""
    sql = (MAPS_SQL_DIR / f"{name}.sql").read_text(encoding="utf-8")
    cursor = con.execute(sql, params or None)
    columns = [d[0] for d in cursor.description]
    return [{c: _clean(v) for c, v in zip(columns, row, strict=True)} for row in cursor.fetchall()]


def _clean(value: Any) -> Any:
    if isinstance(value, float) and math.isnan(value):
        return None
    return value
