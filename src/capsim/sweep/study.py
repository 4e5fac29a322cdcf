"""Studies users run: Monte Carlo forecasts and explicit sweeps, stored as Zarr."""

from __future__ import annotations

import tempfile
from pathlib import Path

import xarray as xr

from capsim import __version__
from capsim.scenario.document import Scenario
from capsim.scenario.io import scenario_json
from capsim.sweep.plans import Design, MonteCarloPlan, SweepPlan, Vary
from capsim.sweep.runner import Execution, run_plan
from capsim.sweep.space import UncertainSpace


def _attrs(scenario: Scenario, seed: int, design: str, kind: str, **extra) -> dict:
    return {
        "study": kind,
        "scenario_name": scenario.name,
        "scenario": scenario_json(scenario),
        "seed": seed,
        "design": design,
        "capsim_version": __version__,
        **extra,
    }


def monte_carlo(
    scenario: Scenario,
    samples: int | None = None,
    *,
    seed: int | None = None,
    design: Design = "random",
    store: str | Path | None = None,
    execution: Execution | None = None,
    resume: bool = False,
) -> xr.Dataset:
    """Sample every uncertain input ``samples`` times (default: the scenario's).

    Returns a Dataset with a ``sample`` dimension; the sampled inputs are
    ``input_value(sample, parameter)``. Results stream to the Zarr ``store`` (a
    temporary one, loaded into memory at the end, when none is given).
    """
    samples = scenario.samples if samples is None else samples
    seed = scenario.seed if seed is None else seed
    plan = MonteCarloPlan(UncertainSpace(scenario), samples, seed, design)
    attrs = _attrs(scenario, seed, design, "monte_carlo", samples=samples)
    return _run(scenario, plan, store, execution or Execution(), attrs, resume=resume)


def sweep(
    scenario: Scenario,
    varies: list[Vary],
    *,
    design: Design = "grid",
    points: int = 16,
    replicates: int = 1,
    seed: int | None = None,
    store: str | Path | None = None,
    execution: Execution | None = None,
    resume: bool = False,
) -> xr.Dataset:
    """Run ``scenario`` over points of the ``varies`` inputs, each ``replicates`` times.

    With ``replicates > 1`` the other uncertain inputs are drawn per replicate, with
    the same draws at every point (common random numbers); with 1 they are central.
    The result has a ``sample`` dimension with ``point`` and ``replicate`` coordinates.
    """
    seed = scenario.seed if seed is None else seed
    plan = SweepPlan(UncertainSpace(scenario), varies, design, points, replicates, seed)
    attrs = _attrs(
        scenario,
        seed,
        design,
        "sweep",
        varied=" ".join(v.path for v in varies),
        replicates=replicates,
    )
    result = _run(scenario, plan, store, execution or Execution(), attrs, resume=resume)
    point, replicate = divmod(result["sample"].values, replicates)
    return result.assign_coords(point=("sample", point), replicate=("sample", replicate))


def _run(scenario, plan, store, execution: Execution, attrs: dict, *, resume: bool = False):
    if store is not None:
        return run_plan(scenario, plan, store, execution, attrs, resume=resume)
    with tempfile.TemporaryDirectory(prefix="capsim-") as folder:
        result = run_plan(scenario, plan, Path(folder) / "study.zarr", execution, attrs)
        return result.load()
