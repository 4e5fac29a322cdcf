"""A log-normal fitted to grouped and right-censored durations, pooled partially.

The model, on the logs: ``log t_i = mu + u_g(i) + e_i``, with a group effect
``u_g ~ N(0, tau^2)`` per group (e.g. a region) and ``e_i ~ N(0, sigma^2)``. An
observation is either a value or *censored*: "longer than" the value (a campus still
building when last seen). ``tau``, the spread of the group effects, is a stated prior,
not fitted: with few groups it cannot be estimated.

1. ``mu`` and ``sigma`` maximise the marginal likelihood (each group's effect integrated
   out on a fine grid). With one group and no censoring this is close to the sample
   variance of the logs with n - 1 (the contrasts within a group carry sigma).
2. Given ``sigma``, the group effects and ``mu`` (flat prior) are the mode of their
   posterior, and their covariance the inverse of its information matrix (exact for
   uncensored values: the mixed model's best linear unbiased predictor and its error).
3. A new value of group ``g`` is predicted as a log-normal of median
   ``exp(mu + u_g)`` and log-scale spread ``sqrt(sigma^2 + Var(mu + u_g))``; a group
   without values has ``u_g = 0`` and adds ``tau^2``. With one group and no censoring
   this is close to the sample's log-normal widened by sqrt(1 + 1/n).
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np

from capsim.scenario.distributions import LogNormal

#: Grid of a standard normal group effect [sd], fine enough for a group of a few hundred
#: values (whose likelihood is sigma / sqrt(n) wide), and its weights.
_NODES = np.linspace(-8.0, 8.0, 801)
_WEIGHTS = np.exp(-0.5 * _NODES**2) / np.exp(-0.5 * _NODES**2).sum()


@dataclass(frozen=True)
class Value:
    """One observation: a positive ``value``, ``censored`` if only "longer than" it,
    and its ``group`` (None, "not stated", is a group like any other)."""

    value: float
    censored: bool = False
    group: str | None = None


def pooled_lognormal(values: Sequence[Value], group: str | None, tau: float) -> LogNormal:
    """The predictive log-normal of a new value of ``group``.

    Parameters
    ----------
    values : sequence of Value
        At least two uncensored.
    group : str or None
        The group of the value predicted; a group without values (e.g. None when every
        value states its group) gets the grand centre, with ``tau^2`` added.
    tau : float
        Log-scale spread of the group effects (prior, > 0).
    """
    logs = np.log([v.value for v in values])
    censored = np.array([v.censored for v in values])
    labels = [v.group for v in values]
    groups = list(dict.fromkeys(labels))
    member = np.array([[label == g for g in groups] for label in labels], dtype=float)
    sigma = _sigma(logs, censored, member, tau)
    mode, covariance = _posterior(logs, censored, member, sigma, tau)
    pick = np.zeros(len(mode))
    pick[0] = 1.0
    extra = tau**2
    if group in groups:
        pick[1 + groups.index(group)] = 1.0
        extra = 0.0
    variance = sigma**2 + float(pick @ covariance @ pick) + extra
    return LogNormal(float(math.exp(pick @ mode)), math.sqrt(variance))


#: log(sqrt(2 pi)), the standard normal density's constant, as scipy.stats writes it.
_LOG_C = float(np.log(np.sqrt(2 * np.pi)))


def _norm_logpdf(z: np.ndarray) -> np.ndarray:
    """The standard normal's log-density, as ``scipy.stats.norm.logpdf`` computes it
    without its argument checks (which cost most of a fit)."""
    return -(z**2) / 2.0 - _LOG_C


def _norm_logsf(z: np.ndarray) -> np.ndarray:
    """The standard normal's log survival, as ``scipy.stats.norm.logsf`` computes it."""
    from scipy.special import log_ndtr  # imported when a fit runs: validation stays quick

    return log_ndtr(-z)


def _loglik(logs, censored, centre, sigma) -> np.ndarray:
    """Log-likelihood of each value given its centre [log] (arrays broadcast): the
    normal log-density of the observed, the log survival of the censored."""
    z = (logs - centre) / sigma
    density = _norm_logpdf(z) - math.log(sigma)
    if not censored.any():
        return density
    return np.where(censored, _norm_logsf(z), density)


def _sigma(logs, censored, member, tau) -> float:
    """``sigma`` maximising the marginal likelihood (``mu`` maximised alongside)."""
    from scipy import optimize

    effects = tau * _NODES  # (node,)

    def negative(theta):
        mu, sigma = theta[0], math.exp(theta[1])
        # (value, node) log-likelihoods, summed per group for each node
        each = _loglik(logs[:, None], censored[:, None], mu + effects[None, :], sigma)
        per_group = member.T @ each  # (group, node)
        top = per_group.max(axis=1, keepdims=True)
        marginal = top[:, 0] + np.log(np.exp(per_group - top) @ _WEIGHTS)
        return -float(marginal.sum())

    start = [float(logs.mean()), math.log(max(float(logs.std()), 0.05))]
    best = optimize.minimize(
        negative,
        start,
        method="Nelder-Mead",
        options={"xatol": 1e-7, "fatol": 1e-10, "maxiter": 4000},
    )
    return math.exp(best.x[1])


def _posterior(logs, censored, member, sigma, tau):
    """Mode and covariance of (mu, u_1..u_G) given ``sigma`` (flat prior on mu)."""
    from scipy import optimize

    design = np.hstack([np.ones((len(logs), 1)), member])
    penalty = np.diag([0.0] + [1 / tau**2] * member.shape[1])

    def negative(theta):
        return -float(_loglik(logs, censored, design @ theta, sigma).sum()) + 0.5 * float(
            theta @ penalty @ theta
        )

    start = np.zeros(design.shape[1])
    start[0] = logs.mean()
    mode = optimize.minimize(negative, start, method="BFGS", options={"gtol": 1e-9}).x
    # Information of each value about its centre: 1/sigma^2 if observed; for a censored
    # one, lambda (lambda - z) / sigma^2 with lambda = pdf(z) / sf(z).
    z = (logs - design @ mode) / sigma
    hazard = np.exp(_norm_logpdf(z) - _norm_logsf(z))
    weight = np.where(censored, hazard * (hazard - z), 1.0) / sigma**2
    information = design.T @ (weight[:, None] * design) + penalty
    return mode, np.linalg.inv(information)
