"""The model discrepancy's form: the one capsim uses beside the others examined, each
fitted leave one origin out on the full backtest's model forecasts and scored alike.

Every form makes the log error at lead h normal, log(observed / model median) ~
N(mean_h, model's own log variance + sd_h^2), and multiplies each model draw by
exp(mean_h + sd_h u), u the equal-probability quantiles of a standard normal (or, for
the last two, a Student-t) in an order shuffled per origin, the same for every form.
The forms:

- drift + sqrt(h) error, moments: mean_h = b h, sd_h = s sqrt(h); b by least squares,
  s^2 by moments (capsim's term before 2026-11-30).
- drift + growth error: mean_h = b h, sd_h = g h; b and g by marginal likelihood.
- per-lead RMS (the baselines' recipe): mean_h = 0; sd_h^2 = the other origins' mean
  e_h^2 at lead h less the model's mean log variance there (floored at 0).
- growth error, per-origin likelihood: mean_h = 0, sd_h = g h, g by the likelihood
  that gives each origin's forecasts one shared growth error (multivariate normal).
- growth error, marginal likelihood: mean_h = 0, sd_h = g h (capsim.analysis.discrepancy).
- the same with Student-t deviates: 5 degrees of freedom at the same variance (heavier
  tails, narrower centre); and the predictive for g estimated from n origins, t with n
  degrees of freedom at scale g (no mean in packages: exp of a t).

    capsim backtest scenarios/hindcast-2023.yaml --samples 200 -o backtest.nc
    python validation/discrepancy_forms.py backtest.nc
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np
import xarray as xr
from scipy import optimize, stats

from capsim.analysis.backtest import MODEL
from capsim.analysis.baselines import BASELINES
from capsim.analysis.discrepancy import fit_discrepancy
from capsim.analysis.scoring import covered, crps, equal_quantiles


def drift_sqrt_moments(e, v, h):
    present = ~np.isnan(e)
    x, own, lead = e[present], v[present], h[present]
    b = np.sum(x * lead) / np.sum(lead**2)
    s2 = max(np.mean(((x - b * lead) ** 2 - own) / lead), 0.0)
    return lambda k: (b * k, np.sqrt(s2 * k))


def drift_growth(e, v, h):
    present = ~np.isnan(e)
    x, own, lead = e[present], v[present], h[present]

    def minus(p):
        variance = own + (p[1] * lead) ** 2
        return np.sum(np.log(variance) + (x - p[0] * lead) ** 2 / variance)

    b, g = optimize.minimize(minus, [0.1, 0.2], method="Nelder-Mead").x
    return lambda k: (b * k, abs(g) * k)


def per_lead_rms(e, v, h):
    squared = np.nanmean(e**2, axis=0) - np.nanmean(np.where(np.isnan(e), np.nan, v), axis=0)
    sd = np.sqrt(np.maximum(squared, 0.0))
    return lambda k: (0.0 * k, sd[k.astype(int) - 1])


def growth_per_origin(e, v, h):
    def minus(g):
        total = 0.0
        for errors, own, lead in zip(e, v, h, strict=True):
            present = ~np.isnan(errors)
            k = lead[present]
            cov = np.diag(own[present]) + g**2 * np.outer(k, k)
            total += np.linalg.slogdet(cov)[1] + errors[present] @ np.linalg.solve(
                cov, errors[present]
            )
        return total

    g = optimize.minimize_scalar(minus, bounds=(0.0, 3.0), method="bounded").x
    return lambda k: (0.0 * k, g * k)


def growth_marginal(e, v, h):
    g = fit_discrepancy(e, np.sqrt(v), h[0]).growth_sd
    return lambda k: (0.0 * k, g * k)


def growth_t5(e, v, h):
    g = fit_discrepancy(e, np.sqrt(v), h[0]).growth_sd * np.sqrt(3 / 5)
    return lambda k: (0.0 * k, g * k)


NORMAL = stats.norm.ppf
#: name: (fit on the other origins' log errors, model log variances and leads, giving
#: lead -> (mean, sd); the deviates' quantile function given the origins fitted)
FORMS = {
    "drift + sqrt(h) error, moments": (drift_sqrt_moments, lambda n: NORMAL),
    "drift + growth error": (drift_growth, lambda n: NORMAL),
    "per-lead RMS (baselines' recipe)": (per_lead_rms, lambda n: NORMAL),
    "growth error, per-origin likelihood": (growth_per_origin, lambda n: NORMAL),
    "growth error, marginal likelihood": (growth_marginal, lambda n: NORMAL),
    "growth error, t5 at the same variance": (growth_t5, lambda n: stats.t(5).ppf),
    "growth error, t(origins) predictive": (growth_marginal, lambda n: stats.t(n).ppf),
}


def scores(draws: np.ndarray, truth: np.ndarray) -> tuple[np.ndarray, float, np.ndarray, float]:
    """Mean CRPS per lead and overall [package per quarter]; 80 % coverage per lead and
    overall [1]."""
    present = ~np.isnan(truth)
    values = np.where(present, crps(np.nan_to_num(draws), np.nan_to_num(truth)), np.nan)
    inside = np.where(present, covered(np.nan_to_num(draws), np.nan_to_num(truth), 0.8), False)
    return (
        np.nanmean(values, axis=0),
        float(np.nanmean(values)),
        inside.sum(axis=0) / present.sum(axis=0),
        float(inside.sum() / present.sum()),
    )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("backtest", type=Path, help="a result of capsim backtest -o FILE.nc")
    arguments = parser.parse_args()
    result = xr.open_dataset(arguments.backtest)
    model = result["forecast"].sel(forecaster=MODEL).values
    truth = result["observed"].values
    origins, leads, count = model.shape
    logs = np.log(np.maximum(model, 1.0))
    e = np.log(truth) - np.median(logs, axis=-1)
    v = logs.var(axis=-1)
    h = np.broadcast_to(np.arange(1, leads + 1, dtype=float), e.shape)
    seed = int(result.attrs["seed"])
    order = [np.random.default_rng([seed, row]).permutation(count) for row in range(origins)]
    rows = {name: result["forecast"].sel(forecaster=name).values for name in BASELINES}
    rows["model"] = model
    for name, (form, deviates) in FORMS.items():
        u = deviates(origins - 1)(equal_quantiles(count))
        draws = np.full_like(model, np.nan)
        for row in range(origins):
            others = np.arange(origins) != row
            mean, sd = form(e[others], v[others], h[others])(h[row])
            draws[row] = model[row] * np.exp(mean[:, None] + sd[:, None] * u[order[row]])
        rows[name] = draws
    print(
        f"{arguments.backtest.name}: {origins} origins, {count} draws, seed {seed}; "
        "mean CRPS (k package per quarter) and share inside the 80 % interval by lead"
    )
    print(
        f"{'':38}" + "".join(f"{k:>6}" for k in range(1, leads + 1)) + "   all | 80 % by lead, all"
    )
    for name, draws in rows.items():
        by_lead, total, cover, cover_all = scores(draws, truth)
        print(
            f"{name:38}"
            + "".join(f"{x / 1e3:6.0f}" for x in by_lead)
            + f"{total / 1e3:6.0f} | "
            + " ".join(f"{100 * x:3.0f}" for x in cover)
            + f" {100 * cover_all:4.0f} %"
        )
    print(f"\nfitted on all {origins} origins: log-scale mean and sd of the error by lead")
    for name, (form, _) in FORMS.items():
        mean, sd = form(e, v, h)(np.arange(1, leads + 1, dtype=float))
        print(f"{name:38}" + " ".join(f"{m:+.3f}/{d:.3f}" for m, d in zip(mean, sd, strict=True)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
