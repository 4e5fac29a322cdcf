"""Load and validate every shipped scenario in-process; floor: 0.5 s for all of them."""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

from capsim.scenario.loader import load_scenario

FLOOR_SECONDS = 0.5
REPEATS = 15


def load_all(paths: list[Path]) -> float:
    start = time.perf_counter()
    for path in paths:
        load_scenario(path)
    return time.perf_counter() - start


def main() -> int:
    paths = sorted(Path(__file__).resolve().parents[1].glob("scenarios/*.yaml"))
    load_all(paths)  # warm caches (seed facts, unit registry)
    times = [load_all(paths) for _ in range(REPEATS)]
    median = statistics.median(times)
    print(f"scenarios: {len(paths)}")
    print(
        f"load + validate all, median of {REPEATS}: {median * 1e3:.1f} ms "
        f"(min {min(times) * 1e3:.1f} ms, max {max(times) * 1e3:.1f} ms)"
    )
    print(f"floor: {FLOOR_SECONDS * 1e3:.0f} ms -> {'ok' if median <= FLOOR_SECONDS else 'MISSED'}")
    return 0 if median <= FLOOR_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
