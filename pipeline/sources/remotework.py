"""Braesemann et al. (2022) project network: employer country x worker country x year.

Files ``olm_network_data_<year>.csv`` (2013-2020) from GitHub ``Braesemann/remotework``, columns
``"", year, employer_country_real, employer_admin1, worker_country_real, worker_admin1, count,
employer_lat, employer_lng, worker_lat, worker_lng``. Each row counts projects between two
first-level regions; they are summed per country pair into ``pair`` tallies of measure
``projects`` for the calendar year. Country names are lower-case English, missing values are
the bare string ``NA`` (R's default), and some coordinates do not lie in the named country:
the country column is kept and those rows are only counted (:func:`coordinate_disagreements`).
"""

from __future__ import annotations

import csv
import datetime as dt
import logging
import math
import re
import zipfile
from collections import defaultdict
from collections.abc import Iterator
from functools import lru_cache
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
from pipeline.http import (
    HTTPStatusError,
    ResponseTooLarge,
    RetriesExhausted,
    TruncatedResponse,
)
from pipeline.rawstore import RawStore
from pipeline.records import ParseResult, Reject, Source, Tally

log = logging.getLogger(__name__)

SOURCE_ID = "remotework"
HERE = Path(__file__).parent
META_PATH = HERE / "remotework.yaml"
ALIASES_PATH = HERE / "remotework_aliases.csv"
MISSING = "NA"
MAX_FIELD_CHARS = 200
MAX_ROWS = 10_000_000
EARTH_RADIUS_KM = 6371.0
REQUIRED = ("year", "employer_country_real", "worker_country_real", "count")
COORDINATES = {
    "employer_country_real": ("employer_lat", "employer_lng"),
    "worker_country_real": ("worker_lat", "worker_lng"),
}
_RECOGNISED = re.compile(r"^olm_network_data_\d{4}.*\.(csv|zip|gz)$", re.I)


def meta() -> dict[str, Any]:
    return read_meta(META_PATH)


@lru_cache(maxsize=4)
def source_index(index: CountryIndex) -> CountryIndex:
    """The shared country index extended with this data set's spellings and non-countries."""
    return index.with_aliases(ALIASES_PATH)


def _rows(path: Path) -> Iterator[tuple[int, dict[str, str]]]:
    """(line number, row by column name); raises ValueError when the header is not the one."""
    max_bytes = int(meta().get("max_text_mb", 500)) * 1024 * 1024
    reader = csv.reader(open_text_lines(path, max_bytes))
    header = [c.strip() for c in next(reader, [])]
    missing = [c for c in REQUIRED if c not in header]
    if missing:
        raise ValueError(f"no column(s) {', '.join(missing)} in the header {header[:12]}")
    for count, (line_no, row) in enumerate(enumerate(reader, start=2), start=1):
        if count > MAX_ROWS:
            raise ValueError(f"more than {MAX_ROWS} rows")
        if not row:
            continue
        if len(row) != len(header):
            yield line_no, {}
            continue
        yield line_no, {name: value.strip() for name, value in zip(header, row, strict=True)}


def _year(value: str) -> int | None:
    """The year of "2015-01-01" (as the files have it) or "2015"."""
    match = re.fullmatch(r"(\d{4})(-\d{2}-\d{2})?", value)
    if not match:
        return None
    year = int(match[1])
    return year if 1990 <= year <= 2100 else None


class _Countries:
    """Resolves names once per distinct value; missing and unknown values carry a reason."""

    def __init__(self, index: CountryIndex) -> None:
        self.index = index
        self.cache: dict[str, tuple[str | None, str]] = {}

    def code(self, value: str) -> tuple[str | None, str]:
        if value not in self.cache:
            if value in ("", MISSING):
                self.cache[value] = (None, "missing country (NA)")
            elif len(value) > MAX_FIELD_CHARS:
                self.cache[value] = (None, f"longer than {MAX_FIELD_CHARS} characters")
            else:
                try:
                    self.cache[value] = (self.index.resolve(value), "")
                except UnknownCountryError as err:
                    self.cache[value] = (None, f"unknown country: {err}")
        return self.cache[value]


def parse(path: Path, index: CountryIndex) -> ParseResult:
    """One ``olm_network_data_<year>.csv`` -> yearly pair tallies per country pair."""
    result = ParseResult(source_id=SOURCE_ID)
    countries = _Countries(source_index(index))
    sums: dict[tuple[int, str, str], float] = defaultdict(float)
    first_line: dict[tuple[int, str, str], int] = {}
    lines: dict[tuple[int, str, str], int] = defaultdict(int)
    try:
        for line_no, row in _rows(path):
            result.records_in += 1
            rejects, key, amount = _check(path.name, line_no, row, countries)
            if rejects or key is None:
                result.rejects.extend(rejects)
                result.records_rejected += 1
                continue
            result.records_ok += 1
            sums[key] += amount
            first_line.setdefault(key, line_no)
            lines[key] += 1
    except (ValueError, OSError, UnicodeDecodeError, zipfile.BadZipFile, csv.Error) as err:
        result = ParseResult(source_id=SOURCE_ID, records_in=1, records_rejected=1)
        reason = f"file not readable as olm_network_data: {err}"
        result.rejects.append(Reject(SOURCE_ID, path.name, None, None, reason[:500]))
        return result
    platform = str(meta()["platform"])
    for key, amount in sorted(sums.items()):
        year, buyer, seller = key
        extra = f" (+{lines[key] - 1} rows)" if lines[key] > 1 else ""
        result.tallies.append(
            Tally(
                source_id=SOURCE_ID,
                platform=platform,
                period_start=dt.date(year, 1, 1),
                period_end=dt.date(year, 12, 31),
                role="pair",
                buyer_country_code=buyer,
                seller_country_code=seller,
                occupation="unknown",
                measure="projects",
                amount=amount,
                location=f"{path.name}:{first_line[key]}{extra}",
            )
        )
    warn_bounds(path.name, result.records_in, (meta().get("expected_rows") or {}).get("per_file"))
    return result


def _check(
    name: str, line_no: int, row: dict[str, str], countries: _Countries
) -> tuple[list[Reject], tuple[int, str, str] | None, float]:
    where = f"{name}:{line_no}"
    if not row:
        return [Reject(SOURCE_ID, where, None, None, "wrong number of columns")], None, 0.0
    rejects: list[Reject] = []

    def bad(field: str, reason: str) -> None:
        rejects.append(Reject(SOURCE_ID, where, field, row[field][:MAX_FIELD_CHARS], reason))

    year = _year(row["year"])
    if year is None:
        bad("year", "not a year (YYYY or YYYY-MM-DD between 1990 and 2100)")
    try:
        amount = float(row["count"])
    except ValueError:
        amount = math.nan
    if not (math.isfinite(amount) and amount >= 0):
        bad("count", "not a non-negative number")
    codes = []
    for field in ("employer_country_real", "worker_country_real"):
        code, reason = countries.code(row[field])
        if code is None:
            bad(field, reason)
        codes.append(code)
    if rejects or year is None or None in codes:
        return rejects, None, 0.0
    return [], (year, str(codes[0]), str(codes[1])), amount


# -- coordinates --------------------------------------------------------------------------


def _distance_km(lat1: float, lon1: float, lat2: float, lon2: float) -> float:
    p1, p2 = math.radians(lat1), math.radians(lat2)
    dp, dl = p2 - p1, math.radians(lon2 - lon1)
    a = math.sin(dp / 2) ** 2 + math.cos(p1) * math.cos(p2) * math.sin(dl / 2) ** 2
    return 2 * EARTH_RADIUS_KM * math.asin(min(1.0, math.sqrt(a)))


def _disagrees(
    row: dict[str, str],
    index: CountryIndex,
    countries: _Countries,
    default_km: float,
    wider: dict[str, float],
) -> bool:
    for field, (lat_field, lng_field) in COORDINATES.items():
        code, _ = countries.code(row.get(field, ""))
        try:
            lat, lng = float(row.get(lat_field, "")), float(row.get(lng_field, ""))
        except ValueError:
            continue
        if code is None or not (math.isfinite(lat) and math.isfinite(lng)):
            continue
        country = index.countries[code]
        if _distance_km(lat, lng, country.lat, country.lon) > wider.get(code, default_km):
            return True
    return False


def coordinate_disagreements(path: Path, index: CountryIndex) -> int:
    """Rows with an employer or worker point far from the label point of the named country.

    A diagnostic only: the parser keeps the country column whatever the coordinates say.
    Rows without usable coordinates or countries are not counted.
    """
    check = meta().get("coordinate_check") or {}
    default_km = float(check.get("default_km", 2500))
    wider = {str(k): float(v) for k, v in (check.get("wider_km") or {}).items()}
    countries = _Countries(source_index(index))
    found = 0
    try:
        for _, row in _rows(path):
            found += _disagrees(row, index, countries, default_km, wider)
    except (ValueError, OSError, UnicodeDecodeError, zipfile.BadZipFile, csv.Error):
        return found
    return found


# -- metadata, import, fetch --------------------------------------------------------------


def source(raw_files: list[Path]) -> Source:
    from pipeline.countries import country_index

    index = country_index()
    disagreements = sum(coordinate_disagreements(p, index) for p in raw_files)
    note = (
        f"{disagreements} rows have coordinates far from the country they name "
        "(country column kept)."
    )
    return source_from_meta(SOURCE_ID, meta(), raw_files, note)


def recognises(name: str) -> bool:
    return bool(_RECOGNISED.match(name))


def import_files(path: Path, store: RawStore) -> list[Path]:
    """One ``olm_network_data_<year>.csv``, or every such file in a folder."""
    return import_matching(
        path, store, recognises, "an olm_network_data_<year>.csv file", meta().get("licence")
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


def fetch(ctx: FetchContext) -> list[Path]:
    """Download every year's file from the repository (about 40 MB in all), year by year.

    A year that fails (404, an error, an LFS pointer) is reported and the others still come;
    the run fails only if no year could be had. An unchanged file is not downloaded again.
    """
    from pipeline.progress import progress

    info = ctx.meta
    saved: list[Path] = []
    failed: list[str] = []
    for year in progress(list(info["years"]), desc="download remotework", unit="file"):
        try:
            saved.append(
                ctx.session.save(
                    ctx.store,
                    str(info["url_pattern"]).format(year=year),
                    f"olm_network_data_{year}.csv",
                    expect="csv",
                    licence=info.get("licence"),
                    check=_not_an_lfs_pointer,
                    conditional=True,
                )
            )
        except (
            SourceError,
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


def summary_lines(files: list[Path], index: CountryIndex) -> list[str]:
    out = []
    for path in files:
        n = coordinate_disagreements(path, index)
        out.append(f"{path.name}: {n} rows with coordinates far from their country (kept)")
    unused = source_index(index).unused_aliases()
    if unused:
        out.append(f"remotework_aliases.csv entries not seen in these files: {', '.join(unused)}")
    return out
