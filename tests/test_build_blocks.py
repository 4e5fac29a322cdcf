"""Buildings built and energised in blocks, power in tranches, overlapping phases and
uncertain starts, on constructed cases with hand-calculated answers.

The chain world (tests/builders.py) delivers up to 500 packages of 2 kW IT a month
from the horizon start (2026-01-01, model time 0), as its site will be ready for them,
and installs them at once (10 crews of 1000
racks a month of 100 packages); PUE 1.25. Model time t [month] is the start of month t.
"""

from __future__ import annotations

import numpy as np
import pytest

from builders import chain
from capsim.model.phases import schedule
from capsim.model.resolve import resolve
from capsim.scenario.walk import iter_params
from capsim.simulation import simulate

# A 3 MW (IT) building: 1,500 packages of 2 kW; 1 MW IT = 1.25 MW facility per block.
HALLS = {"sites.s.buildings.0.it_capacity": "3 MW", "sites.s.buildings.0.blocks": 3}
# The grid, the site's only power: 3.75 MW in three tranches of 1.25 MW at t = 2, 5, 8.
TRANCHES = {
    "sites.s.power": {
        "grid": {
            "capacity": "3.75 MW",
            "requested": "2026-01-01",
            "wait": "2 months",
            "tranches": 3,
            "tranche_interval": "3 months",
        }
    }
}


def _day(result, variable: str) -> np.datetime64:
    return result[variable].sel(building="s/b1").values.astype("datetime64[D]")


def _installed(result) -> np.ndarray:
    """Packages installed by each month's end [package]."""
    return np.cumsum(result.packages_installed.sel(programme="g").values)


def test_a_building_whose_power_comes_in_three_tranches_takes_racks_from_the_first():
    # Built at once (zero phases, start 2025-01-01). Each 1.25 MW tranche energises one
    # 1 MW block of 500 slots: the first at t = 2 (2026-03-01), when 1,000 packages have
    # been delivered, so 500 go in; the second at t = 5 and the third at t = 8 add 500
    # each. At the month ends t = 3, 4 that is 500; t = 6, 7: 1,000; t = 9: 1,500.
    result = simulate(chain(**HALLS, **TRANCHES))
    installed = _installed(result)
    assert installed[0:2] == pytest.approx([0.0, 0.0])
    assert installed[2:4] == pytest.approx([500.0, 500.0])
    assert installed[5:7] == pytest.approx([1000.0, 1000.0])
    assert installed[8] == pytest.approx(1500.0)
    # 500 packages x 2 kW = 1 MW IT online after the first tranche.
    assert result.it_power_online.sel(programme="g").values[2] == pytest.approx(1e6)
    assert _day(result, "building_ready") == np.datetime64("2026-03-01")
    assert result.critical_path.sel(building="s/b1").item() == "grid"
    # Delivered packages wait for the next tranche: the grid binds between tranches.
    assert result.programme_binding.sel(programme="g").values[3] == "grid"


def test_one_block_waits_for_all_its_power_as_before():
    # The same building as one block needs 3.75 MW: it waits for the third tranche (t = 8,
    # 2026-09-01) and nothing goes in before. Its programme takes packages only from
    # 1.5 months before (its staging, six weeks by default), so from the start of month
    # 7, 500 a month: 1,000 go in at t = 8, the last 500 a month later.
    result = simulate(chain(**{**HALLS, "sites.s.buildings.0.blocks": 1}, **TRANCHES))
    installed = _installed(result)
    assert installed[:8] == pytest.approx([0.0] * 8)
    assert installed[8:10] == pytest.approx([1000.0, 1500.0])
    assert _day(result, "building_ready") == np.datetime64("2026-09-01")


def test_blocks_built_one_after_another_open_their_slots_as_each_is_built():
    # Power for all (1000 GW existing); started 2026-01-01 with zero phases, the first
    # block is built at once (t = 0), the others every 3 months (t = 3, 6). 500 packages
    # are delivered a month: by the month ends t = 2: 500; t = 5: 1,000; t = 8: 1,500.
    changes = {
        **HALLS,
        "sites.s.buildings.0.start": "2026-01-01",
        "sites.s.buildings.0.block_interval": "3 months",
    }
    installed = _installed(simulate(chain(**changes)))
    assert installed[[1, 4, 7]] == pytest.approx([500.0, 1000.0, 1500.0])


# Phases of 2 + 6 + 4 + 2 + 1 = 15 months from 2026-01-01 run one after another.
PHASES = {
    "horizon.end": "2027-12-31",
    "sites.s.buildings.0.start": "2026-01-01",
    "sites.s.buildings.0.permits": "2 months",
    "sites.s.buildings.0.shell": "6 months",
    "sites.s.buildings.0.fit_out": "4 months",
    "sites.s.buildings.0.cooling": "2 months",
    "sites.s.buildings.0.commissioning": "1 month",
}


def test_phases_in_sequence_are_built_after_the_sum_of_their_durations():
    # 15 months from 2026-01-01: 2027-04-01.
    result = simulate(chain(**PHASES))
    assert _day(result, "construction_done") == np.datetime64("2027-04-01")


def test_overlapping_phases_shorten_the_critical_path_by_the_stated_overlaps():
    # Fit-out starts in finished halls 3 months before the shell is done, cooling 1
    # month before fit-out ends. Permits 0-2, shell 2-8, fit-out 5-9, cooling 8-10,
    # commissioning 10-11: 11 = 15 - 3 - 1 months, built 2026-12-01.
    overlaps = {"sites.s.buildings.0.overlaps": {"fit_out": "3 months", "cooling": "1 month"}}
    result = simulate(chain(**PHASES, **overlaps))
    assert _day(result, "construction_done") == np.datetime64("2026-12-01")
    assert _day(result, "building_ready") == np.datetime64("2026-12-01")
    assert result.critical_path.sel(building="s/b1").item() == "construction"


def test_an_overlap_never_starts_a_phase_before_the_previous_one_nor_ends_it_before():
    # Shell 2-8, fit-out 8-12. Cooling overlapping fit-out by 10 months starts with it at
    # 8, not before, and ends with it at 12 (its own 2 months would end at 10);
    # commissioning 12-13.
    changes = {"sites.s.buildings.0.overlaps": {"cooling": "10 months"}}
    dates = schedule(resolve(chain(**PHASES, **changes)).sites["s"].buildings[0])
    assert dates == [
        ("permits", 0.0, 2.0),
        ("shell", 2.0, 8.0),
        ("fit_out", 8.0, 12.0),
        ("cooling", 8.0, 12.0),
        ("commissioning", 12.0, 13.0),
    ]


def test_late_transformers_hold_an_overlapped_fit_out_and_the_phases_after_it():
    # Fit-out is due at t = 5 (3 months of overlap), but its 7 transformers, ordered at
    # t = 0 from a supplier building 1 a month, arrive at t = 7: fit-out 7-11, cooling
    # 10-12 (1 month of overlap), commissioning 12-13: built 2027-02-01, 2 months late.
    changes = {
        "sites.s.buildings.0.overlaps": {"fit_out": "3 months", "cooling": "1 month"},
        "sites.s.buildings.0.transformers": 7,
    }
    result = simulate(chain(**PHASES, **changes))
    assert _day(result, "construction_done") == np.datetime64("2027-02-01")
    assert result.critical_path.sel(building="s/b1").item() == "transformers"
    assert result.critical_margin.sel(building="s/b1").item() == pytest.approx(2 * 365.25 / 12)


def test_a_start_delay_moves_the_whole_building_and_may_be_uncertain():
    # 4 months of delay: built 15 + 4 = 19 months after 2026-01-01, 2027-08-01.
    delayed = chain(**PHASES, **{"sites.s.buildings.0.start_delay": "4 months"})
    assert _day(simulate(delayed), "construction_done") == np.datetime64("2027-08-01")
    # As a distribution it is a sampled input; a draw of 1 month starts it at t = 1.
    uncertain = chain(
        **PHASES,
        **{
            "sites.s.buildings.0.start_delay": {
                "dist": "uniform",
                "low": "0 months",
                "high": "6 months",
                "source": "assumption: test case",
            }
        },
    )
    path = "sites.s.buildings[0].start_delay"
    assert dict(iter_params(uncertain))[path].is_uncertain
    assert resolve(uncertain, {path: 1.0}).sites["s"].buildings[0].start == pytest.approx(1.0)


# --- on-site power ---------------------------------------------------------------------

# One 1 MW (IT) block built at once: it needs 1.25 MW of facility power.
SMALL = {"sites.s.buildings.0.it_capacity": "1 MW"}


def _onsite(kind: str, units, unit_capacity: str, **extra) -> dict:
    return {
        "kind": kind,
        "units": units,
        "unit_capacity": unit_capacity,
        "ordered": "2026-01-01",
        "install": "0 months",
        **extra,
    }


def test_mobile_generation_bought_with_its_own_lead_time_powers_the_building():
    # Two 0.7 MW mobile units (1.4 >= 1.25 MW), ordered at t = 0 with a 2-month lead
    # time and 1 month to hook up: power at t = 3, 2026-04-01.
    mobile = _onsite("mobile", 2, "0.7 MW", lead_time="2 months", install="1 month")
    result = simulate(chain(**SMALL, **{"sites.s.power": {"onsite": [mobile]}}))
    assert _day(result, "building_ready") == np.datetime64("2026-04-01")
    assert result.critical_path.sel(building="s/b1").item() == "onsite_power"


def test_batteries_count_only_up_to_the_power_of_the_other_sources():
    # 2 MW of batteries alone run nothing: the block never has its 1.25 MW.
    battery = _onsite("battery", 1, "2 MW")
    alone = simulate(chain(**SMALL, **{"sites.s.power": {"onsite": [battery]}}))
    assert np.isnat(_day(alone, "building_ready"))
    # With 0.75 MW of grid at t = 2 they add min(2, 0.75) = 0.75 MW: 1.5 >= 1.25 MW,
    # ready at 2026-03-01, where the grid alone would never do.
    grid = {"capacity": "0.75 MW", "requested": "2026-01-01", "wait": "2 months"}
    both = simulate(chain(**SMALL, **{"sites.s.power": {"grid": grid, "onsite": [battery]}}))
    assert _day(both, "building_ready") == np.datetime64("2026-03-01")
    grid_only = simulate(chain(**SMALL, **{"sites.s.power": {"grid": grid}}))
    assert np.isnat(_day(grid_only, "building_ready"))


def test_grid_turbines_and_batteries_in_one_mix_energise_one_block_each():
    # Three 1 MW blocks of 1.25 MW each. Grid: 1.25 MW at t = 2. Turbines: 2 x 0.625 MW
    # from a supplier building 1 a month, ordered at t = 0, filled at t = 2, hooked up in
    # 1.5 months: t = 3.5. Batteries: 1.25 MW, 5.5 months' lead time: t = 5.5, counting
    # in full (min(1.25, 2.5)). Blocks energise at t = 2, 3.5, 5.5; 500 packages a month
    # are delivered, so by the month ends t = 3, 4, 6: 500, 1,000, 1,500 installed.
    power = {
        "grid": {"capacity": "1.25 MW", "requested": "2026-01-01", "wait": "2 months"},
        "onsite": [
            _onsite("turbine", 2, "0.625 MW", supplier="gt", install="1.5 months"),
            _onsite("battery", 1, "1.25 MW", lead_time="5.5 months"),
        ],
    }
    supplier = {"kind": "turbine", "output": "12 turbine/year", "lead_time": "0 months"}
    result = simulate(chain(**HALLS, **{"sites.s.power": power, "suppliers.gt": supplier}))
    assert _installed(result)[[2, 3, 5]] == pytest.approx([500.0, 1000.0, 1500.0])
    assert _day(result, "building_ready") == np.datetime64("2026-03-01")
