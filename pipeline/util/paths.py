"""Where the project keeps its files; every path can be moved with an environment variable."""

from __future__ import annotations

import os
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
SQL_DIR = ROOT / "sql"


def data_dir() -> Path:
    return Path(os.environ.get("ATLAS_DATA", ROOT / "data"))


def reference_dir() -> Path:
    return data_dir() / "reference"


def geo_dir() -> Path:
    return data_dir() / "geo"


def curated_dir() -> Path:
    return data_dir() / "curated"


def raw_dir() -> Path:
    return Path(os.environ.get("ATLAS_RAW", data_dir() / "raw"))


def state_dir() -> Path:
    """Where a resumable fetch keeps how far it got (``freelancer.json``)."""
    return Path(os.environ.get("ATLAS_STATE", data_dir() / "state"))


def db_path() -> Path:
    return Path(os.environ.get("ATLAS_DB", data_dir() / "atlas.duckdb"))


def maps_dir() -> Path:
    return Path(os.environ.get("ATLAS_MAPS", ROOT / "maps"))
