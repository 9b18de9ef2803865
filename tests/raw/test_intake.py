"""`make fetch FROM=…` refuses what is not a regular file and what is too big, also once
decompressed, before anything reaches data/raw; never a traceback, never a hang."""

from __future__ import annotations

import dataclasses
import gzip
import os
import socket
import subprocess
import sys
import time
import tracemalloc
import zipfile
from pathlib import Path

import pytest

from pipeline.commands.fetch import run_fetch
from pipeline.raw.manifest import load_manifest
from pipeline.raw.store import RawStore
from pipeline.raw.versions import RawRules
from pipeline.sources import fetchable, open_store
from pipeline.util import paths

GOOD_CSV = b"buyer_country,seller_country,count,year\nUSA,IND,3,2019\n"
MB = 1024 * 1024


@pytest.fixture()
def raw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "raw"
    monkeypatch.setenv("ATLAS_RAW", str(root))
    return root


def set_bound(monkeypatch: pytest.MonkeyPatch, source: str, mb: int) -> None:
    """A smaller size bound for one source, as its YAML's max_mb would set it."""
    spec = fetchable()[source]
    smaller = dataclasses.replace(spec, meta=dataclasses.replace(spec.meta, max_mb=mb))
    monkeypatch.setitem(fetchable(), source, smaller)


def refused(source: str, path: Path, capsys: pytest.CaptureFixture[str]) -> str:
    lines: list[str] = []
    assert run_fetch(source, path, None, out=lines.append) == 1
    err = capsys.readouterr().err
    assert "Traceback" not in err
    return err


def nothing_stored(raw: Path) -> bool:
    return not raw.exists() or not [p for p in raw.rglob("*") if p.is_file()]


def fetch_in_subprocess(
    tmp_path: Path, source: str, from_path: Path
) -> subprocess.CompletedProcess:
    """A run that could block (a named pipe) runs apart, with a time limit."""
    env = {**os.environ, "ATLAS_RAW": str(tmp_path / "raw"), "SOURCE": source}
    env["FROM"] = str(from_path)
    return subprocess.run(
        [sys.executable, "-m", "pipeline", "fetch"],
        cwd=paths.ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )


@pytest.mark.bad_input
def test_dev_null_is_refused_with_a_message(raw, capsys) -> None:
    err = refused("csv", Path("/dev/null"), capsys)
    assert err == "error: /dev/null is a character device, not a regular file: refused\n"
    assert nothing_stored(raw)


@pytest.mark.bad_input
def test_a_link_to_dev_zero_is_resolved_and_refused(tmp_path, raw, capsys) -> None:
    link = tmp_path / "flows.csv"
    link.symlink_to("/dev/zero")
    err = refused("csv", link, capsys)
    assert f"{link} (a link to /dev/zero) is a character device, not a regular file: refused" in err
    assert nothing_stored(raw)


@pytest.mark.bad_input
def test_a_named_pipe_is_refused_without_blocking(tmp_path) -> None:
    fifo = tmp_path / "olm_network_data_2015.csv"
    os.mkfifo(fifo)
    done = fetch_in_subprocess(tmp_path, "remotework", fifo)
    assert done.returncode == 1
    assert done.stderr == f"error: {fifo} is a named pipe, not a regular file: refused\n"
    assert nothing_stored(tmp_path / "raw")


@pytest.mark.bad_input
def test_a_socket_is_refused(tmp_path, raw, capsys) -> None:
    path = tmp_path / "s.csv"
    server = socket.socket(socket.AF_UNIX)
    try:
        server.bind(str(path))
        assert "is a socket, not a regular file: refused" in refused("csv", path, capsys)
    finally:
        server.close()
    assert nothing_stored(raw)


@pytest.mark.bad_input
def test_special_files_in_a_folder_are_skipped_and_the_rest_imported(tmp_path) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    os.mkfifo(folder / "olm_network_data_2013.csv")
    (folder / "olm_network_data_2014.csv").symlink_to("/dev/zero")
    good = folder / "olm_network_data_2015.csv"
    good.write_bytes(
        (Path(__file__).parents[1] / "fixtures/remotework/handmade_network_2015.csv").read_bytes()
    )
    done = fetch_in_subprocess(tmp_path, "remotework", folder)
    assert done.returncode == 0, done.stderr
    stored = open_store("remotework", tmp_path / "raw").loaded_files()
    assert [p.name for p in stored] == [good.name]
    # each refused file is named, with why
    assert f"{folder}/olm_network_data_2013.csv is a named pipe" in done.stderr
    assert f"{folder}/olm_network_data_2014.csv is a character device" in done.stderr
    assert "Traceback" not in done.stderr


def test_a_link_to_a_file_is_followed_and_the_target_stored(tmp_path, raw) -> None:
    target = tmp_path / "real" / "my table.csv"
    target.parent.mkdir()
    target.write_bytes(GOOD_CSV)
    link = tmp_path / "flows.csv"
    link.symlink_to(target)
    assert run_fetch("csv", link, None, out=lambda _: None) == 0
    [stored] = open_store("csv", raw).loaded_files()
    assert stored.read_bytes() == GOOD_CSV
    [entry] = load_manifest(stored.parent)
    assert entry["original_path"] == str(target)


@pytest.mark.bad_input
def test_a_file_over_the_bound_is_refused_not_copied(tmp_path, raw, capsys, monkeypatch) -> None:
    set_bound(monkeypatch, "csv", 1)
    big = tmp_path / "flows.csv"
    big.write_bytes(GOOD_CSV + b"USA,IND,3,2019\n" * 80_000)
    err = refused("csv", big, capsys)
    assert err == (
        f"error: {big} is 1 MB, over the bound of 1 MB for one file of this source: "
        "refused, nothing copied\n"
    )
    assert nothing_stored(raw)


@pytest.mark.bad_input
def test_a_gzip_bomb_is_refused_in_bounded_memory_before_any_copy(tmp_path, raw, capsys) -> None:
    """600 MB of zeros in 0.6 MB (600 gzip members), against the source's real bound of 500 MB.
    Before, the bomb was copied into data/raw and every build spent minutes and gigabytes on
    it."""
    member = gzip.compress(b"\0" * MB, compresslevel=9)
    bomb = tmp_path / "olm_network_data_2015.csv.gz"
    bomb.write_bytes(member * 600)
    bound = open_store("remotework", raw).max_bytes // MB
    assert bound == 500  # from its YAML
    tracemalloc.start()
    started = time.monotonic()
    try:
        err = refused("remotework", bomb, capsys)
        elapsed = time.monotonic() - started
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert err == (
        f"error: {bomb} expands past {bound} MB once decompressed: refused, nothing copied\n"
    )
    assert nothing_stored(raw)
    assert peak < 32 * MB, f"peak {peak / MB:.0f} MB"
    # Not a benchmark: a guard against reading the whole bomb (minutes before the bound).
    assert elapsed < 120


@pytest.mark.bad_input
def test_a_zip_bomb_is_refused_before_any_copy(tmp_path, raw, capsys, monkeypatch) -> None:
    set_bound(monkeypatch, "remotework", 8)
    bomb = tmp_path / "olm_network_data_2015.zip"
    with (
        zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive,
        archive.open("olm_network_data_2015.csv", "w", force_zip64=True) as member,
    ):
        for _ in range(16):
            member.write(b"\0" * MB)
    assert bomb.stat().st_size < MB
    err = refused("remotework", bomb, capsys)
    assert "declares 16 MB once decompressed, over the bound of 8 MB: refused" in err
    assert nothing_stored(raw)


@pytest.mark.bad_input
def test_several_zip_members_count_together(tmp_path, raw, capsys, monkeypatch) -> None:
    set_bound(monkeypatch, "remotework", 8)
    bomb = tmp_path / "olm_network_data_2015.zip"
    with zipfile.ZipFile(bomb, "w", zipfile.ZIP_DEFLATED, compresslevel=1) as archive:
        for n in range(3):
            archive.writestr(f"part{n}.csv", b"\0" * (3 * MB))
    assert "declares 9 MB once decompressed" in refused("remotework", bomb, capsys)


@pytest.mark.bad_input
def test_a_damaged_gzip_is_refused(tmp_path, raw, capsys) -> None:
    broken = tmp_path / "olm_network_data_2015.csv.gz"
    broken.write_bytes(gzip.compress(GOOD_CSV * 100)[:-30])
    assert "is a damaged archive" in refused("remotework", broken, capsys)
    assert nothing_stored(raw)


@pytest.mark.bad_input
def test_a_missing_path_gets_a_message(tmp_path, raw, capsys) -> None:
    assert (
        refused("csv", tmp_path / "nope.csv", capsys)
        == f"error: {tmp_path}/nope.csv does not exist\n"
    )


def test_a_large_file_is_copied_in_bounded_memory(tmp_path, raw) -> None:
    big = tmp_path / "flows.csv.gz"
    with gzip.open(big, "wb", compresslevel=1) as handle:
        for _ in range(48):
            handle.write(GOOD_CSV * (MB // len(GOOD_CSV)))
    store = RawStore("csv", raw, rules=RawRules(max_bytes=64 * MB))
    tracemalloc.start()
    try:
        stored = store.save_file(big)
        peak = tracemalloc.get_traced_memory()[1]
    finally:
        tracemalloc.stop()
    assert stored.read_bytes() == big.read_bytes()
    assert peak < 8 * MB, f"peak {peak / MB:.1f} MB"
