"""One sample of a study: run the model for one draw and keep the outputs a study stores.

A study keeps, per sample, the monthly series that forecasts are read from (power and
packages online, production, stranded packages, money, binding inputs as codes) and
each milestone's date and claim's verdict; the full per-run detail (buildings,
inventories) stays with single runs.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np

from capsim.analysis.milestones import VariableTable, outcomes
from capsim.model.dataset import record_coords, record_variables
from capsim.model.record import PROGRAMME_INPUTS
from capsim.model.resolve import resolve
from capsim.model.supply import SUPPLY_INPUTS
from capsim.model.world import World
from capsim.scenario.document import Scenario

#: Monthly variables a study stores per sample, as float32 unless they are codes.
SERIES = (
    "packages_produced",
    "packages_delivered",
    "packages_installed",
    "stranded_packages",
    "it_power_online",
    "facility_power_online",
    "h100e_online",
    "capex_spent",
    "funding_received",
    "idle_power",
)
CODES = {"binding_input": SUPPLY_INPUTS, "programme_binding": PROGRAMME_INPUTS}
NO_CODE = -1


@dataclass(frozen=True)
class Outline:
    """Names, dims, coordinates and attributes of a study's per-sample outputs."""

    dims: dict[str, tuple[str, ...]]
    attrs: dict[str, dict]
    coords: dict[str, np.ndarray]
    milestones: list[str]
    claims: list[str]

    def shape(self, name: str) -> tuple[int, ...]:
        return tuple(len(self.coords[dim]) for dim in self.dims[name])


def run_sample(scenario: Scenario, draw: Mapping[str, float]) -> dict[str, np.ndarray]:
    """The stored outputs of one run with inputs ``draw`` (key path -> canonical value)."""
    record = World(resolve(scenario, draw)).run()
    variables = record_variables(record)
    dates, met = outcomes(VariableTable(variables, record_coords(record)), scenario, record)
    outputs = {name: variables[name][1].astype(np.float32) for name in SERIES}
    outputs["binding_input"] = record.binding.astype(np.int8)
    outputs["programme_binding"] = record.programme_binding.astype(np.int8)
    outputs["milestone_date"] = dates
    outputs["claim_met"] = met
    return outputs


def outline(scenario: Scenario) -> Outline:
    """The layout of per-sample outputs, from one central run of ``scenario``."""
    record = World(resolve(scenario)).run()
    variables = record_variables(record)
    coords = record_coords(record)
    names = [*SERIES, *CODES]
    dims = {name: variables[name][0] for name in names}
    attrs = {name: dict(variables[name][2]) for name in SERIES}
    for name, labels in CODES.items():
        attrs[name] = {
            **variables[name][2],
            "units": "1",
            "flag_values": list(range(len(labels))),
            "flag_meanings": " ".join(labels),
        }
    dims["milestone_date"] = ("milestone",)
    dims["claim_met"] = ("claim",)
    attrs["milestone_date"] = {"description": "first date the milestone is met (NaT: never)"}
    attrs["claim_met"] = {"description": "the claim's milestone is met by its deadline"}
    coords = {dim: coords[dim] for dim in {d for ds in dims.values() for d in ds} if dim in coords}
    coords["milestone"] = np.array(list(scenario.milestones), dtype=str)
    coords["claim"] = np.array(list(scenario.claims), dtype=str)
    return Outline(dims, attrs, coords, list(scenario.milestones), list(scenario.claims))


def empty_outputs(layout: Outline) -> dict[str, np.ndarray]:
    """Outputs of a sample that failed: NaN, NaT, no code, not met."""
    empty: dict[str, np.ndarray] = {}
    for name in layout.dims:
        shape = layout.shape(name)
        if name in CODES:
            empty[name] = np.full(shape, NO_CODE, dtype=np.int8)
        elif name == "milestone_date":
            empty[name] = np.full(shape, np.datetime64("NaT"), dtype="datetime64[ns]")
        elif name == "claim_met":
            empty[name] = np.zeros(shape, dtype=bool)
        else:
            empty[name] = np.full(shape, np.nan, dtype=np.float32)
    return empty
