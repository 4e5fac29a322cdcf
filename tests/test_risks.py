"""Risk events on the chain world: which occur, and what they change, by hand calculation.

The chain horizon is 2026-01 .. 2026-12 (12 months, t = 0 at 2026-01-01); a date is
t = month index + (day - 1) / days in its month. A capacity loss hits month m iff its
middle m + 0.5 lies in [date, date + duration).
"""

from __future__ import annotations

import math
import re

import numpy as np
import pytest

from builders import chain
from capsim.model.resolve import resolve
from capsim.simulation import simulate

MONTHS = 12

# Good dies per wafer for a 100 mm^2 die on a 300 mm wafer with no defects:
# pi * 150^2 / 100 - pi * 300 / sqrt(2 * 100) = 706.858 - 66.643 = 640.215
DIES_PER_WAFER = math.pi * 150**2 / 100 - math.pi * 300 / math.sqrt(200)

# Site s with no existing power and a grid of 1000 GW requested 2026-01-01 with a
# 6-month wait: the grid connects at t = 6 (2026-07-01).
GRID = {
    "sites.s.power": {
        "grid": {"capacity": "1000 GW", "requested": "2026-01-01", "wait": "6 months"}
    }
}


def _risk(effect: dict, date: str, probability: float | str = 0.9) -> dict:
    return {"probability": probability, "date": date, "effect": effect}


def _loss(target: str, loss: float | str, date: str, duration: str, **kw) -> dict:
    effect = {"kind": "capacity_loss", "target": target, "loss": loss, "duration": duration}
    return _risk(effect, date, **kw)


def _qualification_failure(date: str) -> dict:
    return _risk({"kind": "qualification_failure", "vendor": "v", "product": "p"}, date)


def _delay(what: str, by: str, date: str) -> dict:
    return _risk({"kind": "delay", "site": "s", "what": what, "by": by}, date)


def _monthly(normal: float, changed: dict[int, float]) -> np.ndarray:
    """``normal`` every month, except the months (index -> value) in ``changed``."""
    values = np.full(MONTHS, normal)
    for month, value in changed.items():
        values[month] = value
    return values


def _day(result, variable: str, building: str) -> np.datetime64:
    return result[variable].sel(building=building).values.astype("datetime64[D]")


# -- occurrence ---------------------------------------------------------------------------

# Four 50 % fab losses, each for one month starting on a first of the month (t = m,
# window [m, m + 1) holds only the middle m + 0.5): Jan, Feb, Mar, Apr.
_LIKELIHOODS = {
    "p30": _loss("logic_fabs.f", 0.5, "2026-01-01", "1 month", probability=0.3),
    "p50": _loss("logic_fabs.f", 0.5, "2026-02-01", "1 month", probability="50 %"),
    "p51": _loss("logic_fabs.f", 0.5, "2026-03-01", "1 month", probability=0.51),
    "p90": _loss("logic_fabs.f", 0.5, "2026-04-01", "1 month", probability=0.9),
}


def test_without_a_draw_a_risk_occurs_iff_its_probability_is_above_one_half():
    # 0.3 and exactly 0.5 do not occur; 0.51 and 0.9 do: Mar and Apr fall to 10 x 0.5 = 5.
    scenario = chain(risks=_LIKELIHOODS)
    inputs = resolve(scenario)
    assert inputs.risks_occurred == ("p51", "p90")
    assert inputs.fabs["f"].capacity == pytest.approx(_monthly(10.0, {2: 5.0, 3: 5.0}))
    assert simulate(scenario).attrs["risks_occurred"] == "p51, p90"


@pytest.mark.parametrize(
    ("draw", "occurred", "halved"),
    [
        # The draw overrides the probability both ways: p30 occurs (Jan), p90 does not.
        ({"risks.p30.occurs": 1.0, "risks.p90.occurs": 0.0}, ("p30", "p51"), (0, 2)),
        # Every risk drawn as not occurring: nothing happens.
        ({f"risks.{rid}.occurs": 0.0 for rid in _LIKELIHOODS}, (), ()),
        # Every risk drawn as occurring: Jan .. Apr all halved.
        ({f"risks.{rid}.occurs": 1.0 for rid in _LIKELIHOODS}, tuple(_LIKELIHOODS), (0, 1, 2, 3)),
    ],
)
def test_with_a_draw_a_risk_occurs_iff_the_draw_says_so(draw, occurred, halved):
    scenario = chain(risks=_LIKELIHOODS)
    inputs = resolve(scenario, draw)
    assert inputs.risks_occurred == occurred
    expected = _monthly(10.0, dict.fromkeys(halved, 5.0))
    assert inputs.fabs["f"].capacity == pytest.approx(expected)
    result = simulate(scenario, draw=draw)
    assert result.attrs["risks_occurred"] == ", ".join(occurred)


def test_resolving_again_without_the_draw_is_unaffected_by_an_earlier_run():
    # The losses scale arrays in place: a second resolve must start again from 10 wafers.
    scenario = chain(risks=_LIKELIHOODS)
    resolve(scenario, {f"risks.{rid}.occurs": 1.0 for rid in _LIKELIHOODS})
    central = resolve(scenario)
    assert central.fabs["f"].capacity == pytest.approx(_monthly(10.0, {2: 5.0, 3: 5.0}))


def test_a_drawn_risk_applies_however_unlikely_it_is():
    # Probability 0.1 %, drawn as occurring: the 40 % loss from 2026-03-01 (t = 2) for
    # 2 months hits Mar and Apr: 10 x 0.6 = 6 wafers.
    scenario = chain(
        risks={"rare": _loss("logic_fabs.f", 0.4, "2026-03-01", "2 month", probability=0.001)}
    )
    assert resolve(scenario).risks_occurred == ()
    inputs = resolve(scenario, {"risks.rare.occurs": 1.0})
    assert inputs.risks_occurred == ("rare",)
    assert inputs.fabs["f"].capacity == pytest.approx(_monthly(10.0, {2: 6.0, 3: 6.0}))


def test_a_draw_sets_the_size_of_an_effect():
    # Drawn loss 75 % and duration 1 month (canonical units) instead of 40 % for 2 months:
    # only Mar (t = 2, window [2, 3)) falls to 10 x 0.25 = 2.5 wafers.
    scenario = chain(risks={"fire": _loss("logic_fabs.f", 0.4, "2026-03-01", "2 month")})
    draw = {"risks.fire.effect.loss": 0.75, "risks.fire.effect.duration": 1.0}
    inputs = resolve(scenario, draw)
    assert inputs.fabs["f"].capacity == pytest.approx(_monthly(10.0, {2: 2.5}))


def test_a_draw_key_that_names_no_input_is_refused():
    # A misspelt key would leave the loss at its central 40 %, unnoticed.
    scenario = chain(risks={"fire": _loss("logic_fabs.f", 0.4, "2026-03-01", "2 month")})
    with pytest.raises(ValueError, match=re.escape("did you mean 'risks.fire.effect.loss'")):
        resolve(scenario, {"risks.fire.effect.los": 0.75})
    with pytest.raises(ValueError, match=re.escape("'risks.flood.occurs' names no input")):
        simulate(scenario, draw={"risks.flood.occurs": 1.0})


@pytest.mark.parametrize("value", [math.nan, math.inf])
def test_a_draw_value_that_is_not_finite_is_refused(value):
    scenario = chain(risks={"fire": _loss("logic_fabs.f", 0.4, "2026-03-01", "2 month")})
    with pytest.raises(ValueError, match="expected a finite number"):
        resolve(scenario, {"risks.fire.effect.loss": value})


# -- capacity loss ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "duration", "months"),
    [
        # t = 2 + 15/31 = 2.484; window [2.484, 5.484) holds the middles 2.5, 3.5, 4.5
        # (Mar .. May); Mar is hit although the loss starts mid-month, Jun (5.5) is not.
        ("2026-03-16", "3 month", (2, 3, 4)),
        # Starts before the horizon: t = -1, window [-1, 2) holds 0.5 and 1.5 (Jan, Feb).
        ("2025-12-01", "3 month", (0, 1)),
        # Runs past the horizon end: t = 10, window [10, 16) holds Nov and Dec only.
        ("2026-11-01", "6 month", (10, 11)),
    ],
)
def test_capacity_loss_on_a_logic_fab_scales_the_months_whose_middle_is_in_the_window(
    date, duration, months
):
    # 30 % loss: 10 wafer/month x 0.7 = 7 in the months hit, 10 elsewhere.
    inputs = resolve(chain(risks={"fire": _loss("logic_fabs.f", "30 %", date, duration)}))
    expected = _monthly(10.0, dict.fromkeys(months, 7.0))
    assert inputs.fabs["f"].capacity == pytest.approx(expected)


def test_capacity_loss_on_an_hbm_vendor_hits_all_its_generations():
    # 2026-04-16: t = 3 + 15/30 = 3.5 exactly; 2 months -> window [3.5, 5.5): Apr's middle
    # 3.5 is the closed start (hit), May's 4.5 is hit, Jun's 5.5 is the open end (not hit).
    # 50 % loss: HBM4 4000 -> 2000, HBM3E 1000 -> 500 stack/month in Apr and May; the
    # vendor's total (its "wafers", one per stack for a vendor given as stacks) 5000 -> 2500.
    changes = {
        "hbm_vendors.v.capacity": {"HBM4": "4000 stack/month", "HBM3E": "1000 stack/month"},
        "risks": {"strike": _loss("hbm_vendors.v", 0.5, "2026-04-16", "2 month")},
    }
    scenario = chain(**changes)
    vendor = resolve(scenario).vendors["v"]
    assert vendor.fixed["HBM4"] == pytest.approx(_monthly(4000.0, {3: 2000.0, 4: 2000.0}))
    assert vendor.fixed["HBM3E"] == pytest.approx(_monthly(1000.0, {3: 500.0, 4: 500.0}))
    assert vendor.wafers == pytest.approx(_monthly(5000.0, {3: 2500.0, 4: 2500.0}))
    # HBM binds with no lead time: the product asks for 8000 stacks a month (its plan,
    # the CoWoS projection of 1000 packages) and is granted all HBM4 there is: / 8 per
    # package = 500, or 250 in Apr and May.
    result = simulate(scenario)
    hbm = result.input_limit.sel(product="p", input="hbm").values
    assert hbm == pytest.approx(_monthly(500.0, {3: 250.0, 4: 250.0}))
    produced = result.packages_produced.sel(product="p").values
    assert produced == pytest.approx(_monthly(500.0, {3: 250.0, 4: 250.0}))


def test_capacity_loss_on_a_cowos_line_scales_the_packages_it_allows():
    # The line's 80 wafer/month is half reserved by designer d and half by "other", a
    # buyer not modelled, which takes its whole reservation: d gets 40 wafers x 10
    # package/wafer = 400 starts, x 80 % yield = 320 good packages. A 25 % loss from
    # 2026-06-01 (t = 5) for 2 months hits Jun and Jul: 60 wafers, 30 each -> 300 starts,
    # 240 good. The product plans what the line gives it (its programme wants far more),
    # so it asks for the stacks and dies of those starts only (400 x 8 = 3200 of the
    # vendor's 4000 stacks, 400 dies): all three allow the same starts, the tie is named
    # cowos, and production (cycle time 0) follows the line.
    changes = {
        "packaging.c.capacity": "80 wafer/month",
        "packaging.c.shares": {"d": 0.5, "other": 0.5},
        "packaging.c.yield": "80 %",
        "risks": {"fire": _loss("packaging.c", "25 %", "2026-06-01", "2 month")},
    }
    result = simulate(chain(**changes))
    cowos = result.input_limit.sel(product="p", input="cowos").values
    assert cowos == pytest.approx(_monthly(320.0, {5: 240.0, 6: 240.0}))
    produced = result.packages_produced.sel(product="p").values
    assert produced == pytest.approx(_monthly(320.0, {5: 240.0, 6: 240.0}))
    assert set(result.binding_input.sel(product="p").values) == {"cowos"}
    line = result.supplier_granted.sel(supplier="c")
    for designer in ("d", "other"):
        granted = line.sel(designer=designer).values
        assert granted == pytest.approx(_monthly(40.0, {5: 30.0, 6: 30.0}))


def test_two_losses_on_one_target_compound_multiplicatively():
    # 50 % from 2026-03-01 for 3 months: [2, 5) -> Mar, Apr, May x 0.5;
    # 20 % from 2026-04-01 for 4 months: [3, 7) -> Apr .. Jul x 0.8.
    # 10 wafers: Mar 5, Apr and May 10 x 0.5 x 0.8 = 4, Jun and Jul 8, else 10.
    # With 0.05 wafer/month the dies bind (cycle time 0): 0.05 x 640.215 = 32.01 packages
    # a month, scaled the same way.
    risks = {
        "a": _loss("logic_fabs.f", 0.5, "2026-03-01", "3 month"),
        "b": _loss("logic_fabs.f", 0.2, "2026-04-01", "4 month"),
    }
    factors = {2: 0.5, 3: 0.4, 4: 0.4, 5: 0.8, 6: 0.8}
    inputs = resolve(chain(risks=risks))
    expected = _monthly(10.0, {m: 10.0 * f for m, f in factors.items()})
    assert inputs.fabs["f"].capacity == pytest.approx(expected)
    result = simulate(chain(risks=risks, **{"logic_fabs.f.wafer_starts": "0.05 wafer/month"}))
    dies = 0.05 * DIES_PER_WAFER
    produced = result.packages_produced.sel(product="p").values
    assert produced == pytest.approx(_monthly(dies, {m: dies * f for m, f in factors.items()}))


# -- qualification failure ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("changes", "window"),
    [
        # Qualified 2025-01-01 (t = -12), fails 2026-05-01 (t = 4): window [-12, 4).
        ({}, (-12.0, 4.0)),
        # Qualified only 2026-06-01 (t = 5), fails before that (t = 4): empty [5, 5), never.
        ({"hbm_vendors.v.qualification.p": "2026-06-01"}, (5.0, 5.0)),
        # Never qualified for p: stays never, [inf, inf).
        ({"hbm_vendors.v.qualification": {}}, (math.inf, math.inf)),
    ],
)
def test_qualification_failure_ends_the_qualification_window_at_the_risk_date(changes, window):
    inputs = resolve(chain(**changes, risks={"fail": _qualification_failure("2026-05-01")}))
    assert inputs.vendors["v"].qualified["p"] == pytest.approx(window)


def test_after_a_qualification_failure_no_more_stacks_arrive_for_the_product():
    # Lead time 2 months, failure at t = 4. Stacks count if they finish before t = 4
    # (docs: "stacks that finish on or after date are not used"): arrivals at t = 0, 1
    # (started before the horizon, prefilled) and t = 2, 3 (started in Jan, Feb);
    # stacks started in Mar would arrive at t = 4 and are not used.
    # So the product orders stacks in Jan and Feb only (4000 granted each), none from Mar.
    # With HBM binding (4000 / 8 = 500 packages), production stops after Apr.
    risks = {"fail": _qualification_failure("2026-05-01")}
    result = simulate(chain(risks=risks, **{"hbm_vendors.v.lead_time": "2 month"}))
    expected = _monthly(500.0, dict.fromkeys(range(4, MONTHS), 0.0))
    assert result.input_limit.sel(product="p", input="hbm").values == pytest.approx(expected)
    assert result.packages_produced.sel(product="p").values == pytest.approx(expected)
    ordered = _monthly(4000.0, dict.fromkeys(range(2, MONTHS), 0.0))
    granted = result.supplier_granted.sel(supplier="v/HBM4", designer="d").values
    assert granted == pytest.approx(ordered)
    # Without logic wafers the product plans nothing (its plan is capped by what the fab
    # would grant it at its order rate: 0), so it orders no stacks: none granted, none
    # left unsold at the vendor, none held.
    changes = {"hbm_vendors.v.lead_time": "2 month", "logic_fabs.f.wafer_starts": "0 wafer/month"}
    result = simulate(chain(risks=risks, **changes))
    assert result.packages_produced.sel(product="p").values == pytest.approx(np.zeros(MONTHS))
    granted = result.supplier_granted.sel(supplier="v/HBM4", designer="d").values
    assert granted == pytest.approx(np.zeros(MONTHS))
    assert result.hbm_unsold.sel(supplier="v/HBM4").values == pytest.approx(np.zeros(MONTHS))
    assert result.hbm_inventory.sel(product="p").values == pytest.approx(np.zeros(MONTHS))


def test_a_failure_before_qualification_means_the_vendor_never_supplies():
    # Qualified from 2026-06-01 (t = 5) but failing on 2026-03-01 (t = 2): no stacks ever.
    changes = {"hbm_vendors.v.qualification.p": "2026-06-01"}
    result = simulate(chain(risks={"fail": _qualification_failure("2026-03-01")}, **changes))
    assert result.packages_produced.sel(product="p").values == pytest.approx(np.zeros(MONTHS))


def test_two_qualification_failures_end_the_window_at_the_earlier_date():
    # Failures on 2026-05-01 (t = 4) and 2026-09-01 (t = 8): stacks finishing on or after
    # t = 4 are not used by the first, so the window is [-12, 4) and production (lead
    # time 0, HBM binds at 500) stops after Apr, whichever order the risks are listed in.
    risks = {
        "early": _qualification_failure("2026-05-01"),
        "late": _qualification_failure("2026-09-01"),
    }
    scenario = chain(risks=risks)
    assert resolve(scenario).vendors["v"].qualified["p"] == pytest.approx((-12.0, 4.0))
    produced = simulate(scenario).packages_produced.sel(product="p").values
    assert produced == pytest.approx(_monthly(500.0, dict.fromkeys(range(4, MONTHS), 0.0)))


# -- delays ---------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "grid_ready", "ready_day"),
    [
        # Risk at t = 3, grid not yet connected (due t = 6): 6 + 3 = 9 -> 2026-10-01.
        ("2026-04-01", 9.0, "2026-10-01"),
        # Risk at t = 7, grid connected at t = 6 already: unchanged, ready 2026-07-01.
        ("2026-08-01", 6.0, "2026-07-01"),
    ],
)
def test_grid_delay_applies_only_if_the_grid_is_not_yet_connected(date, grid_ready, ready_day):
    # The building (zero phases, started 2025-01-01) is built at once and waits for the
    # grid, its only power: ready when the grid connects; construction is unaffected.
    scenario = chain(**GRID, risks={"slip": _delay("grid", "3 month", date)})
    assert resolve(scenario).sites["s"].grid[0][0] == pytest.approx(grid_ready)
    result = simulate(scenario)
    assert _day(result, "building_ready", "s/b1") == np.datetime64(ready_day)
    assert _day(result, "construction_done", "s/b1") == np.datetime64("2026-01-01")


def test_two_grid_delays_do_not_depend_on_the_order_they_are_listed_in():
    # Grid due t = 6. 'early' (t = 3, +3 months) moves it to 9; 'late' (t = 7, +2 months)
    # then finds it not yet connected ("not yet connected at the risk date"): 9 + 2 = 11.
    # Applied in date order that is 11 however the scenario lists them; the code gives 11
    # listed early-first but 9 listed late-first ('late' is checked against t = 6).
    early = _delay("grid", "3 month", "2026-04-01")
    late = _delay("grid", "2 month", "2026-08-01")
    first = resolve(chain(**GRID, risks={"early": early, "late": late})).sites["s"]
    second = resolve(chain(**GRID, risks={"late": late, "early": early})).sites["s"]
    assert second.grid[0] == pytest.approx(first.grid[0])
    assert first.grid[0][0] == pytest.approx(11.0)


PHASES = ("permits", "shell", "fit_out", "cooling", "commissioning")


def _building(bid: str, start: str, **phases: str) -> dict:
    zero = dict.fromkeys(PHASES, "0 month")
    return {"id": bid, "it_capacity": "100 GW", "start": start, **zero, **phases}


# b0: started 2025-01-01 with no phases, finished before the horizon (t = -12).
# b1: 2026-01-01 + 2 months shell + 1 month commissioning -> planned end t = 3 (2026-04-01).
# b2: 2026-06-01 (t = 5) + 1 month commissioning -> planned end t = 6 (2026-07-01).
# Existing power 1000 GW covers 3 x 100 GW x PUE 1.25, so ready = construction done.
_BUILDINGS = [
    _building("b0", "2025-01-01"),
    _building("b1", "2026-01-01", shell="2 month", commissioning="1 month"),
    _building("b2", "2026-06-01", commissioning="1 month"),
]


@pytest.mark.parametrize(
    ("date", "b1_commissioning", "b1_done"),
    [
        # Risk at t = 1: b1 unfinished (ends t = 3) -> commissioning 1 + 2 = 3, done t = 5.
        ("2026-02-01", 3.0, "2026-06-01"),
        # Risk at t = 4: b1 finished at t = 3 -> unchanged, done 2026-04-01.
        ("2026-05-01", 1.0, "2026-04-01"),
        # Risk at t = 3, the day b1 is planned to finish: it does not end *after* the
        # date, so it is unchanged.
        ("2026-04-01", 1.0, "2026-04-01"),
    ],
)
def test_construction_delay_lengthens_commissioning_of_unfinished_buildings(
    date, b1_commissioning, b1_done
):
    # b2 (planned end t = 6) is unfinished at every risk date: commissioning 1 + 2 = 3,
    # done t = 5 + 3 = 8 (2026-09-01). b0 is always finished: unchanged, and dated at the
    # horizon start. Only the last phase changes.
    changes = {"sites.s.buildings": _BUILDINGS}
    scenario = chain(**changes, risks={"slip": _delay("construction", "2 month", date)})
    b0, b1, b2 = resolve(scenario).sites["s"].buildings
    assert [name for name, _ in b1.phases][-1] == "commissioning"
    assert dict(b0.phases) == pytest.approx(dict.fromkeys(PHASES, 0.0))
    assert dict(b1.phases) == pytest.approx(
        {
            "permits": 0.0,
            "shell": 2.0,
            "fit_out": 0.0,
            "cooling": 0.0,
            "commissioning": b1_commissioning,
        }
    )
    assert dict(b2.phases) == pytest.approx(
        {"permits": 0.0, "shell": 0.0, "fit_out": 0.0, "cooling": 0.0, "commissioning": 3.0}
    )
    result = simulate(scenario)
    for building, day in (("s/b0", "2026-01-01"), ("s/b1", b1_done), ("s/b2", "2026-09-01")):
        assert _day(result, "construction_done", building) == np.datetime64(day)
        assert _day(result, "building_ready", building) == np.datetime64(day)


def test_a_draw_value_that_is_not_a_number_is_refused_naming_its_key():
    # Units belong in the scenario; a draw is a number in the input's canonical unit.
    scenario = chain(risks={"fire": _loss("logic_fabs.f", 0.4, "2026-03-01", "2 month")})
    with pytest.raises(
        ValueError, match=re.escape("draw: risks.fire.effect.loss is '40 %'; expected a number")
    ):
        resolve(scenario, {"risks.fire.effect.loss": "40 %"})
