"""A plain delimited file read by DuckDB's CSV reader, when that gives exactly what the strict
row-by-row reader (pipeline/parse/tabular.py) gives: the same cells, each at its physical line.

DuckDB reads a file in parallel, in C++, and handles quotes, but it names no line per record.
Its records are the file's lines when every line after the header is one record: no quoted
field spans lines (DuckDB's records then number exactly the lines), and nothing DuckDB would
read otherwise than Python's ``csv`` module does. A cheap look at the bytes decides that; any
doubt, or any error DuckDB raises (broken quoting, another number of cells, undecodable bytes,
an empty line it would skip), returns None and the exact reader takes the file.
"""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path

import duckdb
import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

from pipeline.util.paths import SQL_DIR

# what Python's str.strip removes: a line of these and delimiters is blank, not a record
SPACES = "".join(c for c in map(chr, range(0x3001)) if c.isspace())
# a memory bound for the read; the cells themselves are held as Arrow, as the exact reader's are
MEMORY_LIMIT = "512MB"
_CHUNK = 1 << 24
_LF, _CR, _QUOTE = ord("\n"), ord("\r"), ord('"')


def _lines_after(path: Path, header_line: int, delimiter: str, width: int) -> int | None:
    """The number of physical lines after the header, or None when DuckDB and Python could
    read the bytes differently: a carriage return that ends no line (Python takes it as a
    line end, DuckDB may not), or spaces between a quote and the edge of its cell (DuckDB reads
    ``·"a"`` as the quoted ``a``, Python as the text ``·"a"``), or a line of one empty cell too
    many (DuckDB drops it). One vectorised pass over the
    bytes, a block at a time; the last line of a block is carried into the next."""
    gaps = np.array([c for c in b" \t" if c != ord(delimiter)], dtype=np.uint8)
    edges = np.array([ord(delimiter), _LF, _CR], dtype=np.uint8)
    newlines, carried, last = 0, np.zeros(0, dtype=np.uint8), -1
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            block = np.frombuffer(chunk, dtype=np.uint8)
            last = int(block[-1])
            data = np.concatenate([carried, block])
            # the carried part holds no line feed: these are the block's
            feeds = np.flatnonzero(data == _LF)
            newlines += len(feeds)
            returns = np.flatnonzero(data[:-1] == _CR)
            if len(returns) and not np.all(data[returns + 1] == _LF):
                return None
            quotes = np.flatnonzero(data == _QUOTE)
            if _quote_beside_gap(data, quotes, gaps, edges) or _extra_empty_cell(
                data, feeds, quotes, ord(delimiter), width
            ):
                return None
            carried = data[feeds[-1] + 1 :] if len(feeds) else data
    if last == _CR or _extra_empty_cell(
        carried,
        np.zeros(0, np.intp),
        np.flatnonzero(carried == _QUOTE),
        ord(delimiter),
        width,
        True,
    ):
        return None
    lines = newlines + (1 if last not in (-1, _LF) else 0)
    return lines - header_line


def _extra_empty_cell(
    data: np.ndarray,
    feeds: np.ndarray,
    quotes: np.ndarray,
    delimiter: int,
    width: int,
    at_end: bool = False,
) -> bool:
    """True when a line ends in a delimiter (or a delimiter and an empty quoted cell) and holds
    ``width`` delimiters or more outside quotes: one cell too many, the last empty, which DuckDB
    drops where Python counts it (and the row is rejected for its number of cells). A line of
    an odd number of quotes is doubtful too (a quoted field spanning lines): the exact reader
    takes it, which costs time only. ``data`` starts at a line's start; ``at_end``: its last
    line ends the file; ``feeds`` and ``quotes``: the positions of its line feeds and quotes."""
    if not len(data):
        return False
    ends = np.append(feeds, len(data)) if at_end else feeds
    starts = np.concatenate([[0], feeds + 1])[: len(ends)]
    stop = ends - (data[np.maximum(ends - 1, 0)] == _CR).astype(ends.dtype) * (ends > 0)
    last = data[np.maximum(stop - 1, 0)]
    ends_in_delimiter = last == delimiter
    ends_in_empty_quotes = (
        (stop >= 3)
        & (last == _QUOTE)
        & (data[np.maximum(stop - 2, 0)] == _QUOTE)
        & (data[np.maximum(stop - 3, 0)] == delimiter)
    )
    suspect = (ends_in_delimiter | ends_in_empty_quotes) & (stop > starts)
    if not np.any(suspect):
        return False
    # Positions of quotes and delimiters only (a few per line), not a running count over every
    # byte: a delimiter is outside quotes when an even number of quotes comes before it on its
    # line, which holds line by line when no line holds an odd number of quotes.
    if np.any((np.searchsorted(quotes, ends) - np.searchsorted(quotes, starts)) % 2):
        return True  # a quoted field spans lines, or the quoting is broken: the exact reader
    delimiters = np.flatnonzero(data == delimiter)
    outside = np.searchsorted(quotes, delimiters) % 2 == 0
    before = np.concatenate([[0], np.cumsum(outside, dtype=np.int64)])
    stop, starts = stop[suspect], starts[suspect]
    counts = before[np.searchsorted(delimiters, stop)] - before[np.searchsorted(delimiters, starts)]
    return bool(np.any(counts >= width))


def _quote_beside_gap(
    data: np.ndarray, quotes: np.ndarray, gaps: np.ndarray, edges: np.ndarray
) -> bool:
    """True when a quote (at ``quotes``) has only spaces between it and the edge of its cell (a
    delimiter, a line's end or start). Quotes beside a space are few; only they are followed."""
    size = len(data)
    inner, outer = quotes[quotes > 0], quotes[quotes < size - 1]
    candidates = [(int(q), -1) for q in inner[np.isin(data[inner - 1], gaps)]]
    candidates += [(int(q), 1) for q in outer[np.isin(data[outer + 1], gaps)]]
    for q, step in candidates:
        at = q + step
        while 0 <= at < size and data[at] in gaps:
            at += step
        if at < 0 or at >= size or data[at] in edges:
            return True
    return False


def read_cells(
    path: Path,
    delimiter: str,
    width: int,
    positions: Mapping[str, int],
    header_line: int,
    max_line_bytes: int,
) -> tuple[pa.Table, int] | None:
    """(the records that are not blank: ``line`` and the ``positions`` columns, trimmed; the
    number of records), or None when the exact reader must read the file."""
    expected = _lines_after(path, header_line, delimiter, width)
    if expected is None:
        return None
    con = duckdb.connect(config={"memory_limit": MEMORY_LIMIT})
    try:
        sql = (SQL_DIR / "parse" / "read_cells.sql").read_text(encoding="utf-8")
        params = {
            "path": str(path),
            "skip": header_line,
            "delimiter": delimiter,
            "columns": {f"c{i}": "VARCHAR" for i in range(width)},
            "spaces": SPACES,
            "space_codes": sorted({ord(c) for c in SPACES}),
            "max_line": max_line_bytes,
        }
        wanted = [f"c{at}" for at in positions.values()]
        result = con.sql(sql, params=params).select(*wanted, "blank").arrow()
        cells = result.read_all() if hasattr(result, "read_all") else result
    except (duckdb.Error, ValueError):
        return None
    finally:
        con.close()
    if cells.num_rows != expected:
        return None  # a quoted field spans lines, or an empty line was skipped
    numbers = np.arange(header_line + 1, header_line + 1 + expected, dtype=np.int64)
    # from the buffer: pa.array(ndarray) would import pandas, a second of start-up
    lines = pa.Array.from_buffers(pa.int64(), expected, [None, pa.py_buffer(numbers)])
    columns = {"line": lines}
    for name, at in positions.items():
        # Arrow's whitespace is str.strip's, as the exact reader trims (DuckDB's trim with
        # those 29 characters took 5.7 s on 2M rows, Arrow 0.2 s)
        columns[name] = pc.utf8_trim_whitespace(cells.column(f"c{at}"))
    table = pa.table(columns)
    blank = cells.column("blank")
    # blank lines are rare: filtering every column of a table without one cost 0.5 s at 2M rows
    if pc.any(blank).as_py():
        table = table.filter(pc.invert(blank))
    return table, table.num_rows
