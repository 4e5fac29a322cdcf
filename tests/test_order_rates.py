"""Order rates that respect a buyer's export cap and its cash, so a buyer never orders
what it will not take (hand calculations on the chain world of ``builders.chain``: one
product p of 2 H100e and USD 10,000 a package, 8 HBM4 stacks a package, at most 500
packages a month, all from v's 4000 stacks; inputs with no lead time)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from builders import chain, other_buyers
from capsim.model.inputs import ProgrammeIn
from capsim.model.resolve import resolve
from capsim.model.world import World
from capsim.simulation import simulate

#: Supply to spare through 2027: the fab's 100 wafers (64,020 dies) and v's 40,000
#: stacks (5,000 packages) a month, far beyond any order below.
AMPLE = {
    "horizon.end": "2027-12-31",
    "logic_fabs.f.wafer_starts": "100 wafer/month",
    "hbm_vendors.v.capacity": {"HBM4": "40000 stack/month"},
}
#: 1200 H100e a year for CN: 600 packages of p a year, 50 a month.
CN_CAP = {"cn": {"destination": "CN", "cap": "1200 H100e/year", "start": "2025-01-01"}}


def _capped(**changes):
    return chain(
        **{
            "horizon.end": "2027-12-31",
            "programmes.g.destination": "CN",
            "export_rules": CN_CAP,
            **changes,
        }
    )


def _stacks(result, kind: str = "granted") -> np.ndarray:
    return result[f"supplier_{kind}"].sel(supplier="v/HBM4", designer="d").values


def test_a_capped_destination_orders_what_the_cap_lets_it_receive():
    # Nothing received yet: in 2026 the buyer may still receive 1200 H100e / 2 H100e =
    # 600 packages, and would take them at once (the cap counts a calendar year), so it
    # orders 600 a month in January and, as it stands now, in June; for 2027 it orders
    # the cap's monthly rate, 1200 / 12 / 2 = 50 a month. Two programmes for CN share the
    # cap: 600 and 50 in all. Without the cap it orders all its sites have room for: 10
    # crews x 1000 racks x 100 packages = 1e6 a month, for the 1.5 months of its staging.
    allocator = World(resolve(_capped())).allocator
    rates = [allocator.order_rate("p", t) for t in (0.5, 5.5, 12.5, 23.5)]
    np.testing.assert_allclose(rates, [600.0, 600.0, 50.0, 50.0], rtol=1e-12)
    two = World(resolve(_capped(**{"programmes.h": other_buyers() | {"destination": "CN"}})))
    rates = [two.allocator.order_rate("p", t) for t in (0.5, 12.5)]
    np.testing.assert_allclose(rates, [600.0, 50.0], rtol=1e-12)
    assert World(resolve(chain())).allocator.order_rate("p", 0.5) == pytest.approx(1.5e6)


def test_a_capped_destination_lacks_no_more_than_the_cap_lets_it_receive():
    # What its designer orders inputs for (the backlog): 600 packages by any time in
    # 2026, and 600 more by any time in 2027; a rule that starts on 1 July 2026 and ends
    # on 1 April 2027 covers 6 months of 2026 and 3 of 2027: 1200 H100e over 3 months /
    # 2 = 200 packages a month in 2027.
    allocator = World(resolve(_capped())).allocator
    lacks = [allocator.backlog("p", t) for t in (0.0, 11.9, 12.0, 23.9)]
    np.testing.assert_allclose(lacks, [600.0, 600.0, 1200.0, 1200.0], rtol=1e-12)
    window = {"start": "2026-07-01", "end": "2027-04-01"}
    part = World(resolve(_capped(export_rules={"cn": CN_CAP["cn"] | window}))).allocator
    assert part.order_rate("p", 12.5) == pytest.approx(200.0)


def test_a_capped_destinations_designer_orders_only_the_stacks_it_will_take():
    # The buyer may receive 600 packages a year and would take them at once, so its
    # designer orders 600 x 8 = 4800 stacks each January (4000 granted, the vendor's all;
    # the other 800 in February) and none after: 500 + 100 packages a year, all taken;
    # its 2027 orders start in January (the stacks take no time to come).
    # Nothing is left unsold at v or in p's stock. (Before, the designer kept ordering
    # 8000 stacks a month: 43,200 stacks unsold by the end of 2026.)
    result = simulate(_capped())
    granted = _stacks(result)
    expected = np.zeros(12)
    expected[:2] = [4000.0, 800.0]
    np.testing.assert_allclose(granted, np.tile(expected, 2), atol=1e-6)
    produced = result.packages_produced.sel(product="p").values
    np.testing.assert_allclose(produced, np.tile(expected / 8.0, 2), atol=1e-6)
    np.testing.assert_allclose(result.hbm_unsold.sel(supplier="v/HBM4").values, 0.0, atol=1e-6)
    np.testing.assert_allclose(result.hbm_inventory.sel(product="p").values, 0.0, atol=1e-6)


def test_a_buyer_with_a_budget_orders_what_it_can_pay_for():
    # USD 2e6 at USD 10,000 a package pays for 200 packages: that is its order rate and
    # all it lacks; its designer orders 200 x 8 = 1600 stacks and 200 dies (200 / 640.2
    # good dies per wafer = 0.3124 wafers), once. (Before, it ordered 8000 stacks a
    # month, and 46,400 stacks were unsold by December.)
    scenario = chain(**{"programmes.g.budget": "USD 2e6"})
    allocator = World(resolve(scenario)).allocator
    assert allocator.order_rate("p", 0.5) == pytest.approx(200.0)
    assert allocator.backlog("p", 6.0) == pytest.approx(200.0)
    result = simulate(scenario)
    assert float(_stacks(result, "asked").sum()) == pytest.approx(1600.0)
    wafers = result.supplier_asked.sel(supplier="f", designer="d").values
    assert float(wafers.sum()) == pytest.approx(200.0 / 640.2, rel=1e-3)
    assert float(result.packages_produced.sum()) == pytest.approx(200.0)
    np.testing.assert_allclose(result.hbm_unsold.sel(supplier="v/HBM4").values, 0.0, atol=1e-6)


def test_a_buyer_funded_as_its_power_comes_online_orders_each_tranche_as_it_arrives():
    # Budget USD 2e6 (200 packages, 0.4 MW of IT at 2 kW each); a funder releases USD
    # 2e6 per 0.4 MW online, USD 4e6 at most. The 200 bought in January are online in
    # January (no delays), so February brings 2e6 and 200 more, March the last 2e6 and
    # 200 more: 200 a month for three months, 600 in all, 4800 stacks, none unsold. The
    # buyer does not stop ordering for want of funding it will receive.
    funding = {
        "programme": "g",
        "funder": "x",
        "amount_per_step": "USD 2e6",
        "step": "0.4 MW",
        "basis": "it",
        "cap": "USD 4e6",
    }
    result = simulate(chain(**{"programmes.g.budget": "USD 2e6", "funding": {"fu": funding}}))
    produced = result.packages_produced.sel(product="p").values
    np.testing.assert_allclose(produced[:4], [200.0, 200.0, 200.0, 0.0], atol=1e-6)
    assert float(produced.sum()) == pytest.approx(600.0)
    assert float(_stacks(result, "asked").sum()) == pytest.approx(4800.0)
    np.testing.assert_allclose(result.hbm_unsold.sel(supplier="v/HBM4").values, 0.0, atol=1e-6)


def test_packages_finished_in_a_new_year_are_started_on_its_quota():
    # CN may receive 600 packages a calendar year (1200 H100e / 2 H100e); CoWoS makes up
    # to 1000 and HBM 500 a month, and packaging takes 1.5 months. Packages started on
    # 2026-12-01 are finished in mid-January 2027, so they are started on 2027's quota,
    # not on 2026's (spent): 500 delivered in January 2027 and 100 in February, as in
    # February and March 2026 after the first cycle. (They used to wait for January's
    # starts: 550 in February.)
    result = simulate(_capped(**{"packaging.c.cycle_time": "1.5 month"}))
    delivered = result.packages_delivered.sel(programme="g").values
    np.testing.assert_allclose(delivered[12:14], [500.0, 100.0], rtol=1e-9)
    np.testing.assert_allclose(delivered[14:].sum(), 0.0, atol=1e-6)


def test_a_programme_wants_the_room_its_sites_will_have_when_the_packages_finish():
    # g's one building (100 MW: 50,000 slots of 2 kW) is ready on 2026-04-01 (month 3);
    # its one crew installs 100 racks x 100 packages = 10,000 a month from then; no
    # staging, no lead time. Now (month 0) it has no room, but by the time packages
    # started now finish it will: 10,000 x (3.5 - 3) = 5,000 at month 3.5, 15,000 at 4.5
    # (its room at the month's start, 0, had it want none and its product start none).
    world = World(
        resolve(
            chain(
                **{
                    "programmes.g.staging": "0 month",
                    "sites.s.buildings.0.start": "2026-04-01",
                    "sites.s.buildings.0.it_capacity": "100 MW",
                    "sites.s.crews": 1,
                    "sites.s.crew_rate": "100 rack/month",
                }
            )
        )
    )
    allocator = world.allocator
    book = allocator.books["g"]
    wants = [allocator.wanted(book, t) for t in (0.5, 3.5, 4.5)]
    np.testing.assert_allclose(wants, [0.0, 5_000.0, 15_000.0], rtol=1e-9)


def _room_for_1200():
    """The allocator of the chain with g ordering 500 a month towards 5000 and its one
    building of 2.4 MW of IT (room for 1200 packages at 2 kW), ready at once."""
    scenario = chain(
        **{
            "programmes.g.volume": "500 package/month",
            "programmes.g.target_packages": "5000 package",
            "sites.s.buildings.0.it_capacity": "2.4 MW",
        }
    )
    return World(resolve(scenario)).allocator


def test_a_later_months_rate_counts_the_room_earlier_months_leave():
    # g orders 500 a month towards 5000; its one building (2.4 MW of IT at 2 kW a
    # package: room for 1200) is ready at once and its crews are fast, so its room is
    # 1200 now and at any later time. Nothing is allocated or on the way: it orders 500
    # this month, 500 of the 700 left next month, the 200 left the month after, then
    # nothing. (Before, a later month's rate counted only the room that month opens:
    # 500, 0, 0, 0.)
    allocator = _room_for_1200()
    allocator.plan = None  # the order rates alone take the room ahead
    rates = [allocator.order_rate("p", t) for t in (0.5, 1.5, 2.5, 3.5)]
    np.testing.assert_allclose(rates, [500.0, 500.0, 200.0, 0.0], rtol=1e-12)


def test_a_programme_with_an_end_orders_what_it_lacks_evenly_in_every_month_ahead():
    # g lacks 1200 packages, has no sites, no volume and ends on 31 December 2026 (model
    # time 11 + 30/31 months); packaging takes no time, so its first packages not yet
    # started finish now. It orders 1200 / (11 + 30/31) = 100.27 a month, and a later
    # month's rate is the same: the months before it take theirs. (Before, a later
    # month's rate spread all it lacks now over the months left after it, as if nothing
    # came before: 1200 / (11 + 30/31 - 9) = 404 for month 9. An HBM vendor aimed its
    # wafers at such rates, and in asia-tour moved 203k wafers a month to HBM4 for an
    # OpenAI ASIC that finished early through its arrears, while TPU and Trainium starved.)
    scenario = chain(
        **{
            "programmes.g.target_packages": "1200 package",
            "programmes.g.end": "2026-12-31",
            "programmes.g.sites": [],
        }
    )
    allocator = World(resolve(scenario)).allocator
    rates = [allocator.order_rate("p", t) for t in (0.0, 3.0, 6.0, 9.0)]
    np.testing.assert_allclose(rates, [1200.0 / (11.0 + 30.0 / 31.0)] * 4, rtol=1e-12)


def test_a_programme_that_opens_later_spreads_what_it_lacks_from_its_start():
    # As above, but g opens on 1 July 2026 (model time 6): it orders nothing before, and
    # from then 1200 / (11 + 30/31 - 6) = 201.08 a month, so its five open months and a
    # bit order all 1200. Spread from now (the first finish), it ordered half of them.
    scenario = chain(
        **{
            "programmes.g.target_packages": "1200 package",
            "programmes.g.start": "2026-07-01",
            "programmes.g.end": "2026-12-31",
            "programmes.g.sites": [],
        }
    )
    allocator = World(resolve(scenario)).allocator
    rates = [allocator.order_rate("p", t) for t in (3.0, 6.0, 8.0, 10.0)]
    expected = 1200.0 / (11.0 + 30.0 / 31.0 - 6.0)
    np.testing.assert_allclose(rates, [0.0, expected, expected, expected], rtol=1e-12)


def test_the_months_between_take_no_more_room_than_supply_gives_them():
    # As above, but supply gives p 300 packages a month (its plans): each month between
    # takes 300 of the room, not its 500 order, so the room of 1200 leaves 500, 500, 500
    # and then 1200 - 3 x 300 = 300. (Taken by the order rates, the room ran out on
    # paper after 1200 / 500 months, the later plans were 0 and their inputs came only
    # for what was owed, in bursts.)
    allocator = _room_for_1200()
    allocator.plan = lambda product, time: 300.0
    rates = [allocator.order_rate("p", t) for t in (0.5, 1.5, 2.5, 3.5)]
    np.testing.assert_allclose(rates, [500.0, 500.0, 500.0, 300.0], rtol=1e-12)


def test_a_programme_with_room_to_spare_is_made_its_volume_every_month():
    # g orders 400 a month towards 4000; its building (20 MW: room for 10,000) is ready
    # at once; v's stacks take 2 months and make 4000 / 8 = 500 packages a month. Its
    # plans count 400 a month to come, so 400 are made every month for ten months.
    # (Before, a later month's order rate counted only the room that month would open,
    # none: stacks came only for what was owed, a lead time late, and every third month
    # made nothing: 400, 0, 400, 400, 0, ...)
    scenario = chain(
        **{
            "programmes.g.volume": "400 package/month",
            "programmes.g.target_packages": "4000 package",
            "sites.s.buildings.0.it_capacity": "20 MW",
            "hbm_vendors.v.lead_time": "2 month",
        }
    )
    produced = simulate(scenario).packages_produced.sel(product="p").values
    np.testing.assert_allclose(produced, [400.0] * 10 + [0.0] * 2, atol=1e-6)


def test_a_later_months_rate_leaves_out_orders_already_in_packaging():
    # As above, but packaging takes 1.5 months: packages started now (month 0) finish at
    # 1.5, so the first orders that can still be met are month 1's. Nothing is allocated
    # or on the way: g orders 500 for month 1, 500 for month 2 and the 200 left for
    # month 3 (its room is 1200), made in months 1-3. (Before, month 0's rate, all its
    # room, was taken from later months' room as well: 500, 200, 0 and 500, 200, 300.)
    scenario = chain(
        **{
            **AMPLE,
            "packaging.c.cycle_time": "1.5 month",
            "programmes.g.volume": "500 package/month",
            "programmes.g.target_packages": "5000 package",
            "sites.s.buildings.0.it_capacity": "2.4 MW",
        }
    )
    allocator = World(resolve(scenario)).allocator
    rates = [allocator.order_rate("p", t) for t in (1.5, 2.5, 3.5)]
    np.testing.assert_allclose(rates, [500.0, 500.0, 200.0], rtol=1e-12)
    produced = simulate(scenario).packages_produced.sel(product="p").values
    np.testing.assert_allclose(produced[:6], [0.0, 500.0, 500.0, 200.0, 0.0, 0.0], atol=1e-6)


@pytest.mark.parametrize("lead", ["0 month", "3 month"])
def test_carried_orders_are_met_when_room_opens_whatever_the_hbm_lead_time(lead):
    # g orders 100 a month from 2026-01, carried; room for 100 at once (0.2 MW at 2 kW),
    # 2000 more when a second hall is built at 2026-07 (month 6; 1.5 months of staging:
    # packages finished from month 4.5 may be taken for it). v makes 500 packages of
    # stacks a month. January's 100 are made at once; February to June's 500 orders
    # wait for the hall and are made together in June (month 5), 100 a month after.
    # With stacks taking 3 months, they are ordered in March for June: the plans count
    # what g will be owed when they arrive (its orders of the months between, which
    # their own order rates, 0 while it has no room, do not). (Before, the stacks came
    # as each month's orders fell due, a lead time late: 100, 100, 400, 200 from June.)
    phases = dict.fromkeys(("permits", "shell", "fit_out", "cooling", "commissioning"), "0 month")
    scenario = chain(
        **{
            "programmes.g.volume": "100 package/month",
            "programmes.g.target_packages": "2000 package",
            "programmes.g.unfilled": "carried",
            "programmes.g.start": "2026-01-01",
            "hbm_vendors.v.lead_time": lead,
            "sites.s.buildings": [
                {"id": "b1", "it_capacity": "0.2 MW", "start": "2026-01-01", **phases},
                {"id": "b2", "it_capacity": "4 MW", "start": "2026-07-01", **phases},
            ],
        }
    )
    produced = simulate(scenario).packages_produced.sel(product="p").values
    np.testing.assert_allclose(produced, [100.0, 0, 0, 0, 0, 500.0] + [100.0] * 6, atol=1e-6)


def test_what_is_started_for_a_programme_counts_against_what_it_still_lacks():
    # g, without sites now, lacks 1000 packages and orders 400 a month. 800 of p are
    # started now, all for g (its want, 400, is the only one): once they finish g lacks
    # 200, so of the packages finished later it wants 200 and orders 200, not 400.
    scenario = chain(
        **{
            "programmes.g.target_packages": "1000 package",
            "programmes.g.volume": "400 package/month",
            "programmes.g.sites": [],
            "sites": {},
        }
    )
    allocator = World(resolve(scenario)).allocator
    book = allocator.books["g"]
    assert allocator.demand("p", 0.0, 1.0) == pytest.approx(400.0)
    allocator.started("p", 800.0, 1.0)
    assert allocator.in_flight["g"] == pytest.approx(800.0)
    assert allocator.wanted(book, 1.5) == pytest.approx(200.0)
    assert allocator.own_rate(book, 1.5, 1) == pytest.approx(200.0)


def test_a_programme_whose_sites_open_no_more_room_is_made_what_supply_gives_until_full():
    # g's one building (4 MW of IT at 2 kW a package: room for 2000) is ready at once and
    # g wants 2000 packages; v's stacks take 2 months and make at most 4000 / 8 = 500
    # packages a month. January takes 500 of the room (what v gives it, not its order of
    # all 2000), so each month's plan is v's 500 until the room is full: 500 a month
    # from January to April, 2000 in all. (When January's order took all the room on
    # paper, February's plan was 0 and its month made nothing: 500, 0, 500, 500, 500;
    # before that, g ordered only for its order rate: 500 in January, then nothing.)
    scenario = chain(
        **{
            "sites.s.buildings.0.it_capacity": "4 MW",
            "programmes.g.target_packages": "2000 package",
            "hbm_vendors.v.lead_time": "2 month",
        }
    )
    produced = simulate(scenario).packages_produced.sel(product="p").values
    np.testing.assert_allclose(produced[:6], [500.0, 500.0, 500.0, 500.0, 0.0, 0.0], atol=1e-6)
    assert float(produced.sum()) == pytest.approx(2000.0)


def _short_first_quarter(unfilled: str):
    """g (no sites) orders 400 packages a month towards 2000; the CoWoS line makes 20
    wafers x 10 = 200 packages a month until April 2026, then 1000 (HBM: 500)."""
    line = {
        "points": [
            {"date": "2026-01-01", "value": "20 wafer/month", "source": "assumption: test case"},
            {"date": "2026-04-01", "value": "100 wafer/month", "source": "assumption: test case"},
        ],
        "interpolation": "step",
    }
    return chain(
        **{
            "packaging.c.capacity": line,
            "programmes.g.target_packages": "2000 package",
            "programmes.g.volume": "400 package/month",
            "programmes.g.unfilled": unfilled,
            "programmes.g.sites": [],
            "sites": {},
        }
    )


@pytest.mark.parametrize("unfilled", ["carried", "lapses"])
def test_a_second_buyer_leaves_no_stacks_waiting(unfilled):
    # g's one crew installs 3 racks x 100 = 300 packages a month (its hall has room for
    # 5000), so g orders 300 a month of its 500 from February; h, without sites, orders
    # 200 a month. v makes up to 5000 packages' stacks a month, two months after they
    # are ordered, and nothing else takes time: each month's 500 packages need 4000
    # stacks, ordered two months before. From April on every month's stacks are used in
    # their month (none left at a month's end). The plans already count what earlier
    # months' order rates take of g's room; g's want then once counted it again, and
    # 1,600 (lapsing) or 2,000-2,400 (carried) stacks waited from month to month.
    scenario = chain(
        **{
            **AMPLE,
            "hbm_vendors.v.lead_time": "2 month",
            "programmes.g.unfilled": unfilled,
            "programmes.g.start": "2026-02-01",
            "programmes.g.volume": "500 package/month",
            "programmes.g.target_packages": "3000 package",
            "sites.s.crews": 1,
            "sites.s.crew_rate": "3 rack/month",
            "sites.s.buildings.0.it_capacity": "10 MW",
            "programmes.h": {
                **other_buyers(),
                "volume": "200 package/month",
                "target_packages": "2000 package",
                "unfilled": "lapses",
            },
        }
    )
    result = simulate(scenario)
    produced = result.packages_produced.sel(product="p").values
    np.testing.assert_allclose(produced[3:10], 500.0, atol=1e-6)
    np.testing.assert_allclose(result.hbm_inventory.sel(product="p").values[3:10], 0.0, atol=1e-6)
    np.testing.assert_allclose(_stacks(result)[2:8], 4000.0, atol=1e-6)


def test_crew_time_before_a_programme_starts_is_no_room_for_it():
    # g starts in April (month 3) at 500 a month towards 3000; its one crew installs
    # 3 racks x 100 = 300 packages a month into a hall with room for 5000, and packages
    # may arrive 1.5 months before the crew could install them (staging). When it
    # starts, its room is 1.5 x 300 = 450, then 300 a month as the crew installs: so
    # its order rates, seen from January, are 450 for April and 300 for each month after
    # (the crew's January to March count for nothing: it has nothing to install). With
    # stacks ordered three months ahead for those rates, g is made 450, then 300 a month
    # (2850 by December), then the last 150, and no stack goes back. (Crew time from
    # January once counted: rates of 500 for five months, 4,800 stacks given back and
    # nothing made in November.)
    scenario = chain(
        **{
            **AMPLE,
            "hbm_vendors.v.lead_time": "3 month",
            "sites.s.crews": 1,
            "sites.s.crew_rate": "3 rack/month",
            "sites.s.buildings.0.it_capacity": "10 MW",
            "programmes.g.start": "2026-04-01",
            "programmes.g.volume": "500 package/month",
            "programmes.g.target_packages": "3000 package",
            "programmes.g.unfilled": "lapses",
        }
    )
    allocator = World(resolve(scenario)).allocator
    rates = [allocator.order_rate("p", float(month)) for month in range(3, 8)]
    np.testing.assert_allclose(rates, [450.0, 300.0, 300.0, 300.0, 300.0], atol=1e-6)
    result = simulate(scenario)
    produced = result.packages_produced.sel(product="p").values
    np.testing.assert_allclose(produced[:14], [0, 0, 0, 450] + [300] * 8 + [150, 0], atol=1e-6)
    assert float(result.hbm_given_back.sum()) == pytest.approx(0.0, abs=1e-6)


def test_orders_not_filled_lapse_or_stay_on_order():
    # Lapsing: 200 a month for three months (the line), then the 400 ordered a month
    # until the 2000th, in July: 600 + 3 x 400 + 200. Carried: the 600 not filled in the
    # first quarter stay on order, so from April g wants 400 + what is owed, and gets as
    # many as HBM makes (500 a month) until it has 2000, in June: 600 + 500 + 500 + 400.
    lapses = simulate(_short_first_quarter("lapses")).packages_produced.sel(product="p")
    carried = simulate(_short_first_quarter("carried")).packages_produced.sel(product="p")
    np.testing.assert_allclose(lapses.values[:8], [200, 200, 200, 400, 400, 400, 200, 0], atol=1e-6)
    np.testing.assert_allclose(carried.values[:8], [200, 200, 200, 500, 500, 400, 0, 0], atol=1e-6)


#: Lead times of the fab, v, the line and the product (delivery) [month]: whole months,
#: then part-months (goods due mid-month are packaged from the next month's start).
LEADS = {
    "whole": ("3 month", "4 month", "1 month", "0 month"),
    "part": ("2.5 month", "3.5 month", "1.5 month", "0.5 month"),
}


@pytest.mark.parametrize("leads", ["whole", "part"])
@pytest.mark.parametrize("sites", [False, True], ids=["sink", "sites"])
def test_orders_always_filled_are_the_same_carried_or_lapsing(sites, leads):
    # g orders 400 packages a month from March 2026 towards 5000; the fab (100 wafers),
    # v (40,000 stacks) and the line can make far more, so every month's orders are
    # filled in their month and none is owed: carried or not, 400 a month (12 months,
    # then the last 200), the same stack orders and dies. With whole-month lead times
    # no die or stack is held beyond use (the months of a lead time are each ordered for
    # by their own plan, not again as owed); with part-month ones each month's dies and
    # stacks arrive mid-month and wait to the next month's packaging: a month's worth
    # (400 packages: 400 dies, 3200 stacks) at each month's end, no more. (With part
    # months the plans once counted half of the month the goods arrive in, and a lapsing
    # g got 200, not 400, every fifth month.)
    fab, vendor, line, delivery = LEADS[leads]

    def world(unfilled):
        changes = {
            **AMPLE,
            "logic_fabs.f.cycle_time": fab,
            "hbm_vendors.v.lead_time": vendor,
            "packaging.c.cycle_time": line,
            "products.p.lead_time": delivery,
            "programmes.g.target_packages": "5000 package",
            "programmes.g.volume": "400 package/month",
            "programmes.g.unfilled": unfilled,
            "programmes.g.start": "2026-03-01",
        }
        if not sites:
            changes |= {"programmes.g.sites": [], "sites": {}, "milestones": {}}
        return simulate(chain(**changes))

    lapses, carried = world("lapses"), world("carried")
    allocated = carried.packages_allocated.sel(programme="g").values
    np.testing.assert_allclose(allocated[:15], [0, 0] + [400] * 12 + [200], atol=1e-6)
    for name in ("packages_allocated", "supplier_asked", "die_inventory", "hbm_inventory"):
        np.testing.assert_allclose(carried[name].values, lapses[name].values, atol=1e-6)
    held = 0.0 if leads == "whole" else 1.0  # months of use held at a month's end
    assert float(carried.die_inventory.max()) <= 400 * held + 1e-6
    assert float(carried.hbm_inventory.max()) <= 3200 * held + 1e-6


def test_carried_orders_count_from_the_start_within_its_month():
    # 400 a month from month 0 to 3, then 100 a month (the horizon's last month is 3;
    # later months at its volume). Starting at 2.5: half of month 2 (200), then 400
    # (month 3), then 100 a month after the horizon. Starting at 5.25, after the horizon:
    # three quarters of month 5 (75), then 100 a month.
    def programme(start):
        return ProgrammeIn(
            id="g",
            product="p",
            target_packages=1e9,
            priority=1,
            share=None,
            volume=np.array([400.0, 400.0, 400.0, 100.0]),
            start=start,
            end=math.inf,
            destination="US",
            sites=(),
            budget=math.inf,
            staging=1.5,
            carried=True,
        )

    mid = programme(2.5)
    assert [mid.ordered_by(m) for m in (-1, 1, 2, 3, 5)] == pytest.approx([0, 0, 200, 300, 500])
    late = programme(5.25)
    assert [late.ordered_by(m) for m in (3, 4, 5, 6)] == pytest.approx([0, 0, 75, 175])


def test_a_product_held_below_its_orders_is_made_its_share_every_month():
    # g orders 3000 a month towards 6000; its building (12 MW: room for 6000) is ready
    # at once; the line makes 50 wafers x 10 = 500 packages a month. Each month between
    # takes the 500 supply gives of the room, so the room lasts twelve months: 500 are
    # made every month, 6000 in all. (When the order rates took the room, 3000 a month,
    # it was full on paper after two months, the third month's plan was 0 and its
    # inputs were not ordered: 500, 500, 0, 500, ...)
    scenario = chain(
        **{
            "programmes.g.volume": "3000 package/month",
            "programmes.g.target_packages": "6000 package",
            "sites.s.buildings.0.it_capacity": "12 MW",
            "packaging.c.capacity": "50 wafer/month",
            "hbm_vendors.v.lead_time": "2 month",
        }
    )
    produced = simulate(scenario).packages_produced.sel(product="p").values
    np.testing.assert_allclose(produced, [500.0] * 12, atol=1e-6)
