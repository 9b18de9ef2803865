"""Plants SQL mutants, one at a time, in the macros and the models whose figures the atlas
publishes, and runs the tests that cover each file: a mutant the tests do not notice survives.

Python mutation testers do not read SQL, so the mutants are made here, the way they make
theirs: one small change at one place of the code (comments and string literals left alone,
except the direction and side names, which are the rule): a comparison, `and`/`or`, `is null`,
`not`, a sort order, a number, an aggregate, a join, `true`/`false`, a direction or a side.

Run it from a scratch copy of the checkout (mutation/run.py makes one): the files are changed in
place and put back after each mutant. Each mutant's tests run in a forked child of this process,
which has imported the pipeline and the test tools once.

    python mutation/sql_mutants.py [--list] [--lines FROM-TO] [FILE ...] [--tests TEST ...]

(--tests takes every word after it, so the files come before it.)
"""

from __future__ import annotations

import argparse
import io
import json
import os
import re
import signal
import sys
import time
from contextlib import redirect_stderr, redirect_stdout
from dataclasses import asdict, dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
BUILD = "tests/build"
QUERIES = f"{BUILD}/test_saved_queries.py"
DIRECTIONS = f"{BUILD}/test_direction_rule.py"
BOUNDARIES = f"{BUILD}/test_sql_boundaries.py"
# file -> the tests that cover it (the figures each file computes are worked out by hand there)
TARGETS: dict[str, list[str]] = {
    "sql/macros.sql": [DIRECTIONS, BOUNDARIES, QUERIES],
    "sql/out/out__flows.sql": [BOUNDARIES, QUERIES],
    # test_estimate.py has estimates with a prior, whose unnamed work is spread, beside others
    "sql/out/out__flows_by_direction.sql": [DIRECTIONS, QUERIES, f"{BUILD}/test_estimate.py"],
    "sql/out/out__country_balance.sql": [QUERIES],
    "sql/out/out__marginal_pairs.sql": [BOUNDARIES, QUERIES],
    "sql/queries/south_to_north.sql": [QUERIES],
    "sql/queries/south_to_north_by_occupation.sql": [QUERIES],
    "sql/queries/concentration.sql": [QUERIES],
    "sql/queries/top_flows.sql": [QUERIES],
    "sql/queries/net_balance.sql": [QUERIES],
    "sql/queries/platform_comparison.sql": [QUERIES],
    "sql/queries/country_profile.sql": [QUERIES],
    # the claims check: every verdict rule, band edge and market match
    # (the small hand-made atlases first: most mutants fail there, in seconds)
    "sql/out/out__claims_check.sql": [
        f"{BUILD}/test_claims_votes.py",
        f"{BUILD}/test_claims_bounds.py",
        f"{BUILD}/test_claims_regions.py",
        f"{BUILD}/test_claims_check.py",
    ],
    # the estimator's inputs: the marginals it fits and the observed matrices it is checked on
    "sql/estimate/marginals.sql": [f"{BUILD}/test_estimate.py"],
    "sql/estimate/observed_matrices.sql": [
        f"{BUILD}/test_observed_matrices.py",
        f"{BUILD}/test_estimate.py",
    ],
    # the shipped data has two exact figures of different periods, the hand atlas none
    "sql/queries/compare_sources.sql": [
        QUERIES,
        f"{BUILD}/test_queries.py::test_compare_sources_shows_disagreement_and_one_preferred_figure",
    ],
}
TIMEOUT_S = 120

SWAPS = {
    "<=": "<",
    ">=": ">",
    "<>": "=",
    "<": "<=",
    ">": ">=",
    "=": "<>",
    "and": "or",
    "or": "and",
    "asc": "desc",
    "desc": "asc",
    "true": "false",
    "false": "true",
    "sum(": "max(",
    "min(": "max(",
    "max(": "min(",
    "inner join": "left join",
    "is null": "is not null",
    "is not null": "is null",
    "'south_to_north'": "'north_to_south'",
    "'north_to_south'": "'south_to_north'",
    "'north_to_north'": "'south_to_south'",
    "'south_to_south'": "'north_to_north'",
    "'unclassified'": "'south_to_south'",
    "'buyer'": "'seller'",
    "'seller'": "'buyer'",
}
# Longest first, so that "<=" is one token, not "<" then "=".
TOKEN = re.compile(
    r"--[^\n]*"  # a comment: skipped
    r"|\bcreate or replace\b"  # skipped too
    r"|'(?:south_to_north|north_to_south|north_to_north|south_to_south|unclassified|buyer|seller)'"
    r"|'(?:[^']|'')*'"  # another string literal: skipped
    r"|\bis not null\b|\bis null\b|\binner join\b"
    r"|\b(?:sum|min|max)\("
    r"|\bnot (?!null)"
    r"|\b(?:and|or|asc|desc|true|false)\b"
    r"|<=|>=|<>|!=|=>|<|>|="
    r"|(?<![\w.])\d+(?:\.\d+)?(?![\w.])",  # a number that is not part of a name
    re.IGNORECASE,
)
# numbers that are types or formats, not figures: decimal(20, 0), decimal(18, 17)
TYPE_NUMBER = re.compile(r"decimal\(\s*\d+\s*,\s*\d+\s*\)", re.IGNORECASE)


@dataclass
class Mutant:
    file: str
    line: int
    was: str
    now: str
    killed: bool | None = None
    seconds: float = 0.0

    def label(self) -> str:
        return f"{self.file}:{self.line}: {self.was!r} -> {self.now!r}"


def mutants_of(path: str, text: str) -> list[tuple[Mutant, str]]:
    """Every one-place mutant of a SQL file, with the mutated text."""
    protected = [m.span() for m in TYPE_NUMBER.finditer(text)]
    out = []
    for match in TOKEN.finditer(text):
        token = match.group(0)
        start, end = match.span()
        skipped = token.startswith("--") or token.lower() == "create or replace"
        if skipped or any(a <= start < b for a, b in protected):
            continue
        lowered = token.lower()
        if lowered.startswith("not "):
            now = ""
        elif lowered in SWAPS:
            now = SWAPS[lowered]
        elif lowered == "!=":
            now = "="
        elif lowered == "=>" or lowered.startswith("'"):
            continue  # named arguments; other string literals
        elif lowered[0].isdigit():
            number = float(token)
            now = str(int(number) + 1) if number.is_integer() else str(number * 2)
        else:
            continue
        line = text.count("\n", 0, start) + 1
        out.append((Mutant(path, line, token, now), text[:start] + now + text[end:]))
    return out


def run_tests(tests: list[str]) -> bool:
    """Whether the tests fail (the mutant is killed), in a forked child."""
    pid = os.fork()
    if pid == 0:
        signal.alarm(TIMEOUT_S)
        import pytest

        with redirect_stdout(io.StringIO()), redirect_stderr(io.StringIO()):
            code = pytest.main(["-x", "-q", "-p", "no:cacheprovider", *tests])
        os._exit(int(code))
    _, status = os.waitpid(pid, 0)
    return not (os.WIFEXITED(status) and os.WEXITSTATUS(status) == 0)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("files", nargs="*", help="SQL files (default: all the targets)")
    parser.add_argument("--list", action="store_true", help="list the mutants, run nothing")
    parser.add_argument("--json", type=Path, help="write the results here")
    parser.add_argument(
        "--lines", help="only the mutants on these lines (FROM-TO), to check new tests quickly"
    )
    parser.add_argument(
        "--tests", nargs="+", help="run these tests instead of the ones listed for each file"
    )
    args = parser.parse_args(argv)
    first, last = (int(n) for n in args.lines.split("-")) if args.lines else (1, 10**9)
    os.chdir(ROOT)
    sys.path[:0] = [str(ROOT), str(ROOT / "tests")]
    files = args.files or list(TARGETS)
    # the pipeline and the test tools, imported once before the children are forked
    import duckdb  # noqa: F401
    import pytest  # noqa: F401

    import pipeline.build.run
    import pipeline.commands.query  # noqa: F401

    def tests_of(file: str) -> list[str]:
        return args.tests or TARGETS[file]

    if not all(run_tests(tests_of(f)) is False for f in files):
        print("the tests fail before any mutant is planted", file=sys.stderr)
        return 2
    results: list[Mutant] = []
    for file in files:
        path = ROOT / file
        original = path.read_text(encoding="utf-8")
        try:
            for mutant, text in mutants_of(file, original):
                if not first <= mutant.line <= last:
                    continue
                if args.list:
                    print(mutant.label())
                    continue
                path.write_text(text, encoding="utf-8")
                started = time.monotonic()
                mutant.killed = run_tests(tests_of(file))
                mutant.seconds = round(time.monotonic() - started, 2)
                results.append(mutant)
                print(("killed   " if mutant.killed else "SURVIVED ") + mutant.label(), flush=True)
        finally:
            path.write_text(original, encoding="utf-8")
    if args.list:
        return 0
    killed = sum(m.killed is True for m in results)
    print(f"SQL mutants: {killed} of {len(results)} killed")
    if args.json:
        args.json.write_text(json.dumps([asdict(m) for m in results], indent=1), encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
