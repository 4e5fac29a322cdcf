"""Sensitivity that scales: grouped Morris and Sobol' against analytic group indices,
rankings that list only effects distinguishable from zero (a known null input is left
out; Holm's adjustment by hand; the Spearman interval's coverage and the ranking's
family-wise error rate by simulation), and large studies sized and confirmed first."""

from __future__ import annotations

import io

import matplotlib

matplotlib.use("Agg")  # files only, no windows (as in test_plots)

import matplotlib.pyplot as plt
import numpy as np
import pytest
import xarray as xr
from scipy import stats

from capsim.analysis.ranking import holm, index_ranking, spearman_interval, spearman_ranking
from capsim.analysis.scenario_sensitivity import Output, input_groups, sensitivity
from capsim.analysis.sensitivity import morris, sobol
from capsim.cli import large_study
from capsim.cli.main import main
from capsim.cli.options import CommandError
from capsim.plots import plot_morris, plot_sobol
from capsim.scenario.io import dump_scenario
from capsim.sweep.runner import Execution
from test_sensitivity import ishigami, ishigami_indices, uniform_problem
from test_sweep_and_sensitivity import _late_grid_world

SERIAL = Execution(workers=1, progress=False)


# -- grouped indices against analytic values ----------------------------------------


def test_grouped_sobol_reproduces_ishigami_group_indices():
    """Groups {x1} and {x2, x3} of Ishigami: with V1, V2, V13 the variance terms
    (V3 = V12 = V23 = V123 = 0), the closed first-order index of {x2, x3} is V2/V and
    its total index (V2 + V13)/V; {x1} keeps its own V1/V and (V1 + V13)/V."""
    s1, st = ishigami_indices()
    v13 = st[2]  # the total index of x3 is V13/V alone
    expected_s1 = [s1[0], s1[1]]
    expected_st = [st[0], s1[1] + v13]
    problem = uniform_problem(3, -np.pi, np.pi, groups=["x1", "x2+x3", "x2+x3"])
    result = sobol(problem, ishigami, n=1024, seed=11)
    assert list(result["group"].values) == ["x1", "x2+x3"]
    assert list(result["group_size"].values) == [1, 2]
    assert list(result["members"].values) == ["x1", "x2, x3"]
    np.testing.assert_allclose(result["S1"], expected_s1, atol=0.05)
    np.testing.assert_allclose(result["ST"], expected_st, atol=0.05)
    assert np.all(np.abs(result["S1"] - expected_s1) <= 3 * result["S1_conf"])
    assert np.all(np.abs(result["ST"] - expected_st) <= 3 * result["ST_conf"])
    assert result.attrs["evaluations"] == 1024 * (2 + 2)


def test_grouped_sobol_sees_an_interaction_inside_a_group():
    """Y = x1 x2 + x3 with x uniform on (-1, 1): Var(x1 x2) = 1/9, Var(x3) = 1/3, so
    the group {x1, x2} has S1 = ST = 1/4 and x3 has 3/4, although x1 and x2 alone have
    first-order indices of zero."""

    def model(x):
        return x[:, 0] * x[:, 1] + x[:, 2]

    grouped = sobol(uniform_problem(3, -1.0, 1.0, groups=["a", "a", "b"]), model, n=1024, seed=4)
    np.testing.assert_allclose(grouped["S1"], [0.25, 0.75], atol=0.04)
    np.testing.assert_allclose(grouped["ST"], [0.25, 0.75], atol=0.04)
    alone = sobol(uniform_problem(3, -1.0, 1.0), model, n=1024, seed=4)
    np.testing.assert_allclose(alone["S1"], [0.0, 0.0, 0.75], atol=0.04)
    np.testing.assert_allclose(alone["ST"], [0.25, 0.25, 0.75], atol=0.04)


def test_grouped_morris_gives_a_null_group_no_effect_and_leaves_it_out():
    """Y = 10 x1 + 0 x2 + 0 x3 on unit uniforms: a step of one in x1's quantile changes
    Y by 10, so the group {x1} has mu* = 10; the group {x2, x3} moves nothing."""
    problem = uniform_problem(3, groups=["live", "null", "null"])
    result = morris(problem, lambda x: 10 * x[:, 0] + 0 * x[:, 1:].sum(axis=1), seed=3)
    np.testing.assert_allclose(result["mu_star"].sel(group="live"), 10.0)
    assert result["mu_star"].sel(group="null").item() == 0.0
    ranking = index_ranking(result)
    assert [row.name for row in ranking.rows] == ["live"]
    assert (ranking.tested, ranking.omitted) == (2, 1)


def test_sobol_ranking_leaves_out_a_null_input_and_keeps_the_weak_ones():
    """Y = 3 x1 + x2 + 0.3 x3 + 0 x4: shares of variance 9, 1, 0.09 and 0 over 10.09."""
    c = np.array([3.0, 1.0, 0.3, 0.0])
    result = sobol(uniform_problem(4), lambda x: x @ c, n=512, seed=8)
    ranking = index_ranking(result)
    assert [row.name for row in ranking.rows] == ["x1", "x2", "x3"]
    shares = c**2 / np.sum(c**2)
    np.testing.assert_allclose([row.value for row in ranking.rows], shares[:3], atol=0.03)
    assert all(row.low > 0 for row in ranking.rows)
    assert ranking.omitted == 1


def test_grouped_sobol_of_a_scenario_gives_the_whole_variance_to_its_sites(tmp_path, capsys):
    """In the late-grid world first-power depends on the grid wait and the building's
    commissioning (both under ``sites``) and on nothing under ``products``: grouped by
    top-level key, ``sites`` has S1 = ST = 1 and ``products`` 0 (every run that changes
    only products gives the same date); the command lists ``sites`` with its intervals
    and leaves ``products`` out."""
    path = tmp_path / "late-grid.yaml"
    path.write_text(dump_scenario(_late_grid_world()), encoding="utf-8")
    code = main(
        ["sensitivity", str(path), "--method", "sobol", "--n", "16", "--groups", "key",
         "--output", "milestone:first-power", "--seed", "2", "--workers", "1",
         "--no-progress", "-o", str(tmp_path / "grouped.nc")]
    )  # fmt: skip
    out = capsys.readouterr().out
    assert code == 0
    assert "sobol on 4 inputs in 2 groups, 64 runs" in out  # 16 x (2 groups + 2)
    listed = out.split("95 % CI\n")[1].splitlines()
    assert listed[0].startswith("sites (2 inputs)")
    assert listed[1] == (
        "1 of 2 groups not distinguishable from zero "
        "(95 % bootstrap interval of ST above zero): not listed"
    )
    result = xr.load_dataset(tmp_path / "grouped.nc")
    assert result.attrs["grouping"] == "key"
    assert result["members"].sel(group="products").item().count(",") == 1
    sites, products = result.sel(group="sites"), result.sel(group="products")
    assert products["S1"].item() == 0.0
    assert products["ST"].item() == 0.0
    assert sites["ST"].item() == pytest.approx(1.0, abs=max(0.1, 3 * sites["ST_conf"].item()))
    assert sites["S1"].item() == pytest.approx(1.0, abs=max(0.2, 3 * sites["S1_conf"].item()))


def test_bad_group_requests_are_clear_errors(tmp_path, capsys):
    path = tmp_path / "late-grid.yaml"
    path.write_text(dump_scenario(_late_grid_world()), encoding="utf-8")
    code = main(
        ["sensitivity", str(path), "--groups", "key", "--output", "milestone:first-power"]
    )  # fmt: skip
    assert code == 2
    assert "--groups applies to morris and sobol" in capsys.readouterr().err
    code = main(
        ["sensitivity", str(path), "--method", "morris", "--groups", "memory=hbm*",
         "--output", "milestone:first-power"]
    )  # fmt: skip
    assert code == 2
    assert "'hbm*' matches no uncertain input" in capsys.readouterr().err
    scenario = _late_grid_world()
    output = Output.parse("milestone:first-power", scenario)
    with pytest.raises(ValueError, match="groups apply to morris and sobol"):
        sensitivity(scenario, "tornado", output, groups=["key"], execution=SERIAL)


def test_charts_name_each_group_with_its_number_of_inputs():
    problem = uniform_problem(3, groups=["pair", "pair", "one"])
    result = sobol(problem, lambda x: x @ np.array([1.0, 1.0, 3.0]), n=64, seed=0, bootstrap=20)
    ax = plot_sobol(result)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["one (1 input)", "pair (2 inputs)"]
    assert ax.get_ylabel() == "group"
    plt.close(ax.figure)
    ax = plot_morris(morris(problem, lambda x: x.sum(axis=1), seed=0, bootstrap=20))
    # A group of several inputs has no sigma, so only the one-input group is a point.
    assert [t.get_text() for t in ax.texts] == ["one (1 input)"]
    plt.close(ax.figure)


# -- groups from specs ----------------------------------------------------------------

NAMES = [
    "sites.a.power.grid.wait",
    "sites.a.buildings[0].shell",
    "sites.b.crew_rate",
    "hbm_vendors.x.capacity.HBM4",
    "products.p.price",
    "risks.late.occurs",
]


def test_input_groups_by_entity_key_and_glob():
    assert input_groups(NAMES, ["entity"]) == [
        "sites.a", "sites.a", "sites.b", "hbm_vendors.x", "products.p", "risks.late",
    ]  # fmt: skip
    assert input_groups(NAMES, ["key"]) == [
        "sites", "sites", "sites", "hbm_vendors", "products", "risks",
    ]  # fmt: skip
    # First match wins; what no spec matches is "other".
    assert input_groups(NAMES, ["grid=*.grid.*", "entity:sites.*"]) == [
        "grid", "sites.a", "sites.b", "other", "other", "other",
    ]  # fmt: skip
    assert input_groups(NAMES, ["entity:sites.*", "key"]) == [
        "sites.a", "sites.a", "sites.b", "hbm_vendors", "products", "risks",
    ]  # fmt: skip


def test_a_key_path_with_a_list_index_matches_itself():
    # "[0]" is the list index the tools print, not a glob's character class ("0")
    assert input_groups(NAMES, ["shell=sites.a.buildings[0].shell"]) == [
        "other", "shell", "other", "other", "other", "other",
    ]  # fmt: skip
    assert input_groups(NAMES, ["first=sites.a.buildings[0].*"])[1] == "first"


@pytest.mark.parametrize(
    ("spec", "message"),
    [
        ("entities", "expected entity, key"),
        ("=sites.*", "expected entity, key"),
        ("entity:", "expected entity, key"),
        ("memory=hbm.*", "'hbm.*' matches no uncertain input"),
    ],
)
def test_bad_group_specs_are_clear_errors(spec, message):
    with pytest.raises(ValueError, match=message):
        input_groups(NAMES, [spec])


# -- Spearman rankings: intervals, multiplicity, the null input -----------------------


def test_holm_adjustment_by_hand():
    """p = (0.01, 0.04, 0.03, 0.005): sorted 0.005, 0.01, 0.03, 0.04 times 4, 3, 2, 1
    is 0.02, 0.03, 0.06, 0.04; made non-decreasing: 0.02, 0.03, 0.06, 0.06."""
    adjusted = holm(np.array([0.01, 0.04, 0.03, 0.005]))
    np.testing.assert_allclose(adjusted, [0.03, 0.06, 0.06, 0.02])
    np.testing.assert_allclose(holm(np.array([0.5, 0.9])), [1.0, 1.0])


def test_spearman_ranking_lists_the_driver_and_leaves_the_null_inputs_out():
    rng = np.random.default_rng(0)
    x = rng.random((200, 6))
    y = x[:, 0] + 0.2 * rng.standard_normal(200)  # inputs 1..5 do nothing
    x[:, 5] = 1.0  # and one does not even vary: not tested
    ranking = spearman_ranking(x, y, [f"x{i}" for i in range(6)])
    assert [row.name for row in ranking.rows] == ["x0"]
    assert (ranking.tested, ranking.omitted) == (5, 4)
    row = ranking.rows[0]
    assert 0 < row.low < row.value < row.high
    assert row.p_adjusted < 0.05


def test_spearman_interval_covers_the_population_value():
    """For a bivariate normal with correlation r, Spearman's population rho is
    (6/pi) asin(r/2) (Pearson 1907). The 95 % interval should cover it about 95 % of
    the time: 400 samples of 100 pairs, 0.95 +- 3 standard errors (0.011)."""
    r = 0.6
    rho_s = 6 / np.pi * np.arcsin(r / 2)
    rng = np.random.default_rng(1)
    covered = 0
    for _ in range(400):
        a = rng.standard_normal(100)
        b = r * a + np.sqrt(1 - r**2) * rng.standard_normal(100)
        low, high, _ = spearman_interval(stats.spearmanr(a, b).statistic, 100)
        covered += low <= rho_s <= high
    assert 0.917 <= covered / 400 <= 0.983


def test_spearman_ranking_family_wise_error_under_the_null():
    """With 10 inputs that do nothing, Holm's adjustment keeps the chance of listing any
    of them at or below 5 %: 200 studies of 60 samples, at most 5 % + 3 standard
    errors (0.015)."""
    rng = np.random.default_rng(2)
    names = [f"x{i}" for i in range(10)]
    listed = sum(
        bool(spearman_ranking(rng.random((60, 10)), rng.random(60), names).rows) for _ in range(200)
    )
    assert listed / 200 <= 0.05 + 3 * 0.0154


# -- the command line ------------------------------------------------------------------


def test_a_large_study_without_yes_stops_with_its_size_and_time(tmp_path, capsys):
    """Sobol' with n = 8192 on 4 inputs is 8192 x 6 = 49,152 runs: more than 20,000, so
    it is sized by a pilot and, not on a terminal and without --yes, not started."""
    path = tmp_path / "late-grid.yaml"
    path.write_text(dump_scenario(_late_grid_world()), encoding="utf-8")
    code = main(
        ["sensitivity", str(path), "--method", "sobol", "--n", "8192",
         "--output", "milestone:first-power", "--workers", "2", "--no-progress"]
    )  # fmt: skip
    captured = capsys.readouterr()
    assert code == 2
    assert "49152 runs" in captured.out  # the first line, before the pilot
    assert "49,152 runs (more than 20,000): about" in captured.err
    assert "on 2 workers" in captured.err
    assert "add --yes" in captured.err
    assert "Traceback" not in captured.err


@pytest.mark.parametrize(
    ("command", "runs"),
    [
        (["run", "--samples", "20001"], "20,001"),
        (["sweep", "--vary", "sites.s.power.grid.wait=1 month:9 months:3",
          "--replicates", "7000"], "21,000"),  # 3 points x 7000 replicates
    ],
)  # fmt: skip
def test_monte_carlo_and_sweeps_check_their_size_too(tmp_path, capsys, command, runs):
    path = tmp_path / "late-grid.yaml"
    path.write_text(dump_scenario(_late_grid_world()), encoding="utf-8")
    assert main([command[0], str(path), *command[1:], "--no-progress"]) == 2
    err = capsys.readouterr().err
    assert f"{runs} runs (more than 20,000): about" in err
    assert "add --yes" in err


def test_a_large_study_asks_on_a_terminal(monkeypatch, capsys):
    class Terminal(io.StringIO):
        def isatty(self) -> bool:
            return True

    scenario = _late_grid_world()
    asked = []
    monkeypatch.setattr("sys.stdin", Terminal())
    monkeypatch.setattr("builtins.input", lambda prompt: asked.append(prompt) or "n")
    with pytest.raises(CommandError, match="not started"):
        large_study.confirm_large_study(scenario, 20_001, SERIAL, yes=False)
    assert asked == ["start it? [y/N] "]
    monkeypatch.setattr("builtins.input", lambda prompt: "y")
    large_study.confirm_large_study(scenario, 20_001, SERIAL, yes=False)
    # --yes goes on without asking; 20,000 runs or fewer are not sized at all.
    monkeypatch.setattr("builtins.input", lambda prompt: pytest.fail("asked"))
    large_study.confirm_large_study(scenario, 20_001, SERIAL, yes=True)
    capsys.readouterr()
    large_study.confirm_large_study(scenario, 20_000, SERIAL, yes=False)
    assert capsys.readouterr().out == ""


@pytest.mark.parametrize(
    ("seconds", "shown"), [(40.2, "40 s"), (150, "2 min"), (7199, "120 min"), (12240, "3.4 h")]
)
def test_durations_read_as_a_person_would_say_them(seconds, shown):
    assert large_study.duration(seconds) == shown
