"""How much memory a build lets DuckDB use.

DuckDB's default is 80% of the machine's memory; a build of 100 M tasks then grows to 8 GB
where spilling its sorts and hash tables to disk keeps it near the limit at a small cost in time
(bench/results.md). ``ATLAS_MEMORY_LIMIT`` (a DuckDB size such as ``8GB``) overrides it.
"""

from __future__ import annotations

import os

DEFAULT_LIMIT_BYTES = 3 * 1024**3
_SHARE_OF_MEMORY = 0.8


def memory_limit() -> str:
    """The ``memory_limit`` setting for build connections: ``ATLAS_MEMORY_LIMIT``, otherwise
    3 GiB or 80% of the machine's memory, whichever is less."""
    chosen = os.environ.get("ATLAS_MEMORY_LIMIT", "").strip()
    if chosen:
        return chosen
    try:
        total = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES")
    except (ValueError, OSError):
        total = 0
    limit = (
        DEFAULT_LIMIT_BYTES if total <= 0 else min(DEFAULT_LIMIT_BYTES, total * _SHARE_OF_MEMORY)
    )
    return f"{int(limit) // 1024**2}MB"
