"""Ad hoc SQL against the database: a saved query by name, or SQL text, printed as a table or
as CSV. User values (a country for ``$country``) reach DuckDB as bound parameters, never as SQL
text."""

from __future__ import annotations

import math
import re
from typing import Any

import duckdb
import numpy as np

from pipeline.util import spreadsheet
from pipeline.util.paths import SQL_DIR

_NAME = re.compile(r"^[a-z0-9_]+$")
_PARAMETER = re.compile(r"\$([a-z_][a-z0-9_]*)")
_NOT_CODE = re.compile(r"--[^\n]*|'(?:[^']|'')*'")
FORMATS = ("table", "csv")
# parameter name in the SQL -> the make variable (environment variable) that sets it
PARAMETER_VARIABLES = {"country": "COUNTRY"}


class QueryError(ValueError):
    """No saved query of that name (the message lists the saved queries)."""


def saved_queries() -> list[str]:
    """The names of the saved queries (sql/queries/<name>.sql), for ``make query Q=<name>``."""
    return sorted(p.stem for p in (SQL_DIR / "queries").glob("*.sql"))


def parameters_of(sql: str) -> list[str]:
    """The named parameters ($name) a statement uses, outside comments and string literals."""
    return sorted(set(_PARAMETER.findall(_NOT_CODE.sub(" ", sql))))


def resolve_query(text: str) -> str:
    """A bare name is sql/queries/<name>.sql; anything else is taken as SQL."""
    name = text.strip().removesuffix(".sql")
    if _NAME.match(name):
        path = SQL_DIR / "queries" / f"{name}.sql"
        if not path.exists():
            known = ", ".join(saved_queries())
            raise QueryError(f"no saved query {name!r}; saved queries: {known}")
        return path.read_text(encoding="utf-8")
    return text


def plain_number(value: float) -> str:
    """A number as a reader writes it, never in exponent notation: a whole number in full
    (``74,270``), others to four significant digits but every digit of the whole part
    (``70.41``, ``1,234.6``, ``0.00001234``)."""
    if not math.isfinite(value):
        return str(value)
    if value == round(value) and abs(value) < 1e18:
        return f"{round(value):,}"
    whole_digits = len(str(int(abs(value))))
    if abs(value) >= 1:
        return f"{value:,.{max(1, 4 - whole_digits)}f}".rstrip("0").rstrip(".")
    return str(np.format_float_positional(value, precision=4, fractional=False, trim="-"))


def format_table(columns: list[str], rows: list[tuple[Any, ...]], total: int) -> str:
    cells = [
        [("" if v is None else plain_number(v) if isinstance(v, float) else str(v)) for v in r]
        for r in rows
    ]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    shown = f"{len(rows)} of {total} rows" if total > len(rows) else f"{total} rows"
    lines.append(f"({shown})")
    return "\n".join(lines)


def format_csv(columns: list[str], rows: list[tuple[Any, ...]]) -> str:
    """CSV a spreadsheet opens safely: a cell it would run as a formula starts with ``'``."""
    return spreadsheet.write_csv(columns, rows)


def bind(sql: str, values: dict[str, str | None]) -> dict[str, str]:
    """The parameters a statement needs, from the values given; a missing one is an error that
    says which variable to set."""
    bound = {}
    for name in parameters_of(sql):
        value = values.get(name)
        if not value:
            variable = PARAMETER_VARIABLES.get(name, name.upper())
            raise SystemExit(f"error: this query needs {variable}=… (parameter ${name})")
        bound[name] = value
    return bound


def run_query(
    con: duckdb.DuckDBPyConnection,
    text: str,
    max_rows: int = 100,
    *,
    values: dict[str, str | None] | None = None,
    output: str = "table",
) -> str:
    if output not in FORMATS:
        raise SystemExit(f"error: FORMAT must be one of {', '.join(FORMATS)}, not {output!r}")
    try:
        sql = resolve_query(text)
    except QueryError as err:
        raise SystemExit(f"error: {err}") from None
    cursor = con.execute(sql, bind(sql, values or {}))
    if cursor.description is None:
        return "(no result)"
    columns = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    if output == "csv":
        return format_csv(columns, rows)
    return format_table(columns, rows[:max_rows], len(rows))
