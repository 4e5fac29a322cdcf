"""Whole-process wall time of two short commands, as a user waits for them.

Floors: ``capsim --help`` 0.5 s and ``capsim validate scenarios/base-world.yaml``
0.8 s, each the median of REPEATS fresh processes (Python start-up, imports and the
command itself). One warm-up run of each goes first, so that byte-code and the unit
registry's cache are written before timing, as after any first use.
"""

from __future__ import annotations

import statistics
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
REPEATS = 7
#: Command (arguments of ``python -m capsim``) and its floor [s].
COMMANDS = {
    "capsim --help": (["--help"], 0.5),
    "capsim validate scenarios/base-world.yaml": (
        ["validate", str(ROOT / "scenarios" / "base-world.yaml")],
        0.8,
    ),
}


def wall_time(command: list[str]) -> float:
    """Seconds from starting ``command`` to its exit (which must be 0)."""
    start = time.perf_counter()
    subprocess.run(command, check=True, stdout=subprocess.DEVNULL, cwd=ROOT)
    return time.perf_counter() - start


def main() -> int:
    missed = 0
    python = statistics.median(wall_time([sys.executable, "-c", "pass"]) for _ in range(REPEATS))
    print(f"bare Python start-up, median of {REPEATS}: {python * 1e3:.0f} ms")
    for label, (arguments, floor) in COMMANDS.items():
        command = [sys.executable, "-m", "capsim", *arguments]
        wall_time(command)  # warm-up
        times = [wall_time(command) for _ in range(REPEATS)]
        median = statistics.median(times)
        verdict = "ok" if median <= floor else "MISSED"
        missed += median > floor
        print(
            f"{label}: median of {REPEATS} {median * 1e3:.0f} ms "
            f"(min {min(times) * 1e3:.0f}, max {max(times) * 1e3:.0f}); "
            f"floor {floor * 1e3:.0f} ms -> {verdict}"
        )
    return 1 if missed else 0


if __name__ == "__main__":
    sys.exit(main())
