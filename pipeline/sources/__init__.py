"""One module per data source.

Each source module exposes ``SOURCE_ID``, ``parse(path, index) -> ParseResult`` (pure: the bytes of
one raw file in, rows and rejects out) and, when it can be fetched, ``fetch(ctx, ...)``, which only
writes raw files. The registry below is how the loader finds them; curated datasets are found by
their YAML files instead (see ``pipeline.sources.curated``).
"""

from __future__ import annotations

import importlib
from types import ModuleType

# source_id -> module name; modules are imported lazily so one broken source cannot stop the rest.
FETCHABLE = {
    "oli": "pipeline.sources.oli",
    "remotework": "pipeline.sources.remotework",
    "freelancer": "pipeline.sources.freelancer",
    "csv": "pipeline.sources.user_csv",
}


def available() -> list[str]:
    """Source ids whose module is present in this installation."""
    found = []
    for source_id, module in FETCHABLE.items():
        try:
            importlib.import_module(module)
        except ModuleNotFoundError as err:
            if err.name != module:
                raise
            continue
        found.append(source_id)
    return found


def module_for(source_id: str) -> ModuleType:
    if source_id not in FETCHABLE:
        known = ", ".join(sorted(FETCHABLE))
        raise KeyError(f"unknown source {source_id!r}; known sources: {known}")
    return importlib.import_module(FETCHABLE[source_id])
