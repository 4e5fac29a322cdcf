"""One run of a scenario: ``simulate(scenario) -> xarray.Dataset``."""

from __future__ import annotations

from collections.abc import Mapping

import xarray as xr

from capsim import __version__
from capsim.analysis.milestones import VariableTable, outcome_variables
from capsim.model.dataset import record_coords, record_variables
from capsim.model.resolve import resolve
from capsim.model.world import World
from capsim.scenario.document import Scenario
from capsim.scenario.io import scenario_json


def simulate(
    scenario: Scenario, seed: int | None = None, draw: Mapping[str, float] | None = None
) -> xr.Dataset:
    """Run ``scenario`` once and return its monthly results with milestones and claims.

    The model itself is deterministic: ``draw`` (key path -> value in canonical units)
    sets uncertain inputs, central values otherwise. ``seed`` is recorded in the result
    (defaults to the scenario's ``seed``).
    """
    inputs = resolve(scenario, draw)
    record = World(inputs).run()
    variables, coords = record_variables(record), record_coords(record)
    outcomes, outcome_coords = outcome_variables(VariableTable(variables, coords), scenario, record)
    attrs = {
        "scenario_name": scenario.name,
        "scenario": scenario_json(scenario),
        "seed": scenario.seed if seed is None else seed,
        "capsim_version": __version__,
        "risks_occurred": ", ".join(inputs.risks_occurred),
    }
    return xr.Dataset({**variables, **outcomes}, coords={**coords, **outcome_coords}, attrs=attrs)
