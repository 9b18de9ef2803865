"""Reads the OCHA Countries & Territories Taxonomy bundled with hdx-python-country.

The taxonomy carries the UN M49 region, sub-region and intermediate region, the World Bank
income group and a point per country; it is read straight from the package's CSV so no network
is involved.
"""

from __future__ import annotations

import csv
from dataclasses import dataclass
from pathlib import Path

# Name columns worth keeping as aliases, with the language they are in.
NAME_COLUMNS = {
    "Preferred Term": "en",
    "English Short": "en",
    "English Formal": "en",
    "M49 English": "en",
    "ISO Alt Term": "en",
    "DGACM Alt Term": "en",
    "HPC Tools Alt Term": "en",
    "RW Short Name": "en",
    "RW API Alt Term": "en",
    "French Short": "fr",
    "M49 French": "fr",
}


@dataclass(frozen=True)
class TaxonomyRow:
    code: str
    region: str
    subregion: str
    intermediate_region: str
    wb_income: str
    lat: float | None
    lon: float | None
    names: tuple[tuple[str, str, str], ...]  # (name, language, column)


def taxonomy_path() -> Path:
    import hdx.location

    folder = Path(hdx.location.__file__).parent
    found = sorted(folder.glob("*Taxonomy*.csv"))
    if len(found) != 1:
        raise FileNotFoundError(f"expected one taxonomy CSV in {folder}, found {found}")
    return found[0]


def _float(text: str) -> float | None:
    return float(text) if text.strip() else None


def read_taxonomy(path: Path | None = None) -> dict[str, TaxonomyRow]:
    """Rows keyed by alpha-3 (the ISO column, else the 'x Alpha3 codes' column, e.g. XKX)."""
    path = path or taxonomy_path()
    rows: dict[str, TaxonomyRow] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            code = row["ISO 3166-1 Alpha 3-Codes"] or row["x Alpha3 codes"]
            if not code:
                continue
            names = tuple(
                (row[column].strip(), language, column)
                for column, language in NAME_COLUMNS.items()
                if row[column].strip()
            )
            rows[code] = TaxonomyRow(
                code=code,
                region=row["Region Name"].strip(),
                subregion=row["Sub-region Name"].strip(),
                intermediate_region=row["Intermediate Region Name"].strip(),
                wb_income=row["World Bank Income Level"].strip(),
                lat=_float(row["Latitude"]),
                lon=_float(row["Longitude"]),
                names=names,
            )
    return rows
