"""Sensitivity of a scenario's forecast: the scenario's uncertain inputs as a
:class:`~capsim.analysis.sensitivity.Problem`, and the model as a function of them.

Outputs are a milestone (``milestone:NAME``: days from the horizon start to the date
it is met; a milestone never met counts as met the day after the horizon's last day,
:func:`capsim.model.dating.days_after_start`) or a
monthly series (``series:VARIABLE`` or ``series:VARIABLE:PROGRAMME``, summed over
programmes unless one is named), which gives indices per month.
"""

from __future__ import annotations

import fnmatch
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from capsim.analysis import sensitivity as methods
from capsim.model.dating import days_after_start
from capsim.scenario.document import Scenario
from capsim.sweep.plans import ArrayPlan
from capsim.sweep.runner import Execution, run_plan
from capsim.sweep.sample import SERIES, outline
from capsim.sweep.space import UncertainSpace


@dataclass(frozen=True)
class Output:
    """What a sensitivity study measures."""

    kind: str
    name: str
    programme: str | None = None

    @classmethod
    def parse(cls, text: str, scenario: Scenario) -> Output:
        kind, _, rest = text.partition(":")
        name, _, programme = rest.partition(":")
        if kind == "milestone" and name in scenario.milestones and not programme:
            return cls(kind, name)
        if (
            kind == "series"
            and name in SERIES
            and (not programme or programme in scenario.programmes)
        ):
            return cls(kind, name, programme or None)
        milestones = ", ".join(scenario.milestones) or "none"
        raise ValueError(
            f"expected milestone:NAME (one of: {milestones}) or series:VARIABLE[:PROGRAMME] "
            f"(VARIABLE one of: {', '.join(SERIES)}), found {text!r}"
        )

    def read(self, result: xr.Dataset) -> np.ndarray:
        """One value per sample (milestone, days) or one row per sample (series)."""
        if self.kind == "milestone":
            dates = result["milestone_date"].sel(milestone=self.name).values
            return days_after_start(dates, result["time"].values)
        series = result[self.name]
        if "programme" in series.dims:
            series = (
                series.sel(programme=self.programme) if self.programme else series.sum("programme")
            )
        elif "product" in series.dims:
            series = series.sum("product")
        return series.values.astype(float)

    @property
    def units(self) -> str:
        return "day" if self.kind == "milestone" else ""


def scenario_problem(scenario: Scenario, include: list[str] | None = None) -> methods.Problem:
    """The scenario's uncertain inputs (those matching ``include`` globs, if given)."""
    space = UncertainSpace(scenario)
    chosen = [
        i
        for i, name in enumerate(space.names)
        if not include or any(fnmatch.fnmatchcase(name, pattern) for pattern in include)
    ]
    if not chosen:
        raise ValueError(f"no uncertain input matches {include}")
    dimensions = [space.dimensions[i] for i in chosen]

    def ppf(u: np.ndarray) -> np.ndarray:
        return np.column_stack([dim.from_uniform(u[:, j]) for j, dim in enumerate(dimensions)])

    central = ppf(np.full((1, len(dimensions)), 0.5))[0]
    return methods.Problem([d.name for d in dimensions], ppf, central)


def scenario_model(scenario: Scenario, names: list[str], output: Output, execution: Execution):
    """The model as ``X -> Y``: runs rows of input values through the study runner."""

    def model(x: np.ndarray) -> np.ndarray:
        with tempfile.TemporaryDirectory(prefix="capsim-") as folder:
            plan = ArrayPlan(names, x)
            result = run_plan(
                scenario, plan, Path(folder) / "study.zarr", execution, {"study": "sensitivity"}
            ).load()
        failed = result["failed"].values
        if failed.any():
            raise RuntimeError(f"{int(failed.sum())} of {len(failed)} sensitivity runs failed")
        return output.read(result)

    return model


def sensitivity(
    scenario: Scenario,
    method: methods.Method,
    output: Output,
    *,
    include: list[str] | None = None,
    n: int = 256,
    trajectories: int = 10,
    seed: int | None = None,
    execution: Execution | None = None,
) -> xr.Dataset:
    """Tornado, Morris or Sobol' indices of ``output`` with respect to the uncertain inputs."""
    seed = scenario.seed if seed is None else seed
    problem = scenario_problem(scenario, include)
    model = scenario_model(scenario, problem.names, output, execution or Execution())
    if method == "tornado":
        result = methods.tornado(problem, model)
    elif method == "morris":
        result = methods.morris(problem, model, trajectories=trajectories, seed=seed)
    else:
        result = methods.sobol(problem, model, n=n, seed=seed)
    if "input" in result.dims:
        units = {d.name: d.unit for d in UncertainSpace(scenario).dimensions}
        result = result.assign_coords(
            input_unit=("input", [units[str(name)] for name in result["input"].values])
        )
    if "output" in result.dims:
        times = outline(scenario).coords["time"]
        result = result.assign_coords(time=("output", times[: result.sizes["output"]]))
    return result.assign_attrs(
        scenario_name=scenario.name,
        output=f"{output.kind}:{output.name}",
        output_units=output.units,
    )
