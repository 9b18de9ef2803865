"""Which stored files are versions of one file, and which version the build loads.

Each file has an identity (:func:`identity_of`: the source's ``raw_identity`` rule, else its
name) and files with the same identity are versions of one file. :func:`inventory` tells every
file's status: ``loaded`` (the newest verified version), ``superseded`` (an older version, kept),
``retired`` (set aside by hand, listed in ``<source>/retired.json``) or ``quarantined`` (its
size or sha256 differs from its manifest, it is not in it, or the manifest is damaged).
:func:`raw_files` is what the build parses; :func:`quarantine_result` the rejects it records
for the rest.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from contextlib import suppress
from dataclasses import dataclass
from functools import cached_property
from pathlib import Path
from typing import Any

from pipeline.raw.manifest import (
    ManifestError,
    check_against_manifest,
    load_retired,
    sha256_file,
    source_manifests,
)
from pipeline.raw.names import MANIFEST
from pipeline.util.paths import raw_dir
from pipeline.util.records import Reject

LOADED, SUPERSEDED, RETIRED_STATUS, QUARANTINED = "loaded", "superseded", "retired", "quarantined"
STATUSES = (LOADED, SUPERSEDED, RETIRED_STATUS, QUARANTINED)
# Bound on one user file of a source without metadata (a known source has its max_mb).
DEFAULT_MAX_BYTES = 2 * 1024**3
SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")


def check_source_id(source_id: str) -> str:
    if not SOURCE_ID.match(source_id):
        raise ValueError(f"invalid source id {source_id!r}: use lower-case letters, digits, _ -")
    return source_id


@dataclass(frozen=True)
class RawFile:
    """One stored raw file as a parser receives it: where it is and its identity."""

    path: Path
    sha256: str
    day: str = ""  # the raw store's day folder, YYYY-MM-DD; newer observations win

    @property
    def name(self) -> str:
        return self.path.name

    def read_bytes(self) -> bytes:
        return self.path.read_bytes()

    @classmethod
    def of(cls, path: Path, sha256: str | None = None, day: str = "") -> RawFile:
        return cls(path, sha256 or sha256_file(path), day)


_COUNTER = re.compile(r"^(?P<stem>.+)\.(?P<n>\d{1,4})(?P<ext>\.[A-Za-z0-9]{1,10})?$")


# (path, name it was saved under, size bound) -> "" when the file's content agrees with what
# its name claims (a year, a kind of series), else what disagrees and how to fix it
ContentCheck = Callable[[Path, str, int], str]


@dataclass(frozen=True)
class RawRules:
    """What the store needs to know of a source, given by the caller (the source registry
    knows them; the store never asks it): the largest file it takes, the ``raw_identity``
    pattern that tells which stored files are versions of one file, and the check that a
    file's content is what its name says (a name alone never makes a file a version of
    another)."""

    max_bytes: int = DEFAULT_MAX_BYTES
    identity: str | None = None
    content: ContentCheck | None = None

    @cached_property
    def identity_pattern(self) -> re.Pattern[str] | None:
        return re.compile(self.identity, re.IGNORECASE) if self.identity else None

    def content_problem(self, path: Path, name: str, sha256: str | None = None) -> str:
        """What in ``path``'s content disagrees with ``name`` ("" when nothing does), once per
        content and name in a process (a stored file's bytes never change: its sha256 says)."""
        if self.content is None:
            return ""
        key = (self.content, sha256 or sha256_file(path), name, self.max_bytes)
        if key not in _CONTENT:
            _CONTENT[key] = self.content(path, name, self.max_bytes)
        return _CONTENT[key]


_CONTENT: dict[tuple[ContentCheck, str, str, int], str] = {}
NO_RULES = RawRules()


def identity_of(name: str, rules: RawRules = NO_RULES) -> tuple[str, str]:
    """(identity, version) of a raw file saved under ``name``.

    Files with the same identity are versions of one file; the newest is loaded. A source's
    YAML may give ``raw_identity``, a pattern with a named group ``identity`` and optionally
    ``version`` (compared as text: ISO dates sort right) matched against the file name; without
    one, or when it does not match, the identity is the file name and the version is empty
    (versions are then ordered by the time they were saved).
    """
    rule = rules.identity_pattern
    match = rule.match(name) if rule else None
    if match and match.groupdict().get("identity"):
        return match["identity"].casefold(), match.groupdict().get("version") or ""
    return name, ""


def _given_name(stored_name: str) -> str:
    """The name a file was saved under, before the store added ``.N`` to keep it apart (for
    manifests written before ``given_name`` was recorded)."""
    match = _COUNTER.match(stored_name)
    return f"{match['stem']}{match['ext'] or ''}" if match else stored_name


def saved_name(path: Path, record: dict[str, Any] | None) -> str:
    """The name a stored file was saved under (what its name claims is read from it)."""
    given = (record or {}).get("given_name")
    return given if isinstance(given, str) and given else _given_name(path.name)


def _counter(stored_name: str) -> int:
    match = _COUNTER.match(stored_name)
    return int(match["n"]) if match else 0


@dataclass(frozen=True)
class RawEntry:
    """One file of the raw store, as the build sees it."""

    source_id: str
    path: Path
    identity: str
    version: str
    status: str  # loaded, superseded, retired or quarantined
    reason: str
    sha256: str | None
    size: int | None
    saved_at: str
    seq: int = 0  # order of saving within the source (0 for files saved before it was kept)

    @property
    def id(self) -> str:
        """A short handle for ``make raw RETIRE=<id>``: the start of the file's sha256."""
        return (self.sha256 or "")[:12]

    @property
    def day(self) -> str:
        return self.path.parent.name


def inventory(
    source_id: str, root: Path | None = None, rules: RawRules = NO_RULES
) -> list[RawEntry]:
    """Every file of a source's raw store with its identity, version and status.

    A file is ``quarantined`` when it fails its check against its folder's manifest (size and
    sha256), is not in it, or its manifest is damaged; ``retired`` when set aside with
    :func:`retire`; among the remaining versions of one identity the newest is ``loaded`` and
    the others are ``superseded``.
    """
    source_dir = (Path(root) if root is not None else raw_dir()) / check_source_id(source_id)
    if not source_dir.is_dir():
        return []
    out: list[RawEntry] = []
    candidates: list[tuple[tuple[str, int, str, str, int, str], RawEntry]] = []
    try:
        retired: dict[str, dict[str, Any]] = load_retired(source_dir)
        retired_error = ""
    except ManifestError as err:
        retired, retired_error = {}, str(err)

    def entry(path: Path, status: str, reason: str, record: dict[str, Any] | None) -> RawEntry:
        record = record or {}
        # The source's current rule decides, so that a corrected rule applies to old files too.
        identity, version = identity_of(saved_name(path, record), rules)
        sha = record.get("sha256") if not reason else None
        size = None
        with suppress(OSError):
            if path.is_file():
                size = path.stat().st_size
                sha = sha or sha256_file(path)
        saved = str(record.get("retrieved_at") or "")
        seq = record["seq"] if isinstance(record.get("seq"), int) else 0
        return RawEntry(source_id, path, identity, version, status, reason, sha, size, saved, seq)

    days = sorted(p for p in source_dir.iterdir() if p.is_dir() and DAY.match(p.name))
    manifests = source_manifests(days)
    for day in days:
        files = sorted(
            f for f in day.iterdir() if f.name != MANIFEST and not f.name.startswith(".")
        )
        listed = manifests[day]
        if isinstance(listed, ManifestError):
            reason = (
                f"{listed}; the folder is not loaded: restore the manifest, or move the folder "
                "away and import its files again"
            )
            out.extend(entry(f, QUARANTINED, reason, None) for f in files)
            continue
        recorded = {str(e["name"]): e for e in listed}
        for path in files:
            record = recorded.pop(path.name, None)
            problem = check_against_manifest(path, record)
            if problem:
                out.append(entry(path, QUARANTINED, problem, record))
                continue
            item = entry(path, LOADED, "", record)
            key = f"{day.name}/{path.name}"
            if retired_error:
                out.append(entry(path, QUARANTINED, retired_error, record))
            elif key in retired:
                note = retired[key].get("retired_at", "")
                out.append(replace_entry(item, RETIRED_STATUS, f"retired {note}".strip()))
            elif disagrees := rules.content_problem(path, saved_name(path, record), item.sha256):
                # never a version of the file it only claims to be: that one stays loaded
                why = f"{disagrees}; not loaded, and not taken as a version of {item.identity}"
                out.append(replace_entry(item, QUARANTINED, why))
            else:
                order = (
                    item.version,
                    item.seq,
                    day.name,
                    item.saved_at,
                    _counter(path.name),
                    path.name,
                )
                candidates.append((order, item))
        for name, record in sorted(recorded.items()):
            reason = "listed in manifest.json but missing from the folder"
            out.append(entry(day / name, QUARANTINED, reason, record))
    newest: dict[str, tuple[tuple[str, int, str, str, int, str], RawEntry]] = {}
    for order, item in candidates:
        if item.identity not in newest or order > newest[item.identity][0]:
            newest[item.identity] = (order, item)
    for _, item in candidates:
        current = newest[item.identity][1]
        if item is current:
            out.append(item)
        else:
            relative = f"{current.day}/{current.path.name}"
            out.append(replace_entry(item, SUPERSEDED, f"superseded by {relative}"))
    return sorted(out, key=lambda e: (e.day, e.path.name))


def replace_entry(item: RawEntry, status: str, reason: str) -> RawEntry:
    return RawEntry(
        item.source_id,
        item.path,
        item.identity,
        item.version,
        status,
        reason,
        item.sha256,
        item.size,
        item.saved_at,
        item.seq,
    )


def iter_files(source_id: str, root: Path | None = None, rules: RawRules = NO_RULES) -> list[Path]:
    """The raw files the build loads: the current, verified version of each identity, oldest
    day first, then by name. :func:`inventory` tells about the others."""
    return [e.path for e in inventory(source_id, root, rules) if e.status == LOADED]


def quarantine_result(
    source_id: str, root: Path | None = None, rules: RawRules = NO_RULES
) -> list[Reject]:
    """One reject per quarantined file (location = its path), for ``core__rejects``."""
    return [
        Reject(source_id, str(e.path), None, e.id or None, f"raw file quarantined: {e.reason}")
        for e in inventory(source_id, root, rules)
        if e.status == QUARANTINED
    ]


def raw_files(source_id: str, root: Path, rules: RawRules = NO_RULES) -> list[RawFile]:
    """The loaded files of a source with their sha256 and day, from the manifests that
    :func:`inventory` has already read."""
    return [
        RawFile(e.path, e.sha256 or sha256_file(e.path), e.day)
        for e in inventory(source_id, root, rules)
        if e.status == LOADED
    ]
