"""Faults injected into `python -m pipeline db`: kill -9 at each stage, two builds at once,
connections held open by other programs, a full disk, a stale WAL, leftovers of killed runs.
The previous database always survives intact and the next run succeeds."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import duckdb
import pytest

from pipeline.build.run import build_database
from pipeline.sources import open_store
from pipeline.util import paths

HEADER = "buyer_country,seller_country,count,year\n"
OLD_TOTAL, NEW_TOTAL = 10.0, 25.0

# The stages of a build, each named by the function that starts it (patched to kill -9).
KILL_POINTS = [
    "pipeline.build.sqlfiles:run_schema",  # the temporary database has just been created
    "pipeline.raw.versions:inventory",  # reading the raw files
    "pipeline.build.sqlfiles:build_out_tables",  # core tables loaded
    "pipeline.build.sqlfiles:run_sql_tests",  # out__ tables built
    "pipeline.build.swap:DatabaseSwap.commit",  # everything checked, before the swap
    "pipeline.util.atomic:fsync_dir",  # right after the rename
]
INJECT = r"""
import importlib, os, signal, sys, time
point, action = sys.argv[1], sys.argv[2]
module, attr = point.split(":")
owner = importlib.import_module(module)
*parents, name = attr.split(".")
for part in parents:
    owner = getattr(owner, part)
original = getattr(owner, name)

def injected(*args, **kwargs):
    if action == "kill":
        os.kill(os.getpid(), signal.SIGKILL)
    go = sys.argv[3]
    print("waiting", flush=True)
    for _ in range(600):  # at most 60 s
        if os.path.exists(go):
            break
        time.sleep(0.1)
    return original(*args, **kwargs)

setattr(owner, name, injected)
from pipeline.cli import main
sys.exit(main(["db"]))
"""


def flows(path: Path, count: float) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(f"{HEADER}USA,IND,{count:g},2019\nGBR,PAK,5,2019\n")
    return path


def total(db: Path) -> float:
    con = duckdb.connect(str(db), read_only=True)
    try:
        row = con.execute(
            "select sum(amount) from core__tallies where source_id = 'csv'"
        ).fetchone()
    finally:
        con.close()
    assert row is not None
    return float(row[0])


def sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@pytest.fixture(scope="module")
def template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A database built from a first version of a flow table, and a raw store that has since
    received its corrected version (so a finished rebuild is told from the old database)."""
    root = tmp_path_factory.mktemp("faults")
    store = open_store("csv", root / "raw", day=dt.date(2026, 1, 1))
    store.save_file(flows(root / "in" / "flows.csv", OLD_TOTAL - 5))
    build_database(root / "data" / "atlas.duckdb", raw_root=root / "raw")
    assert total(root / "data" / "atlas.duckdb") == OLD_TOTAL
    store = open_store("csv", root / "raw", day=dt.date(2026, 1, 2))
    store.save_file(flows(root / "in" / "flows.csv", NEW_TOTAL - 5))
    assert len(open_store("csv", root / "raw").loaded_files()) == 1
    return root


@pytest.fixture()
def atlas(template: Path, tmp_path: Path) -> Path:
    shutil.copytree(template / "raw", tmp_path / "raw")
    shutil.copytree(template / "data", tmp_path / "data")
    return tmp_path / "data" / "atlas.duckdb"


def env_for(db: Path) -> dict[str, str]:
    return {
        **os.environ,
        "ATLAS_DB": str(db),
        "ATLAS_RAW": str(db.parent.parent / "raw"),
        "ATLAS_MAPS": str(db.parent.parent / "maps"),
        "ATLAS_STAGING": str(db.parent.parent / "staging"),
    }


def run_db(db: Path, *inject: str, **kwargs) -> subprocess.CompletedProcess[str]:
    command = [sys.executable, "-c", INJECT, *inject] if inject else ["-m", "pipeline", "db"]
    if not inject:
        command = [sys.executable, *command]
    return subprocess.run(
        command,
        cwd=paths.ROOT,
        env=env_for(db),
        capture_output=True,
        text=True,
        timeout=180,
        **kwargs,
    )


def leftovers(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir() if p.name != "atlas.duckdb")


@pytest.mark.fault
@pytest.mark.parametrize("point", KILL_POINTS)
def test_kill_9_leaves_the_previous_database_and_the_next_run_succeeds(atlas, point) -> None:
    before = sha(atlas)
    killed = run_db(atlas, point, "kill")
    assert killed.returncode == -9, killed.stderr
    if point == KILL_POINTS[-1]:
        # Killed after the rename: the new database is whole.
        assert total(atlas) == NEW_TOTAL
    else:
        assert sha(atlas) == before
        assert total(atlas) == OLD_TOTAL
    again = run_db(atlas)
    assert again.returncode == 0, again.stderr
    assert total(atlas) == NEW_TOTAL
    # The killed run's temporary database was removed by the next run.
    assert leftovers(atlas.parent) == []


def _wait_for(predicate, what: str) -> None:
    for _ in range(600):
        if predicate():
            return
        time.sleep(0.1)
    raise AssertionError(f"timed out waiting for {what}")


@pytest.mark.fault
def test_two_builds_at_once_one_wins_the_other_says_so(atlas, tmp_path) -> None:
    go = tmp_path / "go"
    first = subprocess.Popen(
        [sys.executable, "-c", INJECT, "pipeline.build.sqlfiles:run_sql_tests", "wait", str(go)],
        cwd=paths.ROOT,
        env=env_for(atlas),
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert first.stdout is not None
        assert first.stdout.readline() == "waiting\n"  # holds the build lock, mid-build
        second = run_db(atlas)
        assert second.returncode == 1
        assert f"error: another build of {atlas} is running" in second.stderr
        assert total(atlas) == OLD_TOTAL
    finally:
        go.touch()
        _, err = first.communicate(timeout=180)
    assert first.returncode == 0, err
    assert total(atlas) == NEW_TOTAL
    assert leftovers(atlas.parent) == []
    assert run_db(atlas).returncode == 0


HOLD = r"""
import sys, duckdb
con = duckdb.connect(sys.argv[1], read_only=sys.argv[2] == "ro")
if sys.argv[2] == "rw":
    con.execute("create table notes as select 1 as x")
print(con.execute("select sum(amount) from core__tallies where source_id = 'csv'").fetchone()[0],
      flush=True)
sys.stdin.readline()
print(con.execute("select sum(amount) from core__tallies where source_id = 'csv'").fetchone()[0],
      flush=True)
con.close()
"""


def _holder(db: Path, mode: str) -> subprocess.Popen[str]:
    return subprocess.Popen(
        [sys.executable, "-c", HOLD, str(db), mode],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )


@pytest.mark.fault
def test_a_read_only_connection_keeps_its_view_while_the_build_replaces_the_file(atlas) -> None:
    holder = _holder(atlas, "ro")
    assert holder.stdout is not None and holder.stdin is not None
    assert float(holder.stdout.readline()) == OLD_TOTAL
    done = run_db(atlas)
    assert done.returncode == 0, done.stderr
    out, err = holder.communicate("\n", timeout=60)
    assert holder.returncode == 0, err
    assert float(out) == OLD_TOTAL  # the reader kept reading the file it opened
    assert total(atlas) == NEW_TOTAL


@pytest.mark.fault
def test_a_read_write_connection_makes_the_build_refuse_with_a_message(atlas) -> None:
    holder = _holder(atlas, "rw")
    assert holder.stdout is not None
    assert float(holder.stdout.readline()) == OLD_TOTAL
    try:
        done = run_db(atlas)
        assert done.returncode == 1
        assert f"{atlas} is open for writing in another program" in done.stderr
        assert "the previous database, if any, was left as it was" in done.stderr
    finally:
        out, err = holder.communicate("\n", timeout=60)
    assert holder.returncode == 0, err  # the writer's own work went on undisturbed
    assert float(out) == OLD_TOTAL
    assert run_db(atlas).returncode == 0
    assert total(atlas) == NEW_TOTAL


def _limit_file_size() -> None:
    import resource

    # Smaller than any database the build writes: every write past it fails (EFBIG), as on a
    # full disk. Python ignores SIGXFSZ, so the write fails instead of killing the process.
    resource.setrlimit(resource.RLIMIT_FSIZE, (256 * 1024, 256 * 1024))


@pytest.mark.fault
def test_a_full_disk_leaves_the_previous_database_and_says_why(atlas) -> None:
    before = sha(atlas)
    done = run_db(atlas, preexec_fn=_limit_file_size)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert done.stderr.startswith(f"error: could not write the new database beside {atlas}")
    assert "File too large" in done.stderr
    assert sha(atlas) == before
    assert leftovers(atlas.parent) == []
    assert run_db(atlas).returncode == 0
    assert total(atlas) == NEW_TOTAL


KILLED_WRITER = r"""
import os, signal, sys, duckdb
con = duckdb.connect(sys.argv[1])
con.execute("create table scratch as select range as x from range(1000)")
os.kill(os.getpid(), signal.SIGKILL)
"""


@pytest.mark.fault
@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
def test_a_stale_wal_is_removed_with_the_old_file_and_maps_and_queries_work(atlas) -> None:
    """Before, `make db` reported success and every later open failed ("WAL does not match")."""
    subprocess.run([sys.executable, "-c", KILLED_WRITER, str(atlas)], timeout=60)
    wal = atlas.with_name("atlas.duckdb.wal")
    assert wal.exists()

    def make(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            ["make", "-s", *args],
            cwd=paths.ROOT,
            env=env_for(atlas),
            capture_output=True,
            text=True,
            timeout=300,
        )

    built = make("db")
    assert built.returncode == 0, built.stderr
    assert f"removed {wal}" in built.stderr
    assert not wal.exists()
    query = make(
        "query", "Q=select sum(amount) as total from core__tallies where source_id = 'csv'"
    )
    assert query.returncode == 0, query.stderr
    assert query.stdout.splitlines()[2].strip() == f"{NEW_TOTAL:g}"
    maps = make("maps")
    assert maps.returncode == 0, maps.stderr
    assert (atlas.parent.parent / "maps" / "flows.html").stat().st_size > 10_000


@pytest.mark.fault
def test_temporary_files_of_killed_runs_are_removed_and_live_ones_kept(atlas) -> None:
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    dead = int(ended.stdout)
    live = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(120)"])
    try:
        folder = atlas.parent
        stale = [
            folder / f"atlas.duckdb.tmp-{dead}",
            folder / f"atlas.duckdb.tmp-{dead}.wal",
            folder / f"flows.html.tmp-{dead}-0a1b2c3d",
        ]
        running = folder / f"atlas.duckdb.tmp-{live.pid}"
        # staged Parquet half written by a killed build, deep in the staging tree
        staged = atlas.parent.parent / "staging" / "csv_rows" / "source_id=csv" / "year=2019"
        staged.mkdir(parents=True)
        stale_staged = staged / f".tmp-{dead}-0a1b2c3d.parquet"
        running_staged = staged / f".tmp-{live.pid}-0a1b2c3d.parquet"
        for path in [*stale, running, stale_staged, running_staged]:
            path.write_bytes(b"partial")
        assert run_db(atlas).returncode == 0
        assert leftovers(folder) == [running.name]
        assert not stale_staged.exists() and running_staged.exists()
    finally:
        live.kill()
        live.wait()


def _edit_manifest(atlas: Path, day: str, edit) -> Path:
    manifest = atlas.parent.parent / "raw" / "csv" / day / "manifest.json"
    document = json.loads(manifest.read_text(encoding="utf-8"))
    edit(document)
    manifest.write_text(json.dumps(document, indent=2), encoding="utf-8")
    return manifest


def _older_first(document: dict) -> None:
    # the older version's place in the order of imports raised above the newer one's (2)
    document["entries"][0]["seq"] = 99


@pytest.mark.fault
def test_a_hand_edited_seq_is_refused_not_obeyed(atlas) -> None:
    """Before, the older version became "the newest import" and its figures came back, with
    nothing said."""
    manifest = _edit_manifest(atlas, "2026-01-01", _older_first)
    done = run_db(atlas)
    assert done.returncode == 0, done.stderr
    assert total(atlas) == NEW_TOTAL
    assert "raw files of csv: 1 loaded, 1 quarantined" in done.stdout
    assert (
        f"  quarantined {manifest.parent / 'flows.csv'}: {manifest}: edited by hand or damaged: "
        "its checksum does not match its entries"
    ) in done.stdout


@pytest.mark.fault
def test_a_manifest_stripped_of_its_checksum_is_refused_too(atlas) -> None:
    def strip_and_edit(document: dict) -> None:
        del document["checksum"]
        _older_first(document)

    manifest = _edit_manifest(atlas, "2026-01-01", strip_and_edit)
    done = run_db(atlas)
    assert done.returncode == 0, done.stderr
    assert total(atlas) == NEW_TOTAL
    assert (
        f"{manifest}: no checksum, while the other manifests of this source have one: it was "
        "edited or written by hand"
    ) in done.stdout
