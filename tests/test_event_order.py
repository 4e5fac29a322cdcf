"""The order of events at a month boundary, as an exact log (SimPy's own test style).

World: the chain (tests/builders.py) with a one-month fab cycle (wafers started in month
m arrive at t = m + 1), a four-month HBM lead time, packaging at once (no CoWoS cycle)
and delivery a month after packaging.

By hand. The programme orders all it lacks at once, so the product plans the CoWoS
projection, 1000 packages a month. The pipelines are prefilled as if the market had run
before the horizon: the stacks started in months -4 .. -1 arrive at t = 0, 1, 2, 3, 4000
each (the vendor's capacity; 8000 asked); the dies started in month -1 arrive at t = 0
and match the stacks due by then, 4000 / 8 = 500 dies. HBM binds: 500 packages a
month.

The stacks take longer than the dies, so they are ordered first and the fab is asked
for the dies that the stacks due by the first packaging the new dies can join match,
less the dies on hand and on the way:

- month 0: dies started now arrive at t = 1; stacks due by then: 4000 on hand + 4000
  at t = 1 = 8000 = 1000 packages = 1000 dies, 500 on hand: 500 ordered (arrive at
  t = 1); 500 used, none left;
- month 1: the 500 that arrived; stacks due by t = 2: 4000 on hand + 4000 at t = 2 =
  1000 packages, so 1000 - 500 = 500 dies ordered (arrive at t = 2); 500 used, none
  left.
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
            "hbm_vendors.v.lead_time": "4 month",
            "products.p.lead_time": "1 month",
        }
    )
    log: list[tuple[float, str]] = []
    World(resolve(scenario), trace=log).run()
    assert log == [
        # t = 0: the prefilled dies are on hand; 500 packages start and leave packaging.
        (0.0, "start month 0: p dies 500"),
        (0.0, "packaged p 500"),
        # t = 1: month 0 ends with 500 - 500 dies (before the 500 due at t = 1); the
        # delivery due at t = 1 comes next; month 1 starts last, with the 500 dies due.
        (1.0, "record month 0: p dies 0"),
        (1.0, "delivered g 500"),
        (1.0, "start month 1: p dies 500"),
        (1.0, "packaged p 500"),
        # t = 2: the horizon's end is recorded (500 - 500, before the 500 dies due at
        # t = 2) before month 1's delivery, due then.
        (2.0, "record month 1: p dies 0"),
        (2.0, "delivered g 500"),
    ]
