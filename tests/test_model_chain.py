"""The capacity model on constructed cases with hand-calculated answers."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from builders import chain, chain_data
from capsim.scenario.document import Scenario
from capsim.simulation import simulate

# Good dies per wafer for a 100 mm^2 die on a 300 mm wafer with no defects:
# pi * 150^2 / 100 - pi * 300 / sqrt(2 * 100) = 706.858 - 66.643 = 640.215
DIES_PER_WAFER = math.pi * 150**2 / 100 - math.pi * 300 / math.sqrt(200)


def test_leontief_month_matches_hand_calculation():
    # CoWoS 100 wafer x 10 package/wafer = 1000; dies 10 wafer x 640.2 = 6402;
    # HBM 4000 stack / 8 stack/package = 500 -> 500 packages, HBM binds.
    result = simulate(chain())
    limits = result.input_limit.isel(time=0).sel(product="p")
    assert float(limits.sel(input="cowos")) == pytest.approx(1000.0)
    assert float(limits.sel(input="logic_wafers")) == pytest.approx(10 * DIES_PER_WAFER)
    assert float(limits.sel(input="hbm")) == pytest.approx(500.0)
    assert result.packages_produced.isel(time=0).item() == pytest.approx(500.0)
    assert result.binding_input.isel(time=0).item() == "hbm"
    # Unused dies wait in inventory: 6402 - 500 after month 0.
    assert result.die_inventory.isel(time=0).item() == pytest.approx(10 * DIES_PER_WAFER - 500)


@pytest.mark.parametrize(
    ("changes", "binding", "packages"),
    [
        ({"packaging.c.capacity": "20 wafer/month"}, "cowos", 200.0),
        ({"logic_fabs.f.wafer_starts": "0.5 wafer/month"}, "logic_wafers", 0.5 * DIES_PER_WAFER),
        ({"hbm_vendors.v.capacity.HBM4": "800 stack/month"}, "hbm", 100.0),
        ({"programmes.g.target_packages": "50 package"}, "demand", 50.0),
    ],
)
def test_only_the_scarce_input_binds(changes, binding, packages):
    result = simulate(chain(**changes))
    assert result.binding_input.isel(time=0).item() == binding
    assert result.packages_produced.isel(time=0).item() == pytest.approx(packages)


def test_packaging_yield_consumes_inputs_of_failed_packages():
    # 80 % yield: 500 package starts (HBM-limited) give 400 good packages.
    result = simulate(chain(**{"packaging.c.yield": "80 %"}))
    assert result.packages_produced.isel(time=0).item() == pytest.approx(400.0)


def test_cycle_times_delay_output():
    # Fab cycle 2 months: dies started in month 0 arrive at t = 2. The pipeline
    # is prefilled as if running before the horizon, so output starts at once.
    result = simulate(chain(**{"packaging.c.cycle_time": "1 month"}))
    produced = result.packages_produced.sel(product="p").values
    assert produced[0] == pytest.approx(0.0)
    assert produced[1] == pytest.approx(500.0)


def test_unqualified_vendor_supplies_nothing_until_qualified():
    result = simulate(chain(**{"hbm_vendors.v.qualification.p": "2026-04-01"}))
    produced = result.packages_produced.sel(product="p").values
    assert produced[:3] == pytest.approx([0.0, 0.0, 0.0])
    assert produced[3] == pytest.approx(500.0)
    assert list(result.binding_input.sel(product="p").values[:3]) == ["hbm"] * 3


def test_installation_rate_and_power_online():
    # One crew of 1 rack/month with 100 package/rack installs 100 packages a month;
    # 2 kW each -> 0.2 MW IT a month, x PUE 1.25 facility.
    result = simulate(chain(**{"sites.s.crews": 1, "sites.s.crew_rate": "1 rack/month"}))
    installed = result.packages_installed.sel(programme="g").values
    assert installed[:3] == pytest.approx([100.0, 100.0, 100.0])
    it_online = result.it_power_online.sel(programme="g").values
    assert it_online[2] == pytest.approx(300 * 2000.0)
    facility = result.facility_power_online.sel(programme="g").values
    assert facility[2] == pytest.approx(300 * 2000.0 * 1.25)
    # Delivered 500/month, installed 100/month: 400 more stranded each month.
    stranded = result.stranded_packages.sel(programme="g").values
    assert stranded[:3] == pytest.approx([400.0, 800.0, 1200.0])
    assert result.programme_binding.sel(programme="g").values[0] == "crews"


def test_late_grid_binds_and_names_the_grid_on_the_critical_path():
    # No power until the grid connects: requested 2026-01-01 + 6 months wait.
    changes = {
        "sites.s.power": {
            "grid": {"capacity": "1000 GW", "requested": "2026-01-01", "wait": "6 months"}
        }
    }
    result = simulate(chain(**changes))
    binding = result.programme_binding.sel(programme="g").values
    assert list(binding[:6]) == ["grid"] * 6
    assert result.packages_installed.sel(programme="g").values[:6] == pytest.approx([0.0] * 6)
    assert result.critical_path.sel(building="s/b1").item() == "grid"
    ready = result.building_ready.sel(building="s/b1").values.astype("datetime64[D]")
    assert ready == np.datetime64("2026-07-01")
    # The building was finished (no construction time) ~6 months before the grid came.
    assert result.critical_margin.sel(building="s/b1").item() == pytest.approx(6 * 365.25 / 12)


def test_late_transformers_name_transformers_on_the_critical_path():
    # 12 transformers a year with 24 already on order: 2 ordered at 2026-01-01 arrive at
    # (24 + 2) / 1 per month = 26 months later (2028-03-01), after the 1-month shell.
    changes = {
        "horizon.end": "2028-12-31",
        "suppliers.tx.backlog": 24,
        "sites.s.buildings.0.start": "2026-01-01",
        "sites.s.buildings.0.shell": "1 month",
        "sites.s.buildings.0.transformers": 2,
    }
    result = simulate(chain(**changes))
    assert result.critical_path.sel(building="s/b1").item() == "transformers"
    done = result.construction_done.sel(building="s/b1").values.astype("datetime64[D]")
    assert done == np.datetime64("2028-03-01")
    assert result.critical_margin.sel(building="s/b1").item() == pytest.approx(25 * 365.25 / 12)


def test_export_cap_limits_deliveries_per_calendar_year():
    # 12,000 H100e/year at 2 H100e per package: 6,000 packages a year to KR.
    changes = {
        "programmes.g.destination": "KR",
        "export_rules": {
            "cap": {"destination": "KR", "cap": "12000 H100e/year", "start": "2025-01-01"}
        },
    }
    result = simulate(chain(**changes))
    delivered = result.packages_delivered.sel(programme="g").values
    assert delivered.sum() == pytest.approx(6000.0)
    assert "export_cap" in set(result.programme_binding.sel(programme="g").values)


def _funding(step: str) -> dict:
    """USD 1e6 released to programme g per ``step`` of IT power online, up to USD 2e6."""
    return {
        "f": {
            "programme": "g",
            "funder": "n",
            "amount_per_step": "USD 1e6",
            "step": step,
            "basis": "it",
            "cap": "USD 2e6",
        }
    }


def test_funding_tranches_follow_power_online():
    # 2 kW per package, 500 installed a month -> 1 MW IT a month; USD 1e6 per 3 MW.
    changes = {"funding": _funding(step="3 MW")}
    result = simulate(chain(**changes))
    funding = result.funding_received.sel(programme="g").values
    assert funding[:8] == pytest.approx([0, 0, 1e6, 1e6, 1e6, 2e6, 2e6, 2e6])


def test_budget_delays_orders():
    # USD 1e6 buys 100 packages at USD 10,000; nothing more arrives without funding.
    result = simulate(chain(**{"programmes.g.budget": "USD 1e6"}))
    delivered = result.packages_delivered.sel(programme="g").values
    assert delivered.sum() == pytest.approx(100.0)
    assert result.programme_binding.sel(programme="g").values[-1] == "money"


def test_milestone_date_is_interpolated_within_the_month():
    # 1 MW IT a month online; the 2.5 MW milestone falls halfway through March 2026.
    changes = {
        "milestones.first-gw.threshold": "2.5 MW",
    }
    result = simulate(chain(**changes))
    assert _milestone_day(result, "first-gw") == np.datetime64("2026-03-16")


def _milestone_day(result, name: str) -> np.datetime64:
    return result.milestone_date.sel(milestone=name).values.astype("datetime64[D]")


def test_a_site_that_fills_mid_month_is_dated_to_the_day_it_fills():
    # The building is ready on 2026-03-01 (t = 2 month) with 1000 packages waiting and 500
    # more arriving; crews install 1000 package/month (1 crew x 10 rack x 100), so its
    # 700 slots (1.4 MW / 2 kW) are full at t = 2.7: 0.7 x 31 days = day 21.7 of March.
    changes = {
        "sites.s.buildings.0.it_capacity": "1.4 MW",
        "sites.s.buildings.0.start": "2026-01-01",
        "sites.s.buildings.0.commissioning": "2 month",
        "sites.s.crews": 1,
        "sites.s.crew_rate": "10 rack/month",
        "milestones.first-gw.threshold": "1.4 MW",
    }
    result = simulate(chain(**changes))
    assert result.it_power_online.sel(programme="g").values[2] == pytest.approx(1.4e6)
    assert _milestone_day(result, "first-gw") == np.datetime64("2026-03-22")


def test_supply_arriving_in_monthly_lots_is_dated_as_a_steady_flow():
    # Same 700-slot site, ready from the start, crews 1000 package/month, supply 500
    # package/month in a lot at the start of each month: at a steady 500 a month the
    # 700th package arrives at t = 1.4, day 0.4 x 28 = 11.2 of February.
    changes = {
        "sites.s.buildings.0.it_capacity": "1.4 MW",
        "sites.s.crews": 1,
        "sites.s.crew_rate": "10 rack/month",
        "milestones.first-gw.threshold": "1.4 MW",
    }
    result = simulate(chain(**changes))
    assert _milestone_day(result, "first-gw") == np.datetime64("2026-02-12")


def test_burn_in_within_a_month_is_dated_along_the_steady_supply():
    # January's 500 packages (1 MW) are in at once and online after half a month of
    # burn-in; as a steady flow, power online is min(1 MW, 1 MW x t): 0.6 MW at t = 0.6,
    # day 0.6 x 31 = 18.6 of January, inside the month whose end shows 1 MW.
    changes = {"sites.s.burn_in": "0.5 month", "milestones.first-gw.threshold": "0.6 MW"}
    result = simulate(chain(**changes))
    assert result.it_power_online.sel(programme="g").values[0] == pytest.approx(1e6)
    assert _milestone_day(result, "first-gw") == np.datetime64("2026-01-19")


def test_a_site_of_a_programme_with_two_sites_is_dated_by_its_own_path():
    # Site s (300 slots) is ready from the start, s2 (200 slots) from t = 0.5; supply is
    # a steady 500 a month. s holds min(300, 500 t): 250 at t = 0.5, day 15.5 of January.
    data = chain_data(**{"sites.s.buildings.0.it_capacity": "0.6 MW"})
    second = copy.deepcopy(data["sites"]["s"])
    second["buildings"][0].update(
        it_capacity="0.4 MW", start="2026-01-01", commissioning="0.5 month"
    )
    data["sites"]["s2"] = second
    data["programmes"]["g"]["sites"] = ["s", "s2"]
    data["milestones"] = {
        "s-250": {"quantity": "packages_installed", "site": "s", "threshold": "250 package"}
    }
    result = simulate(Scenario.model_validate(data))
    assert _milestone_day(result, "s-250") == np.datetime64("2026-01-16")


def test_the_horizon_s_last_month_has_its_own_length():
    # 500 a month: 2990 installed at t = 5.98, day 0.98 x 30 = 29.4 of June (30 days).
    changes = {
        "horizon.end": "2026-06-30",
        "milestones.first-gw.quantity": "packages_installed",
        "milestones.first-gw.threshold": "2990 package",
    }
    result = simulate(chain(**changes))
    assert _milestone_day(result, "first-gw") == np.datetime64("2026-06-30")


def test_funding_is_dated_with_the_power_that_releases_it():
    # USD 1e6 per 2.5 MW IT online; at a steady 1 MW a month, 2.5 MW is reached at
    # t = 2.5, day 0.5 x 31 = 15.5 of March, for both the power and the funding milestone.
    changes = {
        "funding": _funding(step="2.5 MW"),
        "milestones.first-gw.threshold": "2.5 MW",
        "milestones.first-tranche": {
            "quantity": "funding_received",
            "threshold": "USD 1e6",
            "programme": "g",
        },
    }
    result = simulate(chain(**changes))
    assert _milestone_day(result, "first-gw") == np.datetime64("2026-03-16")
    assert _milestone_day(result, "first-tranche") == np.datetime64("2026-03-16")
