"""Online Labour Index (figshare 10.6084/m9.figshare.3761562): employer and worker countries.

Two deposit files are used, each published as a daily series and re-issued under a new date:

* ``bcountrydata_<date>.txt[.zip]`` (``timestamp, country, country_group, occupation, count``):
  new projects per day by employer country and occupation -> monthly ``buyer`` tallies
  (measure ``projects``, summed);
* ``worker_countrydata_<date>.txt[.zip]`` (``timestamp, country, occupation, num_workers[,
  num_projects]``): a weighted sample of worker profiles -> monthly ``seller`` tallies (measure
  ``workers``, the mean over the month's collection days).

Parsing stages the daily rows as they are (countries and occupations mapped);
``sql/core/core__tallies.sql`` sums them per month and computes each calendar year's
``share_pct`` tallies over all occupations (occupation ``unknown``): every country's share of the
year, plus a remainder for rows whose country or occupation could not be mapped, so the year
adds up to 100 and the pipeline can pair the two sides into estimated flows. Checks
(``sql/parse/oli.sql``): a real date between 2000-01-01 and a year from today and not after the
date of the deposit the file's name gives (a deposit holds no later day), an amount between
0 and 10^12, known countries and occupations, no undecodable byte; an exact repeat of an
earlier row is rejected (counted once). A file whose columns are those of the other series than
its name says (a worker file saved as ``bcountrydata_<date>.txt``), or that holds no row, is not
a version of that series (:func:`check_content`): the raw store refuses it.
"""

from __future__ import annotations

import csv
import hashlib
import json
import re
import zipfile
import zlib
from collections.abc import Mapping, Sequence
from functools import lru_cache
from pathlib import Path
from typing import Any

import pyarrow as pa

from pipeline.parse.content import head
from pipeline.parse.lookups import country_table, distinct_counts
from pipeline.parse.tabular import TableError, missing_columns, read_table, run_checks
from pipeline.raw.store import RawStore
from pipeline.raw.versions import RawFile
from pipeline.reference.countries import CountryIndex
from pipeline.sources import storing
from pipeline.sources.contract import ParseContext, Parsed, SourceContext, SourceError
from pipeline.util.records import OCCUPATIONS

SOURCE_ID = "oli"
HERE = Path(__file__).parent
ALIASES_PATH = HERE / "oli_aliases.csv"
OCCUPATIONS_PATH = HERE / "oli_occupations.csv"
OPTION_KEYS = frozenset({"figshare_api", "fractional_counts"})
# The worker file is tens of megabytes even zipped; bodies are streamed to disk, so the bound is
# about disk space, not memory (20 times the session's default of 100 MiB).
SESSION_OPTIONS: Mapping[str, Any] = {"max_bytes": 20 * 100 * 1024 * 1024}

BUYER_COLUMNS = ("timestamp", "country", "occupation", "count")
WORKER_COLUMNS = ("timestamp", "country", "occupation", "num_workers")
COLUMNS = (
    "timestamp",
    "country",
    "country_group",
    "occupation",
    "count",
    "num_workers",
    "num_projects",
)
DEPOSIT_FILE = re.compile(
    r"^(?P<kind>bcountrydata|worker_countrydata)_(?P<date>\d{4}-\d{2}-\d{2})\.(txt|csv)(\.zip)?$"
)
_RECOGNISED = re.compile(r"^(bcountrydata|worker_countrydata)[_-].*\.(txt|csv|zip|gz)$", re.I)
# what a name says: the series, and the date of the deposit when it gives one
_NAMED = re.compile(
    r"^(?P<kind>bcountrydata|worker_countrydata)(?:[_-](?P<date>\d{4}-\d{2}-\d{2}))?", re.I
)
SERIES = {
    "bcountrydata": "the employer countries' projects",
    "worker_countrydata": "the worker countries' sample",
}
DELIMITERS = ",;\t"
STAGED: Mapping[str, pa.Schema] = {
    "oli_rows": pa.schema(
        [
            ("file_name", pa.string()),
            ("line", pa.int64()),
            ("kind", pa.string()),
            ("day", pa.date32()),
            ("year", pa.int64()),
            ("country_code", pa.string()),
            ("occupation", pa.string()),
            ("counted", pa.bool_()),
            ("amount", pa.float64()),
            ("platform", pa.string()),
        ]
    )
}


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
            table[_label_key(row["label"])] = (target, (row.get("note") or "").strip())
    return table


def _label_key(label: str) -> str:
    return " ".join(label.casefold().split())


def _occupation_labels(rows: pa.Table) -> pa.Table:
    """``label, occupation_class, is_known, note`` for every distinct label of the file."""
    table = occupation_table()
    labels, targets, known, notes = [], [], [], []
    for label, _ in distinct_counts(rows, ("occupation",)):
        found = table.get(_label_key(label))
        labels.append(label)
        targets.append(found[0] if found else None)
        known.append(found is not None)
        notes.append(found[1] if found else None)
    return pa.table(
        {
            "label": pa.array(labels, pa.string()),
            "occupation_class": pa.array(targets, pa.string()),
            "is_known": pa.array(known, pa.bool_()),
            "note": pa.array(notes, pa.string()),
        }
    )


def parse(raw: RawFile, ctx: ParseContext) -> Parsed:
    """One OLI deposit file (plain, zipped or gzipped) -> its daily rows, staged, and rejects."""
    if raw.name.lower().endswith(".json"):
        return Parsed()  # the deposit's file listing, kept for provenance: no records in it
    try:
        table = read_table(raw, SOURCE_ID, ctx.meta.max_bytes, delimiters=",;\t", wanted=COLUMNS)
    except (TableError, OSError, EOFError) as err:
        return Parsed.unreadable(
            SOURCE_ID, raw.name, f"file not readable as an OLI deposit file: {err}"
        )
    header = table.header
    kind = kind_of(header)
    if kind is None:
        # the name says which kind the file should be: its columns are the ones to suggest
        expected = WORKER_COLUMNS if raw.name.lower().startswith("worker") else BUYER_COLUMNS
        missing = [c for c in expected if c not in header]
        hint = f" ({missing_columns(missing, header, expected)})" if missing else ""
        return Parsed.unreadable(
            SOURCE_ID,
            raw.name,
            f"file not readable as an OLI deposit file: header {header[:8]} has neither the "
            f"employer columns {', '.join(BUYER_COLUMNS)} nor the worker columns "
            f"{', '.join(WORKER_COLUMNS)}{hint}",
        )
    named = _NAMED.match(raw.name)
    if named and named["kind"].lower() != kind:
        return Parsed.unreadable(SOURCE_ID, raw.name, _other_series(named["kind"].lower(), kind))
    amount_column = "count" if kind == "bcountrydata" else "num_workers"
    present = [c for c in COLUMNS if c in header]
    rows = table.arrow(present)
    for column in ("country_group", "num_projects"):
        if column not in present:
            rows = rows.append_column(column, pa.array([None] * rows.num_rows, pa.string()))
    rows = rows.rename_columns(
        ["amount_text" if n == amount_column else n for n in rows.column_names]
    )
    index = source_index(ctx.countries)
    names = country_table(index, rows, ("country",))
    kept, rejects, n_bad, _ = run_checks(
        "oli",
        rows,
        {"country_names": names, "occupation_labels": _occupation_labels(rows)},
        {
            "source_id": SOURCE_ID,
            "file_name": raw.name,
            "kind": kind,
            "amount_field": amount_column,
            # whole projects unless the YAML declares the column fractional (weighted workers)
            "fractional": amount_column in ctx.meta.get("fractional_counts", []),
            "platform": ctx.meta.platform_for(kind),
            "today": ctx.today,
            "file_date": named["date"] if named and named["date"] else None,
        },
        STAGED["oli_rows"].names,
    )
    parsed = Parsed(
        tables={"oli_rows": kept},
        rejects=table.rejects,
        reject_rows=rejects,
        records_in=table.records_in,
        records_ok=table.records_in - len(table.rejects) - n_bad,
        records_rejected=len(table.rejects) + n_bad,
    )
    seen = [
        n
        for n, m in zip(names["name"].to_pylist(), names["mentions"].to_pylist(), strict=True)
        if m
    ]
    unused = index.aliases_not_in(seen)
    if unused:
        parsed.notes.append(f"oli_aliases.csv entries not seen in {raw.name}: {', '.join(unused)}")
    return parsed


def kind_of(header: Sequence[str]) -> str | None:
    """The series a header is of: ``bcountrydata``, ``worker_countrydata`` or None."""
    if all(c in header for c in BUYER_COLUMNS) and "num_workers" not in header:
        return "bcountrydata"
    if all(c in header for c in WORKER_COLUMNS):
        return "worker_countrydata"
    return None


def _other_series(named: str, kind: str) -> str:
    return (
        f"its name says {named} ({SERIES[named]}), but its columns are those of {kind} "
        f"({SERIES[kind]}): save it as {kind}_<date>.txt and import it again"
    )


def check_content(path: Path, name: str, max_bytes: int) -> str:
    """What disagrees with the series the file's name gives ("" when nothing does): its
    header must be that series' and a row must follow. A file that fails is not a version of
    that series (a worker file saved as ``bcountrydata_<later date>.txt`` would otherwise
    replace the employer series), and is never taken for it."""
    named = _NAMED.match(name)
    if named is None:
        return ""  # the deposit's file listing, kept for provenance, claims no series
    claimed = named["kind"].lower()
    try:
        header, has_row = head(path, max_bytes, DELIMITERS)
    except (ValueError, OSError, EOFError, zipfile.BadZipFile, zlib.error) as err:
        return f"its name says {claimed}, but it cannot be read as a table ({str(err)[:200]})"
    if not any(header):
        return f"its name says {claimed}, but it is empty"
    kind = kind_of(header)
    if kind is None:
        return (
            f"its name says {claimed} ({SERIES[claimed]}), but its header {header[:8]} is that "
            "of no OLI deposit file"
        )
    if kind != claimed:
        return _other_series(claimed, kind)
    if not has_row:
        return f"its name says {claimed}, but it holds no row (a header alone)"
    return ""


# -- import, fetch ------------------------------------------------------------------------


def recognises(name: str) -> bool:
    return bool(_RECOGNISED.match(name))


def import_files(path: Path, ctx: SourceContext) -> list[Path]:
    """A deposit file, or the bcountrydata_*/worker_countrydata_* files of a folder."""
    return storing.import_matching(
        path,
        ctx.store,
        recognises,
        "an OLI deposit file (bcountrydata_*.txt[.zip] or worker_countrydata_*.txt[.zip])",
        ctx.meta.licence,
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
    with path.open("rb") as handle:
        return hashlib.file_digest(handle, "md5").hexdigest()


def _already_stored(store: RawStore, name: str, md5: str | None) -> Path | None:
    if not md5:
        return None
    for path in store.loaded_files():
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


def _list_files(ctx: SourceContext) -> tuple[list[dict[str, Any]], list[Path]]:
    """Every file of the deposit, page by page; the listing pages are stored for provenance."""
    info = ctx.meta
    article = str(info["figshare_api"]).rstrip("/")
    url = f"{article}/files"
    entries: list[dict[str, Any]] = []
    pages: list[Path] = []
    for page in range(1, MAX_LISTING_PAGES + 1):
        path = ctx.save(
            url,
            f"figshare_files_{article.rsplit('/', 1)[-1]}_{page}.json",
            params={"page": page, "page_size": FILES_PAGE_SIZE},
            expect="json",
            check=_check_listing,
            conditional=True,
        )
        pages.append(path)
        found = _json_list(path)
        entries.extend(found)
        if len(found) < FILES_PAGE_SIZE:
            break
    return entries, pages


def _download(ctx: SourceContext, entry: dict[str, Any]) -> Path:
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

    from pipeline.collect.errors import BlockedError, HTTPStatusError, RobotsDisallowed

    by_hand = (
        f"download {name} in a browser from {info['url']} and run "
        f"`make fetch SOURCE=oli FROM=<that file>`"
    )
    try:
        return ctx.save(
            url,
            name,
            expect="data",
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


def fetch(ctx: SourceContext) -> list[Path]:
    """Download the newest bcountrydata and worker_countrydata files of the deposit."""
    from pipeline.util.progress import progress

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


def source_note(staged: Sequence[Any]) -> str | None:
    """Nothing to add to this source's ``core__sources.notes``."""
    return None


def import_order(raw: RawFile) -> tuple[str, int] | None:
    """Staged rows do not depend on where a file sits in the raw store."""
    return None
