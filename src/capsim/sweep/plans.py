"""Plans: which inputs each sample of a study gets, computed from its index alone.

Every plan gives the input values of samples ``start..stop`` without generating the
others, so a study can be cut into chunks, run on any number of workers, stopped and
resumed, and always give the same numbers.

- :class:`MonteCarloPlan` draws every uncertain input. With ``design="random"`` each
  sample's draw of an input is a function of the seed, the sample's index and the
  input's name (:func:`named_uniforms`), so scenarios that share inputs share their
  draws (common random numbers); ``"lhs"`` and ``"sobol"`` use ``scipy.stats.qmc``
  designs generated from the seed.
- :class:`SweepPlan` sets chosen inputs over a grid or design of points, each point
  with ``replicates`` Monte Carlo draws of the other uncertain inputs; replicate ``r``
  uses the same stream at every point (common random numbers).
- :class:`ArrayPlan` runs given input values (for sensitivity designs).
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass, field
from typing import Literal

import numpy as np
from scipy.stats import qmc

from capsim.sweep.space import UncertainSpace

Design = Literal["random", "lhs", "sobol", "grid"]


#: Streams of a study's root seed: sample draws, and the points of a random sweep.
SAMPLES, SWEEP_POINTS = 0, 1


def uniforms(seed: int, index: int, dimensions: int, stream: int = SAMPLES) -> np.ndarray:
    """Sample ``index``'s uniform draws from the study's root ``seed``.

    ``stream`` keeps apart draws made for different purposes from one seed: sample
    ``index`` of ``SAMPLES`` uses ``SeedSequence(seed, spawn_key=(index,))``, other
    streams ``spawn_key=(index, stream)``.
    """
    key = (index,) if stream == SAMPLES else (index, stream)
    generator = np.random.default_rng(np.random.SeedSequence(seed, spawn_key=key))
    return generator.random(dimensions)


def named_uniforms(seed: int, index: int, names: list[str]) -> np.ndarray:
    """Sample ``index``'s uniform draw of each input in ``names``, from the study's root
    ``seed``: each a function of (seed, index, name) alone, so two scenarios sharing an
    input draw the same value for it in each sample (common random numbers), whatever
    else either of them has.

    The draw is the first 53 bits of the BLAKE2b hash of ``seed/index/name``, in [0, 1).
    """
    draws = np.empty(len(names))
    prefix = f"{seed}/{index}/".encode()
    for column, name in enumerate(names):
        digest = hashlib.blake2b(prefix + name.encode(), digest_size=8).digest()
        draws[column] = (int.from_bytes(digest, "little") >> 11) * _TWO_TO_MINUS_53
    return draws


_TWO_TO_MINUS_53 = 2.0**-53


def design_uniforms(
    design: Design, count: int, dimensions: int, seed: int, stream: int = SAMPLES
) -> np.ndarray:
    """``count`` points of a space-filling design in the unit cube (count x dimensions);
    the random design draws them from ``stream`` (see :func:`uniforms`)."""
    if dimensions == 0:
        return np.empty((count, 0))
    if design == "lhs":
        return qmc.LatinHypercube(d=dimensions, seed=seed).random(count)
    if design == "sobol":
        sampler = qmc.Sobol(d=dimensions, scramble=True, seed=seed)
        return sampler.random_base2(int(np.ceil(np.log2(max(count, 1)))))[:count]
    rows = [uniforms(seed, index, dimensions, stream) for index in range(count)]
    return np.array(rows).reshape(count, dimensions)


@dataclass
class MonteCarloPlan:
    """``samples`` draws of every uncertain input of ``space``."""

    space: UncertainSpace
    samples: int
    seed: int
    design: Design = "random"
    _matrix: np.ndarray | None = field(default=None, repr=False)

    @property
    def names(self) -> list[str]:
        return self.space.names

    @property
    def size(self) -> int:
        return self.samples

    def rows(self, start: int, stop: int) -> np.ndarray:
        d = len(self.space)
        if self.design == "random":
            names = self.space.names
            u = np.array([named_uniforms(self.seed, i, names) for i in range(start, stop)])
            u = u.reshape(stop - start, d)
        else:
            if self._matrix is None:
                self._matrix = design_uniforms(self.design, self.samples, d, self.seed)
            u = self._matrix[start:stop]
        return self.space.values(u)


@dataclass(frozen=True)
class Vary:
    """One swept dimension, ``low`` to ``high`` in ``points`` grid steps.

    It sets the parameters ``targets`` to its value (in their canonical unit), or with
    ``relative`` multiplies each target's base value (central, or the replicate's draw)
    by it, e.g. every point of every HBM vendor's capacity by 0.7 to 1.3.
    """

    label: str
    targets: tuple[str, ...]
    low: float
    high: float
    points: int = 5
    relative: bool = False


@dataclass
class SweepPlan:
    """Points over the varied inputs, each with ``replicates`` draws of the rest."""

    space: UncertainSpace
    varies: list[Vary]
    design: Design
    points: int
    replicates: int
    seed: int
    central: dict[str, float]
    point_values: np.ndarray = field(init=False, repr=False)

    def __post_init__(self):
        if self.design == "grid":
            axes = [np.linspace(v.low, v.high, v.points) for v in self.varies]
            mesh = np.meshgrid(*axes, indexing="ij")
            self.point_values = np.column_stack([m.ravel() for m in mesh])
            self.points = len(self.point_values)
        else:
            u = design_uniforms(self.design, self.points, len(self.varies), self.seed, SWEEP_POINTS)
            low = np.array([v.low for v in self.varies])
            high = np.array([v.high for v in self.varies])
            self.point_values = low + u * (high - low)

    @property
    def targets(self) -> list[str]:
        return [t for v in self.varies for t in v.targets]

    @property
    def names(self) -> list[str]:
        varied = set(self.targets)
        return [*(n for n in self.space.names if n not in varied), *self.targets]

    @property
    def size(self) -> int:
        return self.points * self.replicates

    def rows(self, start: int, stop: int) -> np.ndarray:
        varied = set(self.targets)
        position = {name: i for i, name in enumerate(self.space.names)}
        keep = [i for i, n in enumerate(self.space.names) if n not in varied]
        d = len(self.space)
        out = []
        for index in range(start, stop):
            point, replicate = divmod(index, self.replicates)
            if self.replicates > 1:
                u = named_uniforms(self.seed, replicate, self.space.names)
            else:
                u = np.full(d, 0.5)
            sampled = self.space.values(u[None, :])[0]
            row = list(sampled[keep])
            for vary, value in zip(self.varies, self.point_values[point], strict=True):
                for target in vary.targets:
                    base = sampled[position[target]] if target in position else self.central[target]
                    row.append(base * value if vary.relative else value)
            out.append(row)
        return np.array(out, dtype=float).reshape(stop - start, len(self.names))


@dataclass
class ArrayPlan:
    """Given input values (samples x inputs) for ``names``."""

    names: list[str]
    values: np.ndarray

    @property
    def size(self) -> int:
        return len(self.values)

    def rows(self, start: int, stop: int) -> np.ndarray:
        return self.values[start:stop]
