"""Copying into the raw store: a user's files (``FROM=``) and fetched bodies.

The store checks a user's file before copying it (``pipeline.raw.intake``: a regular file, within
the source's size bound, also once decompressed) and keeps identical bytes once per source,
whatever the day they were saved.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from pathlib import Path
from typing import TYPE_CHECKING

from pipeline.raw.intake import IntakeError
from pipeline.raw.store import RawStore
from pipeline.sources.contract import SourceError

if TYPE_CHECKING:
    from pipeline.collect.errors import FetchResult

log = logging.getLogger(__name__)


def save_file_once(
    store: RawStore, path: Path, licence: str | None, *, same_name_only: bool = False
) -> Path:
    """Copy a user's file into the store unless identical bytes are already there (any day;
    with ``same_name_only``, under the same name); IntakeError says why a file is refused."""
    return store.save_file(path, licence=licence, same_name_only=same_name_only)


def save_response_once(
    store: RawStore, result: FetchResult, name: str, licence: str | None
) -> Path:
    """Save a response body unless identical bytes are already stored for this source."""
    return store.save_response(result, name, licence)


def save_files(store: RawStore, paths: Iterable[Path], licence: str | None) -> list[Path]:
    """Copy the files of a folder import: one that is refused (a device, a pipe, a link to one,
    too big) is reported and the others are still copied; IntakeError only if none could be."""
    saved, refused = [], []
    for path in paths:
        try:
            saved.append(save_file_once(store, path, licence))
        except IntakeError as err:
            log.warning("not imported: %s", err)
            refused.append(str(err))
    if refused and not saved:
        raise IntakeError("; ".join(refused))
    return saved


def import_matching(
    path: Path,
    store: RawStore,
    recognise: Callable[[str], bool],
    expected: str,
    licence: str | None,
) -> list[Path]:
    """A file, or the recognised files of a folder, copied unchanged into the store."""
    if not path.exists() and not path.is_symlink():
        raise SourceError(f"{path} does not exist")
    if path.is_dir():
        # Special files and links are listed too, so that the store refuses them by name.
        # Oldest first, by modification time: a folder holding a table and its corrected copy
        # stores the copy last, so it is the newer import and its rows win (see core__tallies).
        candidates = sorted(
            (p for p in path.iterdir() if not p.is_dir() and recognise(p.name)),
            key=lambda p: (p.lstat().st_mtime_ns, p.name),
        )
        if not candidates:
            raise SourceError(f"no file in {path} looks like {expected}")
        return save_files(store, candidates, licence)
    if not recognise(path.name):
        raise SourceError(f"{path.name} does not look like {expected}; pick the right file")
    return [save_file_once(store, path, licence)]
