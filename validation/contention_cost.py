"""What contention costs each OpenAI deal: each deal alone against the joint world.

Runs ``openai-all-deals`` and each of its three deal files as Monte Carlo studies with one
seed and sample count, so sample *i* of each draws the same values for the inputs they
share (common random numbers), and prints, for each deal's first-GW and last-target
milestones, the P10/P50/P90 of the per-sample delay in the joint world, the shift of the
P50 date, and what held the deal back in the months it was behind.

The bar (issue "Buyers compete in one market"): no deal's P50 first-GW or last-target
date is earlier in the joint world by more than 15 days, and at least one is later by 30
days or more with CoWoS or HBM named as the reason.

    python validation/contention_cost.py --samples 200 [--workers 2]
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from capsim.analysis.compare import paired_delays
from capsim.analysis.uncertainty import milestone_quantiles
from capsim.model.dating import horizon_after
from capsim.scenario.loader import load_scenario
from capsim.sweep.runner import Execution
from capsim.sweep.study import monte_carlo

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
JOINT = "openai-all-deals"
#: Each deal file and its (first GW, last target) milestones.
DEALS = {
    "openai-nvidia-10gw": ("first-gw", "ten-gw"),
    "openai-amd-6gw": ("openai-amd-first-gw", "openai-amd-six-gw"),
    "openai-broadcom-10gw": ("openai-broadcom-first-gw", "openai-broadcom-ten-gw"),
}
EARLIER_AT_MOST = 15.0  # days
LATER_AT_LEAST = 30.0  # days
SUPPLY_REASONS = {"cowos", "hbm"}


def _p50_day(study, milestone: str) -> np.datetime64:
    value = milestone_quantiles(study).sel(milestone=milestone, quantile=0.5).values
    return horizon_after(study["time"].values) if np.isnat(value) else value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--workers", type=int, default=1)
    arguments = parser.parse_args(argv)
    execution = Execution(workers=arguments.workers, progress=False)

    def study(name: str):
        scenario = load_scenario(SCENARIOS / f"{name}.yaml")
        result = monte_carlo(scenario, arguments.samples, seed=arguments.seed, execution=execution)
        return scenario, result

    _, joint = study(JOINT)
    earlier_ok, later_found = True, False
    print(f"{arguments.samples} samples, seed {arguments.seed}; days later in {JOINT}")
    print(
        f"{'milestone':<28}{'P50 alone':>12}{'P50 joint':>12}{'shift':>8}"
        f"{'paired P10/P50/P90':>22}   held back by"
    )
    for name, milestones in DEALS.items():
        scenario, alone = study(name)
        programmes = {}
        for milestone in milestones:
            programme = scenario.milestones[milestone].programme
            programmes[milestone] = (programme, scenario.programmes[programme].product)
        for row in paired_delays(alone, joint, programmes):
            a, b = _p50_day(alone, row.milestone), _p50_day(joint, row.milestone)
            shift = float((b - a) / np.timedelta64(1, "D"))
            days = " / ".join(f"{d:+.0f}" for d in row.days)
            why = f"{row.reason} ({row.reason_share:.0%})" if row.reason else "-"
            print(
                f"{row.milestone:<28}{str(a)[:10]:>12}{str(b)[:10]:>12}{shift:>+8.0f}"
                f"{days:>22}   {why}"
            )
            earlier_ok &= shift >= -EARLIER_AT_MOST
            later_found |= shift >= LATER_AT_LEAST and row.reason in SUPPLY_REASONS
    verdict = earlier_ok and later_found
    print(
        f"\nno P50 earlier by more than {EARLIER_AT_MOST:g} days: {earlier_ok}; "
        f"one later by {LATER_AT_LEAST:g}+ days held back by CoWoS or HBM: {later_found}"
    )
    print("bar met" if verdict else "bar MISSED")
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
