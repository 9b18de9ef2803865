"""Runs the project's .sql files: schema, out__ tables in dependency order, and SQL tests."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from pipeline.util.paths import SQL_DIR

_TABLE_REF = re.compile(r"\b((?:core|out)__[a-z0-9_]+)\b")
_COMMENT = re.compile(r"--[^\n]*")


def read_sql(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def run_schema(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> list[str]:
    """Create the core__ tables (and the macros the SQL shares); returns the files run."""
    created = []
    for path in sorted((sql_dir / "schema").glob("*.sql")):
        con.execute(read_sql(path))
        created.append(path.stem)
    return created


def out_table_order(sql_dir: Path = SQL_DIR, layer: str = "out") -> list[Path]:
    """The files of a layer ordered so that every table is built after the tables it reads."""
    files = {p.stem: p for p in sorted((sql_dir / layer).glob(f"{layer}__*.sql"))}
    deps = {
        name: {
            ref
            for ref in _TABLE_REF.findall(_COMMENT.sub("", read_sql(path)))
            if ref in files and ref != name
        }
        for name, path in files.items()
    }
    ordered: list[Path] = []
    done: set[str] = set()
    while len(done) < len(files):
        ready = sorted(n for n in files if n not in done and deps[n] <= done)
        if not ready:
            stuck = sorted(set(files) - done)
            raise ValueError(f"circular references between {', '.join(stuck)} in {sql_dir}/{layer}")
        for name in ready:
            ordered.append(files[name])
            done.add(name)
    return ordered


def build_core_tables(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> dict[str, int]:
    """Fill every core__ table that has a file in sql/core from the staging views.

    The tables themselves (types, checks) come from sql/schema; each sql/core file is a plain
    query, so another engine can run it over the staged Parquet as it is.
    """
    rows = {}
    for path in out_table_order(sql_dir, "core"):
        con.execute(f"insert into {path.stem} by name (\n{read_sql(path)}\n)")
        rows[path.stem] = int(con.execute(f"select count(*) from {path.stem}").fetchall()[0][0])
    return rows


def empty_core_tables(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> None:
    """Remove the rows sql/core put in, so the core__ tables can be built again."""
    for path in out_table_order(sql_dir, "core"):
        con.execute(f"delete from {path.stem}")


def build_out_tables(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> list[str]:
    """Build every out__ table from its file: the file name is the table name."""
    built = []
    for path in out_table_order(sql_dir):
        con.execute(f"create or replace table {path.stem} as\n{read_sql(path)}")
        built.append(path.stem)
    return built


@dataclass(frozen=True)
class SqlTestFailure:
    name: str
    rows: list[tuple[Any, ...]]
    columns: list[str]

    def describe(self, limit: int = 5) -> str:
        shown = "\n".join(
            f"    {dict(zip(self.columns, r, strict=True))}" for r in self.rows[:limit]
        )
        more = f"\n    … and {len(self.rows) - limit} more" if len(self.rows) > limit else ""
        return f"sql/tests/{self.name}.sql returned {len(self.rows)} row(s):\n{shown}{more}"


def run_sql_tests(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> list[SqlTestFailure]:
    """Run every rule in sql/tests; each returns the rows that break it, so zero rows is a pass."""
    failures = []
    for path in sorted((sql_dir / "tests").glob("*.sql")):
        cursor = con.execute(read_sql(path))
        rows = cursor.fetchall()
        if rows:
            columns = [d[0] for d in cursor.description]
            failures.append(SqlTestFailure(path.stem, rows, columns))
    return failures
