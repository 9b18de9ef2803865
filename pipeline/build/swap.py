"""The database swap: a build writes a new file and replaces the old one only when complete.

One build at a time per database (an advisory lock), the ``.wal`` a crashed writer left beside
the old file removed with it, and a refusal, not a silent swap, while another program holds the
database open for writing.
"""

from __future__ import annotations

import errno
import fcntl
import logging
import os
from pathlib import Path
from typing import Any

from pipeline.util.atomic import clean_stale, fsync_dir, temp_path

log = logging.getLogger(__name__)

# DuckDB 2 writes a storage format that no DuckDB 1.x reads ("created with a newer version of
# DuckDB"), and most clients researchers have (the 1.x command line, R and Python packages) are
# 1.x. The v1.0.0 format is read by every DuckDB from 0.10 on, 2.x included.
STORAGE_VERSION = "v1.0.0"


class SwapError(RuntimeError):
    """The database could not be replaced; the previous one, if any, is untouched."""


def _held_for_writing(path: Path) -> bool:
    """Whether another process holds ``path`` open read-write in DuckDB.

    DuckDB takes a POSIX record lock on its database file: exclusive for a read-write
    connection, shared for a read-only one. A shared probe therefore fails only while a writer
    is open. (Locks of this same process never conflict with the probe.)
    """
    try:
        fd = os.open(path, os.O_RDONLY)
    except FileNotFoundError:
        return False
    try:
        fcntl.lockf(fd, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except OSError as err:
        if err.errno in (errno.EACCES, errno.EAGAIN):
            return True
        raise
    else:
        fcntl.lockf(fd, fcntl.LOCK_UN)
        return False
    finally:
        os.close(fd)


class DatabaseSwap:
    """Build a database in ``.temp`` and put it in place of ``target`` with :meth:`commit`.

    Opening takes the build lock ``<target>.lock`` (a second build at the same time fails at
    once with a message, it does not wait), removes the temporary files of killed builds and
    checks that no program holds the current database open for writing.
    """

    def __init__(self, target: Path) -> None:
        self.target = Path(target)
        self.target.parent.mkdir(parents=True, exist_ok=True)
        self.temp = temp_path(self.target, unique=False)
        self.notes: list[str] = []
        self._lock_fd: int | None = None
        self._lock_path = self.target
        self._lock()
        try:
            clean_stale(self.target.parent)
            self._check_writers()
            for path in (self.temp, self._wal(self.temp)):
                path.unlink(missing_ok=True)
        except BaseException:
            self._unlock()
            raise

    @staticmethod
    def _wal(path: Path) -> Path:
        return path.with_name(path.name + ".wal")

    def _lock(self) -> None:
        # The lock file is removed on release, so after taking the lock we check that the name
        # still points to the file we locked (another build may have just removed it).
        lock_path = self.target.with_name(self.target.name + ".lock")
        for _ in range(20):
            fd = os.open(lock_path, os.O_RDWR | os.O_CREAT, 0o644)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError as err:
                os.close(fd)
                if err.errno in (errno.EACCES, errno.EAGAIN, errno.EWOULDBLOCK):
                    raise SwapError(
                        f"another build of {self.target} is running; wait for it to finish, "
                        "then run the command again"
                    ) from None
                raise
            try:
                same = os.stat(lock_path).st_ino == os.fstat(fd).st_ino
            except FileNotFoundError:
                same = False
            if same:
                self._lock_fd, self._lock_path = fd, lock_path
                return
            os.close(fd)
        raise SwapError(f"could not take the build lock {lock_path}")

    def _unlock(self) -> None:
        if self._lock_fd is not None:
            self._lock_path.unlink(missing_ok=True)
            os.close(self._lock_fd)  # closing the descriptor releases the flock
            self._lock_fd = None

    def _check_writers(self) -> None:
        if _held_for_writing(self.target):
            raise SwapError(
                f"{self.target} is open for writing in another program (a notebook or a DuckDB "
                "shell); close that connection, then run the command again"
            )

    def connect(self, config: dict[str, str] | None = None) -> Any:
        """A read-write DuckDB connection to the temporary database, written in the storage
        format of :data:`STORAGE_VERSION` (the build lock is released if it cannot be opened)."""
        import duckdb

        settings: dict[str, str | bool | int | float | list[str]] = {
            "storage_compatibility_version": STORAGE_VERSION,
            **(config or {}),
        }
        try:
            return duckdb.connect(str(self.temp), config=settings)
        except BaseException:
            self.abort()
            raise

    def commit(self) -> None:
        """Put the finished temporary database in place of the target."""
        try:
            self._check_writers()
            stale_wal = self._wal(self.target)
            if stale_wal.exists():
                # Its changes belong to the database being replaced: left beside the new file
                # it would make every later open fail ("WAL does not match database file").
                stale_wal.unlink()
                self.notes.append(f"removed {stale_wal}, left by a writer of the old database")
                log.warning("removed %s, left by a writer of the old database", stale_wal)
            self._wal(self.temp).unlink(missing_ok=True)
            os.replace(self.temp, self.target)
            fsync_dir(self.target.parent)
        except BaseException:
            self.abort()
            raise
        self._unlock()

    def abort(self) -> None:
        """Drop the temporary database; the target is left as it was."""
        for path in (self.temp, self._wal(self.temp)):
            path.unlink(missing_ok=True)
        self._unlock()

    def __enter__(self) -> DatabaseSwap:
        return self

    def __exit__(self, kind: object, value: object, traceback: object) -> None:
        if kind is None:
            self.commit()
        else:
            self.abort()
