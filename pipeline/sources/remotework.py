"""Braesemann et al. (2022) project network: employer country x worker country x year.

Files ``olm_network_data_<year>.csv`` (2013-2020) from GitHub ``Braesemann/remotework``, columns
``"", year, employer_country_real, employer_admin1, worker_country_real, worker_admin1, count,
employer_lat, employer_lng, worker_lat, worker_lng``. Each row counts projects between two
first-level regions; rows are staged as they are and ``sql/core/core__tallies.sql`` sums them
per country pair into ``pair`` tallies of measure ``projects`` for the calendar year. Country
names are lower-case English, missing values are the bare string ``NA`` (R's default), and some
coordinates do not lie in the named country: the country column is kept and those rows are only
counted (in ``core__sources.notes``). Checks (``sql/parse/remotework.sql``): a year (``YYYY`` or a
real ``YYYY-MM-DD``) between 2000 and next year and equal to the year of the file's name (each
year is read from its own file, so a row of another year would count twice), a count between 0
and 10^12, known countries, no undecodable byte; an exact repeat of an earlier row is rejected
(counted once). A file whose rows are mostly of another year than its name says is not a
version of that year's file (:func:`check_content`): the raw store refuses it.
"""

from __future__ import annotations

import datetime as dt
import logging
import re
import zipfile
import zlib
from collections import Counter
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.parse.content import value_counts
from pipeline.parse.lookups import country_table
from pipeline.parse.tabular import TableError, missing_columns, read_table, run_checks
from pipeline.raw.intake import IntakeError
from pipeline.raw.versions import RawFile
from pipeline.reference.countries import CountryIndex
from pipeline.sources import storing
from pipeline.sources.contract import ParseContext, Parsed, SourceContext, SourceError
from pipeline.sources.meta import SourceMeta

log = logging.getLogger(__name__)

SOURCE_ID = "remotework"
HERE = Path(__file__).parent
ALIASES_PATH = HERE / "remotework_aliases.csv"
OPTION_KEYS = frozenset({"url_pattern", "years", "coordinate_check"})
SESSION_OPTIONS: Mapping[str, Any] = {}
MISSING = "NA"
REQUIRED = ("year", "employer_country_real", "worker_country_real", "count")
COLUMNS = (
    "",
    "year",
    "employer_country_real",
    "employer_admin1",
    "worker_country_real",
    "worker_admin1",
    "count",
    "employer_lat",
    "employer_lng",
    "worker_lat",
    "worker_lng",
)
STAGED: Mapping[str, pa.Schema] = {
    "remotework_rows": pa.schema(
        [
            ("file_name", pa.string()),
            ("line", pa.int64()),
            ("year", pa.int64()),
            ("buyer_country_code", pa.string()),
            ("seller_country_code", pa.string()),
            ("platform", pa.string()),
            ("amount", pa.float64()),
        ]
    )
}
_RECOGNISED = re.compile(r"^olm_network_data_\d{4}.*\.(csv|zip|gz)$", re.I)
_NAMED_YEAR = re.compile(r"^olm_network_data_(?P<year>\d{4})", re.I)
# a year cell as the files write it: the year, or the first day of it
_YEAR_CELL = re.compile(r"(?P<year>\d{4})(-\d{2}-\d{2})?")


@lru_cache(maxsize=4)
def source_index(index: CountryIndex) -> CountryIndex:
    """The shared country index extended with this data set's spellings and non-countries."""
    return index.with_aliases(ALIASES_PATH)


def _points(index: CountryIndex, info: SourceMeta) -> pa.Table:
    """Label point and tolerance (km) per country for the coordinate check."""
    check = info.options.get("coordinate_check") or {}
    default_km = float(check.get("default_km", 2500))
    wider = {str(k): float(v) for k, v in (check.get("wider_km") or {}).items()}
    codes = sorted(index.countries)
    return pa.table(
        {
            "country_code": codes,
            "lat": [index.countries[c].lat for c in codes],
            "lon": [index.countries[c].lon for c in codes],
            "radius_km": [wider.get(c, default_km) for c in codes],
        }
    )


def file_year(name: str) -> int | None:
    """The year a file's name gives (``olm_network_data_2015.csv`` -> 2015), or None."""
    match = _NAMED_YEAR.match(name)
    return int(match["year"]) if match else None


def parse(raw: RawFile, ctx: ParseContext) -> Parsed:
    """One ``olm_network_data_<year>.csv`` -> its rows, staged as they are, and rejects."""
    year = file_year(raw.name)
    if year is None:
        return Parsed.unreadable(
            SOURCE_ID,
            raw.name,
            "file not readable as olm_network_data: its name gives no year "
            "(olm_network_data_<year>.csv), and each row must be of its file's year",
        )
    try:
        table = read_table(raw, SOURCE_ID, ctx.meta.max_bytes, wanted=COLUMNS)
    except (TableError, OSError, EOFError) as err:
        return Parsed.unreadable(
            SOURCE_ID, raw.name, f"file not readable as olm_network_data: {err}"
        )
    missing = [c for c in REQUIRED if c not in table.header]
    if missing:
        reason = missing_columns(missing, table.header, REQUIRED)
        return Parsed.unreadable(
            SOURCE_ID, raw.name, f"file not readable as olm_network_data: {reason}"
        )
    present = [c for c in COLUMNS if c in table.header]
    rows = table.arrow(present)
    for column in COLUMNS:
        if column not in present:
            rows = rows.append_column(column, pa.array([None] * rows.num_rows, pa.string()))
    rows = rows.rename_columns(["row_id" if n == "" else n for n in rows.column_names])
    index = source_index(ctx.countries)
    names = country_table(
        index,
        rows,
        ("employer_country_real", "worker_country_real"),
        {"": "missing country (NA)", MISSING: "missing country (NA)"},
    )
    kept, rejects, n_bad, counts = run_checks(
        "remotework",
        rows,
        {"country_names": names, "country_points": _points(index, ctx.meta)},
        {
            "source_id": SOURCE_ID,
            "file_name": raw.name,
            "platform": ctx.meta.platform_for(),
            "today": ctx.today,
            "file_year": year,
        },
        STAGED["remotework_rows"].names,
        counted=("coordinates_disagree",),
    )
    disagree = counts["coordinates_disagree"]
    parsed = Parsed(
        tables={"remotework_rows": kept},
        rejects=table.rejects,
        reject_rows=rejects,
        records_in=table.records_in,
        records_ok=kept.num_rows,
        records_rejected=len(table.rejects) + n_bad,
        stats={"coordinate_disagreements": disagree},
    )
    parsed.notes.append(
        f"{raw.name}: {disagree} rows with coordinates far from their country (kept)"
    )
    unused = _unused_aliases(index, names)
    if unused:
        parsed.notes.append(
            f"remotework_aliases.csv entries not seen in {raw.name}: {', '.join(unused)}"
        )
    return parsed


def _unused_aliases(index: CountryIndex, names: pa.Table) -> list[str]:
    return index.aliases_not_in(
        n
        for n, m in zip(names["name"].to_pylist(), names["mentions"].to_pylist(), strict=True)
        if m
    )


def source_note(staged: Sequence[Any]) -> str | None:
    disagreements = sum(int(s.stats.get("coordinate_disagreements", 0)) for s in staged)
    return (
        f"{disagreements} rows have coordinates far from the country they name "
        "(country column kept)."
    )


def check_content(path: Path, name: str, max_bytes: int) -> str:
    """What disagrees with the year the file's name gives ("" when nothing does): more than
    half of its rows must be of that year. The rows of other years in a file that passes are
    rejected one by one when it is parsed; a file that fails is not that year's file (the 2015
    file saved as ``olm_network_data_2014.csv``), and is never taken for it."""
    year = file_year(name)
    if year is None:
        return ""  # a name that gives no year claims none; the parse refuses the file
    try:
        header, cells = value_counts(path, max_bytes, "year")
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as err:
        return f"its name says {year}, but it cannot be read as a table ({str(err)[:200]})"
    if not any(header):
        return f"its name says {year}, but it is empty"
    if "year" not in header:
        return (
            f"its name says {year}, but its header has no year column: it is not an "
            "olm_network_data file"
        )
    # a year the parse would reject anyway (1850, 2201) says nothing of the file's year
    latest = dt.datetime.now(dt.UTC).year + 1
    years: Counter[int] = Counter()
    for cell, n in cells.items():
        match = _YEAR_CELL.fullmatch(cell)
        if match and 2000 <= int(match["year"]) <= latest:
            years[int(match["year"])] += n
    total, named = sum(years.values()), years.get(year, 0)
    if total == 0:
        return f"its name says {year}, but it holds no row with a year"
    if 2 * named > total:
        return ""
    most = years.most_common(1)[0][0]
    shown = ", ".join(f"{n} of {y}" for y, n in years.most_common(4))
    fix = (
        f"save it as olm_network_data_{most}.csv and import it again"
        if most != year
        else "split it into one file per year"
    )
    return (
        f"its name says {year}, but only {named} of its {total} rows are of {year} ({shown}): {fix}"
    )


# -- import, fetch ------------------------------------------------------------------------


def recognises(name: str) -> bool:
    return bool(_RECOGNISED.match(name))


def import_files(path: Path, ctx: SourceContext) -> list[Path]:
    """One ``olm_network_data_<year>.csv``, or every such file in a folder."""
    return storing.import_matching(
        path, ctx.store, recognises, "an olm_network_data_<year>.csv file", ctx.meta.licence
    )


# What raw.githubusercontent.com serves in place of a file kept in Git LFS.
LFS_POINTER = b"version https://git-lfs"


def _not_an_lfs_pointer(path: Path) -> None:
    with path.open("rb") as handle:
        if handle.read(len(LFS_POINTER)) == LFS_POINTER:
            raise SourceError(
                "the repository serves a Git LFS pointer, not the file; nothing was stored "
                "(download the file from the repository page and use FROM=)"
            )


def fetch(ctx: SourceContext) -> list[Path]:
    """Download every year's file from the repository (about 40 MB in all), year by year.

    A year that fails (404, an error, an LFS pointer) is reported and the others still come;
    the run fails only if no year could be had. An unchanged file is not downloaded again.
    """
    from pipeline.collect.errors import (
        HTTPStatusError,
        ResponseTooLarge,
        RetriesExhausted,
        TruncatedResponse,
    )
    from pipeline.util.progress import progress

    info = ctx.meta
    saved: list[Path] = []
    failed: list[str] = []
    for year in progress(list(info["years"]), desc="download remotework", unit="file"):
        try:
            saved.append(
                ctx.save(
                    str(info["url_pattern"]).format(year=year),
                    f"olm_network_data_{year}.csv",
                    expect="csv",
                    check=_not_an_lfs_pointer,
                    conditional=True,
                )
            )
        except (
            SourceError,
            IntakeError,
            HTTPStatusError,
            RetriesExhausted,
            TruncatedResponse,
            ResponseTooLarge,
        ) as err:
            log.warning("remotework %s not fetched: %s", year, err)
            failed.append(f"{year} ({err})")
    if failed and not saved:
        raise SourceError(f"no year could be fetched: {'; '.join(failed)}")
    return saved


def import_order(raw: RawFile) -> tuple[str, int] | None:
    """Staged rows do not depend on where a file sits in the raw store."""
    return None
