"""Sensitivity methods against analytic answers: Ishigami, linear models, hand sums."""

from __future__ import annotations

import numpy as np
import pytest
import xarray as xr

from capsim.analysis.sensitivity import Problem, evaluations, morris, sobol, tornado


def uniform_problem(d: int, lo: float = 0.0, hi: float = 1.0, groups=None) -> Problem:
    """``d`` independent inputs, uniform on [lo, hi]."""
    return Problem(
        names=[f"x{i + 1}" for i in range(d)],
        ppf=lambda u: lo + (hi - lo) * u,
        central=np.full(d, (lo + hi) / 2),
        groups=groups,
    )


def ishigami(x: np.ndarray, a: float = 7.0, b: float = 0.1) -> np.ndarray:
    return np.sin(x[:, 0]) + a * np.sin(x[:, 1]) ** 2 + b * x[:, 2] ** 4 * np.sin(x[:, 0])


def ishigami_indices(a: float = 7.0, b: float = 0.1) -> tuple[np.ndarray, np.ndarray]:
    """Analytic first-order and total indices of the Ishigami function."""
    pi = np.pi
    v = a**2 / 8 + b * pi**4 / 5 + b**2 * pi**8 / 18 + 1 / 2
    v1 = b * pi**4 / 5 + b**2 * pi**8 / 50 + 1 / 2
    v2 = a**2 / 8
    v13 = 8 * b**2 * pi**8 / 225
    s1 = np.array([v1, v2, 0.0]) / v
    st = np.array([v1 + v13, v2, v13]) / v
    return s1, st


def test_ishigami_analytic_values_are_the_published_ones():
    s1, st = ishigami_indices()
    np.testing.assert_allclose(s1, [0.3139, 0.4424, 0.0], atol=5e-5)
    np.testing.assert_allclose(st, [0.5576, 0.4424, 0.2437], atol=5e-5)


def test_sobol_reproduces_ishigami():
    problem = uniform_problem(3, -np.pi, np.pi)
    result = sobol(problem, ishigami, n=1024, seed=42)
    s1, st = ishigami_indices()
    np.testing.assert_allclose(result["S1"], s1, atol=0.05)
    np.testing.assert_allclose(result["ST"], st, atol=0.05)
    assert np.all(np.abs(result["S1"] - s1) <= 3 * result["S1_conf"])
    assert np.all(np.abs(result["ST"] - st) <= 3 * result["ST_conf"])
    assert list(result["input"].values) == ["x1", "x2", "x3"]
    assert result.attrs["evaluations"] == 1024 * 5 == evaluations("sobol", 3, n=1024)
    assert result.attrs["seed"] == 42


def test_sobol_linear_model_shares_of_squared_coefficients():
    c = np.array([1.0, 2.0, 3.0, 0.5])
    result = sobol(uniform_problem(4), lambda x: x @ c, n=512, seed=3)
    expected = c**2 / np.sum(c**2)
    np.testing.assert_allclose(result["S1"], expected, atol=0.03)
    np.testing.assert_allclose(result["ST"], expected, atol=0.03)
    np.testing.assert_allclose(result["ST"], result["S1"], atol=0.03)


def test_sobol_time_varying_indices_per_output_column():
    # Column j depends on input j only; column 3 is constant (undefined indices).
    def model(x):
        return np.column_stack([x[:, 0], x[:, 1] ** 2, np.exp(x[:, 2]), np.ones(len(x))])

    result = sobol(uniform_problem(3), model, n=256, seed=0)
    assert result["S1"].dims == ("input", "output")
    assert result.sizes == {"input": 3, "output": 4}
    np.testing.assert_allclose(result["S1"].isel(output=slice(0, 3)), np.eye(3), atol=0.05)
    np.testing.assert_allclose(result["ST"].isel(output=slice(0, 3)), np.eye(3), atol=0.05)
    assert bool(result["S1"].isel(output=3).isnull().all())
    assert bool(result["ST_conf"].isel(output=3).isnull().all())


def test_sobol_constant_scalar_output_is_nan_without_warnings():
    result = sobol(uniform_problem(2), lambda x: np.zeros(len(x)), n=64, seed=1)
    assert bool(result["S1"].isnull().all())


def test_sobol_with_groups_reports_one_index_per_group():
    c = np.array([1.0, 1.0, 2.0])
    problem = uniform_problem(3, groups=["a", "a", "b"])
    result = sobol(problem, lambda x: x @ c, n=512, seed=5)
    assert list(result["group"].values) == ["a", "b"]
    assert result.attrs["evaluations"] == 512 * 4 == evaluations("sobol", 2, n=512)
    np.testing.assert_allclose(result["S1"], [2 / 6, 4 / 6], atol=0.03)


@pytest.mark.parametrize("n", [0, 3, 100, 1000])
def test_sobol_n_must_be_a_power_of_two(n):
    with pytest.raises(ValueError, match="must be a power of two"):
        sobol(uniform_problem(2), lambda x: x[:, 0], n=n, seed=0)
    with pytest.raises(ValueError, match="must be a power of two"):
        evaluations("sobol", 2, n=n)


def test_sobol_same_seed_same_result_and_seed_zero_honoured():
    problem = uniform_problem(3, -np.pi, np.pi)
    first = sobol(problem, ishigami, n=64, seed=0, bootstrap=50)
    xr.testing.assert_identical(first, sobol(problem, ishigami, n=64, seed=0, bootstrap=50))
    other = sobol(problem, ishigami, n=64, seed=1, bootstrap=50)
    assert not np.allclose(first["S1"], other["S1"])
    assert not np.allclose(first["S1_conf"], other["S1_conf"])
    generator = sobol(problem, ishigami, n=64, seed=np.random.default_rng(0), bootstrap=50)
    np.testing.assert_array_equal(generator["S1"], first["S1"])


def test_morris_ranks_linear_first_and_idle_input_zero():
    def model(x):
        return 10 * x[:, 0] + 0 * x[:, 1] + x[:, 2] ** 2

    result = morris(uniform_problem(3), model, trajectories=20, seed=7)
    assert result["mu_star"].idxmax("input").item() == "x1"
    np.testing.assert_allclose(result["mu_star"].sel(input="x1"), 10.0)
    assert result["mu_star"].sel(input="x2").item() == pytest.approx(0.0, abs=1e-12)
    assert result["sigma"].sel(input="x2").item() == pytest.approx(0.0, abs=1e-12)
    assert result.attrs["evaluations"] == 20 * 4 == evaluations("morris", 3, trajectories=20)


def test_morris_sets_unbounded_inputs_at_the_centres_of_equally_likely_bins():
    # A standard normal input and y = x. Four levels are the quantiles 0.125, 0.375,
    # 0.625 and 0.875; each Morris step jumps two levels, 0.5 in quantile, and by the
    # normal's symmetry both jumps change x by Phi^-1(0.625) - Phi^-1(0.125) = 1.4694,
    # so every effect is 1.4694 / 0.5 = 2.9388 per unit of quantile. (At the levels 0
    # and 1, clipped to 1e-12, the effects were 11.2: x from -7.0 to 0.43.)
    from scipy import stats

    problem = Problem(names=["z"], ppf=stats.norm.ppf, central=np.array([0.0]))
    result = morris(problem, lambda x: x[:, 0], trajectories=12, seed=3)
    jump = stats.norm.ppf(0.625) - stats.norm.ppf(0.125)
    assert result["mu_star"].sel(input="z").item() == pytest.approx(jump / 0.5, rel=1e-9)
    assert result["sigma"].sel(input="z").item() == pytest.approx(0.0, abs=1e-9)


def test_morris_groups_and_series_and_seed():
    problem = uniform_problem(3, groups=["g", "g", "h"])

    def model(x):
        return np.column_stack([x[:, 0] + x[:, 1], 3 * x[:, 2]])

    result = morris(problem, model, trajectories=8, seed=0)
    assert result["mu_star"].dims == ("group", "output")
    np.testing.assert_allclose(result["mu_star"].sel(output=1), [0.0, 3.0], atol=1e-12)
    xr.testing.assert_identical(result, morris(problem, model, trajectories=8, seed=0))
    assert not result.equals(morris(problem, model, trajectories=8, seed=1))


def test_tornado_swings_sorted_in_one_batch_of_2d_plus_1():
    calls = []
    weights = np.array([1.0, -5.0, 2.0])

    def model(x):
        calls.append(len(x))
        return np.exp(x) @ weights

    problem = Problem(
        names=["a", "b", "c"],
        ppf=lambda u: np.column_stack([u[:, 0], 10 * u[:, 1], -1 + 2 * u[:, 2]]),
        central=np.array([0.5, 5.0, 0.0]),
    )
    result = tornado(problem, model)
    assert calls == [7] == [evaluations("tornado", 3)]

    p10 = np.array([0.1, 1.0, -0.8])
    p90 = np.array([0.9, 9.0, 0.8])
    for i, name in enumerate(problem.names):
        low, high = problem.central.copy(), problem.central.copy()
        low[i], high[i] = p10[i], p90[i]
        f_low, f_high = np.exp(low) @ weights, np.exp(high) @ weights
        row = result.sel(input=name)
        np.testing.assert_allclose(row["low_value"], p10[i])
        np.testing.assert_allclose(row["high_value"], p90[i])
        np.testing.assert_allclose(row["output_low"], f_low)
        np.testing.assert_allclose(row["output_high"], f_high)
        np.testing.assert_allclose(row["swing"], abs(f_high - f_low))
        np.testing.assert_allclose(row["base"], np.exp(problem.central) @ weights)
    assert list(result["input"].values) == ["b", "c", "a"]
    assert np.all(np.diff(result["swing"].values) <= 0)


def test_tornado_rejects_series_output_and_bad_quantiles():
    problem = uniform_problem(2)
    with pytest.raises(ValueError, match="one output per run"):
        tornado(problem, lambda x: np.column_stack([x[:, 0], x[:, 1]]))
    with pytest.raises(ValueError, match='"low" < "high"'):
        tornado(problem, lambda x: x[:, 0], low=0.9, high=0.1)


def test_problem_and_model_are_checked_where_they_enter():
    with pytest.raises(ValueError, match='"central" must have shape'):
        Problem(names=["a", "b"], ppf=lambda u: u, central=np.zeros(3))
    with pytest.raises(ValueError, match='"groups" must have 2 labels'):
        Problem(names=["a", "b"], ppf=lambda u: u, central=np.zeros(2), groups=["g"])
    with pytest.raises(ValueError, match="non-finite"):
        sobol(uniform_problem(2), lambda x: np.where(x[:, 0] > 0.5, np.nan, 1.0), n=16, seed=0)
    with pytest.raises(ValueError, match="model must return shape"):
        morris(uniform_problem(2), lambda x: x[:3, 0], seed=0)


def test_evaluations_counts_and_rejects_unknown_keys():
    assert evaluations("tornado", 5) == 11
    assert evaluations("morris", 5) == 10 * 6
    assert evaluations("sobol", 5) == 256 * 7
    with pytest.raises(TypeError, match="takes no"):
        evaluations("morris", 5, n=8)
    with pytest.raises(ValueError, match="method must be one of"):
        evaluations("fast", 5)  # type: ignore[arg-type]
