"""`python -m pipeline fetch SOURCE [--from PATH]`: get raw files, then check them.

Either copies files the user downloaded by hand (``--from``) or fetches live through the polite
session; both only write to the raw store. The saved files are then parsed from disk (never
from the network) so the user sees at once what the next ``make db`` will load and what it
will reject. The helpers below are shared by the source modules: metadata from their YAML,
de-duplicated saving, bounded reading of text, zip and gzip files.
"""

from __future__ import annotations

import datetime as dt
import gzip
import hashlib
import io
import logging
import sys
import zipfile
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO, Any

import yaml

from pipeline import paths, rawstore
from pipeline.http import FetchResult, HttpError, PoliteSession
from pipeline.rawstore import RawStore
from pipeline.records import ParseResult, Source
from pipeline.summary import reject_lines

log = logging.getLogger(__name__)

MAX_LINE_CHARS = 100_000


class SourceError(Exception):
    """A failure the user can fix; the message says what to do."""


@dataclass
class FetchContext:
    session: PoliteSession
    store: RawStore
    max_pages: int | None
    state_dir: Path
    meta: dict[str, Any] = field(default_factory=dict)


# -- metadata -----------------------------------------------------------------------------


def read_meta(yaml_path: Path) -> dict[str, Any]:
    meta = yaml.safe_load(yaml_path.read_text(encoding="utf-8"))
    if not isinstance(meta, dict):
        raise SourceError(f"{yaml_path}: expected a mapping of keys")
    missing = [k for k in ("title", "citation", "method") if not meta.get(k)]
    if missing:
        raise SourceError(f"{yaml_path}: missing key(s): {', '.join(missing)}")
    return meta


def _squash(text: object) -> str | None:
    return " ".join(str(text).split()) or None if text else None


def latest_retrieved_at(raw_files: Iterable[Path]) -> dt.datetime | None:
    """The latest ``retrieved_at`` the day-folder manifests record for these files."""
    wanted: dict[Path, set[str]] = {}
    for path in raw_files:
        wanted.setdefault(path.parent, set()).add(path.name)
    latest: dt.datetime | None = None
    for folder, names in wanted.items():
        for entry in rawstore.load_manifest(folder):
            stamp = entry.get("retrieved_at")
            if entry.get("name") not in names or not stamp:
                continue
            when = dt.datetime.fromisoformat(str(stamp))
            if when.tzinfo is not None:
                when = when.astimezone(dt.UTC).replace(tzinfo=None)
            latest = when if latest is None or when > latest else latest
    return latest


def source_from_meta(
    source_id: str, meta: dict[str, Any], raw_files: list[Path], notes_extra: str = ""
) -> Source:
    notes = " ".join(t for t in (_squash(meta.get("notes")), notes_extra) if t) or None
    return Source(
        source_id=source_id,
        title=str(meta["title"]),
        citation=_squash(meta["citation"]) or "",
        method=str(meta["method"]),
        publisher=meta.get("publisher"),
        url=meta.get("url"),
        licence=meta.get("licence"),
        retrieved_at=latest_retrieved_at(raw_files),
        vintage=str(meta["vintage"]) if meta.get("vintage") else None,
        notes=notes,
    )


def warn_bounds(what: str, count: int, bounds: dict[str, Any] | None) -> str | None:
    """A warning when ``count`` lies outside the YAML's expected ``{min, max}``, else None."""
    if not bounds:
        return None
    lo, hi = int(bounds.get("min", 0)), int(bounds.get("max", sys.maxsize))
    if lo <= count <= hi:
        return None
    message = f"{what}: {count} rows, outside the expected {lo}..{hi}; check the file"
    log.warning(message)
    return message


# -- saving without duplicates ------------------------------------------------------------


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
    else:
        candidates = sorted(p for p in path.iterdir() if p.is_file() and recognise(p.name))
        if not candidates:
            raise SourceError(f"no file in {path} looks like {expected}")
    return [save_file_once(store, p, licence) for p in candidates]


# -- bounded reading ----------------------------------------------------------------------


class _Bounded(io.RawIOBase):
    """Reads through to ``inner`` and fails once more than ``limit`` bytes came out."""

    def __init__(self, inner: IO[bytes], limit: int, label: str) -> None:
        self._inner, self._left, self._label, self._limit = inner, limit, label, limit

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        self._left -= len(data)
        if self._left < 0:
            raise ValueError(f"{self._label}: more than {self._limit} bytes once decompressed")
        buffer[: len(data)] = data
        return len(data)


def open_text_lines(path: Path, max_bytes: int) -> Iterator[str]:
    """The text lines of a .txt/.csv file, the single member of a .zip, or a .gz, streamed.

    Raises ValueError for a zip with several members or a body over ``max_bytes``.
    """
    with path.open("rb") as raw:
        if zipfile.is_zipfile(raw):
            raw.seek(0)
            with zipfile.ZipFile(raw) as archive:
                members = [
                    m
                    for m in archive.infolist()
                    if not m.is_dir() and not m.filename.startswith("__MACOSX/")
                ]
                if len(members) != 1:
                    names = ", ".join(m.filename for m in members[:5])
                    raise ValueError(f"zip holds {len(members)} files ({names}); expected one")
                with archive.open(members[0]) as member:
                    yield from _lines(_Bounded(member, max_bytes, path.name))
            return
        raw.seek(0)
        if raw.read(2) == b"\x1f\x8b":
            raw.seek(0)
            with gzip.GzipFile(fileobj=raw) as unzipped:
                yield from _lines(_Bounded(unzipped, max_bytes, path.name))
            return
        raw.seek(0)
        yield from _lines(_Bounded(raw, max_bytes, path.name))


def _lines(stream: io.RawIOBase) -> Iterator[str]:
    text = io.TextIOWrapper(io.BufferedReader(stream), encoding="utf-8-sig", newline="")
    for line in text:
        if len(line) > MAX_LINE_CHARS:
            raise ValueError(f"a line longer than {MAX_LINE_CHARS} characters")
        yield line


# -- the command --------------------------------------------------------------------------


def _session_for(module: Any) -> PoliteSession:
    options = dict(getattr(module, "SESSION_OPTIONS", {}))
    return PoliteSession(**options)


def _summarise(
    module: Any, files: list[Path], new: set[Path], out: Callable[[str], None]
) -> ParseResult:
    from pipeline.countries import country_index
    from pipeline.progress import progress

    index = country_index()
    total = ParseResult(source_id=module.SOURCE_ID)
    for path in progress(files, desc=f"parse {module.SOURCE_ID}", unit="file"):
        result = module.parse(path, index)
        result.check_balance()
        total.extend(result)
        state = "new" if path in new else "already present"
        out(
            f"  {path} ({state}): {result.records_in} records, {result.records_ok} usable, "
            f"{result.records_rejected} rejected"
        )
    out(
        f"parsed {total.records_in} records: {total.records_ok} usable, "
        f"{total.records_rejected} rejected; rows: {len(total.tasks)} tasks, "
        f"{len(total.tallies)} tallies"
    )
    for line in reject_lines(total.rejects):
        out(line)
    extra = getattr(module, "summary_lines", None)
    if extra is not None:
        for line in extra(files, index):
            out(line)
    return total


def run_fetch(
    source_id: str,
    from_path: Path | None,
    max_pages: int | None,
    out: Callable[[str], None] = print,
) -> int:
    """Import or fetch one source into the raw store, then report on the saved files."""
    from pipeline import sources

    try:
        module = sources.module_for(source_id)
    except KeyError as err:
        print(f"error: {err.args[0]}", file=sys.stderr)
        return 2
    store = RawStore(module.SOURCE_ID, root=paths.raw_dir())
    before = set(rawstore.iter_files(store.source_id, store.root))
    try:
        if from_path is not None:
            saved = module.import_files(Path(from_path), store)
        else:
            state_dir = paths.data_dir() / "state"
            with _session_for(module) as session:
                ctx = FetchContext(session, store, max_pages, state_dir, module.meta())
                saved = module.fetch(ctx)
    except SourceError as err:
        print(f"error: {err}", file=sys.stderr)
        return 1
    except HttpError as err:
        print(
            f"error: {err}\nthe files saved before the failure are kept; run the same command "
            "again later to continue",
            file=sys.stderr,
        )
        return 1
    files = list(dict.fromkeys(saved))
    new = {p for p in files if p not in before}
    out(
        f"{module.SOURCE_ID}: {len(new)} new file(s) saved, "
        f"{len(files) - len(new)} already present, in {store.root / store.source_id}"
    )
    if files:
        _summarise(module, files, new, out)
    out("next: run `make db` to rebuild the database with these files")
    return 0
