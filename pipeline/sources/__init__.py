"""One module per data source, found from the metadata files beside them.

Every ``pipeline/sources/<name>.yaml`` names a fetchable source whose code is
``pipeline/sources/<name>.py``; every ``data/curated/<name>.yaml`` names a curated dataset read by
``pipeline.sources.curated``. All follow ``pipeline.sources.contract.SourceModule``. Modules are
imported on demand, and none imports the HTTP layer until a fetch asks for the session.
:func:`loaded_sources` says what the build reads of a source: its current raw files, split into
one dataset per file for a module that asks for it (``SplitsIntoDatasets``).
"""

from __future__ import annotations

import datetime as dt
import importlib
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import cast

from pipeline.raw.store import RawStore
from pipeline.raw.versions import NO_RULES, RawFile, RawRules, inventory, raw_files
from pipeline.sources import meta as metadata
from pipeline.sources.contract import SourceModule, SplitsIntoDatasets
from pipeline.sources.meta import SourceMeta
from pipeline.util.records import Reject

HERE = Path(__file__).parent


@dataclass(frozen=True)
class Spec:
    """A source found on disk: its module, its validated metadata and, for a curated dataset,
    the data file beside the YAML."""

    source_id: str
    module: SourceModule
    meta: SourceMeta
    data_file: Path | None = None

    @property
    def rules(self) -> RawRules:
        """What the raw store must know of this source: its size bound, its identity rule and
        the check that a file's content is what its name says."""
        return RawRules(
            max_bytes=self.meta.max_bytes,
            identity=self.meta.raw_identity,
            content=self.module.check_content,
        )


def load_module(name: str) -> SourceModule:
    return cast(SourceModule, importlib.import_module(f"pipeline.sources.{name}"))


@lru_cache(maxsize=1)
def fetchable() -> dict[str, Spec]:
    """source_id -> Spec for every ``pipeline/sources/*.yaml``."""
    found: dict[str, Spec] = {}
    # A file named with a leading "_" (the template) is an example, not a source.
    for path in sorted(p for p in HERE.glob("*.yaml") if not p.name.startswith("_")):
        module = load_module(path.stem)
        meta = metadata.load(path, module.OPTION_KEYS)
        if meta.source_id != module.SOURCE_ID:
            raise metadata.MetadataError(
                f"{path}: source_id {meta.source_id!r}, but {path.stem}.py says "
                f"{module.SOURCE_ID!r}"
            )
        found[meta.source_id] = Spec(meta.source_id, module, meta)
    return found


def spec_for(source_id: str) -> Spec:
    specs = fetchable()
    if source_id not in specs:
        known = ", ".join(sorted(specs))
        raise KeyError(f"unknown source {source_id!r}; known sources: {known}")
    return specs[source_id]


def loaded_sources(
    spec: Spec, raw_root: Path, rules: RawRules | None = None
) -> tuple[list[tuple[Spec, list[RawFile]]], list[Reject]]:
    """What the build loads of a fetchable source: its current raw files under its own id, or,
    for a module whose files are datasets of their own, one Spec per dataset (its own id and
    metadata); and a reject for each file left out that way (a metadata file refused). The raw
    store is read with ``rules`` (the source's own when None)."""
    module = spec.module
    rules = spec.rules if rules is None else rules
    if isinstance(module, SplitsIntoDatasets):
        datasets, refused = module.datasets(spec.meta, inventory(spec.source_id, raw_root, rules))
        return [(Spec(d.meta.source_id, spec.module, d.meta), d.files) for d in datasets], refused
    files = raw_files(spec.source_id, raw_root, rules)
    return ([(spec, files)] if files else []), []


def curated_specs(folder: Path) -> list[Spec]:
    """One Spec per ``<name>.yaml`` + ``<name>.csv`` pair of a curated folder."""
    module = load_module("curated")
    specs = []
    for path in sorted(p for p in folder.glob("*.yaml") if not p.name.startswith("_")):
        meta = metadata.load(path, module.OPTION_KEYS)
        expected = f"curated_{path.stem}"
        if meta.source_id != expected:
            raise metadata.MetadataError(
                f"{path}: source_id must be {expected!r} (curated_ + file name), "
                f"not {meta.source_id!r}"
            )
        if meta.kind is None:
            raise metadata.MetadataError(f"{path}: missing required key(s): kind")
        specs.append(Spec(meta.source_id, module, meta, path.with_suffix(".csv")))
    return specs


def reference_sources(reference_dir: Path) -> list[SourceMeta]:
    """The vendored reference tables, as sources (``data/reference/sources.yaml``)."""
    return metadata.load_list(reference_dir / "sources.yaml")


def raw_rules() -> dict[str, RawRules]:
    """source_id -> what the raw store must know of it, for every fetchable source."""
    return {source_id: spec.rules for source_id, spec in fetchable().items()}


def open_store(source_id: str, root: Path | None = None, day: dt.date | None = None) -> RawStore:
    """The raw store of a source, given its rules (defaults for a source not in the registry)."""
    rules = raw_rules().get(source_id, NO_RULES)
    return RawStore(source_id, root=root, day=day, rules=rules)
