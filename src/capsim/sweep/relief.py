"""The relief study: a baseline and each lever relaxed alone, on the same inputs.

Every run is at central values by default. With ``samples=N`` the baseline and every
lever run on the same N Monte Carlo draws of the uncertain inputs (common random
numbers), each lever relaxing each draw's own values. The study is stored like any
other (:mod:`capsim.sweep.store`): run ``lever * draws + draw`` is ``draw`` with lever
``lever`` relaxed (lever 0 is the baseline), so every milestone of the scenario can be
ranked from one study (:func:`capsim.analysis.relief.rank`).
"""

from __future__ import annotations

import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import xarray as xr

from capsim.scenario.document import Scenario
from capsim.sweep.levers import EARLIER, RAISE, SHORTEN, Lever, levers
from capsim.sweep.plans import MonteCarloPlan
from capsim.sweep.runner import Execution, run_plan
from capsim.sweep.space import UncertainSpace
from capsim.sweep.study import study_attrs

#: The name of the unrelaxed runs in a relief study's ``lever`` coordinate.
BASELINE = "baseline"


@dataclass
class ReliefPlan:
    """Rows for the baseline and each lever of ``chosen``, over the base rows ``base``."""

    names: list[str]
    base: np.ndarray
    chosen: list[Lever]

    @property
    def size(self) -> int:
        return len(self.base) * (len(self.chosen) + 1)

    def rows(self, start: int, stop: int) -> np.ndarray:
        column = {name: index for index, name in enumerate(self.names)}
        out = []
        for index in range(start, stop):
            lever, draw = divmod(index, len(self.base))
            row = self.base[draw].copy()
            if lever > 0:
                for change in self.chosen[lever - 1].changes:
                    j = column[change.path]
                    row[j] = change.relax(row[j])
            out.append(row)
        return np.array(out, dtype=float).reshape(stop - start, len(self.names))


def relief_study(
    scenario: Scenario,
    *,
    samples: int | None = None,
    seed: int | None = None,
    execution: Execution | None = None,
    store: str | Path | None = None,
) -> xr.Dataset:
    """Run the baseline and every lever of ``scenario`` alone.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    samples : int, optional
        None: one run each at central values. N: the same N Monte Carlo draws for the
        baseline and every lever.
    seed : int, optional
        Root seed of the draws (default: the scenario's); unused at central values.
    execution : Execution, optional
        Where the runs go (default: this process, no progress bar).
    store : path, optional
        The study's Zarr store (default: a temporary one, loaded into memory).

    Returns
    -------
    xarray.Dataset
        A study (``sample`` = run) with coordinates ``lever`` (lever name, or
        ``"baseline"``) and ``draw`` per run, and per lever ``lever_label``,
        ``lever_kind``, ``lever_step`` and ``lever_paths`` along ``relief_lever``.
    """
    if samples is not None and samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}")
    chosen = levers(scenario)
    names, base = _base_rows(scenario, chosen, samples, seed)
    plan = ReliefPlan(names, base, chosen)
    execution = execution or Execution(workers=1, progress=False)
    used_seed = (scenario.seed if seed is None else seed) if samples is not None else 0
    method = "central" if samples is None else f"monte carlo with {samples} samples"
    attrs = study_attrs(
        scenario,
        used_seed,
        "random" if samples is not None else "central",
        "relief",
        samples=0 if samples is None else samples,
        method=method,
        steps=f"capacities, output, crews, share, budget, caps x {RAISE:.2f}; "
        f"building phases x {SHORTEN:.1f}; grid wait, qualification slip, on-site "
        f"install -{EARLIER:g} months (at least 0)",
    )
    if store is not None:
        result = run_plan(scenario, plan, store, execution, attrs)
    else:
        with tempfile.TemporaryDirectory(prefix="capsim-relief-") as folder:
            result = run_plan(scenario, plan, Path(folder) / "relief.zarr", execution, attrs)
            result = result.load()
    lever, draw = np.divmod(result["sample"].values, len(base))
    labels = np.array([BASELINE, *(c.name for c in chosen)], dtype=str)
    return result.assign_coords(
        lever=("sample", labels[lever]),
        draw=("sample", draw),
        relief_lever=labels[1:],
        lever_label=("relief_lever", np.array([c.label for c in chosen], dtype=str)),
        lever_kind=("relief_lever", np.array([c.kind for c in chosen], dtype=str)),
        lever_step=("relief_lever", np.array([c.step for c in chosen], dtype=str)),
        lever_paths=("relief_lever", np.array([" ".join(c.paths) for c in chosen], dtype=str)),
    )


def _base_rows(
    scenario: Scenario, chosen: list[Lever], samples: int | None, seed: int | None
) -> tuple[list[str], np.ndarray]:
    """Input names and the baseline rows (one per draw; one central row by default).

    Lever inputs that are not uncertain are added as columns at their central value.
    """
    centrals: dict[str, float] = {}
    for lever in chosen:
        for change in lever.changes:
            centrals.setdefault(change.path, change.central)
    if samples is None:
        names = list(centrals)
        return names, np.array([list(centrals.values())], dtype=float).reshape(1, len(names))
    seed = scenario.seed if seed is None else seed
    plan = MonteCarloPlan(UncertainSpace(scenario), samples, seed)
    drawn = plan.rows(0, samples).reshape(samples, len(plan.names))
    extra = [path for path in centrals if path not in set(plan.names)]
    fixed = np.tile([centrals[path] for path in extra], (samples, 1)).reshape(samples, len(extra))
    return [*plan.names, *extra], np.hstack([drawn, fixed])
