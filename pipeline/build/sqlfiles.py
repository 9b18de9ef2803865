"""Runs the project's .sql files layer by layer: staging → int → core → out, then the tests.

``sql/`` is laid out by layer, dbt style. A file's name is its model's name: ``sql/<layer>/
<name>.sql`` is the model's query and ``sql/<layer>/<name>.ddl.sql`` its table (types, checks),
for the tables that are created before they are filled (the core__ tables, and the int__ tables
Python writes). ``sql/<layer>/schema.yml`` documents every column of the layer's models.

- ``sql/macros.sql``: the macros the SQL shares, created with the tables (``run_schema``);
- ``sql/staging/stg__<table>.sql``: a temporary view over the staged Parquet files of the build,
  which Python passes as a list in the DuckDB variable ``stg__<table>_files``;
- ``sql/int/``: shared intermediate models, built as temporary views or, when small and read
  several times, temporary tables (so the database keeps nothing of the staging folder), and
  the DDL of the int__ tables Python writes;
- ``sql/core/``: queries inserted into the core__ tables their DDL creates;
- ``sql/out/``: queries each created as its out__ table, in dependency order;
- ``sql/tests/<model>__<rule>.sql``: queries returning the rows that break a rule of the model.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import duckdb

from pipeline.util.paths import SQL_DIR

# The model layers in build order; sql/tests runs after the last.
LAYERS = ("staging", "int", "core", "out")
DDL_SUFFIX = ".ddl.sql"
MACROS = "macros.sql"

# int__ models that several queries read and that stay small (a source's files, the flow keys
# that several files give): each is computed once, as a temporary table, where a view would
# be computed again by every query that reads it, each time over every user row.
INT_TABLES = frozenset({"int__user_files", "int__user_shared_keys"})

_TABLE_REF = re.compile(r"\b((?:int|core|out)__[a-z0-9_]+)\b")
_COMMENT = re.compile(r"--[^\n]*")


def read_sql(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def model_name(path: Path) -> str:
    """The table or view a file makes: its name without ``.sql`` or ``.ddl.sql``."""
    name = path.name
    return name[: -len(DDL_SUFFIX)] if name.endswith(DDL_SUFFIX) else path.stem


def model_files(sql_dir: Path = SQL_DIR, layer: str = "out") -> dict[str, Path]:
    """The query of each model of a layer, by model name (the DDL files left out)."""
    return {
        model_name(p): p
        for p in sorted((sql_dir / layer).glob("*.sql"))
        if not p.name.endswith(DDL_SUFFIX)
    }


def ddl_files(sql_dir: Path = SQL_DIR, layer: str = "core") -> dict[str, Path]:
    """The DDL of each table of a layer that is created before it is filled, by table name."""
    return {model_name(p): p for p in sorted((sql_dir / layer).glob(f"*{DDL_SUFFIX}"))}


def run_schema(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> list[str]:
    """Create the macros the SQL shares and every table that has a DDL file, layer by layer;
    returns the tables created."""
    con.execute(read_sql(sql_dir / MACROS))
    created = []
    for layer in LAYERS:
        for name, path in ddl_files(sql_dir, layer).items():
            con.execute(read_sql(path))
            created.append(name)
    return created


def out_table_order(sql_dir: Path = SQL_DIR, layer: str = "out") -> list[Path]:
    """The model files of a layer ordered so that every model is built after the models of the
    same layer it reads."""
    files = model_files(sql_dir, layer)
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


def create_staging_view(
    con: duckdb.DuckDBPyConnection, view: str, files: Sequence[str], sql_dir: Path = SQL_DIR
) -> None:
    """The temporary view ``view`` (``stg__<table>``) of sql/staging over these Parquet files.

    The file list reaches the SQL as a DuckDB list parameter, set as the variable
    ``<view>_files`` that the file reads: no path is ever pasted into SQL text. The view is
    temporary, so the database file keeps no view of the staging folder.
    """
    if not files:
        raise ValueError(f"{view}: a view over no files (register an empty table instead)")
    path = model_files(sql_dir, "staging").get(view)
    if path is None:
        raise FileNotFoundError(f"no {sql_dir}/staging/{view}.sql for the staged table")
    con.execute(f"set variable {view}_files = $files", {"files": list(files)})
    con.execute(f"create or replace temp view {view} as\n{read_sql(path)}")


def build_int_views(
    con: duckdb.DuckDBPyConnection,
    sql_dir: Path = SQL_DIR,
    only: frozenset[str] | None = None,
) -> list[str]:
    """Every model of sql/int (or those named in ``only``) in dependency order: intermediate
    steps that several core__ models share. They read the stg__ views, so they are temporary
    and never stored: views, except the small ones of INT_TABLES, computed once as tables."""
    built = []
    for path in out_table_order(sql_dir, "int"):
        if only is not None and path.stem not in only:
            continue
        kind = "table" if path.stem in INT_TABLES else "view"
        con.execute(f"create or replace temp {kind} {path.stem} as\n{read_sql(path)}")
        built.append(path.stem)
    return built


def build_core_tables(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> dict[str, int]:
    """Fill every core__ table that has a query in sql/core from the staging views, through the
    int__ views (created here first).

    The tables themselves (types, checks) come from the ``.ddl.sql`` files beside the queries;
    each query is plain, so another engine can run it over the staged Parquet as it is.
    """
    build_int_views(con, sql_dir)
    rows = {}
    for path in out_table_order(sql_dir, "core"):
        con.execute(f"insert into {path.stem} by name (\n{read_sql(path)}\n)")
        rows[path.stem] = int(con.execute(f"select count(*) from {path.stem}").fetchall()[0][0])
    return rows


def empty_core_tables(con: duckdb.DuckDBPyConnection, sql_dir: Path = SQL_DIR) -> None:
    """Remove the rows the sql/core queries put in, so the core__ tables can be built again."""
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
