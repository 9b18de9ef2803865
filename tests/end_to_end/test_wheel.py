"""The second way in: the built wheel, installed into an environment of its own, builds the
database and the maps from the data it carries, in a folder far from any checkout."""

from __future__ import annotations

import csv
import os
import re
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import duckdb
import pytest
from venvs import env_over_this_one, pip_failed, python_of

from pipeline import __version__
from pipeline.build.run import BuildReport
from pipeline.util import paths

pytestmark = pytest.mark.pypi

COMMANDS = ("maps", "db", "fetch", "query", "export", "raw", "spark")
SOURCE_FILES = ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md", "LICENSE", "CITATION.cff")
SOURCE_FOLDERS = ("pipeline", "sql", "data/reference", "data/geo", "data/curated")


def run(args: list[str], cwd: Path, env: dict[str, str], timeout: int = 600):
    return subprocess.run(
        args, cwd=cwd, env=env, capture_output=True, text=True, timeout=timeout, check=False
    )


@pytest.fixture(scope="module")
def installed(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, Path, dict[str, str]]:
    root = tmp_path_factory.mktemp("wheel")
    # built from a copy of what the wheel is made of, so that no build/ folder left in the
    # checkout by an earlier build can add stale files to it
    source = root / "source"
    source.mkdir()
    for name in SOURCE_FILES:
        shutil.copy2(paths.ROOT / name, source / name)
    for folder in SOURCE_FOLDERS:
        shutil.copytree(
            paths.ROOT / folder, source / folder, ignore=shutil.ignore_patterns("__pycache__")
        )
    # pip builds the wheel with the build requirements of pyproject.toml, from PyPI
    built = run(
        [sys.executable, "-m", "pip", "wheel", ".", "--no-deps", "-q", "-w", str(root / "dist")],
        cwd=source,
        env=dict(os.environ),
    )
    if built.returncode != 0:
        pip_failed(built, "the build requirements of the wheel")
    [wheel] = sorted((root / "dist").glob("*.whl"))
    env_dir = env_over_this_one(root / "env")
    done = run(
        [str(python_of(env_dir)), "-m", "pip", "install", "-q", "--no-deps", str(wheel)],
        cwd=root,
        env=dict(os.environ),
    )
    assert done.returncode == 0, done.stderr
    # nothing of the checkout: no PYTHONPATH, no ATLAS_* variable, run from elsewhere
    clean = {
        k: v for k, v in os.environ.items() if not k.startswith("ATLAS_") and k != "PYTHONPATH"
    }
    elsewhere = root / "elsewhere"
    elsewhere.mkdir()
    return wheel, env_dir, {**clean, "HOME": str(root)}


def test_the_wheel_carries_the_data_and_sql_it_reads(installed) -> None:
    wheel, _, _ = installed
    names = set(zipfile.ZipFile(wheel).namelist())
    for folder in ("sql", "data/reference", "data/geo", "data/curated"):
        for path in (paths.ROOT / folder).rglob("*"):
            if path.is_file():
                assert f"pipeline/_shipped/{path.relative_to(paths.ROOT)}" in names, path
    assert "pipeline/_shipped/CITATION.cff" in names
    assert {f"pipeline/render/js/{n}.js" for n in ("atlas", "flows", "balance", "claims")} <= names
    assert not any(n.startswith("pipeline/_shipped/data/raw") for n in names)
    assert f"microwork_atlas-{__version__}.dist-info/METADATA" in names


def test_atlas_maps_home_builds_outside_the_checkout(
    installed, tmp_path: Path, shipped_build: BuildReport
) -> None:
    _, env_dir, env = installed
    atlas = str(env_dir / "bin" / "atlas")
    where = run(
        [str(python_of(env_dir)), "-c", "import pipeline; print(pipeline.__file__)"],
        cwd=tmp_path,
        env=env,
    )
    assert where.stdout.strip().startswith(str(env_dir)), where.stdout + where.stderr

    version = run([atlas, "--version"], cwd=tmp_path, env=env)
    assert version.stdout.strip() == f"Microwork Atlas {__version__}"
    helped = run([atlas, "--help"], cwd=tmp_path, env=env)
    listed = helped.stdout.split("positional arguments:")[1].split("options:")[0]
    assert re.findall(r"^    (\w+) ", listed, re.M) == list(COMMANDS)

    home = tmp_path / "my atlas"
    made = run([atlas, "maps", "--print", "--home", str(home)], cwd=tmp_path, env=env)
    assert made.returncode == 0, made.stdout[-3000:] + made.stderr[-3000:]
    assert "Traceback" not in made.stderr
    for name in ("index.html", "flows.html", "balance.html", "claims.html", "flows.png"):
        assert (home / "maps" / name).stat().st_size > 1000, name
    db = home / "data" / "atlas.duckdb"
    con = duckdb.connect(str(db), read_only=True)
    here = duckdb.connect(str(shipped_build.db_path), read_only=True)
    for table in ("core__countries", "core__tallies", "out__flows", "out__flows_by_direction"):
        query = f"select * from {table} order by all"
        assert con.execute(query).fetchall() == here.execute(query).fetchall(), table
    with (paths.ROOT / "data" / "reference" / "countries.csv").open(encoding="utf-8") as f:
        assert con.execute("select count(*) from core__countries").fetchone()[0] == sum(
            1 for _ in csv.DictReader(f)
        )
    con.close()
    here.close()
    # the same home answers queries and exports
    asked = run(
        [atlas, "query", "--home", str(home), "south_to_north", "--format", "csv"],
        cwd=tmp_path,
        env=env,
    )
    assert asked.returncode == 0, asked.stderr
    assert "curated_oli_shares,2016" in asked.stdout
    exported = run([atlas, "export", "geojson", "--home", str(home)], cwd=tmp_path, env=env)
    assert exported.returncode == 0, exported.stderr
    assert (home / "exports" / "flows.geojson").exists()
