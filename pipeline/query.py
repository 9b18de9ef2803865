"""Ad hoc SQL against the database: a saved query by name, or SQL text, printed as a table."""

from __future__ import annotations

import re

import duckdb

from pipeline.paths import SQL_DIR

_NAME = re.compile(r"^[a-z0-9_]+$")


def resolve_query(text: str) -> str:
    """A bare name is sql/queries/<name>.sql; anything else is taken as SQL."""
    name = text.strip().removesuffix(".sql")
    if _NAME.match(name):
        path = SQL_DIR / "queries" / f"{name}.sql"
        if not path.exists():
            known = ", ".join(sorted(p.stem for p in (SQL_DIR / "queries").glob("*.sql")))
            raise SystemExit(f"error: no saved query {name!r}; saved queries: {known}")
        return path.read_text(encoding="utf-8")
    return text


def format_table(columns: list[str], rows: list[tuple], total: int) -> str:
    cells = [
        [("" if v is None else f"{v:,.4g}" if isinstance(v, float) else str(v)) for v in r]
        for r in rows
    ]
    widths = [max([len(c)] + [len(r[i]) for r in cells]) for i, c in enumerate(columns)]
    lines = [" | ".join(c.ljust(w) for c, w in zip(columns, widths, strict=True))]
    lines.append("-+-".join("-" * w for w in widths))
    lines += [" | ".join(v.ljust(w) for v, w in zip(r, widths, strict=True)) for r in cells]
    shown = f"{len(rows)} of {total} rows" if total > len(rows) else f"{total} rows"
    lines.append(f"({shown})")
    return "\n".join(lines)


def run_query(con: duckdb.DuckDBPyConnection, text: str, max_rows: int = 100) -> str:
    cursor = con.execute(resolve_query(text))
    if cursor.description is None:
        return "(no result)"
    columns = [d[0] for d in cursor.description]
    rows = cursor.fetchall()
    return format_table(columns, rows[:max_rows], len(rows))
