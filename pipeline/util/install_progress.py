"""What `make install` shows while pip installs the project: one short line per package.

pip's full output runs to hundreds of lines and its ``--quiet`` prints nothing for minutes;
this filter reads pip's output and prints ``[n] collecting <package>`` for each package it
collects, then what it installs. The Makefile runs it as a plain script (nothing of the
project is installed yet, so it uses the standard library only) and keeps pip's exit status.
"""

from __future__ import annotations

import re
import sys
from collections.abc import Iterable, Iterator

_COLLECTING = re.compile(r"^Collecting (?P<name>[A-Za-z0-9._-]+)")
_INSTALLING = re.compile(r"^Installing collected packages: (?P<names>.*)$")
_DONE = re.compile(r"^Successfully installed (?P<names>.*)$")
_PROBLEM = re.compile(r"^(ERROR|WARNING)\b")


def progress_lines(pip_output: Iterable[str]) -> Iterator[str]:
    """The lines to show for pip's output lines."""
    collected = 0
    for line in pip_output:
        text = line.rstrip("\n")
        if m := _COLLECTING.match(text):
            collected += 1
            yield f"  [{collected}] collecting {m['name']}"
        elif m := _INSTALLING.match(text):
            count = len([n for n in m["names"].split(",") if n.strip()])
            yield f"  installing {count} packages (the slowest step, no output for a while)"
        elif m := _DONE.match(text):
            yield f"  installed {len(m['names'].split())} packages"
        elif _PROBLEM.match(text):
            yield f"  {text}"


def main() -> int:
    for shown in progress_lines(sys.stdin):
        print(shown, flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
