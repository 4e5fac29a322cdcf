"""A deal alone against the joint world, sample by sample: delays in days and what held
the deal back, read from two studies written here by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from capsim.analysis.compare import paired_delays, shift_spread
from capsim.analysis.uncertainty import milestone_quantiles

SUPPLY = "cowos logic_wafers hbm demand"
PROGRAMME = "cowos logic_wafers hbm demand site_capacity"
DEAL = {"first-gw": ("deal", "chip")}  # the milestone, its programme and product


def _study(dates, online, delivered, supply, programme, *, seed=7):
    time = pd.date_range("2027-01-01", periods=12, freq="MS")
    values = np.array([np.datetime64(d, "ns") if d else np.datetime64("NaT", "ns") for d in dates])
    per_programme = ("sample", "time", "programme")
    return xr.Dataset(
        {
            "milestone_date": (("sample", "milestone"), values[:, None]),
            "it_power_online": (per_programme, online[:, :, None]),
            "packages_delivered": (per_programme, delivered[:, :, None]),
            "binding_input": (
                ("sample", "time", "product"),
                supply[:, :, None].astype(np.int8),
                {"flag_meanings": SUPPLY},
            ),
            "programme_binding": (
                per_programme,
                programme[:, :, None].astype(np.int8),
                {"flag_meanings": PROGRAMME},
            ),
        },
        coords={
            "time": time,
            "milestone": ["first-gw"],
            "programme": ["deal"],
            "product": ["chip"],
        },
        attrs={"seed": seed},
    )


def _codes(first: int, later: int, switch: int, samples: int = 4) -> np.ndarray:
    codes = np.full((samples, 12), first)
    codes[:, switch:] = later
    return codes


def test_delays_are_per_sample_and_deliveries_behind_name_what_held_the_programme():
    alone = ["2027-03-01", "2027-04-01", "2027-05-01", "2027-06-01"]
    joint = ["2027-03-01", "2027-05-01", "2027-07-01", None]
    # per sample: 0, +30 (Apr->May), +61 (May->Jul), and never met: the horizon ends
    # 2027-12-31, so it counts as 2028-01-01, 214 days after 2027-06-01
    ramp = np.tile(np.arange(12.0), (4, 1))
    delivered = np.full((4, 12), 100.0)
    short = delivered.copy()
    short[:, 4:] = 90.0  # the joint world delivers 10 fewer a month from May
    # the programme is held back by CoWoS (0) until June, by HBM (2) from June; its
    # product's binding input (demand, 3) is not what is read
    a = _study(alone, ramp, delivered, _codes(3, 3, 0), _codes(4, 4, 0))
    b = _study(joint, ramp - 1.0, short, _codes(3, 3, 0), _codes(0, 2, 5))
    (row,) = paired_delays(a, b, DEAL)
    # inverted-CDF quantiles of (0, 30, 61, 214): P10 0, P50 30, P90 214
    assert row.days == (0.0, 30.0, 214.0)
    assert row.later == 0.75
    # deliveries behind in months 5..12 (8 per sample): May cowos, June-Dec hbm: 7/8
    assert row.reason == "hbm"
    assert row.reason_share == pytest.approx(7 / 8)


def test_with_deliveries_level_the_reason_is_what_held_the_programme_back():
    ramp = np.tile(np.arange(12.0), (4, 1))
    delivered = np.full((4, 12), 100.0)
    behind = ramp.copy()
    behind[:, 9:] -= 1.0  # IT online lower from October: 3 months per sample
    a = _study(["2027-11-01"] * 4, ramp, delivered, _codes(3, 3, 0), _codes(3, 3, 0))
    b = _study(["2027-12-01"] * 4, behind, delivered, _codes(2, 2, 0), _codes(3, 4, 10))
    (row,) = paired_delays(a, b, DEAL)
    assert row.days == (30.0, 30.0, 30.0)
    assert row.shift == (30.0, 30.0, 30.0)  # every resample's medians 30 days apart
    # October is demand (3), November and December site capacity (4): 2/3
    assert row.reason == "site_capacity"
    assert row.reason_share == pytest.approx(2 / 3)


def test_the_shift_is_the_difference_of_the_p50_dates_the_forecasts_state():
    # Four samples: alone 03-01, 04-01, 05-01, 06-01; joint 03-01, 04-01, 07-01, 08-01.
    # Each forecast's P50 (inverted CDF, as milestone_quantiles states it) is the second
    # date: 04-01 in both, a shift of 0, though the mean of the middle two moves by 30.5
    # days (2027-04-16 against 2027-05-16).
    alone = ["2027-03-01", "2027-04-01", "2027-05-01", "2027-06-01"]
    joint = ["2027-03-01", "2027-04-01", "2027-07-01", "2027-08-01"]
    flat = np.zeros((4, 12))
    a = _study(alone, flat, flat, _codes(3, 3, 0), _codes(3, 3, 0))
    b = _study(joint, flat, flat, _codes(3, 3, 0), _codes(3, 3, 0))
    (row,) = paired_delays(a, b, {"first-gw": None})
    p50 = [milestone_quantiles(s).sel(milestone="first-gw", quantile=0.5).values for s in (a, b)]
    assert p50[0] == p50[1] == np.datetime64("2027-04-01", "ns")
    assert row.shift[0] == 0.0


def test_a_milestone_never_later_names_nothing_that_held_it_back():
    # Deliveries fall behind from May, but the milestone's date is the same in every
    # sample: nothing held it back (before, "cowos" from the programme's months behind).
    dates = ["2027-03-01"] * 4
    delivered = np.full((4, 12), 100.0)
    short = delivered.copy()
    short[:, 4:] = 90.0
    ramp = np.tile(np.arange(12.0), (4, 1))
    a = _study(dates, ramp, delivered, _codes(3, 3, 0), _codes(3, 3, 0))
    b = _study(dates, ramp, short, _codes(3, 3, 0), _codes(0, 0, 0))
    (row,) = paired_delays(a, b, DEAL)
    assert row.days == (0.0, 0.0, 0.0)
    assert (row.reason, row.reason_share) == (None, 0.0)


def test_studies_with_other_seeds_are_not_paired():
    zeros = np.zeros((1, 12))
    a = _study(["2027-03-01"], zeros, zeros, zeros, zeros)
    b = _study(["2027-03-01"], zeros, zeros, zeros, zeros, seed=8)
    with pytest.raises(ValueError, match="same seed and samples"):
        paired_delays(a, b, DEAL)


def test_the_shift_spread_is_that_of_a_paired_p50_difference():
    # Paired samples whose joint dates are each alone's + 10 days shift every resample's
    # P50 by exactly 10; with identical dates every resample shifts by 0. Alone dates
    # 0..99 and joint dates 0 or 100 (alternately) give resamples whose joint P50 is
    # 0 or 100 about half the time each, so the shifts' 10th and 90th percentiles are
    # about 0 - 50 and 100 - 50, alone's P50 moving a few days.
    alone = np.arange(100)
    assert shift_spread(alone, alone + 10) == (10.0, 10.0)
    assert shift_spread(alone, alone) == (0.0, 0.0)
    low, high = shift_spread(alone, np.where(alone % 2 == 0, 0, 100))
    assert -60.0 < low < -40.0
    assert 40.0 < high < 60.0
