"""Model discrepancy: the error of the model's structure, as a multiplicative lognormal.

The backtest shows how far the observed output per quarter falls from the model's
median beyond what the model's own spread explains, and that the gap grows with the
lead: what was known at an origin understated the growth that followed. The
discrepancy term multiplies a forecast's output in the quarter h quarters after the
origin (h = 1 the quarter that starts at it) by exp(bias * h + sigma * sqrt(h) * z), z
standard normal, drawn independently per sample and quarter: a drift of ``bias`` per
quarter of lead and an error whose variance grows linearly with the lead. It is fitted
on backtest forecasts with log errors e = log(observed / model median): ``bias`` by
least squares of e on h through the origin, and sigma^2 by moments, the mean over
forecasts of ((e - bias h)^2 - model log variance) / h, floored at 0.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr
from scipy import special


@dataclass(frozen=True)
class Discrepancy:
    """Multiplicative error exp(bias h + sigma sqrt(h) z) at lead h [quarter]; ``bias``
    [log scale per quarter], ``sigma`` [log scale per square root of a quarter]."""

    bias: float
    sigma: float
    source: str = ""
    max_lead: int = 6

    def factors(self, leads: np.ndarray, count: int, seed: int) -> np.ndarray:
        """(lead x count) multipliers for quarters ``leads`` after the origin; a lead
        beyond ``max_lead`` (the longest fitted) takes ``max_lead``'s distribution.

        Each lead's ``count`` normal deviates are the normal's equal-probability
        quantiles in an order shuffled from ``seed`` (stratified: their spread is
        exact whatever the shuffle)."""
        generator = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7,)))
        z = np.array([generator.permutation(_strata(count)) for _ in leads])
        h = np.minimum(np.asarray(leads, dtype=float), self.max_lead)[:, None]
        return np.exp(self.bias * h + self.sigma * np.sqrt(h) * z)


def _strata(count: int) -> np.ndarray:
    """The standard normal's quantiles at (i + 0.5) / count, i = 0..count-1."""
    return special.ndtri((np.arange(count) + 0.5) / count)


def fit_discrepancy(
    log_errors: np.ndarray, model_log_sd: np.ndarray, leads: np.ndarray
) -> Discrepancy:
    """Fit by moments (see the module docstring) on forecasts (any shape; NaN: absent)
    with log errors, the model's log-scale sd and the lead of each."""
    present = ~np.isnan(log_errors)
    errors, spread = log_errors[present], model_log_sd[present]
    lead = np.broadcast_to(leads, log_errors.shape)[present].astype(float)
    if errors.size == 0:
        return Discrepancy(0.0, 0.0)
    bias = float(np.sum(errors * lead) / np.sum(lead**2))
    variance = float(np.mean(((errors - bias * lead) ** 2 - spread**2) / lead))
    return Discrepancy(bias, float(np.sqrt(max(variance, 0.0))))


#: The discrepancy fitted on every origin of the full backtest; Monte Carlo applies it
#: with --discrepancy. Fit: validation/backtest.py --samples 200, 2026-11-29,
#: hindcast-2023.yaml (5 origins 2023Q1-2024Q1, 27 forecasts of leads 1-6) against Epoch
#: AI's NVIDIA shipments 2022-2024 (docs/validation.md, section 6). It measures how far
#: forecasts from what was known fell behind NVIDIA's output in the 2023-2024 boom
#: (+24 % a quarter of lead); it is not a general law of the model's error.
FITTED = Discrepancy(
    bias=0.2397,
    sigma=0.1791,
    source="fitted on the rolling-origin backtest of hindcast-2023.yaml against Epoch AI's "
    "NVIDIA shipments 2023-2024 (2026-11-29); leads beyond 6 quarters use lead 6's",
)


#: The monthly package series a discrepancy multiplies in a study.
PACKAGE_SERIES = ("packages_produced", "packages_delivered")


def apply_discrepancy(
    study: xr.Dataset, discrepancy: Discrepancy, origin: np.datetime64, seed: int
) -> xr.Dataset:
    """``study`` with its package series (``PACKAGE_SERIES``) multiplied, from ``origin``
    on, by the discrepancy factor of each month's quarter (lead 1 = the quarter from
    ``origin``); each sample gets its own factors (stratified over the study's samples,
    from ``seed``). What follows from packages (installations, power online, milestones)
    is not run again."""
    months = study["time"].values.astype("datetime64[M]")
    start = np.datetime64(origin, "M")
    quarter = (months - start).astype(int) // 3
    after = quarter >= 0
    leads = np.arange(1, quarter.max() + 2) if after.any() else np.arange(1, 2)
    draws = discrepancy.factors(leads, study.sizes["sample"], seed)  # lead x sample
    factors = np.ones((study.sizes["sample"], len(months)))
    factors[:, after] = draws[quarter[after]].T
    scale = xr.DataArray(factors, dims=("sample", "time"), coords={"time": study["time"]})
    out = study.copy()
    for name in PACKAGE_SERIES:
        out[name] = (study[name] * scale).assign_attrs(study[name].attrs)
    out.attrs["discrepancy"] = (
        f"bias {discrepancy.bias:g}/quarter, sigma {discrepancy.sigma:g}/sqrt(quarter) from "
        f"{start!s}; {discrepancy.source}"
    )
    return out
