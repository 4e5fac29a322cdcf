"""Inputs ordered for programmes that close before the inputs arrive.

A product's arrears (what its programmes want beyond their order rate: orders of past
months not met) are ordered ahead, a lead time before the stacks and dies arrive. When
the programmes owed them will have closed by then, nobody takes the packages those
inputs would make: stacks go back to their vendor unsold, but dies wait forever. The
hand-calculated world below shows it; the shipped scenarios are then checked for dies
and stacks kept once a product can no longer be sold.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

import capsim
from builders import chain, other_buyers
from capsim.model.resolve import resolve
from capsim.simulation import simulate

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))


def test_inputs_ordered_for_a_closing_programme_do_not_outlive_the_product():
    # The chain (tests/builders.py) with HBM arriving 4 months after it is ordered and dies
    # 1 month after their wafers start. g wants 3000 packages by 2026-04-01 (no volume,
    # no sites): it orders 1000 a month and wants all 3000 at once, so from January its
    # arrears are 2000, then 1000, then 500. h (priority 2, no sites) orders 100 a month
    # until 2026-07-01. HBM gives 4000 / 8 = 500 packages a month, all to g (priority 1)
    # until it closes; then h takes its 100 a month for April to June; after June nobody
    # buys p. Stacks ordered in January to March arrive in May to July, after g has
    # closed: they are owed only h's 100 a month, so no die or stack is left once h
    # closes and no stack goes back to the vendor unsold (before the fix, stacks for g's
    # arrears arrived in May and June, 3200 beyond h's 800 each month, went back unsold
    # in July, and the 800 dies matched to them stayed for good).
    result = simulate(
        chain(
            **{
                "hbm_vendors.v.lead_time": "4 month",
                "logic_fabs.f.cycle_time": "1 month",
                "programmes.g.target_packages": "3000 package",
                "programmes.g.start": "2026-01-01",
                "programmes.g.end": "2026-04-01",
                "programmes.g.sites": [],
                "programmes.h": other_buyers()
                | {"volume": "100 package/month", "end": "2026-07-01"},
            }
        )
    )
    produced = result.packages_produced.sel(product="p").values
    assert produced == pytest.approx([500.0] * 3 + [100.0] * 3 + [0.0] * 6, abs=1e-6)
    allocated = result.packages_allocated.sel(programme="g").values
    assert allocated == pytest.approx([500.0] * 3 + [0.0] * 9, abs=1e-6)
    assert np.abs(result.die_inventory.sel(product="p").values).max() <= 1e-6
    assert np.abs(result.hbm_inventory.sel(product="p").values).max() <= 1e-6
    assert np.abs(result.hbm_unsold.values).max() <= 1e-6


def _after_last_sale(ds, inputs, product: str) -> tuple[float, float] | None:
    """For a product whose demand ends inside the horizon: the most dies and stacks it
    holds at a month's end after its last month of demand, in packages' worth
    [package], and the packages it started in its last month of packaging (the last
    month it started any, which may come before demand ends when an input ran out)
    [package] (None when it is sold to the horizon's end or never)."""
    demand = ds.input_limit.sel(product=product, input="demand").values
    selling = np.nonzero(demand > 0)[0]
    if len(selling) == 0 or selling[-1] >= len(demand) - 1:
        return None
    last = int(selling[-1])
    spec = inputs.products[product]
    unit_yield = inputs.packaging[spec.packaging].unit_yield
    produced = ds.packages_produced.sel(product=product).values
    in_packaging = ds.packages_in_packaging.sel(product=product).values
    starts = (np.diff(in_packaging, prepend=0.0) + produced) / unit_yield
    dies = ds.die_inventory.sel(product=product).values[last + 1 :].max() / spec.dies_per_package
    held = dies
    if spec.stacks_per_package > 0:
        stacks = ds.hbm_inventory.sel(product=product).values[last + 1 :].max()
        held = max(held, stacks / spec.stacks_per_package)
    packaged = np.nonzero(starts[: last + 1] > 0)[0]
    return held, (starts[packaged[-1]] if len(packaged) else 0.0)


@pytest.mark.parametrize("path", SCENARIOS, ids=[p.stem for p in SCENARIOS])
def test_no_shipped_scenario_keeps_inputs_after_a_product_stops_selling(path):
    # Once a product can no longer be sold (no demand for the rest of the horizon: its
    # window closed, its programmes closed or complete), the dies and stacks it still
    # holds are waste. Orders are made months ahead, so some may land after demand ends,
    # but at most about a month of its use: what its last month of packaging took.
    scenario = capsim.load_scenario(path)
    ds = capsim.simulate(scenario)
    inputs = resolve(scenario)
    for product in ds["product"].values:
        found = _after_last_sale(ds, inputs, str(product))
        if found is None:
            continue
        held, last_month = found
        assert held <= last_month + 1e-6 * max(1.0, last_month), (str(product), held, last_month)
