"""The capacity model on constructed cases with hand-calculated answers."""

from __future__ import annotations

import copy
import math

import numpy as np
import pytest

from builders import chain, chain_data, other_buyers
from capsim.scenario.document import Scenario
from capsim.simulation import simulate

# Good dies per wafer for a 100 mm^2 die on a 300 mm wafer with no defects:
# pi * 150^2 / 100 - pi * 300 / sqrt(2 * 100) = 706.858 - 66.643 = 640.215
DIES_PER_WAFER = math.pi * 150**2 / 100 - math.pi * 300 / math.sqrt(200)


def test_leontief_month_matches_hand_calculation():
    # The programme wants what its site's crews could install by six weeks from now
    # (its staging, six weeks by default): 10 crews x 1000 rack x 100 package a month x 1.5 = 1.5 M,
    # so the product plans what the line would grant it: CoWoS 100 wafer x 10
    # package/wafer = 1000 packages a month.
    # HBM: 1000 x 8 = 8000 stacks asked, the vendor's 4000 granted -> 500 packages.
    # Dies: asked for the plan but no more than the stacks match, 4000 / 8 = 500 dies,
    # 500 / 640.215 = 0.781 of the fab's 10 wafers (the other 9.2 stay idle).
    # CoWoS: asked for the 500 packages dies and stacks allow, 50 of its 100 wafers; its
    # limit counts the idle 50 too: (50 + 50) x 10 = 1000.
    # -> 500 packages (Leontief: the scarcest input, HBM). Dies tie with HBM at 500 as
    # they were matched to it; ties are named in the order demand, cowos, hbm, logic.
    result = simulate(chain())
    limits = result.input_limit.isel(time=0).sel(product="p")
    assert float(limits.sel(input="cowos")) == pytest.approx(1000.0)
    assert float(limits.sel(input="logic_wafers")) == pytest.approx(500.0)
    assert float(limits.sel(input="hbm")) == pytest.approx(500.0)
    assert float(limits.sel(input="demand")) == pytest.approx(1.5e6)
    assert result.packages_produced.isel(time=0).item() == pytest.approx(500.0)
    assert result.binding_input.isel(time=0).item() == "hbm"
    # Each supplier's capacity, what designer d asked of it and was granted in month 0.
    month = result.isel(time=0).sel(designer="d")
    expected = {"f": (10.0, 500 / DIES_PER_WAFER), "c": (100.0, 50.0), "v/HBM4": (4000.0, 8000.0)}
    for supplier, (capacity, asked) in expected.items():
        at = month.sel(supplier=supplier)
        assert at.supplier_capacity.item() == pytest.approx(capacity)
        assert at.supplier_asked.item() == pytest.approx(asked)
        assert at.supplier_granted.item() == pytest.approx(min(capacity, asked))
    # Nothing waits: the 500 dies and 4000 stacks all went into month 0's packages.
    assert result.die_inventory.isel(time=0).item() == pytest.approx(0.0, abs=1e-9)
    assert result.hbm_inventory.isel(time=0).item() == pytest.approx(0.0, abs=1e-9)


@pytest.mark.parametrize(
    ("changes", "binding", "packages"),
    [
        # CoWoS 20 x 10 = 200: the plan is 200, so 1600 stacks and 200 dies are asked and
        # granted; all three allow 200, and the tie is named cowos (it set the plan).
        ({"packaging.c.capacity": "20 wafer/month"}, "cowos", 200.0),
        # Plan 1000, 4000 stacks (500 packages); 500 dies asked of a fab with 0.5 wafer:
        # 0.5 x 640.215 = 320.1 dies.
        ({"logic_fabs.f.wafer_starts": "0.5 wafer/month"}, "logic_wafers", 0.5 * DIES_PER_WAFER),
        # Plan 1000, 800 stacks granted: 100 packages, and 100 dies matched to them (tie
        # named hbm).
        ({"hbm_vendors.v.capacity.HBM4": "800 stack/month"}, "hbm", 100.0),
        # The programme lacks 50: plan 50, 400 stacks, 50 dies, 50 wanted (tie named demand).
        ({"programmes.g.target_packages": "50 package"}, "demand", 50.0),
    ],
)
def test_only_the_scarce_input_binds(changes, binding, packages):
    result = simulate(chain(**changes))
    assert result.binding_input.isel(time=0).item() == binding
    assert result.packages_produced.isel(time=0).item() == pytest.approx(packages)


def test_packaging_yield_consumes_inputs_of_failed_packages():
    # 80 % yield: the plan is 1000 x 80 % = 800 good packages, 8 / 0.8 = 10 stacks each;
    # 8000 stacks asked, 4000 granted: 500 package starts (HBM-limited), 400 good.
    result = simulate(chain(**{"packaging.c.yield": "80 %"}))
    assert result.packages_produced.isel(time=0).item() == pytest.approx(400.0)


def test_cycle_times_delay_output():
    # Packaging cycle 1 month: the 500 packages started in month 0 leave packaging at
    # t = 1 and count in month 1; nothing leaves in month 0.
    result = simulate(chain(**{"packaging.c.cycle_time": "1 month"}))
    produced = result.packages_produced.sel(product="p").values
    assert produced[0] == pytest.approx(0.0)
    assert produced[1] == pytest.approx(500.0)


@pytest.mark.parametrize(("fab_cycle", "hbm_lead"), [(1, 0), (1, 1), (2, 1), (3, 3)])
def test_an_hbm_bound_chain_makes_500_a_month_whatever_the_lead_times(fab_cycle, hbm_lead):
    # The pipelines are prefilled as if the market had run before the horizon (dies for
    # the plan, 1000 a month; stacks as granted, 4000 a month), and each month the vendor
    # grants 4000 stacks (the product asks for more: 8000 a month for the lead time plus
    # a month, less what it has). The fab's cycle only shifts when the dies are ordered:
    # as long as the dies asked for match the stacks that will be there when they arrive,
    # every month makes 4000 / 8 = 500 packages, whichever lead time is longer (both
    # zero: the Leontief month above).
    changes = {
        "logic_fabs.f.cycle_time": f"{fab_cycle} month",
        "hbm_vendors.v.lead_time": f"{hbm_lead} month",
    }
    result = simulate(chain(**changes))
    assert result.packages_produced.sel(product="p").values == pytest.approx([500.0] * 12)
    assert set(result.binding_input.sel(product="p").values) == {"hbm"}


def test_unqualified_vendor_supplies_nothing_until_qualified():
    # Stacks count from 2026-04-01 (t = 3): none are ordered for months 0-2, and no dies
    # either (none match missing stacks); dies and HBM tie at 0, named hbm.
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
    # The programme takes only what the crew could install by six weeks after delivery
    # (its staging, by default): 150 at first, then 100 a month, so 50 wait at each
    # month's end (it used to take 500 a month and strand 400 more each month).
    stranded = result.stranded_packages.sel(programme="g").values
    assert stranded[:3] == pytest.approx([50.0, 50.0, 50.0])
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
    # 6,000 H100e/year at 2 H100e per package: 3,000 packages a year to KR. Supply makes
    # 500 a month, so 2026 takes its 3,000 in Jan-Jun and nothing after; the cap starts
    # again in 2027, which also receives 3,000 (however supply then spreads them).
    changes = {
        "horizon.end": "2027-12-31",
        "programmes.g.destination": "KR",
        "export_rules": {
            "cap": {"destination": "KR", "cap": "6000 H100e/year", "start": "2025-01-01"}
        },
    }
    result = simulate(chain(**changes))
    delivered = result.packages_delivered.sel(programme="g").values
    assert delivered[:12] == pytest.approx([500.0] * 6 + [0.0] * 6, abs=1e-6)
    assert delivered[12:].sum() == pytest.approx(3000.0)
    assert "export_cap" in set(result.programme_binding.sel(programme="g").values[:12])


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
    # The building is ready on 2026-03-01 (t = 2 month); its 700 slots (1.4 MW / 2 kW) are
    # all stocked the month before (the crews, 2000 package/month = 1 crew x 20 rack x 100,
    # could fill them by t = 2.35, within six weeks of t = 1; supply is 1000 a month with
    # 8000 stacks), so they are full at t = 2.35: 0.35 x 31 days = day 10.85 of March.
    changes = {
        "sites.s.buildings.0.it_capacity": "1.4 MW",
        "sites.s.buildings.0.start": "2026-01-01",
        "sites.s.buildings.0.commissioning": "2 month",
        "sites.s.crews": 1,
        "sites.s.crew_rate": "20 rack/month",
        "hbm_vendors.v.capacity.HBM4": "8000 stack/month",
        "milestones.first-gw.threshold": "1.4 MW",
    }
    result = simulate(chain(**changes))
    assert result.packages_allocated.sel(programme="g").values[:3] == pytest.approx([0, 700, 0])
    assert result.it_power_online.sel(programme="g").values[2] == pytest.approx(1.4e6)
    assert _milestone_day(result, "first-gw") == np.datetime64("2026-03-11")


def test_supply_arriving_in_monthly_lots_is_dated_as_a_steady_flow():
    # A site ready from the start, crews 1000 package/month, supply 500 package/month in
    # a lot at the start of each month: at a steady 500 a month the 700th package (1.4 MW)
    # arrives at t = 1.4, day 0.4 x 28 = 11.2 of February.
    changes = {
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


def test_what_holds_a_programme_back_is_what_it_lacks_not_what_it_could_take():
    # HBM makes 500 packages a month while g's ten crews could install a million: g takes
    # every package offered and wants more, so HBM holds it back, not its crews (whose
    # room, a million a month, is far below the 1e9 packages g lacks).
    binding = simulate(chain()).programme_binding.sel(programme="g").values
    assert set(binding) == {"hbm"}
    # g opens on 2026-03-20; h, without sites, takes p before. At the end of March g is
    # open and wants more than HBM offers, so what holds it back is HBM, whatever it
    # could take earlier in the month.
    changes = {"programmes.g.start": "2026-03-20", "programmes.h": other_buyers()}
    binding = simulate(chain(**changes)).programme_binding.sel(programme="g").values
    assert list(binding[:4]) == ["closed", "closed", "hbm", "hbm"]


def test_a_window_counts_in_every_month_it_overlaps_and_a_full_order_is_demand():
    # g's window: 2026-04-01 to 2026-06-16, 100 packages a month (its volume), while HBM
    # makes 500 and h takes the rest: g is closed in January to March (its window misses
    # them; it is given nothing), takes its whole order from April to June, so what
    # holds it back then is its own orders, and is closed from July.
    changes = {
        "programmes.g.start": "2026-04-01",
        "programmes.g.end": "2026-06-16",
        "programmes.g.volume": "100 package/month",
        "programmes.h": other_buyers(),
    }
    result = simulate(chain(**changes))
    binding = list(result.programme_binding.sel(programme="g").values[:8])
    assert binding == ["closed"] * 3 + ["demand"] * 3 + ["closed"] * 2
    allocated = result.packages_allocated.sel(programme="g").values[:8]
    assert allocated == pytest.approx([0.0] * 3 + [100.0] * 3 + [0.0] * 2)


def test_a_programme_whose_product_is_no_longer_made_says_so():
    # p's packages start only in January to March 2026 (500 a month, HBM): g, which
    # lacks nearly all of its 1e9 packages, gets nothing from April as nothing is made:
    # held back by its product's window, not "closed" (its own window is open).
    window = {"until": "2026-04-01", "source": "assumption: a three-month window"}
    result = simulate(chain(**{"products.p.available": window}))
    assert result.packages_allocated.sel(programme="g").values[3:] == pytest.approx([0.0] * 9)
    binding = list(result.programme_binding.sel(programme="g").values)
    assert binding == ["hbm"] * 3 + ["not_made"] * 9
    # the answer counts those months in no "binds most" and says why g stayed short
    from capsim.analysis.answer import answer

    found = answer(chain(**{"products.p.available": window}), central=result)
    assert [(row.programme, row.input, row.share) for row in found.binds_most] == [
        ("g", "hbm", 1.0)
    ]
    assert "g was short while its product p was not made (it buys no other), from 2026-04" in (
        found.notes
    )


def test_packages_waiting_at_the_sites_hold_back_a_programme_that_lacks_none():
    # g takes its 1000 packages in January and February (500 a month, HBM; a year's
    # staging lets it); one crew installs 100 a month, so the last goes in during
    # October: until then the crew holds g back, though it lacks no packages.
    changes = {
        "programmes.g.target_packages": "1000 package",
        "programmes.g.staging": "12 months",
        "sites.s.crews": 1,
        "sites.s.crew_rate": "1 rack/month",
    }
    result = simulate(chain(**changes))
    assert result.packages_installed.sel(programme="g").values[:10] == pytest.approx([100.0] * 10)
    binding = list(result.programme_binding.sel(programme="g").values)
    assert binding == ["crews"] * 9 + ["complete"] * 3
