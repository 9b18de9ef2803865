"""Writes that never leave a half-written file under a real name.

Every output is written to a temporary file beside its target (same folder, so the rename
stays on one filesystem), flushed and fsynced, then renamed over the target with
``os.replace``, which is atomic on POSIX: a reader sees the old file or the new one, never a
mix. Temporary files are named ``<target>.tmp-<pid>[-<random>]`` so that the next run can tell
the leftovers of a killed process (pid no longer alive) from the work of a running one and
remove only the former (:func:`clean_stale`).

The database gets its own helper, :class:`DatabaseSwap`: one build at a time per database (an
advisory lock), the ``.wal`` a crashed writer left beside the old file removed with it, and a
refusal, not a silent swap, while another program holds the database open for writing.
"""

from __future__ import annotations

import contextlib
import errno
import fcntl
import logging
import os
import re
import secrets
from collections.abc import Iterator
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)

TEMP_MARK = ".tmp-"
# "<target>.tmp-<pid>[-<random>][.wal]" beside a target, or a hidden ".tmp-<pid>-<anything>"
# (the raw store's and the staging's temporary files).
_TEMP = re.compile(
    r"^(?:.+\.tmp-(?P<pid>\d+)(?:-[0-9a-z]+)?(?:\.wal)?|\.tmp-(?P<hidden_pid>\d+)-.+)$"
)


class SwapError(RuntimeError):
    """The database could not be replaced; the previous one, if any, is untouched."""


def temp_path(target: Path, unique: bool = True) -> Path:
    """A temporary name beside ``target`` carrying this process's pid."""
    suffix = f"-{secrets.token_hex(4)}" if unique else ""
    return target.with_name(f"{target.name}{TEMP_MARK}{os.getpid()}{suffix}")


def pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True  # someone else's live process
    return True


def clean_stale(folder: Path, recursive: bool = False) -> list[Path]:
    """Remove the temporary files (``*.tmp-<pid>*``) of processes that are no longer running,
    in ``folder`` (and its subfolders with ``recursive``, e.g. a staging tree)."""
    removed: list[Path] = []
    try:
        children = list(Path(folder).rglob("*") if recursive else Path(folder).iterdir())
    except (FileNotFoundError, NotADirectoryError):
        return removed
    for path in children:
        match = _TEMP.match(path.name)
        if match is None:
            continue
        pid = int(match["pid"] or match["hidden_pid"])
        if pid == os.getpid() or pid_alive(pid):
            continue
        with contextlib.suppress(FileNotFoundError, IsADirectoryError):
            path.unlink()
            removed.append(path)
    if removed:
        log.info("removed %d temporary file(s) of killed runs in %s", len(removed), folder)
    return removed


def fsync_dir(folder: Path) -> None:
    """Make a rename in ``folder`` durable (a no-op where directories cannot be opened)."""
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass
    finally:
        os.close(fd)


@contextlib.contextmanager
def atomic_file(target: Path, mode: str = "wb", encoding: str | None = None) -> Iterator[IO[Any]]:
    """Open a temporary file beside ``target``; on a clean exit it replaces ``target``.

    On an exception the temporary file is removed and ``target`` is left as it was.
    """
    target = Path(target)
    if mode not in ("wb", "w"):
        raise ValueError("atomic_file writes whole files: mode 'wb' or 'w'")
    temp = temp_path(target)
    fd = os.open(temp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o644)
    try:
        handle: IO[Any] = (
            os.fdopen(fd, "w", encoding=encoding or "utf-8", newline="")
            if mode == "w"
            else os.fdopen(fd, "wb")
        )
        with handle:
            yield handle
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(temp, target)
    except BaseException:
        with contextlib.suppress(FileNotFoundError):
            temp.unlink()
        raise
    fsync_dir(target.parent)


def write_bytes(target: Path, data: bytes) -> None:
    with atomic_file(target, "wb") as handle:
        handle.write(data)


def write_text(target: Path, text: str, encoding: str = "utf-8") -> None:
    with atomic_file(target, "w", encoding=encoding) as handle:
        handle.write(text)


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
        """A read-write DuckDB connection to the temporary database (the build lock is released
        if it cannot be opened)."""
        import duckdb

        try:
            return duckdb.connect(str(self.temp), config=dict(config or {}))
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
