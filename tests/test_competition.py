"""Buyers competing in one market, run through the whole model.

Each case is a small world written here as a scenario mapping, loaded through the
public loader and run with ``simulate`` (one calls an HBM vendor's retooling directly
on such a world's vendor); the expected grants and packages are worked out by hand in
the comments. The market's results are read from ``supplier_capacity``,
``supplier_asked``, ``supplier_granted`` and ``hbm_unsold`` (per supplier: a fab, a CoWoS
line, or ``vendor/generation``) and from ``packages_produced``.

The base world (twelve months of 2026):

- two designers, A and B, each with one product (``pa``, ``pb``): one 100 mm^2 compute
  die and 8 HBM3E stacks per package, 10 packages per CoWoS wafer;
- fab ``f``: 1000 wafers a month with no defects, so dies are never short (640 good
  dies per wafer); cycle time 0;
- CoWoS line ``c``: 40 wafers a month = 400 packages, yield 1, cycle time 0;
- HBM vendor ``v``: 100,000 HBM3E stacks a month (12,500 packages), lead time 1 month;
- programmes ``ga`` (A) and ``gb`` (B) order 600 and 200 packages a month, without end.

So CoWoS is the only scarce input: 400 packages a month for 800 ordered. Pipelines are
filled before the horizon at month 0's rates, so every month is a steady month.
"""

from __future__ import annotations

import copy
from typing import Any

import numpy as np
import pytest
import xarray as xr
import yaml

from builders import chain_data
from capsim.model.hbm import HbmVendorModel
from capsim.model.resolve import resolve
from capsim.scenario.loader import loads_scenario
from capsim.simulation import simulate
from capsim.sweep.space import UncertainSpace

MONTHS = 12


def _site() -> dict[str, Any]:
    """The chain's site (builders): one ready 100 GW building on 1000 GW of existing
    power, with no transformer supplier (this world has none)."""
    site = chain_data()["sites"]["s"]
    del site["transformer_supplier"]
    return site


def product(designer: str, generation: str = "HBM3E", **extra: Any) -> dict[str, Any]:
    return {
        "designer": designer,
        "logic": {"fab": "f", "compute_dies": "1 die/package", "die_area": "100 mm^2"},
        "hbm": {"generation": generation, "stacks": "8 stack/package"},
        "packaging": {"line": "c", "packages_per_wafer": "10 package/wafer"},
        "tdp": "1000 W",
        "it_power": "2000 W",
        "h100e": 1,
        "packages_per_rack": "100 package/rack",
        "lead_time": "0 month",
        **extra,
    }


def programme(product_id: str, volume: Any, **extra: Any) -> dict[str, Any]:
    return {
        "buyer": "buyer",
        "product": product_id,
        "target_packages": "1e9 package",
        "volume": volume,
        "start": "2025-01-01",
        "destination": "US",
        **extra,
    }


def step(before: str, after: str, on: str) -> dict[str, Any]:
    """A volume series: ``before`` until ``on``, then ``after``."""
    return {
        "points": [{"date": "2025-01-01", "value": before}, {"date": on, "value": after}],
        "interpolation": "step",
    }


def world() -> dict[str, Any]:
    """The base world of the module docstring."""
    return {
        "name": "market",
        "horizon": {"start": "2026-01-01", "end": "2026-12-31"},
        "products": {"pa": product("A"), "pb": product("B")},
        "logic_fabs": {
            "f": {
                "operator": "foundry",
                "node": "N3",
                "wafer_starts": "1000 wafer/month",
                "defect_density": "0 /cm^2",
                "cycle_time": "0 month",
            }
        },
        "packaging": {
            "c": {
                "operator": "foundry",
                "capacity": "40 wafer/month",
                "yield": 1,
                "cycle_time": "0 month",
            }
        },
        "hbm_vendors": {
            "v": {
                "capacity": {"HBM3E": "100000 stack/month"},
                "lead_time": "1 month",
                "qualification": {"pa": "2025-01-01", "pb": "2025-01-01"},
            }
        },
        "programmes": {
            "ga": programme("pa", "600 package/month"),
            "gb": programme("pb", "200 package/month"),
        },
    }


def run(data: dict[str, Any]) -> xr.Dataset:
    return simulate(loads_scenario(yaml.safe_dump(data, sort_keys=False), "market.yaml"))


def produced(result: xr.Dataset, product_id: str) -> np.ndarray:
    return result.packages_produced.sel(product=product_id).values


def granted(result: xr.Dataset, supplier: str, designer: str) -> np.ndarray:
    return result.supplier_granted.sel(supplier=supplier, designer=designer).values


def asked(result: xr.Dataset, supplier: str, designer: str) -> np.ndarray:
    return result.supplier_asked.sel(supplier=supplier, designer=designer).values


def monthly(*spans: tuple[int, float]) -> list[float]:
    """A monthly series written as (months, value) spans, e.g. ``(3, 0.0), (9, 1.0)``."""
    values = [value for count, value in spans for _ in range(count)]
    assert len(values) == MONTHS
    return values


# --- (a) two designers on one CoWoS line -----------------------------------------------------


def test_a_short_line_is_shared_pro_rata_to_orders():
    # A orders 600 packages = 60 wafers, B 200 = 20 wafers: 80 for 40. Pro rata, each gets
    # 40 / 80 = half: A 30 wafers = 300 packages, B 10 wafers = 100 packages, every month,
    # and both are short of CoWoS (A 300 and B 100 packages unmet).
    result = run(world())
    assert granted(result, "c", "A") == pytest.approx([30.0] * MONTHS)
    assert granted(result, "c", "B") == pytest.approx([10.0] * MONTHS)
    assert result.supplier_capacity.sel(supplier="c").values == pytest.approx([40.0] * MONTHS)
    assert produced(result, "pa") == pytest.approx([300.0] * MONTHS)
    assert produced(result, "pb") == pytest.approx([100.0] * MONTHS)
    assert result.unmet_demand.sel(product="pa").values == pytest.approx([300.0] * MONTHS)
    assert result.unmet_demand.sel(product="pb").values == pytest.approx([100.0] * MONTHS)
    assert set(result.binding_input.values.ravel()) == {"cowos"}


def test_a_priority_line_serves_its_first_designer_first():
    # Priority B then A: B gets all its 20 wafers (200 packages), A the 20 left (200 of its
    # 600). Pro rata would have given 300 and 100.
    data = world()
    data["packaging"]["c"] |= {"allocation": "priority", "priority": ["B", "A"]}
    result = run(data)
    assert granted(result, "c", "B") == pytest.approx([20.0] * MONTHS)
    assert granted(result, "c", "A") == pytest.approx([20.0] * MONTHS)
    assert produced(result, "pb") == pytest.approx([200.0] * MONTHS)
    assert produced(result, "pa") == pytest.approx([200.0] * MONTHS)
    assert set(result.binding_input.sel(product="pb").values) == {"demand"}
    assert set(result.binding_input.sel(product="pa").values) == {"cowos"}


def test_the_split_follows_orders_that_change_over_time():
    # A's volume steps from 600 to 100 packages a month on 2026-07-01 (month 6).
    # Months 0-5: as pro rata above, A 300 and B 100.
    # Months 6-11: A 10 wafers + B 20 wafers = 30 <= 40: both served in full (100 and 200)
    # and 10 wafers stay idle.
    data = world()
    data["programmes"]["ga"]["volume"] = step("600 package/month", "100 package/month", "2026-07")
    result = run(data)
    assert produced(result, "pa") == pytest.approx(monthly((6, 300.0), (6, 100.0)))
    assert produced(result, "pb") == pytest.approx(monthly((6, 100.0), (6, 200.0)))
    assert granted(result, "c", "A") == pytest.approx(monthly((6, 30.0), (6, 10.0)))
    assert granted(result, "c", "B") == pytest.approx(monthly((6, 10.0), (6, 20.0)))


@pytest.mark.parametrize("grows", [False, True], ids=["full", "grows"])
def test_orders_carried_get_inputs_only_for_the_slots_the_plans_leave(grows):
    # ga's unfilled orders are carried: it is owed 300 more packages every month. Its
    # order rate, 600, is already the most it orders a month, so none of what it is owed
    # is served beside the month's orders (the next test). While the line's 400 packages
    # are all planned (A's 300 and B's 100 by the rule, as above) no slot is left for
    # what ga is owed, so A orders stacks and dies for its 300 only:
    # none wait at a month's end, and B keeps its 100. (Before, A ordered them for what
    # it was owed too, held 1,280 stacks, and with them asked, and took, 2 of B's
    # wafers: 320 and 80 packages.) When the line grows to 100 wafers in July, the
    # plans take 600 + 200 of its 1000 packages and A's stacks cover the 200 left for
    # what ga is owed (1,800 by then): 800 a month for A, still nothing waiting.
    data = world()
    data["programmes"]["ga"]["unfilled"] = "carried"
    if grows:
        data["packaging"]["c"]["capacity"] = step("40 wafer/month", "100 wafer/month", "2026-07-01")
    result = run(data)
    a_later, b_later = (800.0, 200.0) if grows else (300.0, 100.0)
    assert produced(result, "pa") == pytest.approx(monthly((6, 300.0), (6, a_later)))
    assert produced(result, "pb") == pytest.approx(monthly((6, 100.0), (6, b_later)))
    assert result.hbm_inventory.sel(product="pa").values == pytest.approx([0.0] * MONTHS, abs=1e-6)
    assert result.die_inventory.sel(product="pa").values == pytest.approx([0.0] * MONTHS, abs=1e-6)


def test_orders_carried_overdue_are_served_beside_the_months_orders():
    # ga's unfilled orders are carried; B orders 400 packages a month, the line's whole
    # 400. Months 0-5: A 60 wafers and B 40 asked for 40, pro rata: A 24 wafers = 240
    # packages, B 16 = 160, and ga is owed 360 more each month: 2,160 by July. From July
    # ga orders nothing more (its volume falls to 0), so all it lacks is overdue. Served
    # only from what B's orders leave, it would get nothing, for good (B's 400 fill the
    # line); served beside them within the most ga ordered a month (600 packages = 60
    # wafers), the split stays 24 and 16: 240 and 160 a month to the end of the year
    # (6 x 240 = 1,440 of the 2,160), and none of A's stacks or dies wait.
    data = world()
    data["programmes"]["ga"] |= {
        "unfilled": "carried",
        "volume": step("600 package/month", "0 package/month", "2026-07-01"),
    }
    data["programmes"]["gb"]["volume"] = "400 package/month"
    result = run(data)
    assert produced(result, "pa") == pytest.approx([240.0] * MONTHS)
    assert produced(result, "pb") == pytest.approx([160.0] * MONTHS)
    assert result.hbm_inventory.sel(product="pa").values == pytest.approx([0.0] * MONTHS, abs=1e-6)
    assert result.die_inventory.sel(product="pa").values == pytest.approx([0.0] * MONTHS, abs=1e-6)


def test_plans_share_the_wafers_a_fab_started_a_cycle_time_before():
    # A alone; ga's unfilled orders are carried, 400 packages a month to June (2,400 in
    # all), then none. The fab starts 0.3125 wafers a month (200 dies) until April, then
    # 1000, with a 3-month cycle: the dies packaged in months 0-5 come from wafers started
    # at 0.3125 a month (those of January to March, and the pipeline filled before), so
    # 200 packages a month, and a plan for a month shares the wafers started three months
    # before it. HBM is plentiful with a 3-month lead time. So ga gets 200 a month to June
    # and is owed 1,200, served within the most it ordered a month (400, the line's 400
    # too) from the dies of April to June: 400 in each of months 6-8, 2,400 in all, for
    # 8 x 2,400 = 19,200 stacks, each ordered for the month its dies come: none wait at a
    # month's end, none go back unsold, and the dies are named as binding to June. (While
    # the plans shared a fab's capacity of the month packaged, they planned 400 a month
    # from April: stacks for 200 packages a month more came with no dies for them, 4,800
    # waiting at the end of June.)
    data = world()
    del data["products"]["pb"], data["programmes"]["gb"]
    data["hbm_vendors"]["v"] |= {"lead_time": "3 month", "qualification": {"pa": "2025-01-01"}}
    data["logic_fabs"]["f"] |= {
        "wafer_starts": step("0.3125 wafer/month", "1000 wafer/month", "2026-04-01"),
        "cycle_time": "3 month",
    }
    data["programmes"]["ga"] |= {
        "unfilled": "carried",
        "start": "2026-01-01",
        "volume": step("400 package/month", "0 package/month", "2026-07-01"),
    }
    result = run(data)
    expected = monthly((6, 200.0), (3, 400.0), (3, 0.0))
    assert produced(result, "pa") == pytest.approx(expected, rel=2e-3, abs=1e-6)
    assert produced(result, "pa").sum() == pytest.approx(2400.0, rel=1e-3)
    held = result.hbm_inventory.sel(product="pa").values
    assert held == pytest.approx([0.0] * MONTHS, abs=1e-6)
    assert result.hbm_given_back.sel(product="pa").values.sum() == pytest.approx(0.0, abs=1e-6)
    unsold = result.hbm_unsold.sel(supplier="v/HBM3E").values
    assert unsold == pytest.approx([0.0] * MONTHS, abs=1e-6)
    binding = result.binding_input.sel(product="pa").values
    assert list(binding[:6]) == ["logic_wafers"] * 6


# --- (b) reservations ------------------------------------------------------------------------


def _reserving_world(market: dict[str, Any]) -> dict[str, Any]:
    """A orders 100 packages (10 wafers) a month, B 600 (60 wafers); ``market`` is added to
    line ``c`` (40 wafers)."""
    data = world()
    data["programmes"]["ga"]["volume"] = "100 package/month"
    data["programmes"]["gb"]["volume"] = "600 package/month"
    data["packaging"]["c"] |= market
    return data


RESERVATIONS = {
    "shares": {"shares": {"A": 0.5}},
    "share-contract": {"contracts": {"A": {"share": "50 %"}}},
    "volume-contract": {"contracts": {"A": {"volume": "20 wafer/month"}}},
}


def test_without_a_reservation_the_small_buyer_gets_its_pro_rata_part():
    # The control for the reservations below: 10 + 60 = 70 wafers asked for 40, each gets
    # 40 / 70 of its ask: A 5.714 wafers = 57.14 packages, B 34.29 wafers = 342.86.
    result = run(_reserving_world({}))
    assert produced(result, "pa") == pytest.approx([400.0 / 7] * MONTHS)
    assert produced(result, "pb") == pytest.approx([2400.0 / 7] * MONTHS)


@pytest.mark.parametrize("market", list(RESERVATIONS.values()), ids=list(RESERVATIONS))
def test_an_unused_reservation_goes_to_the_other_designer(market):
    # A reserves 20 of the 40 wafers but asks 10: it gets its 10 in full, and the 10 it
    # leaves go to B with the other 20: B gets 30 wafers = 300 packages.
    result = run(_reserving_world(market))
    assert asked(result, "c", "A") == pytest.approx([10.0] * MONTHS)
    assert granted(result, "c", "A") == pytest.approx([10.0] * MONTHS)
    assert granted(result, "c", "B") == pytest.approx([30.0] * MONTHS)
    assert produced(result, "pa") == pytest.approx([100.0] * MONTHS)
    assert produced(result, "pb") == pytest.approx([300.0] * MONTHS)


@pytest.mark.parametrize(
    "contract",
    [{"share": 0.5, "take_or_pay": True}, {"volume": "20 wafer/month", "take_or_pay": True}],
    ids=["share", "volume"],
)
def test_a_take_or_pay_reservation_is_kept_by_its_holder(contract):
    # Take-or-pay: A takes all 20 reserved wafers (used or not) and B gets only the 20
    # left: 200 packages. A still packages only the 100 it orders; its other 10 wafers of
    # slots are idle, not B's: A asks 10 wafers and is granted 20.
    result = run(_reserving_world({"contracts": {"A": contract}}))
    assert asked(result, "c", "A") == pytest.approx([10.0] * MONTHS)
    assert granted(result, "c", "A") == pytest.approx([20.0] * MONTHS)
    assert granted(result, "c", "B") == pytest.approx([20.0] * MONTHS)
    assert produced(result, "pa") == pytest.approx([100.0] * MONTHS)
    assert produced(result, "pb") == pytest.approx([200.0] * MONTHS)


def test_a_take_or_pay_reservation_is_kept_in_months_its_holder_orders_nothing():
    # A's orders stop on 2026-07-01 (volume 100 -> 0 packages a month). Take-or-pay, A
    # still takes its 20 wafers each month: B gets 20 wafers (200 packages) all year.
    data = _reserving_world({"contracts": {"A": {"share": 0.5, "take_or_pay": True}}})
    data["programmes"]["ga"]["volume"] = step("100 package/month", "0 package/month", "2026-07")
    result = run(data)
    assert granted(result, "c", "A") == pytest.approx([20.0] * MONTHS)
    assert granted(result, "c", "B") == pytest.approx([20.0] * MONTHS)
    assert produced(result, "pa") == pytest.approx(monthly((6, 100.0), (6, 0.0)))
    assert produced(result, "pb") == pytest.approx([200.0] * MONTHS)


def test_a_buyer_not_modelled_takes_its_whole_reservation():
    # Designer Z has no product here: it stands for other buyers and takes its 25 % share,
    # 10 wafers, whatever the others order. A (10 wafers asked) and B (60) share the other
    # 30 pro rata: A 10 * 30/70 = 4.286 wafers = 42.86 packages, B 25.71 = 257.14 packages.
    result = run(_reserving_world({"shares": {"Z": "25 %"}}))
    assert list(result.designer.values) == ["A", "B", "Z"]
    assert granted(result, "c", "Z") == pytest.approx([10.0] * MONTHS)
    assert produced(result, "pa") == pytest.approx([300.0 / 7] * MONTHS)
    assert produced(result, "pb") == pytest.approx([1800.0 / 7] * MONTHS)


def test_a_take_or_pay_hbm_reservation_is_taken_and_what_its_holder_leaves_is_sold():
    # HBM is scarce now: 4000 HBM3E stacks a month (CoWoS 1000 wafers, ample). A orders 100
    # packages = 800 stacks, B 600 = 4800 stacks. A holds a take-or-pay 50 % = 2000 stacks:
    # it takes all 2000 each month and packages its 100; B gets the other 2000 stacks =
    # 250 packages. The 1200 stacks A takes and does not package go back to the vendor at
    # each month's start (B, short of stacks, could package them), after B ordered its
    # dies for the stacks it has and could buy: they wait unsold that month (1200 at each
    # month's end) and B buys them the next, with dies ordered for them: from February B
    # packages (2000 + 1200) / 8 = 400 a month. A holds none at a month's end.
    data = _reserving_world({"capacity": "1000 wafer/month"})
    data["hbm_vendors"]["v"] |= {
        "capacity": {"HBM3E": "4000 stack/month"},
        "contracts": {"A": {"share": 0.5, "take_or_pay": True}},
    }
    result = run(data)
    assert granted(result, "v/HBM3E", "A") == pytest.approx([2000.0] * MONTHS)
    assert granted(result, "v/HBM3E", "B") == pytest.approx([2000.0] * MONTHS)
    assert produced(result, "pa") == pytest.approx([100.0] * MONTHS)
    assert produced(result, "pb") == pytest.approx(monthly((1, 250.0), (11, 400.0)))
    unsold = result.hbm_unsold.sel(supplier="v/HBM3E").values
    assert unsold == pytest.approx([1200.0] * MONTHS)
    assert result.hbm_given_back.sel(product="pa").values == pytest.approx([1200.0] * MONTHS)
    assert result.hbm_inventory.sel(product="pa").values == pytest.approx([0.0] * MONTHS)


# --- (c) HBM wafers converted between generations ---------------------------------------------

# Vendor v of wafers: HBM3E makes 10 stacks a wafer at 80 % yield (8 good), HBM4 8 stacks at
# 50 % yield (4 good). All its wafers start set up for HBM3E.
WAFER_VENDOR = {
    "generations": {
        "HBM3E": {"stacks_per_wafer": "10 stack/wafer", "yield": 0.8},
        "HBM4": {"stacks_per_wafer": "8 stack/wafer", "yield": "50 %"},
    },
    "tooling": {"HBM3E": 1},
    "lead_time": "1 month",
}


def _hbm_world(wafers: str, conversion_time: str) -> dict[str, Any]:
    """Designer A's HBM4 product ``pa`` (200 packages a month ordered) and HBM3E product
    ``p3`` (no orders) on an ample line (1000 wafers), with the wafer vendor above."""
    data = world()
    data["products"] = {"pa": product("A", "HBM4"), "p3": product("A", "HBM3E")}
    data["programmes"] = {"ga": programme("pa", "200 package/month")}
    data["packaging"]["c"]["capacity"] = "1000 wafer/month"
    data["hbm_vendors"]["v"] = {
        **copy.deepcopy(WAFER_VENDOR),
        "wafers": wafers,
        "conversion_time": conversion_time,
        "qualification": {"pa": "2025-01-01", "p3": "2025-01-01"},
    }
    return data


@pytest.mark.parametrize("conversion", [2, 4])
def test_wafers_moved_to_hbm4_make_stacks_only_after_the_conversion_time(conversion):
    # 1000 wafers a month, all HBM3E. HBM4 orders: 200 packages x 8 = 1600 stacks = 1600 / 4
    # = 400 wafers. In month 0 the vendor starts moving 400 wafers from HBM3E to HBM4; they
    # stay HBM3E (1000) until month `conversion` (HBM3E is left with 600), then make 400 x
    # 8 x 0.5 = 1600 HBM4 stacks a month, which arrive a month later: 200 packages a month
    # from month conversion + 1.
    result = run(_hbm_world("1000 wafer/month", f"{conversion} months"))
    capacity = result.supplier_capacity
    assert capacity.sel(supplier="v/HBM3E").values == pytest.approx(
        monthly((conversion, 1000.0), (MONTHS - conversion, 600.0))
    )
    assert capacity.sel(supplier="v/HBM4").values == pytest.approx(
        monthly((conversion, 0.0), (MONTHS - conversion, 400.0))
    )
    assert granted(result, "v/HBM4", "A") == pytest.approx(
        monthly((conversion, 0.0), (MONTHS - conversion, 400.0))
    )
    # Before then A orders no HBM4: its plans count, for the months a conversion ordered
    # now cannot reach, on the wafers set up for HBM4 then (none).
    assert asked(result, "v/HBM4", "A")[:conversion] == pytest.approx([0.0] * conversion)
    assert produced(result, "pa") == pytest.approx(
        monthly((conversion + 1, 0.0), (MONTHS - conversion - 1, 200.0))
    )
    assert list(result.binding_input.sel(product="pa").values[: conversion + 1]) == ["hbm"] * (
        conversion + 1
    )


def test_plans_count_the_hbm_wafers_set_up_until_a_conversion_could_be_ready():
    # pa (A, HBM4) orders 600 packages a month and pb (B, HBM3E) 200, on the 400-package
    # line; the fab has a 2-month cycle, so dies are ordered to the plans two months
    # ahead. Vendor v has 10,000 wafers, all set up for HBM3E; moving some to HBM4 takes
    # 4 months, and stacks take a month more: pa can have no HBM4 stack before month 5.
    # The plans count, for the stacks started before a conversion ordered now is ready,
    # on the wafers set up then: pa is planned nothing to month 4, and pb the line's
    # slots it can use, its 200 a month. The vendor sets up HBM4 wafers in month 0 for
    # what pa would take were HBM not short: the whole line, 400 packages x 8 stacks /
    # (8 x 50 % good stacks a wafer) = 800 wafers, ready in month 4. From month 5 pa can
    # so have at most 400 packages a month, and the line is shared 400 : 200 = 266.7 :
    # 133.3, full.
    # (While the plans counted HBM as one pool of any generation, pa was planned 300 a
    # month from month 0: 900 of its dies waited for HBM4 by month 2, and pb, planned 100,
    # made 100 a month with three quarters of the line idle to month 4.)
    data = world()
    data["products"]["pa"] = product("A", "HBM4")
    data["logic_fabs"]["f"]["cycle_time"] = "2 month"
    data["hbm_vendors"]["v"] = {
        **copy.deepcopy(WAFER_VENDOR),
        "wafers": "10000 wafer/month",
        "conversion_time": "4 months",
        "qualification": {"pa": "2025-01-01", "pb": "2025-01-01"},
    }
    result = run(data)
    assert result.supplier_capacity.sel(supplier="v/HBM4").values == pytest.approx(
        monthly((4, 0.0), (8, 800.0))
    )
    assert produced(result, "pa") == pytest.approx(monthly((5, 0.0), (7, 400.0 * 2 / 3)))
    assert produced(result, "pb") == pytest.approx(monthly((5, 200.0), (7, 400.0 / 3)))
    assert result.die_inventory.sel(product="pa").values == pytest.approx([0.0] * MONTHS)


def test_hbm4_stacks_are_wafers_times_stacks_per_wafer_times_yield():
    # Only 300 wafers a month for the 400 that HBM4 orders want: all 300 move to HBM4 (HBM3E
    # until then) and, after 3 months, make 300 x 8 x 0.5 = 1200 stacks a month = 150
    # packages of 8 stacks, from month 4 (a month's lead time). HBM binds: 50 of the 200
    # ordered go unmet.
    result = run(_hbm_world("300 wafer/month", "3 months"))
    capacity = result.supplier_capacity
    assert capacity.sel(supplier="v/HBM4").values == pytest.approx(monthly((3, 0.0), (9, 300.0)))
    assert capacity.sel(supplier="v/HBM3E").values == pytest.approx(monthly((3, 300.0), (9, 0.0)))
    assert produced(result, "pa") == pytest.approx(monthly((4, 0.0), (8, 150.0)))
    assert list(result.binding_input.sel(product="pa").values) == ["hbm"] * MONTHS


def _denser_from_july(data: dict[str, Any]) -> dict[str, Any]:
    """``data`` with vendor v making 25 % more good stacks per wafer from 2026-07-01."""
    data["hbm_vendors"]["v"]["density"] = step("1", "1.25", "2026-07-01")
    return data


def test_a_density_step_raises_the_stacks_each_wafer_makes_from_its_date():
    # As above, 300 wafers all moved to HBM4 (4 good stacks a wafer) make 1200 stacks a
    # month from month 3; wafers started from month 6 (2026-07) make 4 x 1.25 = 5 good
    # stacks: 1500 a month = 187.5 packages, a month's lead time later (month 7). The 200
    # packages ordered still need 1600 / 5 = 320 wafers, more than the 300: HBM binds.
    result = run(_denser_from_july(_hbm_world("300 wafer/month", "3 months")))
    assert result.supplier_capacity.sel(supplier="v/HBM4").values == pytest.approx(
        monthly((3, 0.0), (9, 300.0))
    )
    assert produced(result, "pa") == pytest.approx(monthly((4, 0.0), (3, 150.0), (5, 187.5)))


def test_with_denser_wafers_the_same_orders_take_fewer_wafers():
    # 1000 wafers: 400 move to HBM4 and make its 1600 stacks a month (200 packages) from
    # month 2; from month 6 each wafer makes 5 stacks, so the vendor grants A 1600 / 5 = 320
    # wafers a month for the same 200 packages.
    result = run(_denser_from_july(_hbm_world("1000 wafer/month", "2 months")))
    assert granted(result, "v/HBM4", "A") == pytest.approx(
        monthly((2, 0.0), (4, 400.0), (6, 320.0))
    )
    assert produced(result, "pa") == pytest.approx(monthly((3, 0.0), (9, 200.0)))


def _hbm3e_then_hbm4(hbm3e_volume: str) -> dict[str, Any]:
    """The world above (1000 wafers, conversion 3 months) with p3 (HBM3E) made until
    2026-07-01 for ``hbm3e_volume`` and pa (HBM4, 200 packages a month) from then on."""
    data = _hbm_world("1000 wafer/month", "3 months")
    data["products"]["p3"]["available"] = {"until": "2026-07-01"}
    data["products"]["pa"]["available"] = {"from": "2026-07-01"}
    data["programmes"]["g3"] = programme("p3", hbm3e_volume)
    return data


def test_wafers_follow_orders_from_hbm3e_to_hbm4():
    # p3 (HBM3E, 500 packages = 4000 stacks = 500 wafers a month) is made until 2026-07-01;
    # pa (HBM4, 200 packages = 400 wafers) from then on. The vendor aims each generation at
    # what orders need a conversion time (3 months) plus the lead time (1 month) ahead: in
    # month 2 it sees HBM4 orders for month 6 and none for HBM3E, and moves 400 wafers:
    # they make HBM3E until month 5 (HBM3E 1000 -> 600 then, still above the 500 p3 needs
    # until month 6) and HBM4 from month 5, arriving in month 6, when pa starts: 200
    # packages a month from month 6.
    result = run(_hbm3e_then_hbm4("500 package/month"))
    capacity = result.supplier_capacity
    assert capacity.sel(supplier="v/HBM3E").values == pytest.approx(
        monthly((5, 1000.0), (7, 600.0))
    )
    assert capacity.sel(supplier="v/HBM4").values == pytest.approx(monthly((5, 0.0), (7, 400.0)))
    assert produced(result, "p3") == pytest.approx(monthly((6, 500.0), (6, 0.0)))
    assert produced(result, "pa") == pytest.approx(monthly((6, 0.0), (6, 200.0)))
    # HBM3E wafers start only what is ordered: no stack is left over unsold.
    assert result.hbm_unsold.values == pytest.approx(np.zeros((MONTHS, 4)), abs=1e-6)


def test_wafers_moving_to_a_new_generation_make_the_old_one_until_they_switch():
    # As above, but p3 takes 800 packages = 800 HBM3E wafers a month until 2026-07-01. In
    # month 2 the vendor moves 400 of its 1000 wafers to HBM4 for pa's orders from month 6;
    # they make HBM3E until month 5, so p3 keeps its 800 wafers (it would get only 600 in
    # months 2-4 were they idle while converting) and packages 800 a month to its end;
    # pa packages 200 a month from month 6.
    result = run(_hbm3e_then_hbm4("800 package/month"))
    assert granted(result, "v/HBM3E", "A")[:5] == pytest.approx([800.0] * 5)
    assert produced(result, "p3") == pytest.approx(monthly((6, 800.0), (6, 0.0)))
    assert produced(result, "pa") == pytest.approx(monthly((6, 0.0), (6, 200.0)))


def test_idle_wafers_move_to_a_generation_another_vendor_cannot_fill():
    # pa (HBM4, 200 packages = 1600 stacks a month) sources from w (weight 1), which makes
    # 1000 HBM4 stacks a month; v (100 wafers, 90 set up for HBM3E, which nobody orders,
    # 10 for HBM4; conversion 2 months) qualifies pa too, so the 600 stacks w cannot give
    # are asked of v: 600 / 4 = 150 wafers, of which v has 10 (40 stacks). pa's plans send
    # nothing to v, so no plan aims v at HBM4; but its 90 HBM3E wafers are idle, so in
    # month 0 they move to HBM4 (a shortfall of 150 - 10 = 140 wafers) and make HBM4 from
    # month 2 (HBM3E, which nobody orders, until then): 100 wafers = 400 stacks. pa
    # packages (1000 + 40) / 8 = 130 a month, then (1000 + 400) / 8 = 175 from month 3 (a
    # month's lead time). (The 90 wafers used to stay idle, and pa to make 130 a month,
    # for good.)
    data = _hbm_world("100 wafer/month", "2 months")
    data["hbm_vendors"]["v"]["tooling"] = {"HBM3E": 0.9, "HBM4": 0.1}
    data["hbm_vendors"]["w"] = {
        "capacity": {"HBM4": "1000 stack/month"},
        "lead_time": "1 month",
        "qualification": {"pa": "2025-01-01"},
    }
    data["products"]["pa"]["hbm"]["sourcing"] = {"w": 1}
    result = run(data)
    capacity = result.supplier_capacity
    assert capacity.sel(supplier="v/HBM3E").values == pytest.approx(monthly((2, 90.0), (10, 0.0)))
    assert capacity.sel(supplier="v/HBM4").values == pytest.approx(monthly((2, 10.0), (10, 100.0)))
    assert asked(result, "v/HBM4", "A") == pytest.approx([150.0] * MONTHS)
    assert produced(result, "pa") == pytest.approx(monthly((3, 130.0), (9, 175.0)))


@pytest.mark.parametrize(("aim_hbm3e", "moved"), [(30.0, 15.0), (55.0, 5.0)])
def test_only_idle_wafers_beyond_their_aim_move_to_a_generation_asked_for_more(aim_hbm3e, moved):
    # v's 100 wafers are set up 60 for HBM3E and 40 for HBM4 (conversion 2 months). The
    # plans aim HBM4 at its 40 and HBM3E at 30 (or 55): no aim is short, so the plans move
    # nothing. The orders, arrears included, ask 45 HBM3E and 70 HBM4 wafers: HBM4 lacks
    # 70 - 40 = 30; HBM3E's wafers beyond both its asks and its aim are min(60 - 45,
    # 60 - 30) = 15 (or min(15, 60 - 55) = 5), and they move: HBM3E until month 2, HBM4
    # from then.
    data = _hbm_world("100 wafer/month", "2 months")
    data["hbm_vendors"]["v"]["tooling"] = {"HBM3E": 0.6, "HBM4": 0.4}
    spec = resolve(loads_scenario(yaml.safe_dump(data, sort_keys=False), "market.yaml"))
    vendor = HbmVendorModel(spec.vendors["v"])
    vendor.tooled_at(0)
    vendor.retool(0, {"HBM3E": aim_hbm3e, "HBM4": 40.0}, {"HBM3E": 45.0, "HBM4": 70.0})
    assert vendor.tooled == pytest.approx({"HBM3E": 60.0, "HBM4": 40.0})
    assert vendor.converting == [(2.0, "HBM4", pytest.approx(moved), "HBM3E")]
    vendor.tooled_at(1)
    assert vendor.tooled == pytest.approx({"HBM3E": 60.0, "HBM4": 40.0})
    vendor.tooled_at(2)
    assert vendor.tooled == pytest.approx({"HBM3E": 60.0 - moved, "HBM4": 40.0 + moved})


def test_a_volume_contract_at_an_hbm_vendor_reserves_its_volume_once():
    # Z (a buyer not modelled) reserves 100 wafers a month of vendor v, whose 1000 wafers
    # are set up half for HBM3E, half for HBM4. The contract names no generation: Z takes
    # 100 wafers a month in all, not 100 of each generation. A's HBM4 orders (400 wafers)
    # fit in what is left.
    data = _hbm_world("1000 wafer/month", "3 months")
    data["hbm_vendors"]["v"] |= {
        "tooling": {"HBM3E": "50 %", "HBM4": "50 %"},
        "contracts": {"Z": {"volume": "100 wafer/month"}},
    }
    result = run(data)
    taken = granted(result, "v/HBM3E", "Z") + granted(result, "v/HBM4", "Z")
    assert taken == pytest.approx([100.0] * MONTHS)
    assert produced(result, "pa") == pytest.approx([200.0] * MONTHS)


# --- (d) letters of intent -------------------------------------------------------------------


def _letter_world(letter: dict[str, Any] | None) -> dict[str, Any]:
    """The base world with site ``sa`` for A's programme, which is a letter of intent."""
    data = world()
    data["sites"] = {"sa": _site()}
    data["programmes"]["ga"]["sites"] = ["sa"]
    if letter is not None:
        data["programmes"]["ga"]["letter_of_intent"] = letter
    return data


def test_a_letter_of_intent_with_probability_0_orders_nothing():
    # ga never becomes firm: A asks for nothing, so B is served in full (20 of 40 wafers,
    # 200 packages), as if ga were not there; ga's site installs nothing.
    result = run(_letter_world({"probability": 0, "by": "2026-06-30"}))
    assert granted(result, "c", "A") == pytest.approx([0.0] * MONTHS)
    assert granted(result, "c", "B") == pytest.approx([20.0] * MONTHS)
    assert produced(result, "pa") == pytest.approx([0.0] * MONTHS)
    assert produced(result, "pb") == pytest.approx([200.0] * MONTHS)
    assert result.packages_allocated.sel(programme="ga").values == pytest.approx([0.0] * MONTHS)
    assert result.site_packages_installed.sel(site="sa").values == pytest.approx([0.0] * MONTHS)
    without = world()
    del without["programmes"]["ga"]
    alone = run(without)
    assert result.packages_allocated.sel(programme="gb").values == pytest.approx(
        alone.packages_allocated.sel(programme="gb").values
    )


def test_a_letter_of_intent_with_probability_1_is_the_same_programme_firm():
    # Firm by the programme's start, ga gets its pro rata 300 packages a month (test (a))
    # and its site installs them (10 crews x 1000 racks x 100 packages is ample, power too).
    letter = run(_letter_world({"probability": 1, "by": "2025-01-01"}))
    firm = run(_letter_world(None))
    assert produced(firm, "pa") == pytest.approx([300.0] * MONTHS)
    assert firm.site_packages_installed.sel(site="sa").values == pytest.approx([300.0] * MONTHS)
    xr.testing.assert_identical(letter.drop_attrs(), firm.drop_attrs())


def test_a_letter_orders_only_from_when_it_is_firm():
    # Firm by 2026-06-30 (t = 5.97): a letter is not an order, so ga first orders in month
    # 6 (July); its stacks, a month's lead, are ordered in June for July. Until then B has
    # the line to itself (20 wafers, 200 packages); from July the two share it pro rata
    # as in test (a): A 300, B 100.
    result = run(_letter_world({"probability": 1, "by": "2026-06-30"}))
    before = np.arange(MONTHS) < 6
    assert produced(result, "pa") == pytest.approx(np.where(before, 0.0, 300.0))
    assert produced(result, "pb") == pytest.approx(np.where(before, 200.0, 100.0))


def test_each_sample_draws_whether_a_letter_of_intent_becomes_firm():
    # Probability 30 %: a sample whose uniform draw is below 0.3 makes ga firm (A gets 300
    # packages a month, B 100), one above leaves it out (A 0, B 200).
    scenario = loads_scenario(
        yaml.safe_dump(_letter_world({"probability": "30 %", "by": "2025-01-01"})), "market.yaml"
    )
    space = UncertainSpace(scenario)
    assert space.names == ["programmes.ga.firm"]
    firm_row, lapsed_row = space.values(np.array([[0.2], [0.5]]))
    firm = simulate(scenario, draw=space.draw(firm_row))
    lapsed = simulate(scenario, draw=space.draw(lapsed_row))
    assert produced(firm, "pa") == pytest.approx([300.0] * MONTHS)
    assert produced(firm, "pb") == pytest.approx([100.0] * MONTHS)
    assert produced(lapsed, "pa") == pytest.approx([0.0] * MONTHS)
    assert produced(lapsed, "pb") == pytest.approx([200.0] * MONTHS)


# --- (e) production windows ------------------------------------------------------------------


def test_a_product_outside_its_window_gets_no_wafers_or_slots():
    # pa is made from 2026-04-01 until 2026-09-01: months 3-7. Outside them A gets no wafer
    # starts and no CoWoS slots, and B has the line to itself: its 20 wafers, 200 packages.
    # Inside them the two share it pro rata as in test (a): A 300, B 100. pa's HBM (lead
    # time 1 month) is bought a month ahead: months 2-6.
    data = world()
    data["products"]["pa"]["available"] = {"from": "2026-04-01", "until": "2026-09-01"}
    result = run(data)
    inside = np.zeros(MONTHS, dtype=bool)
    inside[3:8] = True
    assert produced(result, "pa") == pytest.approx(np.where(inside, 300.0, 0.0))
    assert produced(result, "pb") == pytest.approx(np.where(inside, 100.0, 200.0))
    assert granted(result, "c", "A") == pytest.approx(np.where(inside, 30.0, 0.0))
    assert granted(result, "c", "B") == pytest.approx(np.where(inside, 10.0, 20.0))
    assert granted(result, "f", "A")[~inside] == pytest.approx([0.0] * 7)
    # the dies for the window's packages are started inside it (those for the last month
    # may come with the month before's, matched to the stacks due by then)
    assert granted(result, "f", "A")[inside].sum() > 0
    hbm = granted(result, "v/HBM3E", "A")
    assert hbm[[0, 1, 7, 8, 9, 10, 11]] == pytest.approx([0.0] * 7)
    # Each month's stacks are 8 per package of the next month: 300 x 8 = 2400.
    assert hbm[2:7] == pytest.approx([2400.0] * 5)


# --- (f) qualification and sourcing ----------------------------------------------------------


def _two_vendor_world(qualification: dict[str, Any]) -> dict[str, Any]:
    """A alone orders 500 HBM4 packages a month (4000 stacks) on an ample line. Vendor v1
    (qualified) makes 800 HBM4 stacks a month; v2 makes 8000, with ``qualification``."""
    data = world()
    data["products"] = {"pa": product("A", "HBM4")}
    data["programmes"] = {"ga": programme("pa", "500 package/month")}
    data["packaging"]["c"]["capacity"] = "1000 wafer/month"
    data["hbm_vendors"] = {
        "v1": {
            "capacity": {"HBM4": "800 stack/month"},
            "lead_time": "1 month",
            "qualification": {"pa": "2025-01-01"},
        },
        "v2": {
            "capacity": {"HBM4": "8000 stack/month"},
            "lead_time": "1 month",
            "qualification": qualification,
        },
    }
    return data


@pytest.mark.parametrize("qualification", [{"pa": "never"}, {}], ids=["never", "not-listed"])
def test_a_vendor_that_never_qualified_a_product_sells_it_nothing(qualification):
    # Only v1's 800 stacks count: 800 / 8 = 100 packages a month, HBM-bound, while v2's
    # 8000 stacks a month sit unordered.
    result = run(_two_vendor_world(qualification))
    assert granted(result, "v2/HBM4", "A") == pytest.approx([0.0] * MONTHS)
    assert granted(result, "v1/HBM4", "A") == pytest.approx([800.0] * MONTHS)
    assert produced(result, "pa") == pytest.approx([100.0] * MONTHS)
    assert set(result.binding_input.values.ravel()) == {"hbm"}
    assert result.hbm_unsold.sel(supplier="v2/HBM4").values == pytest.approx([0.0] * MONTHS)


def test_a_vendor_qualified_later_sells_only_stacks_that_arrive_after_it():
    # v2 is qualified on 2026-06-01 (month 5). Months 0-4: v1's 800 stacks, 100 packages.
    # v2's first stacks are those ordered in month 4 (arriving in month 5); from then on
    # 800 + 8000 stacks a month are more than the 4000 that 500 packages take, so all 500
    # are made every month from month 5.
    result = run(_two_vendor_world({"pa": "2026-06-01"}))
    late = granted(result, "v2/HBM4", "A")
    assert late[:4] == pytest.approx([0.0] * 4)
    assert late[4] > 0
    assert produced(result, "pa") == pytest.approx(monthly((5, 100.0), (7, 500.0)))
    assert list(result.binding_input.sel(product="pa").values[:5]) == ["hbm"] * 5


def test_sourcing_weights_split_a_product_s_orders_among_vendors():
    # Both qualified, both with room (v1 raised to 8000): sourcing 1 : 3 sends a quarter of
    # the 4000 stacks a month to v1 (1000) and three quarters to v2 (3000); all 500
    # packages are made.
    data = _two_vendor_world({"pa": "2025-01-01"})
    data["hbm_vendors"]["v1"]["capacity"] = {"HBM4": "8000 stack/month"}
    data["products"]["pa"]["hbm"]["sourcing"] = {"v1": 1, "v2": 3}
    result = run(data)
    assert granted(result, "v1/HBM4", "A") == pytest.approx([1000.0] * MONTHS)
    assert granted(result, "v2/HBM4", "A") == pytest.approx([3000.0] * MONTHS)
    assert produced(result, "pa") == pytest.approx([500.0] * MONTHS)
