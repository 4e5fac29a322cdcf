"""How long a milestone waits on its last fraction: days from the month its quantity first
stands at ``--share`` of the threshold at a month's end to the milestone's date.

A last target ("10 GW") needs the last package of a deal; in a market where stacks a
product cannot use this month go to whoever can, a deal's last few thousand packages can
trickle in over months (docs/model.md, known gaps). This runs a Monte Carlo study and
prints, over the samples whose quantity reaches the share within the horizon, the
median, 90th percentile and longest wait [day], how many wait more than 60 days, and how
many never meet the milestone (with the month they reached the share: a sample that
reaches it in the horizon's last months has no time left, which is not a trickle).

    python validation/last_target_tail.py [SCENARIO] [--milestone NAME] [--samples 200]
        [--seed 20261129] [--workers 2] [--share 0.999]

A negative wait is a milestone met within the month that reached the share.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from capsim.model.dating import month_end_values
from capsim.scenario.loader import load_scenario
from capsim.sweep.runner import Execution
from capsim.sweep.sample import progress_of
from capsim.sweep.study import monte_carlo

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
LONG = 60.0  # days
_DAY = np.timedelta64(1, "D")


def waits(study, milestone, name: str, share: float) -> tuple[list[tuple[int, float]], list]:
    """Each sample reaching ``share`` of ``milestone``'s threshold at a month's end within
    the horizon: (sample, days from that month's end to the milestone ``name``'s date),
    and those never meeting the milestone: (sample, the month's end)."""
    ends = study["time_bounds"].values[:, 1]
    dates = study["milestone_date"].sel(milestone=name).values
    level = share * milestone.threshold.central
    met, never = [], []
    for sample in range(study.sizes["sample"]):
        values = month_end_values(progress_of(study, sample), milestone)
        reached = np.flatnonzero(values >= level)
        if not len(reached):
            continue
        end = ends[reached[0]]
        if np.isnat(dates[sample]):
            never.append((sample, end))
        else:
            met.append((sample, float((dates[sample] - end) / _DAY)))
    return met, never


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("scenario", nargs="?", default="openai-broadcom-10gw")
    parser.add_argument("--milestone", default=None, help="default: the scenario's last one")
    parser.add_argument("--samples", type=int, default=200)
    parser.add_argument("--seed", type=int, default=20261129)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--share", type=float, default=0.999)
    args = parser.parse_args(argv)
    path = Path(args.scenario)
    scenario = load_scenario(path if path.suffix else SCENARIOS / f"{args.scenario}.yaml")
    name = args.milestone or list(scenario.milestones)[-1]
    milestone = scenario.milestones[name]
    study = monte_carlo(
        scenario,
        args.samples,
        seed=args.seed,
        execution=Execution(workers=args.workers, progress=False),
    )
    met, never = waits(study, milestone, name, args.share)
    days = np.array([wait for _, wait in met])
    print(
        f"{scenario.name}, {name}: {args.samples} samples, seed {args.seed}; "
        f"{len(met) + len(never)} reach {args.share:.1%} of the threshold within the horizon"
    )
    if len(days):
        print(
            f"days from that month's end to the milestone: median {np.median(days):+.0f}, "
            f"P90 {np.percentile(days, 90):+.0f}, longest {days.max():+.0f}; "
            f"over {LONG:.0f} days: {int((days > LONG).sum())}"
        )
    for sample, wait in sorted(met, key=lambda item: -item[1])[:5]:
        if wait > LONG:
            print(f"  sample {sample}: {wait:.0f} days")
    print(f"never met in the horizon: {len(never)}")
    for sample, end in never:
        month = (end - _DAY).astype("datetime64[M]")
        print(f"  sample {sample}: {args.share:.1%} by the end of {month}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
