"""make mutation: how many planted bugs the tests catch, in the code where a bug changes a
published figure (README, "Mutation testing").

- cosmic-ray mutates the Python modules named in mutation/cosmic-ray/*.toml (the escaping of
  the pages' text, the SQL runner, the parse checks' look-ups), each with the tests named there;
- mutation/sql_mutants.py plants SQL mutants in sql/macros.sql, the out__ models and the saved
  queries whose figures are published (job `sql`), the claims check (job `claims`) and the
  estimator's SQL (job `estimate_sql`), each with the tests that cover its file.

Every job works in a scratch copy of the checkout (its files as they are, committed or not), so
the checkout is never changed, even by a run that is killed. Two jobs run at a time
(ATLAS_MUTATION_JOBS changes it). Prints each job's score and every surviving mutant.

    python mutation/run.py [text sqlfiles lookups sql claims estimate_sql]
"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import tempfile
import time
from concurrent.futures import ThreadPoolExecutor, as_completed
from dataclasses import dataclass, field
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "mutation" / "cosmic-ray"
VENV_BIN = Path(sys.executable).parent
# SQL jobs: the files each plants its mutants in (their tests: mutation/sql_mutants.py TARGETS).
# The claims check is a job of its own, being the largest file, so that it runs beside the rest.
SQL_JOBS: dict[str, list[str]] = {
    "sql": [],  # every target not listed below
    "claims": ["sql/out/out__claims_check.sql"],
    "estimate_sql": ["sql/estimate/marginals.sql", "sql/estimate/observed_matrices.sql"],
}


@dataclass
class Score:
    job: str
    killed: int = 0
    survivors: list[str] = field(default_factory=list)
    seconds: float = 0.0
    error: str = ""

    @property
    def total(self) -> int:
        return self.killed + len(self.survivors)

    def line(self) -> str:
        if self.error:
            return f"{self.job:10} ERROR {self.error}"
        pct = 100 * self.killed / self.total if self.total else 0.0
        return (
            f"{self.job:10} {self.killed:4} of {self.total:4} killed  {pct:5.1f} %"
            f"  ({self.seconds:.0f} s)"
        )


def scratch_copy() -> Path:
    """The checkout's files (tracked, and new ones not ignored) in a temporary folder, with the
    virtual environment linked in."""
    listed = subprocess.run(
        ["git", "ls-files", "-z", "--cached", "--others", "--exclude-standard"],
        cwd=ROOT,
        capture_output=True,
        check=True,
    ).stdout.split(b"\0")
    folder = Path(tempfile.mkdtemp(prefix="atlas-mutation-"))
    for name in filter(None, (n.decode() for n in listed)):
        source = ROOT / name
        if source.is_file():
            target = folder / name
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)
    (folder / ".venv").symlink_to(VENV_BIN.parent)
    return folder


def environment() -> dict[str, str]:
    env = dict(os.environ)
    env["PATH"] = f"{VENV_BIN}{os.pathsep}{env.get('PATH', '')}"
    env.pop("CI", None)  # the tests' own rule on skips is not what is measured here
    return env


def run(args: list[str], cwd: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(args, cwd=cwd, env=environment(), capture_output=True, text=True)


def cosmic_ray(name: str) -> Score:
    score, started = Score(name), time.monotonic()
    folder = scratch_copy()
    try:
        config, session = CONFIGS / f"{name}.toml", folder / f"{name}.sqlite"
        steps = [
            ["cosmic-ray", "init", str(config), str(session)],
            ["cr-filter-operators", str(session), str(config)],
            ["cosmic-ray", "baseline", str(config)],
            ["cosmic-ray", "exec", str(config), str(session)],
        ]
        for step in steps:
            done = run([str(VENV_BIN / step[0]), *step[1:]], folder)
            if done.returncode != 0:
                score.error = f"{' '.join(step[:2])} failed: {(done.stdout + done.stderr)[-800:]}"
                return score
        dump = run([str(VENV_BIN / "cosmic-ray"), "dump", str(session)], folder).stdout
        for line in dump.splitlines():
            item, result = json.loads(line)
            if result is None or result["worker_outcome"] == "skipped":
                continue
            mutation = item["mutations"][0]
            if result["test_outcome"] == "survived":
                where = f"{mutation['module_path']}:{mutation['start_pos'][0]}"
                score.survivors.append(f"{where} {mutation['operator_name']}")
            else:  # killed, or incompetent (the mutant cannot even be imported)
                score.killed += 1
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        score.seconds = time.monotonic() - started
    return score


def sql_files(name: str) -> list[str]:
    if SQL_JOBS[name]:
        return SQL_JOBS[name]
    sys.path.insert(0, str(ROOT / "mutation"))
    from sql_mutants import TARGETS

    elsewhere = {f for files in SQL_JOBS.values() for f in files}
    return [f for f in TARGETS if f not in elsewhere]


def sql_mutants(name: str) -> Score:
    score, started = Score(name), time.monotonic()
    folder = scratch_copy()
    try:
        report = folder / "sql_mutants.json"
        command = [sys.executable, "mutation/sql_mutants.py", "--json", str(report)]
        done = run([*command, *sql_files(name)], folder)
        if done.returncode != 0:
            score.error = (done.stdout + done.stderr)[-800:]
            return score
        for mutant in json.loads(report.read_text(encoding="utf-8")):
            if mutant["killed"]:
                score.killed += 1
            else:
                score.survivors.append(
                    f"{mutant['file']}:{mutant['line']} {mutant['was']!r} -> {mutant['now']!r}"
                )
    finally:
        shutil.rmtree(folder, ignore_errors=True)
        score.seconds = time.monotonic() - started
    return score


def main(argv: list[str]) -> int:
    jobs = [p.stem for p in sorted(CONFIGS.glob("*.toml"))] + list(SQL_JOBS)
    chosen = argv or list(jobs)
    unknown = set(chosen) - set(jobs)
    if unknown:
        print(f"unknown job(s) {', '.join(sorted(unknown))}; jobs: {', '.join(jobs)}")
        return 2
    workers = int(os.environ.get("ATLAS_MUTATION_JOBS", "2"))
    started = time.monotonic()
    with ThreadPoolExecutor(max_workers=workers) as pool:
        # the SQL jobs are the longest: started first
        ordered = sorted(chosen, key=lambda j: j not in SQL_JOBS)
        futures = [pool.submit(sql_mutants if j in SQL_JOBS else cosmic_ray, j) for j in ordered]
        for future in as_completed(futures):
            print("done: " + future.result().line(), flush=True)
        scores = [future.result() for future in futures]
    print("\nmutation score (killed / mutants)")
    for score in scores:
        print("  " + score.line())
    killed = sum(s.killed for s in scores)
    total = sum(s.total for s in scores)
    if total:
        print(f"  {'all':10} {killed:4} of {total:4} killed  {100 * killed / total:5.1f} %")
    print(f"  in {time.monotonic() - started:.0f} s")
    survivors = [s for score in scores for s in score.survivors]
    if survivors:
        print("\nsurviving mutants (README, 'Mutation testing', says which are equivalent):")
        for survivor in survivors:
            print("  " + survivor)
    return 1 if any(s.error for s in scores) else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
