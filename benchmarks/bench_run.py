"""One deterministic run of openai-nvidia-10gw (monthly, through 2032); floor: 50 ms median.

Also reports the model's events per second beside SimPy's raw timeout throughput
measured in the same process.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import simpy

from capsim.model.resolve import resolve
from capsim.model.world import World
from capsim.scenario.loader import load_scenario
from capsim.simulation import simulate

FLOOR_SECONDS = 0.050
REPEATS = 30
SCENARIO = Path(__file__).resolve().parents[1] / "scenarios" / "openai-nvidia-10gw.yaml"


def raw_timeouts_per_second(count: int = 200_000) -> float:
    """Events per second of a bare SimPy process yielding timeouts."""
    env = simpy.Environment()

    def ticker():
        for _ in range(count):
            yield env.timeout(1)

    env.process(ticker())
    start = time.perf_counter()
    env.run()
    return count / (time.perf_counter() - start)


def model_events_per_second(scenario, runs: int = 10) -> tuple[int, float]:
    """(events scheduled in one run, events per second of the SimPy part of runs)."""
    events = elapsed = 0.0
    for _ in range(runs):
        world = World(resolve(scenario))
        start = time.perf_counter()
        world.run()
        elapsed += time.perf_counter() - start
        events += next(world.env._eid)  # SimPy numbers every scheduled event
    return int(events / runs), events / elapsed


def main() -> int:
    scenario = load_scenario(SCENARIO)
    simulate(scenario)  # warm caches
    times = []
    for _ in range(REPEATS):
        start = time.perf_counter()
        simulate(scenario)
        times.append(time.perf_counter() - start)
    median = statistics.median(times)
    events, model_rate = model_events_per_second(scenario)
    raw_rate = raw_timeouts_per_second()
    print(f"scenario: {scenario.name}, {scenario.horizon.start} to {scenario.horizon.end}")
    print(
        f"simulate() wall time, median of {REPEATS}: {median * 1e3:.1f} ms "
        f"(min {min(times) * 1e3:.1f} ms)"
    )
    print(
        f"events per run: {events}; model: {model_rate:,.0f} events/s; "
        f"raw SimPy timeouts: {raw_rate:,.0f} events/s"
    )
    print(f"floor: {FLOOR_SECONDS * 1e3:.0f} ms -> {'ok' if median <= FLOOR_SECONDS else 'MISSED'}")
    return 0 if median <= FLOOR_SECONDS else 1


if __name__ == "__main__":
    sys.exit(main())
