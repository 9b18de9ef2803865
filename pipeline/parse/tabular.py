"""Reading delimited text files strictly, in column batches, with the physical line of each row.

Python's csv module does the splitting because it reports the physical line a record starts on
(right after a quoted field spanning lines) and fails on malformed quoting instead of guessing;
neither DuckDB's nor Arrow's CSV readers give line numbers per row. Only a quote that closes
spans lines: a record whose quoting fails rejects its first line, and the lines after it are
read again as records of their own, so one stray quote cannot take the rest of the file.
Records are turned into Arrow columns a batch at a time, so memory stays bounded and every check
after this runs vectorised in DuckDB (``sql/parse/``).

Why one module of this length: the block reader and the row-by-row reader must agree line for
line (a property test compares them); kept side by side, a change to one is seen beside the other.
"""

from __future__ import annotations

import csv
import difflib
import gzip
import io
import re
import zipfile
import zlib
from collections import deque
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc
import pyarrow.csv as pa_csv

from pipeline.parse.engine_read import read_cells
from pipeline.raw.versions import RawFile
from pipeline.util import archive
from pipeline.util.paths import SQL_DIR
from pipeline.util.records import Reject

BATCH_ROWS = 200_000
# the bulk reader's block of lines: memory holds one block of text at a time
BLOCK_BYTES = 1 << 24
MAX_FIELD_CHARS = 200
MAX_CELL_BYTES = 1 << 20
UNDECODABLE = "\ufffd"  # what an undecodable byte is read as; its row is then rejected
# the column of a check's result, and of its rejects, that says how many exact repeats of an
# earlier line one reject stands for (null for every other reject)
REPEATS = "repeats"
# what str.strip() (and Arrow's utf8_trim_whitespace) removes, as an RE2 class: a line of
# these and delimiters is blank
_SPACE = "".join(f"\\x{{{ord(c):x}}}" for c in map(chr, range(0x3001)) if c.isspace())

csv.field_size_limit(MAX_CELL_BYTES)


class TableError(ValueError):
    """The file as a whole cannot be read as the expected table; the message says where."""


@contextmanager
def open_bytes(path: Path, max_bytes: int) -> Iterator[io.BufferedReader]:
    """The body of a plain file, the single member of a zip, or a gzip, bounded in size."""

    def too_big() -> TableError:
        return TableError(f"{path.name}: more than {max_bytes} bytes once decompressed")

    def several(members: list[zipfile.ZipInfo]) -> TableError:
        names = ", ".join(m.filename for m in members[:5])
        return TableError(f"zip holds {len(members)} files ({names}); expected one")

    with path.open("rb") as raw:
        outer = archive.kind_of(raw)
        try:
            with archive.open_body(raw, max_bytes, too_big, several) as body:
                inner = archive.kind_of_bytes(body.peek(4)[:4]) if outer else None
                if inner is not None:
                    raise TableError(
                        f"the archive holds another archive (a {inner} file): extract it and "
                        "import the file inside"
                    )
                yield body
        except (zipfile.BadZipFile, zlib.error, gzip.BadGzipFile, EOFError) as err:
            raise TableError(f"damaged archive ({err}): download the file again") from None


@dataclass
class Table:
    """A delimited file read as text: its header, Arrow batches of the well-formed records
    (column ``line`` = physical line the record starts on) and rejects for the others."""

    header: list[str]
    batches: list[pa.Table] = field(default_factory=list)
    rejects: list[Reject] = field(default_factory=list)
    records_in: int = 0

    def arrow(self, columns: Sequence[str]) -> pa.Table:
        names = ["line", *columns]
        if not self.batches:
            return pa.table(
                {n: pa.array([], pa.int64() if n == "line" else pa.string()) for n in names}
            )
        return pa.concat_tables(self.batches).select(names)


def _trimmed(batch: pa.Table) -> pa.Table:
    """The cells trimmed once, as they are read (Arrow's whitespace is str.strip's), so the
    checks and the name lookups see the same values."""
    for position, name in enumerate(batch.column_names):
        if name != "line":
            batch = batch.set_column(position, name, pc.utf8_trim_whitespace(batch[name]))
    return batch


# Byte-order marks and the first bytes of a header in UTF-16 or UTF-32 without one ("b\0u\0"):
# text in another encoding than UTF-8, named so that the user can convert it
_WIDE_TEXT = (
    (b"\x00\x00\xfe\xff", "UTF-32 big-endian", "UTF-32BE"),
    (b"\xff\xfe\x00\x00", "UTF-32 little-endian", "UTF-32LE"),
    (b"\xfe\xff", "UTF-16 big-endian", "UTF-16BE"),
    (b"\xff\xfe", "UTF-16 little-endian", "UTF-16LE"),
)
# Excel's first line naming the delimiter ("sep=;"), written by its CSV export in some locales
_SEP_LINE = re.compile(r"(?i)sep=(.)")


def _not_utf8(name: str, leading: bytes) -> TableError | None:
    """An error naming the encoding when the file starts as UTF-16 or UTF-32 text."""
    found = next(
        ((label, code) for bom, label, code in _WIDE_TEXT if leading.startswith(bom)), None
    )
    pattern = bytes(b != 0 for b in leading[:4])
    if found is None and pattern == b"\x01\x00\x01\x00":
        found = ("UTF-16 little-endian", "UTF-16LE")
    if found is None and pattern == b"\x00\x01\x00\x01":
        found = ("UTF-16 big-endian", "UTF-16BE")
    if found is None:
        return None
    label, code = found
    return TableError(
        f'the file is {label} text, not UTF-8: save it as UTF-8 (a spreadsheet\'s "CSV UTF-8", '
        f"or iconv -f {code} -t UTF-8 {name} > utf8-{name}) and import that"
    )


def _header(line: str, delimiters: str, name: str, number: int = 1) -> tuple[str, list[str]]:
    delimiter = max(delimiters, key=line.count)
    try:
        cells = next(csv.reader([line], delimiter=delimiter, strict=True), [])
    except csv.Error as err:
        raise TableError(f"{name}:{number}: the header cannot be read ({err})") from err
    return delimiter, [c.strip().strip('"').strip().casefold() for c in cells]


def _declared_delimiter(line: str, delimiters: str, name: str) -> str | None:
    """The delimiter a ``sep=X`` first line declares (Excel's), None without one."""
    declared = _SEP_LINE.fullmatch(line.strip())
    if declared is None:
        return None
    delimiter = declared[1]
    if delimiter not in delimiters:
        readable = ", ".join(repr(d) for d in delimiters)
        raise TableError(
            f"{name}:1: the first line {line.strip()!r} declares the delimiter {delimiter!r}, "
            f"which this source does not read ({readable}): save the table with one of those"
        )
    return delimiter


def missing_columns(missing: Sequence[str], header: Sequence[str], needed: Sequence[str]) -> str:
    """Why a header lacks ``missing``: each with the header's closest unknown column, if any
    ("did you mean"), and the columns needed."""
    unknown = [c for c in header if c and c not in needed]
    parts = []
    for column in missing:
        close = difflib.get_close_matches(column, unknown, n=1, cutoff=0.6)
        hint = f" (did you mean {close[0]!r}? rename it to {column})" if close else ""
        parts.append(column + hint)
    return (
        f"no {', '.join(parts)} column in the header: add it (columns needed: {', '.join(needed)})"
    )


def _broken_quoting(err: csv.Error) -> str:
    return (
        f"broken CSV quoting ({err}): a quote that does not close is no record; this line alone "
        "is rejected and the next line is read as a new record"
    )


class _Lines:
    """The physical lines of a text, numbered, as the csv reader takes them one at a time; the
    lines of a record it could not read are given back, to be read again as new records."""

    def __init__(self, text: Iterator[str], first: int) -> None:
        self._text, self._next = text, first
        self._back: deque[tuple[int, str]] = deque()
        self.taken: list[tuple[int, str]] = []

    def __iter__(self) -> _Lines:
        return self

    def __next__(self) -> str:
        if self._back:
            number, line = self._back.popleft()
        else:
            line = next(self._text)
            number, self._next = self._next, self._next + 1
        self.taken.append((number, line))
        return line

    def give_back(self, lines: Sequence[tuple[int, str]]) -> None:
        self._back.extendleft(reversed(lines))


def read_table(
    raw: RawFile,
    source_id: str,
    max_bytes: int,
    *,
    delimiters: str = ",",
    wanted: Sequence[str],
    max_rows: int = 50_000_000,
) -> Table:
    """Read ``raw`` as a delimited table whose header names (some of) ``wanted``.

    A duplicated header column, an unreadable archive, text in UTF-16 or UTF-32 or a body over
    ``max_bytes`` raise TableError. An Excel ``sep=X`` first line sets the delimiter. A record
    with another number of cells than the header, or a NUL byte, becomes a reject naming its
    line; a quote that does not close rejects the line it starts on, and reading resumes on the
    next line (only a quote that closes spans lines); blank lines are not records.
    """
    with open_bytes(raw.path, max_bytes) as body:
        wide = _not_utf8(raw.name, body.peek(4)[:4])
        if wide is not None:
            raise wide
    with _text(raw.path, max_bytes) as text:
        first = text.readline()
        header_line = 1
        declared = _declared_delimiter(first, delimiters, raw.name)
        if declared is not None:
            first, header_line = text.readline(), 2
        delimiter, header = _header(
            first.rstrip("\r\n"), declared or delimiters, raw.name, header_line
        )
        seen: set[str] = set()
        for name in header:
            if name in seen and name in wanted:
                raise TableError(
                    f"{raw.name}:{header_line}: column {name!r} appears twice in the header"
                )
            seen.add(name)
        positions = {name: header.index(name) for name in wanted if name in header}
        fast = _unquoted_table(
            raw, source_id, max_bytes, delimiter, header, positions, max_rows, header_line
        )
        if fast is not None:
            return fast
        table = Table(header)
        lines = _Lines(text, header_line + 1)
        reader = csv.reader(lines, delimiter=delimiter, strict=True)
        width = len(header)
        rows: list[list[str]] = []
        numbers: list[int] = []
        while True:
            lines.taken.clear()
            try:
                row = next(reader)
            except StopIteration:
                break
            except csv.Error as err:
                table.records_in += 1
                start = lines.taken[0][0]
                table.rejects.append(
                    Reject(source_id, f"{raw.name}:{start}", None, None, _broken_quoting(err))
                )
                lines.give_back(lines.taken[1:])
                continue
            if not any(cell.strip() for cell in row):
                continue
            start = lines.taken[0][0]
            table.records_in += 1
            if table.records_in > max_rows:
                raise TableError(f"{raw.name}: more than {max_rows} records")
            if len(row) != width:
                reason = f"{len(row)} columns, the header has {width}"
                table.rejects.append(Reject(source_id, f"{raw.name}:{start}", None, None, reason))
                continue
            rows.append(row)
            numbers.append(start)
            if len(rows) >= BATCH_ROWS:
                table.batches.append(_trimmed(_batch(rows, numbers, positions)))
                rows, numbers = [], []
        if rows:
            table.batches.append(_trimmed(_batch(rows, numbers, positions)))
    return table


def _unquoted_table(
    raw: RawFile,
    source_id: str,
    max_bytes: int,
    delimiter: str,
    header: list[str],
    positions: dict[str, int],
    max_rows: int,
    header_line: int = 1,
) -> Table | None:
    """The same table read in bulk when the file allows it; None otherwise.

    DuckDB reads the file when every line after the header is one record
    (pipeline/parse/engine_read.py). Otherwise Arrow reads it block by block:
    it reads the lines of a plain UTF-8 file as text, in order, a block at a time, and the
    physical line numbers follow from the count of lines before. Lines without a quote character
    are split exactly by the delimiter, in C++; the few that hold one go through Python's csv
    reader, which consumes the lines a quoted field spans (reading on into the next blocks when
    it must) and fails on broken quoting, as for any quoted file. Only one block of lines is
    held at a time, so memory follows the cells kept, not the file. Archives, NUL or
    undecodable bytes and a BOM take the row-by-row reader for the whole file.
    """
    if raw.path.stat().st_size > max_bytes or not _plain_unquoted(raw.path):
        return None
    engine = read_cells(raw.path, delimiter, len(header), positions, header_line, MAX_CELL_BYTES)
    if engine is not None:
        cells, records = engine
        if records > max_rows:
            raise TableError(f"{raw.name}: more than {max_rows} records")
        return Table(header, [cells] if cells.num_rows else [], [], records)
    table = Table(header)
    # a Python file, not the path: given a path, Arrow reads the whole file ahead at once
    with raw.path.open("rb") as handle:
        try:
            return _unquoted_blocks(
                handle, raw, source_id, delimiter, header, positions, max_rows, table, header_line
            )
        except (pa.ArrowInvalid, pa.ArrowTypeError, StopIteration):
            return None  # e.g. undecodable bytes: the row-by-row reader names their line


def _unquoted_blocks(
    handle: IO[bytes],
    raw: RawFile,
    source_id: str,
    delimiter: str,
    header: list[str],
    positions: dict[str, int],
    max_rows: int,
    table: Table,
    header_line: int,
) -> Table:
    """Read the lines block by block into ``table`` (see _unquoted_table)."""
    reader = pa_csv.open_csv(
        handle,
        read_options=pa_csv.ReadOptions(
            column_names=["text"], skip_rows=header_line, block_size=BLOCK_BYTES
        ),
        parse_options=pa_csv.ParseOptions(
            delimiter="\x01", quote_char=False, ignore_empty_lines=False
        ),
        convert_options=pa_csv.ConvertOptions(
            column_types={"text": pa.string()}, strings_can_be_null=False
        ),
    )
    batches = (batch.column(0) for batch in reader)
    first_line = header_line + 1
    for chunk in batches:
        block = _Block([chunk], batches)
        consumed = _quoted_records(
            raw, source_id, delimiter, header, positions, block, first_line, table
        )
        lines = pa.chunked_array(block.chunks, pa.string())
        keep = np.ones(len(lines), dtype=bool)
        keep[consumed] = False
        numbers = pa.chunked_array([np.arange(first_line, first_line + len(lines), dtype=np.int64)])
        _split(raw, source_id, delimiter, header, positions, lines, numbers, keep, table)
        first_line += len(lines)
        del lines, numbers, block
        # the block's text is no longer needed: give its memory back
        pa.default_memory_pool().release_unused()
        if table.records_in > max_rows:
            raise TableError(f"{raw.name}: more than {max_rows} records")
    table.rejects.sort(key=lambda r: int(r.location.rsplit(":", 1)[1]))
    return table


class _Block:
    """The lines of one block, which a quoted field may extend with the next blocks."""

    def __init__(self, chunks: list[pa.Array], more: Iterator[pa.Array]) -> None:
        self.chunks, self._more = chunks, more
        self.length = sum(len(c) for c in chunks)

    def extend(self) -> bool:
        """Append the next block of the file; False at its end."""
        chunk = next(self._more, None)
        if chunk is None:
            return False
        self.chunks.append(chunk)
        self.length += len(chunk)
        return True


def _quoted_records(
    raw: RawFile,
    source_id: str,
    delimiter: str,
    header: list[str],
    positions: dict[str, int],
    block: _Block,
    first_line: int,
    table: Table,
) -> list[int]:
    """Read the records that start on the lines holding a quote with Python's csv reader (it
    takes as many lines as a quoted field spans, from the next blocks too); returns the indices
    (in the block) of the lines used."""
    consumed: list[int] = []
    rows: list[list[str]] = []
    numbers: list[int] = []
    offset = 0
    position = 0
    while position < len(block.chunks):
        chunk = block.chunks[position]
        quoted = np.flatnonzero(pc.match_substring(chunk, '"').to_numpy(zero_copy_only=False))
        for start in (offset + quoted).tolist():
            if consumed and start <= consumed[-1]:
                continue  # inside a record read already

            def text(first: int = start) -> Iterator[str]:
                index = first
                while True:
                    if index >= block.length and not block.extend():
                        return
                    consumed.append(index)
                    yield str(_line_at(block, index)) + "\n"
                    index += 1

            reader = csv.reader(text(), delimiter=delimiter, strict=True)
            record_line = first_line + start
            mark = len(consumed)
            try:
                row = next(reader)
            except StopIteration:
                continue
            except csv.Error as err:
                table.records_in += 1
                table.rejects.append(
                    Reject(source_id, f"{raw.name}:{record_line}", None, None, _broken_quoting(err))
                )
                # the lines after it are read again, as records of their own
                del consumed[mark + 1 :]
                continue
            if not any(cell.strip() for cell in row):
                continue
            table.records_in += 1
            if len(row) != len(header):
                reason = f"{len(row)} columns, the header has {len(header)}"
                table.rejects.append(
                    Reject(source_id, f"{raw.name}:{record_line}", None, None, reason)
                )
                continue
            rows.append(row)
            numbers.append(record_line)
        offset += len(chunk)
        position += 1
    if rows:
        table.batches.append(_trimmed(_batch(rows, numbers, positions)))
    return consumed


def _line_at(block: _Block, index: int) -> str:
    for chunk in block.chunks:
        if index < len(chunk):
            return str(chunk[index].as_py())
        index -= len(chunk)
    raise IndexError(index)


def _plain_unquoted(path: Path) -> bool:
    """True for an uncompressed file without BOM, NUL or \\x01 bytes."""
    with path.open("rb") as handle:
        start = handle.read(4)
        if archive.kind_of_bytes(start) is not None or start[:3] == b"\xef\xbb\xbf":
            return False
        handle.seek(0)
        while chunk := handle.read(1 << 24):
            if b"\x00" in chunk or b"\x01" in chunk:
                return False
    return True


def _split(
    raw: RawFile,
    source_id: str,
    delimiter: str,
    header: list[str],
    positions: dict[str, int],
    lines: pa.ChunkedArray,
    numbers: pa.ChunkedArray,
    keep: np.ndarray,
    table: Table,
) -> None:
    """Split the lines marked ``keep`` into the wanted columns; lines of another width are
    rejects, blank lines are not records.

    Arrow splits a block of lines in C++ (the positions come from the header); blank lines are
    found first by one regular expression. Only what one block needs is held."""
    blank = pc.match_substring_regex(lines, f"^[\\x{{{ord(delimiter):x}}}{_SPACE}]*$")
    keep &= ~blank.to_numpy(zero_copy_only=False)
    table.records_in += int(keep.sum())
    if not keep.any():
        return
    mask = pa.array(keep)
    kept_lines = pc.filter(lines, mask)
    kept_numbers = pc.filter(numbers, mask)
    cells = pc.split_pattern(kept_lines, delimiter)
    width = pc.list_value_length(cells)
    right = pc.equal(width, len(header))
    if not pc.all(right).as_py():
        wrong = pc.invert(right)
        for line, found in zip(
            pc.filter(kept_numbers, wrong).to_pylist(),
            pc.filter(width, wrong).to_pylist(),
            strict=True,
        ):
            reason = f"{found} columns, the header has {len(header)}"
            table.rejects.append(Reject(source_id, f"{raw.name}:{line}", None, None, reason))
        cells = pc.filter(cells, right)
        kept_numbers = pc.filter(kept_numbers, right)
    columns = {"line": kept_numbers}
    for name, at in positions.items():
        columns[name] = pc.list_element(cells, at)
    table.batches.append(_trimmed(pa.table(columns)))


def _batch(rows: list[list[str]], lines: list[int], positions: dict[str, int]) -> pa.Table:
    columns = list(zip(*rows, strict=True))
    data: dict[str, pa.Array] = {"line": pa.array(lines, pa.int64())}
    for name, position in positions.items():
        data[name] = pa.array(columns[position], pa.string())
    return pa.table(data)


@contextmanager
def _text(path: Path, max_bytes: int) -> Iterator[io.TextIOWrapper]:
    """The file's text, decoded as UTF-8 (a BOM dropped); undecodable bytes are read as U+FFFD
    so that the row holding them is rejected by name rather than the whole file."""
    with open_bytes(path, max_bytes) as body:
        yield io.TextIOWrapper(body, encoding="utf-8-sig", errors="replace", newline="")


def run_checks(
    name: str,
    rows: pa.Table,
    lookups: Mapping[str, pa.Table],
    params: Mapping[str, object],
    staged: Sequence[str],
    counted: Sequence[str] = (),
) -> tuple[pa.Table, pa.Table, int, dict[str, int]]:
    """Run the checks of ``sql/parse/<name>.sql`` over the rows.

    The query returns every row with ``source_id, location, line``, the ``staged`` columns,
    ``problems`` (a list of field, value, reason), ``is_staged`` (the row goes to staging:
    usually when it has no problem) and optionally ``repeats``: on the one row whose problem
    sums up the exact repeats of an earlier line, how many lines it stands for (the other
    repeats have no problem and are not staged). Returns the staged rows (``staged`` columns),
    the rejects as columns (``Parsed.reject_rows``: one per problem, by line, with
    ``repeats``), the number of records rejected (a summing row counts for its repeats), and
    for each boolean column in ``counted`` the number of rows where it is true.
    """
    # bounded, so that a large file spills to disk rather than growing the process; rows come
    # back in any order (sorted by line in Arrow), so DuckDB need not buffer them
    con = duckdb.connect(config={"memory_limit": "256MB", "preserve_insertion_order": False})
    try:
        con.register("raw_rows", rows)
        for table, data in lookups.items():
            con.register(table, data)
        # the number grammar the checks share (count_value, count_problem)
        con.execute((SQL_DIR / "parse" / "macros.sql").read_text(encoding="utf-8"))
        sql = (SQL_DIR / "parse" / f"{name}.sql").read_text(encoding="utf-8")
        # one pass over the rows, read back batch by batch: only the staged rows and the
        # problems are kept, never a table of every row (DuckDB's or Arrow's)
        checked = con.sql(sql, params=dict(params))
        # a check that sums up a row's exact repeats in one reject says how many in ``repeats``
        summed = [REPEATS] if REPEATS in checked.columns else []
        result: Any = checked.select(
            "is_staged", "problems", *dict.fromkeys(["line", *staged, *counted, *summed])
        ).arrow()  # DuckDB 2.x: a batch reader; 1.x: a table
        schema = result.schema
        kept_parts, reject_parts, n_bad = [], [], 0
        counts = dict.fromkeys(counted, 0)
        for batch in result if hasattr(result, "read_next_batch") else result.to_batches():
            kept_parts.append(
                _compact(batch.filter(batch.column("is_staged")).select(list(staged)))
            )
            lengths = pc.fill_null(pc.list_value_length(batch.column("problems")), 0)
            bad = batch.filter(pc.greater(lengths, 0))
            # a row that sums up its repeats is rejected for each of them: they are not staged
            # and have no reject of their own
            repeats = bad.column(REPEATS) if summed else pa.nulls(bad.num_rows, pa.int64())
            repeats = repeats.cast(pa.int64())
            n_bad += bad.num_rows + int(pc.sum(pc.subtract(repeats, 1)).as_py() or 0)
            # one reject per problem, made batch by batch so the lists are not kept
            problems = bad.column("problems")
            flat = pc.list_flatten(problems)
            parents = pc.list_parent_indices(problems)
            reject_parts.append(
                pa.record_batch(
                    [
                        pc.take(bad.column("line"), parents),
                        flat.field("field"),
                        flat.field("value"),
                        flat.field("reason"),
                        pc.take(repeats, parents),
                    ],
                    names=["line", "field", "value", "reason", REPEATS],
                )
            )
            for column in counted:
                counts[column] += int(pc.sum(batch.column(column)).as_py() or 0)
    finally:
        con.close()
    # sorted by line here, apart, rather than every row in DuckDB
    kept = pa.Table.from_batches(kept_parts).sort_by("line") if kept_parts else None
    if kept is None:
        kept = pa.schema([schema.field(n) for n in staged]).empty_table()
    problem = schema.field("problems").type.value_type
    reject_schema = pa.schema(
        [("line", pa.int64()), *(problem.field(i) for i in range(3)), (REPEATS, pa.int64())]
    )
    found = pa.Table.from_batches(reject_parts, reject_schema).sort_by("line")
    prefix = f"{params['file_name']}:"
    rejects = pa.table(
        {
            # one value for every row: dictionary-encoded, not repeated
            "source_id": pa.DictionaryArray.from_arrays(
                pa.array(np.zeros(found.num_rows, dtype=np.int32)),
                pa.array([str(params["source_id"])]),
            ),
            "location": pc.binary_join_element_wise(
                prefix, pc.cast(found["line"], pa.string()), ""
            ),
            "field": found["field"],
            "value": found["value"],
            "reason": found["reason"],
            REPEATS: found[REPEATS],
        }
    )
    return kept, rejects, n_bad, counts


def _compact(batch: pa.RecordBatch) -> pa.RecordBatch:
    """Text columns dictionary-encoded: staged rows repeat a few codes, names and labels, and a
    file of millions of rows is held until it is staged (Parquet stores them the same way)."""
    columns = [
        pc.dictionary_encode(column) if pa.types.is_string(column.type) else column
        for column in batch.columns
    ]
    return pa.RecordBatch.from_arrays(columns, names=batch.schema.names)


def arrow_table(relation: duckdb.DuckDBPyRelation) -> pa.Table:
    """A relation's rows as one Arrow table (DuckDB 1.x returns a table, 2.x a batch reader)."""
    result: Any = relation.arrow()
    table = result.read_all() if hasattr(result, "read_all") else result
    assert isinstance(table, pa.Table)
    return table
