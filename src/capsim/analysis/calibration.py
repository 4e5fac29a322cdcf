"""Calibration: fit chosen uncertain inputs so that the model reproduces an observed series.

Each fitted input is moved along its own distribution: the optimiser works on the
input's quantile u in [0.001, 0.999] and the value is the distribution's quantile
function at u, so a fitted value never leaves the range the scenario states (a
triangular's low..high, a lognormal's 0.1-99.9 % range). Residuals are
(model - observed) / sigma per period, sigma from the observed 5-95 % band (a band of
zero width, which would give its period all the weight, is refused), else 10 % of the
value with a floor for values near 0 (:meth:`ObservedSeries.sigma`), and
``scipy.optimize.least_squares`` minimises their sum of squares (chi-squared) from
the best of a few quasi-random starts. Every other input stays at its central value.
The fitted values' standard errors come from the Jacobian at the optimum, scaled by
the reduced chi-squared when that exceeds 1.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import optimize
from scipy.stats import qmc

from capsim.analysis.hindcast import designer_programmes, period_months
from capsim.analysis.observed import ObservedSeries
from capsim.model import run
from capsim.scenario.document import Scenario
from capsim.scenario.walk import key_matches
from capsim.sweep.space import Dimension, UncertainSpace

#: Quantile range the optimiser may use for each fitted input.
U_RANGE = (0.001, 0.999)
_STARTS = 8
_DIFF_STEP = 0.01


class CalibrationError(ValueError):
    """The calibration cannot be set up as asked; the message says why."""


@dataclass(frozen=True)
class FittedInput:
    """One fitted input [canonical unit]: prior central value, fitted value, its error."""

    path: str
    unit: str
    prior: float
    value: float
    standard_error: float
    low: float
    high: float


@dataclass(frozen=True)
class Calibration:
    """The fitted inputs and how well the model matches the observations before and after."""

    inputs: list[FittedInput]
    observed: ObservedSeries
    before: np.ndarray  # model per period at central values [package]
    after: np.ndarray  # model per period at the fitted values [package]
    evaluations: int

    def chi2(self, model: np.ndarray) -> float:
        """Sum of squared standardised residuals of ``model`` against the observations."""
        return float(np.sum(((model - self.observed.value) / self.observed.sigma()) ** 2))

    def rmse(self, model: np.ndarray) -> float:
        """Root-mean-square error [package per period]."""
        return float(np.sqrt(np.mean((model - self.observed.value) ** 2)))

    @property
    def degrees_of_freedom(self) -> int:
        """Observed periods less fitted inputs (at least 1: :func:`calibrate` refuses
        as many inputs as periods)."""
        return len(self.observed) - len(self.inputs)


def fit_dimensions(scenario: Scenario, patterns: list[str]) -> list[Dimension]:
    """The uncertain inputs named by ``patterns`` (key paths; ``*`` and ``?`` match)."""
    space = UncertainSpace(scenario)
    parameters = {d.name: d for d in space.dimensions if d.param is not None}
    chosen: dict[str, Dimension] = {}
    for pattern in patterns:
        matches = [name for name in parameters if key_matches(name, pattern)]
        if not matches:
            raise CalibrationError(_no_match(pattern, scenario, parameters))
        chosen.update({name: parameters[name] for name in matches})
    discrete = [name for name, d in chosen.items() if d.param.value.kind == "choice"]
    if discrete:
        raise CalibrationError(
            f"--fit {discrete[0]}: a 'choice' input has separate values, which a least-squares "
            "fit cannot move between; fit continuous inputs only"
        )
    return list(chosen.values())


def _no_match(pattern: str, scenario: Scenario, parameters: dict) -> str:
    from capsim.scenario.walk import iter_params

    if any(path == pattern and not p.is_uncertain for path, p in iter_params(scenario)):
        return (
            f"--fit {pattern}: this input has a fixed value; calibrate moves uncertain inputs "
            "within their distribution (give it one, e.g. "
            "{dist: triangular, low: ..., mode: ..., high: ...})"
        )
    head = pattern.split(".", maxsplit=1)[0]
    close = [name for name in parameters if name.split(".", maxsplit=1)[0] == head][:5]
    hint = f"; uncertain inputs there include {', '.join(close)}" if close else ""
    return f"--fit {pattern}: no uncertain input of {scenario.name} matches{hint}"


def model_output(
    scenario: Scenario, draw: dict[str, float], programmes: list[str], observed: ObservedSeries
) -> np.ndarray:
    """Packages delivered to ``programmes`` in each observed period, for one run [package]."""
    progress = run(scenario, draw).progress
    columns = [progress.programmes.index(gid) for gid in programmes]
    months = progress.calendar.month_starts()
    return period_months(months, observed) @ progress.delivered[:, columns].sum(axis=1)


def calibrate(
    scenario: Scenario,
    observed: ObservedSeries,
    patterns: list[str],
    *,
    designer: str = "nvidia",
    seed: int = 0,
) -> Calibration:
    """Fit the inputs named by ``patterns`` to ``observed`` (see the module docstring)."""
    dimensions = fit_dimensions(scenario, patterns)
    if len(dimensions) >= len(observed):
        raise CalibrationError(
            f"{len(dimensions)} input(s) to fit but only {len(observed)} observed period(s): "
            "fit fewer inputs than there are observations (with as many, the fit is not "
            "determined: 0 degrees of freedom are left to judge it by)"
        )
    _check_bands(observed)
    programmes = designer_programmes(scenario, designer)
    if not programmes:
        raise CalibrationError(f"no programme orders a product designed by {designer!r}")
    sigma = observed.sigma()
    evaluations = 0

    def output(u: np.ndarray) -> np.ndarray:
        nonlocal evaluations
        evaluations += 1
        draw = {
            d.name: float(d.from_uniform(np.array([x]))[0])
            for d, x in zip(dimensions, u, strict=True)
        }
        return model_output(scenario, draw, programmes, observed)

    def residuals(u: np.ndarray) -> np.ndarray:
        return (output(u) - observed.value) / sigma

    central = np.full(len(dimensions), 0.5)  # every input's central value is its median
    start = _best_start(residuals, central, seed)
    solution = optimize.least_squares(
        residuals, start, bounds=U_RANGE, diff_step=_DIFF_STEP, x_scale=0.1
    )
    fitted_u = solution.x
    standard_u = _standard_errors(solution, len(observed))
    inputs = [_fitted(d, u, su) for d, u, su in zip(dimensions, fitted_u, standard_u, strict=True)]
    before = model_output(scenario, {}, programmes, observed)
    after = observed.value + solution.fun * sigma  # the model at the optimum
    return Calibration(inputs, observed, before, after, evaluations)


def _check_bands(observed: ObservedSeries) -> None:
    """A 5-95 % band of zero width says a value is exact: its sigma would be 0 and its
    period would outweigh all the others, so it is refused, located."""
    if observed.low is None or observed.high is None:
        return
    for index in np.flatnonzero(observed.high <= observed.low):
        low, high = observed.low[index], observed.high[index]
        raise CalibrationError(
            f"{observed.where(index)}: 5-95 % band: expected a width above 0 (calibrate "
            f"weighs each period by it), found '{low:.10g}..{high:.10g}' for "
            f"{observed.labels()[index]}; widen the band or leave the period out"
        )


def _best_start(residuals, central: np.ndarray, seed: int) -> np.ndarray:
    """The central point or the best of a few scrambled Sobol' points, by chi-squared."""
    low, high = U_RANGE
    points = qmc.Sobol(len(central), scramble=True, seed=seed).random(_STARTS)
    candidates = [central, *(low + (high - low) * points)]
    costs = [float(np.sum(residuals(c) ** 2)) for c in candidates]
    return candidates[int(np.argmin(costs))]


def _standard_errors(solution, observations: int) -> np.ndarray:
    """Standard errors of the fitted quantiles from the Jacobian at the optimum."""
    jacobian = solution.jac
    dof = max(1, observations - jacobian.shape[1])
    reduced = float(np.sum(solution.fun**2)) / dof
    try:
        covariance = np.linalg.pinv(jacobian.T @ jacobian) * max(1.0, reduced)
    except np.linalg.LinAlgError:
        return np.full(jacobian.shape[1], np.nan)
    return np.sqrt(np.clip(np.diag(covariance), 0.0, None))


def _fitted(dimension: Dimension, u: float, standard_u: float) -> FittedInput:
    distribution = dimension.param.value
    low, high = (float(distribution.ppf(q)) for q in U_RANGE)
    value = float(distribution.ppf(u))
    step = 1e-4
    slope = (distribution.ppf(min(u + step, 1 - 1e-9)) - distribution.ppf(max(u - step, 1e-9))) / (
        2 * step
    )
    return FittedInput(
        path=dimension.name,
        unit=dimension.unit,
        prior=float(distribution.central()),
        value=value,
        standard_error=float(abs(slope) * standard_u),
        low=low,
        high=high,
    )
