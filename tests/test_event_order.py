"""The order of events at a month boundary, as an exact log (SimPy's own test style).

World: one product whose dies take a one-month fab cycle (wafers started in month m
arrive at t = m + 1; the pipeline is prefilled, so month 0's share is on hand at t = 0),
packaged at once (no CoWoS cycle) and delivered a month later. Per month: 10 wafers x
640.215 good dies = 6402.15 dies; HBM 4000 stacks / 8 = 500 packages, so HBM binds and
500 packages (500 dies) start each month.
"""

from __future__ import annotations

from builders import chain
from capsim.model.resolve import resolve
from capsim.model.world import World


def test_a_month_boundary_records_first_and_starts_last():
    scenario = chain(
        **{
            "horizon.end": "2026-02-28",
            "logic_fabs.f.cycle_time": "1 month",
            "products.p.lead_time": "1 month",
        }
    )
    log: list[tuple[float, str]] = []
    World(resolve(scenario), trace=log).run()
    assert log == [
        # t = 0: the prefilled dies are on hand; 500 packages start and leave packaging.
        (0.0, "start month 0: p dies 6402.15"),
        (0.0, "packaged p 500"),
        # t = 1: month 0 ends with 6402.15 - 500 dies, before the wafers that arrive at
        # t = 1; the delivery due at t = 1 comes next; month 1 starts last, with those
        # wafers' dies on hand: 5902.15 + 6402.15.
        (1.0, "record month 0: p dies 5902.15"),
        (1.0, "delivered g 500"),
        (1.0, "start month 1: p dies 12304.3"),
        (1.0, "packaged p 500"),
        # t = 2: the horizon's end is recorded before month 1's delivery, due then.
        (2.0, "record month 1: p dies 11804.3"),
        (2.0, "delivered g 500"),
    ]
