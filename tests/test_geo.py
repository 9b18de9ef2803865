"""Country outlines: complete, valid and safe to draw on a web map."""

from __future__ import annotations

import geopandas as gpd
import pytest
from shapely.geometry import MultiPolygon, Point, Polygon

from pipeline import paths
from pipeline.geo import fix_antimeridian, load_boundaries, load_land

TOPOJSON = paths.ROOT / "data" / "geo" / "world-50m.topo.json"
REFERENCE = paths.ROOT / "data" / "reference"


@pytest.fixture(scope="module")
def boundaries() -> gpd.GeoDataFrame:
    return load_boundaries(TOPOJSON, reference_dir=REFERENCE)


def _parts(geom: Polygon | MultiPolygon) -> list[Polygon]:
    return list(geom.geoms) if isinstance(geom, MultiPolygon) else [geom]


def _shape(frame: gpd.GeoDataFrame, code: str) -> Polygon | MultiPolygon:
    return frame.loc[frame["country_code"] == code, "geometry"].iloc[0]


def test_columns_and_crs(boundaries: gpd.GeoDataFrame) -> None:
    assert list(boundaries.columns) == ["country_code", "name", "geometry"]
    assert boundaries.crs.to_epsg() == 4326
    assert boundaries["country_code"].is_unique
    assert _shape(boundaries, "USA") is not None
    assert boundaries.set_index("country_code").loc["GBR", "name"] == "United Kingdom"


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


def test_land_is_valid_and_fixed() -> None:
    land = load_land(TOPOJSON)
    assert len(land) == 1 and land.crs.to_epsg() == 4326
    geom = land.geometry.iloc[0]
    assert geom.is_valid
    assert geom.contains(Point(-173.0, 65.5))  # Chukotka
    assert geom.contains(Point(0, -85))  # Antarctica kept in the land layer
    assert not geom.contains(Point(-30, 0))  # mid-Atlantic


def test_results_are_copies(boundaries: gpd.GeoDataFrame) -> None:
    first = load_boundaries(TOPOJSON, reference_dir=REFERENCE)
    first.loc[first.index[0], "name"] = "changed"
    again = load_boundaries(TOPOJSON, reference_dir=REFERENCE)
    assert again["name"].iloc[0] == boundaries["name"].iloc[0] != "changed"
