"""Whole-process wall time of two short commands, as a user waits for them.

Floors: ``capsim --help`` 0.5 s and ``capsim validate scenarios/base-world.yaml``
0.8 s, each the median of REPEATS fresh processes (Python start-up, imports and the
command itself). One warm-up run of each goes first, so that byte-code and the unit
registry's cache are written before timing, as after any first use (byte-code is
written even where PYTHONDONTWRITEBYTECODE is set, as pip does when it installs). The CPU time of
each process (user + system) is printed too: on a busy machine the wall time grows with
the other processes' load, the CPU time much less.
"""

from __future__ import annotations

import os
import resource
import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 7
#: This environment, but writing byte-code.
ENVIRONMENT = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
#: Command (arguments of ``python -m capsim``) and its floor [s].
COMMANDS = {
    "capsim --help": (["--help"], 0.5),
    "capsim validate scenarios/base-world.yaml": (
        ["validate", str(ROOT / "scenarios" / "base-world.yaml")],
        0.8,
    ),
}


def timed(command: list[str]) -> tuple[float, float]:
    """Wall and CPU seconds of a process running ``command`` (which must exit with 0)."""
    before = resource.getrusage(resource.RUSAGE_CHILDREN)
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT, env=ENVIRONMENT)
    wall = time.perf_counter() - start
    after = resource.getrusage(resource.RUSAGE_CHILDREN)
    cpu = (after.ru_utime - before.ru_utime) + (after.ru_stime - before.ru_stime)
    return wall, cpu


def main() -> int:
    missed = 0
    python = statistics.median(timed([sys.executable, "-c", "pass"])[0] for _ in range(REPEATS))
    print(f"bare Python start-up, median of {REPEATS}: {python * 1e3:.0f} ms")
    for label, (arguments, floor) in COMMANDS.items():
        command = [sys.executable, "-m", "capsim", *arguments]
        timed(command)  # warm-up
        runs = [timed(command) for _ in range(REPEATS)]
        times = [wall for wall, _ in runs]
        median = statistics.median(times)
        cpu = statistics.median(cpu for _, cpu in runs)
        verdict = "ok" if median <= floor else "MISSED"
        missed += median > floor
        print(
            f"{label}: median of {REPEATS} {median * 1e3:.0f} ms "
            f"(min {min(times) * 1e3:.0f}, max {max(times) * 1e3:.0f}; CPU {cpu * 1e3:.0f} ms); "
            f"floor {floor * 1e3:.0f} ms -> {verdict}"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
