"""Raw files have an identity and versions: a re-import never counts twice, a newer version
supersedes the older one (kept, not loaded), identical bytes are stored once, a file can be
retired, and every file is checked against its manifest before the build reads it."""

from __future__ import annotations

import datetime as dt
import json
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest
from conftest import OLI_FIXTURES
from ingest import core

from pipeline.build.run import build_database
from pipeline.cli import main
from pipeline.commands.fetch import run_fetch
from pipeline.raw.manifest import load_manifest
from pipeline.sources import open_store

HEADER = "buyer_country,seller_country,count,year\n"
RW14, RW15 = "olm_network_data_2014.csv", "olm_network_data_2015.csv"
ROWS = [("USA", "IND", 120.0), ("GBR", "PAK", 40.0), ("DEU", "UKR", 7.0), ("FRA", "MAR", 4.0)]


def flows_csv(path: Path, rows=ROWS, newline: str = "\n") -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    body = HEADER + "".join(f"{b},{s},{n:g},2019\n" for b, s, n in rows)
    path.write_bytes(body.replace("\n", newline).encode())
    return path


@pytest.fixture()
def raw(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    root = tmp_path / "raw"
    monkeypatch.setenv("ATLAS_RAW", str(root))
    return root


def fetch(source: str, path: Path) -> list[str]:
    lines: list[str] = []
    assert run_fetch(source, path, None, out=lines.append) == 0
    return lines


def csv_rows(tmp_path: Path, raw: Path) -> tuple[float, int, list[tuple]]:
    """(total count, rows, rejects) of the csv source in a fresh build."""
    report = build_database(tmp_path / "db" / "atlas.duckdb", raw_root=raw)
    con = duckdb.connect(str(report.db_path), read_only=True)
    try:
        total, n = con.execute(
            "select coalesce(sum(amount), 0), count(*) from core__tallies where source_id = 'csv'"
        ).fetchone()  # type: ignore[misc]
        rejects = con.execute(
            "select location, reason from core__rejects where source_id = 'csv' order by 1"
        ).fetchall()
    finally:
        con.close()
    return total, n, rejects


def statuses(source: str, raw: Path) -> list[tuple[str, str]]:
    return [(f"{e.day}/{e.path.name}", e.status) for e in open_store(source, raw).inventory()]


@pytest.mark.bad_input
def test_the_same_import_twice_is_stored_once_and_counted_once(tmp_path, raw) -> None:
    original = flows_csv(tmp_path / "in" / "flows.csv")
    fetch("csv", original)
    lines = fetch("csv", original)
    assert lines[0].startswith("csv: 0 new file(s) saved, 1 already present")
    [stored] = open_store("csv", raw).loaded_files()
    assert len(load_manifest(stored.parent)) == 1
    assert csv_rows(tmp_path, raw)[:2] == (120 + 40 + 7 + 4, 4)


@pytest.mark.bad_input
def test_identical_bytes_under_another_name_are_recognised(tmp_path, raw) -> None:
    first = flows_csv(tmp_path / "in" / "flows.csv")
    copy = flows_csv(tmp_path / "in" / "flows copy.csv")
    fetch("csv", first)
    lines = fetch("csv", copy)
    assert lines[0].startswith("csv: 0 new file(s) saved, 1 already present")
    assert [p.name for p in open_store("csv", raw).loaded_files()] == ["flows.csv"]
    assert csv_rows(tmp_path, raw)[:2] == (120 + 40 + 7 + 4, 4)


@pytest.mark.bad_input
def test_a_corrected_reimport_supersedes_the_first(tmp_path, raw) -> None:
    flows_csv(tmp_path / "in" / "flows.csv")
    fetch("csv", tmp_path / "in" / "flows.csv")
    corrected = [("USA", "IND", 12.0), *ROWS[1:]]  # one count fixed
    flows_csv(tmp_path / "in" / "flows.csv", corrected)
    lines = fetch("csv", tmp_path / "in" / "flows.csv")
    day = open_store("csv", raw).loaded_files()[0].parent.name
    assert statuses("csv", raw) == [
        (f"{day}/flows.1.csv", "loaded"),
        (f"{day}/flows.csv", "superseded"),
    ]
    assert f"  superseded {raw / 'csv' / day / 'flows.csv'}: superseded by {day}/flows.1.csv" in (
        lines
    )
    # The corrected file's totals, not the sum of both files.
    assert csv_rows(tmp_path, raw)[:2] == (12 + 40 + 7 + 4, 4)
    # The first version is kept byte for byte.
    assert (raw / "csv" / day / "flows.csv").read_text().splitlines()[1] == "USA,IND,120,2019"


@pytest.mark.bad_input
def test_the_same_table_saved_with_other_line_endings_counts_once(tmp_path, raw) -> None:
    fetch("csv", flows_csv(tmp_path / "in" / "flows.csv"))
    fetch("csv", flows_csv(tmp_path / "in2" / "flows.csv", newline="\r\n"))
    assert [s for _, s in statuses("csv", raw)] == ["loaded", "superseded"]
    assert csv_rows(tmp_path, raw)[:2] == (120 + 40 + 7 + 4, 4)


def test_versions_on_other_days_and_the_build_summary(tmp_path, raw, capsys) -> None:
    for day, count in (("2026-01-05", 1.0), ("2026-02-05", 2.0)):
        folder = tmp_path / day
        flows_csv(folder / "flows.csv", [("USA", "IND", count)])
        store = open_store("csv", raw, day=dt.date.fromisoformat(day))
        store.save_file(folder / "flows.csv")
    assert statuses("csv", raw) == [
        ("2026-01-05/flows.csv", "superseded"),
        ("2026-02-05/flows.csv", "loaded"),
    ]
    assert main(["db", "--db", str(tmp_path / "db" / "atlas.duckdb")]) == 0
    out = capsys.readouterr().out
    assert "raw files of csv: 1 loaded, 1 superseded" in out
    assert f"  loaded {raw / 'csv' / '2026-02-05' / 'flows.csv'}" in out
    assert f"  superseded {raw / 'csv' / '2026-01-05' / 'flows.csv'}: superseded by" in out
    assert csv_rows(tmp_path, raw)[:2] == (2.0, 1)


def _oli_employers(folder: Path, name: str, scale: int) -> Path:
    lines = (OLI_FIXTURES / "bcountrydata_2016-07-10.txt").read_text().splitlines()
    june = [line for line in lines[1:] if line.startswith("2016-06")]
    rows = [",".join([*r.split(",")[:-1], str(int(r.split(",")[-1]) * scale)]) for r in june]
    path = folder / name
    path.write_text("\n".join([lines[0], *rows]) + "\n")
    return path


@pytest.mark.bad_input
def test_a_reissued_oli_deposit_supersedes_the_older_one(tmp_path, raw) -> None:
    """Before: both deposits were loaded, employer shares added up to 200 % and a SQL rule
    stopped every build. The newer deposit (by the date in its name) wins, whatever the order
    of import."""
    folder = tmp_path / "oli"
    folder.mkdir()
    (folder / "worker_countrydata_2017-07-05.txt").write_bytes(
        (OLI_FIXTURES / "worker_countrydata_2017-07-05.txt").read_bytes()
    )
    newer = _oli_employers(folder, "bcountrydata_2024-01-10.txt", 3)
    fetch("oli", folder)
    (tmp_path / "old").mkdir()
    fetch("oli", _oli_employers(tmp_path / "old", "bcountrydata_2016-07-10.txt", 1))
    state = dict((name.split("/")[1], s) for name, s in statuses("oli", raw))
    assert state == {
        "bcountrydata_2016-07-10.txt": "superseded",
        "bcountrydata_2024-01-10.txt": "loaded",
        "worker_countrydata_2017-07-05.txt": "loaded",
    }
    report = build_database(tmp_path / "db" / "atlas.duckdb", raw_root=raw)
    con = duckdb.connect(str(report.db_path), read_only=True)
    shares = con.execute(
        "select round(sum(amount), 6), count(distinct location) from core__tallies "
        "where source_id = 'oli' and role = 'buyer' and measure = 'share_pct'"
    ).fetchone()
    projects = con.execute(
        "select sum(amount) from core__tallies where source_id = 'oli' and role = 'buyer' "
        "and measure = 'projects'"
    ).fetchone()
    con.close()
    assert shares == (100.0, 1)
    alone = core("oli", [newer], tmp_path / "newer only")
    expected = alone.execute(
        "select sum(amount) from core__tallies where role = 'buyer' and measure = 'projects'"
    ).fetchone()
    alone.close()
    assert expected is not None and expected[0] > 0
    assert projects == expected


def test_retire_sets_a_file_aside_and_restore_brings_it_back(tmp_path, raw, capsys) -> None:
    fetch("csv", flows_csv(tmp_path / "a" / "flows.csv"))
    fetch("csv", flows_csv(tmp_path / "b" / "flows.csv", [("USA", "IND", 1.0)]))
    [newest] = open_store("csv", raw).loaded_files()
    before = newest.read_bytes()
    item = next(e for e in open_store("csv", raw).inventory() if e.path == newest)
    # By id, as `make raw` shows it: the newest is set aside, the first version loads again.
    assert main(["raw", "--retire", item.id]) == 0
    assert f"retired {newest}: kept in data/raw" in capsys.readouterr().out
    assert [s for _, s in statuses("csv", raw)] == ["retired", "loaded"]
    assert newest.read_bytes() == before
    [record] = json.loads((raw / "csv" / "retired.json").read_text())["retired"]
    assert record["file"] == f"{newest.parent.name}/flows.1.csv"
    assert csv_rows(tmp_path, raw)[:2] == (120 + 40 + 7 + 4, 4)
    # By path; the listing shows the versions and their status.
    assert main(["raw", "--restore", str(newest)]) == 0
    assert [s for _, s in statuses("csv", raw)] == ["loaded", "superseded"]
    listing = capsys.readouterr().out.splitlines()
    assert listing[1].split()[:5] == ["id", "status", "identity", "version", "saved"]
    assert listing[2].split()[1:3] == ["loaded", "csv:flows.csv"]
    assert listing[3].split()[1:3] == ["superseded", "csv:flows.csv"]
    assert main(["raw", "--retire", "no-such-file"]) == 1
    assert "no raw file matches 'no-such-file'" in capsys.readouterr().err


# -- verification -------------------------------------------------------------------------


def _two_files(tmp_path: Path) -> tuple[Path, Path]:
    fetch("csv", flows_csv(tmp_path / "in" / "good.csv", [("USA", "IND", 10.0)]))
    fetch("csv", flows_csv(tmp_path / "in" / "flows.csv"))
    folder = open_store("csv", tmp_path / "raw").loaded_files()[0].parent
    return folder / "good.csv", folder / "flows.csv"


@pytest.mark.bad_input
def test_a_raw_file_truncated_at_a_line_is_quarantined_not_half_loaded(tmp_path, raw) -> None:
    _, flows = _two_files(tmp_path)
    text = flows.read_text()
    flows.write_text(text[: text.rindex("DEU")])  # the last two rows cut off at a line end
    total, n, rejects = csv_rows(tmp_path, raw)
    assert (total, n) == (10.0, 1)  # only the intact file
    [(location, reason)] = rejects
    assert location == str(flows)
    assert reason.startswith("raw file quarantined: ") and "manifest.json says" in reason


@pytest.mark.bad_input
def test_an_edited_digit_is_caught_by_the_sha256(tmp_path, raw) -> None:
    _, flows = _two_files(tmp_path)
    flows.write_text(flows.read_text().replace("120", "920"))
    total, n, rejects = csv_rows(tmp_path, raw)
    assert (total, n) == (10.0, 1)
    assert rejects == [
        (
            str(flows),
            "raw file quarantined: sha256 differs from manifest.json: the bytes changed after "
            "the file was stored",
        )
    ]


@pytest.mark.bad_input
def test_a_damaged_manifest_quarantines_its_folder_and_names_it(tmp_path, raw, capsys) -> None:
    good, flows = _two_files(tmp_path)
    manifest = flows.parent / "manifest.json"
    manifest.write_bytes(manifest.read_bytes()[:57])  # a truncated write
    assert main(["db", "--db", str(tmp_path / "db" / "atlas.duckdb")]) == 0
    out = capsys.readouterr().out
    assert "raw files of csv: 0 loaded, 2 quarantined" in out
    assert f"{manifest}: damaged manifest" in out
    total, n, rejects = csv_rows(tmp_path, raw)
    assert (total, n) == (0, 0)
    assert sorted(loc for loc, _ in rejects) == sorted([str(good), str(flows)])
    assert all(f"{manifest}: damaged manifest" in reason for _, reason in rejects)


@pytest.mark.bad_input
def test_files_dropped_in_by_hand_or_gone_missing_are_reported(tmp_path, raw) -> None:
    _, flows = _two_files(tmp_path)
    stray = flows_csv(flows.parent / "stray.csv", [("USA", "IND", 1000.0)])
    flows.unlink()
    total, n, rejects = csv_rows(tmp_path, raw)
    assert (total, n) == (10.0, 1)
    assert [(loc, reason.split(":")[1].strip()) for loc, reason in rejects] == [
        (str(flows), "listed in manifest.json but missing from the folder"),
        (str(stray), "not recorded in manifest.json"),
    ]


@pytest.mark.bad_input
def test_a_damaged_newest_version_leaves_the_older_verified_one_loaded(tmp_path, raw) -> None:
    fetch("csv", flows_csv(tmp_path / "a" / "flows.csv", [("USA", "IND", 1.0)]))
    fetch("csv", flows_csv(tmp_path / "b" / "flows.csv", [("USA", "IND", 2.0)]))
    newest = open_store("csv", raw).loaded_files()[0]
    newest.write_text(newest.read_text().replace("2,", "5,"))
    assert [s for _, s in statuses("csv", raw)] == ["quarantined", "loaded"]
    assert csv_rows(tmp_path, raw)[:2] == (1.0, 1)


@pytest.mark.fault
def test_the_raw_store_keeps_no_temporary_file_of_a_killed_fetch(tmp_path, raw) -> None:
    dead = subprocess.run(
        [sys.executable, "-c", "import os; print(os.getpid())"], capture_output=True, text=True
    )
    pid = int(dead.stdout)  # a process that has ended
    store = open_store("csv", raw, day=dt.date(2026, 1, 1))
    store.save_file(flows_csv(tmp_path / "a" / "flows.csv"))
    leftover = store.folder / f".tmp-{pid}-abc123"
    leftover.write_bytes(b"half a file")
    fetch("csv", flows_csv(tmp_path / "b" / "other.csv", [("USA", "IND", 1.0)]))  # another day
    assert not leftover.exists()
    assert [s for _, s in statuses("csv", raw)] == ["loaded", "loaded"]


@pytest.mark.bad_input
def test_a_manifest_naming_a_file_outside_its_folder_is_damaged(tmp_path, raw) -> None:
    _, flows = _two_files(tmp_path)
    manifest = flows.parent / "manifest.json"
    document = json.loads(manifest.read_text())
    document["entries"][0]["name"] = "../../../etc/passwd"
    manifest.write_text(json.dumps(document))
    entries = open_store("csv", raw).inventory()
    assert [e.status for e in entries] == ["quarantined", "quarantined"]
    assert all("list of file names" in e.reason for e in entries)
    assert all(e.path.parent == flows.parent for e in entries)


def test_a_dotted_name_keeps_its_identity_across_versions(tmp_path, raw) -> None:
    fetch("csv", flows_csv(tmp_path / "a" / "flows.2019.csv", [("USA", "IND", 1.0)]))
    fetch("csv", flows_csv(tmp_path / "b" / "flows.2019.csv", [("USA", "IND", 2.0)]))
    entries = open_store("csv", raw).inventory()
    assert [(e.path.name, e.identity, e.status) for e in entries] == [
        ("flows.2019.1.csv", "flows.2019.csv", "loaded"),
        ("flows.2019.csv", "flows.2019.csv", "superseded"),
    ]


@pytest.mark.fault
def test_the_same_live_fetch_twice_stores_once_and_a_changed_answer_supersedes(
    tmp_path, raw
) -> None:
    body = (
        Path(__file__).parents[1] / "fixtures/remotework/handmade_network_2015.csv"
    ).read_bytes()
    provenance = {"url": "https://example.org/olm_network_data_2015.csv", "status": 200}

    def save(data: bytes, day: str) -> Path:
        store = open_store("remotework", raw, day=dt.date.fromisoformat(day))
        chunks = (data[i : i + 100] for i in range(0, len(data), 100))
        return store.save_stream(chunks, "olm_network_data_2015.csv", provenance)

    first = save(body, "2026-01-01")
    assert save(body, "2026-01-02") == first  # the second run stores nothing
    assert [p.name for p in (raw / "remotework" / "2026-01-02").iterdir()] == []

    def usa_ind(db: Path) -> float:
        con = duckdb.connect(str(db), read_only=True)
        row = con.execute(
            "select sum(amount) from core__tallies where source_id = 'remotework' "
            "and buyer_country_code = 'USA' and seller_country_code = 'IND'"
        ).fetchone()
        con.close()
        assert row is not None
        return float(row[0])

    before = usa_ind(build_database(tmp_path / "a.duckdb", raw_root=raw).db_path)
    # The source corrects one count (California -> Delhi, 3 -> 103) and is fetched again.
    changed = body.replace(b'"india","Delhi",3,', b'"india","Delhi",103,')
    assert changed != body
    save(changed, "2026-01-03")
    assert [s for _, s in statuses("remotework", raw)] == ["superseded", "loaded"]
    after = usa_ind(build_database(tmp_path / "b.duckdb", raw_root=raw).db_path)
    assert (before, after) == (12.0, 112.0)  # the corrected file's total, not both files'


# -- content against name, manifests of earlier versions -----------------------------------

REMOTEWORK = Path(__file__).parents[1] / "fixtures" / "remotework"


def _as_before_checks(source: str, raw: Path, day: dt.date):
    """A store as an earlier version wrote it: no check of content against name."""
    from pipeline.raw.store import RawStore
    from pipeline.raw.versions import RawRules
    from pipeline.sources import spec_for

    rules = spec_for(source).rules
    return RawStore(source, raw, day, RawRules(rules.max_bytes, rules.identity))


def _named(tmp_path: Path, source: Path, name: str) -> Path:
    target = tmp_path / "given" / source.stem / name
    target.parent.mkdir(parents=True, exist_ok=True)
    target.write_bytes(source.read_bytes())
    return target


@pytest.mark.bad_input
def test_a_file_stored_under_another_years_name_is_quarantined_and_replaces_nothing(
    tmp_path, raw, capsys
) -> None:
    """Stored before content was checked (or served so by the repository), the 2015 file
    under the 2014 name was "the newer version" of 2014: the real 2014 data went, reported as
    a routine "1 superseded"."""
    fetch("remotework", _named(tmp_path, REMOTEWORK / "handmade_network_2014.csv", RW14))
    misnamed = _named(tmp_path, REMOTEWORK / "handmade_network_2015.csv", RW14)
    stored = _as_before_checks("remotework", raw, dt.date(2030, 1, 1)).save_file(misnamed)
    why = (
        "its name says 2014, but only 0 of its 40 rows are of 2014 (40 of 2015): save it as "
        "olm_network_data_2015.csv and import it again; not loaded, and not taken as a version "
        "of olm_network_data_2014"
    )
    assert [(e.path, e.status, e.reason) for e in open_store("remotework", raw).inventory()] == [
        (open_store("remotework", raw).loaded_files()[0], "loaded", ""),
        (stored, "quarantined", why),
    ]
    assert main(["db", "--db", str(tmp_path / "db" / "atlas.duckdb")]) == 0
    out = capsys.readouterr().out
    assert "raw files of remotework: 1 loaded, 1 quarantined" in out
    assert f"  quarantined {stored}: {why}" in out
    assert "superseded" not in out.split("raw files of remotework")[1]

    def years() -> dict[int, float]:
        con = duckdb.connect(str(tmp_path / "db" / "atlas.duckdb"), read_only=True)
        try:
            rows = con.execute(
                "select year(period_start), sum(amount) from core__tallies "
                "where source_id = 'remotework' group by all"
            ).fetchall()
        finally:
            con.close()
        return dict(rows)

    # 2014 keeps the 41 projects of its own file (6+3+4+2+3+1+3+1+2+3+1+2+1+1+2+1+2+1+1+1)
    assert years() == {2014: 41}
    # the same bytes imported under their right name are stored anew, and load as 2015
    fetch("remotework", _named(tmp_path, REMOTEWORK / "handmade_network_2015.csv", RW15))
    assert main(["db", "--db", str(tmp_path / "db" / "atlas.duckdb")]) == 0
    # 2015: counts adding up to 64, less netherlands antilles (1), antarctica (1) and NA (2)
    assert years() == {2014: 41, 2015: 60}


@pytest.mark.bad_input
def test_a_worker_file_stored_as_a_later_employer_deposit_leaves_the_employer_series(
    tmp_path, raw
) -> None:
    fetch("oli", OLI_FIXTURES / "bcountrydata_2016-07-10.txt")
    workers = OLI_FIXTURES / "worker_countrydata_2017-07-05.txt"
    stored = _as_before_checks("oli", raw, dt.date(2030, 1, 1)).save_file(
        _named(tmp_path, workers, "bcountrydata_2017-07-05.txt")
    )
    entries = {e.path.name: e for e in open_store("oli", raw).inventory()}
    assert entries["bcountrydata_2016-07-10.txt"].status == "loaded"
    assert (entries[stored.name].status, entries[stored.name].reason) == (
        "quarantined",
        "its name says bcountrydata (the employer countries' projects), but its columns are "
        "those of worker_countrydata (the worker countries' sample): save it as "
        "worker_countrydata_<date>.txt and import it again; not loaded, and not taken as a "
        "version of bcountrydata",
    )


@pytest.mark.bad_input
def test_manifests_of_an_earlier_version_load_and_are_sealed_at_the_next_save(
    tmp_path, raw
) -> None:
    from pipeline.raw.manifest import checksum_of

    fetch("csv", flows_csv(tmp_path / "a" / "flows.csv", [("USA", "IND", 1.0)]))
    open_store("csv", raw, day=dt.date(2030, 1, 1)).save_file(
        flows_csv(tmp_path / "b" / "flows.csv", [("USA", "IND", 2.0)])
    )
    manifests = sorted(raw.glob("csv/*/manifest.json"))
    assert len(manifests) == 2
    for manifest in manifests:  # as written before checksums were kept
        document = json.loads(manifest.read_text(encoding="utf-8"))
        del document["checksum"]
        manifest.write_text(json.dumps(document, sort_keys=True, indent=2) + "\n")
    assert [s for _, s in statuses("csv", raw)] == ["superseded", "loaded"]
    assert csv_rows(tmp_path, raw)[:2] == (2.0, 1)
    # the next save seals every manifest of the source, then an edit is seen
    open_store("csv", raw, day=dt.date(2030, 1, 2)).save_file(
        flows_csv(tmp_path / "c" / "other.csv", [("GBR", "PAK", 5.0)])
    )
    for manifest in sorted(raw.glob("csv/*/manifest.json")):
        document = json.loads(manifest.read_text(encoding="utf-8"))
        assert document["checksum"] == checksum_of(document)
    older = manifests[0]
    document = json.loads(older.read_text(encoding="utf-8"))
    document["entries"][0]["seq"] = 99
    older.write_text(json.dumps(document))
    assert [s for _, s in statuses("csv", raw)] == ["quarantined", "loaded", "loaded"]
    assert csv_rows(tmp_path, raw)[:2] == (7.0, 2)
