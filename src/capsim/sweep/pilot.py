"""A timed pilot: how long one run of a scenario takes here, to size a study before it
starts."""

from __future__ import annotations

import time

from capsim.scenario.document import Scenario
from capsim.sweep.sample import run_sample

PILOT_RUNS = 2


def seconds_per_run(scenario: Scenario, runs: int = PILOT_RUNS) -> float:
    """Mean wall-clock time of ``runs`` central runs of ``scenario`` in this process [s].

    The first run pays for warming caches, so the mean errs long rather than short.
    """
    start = time.perf_counter()
    for _ in range(runs):
        run_sample(scenario, {})
    return (time.perf_counter() - start) / runs
