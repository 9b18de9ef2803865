"""A user's own flow table: ``buyer_country, seller_country, count, year[, platform, occupation]``.

Each row becomes one ``pair`` tally of measure ``projects`` for the calendar year. Countries may
be codes or names (English, French, Italian, as the shared country tables know them);
occupations are matched to the six OLI classes without regard to case, empty meaning
``unknown``. Counts need a period, so a file without a ``year`` column has every row rejected
with a message naming the column (as for any other missing column). Source id ``csv`` holds one
dataset: every file imported under it is loaded together.
"""

from __future__ import annotations

import csv
import datetime as dt
import math
import re
import zipfile
from collections import Counter
from pathlib import Path
from typing import Any

from pipeline.countries import CountryIndex, UnknownCountryError
from pipeline.fetch import (
    FetchContext,
    SourceError,
    import_matching,
    open_text_lines,
    read_meta,
    source_from_meta,
    warn_bounds,
)
from pipeline.rawstore import RawStore
from pipeline.records import OCCUPATIONS, ParseResult, Reject, Source, Tally

SOURCE_ID = "csv"
HERE = Path(__file__).parent
META_PATH = HERE / "user_csv.yaml"
REQUIRED = ("buyer_country", "seller_country", "count", "year")
COUNTRY_COLUMNS = ("buyer_country", "seller_country")
MAX_FIELD_CHARS = 200
MAX_ROWS = 10_000_000
_RECOGNISED = re.compile(r".*\.(csv|txt)$", re.I)


def meta() -> dict[str, Any]:
    return read_meta(META_PATH)


def _table(path: Path) -> tuple[list[str], list[tuple[int, list[str]]]]:
    """The normalised header and the non-empty rows with their line numbers."""
    max_bytes = int(meta().get("max_text_mb", 200)) * 1024 * 1024
    lines = open_text_lines(path, max_bytes)
    header_line = next(lines, "")
    # Spreadsheets set to French or Italian save with semicolons.
    delimiter = max(",;\t", key=header_line.count)
    header = [c.strip().lower() for c in next(csv.reader([header_line], delimiter=delimiter), [])]
    rows = []
    for line_no, row in enumerate(csv.reader(lines, delimiter=delimiter), start=2):
        if len(rows) >= MAX_ROWS:
            raise ValueError(f"more than {MAX_ROWS} rows")
        if any(cell.strip() for cell in row):
            rows.append((line_no, row))
    return header, rows


def parse(path: Path, index: CountryIndex) -> ParseResult:
    """One user flow table -> pair tallies; every unusable row is a reject naming its field."""
    result = ParseResult(source_id=SOURCE_ID)
    try:
        header, rows = _table(path)
    except (ValueError, OSError, UnicodeDecodeError, zipfile.BadZipFile, csv.Error) as err:
        result.records_in = result.records_rejected = 1
        reason = f"file not readable as a CSV flow table: {err}"
        result.rejects.append(Reject(SOURCE_ID, path.name, None, None, reason[:500]))
        return result
    missing = [c for c in REQUIRED if c not in header]
    platform_default = str(meta().get("platform_default") or "user data")
    for line_no, row in rows:
        result.records_in += 1
        where = f"{path.name}:{line_no}"
        if missing:
            for column in missing:
                reason = f"no {column} column in the header: add it (columns needed: "
                reason += ", ".join(REQUIRED) + ")"
                result.rejects.append(Reject(SOURCE_ID, where, column, None, reason))
            result.records_rejected += 1
            continue
        if len(row) != len(header):
            reason = f"{len(row)} columns, the header has {len(header)}"
            result.rejects.append(Reject(SOURCE_ID, where, None, None, reason))
            result.records_rejected += 1
            continue
        values = {name: cell.strip() for name, cell in zip(header, row, strict=True)}
        rejects, tally = _row(where, values, index, platform_default)
        if rejects or tally is None:
            result.rejects.extend(rejects)
            result.records_rejected += 1
        else:
            result.tallies.append(tally)
            result.records_ok += 1
    warn_bounds(path.name, result.records_in, (meta().get("expected_rows") or {}).get("per_file"))
    return result


def _row(
    where: str, values: dict[str, str], index: CountryIndex, platform_default: str
) -> tuple[list[Reject], Tally | None]:
    rejects: list[Reject] = []

    def bad(field: str, reason: str) -> None:
        rejects.append(Reject(SOURCE_ID, where, field, values.get(field, "")[:200], reason))

    for field, value in values.items():
        if len(value) > MAX_FIELD_CHARS:
            bad(field, f"longer than {MAX_FIELD_CHARS} characters")
    if rejects:
        return rejects, None
    codes = []
    for field in COUNTRY_COLUMNS:
        try:
            codes.append(index.resolve(values[field]))
        except UnknownCountryError as err:
            bad(field, f"unknown country: {err}")
    year = int(values["year"]) if re.fullmatch(r"\d{4}", values["year"]) else 0
    if not 1990 <= year <= 2100:
        bad("year", "not a year between 1990 and 2100")
    try:
        count = float(values["count"])
    except ValueError:
        count = math.nan
    if not (math.isfinite(count) and count >= 0):
        bad("count", "not a non-negative number")
    occupation = values.get("occupation", "").casefold() or "unknown"
    occupation = " ".join(occupation.split())
    if occupation not in OCCUPATIONS:
        bad("occupation", f"unknown occupation: use one of {', '.join(OCCUPATIONS)}")
    if rejects:
        return rejects, None
    tally = Tally(
        source_id=SOURCE_ID,
        platform=values.get("platform") or platform_default,
        period_start=dt.date(year, 1, 1),
        period_end=dt.date(year, 12, 31),
        role="pair",
        buyer_country_code=codes[0],
        seller_country_code=codes[1],
        occupation=occupation,
        measure="projects",
        amount=count,
        location=where,
    )
    return [], tally


def mapping_report(path: Path, index: CountryIndex) -> list[tuple[str, str | None, int]]:
    """(country value as written, code or None, rows) for both country columns of a file."""
    try:
        header, rows = _table(path)
    except (ValueError, OSError, UnicodeDecodeError, zipfile.BadZipFile, csv.Error):
        return []
    counts: Counter[str] = Counter()
    for _, row in rows:
        for field in COUNTRY_COLUMNS:
            if field in header and len(row) == len(header):
                counts[row[header.index(field)].strip()] += 1
    return [(value, index.try_resolve(value), n) for value, n in sorted(counts.items())]


# -- metadata, import, fetch --------------------------------------------------------------


def source(raw_files: list[Path]) -> Source:
    names = ", ".join(p.name for p in raw_files)
    return source_from_meta(SOURCE_ID, meta(), raw_files, f"Files: {names}.")


def import_files(path: Path, store: RawStore) -> list[Path]:
    """The user's table (a .csv file, or the .csv files of a folder), copied unchanged."""
    return import_matching(
        path,
        store,
        lambda name: bool(_RECOGNISED.match(name)),
        "a .csv file with columns " + ", ".join(REQUIRED),
        meta().get("licence"),
    )


def fetch(ctx: FetchContext) -> list[Path]:
    raise SourceError(
        "the csv source is your own table, there is nothing to fetch: "
        "run `make fetch SOURCE=csv FROM=<your-file.csv>`"
    )


def summary_lines(files: list[Path], index: CountryIndex) -> list[str]:
    out = ["country names and codes, as mapped:"]
    for path in files:
        for value, code, n in mapping_report(path, index):
            shown = code or "NOT MAPPED (rows rejected; fix the spelling or use an ISO code)"
            out.append(f"  {path.name}: {value!r} -> {shown} ({n} mentions)")
    from pipeline import rawstore

    stored = rawstore.iter_files(SOURCE_ID, files[0].parents[2]) if files else []
    if len(stored) > len(files):
        out.append(
            f"note: data/raw/csv holds {len(stored)} files and all of them are loaded together; "
            "remove the old ones if this is a different dataset"
        )
    return out
