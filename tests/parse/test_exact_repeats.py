"""The exact repeats of a usable row are one reject, on the first repeat, that says how many
there are and where, and counts for each of them; a repeat of a row with another problem is
rejected on its own line. DuckDB's reader and the exact reader give the same."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest import context, core, parse, records

from pipeline.build import staging
from pipeline.build.summary import counted_reject_lines, reject_lines
from pipeline.parse import tabular
from pipeline.sources import spec_for
from pipeline.sources.contract import ParseContext, Parsed, RawFile
from pipeline.util import paths

HEADER = "buyer_country,seller_country,count,year\n"
A = "USA,IND,5,2020\n"
B = "USA,PAK,1,2020\n"
BAD = "Atlantis,IND,2,2020\n"
# A on lines 2, 4, 6, 8 and 9 (4 repeats), B on 3 and 7 (1 repeat), the unknown country on 5
# and 10 (its repeat rejected as today, on its own line)
MIXED = HEADER + A + B + A + BAD + A + B + A + A + BAD
OLI_HEADER = "timestamp,country,country_group,occupation,count\n"
OLI_ROW = "2016-06-01,India,x,Writing and translation,2\n"
RW_HEADER = (
    '"","year","employer_country_real","employer_admin1","worker_country_real",'
    '"worker_admin1","count","employer_lat","employer_lng","worker_lat","worker_lng"\n'
)
RW_ROW = '"7","2015-01-01","united states","California","india","Delhi",3,36.7,-119.4,28.7,77.1\n'


def both_readers(source_id: str, path: Path) -> Parsed:
    """The parse by DuckDB's reader, after checking that the exact reader gives the same staged
    rows, rejects and counts."""
    found = []
    for engine in (True, False):
        with pytest.MonkeyPatch.context() as patch:
            if not engine:
                patch.setattr(tabular, "_plain_unquoted", lambda _path: False)
            parsed = parse(source_id, path)
        found.append(
            (
                parsed,
                [t.to_pylist() for t in parsed.tables.values()],
                sorted(parsed.all_rejects(), key=lambda r: (r.location, r.field or "")),
                (parsed.records_in, parsed.records_ok, parsed.records_rejected),
            )
        )
    assert found[0][1:] == found[1][1:]
    return found[0][0]


def rejects(parsed: Parsed) -> list[tuple[str, str | None, str, int | None]]:
    return [(r.location, r.field, r.reason, r.repeats) for r in parsed.all_rejects()]


def counts(parsed: Parsed) -> tuple[int, int, int]:
    return parsed.records_in, parsed.records_ok, parsed.records_rejected


def write(folder: Path, name: str, text: str) -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def test_the_repeats_of_a_usable_row_are_one_reject_and_a_bad_row_keeps_its_own(
    tmp_path: Path,
) -> None:
    parsed = both_readers("csv", write(tmp_path, "flows.csv", MIXED))
    # the unknown country's reason is the country table's; the others are worked out here
    unknown = "unknown country: unknown country 'Atlantis'"
    assert rejects(parsed) == [
        (
            "flows.csv:4",
            None,
            "exact duplicate of line 2 (counted once): 4 repeats, on lines 4, 6, 8, 9",
            4,
        ),
        ("flows.csv:5", "buyer_country", unknown, None),
        ("flows.csv:7", None, "exact duplicate of line 3 (counted once): 1 repeat, on line 7", 1),
        ("flows.csv:10", "buyer_country", unknown, None),
        ("flows.csv:10", None, "exact duplicate of line 5 (counted once)", None),
    ]
    # lines 2 to 10: A and B once each are staged; 4 + 1 repeats and lines 5 and 10 are not
    assert counts(parsed) == (9, 2, 7)
    assert [r["line"] for r in parsed.tables["csv_rows"].to_pylist()] == [2, 3]
    # the lines not loaded, summed from the rejects: each place once, a summing reject for
    # each of its repeats
    lines = {r.location: r.lines for r in parsed.all_rejects()}
    assert sum(lines.values()) == 7


def test_more_repeats_than_the_reason_lists_are_counted_exactly(tmp_path: Path) -> None:
    # the row on line 2, then 1,234 repeats on lines 3 to 1236
    parsed = both_readers("csv", write(tmp_path, "flows.csv", HEADER + A * 1235))
    listed = ", ".join(str(line) for line in range(3, 23))
    assert rejects(parsed) == [
        (
            "flows.csv:3",
            None,
            f"exact duplicate of line 2 (counted once): 1,234 repeats, on lines {listed} and "
            "1,214 more, the last on line 1236",
            1234,
        )
    ]
    assert counts(parsed) == (1235, 1, 1234)


def test_a_file_of_mostly_repeats_has_one_reject_per_repeated_row(tmp_path: Path) -> None:
    # 1,000 lines: 10 distinct rows, each 100 times, in turn
    distinct = [f"USA,IND,{n},2020\n" for n in range(1, 11)]
    parsed = both_readers("csv", write(tmp_path, "flows.csv", HEADER + "".join(distinct) * 100))
    found = parsed.all_rejects()
    assert len(found) == 10
    assert sum(r.repeats or 0 for r in found) == 990
    # each row's first repeat is 10 lines after it (lines 12 to 21), its last on lines 992-1001
    assert [r.location for r in found] == [f"flows.csv:{line}" for line in range(12, 22)]
    assert found[0].reason.endswith("and 79 more, the last on line 992")
    assert counts(parsed) == (1000, 10, 990)


def test_oli_repeats_are_one_reject(tmp_path: Path) -> None:
    other = OLI_ROW.replace(",2\n", ",3\n")
    body = OLI_HEADER + OLI_ROW + other + OLI_ROW + OLI_ROW
    parsed = both_readers("oli", write(tmp_path, "bcountrydata_2024-01-01.txt", body))
    assert rejects(parsed) == [
        (
            "bcountrydata_2024-01-01.txt:4",
            None,
            "exact duplicate of line 2 (counted once): 2 repeats, on lines 4, 5",
            2,
        )
    ]
    assert counts(parsed) == (4, 2, 2)
    assert [r["amount"] for r in parsed.tables["oli_rows"].to_pylist()] == [2.0, 3.0]


def test_remotework_repeats_are_one_reject(tmp_path: Path) -> None:
    body = RW_HEADER + RW_ROW * 3
    parsed = both_readers("remotework", write(tmp_path, "olm_network_data_2015.csv", body))
    assert rejects(parsed) == [
        (
            "olm_network_data_2015.csv:3",
            None,
            "exact duplicate of line 2 (counted once): 2 repeats, on lines 3, 4",
            2,
        )
    ]
    assert counts(parsed) == (3, 1, 2)


def test_the_rejects_table_and_the_fetch_summary_count_every_repeat(tmp_path: Path) -> None:
    folder = tmp_path / "2026-01-01"
    folder.mkdir()
    path = write(folder, "flows.csv", MIXED)
    con = core("csv", [path], tmp_path)
    found = records(
        con,
        "select location, repeats from core__rejects where reason like 'exact duplicate%' "
        "order by location",
    )
    assert found == [
        {"location": "flows.csv:10", "repeats": None},
        {"location": "flows.csv:4", "repeats": 4},
        {"location": "flows.csv:7", "repeats": 1},
    ]
    # the lines not loaded: lines 5 and 10, and the 5 repeats the two summing rejects count
    assert con.execute(
        "select count(distinct location) filter (where repeats is null) + sum(repeats) "
        "from core__rejects"
    ).fetchone() == (7,)
    # what `make fetch` prints: the staged rejects summed in lines, all repeats one kind
    spec = spec_for("csv")
    ctx = ParseContext(spec.meta, context("csv", tmp_path).countries)
    key = staging.fingerprint(spec, paths.reference_dir())
    staged = staging.stage(spec, RawFile.of(path, day=folder.name), ctx, key, tmp_path / "s")
    # lines 4, 6, 8, 9 and 7 (summed), and line 10 (a repeat of a bad row)
    want = (
        "  rejected 6 x exact duplicate of an earlier line (counted once); e.g. flows.csv:4: "
        "exact duplicate of line 2 (counted once): 4 repeats, on lines 4, 6, 8, 9"
    )
    summed = counted_reject_lines(staging.counted_rejects([staged], tmp_path / "s"))
    assert summed[0] == want
    assert reject_lines(staging.read_rejects(staged, tmp_path / "s"))[0] == want
