"""Every source follows the one contract: found from its YAML, metadata in one schema with no
key left unread, parse pure and balanced, and building the database never loads the HTTP layer."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
from pathlib import Path

import pyarrow as pa
import pytest
from conftest import OLI_FIXTURES, REMOTEWORK_FIXTURES

from pipeline.reference.countries import country_index
from pipeline.sources import curated_specs, fetchable, reference_sources
from pipeline.sources.contract import ParseContext, RawFile
from pipeline.sources.meta import COMMON_KEYS, MetadataError, read_yaml, validate
from pipeline.util import paths

FIXTURES = Path(__file__).parents[1] / "fixtures"
SAMPLES = {
    "csv": FIXTURES / "csv" / "flows.csv",
    "freelancer": FIXTURES / "freelancer" / "bids_page.json",
    "oli": OLI_FIXTURES / "bcountrydata_2016-07-10.txt",
    "remotework": REMOTEWORK_FIXTURES / "olm_network_data_2015.csv",
    "shares": FIXTURES / "shares" / "oli_2016.csv",
}
CODE = "\n".join(
    p.read_text(encoding="utf-8")
    for p in [
        *(paths.ROOT / "pipeline").rglob("*.py"),
    ]
    if p.name != "meta.py"
)


def test_sources_are_found_from_their_yaml_files() -> None:
    assert sorted(fetchable()) == ["csv", "freelancer", "oli", "remotework", "shares"]
    found = (paths.ROOT / "pipeline" / "sources").glob("*.yaml")
    yamls = sorted(p.stem for p in found if not p.name.startswith("_"))
    assert sorted(Path(str(s.module.__file__)).stem for s in fetchable().values()) == yamls
    curated = curated_specs(paths.curated_dir())
    assert len(curated) == len(list(paths.curated_dir().glob("*.yaml")))


@pytest.mark.parametrize("source_id", sorted(SAMPLES))
def test_parse_is_pure_balanced_and_stages_its_declared_tables(source_id: str) -> None:
    spec = fetchable()[source_id]
    ctx = ParseContext(spec.meta, country_index())
    raw = RawFile.of(SAMPLES[source_id])
    first, again = spec.module.parse(raw, ctx), spec.module.parse(raw, ctx)
    first.check_balance(source_id)
    assert first.records_in > 0 and first.records_ok > 0
    assert set(first.tables) <= set(spec.module.STAGED)
    for name, table in first.tables.items():
        assert set(spec.module.STAGED[name].names) <= set(table.column_names)
        # the same values in the same rows; a dictionary's order of entries may differ between
        # two parses of one file, and is no part of what is staged
        assert decoded(table) == decoded(again.tables[name])
    assert first.rejects == again.rejects


def decoded(table: pa.Table) -> tuple[list[tuple[str, pa.DataType]], list[dict]]:
    """A table's columns with their value types (dictionaries decoded), and its rows."""
    columns = [
        (f.name, f.type.value_type if pa.types.is_dictionary(f.type) else f.type)
        for f in table.schema
    ]
    return columns, table.to_pylist()


def test_decoded_sees_values_not_dictionary_order() -> None:
    one = pa.table({"c": pa.array(["IND", "USA", "IND"]).dictionary_encode()})
    other = pa.table({"c": pa.DictionaryArray.from_arrays([1, 0, 1], ["USA", "IND"])})
    assert not one.equals(other)
    assert decoded(one) == decoded(other)
    changed = pa.table({"c": pa.DictionaryArray.from_arrays([0, 0, 1], ["USA", "IND"])})
    assert decoded(one) != decoded(changed)


def test_every_yaml_key_is_read() -> None:
    # the loader reads every common key...
    readers = {"max_mb": "max_bytes", "platform": "platform_for"}
    for key in COMMON_KEYS:
        reader = readers.get(key, key)
        assert re.search(rf"\.{reader}\b", CODE), f"nothing reads the metadata key {key!r}"
    # ...and each option a source declares is read by its module
    for spec in fetchable().values():
        source = Path(str(spec.module.__file__)).read_text(encoding="utf-8")
        for key in spec.module.OPTION_KEYS:
            assert f'"{key}"' in source, f"{spec.source_id}: option {key!r} is never read"
        raw = read_yaml(spec.meta.path)
        assert isinstance(raw, dict)
        assert set(raw) <= COMMON_KEYS | spec.module.OPTION_KEYS
    assert reference_sources(paths.reference_dir())


def test_an_unknown_or_missing_key_is_an_error(tmp_path: Path) -> None:
    good = {"source_id": "x", "title": "t", "citation": "c", "method": "curated"}
    validate(good, tmp_path / "x.yaml")
    with pytest.raises(MetadataError, match=r"x\.yaml: unknown key\(s\) colour"):
        validate({**good, "colour": "red"}, tmp_path / "x.yaml")
    with pytest.raises(MetadataError, match="missing required key"):
        validate({"title": "t"}, tmp_path / "x.yaml")
    with pytest.raises(MetadataError, match="expected_rows takes min and max only"):
        validate({**good, "expected_rows": {"per_file": 3}}, tmp_path / "x.yaml")


def test_market_and_lineage_are_checked_and_followed_to_their_root(tmp_path: Path) -> None:
    from pipeline.build.tables import family_of

    where = tmp_path / "x.yaml"
    base = {"title": "t", "citation": "c", "method": "curated"}
    with pytest.raises(MetadataError, match=r"x\.yaml: market must be one of .*'freelance'"):
        validate({**base, "source_id": "x", "market": "freelance"}, where)
    with pytest.raises(MetadataError, match="derived_from maps platform labels"):
        validate({**base, "source_id": "x", "derived_from": {"Upwork": ""}}, where)
    with pytest.raises(MetadataError, match="derived_from must be a text"):
        validate({**base, "source_id": "x", "derived_from": 3}, where)
    known = {
        m.source_id: m
        for m in [
            validate({**base, "source_id": "raw", "market": "online_freelance"}, where),
            validate({**base, "source_id": "blog", "derived_from": "raw"}, where),
            validate({**base, "source_id": "press", "derived_from": "blog"}, where),
            validate(
                {**base, "source_id": "ranks", "derived_from": {"A": "press", "B": "X"}}, where
            ),
        ]
    }
    # a re-report of a re-report belongs to the first source's family
    assert family_of("press", None, known) == "raw"
    # per platform: one platform re-reports the chain above, another an outside study, and a
    # platform the mapping does not name is the source's own data
    assert family_of("ranks", "A", known) == "raw"
    assert family_of("ranks", "B", known) == "X"
    assert family_of("ranks", "C", known) == "ranks"
    circle = {
        "a": validate({**base, "source_id": "a", "derived_from": "b"}, where),
        "b": validate({**base, "source_id": "b", "derived_from": "a"}, where),
    }
    with pytest.raises(MetadataError, match="a -> b -> a"):
        family_of("a", None, circle)


def test_building_the_database_never_imports_the_http_layer(tmp_path: Path) -> None:
    sample_text = {k: str(v) for k, v in SAMPLES.items()}
    script = textwrap.dedent(
        f"""
        import datetime as dt, sys
        from pathlib import Path
        from pipeline.raw.store import RawStore
        from pipeline.build.run import build_database
        samples = {{k: Path(v) for k, v in {sample_text!r}.items()}}
        raw = Path({str(tmp_path / "raw")!r})
        for source_id, path in samples.items():
            RawStore(source_id, root=raw, day=dt.date(2026, 1, 1)).save_file(path)
        build_database(Path({str(tmp_path / "atlas.duckdb")!r}), raw_root=raw,
                       staging_root=Path({str(tmp_path / "staging")!r}))
        assert "pipeline.collect.http" not in sys.modules, "the build imported the HTTP layer"
        assert "requests" not in sys.modules, "the build imported requests"
        """
    )
    done = subprocess.run(
        [sys.executable, "-c", script], cwd=paths.ROOT, capture_output=True, text=True, timeout=120
    )
    assert done.returncode == 0, done.stderr[-2000:]
