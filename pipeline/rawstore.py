"""The raw store: fetched bodies and user-supplied files, byte for byte, never overwritten.

Layout: ``<raw_dir>/<source_id>/<YYYY-MM-DD>/<name>`` plus one ``manifest.json`` per day folder
saying where each file came from, its size and sha256. Parsers read only from here, so any
source can be parsed again without fetching again. Writers of one day folder take turns (a lock
on the folder); every write goes through a temporary file, so a crash never leaves a
half-written file under a real name, and bytes already stored for the source are never stored
twice.

Each file has an identity (:func:`identity_of`: the source's ``raw_identity`` rule, else its
name) and files with the same identity are versions of one file. :func:`inventory` tells every
file's status: ``loaded`` (the newest verified version), ``superseded`` (an older version, kept),
``retired`` (set aside by hand with :func:`retire`, listed in ``<source>/retired.json``) or
``quarantined`` (its size or sha256 differs from its manifest, it is not in it, or the manifest
is damaged). :func:`iter_files` is what the build loads; :func:`quarantine_result` the rejects
it records for the rest.
"""

from __future__ import annotations

import fcntl
import hashlib
import json
import os
import re
import stat
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager, suppress
from dataclasses import dataclass
from datetime import UTC, date, datetime
from functools import lru_cache
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any
from urllib.parse import unquote, urlsplit

from pipeline import atomic, intake
from pipeline.paths import raw_dir
from pipeline.records import Reject

if TYPE_CHECKING:  # the build reads the store without loading the HTTP layer
    from pipeline.http import FetchResult
    from pipeline.sources.meta import SourceMeta

MANIFEST = "manifest.json"
RETIRED = "retired.json"
LOADED, SUPERSEDED, RETIRED_STATUS, QUARANTINED = "loaded", "superseded", "retired", "quarantined"
MAX_NAME = 120
MAX_VERSIONS = 10_000
# Bound on one user file of a source without metadata (a known source has its max_mb).
DEFAULT_MAX_BYTES = 2 * 1024**3
_CHUNK = 1024 * 1024
_SOURCE_ID = re.compile(r"^[a-z0-9][a-z0-9_-]{0,63}$")
_DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_WINDOWS_RESERVED = frozenset(
    {"CON", "PRN", "AUX", "NUL"}
    | {f"COM{i}" for i in range(1, 10)}
    | {f"LPT{i}" for i in range(1, 10)}
)
_EXT_BY_TYPE = {
    "application/json": ".json",
    "application/ld+json": ".json",
    "text/html": ".html",
    "application/xhtml+xml": ".html",
    "text/csv": ".csv",
    "text/tab-separated-values": ".tsv",
    "application/xml": ".xml",
    "text/xml": ".xml",
    "application/rss+xml": ".xml",
    "application/atom+xml": ".xml",
    "text/plain": ".txt",
    "application/zip": ".zip",
    "application/gzip": ".gz",
    "application/pdf": ".pdf",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": ".xlsx",
}

_KNOWN_EXTS = frozenset(
    {*_EXT_BY_TYPE.values(), ".htm", ".tar", ".bz2", ".xz", ".7z", ".parquet", ".xls", ".dta"}
    | {".rds", ".rdata", ".sav", ".ndjson", ".jsonl", ".geojson"}
)


def _has_letter(text: str) -> bool:
    return any(c.isalpha() for c in text)


def _check_source_id(source_id: str) -> str:
    if not _SOURCE_ID.match(source_id):
        raise ValueError(f"invalid source id {source_id!r}: use lower-case letters, digits, _ -")
    return source_id


def _split_ext(name: str) -> tuple[str, str]:
    """(stem, ".ext") when the name ends in a short alphanumeric suffix, else (name, "")."""
    dot = name.rfind(".")
    if dot > 0:
        ext = name[dot + 1 :]
        if 1 <= len(ext) <= 10 and ext.isalnum():
            return name[:dot], name[dot:]
    return name, ""


def safe_name(name: str, max_len: int = MAX_NAME) -> str:
    """A file name that stays inside its folder on every OS: no separators, no ``..``, no
    hidden files, nothing but ``[A-Za-z0-9._-]``, at most ``max_len`` characters."""
    # Separators become "_" (so "bids/12.json" stays recognisable) and runs of dots collapse,
    # which together leave no way to name a parent folder.
    text = re.sub(r"[^A-Za-z0-9._-]+", "_", unicodedata.normalize("NFKC", name))
    text = re.sub(r"\.{2,}", ".", text)
    text = re.sub(r"_{2,}", "_", text).strip("._-")
    stem, ext = _split_ext(text or "file")
    ext = ext[:16]
    stem = stem[: max(1, max_len - len(ext) - 1)].rstrip("._-") or "file"
    if stem.upper() in _WINDOWS_RESERVED:
        stem = f"{stem}_"
    result = f"{stem}{ext}"
    if result.lower() == MANIFEST:
        result = f"manifest_file{ext}"
    return result


def name_for_url(url: str, content_type: str | None = None) -> str:
    """A readable, unique name for a fetched URL: its path plus a short sha1 of the whole URL.

    Pass the redacted URL: the hash then never depends on (or reveals anything about) a secret.
    """
    parts = urlsplit(url)
    segments = [s for s in unquote(parts.path).split("/") if s]
    base = "_".join(segments) or (parts.hostname or "response").replace(".", "_")
    stem, ext = _split_ext(safe_name(base))
    mime = (content_type or "").split(";")[0].strip().lower()
    if ext.lower() not in _KNOWN_EXTS and (mime in _EXT_BY_TYPE or not _has_letter(ext)):
        # "/projects/0.1" or "/users/jane.doe" end in a dot, not a file type.
        stem, ext = f"{stem}{ext}", _EXT_BY_TYPE.get(mime, ".bin")
    digest = hashlib.sha1(url.encode("utf-8")).hexdigest()[:10]
    return safe_name(f"{stem[:80]}-{digest}{ext.lower()}")


def _candidates(name: str) -> Iterator[str]:
    yield name
    stem, ext = _split_ext(name)
    for number in range(1, MAX_VERSIONS):
        yield f"{stem}.{number}{ext}"


_HASHES: dict[tuple[str, int, int, int, int], str] = {}


def _sha256_file(path: Path) -> str:
    """The file's sha256, remembered per (path, size, mtime, ctime, inode) for this process."""
    info = path.stat()
    key = (str(path), info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
    if key not in _HASHES:
        digest = hashlib.sha256()
        with path.open("rb") as handle:
            while chunk := handle.read(_CHUNK):
                digest.update(chunk)
        _HASHES[key] = digest.hexdigest()
    return _HASHES[key]


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_temp(folder: Path, write: Callable[[IO[bytes]], None]) -> Path:
    # The pid in the name lets a later run remove the leftovers of a killed one.
    fd, name = tempfile.mkstemp(dir=folder, prefix=f"{atomic.TEMP_MARK}{os.getpid()}-")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


class ManifestError(ValueError):
    """A ``manifest.json`` that cannot be read; the message names it."""


def _plain_name(name: object) -> bool:
    """A file name inside its folder: no separator, not "." or ".."."""
    return isinstance(name, str) and name not in ("", ".", "..") and "/" not in name


def load_manifest(folder: Path) -> list[dict[str, Any]]:
    """The entries of ``folder/manifest.json``; an empty list if there is none yet.

    Raises ManifestError (a ValueError) naming the file when it is damaged.
    """
    path = Path(folder) / MANIFEST
    if not path.exists():
        return []
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise ManifestError(f"{path}: damaged manifest ({str(err)[:200]})") from None
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and _plain_name(e.get("name")) for e in entries
    ):
        raise ManifestError(
            f"{path}: damaged manifest (expected an object with an 'entries' list of file names)"
        )
    return entries


# -- identities and versions --------------------------------------------------------------

_COUNTER = re.compile(r"^(?P<stem>.+)\.(?P<n>\d{1,4})(?P<ext>\.[A-Za-z0-9]{1,10})?$")


def _source_meta(source_id: str) -> SourceMeta | None:
    """The validated metadata of a fetchable source (None for an unknown one)."""
    from pipeline.sources import fetchable

    spec = fetchable().get(source_id)
    return spec.meta if spec is not None else None


@lru_cache(maxsize=32)
def _identity_rule(source_id: str) -> re.Pattern[str] | None:
    """The ``raw_identity`` pattern of the source's YAML, if it has one."""
    meta = _source_meta(source_id)
    pattern = meta.raw_identity if meta is not None else None
    return re.compile(pattern, re.IGNORECASE) if pattern else None


def identity_of(source_id: str, name: str) -> tuple[str, str]:
    """(identity, version) of a raw file saved under ``name``.

    Files with the same identity are versions of one file; the newest is loaded. A source's
    YAML may give ``raw_identity``, a pattern with a named group ``identity`` and optionally
    ``version`` (compared as text: ISO dates sort right) matched against the file name; without
    one, or when it does not match, the identity is the file name and the version is empty
    (versions are then ordered by the time they were saved).
    """
    rule = _identity_rule(source_id)
    match = rule.match(name) if rule else None
    if match and match.groupdict().get("identity"):
        return match["identity"].casefold(), match.groupdict().get("version") or ""
    return name, ""


def _given_name(stored_name: str) -> str:
    """The name a file was saved under, before the store added ``.N`` to keep it apart (for
    manifests written before ``given_name`` was recorded)."""
    match = _COUNTER.match(stored_name)
    return f"{match['stem']}{match['ext'] or ''}" if match else stored_name


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


def _retired_path(source_dir: Path) -> Path:
    return source_dir / RETIRED


def _load_retired(source_dir: Path) -> dict[str, dict[str, Any]]:
    """``<day>/<name>`` -> record, from the source's ``retired.json``; ManifestError if damaged."""
    path = _retired_path(source_dir)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        records = data["retired"]
        return {str(r["file"]): r for r in records}
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as err:
        raise ManifestError(f"{path}: damaged list of retired files ({str(err)[:200]})") from None


def _check_against_manifest(path: Path, entry: dict[str, Any] | None) -> str:
    """Why ``path`` cannot be trusted, or "" when its size and sha256 match the manifest."""
    if entry is None:
        return (
            "not recorded in manifest.json: raw files are added with `make fetch`, "
            "never copied into data/raw by hand"
        )
    try:
        if not stat.S_ISREG(path.lstat().st_mode):
            return "not a regular file"
        expected_size, expected_sha = entry.get("size"), entry.get("sha256")
        if not isinstance(expected_size, int) or not isinstance(expected_sha, str):
            return "manifest.json records no size and sha256 for it"
        size = path.stat().st_size
        if size != expected_size:
            return (
                f"{size} bytes, manifest.json says {expected_size}: the file was truncated or "
                "changed after it was stored"
            )
        if _sha256_file(path) != expected_sha:
            return "sha256 differs from manifest.json: the bytes changed after the file was stored"
    except OSError as err:
        return f"cannot be read: {err.strerror}"
    return ""


def inventory(source_id: str, root: Path | None = None) -> list[RawEntry]:
    """Every file of a source's raw store with its identity, version and status.

    A file is ``quarantined`` when it fails its check against its folder's manifest (size and
    sha256), is not in it, or its manifest is damaged; ``retired`` when set aside with
    :func:`retire`; among the remaining versions of one identity the newest is ``loaded`` and
    the others are ``superseded``.
    """
    source_dir = (Path(root) if root is not None else raw_dir()) / _check_source_id(source_id)
    if not source_dir.is_dir():
        return []
    out: list[RawEntry] = []
    candidates: list[tuple[tuple[str, int, str, str, int, str], RawEntry]] = []
    try:
        retired: dict[str, dict[str, Any]] = _load_retired(source_dir)
        retired_error = ""
    except ManifestError as err:
        retired, retired_error = {}, str(err)

    def entry(path: Path, status: str, reason: str, record: dict[str, Any] | None) -> RawEntry:
        record = record or {}
        # The source's current rule decides, so that a corrected rule applies to old files too.
        given = record.get("given_name")
        given = given if isinstance(given, str) and given else _given_name(path.name)
        identity, version = identity_of(source_id, given)
        sha = record.get("sha256") if not reason else None
        size = None
        with suppress(OSError):
            if path.is_file():
                size = path.stat().st_size
                sha = sha or _sha256_file(path)
        saved = str(record.get("retrieved_at") or "")
        seq = record["seq"] if isinstance(record.get("seq"), int) else 0
        return RawEntry(source_id, path, identity, version, status, reason, sha, size, saved, seq)

    for day in sorted(p for p in source_dir.iterdir() if p.is_dir() and _DAY.match(p.name)):
        files = sorted(
            f for f in day.iterdir() if f.name != MANIFEST and not f.name.startswith(".")
        )
        try:
            recorded = {str(e["name"]): e for e in load_manifest(day)}
        except ManifestError as err:
            reason = (
                f"{err}; the folder is not loaded: restore the manifest, or move the folder "
                "away and import its files again"
            )
            out.extend(entry(f, QUARANTINED, reason, None) for f in files)
            continue
        for path in files:
            record = recorded.pop(path.name, None)
            problem = _check_against_manifest(path, record)
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


def iter_files(source_id: str, root: Path | None = None) -> list[Path]:
    """The raw files the build loads: the current, verified version of each identity, oldest
    day first, then by name. :func:`inventory` tells about the others."""
    return [e.path for e in inventory(source_id, root) if e.status == LOADED]


def quarantine_result(source_id: str, root: Path | None = None) -> list[Reject]:
    """One reject per quarantined file (location = its path), for ``core__rejects``."""
    return [
        Reject(source_id, str(e.path), None, e.id or None, f"raw file quarantined: {e.reason}")
        for e in inventory(source_id, root)
        if e.status == QUARANTINED
    ]


def _source_dirs(root: Path) -> list[str]:
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if p.is_dir() and _SOURCE_ID.match(p.name))


def summary_lines(root: Path | None = None, source_ids: Iterable[str] | None = None) -> list[str]:
    """What the build loads from data/raw and what it leaves out, per source."""
    base = Path(root) if root is not None else raw_dir()
    out: list[str] = []
    for source_id in source_ids if source_ids is not None else _source_dirs(base):
        entries = inventory(source_id, base)
        if not entries:
            continue
        counts = {s: sum(e.status == s for e in entries) for s in _STATUSES}
        out.append(
            f"raw files of {source_id}: "
            + ", ".join(f"{n} {status}" for status, n in counts.items() if n or status == LOADED)
        )
        for status in _STATUSES:
            chosen = [e for e in entries if e.status == status]
            limit = 5 if status == LOADED else 20
            for item in chosen[:limit]:
                why = f": {item.reason}" if item.reason else ""
                out.append(f"  {status} {item.path}{why}")
            if len(chosen) > limit:
                out.append(f"  ... and {len(chosen) - limit} more {status} (see `make raw`)")
    return out


_STATUSES = (LOADED, SUPERSEDED, RETIRED_STATUS, QUARANTINED)


# -- retiring -----------------------------------------------------------------------------


def find_entry(ref: str, root: Path | None = None) -> RawEntry:
    """The stored file named by a path (absolute, or relative to the raw root or the current
    folder) or by the start of its sha256 (at least 6 characters, as ``make raw`` shows)."""
    base = Path(root) if root is not None else raw_dir()
    text = ref.strip()
    if not text:
        raise ValueError("name a raw file: its path or its id (see `make raw`)")
    wanted = {(base / text).absolute(), Path(text).absolute()}
    wanted |= {p.resolve() for p in list(wanted) if p.exists()}
    by_path, by_id = [], []
    for source_id in _source_dirs(base):
        for item in inventory(source_id, base):
            if item.path.absolute() in wanted or item.path.resolve() in wanted:
                by_path.append(item)
            elif len(text) >= 6 and item.sha256 and item.sha256.startswith(text.lower()):
                by_id.append(item)
    found = by_path or by_id
    if len(found) != 1:
        what = "no raw file" if not found else f"{len(found)} raw files"
        raise ValueError(f"{what} matches {text!r}; `make raw` lists the files and their ids")
    return found[0]


def _write_retired(source_dir: Path, records: dict[str, dict[str, Any]]) -> None:
    document = {"retired": [records[k] for k in sorted(records)]}
    text = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    atomic.write_text(_retired_path(source_dir), text)


def retire(ref: str, root: Path | None = None) -> RawEntry:
    """Set a stored file aside: kept byte for byte, recorded in ``retired.json``, not loaded."""
    item = find_entry(ref, root)
    if item.status == QUARANTINED:
        raise ValueError(f"{item.path} is quarantined ({item.reason}); it is not loaded anyway")
    source_dir = item.path.parent.parent
    records = _load_retired(source_dir)
    key = f"{item.day}/{item.path.name}"
    records[key] = {"file": key, "sha256": item.sha256, "retired_at": _now_iso()}
    _write_retired(source_dir, records)
    return item


def restore(ref: str, root: Path | None = None) -> RawEntry:
    """Undo :func:`retire`: the file takes its place among the versions again."""
    item = find_entry(ref, root)
    source_dir = item.path.parent.parent
    records = _load_retired(source_dir)
    if records.pop(f"{item.day}/{item.path.name}", None) is None:
        raise ValueError(f"{item.path} is not retired")
    _write_retired(source_dir, records)
    return item


def listing(root: Path | None = None) -> list[str]:
    """The table ``make raw`` prints: every stored file with its version and status."""
    base = Path(root) if root is not None else raw_dir()
    rows = [("id", "status", "identity", "version", "saved", "file", "why")]
    for source_id in _source_dirs(base):
        for item in inventory(source_id, base):
            rows.append(
                (
                    item.id or "-",
                    item.status,
                    f"{source_id}:{item.identity}"[:60],
                    item.version or "-",
                    item.saved_at[:19] or "-",
                    str(item.path.relative_to(base)),
                    item.reason[:120],
                )
            )
    if len(rows) == 1:
        return [f"no raw files in {base}; add some with `make fetch SOURCE=<id> [FROM=<path>]`"]
    widths = [max(len(r[i]) for r in rows) for i in range(len(rows[0]) - 1)]
    return [
        "  ".join(cell.ljust(w) for cell, w in zip(row[:-1], widths, strict=True)) + "  " + row[-1]
        for row in rows
    ]


class RawStore:
    """Writes one source's raw files for one day; see the module docstring."""

    def __init__(
        self,
        source_id: str,
        root: Path | None = None,
        day: date | None = None,
        max_bytes: int | None = None,
    ) -> None:
        self.source_id = _check_source_id(source_id)
        self.root = Path(root) if root is not None else raw_dir()
        self.day = day or datetime.now(UTC).date()
        # The source's own bound (max_mb in its YAML), so every caller gets it.
        meta = _source_meta(self.source_id)
        self.max_bytes = max_bytes or (meta.max_bytes if meta is not None else DEFAULT_MAX_BYTES)

    @property
    def folder(self) -> Path:
        return self.root / self.source_id / self.day.isoformat()

    def save_response(
        self, result: FetchResult, name: str | None = None, licence: str | None = None
    ) -> Path:
        """Store ``result.body`` unchanged; returns its path (an existing one if identical)."""
        from pipeline.http import DEFAULT_SECRET_PARAMS, redact_params, redact_url

        # The session already redacted these; doing it again keeps a hand-built result safe.
        url = redact_url(result.url, DEFAULT_SECRET_PARAMS)
        filename = (
            safe_name(name) if name else name_for_url(url, result.headers.get("content-type"))
        )
        entry = {
            "url": url,
            "params": redact_params(result.params, DEFAULT_SECRET_PARAMS),
            "status": result.status,
            "retrieved_at": result.retrieved_at.astimezone(UTC).isoformat(timespec="seconds"),
            "headers": dict(sorted(result.headers.items())),
            "licence": licence,
            "origin": "fetched",
            "original_path": None,
        }
        body = result.body
        return self._store(filename, lambda handle: handle.write(body), entry)

    def save_file(self, path: Path, licence: str | None = None) -> Path:
        """Copy a file the user downloaded by hand into the store, byte for byte.

        The file is checked first (:mod:`pipeline.intake`: a regular file, within
        ``max_bytes``, also once decompressed); IntakeError says why one is refused.
        """
        source = Path(path)
        limit = self.max_bytes
        with intake.open_checked(source, limit) as src:

            def copy(handle: IO[bytes]) -> None:
                copied = 0
                while chunk := src.read(_CHUNK):
                    copied += len(chunk)
                    if copied > limit:
                        raise intake.IntakeError(f"{source} grew past {limit} bytes while copied")
                    handle.write(chunk)

            entry = {
                "url": None,
                "params": None,
                "status": None,
                "retrieved_at": _now_iso(),
                "headers": None,
                "licence": licence,
                "origin": "user_file",
                # A name that is not UTF-8 (bytes from another system) is kept readable.
                "original_path": os.fsencode(source.resolve()).decode("utf-8", "backslashreplace"),
            }
            return self._store(safe_name(source.name), copy, entry)

    @staticmethod
    def iter_files(source_id: str, root: Path | None = None) -> list[Path]:
        return iter_files(source_id, root)

    @staticmethod
    def load_manifest(folder: Path) -> list[dict[str, Any]]:
        return load_manifest(folder)

    def inventory(self) -> list[RawEntry]:
        return inventory(self.source_id, self.root)

    def save_stream(
        self,
        chunks: Iterable[bytes],
        name: str,
        provenance: dict[str, Any],
        check: Callable[[Path], None] | None = None,
    ) -> Path:
        """Store a body arriving in pieces; memory stays one chunk.

        ``provenance`` holds the manifest fields of a fetched answer (url, params, status,
        retrieved_at, headers, licence). ``check`` sees the complete temporary file and may raise
        to refuse it: then nothing is stored. Bytes already stored for this source on any day
        are not stored twice; that file's path is returned.
        """
        from pipeline.http import DEFAULT_SECRET_PARAMS, redact_params, redact_url

        def write(handle: IO[bytes]) -> None:
            for chunk in chunks:
                handle.write(chunk)

        entry = {
            **provenance,
            "url": redact_url(str(provenance.get("url")), DEFAULT_SECRET_PARAMS),
            "params": redact_params(provenance.get("params"), DEFAULT_SECRET_PARAMS),
            "origin": "fetched",
            "original_path": None,
        }
        return self._store(safe_name(name), write, entry, check=check)

    def previous(self, url: str) -> dict[str, Any] | None:
        """The newest stored download of ``url`` that still matches its manifest: its ``path``,
        ``etag`` and ``last-modified`` (a damaged copy is never offered for a 304)."""
        found = None
        for entry in self._entries():
            if entry.get("url") != url or entry.get("status") != 200:
                continue
            if entry["path"].is_file() and not _check_against_manifest(entry["path"], entry):
                headers = entry.get("headers") or {}
                found = {
                    "path": entry["path"],
                    "etag": headers.get("etag"),
                    "last-modified": headers.get("last-modified"),
                }
        return found

    def _entries(self) -> Iterator[dict[str, Any]]:
        """Manifest entries of this source over all day folders, oldest day first, each with
        its ``path``; a damaged manifest is skipped (the build reports it)."""
        base = self.root / self.source_id
        if not base.is_dir():
            return
        for day in sorted(p for p in base.iterdir() if p.is_dir() and _DAY.match(p.name)):
            try:
                entries = load_manifest(day)
            except ManifestError:
                continue
            for entry in entries:
                yield {**entry, "path": day / str(entry["name"])}

    def find_identical(self, sha256: str, size: int) -> Path | None:
        """A stored file of this source (any day, any status but quarantined) with these bytes."""
        for record in self._entries():
            if record.get("sha256") != sha256 or record.get("size") != size:
                continue
            path = record["path"]
            if path.is_file() and not _check_against_manifest(path, record):
                return Path(path)
        return None

    def _next_seq(self) -> int:
        seqs = [r["seq"] for r in self._entries() if isinstance(r.get("seq"), int)]
        return max(seqs, default=0) + 1

    def _store(
        self,
        name: str,
        write: Callable[[IO[bytes]], Any],
        entry: dict[str, Any],
        check: Callable[[Path], None] | None = None,
    ) -> Path:
        folder = self.folder
        folder.mkdir(parents=True, exist_ok=True)
        digest = hashlib.sha256()
        temp = _write_temp(folder, lambda handle: write(_Hashing(handle, digest)))  # type: ignore[arg-type]
        try:
            if check is not None:
                check(temp)
            return self._place(temp, name, entry, digest.hexdigest())
        finally:
            temp.unlink(missing_ok=True)

    def _place(self, temp: Path, name: str, entry: dict[str, Any], sha256: str) -> Path:
        """Link ``temp`` under ``name`` (or ``name.N`` when other bytes hold the name), unless
        the same bytes are stored already; one writer of the source's folders at a time."""
        folder = self.folder
        size = temp.stat().st_size
        with _folder_lock(folder.parent):
            for day in folder.parent.iterdir():
                if day.is_dir() and _DAY.match(day.name):
                    atomic.clean_stale(day)  # leftovers of killed runs; this run's are kept
            existing = self.find_identical(sha256, size)
            if existing is not None:
                return existing
            for candidate in _candidates(name):
                target = folder / candidate
                if target.resolve().parent != folder.resolve():
                    raise ValueError(f"refusing to write outside {folder}: {candidate!r}")
                try:
                    os.link(temp, target)  # unlike a rename, never replaces a file
                except FileExistsError:
                    continue
                record = {**entry, "sha256": sha256, "size": size, "given_name": name}
                self._record(candidate, {**record, "seq": self._next_seq()})
                return target
        raise RuntimeError(f"{MAX_VERSIONS} versions of {name} in {folder}")

    def _record(self, name: str, entry: dict[str, Any]) -> None:
        """Add the entry for ``name`` unless one is there (identical bytes were saved before)."""
        entries = load_manifest(self.folder)
        if any(e.get("name") == name for e in entries):
            return
        entries.append({**entry, "name": name})
        document = {
            "source_id": self.source_id,
            "day": self.day.isoformat(),
            "entries": sorted(entries, key=lambda e: str(e.get("name"))),
        }
        text = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
        atomic.write_text(self.folder / MANIFEST, text)


class _Hashing:
    """A write-only handle that hashes what goes through it (no second read of the file)."""

    def __init__(self, handle: IO[bytes], digest: Any) -> None:
        self._handle, self._digest = handle, digest

    def write(self, data: bytes) -> int:
        self._digest.update(data)
        return self._handle.write(data)


@contextmanager
def _folder_lock(folder: Path) -> Iterator[None]:
    """One writer at a time per source (two `make fetch` at once wait for each other)."""
    fd = os.open(folder, os.O_RDONLY)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)
