"""Sensitivity of any model's output to its uncertain inputs: tornado, Morris, Sobol'.

The module knows nothing of scenarios or SimPy. A :class:`Problem` names the inputs
and maps uniforms in (0, 1) to input values; a :data:`Model` maps a batch of input
rows to one output per row, or to ``k`` outputs per row (say, one per month). Morris
and Sobol' sample the unit hypercube with SALib and push the points through
``problem.ppf``, so every input enters on its own probability scale. Each function
calls the model once, on all of its rows, and returns an ``xarray.Dataset`` whose
attrs echo the method, sample sizes, seed and confidence level.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import numpy as np
import xarray as xr
from SALib.analyze import morris as morris_analyze
from SALib.analyze import sobol as sobol_analyze
from SALib.sample import morris as morris_sample
from SALib.sample import sobol as sobol_sample

Model = Callable[[np.ndarray], np.ndarray]
Method = Literal["tornado", "morris", "sobol"]
Seed = int | np.random.Generator | None

_TRAJECTORIES = 10
_SOBOL_N = 256
_EPS = 1e-12  # Sobol' and Morris points can be exactly 0 or 1; ppf needs (0, 1).


# eq=False: the generated __eq__/__hash__ would compare and hash the numpy array.
@dataclass(frozen=True, eq=False)
class Problem:
    """The uncertain inputs of a model.

    Parameters
    ----------
    names : list of str
        One name per input (for example a scenario key path).
    ppf : callable
        Maps uniforms ``U`` of shape (n, d), in (0, 1), to input values ``X`` of
        shape (n, d), in the inputs' own units. Morris and Sobol' assume independent
        inputs, so apply each input's marginal quantile function column by column.
    central : numpy.ndarray
        Shape (d,): the central value (median) of each input, in its own units; the
        base point of the one-at-a-time tornado.
    groups : list of str, optional
        A group label per input; Morris and Sobol' then report one index per group.
    """

    names: list[str]
    ppf: Callable[[np.ndarray], np.ndarray]
    central: np.ndarray
    groups: list[str] | None = None

    def __post_init__(self) -> None:
        central = np.asarray(self.central, dtype=float)
        object.__setattr__(self, "central", central)
        d = len(self.names)
        if len(set(self.names)) != d:
            raise ValueError('"names" must be unique.')
        if central.shape != (d,):
            raise ValueError(f'"central" must have shape ({d},), got {central.shape}.')
        if self.groups is not None and len(self.groups) != d:
            raise ValueError(f'"groups" must have {d} labels, got {len(self.groups)}.')

    def inputs(self, u: np.ndarray) -> np.ndarray:
        """Input values (n, d) for uniforms ``u`` (n, d), clipped into (0, 1) first."""
        u = np.clip(u, _EPS, 1.0 - _EPS)
        x = np.asarray(self.ppf(u), dtype=float)
        if x.shape != u.shape:
            raise ValueError(f"ppf must return shape {u.shape}, got {x.shape}.")
        return x

    def salib(self) -> dict:
        """The SALib problem dict on the unit hypercube."""
        d = len(self.names)
        spec = {"num_vars": d, "names": list(self.names), "bounds": [[0.0, 1.0]] * d}
        if self.groups is not None:
            spec["groups"] = list(self.groups)
        return spec


def _rng(seed: Seed) -> np.random.Generator:
    """The one way to turn ``seed`` into a generator (a Generator is used as given)."""
    return np.random.default_rng(seed)


def _seed_attr(seed: Seed) -> int | str:
    if seed is None:
        return "none"
    return "generator" if isinstance(seed, np.random.Generator) else int(seed)


def _run(model: Model, x: np.ndarray) -> np.ndarray:
    """One batch call of ``model``, checked: shape (n,) or (n, k), all finite."""
    y = np.asarray(model(x), dtype=float)
    if y.ndim not in (1, 2) or y.shape[0] != x.shape[0]:
        raise ValueError(
            f"model must return shape ({x.shape[0]},) or ({x.shape[0]}, k), got {y.shape}."
        )
    if not np.all(np.isfinite(y)):
        raise ValueError(f"model returned {np.count_nonzero(~np.isfinite(y))} non-finite outputs.")
    return y


def _check_power_of_two(n: int) -> None:
    if n < 2 or n & (n - 1):
        below = 1 << max(int(n).bit_length() - 1, 1)
        raise ValueError(
            f"Sobol' n must be a power of two >= 2 (SALib's sample-size rule "
            f"for a balanced Sobol' sequence), got {n}; try {below} or {2 * below}."
        )


def _labels(problem: Problem) -> tuple[str, list[str]]:
    if problem.groups is None:
        return "input", list(problem.names)
    return "group", list(dict.fromkeys(problem.groups))


def _per_output(y: np.ndarray, size: int, keys: tuple[str, ...], analyze) -> dict:
    """``analyze(column)`` on each output column, stacked to (size, k) or (size,).

    A column for which ``analyze`` returns None keeps NaN indices.
    """
    columns = y[:, None] if y.ndim == 1 else y
    out = {key: np.full((size, columns.shape[1]), np.nan) for key in keys}
    for j in range(columns.shape[1]):
        result = analyze(columns[:, j])
        for key in keys if result is not None else ():
            out[key][:, j] = np.ma.filled(np.ma.asarray(result[key], dtype=float), np.nan)
    return out if y.ndim == 2 else {key: value[:, 0] for key, value in out.items()}


def _dataset(data: dict, dim: str, labels: list[str], attrs: dict) -> xr.Dataset:
    """Variables along ``dim`` (and ``output``, numbered from 0, for series outputs)."""
    coords = {dim: labels}
    if next(iter(data.values())).ndim == 2:
        coords["output"] = np.arange(next(iter(data.values())).shape[1])
    dims = tuple(coords)
    return xr.Dataset({name: (dims, value) for name, value in data.items()}, coords, attrs)


def _with_members(ds: xr.Dataset, problem: Problem) -> xr.Dataset:
    """A grouped result's ``group_size`` (inputs per group) and ``members`` (their names,
    comma-separated) along ``group``; an ungrouped result as it is."""
    if problem.groups is None:
        return ds
    labels = list(ds["group"].values)
    members = [[n for n, g in zip(problem.names, problem.groups, strict=True) if g == label]
               for label in labels]  # fmt: skip
    return ds.assign_coords(
        group_size=("group", [len(m) for m in members]),
        members=("group", [", ".join(m) for m in members]),
    )


def evaluations(method: Method, d: int, **kw: int) -> int:
    """Model runs a method needs for ``d`` inputs (or groups, for grouped Morris/Sobol').

    Tornado needs ``2d + 1``; Morris ``trajectories * (d + 1)``; Sobol' (first and
    total order) ``n * (d + 2)``. ``kw`` takes ``trajectories`` or ``n`` as in the
    methods themselves; any other key is an error.
    """
    defaults = {"tornado": {}, "morris": {"trajectories": _TRAJECTORIES}, "sobol": {"n": _SOBOL_N}}
    if method not in defaults:
        raise ValueError(f"method must be one of {sorted(defaults)}, got {method!r}.")
    unknown = set(kw) - set(defaults[method])
    if unknown:
        raise TypeError(f"{method} takes no {sorted(unknown)}.")
    size = {**defaults[method], **kw}
    if method == "tornado":
        return 2 * d + 1
    if method == "morris":
        return size["trajectories"] * (d + 1)
    _check_power_of_two(size["n"])
    return size["n"] * (d + 2)


def tornado(problem: Problem, model: Model, low: float = 0.10, high: float = 0.90) -> xr.Dataset:
    """One-at-a-time swings from the central point, largest first.

    Each input in turn is set to its ``low`` and ``high`` quantiles while the others
    stay central: ``2d + 1`` runs in one call of ``model``, which must return one
    output per row. Groups are ignored.

    Returns
    -------
    xarray.Dataset
        Along ``input``: ``low_value`` and ``high_value`` (input units),
        ``output_low``, ``output_high``, ``swing = |output_high - output_low|`` and
        ``base`` (the output at ``central``), all in output units; sorted by
        ``swing`` descending.
    """
    if not 0.0 < low < high < 1.0:
        raise ValueError(f'need 0 < "low" < "high" < 1, got low={low}, high={high}.')
    d = len(problem.names)
    low_value = problem.inputs(np.full((1, d), low))[0]
    high_value = problem.inputs(np.full((1, d), high))[0]
    x = np.tile(problem.central, (2 * d + 1, 1))
    x[1 + np.arange(d), np.arange(d)] = low_value
    x[1 + d + np.arange(d), np.arange(d)] = high_value
    y = _run(model, x)
    if y.ndim != 1:
        raise ValueError(
            f"tornado needs one output per run, got shape {y.shape}; "
            "select one output (for example one month) in the model."
        )
    output_low, output_high = y[1 : d + 1], y[d + 1 :]
    swing = np.abs(output_high - output_low)
    data = {"low_value": low_value, "high_value": high_value, "output_low": output_low}
    data |= {"output_high": output_high, "swing": swing, "base": np.full(d, y[0])}
    attrs = {"method": "tornado", "low_quantile": low, "high_quantile": high}
    attrs["evaluations"] = 2 * d + 1
    ds = _dataset(data, "input", list(problem.names), attrs)
    return ds.isel(input=np.argsort(-swing, kind="stable"))


def morris(
    problem: Problem,
    model: Model,
    trajectories: int = _TRAJECTORIES,
    levels: int = 4,
    seed: Seed = None,
    *,
    bootstrap: int = 200,
    confidence: float = 0.95,
) -> xr.Dataset:
    """Morris elementary-effects screening on the inputs' probability scale.

    ``trajectories * (d + 1)`` runs (``d`` groups when grouped) on a ``levels``-grid
    of the unit hypercube. An effect is the output change per unit change of an
    input's quantile, so effects compare across inputs whatever their units. The grid's
    levels are the quantiles at the centres of ``levels`` equally likely bins (for 4:
    0.125, 0.375, 0.625, 0.875), not 0 and 1: an input with an unbounded distribution
    would otherwise be set to its 1e-12 and 1 - 1e-12 quantiles (a grid wait of years).

    Returns
    -------
    xarray.Dataset
        Along ``input`` (or ``group``), plus ``output`` if the model returns several
        outputs: ``mu``, ``mu_star`` (mean absolute effect), ``sigma`` (NaN for
        groups of more than one input) and ``mu_star_conf`` (bootstrap half-width at
        ``confidence``), in output units per unit of quantile.
    """
    if trajectories < 2:
        raise ValueError(f'"trajectories" must be >= 2, got {trajectories}.')
    rng = _rng(seed)
    spec = problem.salib()
    u = morris_sample.sample(spec, trajectories, num_levels=levels, seed=rng)
    y = _run(model, problem.inputs((u * (levels - 1) + 0.5) / levels))
    boot_seed = int(rng.integers(2**63))
    dim, labels = _labels(problem)
    # SALib divides by the grid's step; a step in quantile is (levels - 1) / levels of it
    per_quantile = levels / (levels - 1)

    def analyze(column: np.ndarray):
        found = morris_analyze.analyze(
            spec, u, column, num_resamples=bootstrap, conf_level=confidence,
            num_levels=levels, seed=np.random.default_rng(boot_seed),
        )  # fmt: skip
        for name in ("mu", "mu_star", "sigma", "mu_star_conf"):
            found[name] = found[name] * per_quantile
        return found

    data = _per_output(y, len(labels), ("mu", "mu_star", "sigma", "mu_star_conf"), analyze)
    attrs = {"method": "morris", "trajectories": trajectories, "levels": levels}
    attrs |= {"evaluations": len(u), "bootstrap": bootstrap, "confidence": confidence}
    attrs["seed"] = _seed_attr(seed)
    return _with_members(_dataset(data, dim, labels, attrs), problem)


def sobol(
    problem: Problem,
    model: Model,
    n: int = _SOBOL_N,
    seed: Seed = None,
    *,
    bootstrap: int = 200,
    confidence: float = 0.95,
) -> xr.Dataset:
    """First-order and total Sobol' indices from Saltelli's sampling scheme.

    ``n * (d + 2)`` runs (``d`` groups when grouped) of a scrambled Sobol'
    sequence; ``n`` must be a power of two. If the model returns ``k`` outputs per
    run (a monthly series), the indices are computed per output from the same runs,
    with the same bootstrap resamples for every output. An output whose base samples
    do not vary has undefined indices, reported as NaN.

    Returns
    -------
    xarray.Dataset
        Along ``input`` (or ``group``), plus ``output`` for several outputs:
        ``S1``, ``ST`` (dimensionless shares of output variance) and their bootstrap
        half-widths ``S1_conf``, ``ST_conf`` at ``confidence``. For a group, ``S1`` is
        the closed index of its inputs together and ``ST`` their total index; grouped
        results carry ``group_size`` and ``members`` along ``group``.
    """
    _check_power_of_two(n)
    if bootstrap < 2:
        raise ValueError(f'"bootstrap" must be >= 2, got {bootstrap}.')
    rng = _rng(seed)
    spec = problem.salib()
    u = sobol_sample.sample(spec, n, calc_second_order=False, scramble=True, seed=rng)
    y = _run(model, problem.inputs(u))
    boot_seed = int(rng.integers(2**63))
    dim, labels = _labels(problem)
    step = len(labels) + 2  # rows per base point: A, one AB per input or group, B

    def analyze(column: np.ndarray):
        base = np.r_[column[0::step], column[step - 1 :: step]]  # the A and B rows
        if np.ptp(base) <= np.finfo(float).eps * column.std():
            return None  # zero variance: the indices' denominator vanishes
        # A fresh Generator per output gives every output the same resamples, and a
        # Generator (always truthy) avoids SALib's `if seed:`, which sends seed 0 to
        # numpy's global state.
        return sobol_analyze.analyze(
            spec, column, calc_second_order=False, num_resamples=bootstrap,
            conf_level=confidence, seed=np.random.default_rng(boot_seed),
        )  # fmt: skip

    data = _per_output(y, len(labels), ("S1", "S1_conf", "ST", "ST_conf"), analyze)
    attrs = {"method": "sobol", "n": n, "evaluations": len(u), "bootstrap": bootstrap}
    attrs |= {"confidence": confidence, "seed": _seed_attr(seed)}
    attrs["sampler"] = "SALib.sample.sobol: Saltelli scheme, scrambled, first and total order"
    return _with_members(_dataset(data, dim, labels, attrs), problem)
