"""Scores of probabilistic forecasts against what happened: interval coverage, CRPS and
pinball loss, each from a forecast's samples (draws of equal weight).

- Coverage: whether the observed value lies in the central interval of a given
  probability (P25-P75 for 50 %, P10-P90 for 80 %).
- CRPS (continuous ranked probability score): the integral over x of
  (F(x) - 1{y <= x})^2, for the samples' empirical distribution F; computed as
  E|X - y| - E|X - X'| / 2. It is in the forecast's unit, and a point forecast's CRPS
  is its absolute error. Lower is better.
- Pinball loss at level tau: tau (y - q) if y >= q, else (1 - tau)(q - y), for the
  forecast's tau-quantile q; averaged over ``PINBALL_LEVELS``. Lower is better.
"""

from __future__ import annotations

import numpy as np

#: Quantile levels the pinball loss is averaged over [1].
PINBALL_LEVELS = (0.05, 0.1, 0.25, 0.5, 0.75, 0.9, 0.95)


def crps(samples: np.ndarray, observed: np.ndarray) -> np.ndarray:
    """CRPS of forecasts given by ``samples`` (last axis) against ``observed`` [their unit].

    Uses the sorted-sample form: E|X - X'| = 2 / n^2 * sum_i (2 i - n - 1) x_(i).
    """
    x = np.sort(np.asarray(samples, dtype=float), axis=-1)
    y = np.asarray(observed, dtype=float)[..., None]
    n = x.shape[-1]
    absolute = np.abs(x - y).mean(axis=-1)
    weights = 2.0 * np.arange(1, n + 1) - n - 1
    spread = 2.0 * (x * weights).sum(axis=-1) / n**2
    return absolute - 0.5 * spread


def pinball(
    samples: np.ndarray, observed: np.ndarray, levels: tuple[float, ...] = PINBALL_LEVELS
) -> np.ndarray:
    """Pinball loss of the samples' quantiles at ``levels``, averaged [their unit]."""
    y = np.asarray(observed, dtype=float)
    losses = []
    for tau in levels:
        q = np.quantile(samples, tau, axis=-1)
        losses.append(np.where(y >= q, tau * (y - q), (1.0 - tau) * (q - y)))
    return np.mean(losses, axis=0)


def covered(samples: np.ndarray, observed: np.ndarray, probability: float) -> np.ndarray:
    """Whether ``observed`` lies in the samples' central interval of ``probability``."""
    low = np.quantile(samples, 0.5 - probability / 2, axis=-1)
    high = np.quantile(samples, 0.5 + probability / 2, axis=-1)
    y = np.asarray(observed, dtype=float)
    return (low <= y) & (y <= high)


def equal_quantiles(count: int) -> np.ndarray:
    """``count`` probabilities of equal weight in (0, 1): (i + 0.5) / count."""
    return (np.arange(count) + 0.5) / count
