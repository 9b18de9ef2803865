"""The README's figures for bad inputs and faults are the counts of the tests that exercise
them, so they cannot drift from what `make test` actually runs."""

from __future__ import annotations

import re
import subprocess
import sys

import pytest

from pipeline import paths


def collected(marker: str) -> int:
    done = subprocess.run(
        [sys.executable, "-m", "pytest", "--collect-only", "-q", "-m", marker, "tests"],
        cwd=paths.ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    match = re.search(r"^(\d+)/\d+ tests collected", done.stdout, re.M)
    assert match, done.stdout[-2000:] + done.stderr[-2000:]
    return int(match[1])


@pytest.mark.parametrize(
    ("label", "marker"), [("bad inputs tested", "bad_input"), ("faults injected", "fault")]
)
def test_readme_figure_is_the_number_of_tests(label: str, marker: str) -> None:
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^\| {label} \| \*\*(\d+)\*\* tests marked `{marker}`", readme, re.M)
    assert match, f"README has no '{label}' figure"
    assert int(match[1]) == collected(marker)
