"""Model inputs: plain numbers for one run, in canonical units and model time [month].

Each parameter takes its central value unless ``draw`` (key path -> value, in
canonical units) gives one, which is how Monte Carlo samples reach the model.
Series become monthly arrays (value at mid-month).
"""

from __future__ import annotations

import math
from collections.abc import Mapping
from dataclasses import dataclass, field

import numpy as np

from capsim.model.calendar import Calendar
from capsim.scenario.params import Param
from capsim.scenario.series import Series

INF = math.inf


@dataclass(frozen=True)
class ProductIn:
    id: str
    designer: str
    mix: np.ndarray
    fab_weight: np.ndarray
    line_weight: np.ndarray
    hbm_weight: np.ndarray
    fab: str
    line: str
    good_dies_per_wafer: float
    dies_per_package: float
    hbm_generation: str
    stacks_per_package: float
    packages_per_wafer: float
    it_power: float
    h100e: float
    flops: dict[str, float]
    packages_per_rack: float
    price: float
    lead_time: float


@dataclass(frozen=True)
class CapacityIn:
    """A fab, CoWoS line or HBM vendor generation: monthly capacity and designer shares."""

    id: str
    capacity: np.ndarray
    shares: dict[str, float]
    delay: float
    unit_yield: float = 1.0


@dataclass(frozen=True)
class VendorIn:
    id: str
    capacity: dict[str, CapacityIn]
    qualified: dict[str, tuple[float, float]]


@dataclass(frozen=True)
class SupplierIn:
    id: str
    output_per_month: float
    backlog: float
    lead_time: float


@dataclass(frozen=True)
class ProgrammeIn:
    id: str
    product: str
    target_packages: float
    priority: int
    share: float | None
    volume: float
    start: float
    end: float
    destination: str
    sites: tuple[str, ...]
    budget: float


@dataclass(frozen=True)
class BuildingIn:
    id: str
    it_capacity: float
    start: float
    phases: tuple[tuple[str, float], ...]
    transformers: float
    transformers_ordered: float


@dataclass(frozen=True)
class OnsiteIn:
    supplier: str
    units: float
    unit_capacity: float
    ordered: float
    install: float


@dataclass(frozen=True)
class SiteIn:
    id: str
    buildings: tuple[BuildingIn, ...]
    existing_power: float
    grid_capacity: float
    grid_ready: float
    onsite: tuple[OnsiteIn, ...]
    transformer_supplier: str | None
    pue: float
    crews: float
    racks_per_crew_month: float
    burn_in: float
    capex_per_watt: float


@dataclass(frozen=True)
class ExportIn:
    id: str
    destination: str
    cap_per_year: float
    start: float
    end: float
    products: tuple[str, ...] | None


@dataclass(frozen=True)
class FundingIn:
    id: str
    programme: str
    amount_per_step: float
    step: float
    basis: str
    cap: float


@dataclass(frozen=True)
class ModelInputs:
    """Everything one run needs, in canonical units and model time."""

    calendar: Calendar
    products: dict[str, ProductIn]
    fabs: dict[str, CapacityIn]
    lines: dict[str, CapacityIn]
    vendors: dict[str, VendorIn]
    suppliers: dict[str, SupplierIn]
    programmes: dict[str, ProgrammeIn]
    sites: dict[str, SiteIn]
    export_rules: dict[str, ExportIn]
    funding: dict[str, FundingIn]
    risks_occurred: tuple[str, ...] = field(default=())


class Resolver:
    """Reads parameter values for one run: central values, or those in ``draw``."""

    def __init__(self, calendar: Calendar, draw: Mapping[str, float] | None = None):
        self.calendar = calendar
        self.draw = draw or {}
        self._mid_month = np.arange(calendar.months) + 0.5

    def value(self, path: str, param: Param | None, default: float = 0.0) -> float:
        if param is None:
            return default
        return float(self.draw.get(path, param.central))

    def series(self, path: str, series: Series) -> np.ndarray:
        """Monthly values (mid-month) of ``series`` [its canonical unit per month]."""
        if series.is_constant:
            return np.full(self.calendar.months, self.value(path, series.points[0][1]))
        times = [self.calendar.to_time(day) for day, _ in series.points]
        values = [self.value(f"{path}.points[{i}]", p) for i, (_, p) in enumerate(series.points)]
        if series.interpolation == "step":
            index = np.searchsorted(times, self._mid_month, side="right") - 1
            result = np.asarray(values)[np.maximum(index, 0)]
        else:
            result = np.interp(self._mid_month, times, values)
        for i, expansion in enumerate(series.expansions):
            add = self.value(f"{path}.expansions[{i}].add", expansion.add)
            ramp = self.value(f"{path}.expansions[{i}].ramp", expansion.ramp)
            begin = self.calendar.to_time(expansion.date)
            progress = (self._mid_month - begin) / ramp if ramp > 0 else self._mid_month >= begin
            result = result + add * np.clip(progress, 0.0, 1.0)
        return result

    def time(self, day) -> float:
        return INF if day is None else self.calendar.to_time(day)
