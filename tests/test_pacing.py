"""Programmes order as their sites will be ready: the outlook's hand calculations and
the paced orders in the chain world (``builders.chain``: at most 500 packages a month,
HBM-bound; crews install up to 10^6 packages a month)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from builders import chain, other_buyers
from capsim.model.outlook import Openings, SiteOutlook, energised
from capsim.simulation import simulate


def test_blocks_are_energised_in_turn_as_power_covers_them():
    # Power: 5 W from 0, 25 W from month 4, 40 W from month 6. Blocks ask in turn for
    # 10, 10 and 20 W (cumulative 10, 20, 40): 10 W is there at 4 (built at 2), 20 W at
    # 4 (built at 3), 40 W at 6. With 5 W already taken, the third needs 45 W: never.
    power = [(0.0, 5.0), (4.0, 25.0), (6.0, 40.0)]
    blocks = [(2.0, 10.0), (3.0, 10.0), (3.0, 20.0)]
    assert energised(blocks, power, 0.0) == [4.0, 4.0, 6.0]
    assert energised(blocks, power, 5.0) == [4.0, 4.0, math.inf]
    # a block built after its power is there waits for nothing; nor passes one before it
    assert energised([(7.0, 10.0), (1.0, 1.0)], power, 0.0) == [7.0, 7.0]


@pytest.mark.parametrize(
    ("time", "expected"),
    [
        (1.0, 50.0),  # crews: 50 a month from the 100 slots open
        (2.0, 100.0),  # all 100 filled when 200 more open at month 2
        (4.0, 200.0),  # 100 + 50 x 2
        (6.0, 300.0),  # every slot open by then is filled
        (8.0, 300.0),  # ... and nothing more opens until month 10
        (12.0, 400.0),  # 300 by month 10, then the last 100 by month 12
    ],
)
def test_installable_is_the_crews_service_curve(time, expected):
    # 100 slots open now, 200 open at month 2 and 100 at month 10; crews install 50 a
    # month: I(t) = min(50 t, S(t), S(2-) + 50 (t - 2), S(10-) + 50 (t - 10)).
    openings = Openings.plan(100.0, 50.0, [(2.0, 200.0), (10.0, 100.0)])
    outlook = SiteOutlook(now=0.0, installed=0.0, rate=50.0, openings=openings)
    assert outlook.installable(time) == pytest.approx(expected)


def _late_site(**changes):
    # The building is started at the horizon's start and built in 11 months: its 3000
    # slots open at model time 11 (December 2026).
    return chain(
        **{
            "horizon.end": "2027-12-31",
            "sites.s.buildings.0.start": "2026-01-01",
            "sites.s.buildings.0.shell": "11 month",
            "programmes.g.target_packages": "3000 package",
            **changes,
        }
    )


def test_a_programme_takes_packages_only_as_its_site_will_be_ready():
    # Lead time 0 and six weeks' staging: a package may be taken from model time
    # 11 - 1.5 = 9.5 on, so from the start of month 10 (November 2026; one taken at 9
    # would wait two months), 500 a month (HBM). Only month 10's lot waits (a month);
    # the 3000 are in by the end of month 15.
    result = simulate(_late_site())
    allocated = result.packages_allocated.sel(programme="g").values
    stranded = result.stranded_packages.sel(programme="g").values
    installed = result.packages_installed.sel(programme="g").cumsum("time").values
    assert allocated[:10].sum() == pytest.approx(0.0)
    np.testing.assert_allclose(allocated[10:16], 500.0, rtol=1e-6)
    assert stranded.max() == pytest.approx(500.0)
    assert installed[15] == pytest.approx(3000.0)


def test_what_a_late_site_does_not_take_goes_to_another_buyer():
    # A second buyer without sites (a demand sink) wants everything: while g's site is
    # not ready it gets all 500 a month, then the two share the lots by priority (g
    # first), so g is as fast as alone and h gets the rest.
    result = simulate(_late_site(**{"programmes.h": other_buyers()}))
    allocated = result.packages_allocated
    np.testing.assert_allclose(allocated.sel(programme="h").values[:10], 500.0, rtol=1e-6)
    assert float(allocated.sel(programme="g").sum()) == pytest.approx(3000.0)
    assert float(result.finished_stock.sel(product="p").max()) == pytest.approx(0.0, abs=1e-6)


def test_a_site_that_never_gets_power_orders_nothing():
    # No power at all: the building is built but never energised, so nothing is taken
    # (it used to take every package and hold them for ever).
    result = simulate(_late_site(**{"sites.s.power": {"existing": "0 MW"}}))
    assert float(result.packages_allocated.sel(programme="g").sum()) == pytest.approx(0.0)


def test_a_delay_counts_in_the_plan_only_from_the_day_it_becomes_known():
    # The slots open at t = 11 as planned, so the programme takes month 10's 500 packages.
    # On 2026-11-15 (t = 10.47) the building is delayed by 4 months, to t = 15: nothing
    # more is taken until six weeks before (month 14), and month 10's 500 wait for it.
    # Known from the start, the delay would have kept month 10's packages from being
    # taken at all.
    delay = {
        "probability": 1,
        "date": "2026-11-15",
        "effect": {"kind": "delay", "site": "s", "what": "construction", "by": "4 months"},
    }
    result = simulate(_late_site(**{"risks": {"late": delay}}))
    allocated = result.packages_allocated.sel(programme="g").values
    installed = result.packages_installed.sel(programme="g").values
    assert allocated[:10].sum() == pytest.approx(0.0)
    assert allocated[10] == pytest.approx(500.0)
    assert allocated[11:14] == pytest.approx([0.0, 0.0, 0.0])
    assert allocated[14] == pytest.approx(500.0)
    assert installed[:15].sum() == pytest.approx(0.0)
    # at t = 15 the 1000 waiting go in, with month 15's 500
    assert installed[15] == pytest.approx(1500.0)


def test_a_programme_that_stages_longer_takes_packages_sooner():
    # With a year's staging the late site's programme may take packages from t = 11 - 12
    # < 0, so from the start, 500 a month (HBM): all 3000 by the end of month 5, waiting
    # until the slots open at t = 11, as a buyer that banks its chips would.
    result = simulate(_late_site(**{"programmes.g.staging": "12 months"}))
    allocated = result.packages_allocated.sel(programme="g").values
    np.testing.assert_allclose(allocated[:6], 500.0, rtol=1e-6)
    assert float(result.stranded_packages.sel(programme="g").max()) == pytest.approx(3000.0)
