"""Country outlines: complete, valid and safe to draw on a web map."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import MultiPolygon, Point, Polygon

from pipeline.reference.countries import country_index
from pipeline.reference.geo import fix_antimeridian, read_country_shapes
from pipeline.util import paths

TOPOJSON = paths.ROOT / "data" / "geo" / "world-50m.topo.json"
REFERENCE = paths.ROOT / "data" / "reference"


@pytest.fixture(scope="module")
def boundaries() -> gpd.GeoDataFrame:
    return read_country_shapes(TOPOJSON)


def _parts(geom: Polygon | MultiPolygon) -> list[Polygon]:
    return list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]


def _shape(frame: gpd.GeoDataFrame, code: str) -> Polygon | MultiPolygon:
    return frame.loc[frame["country_code"] == code, "geometry"].iloc[0]


def test_columns_and_crs(boundaries: gpd.GeoDataFrame) -> None:
    assert list(boundaries.columns) == ["country_code", "geometry"]
    assert boundaries.crs.to_epsg() == 4326
    assert boundaries["country_code"].is_unique
    assert _shape(boundaries, "USA") is not None
    # every outline is a country of the reference tables, so tooltips can name it
    assert set(boundaries["country_code"]) <= set(country_index(REFERENCE).countries)


def test_has_small_and_disputed_places(boundaries: gpd.GeoDataFrame) -> None:
    codes = set(boundaries["country_code"])
    assert {"SGP", "HKG", "MAC", "TWN", "XKX", "RUS", "FJI", "TUV", "MLT", "BHR"} <= codes
    # Non-ISO features are folded into their ISO country or dropped, never kept.
    assert not {"SOL", "CYN", "KAS", "IOA", "ATC", "ATA"} & codes
    assert all(len(code) == 3 and code.isupper() for code in codes)
    assert len(codes) > 230
    assert _shape(boundaries, "SOM").contains(Point(44.06, 9.56))  # Hargeisa
    assert _shape(boundaries, "CYP").contains(Point(33.32, 35.30))  # Kyrenia


def test_all_valid_polygons(boundaries: gpd.GeoDataFrame) -> None:
    assert boundaries.geometry.is_valid.all()
    assert set(boundaries.geom_type) <= {"Polygon", "MultiPolygon"}
    assert not boundaries.geometry.is_empty.any()


def test_no_part_crosses_the_antimeridian(boundaries: gpd.GeoDataFrame) -> None:
    too_wide = [
        code
        for code, geom in zip(boundaries["country_code"], boundaries.geometry, strict=True)
        if any(part.bounds[2] - part.bounds[0] > 180 for part in _parts(geom))
    ]
    assert too_wide == []
    assert boundaries.total_bounds[0] >= -180 and boundaries.total_bounds[2] <= 180


def test_russia_and_fiji_keep_both_sides(boundaries: gpd.GeoDataFrame) -> None:
    russia = _shape(boundaries, "RUS")
    assert russia.contains(Point(37.6, 55.75))  # Moscow
    assert russia.contains(Point(-173.0, 65.5))  # Chukotka, east of 180
    assert russia.contains(Point(-179.5, 71.3))  # Wrangel Island straddles 180
    assert russia.contains(Point(179.5, 71.3))
    fiji = _shape(boundaries, "FJI")
    assert fiji.contains(Point(178.0, -17.8))  # Viti Levu
    assert fiji.bounds[0] < -178 and fiji.bounds[2] > 179.9


def test_fix_antimeridian_splits_a_crossing_ring() -> None:
    crossing = Polygon([(170, 0), (-170, 0), (-170, 10), (170, 10)])
    assert crossing.bounds[2] - crossing.bounds[0] == 340
    fixed = fix_antimeridian(crossing)
    parts = sorted(_parts(fixed), key=lambda p: p.bounds[0])
    assert [tuple(round(v) for v in p.bounds) for p in parts] == [
        (-180, 0, -170, 10),
        (170, 0, 180, 10),
    ]
    assert fixed.area == pytest.approx(200)


def test_fix_antimeridian_closes_a_ring_around_the_pole() -> None:
    # A cap around the South Pole, as TopoJSON stores Antarctica: one ring from -180 to 180.
    ring = [(-180, -70), (-90, -72), (0, -70), (90, -72), (179, -70)]
    fixed = fix_antimeridian(Polygon(ring))
    assert fixed.is_valid
    assert fixed.contains(Point(0, -89))
    assert not fixed.contains(Point(0, -60))
    assert fixed.bounds[1] == -90


def test_fix_antimeridian_leaves_ordinary_shapes_alone() -> None:
    square = Polygon([(0, 0), (1, 0), (1, 1), (0, 1)])
    assert fix_antimeridian(square).equals(square)


def test_results_are_copies(boundaries: gpd.GeoDataFrame) -> None:
    first = read_country_shapes(TOPOJSON)
    first.loc[first.index[0], "country_code"] = "changed"
    again = read_country_shapes(TOPOJSON)
    assert again["country_code"].iloc[0] == boundaries["country_code"].iloc[0] != "changed"
