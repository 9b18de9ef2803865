"""Copying into the raw store without duplicates: a user's files (``FROM=``) and fetched bodies.

Identical bytes already stored for the source (on any day) are not stored again.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline import rawstore
from pipeline.rawstore import RawStore
from pipeline.sources.contract import SourceError

if TYPE_CHECKING:
    from pipeline.http import FetchResult


def sha256_of(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(1024 * 1024):
            digest.update(chunk)
    return digest.hexdigest()


def _stored_by_hash(store: RawStore) -> dict[str, Path]:
    return {sha256_of(p): p for p in rawstore.iter_files(store.source_id, store.root)}


def save_file_once(store: RawStore, path: Path, licence: str | None) -> Path:
    """Copy a user's file into the store unless identical bytes are already there (any day)."""
    existing = _stored_by_hash(store).get(sha256_of(path))
    return existing if existing is not None else store.save_file(path, licence=licence)


def save_response_once(
    store: RawStore, result: FetchResult, name: str, licence: str | None
) -> Path:
    """Save a response body unless identical bytes are already stored for this source."""
    existing = _stored_by_hash(store).get(hashlib.sha256(result.body).hexdigest())
    return existing if existing is not None else store.save_response(result, name, licence)


def import_matching(
    path: Path,
    store: RawStore,
    recognise: Callable[[str], bool],
    expected: str,
    licence: str | None,
) -> list[Path]:
    """A file, or the recognised files of a folder, copied unchanged into the store."""
    if not path.exists():
        raise SourceError(f"{path} does not exist")
    if path.is_file():
        if not recognise(path.name):
            raise SourceError(f"{path.name} does not look like {expected}; pick the right file")
        candidates = [path]
    elif path.is_dir():
        candidates = sorted(p for p in path.iterdir() if p.is_file() and recognise(p.name))
        if not candidates:
            raise SourceError(f"no file in {path} looks like {expected}")
    else:
        raise SourceError(f"{path} is not a regular file or folder (a device, pipe or socket?)")
    return [save_file_once(store, p, licence) for p in candidates]
