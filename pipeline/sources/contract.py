"""The contract every source module follows, and the context it is handed.

A source is a module ``pipeline/sources/<name>.py`` with a sibling ``<name>.yaml`` (fetched
sources), or a ``<name>.csv`` + ``<name>.yaml`` pair in ``data/curated/`` read by
``pipeline.sources.curated``. The module says how to fetch (writes raw files only), how to
import files a user downloaded (``FROM=``) and how to parse one raw file: bytes in, rows and
rejects out, with no network and no database. A module whose every file is a dataset of its own
(the user's published shares) also says how its raw files split into datasets
(:class:`SplitsIntoDatasets`).
"""

from __future__ import annotations

import datetime as dt
import logging
import os
from collections.abc import Callable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from pipeline.raw.versions import RawEntry, RawFile
from pipeline.reference.countries import CountryIndex
from pipeline.sources.meta import SourceMeta
from pipeline.util.records import Reject

if TYPE_CHECKING:
    import pyarrow as pa

    from pipeline.collect.http import Answer, PoliteSession
    from pipeline.collect.redact import Params
    from pipeline.raw.store import RawStore


__all__ = [
    "Dataset",
    "ParseContext",
    "Parsed",
    "RawFile",
    "SourceContext",
    "SourceError",
    "SourceModule",
    "SplitsIntoDatasets",
]

log = logging.getLogger(__name__)


class SourceError(Exception):
    """A failure the user can fix; the message says what to do."""


@dataclass
class Parsed:
    """What parsing one raw file gave: staged tables (name -> Arrow table, rows as in the file),
    rejects, and the count of records read, used and rejected (every record is one or the
    other, so nothing is lost)."""

    tables: dict[str, pa.Table] = field(default_factory=dict)
    rejects: list[Reject] = field(default_factory=list)
    records_in: int = 0
    records_ok: int = 0
    records_rejected: int = 0
    notes: list[str] = field(default_factory=list)
    stats: dict[str, int] = field(default_factory=dict)
    # rejects found in bulk (columns source_id, location, field, value, reason, repeats), after
    # ``rejects``: kept as columns so that a file with a million faulty rows makes no Python
    # object per row
    reject_rows: pa.Table | None = None

    def check_balance(self, what: str) -> None:
        """Raise if some record is neither used nor rejected: that is a parser defect."""
        if self.records_in != self.records_ok + self.records_rejected:
            raise AssertionError(
                f"{what}: {self.records_in} records read but {self.records_ok} used and "
                f"{self.records_rejected} rejected"
            )

    def reject_count(self) -> int:
        return len(self.rejects) + (0 if self.reject_rows is None else self.reject_rows.num_rows)

    def all_rejects(self) -> list[Reject]:
        """Every reject as an object (for tests and summaries of small files)."""
        bulk = [] if self.reject_rows is None else self.reject_rows.to_pylist()
        return self.rejects + [Reject(**row) for row in bulk]

    @classmethod
    def unreadable(cls, source_id: str, name: str, reason: str) -> Parsed:
        """The whole file is one rejected record, with the reason it could not be read."""
        reject = Reject(source_id, name, None, None, reason[:500])
        return cls(rejects=[reject], records_in=1, records_rejected=1)


@dataclass(frozen=True)
class ParseContext:
    """What a parser may use besides the bytes: the metadata and the country index."""

    meta: SourceMeta
    countries: CountryIndex
    today: dt.date = field(default_factory=lambda: dt.datetime.now(dt.UTC).date())


@dataclass
class SourceContext:
    """What a fetch or an import is handed. The HTTP session is created on first use, so that
    building the database never imports the HTTP layer."""

    store: RawStore
    meta: SourceMeta
    countries: CountryIndex
    max_pages: int | None
    state_dir: Path
    session_options: Mapping[str, Any] = field(default_factory=dict)

    @cached_property
    def session(self) -> PoliteSession:
        from pipeline.collect.http import PoliteSession

        return PoliteSession(**dict(self.session_options))

    def close(self) -> None:
        if "session" in self.__dict__:
            self.__dict__["session"].close()

    def redact(self, text: str) -> str:
        """``text`` without the credentials this source sends (its session's, or those its
        variables set when no request was made): for the messages a fetch prints."""
        from pipeline.collect.redact import redact_text

        if "session" in self.__dict__:
            text = self.__dict__["session"].redact(text)
        variables = dict(self.session_options.get("env_headers", {})).values()
        return redact_text(text, [os.environ.get(str(v), "").strip() for v in variables])

    def save(
        self,
        url: str,
        name: str,
        *,
        params: Params | None = None,
        expect: str | None = None,
        check: Callable[[Path], None] | None = None,
        tap: Callable[[bytes], None] | None = None,
        conditional: bool = False,
    ) -> Path:
        """Stream the body of ``url`` into this source's raw store under ``name``; returns the
        stored path. The session fetches, the store keeps: neither knows the other.

        The body goes to a temporary file in the store, hashed while written; ``tap`` sees each
        chunk (e.g. to compute an md5), ``check`` sees the finished temporary file, and either
        can raise to refuse the body: then nothing is stored. With ``conditional`` the ETag /
        Last-Modified of the last stored download of this URL are sent, and a 304 returns the
        stored file without downloading it again. A non-2xx answer raises ``HTTPStatusError``.
        """
        from pipeline.collect.errors import HTTPStatusError

        session = self.session
        shown = session.shown_url(url, params)
        previous = self.store.previous(shown) if conditional else None
        validators: dict[str, str] = {}
        if previous is not None:
            if previous.get("etag"):
                validators["If-None-Match"] = previous["etag"]
            if previous.get("last-modified"):
                validators["If-Modified-Since"] = previous["last-modified"]
        with session.open(url, params, validators, expect=expect) as answer:
            if answer.not_modified and previous is not None:
                log.info("%s has not changed since %s", answer.url, previous["path"].name)
                return Path(previous["path"])
            if not 200 <= answer.status < 300:
                raise HTTPStatusError(f"HTTP {answer.status} for {answer.url}", answer.status)
            provenance: dict[str, Any] = {}
            chunks: Iterator[bytes] = _noting_redaction(answer, provenance)
            if tap is not None:
                chunks = _tapped(chunks, tap)
            provenance |= {
                # The URL asked for, not the last hop: that is what the next run asks again, and
                # a signed download URL (S3) is not worth keeping.
                "url": shown,
                "params": answer.params,
                "status": answer.status,
                "retrieved_at": answer.retrieved_at.isoformat(timespec="seconds"),
                "headers": answer.headers,
                "licence": self.meta.licence,
            }
            return self.store.save_stream(chunks, name, provenance, check=check)


def _noting_redaction(answer: Answer, provenance: dict[str, Any]) -> Iterator[bytes]:
    """The answer's body; once read, ``redacted: true`` in ``provenance`` when the server
    echoed a credential, which the session took out (the manifest says so)."""
    yield from answer.chunks()
    if answer.redacted:
        provenance["redacted"] = True


def _tapped(chunks: Iterator[bytes], tap: Callable[[bytes], None]) -> Iterator[bytes]:
    for chunk in chunks:
        tap(chunk)
        yield chunk


class SourceModule(Protocol):
    """What ``pipeline/sources/<name>.py`` provides (a module satisfies this structurally)."""

    SOURCE_ID: str
    STAGED: Mapping[str, pa.Schema]  # staged table name -> its columns
    OPTION_KEYS: frozenset[str]  # the YAML keys this module reads beyond the common ones
    SESSION_OPTIONS: Mapping[str, Any]

    def fetch(self, ctx: SourceContext) -> list[Path]: ...

    def import_files(self, path: Path, ctx: SourceContext) -> list[Path]: ...

    def parse(self, raw: RawFile, ctx: ParseContext) -> Parsed: ...

    def source_note(self, staged: Sequence[Any]) -> str | None: ...

    def import_order(self, raw: RawFile) -> tuple[str, int] | None: ...

    def check_content(self, path: Path, name: str, max_bytes: int) -> str: ...


@dataclass(frozen=True)
class Dataset:
    """One dataset of a source whose files are datasets of their own: its metadata (its own
    ``source_id``, citation and notes, as ``core__sources`` lists it) and the raw files read
    under that id."""

    meta: SourceMeta
    files: list[RawFile]


@runtime_checkable
class SplitsIntoDatasets(Protocol):
    """A source module whose raw files are not one dataset but one each (the user's published
    shares: every file has its own citation, and two files must never be summed together)."""

    def datasets(
        self, meta: SourceMeta, entries: Sequence[RawEntry]
    ) -> tuple[list[Dataset], list[Reject]]:
        """The datasets among the raw store's ``entries`` of the source (every status), and a
        reject for each file that cannot be loaded as one (with the reason)."""
        ...
