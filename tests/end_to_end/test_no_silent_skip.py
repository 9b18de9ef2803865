"""Skips are never silent: a skip without a reason fails, and in CI (or where a browser or
Spark test is required) a skip fails the run (tests/skips.py)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from pipeline.util import paths

SAMPLE = """
import pytest

@pytest.mark.skipif(True, reason="needs a tool that is not installed")
def test_skipped_with_a_reason():
    pass

@pytest.mark.browser
@pytest.mark.skipif(True, reason="no chromium")
def test_browser():
    pass

def test_importorskip():
    pytest.importorskip("a_module_that_does_not_exist")

def test_runs():
    assert True
"""
NO_REASON = """
import pytest

def test_skipped_without_a_reason():
    pytest.skip()
"""


def run(tmp_path: Path, text: str, **env: str) -> subprocess.CompletedProcess[str]:
    (tmp_path / "test_sample.py").write_text(text, encoding="utf-8")
    clean = {k: v for k, v in os.environ.items() if k not in {"CI", *env}}
    clean["ATLAS_REQUIRE_BROWSER"] = clean["ATLAS_REQUIRE_SPARK"] = "0"
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "pytest",
            "-p",
            "skips",
            "-ra",
            "-p",
            "no:cacheprovider",
            "-o",
            "markers=browser",
            "test_sample.py",
        ],
        cwd=tmp_path,
        env={**clean, "PYTHONPATH": str(paths.ROOT / "tests"), **env},
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_skips_outside_ci_pass_and_say_why(tmp_path: Path) -> None:
    done = run(tmp_path, SAMPLE)
    assert done.returncode == 0, done.stdout
    assert "1 passed, 3 skipped" in done.stdout
    assert "needs a tool that is not installed" in done.stdout
    assert "could not import 'a_module_that_does_not_exist'" in done.stdout
    # the required kinds of test skipped here get a banner of their own at the end
    assert "1 BROWSER TEST(S) SKIPPED" in done.stdout
    assert "1 skipped: no chromium" in done.stdout
    assert "ATLAS_REQUIRE_BROWSER=1 makes such a skip an error" in done.stdout


@pytest.mark.parametrize("variable", ["CI", "ATLAS_REQUIRE_BROWSER"])
def test_a_skip_where_the_test_must_run_fails_the_run(tmp_path: Path, variable: str) -> None:
    done = run(tmp_path, SAMPLE, **{variable: "true" if variable == "CI" else "1"})
    assert done.returncode == 1, done.stdout
    if variable == "CI":
        # the two skipif marks fail at setup, the importorskip in the test itself
        assert "1 failed, 1 passed, 2 errors" in done.stdout, done.stdout
        assert "skipped where it must run (CI=true): needs a tool" in done.stdout
    else:
        # only the browser test is required
        assert "skipped where it must run (ATLAS_REQUIRE_BROWSER=1): no chromium" in done.stdout
        assert "2 skipped" in done.stdout


def test_a_skip_without_a_reason_fails(tmp_path: Path) -> None:
    done = run(tmp_path, NO_REASON)
    assert done.returncode == 1 and "skipped without a reason" in done.stdout, done.stdout
