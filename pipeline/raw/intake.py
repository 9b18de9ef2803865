"""Checks on the paths a user hands to ``make fetch FROM=…`` before anything is copied.

A path is resolved (symlinks followed, the target checked, not the link); only regular files
and folders are taken: devices, named pipes and sockets are refused with a message, never
opened for reading (a pipe would block, ``/dev/zero`` never ends). A file is opened once,
non-blocking, and checked on the open descriptor, so it cannot be swapped for a pipe between
the check and the copy. Its size and, for gzip and zip files, its decompressed size are bounded
before a single byte reaches ``data/raw``: decompression is streamed in fixed-size chunks and
stops as soon as the bound is passed, so a compression bomb costs seconds and a few megabytes.
"""

from __future__ import annotations

import fcntl
import gzip
import os
import stat
import zipfile
import zlib
from pathlib import Path
from typing import IO

from pipeline.util import archive

CHUNK = 1024 * 1024
_KINDS = (
    (stat.S_ISCHR, "character device"),
    (stat.S_ISBLK, "block device"),
    (stat.S_ISFIFO, "named pipe"),
    (stat.S_ISSOCK, "socket"),
)


class IntakeError(ValueError):
    """A path given by the user that is refused; the message names it and says why."""


def _kind(mode: int) -> str:
    for test, name in _KINDS:
        if test(mode):
            return name
    return "special file"


def _mb(n: int) -> str:
    return f"{n / 1024 / 1024:,.0f} MB"


def check_path(path: Path | str) -> Path:
    """The resolved form of a user-supplied file or folder; IntakeError for anything else."""
    given = Path(os.path.expanduser(str(path)))
    if not str(path).strip():
        raise IntakeError("no path given")
    try:
        real = given.resolve(strict=True)
        mode = real.stat().st_mode
    except FileNotFoundError:
        raise IntakeError(f"{given} does not exist") from None
    except (OSError, RuntimeError) as err:
        raise IntakeError(f"{given} cannot be read: {err}") from None
    if stat.S_ISDIR(mode) or stat.S_ISREG(mode):
        return real
    link = f" (a link to {real})" if real != given.absolute() else ""
    raise IntakeError(f"{given}{link} is a {_kind(mode)}, not a regular file: refused")


def open_regular(path: Path) -> IO[bytes]:
    """Open a regular file for reading, refusing anything else without blocking on it."""
    try:
        fd = os.open(path, os.O_RDONLY | os.O_NONBLOCK | os.O_CLOEXEC)
    except FileNotFoundError:
        raise IntakeError(f"{path} does not exist") from None
    except OSError as err:
        raise IntakeError(f"{path} cannot be opened: {err.strerror}") from None
    mode = os.fstat(fd).st_mode
    if not stat.S_ISREG(mode):
        os.close(fd)
        what = "folder" if stat.S_ISDIR(mode) else _kind(mode)
        raise IntakeError(f"{path} is a {what}, not a regular file: refused")
    flags = fcntl.fcntl(fd, fcntl.F_GETFL)
    fcntl.fcntl(fd, fcntl.F_SETFL, flags & ~os.O_NONBLOCK)
    return os.fdopen(fd, "rb")


def decompressed_size(handle: IO[bytes], limit: int, label: str) -> int | None:
    """The decompressed size of a gzip or zip file, streamed and bounded; None for other files.

    The handle is left at its start.
    """

    def too_big() -> IntakeError:
        return IntakeError(
            f"{label} expands past {_mb(limit)} once decompressed: refused, nothing copied"
        )

    try:
        kind = archive.kind_of(handle)
        if kind == archive.GZIP:
            # GzipFile.read(n) returns at most n bytes per call, whatever the input holds.
            with gzip.GzipFile(fileobj=handle, mode="rb") as unzipped:
                return archive.drain(archive.Bounded(unzipped, limit, too_big), CHUNK)
        if kind == archive.ZIP:
            with zipfile.ZipFile(handle) as zipped:
                members = [m for m in zipped.infolist() if not m.is_dir()]
                declared = sum(m.file_size for m in members)
                if declared > limit:
                    raise IntakeError(
                        f"{label} declares {_mb(declared)} once decompressed, over the bound of "
                        f"{_mb(limit)}: refused, nothing copied"
                    )
                total = 0
                for member in members:
                    with zipped.open(member) as inner:
                        total += archive.drain(
                            archive.Bounded(inner, limit - total, too_big), CHUNK
                        )
                return total
        return None
    except (OSError, EOFError, zipfile.BadZipFile, zlib.error) as err:
        raise IntakeError(f"{label} is a damaged archive ({err}): refused") from None
    finally:
        handle.seek(0)


def open_checked(path: Path, max_bytes: int) -> IO[bytes]:
    """A regular file opened for copying, after its size and decompressed size were checked."""
    handle = open_regular(path)
    try:
        size = os.fstat(handle.fileno()).st_size
        if size > max_bytes:
            raise IntakeError(
                f"{path} is {_mb(size)}, over the bound of {_mb(max_bytes)} for one file of "
                "this source: refused, nothing copied"
            )
        decompressed_size(handle, max_bytes, str(path))
    except BaseException:
        handle.close()
        raise
    return handle
