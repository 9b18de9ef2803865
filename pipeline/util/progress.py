"""Progress bars for long work, quiet when output is not a terminal (CI logs stay readable)."""

from __future__ import annotations

import os
import sys
from collections.abc import Iterable, Iterator
from typing import TypeVar

from tqdm import tqdm

T = TypeVar("T")


def enabled() -> bool:
    if os.environ.get("ATLAS_PROGRESS") in ("0", "1"):
        return os.environ["ATLAS_PROGRESS"] == "1"
    return sys.stderr.isatty()


def progress(
    items: Iterable[T], desc: str, unit: str = "it", total: int | None = None
) -> Iterator[T]:
    """Wrap an iterable in a progress bar on stderr when someone is watching."""
    yield from tqdm(items, desc=desc, unit=unit, total=total, disable=not enabled(), leave=False)
