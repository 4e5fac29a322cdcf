"""Sensitivity of a scenario's forecast: the scenario's uncertain inputs as a
:class:`~capsim.analysis.sensitivity.Problem`, and the model as a function of them.

Outputs are a milestone (``milestone:NAME``: days from the horizon start to the date
it is met; a milestone never met counts as met the day after the horizon's last day,
:func:`capsim.model.dating.days_after_start`) or a
monthly series (``series:VARIABLE`` or ``series:VARIABLE:PROGRAMME``, summed over
programmes unless one is named), which gives indices per month.

Morris and Sobol' can treat inputs in groups (:func:`input_groups`): one index per
group, and runs in proportion to the number of groups rather than of inputs.
"""

from __future__ import annotations

import re
import tempfile
from dataclasses import dataclass
from pathlib import Path
from typing import get_args

import numpy as np
import xarray as xr

from capsim.analysis import sensitivity as methods
from capsim.model.dating import days_after_start
from capsim.scenario.document import Scenario
from capsim.scenario.labels import input_labels
from capsim.scenario.walk import key_matches
from capsim.sweep.plans import ArrayPlan
from capsim.sweep.runner import Execution, run_plan
from capsim.sweep.sample import SERIES, outline
from capsim.sweep.space import UncertainSpace

#: A study's variables in the unit of what it measures (a tornado's; Morris's, per unit
#: of an input's quantile, which has none), and those that are shares of its variance;
#: a tornado's ``low_value`` and ``high_value`` are in each input's own unit
#: (``input_unit``).
_IN_OUTPUT_UNITS = (
    "swing",
    "output_low",
    "output_high",
    "base",
    "mu",
    "mu_star",
    "mu_star_conf",
    "sigma",
)
_SHARES = ("S1", "S1_conf", "ST", "ST_conf")


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


#: Where a key path's top-level key and its entity id end: ``sites.a.buildings[0].shell``
#: has key ``sites`` and entity ``sites.a``.
_PATH_PARTS = re.compile(r"[.\[]")
_OTHER = "other"
GROUP_FORMS = "entity, key, entity:GLOB, key:GLOB or NAME=GLOB"


def _entity(name: str, depth: int) -> str:
    return ".".join(_PATH_PARTS.split(name)[:depth])


def _group_spec(spec: str) -> tuple[str, str | None, int]:
    """``(glob, group name or None, path depth of the label)`` of one ``--groups`` spec."""
    name, equals, pattern = (part.strip() for part in spec.partition("="))
    if equals and name and pattern:
        return pattern, name, 0
    mode, colon, glob = (part.strip() for part in spec.partition(":"))
    if mode in ("entity", "key") and (glob or not colon):
        return glob or "*", None, 2 if mode == "entity" else 1
    raise ValueError(f"--groups: expected {GROUP_FORMS}, found {spec!r}")


def input_groups(names: list[str], specs: list[str]) -> list[str]:
    """A group label per input of ``names`` (key paths), from ``specs``.

    Each spec is ``entity`` (one group per entity: ``sites.a``, ``hbm_vendors.x``),
    ``key`` (one group per top-level key: ``sites``, ``products``), ``entity:GLOB`` or
    ``key:GLOB`` (the same, for the inputs matching GLOB only), or ``NAME=GLOB`` (the
    inputs matching GLOB form group NAME). Each input takes the first spec that
    matches it; inputs no spec matches form the group ``other``. A spec that matches
    no input is an error.
    """
    labels: list[str | None] = [None] * len(names)
    for spec in specs:
        pattern, group, depth = _group_spec(spec)
        matched = [i for i, path in enumerate(names) if key_matches(path, pattern)]
        if not matched:
            raise ValueError(f"--groups {spec}: {pattern!r} matches no uncertain input")
        for i in matched:
            if labels[i] is None:
                labels[i] = group or _entity(names[i], depth)
    return [_OTHER if label is None else label for label in labels]


def scenario_problem(
    scenario: Scenario, include: list[str] | None = None, groups: list[str] | None = None
) -> methods.Problem:
    """The scenario's uncertain inputs (those matching ``include`` globs, if given),
    grouped by ``groups`` specs (:func:`input_groups`) if given."""
    space = UncertainSpace(scenario)
    chosen = [
        i
        for i, name in enumerate(space.names)
        if not include or any(key_matches(name, pattern) for pattern in include)
    ]
    if not chosen:
        raise ValueError(
            f"no uncertain input matches {', '.join(include)}"
            if include
            else "the scenario has no uncertain input (no value has a distribution)"
        )
    dimensions = [space.dimensions[i] for i in chosen]

    def ppf(u: np.ndarray) -> np.ndarray:
        return np.column_stack([dim.from_uniform(u[:, j]) for j, dim in enumerate(dimensions)])

    central = ppf(np.full((1, len(dimensions)), 0.5))[0]
    names = [d.name for d in dimensions]
    labels = input_groups(names, groups) if groups else None
    return methods.Problem(names, ppf, central, labels)


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
    output: Output | str,
    *,
    include: list[str] | None = None,
    groups: list[str] | None = None,
    n: int = 256,
    trajectories: int = 10,
    seed: int | None = None,
    execution: Execution | None = None,
) -> xr.Dataset:
    """Tornado, Morris or Sobol' indices of ``output`` with respect to the uncertain inputs
    (for Morris and Sobol', to groups of them if ``groups`` specs are given:
    :func:`input_groups`).

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    method : {"tornado", "morris", "sobol"}
        One input at a time from its P10 to its P90 around the central run; Morris
        elementary effects at the quantiles 0.125 to 0.875; Sobol' first and total
        indices (Saltelli's design, bootstrap intervals).
    output : Output or str
        What is measured: ``"milestone:NAME"``, days from the horizon's start to the
        date it is met; ``"series:VARIABLE[:PROGRAMME]"``, the monthly series (text is
        read by :meth:`Output.parse`).
    include : list of str, optional
        Globs of the key paths studied (default: every uncertain input).
    groups : list of str, optional
        Group specs (:func:`input_groups`), Morris and Sobol' only.
    n : int
        Sobol' base sample size, a power of two (runs: ``n`` x (inputs + 2)).
    trajectories : int
        Morris trajectories (runs: ``trajectories`` x (inputs + 1)).
    seed : int, optional
        Root seed (default: the scenario's).
    execution : Execution, optional
        Where the runs go (default: one process per core).

    Returns
    -------
    xarray.Dataset
        Along ``input`` (or ``group``), and ``output`` for a series: a tornado's
        ``swing``, ``output_low``, ``output_high``, ``base``, ``low_value`` and
        ``high_value``; Morris's ``mu_star``, ``mu_star_conf`` and ``sigma`` (per unit of
        an input's quantile); Sobol's ``S1``, ``S1_conf``, ``ST`` and ``ST_conf`` (shares
        of the variance). ``input_unit`` and ``input_label`` name each input; the
        attributes ``output`` and ``output_units`` say what was measured and in what unit;
        each variable in that unit, or in shares (Sobol'), has its ``units``.

    Raises
    ------
    ValueError
        An unknown ``method`` or ``output``, before any run.
    """
    if method not in get_args(methods.Method):
        raise ValueError(
            f"method: expected one of {', '.join(get_args(methods.Method))}, found {method!r}"
        )
    if isinstance(output, str):
        output = Output.parse(output, scenario)
    if groups and method == "tornado":
        raise ValueError("groups apply to morris and sobol; tornado moves one input at a time")
    seed = scenario.seed if seed is None else seed
    problem = scenario_problem(scenario, include, groups)
    model = scenario_model(scenario, problem.names, output, execution or Execution())
    if method == "tornado":
        result = methods.tornado(problem, model)
    elif method == "morris":
        result = methods.morris(problem, model, trajectories=trajectories, seed=seed)
    else:
        result = methods.sobol(problem, model, n=n, seed=seed)
    if "input" in result.dims:
        units = {d.name: d.unit for d in UncertainSpace(scenario).dimensions}
        labels = input_labels(scenario)
        names = [str(name) for name in result["input"].values]
        result = result.assign_coords(
            input_unit=("input", [units[name] for name in names]),
            input_label=("input", [labels.get(name, name) for name in names]),
        )
    layout = outline(scenario)
    times = layout.coords["time"]
    if "output" in result.dims:
        result = result.assign_coords(time=("output", times[: result.sizes["output"]]))
    if output.kind == "milestone":  # what a date never met counts as [day]
        never = np.array(["NaT"], dtype="datetime64[ns]")
        result = result.assign_attrs(not_met_days=float(days_after_start(never, times)[0]))
        units = "day"
    else:
        units = layout.attrs[output.name].get("units", "")
    for names, unit in ((_IN_OUTPUT_UNITS, units), (_SHARES, "1")):
        for name in names:
            if name in result:
                result[name].attrs["units"] = unit
    return result.assign_attrs(
        scenario_name=scenario.name,
        output=":".join(part for part in (output.kind, output.name, output.programme) if part),
        output_units=units,
        grouping=" ".join(groups or []) or "none",
    )
