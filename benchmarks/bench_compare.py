"""CPU time of ``capsim.model.run`` for two versions of the source, in alternating
processes (a shared machine's speed drifts by more than most changes gain).

    python benchmarks/bench_compare.py BEFORE/src AFTER/src [--rounds 5] [--runs 9]

Each round runs one process per version; each process times ``--runs`` runs of each
scenario (after one untimed run) with ``time.process_time``. Prints each version's least,
median and mean run [ms CPU] and their ratios (after / before); the mean counts the full
garbage collections that land in one run of ten or so, which a Monte Carlo study pays.
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
import subprocess
import sys
from pathlib import Path

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"

_TIMER = """
import json, sys, time
from pathlib import Path
from capsim.model import run
from capsim.scenario.loader import load_scenario
runs, folder, names = int(sys.argv[1]), Path(sys.argv[2]), sys.argv[3:]
out = {}
for name in names:
    scenario = load_scenario(folder / f"{name}.yaml")
    run(scenario)
    times = []
    for _ in range(runs):
        start = time.process_time()
        run(scenario)
        times.append(time.process_time() - start)
    out[name] = times
print(json.dumps(out))
"""


def timed(source: str, runs: int, names: list[str]) -> dict[str, list[float]]:
    """CPU seconds of each run of each scenario, in a process importing ``source``."""
    env = {**os.environ, "PYTHONPATH": source}
    done = subprocess.run(
        [sys.executable, "-c", _TIMER, str(runs), str(SCENARIOS), *names],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(done.stdout)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("before", help="the src folder of the version before")
    parser.add_argument("after", help="the src folder of the version after")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=9)
    parser.add_argument(
        "--scenario", action="append", help="scenario name (default: the two in bench_run)"
    )
    arguments = parser.parse_args()
    names = arguments.scenario or ["openai-nvidia-10gw", "openai-all-deals"]
    times = {label: {name: [] for name in names} for label in ("before", "after")}
    for _ in range(arguments.rounds):
        for label in ("before", "after"):
            for name, runs in timed(getattr(arguments, label), arguments.runs, names).items():
                times[label][name] += runs
    for name in names:
        before, after = times["before"][name], times["after"][name]
        figures = [
            (min(runs), statistics.median(runs), statistics.fmean(runs)) for runs in (before, after)
        ]
        (least, median, mean), (least2, median2, mean2) = figures
        print(
            f"{name}: before {least * 1e3:.1f} / {median * 1e3:.1f} / {mean * 1e3:.1f} ms CPU"
            f" (least / median / mean), after {least2 * 1e3:.1f} / {median2 * 1e3:.1f} /"
            f" {mean2 * 1e3:.1f} ms; ratio {least2 / least:.3f} / {median2 / median:.3f} /"
            f" {mean2 / mean:.3f}"
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
