"""OLI deposit files: monthly buyer and seller tallies, complete yearly shares, every row kept."""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import json
import shutil
import zipfile
from collections import defaultdict
from pathlib import Path

import pytest
from conftest import OLI_FIXTURES
from ingest import context, core, parse, records

from pipeline.http import FetchResult
from pipeline.load import _latest_retrieved_at
from pipeline.sources import oli
from pipeline.sources.contract import SourceError

FIXTURES = Path(__file__).parent / "fixtures" / "oli"
BUYERS = OLI_FIXTURES / "bcountrydata_2016-07-10.txt"
WORKERS = OLI_FIXTURES / "worker_countrydata_2017-07-05.txt"
SPELLINGS = OLI_FIXTURES / "worker_countrydata_spellings.txt"
REMAINDER = "not mapped to a country"


def tallies(path: Path, tmp_path: Path) -> list[dict]:
    return records(core("oli", [path], tmp_path), "select * from core__tallies order by all")


def by_key(result, measure):
    return {
        (
            t["period_start"].isoformat()[:7],
            t["buyer_country_code"] or t["seller_country_code"] or t["region_label"],
            t["occupation"],
        ): round(t["amount"], 6)
        for t in result
        if t["measure"] == measure
    }


def shares_by_year(result) -> dict[tuple[str, str], float]:
    return {
        (
            t["period_start"].isoformat()[:4],
            t["buyer_country_code"] or t["seller_country_code"] or t["region_label"],
        ): round(t["amount"], 6)
        for t in result
        if t["measure"] == "share_pct"
    }


def year_sums(result) -> dict[str, float]:
    sums: dict[str, float] = defaultdict(float)
    for t in result:
        if t["measure"] == "share_pct":
            sums[t["period_start"].isoformat()[:4]] += t["amount"]
    return dict(sums)


def test_employer_file_sums_projects_per_month_country_and_occupation(tmp_path: Path) -> None:
    parsed = parse("oli", BUYERS)
    assert (parsed.records_in, parsed.records_ok, parsed.records_rejected) == (15, 10, 5)
    result = tallies(BUYERS, tmp_path)
    assert by_key(result, "projects") == {
        ("2016-06", "USA", "software development and technology"): 70.0,
        ("2016-06", "USA", "writing and translation"): 10.0,
        ("2016-06", "GBR", "creative and multimedia"): 8.0,
        ("2016-06", "IND", "software development and technology"): 6.0,
        ("2016-06", "KAZ", "clerical and data entry"): 2.0,
        ("2016-06", "COD", "writing and translation"): 1.0,
        ("2016-07", "USA", "sales and marketing support"): 20.0,
        ("2016-07", "CUW", "software development and technology"): 2.0,
        ("2016-07", "CAN", "software development and technology"): 8.0,
    }
    assert {t["role"] for t in result} == {"buyer"}
    assert all(t["seller_country_code"] is None for t in result)
    june = [
        t for t in result if t["period_start"] == dt.date(2016, 6, 1) and t["measure"] == "projects"
    ]
    assert {t["period_end"] for t in june} == {dt.date(2016, 6, 30)}


def test_employer_shares_add_up_to_100_with_the_unmapped_rows_as_a_remainder(
    tmp_path: Path,
) -> None:
    result = tallies(BUYERS, tmp_path)
    shares = shares_by_year(result)
    # 2016: 127 projects in mapped rows + 8 in rows with an unknown country or occupation.
    assert shares[("2016", "USA")] == round(100 * 100 / 135, 6)
    assert shares[("2016", "CAN")] == round(100 * 8 / 135, 6)
    assert shares[("2016", REMAINDER)] == round(100 * 8 / 135, 6)
    assert year_sums(result) == pytest.approx({"2016": 100.0})
    share_rows = [t for t in result if t["measure"] == "share_pct"]
    assert {t["occupation"] for t in share_rows} == {"unknown"}
    # The period is the year's collection days, so the pairing with workers can say so.
    assert {(t["period_start"], t["period_end"]) for t in share_rows} == {
        (dt.date(2016, 6, 1), dt.date(2016, 7, 2))
    }


def test_employer_rejects_name_row_field_and_value() -> None:
    result = parse("oli", BUYERS)
    found = {(r.location, r.field, r.value) for r in result.rejects}
    assert found == {
        ("bcountrydata_2016-07-10.txt:9", "country", "Atlantis"),
        ("bcountrydata_2016-07-10.txt:10", "occupation", "Cooking"),
        ("bcountrydata_2016-07-10.txt:11", "timestamp", "2016-06-31"),
        ("bcountrydata_2016-07-10.txt:14", "occupation", "Total"),
        ("bcountrydata_2016-07-10.txt:16", "count", "-1"),
    }
    atlantis = next(r for r in result.rejects if r.value == "Atlantis")
    assert atlantis.reason.startswith("unknown country")


def test_worker_file_averages_over_collection_days_and_gives_seller_shares(
    tmp_path: Path,
) -> None:
    parsed = parse("oli", WORKERS)
    assert (parsed.records_in, parsed.records_ok, parsed.records_rejected) == (10, 9, 1)
    result = tallies(WORKERS, tmp_path)
    workers = by_key(result, "workers")
    assert workers[("2017-06", "IND", "software development and technology")] == 70.0
    # Present on one of the two collection days: the missing day counts as zero.
    assert workers[("2017-06", "IND", "writing and translation")] == 10.25
    # "Russia" and "Russian Federation" are one country.
    assert workers[("2017-06", "RUS", "creative and multimedia")] == 4.0
    assert workers[("2017-07", "VCT", "writing and translation")] == 0.5
    shares = shares_by_year(result)
    # Shares of the year's worker-days: 209 in mapped rows + 1 in an unmapped one.
    assert shares[("2017", "IND")] == round(100 * 160.5 / 210, 6)
    assert shares[("2017", REMAINDER)] == round(100 * 1 / 210, 6)
    assert year_sums(result) == pytest.approx({"2017": 100.0})
    assert {t["role"] for t in result} == {"seller"}
    assert all(t["buyer_country_code"] is None for t in result)


def test_every_spelling_of_the_oli_country_table_maps(tmp_path: Path) -> None:
    parsed = parse("oli", SPELLINGS)
    assert parsed.records_in == 206
    unmapped = sorted({r.value for r in parsed.rejects if r.field == "country"})
    assert unmapped == []
    result = tallies(SPELLINGS, tmp_path)
    codes = {t["seller_country_code"] for t in result if t["measure"] == "workers"}
    # Duplicated spellings (Syria / Syrian Arab Republic, ...) fold into one code each.
    assert {"KAZ", "LAO", "VCT", "KNA", "LCA", "CUW", "CYP", "PSE", "COD", "CIV"} <= codes
    assert len(codes) < 206


def test_zip_and_gzip_files_give_the_same_rows(tmp_path: Path) -> None:
    plain = tallies(WORKERS, tmp_path / "plain")
    zipped = tmp_path / "worker_countrydata_2017-07-05.txt.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.write(WORKERS, WORKERS.name)
    gzipped = tmp_path / "worker_countrydata_2017-07-05.txt.gz"
    gzipped.write_bytes(gzip.compress(WORKERS.read_bytes()))
    for path in (zipped, gzipped):
        other = tallies(path, tmp_path / path.suffix)
        assert by_key(other, "workers") == by_key(plain, "workers")
        assert parse("oli", path).records_in == 10


def test_zip_with_two_members_is_one_rejected_record(tmp_path: Path) -> None:
    zipped = tmp_path / "bcountrydata_2021-08-04.txt.zip"
    with zipfile.ZipFile(zipped, "w") as archive:
        archive.write(BUYERS, "a.txt")
        archive.write(BUYERS, "b.txt")
    result = parse("oli", zipped)
    assert (result.records_in, result.records_rejected, result.tables) == (1, 1, {})
    assert "expected one" in result.rejects[0].reason


def test_decompressed_size_is_bounded() -> None:
    import dataclasses

    from pipeline.countries import country_index
    from pipeline.sources.contract import ParseContext, RawFile

    ctx = ParseContext(dataclasses.replace(oli.meta(), max_mb=0), country_index())
    result = oli.parse(RawFile.of(BUYERS), ctx)
    assert (result.records_in, result.records_rejected, result.tables) == (1, 1, {})
    assert "bytes" in result.rejects[0].reason


def test_latest_files_are_picked_by_the_date_in_their_name() -> None:
    listing = [
        {"name": "bcountrydata_2021-08-04.txt.zip"},
        {"name": "bcountrydata_2024-09-02.txt.zip"},
        {"name": "worker_countrydata_2024-09-01.txt"},
        {"name": "worker_countrydata_2023-01-01.txt.zip"},
        {"name": "OLIdata_2024-09-02.txt"},
        {"name": "OLI11_buyer_countrydata_2024-09-02.txt.zip"},
    ]
    assert [e["name"] for e in oli.latest_deposit_files(listing)] == [
        "bcountrydata_2024-09-02.txt.zip",
        "worker_countrydata_2024-09-01.txt",
    ]


class FakeFigshare:
    """Serves a deposit listing and its files the way figshare's API and downloader do."""

    def __init__(self, files: dict[str, bytes], bad_md5: bool = False) -> None:
        self.files = files
        self.bad_md5 = bad_md5
        self.calls: list[str] = []

    def get(self, url: str, params=None, headers=None) -> FetchResult:
        self.calls.append(url)
        if url.startswith("https://api.figshare.com/"):
            listing = {
                "id": 3761562,
                "files": [
                    {
                        "name": name,
                        "size": len(body),
                        "download_url": f"https://ndownloader.figshare.com/files/{i}",
                        "computed_md5": "0" * 32 if self.bad_md5 else hashlib.md5(body).hexdigest(),
                    }
                    for i, (name, body) in enumerate(self.files.items())
                ],
            }
            body = json.dumps(listing).encode()
        else:
            body = list(self.files.values())[int(url.rsplit("/", 1)[1])]
        return FetchResult(url, {}, 200, {}, body, dt.datetime(2026, 1, 2, tzinfo=dt.UTC), 0.0)


def test_fetch_downloads_the_latest_files_once_and_checks_md5(tmp_path: Path) -> None:
    files = {
        "bcountrydata_2016-07-10.txt": BUYERS.read_bytes(),
        "bcountrydata_2015-01-01.txt": b"timestamp,country,country_group,occupation,count\n",
        "worker_countrydata_2017-07-05.txt": WORKERS.read_bytes(),
    }
    session = FakeFigshare(files)
    ctx = context("oli", tmp_path, session)
    ctx.store.day = dt.date(2026, 1, 2)
    saved = oli.fetch(ctx)
    names = sorted(p.name for p in saved)
    assert names == [
        "bcountrydata_2016-07-10.txt",
        "figshare_article_3761562.json",
        "worker_countrydata_2017-07-05.txt",
    ]
    saved_file = next(p for p in saved if p.name == "bcountrydata_2016-07-10.txt")
    assert saved_file.read_bytes() == BUYERS.read_bytes()
    assert _latest_retrieved_at(saved) == dt.datetime(2026, 1, 2)
    # A second run finds the same md5 in the store and downloads nothing but the listing.
    session.calls.clear()
    assert sorted(p.name for p in oli.fetch(ctx)) == names
    assert session.calls == ["https://api.figshare.com/v2/articles/3761562"]


def test_fetch_refuses_a_download_whose_md5_differs(tmp_path: Path) -> None:
    session = FakeFigshare(
        {"bcountrydata_2016-07-10.txt": b"x", "worker_countrydata_2017-07-05.txt": b"y"},
        bad_md5=True,
    )
    ctx = context("oli", tmp_path, session)
    store = ctx.store
    with pytest.raises(SourceError, match="md5"):
        oli.fetch(ctx)
    assert [p.name for p in store.folder.iterdir() if p.suffix == ".txt"] == []


def test_import_takes_the_deposit_files_of_a_folder(tmp_path: Path) -> None:
    folder = tmp_path / "downloads"
    folder.mkdir()
    shutil.copy(BUYERS, folder)
    (folder / "notes.txt").write_text("not a deposit file")
    saved = oli.import_files(folder, context("oli", tmp_path))
    assert [p.name for p in saved] == [BUYERS.name]
    with pytest.raises(SourceError, match=r"no file in .* looks like an OLI deposit file"):
        oli.import_files(tmp_path / "raw", context("oli", tmp_path / "other"))


def test_impossible_dates_and_amounts_are_rejected(tmp_path: Path) -> None:
    path = tmp_path / "bcountrydata_2024-01-01.txt"
    path.write_text(
        "timestamp,country,country_group,occupation,count\n"
        "1850-01-01,India,x,Writing and translation,1\n"
        "1970-01-01,India,x,Writing and translation,1\n"
        "true,India,x,Writing and translation,1\n"
        "2201-01-01,India,x,Writing and translation,1\n"
        "2016-02-30,India,x,Writing and translation,1\n"
        "2016-06-01,India,x,Writing and translation,1e308\n"
        "2016-06-01,India,x,Writing and translation,inf\n"
        "2016-06-01,India,x,Writing and translation,2\n"
        "2016-06-01,India,x,Writing and translation,2\n",
        encoding="utf-8",
    )
    parsed = parse("oli", path)
    assert [(r.location.split(":")[1], r.field) for r in parsed.rejects] == [
        ("2", "timestamp"),
        ("3", "timestamp"),
        ("4", "timestamp"),
        ("5", "timestamp"),
        ("6", "timestamp"),
        ("7", "count"),
        ("8", "count"),
        ("10", None),
    ]
    assert parsed.rejects[-1].reason == "exact duplicate of line 9 (counted once)"
    assert parsed.tables["oli_rows"].column("amount").to_pylist() == [2.0]
