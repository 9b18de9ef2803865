"""Python environments of their own for the tests that must see the project as someone else
would: another DuckDB client, or the package installed from its wheel.

An environment given by packages is made once per machine and Python version (under the system's
temporary folder, a lock held while it is made) and reused by later runs. Where PyPI cannot be
reached the test is skipped with the reason, except where ``ATLAS_REQUIRE_PYPI=1`` (CI) makes
that an error.
"""

from __future__ import annotations

import fcntl
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
import venv
from pathlib import Path

import pytest

CACHE = Path(tempfile.gettempdir()) / "microwork-atlas-test-envs"


def _run(args: list[str | os.PathLike[str]], timeout: int = 600) -> subprocess.CompletedProcess:
    return subprocess.run(
        [str(a) for a in args], capture_output=True, text=True, timeout=timeout, check=False
    )


def pip_failed(done: subprocess.CompletedProcess, what: str) -> None:
    """A pip install that failed: skipped (no network) unless ATLAS_REQUIRE_PYPI=1."""
    message = f"could not install {what} from PyPI:\n{done.stdout[-1500:]}{done.stderr[-1500:]}"
    if os.environ.get("ATLAS_REQUIRE_PYPI") == "1":
        pytest.fail(message)
    pytest.skip(message)


def python_of(env: Path) -> Path:
    return env / "bin" / "python"


def cached_env(packages: list[str]) -> Path:
    """An environment holding ``packages`` (pip requirement strings), made on first use."""
    key = hashlib.sha256("\n".join([sys.version, *packages]).encode()).hexdigest()[:16]
    env = CACHE / f"env-{key}"
    CACHE.mkdir(parents=True, exist_ok=True)
    with open(CACHE / f"env-{key}.lock", "w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if (env / "ready").exists():
            return env
        # Made in place under the lock (pip writes absolute paths into the scripts); one left
        # half made by a killed run has no ``ready`` file and is made again.
        shutil.rmtree(env, ignore_errors=True)
        venv.create(env, with_pip=True)
        done = _run([python_of(env), "-m", "pip", "install", "--quiet", *packages])
        if done.returncode != 0:
            shutil.rmtree(env, ignore_errors=True)
            pip_failed(done, " ".join(packages))
        (env / "ready").write_text("\n".join(packages) + "\n")
        return env


def env_over_this_one(where: Path) -> Path:
    """A new, empty environment that also sees this environment's installed packages (the
    project's dependencies) after its own: what it installs comes first.

    ``--system-site-packages`` would show the base interpreter's packages, not this
    environment's, so this environment's folders are added by a ``.pth`` file instead. Only
    their paths are added, not their own ``.pth`` hooks, so an editable install of the project
    there is not seen.
    """
    venv.create(where, with_pip=True)
    done = _run(
        [python_of(where), "-c", "import sysconfig; print(sysconfig.get_path('purelib'))"],
    )
    site = Path(done.stdout.strip())
    ours = [p for p in sys.path if p.endswith("site-packages") and Path(p).is_dir()]
    (site / "zz_shared_environment.pth").write_text("\n".join(ours) + "\n")
    return where
