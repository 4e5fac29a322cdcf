"""``validation/last_target_tail.py``: the month a milestone's quantity first reaches its
threshold at a month's end, and the milestone's date (dated within months from the
installation paths), agree."""

from __future__ import annotations

import importlib.util
from pathlib import Path

from capsim import load_scenario
from capsim.sweep.runner import Execution
from capsim.sweep.study import monte_carlo

ROOT = Path(__file__).resolve().parents[1]
_SPEC = importlib.util.spec_from_file_location(
    "last_target_tail", ROOT / "validation" / "last_target_tail.py"
)
tail = importlib.util.module_from_spec(_SPEC)
_SPEC.loader.exec_module(tail)


def test_a_threshold_reached_by_a_months_end_is_met_within_that_month():
    # At the whole threshold (share 1) the month found is the first whose end value
    # reaches it, so the milestone is met within that month: after its start (the month
    # before ended below the threshold) and by its end, a wait of -31 to 0 days, and
    # never "not met".
    scenario = load_scenario(ROOT / "scenarios" / "korea-10k-gpus.yaml")
    study = monte_carlo(scenario, 4, seed=3, execution=Execution(workers=1, progress=False))
    checked = 0
    for name, milestone in scenario.milestones.items():
        met, never = tail.waits(study, milestone, name, 1.0)
        assert never == [], name
        for sample, wait in met:
            assert -31.0 <= wait <= 0.0, (name, sample, wait)
        checked += len(met)
    assert checked >= 4
