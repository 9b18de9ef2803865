"""Every map output is written through ``write_atomic``: a reader never sees half a file."""

from __future__ import annotations

from pathlib import Path

from pipeline import atomic


def write_atomic(path: Path, data: str | bytes) -> Path:
    """Write ``data`` to a temporary file beside ``path``, fsync it, rename it into place
    (``pipeline.atomic``, whose temporary names let a later run remove those of a killed one)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(data, str):
        atomic.write_text(path, data)
    else:
        atomic.write_bytes(path, data)
    return path
