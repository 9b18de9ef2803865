"""Published shares a user supplies: rows staged with their side and year, a clear reject for
each fault (the line and the field), and the YAML beside the file read as plain metadata only."""

from __future__ import annotations

from pathlib import Path

import pytest
from ingest import context, parse, rows

from pipeline.sources import fetchable, shares
from pipeline.sources.contract import SourceError
from pipeline.sources.meta import MetadataError

FIXTURES = Path(__file__).parents[1] / "fixtures" / "shares"
HEADER = "side,country,share_pct,year\n"


def write(tmp_path: Path, text: str, name: str = "shares.csv") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8", newline="")
    return path


def test_each_row_is_staged_with_its_side_country_and_year() -> None:
    parsed = parse("shares", FIXTURES / "oli_2016.csv")
    assert (parsed.records_in, parsed.records_ok, parsed.records_rejected) == (7, 7, 0)
    staged = rows(parsed, "shares_rows")
    # names and codes alike ("GB", "AUS", "IN", "États-Unis") through the reference tables
    assert [
        (r["line"], r["role"], r["country_code"], r["share_pct"], r["year"]) for r in staged
    ] == [
        (2, "buyer", "USA", 52.0, 2016),
        (3, "buyer", "GBR", 6.3, 2016),
        (4, "buyer", "IND", 5.9, 2016),
        (5, "buyer", "AUS", 5.7, 2016),
        (6, "seller", "IND", 24.0, 2017),
        (7, "seller", "BGD", 16.0, 2017),
        (8, "seller", "USA", 12.0, 2017),
    ]
    assert {(r["platform"], r["occupation"]) for r in staged} == {
        ("Online Labour Index", "unknown")
    }


@pytest.mark.bad_input
def test_each_fault_is_a_reject_naming_line_and_field() -> None:
    parsed = parse("shares", FIXTURES / "bad_rows.csv")
    assert (parsed.records_in, parsed.records_ok, parsed.records_rejected) == (9, 2, 7)
    found = {(r.location, r.field, r.value): r.reason for r in parsed.all_rejects()}
    assert set(found) == {
        ("bad_rows.csv:2", "share_pct", "52"),
        ("bad_rows.csv:3", "side", "employer"),
        ("bad_rows.csv:4", "share_pct", "124"),
        ("bad_rows.csv:5", "share_pct", "-16"),
        ("bad_rows.csv:6", "country", "Atlantis"),
        ("bad_rows.csv:7", "share_pct", "30"),
        ("bad_rows.csv:8", "share_pct", "20"),
    }
    assert "unknown side" in found[("bad_rows.csv:3", "side", "employer")]
    assert "between 0 and 100" in found[("bad_rows.csv:4", "share_pct", "124")]
    assert "between 0 and 100" in found[("bad_rows.csv:5", "share_pct", "-16")]
    assert "unknown country" in found[("bad_rows.csv:6", "country", "Atlantis")]
    # the buyers named add up to 52 + 30 + 20 = 102: every row of that side, file and total
    over = "the buyer shares of 2016 in bad_rows.csv add up to 102"
    for line, value in [(2, "52"), (7, "30"), (8, "20")]:
        assert found[(f"bad_rows.csv:{line}", "share_pct", value)].startswith(over)
    # the sellers left (Philippines 40, Pakistan 30) are kept
    assert [(r["country_code"], r["share_pct"]) for r in rows(parsed, "shares_rows")] == [
        ("PHL", 40.0),
        ("PAK", 30.0),
    ]


def test_a_side_within_rounding_of_100_is_kept(tmp_path: Path) -> None:
    # 60 + 40.4 = 100.4: published shares rounded one by one may pass 100 by a little
    path = write(tmp_path, HEADER + "buyer,US,60,2020\nbuyer,IN,40.4,2020\nbuyer,PK,0,2020\n")
    parsed = parse("shares", path)
    assert parsed.all_rejects() == []
    assert [r["share_pct"] for r in rows(parsed, "shares_rows")] == [60.0, 40.4, 0.0]


@pytest.mark.bad_input
def test_a_country_named_twice_for_one_side_is_counted_once(tmp_path: Path) -> None:
    body = "buyer,US,40,2020\nbuyer,India,10,2020\nbuyer,USA,40,2020\nseller,US,40,2020\n"
    parsed = parse("shares", write(tmp_path, HEADER + body))
    (reject,) = parsed.all_rejects()
    assert (reject.location, reject.field, reject.value) == ("shares.csv:4", "country", "USA")
    assert (
        reject.reason
        == "the buyer shares of 2020 name this country already on line 2 (counted once)"
    )
    # the same country on the other side is another figure
    assert [(r["role"], r["country_code"]) for r in rows(parsed, "shares_rows")] == [
        ("buyer", "USA"),
        ("buyer", "IND"),
        ("seller", "USA"),
    ]


@pytest.mark.bad_input
def test_a_second_set_of_shares_for_one_side_and_year_is_rejected(tmp_path: Path) -> None:
    path = write(
        tmp_path,
        "side,country,share_pct,year,occupation\n"
        "buyer,US,50,2020,\n"
        "buyer,US,70,2020,software development and technology\n"
        "buyer,IN,20,2020,Software development and technology\n"
        "buyer,IN,10,2021,software development and technology\n",
    )
    parsed = parse("shares", path)
    rejects = parsed.all_rejects()
    assert [(r.location, r.field, r.value) for r in rejects] == [
        ("shares.csv:3", "occupation", "software development and technology"),
        ("shares.csv:4", "occupation", "software development and technology"),
    ]
    assert "the set on line 2 (platform user data, occupation unknown) is the one loaded" in (
        rejects[0].reason
    )
    assert [(r["year"], r["occupation"]) for r in rows(parsed, "shares_rows")] == [
        (2020, "unknown"),
        (2021, "software development and technology"),
    ]


@pytest.mark.bad_input
def test_a_file_without_a_share_column_is_rejected_naming_it(tmp_path: Path) -> None:
    parsed = parse("shares", write(tmp_path, "side,country,year\nbuyer,US,2020\n"))
    assert [(r.location, r.field) for r in parsed.all_rejects()] == [("shares.csv:1", "share_pct")]
    assert parsed.records_ok == 0


def test_there_is_nothing_to_fetch(tmp_path: Path) -> None:
    with pytest.raises(SourceError, match="SOURCE=shares FROM="):
        shares.fetch(context("shares", tmp_path))


# -- the YAML beside the file -------------------------------------------------------------


def meta_of(text: str, where: Path = Path("oli.yaml")):
    base = fetchable()["shares"].meta
    return shares.dataset_meta(base, "oli.csv", shares.read_meta(text.encode(), str(where)), where)


def test_the_yaml_gives_citation_title_platform_market_and_unit() -> None:
    meta = meta_of(
        "title: OLI shares\ncitation: OII (2016)\nplatform: Upwork\nmarket: online_freelance"
        "\nunit:\n  buyer: vacancies\n  seller: workers\nnotes: Two marginals.\n"
    )
    assert (meta.source_id, meta.title, meta.citation, meta.platform_for()) == (
        "shares_oli",
        "OLI shares",
        "OII (2016)",
        "Upwork",
    )
    assert meta.notes == (
        "Two marginals. Market: online_freelance. Unit: buyers: vacancies; sellers: workers."
    )


def test_without_a_yaml_the_citation_is_a_default_and_a_note_says_so() -> None:
    base = fetchable()["shares"].meta
    meta = shares.dataset_meta(base, "oli.csv", None, base.path)
    assert meta.citation == "shares supplied by the user of this installation (oli.csv)"
    assert meta.notes is not None
    assert meta.notes.startswith(
        "No oli.yaml was imported beside oli.csv: the citation is a default"
    )


@pytest.mark.bad_input
@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("citation: !!python/object/apply:os.system [ls]\n", "line 1: the YAML tag"),
        ("citation: !!str OII\n", "line 1: the YAML tag 'tag:yaml.org,2002:str'"),
        ("title: &t OII\ncitation: *t\n", "line 1: YAML anchors and aliases"),
        ("citation: OII\ncolour: red\n", "unknown key(s) colour; a shares file's YAML takes"),
        ("citation: OII\nmax_mb: 900\n", "unknown key(s) max_mb"),
        ("source_id: curated_oli_shares\n", "source_id must be 'shares_oli'"),
        ("citation: [OII, 2016]\n", "citation must be text, not list"),
        ("citation: OII\nunit: {employer: vacancies}\n", "unit takes text, or buyer and seller"),
        ("- citation: OII\n", "expected a mapping of keys"),
        ("citation: OII\ncitation: [\n", "not readable as YAML"),
        ("", "got an empty file"),
    ],
)
def test_a_yaml_beyond_plain_metadata_is_refused_naming_the_file(text: str, message: str) -> None:
    with pytest.raises(MetadataError) as err:
        meta_of(text)
    assert str(err.value).startswith("oli.yaml: ")
    assert message in str(err.value)
