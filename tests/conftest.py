from __future__ import annotations

import atexit
import os
import shutil
import tempfile
from pathlib import Path

import duckdb
import pytest

from pipeline.build import estimate
from pipeline.build.run import BuildReport, build_database
from pipeline.build.sqlfiles import build_out_tables, run_schema

# the loopback HTTP server and fake clock fixtures (tests/loopback.py); no silent skip
# (tests/skips.py)
pytest_plugins = ["loopback", "skips"]

FIXTURES = Path(__file__).parent / "fixtures"
# Parsed rows are staged here, never in the checkout's data/staging.
os.environ.setdefault("ATLAS_STAGING", tempfile.mkdtemp(prefix="atlas-staging-"))
atexit.register(shutil.rmtree, os.environ["ATLAS_STAGING"], ignore_errors=True)


def staged(files: dict[str, Path]) -> Path:
    """Copies of hand-made fixtures under the names the real files have.

    The fixtures are committed under names of their own, so that nothing in the repository can
    be taken for a copy of the real data files (which are never committed); parsers and imports
    recognise the real names, so the tests work on copies that carry them.
    """
    folder = Path(tempfile.mkdtemp(prefix="atlas-fixtures-"))
    atexit.register(shutil.rmtree, folder, ignore_errors=True)
    for name, source in files.items():
        shutil.copy(source, folder / name)
    return folder


OLI_FIXTURES = staged(
    {
        "bcountrydata_2016-07-10.txt": FIXTURES / "oli" / "handmade_employers_2016-07-10.txt",
        "worker_countrydata_2017-07-05.txt": FIXTURES / "oli" / "handmade_workers_2017-07-05.txt",
        "worker_countrydata_spellings.txt": FIXTURES / "oli" / "handmade_worker_spellings.txt",
    }
)
REMOTEWORK_FIXTURES = staged(
    {"olm_network_data_2015.csv": FIXTURES / "remotework" / "handmade_network_2015.csv"}
)


def cross_border_pairs_per_layer(con: duckdb.DuckDBPyConnection) -> dict[str, int]:
    """What the flow map must draw: distinct cross-border pairs per "source:year" layer."""
    return dict(
        con.execute(
            "select source_id || ':' || year, "
            "count(distinct (buyer_country_code, seller_country_code)) "
            "from out__flows where buyer_country_code <> seller_country_code group by all"
        ).fetchall()
    )


def mini_atlas() -> duckdb.DuckDBPyConnection:
    """An in-memory atlas built by the pipeline's SQL from the rows of fixtures/maps/mini.sql."""
    con = duckdb.connect()
    run_schema(con)
    con.execute((FIXTURES / "maps" / "mini.sql").read_text(encoding="utf-8"))
    estimate.run(con)
    build_out_tables(con)
    return con


def views_atlas() -> duckdb.DuckDBPyConnection:
    """An in-memory atlas built by the pipeline's SQL from fixtures/maps/views.sql (per-million,
    money and region views), whose figures are worked out by hand in its header."""
    con = duckdb.connect()
    run_schema(con)
    con.execute((FIXTURES / "maps" / "views.sql").read_text(encoding="utf-8"))
    estimate.run(con)
    build_out_tables(con)
    return con


def hand_atlas(*more: str) -> duckdb.DuckDBPyConnection:
    """An in-memory atlas built by the pipeline's SQL from fixtures/queries/hand_atlas.sql, whose
    figures are worked out by hand in its header, and the files ``more`` of that folder."""
    con = duckdb.connect()
    run_schema(con)
    for name in ("hand_atlas.sql", *more):
        con.execute((FIXTURES / "queries" / name).read_text(encoding="utf-8"))
    estimate.run(con)
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
