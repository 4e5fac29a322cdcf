"""What contention costs the OpenAI deals, in their central runs: each deal alone against
the joint world (scenarios/openai-all-deals.yaml). The full-size check, 200 paired Monte
Carlo samples, is ``python validation/contention_cost.py`` (docs/validation.md).

The bar (issue "Buyers compete in one market"): no deal is earlier in the joint world by
more than 15 days, and at least one is later by 30 days or more with CoWoS or HBM named
as the reason: the input that bound its product in most of the months its deliveries
were behind.
"""

from __future__ import annotations

from collections import Counter
from pathlib import Path

import numpy as np
import pytest

from capsim import load_scenario, simulate
from capsim.model.dating import horizon_after

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
DEALS = {
    "openai-nvidia-10gw": ("openai-nvidia", ("first-gw", "ten-gw")),
    "openai-amd-6gw": ("openai-amd", ("openai-amd-first-gw", "openai-amd-six-gw")),
    "openai-broadcom-10gw": (
        "openai-broadcom",
        ("openai-broadcom-first-gw", "openai-broadcom-ten-gw"),
    ),
}


@pytest.fixture(scope="module")
def runs():
    joint = simulate(load_scenario(SCENARIOS / "openai-all-deals.yaml"))
    alone = {name: simulate(load_scenario(SCENARIOS / f"{name}.yaml")) for name in DEALS}
    return joint, alone


def _date(result, milestone):
    value = result.milestone_date.sel(milestone=milestone).values
    return horizon_after(result.time.values) if np.isnat(value) else value


def _reason(alone, joint, programme):
    """What held ``programme`` back in the joint world in most of the months its
    deliveries so far are behind its deliveries alone."""
    a = np.cumsum(alone.packages_delivered.sel(programme=programme).values)
    b = np.cumsum(joint.packages_delivered.sel(programme=programme).values)
    behind = b < a * 0.995 - 1.0
    labels = joint.programme_binding.sel(programme=programme).values[behind]
    return Counter(labels).most_common(1)[0][0] if len(labels) else None


def test_contention_never_speeds_a_deal_and_costs_one_a_month_for_want_of_hbm_or_cowos(runs):
    joint, alone = runs
    costly = []
    for name, (programme, milestones) in DEALS.items():
        reason = _reason(alone[name], joint, programme)
        for milestone in milestones:
            days = (_date(joint, milestone) - _date(alone[name], milestone)) / np.timedelta64(
                1, "D"
            )
            assert days >= -15, (milestone, days)
            if days >= 30 and reason in {"cowos", "hbm"}:
                costly.append(milestone)
    assert costly, "no deal is 30 days later in the joint world for want of CoWoS or HBM"
