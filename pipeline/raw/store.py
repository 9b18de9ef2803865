"""The raw store's writer: fetched bodies and user-supplied files, byte for byte, never
overwritten.

Layout: ``<raw_dir>/<source_id>/<YYYY-MM-DD>/<name>`` plus one ``manifest.json`` per day folder
(:mod:`pipeline.raw.manifest`). Parsers read only from here, so any source can be parsed again
without fetching again. Writers of one source take turns (a lock on its folder); every write
goes through a temporary file, so a crash never leaves a half-written file under a real name,
and bytes already stored for the source are never stored twice. Which stored file the build
loads is :mod:`pipeline.raw.versions`' job.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
from collections.abc import Callable, Iterable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, TYPE_CHECKING, Any

from pipeline.collect.redact import DEFAULT_SECRET_PARAMS, redact_params, redact_url
from pipeline.raw import intake
from pipeline.raw.manifest import (
    ManifestError,
    check_against_manifest,
    manifest_text,
    now_iso,
    seal,
    source_manifests,
)
from pipeline.raw.names import MANIFEST, MAX_VERSIONS, candidates, name_for_url, safe_name
from pipeline.raw.versions import (
    DAY,
    NO_RULES,
    RawEntry,
    RawRules,
    check_source_id,
    inventory,
    iter_files,
)
from pipeline.util import atomic
from pipeline.util.paths import raw_dir

if TYPE_CHECKING:  # the build reads the store without loading the HTTP layer
    from pipeline.collect.errors import FetchResult

CHUNK = 1024 * 1024


class StoreWriteError(intake.IntakeError):
    """The raw store could not be written (a full disk, a read-only folder); nothing was
    stored. The message says why and what to do."""


class RawStore:
    """Writes one source's raw files for one day; see the module docstring."""

    def __init__(
        self,
        source_id: str,
        root: Path | None = None,
        day: date | None = None,
        rules: RawRules = NO_RULES,
    ) -> None:
        self.source_id = check_source_id(source_id)
        self.root = Path(root) if root is not None else raw_dir()
        self.day = day or datetime.now(UTC).date()
        self.rules = rules

    @property
    def max_bytes(self) -> int:
        """The largest file this source takes (``max_mb`` in its YAML)."""
        return self.rules.max_bytes

    @property
    def folder(self) -> Path:
        return self.root / self.source_id / self.day.isoformat()

    def save_response(
        self, result: FetchResult, name: str | None = None, licence: str | None = None
    ) -> Path:
        """Store ``result.body`` unchanged; returns its path (an existing one if identical)."""
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

    def save_file(
        self, path: Path, licence: str | None = None, *, same_name_only: bool = False
    ) -> Path:
        """Copy a file the user downloaded by hand into the store, byte for byte.

        The file is checked first (:mod:`pipeline.raw.intake`: a regular file, within
        ``max_bytes``, also once decompressed); IntakeError says why one is refused. With
        ``same_name_only``, bytes stored already count only under the same name: a file whose
        name pairs it with another (a table's metadata file, ``flows.yaml`` beside
        ``flows.csv``) is kept under its own name even when another file has its bytes.
        """
        source = Path(path)
        limit = self.max_bytes
        with intake.open_checked(source, limit) as src:

            def copy(handle: IO[bytes]) -> None:
                copied = 0
                while chunk := src.read(CHUNK):
                    copied += len(chunk)
                    if copied > limit:
                        raise intake.IntakeError(f"{source} grew past {limit} bytes while copied")
                    handle.write(chunk)

            entry = {
                "url": None,
                "params": None,
                "status": None,
                "retrieved_at": now_iso(),
                "headers": None,
                "licence": licence,
                "origin": "user_file",
                # A name that is not UTF-8 (bytes from another system) is kept readable.
                "original_path": os.fsencode(source.resolve()).decode("utf-8", "backslashreplace"),
            }
            name = safe_name(source.name)
            return self._store(name, copy, entry, same_name=name if same_name_only else None)

    def inventory(self) -> list[RawEntry]:
        return inventory(self.source_id, self.root, self.rules)

    def loaded_files(self) -> list[Path]:
        """The current version of each of this source's files (what the build loads)."""
        return iter_files(self.source_id, self.root, self.rules)

    def save_stream(
        self,
        chunks: Iterable[bytes],
        name: str,
        provenance: dict[str, Any],
        check: Callable[[Path], None] | None = None,
    ) -> Path:
        """Store a body arriving in pieces; memory stays one chunk.

        ``provenance`` holds the manifest fields of a fetched answer (url, params, status,
        retrieved_at, headers, licence, and ``redacted`` when the body echoed a credential that
        was taken out); it is read once the body has been written. ``check`` sees the complete
        temporary file and may raise to refuse it: then nothing is stored. Bytes already stored
        for this source on any day are not stored twice; that file's path is returned.
        """
        entry: dict[str, Any] = {}

        def write(handle: IO[bytes]) -> None:
            for chunk in chunks:
                handle.write(chunk)
            # read only now: what the body showed (a credential taken out) is known at its end
            entry.update(
                {
                    **provenance,
                    "url": redact_url(str(provenance.get("url")), DEFAULT_SECRET_PARAMS),
                    "params": redact_params(provenance.get("params"), DEFAULT_SECRET_PARAMS),
                    "origin": "fetched",
                    "original_path": None,
                }
            )

        return self._store(safe_name(name), write, entry, check=check)

    def previous(self, url: str) -> dict[str, Any] | None:
        """The newest stored download of ``url`` that still matches its manifest: its ``path``,
        ``etag`` and ``last-modified`` (a damaged copy is never offered for a 304)."""
        found = None
        for entry in self._entries():
            if entry.get("url") != url or entry.get("status") != 200:
                continue
            if entry["path"].is_file() and not check_against_manifest(entry["path"], entry):
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
        for day, entries in source_manifests(self._days()).items():
            if isinstance(entries, ManifestError):
                continue
            for entry in entries:
                yield {**entry, "path": day / str(entry["name"])}

    def _days(self) -> list[Path]:
        base = self.root / self.source_id
        if not base.is_dir():
            return []
        return sorted(p for p in base.iterdir() if p.is_dir() and DAY.match(p.name))

    def find_identical(self, sha256: str, size: int, given_name: str | None = None) -> Path | None:
        """A stored file of this source (any day, any status but quarantined) with these bytes
        (and saved under ``given_name``, when one is given)."""
        for record in self._entries():
            if record.get("sha256") != sha256 or record.get("size") != size:
                continue
            saved_as = record.get("given_name", record.get("name"))
            if given_name is not None and saved_as != given_name:
                continue
            path = record["path"]
            if path.is_file() and not check_against_manifest(path, record):
                # bytes kept under a name they contradict (stored before content was checked)
                # do not stand in for the same bytes saved under their right name
                given = record.get("given_name")
                if self.rules.content_problem(path, str(given or path.name), sha256):
                    continue
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
        same_name: str | None = None,
    ) -> Path:
        folder = self.folder
        digest = hashlib.sha256()
        try:
            folder.mkdir(parents=True, exist_ok=True)
            temp = atomic.temp_file_in(folder, lambda handle: write(_Hashing(handle, digest)))  # type: ignore[arg-type]
        except OSError as err:
            raise self._write_error(err, name) from None
        try:
            if check is not None:
                check(temp)
            # a file whose content is not what its name says is refused here, so that it can
            # never pass for a version of the file it names (pipeline.raw.versions)
            problem = self.rules.content_problem(temp, name, digest.hexdigest())
            if problem:
                raise intake.IntakeError(f"{name}: {problem}; nothing was stored")
            return self._place(temp, name, entry, digest.hexdigest(), same_name)
        except OSError as err:
            raise self._write_error(err, name) from None
        finally:
            temp.unlink(missing_ok=True)

    def _write_error(self, err: OSError, name: str) -> OSError | StoreWriteError:
        """A full disk or an unwritable raw store, said plainly; any other error as it is."""
        if not atomic.is_write_failure(err):
            return err
        message = atomic.write_failure(err, self.folder, name, "ATLAS_RAW")
        return StoreWriteError(f"{message}; nothing was stored")

    def _place(
        self, temp: Path, name: str, entry: dict[str, Any], sha256: str, same_name: str | None
    ) -> Path:
        """Link ``temp`` under ``name`` (or ``name.N`` when other bytes hold the name), unless
        the same bytes are stored already (under ``same_name``, when given); one writer of the
        source's folders at a time."""
        folder = self.folder
        size = temp.stat().st_size
        with _folder_lock(folder.parent):
            for day in folder.parent.iterdir():
                if day.is_dir() and DAY.match(day.name):
                    atomic.clean_stale(day)  # leftovers of killed runs; this run's are kept
            # manifests of an earlier version get their checksum before anything is added
            seal(self.source_id, self._days())
            existing = self.find_identical(sha256, size, same_name)
            if existing is not None:
                return existing
            # a manifest that cannot take the entry refuses the file before it is placed, so
            # that no unrecorded file is left in the folder
            self._today_manifest()
            for candidate in candidates(name):
                target = folder / candidate
                if target.resolve().parent != folder.resolve():
                    raise ValueError(f"refusing to write outside {folder}: {candidate!r}")
                try:
                    os.link(temp, target)  # unlike a rename, never replaces a file
                except FileExistsError:
                    continue
                record = {**entry, "sha256": sha256, "size": size, "given_name": name}
                try:
                    self._record(candidate, {**record, "seq": self._next_seq()})
                except BaseException:
                    # a file its manifest does not list would be quarantined: not kept at all
                    target.unlink(missing_ok=True)
                    raise
                return target
        raise RuntimeError(f"{MAX_VERSIONS} versions of {name} in {folder}")

    def _today_manifest(self) -> list[dict[str, Any]]:
        """The entries of this day's manifest; ManifestError when it is damaged or edited."""
        listed = source_manifests(self._days()).get(self.folder)
        if isinstance(listed, ManifestError):
            raise ManifestError(
                f"{listed}; nothing can be added to {self.folder} until it is restored or the "
                "folder is moved away"
            )
        return listed or []

    def _record(self, name: str, entry: dict[str, Any]) -> None:
        """Add the entry for ``name`` unless one is there (identical bytes were saved before)."""
        entries = self._today_manifest()
        if any(e.get("name") == name for e in entries):
            return
        entries.append({**entry, "name": name})
        text = manifest_text(self.source_id, self.day.isoformat(), entries)
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
