"""Writes that never leave a half-written file under a real name.

Every output is written to a temporary file beside its target (same folder, so the rename
stays on one filesystem), flushed and fsynced, then renamed over the target with
``os.replace``, which is atomic on POSIX: a reader sees the old file or the new one, never a
mix. Temporary files are named ``<target>.tmp-<pid>[-<random>]`` so that the next run can tell
the leftovers of a killed process (pid no longer alive) from the work of a running one and
remove only the former (:func:`clean_stale`).

The database's swap (one build at a time, the old file replaced only when the new one is
complete) is built on these in :mod:`pipeline.build.swap`.
"""

from __future__ import annotations

import contextlib
import errno
import logging
import os
import re
import secrets
import tempfile
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import IO, Any

log = logging.getLogger(__name__)

TEMP_MARK = ".tmp-"
# "<target>.tmp-<pid>[-<random>][.wal]" beside a target, or a hidden ".tmp-<pid>-<anything>"
# (the raw store's and the staging's temporary files).
_TEMP = re.compile(
    r"^(?:.+\.tmp-(?P<pid>\d+)(?:-[0-9a-z]+)?(?:\.wal)?|\.tmp-(?P<hidden_pid>\d+)-.+)$"
)


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


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write a whole file (text or bytes) atomically, creating its folder; returns the path."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        write_text(path, data)
    else:
        write_bytes(path, data)
    return path


def temp_file_in(folder: Path, write: Callable[[IO[bytes]], object]) -> Path:
    """A new temporary file in ``folder`` holding what ``write`` wrote, fsynced, for the caller
    to link or rename into place (the raw store links it, so that nothing is ever replaced)."""
    # The pid in the name lets a later run remove the leftovers of a killed one.
    fd, name = tempfile.mkstemp(dir=folder, prefix=f"{TEMP_MARK}{os.getpid()}-")
    try:
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        Path(name).unlink(missing_ok=True)
        raise
    return Path(name)


# What a failed write says about the machine, not the data: no room, or no right to write.
_NO_ROOM = frozenset({errno.ENOSPC, errno.EFBIG, errno.EDQUOT})
_NO_RIGHT = frozenset({errno.EACCES, errno.EPERM, errno.EROFS})


def is_write_failure(err: OSError) -> bool:
    """A full disk, a file size limit, a quota, or a folder that cannot be written."""
    return err.errno in _NO_ROOM | _NO_RIGHT


def write_failure(err: OSError, where: Path, what: str, variable: str | None = None) -> str:
    """The message for ``err`` while writing ``what`` into ``where``: the real reason and what
    to do about it (free space, or make the folder writable or write elsewhere)."""
    reason = err.strerror or str(err)
    if err.errno in _NO_ROOM:
        fix = "free some space on that disk (or raise the file size limit) and run it again"
    else:
        elsewhere = f", or set {variable} to a folder that can be" if variable else ""
        fix = f"make {where} writable (chmod -R u+w {where}; a read-only disk?){elsewhere}"
    return f"cannot write {what} into {where}: {reason}: {fix}"
