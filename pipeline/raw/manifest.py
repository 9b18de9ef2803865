"""The records beside the raw files: each day folder's ``manifest.json`` (where every file
came from, its size, sha256 and place in the order of imports) and each source's
``retired.json`` (files set aside by hand).

A file is trusted only while its bytes match its manifest entry, and an entry only while the
manifest matches its ``checksum``: a sha256 over the rest of the document, so that an edited
``seq`` (which decides which import wins), size, sha256 or name is seen, not obeyed. A manifest
written before checksums were kept has none and is accepted while no manifest of its source
has one; the first save of this version seals them all (:func:`seal`), and from then on a
manifest without one is refused like a damaged one.
"""

from __future__ import annotations

import hashlib
import json
import stat
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from pipeline.raw.names import MANIFEST
from pipeline.util import atomic

RETIRED = "retired.json"
CHECKSUM = "checksum"
# what read_manifest says of a folder's manifest
ABSENT, SEALED, UNSEALED = "absent", "sealed", "unsealed"

_HASHES: dict[tuple[str, int, int, int, int], str] = {}


def sha256_file(path: Path) -> str:
    """The file's sha256, remembered per (path, size, mtime, ctime, inode) for this process."""
    info = path.stat()
    key = (str(path), info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
    if key not in _HASHES:
        with path.open("rb") as handle:
            _HASHES[key] = hashlib.file_digest(handle, "sha256").hexdigest()
    return _HASHES[key]


def now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


class ManifestError(ValueError):
    """A ``manifest.json`` that cannot be read; the message names it."""


def plain_name(name: object) -> bool:
    """A file name inside its folder: no separator, not "." or ".."."""
    return isinstance(name, str) and name not in ("", ".", "..") and "/" not in name


def checksum_of(document: dict[str, Any]) -> str:
    """The sha256 of a manifest's content (every key but ``checksum``), in one fixed form."""
    body = {k: v for k, v in document.items() if k != CHECKSUM}
    text = json.dumps(body, sort_keys=True, ensure_ascii=False, separators=(",", ":"))
    return "sha256:" + hashlib.sha256(text.encode("utf-8")).hexdigest()


def manifest_text(source_id: str, day: str, entries: list[dict[str, Any]]) -> str:
    """A manifest document, its entries sorted by name and sealed with its checksum."""
    document: dict[str, Any] = {
        "source_id": source_id,
        "day": day,
        "entries": sorted(entries, key=lambda e: str(e.get("name"))),
    }
    document[CHECKSUM] = checksum_of(document)
    return json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"


def read_manifest(folder: Path) -> tuple[list[dict[str, Any]], str]:
    """The entries of ``folder/manifest.json`` and whether it is ``sealed`` (its checksum
    matches), ``unsealed`` (written before checksums were kept) or ``absent`` (no manifest).

    Raises ManifestError (a ValueError) naming the file when it is damaged or its checksum
    does not match what it says.
    """
    path = Path(folder) / MANIFEST
    try:
        info = path.stat()
    except FileNotFoundError:
        return [], ABSENT
    except OSError as err:
        raise ManifestError(f"{path}: damaged manifest ({str(err)[:200]})") from None
    # a manifest is replaced whole (a new inode) when written, so a stored read of the same
    # file, size and time is the same document: a store of thousands of pages is not parsed
    # and hashed again on every save
    key = (info.st_size, info.st_mtime_ns, info.st_ctime_ns, info.st_ino)
    held = _READ.get(str(path))
    if held is None or held[0] != key:
        held = _READ[str(path)] = (key, *_read(path))  # the last read of each manifest only
    _, entries, state = held
    return [dict(e) for e in entries], state


_READ: dict[str, tuple[tuple[int, int, int, int], list[dict[str, Any]], str]] = {}


def _read(path: Path) -> tuple[list[dict[str, Any]], str]:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except (OSError, UnicodeDecodeError, json.JSONDecodeError, RecursionError) as err:
        raise ManifestError(f"{path}: damaged manifest ({str(err)[:200]})") from None
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list) or not all(
        isinstance(e, dict) and plain_name(e.get("name")) for e in entries
    ):
        raise ManifestError(
            f"{path}: damaged manifest (expected an object with an 'entries' list of file names)"
        )
    if CHECKSUM not in data:
        return entries, UNSEALED
    if data[CHECKSUM] != checksum_of(data):
        raise ManifestError(
            f"{path}: edited by hand or damaged: its checksum does not match its entries (an "
            "edited seq, name, size or sha256 would change which file is loaded)"
        )
    return entries, SEALED


def load_manifest(folder: Path) -> list[dict[str, Any]]:
    """The entries of ``folder/manifest.json``; an empty list if there is none yet.

    Raises ManifestError (a ValueError) naming the file when it is damaged or edited.
    """
    return read_manifest(folder)[0]


def source_manifests(days: list[Path]) -> dict[Path, list[dict[str, Any]] | ManifestError]:
    """The entries of the manifest of each of a source's day folders, or why it is refused.

    A manifest without a checksum is accepted only while no manifest of the source has one
    (a store written by an earlier version); once one is sealed, one without is refused.
    """
    found: dict[Path, tuple[list[dict[str, Any]], str] | ManifestError] = {}
    for day in days:
        try:
            found[day] = read_manifest(day)
        except ManifestError as err:
            found[day] = err
    sealed = any(not isinstance(v, ManifestError) and v[1] == SEALED for v in found.values())
    out: dict[Path, list[dict[str, Any]] | ManifestError] = {}
    for day, value in found.items():
        if isinstance(value, ManifestError):
            out[day] = value
        elif sealed and value[1] == UNSEALED:
            out[day] = ManifestError(
                f"{day / MANIFEST}: no checksum, while the other manifests of this source have "
                "one: it was edited or written by hand"
            )
        else:
            out[day] = value[0]
    return out


def seal(source_id: str, days: list[Path]) -> None:
    """Give every manifest of a source written before checksums were kept its checksum, if
    none of them has one yet (the first save of this version; see the module docstring)."""
    states: dict[Path, list[dict[str, Any]]] = {}
    for day in days:
        try:
            entries, state = read_manifest(day)
        except ManifestError:
            continue  # quarantined as it is; sealing it would hide the damage
        if state == SEALED:
            return
        if state == UNSEALED:
            states[day] = entries
    for day, entries in states.items():
        atomic.write_text(day / MANIFEST, manifest_text(source_id, day.name, entries))


def retired_path(source_dir: Path) -> Path:
    return source_dir / RETIRED


def load_retired(source_dir: Path) -> dict[str, dict[str, Any]]:
    """``<day>/<name>`` -> record, from the source's ``retired.json``; ManifestError if damaged."""
    path = retired_path(source_dir)
    if not path.exists():
        return {}
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        records = data["retired"]
        return {str(r["file"]): r for r in records}
    except (OSError, UnicodeDecodeError, ValueError, KeyError, TypeError) as err:
        raise ManifestError(f"{path}: damaged list of retired files ({str(err)[:200]})") from None


def check_against_manifest(path: Path, entry: dict[str, Any] | None) -> str:
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
        if sha256_file(path) != expected_sha:
            return "sha256 differs from manifest.json: the bytes changed after the file was stored"
    except OSError as err:
        return f"cannot be read: {err.strerror}"
    return ""


def write_retired(source_dir: Path, records: dict[str, dict[str, Any]]) -> None:
    document = {"retired": [records[k] for k in sorted(records)]}
    text = json.dumps(document, sort_keys=True, indent=2, ensure_ascii=False) + "\n"
    atomic.write_text(retired_path(source_dir), text)
