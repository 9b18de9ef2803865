"""The README's figures for bad inputs and faults are the counts of the tests that exercise
them, so they cannot drift from what `make test` actually runs."""

from __future__ import annotations

import json
import re
import subprocess
import sys

import pytest

from pipeline.util import paths

COUNT_MARKED = r"""
import collections, json, sys
import pytest

class Count:
    counts = collections.Counter()

    def pytest_collection_finish(self, session):
        for item in session.items:
            self.counts.update({m.name for m in item.iter_markers()} & {"bad_input", "fault"})

count = Count()
code = pytest.main(["--collect-only", "-q", "-p", "no:cacheprovider", "tests"], plugins=[count])
print("COUNTS " + json.dumps(count.counts))
sys.exit(int(code))
"""


@pytest.fixture(scope="module")
def marked() -> dict[str, int]:
    done = subprocess.run(
        [sys.executable, "-c", COUNT_MARKED],
        cwd=paths.ROOT,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return json.loads(done.stdout.rsplit("COUNTS ", 1)[1])


@pytest.mark.parametrize(
    ("label", "marker"), [("bad inputs tested", "bad_input"), ("faults injected", "fault")]
)
def test_readme_figure_is_the_number_of_tests(label: str, marker: str, marked) -> None:
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^\| {label} \| \*\*(\d+)\*\* tests marked `{marker}`", readme, re.M)
    assert match, f"README has no '{label}' figure"
    assert int(match[1]) == marked[marker]


def figure(label: str) -> str:
    readme = (paths.ROOT / "README.md").read_text(encoding="utf-8")
    match = re.search(rf"^\| {label} \| (.*) \|$", readme, re.M)
    assert match, f"README has no '{label}' figure"
    return match[1]


def test_the_corpus_figure_is_the_number_of_corpus_cases() -> None:
    from test_hostile_corpus import CASES

    assert f"**{len(CASES)}** files and folders" in figure("bad inputs tested")
    assert len(CASES) >= 40
    assert {case.source for case in CASES.values()} == {"csv", "oli", "remotework", "freelancer"}


@pytest.mark.parametrize(
    "label",
    [
        "rows lost",
        "rows double-counted",
        "builds blocked",
        "tracebacks",
        "formula cells in CSV written",
        "scripts executed in maps",
    ],
)
def test_the_figures_that_must_be_zero_are_zero(label: str) -> None:
    # Each corpus case asserts (rows lost, rows double-counted) == (0, 0); the fault tests
    # assert that every build heals and that no Traceback reaches stderr; the CSV test counts
    # no formula cell; the payload test asserts that no payload ran: a README saying anything
    # else contradicts `make test`.
    assert figure(label).startswith("**0**: ")


def test_the_payload_figures_are_those_of_the_maps_test() -> None:
    from render.test_maps_payloads import ATTRIBUTE_PAYLOADS, PAYLOADS, TEXTS

    text = figure("scripts executed in maps")
    assert f"**{len(TEXTS)}** texts" in text and f"**{len(PAYLOADS)}** script payloads" in text
    assert f"**{len(ATTRIBUTE_PAYLOADS)}** attribute payloads" in text


def test_the_estimator_s_shipped_figures_are_those_of_the_build(shipped_con) -> None:
    """The README's bounds of the OLI 2016 share South -> North ("**4.0 % to 82.0 %**"):
    worked out from data/curated/oli_shares.csv here, and built by the pipeline."""
    readme = " ".join((paths.ROOT / "README.md").read_text(encoding="utf-8").split())
    match = re.search(r"so \*\*(\d+\.\d) % to (\d+\.\d) %\*\*", readme)
    assert match, "README has no bounds of the OLI 2016 estimate"
    low, high = float(match[1]), float(match[2])
    shares = shipped_oli_shares()
    buyers, sellers = shares["buyer"], shares["seller"]
    # any matrix with these shares: at least the named North buyers and named South sellers
    # overlapping, at most all but the named South buyers or the named North sellers
    north_buyers = buyers["United States"] + buyers["United Kingdom"] + buyers["Australia"]
    south_sellers = sellers["India"] + sellers["Bangladesh"]
    south_buyers = buyers["India"]
    north_sellers = sellers["United States"] + sellers["United Kingdom"]
    assert low == round(max(0.0, north_buyers + south_sellers - 100), 1)
    assert high == round(min(100 - south_buyers, 100 - north_sellers), 1)
    built = shipped_con.execute(
        "select round(share_low_pct, 1), round(share_high_pct, 1) from out__estimate_summary "
        "where source_id = 'curated_oli_shares' and year = 2016"
    ).fetchall()
    assert built == [(low, high), (low, high)]  # both schemes agree here


def shipped_oli_shares() -> dict[str, dict[str, float]]:
    """The published shares of the shipped OLI file, per side and country."""
    import csv

    shares: dict[str, dict[str, float]] = {"buyer": {}, "seller": {}}
    path = paths.ROOT / "data" / "curated" / "oli_shares.csv"
    with path.open(encoding="utf-8", newline="") as handle:
        for row in csv.DictReader(handle):
            country = row["buyer_country"] or row["seller_country"]
            if country and row["measure"] == "share_pct":
                shares[row["role"]][country] = float(row["amount"])
    return shares
