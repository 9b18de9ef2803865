"""`python -m pipeline fetch`: files given with --from are stored unchanged and once, reported
on, and reach the database through `make db`."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import duckdb
import pytest
from conftest import OLI_FIXTURES, REMOTEWORK_FIXTURES

from pipeline.build.run import build_database
from pipeline.commands.fetch import run_fetch
from pipeline.sources import open_store

FIXTURES = Path(__file__).parents[1] / "fixtures"
REMOTEWORK = REMOTEWORK_FIXTURES / "olm_network_data_2015.csv"


def sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture()
def raw_root(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "raw"
    monkeypatch.setenv("ATLAS_RAW", str(root))
    monkeypatch.setenv("ATLAS_STAGING", str(tmp_path / "staging"))
    return root


def test_import_copies_files_unchanged_and_only_once(raw_root: Path) -> None:
    lines: list[str] = []
    assert run_fetch("remotework", REMOTEWORK.parent, None, out=lines.append) == 0
    stored = open_store("remotework", raw_root).loaded_files()
    assert [p.name for p in stored] == [REMOTEWORK.name]
    assert sha256(stored[0]) == sha256(REMOTEWORK)
    assert lines[0].startswith("remotework: 1 new file(s) saved, 0 already present")
    assert any("40 records, 36 usable, 4 rejected" in line for line in lines)
    assert any("3 rows with coordinates far from their country" in line for line in lines)
    assert any(
        line.startswith("listed as non-countries") and "'antarctica' x 1" in line for line in lines
    )
    assert lines[-1].startswith("next: `make maps` builds the database with these files")

    lines.clear()
    assert run_fetch("remotework", REMOTEWORK, None, out=lines.append) == 0
    assert lines[0].startswith("remotework: 0 new file(s) saved, 1 already present")
    assert len(open_store("remotework", raw_root).loaded_files()) == 1


def test_import_errors_say_what_to_do(
    raw_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    empty = tmp_path / "downloads"
    empty.mkdir()
    assert run_fetch("remotework", empty, None, out=lambda _: None) == 1
    assert "no file in" in capsys.readouterr().err
    assert run_fetch("remotework", tmp_path / "missing", None, out=lambda _: None) == 1
    assert "does not exist" in capsys.readouterr().err
    assert run_fetch("nosuch", None, None, out=lambda _: None) == 2
    assert "known sources" in capsys.readouterr().err
    assert run_fetch("csv", None, None, out=lambda _: None) == 1
    assert "FROM=" in capsys.readouterr().err


def test_csv_import_prints_the_mapping_report(raw_root: Path) -> None:
    lines: list[str] = []
    assert run_fetch("csv", FIXTURES / "csv" / "flows.csv", None, out=lines.append) == 0
    assert any("'Royaume-Uni' -> GBR" in line for line in lines)
    assert any("'Atlantis' -> NOT MAPPED" in line for line in lines)


def test_imported_sources_reach_the_flow_tables(raw_root: Path, tmp_path: Path) -> None:
    quiet = lambda _: None  # noqa: E731
    assert run_fetch("remotework", REMOTEWORK, None, out=quiet) == 0
    oli = tmp_path / "oli"
    oli.mkdir()
    shutil.copy(OLI_FIXTURES / "worker_countrydata_2017-07-05.txt", oli)
    # One employer month only: sql/tests/out__flows__estimates_match_marginals.sql checks the
    # estimates per year, which holds only while a year has a single pair of marginals.
    lines = (OLI_FIXTURES / "bcountrydata_2016-07-10.txt").read_text().splitlines()
    june = [line for line in lines[1:] if line.startswith("2016-06")]
    (oli / "bcountrydata_2016-07-10.txt").write_text("\n".join([lines[0], *june]) + "\n")
    assert run_fetch("oli", oli, None, out=quiet) == 0
    assert run_fetch("freelancer", FIXTURES / "freelancer", None, out=quiet) == 0
    assert run_fetch("csv", FIXTURES / "csv" / "flows.csv", None, out=quiet) == 0

    report = build_database(target=tmp_path / "db" / "atlas.duckdb", raw_root=raw_root)
    con = duckdb.connect(str(report.db_path), read_only=True)
    try:
        observed = con.execute(
            "select buyer_country_code, seller_country_code, tasks from out__flows "
            "where source_id = 'remotework' and year = 2015 and method = 'observed'"
        ).fetchall()
        assert ("USA", "IND", 12.0) in observed
        assert len(observed) == 29
        schemes = con.execute(
            "select distinct scheme from out__flows_by_direction "
            "where source_id = 'remotework' and year = 2015"
        ).fetchall()
        assert {s for (s,) in schemes} >= {"un_m49_developed", "wb_high_income"}
        estimated = con.execute(
            "select count(*) from out__flows where source_id = 'oli' and method = 'estimated'"
        ).fetchone()
        assert estimated is not None and estimated[0] > 0
        awards = con.execute(
            "select buyer_country_code, seller_country_code from out__flows "
            "where source_id = 'freelancer' order by 1"
        ).fetchall()
        assert awards == [("GBR", "BGD"), ("IND", "PHL"), ("USA", "PAK")]
        sources = dict(
            con.execute(
                "select source_id, method from core__sources "
                "where source_id in ('oli', 'remotework', 'freelancer', 'csv')"
            ).fetchall()
        )
        assert sources == {
            "oli": "downloaded",
            "remotework": "downloaded",
            "freelancer": "scraped",
            "csv": "curated",
        }
    finally:
        con.close()


def test_special_files_are_refused_with_a_message(
    raw_root: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    link = tmp_path / "zero.csv"
    link.symlink_to("/dev/zero")
    for path in (Path("/dev/null"), link):
        assert run_fetch("csv", path, None, out=lambda _: None) == 1
        assert "not a regular file" in capsys.readouterr().err
    assert open_store("csv", raw_root).loaded_files() == []
