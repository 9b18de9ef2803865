"""``python -m bench.measure <command…>``: run a command, print its seconds, CPU seconds (user +
system, the command's waited-for children included) and peak memory.

The peak comes from ``os.wait4`` in this small process rather than in the benchmark itself:
on Linux a child's ru_maxrss starts from the memory of the process it was forked from, so
measuring from a large parent would add the parent's size to every figure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time


def main() -> None:
    command = sys.argv[1:]
    start = time.perf_counter()
    child = subprocess.Popen(command)
    _, status, usage = os.wait4(child.pid, 0)
    seconds = time.perf_counter() - start
    code = os.waitstatus_to_exitcode(status)
    cpu = usage.ru_utime + usage.ru_stime
    print(
        json.dumps(
            {
                "seconds": seconds,
                "cpu_seconds": cpu,
                "peak_mb": usage.ru_maxrss / 1024,
                "exit": code,
            }
        )
    )


if __name__ == "__main__":
    main()
