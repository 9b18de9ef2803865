"""Countries' populations: data/reference/population.csv, written from the World Bank's
SP.POP.TOTL as the PyPI package pypopulation ships it, and read back for core__populations.

Write it: ``pip download pypopulation==2020.3 --no-deps -d /tmp/pp`` then
``python -m pipeline.reference.population /tmp/pp/pypopulation-2020.3-py3-none-any.whl``.
The wheel is read as a zip file (its ``pypopulation/resources/countries.json``); the package
is never installed. Only countries of data/reference/countries.csv are kept, so every row
joins core__countries.
"""

from __future__ import annotations

import argparse
import csv
import json
import zipfile
from dataclasses import dataclass
from pathlib import Path

from pipeline.util import paths

POPULATION_FILE = "population.csv"
HEADER = ["country_code", "population", "year", "source"]
SOURCE_ID = "ref_wb_population"
# pypopulation 2020.3 took SP.POP.TOTL on 2020-07-01, when 2019 was its latest year
# (India 1,366,417,754; the United States 328,239,523: the World Bank's 2019 figures).
YEAR = 2019
WHEEL_MEMBER = "pypopulation/resources/countries.json"


class PopulationFileError(ValueError):
    """A row of population.csv that cannot be used; the message names file, row and field."""


@dataclass(frozen=True)
class Population:
    country_code: str
    population: int
    year: int
    source: str


def from_wheel(wheel: Path, known: set[str]) -> list[Population]:
    """The populations of the ``known`` countries in pypopulation's wheel, by code."""
    with zipfile.ZipFile(wheel) as archive:
        entries = json.loads(archive.read(WHEEL_MEMBER).decode("utf-8"))
    out = []
    for number, entry in enumerate(entries):
        code, people = entry.get("Alpha_3"), entry.get("Population")
        if not isinstance(people, int) or people <= 0:
            where = f"{wheel}:{WHEEL_MEMBER}[{number}]"
            raise PopulationFileError(f"{where}: Population {people!r} is not a positive count")
        if code in known:
            out.append(Population(code, people, YEAR, SOURCE_ID))
    return sorted(out, key=lambda p: p.country_code)


def write(path: Path, rows: list[Population]) -> None:
    tmp = path.with_suffix(".tmp")
    with tmp.open("w", newline="", encoding="utf-8") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(HEADER)
        writer.writerows((r.country_code, r.population, r.year, r.source) for r in rows)
    tmp.replace(path)


def read_populations(reference_dir: Path, known: set[str]) -> list[Population]:
    """population.csv, checked: one row per known country, a positive whole population."""
    path = reference_dir / POPULATION_FILE
    with path.open(newline="", encoding="utf-8") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames != HEADER:
            raise PopulationFileError(f"{path}: the header must be {','.join(HEADER)}")
        rows, seen = [], set()
        for line, row in enumerate(reader, start=2):
            code = row["country_code"]
            if code not in known:
                raise PopulationFileError(f"{path}:{line}: country_code {code!r} is not a country")
            if code in seen:
                raise PopulationFileError(f"{path}:{line}: country_code {code!r} is repeated")
            seen.add(code)
            for name in ("population", "year"):
                if not row[name].isdigit() or int(row[name]) <= 0:
                    raise PopulationFileError(
                        f"{path}:{line}: {name} {row[name]!r} is not a positive whole number"
                    )
            if not row["source"]:
                raise PopulationFileError(f"{path}:{line}: source is empty")
            rows.append(Population(code, int(row["population"]), int(row["year"]), row["source"]))
    return rows


def main(argv: list[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("wheel", type=Path, help="pypopulation-2020.3-py3-none-any.whl")
    parser.add_argument("--out", type=Path, default=paths.reference_dir())
    args = parser.parse_args(argv)
    with (args.out / "countries.csv").open(newline="", encoding="utf-8") as handle:
        known = {row["country_code"] for row in csv.DictReader(handle)}
    rows = from_wheel(args.wheel, known)
    write(args.out / POPULATION_FILE, rows)
    print(f"{len(rows)} countries written to {args.out / POPULATION_FILE}")


if __name__ == "__main__":
    main()
