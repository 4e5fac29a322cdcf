"""Orders dated before the horizon are part of their supplier's starting backlog.

Hand-calculated on the chain world (builders; horizon from 2026-01-01, t = 0, one
building of 100 GW IT with all phases done by t = 0): the market is steady before
t = 0, so an order placed at t0 < 0 waited the supplier's lead time of t = 0,
L = backlog / output, and is filled at t0 + L (at t = 0 if that has passed); its units
are in the backlog, so the orders after it do not wait for them.
"""

from __future__ import annotations

import pytest

from builders import chain, chain_data
from capsim.simulation import simulate

#: The chain's building (no construction time, ready from 2025-01-01), needing two
#: transformers.
BUILDING = chain_data()["sites"]["s"]["buildings"][0] | {"transformers": 2}


def _ready(result, building: str) -> str:
    return str(result.building_ready.sel(building=f"s/{building}").values)[:10]


@pytest.mark.parametrize(
    ("ordered", "ready"),
    [
        # 1 a month, 6 in backlog: L = 6 months. Placed 2025-10-01 (t0 = -3): 3.
        ("2025-10-01", "2026-04-01"),
        # Placed 2025-04-01 (t0 = -9): -3, passed -> at once, t = 0.
        ("2025-04-01", "2026-01-01"),
    ],
)
def test_transformers_ordered_before_the_horizon_come_one_lead_time_after(ordered, ready):
    scenario = chain(
        **{
            "suppliers.tx.output": "12 transformer/year",
            "suppliers.tx.backlog": 6,
            "sites.s.buildings": [BUILDING | {"id": "early", "transformers_ordered": ordered}],
        }
    )
    assert _ready(simulate(scenario), "early") == ready


def test_an_order_from_the_backlog_delays_no_later_order():
    # early (placed at t0 = -3, 2 units): 3. now (placed at 0, 2 units) is behind the
    # 6 of the backlog only: (6 + 2) / 1 = 8 -> 2026-09-01, as without early (not 10).
    scenario = chain(
        **{
            "suppliers.tx.output": "12 transformer/year",
            "suppliers.tx.backlog": 6,
            "sites.s.buildings": [
                BUILDING | {"id": "early", "transformers_ordered": "2025-10-01"},
                BUILDING | {"id": "now", "transformers_ordered": "2026-01-01"},
            ],
        }
    )
    result = simulate(scenario)
    assert (_ready(result, "early"), _ready(result, "now")) == ("2026-04-01", "2026-09-01")


def test_onsite_units_ordered_before_the_horizon_come_one_lead_time_after():
    # Turbines: 1 a month, 5 in backlog: L = 5 months. 1 unit placed 2025-11-01
    # (t0 = -2): delivered at 3, installed 1 month later: power, so the building, at 4.
    scenario = chain(
        **{
            "suppliers.gt": {"kind": "turbine", "output": "12 turbine/year", "backlog": 5},
            "sites.s.power": {
                "onsite": [
                    {
                        "supplier": "gt",
                        "units": 1,
                        "unit_capacity": "200 GW",
                        "ordered": "2025-11-01",
                        "install": "1 month",
                    }
                ]
            },
            "sites.s.buildings": [BUILDING | {"id": "b", "transformers": 0}],
        }
    )
    assert _ready(simulate(scenario), "b") == "2026-05-01"
