"""The layout the README describes holds: every stage folder says its job, no module imports
in a circle, and a long module says why it is one module."""

from __future__ import annotations

import ast

import grimp
import pytest

from pipeline.util import paths

PACKAGE = paths.ROOT / "pipeline"
STAGES = ["util", "reference", "collect", "raw", "parse", "sources", "build", "render", "commands"]
LONG = 450


@pytest.mark.parametrize("stage", STAGES)
def test_every_stage_folder_says_its_job(stage: str) -> None:
    tree = ast.parse((PACKAGE / stage / "__init__.py").read_text(encoding="utf-8"))
    doc = ast.get_docstring(tree)
    assert doc and len(doc.split()) >= 10, f"pipeline/{stage}/__init__.py has no docstring"


def test_no_module_imports_itself_through_others() -> None:
    graph = grimp.build_graph("pipeline")
    circles = sorted(
        (a, b)
        for a in graph.modules
        for b in graph.find_modules_directly_imported_by(a)
        if graph.chain_exists(importer=b, imported=a)
    )
    assert circles == []


def test_a_long_module_says_why() -> None:
    unexplained = []
    for path in sorted(PACKAGE.rglob("*.py")):
        text = path.read_text(encoding="utf-8")
        if text.count("\n") > LONG:
            doc = ast.get_docstring(ast.parse(text)) or ""
            if "Why one module" not in doc:
                unexplained.append(f"{path.relative_to(paths.ROOT)}: {text.count(chr(10))} lines")
    assert unexplained == []
