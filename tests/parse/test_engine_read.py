"""DuckDB reads a plain user table in bulk, and gives exactly what the exact reader gives:
the same staged rows and the same rejects, at the same physical lines."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest import parse

from pipeline.parse import engine_read, tabular

# quoted names holding the separator, accents, a doubled quote, spaces to trim, an exact
# repeat and four bad rows (unknown country, year, negative count, unknown occupation)
TABLE = (
    "buyer_country,seller_country,count,year,platform,occupation\n"
    '"Korea, Republic of",India,120,2019,Example platform,Software Development and Technology\n'
    "Royaume-Uni,Pakistan,40,2019,,writing and translation\n"
    "  Stati Uniti ,Filippine,35,2019,,\n"
    'Côte d\'Ivoire,Sénégal,9,2021,"The ""best"" platform",\n'
    "Atlantis,India,3,2020,,\n"
    "France,Maroc,4,20x0,,\n"
    "Royaume-Uni,Pakistan,40,2019,,writing and translation\n"
    "Canada,India,-2,2020,,\n"
    '"Bolivia, Plurinational State of",Perù,6,2020,,cooking\n'
)


def _parsed(path: Path, engine: bool) -> tuple[list[dict], list[tuple], tuple[int, int, int]]:
    with pytest.MonkeyPatch.context() as patch:
        if not engine:
            patch.setattr(tabular, "_plain_unquoted", lambda _path: False)
        parsed = parse("csv", path)
    rejects = sorted((r.location, r.field, r.value, r.reason) for r in parsed.all_rejects())
    counts = (parsed.records_in, parsed.records_ok, parsed.records_rejected)
    return parsed.tables["csv_rows"].to_pylist(), rejects, counts


def _spy(patch: pytest.MonkeyPatch) -> list[bool]:
    taken: list[bool] = []

    def read_cells(*args: object) -> object:
        result = engine_read.read_cells(*args)  # type: ignore[arg-type]
        taken.append(result is not None)
        return result

    patch.setattr(tabular, "read_cells", read_cells)
    return taken


def _through_the_engine(path: Path) -> tuple[list[dict], list[tuple], tuple[int, int, int]]:
    """The file parsed with DuckDB reading it (asserted), and the same as the exact reader."""
    with pytest.MonkeyPatch.context() as patch:
        taken = _spy(patch)
        parsed = _parsed(path, engine=True)
    assert taken == [True]
    assert parsed == _parsed(path, engine=False)
    return parsed


def test_the_engine_and_the_exact_reader_stage_the_same_rows_and_rejects(tmp_path) -> None:
    path = tmp_path / "flows.csv"
    path.write_text(TABLE, encoding="utf-8", newline="")
    rows, rejects, counts = _through_the_engine(path)
    # worked out from TABLE: 9 records, 4 usable, 5 rejected (lines 6-10)
    assert counts == (9, 4, 5)
    assert [(r["line"], r["buyer_country_code"], r["seller_country_code"]) for r in rows] == [
        (2, "KOR", "IND"),
        (3, "GBR", "PAK"),
        (4, "USA", "PHL"),
        (5, "CIV", "SEN"),
    ]
    assert rows[3]["platform"] == 'The "best" platform'
    assert [(r[0], r[1], r[2]) for r in rejects] == [
        ("flows.csv:10", "occupation", "cooking"),
        ("flows.csv:6", "buyer_country", "Atlantis"),
        ("flows.csv:7", "year", "20x0"),
        ("flows.csv:8", None, None),
        ("flows.csv:9", "count", "-2"),
    ]


@pytest.mark.parametrize(
    "body",
    [
        '"United States",India,5,2019,,\n"Line\nbreak",India,5,2019,,\n',  # a cell over 2 lines
        "United States,India,5,2019,,\n\nIndia,Nepal,2,2019,,\n",  # a blank line
        'United States, "India",5,2019,,\n',  # a space before a quote
        "United States,India,5,2019\n",  # a record short of cells
        'United States,"India,5,2019,,\n',  # a quote that does not close
        "United States,India,5,2019,,,\n",  # one empty cell too many: DuckDB would drop it
        'United States,India,5,2019,,,""',  # the same, quoted, at the end of the file
        '"Korea, Republic of",India,5,2019,,,\n',  # the same, after a quoted separator
    ],
)
def test_a_file_duckdb_could_misread_goes_to_the_exact_reader(tmp_path, body: str) -> None:
    path = tmp_path / "flows.csv"
    path.write_text(TABLE.split("\n")[0] + "\n" + body, encoding="utf-8", newline="")
    with pytest.MonkeyPatch.context() as patch:
        taken = _spy(patch)
        got = _parsed(path, engine=True)
    assert taken == [False]
    assert got == _parsed(path, engine=False)


def test_empty_quoted_last_cells_after_quoted_separators_stay_with_the_engine(tmp_path) -> None:
    # as DuckDB and pandas write empty strings: "" as the last cell, on lines whose quoted
    # names hold the separator (five delimiters outside quotes, six in all)
    path = tmp_path / "flows.csv"
    body = (
        '"Korea, Republic of",India,120,2019,,""\n'
        '"Congo, Rep.","Bolivia, Plurinational State of",7,2020,"",""\n'
        'France,"Maroc",4,2020,,""\n'
    )
    path.write_text(TABLE.split("\n")[0] + "\n" + body, encoding="utf-8", newline="")
    rows, rejects, counts = _through_the_engine(path)
    assert [(r["line"], r["buyer_country_code"], r["seller_country_code"]) for r in rows] == [
        (2, "KOR", "IND"),
        (3, "COG", "BOL"),
        (4, "FRA", "MAR"),
    ]
    assert (rejects, counts) == ([], (3, 3, 0))


def test_a_line_of_spaces_and_separators_is_no_record_with_the_engine(tmp_path) -> None:
    path = tmp_path / "flows.csv"
    body = "France,Maroc,4,2020,,\n  , ,,\t,,\nRoyaume-Uni,Pakistan,40,2019,,\n"
    path.write_text(TABLE.split("\n")[0] + "\n" + body, encoding="utf-8", newline="")
    rows, rejects, counts = _through_the_engine(path)
    # line 3 is blank: two records, at lines 2 and 4
    assert (rejects, counts) == ([], (2, 2, 0))
    assert [r["line"] for r in rows] == [2, 4]
