"""What ``make raw`` and the build summary print about the raw store, and setting a file
aside by hand (``make raw RETIRE=`` / ``RESTORE=``): kept byte for byte, not loaded.

Every function takes the sources' :class:`~pipeline.raw.versions.RawRules` from its caller.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

from pipeline.raw.manifest import load_retired, now_iso, write_retired
from pipeline.raw.versions import (
    LOADED,
    NO_RULES,
    QUARANTINED,
    SOURCE_ID,
    STATUSES,
    RawEntry,
    RawRules,
    inventory,
)
from pipeline.util.paths import raw_dir


def _rules(rules: Mapping[str, RawRules] | None, source_id: str) -> RawRules:
    return (rules or {}).get(source_id, NO_RULES)


def _as_built(entries: list[RawEntry], quarantined: Mapping[Path, str] | None) -> list[RawEntry]:
    """The entries as the build sees them: a current file whose parse left nothing to load is
    quarantined too, with why (``quarantined``: raw path -> reason, from the staging)."""
    if not quarantined:
        return entries
    return [
        dataclasses.replace(e, status=QUARANTINED, reason=f"nothing to load: {quarantined[e.path]}")
        if e.status == LOADED and e.path in quarantined
        else e
        for e in entries
    ]


def source_dirs(root: Path) -> list[str]:
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and SOURCE_ID.match(p.name))


def summary_lines(
    root: Path | None = None,
    source_ids: Iterable[str] | None = None,
    rules: Mapping[str, RawRules] | None = None,
    quarantined: Mapping[Path, str] | None = None,
) -> list[str]:
    """What the build loads from data/raw and what it leaves out, per source; ``quarantined``
    names the files whose parse left nothing to load."""
    base = Path(root) if root is not None else raw_dir()
    out: list[str] = []
    for source_id in source_ids if source_ids is not None else source_dirs(base):
        entries = _as_built(inventory(source_id, base, _rules(rules, source_id)), quarantined)
        if not entries:
            continue
        counts = {s: sum(e.status == s for e in entries) for s in STATUSES}
        out.append(
            f"raw files of {source_id}: "
            + ", ".join(f"{n} {status}" for status, n in counts.items() if n or status == LOADED)
        )
        for status in STATUSES:
            chosen = [e for e in entries if e.status == status]
            limit = 5 if status == LOADED else 20
            for item in chosen[:limit]:
                why = f": {item.reason}" if item.reason else ""
                out.append(f"  {status} {item.path}{why}")
            if len(chosen) > limit:
                out.append(f"  ... and {len(chosen) - limit} more {status} (see `make raw`)")
    return out


# -- retiring -----------------------------------------------------------------------------


def find_entry(
    ref: str, root: Path | None = None, rules: Mapping[str, RawRules] | None = None
) -> RawEntry:
    """The stored file named as ``make raw`` shows it: by its path (absolute, or relative to
    the raw root or the current folder), its file name, its identity (``csv:flows.csv``) or
    the start of its sha256 (at least 6 characters, the id column). A name that several
    stored files share is refused, listing them with their ids."""
    base = Path(root) if root is not None else raw_dir()
    text = ref.strip()
    if not text:
        raise ValueError("name a raw file: its path, its name or its id (see `make raw`)")
    wanted = {(base / text).absolute(), Path(text).absolute()}
    wanted |= {p.resolve() for p in list(wanted) if p.exists()}
    by_path, by_name, by_id = [], [], []
    for source_id in source_dirs(base):
        for item in inventory(source_id, base, _rules(rules, source_id)):
            if item.path.absolute() in wanted or item.path.resolve() in wanted:
                by_path.append(item)
            elif text in (item.path.name, f"{source_id}:{item.identity}"):
                by_name.append(item)
            elif len(text) >= 6 and item.sha256 and item.sha256.startswith(text.lower()):
                by_id.append(item)
    found = by_path or by_name or by_id
    if not found:
        raise ValueError(f"no raw file matches {text!r}; `make raw` lists the files and their ids")
    if len(found) > 1:
        listed = "; ".join(f"{e.path.relative_to(base)} (id {e.id or '-'})" for e in found)
        raise ValueError(
            f"{len(found)} raw files match {text!r}: {listed}; give the path or the id"
        )
    return found[0]


def retire(
    ref: str, root: Path | None = None, rules: Mapping[str, RawRules] | None = None
) -> RawEntry:
    """Set a stored file aside: kept byte for byte, recorded in ``retired.json``, not loaded."""
    item = find_entry(ref, root, rules)
    if item.status == QUARANTINED:
        raise ValueError(f"{item.path} is quarantined ({item.reason}); it is not loaded anyway")
    source_dir = item.path.parent.parent
    records = load_retired(source_dir)
    key = f"{item.day}/{item.path.name}"
    records[key] = {"file": key, "sha256": item.sha256, "retired_at": now_iso()}
    write_retired(source_dir, records)
    return item


def restore(
    ref: str, root: Path | None = None, rules: Mapping[str, RawRules] | None = None
) -> RawEntry:
    """Undo :func:`retire`: the file takes its place among the versions again."""
    item = find_entry(ref, root, rules)
    source_dir = item.path.parent.parent
    records = load_retired(source_dir)
    if records.pop(f"{item.day}/{item.path.name}", None) is None:
        raise ValueError(f"{item.path} is not retired")
    write_retired(source_dir, records)
    return item


def listing(
    root: Path | None = None,
    rules: Mapping[str, RawRules] | None = None,
    quarantined: Mapping[Path, str] | None = None,
) -> list[str]:
    """The table ``make raw`` prints: every stored file with its version and status."""
    base = Path(root) if root is not None else raw_dir()
    rows = [("id", "status", "identity", "version", "saved", "file", "why")]
    for source_id in source_dirs(base):
        for item in _as_built(inventory(source_id, base, _rules(rules, source_id)), quarantined):
            rows.append(
                (
                    item.id or "-",
                    item.status,
                    f"{source_id}:{item.identity}"[:60],
                    item.version or "-",
                    item.saved_at[:19] or "-",
                    str(item.path.relative_to(base)),
                    item.reason[:400],
                )
            )
    if len(rows) == 1:
        return [f"no raw files in {base}; add some with `make fetch SOURCE=<id> [FROM=<path>]`"]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1]
        for row in rows
    ]


# -- overlapping files ---------------------------------------------------------------------


@dataclass(frozen=True)
class Overlap:
    """Flow keys that two loaded files of a source both give, of which the newer file's rows
    are loaded (``sql/summary/user_overlaps.sql``)."""

    older: str  # the file whose rows for those keys are superseded
    newer: str  # the more recently imported file that gives them
    rows: int
    keys: int
    first_keys: tuple[str, ...]
    older_total: float
    newer_total: float
    unit: str = "key"  # what the keys are: flow keys, or days of a series
    keep_both: str = ""  # how to keep both files' rows, where that can be right


def _amount(value: float) -> str:
    return f"{value:,.6f}".rstrip("0").rstrip(".")


def overlap_lines(overlap: Overlap, ids: Mapping[str, str]) -> list[str]:
    """The keys and totals two overlapping files give, and how to keep both or only one:
    the "newest import wins" rule is applied, and said, never silently."""
    more = overlap.keys - len(overlap.first_keys)
    keys = ", ".join(overlap.first_keys) + (f" and {more} more" if more > 0 else "")
    plural = "s" if overlap.keys != 1 else ""
    older_id = ids.get(overlap.older, "?")
    newer_id = ids.get(overlap.newer, "?")
    both = f"to keep both, {overlap.keep_both}; " if overlap.keep_both else ""
    return [
        f"{overlap.keys} {overlap.unit}{plural}: {keys}; {overlap.older} gives "
        f"{_amount(overlap.older_total)} for them (not loaded), {overlap.newer} gives "
        f"{_amount(overlap.newer_total)} (loaded)",
        f"{both}to keep one, `make raw RETIRE=<id>` the other ({overlap.older} is {older_id}, "
        f"{overlap.newer} is {newer_id})",
    ]


def overlaps_listing(overlaps: Sequence[Overlap], ids: Mapping[str, str]) -> list[str]:
    """What ``make raw`` adds below its table when loaded files give the same flow keys."""
    if not overlaps:
        return []
    out = ["files that give the same flow keys (the most recently imported file's rows load):"]
    for overlap in overlaps:
        out.append(f"  {overlap.rows} rows of {overlap.older} superseded by {overlap.newer}")
        out += [f"    {line}" for line in overlap_lines(overlap, ids)]
    return out
