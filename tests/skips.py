"""No silent skip: every skip must give its reason (pytest -ra prints it in the summary), and
where a test must run a skip fails it.

Must run: every test in CI (CI=true, as the CI runner sets it), the browser tests where
ATLAS_REQUIRE_BROWSER=1 and the Spark tests where ATLAS_REQUIRE_SPARK=1 (.ci/run sets both).
A test skipped for a missing tool in CI would otherwise pass the run while checking nothing."""

from __future__ import annotations

import os

import pytest

# marker -> the variable that makes the tests it marks required
REQUIRED_BY = {"browser": "ATLAS_REQUIRE_BROWSER", "spark": "ATLAS_REQUIRE_SPARK"}


def in_ci() -> bool:
    return os.environ.get("CI", "").lower() in {"true", "1"}


def must_run(item: pytest.Item) -> str | None:
    """Why this test may not be skipped here, or None."""
    if in_ci():
        return "CI=true"
    for marker, variable in REQUIRED_BY.items():
        if item.get_closest_marker(marker) and os.environ.get(variable) == "1":
            return f"{variable}=1"
    return None


def skip_reason(report: pytest.TestReport | pytest.CollectReport) -> str:
    longrepr = report.longrepr
    text = longrepr[2] if isinstance(longrepr, tuple) else str(longrepr or "")
    # pytest.skip() with no reason reports "Skipped"
    return text.strip().removeprefix("Skipped").removeprefix(":").strip()


# marker -> {reason: how many of its tests were skipped for it}, for the closing banner
_SKIPPED: dict[str, dict[str, int]] = {}


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> object:
    report = yield
    if report.skipped and not hasattr(report, "wasxfail"):
        reason, required = skip_reason(report), must_run(item)
        for marker in REQUIRED_BY:
            if item.get_closest_marker(marker) and reason and not required:
                counts = _SKIPPED.setdefault(marker, {})
                counts[reason] = counts.get(reason, 0) + 1
        if not reason:
            report.outcome = "failed"
            report.longrepr = "skipped without a reason: give pytest.skip/skipif a reason"
        elif required:
            report.outcome = "failed"
            report.longrepr = f"skipped where it must run ({required}): {reason}"
    return report


def pytest_collectreport(report: pytest.CollectReport) -> None:
    # a whole module skipped (pytest.importorskip at module level, allow_module_level)
    if report.skipped and in_ci():
        report.outcome = "failed"
        report.longrepr = (
            f"module skipped where every test must run (CI=true): {skip_reason(report)}"
        )


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """A banner at the very end for every kind of required test that was skipped (Spark,
    browser): a run that checked nothing of Spark says so in capitals, not only in -ra's list."""
    for marker, reasons in sorted(_SKIPPED.items()):
        skipped = sum(reasons.values())
        terminalreporter.write_sep(
            "!", f"{skipped} {marker.upper()} TEST(S) SKIPPED", red=True, bold=True
        )
        for reason, n in sorted(reasons.items()):
            terminalreporter.write_line(f"  {n} skipped: {reason}", red=True)
        terminalreporter.write_line(
            f"  they check nothing here; {REQUIRED_BY[marker]}=1 makes such a skip an error",
            red=True,
        )
