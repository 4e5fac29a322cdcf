"""The uncertain space and the sampling plans: marginals against quantile functions
written out here, the Gaussian copula against rank-correlation theory, space-filling
designs against their stratification properties, and sweeps against hand-listed grids."""

from __future__ import annotations

import itertools
import math
from statistics import NormalDist

import numpy as np
import pytest
from scipy import special, stats

from builders import chain, uncertain_chain
from capsim.scenario.params import parse_param
from capsim.scenario.semantic import check
from capsim.sweep.plans import MonteCarloPlan, SweepPlan, Vary, design_uniforms, uniforms
from capsim.sweep.space import Dimension, UncertainSpace

RTOL = 1e-9
IT_POWER = "products.p.it_power"  # uniform 1800 .. 2400 W (uncertain_chain)
HBM = "hbm_vendors.v.capacity.HBM4"  # triangular 2000, 4000, 5000 stack/month
WAIT = "sites.s.power.grid.wait"  # lognormal median 4, p90 8 months
TDP = "products.p.tdp"
WAFERS = "logic_fabs.f.wafer_starts"
YIELD = "packaging.c.yield"
LEAD = "products.p.lead_time"
BURN_IN = "sites.s.burn_in"
FIRE = "risks.cowos-fire.occurs"  # probability 0.3
LATE = "risks.late-grid.occurs"  # probability 0.7

LATE_GRID = {
    "probability": 0.7,
    "date": "2026-06-01",
    "effect": {"kind": "delay", "site": "s", "what": "construction", "by": "2 month"},
}
EVERY_KIND = {
    TDP: {"dist": "normal", "mean": "1000 W", "sd": "50 W"},
    WAFERS: {
        "dist": "pert",
        "low": "8 wafer/month",
        "mode": "10 wafer/month",
        "high": "15 wafer/month",
        "lamb": 3,
    },
    YIELD: {"dist": "choice", "values": [0.9, 0.8, 1.0], "weights": [2, 1, 1]},
    LEAD: {"dist": "lognormal", "p5": "1 month", "p95": "4 months"},
    BURN_IN: {"dist": "lognormal", "median": "1 month", "sigma": 0.3},
    "risks.late-grid": LATE_GRID,
}


def every_kind(**changes):
    """uncertain_chain plus one parameter of each remaining kind and a second risk."""
    return uncertain_chain(**{**EVERY_KIND, **changes})


def z(q: float) -> float:
    """Standard normal quantile from the Python standard library (not scipy)."""
    return NormalDist().inv_cdf(q)


def triangular_ppf(q: float, a: float, c: float, b: float) -> float:
    """Hand inverse of the triangular CDF (see test_distributions)."""
    if q <= (c - a) / (b - a):
        return a + math.sqrt(q * (b - a) * (c - a))
    return b - math.sqrt((1 - q) * (b - a) * (b - c))


# PERT(8, 10, 15, lamb 3): alpha = 1 + 3*2/7 = 13/7, beta = 1 + 3*5/7 = 22/7 on [8, 15].
PERT_WAFERS = stats.beta(13 / 7, 22 / 7, loc=8.0, scale=7.0)
SIGMA_WAIT = math.log(8 / 4) / z(0.9)  # median 4, p90 8
SIGMA_LEAD = math.log(4 / 1) / (2 * z(0.95))  # p5 1, p95 4: median sqrt(1*4) = 2


def choice_yield(q: float) -> float:
    # Sorted 0.8 (1/4), 0.9 (2/4), 1.0 (1/4): F = 0.25, 0.75, 1.
    return 0.8 if q <= 0.25 else 0.9 if q <= 0.75 else 1.0


#: Each dimension's quantile function, written from its published form.
REFERENCE_PPF = {
    TDP: lambda q: 1000.0 + 50.0 * z(q),
    IT_POWER: lambda q: 1800.0 + 600.0 * q,
    LEAD: lambda q: 2.0 * math.exp(SIGMA_LEAD * z(q)),
    WAFERS: lambda q: float(PERT_WAFERS.ppf(q)),
    YIELD: choice_yield,
    HBM: lambda q: triangular_ppf(q, 2000.0, 4000.0, 5000.0),
    WAIT: lambda q: 4.0 * math.exp(SIGMA_WAIT * z(q)),
    BURN_IN: lambda q: 1.0 * math.exp(0.3 * z(q)),
    FIRE: lambda q: float(q < 0.3),
    LATE: lambda q: float(q < 0.7),
}

#: Continuous marginals as scipy distributions built here from the parameters.
REFERENCE_DIST = {
    TDP: stats.norm(1000.0, 50.0),
    IT_POWER: stats.uniform(1800.0, 600.0),
    LEAD: stats.lognorm(SIGMA_LEAD, scale=2.0),
    WAFERS: PERT_WAFERS,
    HBM: stats.triang(2 / 3, loc=2000.0, scale=3000.0),
    WAIT: stats.lognorm(SIGMA_WAIT, scale=4.0),
    BURN_IN: stats.lognorm(0.3, scale=1.0),
}


def reference_values(names: list[str], u: np.ndarray) -> np.ndarray:
    return np.array(
        [[REFERENCE_PPF[name](q) for name, q in zip(names, row, strict=True)] for row in u]
    )


def spearman_se(rank: float, n: int) -> float:
    """Approximate standard error of a sample Spearman correlation (Bonett & Wright,
    Psychometrika 65, 2000): sqrt((1 + r^2/2)(1 - r^2)^2 / (n - 3)); 1/sqrt(n - 3) at 0."""
    return math.sqrt((1 + rank**2 / 2) * (1 - rank**2) ** 2 / (n - 3))


# --- dimensions -------------------------------------------------------------------------


def test_every_uncertain_parameter_and_every_risk_is_a_dimension():
    space = UncertainSpace(every_kind())
    assert set(space.names) == set(REFERENCE_PPF)
    assert len(space) == len(REFERENCE_PPF)
    units = {d.name: d.unit for d in space.dimensions}
    assert units[TDP] == "W"
    assert units[WAIT] == "month"
    assert units[WAFERS] == "wafer/month"
    assert units[YIELD] == "1"  # a fraction
    assert units[FIRE] == "1"
    # Deterministic parameters are not sampled.
    assert "products.p.h100e" not in space.names


def test_each_dimension_maps_uniforms_through_its_own_quantile_function():
    """Reference: the quantile functions written above, at random and extreme u."""
    space = UncertainSpace(every_kind())
    rng = np.random.default_rng(20240601)
    u = rng.random((300, len(space)))
    u[0], u[1], u[2] = 1e-9, 1 - 1e-9, 0.5
    np.testing.assert_allclose(
        space.values(u), reference_values(space.names, u), rtol=RTOL, atol=1e-9
    )


def test_a_risk_dimension_is_a_bernoulli_draw():
    # Occurs when u < p: u = 0, 0.1, 0.2499 occur for p = 0.25; 0.25 and above do not.
    risk = Dimension("risks.x.occurs", probability=0.25)
    u = np.array([0.0, 0.1, 0.2499, 0.25, 0.26, 0.99])
    np.testing.assert_array_equal(risk.from_uniform(u), [1, 1, 1, 0, 0, 0])
    assert risk.unit == "1"
    # Over 20 000 uniform draws the frequency is p within 4 standard errors.
    draws = np.random.default_rng(5).random(20_000)
    frequency = risk.from_uniform(draws).mean()
    assert abs(frequency - 0.25) < 4 * math.sqrt(0.25 * 0.75 / 20_000)


def test_a_parameter_dimension_uses_the_parameters_quantile_function():
    # Uniform 1.5 .. 2.5 kW = 1500 .. 2500 W: ppf(q) = 1500 + 1000 q.
    param = parse_param({"dist": "uniform", "low": "1.5 kW", "high": "2.5 kW"}, "W")
    dimension = Dimension("x", param)
    assert dimension.unit == "W"
    u = np.array([0.0, 0.125, 0.5, 0.999])
    np.testing.assert_allclose(dimension.from_uniform(u), 1500.0 + 1000.0 * u, rtol=RTOL)


def test_one_sample_and_an_empty_space():
    space = UncertainSpace(uncertain_chain())
    names = space.names
    u = np.array([0.2 if name == FIRE else 0.5 for name in names])  # one sample, 1-D
    values = space.values(u)
    assert values.shape == (1, len(names))
    draw = space.draw(values[0])
    assert set(draw) == set(names)
    assert draw[IT_POWER] == pytest.approx(2100.0, rel=RTOL)  # (1800 + 2400) / 2
    assert draw[WAIT] == pytest.approx(4.0, rel=RTOL)  # the median
    assert draw[FIRE] == 1.0  # u = 0.2 < p = 0.3
    empty = UncertainSpace(chain())  # no distributions, no risks
    assert len(empty) == 0
    assert empty.values(np.empty((4, 0))).shape == (4, 0)
    assert empty.draw(np.empty(0)) == {}


# --- rank correlations ------------------------------------------------------------------

RANKS = {(IT_POWER, HBM): 0.5, (WAIT, WAFERS): -0.45}
N_CORRELATED = 100_000


def correlated_scenario(ranks=RANKS):
    correlations = [{"between": list(pair), "rank": rank} for pair, rank in ranks.items()]
    return every_kind(correlations=correlations)


@pytest.fixture(scope="module")
def correlated():
    """100 000 samples of the correlated space from i.i.d. uniforms drawn here."""
    space = UncertainSpace(correlated_scenario())
    u = np.random.default_rng(314159).random((N_CORRELATED, len(space)))
    return space, space.values(u)


def _column(space, values, name):
    return values[:, space.names.index(name)]


def test_sample_rank_correlations_match_the_declared_ranks(correlated):
    """Reference: a Gaussian copula with Pearson 2 sin(pi r / 6) has Spearman r exactly
    (Kruskal 1958: rho_S = (6/pi) asin(rho/2)); the sample value is within 4 Bonett-Wright
    standard errors. That band excludes (6/pi) asin(r/2), what an unconverted r gives."""
    space, values = correlated
    for (a, b), rank in RANKS.items():
        sample = stats.spearmanr(_column(space, values, a), _column(space, values, b)).statistic
        tolerance = 4 * spearman_se(rank, N_CORRELATED)
        assert abs(sample - rank) < tolerance, (a, b, sample)
        unconverted = 6 / math.pi * math.asin(rank / 2)
        assert abs(unconverted - rank) > 1.5 * tolerance  # the test can tell them apart


def test_normal_scores_have_the_converted_pearson_correlation(correlated):
    """Reference: back through the marginal CDFs built here and the normal quantile, the
    scores of a pair with rank r have Pearson 2 sin(pi r/6), standard error (1-rho^2)/sqrt n."""
    space, values = correlated
    for (a, b), rank in RANKS.items():
        score_a = special.ndtri(REFERENCE_DIST[a].cdf(_column(space, values, a)))
        score_b = special.ndtri(REFERENCE_DIST[b].cdf(_column(space, values, b)))
        pearson = 2 * math.sin(math.pi * rank / 6)
        sample = np.corrcoef(score_a, score_b)[0, 1]
        assert abs(sample - pearson) < 4 * (1 - pearson**2) / math.sqrt(N_CORRELATED)


def test_undeclared_pairs_stay_uncorrelated(correlated):
    """Reference: independent inputs have Spearman 0 with standard error 1/sqrt(n - 3)."""
    space, values = correlated
    declared = {frozenset(pair) for pair in RANKS}
    tolerance = 4 * spearman_se(0.0, N_CORRELATED)
    continuous = list(REFERENCE_DIST)
    for a, b in itertools.combinations(continuous, 2):
        if frozenset((a, b)) in declared:
            continue
        sample = stats.spearmanr(_column(space, values, a), _column(space, values, b)).statistic
        assert abs(sample) < tolerance, (a, b, sample)


def test_correlations_leave_the_marginals_unchanged(correlated):
    """Reference: Kolmogorov-Smirnov against each marginal built here (p > 0.01), and the
    choice and risk frequencies within 4 binomial standard errors of their weights."""
    space, values = correlated
    for name, reference in REFERENCE_DIST.items():
        result = stats.kstest(_column(space, values, name), reference.cdf)
        assert result.pvalue > 0.01, (name, result)
    n = N_CORRELATED
    for name, value, p in [(YIELD, 0.8, 0.25), (YIELD, 0.9, 0.5), (YIELD, 1.0, 0.25)]:
        share = np.mean(_column(space, values, name) == value)
        assert abs(share - p) < 4 * math.sqrt(p * (1 - p) / n)
    for name, p in [(FIRE, 0.3), (LATE, 0.7)]:
        assert abs(_column(space, values, name).mean() - p) < 4 * math.sqrt(p * (1 - p) / n)


def test_the_copula_keeps_the_median_point_and_is_identity_without_correlations():
    # Normal score of 0.5 is 0, mixed scores of zeros are zeros, and Phi(0) = 0.5.
    space = UncertainSpace(correlated_scenario())
    half = np.full((1, len(space)), 0.5)
    np.testing.assert_allclose(space.correlate(half), half, rtol=1e-12)
    plain = UncertainSpace(every_kind())
    u = np.random.default_rng(1).random((5, len(plain)))
    np.testing.assert_array_equal(plain.correlate(u), u)


def test_an_impossible_set_of_correlations_is_refused():
    """Reference: ranks 0.9, 0.9 and -0.9 among three inputs give the normal-score matrix
    [[1, s, -s], [s, 1, s], [-s, s, 1]] with s = 2 sin(0.15 pi) = 0.908, whose smallest
    eigenvalue 1 - 2s is negative: no such joint distribution exists."""
    s = 2 * math.sin(0.9 * math.pi / 6)
    assert 1 - 2 * s < 0
    ranks = {(IT_POWER, HBM): 0.9, (HBM, WAIT): 0.9, (IT_POWER, WAIT): -0.9}
    with pytest.raises(ValueError, match="not a valid correlation matrix"):
        UncertainSpace(correlated_scenario(ranks))


def test_a_possible_set_of_three_correlations_is_accepted():
    # 0.5, 0.5, 0.5: s = 2 sin(pi/12) = 0.518, eigenvalues 1 + 2s and 1 - s > 0.
    ranks = {(IT_POWER, HBM): 0.5, (HBM, WAIT): 0.5, (IT_POWER, WAIT): 0.5}
    assert len(UncertainSpace(correlated_scenario(ranks))) == len(REFERENCE_PPF)


@pytest.mark.parametrize("rank", [1.0, -1.0])
def test_a_rank_of_one_makes_the_inputs_comonotone(rank):
    # Spearman +1 (-1): each input is an increasing (decreasing) function of the other.
    space = UncertainSpace(correlated_scenario({(IT_POWER, HBM): rank}))
    u = np.random.default_rng(2).random((2000, len(space)))
    values = space.values(u)
    sample = stats.spearmanr(_column(space, values, IT_POWER), _column(space, values, HBM))
    assert sample.statistic == pytest.approx(rank, abs=1e-9)


def test_validation_accepts_a_rank_of_one():
    findings = check(correlated_scenario({(IT_POWER, HBM): 1.0}))
    assert not [message for path, message in findings if path[0] == "correlations"]


def test_a_risk_with_an_uncertain_probability_occurs_with_its_mean_probability():
    """Reference: the law of total probability, P(occurs) = E[p]; p ~ triangular(0, 0, 1)
    has mean (0 + 0 + 1)/3 = 1/3, median 1 - sqrt(1/2) = 0.293."""
    probability = {"dist": "triangular", "low": 0, "mode": 0, "high": 1}
    space = UncertainSpace(uncertain_chain(**{"risks.cowos-fire.probability": probability}))
    n = 20_000
    values = space.values(np.random.default_rng(9).random((n, len(space))))
    frequency = _column(space, values, FIRE).mean()
    assert abs(frequency - 1 / 3) < 4 * math.sqrt((1 / 3) * (2 / 3) / n)


# --- designs ----------------------------------------------------------------------------


def _strata(column: np.ndarray, n: int) -> np.ndarray:
    return np.sort(np.floor(column * n).astype(int))


@pytest.mark.parametrize(("n", "seed"), [(10, 0), (64, 7), (333, 123)])
def test_latin_hypercube_puts_one_point_in_each_stratum(n, seed):
    """Reference: the definition of a Latin hypercube (McKay, Beckman & Conover 1979):
    in every dimension each of the n intervals [k/n, (k+1)/n) holds exactly one point."""
    u = design_uniforms("lhs", n, 5, seed)
    assert u.shape == (n, 5)
    for column in u.T:
        np.testing.assert_array_equal(_strata(column, n), np.arange(n))


@pytest.mark.parametrize("m", [3, 6, 9])
def test_sobol_points_form_a_0_m_2_net(m):
    """Reference: the first 2^m points of Sobol' are a (0, m, d)-net in every 1-D
    projection, and its first two coordinates a (0, m, 2)-net (Sobol' 1967; scipy's
    linear matrix scrambling with a digital shift, Matousek 1998, keeps the t-value):
    every box of 2^-a by 2^-(m-a) holds one point."""
    n = 2**m
    u = design_uniforms("sobol", n, 6, 42)
    for column in u.T:
        np.testing.assert_array_equal(_strata(column, n), np.arange(n))
    for a in range(m + 1):
        box = np.floor(u[:, 0] * 2**a).astype(int) * 2 ** (m - a)
        box += np.floor(u[:, 1] * 2 ** (m - a)).astype(int)
        np.testing.assert_array_equal(np.bincount(box, minlength=n), np.ones(n))


def test_sobol_is_reproducible_and_extensible():
    first = design_uniforms("sobol", 64, 3, 5)
    np.testing.assert_array_equal(first, design_uniforms("sobol", 64, 3, 5))
    assert not np.array_equal(first, design_uniforms("sobol", 64, 3, 6))
    # A count that is not a power of two takes the first points of the next net.
    np.testing.assert_array_equal(design_uniforms("sobol", 40, 3, 5), first[:40])


def test_random_design_rows_depend_only_on_seed_and_index():
    """Reference: the documented stream, numpy's SeedSequence(seed, spawn_key=(index,))."""
    rows = design_uniforms("random", 10, 4, 77)
    np.testing.assert_array_equal(design_uniforms("random", 5, 4, 77), rows[:5])
    for index in (0, 3, 9):
        np.testing.assert_array_equal(uniforms(77, index, 4), rows[index])
        stream = np.random.default_rng(np.random.SeedSequence(77, spawn_key=(index,)))
        np.testing.assert_array_equal(rows[index], stream.random(4))
    assert not np.array_equal(design_uniforms("random", 10, 4, 78), rows)


def test_random_design_is_uniform():
    """Reference: Kolmogorov-Smirnov against U(0, 1), p > 0.01, for each coordinate."""
    u = design_uniforms("random", 2000, 3, 2024)
    for column in u.T:
        assert stats.kstest(column, "uniform").pvalue > 0.01


def test_designs_of_no_dimension_are_empty():
    for design in ("random", "lhs", "sobol"):
        assert design_uniforms(design, 7, 0, 1).shape == (7, 0)


@pytest.mark.parametrize("design", ["random", "lhs", "sobol"])
def test_plan_rows_are_the_same_whatever_the_chunking(design):
    """Reference: rows(start, stop) must be the slice [start:stop] of rows(0, n), whether
    the chunks come in order or not and whatever plan object computes them."""
    space = UncertainSpace(correlated_scenario())
    whole = MonteCarloPlan(space, 37, 11, design).rows(0, 37)
    assert whole.shape == (37, len(space))
    edges = [0, 5, 6, 20, 36, 37]
    fresh = MonteCarloPlan(space, 37, 11, design)
    chunks = {
        (start, stop): fresh.rows(start, stop)
        for start, stop in reversed(list(itertools.pairwise(edges)))
    }
    for (start, stop), rows in chunks.items():
        np.testing.assert_array_equal(rows, whole[start:stop])
    assert fresh.names == space.names
    assert fresh.size == 37


def test_latin_hypercube_plan_stratifies_every_marginal():
    """Reference: with no correlations, each input's n values fall one in each interval
    between its quantiles at k/n (quantile functions written above)."""
    space = UncertainSpace(every_kind())
    n = 50
    values = MonteCarloPlan(space, n, 3, "lhs").rows(0, n)
    for name in REFERENCE_DIST:
        edges = [REFERENCE_PPF[name](k / n) for k in range(1, n)]
        stratum = np.searchsorted(edges, _column(space, values, name))
        np.testing.assert_array_equal(np.sort(stratum), np.arange(n))


def test_monte_carlo_plan_of_a_deterministic_scenario_has_empty_rows():
    plan = MonteCarloPlan(UncertainSpace(chain()), 3, 0)
    assert plan.rows(0, 3).shape == (3, 0)


# --- sweeps -----------------------------------------------------------------------------

#: Central (median) values by hand: uniform (1800 + 2400)/2 = 2100; triangular
#: 2000 + sqrt(0.5 * 3000 * 2000) = 3732.0508 (F(mode) = 2/3 > 1/2).
MEDIAN_IT_POWER = 2100.0
MEDIAN_HBM = 2000.0 + math.sqrt(3e6)


def sweep_space(**changes):
    return UncertainSpace(uncertain_chain(**{"risks.late-grid": LATE_GRID, **changes}))


def test_grid_sweep_is_the_cartesian_product_of_the_axes():
    # Axes linspace(2, 6, 2) = [2, 6] months and linspace(10, 20, 3) = [10, 15, 20] wafers.
    space = sweep_space()
    varies = [Vary("wait", (WAIT,), 2.0, 6.0, points=2), Vary("fab", (WAFERS,), 10.0, 20.0, 3)]
    plan = SweepPlan(space, varies, "grid", 0, 1, 0, {WAFERS: 10.0})
    grid = [(2, 10), (2, 15), (2, 20), (6, 10), (6, 15), (6, 20)]
    np.testing.assert_allclose(plan.point_values, grid, rtol=RTOL)
    assert plan.points == 6
    assert plan.size == 6
    assert plan.targets == [WAIT, WAFERS]
    assert plan.names == [*(n for n in space.names if n != WAIT), WAIT, WAFERS]
    # One replicate: the other inputs at their medians; a risk occurs only if p > 1/2.
    fixed = {IT_POWER: MEDIAN_IT_POWER, HBM: MEDIAN_HBM, FIRE: 0.0, LATE: 1.0}
    expected = [[fixed[n] for n in plan.names[:-2]] + list(point) for point in grid]
    np.testing.assert_allclose(plan.rows(0, 6), expected, rtol=RTOL)
    np.testing.assert_allclose(plan.rows(2, 5), expected[2:5], rtol=RTOL)


def test_correlations_do_not_move_the_central_replicate():
    # With one replicate every u is 1/2, which the copula maps to itself (score 0).
    space = sweep_space(correlations=[{"between": [IT_POWER, HBM], "rank": 0.7}])
    plan = SweepPlan(space, [Vary("wait", (WAIT,), 2.0, 6.0, 2)], "grid", 0, 1, 0, {})
    rows = plan.rows(0, 2)
    np.testing.assert_allclose(rows[:, plan.names.index(IT_POWER)], MEDIAN_IT_POWER, rtol=RTOL)
    np.testing.assert_allclose(rows[:, plan.names.index(HBM)], MEDIAN_HBM, rtol=RTOL)


def test_relative_sweep_multiplies_the_base_values():
    # Multipliers linspace(0.5, 1.5, 3) = 0.5, 1, 1.5 times the it_power median 2100 W
    # (sampled input) and the wafer starts' central 10 wafer/month (deterministic input).
    space = sweep_space()
    vary = Vary("x", (IT_POWER, WAFERS), 0.5, 1.5, points=3, relative=True)
    plan = SweepPlan(space, [vary], "grid", 0, 1, 0, {WAFERS: 10.0})
    rows = plan.rows(0, 3)
    np.testing.assert_allclose(rows[:, -2], [1050.0, 2100.0, 3150.0], rtol=RTOL)
    np.testing.assert_allclose(rows[:, -1], [5.0, 10.0, 15.0], rtol=RTOL)


def test_replicates_use_common_random_numbers_at_every_point():
    """Reference: common random numbers: for replicate r the non-varied inputs are the
    same at every point, and a relative target is the multiplier times the replicate's
    own draw (its value at multiplier 1)."""
    space = sweep_space()
    varies = [
        Vary("wait", (WAIT,), 2.0, 6.0, points=2),
        Vary("power", (IT_POWER,), 0.8, 1.2, points=3, relative=True),
    ]
    replicates = 4
    plan = SweepPlan(space, varies, "grid", 0, replicates, 13, {})
    assert plan.size == 6 * replicates
    rows = plan.rows(0, plan.size)
    point, replicate = np.divmod(np.arange(plan.size), replicates)
    others = [plan.names.index(n) for n in (HBM, FIRE, LATE)]
    power = rows[:, plan.names.index(IT_POWER)]
    multiplier = plan.point_values[point, 1]
    for r in range(replicates):
        mine = replicate == r
        assert (rows[mine][:, others] == rows[mine][0, others]).all()
        base = power[mine & np.isclose(multiplier, 1.0)]
        assert len(set(base)) == 1
        assert 1800.0 <= base[0] <= 2400.0  # a draw of the uniform input
        np.testing.assert_allclose(power[mine], multiplier[mine] * base[0], rtol=RTOL)
    hbm = rows[:, plan.names.index(HBM)]
    assert len({hbm[replicate == r][0] for r in range(replicates)}) == replicates
    assert ((hbm >= 2000.0) & (hbm <= 5000.0)).all()
    np.testing.assert_allclose(rows[:, plan.names.index(WAIT)], plan.point_values[point, 0])


@pytest.mark.parametrize("design", ["lhs", "sobol"])
def test_space_filling_sweep_points_are_stratified(design):
    # 16 points of [2, 6] x [10, 20]: one point per 1/16 of each range.
    varies = [Vary("wait", (WAIT,), 2.0, 6.0), Vary("fab", (WAFERS,), 10.0, 20.0)]
    plan = SweepPlan(sweep_space(), varies, design, 16, 1, 3, {WAFERS: 10.0})
    assert plan.point_values.shape == (16, 2)
    for column, (low, high) in zip(plan.point_values.T, [(2, 6), (10, 20)], strict=True):
        np.testing.assert_array_equal(_strata((column - low) / (high - low), 16), np.arange(16))


def test_random_sweep_points_are_not_the_replicate_draws():
    space = sweep_space()  # it_power is the first dimension, not varied here
    vary = Vary("wait", (WAIT,), 2.0, 6.0)
    plan = SweepPlan(space, [vary], "random", 4, 4, 5, {})
    rows = plan.rows(0, plan.size)
    for p in range(4):
        row = rows[p * 4 + p]
        u_point = (row[plan.names.index(WAIT)] - 2.0) / 4.0
        u_power = (row[plan.names.index(IT_POWER)] - 1800.0) / 600.0
        assert not math.isclose(u_point, u_power, rel_tol=1e-9)
