"""Property tests: whatever bytes a raw file holds, every parser returns rows and rejects that
account for every record, and never raises."""

from __future__ import annotations

import tempfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from ingest import parse

HEADERS = {
    "csv": b"buyer_country,seller_country,count,year\n",
    "oli": b"timestamp,country,country_group,occupation,count\n",
    "remotework": b'"","year","employer_country_real","employer_admin1","worker_country_real",'
    b'"worker_admin1","count","employer_lat","employer_lng","worker_lat","worker_lng"\n',
    "freelancer": b'{"status": "success", "result": ',
}
NAMES = {
    "csv": "flows.csv",
    "oli": "bcountrydata_2020-01-01.txt",
    "remotework": "olm_network_data_2015.csv",
    "freelancer": "projects_1_2_0000000.json",
}
cells = st.sampled_from(
    [
        "US",
        "India",
        "NA",
        "",
        " ",
        "2015",
        "2015-13-45",
        "1e308",
        "-1",
        "nan",
        '"',
        '""',
        "\xff",
        "Writing and translation",
        "true",
        "0",
        "7",
        "\r",
        "\n",
        ";",
        "\x00",
    ]
)
lines = st.lists(st.lists(cells, min_size=1, max_size=12), max_size=12)


@pytest.mark.parametrize("source_id", sorted(HEADERS))
@settings(max_examples=25, deadline=5000, suppress_health_check=[HealthCheck.too_slow])
@given(body=lines, raw=st.binary(max_size=200))
def test_any_file_gives_rows_and_rejects_that_add_up(source_id: str, body, raw: bytes) -> None:
    text = "\n".join(",".join(row) for row in body).encode("utf-8", "surrogateescape")
    with tempfile.TemporaryDirectory() as folder:
        for content in (HEADERS[source_id] + text, HEADERS[source_id] + raw, raw):
            path = Path(folder) / NAMES[source_id]
            path.write_bytes(content)
            parsed = parse(source_id, path)  # checks records in = used + rejected
            assert all(r.location.startswith(path.name) for r in parsed.all_rejects())
            staged = sum(t.num_rows for t in parsed.tables.values())
            assert staged <= parsed.records_in


def read_flows(text: str) -> tuple[list[dict], list[tuple], int]:
    """A user table's records (with their lines), rejects and record count, as the tabular
    reader gives them now (tests patch which of its readers it may take)."""
    from pipeline.parse import tabular
    from pipeline.sources.contract import RawFile

    wanted = ("buyer_country", "seller_country", "count", "year")
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "flows.csv"
        path.write_bytes(text.encode())
        table = tabular.read_table(RawFile(path, "0" * 64), "csv", 1 << 20, wanted=wanted)
        rows = sorted(table.arrow(list(wanted)).to_pylist(), key=lambda r: r["line"])
        rejects = sorted((r.location, r.reason) for r in table.rejects)
        return rows, rejects, table.records_in


quoted_cells = st.sampled_from(
    ["US", "India", "", " ", '"a,b"', '"line\nbreak"', '"open', 'x"y', '""', "2015", "7", "\t"]
)
quoted_lines = st.lists(st.lists(quoted_cells, min_size=1, max_size=6), max_size=40)


@settings(max_examples=60, deadline=10_000, suppress_health_check=[HealthCheck.too_slow])
@given(body=quoted_lines, block=st.sampled_from([64, 256, 4096]))
def test_the_block_reader_reads_what_the_row_by_row_reader_reads(body, block: int) -> None:
    """Quoted fields that span lines, and blocks, and broken quoting: the bulk reader, whatever
    its block size, gives the row-by-row reader's records, lines and rejects."""
    from pipeline.parse import tabular

    text = "buyer_country,seller_country,count,year\n" + "\n".join(",".join(r) for r in body)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tabular, "_plain_unquoted", lambda _path: False)
        expected = read_flows(text)
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tabular, "BLOCK_BYTES", block)
        patch.setattr(tabular, "read_cells", lambda *args: None)
        got = read_flows(text)
    assert got == expected


engine_cells = st.sampled_from(
    [
        "US",
        "India",
        "",
        " ",
        '"a,b"',
        '"line\nbreak"',
        '"open',
        'x"y',
        '""',
        '""""',
        "2015",
        "\t",
        ' "a"',
        '"a" ',
        '"a "',
        "\u00a0",
        "é",
        "x\ry",
        "\u3000b",
    ]
)
engine_lines = st.lists(st.lists(engine_cells, min_size=1, max_size=6), max_size=40)


@settings(max_examples=80, deadline=10_000, suppress_health_check=[HealthCheck.too_slow])
@given(body=engine_lines, end=st.sampled_from(["", "\n", "\r\n"]), crlf=st.booleans())
def test_the_engine_reader_reads_what_the_row_by_row_reader_reads(body, end, crlf) -> None:
    """DuckDB's reading of a file (taken only when each line is one record, and nothing is
    read otherwise than Python reads it) gives the row-by-row reader's records, lines and
    rejects: spaces beside quotes, blank lines, carriage returns, quoted separators."""
    from pipeline.parse import tabular

    newline = "\r\n" if crlf else "\n"
    rows = [",".join(r) for r in body]
    text = "buyer_country,seller_country,count,year" + newline + newline.join(rows) + end
    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(tabular, "_plain_unquoted", lambda _path: False)
        expected = read_flows(text)
    assert read_flows(text) == expected
