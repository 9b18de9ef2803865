"""sql/ by layer: every model's columns documented once in its folder's schema.yml, every staging
view over what the sources stage, every SQL test named after the model it tests."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import duckdb
import pyarrow as pa
import pyarrow.parquet as pq
import pytest
import yaml

from pipeline.build import sqlfiles
from pipeline.build.staged_views import staged_schemas
from pipeline.util.paths import SQL_DIR

DOCUMENTED = ("int", "core", "out")


def _docs(layer: str) -> dict[str, dict[str, Any]]:
    text = (SQL_DIR / layer / "schema.yml").read_text(encoding="utf-8")
    return {model["name"]: model for model in yaml.safe_load(text)["models"]}


def _columns(con: duckdb.DuckDBPyConnection, name: str) -> list[str]:
    return [row[0] for row in con.execute(f"describe {name}").fetchall()]


def _with_int_views(con: duckdb.DuckDBPyConnection) -> None:
    """The int__ views over empty staging views, as the build creates them."""
    for name, schema in staged_schemas().items():
        con.register(f"stg__{name}", schema.empty_table())
    sqlfiles.build_int_views(con)


@pytest.mark.parametrize("layer", DOCUMENTED)
def test_every_model_of_a_layer_is_documented_and_nothing_else(layer: str) -> None:
    files = {*sqlfiles.model_files(layer=layer), *sqlfiles.ddl_files(layer=layer)}
    docs = _docs(layer)
    assert sorted(docs) == sorted(files)
    for name, model in docs.items():
        assert str(model.get("description", "")).strip(), f"{name} has no description"
        for column in model["columns"]:
            assert str(column.get("description", "")).strip(), f"{name}.{column['name']}"


def test_every_column_of_every_built_table_is_documented(shipped_con) -> None:
    built = [
        name
        for (name,) in shipped_con.execute(
            "select table_name from information_schema.tables order by table_name"
        ).fetchall()
        if name.split("__")[0] in DOCUMENTED
    ]
    docs = {name: model for layer in DOCUMENTED for name, model in _docs(layer).items()}
    views = duckdb.connect()
    _with_int_views(views)
    int_views = list(sqlfiles.model_files(layer="int"))
    assert sorted(docs) == sorted([*built, *int_views])
    for name in built:
        documented = [c["name"] for c in docs[name]["columns"]]
        assert documented == _columns(shipped_con, name), name
    for name in int_views:
        documented = [c["name"] for c in docs[name]["columns"]]
        assert documented == _columns(views, name), name


def test_every_staged_table_has_a_view_file_and_the_view_gives_its_columns(
    tmp_path: Path,
) -> None:
    schemas = staged_schemas()
    files = sqlfiles.model_files(layer="staging")
    assert sorted(files) == sorted(f"stg__{name}" for name in schemas)
    con = duckdb.connect()
    for name, schema in schemas.items():
        # one staged file in its hive folders, as pipeline/build/staging.py writes it
        folder = tmp_path / name / "source_id=s"
        if "year" in schema.names:
            folder = folder / "year=2020"
        folder.mkdir(parents=True)
        stored = pa.schema([f for f in schema if f.name not in ("source_id", "year")])
        pq.write_table(stored.empty_table(), folder / "k.parquet")
        sqlfiles.create_staging_view(con, f"stg__{name}", [str(folder / "k.parquet")])
        con.register("_expected", schema.empty_table())
        expected = con.execute("describe _expected").fetchall()
        con.unregister("_expected")
        assert con.execute(f"describe stg__{name}").fetchall() == expected, name


def test_staging_paths_reach_the_view_as_data(tmp_path: Path) -> None:
    """A quote or a semicolon in a path is part of the file name, never SQL."""
    folder = tmp_path / "it's; drop table x" / "source_id=s"
    folder.mkdir(parents=True)
    pq.write_table(
        staged_schemas()["rejects"].empty_table().drop(["source_id"]), folder / "k.parquet"
    )
    con = duckdb.connect()
    sqlfiles.create_staging_view(con, "stg__rejects", [str(folder / "k.parquet")])
    assert con.execute("select count(*) from stg__rejects").fetchone() == (0,)


def test_every_sql_test_is_named_after_the_model_it_tests() -> None:
    models = {
        name
        for layer in sqlfiles.LAYERS
        for name in (*sqlfiles.model_files(layer=layer), *sqlfiles.ddl_files(layer=layer))
    }
    for path in sorted((SQL_DIR / "tests").glob("*.sql")):
        model, _, rule = path.stem.rpartition("__")
        assert model in models and rule, f"{path.name}: not <model>__<rule>.sql"
        assert model in sqlfiles.read_sql(path), f"{path.name} does not read {model}"
