"""Studies users run: Monte Carlo forecasts and explicit sweeps, stored as Zarr."""

from __future__ import annotations

import tempfile
from functools import partial
from numbers import Integral
from pathlib import Path

import xarray as xr

from capsim import __version__
from capsim.scenario.document import Scenario
from capsim.scenario.io import scenario_json
from capsim.scenario.labels import input_labels
from capsim.scenario.units import UnitParseError, parse_quantity
from capsim.scenario.walk import iter_params
from capsim.sweep.checks import check_size, check_values
from capsim.sweep.plans import Design, MonteCarloPlan, SweepPlan, Vary
from capsim.sweep.runner import Execution, run_plan
from capsim.sweep.space import UncertainSpace
from capsim.sweep.spread import SCALE, default_spread


def study_attrs(scenario: Scenario, seed: int, design: str, kind: str, **extra) -> dict:
    """The attributes every study carries: its kind, scenario, seed, design, version."""
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
    overwrite: bool = False,
    spread_scale: float | None = None,
) -> xr.Dataset:
    """Sample every uncertain input ``samples`` times (default: the scenario's), and
    every point with a confidence from its default spread unless the scenario keeps
    points as given (:mod:`capsim.sweep.spread`); the spread's overall scale is
    ``spread_scale``, else the scenario's ``point_spread_scale``, else the fitted one.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    samples : int, optional
        Samples to run, at least 1 (default: the scenario's ``samples``).
    seed : int, optional
        Root seed (default: the scenario's ``seed``): sample *i*'s draw of an input is a
        function of the seed, *i* and the input's key path alone, so results do not
        depend on the workers.
    design : {"random", "lhs", "sobol"}
        Independent draws, a Latin hypercube, or a scrambled Sobol' sequence
        (``scipy.stats.qmc``; a power of two of samples keeps its balance).
    store : path, optional
        A Zarr store the results stream to, chunk by chunk; the Dataset returned then
        reads it lazily (dask arrays; ``.load()`` holds it in memory). Without one, a
        temporary store is loaded into memory at the end.
    execution : Execution, optional
        Where it runs (default ``Execution()``: one process per core, with a progress
        bar).
    resume, overwrite : bool
        Continue the study already in ``store``, or replace it (neither: a store that
        holds a study is refused).
    spread_scale : float, optional
        Scale of the default spread of points with a confidence (0: none).

    Returns
    -------
    xarray.Dataset
        The stored outputs along ``sample`` (see the README: the monthly series a
        forecast reads, codes, building dates, milestone dates and claims) and the
        sampled inputs, ``input_value(sample, parameter)`` [each parameter's
        ``parameter_unit``].
    """
    samples = scenario.samples if samples is None else samples
    if isinstance(samples, bool) or not isinstance(samples, Integral) or samples < 1:
        raise ValueError(f"samples: expected a whole number >= 1, found {samples!r}")
    samples = int(samples)
    seed = scenario.seed if seed is None else seed
    if spread_scale is None:
        spread_scale = scenario.point_spread_scale
    if spread_scale is None:
        spread_scale = SCALE
    spread = None
    if not scenario.points_as_given and spread_scale > 0:
        spread = partial(default_spread, scale=spread_scale)
    plan = MonteCarloPlan(UncertainSpace(scenario, spread), samples, seed, design)
    attrs = study_attrs(
        scenario,
        seed,
        design,
        "monte_carlo",
        samples=samples,
        point_spread="as given" if spread is None else f"default (scale {spread_scale:g})",
    )
    return _run(
        scenario, plan, store, execution or Execution(), attrs, resume=resume, overwrite=overwrite
    )


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
    overwrite: bool = False,
) -> xr.Dataset:
    """Run ``scenario`` over points of the ``varies`` inputs, each ``replicates`` times.

    ``varies`` come from :func:`resolve_vary` (``"PATH=LOW:HIGH[:N]"``). On a ``grid``
    each input takes its ``N`` values (the product of them all is the number of
    points; ``points`` is not used); the ``lhs``, ``sobol`` and ``random`` designs draw
    ``points`` points over the ranges.

    With ``replicates > 1`` the other uncertain inputs are drawn per replicate, with
    the same draws at every point (common random numbers); with 1 they are central.
    The result has a ``sample`` dimension with ``point`` and ``replicate`` coordinates.

    Raises
    ------
    ValueError
        A sweep of more samples than :data:`capsim.sweep.checks.MAX_SWEEP_SAMPLES`.
    ScenarioError
        A value the sweep would give an input that the scenario's rules refuse (a
        negative duration, a share above 100 %, ...), checked at the corners of its
        ranges (:func:`capsim.sweep.checks.check_values`) before anything runs.
    """
    check_size(varies, design, points, replicates)
    check_values(scenario, varies)
    seed = scenario.seed if seed is None else seed
    central = {path: param.central for path, param in iter_params(scenario)}
    plan = SweepPlan(UncertainSpace(scenario), varies, design, points, replicates, seed, central)
    attrs = study_attrs(
        scenario,
        seed,
        design,
        "sweep",
        varied=" ".join(v.label for v in varies),
        replicates=replicates,
    )
    result = _run(
        scenario, plan, store, execution or Execution(), attrs, resume=resume, overwrite=overwrite
    )
    point, replicate = divmod(result["sample"].values, replicates)
    settings = {
        f"vary_{i}": (
            "sample",
            plan.point_values[point, i],
            {
                "label": vary.label,
                "input_label": varied_label(scenario, vary),
                "long_name": f"value of varied input {vary.label}",
            },
        )
        for i, vary in enumerate(varies)
    }
    return result.assign_coords(
        point=("sample", point, {"long_name": "point of the sweep", "units": "1"}),
        replicate=("sample", replicate, {"long_name": "replicate at the point", "units": "1"}),
        **settings,
    )


def varied_label(scenario: Scenario, vary: Vary) -> str:
    """A varied input in words: its parameter's label (``s power grid wait``, see
    :func:`capsim.scenario.labels.input_labels`), or PATH for multipliers of every
    parameter under PATH."""
    if vary.relative:
        return vary.label.partition("=")[0].strip()
    (target,) = vary.targets
    return input_labels(scenario).get(target, target)


def resolve_vary(scenario: Scenario, text: str, points: int = 5) -> Vary:
    """Read ``PATH=LOW:HIGH[:N]``: quantities (``12 months:60 months``) for one parameter,
    or multipliers (``0.7x:1.3x``) for every parameter under PATH."""
    if "=" not in text:
        raise ValueError(f"expected PATH=LOW:HIGH[:N], found {text!r}")
    path, _, bounds = text.partition("=")
    parts = [part.strip() for part in bounds.split(":")]
    if len(parts) not in (2, 3):
        raise ValueError(f"expected LOW:HIGH or LOW:HIGH:N after '=', found {bounds!r}")
    if len(parts) == 3:
        if not parts[2].isdigit() or int(parts[2]) < 2:
            raise ValueError(f"N must be a whole number >= 2, found {parts[2]!r}")
        points = int(parts[2])
    path = path.strip()
    params = dict(iter_params(scenario))
    targets = [p for p in params if p == path or p.startswith((f"{path}.", f"{path}["))]
    if not targets:
        raise ValueError(f"{path!r} names no parameter of scenario {scenario.name!r}")
    relative = all(part.endswith("x") for part in parts[:2])
    if relative:
        try:
            low, high = (float(part[:-1]) for part in parts[:2])
        except ValueError:
            raise ValueError(f"expected multipliers like 0.7x:1.3x, found {bounds!r}") from None
        _check_range(path, bounds, low, high, hint="")
        return Vary(text, tuple(targets), low, high, points, relative=True)
    if len(targets) != 1:
        raise ValueError(
            f"{path!r} names {len(targets)} parameters; give one, or multipliers (0.8x:1.2x)"
        )
    unit = params[targets[0]].unit
    try:
        low, high = (parse_quantity(part, unit) for part in parts[:2])
    except UnitParseError as error:
        raise ValueError(f"{path}: {error}") from None
    _check_range(path, bounds, low, high, hint=f"; to fix it at one value use --set {path}=VALUE")
    return Vary(text, (targets[0],), low, high, points)


def _check_range(path: str, bounds: str, low: float, high: float, hint: str) -> None:
    """Refuse a range with nothing in it (every point would be the same run), with
    ``hint`` on what to do instead."""
    if low == high:
        raise ValueError(
            f"{path}: LOW and HIGH are the same ({bounds!r}), so there is nothing to vary{hint}"
        )


def _run(
    scenario, plan, store, execution: Execution, attrs: dict, *, resume: bool, overwrite: bool
):
    if store is not None:
        return run_plan(scenario, plan, store, execution, attrs, resume=resume, overwrite=overwrite)
    with tempfile.TemporaryDirectory(prefix="capsim-") as folder:
        result = run_plan(scenario, plan, Path(folder) / "study.zarr", execution, attrs)
        return result.load()
