"""Rolling-origin backtest: forecasts made from what was known at each origin, scored.

From each origin (the first day of a quarter) the scenario is taken as known then
(values dated ``known`` later fall back to their ``prior``; see
:mod:`capsim.scenario.knowledge`) and run as a Monte Carlo study; its designer's
packages delivered in each of the next ``leads`` calendar quarters (lead 1 is the
quarter that starts at the origin, lead h the quarter h - 1 after it) are the forecast.
The observed series must be calendar quarters. Each forecast quarter with an
observation within the scenario's horizon is scored (:mod:`capsim.analysis.scoring`)
beside the two baselines of :mod:`capsim.analysis.baselines`, which see only the four
calendar quarters before the origin. A target quarter the series lacks (a gap in it,
or after its end) is skipped for every forecaster: ``forecasts`` counts, per lead, the
quarters observed, and ``scored`` what each forecaster was scored on (a baseline makes
no forecast where a quarter it starts from is missing or observed as 0). With
``discrepancy``, the model's forecasts are also scored with the discrepancy term
(:mod:`capsim.analysis.discrepancy`) fitted on the other origins.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable

import numpy as np
import xarray as xr

from capsim.analysis.baselines import (
    BASELINES,
    baseline_point,
    leave_one_out_sigma,
    lognormal_draws,
)
from capsim.analysis.discrepancy import Discrepancy, fit_discrepancy
from capsim.analysis.hindcast import compared_periods, designer_programmes, output_per_period
from capsim.analysis.observed import DataError, ObservedSeries
from capsim.analysis.scoring import covered, crps, pinball
from capsim.scenario.document import Scenario
from capsim.sweep.runner import Execution
from capsim.sweep.study import monte_carlo

MODEL = "model"
MODEL_DISCREPANCY = "model + discrepancy"
#: Central intervals whose coverage the reliability chart shows [probability].
RELIABILITY_LEVELS = (0.1, 0.2, 0.3, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9)


def quarter_origins(first: dt.date, last: dt.date) -> list[dt.date]:
    """The first days of the quarters from ``first`` to ``last`` (inclusive)."""
    origins, day = [], dt.date(first.year, 3 * ((first.month - 1) // 3) + 1, 1)
    while day <= last:
        origins.append(day)
        month = day.month + 3
        day = dt.date(day.year + (month - 1) // 12, (month - 1) % 12 + 1, 1)
    return origins


def backtest(
    scenario_at: Callable[[dt.date], Scenario],
    observed: ObservedSeries,
    origins: list[dt.date],
    *,
    leads: int = 6,
    samples: int = 100,
    seed: int | None = None,
    execution: Execution | None = None,
    designer: str = "nvidia",
    discrepancy: bool = False,
    spread_scale: float | None = None,
) -> xr.Dataset:
    """Forecasts from each origin and their scores (see the module docstring).

    ``scenario_at(origin)`` is the scenario as known at ``origin``; ``observed`` is
    the whole observed series per calendar quarter [package per quarter], history
    included; ``spread_scale`` scales the default spread of point values (default: the
    scenario's, else the fitted one; :mod:`capsim.sweep.spread`). The series and every
    origin are checked before the first run (a :class:`DataError` says what is wrong).
    """
    quarters = observed_quarters(observed)
    for origin in origins:
        check_origin(observed, quarters, origin)
    lead = np.arange(1, leads + 1)
    target = np.full((len(origins), leads), "", dtype=object)
    truth = np.full((len(origins), leads), np.nan)
    model = np.full((len(origins), leads, samples), np.nan)
    points = {name: np.full((len(origins), leads), np.nan) for name in BASELINES}
    used_seed = seed
    missing: set[str] = set()
    for row, origin in enumerate(origins):
        history = [quarters.get(shift_quarter(origin, -k), np.nan) for k in (4, 3, 2, 1)]
        for name in BASELINES:
            points[name][row] = baseline_point(name, np.array(history), lead)
        scenario = scenario_at(origin)
        used_seed = scenario.seed if seed is None else seed
        output = _model_output(
            scenario,
            observed,
            samples=samples,
            seed=used_seed,
            execution=execution,
            designer=designer,
            spread_scale=spread_scale,
        )
        for column in range(leads):
            quarter = shift_quarter(origin, column)
            label = target[row, column] = quarter_label(quarter)
            if quarter not in quarters and quarter < max(quarters):
                missing.add(label)  # a gap in the file (origins start inside it)
            if quarter in quarters and label in output["period"].values:
                truth[row, column] = quarters[quarter]
                model[row, column] = output.sel(period=label).values
    present = ~np.isnan(truth)
    forecasts = {MODEL: model}
    for name in BASELINES:
        forecasts[name] = baseline_draws(points[name], truth, samples)
    if discrepancy:
        forecasts[MODEL_DISCREPANCY] = _with_discrepancy(model, truth, lead, used_seed)
    methods = list(forecasts)
    data = np.stack([forecasts[name] for name in methods])
    data = np.where(present[None, :, :, None], data, np.nan)
    result = xr.Dataset(
        {
            "forecast": (("forecaster", "origin", "lead", "draw"), data),
            "observed": (("origin", "lead"), truth),
            "target": (("origin", "lead"), target.astype(str)),
        },
        coords={
            "forecaster": methods,
            "origin": [origin.isoformat() for origin in origins],
            "lead": lead,
        },
    )
    result["forecast"].attrs.update(
        units="package per quarter", description="forecast draws (NaN: no forecast scored)"
    )
    result["observed"].attrs.update(
        units="package per quarter",
        source=observed.source,
        description="the target quarter's observed value (NaN: not observed, not scored)",
    )
    result["lead"].attrs.update(units="quarter", description="1 = the quarter from the origin")
    result = result.merge(_scores(result))
    result.attrs.update(
        designer=designer,
        samples=samples,
        seed=int(used_seed),
        observed_source=observed.source,
        quarters_missing=", ".join(sorted(missing)),
    )
    return result


def shift_quarter(day: dt.date, count: int) -> dt.date:
    """The first day of the calendar quarter ``count`` quarters after ``day``'s."""
    month = day.year * 12 + 3 * ((day.month - 1) // 3) + 3 * count
    return dt.date(month // 12, month % 12 + 1, 1)


def quarter_label(quarter: dt.date) -> str:
    """``2023Q1`` for the calendar quarter of ``quarter``."""
    return f"{quarter.year}Q{(quarter.month - 1) // 3 + 1}"


def observed_quarters(observed: ObservedSeries) -> dict[dt.date, float]:
    """The observed value of each calendar quarter, by its first day [package per
    quarter]; a :class:`DataError` at the first period that is not a calendar quarter."""
    quarters = {}
    for index, (start, end) in enumerate(zip(observed.start, observed.end, strict=True)):
        first = start.astype(dt.date)
        last = shift_quarter(first, 1) - dt.timedelta(days=1)
        if first != shift_quarter(first, 0) or end.astype(dt.date) != last:
            raise DataError(
                f"{observed.where(index)}: period: expected a calendar quarter (backtest's "
                "leads are quarters: Jan-Mar, Apr-Jun, Jul-Sep or Oct-Dec), found "
                f"'{start}..{end}'"
            )
        quarters[first] = float(observed.value[index])
    return quarters


def check_origin(observed: ObservedSeries, quarters: dict[dt.date, float], origin: dt.date) -> None:
    """An origin is a quarter's first day, at least four quarters after the series'
    first quarter (the baselines' history) and no later than its last; else a
    :class:`DataError` naming the file. Quarters missing between are allowed (see the
    module docstring)."""
    first, last = min(quarters), max(quarters)
    if origin != shift_quarter(origin, 0):
        problem = "it is not the first day of a quarter"
    elif shift_quarter(origin, -4) < first:
        problem = f"its first quarter is {quarter_label(first)}"
    elif origin > last:
        problem = f"its last quarter is {quarter_label(last)}"
    else:
        return
    raise DataError(
        f"{observed.source}: origin {origin} must start a quarter with four quarters of "
        f"this file's history before it and lie within the file: {problem}"
    )


def baseline_draws(points: np.ndarray, truth: np.ndarray, samples: int) -> np.ndarray:
    """(origin x lead x draw) lognormal draws about a baseline's ``points`` (NaN: no
    forecast), with the log-scale sd of the method's log errors at the other origins
    (:func:`leave_one_out_sigma`); a log error exists where both the point and the
    observation are above 0 (a quarter observed as 0 is scored, but has no log error)."""
    defined = (points > 0) & (truth > 0)
    ratio = np.divide(truth, points, out=np.ones_like(truth), where=defined)
    log_errors = np.where(defined, np.log(ratio), np.nan)
    return lognormal_draws(points, leave_one_out_sigma(log_errors), samples)


def _model_output(
    scenario: Scenario,
    observed: ObservedSeries,
    *,
    samples: int,
    seed: int,
    execution: Execution | None,
    designer: str,
    spread_scale: float | None,
) -> xr.DataArray:
    """Monte Carlo packages delivered to ``designer``'s programmes per observed quarter
    within the horizon (period x sample) [package per quarter]."""
    programmes = designer_programmes(scenario, designer)
    if not programmes:
        raise ValueError(f"no programme orders a product designed by {designer!r}")
    horizon = compared_periods(
        observed,
        np.datetime64(scenario.horizon.start, "D"),
        np.datetime64(scenario.horizon.end, "D"),
    )
    study = monte_carlo(
        scenario, samples, seed=seed, execution=execution, spread_scale=spread_scale
    )
    return output_per_period(study["packages_delivered"], programmes, horizon)


def _with_discrepancy(
    model: np.ndarray, truth: np.ndarray, lead: np.ndarray, seed: int
) -> np.ndarray:
    """The model's draws times the discrepancy fitted on the other origins."""
    out = np.full_like(model, np.nan)
    for row in range(model.shape[0]):
        others = np.arange(model.shape[0]) != row
        fit = model_discrepancy(model[others], truth[others], lead)
        out[row] = model[row] * fit.factors(lead, model.shape[-1], seed + row)
    return out


def model_discrepancy(model: np.ndarray, truth: np.ndarray, lead: np.ndarray) -> Discrepancy:
    """The discrepancy fitted on forecasts ``model`` (origin x lead x draw) against
    ``truth`` (origin x lead; NaN: no observation) [package per quarter]; a quarter
    observed as 0 has no log error and is left out."""
    logs = np.log(np.maximum(model, 1.0))
    observed = truth > 0
    log_truth = np.log(
        np.where(observed, truth, 1.0), where=observed, out=np.full(truth.shape, np.nan)
    )
    log_errors = log_truth - np.median(logs, axis=-1)
    return fit_discrepancy(log_errors, logs.std(axis=-1), lead)


def _scores(result: xr.Dataset) -> xr.Dataset:
    """Per method and lead: mean CRPS and pinball loss, coverage of the 50 % and 80 %
    intervals over the forecasts scored (NaN: none), and their count; per method,
    coverage at each level. A forecast is scored where its quarter was observed and the
    method made one; ``forecasts`` counts the quarters observed at each lead."""
    draws = result["forecast"].values
    truth = result["observed"].values
    present = ~np.isnan(truth)
    scored = present[None] & ~np.isnan(draws).any(axis=-1)  # forecaster x origin x lead
    filled = np.nan_to_num(draws)
    crps_values = np.where(scored, crps(filled, truth), np.nan)
    pinball_values = np.where(scored, pinball(filled, truth), np.nan)
    cover = {p: scored & covered(filled, truth, p) for p in RELIABILITY_LEVELS}
    per_lead, total = scored.sum(axis=1), scored.sum(axis=(1, 2))

    def mean(values, axis, count):
        summed = np.where(scored, values, 0.0).sum(axis=axis)
        return np.divide(summed, count, out=np.full(count.shape, np.nan), where=count > 0)

    scores = xr.Dataset(
        {
            "crps": (
                ("forecaster", "origin", "lead"),
                crps_values,
                {"units": "package per quarter"},
            ),
            "pinball": (
                ("forecaster", "origin", "lead"),
                pinball_values,
                {"units": "package per quarter"},
            ),
            "mean_crps": (
                ("forecaster", "lead"),
                mean(crps_values, 1, per_lead),
                {"units": "package"},
            ),
            "mean_pinball": (
                ("forecaster", "lead"),
                mean(pinball_values, 1, per_lead),
                {"units": "package"},
            ),
            "coverage_50": (("forecaster", "lead"), mean(cover[0.5], 1, per_lead), {"units": "1"}),
            "coverage_80": (("forecaster", "lead"), mean(cover[0.8], 1, per_lead), {"units": "1"}),
            "forecasts": (
                "lead",
                present.sum(axis=0),
                {"description": "target quarters observed (scored for the model)"},
            ),
            "scored": (
                ("forecaster", "lead"),
                per_lead,
                {"description": "forecasts scored (a baseline makes none from a 0 or gap)"},
            ),
            "reliability": (
                ("forecaster", "level"),
                np.stack([mean(cover[p], (1, 2), total) for p in RELIABILITY_LEVELS], 1),
                {"units": "1", "description": "share of forecasts inside the central interval"},
            ),
            "total_crps": ("forecaster", mean(crps_values, (1, 2), total), {"units": "package"}),
            "total_coverage_80": ("forecaster", mean(cover[0.8], (1, 2), total), {"units": "1"}),
            "total_coverage_50": ("forecaster", mean(cover[0.5], (1, 2), total), {"units": "1"}),
        },
        coords={"level": list(RELIABILITY_LEVELS)},
    )
    return scores
