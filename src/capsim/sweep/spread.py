"""Default spreads: what a value written as a point with a confidence means in Monte Carlo.

A point value marked ``confidence: H``, ``M`` or ``L`` is a best guess, not a certainty.
Unless the scenario says ``points_as_given: true`` (or the command line
``--points-as-given``), Monte Carlo draws it from a distribution whose median is the
point and whose spread depends on the confidence and on the kind of quantity:

===========  =============================================  =========================
kind         which parameters                               distribution
===========  =============================================  =========================
capacity     rates over time (``/month``, ``/year``,        lognormal
             ``/week``) outside programmes
demand       a programme's ``volume`` (its order rate)      lognormal
fraction     a dimensionless value strictly between 0 and   logit-normal (log-odds)
             1 (shares, yields)
duration     months                                         lognormal
power        watts (power per package, capacity of a hall)  lognormal
other        bills of materials, areas, prices, compute,    kept as given
             H100e, counts, dimensionless values >= 1
===========  =============================================  =========================

The log-scale (or log-odds) standard deviation is ``SCALE * CONFIDENCE_SIGMA[c] *
KIND_FACTOR[k]``. The ratios between confidences and between kinds are judgement (H
about a quarter of M, M about 40 % of L; demand the least certain, power per package
the most); ``SCALE`` is FITTED: the value of ``SCALE_CANDIDATES`` whose rolling-origin
backtest of NVIDIA's packages (``validation/backtest.py --fit``; scenario
hindcast-2023.yaml, data/epoch/nvidia_quarterly_shipments_2022_2024.csv, Epoch AI)
gives the model's forecasts the lowest mean CRPS. That fit gives 0: on this backtest
every positive scale made the forecasts worse, so by default points stay as given
(docs/validation.md §6 says why). A scenario's ``point_spread_scale`` (or ``--set
point_spread_scale=1``) applies the table at another scale. Values of 0 and values
outside a kind's domain keep their point.
"""

from __future__ import annotations

from capsim.scenario.distributions import Distribution, LogitNormal, LogNormal
from capsim.scenario.params import Param

#: Log-scale sd per confidence before scaling [1].
CONFIDENCE_SIGMA = {"H": 0.03, "M": 0.08, "L": 0.20}
#: Multiplier per kind of quantity [1]; 0 keeps the point.
KIND_FACTOR = {
    "capacity": 1.0,
    "demand": 1.5,
    "fraction": 1.0,
    "duration": 1.0,
    "power": 0.5,
    "other": 0.0,
}
#: Candidates of the overall scale tried by the fit [1].
SCALE_CANDIDATES = (0.0, 0.5, 1.0, 2.0)
#: The fitted overall scale [1]. Fit: validation/backtest.py --fit --samples 60,
#: 2026-11-30, hindcast-2023.yaml against Epoch AI's NVIDIA shipments 2022-2024: mean
#: CRPS of the model's forecasts 334k, 349k, 351k, 355k packages per quarter at scales
#: 0, 0.5, 1, 2 (80 % coverage 11, 7, 7, 4 %); with the discrepancy term 238k, 249k,
#: 251k, 254k (coverage 70 % at each); docs/validation.md §6.
SCALE = 0.0

_RATES = ("/month", "/year", "/week")


def quantity_kind(path: str, param: Param) -> str:
    """The kind of quantity of the parameter at key ``path`` (see the module table)."""
    if path.startswith("programmes.") and ".volume" in path:
        return "demand"
    if path.endswith(".h100e"):
        return "other"
    if param.unit.endswith(_RATES):
        return "capacity"
    if param.unit == "month":
        return "duration"
    if param.unit == "W":
        return "power"
    if param.unit == "" and 0.0 < param.central < 1.0:
        return "fraction"
    return "other"


def spread_sigma(path: str, param: Param, scale: float = SCALE) -> float:
    """The default spread of the point ``param`` [log scale or log-odds; 0: none]."""
    if param.is_uncertain or param.confidence is None:
        return 0.0
    return scale * CONFIDENCE_SIGMA[param.confidence] * KIND_FACTOR[quantity_kind(path, param)]


def default_spread(path: str, param: Param, scale: float = SCALE) -> Distribution | None:
    """The distribution Monte Carlo draws the point ``param`` from, or None (kept)."""
    sigma = spread_sigma(path, param, scale)
    if sigma <= 0.0 or param.value <= 0.0:
        return None
    if quantity_kind(path, param) == "fraction":
        return LogitNormal(param.value, sigma)
    return LogNormal(param.value, sigma)
