"""The raw store: fetched bodies and user-supplied files, byte for byte, never overwritten.

Layout: ``<raw_dir>/<source_id>/<YYYY-MM-DD>/<name>`` plus one ``manifest.json`` per day folder
saying where each file came from. Parsers read only from here, so any source can be parsed
again without fetching again. One writer per day folder is assumed (one ``make fetch`` at a
time); every write goes through a temporary file and ``os.replace`` so a crash never leaves a
half-written file under a real name.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import tempfile
import unicodedata
from collections.abc import Callable, Iterable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import IO, Any
from urllib.parse import unquote, urlsplit

from pipeline.http import DEFAULT_SECRET_PARAMS, FetchResult, redact_params, redact_url
from pipeline.paths import raw_dir

MANIFEST = "manifest.json"
MAX_NAME = 120
MAX_VERSIONS = 10_000
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


def _sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def _now_iso() -> str:
    return datetime.now(UTC).isoformat(timespec="seconds")


def _write_temp(folder: Path, write: Callable[[IO[bytes]], None]) -> Path:
    fd, name = tempfile.mkstemp(dir=folder, prefix=".tmp-")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


def load_manifest(folder: Path) -> list[dict[str, Any]]:
    """The entries of ``folder/manifest.json``; an empty list if there is none yet."""
    path = Path(folder) / MANIFEST
    if not path.exists():
        return []
    data = json.loads(path.read_text(encoding="utf-8"))
    entries = data.get("entries") if isinstance(data, dict) else None
    if not isinstance(entries, list):
        raise ValueError(f"{path}: expected an object with an 'entries' list")
    return entries


def iter_files(source_id: str, root: Path | None = None) -> list[Path]:
    """Every raw file of a source, over all day folders, oldest day first, then by name."""
    base = (Path(root) if root is not None else raw_dir()) / _check_source_id(source_id)
    if not base.is_dir():
        return []
    files: list[Path] = []
    for day in sorted(p for p in base.iterdir() if p.is_dir() and _DAY.match(p.name)):
        files.extend(
            sorted(
                f
                for f in day.iterdir()
                if f.is_file() and f.name != MANIFEST and not f.name.startswith(".")
            )
        )
    return files


class RawStore:
    """Writes one source's raw files for one day; see the module docstring."""

    def __init__(self, source_id: str, root: Path | None = None, day: date | None = None) -> None:
        self.source_id = _check_source_id(source_id)
        self.root = Path(root) if root is not None else raw_dir()
        self.day = day or datetime.now(UTC).date()

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

    def save_file(self, path: Path, licence: str | None = None) -> Path:
        """Copy a file the user downloaded by hand into the store, byte for byte."""
        source = Path(path)
        if not source.is_file():
            raise FileNotFoundError(f"not a file: {source}")

        def copy(handle: IO[bytes]) -> None:
            with source.open("rb") as src:
                while chunk := src.read(_CHUNK):
                    handle.write(chunk)

        entry = {
            "url": None,
            "params": None,
            "status": None,
            "retrieved_at": _now_iso(),
            "headers": None,
            "licence": licence,
            "origin": "user_file",
            "original_path": str(source.resolve()),
        }
        return self._store(safe_name(source.name), copy, entry)

    @staticmethod
    def iter_files(source_id: str, root: Path | None = None) -> list[Path]:
        return iter_files(source_id, root)

    @staticmethod
    def load_manifest(folder: Path) -> list[dict[str, Any]]:
        return load_manifest(folder)

    def save_stream(
        self,
        chunks: Iterable[bytes],
        name: str,
        provenance: dict[str, Any],
        check: Callable[[Path], None] | None = None,
    ) -> Path:
        """Store a body arriving in pieces, hashed while written; memory stays one chunk.

        ``provenance`` holds the manifest fields of a fetched answer (url, params, status,
        retrieved_at, headers, licence). ``check`` sees the complete temporary file and may raise
        to refuse it: then nothing is stored. Bytes already stored for this source on any day
        are not stored twice; that file's path is returned.
        """
        digest = hashlib.sha256()

        def write(handle: IO[bytes]) -> None:
            for chunk in chunks:
                digest.update(chunk)
                handle.write(chunk)

        self.folder.mkdir(parents=True, exist_ok=True)
        temp = _write_temp(self.folder, write)
        try:
            if check is not None:
                check(temp)
            sha256 = digest.hexdigest()
            for entry in self._entries():
                if entry.get("sha256") == sha256 and entry["path"].is_file():
                    return Path(entry["path"])
            entry = {
                **provenance,
                "url": redact_url(str(provenance.get("url")), DEFAULT_SECRET_PARAMS),
                "params": redact_params(provenance.get("params"), DEFAULT_SECRET_PARAMS),
                "origin": "fetched",
                "original_path": None,
            }
            return self._place(temp, safe_name(name), entry, sha256)
        finally:
            temp.unlink(missing_ok=True)

    def previous(self, url: str) -> dict[str, Any] | None:
        """The newest stored download of ``url``: its ``path``, ``etag`` and ``last-modified``."""
        found = None
        for entry in self._entries():
            if entry.get("url") == url and entry.get("status") == 200 and entry["path"].is_file():
                headers = entry.get("headers") or {}
                found = {
                    "path": entry["path"],
                    "etag": headers.get("etag"),
                    "last-modified": headers.get("last-modified"),
                }
        return found

    def _entries(self) -> Iterator[dict[str, Any]]:
        """Manifest entries of this source over all day folders, oldest day first."""
        base = self.root / self.source_id
        if not base.is_dir():
            return
        for day in sorted(p for p in base.iterdir() if p.is_dir() and _DAY.match(p.name)):
            for entry in load_manifest(day):
                yield {**entry, "path": day / str(entry.get("name"))}

    def _store(self, name: str, write: Callable[[IO[bytes]], Any], entry: dict[str, Any]) -> Path:
        folder = self.folder
        folder.mkdir(parents=True, exist_ok=True)
        temp = _write_temp(folder, write)
        try:
            return self._place(temp, name, entry, _sha256_file(temp))
        finally:
            temp.unlink(missing_ok=True)

    def _place(self, temp: Path, name: str, entry: dict[str, Any], sha256: str) -> Path:
        """Rename ``temp`` to ``name`` (or ``name.N`` when other bytes hold the name)."""
        folder = self.folder
        size = temp.stat().st_size
        for candidate in _candidates(name):
            target = folder / candidate
            if target.resolve().parent != folder.resolve():
                raise ValueError(f"refusing to write outside {folder}: {candidate!r}")
            if target.exists():
                if _sha256_file(target) != sha256:
                    continue
            else:
                os.replace(temp, target)
            self._record(candidate, {**entry, "sha256": sha256, "size": size})
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
        temp = _write_temp(self.folder, lambda handle: handle.write(text.encode("utf-8")))
        os.replace(temp, self.folder / MANIFEST)
