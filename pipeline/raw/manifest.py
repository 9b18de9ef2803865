"""The records beside the raw files: each day folder's ``manifest.json`` (where every file
came from, its size and sha256) and each source's ``retired.json`` (files set aside by hand).

A file is trusted only while its bytes match its manifest entry.
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
        isinstance(e, dict) and plain_name(e.get("name")) for e in entries
    ):
        raise ManifestError(
            f"{path}: damaged manifest (expected an object with an 'entries' list of file names)"
        )
    return entries


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
