"""Relief: how many days a milestone moves when one constraint alone is relaxed.

:func:`relief` runs a relief study (:func:`capsim.sweep.relief.relief_study`: the
baseline and each lever of :func:`capsim.sweep.levers.levers` alone, at central values
or on the same Monte Carlo draws) and :func:`rank` ranks the levers by how many days
earlier the milestone is met. A milestone not met within the horizon counts as met on
the day after the horizon's last day (:func:`capsim.model.dating.days_after_start`);
``baseline_met`` and ``relaxed_met`` say when that happened.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from capsim import __version__
from capsim.model.dating import days_after_start, horizon_after
from capsim.scenario.document import Scenario
from capsim.sweep.relief import relief_study
from capsim.sweep.runner import Execution


def relief(
    scenario: Scenario,
    milestone: str,
    *,
    samples: int | None = None,
    seed: int | None = None,
    execution: Execution | None = None,
) -> xr.Dataset:
    """Days by which ``milestone`` is met earlier when each lever alone is relaxed.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    milestone : str
        A milestone of ``scenario``; ``ValueError`` (listing them) otherwise.
    samples : int, optional
        None: one baseline run and one run per lever, at central values. N: the same
        N Monte Carlo draws of the uncertain inputs for the baseline and each lever.
    seed : int, optional
        Root seed of the draws (default: the scenario's); unused at central values.
    execution : Execution, optional
        Where the runs go (default: this process).

    Returns
    -------
    xarray.Dataset
        See :func:`rank`.
    """
    if milestone not in scenario.milestones:
        raise ValueError(unknown_milestone(milestone, scenario))
    study = relief_study(scenario, samples=samples, seed=seed, execution=execution)
    return rank(study, milestone)


def rank(study: xr.Dataset, milestone: str) -> xr.Dataset:
    """The levers of a relief ``study`` ranked by days ``milestone`` is met earlier.

    Returns
    -------
    xarray.Dataset
        Along ``lever``, sorted by ``days_earlier`` (largest first; ties keep the
        order of :func:`capsim.sweep.levers.levers`): ``label`` (the lever in words),
        ``kind``, ``step``, ``paths``,
        ``days_earlier`` [day] (positive: earlier), ``baseline_date``, ``relaxed_date``,
        ``baseline_met``, ``relaxed_met``. From a Monte Carlo study the dates, flags and
        ``days_earlier_by_sample`` have a ``sample`` dimension too, ``days_earlier`` is
        their mean and ``days_earlier_p10``/``_p50``/``_p90`` their percentiles.
    """
    known = [str(name) for name in study["milestone"].values]
    if milestone not in known:
        raise ValueError(
            f"no milestone {milestone!r} in the study; one of: {', '.join(known) or 'none'}"
        )
    failed = study["failed"].values
    if failed.any():
        first = int(np.flatnonzero(failed)[0])
        raise RuntimeError(
            f"{int(failed.sum())} of {len(failed)} relief runs failed (first: run {first}); "
            "see errors.jsonl in the study's store"
        )
    chosen = [str(name) for name in study["relief_lever"].values]
    draws = int(study["draw"].values.max()) + 1
    all_dates = study["milestone_date"].sel(milestone=milestone).values
    dates = all_dates.astype("datetime64[ns]").reshape(len(chosen) + 1, draws)
    times = study["time"].values
    met = ~np.isnat(dates)
    counted = days_after_start(dates, times)
    days = counted[:1] - counted[1:]  # (levers, draws)
    baseline = np.broadcast_to(dates[:1], days.shape)
    baseline_met = np.broadcast_to(met[:1], days.shape)
    dims = ("lever", "sample")
    named = study["lever_label"].values if "lever_label" in study.coords else chosen
    data = {
        "label": ("lever", np.asarray(named, dtype=str)),
        "kind": ("lever", study["lever_kind"].values),
        "step": ("lever", study["lever_step"].values),
        "paths": ("lever", study["lever_paths"].values),
    }
    date_attrs = {"description": "date the milestone is first met (NaT: not in the horizon)"}
    per_sample = {
        "baseline_date": (baseline, date_attrs),
        "relaxed_date": (dates[1:], date_attrs),
        "baseline_met": (baseline_met, {"description": "met within the horizon, as is"}),
        "relaxed_met": (met[1:], {"description": "met within the horizon, lever relaxed"}),
    }
    day_attrs = {
        "units": "day",
        "description": "days the milestone is met earlier with the lever relaxed "
        "(negative: later); not met counts as the day after the horizon ends",
    }
    sampled = int(study.attrs.get("samples", 0)) > 0
    if not sampled:
        for name, (values, attrs) in per_sample.items():
            data[name] = ("lever", values[:, 0], attrs)
        data["days_earlier"] = ("lever", days[:, 0], day_attrs)
        mean = days[:, 0]
    else:
        for name, (values, attrs) in per_sample.items():
            data[name] = (dims, values, attrs)
        data["days_earlier_by_sample"] = (dims, days, day_attrs)
        mean = days.mean(axis=1) if days.size else np.zeros(len(chosen))
        data["days_earlier"] = ("lever", mean, {**day_attrs, "statistic": "mean over samples"})
        for q in (10, 50, 90):
            values = np.percentile(days, q, axis=1) if days.size else np.zeros(len(chosen))
            data[f"days_earlier_p{q}"] = ("lever", values, {**day_attrs, "statistic": f"P{q}"})
    coords = {"lever": chosen}
    if sampled:
        coords["sample"] = np.arange(draws)
    last_day = horizon_after(times) - np.timedelta64(1, "D")
    attrs = {
        "milestone": milestone,
        "method": study.attrs["method"],
        "samples": int(study.attrs.get("samples", 0)),
        "seed": study.attrs["seed"] if sampled else "none",
        "horizon_end": str(last_day.astype("datetime64[D]")),
        "scenario_name": study.attrs.get("scenario_name", ""),
        "capsim_version": __version__,
        "steps": study.attrs["steps"],
    }
    result = xr.Dataset(data, coords=coords, attrs=attrs)
    order = np.argsort(-mean, kind="stable")
    return result.isel(lever=order)


def unknown_milestone(milestone: str, scenario: Scenario) -> str:
    """The message for a milestone ``scenario`` does not have."""
    known = ", ".join(scenario.milestones) or "(none)"
    return f"unknown milestone {milestone!r}; the scenario's milestones are: {known}"
