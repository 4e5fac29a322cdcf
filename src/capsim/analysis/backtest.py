"""Rolling-origin backtest: forecasts made from what was known at each origin, scored.

From each origin (the first day of a quarter) the scenario is taken as known then
(values dated ``known`` later fall back to their ``prior``; see
:mod:`capsim.scenario.knowledge`) and run as a Monte Carlo study; its designer's
packages delivered in each of the next ``leads`` quarters (lead 1 is the quarter that
starts at the origin) are the forecast. Each forecast quarter with an observation is
scored (:mod:`capsim.analysis.scoring`) beside the two baselines of
:mod:`capsim.analysis.baselines`, which see only the observed quarters before the
origin. With ``discrepancy``, the model's forecasts are also scored with the
discrepancy term (:mod:`capsim.analysis.discrepancy`) fitted on the other origins.
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
from capsim.analysis.observed import ObservedSeries
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
    the whole observed series per quarter [package per quarter], history included;
    ``spread_scale`` scales the default spread of point values (default: the
    scenario's, else the fitted one; :mod:`capsim.sweep.spread`).
    """
    lead = np.arange(1, leads + 1)
    target = np.full((len(origins), leads), "", dtype=object)
    truth = np.full((len(origins), leads), np.nan)
    model = np.full((len(origins), leads, samples), np.nan)
    points = {name: np.full((len(origins), leads), np.nan) for name in BASELINES}
    used_seed = seed
    for row, origin in enumerate(origins):
        scenario = scenario_at(origin)
        used_seed = scenario.seed if seed is None else seed
        first = _origin_index(observed, origin)
        output = _model_output(
            scenario,
            observed,
            samples=samples,
            seed=used_seed,
            execution=execution,
            designer=designer,
            spread_scale=spread_scale,
        )
        for column in range(min(leads, len(observed) - first)):
            label = observed.labels()[first + column]
            if label not in output["period"].values:
                break
            target[row, column] = label
            truth[row, column] = observed.value[first + column]
            model[row, column] = output.sel(period=label).values
        for name in BASELINES:
            points[name][row] = baseline_point(name, observed.value[:first], lead)
    present = ~np.isnan(truth)
    forecasts = {MODEL: model}
    for name in BASELINES:
        log_errors = np.where(present, np.log(truth / points[name]), np.nan)
        sigma = leave_one_out_sigma(log_errors)
        forecasts[name] = lognormal_draws(points[name], sigma, samples)
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
    result["forecast"].attrs.update(units="package per quarter", description="forecast draws")
    result["observed"].attrs.update(units="package per quarter", source=observed.source)
    result["lead"].attrs.update(units="quarter", description="1 = the quarter from the origin")
    result = result.merge(_scores(result))
    result.attrs.update(
        designer=designer, samples=samples, seed=int(used_seed), observed_source=observed.source
    )
    return result


def _origin_index(observed: ObservedSeries, origin: dt.date) -> int:
    """The index of the observed quarter that starts at ``origin``."""
    starts = observed.start.astype("datetime64[D]")
    first = int(np.searchsorted(starts, np.datetime64(origin, "D")))
    if first >= len(starts) or starts[first] != np.datetime64(origin, "D") or first < 4:
        raise ValueError(
            f"origin {origin} must start an observed quarter with four quarters of history "
            "before it"
        )
    return first


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
    ``truth`` (origin x lead; NaN: no observation) [package per quarter]."""
    logs = np.log(np.maximum(model, 1.0))
    log_errors = np.log(truth) - np.median(logs, axis=-1)
    return fit_discrepancy(log_errors, logs.std(axis=-1), lead)


def _scores(result: xr.Dataset) -> xr.Dataset:
    """Per method and lead: mean CRPS and pinball loss, coverage of the 50 % and 80 %
    intervals, and the forecasts counted; per method, coverage at each level."""
    draws = result["forecast"].values
    truth = result["observed"].values
    present = ~np.isnan(truth)
    crps_values = np.where(present, crps(np.nan_to_num(draws), truth), np.nan)
    pinball_values = np.where(present, pinball(np.nan_to_num(draws), truth), np.nan)

    def by_lead(values):
        return np.nansum(np.where(present, values, 0.0), axis=1) / np.maximum(
            present.sum(axis=0), 1
        )

    cover = {
        p: np.where(present, covered(np.nan_to_num(draws), truth, p), False)
        for p in RELIABILITY_LEVELS
    }
    count = present.sum()
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
            "mean_crps": (("forecaster", "lead"), by_lead(crps_values), {"units": "package"}),
            "mean_pinball": (("forecaster", "lead"), by_lead(pinball_values), {"units": "package"}),
            "coverage_50": (
                ("forecaster", "lead"),
                by_lead(cover[0.5].astype(float)),
                {"units": "1"},
            ),
            "coverage_80": (
                ("forecaster", "lead"),
                by_lead(cover[0.8].astype(float)),
                {"units": "1"},
            ),
            "forecasts": ("lead", present.sum(axis=0)),
            "reliability": (
                ("forecaster", "level"),
                np.stack([cover[p].sum(axis=(1, 2)) / count for p in RELIABILITY_LEVELS], 1),
                {"units": "1", "description": "share of forecasts inside the central interval"},
            ),
            "total_crps": (
                "forecaster",
                np.nanmean(crps_values, axis=(1, 2)),
                {"units": "package"},
            ),
            "total_coverage_80": (
                "forecaster",
                cover[0.8].sum(axis=(1, 2)) / count,
                {"units": "1"},
            ),
            "total_coverage_50": (
                "forecaster",
                cover[0.5].sum(axis=(1, 2)) / count,
                {"units": "1"},
            ),
        },
        coords={"level": list(RELIABILITY_LEVELS)},
    )
    return scores
