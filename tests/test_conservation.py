"""Conservation over random scenarios: nothing produced is lost, no stock goes negative,
power online never exceeds power available."""

from __future__ import annotations

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import chain
from capsim.simulation import simulate

months = st.floats(min_value=0.0, max_value=8.0)
positive = st.floats(min_value=0.5, max_value=5000.0)


@st.composite
def scenarios(draw):
    buildings = [
        {
            "id": f"b{i}",
            "it_capacity": f"{draw(st.floats(1.0, 400.0))} MW",
            "start": f"2025-{draw(st.integers(1, 12)):02d}-01",
            "permits": f"{draw(months)} month",
            "shell": f"{draw(months)} month",
            "fit_out": f"{draw(months)} month",
            "cooling": f"{draw(months)} month",
            "commissioning": f"{draw(months)} month",
            "transformers": draw(st.integers(0, 6)),
        }
        for i in range(draw(st.integers(1, 4)))
    ]
    power = {"existing": f"{draw(st.floats(0.0, 300.0))} MW"}
    if draw(st.booleans()):
        power["grid"] = {
            "capacity": f"{draw(st.floats(0.0, 800.0))} MW",
            "requested": "2025-06-01",
            "wait": f"{draw(st.floats(0.0, 30.0))} month",
        }
    if draw(st.booleans()):
        power["onsite"] = [
            {
                "supplier": "gt",
                "units": draw(st.integers(1, 10)),
                "unit_capacity": "30 MW",
                "ordered": "2025-03-01",
                "install": f"{draw(months)} month",
            }
        ]
    changes = {
        "horizon.end": "2027-12-31",
        "logic_fabs.f.wafer_starts": f"{draw(positive)} wafer/month",
        "logic_fabs.f.cycle_time": f"{draw(months)} month",
        "packaging.c.capacity": f"{draw(positive)} wafer/month",
        "packaging.c.cycle_time": f"{draw(months)} month",
        "packaging.c.yield": draw(st.floats(0.5, 1.0)),
        "hbm_vendors.v.capacity.HBM4": f"{draw(positive) * 8} stack/month",
        "hbm_vendors.v.lead_time": f"{draw(months)} month",
        "products.p.lead_time": f"{draw(months)} month",
        "programmes.g.target_packages": f"{draw(st.floats(1e3, 1e6))} package",
        "programmes.g.share": draw(st.floats(0.1, 1.0)),
        "programmes.market": {
            "buyer": "others",
            "product": "p",
            "target_packages": "1e9 package",
            "priority": 5,
            "start": "2025-01-01",
            "destination": "US",
        },
        "suppliers.tx.backlog": draw(st.integers(0, 30)),
        "suppliers.gt": {"kind": "turbine", "output": "2 turbine/month", "backlog": 5},
        "sites.s.buildings": buildings,
        "sites.s.power": power,
        "sites.s.crews": draw(st.integers(1, 5)),
        "sites.s.crew_rate": f"{draw(st.floats(0.5, 50.0))} rack/week",
        "sites.s.burn_in": f"{draw(st.floats(0.0, 2.0))} month",
        "sites.s.pue": draw(st.floats(1.0, 1.6)),
    }
    return chain(**changes)


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_nothing_produced_is_lost(scenario):
    result = simulate(scenario)
    tolerance = 1e-6 * max(1.0, float(result.packages_produced.sum()))
    produced = result.packages_produced.sum("product").cumsum("time")
    allocated = result.packages_allocated.sum("programme").cumsum("time")
    finished = result.finished_stock.sum("product")
    # Every package produced is allocated (delivered or in transit) or in finished stock.
    np.testing.assert_allclose(produced, allocated + finished, atol=tolerance)
    delivered = result.packages_delivered.cumsum("time")
    in_transit = result.packages_allocated.cumsum("time") - delivered
    assert float(in_transit.min()) >= -tolerance
    # Every package delivered to a programme with sites is installed or stranded.
    g = {"programme": "g"}
    installed = result.packages_installed.sel(g).cumsum("time")
    np.testing.assert_allclose(
        delivered.sel(g), installed + result.stranded_packages.sel(g), atol=tolerance
    )
    for name in (
        "stranded_packages",
        "finished_stock",
        "die_inventory",
        "hbm_inventory",
        "packages_in_packaging",
        "packages_installed",
        "packages_produced",
    ):
        assert float(result[name].min()) >= -tolerance, name


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(scenarios())
def test_power_online_never_exceeds_power_available(scenario):
    result = simulate(scenario)
    facility = result.site_facility_power_online
    available = result.power_available
    assert bool((facility <= available * (1 + 1e-9) + 1e-6).all())
    it_online = result.site_it_power_online
    assert bool((it_online <= result.ready_it_capacity * (1 + 1e-9) + 1e-6).all())
    assert float(result.idle_power.min()) >= -1e-6
