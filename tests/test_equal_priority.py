"""Programmes of one product and equal priority share its packages pro rata.

The chain world (``builders.chain_data``) makes 500 packages of ``p`` a month (its HBM
binds: 4000 stacks a month, 8 a package). Here its programme ``g`` is replaced by
buyers without sites, so every month's 500 packages are split among their orders, and
what each receives in a steady month is worked out by hand below.
"""

from __future__ import annotations

import numpy as np
import pytest

from builders import chain_data
from capsim.scenario.document import Scenario
from capsim.simulation import simulate


def chain_scenario(data: dict) -> Scenario:
    return Scenario.model_validate(data)


#: Packages of p finished per month in the chain world (4000 stacks / 8) [package].
MONTHLY = 500.0


def _buyer(volume: float, priority: int, **changes) -> dict:
    return {
        "buyer": "b",
        "product": "p",
        "target_packages": "1e9 package",
        "volume": f"{volume:g} package/month",
        "priority": priority,
        "start": "2025-01-01",
        "destination": "US",
        **changes,
    }


def _delivered(programmes: dict[str, dict]) -> dict[str, float]:
    """Packages each programme received in each month of 2026 but the first, which must
    all be equal [package/month]."""
    data = chain_data()
    data["programmes"] = programmes
    data["sites"] = {}
    data["milestones"] = {}
    result = simulate(chain_scenario(data))
    out = {}
    for gid in programmes:
        months = result.packages_allocated.sel(programme=gid).values[1:]
        assert np.allclose(months, months[0], rtol=1e-9), (gid, months)
        out[gid] = float(months[0])
    return out


def test_two_buyers_of_equal_priority_share_in_proportion_to_their_orders():
    # 600 + 200 ordered, 500 made: each gets 500/800 of its order, 375 and 125. (Served
    # in file order, the first took all 500.)
    got = _delivered({"x": _buyer(600, 2), "y": _buyer(200, 2)})
    assert got["x"] == pytest.approx(MONTHLY * 600 / 800, rel=1e-9)
    assert got["y"] == pytest.approx(MONTHLY * 200 / 800, rel=1e-9)


def test_a_higher_priority_is_served_first_and_ties_share_the_rest():
    # z (priority 1) takes its 100; the 400 left go to x and y (priority 2) as 300:100.
    got = _delivered({"x": _buyer(600, 2), "y": _buyer(200, 2), "z": _buyer(100, 1)})
    assert got["z"] == pytest.approx(100.0, rel=1e-9)
    assert got["x"] == pytest.approx(300.0, rel=1e-9)
    assert got["y"] == pytest.approx(100.0, rel=1e-9)


def test_a_tied_buyer_held_by_its_export_cap_leaves_its_part_to_the_other():
    # x's destination may receive 1200 H100e a year (2 H100e a package): 600 packages in
    # 2026. Pro rata x gets 375 in January; in February 375 again would pass its cap,
    # so it takes the 225 left and y, of equal priority, gets its whole order of 200
    # (not its pro-rata 125); from March x gets nothing and y its 200.
    data = chain_data()
    data["programmes"] = {"x": _buyer(600, 2, destination="KR"), "y": _buyer(200, 2)}
    data["sites"] = {}
    data["milestones"] = {}
    data["export_rules"] = {
        "kr-cap": {"destination": "KR", "cap": "1200 H100e/year", "start": "2025-01-01"}
    }
    result = simulate(chain_scenario(data))
    x = result.packages_allocated.sel(programme="x").values
    y = result.packages_allocated.sel(programme="y").values
    assert x.sum() == pytest.approx(600.0, rel=1e-6)
    assert x[0] == pytest.approx(375.0, rel=1e-9)
    assert y[0] == pytest.approx(125.0, rel=1e-9)
    assert y[1:] == pytest.approx(np.full(len(y) - 1, 200.0), rel=1e-9)


def test_tied_buyers_under_one_export_cap_share_it_pro_rata():
    # x and y (priority 2) both go to KR, capped at 1200 H100e a year (600 packages of 2
    # H100e); z (priority 3, US) takes the rest of each month's 500. January: x and y
    # may each take the 600 the cap allows, so they split 500 as 250 and 250. February:
    # the cap has 100 left, which each alone could take: together they take it pro
    # rata, 50 each (served in file order, x took all 100), and z gets 400. The year:
    # 300 each.
    data = chain_data()
    data["programmes"] = {
        "x": _buyer(600, 2, destination="KR"),
        "y": _buyer(600, 2, destination="KR"),
        "z": _buyer(1000, 3),
    }
    data["sites"] = {}
    data["milestones"] = {}
    data["export_rules"] = {
        "kr-cap": {"destination": "KR", "cap": "1200 H100e/year", "start": "2025-01-01"}
    }
    result = simulate(chain_scenario(data))
    got = {g: result.packages_allocated.sel(programme=g).values for g in ("x", "y", "z")}
    assert got["x"][:2] == pytest.approx([250.0, 50.0], rel=1e-9)
    assert got["y"][:2] == pytest.approx([250.0, 50.0], rel=1e-9)
    assert got["z"][1] == pytest.approx(MONTHLY - 100.0, rel=1e-9)
    assert got["x"].sum() == pytest.approx(300.0, rel=1e-9)


def test_tied_final_lots_are_dated_at_the_pace_each_would_have_had():
    # x lacks 600 and y 900, equal priority, no volume: each month's 500 go 200 and 300
    # (500 x 600/1500, then 400 and 600 left: 200 and 300 again). In March the lot of 500
    # completes both. Wanting without limit, each would have got 250 of it: x's last 200
    # came in 200/250 = 0.8 of March; y's 300 were more than that pace, so the whole
    # month.
    data = chain_data()
    data["programmes"] = {
        "x": _buyer(1e9, 2) | {"target_packages": "600 package"},
        "y": _buyer(1e9, 2) | {"target_packages": "900 package"},
    }
    del data["programmes"]["x"]["volume"], data["programmes"]["y"]["volume"]
    data["sites"] = {}
    data["milestones"] = {}
    result = simulate(chain_scenario(data))
    x = result.packages_allocated.sel(programme="x").values[:3]
    y = result.packages_allocated.sel(programme="y").values[:3]
    assert x == pytest.approx([200.0, 200.0, 200.0], rel=1e-9)
    assert y == pytest.approx([300.0, 300.0, 300.0], rel=1e-9)
    window = result.delivery_window.sel(programme=["x", "y"]).values[2]
    assert window == pytest.approx([0.8, 1.0], rel=1e-9)
