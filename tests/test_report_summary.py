"""The report's summary: each claim's verdict with its probability, a warning when the
central run and the Monte Carlo disagree, milestones in date order, what binds most."""

from __future__ import annotations

from types import SimpleNamespace

import numpy as np
import xarray as xr

from capsim.report.summary import binding_line, claim_lines, milestone_lines

SCENARIO = SimpleNamespace(
    claims={
        "early": SimpleNamespace(statement="1 GW in 2026", by="2026-12-31"),
        "late": SimpleNamespace(statement="2 GW by 2028", by="2028-12-31"),
    }
)
DATES = np.array(["2027-03-01", "2026-05-01", "NaT"], dtype="datetime64[ns]")


def _central() -> xr.Dataset:
    return xr.Dataset(
        {
            "claim_met": ("claim", [True, True]),
            "milestone_date": ("milestone", DATES),
            "programme_binding": (
                ("time", "programme"),
                [["grid"], ["grid"], ["hbm"], ["complete"]],
            ),
        },
        coords={"claim": ["early", "late"], "milestone": ["b", "a", "never"], "programme": ["g"]},
    )


def _study() -> xr.Dataset:
    # early holds in 1 of 4 good samples (the failed one is left out), late in 3 of 4.
    met = [[True, True], [False, True], [False, True], [False, False], [True, True]]
    dates = np.tile(DATES, (5, 1))
    return xr.Dataset(
        {
            "claim_met": (("sample", "claim"), met),
            "failed": ("sample", [False, False, False, False, True]),
            "milestone_date": (("sample", "milestone"), dates),
        },
        coords={"claim": ["early", "late"], "milestone": ["b", "a", "never"]},
    )


def test_each_claim_has_its_verdict_and_probability_and_a_warning_when_they_disagree():
    early, late = claim_lines(SCENARIO, _central(), _study())
    assert "holds in the central run; holds in 25% of 4 Monte Carlo samples" in early
    assert "disagree" in early
    assert "holds in 75% of" in late
    assert "disagree" not in late


def test_a_single_run_gives_verdicts_only():
    lines = claim_lines(SCENARIO, _central(), None)
    assert all(line.endswith("holds in the central run") for line in lines)


def test_milestones_come_in_date_order_never_met_last():
    lines = milestone_lines(_central(), _study())
    assert [line.split(":")[0] for line in lines] == ["a", "b", "never"]
    assert lines[0] == (
        "a: 2026-05-01 in the central run; P10 2026-05-01, P50 2026-05-01, P90 2026-05-01"
    )
    assert lines[2].startswith("never: not met in the horizon")


def test_what_binds_most_leaves_out_complete():
    line = binding_line(_central(), "g")
    assert "<strong>grid</strong>, in 2 of 4 months" in line
