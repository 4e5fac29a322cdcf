"""Model discrepancy: the error of the model's structure, as a multiplicative lognormal.

The backtest shows how far the observed output per quarter falls from the model's
median beyond what the model's own spread explains, and that the gap grows in
proportion to the lead: what was known at an origin misjudged the growth that followed.
The discrepancy term multiplies a forecast's output in the quarter h quarters after the
origin (h = 1 the quarter that starts at it) by exp(growth_sd * h * u), u standard
normal, one per sample for all its quarters: as if the growth the model implies were
off by growth_sd * u per quarter [log scale], the same error all along a sample's path.
Its median is 1: it widens the model's forecasts and does not move their median (a
drift fitted on a few origins of one boom did not carry to the others; docs/validation.md
§6).

It is fitted on backtest forecasts by maximum likelihood: each forecast's log error
e = log(observed / model median) is taken as normal with mean 0 and variance the
model's own log variance plus (growth_sd * h)^2, the forecasts' likelihoods multiplied
(the marginal or composite likelihood: forecasts from one origin share their errors, so
the effective sample is nearer the number of origins than of forecasts).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr
from scipy import optimize, special


@dataclass(frozen=True)
class Discrepancy:
    """Multiplicative error exp(growth_sd h u) at lead h [quarter], u standard normal
    once per sample; ``growth_sd`` [log scale per quarter]."""

    growth_sd: float
    source: str = ""
    max_lead: int = 6

    def factors(self, leads: np.ndarray, count: int, seed: int) -> np.ndarray:
        """(lead x count) multipliers for quarters ``leads`` after the origin, one
        column per sample; a lead beyond ``max_lead`` (the longest fitted) takes
        ``max_lead``'s factor.

        The ``count`` normal deviates u are the normal's equal-probability quantiles in
        an order shuffled from ``seed`` (stratified: their spread is exact whatever the
        shuffle); each sample keeps its u at every lead."""
        generator = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=(7,)))
        u = generator.permutation(_strata(count))
        h = np.minimum(np.asarray(leads, dtype=float), self.max_lead)[:, None]
        return np.exp(self.growth_sd * h * u[None, :])


def _strata(count: int) -> np.ndarray:
    """The standard normal's quantiles at (i + 0.5) / count, i = 0..count-1."""
    return special.ndtri((np.arange(count) + 0.5) / count)


def fit_discrepancy(
    log_errors: np.ndarray, model_log_sd: np.ndarray, leads: np.ndarray
) -> Discrepancy:
    """Fit by maximum likelihood (see the module docstring) on forecasts (any shape;
    NaN: absent) with log errors, the model's log-scale sd and the lead [quarter] of
    each; ``growth_sd`` is 0 when the model's own spread explains the errors."""
    present = ~np.isnan(log_errors)
    errors, own = log_errors[present], model_log_sd[present] ** 2
    lead = np.broadcast_to(leads, log_errors.shape)[present].astype(float)
    if errors.size == 0 or not np.any(errors):
        return Discrepancy(0.0)

    def minus_log_likelihood(growth_sd: float) -> float:
        variance = np.maximum(own + (growth_sd * lead) ** 2, 1e-12)
        return 0.5 * float(np.sum(np.log(variance) + errors**2 / variance))

    # the likelihood falls for growth_sd * h above every |e|: the maximum lies below
    upper = float(np.max(np.abs(errors) / lead))
    best = optimize.minimize_scalar(
        minus_log_likelihood, bounds=(0.0, upper), method="bounded", options={"xatol": 1e-7}
    )
    growth_sd = float(best.x)
    if minus_log_likelihood(0.0) <= best.fun:
        growth_sd = 0.0
    return Discrepancy(growth_sd)


#: The discrepancy fitted on every origin of the full backtest; Monte Carlo applies it
#: with --discrepancy. Fit: validation/backtest.py --samples 200, seed 20230101,
#: 2026-11-30, hindcast-2023.yaml (5 origins 2023Q1-2024Q1, 27 forecasts of leads 1-6)
#: against Epoch AI's NVIDIA shipments 2022-2024 (docs/validation.md, section 6). It
#: measures how far forecasts from what was known missed NVIDIA's output in the
#: 2023-2024 boom; it is not a general law of the model's error.
FITTED = Discrepancy(
    growth_sd=0.2454,
    source="fitted on the rolling-origin backtest of hindcast-2023.yaml against Epoch AI's "
    "NVIDIA shipments 2023-2024 (2026-11-30); leads beyond 6 quarters use lead 6's",
)


#: The monthly package series a discrepancy multiplies in a study.
PACKAGE_SERIES = ("packages_produced", "packages_delivered")


def apply_discrepancy(
    study: xr.Dataset, discrepancy: Discrepancy, origin: np.datetime64, seed: int
) -> xr.Dataset:
    """``study`` with its package series (``PACKAGE_SERIES``) multiplied, from ``origin``
    on, by the discrepancy factor of each month's quarter (lead 1 = the quarter from
    ``origin``); each sample gets its own growth error (stratified over the study's
    samples, from ``seed``). What follows from packages (installations, power online, milestones)
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
        f"growth error sd {discrepancy.growth_sd:g}/quarter (log scale) from {start!s}; "
        f"{discrepancy.source}"
    )
    return out
