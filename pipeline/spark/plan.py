"""plan.yaml: the inputs, macro files, model folders and outputs of a Spark build."""

from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from pipeline.build.sqlfiles import model_files
from pipeline.util.paths import SQL_DIR

PLAN_PATH = Path(__file__).parent / "plan.yaml"
_TABLE_REF = re.compile(r"\b([a-z][a-z0-9]*__[a-z0-9_]+)\b")
_COMMENT = re.compile(r"--[^\n]*")


@dataclass(frozen=True)
class Plan:
    inputs: tuple[str, ...]
    staging: tuple[str, ...]  # staged tables, read from the staging folder as stg__<table>
    macro_files: tuple[Path, ...]
    model_files: tuple[Path, ...]  # in build order
    outputs: tuple[str, ...]


def load_plan(path: Path = PLAN_PATH, sql_dir: Path = SQL_DIR) -> Plan:
    raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    # the queries of each folder (file name = model name); the .ddl.sql files are DuckDB's
    models = {
        name: p for folder in raw["models"] for name, p in model_files(sql_dir, folder).items()
    }
    staged = tuple(raw.get("staging", []))
    ordered = dependency_order(models, {*raw["inputs"], *(f"stg__{t}" for t in staged)})
    unknown = [name for name in raw["outputs"] if name not in models]
    if unknown:
        raise ValueError(f"{path}: outputs {', '.join(unknown)} have no model file")
    return Plan(
        inputs=tuple(raw["inputs"]),
        staging=staged,
        macro_files=tuple(sql_dir / m for m in raw.get("macros", [])),
        model_files=tuple(ordered),
        outputs=tuple(raw["outputs"]),
    )


def table_references(path: Path) -> set[str]:
    """The tables and views an SQL file names (comments left out)."""
    return set(_TABLE_REF.findall(_COMMENT.sub("", path.read_text(encoding="utf-8"))))


def dependency_order(models: dict[str, Path], inputs: set[str]) -> list[Path]:
    """Model files ordered so that each is built after the models it reads; a table that is
    neither an input nor a model is an error here rather than a failure half-way on a cluster."""
    deps = {}
    for name, path in models.items():
        refs = table_references(path)
        missing = sorted(refs - set(models) - inputs)
        if missing:
            raise ValueError(f"{path} reads {', '.join(missing)}: neither an input nor a model")
        deps[name] = refs & set(models) - {name}
    ordered: list[Path] = []
    done: set[str] = set()
    while len(done) < len(models):
        ready = sorted(n for n in models if n not in done and deps[n] <= done)
        if not ready:
            raise ValueError("circular references between " + ", ".join(sorted(set(models) - done)))
        ordered += [models[n] for n in ready]
        done.update(ready)
    return ordered
