"""The checked-in country tables and the lookup built on them."""

from __future__ import annotations

import csv
import shutil
from collections import Counter
from pathlib import Path

import pytest
from shapely.geometry import Point

from pipeline.reference.countries import (
    CountryIndex,
    UnknownCountryError,
    country_index,
    normalise_name,
)
from pipeline.util import paths

REFERENCE = paths.ROOT / "data" / "reference"


@pytest.fixture(scope="module")
def index() -> CountryIndex:
    return country_index(REFERENCE)


def _rows(name: str) -> list[dict[str, str]]:
    with (REFERENCE / name).open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


@pytest.mark.parametrize(
    ("value", "code"),
    [
        ("UK", "GBR"),
        ("uk", "GBR"),
        ("U.S.A.", "USA"),
        ("United States", "USA"),
        ("the United States of America", "USA"),
        ("Hong Kong SAR", "HKG"),
        ("Hong Kong SAR, China", "HKG"),
        ("Korea", "KOR"),
        ("South Korea", "KOR"),
        ("North Korea", "PRK"),
        ("Swaziland", "SWZ"),
        ("Royaume-Uni", "GBR"),
        ("Royaume Uni", "GBR"),
        ("États-Unis", "USA"),
        ("etats unis", "USA"),
        ("Stati Uniti", "USA"),
        ("Filippine", "PHL"),
        ("Côte d'Ivoire", "CIV"),
        ("Cote D'Ivoire", "CIV"),
        ("Côte d’Ivoire", "CIV"),
        ("Ivory Coast", "CIV"),
        ("croatia (hrvatska)", "HRV"),
        ("Kosovo", "XKX"),
        ("XK", "XKX"),
        ("xkx", "XKX"),
        ("Niger", "NER"),
        ("Nigeria", "NGA"),
        ("in", "IND"),
        ("IND", "IND"),
        ("Türkiye", "TUR"),
        ("Turkey", "TUR"),
        ("NA", "NAM"),
        ("Congo", "COG"),
        ("DR Congo", "COD"),
        ("Congo, the Democratic Republic", "COD"),
        ("Lao People's Democratic Republ", "LAO"),
        ("Saint Vincent and the Grenadin", "VCT"),
        ("St. Kitts", "KNA"),
        ("Guinea-Bissau", "GNB"),
        ("Guinea Bissau", "GNB"),
        ("Trinidad & Tobago", "TTO"),
        ("  russia  ", "RUS"),
        ("Macédoine du Nord", "MKD"),
        ("Afrique du Sud", "ZAF"),
        ("Sudafrica", "ZAF"),
        ("Malesia", "MYS"),
        ("Malaisie", "MYS"),
        ("Taiwan", "TWN"),
        ("Northern Cyprus", "CYP"),
        ("CW", "CUW"),
    ],
)
def test_resolves_tricky_names(index: CountryIndex, value: str, code: str) -> None:
    assert index.resolve(value) == code


@pytest.mark.parametrize(
    "value", ["Unknown", "Atlantis", "Yugoslavia", "USSR", "Czechoslovakia", "Europe", "n/a", ""]
)
def test_does_not_guess(index: CountryIndex, value: str) -> None:
    with pytest.raises(UnknownCountryError) as caught:
        index.resolve(value)
    assert caught.value.value == value
    assert repr(value) in str(caught.value)
    assert index.try_resolve(value) is None


def test_non_strings_are_unknown(index: CountryIndex) -> None:
    with pytest.raises(UnknownCountryError):
        index.resolve(None)  # type: ignore[arg-type]
    assert index.try_resolve(float("nan")) is None  # type: ignore[arg-type]


def test_normalise_name() -> None:
    assert normalise_name("  The Côte d’Ivoire ") == "cote divoire"
    assert normalise_name("Bosnia & Herzegovina") == "bosnia and herzegovina"
    assert normalise_name("Korea, Rep.") == "korea rep"
    assert normalise_name("Guinea–Bissau") == normalise_name("guinea bissau")
    assert normalise_name("N/A") == "n a"  # never "na", which is Namibia


def test_every_alias_and_name_resolves_to_its_country(index: CountryIndex) -> None:
    wrong = [
        (row["alias"], row["country_code"], index.try_resolve(row["alias"]))
        for row in _rows("country_aliases.csv")
        if index.try_resolve(row["alias"]) != row["country_code"]
    ]
    assert wrong == []
    for code, country in index.countries.items():
        assert index.resolve(country.name) == code
        assert index.resolve(code) == code
        assert index.resolve(country.iso2.lower()) == code


def test_countries_table_is_complete(index: CountryIndex) -> None:
    rows = _rows("countries.csv")
    codes = [row["country_code"] for row in rows]
    assert len(codes) == len(set(codes)) == 250
    assert len({row["iso2"] for row in rows}) == 250
    assert {row["label_source"] for row in rows} <= {"polygon", "taxonomy", "manual"}
    assert index.countries["NAM"].iso2 == "NA"  # not read as missing
    assert index.countries["XKX"].iso2 == "XK"
    for row in rows:
        assert row["name"], row
        for field in ("lon", "lat"):
            assert len(row[field].split(".")[1]) <= 3, row
        assert -180 <= float(row["lon"]) <= 180
        assert -90 <= float(row["lat"]) <= 90
    assert index.countries["GBR"].name == "United Kingdom"
    assert index.countries["RUS"].name == "Russia"
    assert index.countries["KOR"].name == "South Korea"
    assert index.countries["GBR"].subregion == "Northern Europe"
    assert index.countries["USA"].region == "Americas"


def test_matches_iso_3166() -> None:
    pycountry = pytest.importorskip("pycountry")
    codes = {row["country_code"] for row in _rows("countries.csv")}
    assert codes == {c.alpha_3 for c in pycountry.countries} | {"XKX"}


def test_label_points_lie_in_their_country(index: CountryIndex) -> None:
    from pipeline.reference.geo import read_country_shapes

    shapes = read_country_shapes(paths.ROOT / "data" / "geo" / "world-50m.topo.json")
    outside = []
    for code, geom in zip(shapes["country_code"], shapes.geometry, strict=True):
        country = index.countries[code]
        if geom.distance(Point(country.lon, country.lat)) > 0.5:
            outside.append(code)
    assert outside == []
    # Every country with an outline has its label computed from it or set by hand.
    sources = {row["country_code"]: row["label_source"] for row in _rows("countries.csv")}
    assert {sources[code] for code in shapes["country_code"]} <= {"polygon", "manual"}


def test_label_points_known_places(index: CountryIndex) -> None:
    c = index.countries
    assert c["NOR"].lat < 71  # mainland, not Svalbard
    assert -125 < c["USA"].lon < -66 and 25 < c["USA"].lat < 49  # contiguous US
    assert -5 < c["FRA"].lon < 8.5 and 42 < c["FRA"].lat < 51  # metropolitan France
    assert 30 < c["RUS"].lon < 110 and 50 < c["RUS"].lat < 70
    assert 176 < c["FJI"].lon <= 180 and -19 < c["FJI"].lat < -16
    assert 166 < c["NZL"].lon < 179 and -47 < c["NZL"].lat < -34
    assert 103.6 < c["SGP"].lon < 104.1 and 1.2 < c["SGP"].lat < 1.5


def test_both_schemes_cover_every_country_once(index: CountryIndex) -> None:
    assert index.schemes() == ["un_m49_developed", "wb_high_income"]
    per_scheme = Counter((scheme, code) for scheme, code, _ in index.groups())
    assert set(per_scheme.values()) == {1}
    for scheme in index.schemes():
        assert {code for s, code in per_scheme if s == scheme} == set(index.countries)
    assert index.group_sources() == {
        "un_m49_developed": "ref_un_m49_developed",
        "wb_high_income": "ref_wb_income",
    }


def test_north_south_membership(index: CountryIndex) -> None:
    flags = {(scheme, code): north for scheme, code, north in index.groups()}
    developed = {code for (s, code), north in flags.items() if s == "un_m49_developed" and north}
    assert 40 <= len(developed) <= 60
    assert {"JPN", "AUS", "NZL", "CAN", "USA", "GBR", "FRA", "RUS", "XKX"} <= developed
    assert not {"IND", "CHN", "KOR", "PHL", "SGP", "MEX", "TUR"} & developed
    rich = {code for (s, code), north in flags.items() if s == "wb_high_income" and north}
    assert {"KOR", "SGP", "USA", "GBR", "JPN", "HKG"} <= rich
    assert not {"IND", "PHL", "PAK", "RUS", "UKR"} & rich
    assert flags[("wb_high_income", "VEN")] is None  # unclassified in this vintage
    assert flags[("wb_high_income", "IND")] is False


def _alias_file(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "aliases.csv"
    path.write_text(text, encoding="utf-8")
    return path


def test_source_aliases_extend_and_track_use(index: CountryIndex, tmp_path: Path) -> None:
    path = _alias_file(
        tmp_path,
        "alias,country_code,note\n"
        "Republic of Kosovo (UNSCR 1244),XKX,\n"
        "Antarctica,,not a country for this source\n"
        "Netherlands Antilles,,dissolved in 2010; split between CUW SXM BES\n"
        "Never Seen,ATA,\n",
    )
    extended = index.with_aliases(path)
    assert extended.resolve("republic of kosovo unscr 1244") == "XKX"
    with pytest.raises(UnknownCountryError, match="dissolved in 2010") as caught:
        extended.resolve("Netherlands Antilles")
    assert caught.value.value == "Netherlands Antilles"
    assert extended.unused_aliases() == ["Antarctica", "Never Seen"]
    assert extended.resolve("ATA") == "ATA"  # codes still work
    # The shared index is untouched.
    assert index.resolve("Antarctica") == "ATA"
    assert index.try_resolve("Republic of Kosovo (UNSCR 1244)") is None
    assert index.unused_aliases() == []


def test_source_aliases_cannot_repoint_a_country(index: CountryIndex, tmp_path: Path) -> None:
    with pytest.raises(ValueError, match="already means CHN"):
        index.with_aliases(_alias_file(tmp_path, "alias,country_code\nChina,TWN\n"))
    with pytest.raises(ValueError, match="unknown country_code"):
        index.with_aliases(_alias_file(tmp_path, "alias,country_code\nNarnia,NRN\n"))


def test_index_is_cached_per_directory(tmp_path: Path) -> None:
    assert country_index(REFERENCE) is country_index(REFERENCE)
    for name in ("countries.csv", "country_aliases.csv", "country_groups.csv"):
        shutil.copy(REFERENCE / name, tmp_path / name)
    assert country_index(tmp_path) is not country_index(REFERENCE)


def test_conflicting_alias_table_fails_to_load(tmp_path: Path) -> None:
    for name in ("countries.csv", "country_groups.csv"):
        shutil.copy(REFERENCE / name, tmp_path / name)
    (tmp_path / "country_aliases.csv").write_text(
        "alias,country_code,language,note\nNiger,NER,en,\nniger,NGA,en,\n", encoding="utf-8"
    )
    with pytest.raises(ValueError, match="already points to NER"):
        CountryIndex.load(tmp_path)


def test_generator_reproduces_checked_in_tables(tmp_path: Path) -> None:
    pytest.importorskip("pycountry")
    pytest.importorskip("hdx.location")
    from pipeline.reference.build import build

    for manual in REFERENCE.glob("manual_*.csv"):
        shutil.copy(manual, tmp_path / manual.name)
    build(tmp_path, paths.ROOT / "data" / "geo")
    for name in ("countries.csv", "country_aliases.csv", "country_groups.csv"):
        assert (tmp_path / name).read_bytes() == (REFERENCE / name).read_bytes(), name
