"""The uncertain inputs of a scenario as one space to sample.

Each uncertain parameter is a dimension; each risk event is a dimension too, which
occurs when its uniform draw is below its probability. Rank correlations declared in
the scenario are imposed through a Gaussian copula: uniform draws become normal
scores, are mixed by the Cholesky factor of the correlation matrix, and come back to
uniforms before each marginal's quantile function.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
from scipy import stats

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


class UncertainSpace:
    """Every uncertain input of ``scenario``, in a fixed order."""

    def __init__(self, scenario: Scenario):
        self.dimensions: list[Dimension] = [
            Dimension(path, param) for path, param in iter_params(scenario) if param.is_uncertain
        ]
        self.dimensions += [
            Dimension(f"risks.{rid}.occurs", probability=risk.probability.central)
            for rid, risk in scenario.risks.items()
        ]
        self.names = [dimension.name for dimension in self.dimensions]
        self._cholesky = self._correlation_factor(scenario)

    def __len__(self) -> int:
        return len(self.dimensions)

    def _correlation_factor(self, scenario: Scenario) -> np.ndarray | None:
        if not scenario.correlations:
            return None
        size = len(self.dimensions)
        rank = np.eye(size)
        for correlation in scenario.correlations:
            a, b = (self.names.index(name) for name in correlation.between)
            rank[a, b] = rank[b, a] = correlation.rank
        # Spearman rank correlation -> Pearson correlation of the normal scores.
        pearson = 2.0 * np.sin(np.pi * rank / 6.0)
        np.fill_diagonal(pearson, 1.0)
        try:
            return np.linalg.cholesky(pearson)
        except np.linalg.LinAlgError:
            raise ValueError(
                "the declared correlations are not a valid correlation matrix"
            ) from None

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
