"""Opening the built database to read it, with a message a user can act on when it cannot be:
not built yet, or held open for writing by another program (a notebook, a DuckDB shell)."""

from __future__ import annotations

import re
from pathlib import Path

import duckdb

from pipeline.util import paths

# DuckDB names the program that holds the lock: "Conflicting lock is held in <exe> (PID 123)"
_HOLDER = re.compile(r"lock is held in (?P<program>.+?) \(PID (?P<pid>\d+)\)")


class DatabaseUnavailable(RuntimeError):
    """The database cannot be opened for reading; the message says why and what to do."""


def open_read_only(db: Path | str | None = None) -> duckdb.DuckDBPyConnection:
    """A read-only connection to ``db`` (default: data/atlas.duckdb or ``ATLAS_DB``)."""
    path = Path(db) if db is not None else paths.db_path()
    if not path.exists():
        raise DatabaseUnavailable(
            f"no database at {path}; build it first with `make maps` (or `make db`, "
            "`atlas maps`, or atlas.build() in Python)"
        )
    try:
        return duckdb.connect(str(path), read_only=True)
    except duckdb.Error as err:
        if "lock" not in str(err).lower():
            raise DatabaseUnavailable(
                f"{path} cannot be read as a DuckDB database ({str(err)[:200]}): it is damaged "
                "or is not one; build it again with `make db` (from data/raw and the shipped data)"
            ) from None
        holder = _HOLDER.search(str(err))
        who = (
            f"{holder['program']} (process {holder['pid']})"
            if holder
            else "another program (a notebook or a DuckDB shell)"
        )
        raise DatabaseUnavailable(
            f"{path} is open for writing in {who}; close that connection, or open it "
            "read-only there (duckdb.connect(path, read_only=True)), then run the command "
            "again"
        ) from None
