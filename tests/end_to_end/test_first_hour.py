"""A new user's first hour, through the real `make` where they type it: one command after a
fetch, a visible install, plain numbers, messages that say the fix."""

from __future__ import annotations

import datetime as dt
import json
import os
import re
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipeline import __version__
from pipeline.commands.fetch import run_fetch
from pipeline.raw import report
from pipeline.sources import open_store, raw_rules
from pipeline.util import paths
from pipeline.util.install_progress import progress_lines
from pipeline.util.records import OCCUPATIONS

needs_make = pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")


def make(cwd: Path, *args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    """The project's Makefile with the installed environment (never reinstalled)."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
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
        env={**clean, "PYTHONPATH": str(paths.ROOT), **env},
        capture_output=True,
        text=True,
        timeout=300,
    )


@needs_make
def test_make_maps_alone_after_a_fetch_builds_once_and_draws_the_new_flows(
    tmp_path: Path,
) -> None:
    (tmp_path / "mine.csv").write_text(
        "buyer_country,seller_country,count,year\nUnited States,Kenya,74270,2019\n",
        encoding="utf-8",
    )
    env = {"ATLAS_HOME": str(tmp_path / "home"), "ATLAS_STAGING": str(tmp_path / "staging")}
    fetched = make(tmp_path, "fetch", "SOURCE=csv", "FROM=mine.csv", env=env)
    assert fetched.returncode == 0, fetched.stderr
    assert fetched.stdout.splitlines()[-1] == (
        "next: `make maps` builds the database with these files and draws the maps"
    )
    drawn = make(tmp_path, "maps", env=env)
    assert drawn.returncode == 0, drawn.stderr
    db = tmp_path / "home" / "data" / "atlas.duckdb"
    # one build, then the maps
    assert drawn.stdout.count(f"wrote {db}") == 1
    assert drawn.stdout.splitlines()[-1] == (
        f"==> open {tmp_path / 'home' / 'maps' / 'index.html'} in a browser"
    )
    con = duckdb.connect(str(db), read_only=True)
    assert con.execute(
        "select seller_country_code, buyer_country_code, tasks from out__flows "
        "where source_id = 'csv'"
    ).fetchall() == [("KEN", "USA", 74270.0)]
    con.close()
    # the print versions are drawn on demand (make print), not on every rebuild
    assert sorted(p.name for p in (tmp_path / "home" / "maps").iterdir()) == [
        "balance.html",
        "claims.html",
        "flows.html",
        "index.html",
    ]
    page = (tmp_path / "home" / "maps" / "flows.html").read_text(encoding="utf-8")
    data = json.loads(re.search(r'id="atlas-data">(.*?)</script>', page, re.S)[1])
    layer = next(x for x in data["layers"] if x["source"] == "csv")
    codes = data["countries"]["code"]
    [pair] = {tuple(codes[c] for c in data["pairs"][i][:2]) for i in layer["rows"][::4]}
    assert pair == ("KEN", "USA")
    assert layer["rows"][2] == 74270


def test_the_install_shows_one_line_per_package() -> None:
    pip_says = [
        "Obtaining file:///home/me/microwork-atlas\n",
        "  Installing build dependencies: started\n",
        "Collecting duckdb<3,>=1.4 (from microwork-atlas==0.2.0)\n",
        "  Downloading duckdb-2.0.1-cp311-cp311-manylinux_2_27_x86_64.whl (20.1 MB)\n",
        "Collecting geopandas<2,>=1.0 (from microwork-atlas==0.2.0)\n",
        "Requirement already satisfied: numpy>=1.26 in ./.venv/lib/python3.11/site-packages\n",
        "Collecting pyproj>=3.6\n",
        "WARNING: the index served an old version\n",
        "Installing collected packages: pyproj, geopandas, duckdb, microwork-atlas\n",
        "Successfully installed duckdb-2.0.1 geopandas-1.2.0 microwork-atlas-0.2.0 pyproj-3.7\n",
    ]
    assert list(progress_lines(pip_says)) == [
        "  [1] collecting duckdb",
        "  [2] collecting geopandas",
        "  [3] collecting pyproj",
        "  WARNING: the index served an old version",
        "  installing 4 packages (the slowest step, no output for a while)",
        "  installed 4 packages",
    ]


def test_the_makefile_install_filters_pip_and_keeps_its_failure() -> None:
    makefile = (paths.ROOT / "Makefile").read_text(encoding="utf-8")
    recipe = makefile.split("$(STAMP): pyproject.toml\n")[1].split("\n\n")[0]
    assert "--quiet -e" not in recipe
    assert "set -o pipefail;" in recipe and "pipeline/util/install_progress.py" in recipe
    # a failing pip still fails the pipeline the recipe runs
    done = subprocess.run(
        [
            "bash",
            "-c",
            "set -o pipefail; printf 'Collecting x\\n'; exit 3",
        ],
        capture_output=True,
        text=True,
    )
    piped = subprocess.run(
        [
            "bash",
            "-c",
            "set -o pipefail; (printf 'Collecting x\\n'; exit 3) | "
            f"{sys.executable} {paths.ROOT / 'pipeline/util/install_progress.py'}",
        ],
        capture_output=True,
        text=True,
    )
    assert done.returncode == piped.returncode == 3
    assert piped.stdout == "  [1] collecting x\n"


@needs_make
def test_query_tables_print_plain_numbers(tmp_path: Path, shipped_build) -> None:
    env = {"ATLAS_DB": str(shipped_build.db_path)}
    sql = "select 74270.0::double as tasks, 70.41234::double as share, 0.0000123::double as tiny"
    done = make(tmp_path, "query", f"Q={sql}", env=env)
    assert done.returncode == 0, done.stderr
    cells = [c.strip() for c in done.stdout.splitlines()[2].split("|")]
    assert cells == ["74,270", "70.41", "0.0000123"]


def test_a_csv_import_lists_only_the_names_the_file_holds(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLAS_RAW", str(tmp_path / "raw"))
    monkeypatch.setenv("ATLAS_STAGING", str(tmp_path / "staging"))
    table = tmp_path / "flows.csv"
    table.write_text(
        "buyer_country,seller_country,count,year\nUSA,IND,5,2019\nUSA,,2,2019\n", encoding="utf-8"
    )
    lines: list[str] = []
    assert run_fetch("csv", table, None, out=lines.append) == 0
    mapped = [line.strip() for line in lines if " -> " in line]
    assert mapped == [
        "flows.csv: '' -> NOT MAPPED (rows rejected; fix the spelling or use an ISO code) "
        "(1 mentions)",
        "flows.csv: 'IND' -> IND (1 mentions)",
        "flows.csv: 'USA' -> USA (2 mentions)",
    ]
    other = tmp_path / "other.csv"
    other.write_text("buyer_country,seller_country,count,year\nUSA,PHL,5,2019\n")
    lines.clear()
    assert run_fetch("csv", other, None, out=lines.append) == 0
    assert [line.strip() for line in lines if " -> " in line] == [
        "other.csv: 'PHL' -> PHL (1 mentions)",
        "other.csv: 'USA' -> USA (1 mentions)",
    ]


def test_a_bad_occupation_is_told_the_six_labels(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLAS_RAW", str(tmp_path / "raw"))
    monkeypatch.setenv("ATLAS_STAGING", str(tmp_path / "staging"))
    table = tmp_path / "flows.csv"
    table.write_text(
        "buyer_country,seller_country,count,year,occupation\n"
        "USA,IND,5,2019,data entry\nUSA,IND,3,2019,Writing and Translation\n",
        encoding="utf-8",
    )
    lines: list[str] = []
    assert run_fetch("csv", table, None, out=lines.append) == 0
    six = [o for o in OCCUPATIONS if o != "unknown"]
    assert len(six) == 6
    listed = ", ".join(f"'{o}'" for o in sorted(six))
    assert (
        f"unknown occupation: use one of the six labels {listed} (any case), "
        "or leave it empty (unknown)"
    ) in lines
    assert "  occupation = 'data entry' x 1" in lines


def _store_two_days(root: Path, name: str) -> list[Path]:
    """The same file name stored on two days (a table and its corrected version)."""
    saved = []
    for day, count in (("2026-01-05", 5), ("2026-02-07", 6)):
        folder = root / "in" / day
        folder.mkdir(parents=True)
        (folder / name).write_text(
            f"buyer_country,seller_country,count,year\nUSA,IND,{count},2019\n", encoding="utf-8"
        )
        store = open_store("csv", root / "raw", day=dt.date.fromisoformat(day))
        saved.append(store.save_file(folder / name))
    return saved


def test_retire_takes_the_name_and_identity_make_raw_lists(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    raw = tmp_path / "raw"
    monkeypatch.setenv("ATLAS_RAW", str(raw))
    monkeypatch.setenv("ATLAS_STAGING", str(tmp_path / "staging"))
    table = tmp_path / "my flows.csv"
    table.write_text("buyer_country,seller_country,count,year\nUSA,IND,5,2019\n")
    assert run_fetch("csv", table, None, out=lambda _: None) == 0
    listing = report.listing(rules=raw_rules())
    header, row = listing[0].split(), listing[1].split()
    stored_name = Path(row[header.index("file")]).name
    identity = row[header.index("identity")]
    assert (stored_name, identity) == ("my_flows.csv", "csv:my_flows.csv")
    for ref in (stored_name, identity):
        item = report.retire(ref, rules=raw_rules())
        assert item.path.name == "my_flows.csv"
        assert report.restore(ref, rules=raw_rules()).path == item.path


def test_a_name_two_stored_files_share_is_refused_with_their_ids(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("ATLAS_RAW", str(tmp_path / "raw"))
    monkeypatch.setenv("ATLAS_STAGING", str(tmp_path / "staging"))
    first, second = _store_two_days(tmp_path, "flows.csv")
    with pytest.raises(ValueError) as refused:
        report.retire("flows.csv", rules=raw_rules())
    message = str(refused.value)
    assert message.startswith("2 raw files match 'flows.csv': ")
    assert message.endswith("; give the path or the id")
    for path in (first, second):
        assert str(path.relative_to(tmp_path / "raw")) in message


@needs_make
def test_a_quoted_tilde_in_from_is_the_home_folder(tmp_path: Path) -> None:
    downloads = tmp_path / "me" / "Downloads"
    downloads.mkdir(parents=True)
    (downloads / "flows.csv").write_text(
        "buyer_country,seller_country,count,year\nUSA,IND,5,2019\n", encoding="utf-8"
    )
    env = {
        "HOME": str(tmp_path / "me"),
        "ATLAS_RAW": str(tmp_path / "raw"),
        "ATLAS_STAGING": str(tmp_path / "staging"),
    }
    # as `make fetch SOURCE=csv FROM="~/Downloads/flows.csv"` passes it: the ~ unexpanded
    done = make(tmp_path, "fetch", "SOURCE=csv", "FROM=~/Downloads/flows.csv", env=env)
    assert done.returncode == 0, done.stderr
    assert len(list((tmp_path / "raw" / "csv").glob("*/flows.csv"))) == 1


@pytest.mark.fault
@needs_make
def test_query_while_a_notebook_writes_says_which_program_holds_the_database(
    tmp_path: Path, shipped_build
) -> None:
    db = tmp_path / "atlas.duckdb"
    shutil.copy(shipped_build.db_path, db)
    writer = subprocess.Popen(
        [
            sys.executable,
            "-c",
            "import duckdb, sys, time; con = duckdb.connect(sys.argv[1]); "
            "print('open', flush=True); time.sleep(120)",
            str(db),
        ],
        stdout=subprocess.PIPE,
        text=True,
    )
    try:
        assert writer.stdout is not None and writer.stdout.readline() == "open\n"
        started = time.monotonic()
        done = make(tmp_path, "query", "Q=south_to_north", env={"ATLAS_DB": str(db)})
        assert time.monotonic() - started < 60
    finally:
        writer.kill()
        writer.wait()
    assert done.returncode == 2  # make's status for a failed recipe
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: {db} is open for writing in ")
    assert f"(process {writer.pid})" in done.stderr
    assert "close that connection" in done.stderr


def test_both_ways_in_print_one_version() -> None:
    done = subprocess.run(
        [sys.executable, "-m", "pipeline", "--version"],
        cwd=paths.ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.strip() == f"Microwork Atlas {__version__}"
    citation = (paths.ROOT / "CITATION.cff").read_text(encoding="utf-8")
    assert f'version: "{__version__}"' in citation
    changelog = (paths.ROOT / "CHANGELOG.md").read_text(encoding="utf-8")
    assert re.search(rf"^## \[{re.escape(__version__)}\] - \d{{4}}-\d\d-\d\d$", changelog, re.M)
    pyproject = (paths.ROOT / "pyproject.toml").read_text(encoding="utf-8")
    assert 'dynamic = ["version"]' in pyproject
    assert 'version = { attr = "pipeline.__version__" }' in pyproject


def test_print_versions_are_drawn_on_demand_and_older_ones_named(
    tmp_path: Path, shipped_build, capsys: pytest.CaptureFixture[str]
) -> None:
    from pipeline.cli import main

    out = tmp_path / "maps"
    common = ["maps", "--no-build", "--db", str(shipped_build.db_path), "--out", str(out)]
    assert main([*common, "--print"]) == 0
    printed = capsys.readouterr().out
    for name in ("flows", "balance", "claims"):
        assert f"wrote {out / name}.png" in printed and f"wrote {out / name}.svg" in printed
    assert "note:" not in printed
    # the pages again, without --print: the figures left from the run before are not listed as
    # written, and are named as older than these maps
    assert main(common) == 0
    printed = capsys.readouterr().out
    assert [line.split(" (")[0] for line in printed.splitlines() if line.startswith("wrote")] == [
        f"wrote {out / name}.html" for name in ("balance", "claims", "flows", "index")
    ]
    assert printed.splitlines()[-2] == (
        "note: balance.png, balance.svg, claims.png, claims.svg, flows.png, flows.svg in "
        f"{out} are print versions of an earlier run, not of these maps; `make print` (or "
        "`maps --print`) redraws them"
    )
