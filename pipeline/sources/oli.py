"""Online Labour Index (figshare 10.6084/m9.figshare.3761562): employer and worker countries.

Two deposit files are used, each published as a daily series and re-issued under a new date:

* ``bcountrydata_<date>.txt[.zip]`` (``timestamp, country, country_group, occupation, count``):
  new projects per day by employer country and occupation -> monthly ``buyer`` tallies
  (measure ``projects``, summed);
* ``worker_countrydata_<date>.txt[.zip]`` (``timestamp, country, occupation, num_workers[,
  num_projects]``): a weighted sample of worker profiles -> monthly ``seller`` tallies (measure
  ``workers``, the mean over the month's collection days).

For both, each calendar year also gets ``share_pct`` tallies over all occupations (occupation
``unknown``): every country's share of the year, plus a remainder for rows whose country or
occupation could not be mapped, so the year adds up to 100 and the pipeline can pair the two
sides into estimated flows.
"""

from __future__ import annotations

import calendar
import csv
import datetime as dt
import hashlib
import json
import math
import re
import zipfile
from collections import defaultdict
from collections.abc import Callable
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
from pipeline.http import DEFAULT_MAX_BYTES, BlockedError, HTTPStatusError, RobotsDisallowed
from pipeline.rawstore import RawStore, iter_files
from pipeline.records import OCCUPATIONS, ParseResult, Reject, Source, Tally

SOURCE_ID = "oli"
HERE = Path(__file__).parent
META_PATH = HERE / "oli.yaml"
ALIASES_PATH = HERE / "oli_aliases.csv"
OCCUPATIONS_PATH = HERE / "oli_occupations.csv"
REMAINDER_LABEL = "not mapped to a country"
MAX_FIELD_CHARS = 200
MAX_ROWS = 50_000_000
# The worker file is tens of megabytes even zipped; bodies are streamed to disk, so the bound is
# about disk space, not memory.
SESSION_OPTIONS = {"max_bytes": 20 * DEFAULT_MAX_BYTES}

BUYER_COLUMNS = ("timestamp", "country", "occupation", "count")
WORKER_COLUMNS = ("timestamp", "country", "occupation", "num_workers")
DEPOSIT_FILE = re.compile(
    r"^(?P<kind>bcountrydata|worker_countrydata)_(?P<date>\d{4}-\d{2}-\d{2})\.(txt|csv)(\.zip)?$"
)
_RECOGNISED = re.compile(r"^(bcountrydata|worker_countrydata)[_-].*\.(txt|csv|zip|gz)$", re.I)
_MONTH = tuple[int, int]


def meta() -> dict:
    return read_meta(META_PATH)


@lru_cache(maxsize=4)
def source_index(index: CountryIndex) -> CountryIndex:
    """The shared country index extended with the OLI's own spellings."""
    return index.with_aliases(ALIASES_PATH)


@lru_cache(maxsize=1)
def occupation_table() -> dict[str, tuple[str | None, str]]:
    """Normalised OLI label -> (one of OCCUPATIONS, or None for a known non-class; note)."""
    table: dict[str, tuple[str | None, str]] = {}
    with OCCUPATIONS_PATH.open(encoding="utf-8", newline="") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            target = row["occupation"].strip() or None
            if target is not None and target not in OCCUPATIONS:
                raise ValueError(f"{OCCUPATIONS_PATH}:{line}: {target!r} is not an occupation")
            table[_label_key(row["label"])] = (target, row.get("note", "").strip())
    return table


def _label_key(label: str) -> str:
    return " ".join(label.casefold().split())


def _month_end(month: _MONTH) -> dt.date:
    return dt.date(month[0], month[1], calendar.monthrange(*month)[1])


# -- parse --------------------------------------------------------------------------------


class _Aggregate:
    """Monthly sums for one file, and the bookkeeping that keeps every row accounted for."""

    def __init__(self) -> None:
        self.by_occupation: dict[tuple[_MONTH, str, str], float] = defaultdict(float)
        self.by_country: dict[tuple[_MONTH, str], float] = defaultdict(float)
        self.remainder: dict[_MONTH, float] = defaultdict(float)
        self.days: dict[_MONTH, set[dt.date]] = defaultdict(set)


def parse(path: Path, index: CountryIndex) -> ParseResult:
    """One OLI deposit file (plain, zipped or gzipped) -> monthly tallies and rejects."""
    result = ParseResult(source_id=SOURCE_ID)
    if path.suffix.lower() == ".json":
        return result  # the deposit's file listing, kept for provenance: no records in it
    info = meta()
    max_bytes = int(info.get("max_text_mb", 1500)) * 1024 * 1024
    try:
        kind, agg = _read(path, source_index(index), max_bytes, result)
    except (ValueError, OSError, UnicodeDecodeError, zipfile.BadZipFile, csv.Error) as err:
        return _unreadable(path, err)
    if kind is None:
        return result
    role = "buyer" if kind == "bcountrydata" else "seller"
    platform = str(info["platform_buyer" if role == "buyer" else "platform_seller"])
    result.tallies.extend(_tallies(path.name, role, platform, agg))
    warn_bounds(path.name, result.records_in, (info.get("expected_rows") or {}).get(kind))
    return result


def _unreadable(path: Path, err: Exception) -> ParseResult:
    result = ParseResult(source_id=SOURCE_ID, records_in=1, records_rejected=1)
    reason = f"file not readable as an OLI deposit file: {err}"
    result.rejects.append(Reject(SOURCE_ID, path.name, None, None, reason[:500]))
    return result


def _read(
    path: Path, index: CountryIndex, max_bytes: int, result: ParseResult
) -> tuple[str | None, _Aggregate]:
    lines = open_text_lines(path, max_bytes)
    header_line = next(lines, "")
    delimiter = max(",;\t", key=header_line.count)
    header = [
        c.strip().strip('"').casefold()
        for c in next(csv.reader([header_line], delimiter=delimiter))
    ]
    if all(c in header for c in BUYER_COLUMNS) and "num_workers" not in header:
        kind, amount_column = "bcountrydata", "count"
    elif all(c in header for c in WORKER_COLUMNS):
        kind, amount_column = "worker_countrydata", "num_workers"
    else:
        raise ValueError(
            f"header {header_line.strip()[:200]!r} has neither the employer columns "
            f"{', '.join(BUYER_COLUMNS)} nor the worker columns {', '.join(WORKER_COLUMNS)}"
        )
    col = {name: header.index(name) for name in ("timestamp", "country", "occupation")}
    col["amount"] = header.index(amount_column)
    agg = _Aggregate()
    countries: dict[str, tuple[str | None, str]] = {}
    occupations = occupation_table()
    for line_no, row in enumerate(csv.reader(lines, delimiter=delimiter), start=2):
        if not row:
            continue
        result.records_in += 1
        if result.records_in > MAX_ROWS:
            raise ValueError(f"more than {MAX_ROWS} rows")
        rejects = _row(
            path.name,
            line_no,
            row,
            (len(header), col, amount_column),
            index,
            countries,
            occupations,
            agg,
        )
        if rejects:
            result.rejects.extend(rejects)
            result.records_rejected += 1
        else:
            result.records_ok += 1
    return kind, agg


def _row(
    name: str,
    line_no: int,
    row: list[str],
    layout: tuple[int, dict[str, int], str],
    index: CountryIndex,
    countries: dict[str, tuple[str | None, str]],
    occupations: dict[str, tuple[str | None, str]],
    agg: _Aggregate,
) -> list[Reject]:
    where = f"{name}:{line_no}"
    width, col, amount_field = layout
    if len(row) != width:
        return [Reject(SOURCE_ID, where, None, None, f"{len(row)} columns, expected {width}")]
    rejects: list[Reject] = []

    def bad(field: str, value: str, reason: str) -> None:
        rejects.append(Reject(SOURCE_ID, where, field, value[:MAX_FIELD_CHARS], reason))

    raw_date, raw_country = row[col["timestamp"]].strip(), row[col["country"]].strip()
    raw_occupation, raw_amount = row[col["occupation"]].strip(), row[col["amount"]].strip()
    day = None
    try:
        day = dt.date.fromisoformat(raw_date[:10])
    except ValueError:
        bad("timestamp", raw_date, "not a date in YYYY-MM-DD form")
    amount = None
    try:
        amount = float(raw_amount)
        if not math.isfinite(amount) or amount < 0:
            amount = None
    except ValueError:
        pass
    if amount is None:
        bad(amount_field, raw_amount, "not a non-negative number")
    occupation, counted = None, True
    target = occupations.get(_label_key(raw_occupation))
    if target is None:
        bad("occupation", raw_occupation, "unknown occupation: add it to oli_occupations.csv")
    elif target[0] is None:
        bad("occupation", raw_occupation, f"not an occupation class: {target[1]}")
        counted = False  # a total of other rows; counting it would count them twice
    else:
        occupation = target[0]
    code = _country(raw_country, index, countries, bad)
    if day is None or amount is None:
        return rejects
    month = (day.year, day.month)
    agg.days[month].add(day)
    if rejects:
        if counted:
            agg.remainder[month] += amount
        return rejects
    assert code is not None and occupation is not None
    agg.by_occupation[(month, code, occupation)] += amount
    agg.by_country[(month, code)] += amount
    return rejects


def _country(
    value: str,
    index: CountryIndex,
    cache: dict[str, tuple[str | None, str]],
    bad: Callable[[str, str, str], None],
) -> str | None:
    if value not in cache:
        if not value:
            cache[value] = (None, "empty country")
        elif len(value) > MAX_FIELD_CHARS:
            cache[value] = (None, f"longer than {MAX_FIELD_CHARS} characters")
        else:
            try:
                cache[value] = (index.resolve(value), "")
            except UnknownCountryError as err:
                cache[value] = (None, f"unknown country: {err}")
    code, reason = cache[value]
    if code is None:
        bad("country", value, reason)
    return code


def _tallies(name: str, role: str, platform: str, agg: _Aggregate) -> list[Tally]:
    measure = "projects" if role == "buyer" else "workers"
    side = "buyer_country_code" if role == "buyer" else "seller_country_code"

    def tally(
        month: _MONTH,
        code: str | None,
        occupation: str,
        measure: str,
        amount: float,
        region: str | None = None,
    ) -> Tally:
        return Tally(
            source_id=SOURCE_ID,
            platform=platform,
            period_start=dt.date(month[0], month[1], 1),
            period_end=_month_end(month),
            role=role,
            buyer_country_code=code if side == "buyer_country_code" else None,
            seller_country_code=code if side == "seller_country_code" else None,
            occupation=occupation,
            measure=measure,
            amount=amount,
            location=f"{name}:{month[0]:04d}-{month[1]:02d}",
            region_label=region,
        )

    def per_month(month: _MONTH, total: float) -> float:
        # Workers are a daily sample: the month's level is the mean over its collection days.
        return total if role == "buyer" else total / max(1, len(agg.days[month]))

    out = [
        tally(month, code, occupation, measure, per_month(month, amount))
        for (month, code, occupation), amount in sorted(agg.by_occupation.items())
    ]
    # Shares are per calendar year (the collection days of that year): the pipeline pairs the
    # employer and worker shares of the same year into estimated flows, and monthly shares would
    # multiply those estimates twelvefold without making them any less of an assumption.
    by_year: dict[tuple[int, str], float] = defaultdict(float)
    remainder: dict[int, float] = defaultdict(float)
    for (month, code), amount in agg.by_country.items():
        by_year[(month[0], code)] += amount
    for month, amount in agg.remainder.items():
        remainder[month[0]] += amount
    totals: dict[int, float] = defaultdict(float)
    for (year, _), amount in by_year.items():
        totals[year] += amount
    for year, amount in remainder.items():
        totals[year] += amount
    days: dict[int, list[dt.date]] = defaultdict(list)
    for month, seen in agg.days.items():
        days[month[0]].extend(seen)

    def yearly(year: int, code: str | None, amount: float, region: str | None = None) -> Tally:
        return Tally(
            source_id=SOURCE_ID,
            platform=platform,
            period_start=min(days[year]),
            period_end=max(days[year]),
            role=role,
            buyer_country_code=code if side == "buyer_country_code" else None,
            seller_country_code=code if side == "seller_country_code" else None,
            occupation="unknown",
            measure="share_pct",
            amount=100 * amount / totals[year],
            location=f"{name}:{year:04d}",
            region_label=region,
        )

    for (year, code), amount in sorted(by_year.items()):
        if totals[year] > 0:
            out.append(yearly(year, code, amount))
    for year, amount in sorted(remainder.items()):
        if totals[year] > 0 and amount > 0:
            out.append(yearly(year, None, amount, REMAINDER_LABEL))
    return out


# -- metadata, import, fetch --------------------------------------------------------------


def source(raw_files: list[Path]) -> Source:
    return source_from_meta(SOURCE_ID, meta(), raw_files)


def recognises(name: str) -> bool:
    return bool(_RECOGNISED.match(name))


def import_files(path: Path, store: RawStore) -> list[Path]:
    """A deposit file, or the bcountrydata_*/worker_countrydata_* files of a folder."""
    return import_matching(
        path,
        store,
        recognises,
        "an OLI deposit file (bcountrydata_*.txt[.zip] or worker_countrydata_*.txt[.zip])",
        meta().get("licence"),
    )


def latest_deposit_files(files: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """The newest employer-country and worker-country file of a figshare file listing."""
    best: dict[str, tuple[str, dict[str, Any]]] = {}
    for entry in files:
        match = DEPOSIT_FILE.match(str(entry.get("name", "")))
        if match and (match["kind"] not in best or match["date"] > best[match["kind"]][0]):
            best[match["kind"]] = (match["date"], entry)
    return [best[k][1] for k in sorted(best)]


# figshare's article record lists at most 10 files; /files pages through all of them
# (figshare API swagger: page_size up to 1000).
FILES_PAGE_SIZE = 1000
MAX_LISTING_PAGES = 10


def _md5_of(path: Path) -> str:
    digest = hashlib.md5()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _already_stored(store: RawStore, name: str, md5: str | None) -> Path | None:
    if not md5:
        return None
    for path in iter_files(store.source_id, store.root):
        if path.name == name and _md5_of(path) == md5:
            return path
    return None


def _json_list(path: Path) -> list[dict[str, Any]]:
    try:
        entries = json.loads(path.read_bytes())
    except (ValueError, UnicodeDecodeError) as err:
        raise SourceError(
            f"the figshare file listing is not JSON ({err}); nothing stored"
        ) from None
    if not isinstance(entries, list) or not all(isinstance(e, dict) for e in entries):
        raise SourceError("the figshare file listing is not a list of files; nothing stored")
    return entries


def _check_listing(path: Path) -> None:
    _json_list(path)


def _list_files(ctx: FetchContext) -> tuple[list[dict[str, Any]], list[Path]]:
    """Every file of the deposit, page by page; the listing pages are stored for provenance."""
    info = ctx.meta
    article = str(info["figshare_api"]).rstrip("/")
    url = f"{article}/files"
    entries: list[dict[str, Any]] = []
    pages: list[Path] = []
    for page in range(1, MAX_LISTING_PAGES + 1):
        path = ctx.session.save(
            ctx.store,
            url,
            f"figshare_files_{article.rsplit('/', 1)[-1]}_{page}.json",
            params={"page": page, "page_size": FILES_PAGE_SIZE},
            expect="json",
            licence=info.get("licence"),
            check=_check_listing,
            conditional=True,
        )
        pages.append(path)
        found = _json_list(path)
        entries.extend(found)
        if len(found) < FILES_PAGE_SIZE:
            break
    return entries, pages


def _download(ctx: FetchContext, entry: dict[str, Any]) -> Path:
    """One deposit file streamed into the store, its md5 and size checked while written."""
    info = ctx.meta
    name, url = str(entry["name"]), str(entry["download_url"])
    md5, size = entry.get("computed_md5") or None, entry.get("size")
    digest = hashlib.md5()

    def check(temp: Path) -> None:
        got = temp.stat().st_size
        if (md5 and digest.hexdigest() != md5) or (size and int(size) != got):
            raise SourceError(
                f"{name}: the download ({got} bytes) does not match the size and md5 figshare "
                "lists: a corrupt transfer, nothing was saved; run the command again"
            )

    by_hand = (
        f"download {name} in a browser from {info['url']} and run "
        f"`make fetch SOURCE=oli FROM=<that file>`"
    )
    try:
        return ctx.session.save(
            ctx.store,
            url,
            name,
            expect="data",
            licence=info.get("licence"),
            tap=digest.update,
            check=check,
        )
    except (BlockedError, RobotsDisallowed) as err:
        raise SourceError(f"figshare's download host refused a script ({err}); {by_hand}") from None
    except HTTPStatusError as err:
        if err.status in (401, 403):
            raise SourceError(
                f"figshare answered HTTP {err.status} for {name}; {by_hand}"
            ) from None
        raise


def fetch(ctx: FetchContext) -> list[Path]:
    """Download the newest bcountrydata and worker_countrydata files of the deposit."""
    from pipeline.progress import progress

    entries, saved = _list_files(ctx)
    chosen = latest_deposit_files(entries)
    if len(chosen) < 2:
        raise SourceError(
            f"the deposit's {len(entries)} files include no bcountrydata_*/worker_countrydata_* "
            f"pair; download them by hand from {ctx.meta['url']} and run "
            "`make fetch SOURCE=oli FROM=<folder>`"
        )
    for entry in progress(chosen, desc="download oli", unit="file"):
        present = _already_stored(ctx.store, str(entry["name"]), entry.get("computed_md5"))
        saved.append(present if present is not None else _download(ctx, entry))
    return saved


def summary_lines(files: list[Path], index: CountryIndex) -> list[str]:
    unused = source_index(index).unused_aliases()
    if not unused:
        return []
    return [f"oli_aliases.csv entries not seen in these files: {', '.join(unused)}"]
