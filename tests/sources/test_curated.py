"""Curated datasets: every row is checked, and a bad row is a reject naming file, row and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pipeline.reference.countries import country_index
from pipeline.sources import curated_specs
from pipeline.sources.contract import ParseContext, Parsed, RawFile
from pipeline.sources.meta import MetadataError


def read(yaml_path: Path) -> Parsed:
    """One curated dataset through the source contract, as the build reads it."""
    (spec,) = [s for s in curated_specs(yaml_path.parent) if s.meta.path == yaml_path]
    assert spec.data_file is not None
    parsed = spec.module.parse(RawFile.of(spec.data_file), ParseContext(spec.meta, country_index()))
    parsed.check_balance(yaml_path.name)
    return parsed


def tallies(parsed: Parsed) -> list[dict]:
    return parsed.tables["curated_tallies"].to_pylist()


TALLY_HEADER = (
    "platform,period_start,period_end,role,buyer_country,seller_country,region_label,"
    "occupation,measure,amount,qualifier,citation,status,note\n"
)


def write_dataset(folder: Path, stem: str, body: str, kind: str = "tallies", lo=0, hi=100) -> Path:
    meta = textwrap.dedent(
        f"""\
        source_id: curated_{stem}
        kind: {kind}
        title: Test figures
        publisher: Test publisher
        url: null
        licence: CC BY 4.0
        citation: Doe, J. (2020), Test figures.
        method: curated
        platform: Test platform
        expected_rows: {{min: {lo}, max: {hi}}}
        """
    )
    (folder / f"{stem}.yaml").write_text(meta, encoding="utf-8")
    (folder / f"{stem}.csv").write_text(body, encoding="utf-8")
    return folder / f"{stem}.yaml"


def test_good_rows_become_tallies_with_codes(tmp_path: Path) -> None:
    path = write_dataset(
        tmp_path,
        "good",
        TALLY_HEADER
        + ",2016-05-01,2016-09-30,buyer,Royaume-Uni,,,unknown,share_pct,6.3,,cite,verified,\n"
        + ",2016-05-01,2016-09-30,buyer,,,rest of world,unknown,share_pct,93.7,,cite,,\n",
    )
    found = tallies(read(path))
    assert [(t["buyer_country_code"], t["amount"]) for t in found] == [("GBR", 6.3), (None, 93.7)]
    assert found[1]["region_label"] == "rest of world"
    assert found[0]["platform"] == "Test platform"


def test_bad_rows_are_rejected_with_file_row_and_field(tmp_path: Path) -> None:
    path = write_dataset(
        tmp_path,
        "bad",
        TALLY_HEADER
        + ",2016-05-01,2016-09-30,buyer,Atlantis,,,unknown,share_pct,5,,c,,\n"
        + ",2016-13-01,2016-09-30,buyer,India,,,unknown,share_pct,5,,c,,\n"
        + ",2016-05-01,2016-09-30,buyer,India,,,unknown,share_pct,many,,c,,\n"
        + ",2016-05-01,2016-09-30,buyer,India,,,cooking,share_pct,5,,c,,\n"
        + ",2016-05-01,2016-09-30,buyer,India,,,unknown,share_pct,150,,c,,\n"
        + ",2016-05-01,2016-09-30,buyer,India,,,unknown,share_pct,5,,c,,\n"
        + ",2016-05-01,2016-09-30,buyer,Kenya,,,unknown,rank,0,,c,,\n"
        + ",2016-05-01,2016-09-30,buyer,Kenya,,,unknown,top_k,2.5,,c,,\n",
    )
    result = read(path)
    found = {(r.location, r.field) for r in result.rejects}
    assert found == {
        ("bad.csv:2", "buyer_country"),
        ("bad.csv:3", "period_start"),
        ("bad.csv:4", "amount"),
        ("bad.csv:5", "occupation"),
        ("bad.csv:6", "amount"),
        ("bad.csv:8", "amount"),
        ("bad.csv:9", "amount"),
    }
    unknown = next(r for r in result.rejects if r.field == "buyer_country")
    assert unknown.value == "Atlantis" and "unknown country" in unknown.reason
    top_k = next(r for r in result.rejects if r.location == "bad.csv:9")
    assert top_k.reason == "a top_k is a whole number from 1"
    assert (result.records_in, result.records_ok, result.records_rejected) == (8, 1, 7)
    assert [t["buyer_country_code"] for t in tallies(result)] == ["IND"]


def test_row_count_outside_expected_bounds_is_reported(tmp_path: Path) -> None:
    path = write_dataset(
        tmp_path,
        "few",
        TALLY_HEADER + ",2016-05-01,2016-09-30,buyer,India,,,unknown,share_pct,5,,c,,\n",
        lo=2,
        hi=5,
    )
    (spec,) = curated_specs(tmp_path)
    assert spec.meta.expected_rows.check("few.csv", read(path).records_in) == (
        "few.csv: 1 records, outside the expected 2..5"
    )


def test_missing_yaml_key_names_the_key(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("source_id: curated_x\nkind: tallies\n", encoding="utf-8")
    with pytest.raises(MetadataError, match=r"x\.yaml: missing required key.*title"):
        curated_specs(tmp_path)


def test_claim_rows_keep_regions_as_labels(tmp_path: Path) -> None:
    body = (
        "claim_id,role,country,region_label,statement,quote,quote_lang,platform,seed_file,"
        "cited_study\n"
        "C3,buyer,États-Unis,,Buyers in the North.,«les États-Unis»,fr,MTurk,004.txt,\n"
        "C3,seller,,Central America,Buyers in the North.,«l'Amérique centrale»,fr,MTurk,004.txt,\n"
        "C3,seller,Filippine,,Buyers in the North.,«Filippine»,it,MTurk,004.txt,\n"
    )
    path = write_dataset(tmp_path, "claims", body, kind="claims")
    claims = read(path).tables["curated_claims"].to_pylist()
    assert [(c["role"], c["country_code"], c["region_label"]) for c in claims] == [
        ("buyer", "USA", None),
        ("seller", None, "Central America"),
        ("seller", "PHL", None),
    ]
