"""Faults injected into `python -m pipeline db`: kill -9 at each stage, two builds at once,
connections held open by other programs, a full disk, a stale WAL, leftovers of killed runs.
The previous database always survives intact and the next run succeeds."""

from __future__ import annotations

import contextlib
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
from loopback import Reply

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
        # STAMP= : the installed environment is used as it is, never reinstalled by a test
        return subprocess.run(
            ["make", "-s", "STAMP=", *args],
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


def _damage(staging: Path, how: str) -> Path:
    """Damage one staged Parquet file of the csv source (or its ``_files`` record) as a full
    disk, a copy gone wrong or a hand edit would; the path damaged."""
    if how == "record cut":
        (record,) = (staging / "_files" / "csv").glob("*.json")
        record.write_text(record.read_text()[:40])
        return record
    (staged,) = (staging / "csv_rows").rglob("*.parquet")
    data = staged.read_bytes()
    if how == "cut":
        staged.write_bytes(data[: len(data) // 2])
    elif how == "emptied":
        staged.write_bytes(b"")
    elif how == "bytes changed":
        # same size, one byte in the middle flipped: only the sha256 tells
        middle = len(data) // 2
        staged.write_bytes(data[:middle] + bytes([data[middle] ^ 0xFF]) + data[middle + 1 :])
    elif how == "removed":
        staged.unlink()
    return staged


@pytest.mark.fault
@pytest.mark.parametrize("how", ["cut", "emptied", "bytes changed", "removed", "record cut"])
def test_damaged_staging_is_parsed_again_from_raw_and_says_so(atlas, how) -> None:
    """Before, a cut or emptied staged file was reused and every build failed with a DuckDB
    traceback until data/staging was deleted by hand."""
    first = run_db(atlas)
    assert first.returncode == 0, first.stderr
    damaged = _damage(atlas.parent.parent / "staging", how)
    healed = run_db(atlas)
    assert healed.returncode == 0, healed.stderr
    assert "Traceback" not in healed.stderr
    assert "flows.csv: staged rows not reused" in healed.stdout
    assert f"parsed again from {atlas.parent.parent / 'raw'}" in healed.stdout
    if how != "record cut":
        assert str(damaged) in healed.stdout
    # records in = loaded: the two rows of the current version, once
    assert "csv: 2 records read, 2 loaded, 0 rejected" in healed.stdout
    assert total(atlas) == NEW_TOTAL
    again = run_db(atlas)
    assert again.returncode == 0, again.stderr
    assert "not reused" not in again.stdout
    assert "unchanged since the last build" in again.stdout
    assert total(atlas) == NEW_TOTAL


# -- a server that answers a byte at a time ------------------------------------------------


def _slow_save(server, clock, tmp_path: Path, reply, deadline: float):
    from loopback import session

    from pipeline.raw.store import RawStore
    from pipeline.sources import spec_for
    from pipeline.sources.contract import SourceContext

    url = server.route("/page.json", reply)
    store = RawStore("slow", root=tmp_path / "raw")
    ctx = SourceContext(store, spec_for("remotework").meta, None, None, tmp_path)
    ctx.__dict__["session"] = session(clock, deadline=deadline, max_retries=0)
    started = time.monotonic()
    with pytest.raises(Exception) as info:
        ctx.save(url, "page.json", expect="json")
    return info.value, time.monotonic() - started, store


@pytest.mark.fault
@pytest.mark.parametrize("part", ["body", "all"])
def test_a_server_sending_a_byte_at_a_time_is_cut_off_at_the_deadline(
    server, clock, tmp_path, part
) -> None:
    """Before, a page sent one byte at a time (each within the read timeout) was held for as
    long as the server liked: 90 s in the campaign, for ever in principle."""
    from pipeline.collect.errors import DeadlineExceeded

    # 2,000 bytes 0.02 s apart would take 40 s; the read timeout (5 s) never fires
    reply = Reply(body=b'{"a": "' + b"x" * 2000 + b'"}', trickle=0.02, trickle_from=part)
    error, seconds, store = _slow_save(server, clock, tmp_path, reply, deadline=1.0)
    assert isinstance(error, DeadlineExceeded)
    assert "took longer than 1 s, the deadline for one answer (ATLAS_HTTP_DEADLINE" in str(error)
    assert 1.0 <= seconds < 4.0
    assert not store.folder.exists() or sorted(p.name for p in store.folder.iterdir()) == []


@pytest.mark.fault
def test_the_deadline_is_read_from_the_environment_and_checked(monkeypatch) -> None:
    from pipeline.collect import http as H
    from pipeline.collect.errors import HttpError

    monkeypatch.setenv("ATLAS_HTTP_DEADLINE", "2.5")
    assert H.PoliteSession()._deadline.seconds == 2.5
    monkeypatch.delenv("ATLAS_HTTP_DEADLINE")
    assert H.PoliteSession()._deadline.seconds == 300
    for bad in ("soon", "0", "-5", "inf", "nan"):
        monkeypatch.setenv("ATLAS_HTTP_DEADLINE", bad)
        with pytest.raises(HttpError, match="ATLAS_HTTP_DEADLINE must be a number of seconds"):
            H.PoliteSession()


# -- a server that echoes the token --------------------------------------------------------


@pytest.mark.fault
def test_a_token_echoed_by_the_server_is_kept_out_of_pages_and_messages(
    server, tmp_path, monkeypatch, capsys
) -> None:
    """Before, a token the server quoted back reached stderr and the stored raw page."""
    import dataclasses
    import json

    from pipeline.commands import fetch as fetch_command
    from pipeline.raw.manifest import load_manifest
    from pipeline.sources import spec_for

    token = "tok-SECRET-8812-abcdef"
    monkeypatch.setenv("FREELANCER_TOKEN", token)
    for name, folder in (("RAW", "raw"), ("STAGING", "staging"), ("STATE", "state")):
        monkeypatch.setenv(f"ATLAS_{name}", str(tmp_path / folder))
    owner = {"11": {"id": 11, "location": {"country": {"code": "us"}}}}
    project = {"id": 1, "owner_id": 11, "time_submitted": 1763500000}
    # the token in the page, split by the server's chunks or not, and in the error it sends
    page = {
        "status": "success",
        "result": {"projects": [project], "users": owner, "total_count": 1},
        "request": {"token": token, "header": f"Freelancer-OAuth-V1: {token}"},
    }
    refusal = {"status": "error", "message": f"token {token} may not read bids"}
    server.handle(
        "/api/projects/0.1/projects/all/", lambda *_: Reply(body=json.dumps(page).encode())
    )
    server.handle("/api/projects/0.1/bids/", lambda *_: Reply(body=json.dumps(refusal).encode()))
    spec = spec_for("freelancer")
    meta = dataclasses.replace(
        spec.meta, options={**spec.meta.options, "base_url": server.base + "/api"}
    )
    monkeypatch.setattr(fetch_command, "spec_for", lambda _: dataclasses.replace(spec, meta=meta))

    lines: list[str] = []
    assert fetch_command.run_fetch("freelancer", None, 1, out=lines.append) == 1
    assert all(token in h["Freelancer-OAuth-V1"] for p, h in server.hits if "/api/" in p)
    err = capsys.readouterr().err
    assert "the bids answer is not a success: 'token *** may not read bids'" in err
    assert token not in err + "".join(lines)
    (stored,) = (tmp_path / "raw" / "freelancer").rglob("projects_*.json")
    body = json.loads(stored.read_bytes())
    assert body["request"] == {"token": "***", "header": "Freelancer-OAuth-V1: ***"}
    assert body["result"]["projects"] == [project]  # the rest of the page is as sent
    (entry,) = load_manifest(stored.parent)
    assert entry["redacted"] is True
    everything = b"".join(p.read_bytes() for p in tmp_path.rglob("*") if p.is_file())
    assert token.encode() not in everything


def test_a_body_redactor_finds_a_secret_split_across_any_chunks() -> None:
    from pipeline.collect.redact import BodyRedactor

    secret = "s3cr3t-token-99"
    body = f"a{secret}bb{secret}{secret}c%s" % "tail"
    for size in range(1, len(body) + 1):
        redactor = BodyRedactor([secret])
        pieces = [body[i : i + size].encode() for i in range(0, len(body), size)]
        out = b"".join(redactor.feed(p) for p in pieces) + redactor.flush()
        assert out == b"a***bb******ctail", size
        assert redactor.replaced == 3


# -- the install ---------------------------------------------------------------------------

# Stand-ins for python3 and for the venv's python, so that the Makefile's install logic runs in a
# copy of the Makefile with no network and no real install; each call is logged.
FAKE_VENV_PYTHON = r"""#!/bin/sh
here=$(dirname "$0")/..
echo "venv-python $*" >> "$LOG"
case "$*" in
  "-I -c "*) test -e "$here/installed" ;;
  "-m pip install --quiet --upgrade pip")
    test -e "$here/pip" || { echo "No module named pip" >&2; exit 1; } ;;
  "-m pip install --progress-bar off -e .[test]") touch "$here/installed" ;;
  # the install's progress filter: passes pip's lines through
  *install_progress.py) cat ;;
  *) exit 0 ;;
esac
"""
FAKE_PYTHON = r"""#!/bin/sh
echo "python $*" >> "$LOG"
if [ "$1 $2" = "-m venv" ]; then
  mkdir -p "$3/bin" && cp "$FAKE_VENV_PYTHON" "$3/bin/python" && touch "$3/pip"
fi
"""


def _project_copy(tmp_path: Path) -> tuple[Path, dict[str, str]]:
    project = tmp_path / "project"
    project.mkdir()
    shutil.copy(paths.ROOT / "Makefile", project)
    (project / "pyproject.toml").write_text("[project]\nname = 'x'\n")
    for name, text in (("python3", FAKE_PYTHON), ("venv-python", FAKE_VENV_PYTHON)):
        (tmp_path / name).write_text(text)
        (tmp_path / name).chmod(0o755)
    env = {
        **os.environ,
        "LOG": str(tmp_path / "calls.log"),
        "FAKE_VENV_PYTHON": str(tmp_path / "venv-python"),
    }
    return project, env


def _make(project: Path, env: dict[str, str], *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        ["make", "-s", f"PYTHON={project.parent / 'python3'}", *args],
        cwd=project,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


def _half_installed(project: Path, env: dict[str, str], stamp: bool) -> None:
    """A .venv as a killed install leaves it: python there, no pip, nothing installed."""
    (project / ".venv" / "bin").mkdir(parents=True)
    shutil.copy(env["FAKE_VENV_PYTHON"], project / ".venv" / "bin" / "python")
    (project / ".venv" / "left-by-the-killed-install").touch()
    if stamp:
        (project / ".venv" / ".installed").touch()


@pytest.mark.fault
@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
@pytest.mark.parametrize("stamp", [False, True], ids=["killed before pip", "stamp left behind"])
def test_an_install_killed_half_way_is_noticed_and_done_again(tmp_path, stamp) -> None:
    """Before, `make maps` and `make test` failed with "No module named pip" for good, and
    `make clean` did not help."""
    project, env = _project_copy(tmp_path)
    _half_installed(project, env, stamp)
    done = _make(project, env, "install")
    assert done.returncode == 0, done.stdout + done.stderr
    assert ".venv is incomplete (an install stopped half-way?): creating it again" in done.stdout
    assert "No module named pip" not in done.stderr
    assert not (project / ".venv" / "left-by-the-killed-install").exists()
    assert (project / ".venv" / "installed").exists() and (
        project / ".venv" / ".installed"
    ).exists()
    calls = (tmp_path / "calls.log").read_text().splitlines()
    assert "python -m venv .venv" in calls
    assert "venv-python -m pip install --progress-bar off -e .[test]" in calls
    # whole now: the next run installs nothing
    (tmp_path / "calls.log").unlink()
    again = _make(project, env, "install")
    assert again.returncode == 0 and "creating it again" not in again.stdout
    assert "-m venv" not in (tmp_path / "calls.log").read_text()
    assert "pip install" not in (tmp_path / "calls.log").read_text()


@pytest.mark.fault
@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
def test_distclean_removes_everything_generated_and_keeps_the_data(tmp_path) -> None:
    project, env = _project_copy(tmp_path)
    generated = [
        "data/atlas.duckdb",
        "data/staging/_files/csv/x.json",
        "data/spark/out/x.parquet",
        "maps/flows.html",
        ".venv/bin/python",
        "node_modules/typescript/package.json",
        ".mypy_cache/x",
        ".ruff_cache/x",
        "microwork_atlas.egg-info/PKG-INFO",
        "pipeline/__pycache__/cli.cpython-311.pyc",
    ]
    kept = [
        "maps/README.md",
        "data/raw/csv/2026-01-01/flows.csv",
        "data/raw/csv/2026-01-01/manifest.json",
        "data/state/freelancer.json",
        "data/reference/countries.csv",
        "data/curated/rankings.csv",
        "pipeline/cli.py",
    ]
    for name in generated + kept:
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text("x")
    done = _make(project, env, "distclean")
    assert done.returncode == 0, done.stderr
    assert [n for n in generated if (project / n).exists()] == []
    assert [n for n in kept if not (project / n).exists()] == []
    assert not (project / ".venv").exists() and not (project / "node_modules").exists()
    assert "data/raw" in _make(project, env, "help").stdout  # help says what it keeps


# -- the machine says no: read-only folders, a full disk, damaged files --------------------


@contextlib.contextmanager
def _unwritable(folder: Path):
    """``folder`` and everything in it made unwritable for this process: by its mode bits, and
    as root (whom mode bits do not stop) by the immutable attribute."""
    as_root = os.geteuid() == 0
    if as_root:
        if shutil.which("chattr") is None:
            pytest.skip("running as root without chattr: a folder cannot be made read-only")
        made = subprocess.run(["chattr", "-R", "+i", str(folder)], capture_output=True)
        if made.returncode != 0:
            pytest.skip(f"chattr +i is not supported here: {made.stderr!r}")
    else:
        subprocess.run(["chmod", "-R", "a-w", str(folder)], check=True)
    try:
        yield
    finally:
        undo = ["chattr", "-R", "-i"] if as_root else ["chmod", "-R", "u+w"]
        subprocess.run([*undo, str(folder)], check=True)


def run_cli(db: Path, *args: str, **kwargs) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "pipeline", *args],
        cwd=paths.ROOT,
        env={**env_for(db), **kwargs.pop("env", {})},
        capture_output=True,
        text=True,
        timeout=180,
        **kwargs,
    )


def _user_file(tmp_path: Path, rows: int = 3) -> Path:
    path = tmp_path / "given" / "more_flows.csv"
    path.parent.mkdir(parents=True, exist_ok=True)
    # a pair the template's table does not give: its rows add to the total
    body = "".join(f"FRA,MAR,{n},{2000 + n % 20}\n" for n in range(1, rows + 1))
    path.write_text(HEADER + body)
    return path


def _manifests(raw: Path) -> dict[str, bytes]:
    return {str(p): p.read_bytes() for p in sorted(raw.rglob("*")) if p.is_file()}


@pytest.mark.fault
def test_a_read_only_raw_store_is_named_with_the_fix(atlas, tmp_path) -> None:
    raw = atlas.parent.parent / "raw"
    before = _manifests(raw)
    with _unwritable(raw):
        done = run_cli(atlas, "fetch", "csv", "--from", str(_user_file(tmp_path)))
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "error: cannot write more_flows.csv into " in done.stderr
    assert f"make {raw}/csv/" in done.stderr and "writable" in done.stderr
    assert "or set ATLAS_RAW to a folder that can be; nothing was stored" in done.stderr
    assert _manifests(raw) == before


@pytest.mark.fault
def test_a_full_disk_during_a_fetch_stores_nothing_half_written(atlas, tmp_path) -> None:
    raw = atlas.parent.parent / "raw"
    before = _manifests(raw)
    big = _user_file(tmp_path, rows=40_000)  # about 0.7 MB, past the 256 KB limit
    done = run_cli(atlas, "fetch", "csv", "--from", str(big), preexec_fn=_limit_file_size)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "error: cannot write more_flows.csv into " in done.stderr
    assert "File too large: free some space on that disk" in done.stderr
    assert _manifests(raw) == before  # no part of the file, no temporary file left
    assert run_cli(atlas, "fetch", "csv", "--from", str(big)).returncode == 0


@pytest.mark.fault
def test_a_read_only_staging_folder_is_named_with_the_fix(atlas, tmp_path) -> None:
    staging = atlas.parent.parent / "staging"
    assert run_db(atlas).returncode == 0  # the staging folder exists, then cannot be written
    before = sha(atlas)
    with _unwritable(staging):
        fetched = run_cli(atlas, "fetch", "csv", "--from", str(_user_file(tmp_path)))
        built = run_db(atlas)
    for done in (fetched, built):
        assert done.returncode == 1
        assert "Traceback" not in done.stderr
        assert f"cannot write the staged rows of more_flows.csv into {staging}" in done.stderr
        assert "or set ATLAS_STAGING to a folder that can be" in done.stderr
        assert "could not write the new database" not in done.stderr  # not the reason
    assert "the files are stored in the raw store" in fetched.stderr
    assert "the previous database, if any, was left as it was" in built.stderr
    assert sha(atlas) == before
    again = run_db(atlas)
    assert again.returncode == 0, again.stderr
    assert total(atlas) == NEW_TOTAL + 1 + 2 + 3


@pytest.mark.fault
def test_a_full_disk_while_writing_the_maps_says_so(atlas) -> None:
    # the maps drawn from the database as it is: the full disk is met by the maps, not the build
    done = run_cli(atlas, "maps", "--no-build", preexec_fn=_limit_file_size)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"error: cannot write the maps into {atlas.parent.parent / 'maps'}" in done.stderr
    assert "File too large: free some space" in done.stderr
    assert run_cli(atlas, "maps", "--no-build").returncode == 0


@pytest.mark.fault
@pytest.mark.parametrize("damage", ["cut", "not a database"])
# `maps` alone builds a new database first; --no-build reads the damaged one
@pytest.mark.parametrize("command", [["maps", "--no-build"], ["query", "select 1"]])
def test_a_damaged_database_is_named_with_the_fix(atlas, damage, command) -> None:
    data = atlas.read_bytes()
    atlas.write_bytes(data[:5000] if damage == "cut" else b"hello\n" * 100)
    done = run_cli(atlas, *command)
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"error: {atlas} cannot be read as a DuckDB database" in done.stderr
    assert "build it again with `make db`" in done.stderr
    assert run_db(atlas).returncode == 0
    assert run_cli(atlas, *command).returncode == 0


@pytest.mark.fault
@pytest.mark.parametrize(
    "state", ['{"high_water": 17', "\xff\xfe", '["high_water"]', '{"high_water": "soon"}']
)
def test_a_damaged_freelancer_state_file_says_how_to_start_over(atlas, tmp_path, state) -> None:
    folder = tmp_path / "state"
    folder.mkdir()
    (folder / "freelancer.json").write_bytes(state.encode("latin-1"))
    done = run_cli(atlas, "fetch", "freelancer", env={"ATLAS_STATE": str(folder)})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"error: {folder / 'freelancer.json'} is " in done.stderr
    assert "move it away (or delete it) and the next fetch starts again" in done.stderr


@pytest.mark.fault
@pytest.mark.parametrize("limit", ["lots", "8", "GB"])
def test_a_bad_memory_limit_is_named_and_the_database_kept(atlas, limit) -> None:
    before = sha(atlas)
    done = run_cli(atlas, "db", env={"ATLAS_MEMORY_LIMIT": limit})
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert f"error: ATLAS_MEMORY_LIMIT={limit!r} is not a memory size DuckDB takes" in done.stderr
    assert "such as 8GB or 512MB" in done.stderr
    assert sha(atlas) == before


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
