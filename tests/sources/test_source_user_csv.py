"""A user's own flow table: names in three languages, codes, and a clear reject for each fault."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from ingest import context, core, parse, records, rows

from pipeline.sources import user_csv
from pipeline.sources.contract import SourceError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "csv"
HEADER = "buyer_country,seller_country,count,year\n"


def write(tmp_path: Path, text: str | bytes, name: str = "flows.csv") -> Path:
    path = tmp_path / name
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8", newline="")
    return path


def test_rows_become_yearly_pair_tallies(tmp_path: Path) -> None:
    parsed = parse("csv", FIXTURES / "flows.csv")
    assert (parsed.records_in, parsed.records_ok, parsed.records_rejected) == (9, 5, 4)
    con = core("csv", [FIXTURES / "flows.csv"], tmp_path)
    tallies = records(con, "select * from core__tallies order by location")
    assert [
        (
            t["buyer_country_code"],
            t["seller_country_code"],
            t["amount"],
            t["platform"],
            t["occupation"],
        )
        for t in tallies
    ] == [
        ("USA", "IND", 120.0, "Example platform", "software development and technology"),
        ("GBR", "PAK", 40.0, "user data", "writing and translation"),
        ("USA", "PHL", 35.0, "user data", "unknown"),
        ("USA", "BGD", 10.0, "Example platform", "clerical and data entry"),
        ("DEU", "UKR", 7.0, "user data", "creative and multimedia"),
    ]
    assert {(t["role"], t["measure"]) for t in tallies} == {("pair", "projects")}
    first = tallies[0]
    assert (first["period_start"], first["period_end"]) == (
        dt.date(2019, 1, 1),
        dt.date(2019, 12, 31),
    )
    assert first["location"] == "flows.csv:2"


def test_each_fault_is_a_reject_naming_row_and_field() -> None:
    parsed = parse("csv", FIXTURES / "flows.csv")
    assert {(r.location, r.field, r.value) for r in parsed.all_rejects()} == {
        ("flows.csv:7", "buyer_country", "Atlantis"),
        ("flows.csv:8", "year", "20x0"),
        ("flows.csv:9", "count", "-2"),
        ("flows.csv:10", "occupation", "cooking"),
    }


def test_a_table_without_year_is_rejected_naming_the_column() -> None:
    parsed = parse("csv", FIXTURES / "flows_no_year.csv")
    assert (parsed.records_in, parsed.records_rejected, parsed.records_ok) == (2, 2, 0)
    assert [(r.location, r.field) for r in parsed.all_rejects()] == [
        ("flows_no_year.csv:1", "year")
    ]
    assert "no year column" in parsed.all_rejects()[0].reason


def test_semicolon_tables_from_french_spreadsheets_are_read(tmp_path: Path) -> None:
    path = write(tmp_path, "buyer_country;seller_country;count;year\nFrance;Sénégal;3;2021\n")
    staged = rows(parse("csv", path), "csv_rows")
    assert [(r["buyer_country_code"], r["seller_country_code"]) for r in staged] == [("FRA", "SEN")]


def test_the_mapping_of_every_name_is_reported() -> None:
    notes = parse("csv", FIXTURES / "flows.csv").notes
    assert "flows.csv: 'Royaume-Uni' -> GBR (1 mentions)" in notes
    assert "flows.csv: 'Filippine' -> PHL (1 mentions)" in notes
    assert "flows.csv: 'bd' -> BGD (1 mentions)" in notes
    assert any(n.startswith("flows.csv: 'Atlantis' -> NOT MAPPED") for n in notes)


def test_there_is_nothing_to_fetch(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="FROM="):
        user_csv.fetch(context("csv", tmp_path))


# -- strictness ---------------------------------------------------------------------------


def test_numbers_must_be_finite_and_within_bounds(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        HEADER
        + "US,IN,1e308,2020\nUS,IN,inf,2020\nUS,IN,nan,2020\nUS,IN,1000000000000,2020\n"
        + "US,IN,1000000000001,2020\nUS,IN,1,2020\n",
    )
    parsed = parse("csv", path)
    assert [(r.location, r.value) for r in parsed.all_rejects()] == [
        ("flows.csv:2", "1e308"),
        ("flows.csv:3", "inf"),
        ("flows.csv:4", "nan"),
        ("flows.csv:6", "1000000000001"),
    ]
    assert [r["amount"] for r in rows(parsed, "csv_rows")] == [1e12, 1.0]


# A count of projects is written as digits alone; each other spelling is rejected, naming the
# value and what is wrong with it.
COUNT_SPELLINGS = {
    "1.234": "'1.234' reads as a number with a thousands separator (1234) or as a fraction",
    "1.234.567": "'1.234.567' reads as a number with a thousands separator (1234567)",
    "1,234": "'1,234' has a thousands separator or a decimal comma",
    "1 234": "'1 234' has a thousands separator or a decimal comma",
    "1_000": "'1_000' holds '_'",
    "-0": "'-0' is a signed zero: write 0",
    "-0.0": "'-0.0' is a signed zero",
    "+5": "'+5' has a sign",
    "-4": "'-4' is negative",
    "2.5": "'2.5' has a fraction; this column counts whole projects",
    "12.0": "'12.0' has a fraction",
    "1e3": "'1e3' has an exponent",
    "0x10": "not a number: '0x10'",
    "": "the cell is empty",
    "99999999999999": "'99999999999999' is larger",
}


@pytest.mark.parametrize(("cell", "reason"), sorted(COUNT_SPELLINGS.items()))
def test_a_count_is_digits_alone(tmp_path: Path, cell: str, reason: str) -> None:
    # quoted, so that the cell holds its comma
    parsed = parse("csv", write(tmp_path, HEADER + f'US,IN,"{cell}",2020\nUS,IN,0042,2020\n'))
    (reject,) = parsed.all_rejects()
    assert (reject.location, reject.field, reject.value) == ("flows.csv:2", "count", cell)
    assert reason in reject.reason
    # leading zeros are still digits
    assert [r["amount"] for r in rows(parsed, "csv_rows")] == [42.0]


def test_impossible_years_are_rejected(tmp_path: Path) -> None:
    path = write(tmp_path, HEADER + "US,IN,1,1850\nUS,IN,1,2201\nUS,IN,1,true\nUS,IN,1,2027\n")
    parsed = parse("csv", path, today=dt.date(2026, 11, 24))
    assert [(r.location, r.field, r.value) for r in parsed.all_rejects()] == [
        ("flows.csv:2", "year", "1850"),
        ("flows.csv:3", "year", "2201"),
        ("flows.csv:4", "year", "true"),
    ]
    assert parsed.records_ok == 1


def test_an_unclosed_quote_rejects_its_line_and_the_lines_after_it_load(tmp_path: Path) -> None:
    body = (
        HEADER
        + "US,IN,1,2020\n"
        + '"US,IN,2,2020\n'
        + "".join(f"US,PK,{n},2020\n" for n in range(3, 11))
    )
    parsed = parse("csv", write(tmp_path, body))
    # the quote opened on line 3 never closes: line 3 alone is rejected, lines 4-11 are read
    assert (parsed.records_in, parsed.records_ok, parsed.records_rejected) == (10, 9, 1)
    (reject,) = parsed.all_rejects()
    assert reject.location == "flows.csv:3"
    assert "broken CSV quoting (unexpected end of data)" in reject.reason
    assert "this line alone is rejected" in reject.reason
    assert [r["line"] for r in rows(parsed, "csv_rows")] == [2, *range(4, 12)]
    assert [r["amount"] for r in rows(parsed, "csv_rows")] == [1.0, *map(float, range(3, 11))]


def test_a_quote_that_closes_spans_lines_and_one_that_does_not_is_one_line(
    tmp_path: Path,
) -> None:
    body = (
        HEADER
        + '"United\nStates",IN,1,2020\n'  # lines 2-3: one record, its quote closes
        + 'US,"IN,2,2020\n'  # line 4: its quote never closes
        + "US,PK,3,2020\n"
    )
    parsed = parse("csv", write(tmp_path, body))
    assert [(r.location, r.field) for r in parsed.all_rejects()] == [("flows.csv:4", None)]
    assert [(r["line"], r["amount"]) for r in rows(parsed, "csv_rows")] == [(2, 1.0), (5, 3.0)]


def test_a_quoted_field_spanning_lines_keeps_later_line_numbers_right(tmp_path: Path) -> None:
    body = HEADER + '"United\nStates",IN,1,2020\nAtlantis,IN,1,2020\n'
    parsed = parse("csv", write(tmp_path, body))
    assert [(r.location, r.value) for r in parsed.all_rejects()] == [("flows.csv:4", "Atlantis")]
    assert [r["line"] for r in rows(parsed, "csv_rows")] == [2]


def test_a_duplicated_header_column_rejects_the_file(tmp_path: Path) -> None:
    parsed = parse(
        "csv", write(tmp_path, "buyer_country,seller_country,count,count,year\nUS,IN,1,2,2020\n")
    )
    assert (parsed.records_in, parsed.records_rejected) == (1, 1)
    assert "'count' appears twice" in parsed.all_rejects()[0].reason


def test_a_header_with_a_stray_quote_rejects_the_file_naming_line_1(tmp_path: Path) -> None:
    parsed = parse(
        "csv", write(tmp_path, 'buyer_country,"seller_country,count,year\nUS,IN,1,2020\n')
    )
    assert parsed.records_rejected == parsed.records_in
    assert parsed.all_rejects()[0].location.startswith("flows.csv")
    assert "header cannot be read" in parsed.all_rejects()[0].reason


def test_an_undecodable_byte_rejects_its_row_only(tmp_path: Path) -> None:
    body = (HEADER + "US,IN,1,2020\nUS,IN\xff,2,2020\nUS,PK,3,2020\n").encode("latin-1")
    parsed = parse("csv", write(tmp_path, body))
    assert {r.location for r in parsed.all_rejects()} == {"flows.csv:3"}
    assert any("not UTF-8" in r.reason for r in parsed.all_rejects())
    assert [r["line"] for r in rows(parsed, "csv_rows")] == [2, 4]


def test_exact_duplicate_rows_are_reported_and_counted_once(tmp_path: Path) -> None:
    body = HEADER + "US,IN,5,2020\nUS,PK,1,2020\nUS,IN,5,2020\n"
    parsed = parse("csv", write(tmp_path, body))
    assert [(r.location, r.reason) for r in parsed.all_rejects()] == [
        ("flows.csv:4", "exact duplicate of line 2 (counted once): 1 repeat, on line 4")
    ]
    assert sum(r["amount"] for r in rows(parsed, "csv_rows")) == 6.0


def test_rows_that_differ_only_where_a_cell_holds_a_bar_are_not_repeats(tmp_path: Path) -> None:
    body = (
        "buyer_country,seller_country,count,year,platform,occupation\n"
        "US,IN,5,2020,a|b,writing and translation\n"
        "US,IN,5,2020,a,b|writing and translation\n"
    )
    parsed = parse("csv", write(tmp_path, body))
    assert not [r for r in parsed.all_rejects() if "exact duplicate" in r.reason]


def test_wrong_number_of_cells_and_nul_bytes_reject_their_row(tmp_path: Path) -> None:
    body = HEADER + "US,IN,1\nUS,IN,1,2020,extra\nUS,\0IN,1,2020\nUS,IN,4,2020\n"
    parsed = parse("csv", write(tmp_path, body))
    assert [r.location for r in parsed.all_rejects()] == [
        "flows.csv:2",
        "flows.csv:3",
        "flows.csv:4",
    ]
    assert parsed.records_ok == 1


def test_an_empty_file_or_a_header_alone_gives_no_rows(tmp_path: Path) -> None:
    assert parse("csv", write(tmp_path, b"", "empty.csv")).records_in == 1
    header_only = parse("csv", write(tmp_path, HEADER, "header.csv"))
    assert (header_only.records_in, header_only.all_rejects()) == (0, [])


def test_the_bulk_reader_and_the_row_reader_agree(tmp_path: Path) -> None:
    # a plain file is read in bulk by Arrow; a byte-order mark sends it to the row-by-row reader
    body = "US,IN,1,2020\n\n , ,,\nUS,IN,1\nAtlantis,PK,2,2020\r\nUS,PK,3,2020,x\nGB,BD,4,2021\n"
    bulk = parse("csv", write(tmp_path, HEADER + body, "bulk.csv"))
    rows_ = parse("csv", write(tmp_path, "\ufeff" + HEADER + body, "rows.csv"))
    same = ["line", "year", "buyer_country_code", "seller_country_code", "amount"]
    assert (
        bulk.tables["csv_rows"].select(same).to_pylist()
        == rows_.tables["csv_rows"].select(same).to_pylist()
    )
    assert [(r.location[-2:], r.field, r.value, r.reason) for r in bulk.all_rejects()] == [
        (r.location[-2:], r.field, r.value, r.reason) for r in rows_.all_rejects()
    ]
    assert sorted(r.location for r in bulk.all_rejects()) == [
        "bulk.csv:5",
        "bulk.csv:6",
        "bulk.csv:7",
    ]
    assert (bulk.records_in, bulk.records_ok) == (rows_.records_in, rows_.records_ok) == (5, 2)


def test_quoted_lines_in_a_bulk_file_read_as_the_row_reader_reads_them(tmp_path: Path) -> None:
    # quoted cells (a comma inside, a field spanning lines, a stray quote) among plain lines
    body = (
        "US,IN,1,2020\n"
        '"Bonaire, Sint Eustatius and Saba",IN,2,2020\n'
        "US,PK,3,2020\n"
        '"United\nStates",BD,4,2020\n'
        "Atlantis,PK,5,2020\n"
        'US,"IN",1,2020\n'
        'US,a"b,6,2020\n'
        '"US"x,IN,7,2020\n'
        "US,PK,3,2020\n"
        'US,IN,8,2020,"x\n'
        "GB,BD,9,2021\n"
    )
    bulk = parse("csv", write(tmp_path, HEADER + body, "bulk.csv"))
    rows_ = parse("csv", write(tmp_path, "\ufeff" + HEADER + body, "rows.csv"))
    same = ["line", "year", "buyer_country_code", "seller_country_code", "amount"]
    assert (
        bulk.tables["csv_rows"].select(same).to_pylist()
        == rows_.tables["csv_rows"].select(same).to_pylist()
    )
    # line 13 follows a quote that never closes (line 12): it is read as a record of its own
    assert [r["line"] for r in rows(bulk, "csv_rows")] == [2, 3, 4, 5, 13]
    found = sorted((r.location[-3:], r.field, r.reason) for r in bulk.all_rejects())
    assert found == sorted((r.location[-3:], r.field, r.reason) for r in rows_.all_rejects())
    assert [(r.location, r.field, r.value) for r in bulk.all_rejects()] == [
        ("bulk.csv:10", None, None),  # '"US"x': text after a closing quote
        ("bulk.csv:12", None, None),  # a quote never closed: line 12 alone is rejected
        ("bulk.csv:7", "buyer_country", "Atlantis"),  # after the field spanning lines 5-6
        ("bulk.csv:8", None, None),  # 'US,"IN",1,2020' is line 2 again
        ("bulk.csv:9", "seller_country", 'a"b'),
        ("bulk.csv:11", None, None),
    ]
    assert "this line alone is rejected" in bulk.all_rejects()[1].reason
    assert (bulk.records_in, bulk.records_ok, bulk.records_rejected) == (
        rows_.records_in,
        rows_.records_ok,
        rows_.records_rejected,
    )


def test_the_size_bound_is_the_yaml_s_unless_the_environment_sets_it(monkeypatch) -> None:
    from pipeline.sources import meta

    yaml_file = Path(user_csv.__file__).with_suffix(".yaml")
    monkeypatch.delenv("ATLAS_MAX_MB_CSV", raising=False)
    assert meta.load(yaml_file).max_mb == 200  # user_csv.yaml
    monkeypatch.setenv("ATLAS_MAX_MB_CSV", "1000")
    assert meta.load(yaml_file).max_bytes == 1000 * 1024 * 1024
    monkeypatch.setenv("ATLAS_MAX_MB_CSV", "lots")
    with pytest.raises(meta.MetadataError, match="ATLAS_MAX_MB_CSV must be a whole number"):
        meta.load(yaml_file)
