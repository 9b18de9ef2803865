"""The contract every source module follows, and the context it is handed.

A source is a module ``pipeline/sources/<name>.py`` with a sibling ``<name>.yaml`` (fetched
sources), or a ``<name>.csv`` + ``<name>.yaml`` pair in ``data/curated/`` read by
``pipeline.sources.curated``. The module says how to fetch (writes raw files only), how to
import files a user downloaded (``FROM=``) and how to parse one raw file: bytes in, rows and
rejects out, with no network and no database.
"""

from __future__ import annotations

import datetime as dt
import hashlib
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import TYPE_CHECKING, Any, Protocol

from pipeline.countries import CountryIndex
from pipeline.records import Reject
from pipeline.sources.meta import SourceMeta

if TYPE_CHECKING:
    import pyarrow as pa

    from pipeline.http import PoliteSession
    from pipeline.rawstore import RawStore


class SourceError(Exception):
    """A failure the user can fix; the message says what to do."""


@dataclass(frozen=True)
class RawFile:
    """One stored raw file: its name as the store keeps it, where it is, and its identity."""

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
        if sha256 is None:
            digest = hashlib.sha256()
            with path.open("rb") as handle:
                while chunk := handle.read(1 << 20):
                    digest.update(chunk)
            sha256 = digest.hexdigest()
        return cls(path, sha256, day)


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
    # rejects found in bulk (columns source_id, location, field, value, reason), after
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
        from pipeline.http import PoliteSession

        return PoliteSession(**dict(self.session_options))

    def close(self) -> None:
        if "session" in self.__dict__:
            self.__dict__["session"].close()


class SourceModule(Protocol):
    """What ``pipeline/sources/<name>.py`` provides (a module satisfies this structurally)."""

    SOURCE_ID: str
    STAGED: Mapping[str, pa.Schema]  # staged table name -> its columns
    OPTION_KEYS: frozenset[str]  # the YAML keys this module reads beyond the common ones
    SESSION_OPTIONS: Mapping[str, Any]

    def fetch(self, ctx: SourceContext) -> list[Path]: ...

    def import_files(self, path: Path, ctx: SourceContext) -> list[Path]: ...

    def parse(self, raw: RawFile, ctx: ParseContext) -> Parsed: ...
