"""The forecasts an analyst would make without the model, from the observed history alone.

- ``last quarter flat``: every coming quarter equals the last observed one.
- ``four-quarter growth``: the mean quarterly growth over the last four observed
  quarters (three steps, in logs) carried forward from the last one.

Growth in logs is undefined over a quarter observed as 0, and a lognormal about 0 is
no distribution: where the quarter a method starts from (the last one; for growth also
the fourth last) is 0 or missing (NaN), the method makes no forecast (NaN points), and
the backtest counts it as not scored.

Each is a point forecast; to be scored like the model's samples it gets a predictive
distribution: a lognormal about the point whose log-scale sd at lead h is the root mean
square of the method's own log errors at lead h over the other origins of the backtest
(leave one origin out), so an origin's spread never uses its own outcome. This borrows
the other origins' later outcomes, so it is generous to the baselines.
"""

from __future__ import annotations

import numpy as np
from scipy import special

from capsim.analysis.scoring import equal_quantiles

FLAT = "last quarter flat"
GROWTH = "four-quarter growth"
BASELINES = (FLAT, GROWTH)


def baseline_point(method: str, history: np.ndarray, leads: np.ndarray) -> np.ndarray:
    """Point forecasts [the history's unit] at ``leads`` (1 = the next quarter) from
    ``history`` (the observed quarters before the origin, oldest first; NaN: not
    observed); NaN where the method makes no forecast (see the module docstring)."""
    last = float(history[-1])
    none = np.full(len(leads), np.nan)
    if method == FLAT:
        return np.full(len(leads), last, dtype=float) if last > 0 else none
    if method == GROWTH:
        if len(history) < 4:
            raise ValueError("four-quarter growth needs four quarters of history")
        if not (last > 0 and history[-4] > 0):
            return none
        growth = (np.log(last) - np.log(history[-4])) / 3.0
        return last * np.exp(growth * np.asarray(leads, dtype=float))
    raise ValueError(f"unknown baseline {method!r}; expected one of {', '.join(BASELINES)}")


def leave_one_out_sigma(log_errors: np.ndarray) -> np.ndarray:
    """(origin x lead) log-scale sd for each origin: the RMS of the log errors of the
    other origins at the same lead (NaN errors are absent forecasts)."""
    squared = np.where(np.isnan(log_errors), 0.0, log_errors**2)
    present = (~np.isnan(log_errors)).astype(float)
    total, count = squared.sum(axis=0), present.sum(axis=0)
    others = np.maximum(count[None, :] - present, 1.0)
    rms = np.sqrt((total[None, :] - squared) / others)
    return np.maximum(rms, 1e-6)


def lognormal_draws(point: np.ndarray, sigma: np.ndarray, count: int) -> np.ndarray:
    """``count`` equal-probability quantiles of lognormals with median ``point`` and
    log-scale sd ``sigma`` (broadcast), on a new last axis."""
    z = special.ndtri(equal_quantiles(count))
    return np.asarray(point)[..., None] * np.exp(np.asarray(sigma)[..., None] * z)
