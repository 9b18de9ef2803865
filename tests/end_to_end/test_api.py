"""`from pipeline import atlas`: what a notebook user gets, checked against a user table whose
figures are worked out by hand below, on top of the shipped data."""

from __future__ import annotations

import csv
import html
import json
import os
import re
import shutil
import subprocess
from pathlib import Path

import duckdb
import geopandas as gpd
import numpy as np
import pandas as pd
import polars as pl
import pyarrow as pa
import pytest
import shapely
from pyproj import Geod

from pipeline import atlas
from pipeline.build.run import build_database
from pipeline.commands.fetch import run_fetch
from pipeline.render.curves import route, sample
from pipeline.render.projection import WorldProjection
from pipeline.util import paths

# Under un_m49_developed the United States, the United Kingdom, Germany and France are North,
# India and the Philippines South.
TABLE = """buyer_country,seller_country,count,year,occupation
United States,India,120,2019,software development and technology
United States,India,30,2019,writing and translation
United Kingdom,Philippines,40,2019,
Germany,France,10,2019,
India,India,5,2019,
Philippines,United States,8,2019,
"""
# seller -> buyer: tasks, direction (occupations summed; India -> India is domestic work)
CROSS_BORDER = {
    ("IND", "USA"): (150.0, "south_to_north"),
    ("PHL", "GBR"): (40.0, "south_to_north"),
    ("FRA", "DEU"): (10.0, "north_to_north"),
    ("USA", "PHL"): (8.0, "north_to_south"),
}
# bought (as buyer, domestic work included), sold (as seller, domestic included)
BALANCE = {
    "USA": (150.0, 8.0),
    "IND": (5.0, 155.0),
    "PHL": (8.0, 40.0),
    "GBR": (40.0, 0.0),
    "DEU": (10.0, 0.0),
    "FRA": (0.0, 10.0),
}


@pytest.fixture(scope="module")
def db(tmp_path_factory: pytest.TempPathFactory) -> Path:
    root = tmp_path_factory.mktemp("api")
    table = root / "my flows.csv"
    table.write_text(TABLE, encoding="utf-8")
    with pytest.MonkeyPatch.context() as env:
        env.setenv("ATLAS_RAW", str(root / "raw"))
        assert run_fetch("csv", table, None, out=lambda _: None) == 0
    path = root / "atlas.duckdb"
    build_database(path, raw_root=root / "raw", staging_root=root / "staging")
    return path


def test_flows_by_direction_are_the_table_rows(db: Path) -> None:
    df = atlas.flows(source="csv", year=2019, direction="south_to_north", db=db)
    assert isinstance(df, pd.DataFrame)
    got = df.groupby(["seller_country_code", "buyer_country_code"]).tasks.sum().to_dict()
    assert got == {("IND", "USA"): 150.0, ("PHL", "GBR"): 40.0}
    # one row per occupation: India -> United States is two rows
    assert sorted(df[df.seller_country_code == "IND"].occupation) == [
        "software development and technology",
        "writing and translation",
    ]
    assert set(df.seller_name) == {"India", "Philippines"}
    assert set(df.method) == {"observed"}
    everything = atlas.flows(source="csv", db=db)
    assert everything.tasks.sum() == 120 + 30 + 40 + 10 + 5 + 8
    domestic = everything[everything.buyer_country_code == everything.seller_country_code]
    assert domestic[["seller_country_code", "tasks", "direction"]].values.tolist() == [
        ["IND", 5.0, "south_to_south"]
    ]


def test_arrow_and_polars_on_request_hold_the_same_rows(db: Path) -> None:
    frame = atlas.flows(source="csv", year=2019, db=db)
    arrow = atlas.flows(source="csv", year=2019, output="arrow", db=db)
    polars = atlas.flows(source="csv", year=2019, output="polars", db=db)
    assert isinstance(arrow, pa.Table) and isinstance(polars, pl.DataFrame)
    assert arrow.num_rows == polars.height == len(frame) == 6
    assert arrow.column("tasks").to_pylist() == polars["tasks"].to_list() == list(frame.tasks)


def test_balance_is_bought_sold_and_net(db: Path) -> None:
    df = atlas.balance(source="csv", year=2019, db=db)
    got = {r.country_code: (r.tasks_bought, r.tasks_sold, r.net_sold) for r in df.itertuples()}
    assert got == {code: (b, s, s - b) for code, (b, s) in BALANCE.items()}
    # largest net seller first
    assert list(df.country_code[:2]) == ["IND", "PHL"]


def test_query_takes_saved_names_sql_and_bound_parameters(db: Path) -> None:
    shares = atlas.query("south_to_north", db=db)
    csv_share = shares[(shares.source_id == "csv") & (shares.scheme == "un_m49_developed")]
    # (150 + 40) of all 213 tasks (India's 5 at home included)
    assert csv_share.south_to_north_pct.round(1).tolist() == [round(100 * 190 / 213, 1)]
    sql = (
        "select sum(tasks) as n from out__flows "
        "where source_id = 'csv' and seller_country_code = $c"
    )
    assert atlas.query(sql, c="IND", db=db).n.tolist() == [155.0]
    # a value is bound, never pasted into the SQL
    assert atlas.query(sql, c="IND' or true --", db=db).n.isna().all()
    profile = atlas.query("country_profile", country="Philippines", db=db)
    assert len(profile) and set(profile.columns) >= {"source_id"}
    with pytest.raises(ValueError, match=r"needs country=…"):
        atlas.query("country_profile", db=db)
    with pytest.raises(ValueError, match=r"no parameter countryy; it takes: country"):
        atlas.query("country_profile", countryy="PHL", db=db)
    with pytest.raises(ValueError, match=r"no saved query 'south_to_nrth'; saved queries: "):
        atlas.query("south_to_nrth", db=db)


def test_unknown_choices_say_what_there_is(db: Path) -> None:
    with pytest.raises(ValueError, match=r"for source 'csvv'; sources: .*csv"):
        atlas.flows(source="csvv", db=db)
    with pytest.raises(ValueError, match=r"for year 2018; years: 2019"):
        atlas.balance(source="csv", year=2018, db=db)
    with pytest.raises(ValueError, match=r"schemes: un_m49_developed, wb_high_income"):
        atlas.flows(scheme="oecd", db=db)
    with pytest.raises(ValueError, match=r"'writing and translation'"):
        atlas.flows(occupation="data entry", db=db)
    with pytest.raises(atlas.DatabaseUnavailable, match=r"no database at .*; build it first"):
        atlas.flows(db=db.parent / "none.duckdb")


def test_flow_lines_are_the_drawn_curves(db: Path) -> None:
    lines = atlas.flow_lines(source="csv", year=2019, db=db)
    assert isinstance(lines, gpd.GeoDataFrame) and lines.crs.to_epsg() == 4326
    got = {
        (r.seller_country_code, r.buyer_country_code): (r.tasks, r.direction)
        for r in lines.itertuples()
    }
    assert got == CROSS_BORDER
    assert list(lines.tasks) == [150.0, 40.0, 10.0, 8.0]  # largest first
    # a share of the source's whole work that year, India's domestic 5 included:
    # 120 + 30 + 40 + 10 + 5 + 8 = 213
    assert lines.share_pct.iloc[0] == pytest.approx(100 * 150 / 213)
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("select country_code, lon, lat from core__countries").fetchall()
    points = {c: (lon, lat) for c, lon, lat in rows}
    con.close()
    proj = WorldProjection()
    for r in lines.itertuples():
        parts = list(getattr(r.geometry, "geoms", [r.geometry]))
        # from the seller's label point to the buyer's
        assert parts[0].coords[0] == pytest.approx(points[r.seller_country_code], abs=1e-6)
        assert parts[-1].coords[-1] == pytest.approx(points[r.buyer_country_code], abs=1e-6)
        # in the map's projection every vertex lies on the curve the map draws
        drawn = route(proj, points[r.seller_country_code], points[r.buyer_country_code])
        curve = shapely.MultiLineString([sample(piece, 400) for piece in drawn.pieces])
        on_map = lines[lines.index == r.Index].to_crs(atlas.map_crs()).geometry.iloc[0]
        vertices = shapely.get_coordinates(on_map) / 100_000.0
        far = max(shapely.distance(curve, shapely.Point(v)) for v in vertices)
        assert far < 0.01  # map units of 100 km: within 1 km of the drawn curve
    # the United States -> the Philippines is shorter across the Pacific: the map cuts it at
    # its edge (169° W, each piece ending 0.05° inside) and GeoJSON at the 180th meridian,
    # three pieces in all
    usa_phl = lines[lines.seller_country_code == "USA"].iloc[0]
    assert usa_phl.route == "across the Pacific"
    pieces = list(usa_phl.geometry.geoms)
    assert len(pieces) == 3
    assert all(-180 <= x <= 180 for p in pieces for x, _ in p.coords)
    ends = sorted(round(abs(x), 2) for p in pieces for x in (p.coords[0][0], p.coords[-1][0]))
    assert ends[2:] == [168.95, 169.05, 180.0, 180.0]
    top = atlas.flow_lines(source="csv", year=2019, top_n=2, db=db)
    assert list(top.tasks) == [150.0, 40.0]


def test_country_points_and_polygons_carry_the_balance(db: Path) -> None:
    points = atlas.country_points(source="csv", year=2019, db=db)
    polygons = atlas.country_polygons(source="csv", year=2019, db=db)
    for frame in (points, polygons):
        got = {r.country_code: (r.tasks_bought, r.tasks_sold) for r in frame.itertuples()}
        assert got == BALANCE
    india = polygons[polygons.country_code == "IND"].geometry.iloc[0]
    assert india.contains(points[points.country_code == "IND"].geometry.iloc[0])


def _island(page: str) -> dict:
    found = re.search(r'<script type="application/json" id="atlas-data">(.*?)</script>', page, re.S)
    assert found
    return json.loads(found[1])


def test_flow_map_shows_in_a_cell_and_saves_the_offline_page(db: Path, tmp_path: Path) -> None:
    shown = atlas.flow_map(source="csv", year=2019, direction="south_to_north", db=db)
    cell = shown._repr_html_()
    assert cell.startswith("<iframe ") and 'sandbox="allow-scripts allow-downloads"' in cell
    srcdoc = re.search(r'srcdoc="([^"]*)"', cell)
    assert srcdoc and html.unescape(srcdoc[1]) == shown.html
    saved = shown.save(tmp_path / "flows.html")
    data = _island(saved.read_text(encoding="utf-8"))
    assert data["start"] == {
        "source": "csv",
        "year": "2019",
        "direction": "south_to_north",
        "scheme": "un_m49_developed",
    }
    layer = next(x for x in data["layers"] if x["source"] == "csv")
    codes = data["countries"]["code"]
    pairs = {(codes[data["pairs"][i][0]], codes[data["pairs"][i][1]]) for i in layer["rows"][::4]}
    assert pairs == set(CROSS_BORDER)


def test_export_writes_files_geopandas_reads_with_their_citation(db: Path, tmp_path: Path) -> None:
    written = atlas.export("geoparquet", source="csv", year=2019, out=tmp_path, db=db)
    assert [p.name for p in written] == [
        "flows_csv_2019.parquet",
        "country_points_csv_2019.parquet",
        "country_polygons_csv_2019.parquet",
    ]
    flows = gpd.read_parquet(written[0])
    assert flows.crs.to_epsg() == 4326
    got = {(r.seller_country_code, r.buyer_country_code): r.tasks for r in flows.itertuples()}
    assert got == {pair: tasks for pair, (tasks, _) in CROSS_BORDER.items()}
    polygons = gpd.read_parquet(written[2])
    assert {r.country_code: r.net_sold for r in polygons.itertuples()} == {
        code: s - b for code, (b, s) in BALANCE.items()
    }
    import pyarrow.parquet as pq

    meta = json.loads(pq.read_schema(written[0]).metadata[b"microwork_atlas"])
    assert meta["cite_as"].startswith("Microwork Atlas contributors (")
    assert f"(version {atlas_version()})" in meta["cite_as"]
    assert [s["source_id"] for s in meta["sources"]] == ["csv"]
    assert meta["sources"][0]["licence"] == "as supplied by the user"

    geojson = atlas.export("geojson", out=tmp_path, db=db)
    collection = json.loads(geojson[0].read_text(encoding="utf-8"))
    assert collection["type"] == "FeatureCollection"
    by_source = {f["properties"]["source_id"] for f in collection["features"]}
    assert {s["source_id"] for s in collection["microwork_atlas"]["sources"]} == by_source
    assert {"csv", "curated_oli_shares"} <= by_source

    csv_files = atlas.export("csv", source="csv", out=tmp_path, db=db)
    assert [p.name for p in csv_files] == [
        "flows_csv.csv",
        "flows_csv.citation.txt",
        "country_points_csv.csv",
        "country_points_csv.citation.txt",
        "country_polygons_csv.csv",
        "country_polygons_csv.citation.txt",
    ]
    table = pd.read_csv(csv_files[0])
    assert table.geometry_wkt.str.startswith(("LINESTRING", "MULTILINESTRING")).all()
    assert "Cite the atlas as:" in csv_files[1].read_text(encoding="utf-8")


def atlas_version() -> str:
    from pipeline import __version__

    return __version__


def test_csv_cells_that_would_run_as_formulas_are_neutralised(tmp_path: Path) -> None:
    from pipeline.commands.export import write_csv

    texts = ["=1+2", "+SUM(A1)", "-2+3", "@cmd", "\tx", "\rx", "-5", "+1.5e3", "plain", "a=b"]
    frame = gpd.GeoDataFrame(
        {"source_id": ["csv"] * len(texts), "name": texts, "tasks": [-1.0] * len(texts)},
        geometry=[shapely.Point(0, 0)] * len(texts),
        crs="EPSG:4326",
    )
    meta = {
        "title": "t",
        "cite_as": "c",
        "atlas_version": "0",
        "sources": [],
        "selection": {},
    }
    [path, _] = write_csv(frame, tmp_path / "x.csv", meta)
    with path.open(newline="", encoding="utf-8") as f:
        table = list(csv.DictReader(f))
    assert [r["name"] for r in table] == [
        "'=1+2",
        "'+SUM(A1)",
        "'-2+3",
        "'@cmd",
        "'\tx",
        "'\rx",
        "-5",
        "+1.5e3",
        "plain",
        "a=b",
    ]
    # numbers stay numbers
    assert {r["tasks"] for r in table} == {"-1.0"}


def test_every_public_function_has_an_example() -> None:
    for name in atlas.__all__:
        item = getattr(atlas, name)
        if callable(item) and not isinstance(item, type):
            assert item.__doc__, name
    assert "from pipeline import atlas" in (atlas.__doc__ or "")
    for name in ("flows", "balance", "query", "flow_lines", "flow_map", "export"):
        assert re.search(rf">>> .*atlas\.{name}\(", getattr(atlas, name).__doc__ or ""), name


def test_the_map_crs_reprojects_to_the_map_units() -> None:
    point = gpd.GeoSeries([shapely.Point(121.0, 14.6)], crs="EPSG:4326").to_crs(atlas.map_crs())
    expected = np.array(WorldProjection().point(121.0, 14.6)) * 100_000.0
    assert [point.x.iloc[0], point.y.iloc[0]] == pytest.approx(list(expected), abs=0.01)


def test_projected_geometry_is_what_the_map_draws(db: Path) -> None:
    lines = atlas.flow_lines(source="csv", year=2019, projected=True, db=db)
    assert lines.crs.equals(gpd.GeoSeries([], crs=atlas.map_crs()).crs)
    proj = WorldProjection()
    con = duckdb.connect(str(db), read_only=True)
    rows = con.execute("select country_code, lon, lat from core__countries").fetchall()
    con.close()
    points = {c: (lon, lat) for c, lon, lat in rows}
    for r in lines.itertuples():
        drawn = route(proj, points[r.seller_country_code], points[r.buyer_country_code])
        parts = list(getattr(r.geometry, "geoms", [r.geometry]))
        assert len(parts) == len(drawn.pieces)
        for part, piece in zip(parts, drawn.pieces, strict=True):
            assert np.asarray(part.coords) / 100_000.0 == pytest.approx(sample(piece, 48))
    polygons = atlas.country_polygons(source="csv", year=2019, projected=True, db=db)
    on_earth = atlas.country_polygons(source="csv", year=2019, db=db)
    # within 10 km of the world's outline (drawn with a vertex per degree of latitude)
    world = shapely.Polygon(proj.outline * 100_000.0).buffer(10_000.0)
    assert all(world.covers(g) for g in polygons.geometry)
    # Equal Earth keeps areas: each outline has the area of the country on the ellipsoid, so
    # none is stretched across the map (the United States' western Aleutians, beyond the
    # map's edge at 169° W, are moved to the other edge)
    geod = Geod(ellps="WGS84")
    for flat, round_ in zip(polygons.geometry, on_earth.geometry, strict=True):
        area = abs(geod.geometry_area_perimeter(round_)[0])
        assert flat.area == pytest.approx(area, rel=0.01)


@pytest.mark.skipif(shutil.which("make") is None, reason="needs GNU make")
def test_make_export_writes_geoparquet_geopandas_reads(db: Path, tmp_path: Path) -> None:
    def make(*args: str) -> subprocess.CompletedProcess[str]:
        env = {k: v for k, v in os.environ.items() if not k.startswith("ATLAS_")}
        return subprocess.run(
            [
                "make",
                "-s",
                "-f",
                str(paths.ROOT / "Makefile"),
                f"VENV={paths.ROOT / '.venv'}",
                "STAMP=",
                "export",
                *args,
            ],
            cwd=tmp_path,
            env={
                **env,
                "PYTHONPATH": str(paths.ROOT),
                "ATLAS_HOME": str(tmp_path),
                "ATLAS_DB": str(db),
            },
            capture_output=True,
            text=True,
            timeout=300,
        )

    done = make("FORMAT=geoparquet", "SOURCE=csv", "YEAR=2019")
    assert done.returncode == 0, done.stderr
    written = tmp_path / "exports" / "flows_csv_2019.parquet"
    assert done.stdout.splitlines()[0].startswith(f"wrote {written} (")
    flows = gpd.read_parquet(written)
    assert set(zip(flows.seller_country_code, flows.buyer_country_code, strict=True)) == set(
        CROSS_BORDER
    )
    wrong = make("FORMAT=geoparquet", "SOURCE=csvv")
    assert wrong.returncode == 2 and "Traceback" not in wrong.stderr
    assert wrong.stderr.startswith("error: no flows or country totals for source 'csvv'; sources: ")
    bad_format = make("FORMAT=shapefile")
    assert bad_format.stderr.startswith(
        "error: the format must be one of geojson, geoparquet, csv, not 'shapefile'"
    )
    no_year = make("FORMAT=csv", "YEAR=twenty")
    assert no_year.stderr.startswith("error: YEAR must be a year such as 2016, not 'twenty'")
