"""No value given to `make` reaches a shell: real `make` runs with hostile file names and query
texts; nothing they spell out runs, the file is stored or refused with a message."""

from __future__ import annotations

import os
import shutil
import subprocess
from pathlib import Path

import pytest

from pipeline.build.run import build_database
from pipeline.sources import open_store
from pipeline.util import paths

pytestmark = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")

# Each would run `touch pwned` (or break the recipe) if pasted into a shell command line.
HOSTILE_NAMES = [
    'a";touch pwned;".csv',
    "b`touch pwned`.csv",
    "c$(touch pwned).csv",
    "d$(shell touch pwned).csv",
    "e'; touch pwned; '.csv",
    "f\ntouch pwned\n.csv",
    "my flows (copy) 2019.csv",
    "g$$(touch pwned)|touch pwned&.csv",
    os.fsdecode(b"h\xe9\xff not utf-8.csv"),
]
HOSTILE_VALUES = [
    ("query", "Q", '"; touch pwned; "'),
    ("query", "Q", "$(shell touch pwned)"),
    ("query", "Q", "`touch pwned`"),
    ("fetch", "SOURCE", "csv; touch pwned"),
    ("fetch", "MAX_PAGES", "1; touch pwned"),
    ("raw", "RETIRE", "$(shell touch pwned)"),
]


def make(cwd: Path, *args: str, env: dict[str, str] | None = None) -> subprocess.CompletedProcess:
    """The project's Makefile, run from ``cwd`` so that a command that did run would leave its
    ``pwned`` there; the installed virtualenv is reused."""
    return subprocess.run(
        [
            "make",
            "-s",
            "-f",
            str(paths.ROOT / "Makefile"),
            f"VENV={paths.ROOT / '.venv'}",
            "STAMP=",
            *args,
        ],
        cwd=cwd,
        env={**os.environ, **(env or {})},
        capture_output=True,
        text=True,
        timeout=120,
    )


def pwned(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.rglob("*") if p.name == "pwned")


@pytest.mark.bad_input
@pytest.mark.parametrize("name", HOSTILE_NAMES)
def test_a_hostile_file_name_is_stored_and_runs_nothing(tmp_path: Path, name: str) -> None:
    count = HOSTILE_NAMES.index(name) + 1
    (tmp_path / name).write_text(f"buyer_country,seller_country,count,year\nUSA,IND,{count},2019\n")
    raw = tmp_path / "raw"
    done = make(tmp_path, "fetch", "SOURCE=csv", f"FROM={name}", env={"ATLAS_RAW": str(raw)})
    assert pwned(tmp_path) == []
    if "\n" in name:
        # The csv source takes names ending in .csv or .txt; a line break ends this one first.
        assert done.returncode != 0 and "Traceback" not in done.stderr
        assert done.stderr.startswith(f"error: {name} does not look like a .csv file")
        return
    assert done.returncode == 0, done.stderr
    [stored] = open_store("csv", raw).loaded_files()
    assert stored.read_text().endswith(f"USA,IND,{count},2019\n")
    assert "1 records, 1 usable, 0 rejected" in done.stdout


@pytest.fixture(scope="module")
def atlas(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("atlas")
    (root / "raw").mkdir()
    return build_database(root / "atlas.duckdb", raw_root=root / "raw").db_path


@pytest.mark.bad_input
@pytest.mark.parametrize(("target", "variable", "value"), HOSTILE_VALUES)
def test_hostile_values_run_nothing_and_get_a_message(
    tmp_path: Path, atlas: Path, target: str, variable: str, value: str
) -> None:
    env = {"ATLAS_DB": str(atlas), "ATLAS_RAW": str(tmp_path / "raw")}
    args = [target, f"{variable}={value}"] + (
        ["SOURCE=freelancer"] if variable == "MAX_PAGES" else []
    )
    done = make(tmp_path, *args, env=env)
    assert pwned(tmp_path) == []
    assert done.returncode != 0
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith("error: "), done.stderr


def test_make_query_reads_q_from_the_environment(tmp_path: Path, atlas: Path) -> None:
    done = make(tmp_path, "query", "Q=select 'it''s' as text", env={"ATLAS_DB": str(atlas)})
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[2] == "it's"
    usage = make(tmp_path, "query", env={"ATLAS_DB": str(atlas)})
    assert usage.returncode != 0 and "usage: make query Q=" in usage.stdout


def test_make_raw_lists_versions_and_retires_a_file_named_with_spaces(tmp_path: Path) -> None:
    env = {"ATLAS_RAW": str(tmp_path / "raw")}
    name = "my flows $(x).csv"
    for count in (1, 2):
        (tmp_path / name).write_text(
            f"buyer_country,seller_country,count,year\nUSA,IND,{count},2019\n"
        )
        assert make(tmp_path, "fetch", "SOURCE=csv", f"FROM={name}", env=env).returncode == 0
    listing = make(tmp_path, "raw", env=env)
    assert listing.returncode == 0, listing.stderr
    rows = [line.split() for line in listing.stdout.splitlines()[1:]]
    assert [r[1:3] for r in rows] == [
        ["loaded", "csv:my_flows_x.csv"],
        ["superseded", "csv:my_flows_x.csv"],
    ]
    [current] = open_store("csv", tmp_path / "raw").loaded_files()
    retired = make(tmp_path, "raw", f"RETIRE={current}", env=env)
    assert retired.returncode == 0, retired.stderr
    assert retired.stdout.startswith(f"retired {current}: kept in data/raw, no longer loaded")
    assert [r.split()[1] for r in retired.stdout.splitlines()[2:]] == ["retired", "loaded"]
    assert pwned(tmp_path) == []
