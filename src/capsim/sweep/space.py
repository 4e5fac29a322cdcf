"""The uncertain inputs of a scenario as one space to sample.

Each uncertain parameter is a dimension; each risk event is a dimension too, which
occurs when its uniform draw is below its probability (the mean, when the probability
is uncertain: the chance that the risk occurs; the probability is then not a dimension
of its own), and so is each programme that is a letter of intent (``PATH.firm``: it
becomes firm when its draw is below its probability). Rank correlations declared in
the scenario are imposed through a Gaussian copula: uniform draws become normal
scores, are mixed by a square root of the correlation matrix
(:mod:`capsim.scenario.correlations`), and come back to uniforms before each
marginal's quantile function.

With ``spread`` (Monte Carlo, unless points are kept as given), a point value with a
confidence is a dimension too, drawn from its default spread
(:mod:`capsim.sweep.spread`); its draws are keyed by its key path like any other.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, replace

import numpy as np
from scipy import stats

from capsim.scenario.correlations import normal_score_matrix, square_root
from capsim.scenario.distributions import Distribution
from capsim.scenario.document import Scenario
from capsim.scenario.params import Param
from capsim.scenario.walk import iter_params


@dataclass(frozen=True)
class Dimension:
    """One sampled input: a parameter (``param``) or a risk event (``probability``)."""

    name: str
    param: Param | None = None
    probability: float | None = None

    @property
    def unit(self) -> str:
        return "1" if self.param is None else (self.param.unit or "1")

    def from_uniform(self, u: np.ndarray) -> np.ndarray:
        """Values for uniform draws ``u`` in (0, 1), in canonical units (0/1 for risks)."""
        if self.param is None:
            return (u < self.probability).astype(float)
        return np.asarray(self.param.value.ppf(u), dtype=float)


Spread = Callable[[str, Param], Distribution | None]


class UncertainSpace:
    """Every uncertain input of ``scenario``, in a fixed order; with ``spread``, also
    every point that ``spread(path, param)`` gives a distribution."""

    def __init__(self, scenario: Scenario, spread: Spread | None = None):
        letters = {
            gid: programme.letter_of_intent
            for gid, programme in scenario.programmes.items()
            if programme.letter_of_intent is not None
        }
        probabilities = {f"risks.{rid}.probability" for rid in scenario.risks}
        probabilities |= {f"programmes.{gid}.letter_of_intent.probability" for gid in letters}
        self.dimensions: list[Dimension] = []
        for path, param in iter_params(scenario):
            if path in probabilities:
                continue
            if param.is_uncertain:
                self.dimensions.append(Dimension(path, param))
            elif spread is not None and (drawn := spread(path, param)) is not None:
                self.dimensions.append(Dimension(path, replace(param, value=drawn)))
        self.dimensions += [
            Dimension(f"risks.{rid}.occurs", probability=risk.probability.expected)
            for rid, risk in scenario.risks.items()
        ]
        self.dimensions += [
            Dimension(f"programmes.{gid}.firm", probability=letter.probability.expected)
            for gid, letter in letters.items()
        ]
        self.names = [dimension.name for dimension in self.dimensions]
        self._cholesky = self._correlation_factor(scenario)

    def __len__(self) -> int:
        return len(self.dimensions)

    def _correlation_factor(self, scenario: Scenario) -> np.ndarray | None:
        if not scenario.correlations:
            return None
        pairs = [
            (*(self.names.index(name) for name in correlation.between), correlation.rank)
            for correlation in scenario.correlations
        ]
        return square_root(normal_score_matrix(len(self.dimensions), pairs))

    def correlate(self, u: np.ndarray) -> np.ndarray:
        """Uniforms ``u`` (samples x dimensions) with the declared rank correlations."""
        if self._cholesky is None:
            return u
        scores = stats.norm.ppf(np.clip(u, 1e-12, 1 - 1e-12))
        return stats.norm.cdf(scores @ self._cholesky.T)

    def values(self, u: np.ndarray) -> np.ndarray:
        """Input values (samples x dimensions) for uniform draws ``u`` of the same shape."""
        u = self.correlate(np.atleast_2d(u))
        columns = [dim.from_uniform(u[:, i]) for i, dim in enumerate(self.dimensions)]
        return np.column_stack(columns) if columns else np.empty((u.shape[0], 0))

    def draw(self, row: np.ndarray) -> dict[str, float]:
        """One sample's values as the ``draw`` mapping that ``simulate`` takes."""
        return {name: float(value) for name, value in zip(self.names, row, strict=True)}
