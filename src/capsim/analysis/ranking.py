"""Rankings of inputs by their effect on an output, with confidence intervals, listing
only the effects distinguishable from zero.

- From a Monte Carlo study (:func:`spearman_ranking`): each sampled input's rank
  correlation with the output (Spearman's rho). Its interval comes from Fisher's
  ``z = atanh(rho)`` with Bonett and Wright's (2000) standard error
  ``sqrt((1 + rho**2 / 2) / (n - 3))``, and its p-value from the same ``z`` and standard
  error, so an interval excludes zero exactly when the raw p-value is below
  ``1 - confidence``. The p-values are adjusted for the number of inputs tested by
  Holm's (1979) step-down method (family-wise error rate at most ``1 - confidence``);
  an input is listed when its adjusted p-value is below ``1 - confidence``.
- From Morris or Sobol' indices (:func:`index_ranking`): ``mu*`` or the total index
  ``ST`` with its bootstrap half-width; an input (or group) is listed when the lower
  end of its interval is above zero. For a series output the indices and half-widths
  are averaged over the months (the mean half-width bounds the half-width of the mean
  from above).

References: D. G. Bonett and T. A. Wright, "Sample size requirements for estimating
Pearson, Kendall and Spearman correlations", Psychometrika 65 (2000) 23-28; S. Holm,
"A simple sequentially rejective multiple test procedure", Scand. J. Statist. 6 (1979)
65-70.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr
from scipy import stats


@dataclass(frozen=True)
class Ranked:
    """One listed input (or group): its statistic and interval, in the statistic's units;
    ``p_adjusted`` is the multiplicity-adjusted p-value where there is one."""

    name: str
    value: float
    low: float
    high: float
    p_adjusted: float | None = None


@dataclass(frozen=True)
class Ranking:
    """The inputs whose effect is distinguishable from zero, largest ``|value|`` first.

    ``tested`` counts every input (or group) that could be ranked; ``rule`` says how
    "distinguishable" was decided, for the reader.
    """

    statistic: str
    rows: list[Ranked]
    tested: int
    confidence: float
    rule: str

    @property
    def omitted(self) -> int:
        """Inputs tested and not listed."""
        return self.tested - len(self.rows)


def holm(p: np.ndarray) -> np.ndarray:
    """Holm's step-down adjusted p-values (each at most 1), in the order given."""
    p = np.asarray(p, dtype=float)
    m = p.size
    order = np.argsort(p, kind="stable")
    stepped = np.maximum.accumulate((m - np.arange(m)) * p[order])
    adjusted = np.empty(m)
    adjusted[order] = np.minimum(stepped, 1.0)
    return adjusted


def spearman_interval(rho: float, n: int, confidence: float = 0.95) -> tuple[float, float, float]:
    """``(low, high, p)``: the Fisher-z interval of a Spearman ``rho`` from ``n`` pairs
    (Bonett-Wright standard error) and the two-sided p-value of ``rho = 0`` from the same
    ``z``. Needs ``n > 3``."""
    se = np.sqrt((1.0 + rho**2 / 2.0) / (n - 3))
    z = np.arctanh(np.clip(rho, -1 + 1e-15, 1 - 1e-15))
    half = stats.norm.ppf(0.5 + confidence / 2.0) * se
    p = 2.0 * stats.norm.sf(abs(z) / se)
    return float(np.tanh(z - half)), float(np.tanh(z + half)), float(p)


def _spearman(columns: np.ndarray, output: np.ndarray) -> np.ndarray:
    """Spearman's rho of each column with ``output``: Pearson's r of their ranks
    (ties share their mean rank)."""
    ranks = stats.rankdata(columns, axis=0)
    ranks -= ranks.mean(axis=0)
    target = stats.rankdata(output)
    target -= target.mean()
    return (target @ ranks) / np.sqrt((ranks**2).sum(axis=0) * (target**2).sum())


def spearman_ranking(
    inputs: np.ndarray, output: np.ndarray, names: list[str], confidence: float = 0.95
) -> Ranking:
    """Rank ``inputs`` (samples x inputs) by Spearman's rho with ``output`` (samples).

    Inputs that do not vary are not tested; if the output does not vary, or there are
    fewer than 4 samples, nothing is tested.
    """
    inputs = np.asarray(inputs, dtype=float)
    output = np.asarray(output, dtype=float)
    n = len(output)
    rule = f"Holm-adjusted p < {1 - confidence:.2g} (Fisher-z, Bonett-Wright)"
    if n < 4 or np.ptp(output) == 0:
        return Ranking("Spearman rho", [], 0, confidence, rule)
    tested = [j for j in range(inputs.shape[1]) if np.ptp(inputs[:, j]) > 0]
    rhos = _spearman(inputs[:, tested], output)
    intervals = [spearman_interval(rho, n, confidence) for rho in rhos]
    adjusted = holm(np.array([p for *_, p in intervals])) if tested else np.empty(0)
    rows = [
        Ranked(str(names[j]), float(rho), low, high, float(p))
        for j, rho, (low, high, _), p in zip(tested, rhos, intervals, adjusted, strict=True)
        if p < 1 - confidence
    ]
    rows.sort(key=lambda row: -abs(row.value))
    return Ranking("Spearman rho", rows, len(tested), confidence, rule)


def index_ranking(result: xr.Dataset) -> Ranking:
    """Rank a Morris (by ``mu_star``) or Sobol' (by ``ST``) result of
    :mod:`capsim.analysis.sensitivity`, listing inputs whose interval is above zero."""
    key = "mu_star" if "mu_star" in result else "ST"
    dim = "group" if "group" in result.dims else "input"
    if "output" in result.dims:
        result = result.mean("output", skipna=True)
    value = result[key].values
    half = result[f"{key}_conf"].values
    confidence = float(result.attrs.get("confidence", 0.95))
    tested = np.flatnonzero(np.isfinite(value) & np.isfinite(half))
    names, low, high = result[dim].values, value - half, value + half
    rows = [
        Ranked(str(names[i]), float(value[i]), float(low[i]), float(high[i]))
        for i in tested
        if low[i] > 0
    ]
    rows.sort(key=lambda row: -abs(row.value))
    statistic = "mu*" if key == "mu_star" else "ST"
    rule = f"{100 * confidence:.0f} % bootstrap interval of {statistic} above zero"
    return Ranking(statistic, rows, len(tested), confidence, rule)
