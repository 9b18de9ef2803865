"""The one opener of compressed files: which kind a file is, and its bytes, bounded in size.

The raw store checks a user's file before copying it (how big once decompressed) and the
parsers read it (the single table inside); both go through here, so a zip bomb is refused the
same way everywhere. No library bounds decompressed output across gzip and zip members; the
standard library's ``gzip`` and ``zipfile`` do the decompressing.
"""

from __future__ import annotations

import gzip
import io
import zipfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import IO, Any, Protocol

GZIP, ZIP = "gzip", "zip"
# What a gzip or a zip file starts with: a zip's first local header, or the end record of an
# empty zip, or the marker of a split one (APPNOTE 4.3.7, 4.3.16, 8.5.3). A file is an archive
# only when its first bytes say so: a signature further in (zipfile.is_zipfile looks for one
# anywhere in the last 64 KB) can be a cell of a plain table.
GZIP_MAGIC = b"\x1f\x8b"
ZIP_MAGICS = (b"PK\x03\x04", b"PK\x05\x06", b"PK\x07\x08")
# Folders that macOS's archiver adds beside the real files; never data.
_MAC_FOLDER = "__MACOSX/"


class _Readable(Protocol):
    def read(self, size: int = -1, /) -> bytes: ...


def kind_of(handle: IO[bytes]) -> str | None:
    """``"gzip"``, ``"zip"`` or None for a plain file, by its leading bytes only; the handle is
    left at its start."""
    handle.seek(0)
    magic = handle.read(4)
    handle.seek(0)
    return kind_of_bytes(magic)


def kind_of_bytes(leading: bytes) -> str | None:
    """``"gzip"``, ``"zip"`` or None for a file that starts with ``leading`` (4 bytes)."""
    if leading[:2] == GZIP_MAGIC:
        return GZIP
    return ZIP if leading[:4] in ZIP_MAGICS else None


def data_members(archive: zipfile.ZipFile) -> list[zipfile.ZipInfo]:
    """The files of a zip, without folders and the ``__MACOSX/`` copies."""
    return [
        m for m in archive.infolist() if not m.is_dir() and not m.filename.startswith(_MAC_FOLDER)
    ]


class Bounded(io.RawIOBase):
    """Reads through to ``inner`` and calls ``too_big`` (which raises) once more than ``limit``
    bytes came out, so a compressed file cannot expand without bound."""

    def __init__(self, inner: _Readable, limit: int, too_big: Callable[[], Exception]) -> None:
        self._inner, self._left, self._too_big = inner, limit, too_big

    def readable(self) -> bool:
        return True

    def readinto(self, buffer: Any) -> int:
        data = self._inner.read(len(buffer))
        self._left -= len(data)
        if self._left < 0:
            raise self._too_big()
        buffer[: len(data)] = data
        return len(data)


@contextmanager
def open_body(
    handle: IO[bytes],
    limit: int,
    too_big: Callable[[], Exception],
    several: Callable[[list[zipfile.ZipInfo]], Exception],
) -> Iterator[io.BufferedReader]:
    """The bytes of a plain file, of a gzip, or of the single member of a zip, bounded by
    ``limit``; ``several`` makes the error for a zip that holds more than one file."""
    kind = kind_of(handle)
    if kind == ZIP:
        with zipfile.ZipFile(handle) as archive:
            members = data_members(archive)
            if len(members) != 1:
                raise several(members)
            with archive.open(members[0]) as member:
                yield io.BufferedReader(Bounded(member, limit, too_big))
        return
    if kind == GZIP:
        with gzip.GzipFile(fileobj=handle) as unzipped:
            yield io.BufferedReader(Bounded(unzipped, limit, too_big))
        return
    yield io.BufferedReader(Bounded(handle, limit, too_big))


def drain(stream: _Readable, chunk: int = 1 << 20) -> int:
    """Read a stream to its end (a Bounded one raises past its limit); the byte count."""
    total = 0
    while data := stream.read(chunk):
        total += len(data)
    return total
