"""Curated datasets: every row is checked, and a bad row is a reject naming file, row and field."""

from __future__ import annotations

import textwrap
from pathlib import Path

import pytest

from pipeline.countries import country_index
from pipeline.sources import curated

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
    source, result = curated.parse(path, country_index())
    assert source.source_id == "curated_good"
    assert [(t.buyer_country_code, t.amount) for t in result.tallies] == [
        ("GBR", 6.3),
        (None, 93.7),
    ]
    assert result.tallies[1].region_label == "rest of world"
    assert result.tallies[0].platform == "Test platform"
    result.check_balance()


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
        + ",2016-05-01,2016-09-30,buyer,India,,,unknown,share_pct,5,,c,,\n",
    )
    _, result = curated.parse(path, country_index())
    found = {(r.location, r.field) for r in result.rejects}
    assert found == {
        ("bad.csv:2", "buyer_country"),
        ("bad.csv:3", "period_start"),
        ("bad.csv:4", "amount"),
        ("bad.csv:5", "occupation"),
        ("bad.csv:6", "amount"),
    }
    unknown = next(r for r in result.rejects if r.field == "buyer_country")
    assert unknown.value == "Atlantis" and "unknown country" in unknown.reason
    assert (result.records_in, result.records_ok, result.records_rejected) == (6, 1, 5)
    assert [t.buyer_country_code for t in result.tallies] == ["IND"]


def test_row_count_outside_expected_bounds_fails_loudly(tmp_path: Path) -> None:
    path = write_dataset(
        tmp_path,
        "few",
        TALLY_HEADER + ",2016-05-01,2016-09-30,buyer,India,,,unknown,share_pct,5,,c,,\n",
        lo=2,
        hi=5,
    )
    with pytest.raises(curated.CuratedError, match=r"few\.csv: 1 usable rows, outside"):
        curated.parse(path, country_index())


def test_missing_yaml_key_names_the_key(tmp_path: Path) -> None:
    (tmp_path / "x.yaml").write_text("source_id: curated_x\nkind: tallies\n", encoding="utf-8")
    with pytest.raises(curated.CuratedError, match=r"missing required key.*title"):
        curated.parse(tmp_path / "x.yaml", country_index())


def test_claim_rows_keep_regions_as_labels(tmp_path: Path) -> None:
    body = (
        "claim_id,role,country,region_label,statement,quote,quote_lang,platform,seed_file,"
        "cited_study\n"
        "C3,buyer,États-Unis,,Buyers in the North.,«les États-Unis»,fr,MTurk,004.txt,\n"
        "C3,seller,,Central America,Buyers in the North.,«l'Amérique centrale»,fr,MTurk,004.txt,\n"
        "C3,seller,Filippine,,Buyers in the North.,«Filippine»,it,MTurk,004.txt,\n"
    )
    path = write_dataset(tmp_path, "claims", body, kind="claims")
    _, result = curated.parse(path, country_index())
    assert [(c.role, c.country_code, c.region_label) for c in result.claims] == [
        ("buyer", "USA", None),
        ("seller", None, "Central America"),
        ("seller", "PHL", None),
    ]
