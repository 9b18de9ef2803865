"""How much memory a build lets DuckDB use.

DuckDB's default is 80% of the machine's memory; a build of 100 M tasks then grew to 8 GB.
Capped, DuckDB spills its sorts and hash tables to disk instead: at 1 GiB the 100 M-task path
(ingest, uniqueness rule, out__ build) peaked at 1.07 GB in 47 s, against 3.0 GB in 44 s at
3 GiB (bench/results.md), and a 200 MB user CSV builds under 1 GB. ``ATLAS_MEMORY_LIMIT`` (a
DuckDB size such as ``8GB``) overrides it for larger machines and data.
"""

from __future__ import annotations

import os

import duckdb

DEFAULT_LIMIT_BYTES = 1024**3
_SHARE_OF_MEMORY = 0.8


def memory_limit() -> str:
    """The ``memory_limit`` setting for build connections: ``ATLAS_MEMORY_LIMIT``, otherwise
    1 GiB or 80% of the machine's memory, whichever is less. ValueError naming the variable
    when DuckDB does not take its value."""
    chosen = os.environ.get("ATLAS_MEMORY_LIMIT", "").strip()
    if chosen:
        try:
            duckdb.connect(config={"memory_limit": chosen}).close()
        except duckdb.Error as err:
            raise ValueError(
                f"ATLAS_MEMORY_LIMIT={chosen!r} is not a memory size DuckDB takes ({err}): "
                "write a number and a unit, such as 8GB or 512MB, or unset it"
            ) from None
        return chosen
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        total = 0
    limit = (
        DEFAULT_LIMIT_BYTES if total <= 0 else min(DEFAULT_LIMIT_BYTES, total * _SHARE_OF_MEMORY)
    )
    return f"{int(limit) // 1024**2}MB"
