"""One run of a scenario as a Dataset: ``simulate(scenario) -> xarray.Dataset``."""

from __future__ import annotations

from collections.abc import Mapping

import xarray as xr

from capsim import __version__
from capsim.model import run
from capsim.model.conventions import with_cf_metadata
from capsim.model.dataset import output_coords, output_variables
from capsim.model.dating import claim_deadlines, claims_met, milestone_dates
from capsim.scenario.document import Scenario
from capsim.scenario.io import scenario_json


def simulate(
    scenario: Scenario, seed: int | None = None, draw: Mapping[str, float] | None = None
) -> xr.Dataset:
    """Run ``scenario`` once; its monthly results with milestones and claims.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    seed : int, optional
        Recorded in the result (default: the scenario's ``seed``); the model itself
        draws no random numbers.
    draw : mapping of str to float, optional
        Key path -> value [canonical unit] of uncertain inputs; central values elsewhere
        (as :func:`capsim.model.run` takes it: a key that names no input, or a value
        that is not finite, raises ValueError).

    Returns
    -------
    xarray.Dataset
        Monthly variables with units (see the README), ``milestone_date``,
        ``claim_deadline`` and ``claim_met``; each programme's ``programme_buyer`` and
        ``programme_via`` (its intermediary, "" if it buys directly); attributes name the
        scenario, seed and capsim version. CF metadata
        (:mod:`capsim.model.conventions`): ``long_name`` and ``units`` on every variable,
        ``time`` the first day of each month with ``time_bounds``.
    """
    outputs = run(scenario, draw)
    dates = milestone_dates(outputs.progress, scenario.milestones)
    variables = {
        **output_variables(outputs),
        "milestone_date": (
            ("milestone",),
            dates,
            {"description": "first date the milestone is met (NaT: not in the horizon)"},
        ),
        "claim_deadline": (
            ("claim",),
            claim_deadlines(scenario.claims),
            {"description": "the date by which the claim says its milestone is met"},
        ),
        "claim_met": (
            ("claim",),
            claims_met(dates, scenario.milestones, scenario.claims),
            {"description": "the claim's milestone is met by its deadline"},
        ),
    }
    programmes = [scenario.programmes[gid] for gid in outputs.progress.programmes]
    coords = {
        **output_coords(outputs),
        "programme_buyer": ("programme", [g.buyer for g in programmes]),
        "programme_via": ("programme", [g.via or "" for g in programmes]),
        "milestone": list(scenario.milestones),
        "claim": list(scenario.claims),
    }
    attrs = {
        "scenario_name": scenario.name,
        "scenario": scenario_json(scenario),
        "seed": scenario.seed if seed is None else seed,
        "capsim_version": __version__,
        "risks_occurred": ", ".join(outputs.risks_occurred),
    }
    result = xr.Dataset(variables, coords=coords, attrs=attrs)
    return with_cf_metadata(result, f"capsim run of scenario {scenario.name}")
