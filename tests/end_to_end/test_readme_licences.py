"""The README's data-licence table names every source the atlas reads, each with the licence
its own metadata gives, so the table cannot drift from the sources."""

from __future__ import annotations

import re

from pipeline.sources import curated_specs, fetchable, reference_sources
from pipeline.util import paths


def readme_licences() -> dict[str, str]:
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("### Data licences\n", 1)[1].split("\n## ", 1)[0]
    rows = re.findall(r"^\| `([a-z0-9_]+)` \| [^|]+ \| ([^|]+) \| [^|]+ \|$", section, re.M)
    return {source: licence.strip() for source, licence in rows}


def test_every_source_is_in_the_licence_table_with_its_own_licence() -> None:
    metas = [*reference_sources(paths.reference_dir())]
    metas += [spec.meta for spec in fetchable().values()]
    metas += [spec.meta for spec in curated_specs(paths.curated_dir())]
    assert len(metas) >= 19
    assert readme_licences() == {m.source_id: m.licence for m in metas}
