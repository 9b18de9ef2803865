"""data/reference/population.csv: read back checked, with errors that name file, row and field."""

from __future__ import annotations

from pathlib import Path

import pytest

from pipeline.reference.population import (
    HEADER,
    PopulationFileError,
    read_populations,
)
from pipeline.util import paths


def test_the_shipped_populations_are_world_bank_2019_figures() -> None:
    rows = {r.country_code: r for r in read_populations(paths.reference_dir(), KNOWN)}
    assert len(rows) == 216
    # SP.POP.TOTL 2019 as the World Bank published it in mid-2020
    assert rows["IND"].population == 1_366_417_754
    assert rows["USA"].population == 328_239_523
    assert {r.year for r in rows.values()} == {2019}
    assert {r.source for r in rows.values()} == {"ref_wb_population"}
    assert "TWN" not in rows  # no World Bank figure: the map says so


KNOWN = {
    line.split(",", 1)[0]
    for line in (paths.reference_dir() / "countries.csv").read_text().splitlines()[1:]
}


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("ZZZ,100,2019,ref", "population.csv:3: country_code 'ZZZ' is not a country"),
        ("IND,-5,2019,ref", "population.csv:3: population '-5' is not a positive whole number"),
        ("IND,0,2019,ref", "population.csv:3: population '0' is not a positive whole number"),
        ("IND,12,,ref", "population.csv:3: year '' is not a positive whole number"),
        ("USA,12,2019,ref", "population.csv:3: country_code 'USA' is repeated"),
        ("IND,12,2019,", "population.csv:3: source is empty"),
    ],
)
def test_a_bad_row_is_refused_by_file_row_and_field(tmp_path: Path, row: str, message: str) -> None:
    (tmp_path / "population.csv").write_text(",".join(HEADER) + "\nUSA,1,2019,ref\n" + row + "\n")
    with pytest.raises(PopulationFileError, match=message):
        read_populations(tmp_path, KNOWN)
