"""Dies per wafer and die yield: pure functions over scalars or NumPy arrays.

All arguments broadcast against each other (scalars in, NumPy scalars out). Areas
are in mm² and lengths in mm, as die sizes are quoted; defect densities are per cm²,
as fabs quote them.
"""

from __future__ import annotations

from typing import Literal, get_args

import numpy as np
from numpy.typing import ArrayLike, NDArray

DieYieldModel = Literal["poisson", "murphy", "negative_binomial"]

_MM2_PER_CM2 = 100.0


def gross_dies_per_wafer(
    die_area_mm2: ArrayLike,
    wafer_diameter_mm: ArrayLike = 300.0,
    edge_exclusion_mm: ArrayLike = 0.0,
) -> NDArray[np.float64]:
    """Candidate dies on a round wafer, by the standard approximation.

    ``π·r²/A - π·d/√(2·A)`` with ``d`` the usable diameter
    (``wafer_diameter_mm - 2·edge_exclusion_mm``) and ``r = d/2``: the wafer area
    over the die area, less the partial dies lost around the edge.

    Parameters
    ----------
    die_area_mm2 : array_like
        Die area [mm²], > 0.
    wafer_diameter_mm : array_like, default 300.0
        Wafer diameter [mm].
    edge_exclusion_mm : array_like, default 0.0
        Unusable ring at the wafer edge [mm].

    Returns
    -------
    numpy.ndarray of float
        Gross dies per wafer [die/wafer], floored at 0 but **not** rounded to an
        integer: the value is an average used in rates, not a count of one wafer.
    """
    area = np.asarray(die_area_mm2, dtype=float)
    if np.any(~(area > 0)):
        raise ValueError('"die_area_mm2" must be > 0.')
    d = np.asarray(wafer_diameter_mm, dtype=float) - 2.0 * np.asarray(edge_exclusion_mm)
    dies = np.pi * (d / 2.0) ** 2 / area - np.pi * d / np.sqrt(2.0 * area)
    return np.maximum(dies, 0.0)


def die_yield(
    die_area_mm2: ArrayLike,
    defect_density_per_cm2: ArrayLike,
    *,
    model: DieYieldModel = "poisson",
    cluster_alpha: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Fraction of dies free of killer defects.

    With ``x = A·D0`` (area in cm² times defects per cm²):

    - ``"poisson"``: ``exp(-x)``;
    - ``"murphy"``: ``((1 - exp(-x)) / x)²`` (1 at ``x = 0``);
    - ``"negative_binomial"``: ``(1 + x/alpha)^(-alpha)``, defects clustered with
      ``alpha = cluster_alpha`` (alpha -> inf gives Poisson; alpha = 1 is Seeds').

    Parameters
    ----------
    die_area_mm2 : array_like
        Die area [mm²], > 0.
    defect_density_per_cm2 : array_like
        Killer defect density D0 [1/cm²], >= 0.
    model : {"poisson", "murphy", "negative_binomial"}, default "poisson"
        Yield model.
    cluster_alpha : array_like, optional
        Clustering parameter alpha [dimensionless], > 0; required by, and only
        accepted for, ``"negative_binomial"``.

    Returns
    -------
    numpy.ndarray of float
        Die yield [fraction, 0-1].
    """
    if model not in get_args(DieYieldModel):
        raise ValueError(f'"model" must be one of {get_args(DieYieldModel)}, got {model!r}.')
    area = np.asarray(die_area_mm2, dtype=float)
    d0 = np.asarray(defect_density_per_cm2, dtype=float)
    if np.any(~(area > 0)):
        raise ValueError('"die_area_mm2" must be > 0.')
    if np.any(~(d0 >= 0)):
        raise ValueError('"defect_density_per_cm2" must be >= 0.')
    if (cluster_alpha is None) != (model != "negative_binomial"):
        raise ValueError('"cluster_alpha" is required by, and only by, "negative_binomial".')
    x = area / _MM2_PER_CM2 * d0
    if model == "poisson":
        return np.exp(-x)
    if model == "murphy":
        positive = x > 0
        ratio = -np.expm1(-x) / np.where(positive, x, 1.0)
        return np.where(positive, ratio, 1.0) ** 2
    alpha = np.asarray(cluster_alpha, dtype=float)
    if np.any(~(alpha > 0)):
        raise ValueError('"cluster_alpha" must be > 0.')
    return (1.0 + x / alpha) ** -alpha


def good_dies_per_wafer(
    die_area_mm2: ArrayLike,
    defect_density_per_cm2: ArrayLike,
    wafer_diameter_mm: ArrayLike = 300.0,
    edge_exclusion_mm: ArrayLike = 0.0,
    *,
    model: DieYieldModel = "poisson",
    cluster_alpha: ArrayLike | None = None,
) -> NDArray[np.float64]:
    """Good dies per wafer [die/wafer]: gross dies times die yield.

    Parameters are those of :func:`gross_dies_per_wafer` and :func:`die_yield`;
    the result is a float average, not rounded.
    """
    gross = gross_dies_per_wafer(die_area_mm2, wafer_diameter_mm, edge_exclusion_mm)
    return gross * die_yield(
        die_area_mm2, defect_density_per_cm2, model=model, cluster_alpha=cluster_alpha
    )
