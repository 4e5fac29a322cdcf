"""What contention costs each OpenAI deal: each deal alone against the joint world.

Runs ``openai-all-deals`` and each of its three deal files as Monte Carlo studies with one
seed and sample count, so sample *i* of each draws the same values for the inputs they
share (common random numbers), and prints, for each deal's first-GW and last-target
milestones, the P10/P50/P90 of the per-sample delay in the joint world, the shift of the
P50 date, and what held the deal back in the months it was behind; then who pays: each
programme's packages delivered in 2027-2030 in the joint world's central run against
its deal's run alone (base-world's for the market's other buyers).

The bar (issue "Buyers compete in one market"): no deal's P50 first-GW or last-target
date is earlier in the joint world by more than 15 days, and at least one is later by 30
days or more with CoWoS or HBM named as the reason. Beside each shift, the 10th to 90th
percentile of the shift over bootstrap resamples of the samples (in pairs): how much a
study of this size could move it with another seed.

    python validation/contention_cost.py --samples 200 [--workers 2] [--without-contracts]

``--without-contracts`` runs the same comparison with the deals as ordinary buyers: no
contracted share of their products, and the priority of their product's other buyers,
so that they share each month's packages with them pro rata to what each wants.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from capsim.analysis.compare import DeliveryChange, delivery_changes, paired_delays
from capsim.analysis.uncertainty import milestone_quantiles
from capsim.model.dating import horizon_after
from capsim.scenario.document import Scenario
from capsim.scenario.loader import load_scenario
from capsim.simulation import simulate
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


def without_contracts(scenario: Scenario) -> Scenario:
    """``scenario`` with each deal programme (the milestones' programmes of ``DEALS``)
    holding no contracted share and at the best priority of its product's other
    programmes (its own if it has none)."""
    deals = {
        scenario.milestones[milestone].programme
        for milestones in DEALS.values()
        for milestone in milestones
        if milestone in scenario.milestones
    }
    programmes = dict(scenario.programmes)
    for gid in deals:
        programme = programmes[gid]
        others = [
            other.priority
            for oid, other in scenario.programmes.items()
            if oid not in deals and other.product == programme.product
        ]
        priority = min(others, default=programme.priority)
        programmes[gid] = programme.model_copy(update={"share": None, "priority": priority})
    return scenario.model_copy(update={"programmes": programmes})


#: The years whose deliveries "who pays" compares: [start, end).
WHO_PAYS = (np.datetime64("2027-01-01"), np.datetime64("2031-01-01"))


def _in_window(result):
    """``result``'s months in the :data:`WHO_PAYS` years."""
    time = result["time"].values
    return result.isel(time=(time >= WHO_PAYS[0]) & (time < WHO_PAYS[1]))


def who_pays(load) -> list[DeliveryChange]:
    """Each programme of the joint world: the packages delivered to it in the
    :data:`WHO_PAYS` years alone and joint, from central runs of the scenarios
    ``load(name)`` gives; "alone" is base-world for the market's buyers, else the
    programme's deal file."""
    joint = _in_window(simulate(load(JOINT)))
    rows: dict[str, DeliveryChange] = {}
    for name in ("base-world", *DEALS):
        for row in delivery_changes(_in_window(simulate(load(name))), joint):
            rows.setdefault(row.programme, row)
    return [rows[g] for g in joint.programme.values.tolist() if g in rows]


def _p50_day(study, milestone: str) -> np.datetime64:
    value = milestone_quantiles(study).sel(milestone=milestone, quantile=0.5).values
    return horizon_after(study["time"].values) if np.isnat(value) else value


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--workers", type=int, default=1)
    parser.add_argument(
        "--without-contracts",
        action="store_true",
        help="the deals hold no contracted share and share their products pro rata",
    )
    arguments = parser.parse_args(argv)
    execution = Execution(workers=arguments.workers, progress=False)

    def load(name: str) -> Scenario:
        scenario = load_scenario(SCENARIOS / f"{name}.yaml")
        return without_contracts(scenario) if arguments.without_contracts else scenario

    def study(name: str):
        scenario = load(name)
        result = monte_carlo(scenario, arguments.samples, seed=arguments.seed, execution=execution)
        return scenario, result

    _, joint = study(JOINT)
    earlier_ok, later_found = True, False
    print(f"{arguments.samples} samples, seed {arguments.seed}; days later in {JOINT}")
    print(
        f"{'milestone':<28}{'P50 alone':>12}{'P50 joint':>12}{'shift':>8}{'80 % of shifts':>16}"
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
            _, low, high = row.shift
            spread = f"{low:+.0f} to {high:+.0f}"
            print(
                f"{row.milestone:<28}{str(a)[:10]:>12}{str(b)[:10]:>12}{shift:>+8.0f}"
                f"{spread:>16}{days:>22}   {why}"
            )
            earlier_ok &= shift >= -EARLIER_AT_MOST
            later_found |= shift >= LATER_AT_LEAST and row.reason in SUPPLY_REASONS
    verdict = earlier_ok and later_found
    print(
        f"\nno P50 earlier by more than {EARLIER_AT_MOST:g} days: {earlier_ok}; "
        f"one later by {LATER_AT_LEAST:g}+ days held back by CoWoS or HBM: {later_found}"
    )
    print("bar met" if verdict else "bar MISSED")
    print(f"\nwho pays: packages delivered {WHO_PAYS[0]} to {WHO_PAYS[1]}, central runs")
    print(f"{'programme':<28}{'alone':>14}{'joint':>14}{'change':>9}")
    for row in who_pays(load):
        change = "-" if row.change is None else f"{row.change:+.0%}"
        print(f"{row.programme:<28}{row.left:>14,.0f}{row.right:>14,.0f}{change:>9}")
    return 0 if verdict else 1


if __name__ == "__main__":
    sys.exit(main())
