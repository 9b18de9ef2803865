"""Country outlines kept in data/cache: the same outlines as computed, computed again when the
file is damaged or the boundaries change, and never a reason for the maps to fail."""

from __future__ import annotations

import shutil
from pathlib import Path

import numpy as np
import pytest

from pipeline.render import shapes
from pipeline.util import paths


@pytest.fixture()
def data(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("ATLAS_DATA", str(tmp_path / "data"))
    shapes.country_shapes.cache_clear()
    yield tmp_path / "data"
    shapes.country_shapes.cache_clear()


def same(a: shapes.CountryShapes, b: shapes.CountryShapes) -> bool:
    if list(a.polygons) != list(b.polygons):
        return False
    for code, polys in a.polygons.items():
        other = b.polygons[code]
        if [len(p) for p in polys] != [len(p) for p in other]:
            return False
        for poly, twin in zip(polys, other, strict=True):
            if not all(np.array_equal(r, t) for r, t in zip(poly, twin, strict=True)):
                return False
    return True


def test_kept_outlines_are_the_computed_ones(data: Path) -> None:
    computed = shapes.compute_country_shapes(11.0)
    first = shapes.country_shapes(11.0)
    kept = shapes.cache_file(11.0)
    assert kept.parent == data / "cache" and kept.is_file()
    shapes.country_shapes.cache_clear()
    again = shapes.country_shapes(11.0)  # read from the file this time
    assert same(first, computed) and same(again, computed)
    assert len(again.polygons) > 200 and again.polygons["IND"][0][0].shape[1] == 2
    # another centre is another file; only the newest is kept
    assert shapes.cache_file(150.0) != kept
    shapes.country_shapes(150.0)
    assert [p.name for p in (data / "cache").iterdir()] == [shapes.cache_file(150.0).name]


def test_a_damaged_file_is_computed_again_and_replaced(data: Path) -> None:
    kept = shapes.cache_file(11.0)
    kept.parent.mkdir(parents=True)
    kept.write_bytes(b"PK\x03\x04 not an archive")
    drawn = shapes.country_shapes(11.0)
    assert same(drawn, shapes.compute_country_shapes(11.0))
    shapes.country_shapes.cache_clear()
    assert same(shapes.country_shapes(11.0), drawn)  # the file was written again, whole


def test_changed_boundaries_change_the_key(data: Path, monkeypatch) -> None:
    before = shapes.cache_file(11.0)
    geo = data / "geo"
    shutil.copytree(paths.SHIPPED / "data" / "geo", geo)
    assert shapes.cache_file(11.0) == before  # the same files, wherever they are
    with (geo / "feature_codes.csv").open("a", encoding="utf-8") as handle:
        handle.write("XXX,\n")
    assert shapes.cache_file(11.0) != before


def test_a_cache_that_cannot_be_written_only_costs_time(data: Path) -> None:
    # a file where the folder should be: no write can succeed there, whoever runs the maps
    data.mkdir()
    (data / "cache").write_text("not a folder", encoding="utf-8")
    drawn = shapes.country_shapes(11.0)
    assert same(drawn, shapes.compute_country_shapes(11.0))
    assert (data / "cache").read_text(encoding="utf-8") == "not a folder"
