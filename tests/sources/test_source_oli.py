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
from urllib.parse import parse_qs, urlsplit

import pytest
from conftest import OLI_FIXTURES
from ingest import context, core, fetch_context, parse, records
from loopback import FakeClock, Reply, Server, session

from pipeline.build.tables import latest_retrieved_at
from pipeline.sources import oli, open_store, spec_for
from pipeline.sources.contract import SourceContext, SourceError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "oli"
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
    found = {(r.location, r.field, r.value) for r in result.all_rejects()}
    assert found == {
        ("bcountrydata_2016-07-10.txt:9", "country", "Atlantis"),
        ("bcountrydata_2016-07-10.txt:10", "occupation", "Cooking"),
        ("bcountrydata_2016-07-10.txt:11", "timestamp", "2016-06-31"),
        ("bcountrydata_2016-07-10.txt:14", "occupation", "Total"),
        ("bcountrydata_2016-07-10.txt:16", "count", "-1"),
    }
    atlantis = next(r for r in result.all_rejects() if r.value == "Atlantis")
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
    unmapped = sorted({r.value for r in parsed.all_rejects() if r.field == "country"})
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
    assert "expected one" in result.all_rejects()[0].reason


def test_decompressed_size_is_bounded() -> None:
    import dataclasses

    from pipeline.reference.countries import country_index
    from pipeline.sources.contract import ParseContext, RawFile

    ctx = ParseContext(dataclasses.replace(spec_for("oli").meta, max_mb=0), country_index())
    result = oli.parse(RawFile.of(BUYERS), ctx)
    assert (result.records_in, result.records_rejected, result.tables) == (1, 1, {})
    assert "bytes" in result.all_rejects()[0].reason


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


LISTING = json.loads((FIXTURES / "figshare_files_page.json").read_text())
ARTICLE = json.loads((FIXTURES / "figshare_article_record.json").read_text())


class Figshare:
    """The figshare API's paged file listing and the download host, on the loopback server.

    The listing is the fixture (12 files, the two the atlas needs past the first 10); the two
    deposit files are served with the bytes of the hand-made fixtures, their md5 and size in the
    listing computed from those bytes. ``download`` replaces the download answer.
    """

    def __init__(self, server: Server) -> None:
        self.server = server
        self.bodies = {
            "bcountrydata_2024-09-02.txt": BUYERS.read_bytes(),
            "worker_countrydata_2024-09-02.txt": WORKERS.read_bytes(),
        }
        self.download: Reply | None = None
        self.listing = []
        for entry in LISTING:
            entry = {**entry}
            entry["download_url"] = entry["download_url"].replace(
                "https://ndownloader.figshare.com", server.base
            )
            if entry["name"] in self.bodies:
                body = self.bodies[entry["name"]]
                entry.update(size=len(body), computed_md5=hashlib.md5(body).hexdigest())
            self.listing.append(entry)
        server.handle("/v2/articles/3761562/files", self.files)
        for entry in self.listing:
            server.handle(urlsplit(entry["download_url"]).path, self.file)

    def files(self, path: str, headers: dict) -> Reply:
        if headers.get("If-None-Match") == '"listing-v1"':
            return Reply(304, b"", {"ETag": '"listing-v1"'})
        query = parse_qs(urlsplit(path).query)
        size, page = int(query["page_size"][0]), int(query["page"][0])
        body = json.dumps(self.listing[(page - 1) * size : page * size]).encode()
        return Reply(
            body=body, headers={"Content-Type": "application/json", "ETag": '"listing-v1"'}
        )

    def file(self, path: str, headers: dict) -> Reply:
        if self.download is not None:
            return self.download
        entry = next(e for e in self.listing if urlsplit(e["download_url"]).path == path)
        return Reply(body=self.bodies.get(entry["name"], b"other file"), headers={})

    def paths(self, prefix: str) -> list[str]:
        return [p for p, _ in self.server.hits if p.startswith(prefix)]


def fetch_ctx(server: Server, clock: FakeClock, tmp_path: Path) -> SourceContext:
    store = open_store("oli", root=tmp_path / "raw", day=dt.date(2026, 1, 2))
    return fetch_context(
        "oli",
        session(clock),
        store,
        None,
        tmp_path / "state",
        figshare_api=server.base + "/v2/articles/3761562",
    )


def test_the_article_record_lists_only_ten_files_so_the_files_endpoint_is_used() -> None:
    assert len(ARTICLE["files"]) == 10
    assert oli.latest_deposit_files(ARTICLE["files"]) == [
        e for e in ARTICLE["files"] if e["name"] == "bcountrydata_2021-08-04.txt.zip"
    ] + [e for e in ARTICLE["files"] if e["name"] == "worker_countrydata_2021-06-02.txt"]
    names = [e["name"] for e in oli.latest_deposit_files(LISTING)]
    assert names == ["bcountrydata_2024-09-02.txt", "worker_countrydata_2024-09-02.txt"]


def test_fetch_lists_all_files_downloads_the_newest_pair_once_and_checks_md5(
    server, clock, tmp_path
) -> None:
    server.route(
        "/robots.txt", Reply(403, b"<html>Forbidden</html>", {"Content-Type": "text/html"})
    )
    figshare = Figshare(server)
    ctx = fetch_ctx(server, clock, tmp_path)
    saved = oli.fetch(ctx)
    assert [p.name for p in saved] == [
        "figshare_files_3761562_1.json",
        "bcountrydata_2024-09-02.txt",
        "worker_countrydata_2024-09-02.txt",
    ]
    listing = figshare.paths("/v2/")
    assert listing == ["/v2/articles/3761562/files?page=1&page_size=1000"]
    assert saved[1].read_bytes() == BUYERS.read_bytes()
    assert latest_retrieved_at(saved) is not None
    # A second run: the listing has not changed (304) and both files are in the store.
    saved_again = oli.fetch(ctx)
    assert saved_again == saved
    assert len(figshare.paths("/v2/")) == 2 and len(figshare.paths("/files/")) == 2
    assert server.hits[-1][1]["If-None-Match"] == '"listing-v1"'


@pytest.mark.parametrize(
    ("download", "reason"),
    [
        (Reply(202, b"", {"x-amzn-waf-action": "challenge"}), "AWS WAF challenge"),
        (Reply(403, b"<html><p>Request blocked</p></html>", {"Content-Type": "text/html"}), "403"),
        (Reply(403, b"<Error><Code>AccessDenied</Code></Error>", {}), "HTTP 403"),
    ],
    ids=["aws-waf-202", "html-403", "s3-403"],
)
def test_a_firewall_answer_says_how_to_download_by_hand(
    server, clock, tmp_path, download, reason
) -> None:
    figshare = Figshare(server)
    figshare.download = download
    with pytest.raises(SourceError) as info:
        oli.fetch(fetch_ctx(server, clock, tmp_path))
    message = str(info.value)
    assert reason in message and "\n" not in message
    assert "make fetch SOURCE=oli FROM=<that file>" in message
    assert "bcountrydata_2024-09-02.txt" in message and "md5" not in message
    stored = open_store("oli", tmp_path / "raw").loaded_files()
    assert [p.name for p in stored] == ["figshare_files_3761562_1.json"]


def test_a_corrupt_download_is_not_stored(server, clock, tmp_path) -> None:
    figshare = Figshare(server)
    figshare.download = Reply(body=b"timestamp,country\n2016-06-01,cut sh")
    with pytest.raises(SourceError, match=r"corrupt transfer.*run the command again"):
        oli.fetch(fetch_ctx(server, clock, tmp_path))
    stored = open_store("oli", tmp_path / "raw").loaded_files()
    assert [p.name for p in stored] == ["figshare_files_3761562_1.json"]
    assert [p.name for p in (tmp_path / "raw" / "oli").rglob(".tmp-*")] == []


def test_a_listing_without_the_pair_points_to_from(server, clock, tmp_path) -> None:
    server.handle(
        "/v2/articles/3761562/files",
        lambda path, headers: Reply(body=json.dumps(ARTICLE["files"][:6]).encode()),
    )
    with pytest.raises(SourceError, match="FROM=<folder>"):
        oli.fetch(fetch_ctx(server, clock, tmp_path))


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
    assert [(r.location.split(":")[1], r.field) for r in parsed.all_rejects()] == [
        ("2", "timestamp"),
        ("3", "timestamp"),
        ("4", "timestamp"),
        ("5", "timestamp"),
        ("6", "timestamp"),
        ("7", "count"),
        ("8", "count"),
        ("10", None),
    ]
    assert parsed.all_rejects()[-1].reason == (
        "exact duplicate of line 9 (counted once): 1 repeat, on line 10"
    )
    assert parsed.tables["oli_rows"].column("amount").to_pylist() == [2.0]


def test_employer_counts_are_whole_and_worker_counts_may_be_fractional(tmp_path: Path) -> None:
    # new projects are counted whole; the weighted worker sample is declared fractional
    # (fractional_counts in oli.yaml), and neither takes a separator, a sign or a '_'
    buyers = tmp_path / "bcountrydata_2024-01-01.txt"
    buyers.write_text(
        "timestamp,country,country_group,occupation,count\n"
        "2016-06-01,India,x,Writing and translation,12\n"
        "2016-06-02,India,x,Writing and translation,1.234\n"
        "2016-06-03,India,x,Writing and translation,2.5\n"
        "2016-06-04,India,x,Writing and translation,1_000\n",
        encoding="utf-8",
    )
    parsed = parse("oli", buyers)
    assert [(r.location, r.value) for r in parsed.all_rejects()] == [
        (f"{buyers.name}:3", "1.234"),
        (f"{buyers.name}:4", "2.5"),
        (f"{buyers.name}:5", "1_000"),
    ]
    assert "thousands separator (1234)" in parsed.all_rejects()[0].reason
    assert parsed.tables["oli_rows"].column("amount").to_pylist() == [12.0]
    workers = tmp_path / "worker_countrydata_2024-01-01.txt"
    workers.write_text(
        "timestamp,country,occupation,num_workers,num_projects\n"
        "2020-01-01,India,Writing and translation,1.234,0\n"
        "2020-01-02,India,Writing and translation,20.5,0\n"
        "2020-01-03,India,Writing and translation,1e-05,0\n"
        '2020-01-04,India,Writing and translation,"1,5",0\n'
        "2020-01-05,India,Writing and translation,-0,0\n",
        encoding="utf-8",
    )
    parsed = parse("oli", workers)
    assert [(r.location, r.field, r.value) for r in parsed.all_rejects()] == [
        (f"{workers.name}:5", "num_workers", "1,5"),
        (f"{workers.name}:6", "num_workers", "-0"),
    ]
    assert "with a point for the decimals" in parsed.all_rejects()[0].reason
    assert parsed.tables["oli_rows"].column("amount").to_pylist() == [1.234, 20.5, 1e-05]
