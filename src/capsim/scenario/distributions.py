"""Uncertain values: the distributions a scenario may give instead of a number.

Every distribution holds its parameters in the field's canonical unit and can say
its central value (the median), its bounds and its frozen ``scipy.stats`` form, which
the sampling layer uses.
"""

from __future__ import annotations

import itertools
import math
from dataclasses import dataclass, fields
from fractions import Fraction
from statistics import NormalDist
from typing import ClassVar

import numpy as np

# scipy is imported where a distribution is evaluated, not here: reading and checking
# a scenario file does not need it, and it takes longer to import than the rest.
Z90 = NormalDist().inv_cdf(0.90)
Z95 = NormalDist().inv_cdf(0.95)


class DistributionError(ValueError):
    """Bad parameters for a distribution; ``key`` names the offending parameter."""

    def __init__(
        self, message: str, key: str | None = None, order: tuple[str, str, str] | None = None
    ):
        super().__init__(message)
        self.key = key
        #: (first, relation, second) when two parameters are out of order ("<=", "<")
        self.order = order


@dataclass(frozen=True)
class Distribution:
    """Base of all distributions: ``frozen()`` is the scipy.stats form."""

    kind: ClassVar[str]

    def frozen(self):
        raise NotImplementedError

    def _cached(self, name: str, compute):
        """A derived value computed once per (immutable) distribution."""
        if name not in self.__dict__:
            object.__setattr__(self, name, compute())
        return self.__dict__[name]

    def central(self) -> float:
        """The median, used for deterministic runs."""
        return self._cached("_central", lambda: float(self.ppf(0.5)))

    def ppf(self, q):
        """Quantile function at probabilities ``q``."""
        return self._cached("_frozen", self.frozen).ppf(q)

    def expected(self) -> float:
        """The expected value (the mean)."""
        return self._cached("_expected", lambda: float(self._cached("_frozen", self.frozen).mean()))

    def parameters(self) -> dict[str, object]:
        return {field.name: getattr(self, field.name) for field in fields(self)}


@dataclass(frozen=True)
class Uniform(Distribution):
    kind: ClassVar[str] = "uniform"
    low: float
    high: float

    def __post_init__(self):
        _ordered(("low", self.low), ("high", self.high), strict=True)

    def frozen(self):
        from scipy import stats

        return stats.uniform(self.low, self.high - self.low)

    def ppf(self, q):
        return self.low + np.asarray(q, dtype=float) * (self.high - self.low)


@dataclass(frozen=True)
class Triangular(Distribution):
    kind: ClassVar[str] = "triangular"
    low: float
    mode: float
    high: float

    def __post_init__(self):
        _ordered(("low", self.low), ("mode", self.mode), ("high", self.high))
        _ordered(("low", self.low), ("high", self.high), strict=True)

    def frozen(self):
        width = self.high - self.low
        from scipy import stats

        return stats.triang((self.mode - self.low) / width, self.low, width)

    def ppf(self, q):
        q = np.asarray(q, dtype=float)
        width = self.high - self.low
        split = (self.mode - self.low) / width
        rising = self.low + np.sqrt(q * width * (self.mode - self.low))
        falling = self.high - np.sqrt((1.0 - q) * width * (self.high - self.mode))
        return np.where(q < split, rising, falling)


@dataclass(frozen=True)
class Pert(Distribution):
    """Beta-PERT with shape ``lamb`` (4 is the classic PERT)."""

    kind: ClassVar[str] = "pert"
    low: float
    mode: float
    high: float
    lamb: float = 4.0

    def __post_init__(self):
        _ordered(("low", self.low), ("mode", self.mode), ("high", self.high))
        _ordered(("low", self.low), ("high", self.high), strict=True)
        if self.lamb <= 0:
            raise DistributionError(f"'lamb' must be > 0, found {self.lamb:g}", "lamb")

    def frozen(self):
        width = self.high - self.low
        alpha = 1 + self.lamb * (self.mode - self.low) / width
        beta = 1 + self.lamb * (self.high - self.mode) / width
        from scipy import stats

        return stats.beta(alpha, beta, self.low, width)


@dataclass(frozen=True)
class Normal(Distribution):
    kind: ClassVar[str] = "normal"
    mean: float
    sd: float

    def __post_init__(self):
        if not self.sd > 0:
            raise DistributionError(f"'sd' must be > 0, found {self.sd:g}", "sd")

    def frozen(self):
        from scipy import stats

        return stats.norm(self.mean, self.sd)

    def ppf(self, q):
        from scipy import special

        return self.mean + self.sd * special.ndtri(np.asarray(q, dtype=float))


@dataclass(frozen=True)
class LogNormal(Distribution):
    """Log-normal given by its ``median`` and the log-scale ``sigma``.

    Build it with :meth:`from_median_p90` or :meth:`from_interval`.
    """

    kind: ClassVar[str] = "lognormal"
    median: float
    sigma: float

    def __post_init__(self):
        if not self.median > 0:
            raise DistributionError(f"'median' must be > 0, found {self.median:g}", "median")
        if not self.sigma > 0:
            raise DistributionError(f"'sigma' must be > 0, found {self.sigma:g}", "sigma")

    @classmethod
    def from_median_p90(cls, median: float, p90: float) -> LogNormal:
        if not median > 0:
            raise DistributionError(f"'median' must be > 0, found {median:g}", "median")
        if not p90 > median:
            raise DistributionError(f"'p90' must be > 'median' ({median:g}), found {p90:g}", "p90")
        return cls(median, math.log(p90 / median) / Z90)

    @classmethod
    def from_interval(cls, p5: float, p95: float) -> LogNormal:
        if not p5 > 0:
            raise DistributionError(f"'p5' must be > 0, found {p5:g}", "p5")
        if not p95 > p5:
            raise DistributionError(f"'p95' must be > 'p5' ({p5:g}), found {p95:g}", "p95")
        return cls(math.sqrt(p5 * p95), math.log(p95 / p5) / (2 * Z95))

    def frozen(self):
        from scipy import stats

        return stats.lognorm(self.sigma, scale=self.median)

    def ppf(self, q):
        from scipy import special

        return self.median * np.exp(self.sigma * special.ndtri(np.asarray(q, dtype=float)))


@dataclass(frozen=True)
class LogitNormal(Distribution):
    """A fraction in (0, 1) whose log-odds are normal: ``median`` and log-odds ``sigma``.

    Not written in scenarios; the default spread of a fraction given as a point.
    """

    kind: ClassVar[str] = "logitnormal"
    median: float
    sigma: float

    def __post_init__(self):
        if not 0 < self.median < 1:
            raise DistributionError(f"'median' must be in (0, 1), found {self.median:g}", "median")
        if not self.sigma > 0:
            raise DistributionError("the spread must be > 0", "sigma")

    def ppf(self, q):
        from scipy import special

        odds = math.log(self.median / (1.0 - self.median))
        return special.expit(odds + self.sigma * special.ndtri(np.asarray(q, dtype=float)))

    def expected(self) -> float:
        """The mean, by the midpoint rule over 10,000 equal-probability slices."""
        return self._cached("_expected", lambda: float(self.ppf(_MIDPOINTS).mean()))


_MIDPOINTS = (np.arange(10_000) + 0.5) / 10_000


@dataclass(frozen=True)
class Choice(Distribution):
    """Discrete choice among ``values`` with ``weights`` (equal when omitted)."""

    kind: ClassVar[str] = "choice"
    values: tuple[float, ...]
    weights: tuple[float, ...]

    def __post_init__(self):
        if not self.values:
            raise DistributionError("'values' must not be empty", "values")
        if len(self.weights) != len(self.values):
            raise DistributionError(
                f"'weights' needs {len(self.values)} entries, one per value, "
                f"found {len(self.weights)}",
                "weights",
            )
        if any(w < 0 for w in self.weights) or sum(self.weights) <= 0:
            raise DistributionError("'weights' must be >= 0 with a positive sum", "weights")

    def frozen(self):
        order = np.argsort(self.values, kind="stable")
        values = np.asarray(self.values, dtype=float)[order]
        return _DiscreteChoice(values, [self.weights[i] for i in order])


class _DiscreteChoice:
    """The few methods of a frozen scipy distribution that a choice needs.

    The step CDF is summed in exact decimal arithmetic (weights as written), so a step
    that is exactly a probability (0.7 + 0.1 = 0.8) is that probability, however the
    weights are scaled.
    """

    def __init__(self, values: np.ndarray, weights: list[float]):
        self.values = values
        exact = [Fraction(repr(float(w))) for w in weights]
        total = sum(exact)
        self.probabilities = np.array([float(w / total) for w in exact])
        self.cdf_steps = np.array([float(c / total) for c in itertools.accumulate(exact)])

    def mean(self):
        return float(self.probabilities @ self.values)

    def ppf(self, q):
        index = np.searchsorted(self.cdf_steps, np.asarray(q), side="left")
        return self.values[np.minimum(index, len(self.values) - 1)]

    def median(self):
        return float(self.ppf(0.5))

    def support(self):
        return float(self.values[0]), float(self.values[-1])


def _ordered(*named: tuple[str, float], strict: bool = False) -> None:
    for (name_a, a), (name_b, b) in itertools.pairwise(named):
        if a > b or (strict and a == b):
            relation = "<" if strict else "<="
            raise DistributionError(
                out_of_order((name_a, relation, name_b), f"{a:g}", f"{b:g}"),
                name_b,
                (name_a, relation, name_b),
            )


def out_of_order(order: tuple[str, str, str], first: str, second: str) -> str:
    """The message of two parameters out of order: ``order`` is (first name, relation,
    second name), ``first`` and ``second`` their values as shown."""
    name_a, relation, name_b = order
    return f"'{name_a}' must be {relation} '{name_b}', found {first} and {second}"


#: The parameter names each ``dist:`` kind takes, the quantity-valued ones first.
DISTRIBUTION_KEYS: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "uniform": (("low", "high"), ()),
    "triangular": (("low", "mode", "high"), ()),
    "pert": (("low", "mode", "high"), ("lamb",)),
    "normal": (("mean", "sd"), ()),
    "lognormal": (("median", "p90", "p5", "p95"), ("sigma",)),
    "choice": (("values",), ("weights",)),
}
