"""Where the project keeps its files; every path can be moved with an environment variable.

Two ways in. In a checkout, the data shipped with the project (``data/reference``,
``data/geo``, ``data/curated``) and the SQL (``sql/``) are read where they are, and what the
atlas makes goes beside them (``data/atlas.duckdb``, ``data/raw``, ``maps/``). An installed
package (the wheel) carries the same shipped data and SQL inside itself, under
``pipeline/_shipped/`` (``setup.py`` copies them there), and writes what it makes into a home
folder: ``ATLAS_HOME`` (``atlas … --home DIR``), else the current folder. A home that holds
a ``data/reference``, ``data/geo`` or ``data/curated`` folder of its own reads that one.
"""

from __future__ import annotations

import os
from pathlib import Path

PACKAGE = Path(__file__).resolve().parents[1]
ROOT = PACKAGE.parent
IN_CHECKOUT = (ROOT / "pyproject.toml").is_file() and (ROOT / "sql").is_dir()
# The folder holding sql/ and data/{reference,geo,curated}: the checkout, or the package.
SHIPPED = ROOT if IN_CHECKOUT else PACKAGE / "_shipped"
SQL_DIR = SHIPPED / "sql"
CITATION_FILE = SHIPPED / "CITATION.cff"


def home() -> Path:
    """Where the atlas writes what it makes: ``ATLAS_HOME``, else the checkout, else (an
    installed package) the current folder."""
    chosen = os.environ.get("ATLAS_HOME")
    if chosen:
        return Path(chosen).expanduser()
    return ROOT if IN_CHECKOUT else Path.cwd()


def data_dir() -> Path:
    return Path(os.environ.get("ATLAS_DATA", home() / "data"))


def _shipped_data(name: str) -> Path:
    own = data_dir() / name
    return own if own.is_dir() else SHIPPED / "data" / name


def reference_dir() -> Path:
    return _shipped_data("reference")


def geo_dir() -> Path:
    return _shipped_data("geo")


def curated_dir() -> Path:
    return _shipped_data("curated")


def raw_dir() -> Path:
    return Path(os.environ.get("ATLAS_RAW", data_dir() / "raw"))


def state_dir() -> Path:
    """Where a resumable fetch keeps how far it got (``freelancer.json``)."""
    return Path(os.environ.get("ATLAS_STATE", data_dir() / "state"))


def db_path() -> Path:
    return Path(os.environ.get("ATLAS_DB", data_dir() / "atlas.duckdb"))


def maps_dir() -> Path:
    return Path(os.environ.get("ATLAS_MAPS", home() / "maps"))


def exports_dir() -> Path:
    return Path(os.environ.get("ATLAS_EXPORTS", home() / "exports"))


def user_path(value: str) -> Path:
    """A path as the user typed it. A shell expands ``~`` only where it is not quoted, so
    ``make fetch FROM="~/Downloads/x.csv"`` arrives with its ``~``: expanded here, unless a
    file or folder of that very name exists."""
    path = Path(value)
    if value.startswith("~") and not path.exists():
        return path.expanduser()
    return path
