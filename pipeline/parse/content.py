"""What a delimited file says of itself, read leniently: its header, whether a row follows,
and how often each value of one column occurs.

A source checks with these that a file's content agrees with what its name claims (the year of
a year file, the kind of a series) before the raw store takes the file as a version of another
(``check_content`` in the source modules). Unlike :func:`pipeline.parse.tabular.read_table`,
nothing here is strict: a malformed line is skipped, undecodable bytes are replaced, because
the question is what most of the file is, not which line is wrong (the parse says that).
"""

from __future__ import annotations

import csv
import io
from collections import Counter
from pathlib import Path

import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from pipeline.parse.tabular import open_bytes

# lines read after the header to find a first row
_HEAD_LINES = 1000


def _cells(line: str, delimiters: str) -> tuple[str, list[str]]:
    delimiter = max(delimiters, key=line.count)
    try:
        cells = next(csv.reader([line], delimiter=delimiter), [])
    except csv.Error:
        cells = line.split(delimiter)
    return delimiter, [c.strip().strip('"').strip().casefold() for c in cells]


def head(path: Path, max_bytes: int, delimiters: str = ",") -> tuple[list[str], bool]:
    """The header's column names (trimmed, case-folded) and whether a non-blank line follows
    it within the next thousand lines."""
    with open_bytes(path, max_bytes) as body:
        text = io.TextIOWrapper(body, encoding="utf-8-sig", errors="replace", newline="")
        first = text.readline()
        _, header = _cells(first.rstrip("\r\n"), delimiters)
        for _ in range(_HEAD_LINES):
            line = text.readline()
            if not line:
                break
            if line.strip():
                return header, True
    return header, False


def value_counts(
    path: Path, max_bytes: int, column: str, delimiters: str = ","
) -> tuple[list[str], Counter[str]]:
    """The header and, for the rows whose cell count matches it, how often each (trimmed) value
    of ``column`` occurs; an empty count when the header has no such column."""
    header, _ = head(path, max_bytes, delimiters)
    if column not in header:
        return header, Counter()
    with open_bytes(path, max_bytes) as body:
        first = io.TextIOWrapper(body, encoding="utf-8-sig", errors="replace", newline="")
        delimiter, _ = _cells(first.readline().rstrip("\r\n"), delimiters)
    try:
        return header, _arrow_counts(path, max_bytes, header, header.index(column), delimiter)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        return header, _python_counts(path, max_bytes, header.index(column), delimiter)


def _arrow_counts(
    path: Path, max_bytes: int, header: list[str], position: int, delimiter: str
) -> Counter[str]:
    """The counts by Arrow, block by block, the column read as bytes (so no byte fails it)."""
    names = [f"c{i}" for i in range(len(header))]
    counts: Counter[str] = Counter()
    with open_bytes(path, max_bytes) as body:
        reader = pa_csv.open_csv(
            body,
            read_options=pa_csv.ReadOptions(column_names=names, skip_rows=1),
            parse_options=pa_csv.ParseOptions(
                delimiter=delimiter, invalid_row_handler=lambda _: "skip"
            ),
            convert_options=pa_csv.ConvertOptions(
                include_columns=[names[position]],
                column_types={names[position]: pa.binary()},
                strings_can_be_null=False,
            ),
        )
        for batch in reader:
            found = pc.value_counts(batch.column(0))
            for value, n in zip(
                found.field("values").to_pylist(), found.field("counts").to_pylist(), strict=True
            ):
                counts[value.decode("utf-8", "replace").strip()] += int(n)
    return counts


def _python_counts(path: Path, max_bytes: int, position: int, delimiter: str) -> Counter[str]:
    """The same counts row by row, for what Arrow refuses (broken quoting, for one)."""
    counts: Counter[str] = Counter()
    with open_bytes(path, max_bytes) as body:
        text = io.TextIOWrapper(body, encoding="utf-8-sig", errors="replace", newline="")
        text.readline()
        reader = csv.reader(text, delimiter=delimiter)
        while True:
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error:
                continue  # the parse names this line; here it is one row less
            if len(row) > position:
                counts[row[position].strip()] += 1
    return counts
