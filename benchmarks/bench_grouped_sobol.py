"""A grouped Sobol' study of openai-nvidia-10gw: first and total indices with their
intervals for at most 25 groups of its 390 uncertain inputs, timed; floor: 10 minutes
on 2 cores.

    python benchmarks/bench_grouped_sobol.py                # n = 256, 2 workers
    python benchmarks/bench_grouped_sobol.py --pilot 20     # time 20 runs, estimate only

Groups: one per entity for sites, HBM vendors, packaging lines and logic fabs, one per
top-level key for the rest (products, suppliers, programmes, risks): 21 groups, so
``n * (21 + 2)`` runs. ``--pilot K`` times K runs of the study's own design in this
process instead and prints the estimate (runs x CPU seconds per run / workers), for
when the cores are not free for the whole study.
"""

from __future__ import annotations

import argparse
import resource
import sys
import time
from pathlib import Path

import numpy as np
from SALib.sample import sobol as sobol_sample

from capsim.analysis.ranking import index_ranking
from capsim.analysis.scenario_sensitivity import Output, scenario_problem, sensitivity
from capsim.analysis.sensitivity import evaluations
from capsim.scenario.loader import load_scenario
from capsim.sweep.runner import Execution
from capsim.sweep.sample import run_sample

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "openai-nvidia-10gw.yaml"
GROUPS = [
    "entity:sites.*",
    "entity:hbm_vendors.*",
    "entity:packaging.*",
    "entity:logic_fabs.*",
    "key",
]
FLOOR = 600.0  # [s]: 10 minutes on 2 cores


def pilot(scenario, problem, n: int, runs: int, seed: int) -> tuple[float, float]:
    """(wall, CPU) seconds per run over ``runs`` rows of the study's own Saltelli
    design, in this process. CPU time is what a run costs on a free core; wall time
    also counts what other processes on a busy machine take."""
    u = sobol_sample.sample(problem.salib(), n, calc_second_order=False, seed=seed)
    rows = problem.inputs(u[:runs])
    start, cpu = time.perf_counter(), time.process_time()
    for row in rows:
        run_sample(scenario, dict(zip(problem.names, map(float, row), strict=True)))
    return (time.perf_counter() - start) / runs, (time.process_time() - cpu) / runs


def _cpu() -> float:
    """CPU seconds of this process and its finished children (the pool's workers)."""
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--n", type=int, default=256, help="Sobol' base sample (power of two)")
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--output", default="milestone:first-gw")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--pilot", type=int, metavar="K", help="time K runs; estimate only")
    arguments = parser.parse_args()

    scenario = load_scenario(SCENARIO)
    problem = scenario_problem(scenario, groups=GROUPS)
    groups = len(set(problem.groups))
    runs = evaluations("sobol", groups, n=arguments.n)
    print(f"{scenario.name}: {len(problem.names)} inputs in {groups} groups; n = {arguments.n}")
    print(f"sobol: {runs} runs on {arguments.workers} workers; output {arguments.output}")
    if arguments.pilot:
        wall, cpu = pilot(scenario, problem, arguments.n, arguments.pilot, arguments.seed)
        estimate = runs * cpu / arguments.workers
        print(
            f"pilot: {cpu * 1e3:.0f} CPU ms ({wall * 1e3:.0f} ms wall) a run over "
            f"{arguments.pilot} runs of the design"
        )
        busy = runs * wall / arguments.workers
        print(
            f"estimated study time on {arguments.workers} free cores: {estimate:.0f} s "
            f"(floor {FLOOR:.0f} s); at this pilot's wall time: {busy:.0f} s"
        )
        return 0 if estimate <= FLOOR else 1

    output = Output.parse(arguments.output, scenario)
    execution = Execution(workers=arguments.workers, progress=False)
    start, cpu = time.perf_counter(), _cpu()
    result = sensitivity(
        scenario, "sobol", output, groups=GROUPS, n=arguments.n, seed=arguments.seed,
        execution=execution,
    )  # fmt: skip
    elapsed, cpu = time.perf_counter() - start, _cpu() - cpu
    confidence = f"{100 * result.attrs['confidence']:.0f} % CI"
    print(f"{'group':<24}{'inputs':>7}{'S1':>8}{confidence:>18}{'ST':>8}{confidence:>18}")
    for i in np.argsort(-np.nan_to_num(result["ST"].values)):
        row = result.isel(group=i)
        s1, s1c, st, stc = (float(row[k]) for k in ("S1", "S1_conf", "ST", "ST_conf"))
        print(
            f"{row['group'].values!s:<24}{int(row['group_size']):>7}"
            f"{s1:>8.3f}{f'[{s1 - s1c:.3f}, {s1 + s1c:.3f}]':>18}"
            f"{st:>8.3f}{f'[{st - stc:.3f}, {st + stc:.3f}]':>18}"
        )
    ranking = index_ranking(result)
    print(f"{len(ranking.rows)} of {ranking.tested} groups distinguishable from zero")
    print(
        f"study time: {elapsed:.0f} s for {runs} runs (floor {FLOOR:.0f} s); "
        f"{cpu:.0f} CPU s, so {cpu / arguments.workers:.0f} s on {arguments.workers} free cores"
    )
    return 0 if elapsed <= FLOOR else 1


if __name__ == "__main__":
    sys.exit(main())
