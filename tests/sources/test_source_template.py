"""The template source follows the contract: a new source copied from it starts correct."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

from pipeline.raw.versions import RawFile
from pipeline.reference.countries import country_index
from pipeline.sources import fetchable, load_module, metadata
from pipeline.sources.contract import ParseContext, SourceModule

HERE = Path(__file__).parents[1]
TEMPLATE = Path(__file__).parents[2] / "pipeline" / "sources" / "_template.yaml"


def test_the_template_is_not_a_source() -> None:
    assert "template" not in fetchable()


def test_the_template_parses_its_example_record_by_record() -> None:
    module: SourceModule = load_module("_template")
    meta = metadata.load(TEMPLATE, module.OPTION_KEYS)
    ctx = ParseContext(meta, country_index(), today=dt.date(2026, 12, 7))
    parsed = module.parse(RawFile.of(HERE / "fixtures" / "template" / "example.json"), ctx)
    rows = parsed.tables["template_rows"].to_pylist()
    # two good records: United States <- Philippines 120, United Kingdom <- India 45
    assert [(r["buyer_country_code"], r["seller_country_code"], r["projects"]) for r in rows] == [
        ("USA", "PHL", 120),
        ("GBR", "IND", 45),
    ]
    # three rejects, each naming its record, field and value
    found = [(r.location, r.field, r.value) for r in parsed.rejects]
    assert found == [
        ("example.json:record 3", "buyer", "Atlantis"),
        ("example.json:record 4", "projects", "2.5"),
        ("example.json:record 5", "year", "1999"),
    ]
    assert (parsed.records_in, parsed.records_ok, parsed.records_rejected) == (5, 2, 3)
    assert module.source_note([]) is None and module.import_order(RawFile.of(TEMPLATE)) is None
