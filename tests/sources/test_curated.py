"""Curated datasets: every row is checked, and a bad row is a reject naming file, row and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pipeline.reference.countries import country_index
from pipeline.sources import curated_specs
from pipeline.sources.contract import ParseContext, Parsed, RawFile
from pipeline.sources.meta import MARKETS, MetadataError


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


CLAIM_HEADER = (
    "claim_id,role,country,region_label,statement,quote,quote_lang,platform,seed_file,"
    "cited_study,market,proposition,proposition_words,stated_share_pct,scope,region_m49\n"
)


def test_claim_rows_keep_regions_as_labels(tmp_path: Path) -> None:
    rest = "fr,MTurk,004.txt,,online_freelance"
    body = CLAIM_HEADER + (
        f"C3,buyer,États-Unis,,Buyers in the North.,«les États-Unis»,{rest},present,États,,,\n"
        f"C3,seller,,Central America,Buyers in the North.,«l'Amérique centrale»,{rest},leading,"
        "Amérique,,,Central America\n"
        f'C3,seller,Filippine,,Buyers in the North.,"«le Filippine, il più»",{rest},leading,'
        "il più,50,,\n"
    )
    path = write_dataset(tmp_path, "claims", body, kind="claims")
    claims = read(path).tables["curated_claims"].to_pylist()
    assert [
        (c["role"], c["country_code"], c["region_label"], c["region_m49"], c["stated_share_pct"])
        for c in claims
    ] == [
        ("buyer", "USA", None, None, None),
        ("seller", None, "Central America", "Central America", None),
        ("seller", "PHL", None, None, 50.0),
    ]


def test_reviewed_claim_fields_are_checked(tmp_path: Path) -> None:
    rest = "Buyers in the North.,«les États-Unis»,fr,MTurk,004.txt,"
    body = CLAIM_HEADER + (
        f"C1,buyer,États-Unis,,{rest},freelance,present,États,,,\n"
        f"C1,buyer,États-Unis,,{rest},online_freelance,biggest,États,,,\n"
        f"C1,buyer,États-Unis,,{rest},online_freelance,present,the biggest,,,\n"
        f"C1,buyer,États-Unis,,{rest},online_freelance,present,États,50,,\n"
        f"C1,buyer,États-Unis,,{rest},online_freelance,leading,États,150,,\n"
        f"C1,seller,,Middle Earth,{rest},online_freelance,leading,États,,,Middle Earth\n"
        f"C1,seller,,Asia,{rest},online_freelance,present,États,,,\n"
        f"C1,seller,,Western firms,{rest},online_freelance,anecdote,États,,,\n"
    )
    result = read(write_dataset(tmp_path, "claims", body, kind="claims"))
    assert [(r.location, r.field, r.reason) for r in result.rejects] == [
        ("claims.csv:2", "market", "must be one of: " + ", ".join(MARKETS)),
        ("claims.csv:3", "proposition", "must be one of: leading, present, anecdote"),
        ("claims.csv:4", "proposition_words", "not words of the quote"),
        ("claims.csv:5", "stated_share_pct", "only a leading party states a share"),
        ("claims.csv:6", "stated_share_pct", "not a share above 0 and at most 100"),
        ("claims.csv:7", "region_m49", "not a UN M49 area name"),
        ("claims.csv:8", "region_m49", "a region judged against the data needs its UN M49 area"),
    ]
    # a party that is not a place can only be an anecdote
    (kept,) = result.tables["curated_claims"].to_pylist()
    assert (kept["region_label"], kept["proposition"]) == ("Western firms", "anecdote")
