from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline.load import BuildReport, build_database
from pipeline.sqlfiles import build_out_tables, run_schema

FIXTURES = Path(__file__).parent / "fixtures"


def mini_atlas() -> duckdb.DuckDBPyConnection:
    """An in-memory atlas built by the pipeline's SQL from the rows of fixtures/maps/mini.sql."""
    con = duckdb.connect()
    run_schema(con)
    con.execute((FIXTURES / "maps" / "mini.sql").read_text(encoding="utf-8"))
    build_out_tables(con)
    return con


@pytest.fixture(scope="session")
def shipped_build(tmp_path_factory: pytest.TempPathFactory) -> BuildReport:
    """The database built from the data shipped in the repository, and nothing else."""
    root = tmp_path_factory.mktemp("shipped")
    raw = root / "raw"
    raw.mkdir()
    return build_database(root / "atlas.duckdb", raw_root=raw)


@pytest.fixture()
def shipped_con(shipped_build: BuildReport):
    con = duckdb.connect(str(shipped_build.db_path), read_only=True)
    yield con
    con.close()
