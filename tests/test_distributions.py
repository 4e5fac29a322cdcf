"""Uncertain values: every distribution kind's quantile function and median against
closed forms written out here (with the standard normal quantile from the Python
standard library, independent of scipy) or scipy.stats distributions built here from
the published parameterisation, and the parsing of scenario parameters into them."""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np
import pytest
from pydantic_core import PydanticCustomError
from scipy import integrate, stats

from capsim.scenario.distributions import (
    Choice,
    DistributionError,
    LogNormal,
    Normal,
    Pert,
    Triangular,
    Uniform,
)
from capsim.scenario.params import NON_NEGATIVE, parse_param

RTOL = 1e-9

#: Probabilities from deep in the lower tail to deep in the upper one.
INNER = [
    1e-12,
    1e-9,
    1e-6,
    1e-3,
    0.01,
    0.05,
    0.1,
    0.25,
    0.3,
    0.5,
    0.7,
    0.75,
    0.9,
    0.95,
    0.99,
    0.999,
    1 - 1e-6,
    1 - 1e-9,
]
#: ... and the end points, for distributions with finite support.
WITH_ENDS = [0.0, *INNER, 1.0]


def z(q: float) -> float:
    """Standard normal quantile (stdlib, Wichura's AS 241; not scipy)."""
    return NormalDist().inv_cdf(q)


def _ppf(distribution, qs) -> np.ndarray:
    return np.asarray(distribution.ppf(np.asarray(qs, dtype=float)), dtype=float)


# --- uniform ---------------------------------------------------------------------------


@pytest.mark.parametrize(("low", "high"), [(0.0, 1.0), (1800.0, 2400.0), (-3.0, 7.5)])
def test_uniform_quantiles_are_linear_between_the_bounds(low, high):
    """Reference: the uniform inverse CDF low + q (high - low)."""
    uniform = Uniform(low, high)
    expected = [low + q * (high - low) for q in WITH_ENDS]
    np.testing.assert_allclose(_ppf(uniform, WITH_ENDS), expected, rtol=RTOL, atol=1e-12)
    assert uniform.central() == pytest.approx((low + high) / 2, rel=RTOL)


# --- triangular ------------------------------------------------------------------------


def triangular_ppf(q: float, a: float, c: float, b: float) -> float:
    """Inverse of the triangular CDF on [a, b] with mode c, solved by hand:
    F(x) = (x-a)^2 / ((b-a)(c-a)) for x <= c, so x = a + sqrt(q (b-a)(c-a)) below
    F(c) = (c-a)/(b-a); F(x) = 1 - (b-x)^2 / ((b-a)(b-c)) above, so
    x = b - sqrt((1-q)(b-a)(b-c))."""
    if q <= (c - a) / (b - a):
        return a + math.sqrt(q * (b - a) * (c - a))
    return b - math.sqrt((1 - q) * (b - a) * (b - c))


def triangular_cdf(x: float, a: float, c: float, b: float) -> float:
    """The triangular CDF (Evans, Hastings & Peacock, Statistical Distributions)."""
    if x <= c:
        return 0.0 if c == a else (x - a) ** 2 / ((b - a) * (c - a))
    return 1.0 - (b - x) ** 2 / ((b - a) * (b - c))


TRIANGLES = [
    (2000.0, 4000.0, 5000.0),  # mode right of centre
    (0.0, 1.0, 10.0),  # mode left of centre
    (-1.0, 0.0, 1.0),  # symmetric
    (3.0, 3.0, 9.0),  # mode at the low end
    (3.0, 9.0, 9.0),  # mode at the high end
]


@pytest.mark.parametrize(("a", "c", "b"), TRIANGLES)
def test_triangular_quantiles_match_the_hand_inverse_cdf(a, c, b):
    """Reference: the hand-solved inverse CDF above, at every probability."""
    triangle = Triangular(a, c, b)
    expected = [triangular_ppf(q, a, c, b) for q in WITH_ENDS]
    np.testing.assert_allclose(_ppf(triangle, WITH_ENDS), expected, rtol=RTOL, atol=1e-12)


@pytest.mark.parametrize(("a", "c", "b"), TRIANGLES)
def test_triangular_quantiles_invert_the_cdf_and_match_scipy(a, c, b):
    """Reference: F(ppf(q)) = q with the textbook CDF, and scipy.stats.triang built here
    with shape c' = (mode - low) / (high - low), loc = low, scale = high - low."""
    triangle = Triangular(a, c, b)
    values = _ppf(triangle, INNER)
    back = [triangular_cdf(x, a, c, b) for x in values]
    np.testing.assert_allclose(back, INNER, rtol=1e-6, atol=1e-13)
    reference = stats.triang((c - a) / (b - a), loc=a, scale=b - a)
    middle = [q for q in INNER if 1e-6 <= q <= 1 - 1e-6]
    np.testing.assert_allclose(_ppf(triangle, middle), reference.ppf(middle), rtol=RTOL)


@pytest.mark.parametrize(("a", "c", "b"), TRIANGLES)
def test_triangular_central_is_the_closed_form_median(a, c, b):
    """Reference: median = a + sqrt((b-a)(c-a)/2) when c >= (a+b)/2,
    else b - sqrt((b-a)(b-c)/2)."""
    if c >= (a + b) / 2:
        median = a + math.sqrt((b - a) * (c - a) / 2)
    else:
        median = b - math.sqrt((b - a) * (b - c) / 2)
    assert Triangular(a, c, b).central() == pytest.approx(median, rel=RTOL, abs=1e-12)


def test_triangular_example_from_the_chain_builder():
    # Triangular(2000, 4000, 5000): F(mode) = 2000/3000 = 2/3 > 1/2, so the median is
    # on the rising side: 2000 + sqrt(0.5 * 3000 * 2000) = 2000 + sqrt(3e6) = 3732.0508.
    assert Triangular(2000.0, 4000.0, 5000.0).central() == pytest.approx(3732.0508076, rel=1e-9)


# --- PERT -------------------------------------------------------------------------------


def pert_reference(low: float, mode: float, high: float, lamb: float):
    """Beta-PERT from its published parameterisation (Vose, Risk Analysis, 3rd ed.):
    alpha = 1 + lamb (mode-low)/(high-low), beta = 1 + lamb (high-mode)/(high-low),
    a beta distribution stretched onto [low, high]."""
    width = high - low
    alpha = 1 + lamb * (mode - low) / width
    beta = 1 + lamb * (high - mode) / width
    return stats.beta(alpha, beta, loc=low, scale=width)


PERTS = [
    (10.0, 12.0, 20.0, 4.0),
    (10.0, 12.0, 20.0, 1.0),
    (10.0, 12.0, 20.0, 2.5),
    (10.0, 12.0, 20.0, 10.0),
    (0.0, 0.9, 1.0, 6.0),
    (-5.0, 0.0, 5.0, 3.0),
]


@pytest.mark.parametrize(("low", "mode", "high", "lamb"), PERTS)
def test_pert_quantiles_match_the_beta_built_from_the_published_formula(low, mode, high, lamb):
    """Reference: scipy.stats.beta with the Vose alpha/beta above, at every probability."""
    pert = Pert(low, mode, high, lamb)
    reference = pert_reference(low, mode, high, lamb)
    np.testing.assert_allclose(
        _ppf(pert, WITH_ENDS), reference.ppf(WITH_ENDS), rtol=RTOL, atol=1e-12
    )
    assert pert.central() == pytest.approx(float(reference.median()), rel=RTOL)


@pytest.mark.parametrize(("low", "mode", "high", "lamb"), PERTS)
def test_pert_mean_is_the_classic_weighted_average(low, mode, high, lamb):
    """Reference: the PERT mean (low + lamb*mode + high) / (lamb + 2), compared with the
    integral of the quantile function over (0, 1), which is the mean."""
    pert = Pert(low, mode, high, lamb)
    mean, _ = integrate.quad(lambda q: float(pert.ppf(q)), 0.0, 1.0, epsabs=1e-12)
    assert mean == pytest.approx((low + lamb * mode + high) / (lamb + 2), rel=1e-7, abs=1e-9)


@pytest.mark.parametrize("lamb", [0.5, 1.0, 4.0, 9.0])
def test_pert_with_the_mode_at_an_end_has_a_closed_form_quantile(lamb):
    """Reference: with mode = low, alpha = 1 and beta = 1 + lamb, so
    F(x) = 1 - (1 - t)^beta and ppf(q) = low + w (1 - (1-q)^(1/beta));
    with mode = high, F = t^alpha and ppf(q) = low + w q^(1/alpha), alpha = 1 + lamb."""
    low, high = 2.0, 7.0
    width = high - low
    at_low = Pert(low, low, high, lamb)
    expected = [low + width * (1 - (1 - q) ** (1 / (1 + lamb))) for q in WITH_ENDS]
    np.testing.assert_allclose(_ppf(at_low, WITH_ENDS), expected, rtol=RTOL)
    at_high = Pert(low, high, high, lamb)
    expected = [low + width * q ** (1 / (1 + lamb)) for q in WITH_ENDS]
    np.testing.assert_allclose(_ppf(at_high, WITH_ENDS), expected, rtol=RTOL)


@pytest.mark.parametrize("lamb", [0.5, 4.0, 20.0])
def test_symmetric_pert_has_its_mode_as_median(lamb):
    """Reference: alpha = beta when the mode is the midpoint, so the beta is symmetric
    and its median is the midpoint."""
    assert Pert(1.0, 3.0, 5.0, lamb).central() == pytest.approx(3.0, rel=1e-12)


def test_pert_rejects_a_non_positive_shape_and_unordered_points():
    with pytest.raises(DistributionError, match="'lamb' must be > 0"):
        Pert(0.0, 1.0, 2.0, 0.0)
    with pytest.raises(DistributionError, match="'mode' must be <= 'high'"):
        Pert(0.0, 3.0, 2.0)
    with pytest.raises(DistributionError, match="'low' must be < 'high'"):
        Triangular(1.0, 1.0, 1.0)


# --- normal -----------------------------------------------------------------------------


@pytest.mark.parametrize(("mean", "sd"), [(0.0, 1.0), (1e8, 5e6), (-3.0, 0.25)])
def test_normal_quantiles_are_mean_plus_sd_times_z(mean, sd):
    """Reference: mean + sd * z(q) with the stdlib normal quantile."""
    normal = Normal(mean, sd)
    expected = [mean + sd * z(q) for q in INNER]
    np.testing.assert_allclose(_ppf(normal, INNER), expected, rtol=RTOL, atol=1e-9 * sd)
    assert normal.central() == pytest.approx(mean, abs=1e-12 * sd)
    ends = _ppf(normal, [0.0, 1.0])
    assert ends[0] == -np.inf
    assert ends[1] == np.inf


# --- lognormal --------------------------------------------------------------------------


@pytest.mark.parametrize(("median", "sigma"), [(4.0, 0.5), (1.0, 1.0), (2.5e9, 0.1)])
def test_lognormal_by_median_and_sigma(median, sigma):
    """Reference: ppf(q) = exp(mu + sigma z(q)) with mu = ln(median)."""
    lognormal = LogNormal(median, sigma)
    expected = [math.exp(math.log(median) + sigma * z(q)) for q in INNER]
    np.testing.assert_allclose(_ppf(lognormal, INNER), expected, rtol=RTOL)
    assert lognormal.central() == pytest.approx(median, rel=1e-12)
    assert _ppf(lognormal, [0.0])[0] == 0.0


@pytest.mark.parametrize(("median", "p90"), [(4.0, 8.0), (12.0, 13.0), (1e9, 5e9)])
def test_lognormal_by_median_and_p90_gives_back_its_quantiles(median, p90):
    """Reference: sigma = ln(p90/median) / z(0.9), ppf(q) = median exp(sigma z(q)); the
    10th percentile is then median^2 / p90 by symmetry of log X about ln(median)."""
    lognormal = LogNormal.from_median_p90(median, p90)
    sigma = math.log(p90 / median) / z(0.9)
    assert lognormal.sigma == pytest.approx(sigma, rel=RTOL)
    # The scenario-format docs round the constant: sigma = ln(p90/median) / 1.2816.
    assert lognormal.sigma == pytest.approx(math.log(p90 / median) / 1.2816, rel=1e-4)
    assert float(lognormal.ppf(0.9)) == pytest.approx(p90, rel=RTOL)
    assert float(lognormal.ppf(0.1)) == pytest.approx(median**2 / p90, rel=RTOL)
    assert lognormal.central() == pytest.approx(median, rel=RTOL)
    expected = [median * math.exp(sigma * z(q)) for q in INNER]
    np.testing.assert_allclose(_ppf(lognormal, INNER), expected, rtol=RTOL)
    reference = stats.lognorm(sigma, scale=median)  # scipy's s = sigma, scale = e^mu
    np.testing.assert_allclose(_ppf(lognormal, INNER), reference.ppf(INNER), rtol=RTOL)


@pytest.mark.parametrize(("p5", "p95"), [(2.0, 18.0), (0.9, 1.1), (1e3, 1e6)])
def test_lognormal_by_p5_and_p95_gives_back_its_quantiles(p5, p95):
    """Reference: mu = (ln p5 + ln p95)/2 (median = sqrt(p5 p95)),
    sigma = ln(p95/p5) / (2 z(0.95))."""
    lognormal = LogNormal.from_interval(p5, p95)
    median = math.sqrt(p5 * p95)
    sigma = math.log(p95 / p5) / (2 * z(0.95))
    assert lognormal.sigma == pytest.approx(math.log(p95 / p5) / 3.2897, rel=1e-4)  # docs
    assert float(lognormal.ppf(0.05)) == pytest.approx(p5, rel=RTOL)
    assert float(lognormal.ppf(0.95)) == pytest.approx(p95, rel=RTOL)
    assert lognormal.central() == pytest.approx(median, rel=RTOL)
    expected = [median * math.exp(sigma * z(q)) for q in INNER]
    np.testing.assert_allclose(_ppf(lognormal, INNER), expected, rtol=RTOL)


def test_lognormal_constructors_reject_a_bad_spread():
    with pytest.raises(DistributionError, match="'p90' must be > 'median'"):
        LogNormal.from_median_p90(4.0, 4.0)
    with pytest.raises(DistributionError, match="'p95' must be > 'p5'"):
        LogNormal.from_interval(5.0, 2.0)
    with pytest.raises(DistributionError, match="'p5' must be > 0"):
        LogNormal.from_interval(0.0, 2.0)
    with pytest.raises(DistributionError, match="'median' must be > 0"):
        LogNormal(-1.0, 0.5)


# --- choice -----------------------------------------------------------------------------


def test_choice_with_equal_weights_steps_at_thirds():
    # Values sorted 1, 3, 5 with probability 1/3 each: F = 1/3 at 1, 2/3 at 3, 1 at 5;
    # ppf(q) = smallest value whose F >= q.
    choice = Choice((5.0, 1.0, 3.0), (1.0, 1.0, 1.0))
    qs = [1e-9, 0.1, 0.33, 0.34, 0.5, 0.66, 0.67, 0.9, 1 - 1e-9, 1.0]
    expected = [1, 1, 1, 3, 3, 3, 5, 5, 5, 5]
    np.testing.assert_array_equal(_ppf(choice, qs), expected)
    assert choice.central() == 3.0


def test_choice_with_weights_follows_the_weighted_step_cdf():
    # Values (30, 10, 20) with weights (5, 2, 3), total 10: sorted 10 (0.2), 20 (0.3),
    # 30 (0.5), so F = 0.2 at 10, 0.5 at 20, 1 at 30. F(20) = 0.5 exactly: median 20.
    choice = Choice((30.0, 10.0, 20.0), (5.0, 2.0, 3.0))
    qs = [1e-12, 0.1, 0.2, 0.2 + 1e-9, 0.35, 0.5, 0.5 + 1e-9, 0.75, 1.0]
    expected = [10, 10, 10, 20, 20, 20, 30, 30, 30]
    np.testing.assert_array_equal(_ppf(choice, qs), expected)
    assert choice.central() == 20.0


def test_choice_frequencies_on_a_fine_grid_are_the_weights():
    """Reference: the ppf of the midpoints of 10 000 equal strata of (0, 1) returns each
    value for a share of strata equal to its normalised weight (to 1/10 000)."""
    choice = Choice((1.0, 2.0, 3.0, 4.0), (0.5, 2.5, 1.0, 1.0))  # total 5
    grid = (np.arange(10_000) + 0.5) / 10_000
    values = _ppf(choice, grid)
    shares = [np.mean(values == v) for v in (1.0, 2.0, 3.0, 4.0)]
    np.testing.assert_allclose(shares, [0.1, 0.5, 0.2, 0.2], atol=1e-4)


def test_choice_never_returns_a_value_of_zero_weight():
    # Weights (1, 0, 1): F = 0.5 at 1, 0.5 at 2, 1 at 3; 2 has no mass, so every
    # q in (0, 1) maps to 1 (q <= 0.5) or 3 (q > 0.5).
    choice = Choice((1.0, 2.0, 3.0), (1.0, 0.0, 1.0))
    values = _ppf(choice, np.linspace(1e-9, 1 - 1e-9, 2001))
    assert set(np.unique(values)) == {1.0, 3.0}
    assert choice.central() == 1.0
    assert float(choice.ppf(0.5 + 1e-9)) == 3.0


def test_choice_quantiles_do_not_depend_on_how_weights_are_scaled():
    # Weights (0.1, 0.3, 0.4) are (1, 3, 4) / 10: F(10) = 1/8, F(20) = 4/8 = 1/2 exactly,
    # so the median (smallest value with F >= 1/2) is 20 for both.
    assert Choice((10.0, 20.0, 30.0), (1.0, 3.0, 4.0)).central() == 20.0
    assert Choice((10.0, 20.0, 30.0), (0.1, 0.3, 0.4)).central() == 20.0


def test_choice_rejects_bad_weights():
    with pytest.raises(DistributionError, match="needs 2 entries"):
        Choice((1.0, 2.0), (1.0,))
    with pytest.raises(DistributionError, match="positive sum"):
        Choice((1.0, 2.0), (0.0, 0.0))
    with pytest.raises(DistributionError, match="must not be empty"):
        Choice((), ())


# --- parsing scenario parameters --------------------------------------------------------


def test_a_bare_quantity_is_read_in_the_canonical_unit():
    # 2 kW = 2000 W; 1.5 years = 18 months (a month is 1/12 year).
    power = parse_param("2 kW", "W")
    assert power.value == pytest.approx(2000.0, rel=1e-12)
    assert not power.is_uncertain
    assert power.central == pytest.approx(2000.0, rel=1e-12)
    assert parse_param("1.5 years", "month").value == pytest.approx(18.0, rel=1e-12)
    sourced = parse_param({"value": "2 kW", "source": "assumption: test"}, "W")
    assert sourced.value == pytest.approx(2000.0, rel=1e-12)


def test_parsed_triangular_is_in_watts():
    """Reference: kW -> W by 1000, then the hand inverse CDF on [1600, 2000], mode 1800."""
    raw = {"dist": "triangular", "low": "1.6 kW", "mode": "1.8 kW", "high": "2 kW"}
    param = parse_param(raw, "W")
    assert param.is_uncertain
    assert isinstance(param.value, Triangular)
    expected = [triangular_ppf(q, 1600.0, 1800.0, 2000.0) for q in WITH_ENDS]
    np.testing.assert_allclose(_ppf(param.value, WITH_ENDS), expected, rtol=RTOL)
    assert param.central == pytest.approx(1800.0, rel=RTOL)  # symmetric: median = mode


def test_parsed_uniform_converts_years_to_months():
    # 1.5 years = 18 months, 3 yr = 36 months.
    param = parse_param({"dist": "uniform", "low": "1.5 years", "high": "3 yr"}, "month")
    expected = [18.0 + q * 18.0 for q in WITH_ENDS]
    np.testing.assert_allclose(_ppf(param.value, WITH_ENDS), expected, rtol=RTOL)
    assert param.central == pytest.approx(27.0, rel=RTOL)


@pytest.mark.parametrize(("lamb", "expected_lamb"), [(None, 4.0), (6, 6.0), (1.5, 1.5)])
def test_parsed_pert_converts_rates_and_defaults_lamb_to_four(lamb, expected_lamb):
    """Reference: 420 kwafer/year = 35 000 wafer/month (and so on), then the beta built
    from the published PERT formula with the given (or classic 4) lamb."""
    raw = {
        "dist": "pert",
        "low": "420 kwafer/year",
        "mode": "40 kwafer/month",
        "high": "60000 wafer/month",
    }
    if lamb is not None:
        raw["lamb"] = lamb
    param = parse_param(raw, "wafer/month")
    reference = pert_reference(35_000.0, 40_000.0, 60_000.0, expected_lamb)
    np.testing.assert_allclose(_ppf(param.value, WITH_ENDS), reference.ppf(WITH_ENDS), rtol=RTOL)


def test_parsed_normal_converts_megawatts():
    # 100 MW = 1e8 W, 5 MW = 5e6 W.
    param = parse_param({"dist": "normal", "mean": "100 MW", "sd": "5 MW"}, "W", NON_NEGATIVE)
    expected = [1e8 + 5e6 * z(q) for q in INNER]
    np.testing.assert_allclose(_ppf(param.value, INNER), expected, rtol=RTOL)
    assert param.central == pytest.approx(1e8, rel=1e-12)


def test_parsed_lognormal_by_median_and_p90():
    # median 1 year = 12 months, p90 2 years = 24 months: sigma = ln 2 / z(0.9).
    raw = {"dist": "lognormal", "median": "1 year", "p90": "2 years"}
    param = parse_param(raw, "month")
    assert float(param.value.ppf(0.9)) == pytest.approx(24.0, rel=RTOL)
    assert param.central == pytest.approx(12.0, rel=RTOL)
    sigma = math.log(2.0) / z(0.9)
    expected = [12.0 * math.exp(sigma * z(q)) for q in INNER]
    np.testing.assert_allclose(_ppf(param.value, INNER), expected, rtol=RTOL)


def test_parsed_lognormal_by_p5_and_p95():
    # p5 = 2 months, p95 = 78 weeks = 78 * 7 / (365.25 / 12) months = 17.9384 months;
    # median = sqrt(p5 * p95).
    p95 = 78 * 7 / (365.25 / 12)
    param = parse_param({"dist": "lognormal", "p5": "2 months", "p95": "78 weeks"}, "month")
    assert float(param.value.ppf(0.05)) == pytest.approx(2.0, rel=RTOL)
    assert float(param.value.ppf(0.95)) == pytest.approx(p95, rel=RTOL)
    assert param.central == pytest.approx(math.sqrt(2.0 * p95), rel=RTOL)


def test_parsed_lognormal_by_median_and_sigma():
    """Reference: 4 months * exp(0.5 z(q)); sigma is on the log scale, so unitless."""
    param = parse_param({"dist": "lognormal", "median": "4 months", "sigma": 0.5}, "month")
    expected = [4.0 * math.exp(0.5 * z(q)) for q in INNER]
    np.testing.assert_allclose(_ppf(param.value, INNER), expected, rtol=RTOL)


def test_parsed_choice_with_and_without_weights():
    # Values 1 kW, 1500 W, 2 kW -> 1000, 1500, 2000 W. Weights (1, 2, 1): F = 0.25, 0.75, 1.
    # Without weights: F = 1/3, 2/3, 1.
    weighted = parse_param(
        {"dist": "choice", "values": ["2 kW", "1 kW", "1500 W"], "weights": [1, 1, 2]}, "W"
    )
    qs = [0.1, 0.25, 0.26, 0.5, 0.75, 0.76, 0.99]
    np.testing.assert_array_equal(
        _ppf(weighted.value, qs), [1000, 1000, 1500, 1500, 1500, 2000, 2000]
    )
    assert weighted.central == 1500.0
    equal = parse_param({"dist": "choice", "values": ["1 kW", "1500 W", "2 kW"]}, "W")
    qs = [0.1, 0.3, 0.34, 0.6, 0.67, 0.99]
    np.testing.assert_array_equal(_ppf(equal.value, qs), [1000, 1000, 1500, 1500, 2000, 2000])


def test_normal_with_too_much_mass_below_zero_is_refused():
    # A non-negative field refuses a normal with P(X < 0) > 0.1 %:
    # mean 10, sd 3: Phi(-10/3) = 0.043 % (accepted); sd 3.5: Phi(-2.857) = 0.21 %.
    assert NormalDist().cdf(-10 / 3) < 1e-3 < NormalDist().cdf(-10 / 3.5)
    accepted = parse_param({"dist": "normal", "mean": "10 W", "sd": "3 W"}, "W", NON_NEGATIVE)
    assert accepted.central == pytest.approx(10.0)
    with pytest.raises(PydanticCustomError, match="outside the allowed range"):
        parse_param({"dist": "normal", "mean": "10 W", "sd": "3.5 W"}, "W", NON_NEGATIVE)


@pytest.mark.parametrize(
    ("raw", "message"),
    [
        ({"dist": "lognormal", "median": "4 months", "p5": "2 months"}, "a lognormal needs"),
        ({"dist": "triangular", "low": "3 months", "high": "5 months"}, "needs 'mode'"),
        ({"dist": "uniform", "low": "5 months", "high": "3 months"}, "'low' must be <"),
        ({"dist": "gamma", "shape": 2}, "expected a distribution"),
        (
            {"dist": "pert", "low": "1 month", "mode": "2 months", "high": "3 months", "lamb": "x"},
            "expected a number for 'lamb'",
        ),
        ({"dist": "uniform", "low": "1 W", "high": "2 W"}, "expected a duration"),
    ],
)
def test_bad_distributions_are_clear_errors(raw, message):
    with pytest.raises(PydanticCustomError, match=message):
        parse_param(raw, "month")
