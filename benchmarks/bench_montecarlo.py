"""Monte Carlo throughput, overhead, parallel efficiency, Dask, and memory of a long run.

    python benchmarks/bench_montecarlo.py throughput   # openai-nvidia-10gw, 1 and 2 workers, Dask
    python benchmarks/bench_montecarlo.py dask         # Dask vs the pool, alternating runs
    python benchmarks/bench_montecarlo.py memory       # 100,000 samples to Zarr, peak RSS

``--samples``, ``--chunk`` and ``--repeats`` change the runs' size and number.

Floors: >= 40 samples/s per core; sampling and I/O <= 20 % of model time; 2-worker
efficiency >= 80 %; Dask within 15 % of the local pool; peak memory <= 1 GiB.
"""

from __future__ import annotations

import argparse
import os
import resource
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path

from capsim.scenario.loader import load_scenario
from capsim.sweep.plans import MonteCarloPlan
from capsim.sweep.runner import Execution
from capsim.sweep.sample import run_sample
from capsim.sweep.space import UncertainSpace
from capsim.sweep.study import monte_carlo

ROOT = Path(__file__).resolve().parents[1]
SCENARIO = ROOT / "scenarios" / "openai-nvidia-10gw.yaml"


def _timed_study(scenario, samples: int, execution: Execution) -> float:
    with tempfile.TemporaryDirectory() as folder:
        start = time.perf_counter()
        monte_carlo(scenario, samples, store=Path(folder) / "s.zarr", execution=execution)
        return time.perf_counter() - start


def _cpu() -> float:
    """CPU seconds of this process and its finished children (pool or Dask workers)."""
    own, children = (
        resource.getrusage(who) for who in (resource.RUSAGE_SELF, resource.RUSAGE_CHILDREN)
    )
    return own.ru_utime + own.ru_stime + children.ru_utime + children.ru_stime


def dask_vs_pool(samples: int = 1200, chunk: int = 64, repeats: int = 5) -> int:
    """Median wall time of a Dask LocalCluster vs the local pool (2 workers each), in
    alternating runs, as the VM's speed drifts."""
    scenario = load_scenario(SCENARIO)
    runs = {
        "pool": Execution(workers=2, chunk=chunk, progress=False),
        "dask": Execution(dask_local=2, chunk=chunk, progress=False),
    }
    wall: dict[str, list[float]] = {name: [] for name in runs}
    cpu: dict[str, list[float]] = {name: [] for name in runs}
    for repeat in range(repeats):
        for name in sorted(runs, reverse=repeat % 2 == 1):
            start = _cpu()
            wall[name].append(_timed_study(scenario, samples, runs[name]))
            cpu[name].append(_cpu() - start)
            print(f"{name}: {wall[name][-1]:.1f} s, {cpu[name][-1]:.1f} CPU s", flush=True)
    pool, dask = (statistics.median(wall[name]) for name in ("pool", "dask"))
    pool_cpu, dask_cpu = (statistics.median(cpu[name]) for name in ("pool", "dask"))
    ratio = dask / pool - 1.0
    print(f"{samples} samples, chunks of {chunk}, medians of {repeats} alternating runs:")
    print(f"pool {pool:.1f} s ({pool_cpu:.1f} CPU s), Dask {dask:.1f} s ({dask_cpu:.1f} CPU s)")
    print(f"Dask LocalCluster, 2 workers: {ratio:+.1%} time vs the local pool (floor 15 %)")
    return 0 if ratio <= 0.15 else 1


def throughput(samples: int = 600) -> int:
    scenario = load_scenario(SCENARIO)
    plan = MonteCarloPlan(UncertainSpace(scenario), samples, scenario.seed)
    rows = plan.rows(0, samples)
    run_sample(scenario, plan.space.draw(rows[0]))  # warm caches
    start = time.perf_counter()
    for row in rows:
        run_sample(scenario, dict(zip(plan.names, map(float, row), strict=True)))
    model = time.perf_counter() - start
    serial = _timed_study(scenario, samples, Execution(workers=1, progress=False))
    pool = _timed_study(scenario, 2 * samples, Execution(workers=2, progress=False))
    dask = _timed_study(scenario, 2 * samples, Execution(dask_local=2, progress=False))
    per_core = samples / serial
    overhead = serial / model - 1.0
    efficiency = (2 * samples / pool) / (2 * per_core)
    dask_ratio = dask / pool - 1.0
    print(f"scenario: {scenario.name}, {len(plan.names)} uncertain inputs")
    print(f"model alone: {samples / model:.1f} samples/s ({model / samples * 1e3:.1f} ms/sample)")
    print(f"study, 1 worker: {per_core:.1f} samples/s per core (floor 40)")
    print(f"sampling + storage overhead: {overhead:.1%} of model time (floor 20 %)")
    print(
        f"study, 2 workers ({2 * samples} samples): {2 * samples / pool:.1f} samples/s, "
        f"efficiency {efficiency:.0%} (floor 80 %, pool start-up included)"
    )
    print(f"Dask LocalCluster, 2 workers: {dask_ratio:+.1%} time vs the local pool (floor 15 %)")
    ok = per_core >= 40 and overhead <= 0.20 and efficiency >= 0.80 and dask_ratio <= 0.15
    return 0 if ok else 1


class _PeakMemory(threading.Thread):
    """Peak resident memory of this process and its children, sampled every 0.2 s."""

    def __init__(self):
        super().__init__(daemon=True)
        self.peak = 0
        self.running = True

    def run(self):
        while self.running:
            self.peak = max(self.peak, _tree_rss(os.getpid()))
            time.sleep(0.2)


def _tree_rss(root: int) -> int:
    total = 0
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text().split()
            status = (entry / "status").read_text()
        except OSError:
            continue
        if int(entry.name) == root or int(stat[3]) == root:
            for line in status.splitlines():
                if line.startswith("VmRSS:"):
                    total += int(line.split()[1]) * 1024
    return total


def memory(samples: int = 100_000) -> int:
    scenario = load_scenario(ROOT / "scenarios" / "korea-10k-gpus.yaml")
    monitor = _PeakMemory()
    monitor.start()
    start = time.perf_counter()
    with tempfile.TemporaryDirectory() as folder:
        store = Path(folder) / "big.zarr"
        result = monte_carlo(scenario, samples, store=store, execution=Execution(chunk=256))
        done = int(result.chunk_done.sum())
        size = sum(p.stat().st_size for p in store.rglob("*") if p.is_file())
    monitor.running = False
    monitor.join()
    elapsed = time.perf_counter() - start
    print(
        f"scenario: {scenario.name}; {samples} samples in {elapsed / 60:.1f} min "
        f"({samples / elapsed:.0f} samples/s on {os.cpu_count()} cores); {done} chunks"
    )
    print(f"store size: {size / 2**20:.0f} MiB")
    print(
        f"peak memory (this process and its workers): {monitor.peak / 2**30:.2f} GiB (floor 1 GiB)"
    )
    return 0 if monitor.peak <= 2**30 else 1


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "mode", nargs="?", default="throughput", choices=["throughput", "dask", "memory"]
    )
    parser.add_argument("--samples", type=int, help="samples (default: the mode's)")
    parser.add_argument("--chunk", type=int, default=64, help="samples per chunk (dask mode)")
    parser.add_argument("--repeats", type=int, default=5, help="runs of each (dask mode)")
    arguments = parser.parse_args()
    sized = {} if arguments.samples is None else {"samples": arguments.samples}
    if arguments.mode == "dask":
        return dask_vs_pool(chunk=arguments.chunk, repeats=arguments.repeats, **sized)
    return (throughput if arguments.mode == "throughput" else memory)(**sized)


if __name__ == "__main__":
    sys.exit(main())
