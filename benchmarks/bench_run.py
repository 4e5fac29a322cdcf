"""One deterministic run of openai-nvidia-10gw and of openai-all-deals (monthly, through
2032); floors: 20 ms and 60 ms median for ``capsim.simulate`` (the run, its Dataset and
milestone dates).

Also reports ``capsim.model.run`` alone, and the model's events per second beside
SimPy's raw timeout throughput measured in the same process.
"""

from __future__ import annotations

import statistics
import sys
import time
from pathlib import Path

import simpy

from capsim.model import run
from capsim.model.resolve import resolve
from capsim.model.world import World
from capsim.scenario.loader import load_scenario
from capsim.simulation import simulate

REPEATS = 30
SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
#: Each scenario timed and its floor [s].
FLOORS = {"openai-nvidia-10gw": 0.020, "openai-all-deals": 0.060}


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
    """(events processed in one run, events per second of the SimPy part of runs)."""
    events = elapsed = 0.0
    for _ in range(runs):
        world = World(resolve(scenario))
        step = world.env.step
        count = [0]

        def counted(step=step, count=count):
            count[0] += 1
            step()

        world.env.step = counted  # SimPy's monitoring recipe: wrap Environment.step
        start = time.perf_counter()
        world.run()
        elapsed += time.perf_counter() - start
        events += count[0]
    return int(events / runs), events / elapsed


def median_time(function, repeats: int) -> tuple[float, float]:
    """(median, min) wall time of ``function()`` over ``repeats`` calls [s]."""
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        function()
        times.append(time.perf_counter() - start)
    return statistics.median(times), min(times)


def main() -> int:
    missed = 0
    for name, floor in FLOORS.items():
        missed += _report(load_scenario(SCENARIOS / f"{name}.yaml"), floor)
    return 1 if missed else 0


def _report(scenario, floor: float) -> int:
    """Print one scenario's figures; 1 if its median misses ``floor`` [s], else 0."""
    simulate(scenario)  # warm caches
    median, fastest = median_time(lambda: simulate(scenario), REPEATS)
    run_median, run_fastest = median_time(lambda: run(scenario), REPEATS)
    events, model_rate = model_events_per_second(scenario)
    raw_rate = raw_timeouts_per_second()
    print(f"scenario: {scenario.name}, {scenario.horizon.start} to {scenario.horizon.end}")
    print(
        f"simulate() wall time, median of {REPEATS}: {median * 1e3:.1f} ms "
        f"(min {fastest * 1e3:.1f} ms)"
    )
    print(
        f"capsim.model.run() wall time, median of {REPEATS}: {run_median * 1e3:.1f} ms "
        f"(min {run_fastest * 1e3:.1f} ms)"
    )
    print(
        f"events per run: {events}; model: {model_rate:,.0f} events/s; "
        f"raw SimPy timeouts: {raw_rate:,.0f} events/s"
    )
    print(f"floor: {floor * 1e3:.0f} ms -> {'ok' if median <= floor else 'MISSED'}\n")
    return 0 if median <= floor else 1


if __name__ == "__main__":
    sys.exit(main())
