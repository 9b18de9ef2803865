"""pipeline.util.atomic: a file is replaced whole or not at all; leftovers of dead processes go."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.build import swap
from pipeline.util import atomic, paths


@pytest.mark.fault
def test_a_failed_write_leaves_the_old_file_and_no_temporary(tmp_path: Path) -> None:
    target = tmp_path / "flows.html"
    target.write_text("old page")
    with pytest.raises(RuntimeError), atomic.atomic_file(target, "w") as handle:
        handle.write("<html>half a new pa")
        raise RuntimeError("the renderer failed")
    assert target.read_text() == "old page"
    assert [p.name for p in tmp_path.iterdir()] == ["flows.html"]
    atomic.write_text(target, "new page\n")
    atomic.write_bytes(tmp_path / "b.bin", b"\x00\xff")
    assert target.read_text() == "new page\n"
    assert (tmp_path / "b.bin").read_bytes() == b"\x00\xff"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["b.bin", "flows.html"]


FULL_DISK = r"""
import resource, sys
from pathlib import Path
from pipeline.util import atomic
resource.setrlimit(resource.RLIMIT_FSIZE, (64 * 1024, 64 * 1024))
try:
    atomic.write_bytes(Path(sys.argv[1]), b"<script>" + b"x" * 1024 * 1024 + b"</script>")
except OSError as err:
    print(err.strerror)
"""


@pytest.mark.fault
def test_a_full_disk_never_leaves_a_cut_file(tmp_path: Path) -> None:
    target = tmp_path / "flows.html"
    target.write_text("<html>the previous, whole page</html>")
    done = subprocess.run(
        [sys.executable, "-c", FULL_DISK, str(target)],
        cwd=paths.ROOT,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.stdout.strip() == "File too large", done.stderr
    assert target.read_text() == "<html>the previous, whole page</html>"
    assert [p.name for p in tmp_path.iterdir()] == ["flows.html"]


def test_clean_stale_removes_only_files_of_dead_processes(tmp_path: Path) -> None:
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    # another process, running while the files are cleaned: a build in progress elsewhere
    running = subprocess.Popen([sys.executable, "-c", "import time; time.sleep(60)"])
    try:
        dead, me, alive = int(ended.stdout), os.getpid(), running.pid
        names = [
            f"atlas.duckdb.tmp-{dead}",
            f"atlas.duckdb.tmp-{dead}.wal",
            f"part-0.parquet.tmp-{dead}-1f2e3d4c",
            f".tmp-{dead}-k2j3h4",
            f".tmp-{dead}-part-0.parquet",
            f"atlas.duckdb.tmp-{me}",
            f"atlas.duckdb.tmp-{alive}",
            f".tmp-{alive}-part-0.parquet",
            "atlas.duckdb",
            "notes.tmp-draft",
        ]
        for name in names:
            (tmp_path / name).write_bytes(b"x")
        removed = atomic.clean_stale(tmp_path)
        assert sorted(p.name for p in removed) == sorted(names[:5])
        assert sorted(p.name for p in tmp_path.iterdir()) == sorted(names[5:])
    finally:
        running.kill()
        running.wait()
    # once that process is gone, its files go too
    assert sorted(p.name for p in atomic.clean_stale(tmp_path)) == sorted(names[6:8])


def test_a_database_swap_refuses_a_second_build_and_cleans_up(tmp_path: Path) -> None:
    target = tmp_path / "atlas.duckdb"
    target.write_bytes(b"old database")
    first = swap.DatabaseSwap(target)
    with pytest.raises(swap.SwapError, match=r"another build of .* is running"):
        swap.DatabaseSwap(target)
    first.temp.write_bytes(b"new database")
    first.commit()
    assert target.read_bytes() == b"new database"
    assert [p.name for p in tmp_path.iterdir()] == ["atlas.duckdb"]
    with swap.DatabaseSwap(target) as second:
        second.temp.write_bytes(b"newer")
    assert target.read_bytes() == b"newer"
    with pytest.raises(ValueError), swap.DatabaseSwap(target) as third:
        third.temp.write_bytes(b"broken")
        raise ValueError("a SQL rule failed")
    assert target.read_bytes() == b"newer"
    assert [p.name for p in tmp_path.iterdir()] == ["atlas.duckdb"]


def test_clean_stale_can_walk_a_staging_tree(tmp_path: Path) -> None:
    ended = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    nested = tmp_path / "oli" / "abc123"
    nested.mkdir(parents=True)
    stale = nested / f".tmp-{int(ended.stdout)}-part-0.parquet"
    stale.write_bytes(b"x")
    assert atomic.clean_stale(tmp_path) == []
    assert atomic.clean_stale(tmp_path, recursive=True) == [stale]
    assert not stale.exists()
