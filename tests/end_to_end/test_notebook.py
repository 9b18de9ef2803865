"""docs/quickstart.ipynb runs from top to bottom in a Jupyter kernel, as a reader runs it, and
shows the figures the README gives for the shipped data."""

from __future__ import annotations

import os
from pathlib import Path

import nbformat
import pytest
from nbclient import NotebookClient

from pipeline.util import paths

NOTEBOOK = paths.ROOT / "docs" / "quickstart.ipynb"


def outputs_text(cell: nbformat.NotebookNode) -> str:
    parts = []
    for out in cell.get("outputs", []):
        if "text" in out:
            parts.append(out["text"])
        parts.extend(str(v) for k, v in out.get("data", {}).items() if k.startswith("text/"))
    return "\n".join(parts)


@pytest.fixture(scope="module")
def executed(tmp_path_factory: pytest.TempPathFactory) -> tuple[nbformat.NotebookNode, Path]:
    home = tmp_path_factory.mktemp("notebook-home")
    notebook = nbformat.read(NOTEBOOK, as_version=4)
    # the kernel builds and writes under a home of its own, never in the checkout's data/
    env = {
        **os.environ,
        "ATLAS_HOME": str(home),
        "ATLAS_STAGING": str(home / "staging"),
        "PYTHONPATH": os.pathsep.join([str(paths.ROOT), os.environ.get("PYTHONPATH", "")]),
    }
    for name in ("ATLAS_DB", "ATLAS_RAW", "ATLAS_DATA", "ATLAS_MAPS", "ATLAS_EXPORTS"):
        env.pop(name, None)
    client = NotebookClient(
        notebook,
        timeout=300,
        kernel_name="python3",
        resources={"metadata": {"path": str(paths.ROOT)}},
    )
    # passed on to the kernel's start: its environment and folder
    client.execute(env=env)
    return notebook, home


def test_every_cell_runs(executed) -> None:
    notebook, _ = executed
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert len(code) >= 8
    errors = [o for c in code for o in c.get("outputs", []) if o.get("output_type") == "error"]
    assert errors == []
    assert all(c.get("execution_count") for c in code)


def test_the_notebook_shows_the_readme_figures_and_a_map(executed) -> None:
    notebook, home = executed
    texts = [outputs_text(c) for c in notebook.cells if c.cell_type == "code"]
    everything = "\n".join(texts)
    # README: the OLI 2016 work South -> North lies between 4.0 % (64.0 % of the work named
    # North buyers + 40 % named South sellers - 100) and 82.0 % (100 - 18 % named North
    # sellers, the United States 12 and the United Kingdom 6); India -> United States largest
    assert "4.0" in everything and "82.0" in everything
    assert any("India" in t and "Bangladesh" in t for t in texts)
    assert any('<iframe title="Microwork Atlas flow map"' in t for t in texts)
    plotted = [
        o for c in notebook.cells for o in c.get("outputs", []) if "image/png" in o.get("data", {})
    ]
    assert plotted
    assert (home / "data" / "atlas.duckdb").exists()
    exported = sorted(p.name for p in (home / "exports").iterdir())
    assert exported == [
        "country_points_curated_oli_shares_2016.parquet",
        "country_polygons_curated_oli_shares_2016.parquet",
        "flows_curated_oli_shares_2016.parquet",
    ]
