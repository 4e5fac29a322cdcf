"""A deal alone against the joint world, sample by sample: delays in days and what held
the deal back, read from two studies written here by hand."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from capsim.analysis.compare import paired_delays

LABELS = "demand cowos logic_wafers hbm"
DEAL = {"first-gw": "deal"}  # the milestone and its programme


def _study(dates: list[str | None], online: np.ndarray, binding: np.ndarray, seed=7):
    time = pd.date_range("2027-01-01", periods=12, freq="MS")
    values = np.array([np.datetime64(d, "ns") if d else np.datetime64("NaT", "ns") for d in dates])
    return xr.Dataset(
        {
            "milestone_date": (("sample", "milestone"), values[:, None]),
            "it_power_online": (("sample", "time", "programme"), online[:, :, None]),
            "programme_binding": (
                ("sample", "time", "programme"),
                binding[:, :, None].astype(np.int8),
                {"flag_meanings": LABELS},
            ),
        },
        coords={"time": time, "milestone": ["first-gw"], "programme": ["deal"]},
        attrs={"seed": seed},
    )


def test_delays_are_per_sample_differences_and_never_met_counts_after_the_horizon():
    alone = ["2027-03-01", "2027-04-01", "2027-05-01", "2027-06-01"]
    joint = ["2027-03-01", "2027-05-01", "2027-07-01", None]
    # per sample: 0, +30 (Apr->May), +61 (May->Jul), and never met: the horizon ends
    # 2027-12-31, so it counts as 2028-01-01, 214 days after 2027-06-01
    ramp = np.tile(np.arange(12.0), (4, 1))
    codes = np.zeros((4, 12))
    codes[:, 5:] = 3  # hbm from June on
    behind = ramp.copy()
    behind[:, 4:] -= 1.0  # the joint world falls behind from May
    found = paired_delays(_study(alone, ramp, codes), _study(joint, behind, codes), DEAL)
    (row,) = found
    # inverted-CDF quantiles of (0, 30, 61, 214): P10 0, P50 30, P90 214
    assert row.days == (0.0, 30.0, 214.0)
    assert row.later == 0.75
    # behind in months 5..12 (8 per sample): May is demand, June-Dec hbm: 7/8
    assert row.reason == "hbm"
    assert row.reason_share == pytest.approx(7 / 8)


def test_studies_with_other_seeds_are_not_paired():
    ramp = np.zeros((1, 12))
    a = _study(["2027-03-01"], ramp, ramp)
    b = _study(["2027-03-01"], ramp, ramp, seed=8)
    with pytest.raises(ValueError, match="same seed and samples"):
        paired_delays(a, b, DEAL)
