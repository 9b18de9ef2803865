"""Writes countries.csv, country_groups.csv and country_aliases.csv in data/reference/.

Run: ``python -m pipeline.reference.build``. Inputs: pycountry (ISO 3166-1 codes, names and
French/Italian translations), the OCHA taxonomy bundled with hdx-python-country (M49 regions,
World Bank income group, fallback points), the boundaries in data/geo/ (label points), and the
hand-made ``data/reference/manual_*.csv`` files, which hold every decision taken by hand.
"""

from __future__ import annotations

import argparse
import csv
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pipeline.reference.aliases import Alias, assemble, pycountry_aliases
from pipeline.reference.countries import ALIASES_FILE, COUNTRIES_FILE, GROUPS_FILE
from pipeline.reference.geo import BOUNDARIES_FILE, read_country_shapes
from pipeline.reference.labels import label_point, largest_parts
from pipeline.reference.taxonomy import TaxonomyRow, read_taxonomy
from pipeline.util import paths


@dataclass
class CountryRow:
    country_code: str
    iso2: str
    iso_numeric: str
    name: str
    region: str = ""
    subregion: str = ""
    intermediate_region: str = ""
    lon: float = 0.0
    lat: float = 0.0
    label_source: str = ""

    def as_csv(self) -> list[object]:
        head = [self.country_code, self.iso2, self.iso_numeric, self.name, self.region]
        regions = [self.subregion, self.intermediate_region]
        return [*head, *regions, f"{self.lon:.3f}", f"{self.lat:.3f}", self.label_source]


def _read(path: Path) -> list[dict[str, str]]:
    with path.open(newline="", encoding="utf-8") as handle:
        return list(csv.DictReader(handle))


def _write(path: Path, header: list[str], rows: Iterable[Sequence[object]]) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(header)
        writer.writerows(rows)
    tmp.replace(path)


def base_countries(reference_dir: Path) -> tuple[list[CountryRow], list[Any]]:
    """ISO 3166-1 entries plus manual_countries.csv, with display names applied."""
    import pycountry

    iso = list(pycountry.countries)
    names = {r["country_code"]: r["name"] for r in _read(reference_dir / "manual_names.csv")}
    rows = [
        CountryRow(
            country_code=c.alpha_3,
            iso2=c.alpha_2,
            iso_numeric=c.numeric,
            name=names.get(c.alpha_3) or getattr(c, "common_name", None) or c.name,
        )
        for c in iso
    ]
    for extra in _read(reference_dir / "manual_countries.csv"):
        rows.append(
            CountryRow(extra["country_code"], extra["iso2"], extra["iso_numeric"], extra["name"])
        )
    unknown = set(names) - {r.country_code for r in rows}
    if unknown:
        raise ValueError(f"manual_names.csv names unknown codes: {sorted(unknown)}")
    return sorted(rows, key=lambda r: r.country_code), iso


def add_regions(rows: list[CountryRow], taxonomy: dict[str, TaxonomyRow]) -> None:
    missing = [r.country_code for r in rows if r.country_code not in taxonomy]
    if missing:
        raise ValueError(f"codes missing from the taxonomy: {missing}")
    for row in rows:
        row.region = taxonomy[row.country_code].region
        row.subregion = taxonomy[row.country_code].subregion
        row.intermediate_region = taxonomy[row.country_code].intermediate_region


def add_label_points(
    rows: list[CountryRow], taxonomy: dict[str, TaxonomyRow], reference_dir: Path, geo_dir: Path
) -> None:
    shapes = read_country_shapes(geo_dir / BOUNDARIES_FILE)
    strays = set(shapes["country_code"]) - {r.country_code for r in rows}
    if strays:
        raise ValueError(f"boundary codes that are not in the country list: {sorted(strays)}")
    parts = largest_parts(shapes)
    manual = {r["country_code"]: r for r in _read(reference_dir / "manual_label_points.csv")}
    for row in rows:
        code = row.country_code
        point = taxonomy[code]
        if code in manual:
            lon, lat = float(manual[code]["lon"]), float(manual[code]["lat"])
            row.label_source = "manual"
        elif code in parts:
            label = label_point(parts[code])
            lon, lat = label.x, label.y
            row.label_source = "polygon"
        elif point.lat is not None and point.lon is not None:
            # The taxonomy stores some longitudes past 180 (Fiji at 195).
            lon, lat = (point.lon + 180) % 360 - 180, point.lat
            row.label_source = "taxonomy"
        else:
            raise ValueError(f"{code}: no outline, no taxonomy point; add it to manual points")
        row.lon, row.lat = round(lon, 3), round(lat, 3)


def classify(
    rows: list[CountryRow], taxonomy: dict[str, TaxonomyRow], reference_dir: Path
) -> list[tuple[str, str, bool | None, str]]:
    """(scheme, country_code, is_north, source_id): first matching rule per scheme wins."""
    rules = _read(reference_dir / "manual_group_rules.csv")
    schemes = list(dict.fromkeys(rule["scheme"] for rule in rules))
    out: list[tuple[str, str, bool | None, str]] = []
    for scheme in schemes:
        scheme_rules = [rule for rule in rules if rule["scheme"] == scheme]
        for row in rows:
            fields = {
                "country_code": row.country_code,
                "region": row.region,
                "subregion": row.subregion,
                "wb_income": taxonomy[row.country_code].wb_income,
            }
            match = next(
                (r for r in scheme_rules if r["field"] == "*" or fields[r["field"]] == r["value"]),
                None,
            )
            if match is None:
                raise ValueError(f"{scheme}: no rule matches {row.country_code} ({fields})")
            flag = {"true": True, "false": False, "": None}[match["is_north"]]
            out.append((scheme, row.country_code, flag, match["source_id"]))
    return out


def collect_aliases(
    rows: list[CountryRow],
    iso: list[object],
    taxonomy: dict[str, TaxonomyRow],
    reference_dir: Path,
) -> tuple[list[Alias], list[str]]:
    known = {r.country_code for r in rows}
    manual = [
        Alias(r["alias"], r["country_code"], r["language"], r["note"] or "hand-curated", True)
        for r in _read(reference_dir / "manual_aliases.csv")
    ]
    stray = sorted({a.country_code for a in manual} - known)
    if stray:
        raise ValueError(f"manual_aliases.csv points to unknown codes: {stray}")
    candidates = [*manual, *(Alias(r.name, r.country_code, "en", "atlas name") for r in rows)]
    candidates += pycountry_aliases(iso)
    for code in sorted(known & set(taxonomy)):
        candidates += [
            Alias(name, code, language, f"OCHA taxonomy: {column}")
            for name, language, column in taxonomy[code].names
        ]
    codes = {r.country_code.lower(): r.country_code for r in rows}
    codes.update({r.iso2.lower(): r.country_code for r in rows})
    return assemble(candidates, codes)


def build(reference_dir: Path | None = None, geo_dir: Path | None = None) -> dict[str, Any]:
    """Writes the three tables and returns a summary of what went in."""
    reference_dir = reference_dir or paths.reference_dir()
    geo_dir = geo_dir or paths.geo_dir()
    taxonomy = read_taxonomy()
    rows, iso = base_countries(reference_dir)
    add_regions(rows, taxonomy)
    add_label_points(rows, taxonomy, reference_dir, geo_dir)
    groups = classify(rows, taxonomy, reference_dir)
    aliases, overridden = collect_aliases(rows, iso, taxonomy, reference_dir)

    _write(
        reference_dir / COUNTRIES_FILE,
        [*CountryRow.__dataclass_fields__],
        (r.as_csv() for r in rows),
    )
    text = {True: "true", False: "false", None: ""}
    _write(
        reference_dir / GROUPS_FILE,
        ["scheme", "country_code", "is_north", "source_id"],
        ([s, c, text[flag], source] for s, c, flag, source in groups),
    )
    _write(
        reference_dir / ALIASES_FILE,
        ["alias", "country_code", "language", "note"],
        ([a.alias, a.country_code, a.language, a.note] for a in aliases),
    )
    north = Counter((s, flag) for s, _, flag, _ in groups)
    return {
        "countries": len(rows),
        "aliases": len(aliases),
        "label_sources": dict(Counter(r.label_source for r in rows)),
        "groups": {f"{s} is_north={flag}": n for (s, flag), n in sorted(north.items(), key=str)},
        "overridden": overridden,
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--reference-dir", type=Path, default=None)
    parser.add_argument("--geo-dir", type=Path, default=None)
    args = parser.parse_args(argv)
    summary = build(args.reference_dir, args.geo_dir)
    for key, value in summary.items():
        if key == "overridden":
            print(f"{key}: {len(value)} generated names set aside by manual decisions")
            for line in value:
                print(f"  {line}")
        else:
            print(f"{key}: {value}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
