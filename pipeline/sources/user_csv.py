"""A user's own flow table: ``buyer_country, seller_country, count, year[, platform,
occupation, dataset]``.

Each row is staged as it is (countries resolved to codes); ``sql/core`` makes one ``pair`` tally
of measure ``projects`` for the calendar year per row. Countries may be codes or names (English,
French, Italian, as the shared country tables know them); occupations are matched to the six OLI
classes without regard to case, empty meaning ``unknown``. Checks (``sql/parse/csv.sql``): a
year between 2000 and next year, a count between 0 and 10^12, known countries and occupation,
no undecodable byte; an exact repeat of an earlier row in the same file is rejected (counted
once). Every file imported under source id ``csv`` is loaded together, except that a flow key
(pair, year, platform, occupation) given by several files is taken from the most recently
imported one (``sql/int/int__user_rows_ranked.sql``; the build and ``make raw`` name the files,
keys and totals of each overlap). Each row carries its file's place in the raw store's order
(``imported_day``, ``import_seq``) so that SQL can decide. Two tables that count different work
stay apart when each has its own ``platform``, or a ``dataset`` column: a row's dataset is kept
with its platform (``user data (survey B)``), so the keys of two datasets never meet.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.parse.lookups import country_table, mapping_notes, occupation_list
from pipeline.parse.tabular import (
    TableError,
    missing_columns,
    read_table,
    run_checks,
)
from pipeline.raw.manifest import ManifestError, load_manifest
from pipeline.raw.versions import RawFile
from pipeline.sources import storing
from pipeline.sources.contract import ParseContext, Parsed, SourceContext
from pipeline.sources.contract import SourceError as SourceError
from pipeline.util.records import OCCUPATIONS, Reject

SOURCE_ID = "csv"
OPTION_KEYS: frozenset[str] = frozenset()
SESSION_OPTIONS: Mapping[str, Any] = {}
REQUIRED = ("buyer_country", "seller_country", "count", "year")
OPTIONAL = ("platform", "occupation", "dataset")
COUNTRY_COLUMNS = ("buyer_country", "seller_country")
STAGED: Mapping[str, pa.Schema] = {
    "csv_rows": pa.schema(
        [
            ("file_name", pa.string()),
            ("line", pa.int64()),
            ("year", pa.int64()),
            ("buyer_country_code", pa.string()),
            ("seller_country_code", pa.string()),
            ("occupation", pa.string()),
            ("platform", pa.string()),
            ("amount", pa.float64()),
            # the file's place in the raw store's order of imports (its day folder and the
            # manifest's ``seq``): the newest file gives a flow key shared with older ones
            ("imported_day", pa.string()),
            ("import_seq", pa.int64()),
        ]
    )
}
_ORDER_COLUMNS = ("imported_day", "import_seq")
_RECOGNISED = re.compile(r".*\.(csv|txt)$", re.I)


def parse(raw: RawFile, ctx: ParseContext) -> Parsed:
    """One user flow table -> staged rows; every unusable row is a reject naming its field."""
    try:
        table = read_table(
            raw, SOURCE_ID, ctx.meta.max_bytes, delimiters=",;\t", wanted=REQUIRED + OPTIONAL
        )
    except (TableError, OSError, EOFError) as err:
        return Parsed.unreadable(
            SOURCE_ID, raw.name, f"file not readable as a CSV flow table: {err}"
        )
    parsed = Parsed(rejects=list(table.rejects), records_in=table.records_in)
    missing = [c for c in REQUIRED if c not in table.header]
    if missing:
        reason = missing_columns(missing, table.header, REQUIRED)
        parsed.rejects.append(Reject(SOURCE_ID, f"{raw.name}:1", missing[0], None, reason))
        # a file with the wrong header is one rejected record even when it has no rows
        parsed.records_in = parsed.records_rejected = max(1, parsed.records_in)
        return parsed
    present = [c for c in REQUIRED + OPTIONAL if c in table.header]
    rows = table.arrow(present)
    for column in OPTIONAL:
        if column not in present:
            rows = rows.append_column(column, pa.nulls(rows.num_rows, pa.string()))
    names = country_table(ctx.countries, rows, COUNTRY_COLUMNS)
    kept, rejects, n_bad, _ = run_checks(
        "csv",
        rows,
        {"country_names": names, "occupations": occupation_list(OCCUPATIONS)},
        {
            "source_id": SOURCE_ID,
            "file_name": raw.name,
            "platform_default": ctx.meta.platform_for(),
            "today": ctx.today,
        },
        [n for n in STAGED["csv_rows"].names if n not in _ORDER_COLUMNS],
    )
    day, seq = import_order(raw)
    kept = kept.append_column("imported_day", pa.repeat(pa.scalar(day, pa.string()), kept.num_rows))
    kept = kept.append_column("import_seq", pa.repeat(pa.scalar(seq, pa.int64()), kept.num_rows))
    parsed.tables["csv_rows"] = kept
    parsed.reject_rows = rejects
    parsed.records_ok = kept.num_rows
    parsed.records_rejected = len(table.rejects) + n_bad
    parsed.notes.extend(mapping_notes(raw.name, names))
    return parsed


def import_order(raw: RawFile) -> tuple[str, int]:
    """(day folder, ``seq``) of a raw file in the raw store: the order it was imported in
    (``seq`` 0 for files stored before the manifest kept it; then the day decides)."""
    day = raw.day or raw.path.parent.name
    try:
        entries = load_manifest(raw.path.parent)
    except ManifestError:
        entries = []  # such a file is quarantined before it is parsed
    seq = next((e.get("seq") for e in entries if e.get("name") == raw.name), None)
    return day, seq if isinstance(seq, int) and not isinstance(seq, bool) else 0


# -- import, fetch ------------------------------------------------------------------------


def import_files(path: Path, ctx: SourceContext) -> list[Path]:
    """The user's table (a .csv file, or the .csv files of a folder), copied unchanged."""
    return storing.import_matching(
        path,
        ctx.store,
        lambda name: bool(_RECOGNISED.match(name)),
        "a .csv file with columns " + ", ".join(REQUIRED),
        ctx.meta.licence,
    )


def fetch(ctx: SourceContext) -> list[Path]:
    raise SourceError(
        "the csv source is your own table, there is nothing to fetch: "
        "run `make fetch SOURCE=csv FROM=<your-file.csv>`"
    )


def source_note(staged: Sequence[Any]) -> str | None:
    """Nothing to add to this source's ``core__sources.notes``."""
    return None


def check_content(path: Path, name: str, max_bytes: int) -> str:
    """Nothing to check: a user's file name claims nothing (the rows decide which file gives
    a flow key: sql/int/int__user_rows_ranked.sql)."""
    return ""
