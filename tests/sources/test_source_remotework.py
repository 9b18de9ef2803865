"""Braesemann et al. project network: admin1 rows summed into yearly country-pair tallies."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from conftest import REMOTEWORK_FIXTURES
from ingest import core, fetch_context, parse, records, rows
from loopback import FakeClock, Reply, Server, session

from pipeline.collect.http import PoliteSession
from pipeline.sources import open_store, remotework, spec_for
from pipeline.sources.contract import SourceContext, SourceError

FIXTURE = REMOTEWORK_FIXTURES / "olm_network_data_2015.csv"


def tallies(tmp_path: Path) -> list[dict]:
    return records(core("remotework", [FIXTURE], tmp_path), "select * from core__tallies")


def pairs(found: list[dict]) -> dict[tuple[str, str], float]:
    return {(t["buyer_country_code"], t["seller_country_code"]): t["amount"] for t in found}


def test_rows_are_summed_per_country_pair_and_year(tmp_path: Path) -> None:
    parsed = parse("remotework", FIXTURE)
    assert (parsed.records_in, parsed.records_ok, parsed.records_rejected) == (40, 36, 4)
    found = tallies(tmp_path)
    by_pair = pairs(found)
    assert by_pair[("USA", "IND")] == 12.0  # five admin1 rows: 3 + 2 + 1 + 4 + 2
    assert by_pair[("GBR", "BGD")] == 4.0
    assert by_pair[("ARG", "ARG")] == 3.0  # domestic work is kept
    assert len(by_pair) == 29
    assert sum(by_pair.values()) == 60.0  # 64 in numeric rows, less 4 in rejected rows
    tally = found[0]
    assert (tally["period_start"], tally["period_end"]) == (
        dt.date(2015, 1, 1),
        dt.date(2015, 12, 31),
    )
    assert {(t["role"], t["measure"], t["occupation"]) for t in found} == {
        ("pair", "projects", "unknown")
    }
    usa_ind = next(
        t for t in found if (t["buyer_country_code"], t["seller_country_code"]) == ("USA", "IND")
    )
    assert usa_ind["location"] == "olm_network_data_2015.csv:2 (+4 rows)"


def test_quirky_names_map_to_their_countries(tmp_path: Path) -> None:
    found = pairs(tallies(tmp_path))
    assert found[("HKG", "PHL")] == 2.0  # hong kong sar
    assert found[("DEU", "HRV")] == 1.0  # croatia (hrvatska)
    assert found[("KOR", "VNM")] == 2.0  # korea
    assert found[("CAN", "PSE")] == 1.0  # palestinian territories
    assert found[("SWZ", "KEN")] == 1.0  # swaziland
    assert found[("NAM", "ZAF")] == 1.0  # namibia, whose code is the string NA


def test_non_countries_missing_values_and_bad_counts_are_rejected() -> None:
    parsed = parse("remotework", FIXTURE)
    found = {(r.location, r.field, r.value) for r in parsed.all_rejects()}
    assert found == {
        ("olm_network_data_2015.csv:16", "employer_country_real", "netherlands antilles"),
        ("olm_network_data_2015.csv:19", "employer_country_real", "antarctica"),
        ("olm_network_data_2015.csv:20", "employer_country_real", "NA"),
        ("olm_network_data_2015.csv:39", "count", "x"),
    }
    reasons = {r.value: r.reason for r in parsed.all_rejects()}
    assert "dissolved in 2010" in reasons["netherlands antilles"]
    assert "no permanent population" in reasons["antarctica"]
    assert reasons["NA"] == "missing country (NA)"


def test_coordinates_far_from_the_named_country_are_counted_not_used(tmp_path: Path) -> None:
    parsed = parse("remotework", FIXTURE)
    assert parsed.stats == {"coordinate_disagreements": 3}
    # The Albanian employer geocoded to Kowloon stays Albanian.
    assert pairs(tallies(tmp_path))[("ALB", "UKR")] == 1.0
    assert parsed.notes[0] == (
        "olm_network_data_2015.csv: 3 rows with coordinates far from their country (kept)"
    )


def test_impossible_years_are_rejected(tmp_path: Path) -> None:
    header = FIXTURE.read_text(encoding="utf-8").splitlines()[0]
    body = "\n".join(
        [
            header,
            '"1","2015-13-45","united states","NA","india","NA",1,NA,NA,NA,NA',
            '"2","1850","united states","NA","india","NA",1,NA,NA,NA,NA',
            '"3","2015-02-28","united states","NA","india","NA",1,NA,NA,NA,NA',
        ]
    )
    path = tmp_path / "olm_network_data_2015.csv"
    path.write_text(body + "\n", encoding="utf-8")
    parsed = parse("remotework", path)
    assert [(r.location, r.value) for r in parsed.all_rejects()] == [
        ("olm_network_data_2015.csv:2", "2015-13-45"),
        ("olm_network_data_2015.csv:3", "1850"),
    ]
    assert [r["year"] for r in rows(parsed, "remotework_rows")] == [2015]


def test_a_file_with_another_header_is_one_rejected_record(tmp_path: Path) -> None:
    other = tmp_path / "olm_network_data_2016.csv"
    other.write_text("a,b,c\n1,2,3\n", encoding="utf-8")
    parsed = parse("remotework", other)
    assert (parsed.records_in, parsed.records_rejected) == (1, 1)
    assert "employer_country_real" in parsed.all_rejects()[0].reason


REPO_PATH = "/Braesemann/remotework/main/data/olm_data/network_data/olm_network_data_{year}.csv"
LFS_POINTER = Path(__file__).parents[1] / "fixtures" / "remotework" / "lfs_pointer.txt"


class GitHubRaw:
    """raw.githubusercontent.com on the loopback server: robots.txt is a 404 (as there), each
    year's file carries an ETag and is answered 304 when asked again with it."""

    def __init__(self, server: Server, missing=(), pointers=()) -> None:
        self.server = server
        for year in range(2013, 2021):
            if year in missing:
                continue
            body = LFS_POINTER.read_bytes() if year in pointers else self.body(year)
            server.handle(REPO_PATH.format(year=year), self.answer(body, f'"{year}-v1"'))

    @staticmethod
    def body(year: int) -> bytes:
        return FIXTURE.read_bytes().replace(b'"2015-01-01"', f'"{year}-01-01"'.encode())

    @staticmethod
    def answer(body: bytes, etag: str):
        def reply(path: str, headers: dict) -> Reply:
            if headers.get("If-None-Match") == etag:
                return Reply(304, b"", {"ETag": etag})
            return Reply(body=body, headers={"Content-Type": "text/plain", "ETag": etag})

        return reply

    def downloads(self) -> int:
        return sum(
            1 for p, h in self.server.hits if p.endswith(".csv") and "If-None-Match" not in h
        )


def context(server: Server, clock: FakeClock, tmp_path: Path) -> SourceContext:
    store = open_store("remotework", root=tmp_path / "raw", day=dt.date(2026, 1, 2))
    return fetch_context(
        "remotework",
        session(clock),
        store,
        None,
        tmp_path / "state",
        url_pattern=server.base + REPO_PATH,
    )


def test_meta_points_at_the_repository() -> None:
    assert spec_for("remotework").meta["url_pattern"] == (
        "https://raw.githubusercontent.com" + REPO_PATH
    )


def test_fetch_saves_every_year_once_and_does_not_download_unchanged_files_again(
    server, clock, tmp_path
) -> None:
    github = GitHubRaw(server)
    ctx = context(server, clock, tmp_path)
    saved = remotework.fetch(ctx)
    assert [p.name for p in saved] == [f"olm_network_data_{y}.csv" for y in range(2013, 2021)]
    assert saved[2].read_bytes() == FIXTURE.read_bytes()
    assert github.downloads() == 8
    assert remotework.fetch(ctx) == saved
    assert github.downloads() == 8  # eight 304s, nothing downloaded twice
    assert len(list(ctx.store.folder.glob("*.csv"))) == 8


def test_a_missing_year_and_an_lfs_pointer_are_reported_and_the_rest_still_come(
    server, clock, tmp_path, caplog
) -> None:
    GitHubRaw(server, missing={2013}, pointers={2016})
    saved = remotework.fetch(context(server, clock, tmp_path))
    assert [p.name for p in saved] == [
        f"olm_network_data_{y}.csv" for y in (2014, 2015, 2017, 2018, 2019, 2020)
    ]
    assert "2013 not fetched: HTTP 404" in caplog.text
    assert "2016 not fetched" in caplog.text and "Git LFS pointer" in caplog.text
    stored = open_store("remotework", tmp_path / "raw").loaded_files()
    assert all(not p.read_bytes().startswith(b"version https://git-lfs") for p in stored)
    assert len(stored) == 6


def test_no_year_at_all_is_an_error(server, clock, tmp_path) -> None:
    GitHubRaw(server, missing=set(range(2013, 2021)))
    with pytest.raises(SourceError, match="no year could be fetched"):
        remotework.fetch(context(server, clock, tmp_path))


def test_the_size_bound_fits_what_github_serves() -> None:
    with PoliteSession() as http:
        assert http.max_bytes >= 100 * 1024 * 1024
