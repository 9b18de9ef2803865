"""Published marginal shares a user supplies: ``side, country, share_pct, year[, platform,
occupation]``, with an optional YAML of the same name beside the file.

A row is one published figure: the percentage of one side's work (``buyer``: employers'
projects or vacancies by country; ``seller``: workers by country) in a country for a year, as a
report or press release prints it. ``sql/core/core__tallies.sql`` turns the rows into ``buyer``
and ``seller`` tallies of measure ``share_pct`` for the calendar year, as the curated shares are,
and adds each side's remainder to 100 as one ``rest of world`` row: the countries the
publication does not name keep their part of the whole, so the estimator fits the whole market.

Each file is a dataset of its own (``SplitsIntoDatasets``): source id ``shares_<file name>``,
its citation, title, licence, platform, market and unit from ``<file name>.yaml`` when one was
imported beside it (the keys of ``data/curated/*.yaml``, read with ``yaml.safe_load``, checked
against the metadata schema of ``pipeline.sources.meta``; a tag, an anchor or an unknown key is
refused), otherwise a default citation and a note saying none was given. Two files are never
summed together; a file imported again under its name replaces its figures (raw store
versions). Both files are kept in the raw store as received.

Checks (``sql/parse/shares.sql``): a side of ``buyer`` or ``seller``, a known country (codes or
names in English, French, Italian), a share from 0 to 100, a year between 2000 and next year, a
known occupation, no undecodable byte; a country named twice for one side and year (counted
once); one set of shares per side and year (the pairing of ``out__marginal_pairs`` and the rule
``core__tallies__shares_at_most_100`` take one set per side and period, whatever its platform or
occupation); and a side whose shares add up to more than 100 (± 0.5 for rounding), whose rows
are all rejected with the file, side, year and total in the reason.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import logging
import re
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import pyarrow as pa
import yaml

from pipeline.parse.lookups import country_table, mapping_notes, occupation_list
from pipeline.parse.tabular import TableError, read_table, run_checks
from pipeline.raw import intake
from pipeline.raw.intake import IntakeError
from pipeline.raw.names import safe_name, split_ext
from pipeline.raw.versions import LOADED, QUARANTINED, RawEntry, RawFile
from pipeline.sources import storing
from pipeline.sources.contract import (
    Dataset,
    ParseContext,
    Parsed,
    SourceContext,
    SourceError,
)
from pipeline.sources.meta import MetadataError, SourceMeta, validate
from pipeline.util.records import OCCUPATIONS, Reject

log = logging.getLogger(__name__)

SOURCE_ID = "shares"
# read from a file's YAML besides the common keys (which include ``market``): what the shares
# are a share of (text, or one text per side)
OPTION_KEYS: frozenset[str] = frozenset({"unit"})
SESSION_OPTIONS: Mapping[str, Any] = {}
REQUIRED = ("side", "country", "share_pct", "year")
OPTIONAL = ("platform", "occupation")
STAGED: Mapping[str, pa.Schema] = {
    "shares_rows": pa.schema(
        [
            ("file_name", pa.string()),
            ("line", pa.int64()),
            ("year", pa.int64()),
            ("role", pa.string()),
            ("country_code", pa.string()),
            ("occupation", pa.string()),
            ("platform", pa.string()),
            ("share_pct", pa.float64()),
            ("citation", pa.string()),
        ]
    )
}
DATA_SUFFIXES = (".csv", ".txt")
META_SUFFIXES = (".yaml", ".yml")
# The keys of the curated datasets' YAML files (data/curated/README.md) and this module's
# options; the store's own keys (max_mb, raw_identity) are the source's, not a file's.
META_KEYS = (
    "source_id",
    "kind",
    "title",
    "publisher",
    "url",
    "licence",
    "citation",
    "method",
    "vintage",
    "notes",
    "platform",
    "expected_rows",
    "market",
    "derived_from",
    "buyer_unit",
    "seller_unit",
    *sorted(OPTION_KEYS),
)
_TEXT_KEYS = frozenset(META_KEYS) - {"expected_rows", "vintage", "unit"}
_SIDES = ("buyer", "seller")
MAX_META_BYTES = 64 * 1024
_ID_CHARS = 56


# -- parse ----------------------------------------------------------------------------------


def parse(raw: RawFile, ctx: ParseContext) -> Parsed:
    """One shares file -> staged rows; every unusable row is a reject naming its field."""
    source_id = ctx.meta.source_id
    try:
        table = read_table(
            raw, source_id, ctx.meta.max_bytes, delimiters=",;\t", wanted=REQUIRED + OPTIONAL
        )
    except (TableError, OSError, EOFError) as err:
        return Parsed.unreadable(source_id, raw.name, f"file not readable as a shares CSV: {err}")
    parsed = Parsed(rejects=list(table.rejects), records_in=table.records_in)
    missing = [c for c in REQUIRED if c not in table.header]
    if missing:
        reason = f"no {', '.join(missing)} column in the header: add it (columns needed: "
        parsed.rejects.append(
            Reject(source_id, f"{raw.name}:1", missing[0], None, reason + ", ".join(REQUIRED) + ")")
        )
        # a file with the wrong header is one rejected record even when it has no rows
        parsed.records_in = parsed.records_rejected = max(1, parsed.records_in)
        return parsed
    present = [c for c in REQUIRED + OPTIONAL if c in table.header]
    rows = table.arrow(present)
    for column in OPTIONAL:
        if column not in present:
            rows = rows.append_column(column, pa.nulls(rows.num_rows, pa.string()))
    names = country_table(ctx.countries, rows, ("country",))
    kept, rejects, n_bad, _ = run_checks(
        "shares",
        rows,
        {"country_names": names, "occupations": occupation_list(OCCUPATIONS)},
        {
            "source_id": source_id,
            "file_name": raw.name,
            "platform_default": ctx.meta.platform_for(),
            "citation": ctx.meta.citation,
            "today": ctx.today,
        },
        STAGED["shares_rows"].names,
    )
    parsed.tables["shares_rows"] = kept
    parsed.reject_rows = rejects
    parsed.records_ok = kept.num_rows
    parsed.records_rejected = len(table.rejects) + n_bad
    parsed.notes.extend(mapping_notes(raw.name, names))
    parsed.notes.append(f"{raw.name}: dataset {source_id}, cited as: {ctx.meta.citation}")
    return parsed


# -- one dataset per file -----------------------------------------------------------------


def dataset_id(stem: str) -> str:
    """``shares_`` and the file's name in lower case, other characters as ``_``."""
    slug = re.sub(r"[^a-z0-9]+", "_", stem.casefold()).strip("_")[:_ID_CHARS].strip("_")
    return f"shares_{slug or 'file'}"


def _split(entry: RawEntry) -> tuple[str, str]:
    stem, ext = split_ext(entry.identity)
    return stem, ext.casefold()


def datasets(meta: SourceMeta, entries: Sequence[RawEntry]) -> tuple[list[Dataset], list[Reject]]:
    """Each current shares file as a dataset with its own id and the metadata of the YAML of
    the same name (the current version of it); a file whose YAML is refused or quarantined is
    not loaded (one reject naming both)."""
    data = [e for e in entries if e.status == LOADED and _split(e)[1] in DATA_SUFFIXES]
    metas: dict[str, list[RawEntry]] = {}
    broken: dict[str, RawEntry] = {}
    for entry in entries:
        stem, ext = _split(entry)
        if ext not in META_SUFFIXES:
            continue
        if entry.status == LOADED:
            metas.setdefault(stem, []).append(entry)
        elif entry.status == QUARANTINED:
            broken.setdefault(stem, entry)
    ids: dict[str, list[str]] = {}
    for entry in data:
        ids.setdefault(dataset_id(_split(entry)[0]), []).append(entry.identity)
    found: list[Dataset] = []
    refused: list[Reject] = []
    for entry in sorted(data, key=lambda e: e.identity):
        stem = _split(entry)[0]
        base_id = dataset_id(stem)
        # two names that differ only in what an id cannot hold ("OII.csv", "oii.csv") stay apart
        source_id = base_id
        if len(ids[base_id]) > 1:
            source_id = f"{base_id}_{hashlib.sha1(entry.identity.encode()).hexdigest()[:6]}"
        sidecars = metas.get(stem, [])
        problem = None
        try:
            if len(sidecars) > 1:
                names = " and ".join(s.path.name for s in sidecars)
                raise MetadataError(f"two metadata files, {names}: retire one (make raw RETIRE=)")
            if sidecars:
                sidecar = sidecars[0]
                given = read_meta(sidecar.path.read_bytes(), str(sidecar.path))
                file_meta = dataset_meta(meta, entry.identity, given, sidecar.path, source_id)
            elif stem in broken:
                raise MetadataError(
                    f"{broken[stem].path}: quarantined ({broken[stem].reason}); see make raw"
                )
            else:
                file_meta = dataset_meta(meta, entry.identity, None, meta.path, source_id)
        except (MetadataError, OSError) as err:
            problem = str(err)
        if problem is not None:
            reason = f"not loaded: its metadata file is refused: {problem}"
            refused.append(Reject(source_id, entry.path.name, None, None, reason[:500]))
            continue
        found.append(Dataset(file_meta, [RawFile(entry.path, entry.sha256 or "", entry.day)]))
    return found, refused


def read_meta(data: bytes, where: str) -> dict[str, Any]:
    """A file's YAML as a mapping: plain YAML only (no tag, anchor or alias), read with
    ``yaml.safe_load``; MetadataError names the file, the line and what to change."""
    if len(data) > MAX_META_BYTES:
        raise MetadataError(
            f"{where}: {len(data)} bytes, more than a metadata file's {MAX_META_BYTES}"
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as err:
        raise MetadataError(f"{where}: not UTF-8 text ({err})") from None
    try:
        for event in yaml.parse(text, Loader=yaml.SafeLoader):
            line = event.start_mark.line + 1 if event.start_mark is not None else 0
            tag = getattr(event, "tag", None)
            if tag is not None:
                raise MetadataError(
                    f"{where}: line {line}: the YAML tag {tag!r} is not accepted: write plain "
                    "text, numbers and mappings"
                )
            if isinstance(event, yaml.AliasEvent) or getattr(event, "anchor", None) is not None:
                raise MetadataError(
                    f"{where}: line {line}: YAML anchors and aliases (& and *) are not "
                    "accepted: write each value out"
                )
        loaded = yaml.safe_load(text)
    except yaml.YAMLError as err:
        raise MetadataError(f"{where}: not readable as YAML: {err}") from None
    if not isinstance(loaded, dict):
        kind = "an empty file" if loaded is None else type(loaded).__name__
        raise MetadataError(f"{where}: expected a mapping of keys (citation: ...), got {kind}")
    return loaded


def dataset_meta(
    base: SourceMeta,
    data_name: str,
    given: Mapping[Any, Any] | None,
    where: Path,
    source_id: str | None = None,
) -> SourceMeta:
    """The metadata of the dataset read from the file ``data_name``: the YAML beside it
    (``given``) over this source's defaults, checked against the metadata schema."""
    stem = split_ext(data_name)[0]
    expected = dataset_id(stem)
    values: dict[str, Any] = {
        "source_id": source_id or expected,
        "title": f"{base.title}: {data_name}",
        "publisher": base.publisher,
        "url": base.url,
        "licence": base.licence,
        "citation": f"{base.citation} ({data_name})",
        "method": base.method,
        "platform": base.platform,
        "max_mb": base.max_mb,
        "expected_rows": {"min": base.expected_rows.min, "max": base.expected_rows.max},
    }
    if given is None:
        values["notes"] = (
            f"No {stem}.yaml was imported beside {data_name}: the citation is a default and the "
            "market and unit of these shares are not stated. To cite them, import the file "
            f"again with a {stem}.yaml beside it (keys: {', '.join(META_KEYS[2:])})."
        )
        return validate(values, where, OPTION_KEYS)
    _check_keys(given, where, expected)
    values.update({k: v for k, v in given.items() if k not in ("source_id", "kind")})
    values["source_id"] = source_id or expected
    unit = given.get("unit")
    # the estimate says what it combined: each side's unit, from "unit" unless given apart
    sides = unit if isinstance(unit, dict) else {side: unit for side in _SIDES}
    for side in _SIDES:
        if sides.get(side) and not given.get(f"{side}_unit"):
            values[f"{side}_unit"] = sides[side]
    if isinstance(unit, dict):
        unit = "; ".join(f"{side}s: {unit[side]}" for side in _SIDES if side in unit)
    told = [
        given.get("notes"),
        f"Market: {given['market']}." if given.get("market") else None,
        f"Unit: {unit}." if unit else None,
    ]
    values["notes"] = " ".join(" ".join(str(t).split()) for t in told if t) or None
    return validate(values, where, OPTION_KEYS)


def _check_keys(given: Mapping[Any, Any], where: Path, expected: str) -> None:
    unknown = sorted(str(k) for k in given if k not in META_KEYS)
    if unknown:
        raise MetadataError(
            f"{where}: unknown key(s) {', '.join(unknown)}; a shares file's YAML takes "
            + ", ".join(META_KEYS)
        )
    for key in sorted(_TEXT_KEYS & set(given)):
        if given[key] is not None and not isinstance(given[key], str):
            raise MetadataError(f"{where}: {key} must be text, not {type(given[key]).__name__}")
    vintage = given.get("vintage")
    if vintage is not None and not isinstance(vintage, str | dt.date):
        raise MetadataError(f"{where}: vintage must be a date (YYYY-MM-DD)")
    unit = given.get("unit")
    if isinstance(unit, dict):
        if (
            not unit
            or not set(unit) <= set(_SIDES)
            or not all(isinstance(v, str) for v in unit.values())
        ):
            raise MetadataError(f"{where}: unit takes text, or buyer and seller keys with text")
    elif unit is not None and not isinstance(unit, str):
        raise MetadataError(f"{where}: unit takes text, or buyer and seller keys with text")
    if given.get("source_id") not in (None, expected):
        raise MetadataError(
            f"{where}: source_id must be {expected!r} (shares_ + the file's name) or left out, "
            f"not {given['source_id']!r}"
        )
    if given.get("kind") not in (None, "tallies"):
        raise MetadataError(f"{where}: kind must be 'tallies' (or left out), not {given['kind']!r}")


# -- import, fetch ------------------------------------------------------------------------


def _sidecar(path: Path) -> Path | None:
    """The YAML beside a data file (``shares.yaml`` or ``shares.yml`` for ``shares.csv``)."""
    # a link or a special file counts as there, so that the intake checks refuse it by name
    found = [
        path.with_suffix(suffix)
        for suffix in META_SUFFIXES
        if path.with_suffix(suffix).exists() or path.with_suffix(suffix).is_symlink()
    ]
    if len(found) > 1:
        raise SourceError(
            f"{path.name} has two metadata files beside it, {found[0].name} and "
            f"{found[1].name}: keep one"
        )
    return found[0] if found else None


def _checked(path: Path, base: SourceMeta) -> tuple[Path | None, SourceMeta]:
    """The YAML beside ``path`` and the metadata it gives, checked as the build will check
    them; SourceError if refused."""
    sidecar = _sidecar(path)
    if sidecar is None:
        return None, dataset_meta(base, safe_name(path.name), None, base.path)
    try:
        with intake.open_checked(sidecar, MAX_META_BYTES) as handle:
            data = handle.read(MAX_META_BYTES + 1)
        given = read_meta(data, str(sidecar))
        return sidecar, dataset_meta(base, safe_name(path.name), given, sidecar)
    except (MetadataError, IntakeError, OSError) as err:
        raise SourceError(
            f"{path.name} not imported: its metadata file is refused: {err}"
        ) from None


def _import_one(path: Path, ctx: SourceContext) -> list[Path]:
    sidecar, meta = _checked(path, ctx.meta)
    # the manifest records the licence the YAML states for the figures
    saved = [storing.save_file_once(ctx.store, path, meta.licence)]
    if sidecar is not None:
        # a YAML several files share word for word is kept under each file's name
        saved.append(storing.save_file_once(ctx.store, sidecar, meta.licence, same_name_only=True))
    else:
        log.warning(
            "%s: no %s.yaml beside it: its shares are cited as %r",
            path.name,
            path.stem,
            meta.citation,
        )
    return saved


def import_files(path: Path, ctx: SourceContext) -> list[Path]:
    """A shares file and the YAML beside it, or every shares file of a folder with theirs,
    copied unchanged; a file whose YAML is refused is not imported (in a folder, the others
    are)."""
    if not path.exists() and not path.is_symlink():
        raise SourceError(f"{path} does not exist")
    expected = "a .csv file with columns " + ", ".join(REQUIRED)
    if not path.is_dir():
        if path.suffix.casefold() not in DATA_SUFFIXES:
            raise SourceError(f"{path.name} does not look like {expected}; pick the right file")
        return _import_one(path, ctx)
    candidates = sorted(
        (p for p in path.iterdir() if not p.is_dir() and p.suffix.casefold() in DATA_SUFFIXES),
        key=lambda p: (p.lstat().st_mtime_ns, p.name),
    )
    if not candidates:
        raise SourceError(f"no file in {path} looks like {expected}")
    saved: list[Path] = []
    refused: list[str] = []
    for candidate in candidates:
        try:
            saved += _import_one(candidate, ctx)
        except (SourceError, IntakeError) as err:
            log.warning("not imported: %s", err)
            refused.append(str(err))
    if refused and not saved:
        raise SourceError("; ".join(refused))
    return saved


def fetch(ctx: SourceContext) -> list[Path]:
    raise SourceError(
        "the shares source is figures you copy from a publication, there is nothing to fetch: "
        "run `make fetch SOURCE=shares FROM=<your-file.csv>` (with <your-file>.yaml beside it)"
    )


def source_note(staged: Sequence[Any]) -> str | None:
    """Nothing to add: each file's notes come from its YAML (or say that it had none)."""
    return None


def import_order(raw: RawFile) -> tuple[str, int] | None:
    """Staged rows do not depend on where a file sits in the raw store."""
    return None


def check_content(path: Path, name: str, max_bytes: int) -> str:
    """Nothing to check: a shares file's name claims nothing but its dataset's id (its rows
    say which year and side each figure is of)."""
    return ""
