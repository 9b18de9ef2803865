from __future__ import annotations

from pathlib import Path

import duckdb
import pytest

from pipeline.load import BuildReport, build_database

FIXTURES = Path(__file__).parent / "fixtures"


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
