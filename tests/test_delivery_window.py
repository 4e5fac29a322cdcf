"""A programme's final lot is dated at the pace it was being sent, not spread over the
whole month.

The chain world (tests/builders.py) makes 500 packages of ``p`` a month (HBM binds);
another buyer, ``h``, takes what programme ``g`` does not. A month's lot stands for a
month of output, so a final lot smaller than what ``g`` was being sent a month came in
early in the month: 200 of a 500 pace arrive in the first 0.4 of it. Before, every
month's deliveries were spread over the whole month, so a final lot was dated up to a
month late (korea-10k-gpus: 10,000 GPUs "delivered" on 2026-01-01 against a 2025
deadline, when its last lot of 861 came at a pace of about 2,600 a month).
"""

from __future__ import annotations

import numpy as np

from builders import chain, other_buyers
from capsim.scenario.document import Scenario
from capsim.simulation import simulate
from capsim.sweep.runner import Execution
from capsim.sweep.sample import redate
from capsim.sweep.study import monte_carlo


def _milestones(threshold: str) -> dict:
    return {
        "delivered": {"quantity": "packages_delivered", "threshold": threshold, "programme": "g"},
        "installed": {"quantity": "packages_installed", "threshold": threshold, "programme": "g"},
    }


def _dates(result) -> dict[str, str]:
    return {
        str(name): str(date)[:10]
        for name, date in zip(result.milestone.values, result.milestone_date.values, strict=True)
    }


def test_a_final_lot_comes_at_the_pace_of_the_lots_before():
    """g (priority 1) takes 500 in January and February and its last 200 in March, while
    h takes the other 300: 200 / 500 = 0.4 of March's 31 days = 12.4 days, so the
    1,200th package arrives during March 13. Crews install a million a month, so the
    last is installed the same day."""
    scenario = chain(
        **{
            "programmes.g.target_packages": "1200 package",
            "programmes.h": other_buyers(),
            "milestones": _milestones("1200 package"),
        }
    )
    result = simulate(scenario)
    g = result.packages_delivered.sel(programme="g").values[:3]
    np.testing.assert_allclose(g, [500, 500, 200])
    window = result.delivery_window.sel(programme="g").values[:4]
    np.testing.assert_allclose(window, [1, 1, 0.4, 1])
    assert result.delivery_window.attrs["units"] == "1"
    assert _dates(result) == {"delivered": "2026-03-13", "installed": "2026-03-13"}


def test_a_final_lot_comes_in_no_earlier_than_the_month_of_output_it_stands_for():
    """With a lead time of 0.75 months the lots arrive three quarters into each month. A
    lot stands for the month of output around it, from half a month before it arrives:
    March's final 200 (of a 500 pace) come in from 0.25 of March over 0.4 of a month, so
    by 0.65 of its 31 days = 20.15 days: during March 21. Dated from the month's start
    they would have come on March 13, before their lot."""
    scenario = chain(
        **{
            "programmes.g.target_packages": "1200 package",
            "programmes.h": other_buyers(),
            "products.p.lead_time": "0.75 month",
            "milestones": {"delivered": _milestones("1200 package")["delivered"]},
        }
    )
    result = simulate(scenario)
    np.testing.assert_allclose(result.delivery_window.sel(programme="g").values[2], 0.65)
    assert _dates(result) == {"delivered": "2026-03-21"}


def test_a_lot_that_is_the_whole_months_output_spreads_over_the_month():
    """Alone, g has only what it ordered made: March makes its last 200, and they come
    through the month; the 1,200th arrives at its end (midnight: 2026-04-01)."""
    scenario = chain(
        **{
            "programmes.g.target_packages": "1200 package",
            "milestones": _milestones("1200 package"),
        }
    )
    result = simulate(scenario)
    np.testing.assert_allclose(result.packages_produced.sel(product="p").values[2], 200)
    np.testing.assert_allclose(result.delivery_window.values, 1)
    assert _dates(result) == {"delivered": "2026-04-01", "installed": "2026-04-01"}


def _share_world(share) -> Scenario:
    """g holds a contracted ``share`` of each 500-package lot and lacks 250 packages."""
    return chain(
        **{
            "programmes.g.target_packages": "250 package",
            "programmes.g.share": share,
            "programmes.h": other_buyers(),
            "milestones": {"delivered": _milestones("250 package")["delivered"]},
        }
    )


def test_a_share_holders_pace_is_its_share_of_the_lot():
    """20 % of 500 is 100 a month: 100, 100, then the last 50 in half of March (15.5
    days), so the 250th arrives during March 16."""
    result = simulate(_share_world(0.2))
    np.testing.assert_allclose(
        result.packages_delivered.sel(programme="g").values[:3], [100, 100, 50]
    )
    np.testing.assert_allclose(result.delivery_window.sel(programme="g").values[2], 0.5)
    assert _dates(result) == {"delivered": "2026-03-16"}


def test_a_study_redates_final_lots_from_its_store():
    """The delivery window is stored with each sample, so dating again from the store
    gives the runs' dates (the share, uniform 10-40 %, moves them between samples)."""
    share = {"dist": "uniform", "low": 0.1, "high": 0.4, "source": "assumption: test"}
    scenario = _share_world(share)
    study = monte_carlo(scenario, 6, seed=3, execution=Execution(workers=1, progress=False))
    assert study["delivery_window"].dims == ("sample", "time", "programme")
    np.testing.assert_array_equal(redate(study, scenario).values, study["milestone_date"].values)
    assert len(set(study["milestone_date"].values.ravel())) > 1


def test_an_export_cap_does_not_slow_the_pace():
    """g (destination CN, capped at 700 H100e a year: 350 of p's 2-H100e packages) lacks
    300 and takes them from January's 500-package lot: its pace is the lot it could have
    taken at its volume (none: all 500), not what its cap had left, so they come in over
    300 / 500 = 0.6 of January, as without the cap. A cap is an amount for the year, not
    a rate."""
    for cap in (None, "700 H100e/year"):
        changes = {
            "programmes.g.target_packages": "300 package",
            "programmes.g.destination": "CN",
            "programmes.h": other_buyers(),
        }
        if cap is not None:
            changes["export_rules"] = {
                "cn": {"destination": "CN", "cap": cap, "start": "2025-01-01"}
            }
        result = simulate(chain(**changes))
        g = result.sel(programme="g")
        np.testing.assert_allclose(g.packages_delivered.values[0], 300.0)
        np.testing.assert_allclose(g.delivery_window.values[0], 0.6, err_msg=str(cap))
