"""Scoring rules against analytic values, what was known at an origin, default spreads of
point values, the discrepancy fit, and a small rolling-origin backtest end to end."""

from __future__ import annotations

import copy
import datetime as dt
import json
import math
from functools import partial
from pathlib import Path
from types import SimpleNamespace

import numpy as np
import pytest
import xarray as xr
import yaml
from scipy import stats

from builders import chain_data
from capsim.analysis.backtest import backtest
from capsim.analysis.baselines import FLAT, GROWTH, baseline_point, leave_one_out_sigma
from capsim.analysis.discrepancy import (
    PACKAGE_SERIES,
    Discrepancy,
    apply_discrepancy,
    fit_discrepancy,
)
from capsim.analysis.observed import read_series, shipped_data
from capsim.analysis.scoring import covered, crps, equal_quantiles, pinball
from capsim.cli.main import main
from capsim.plots.reliability import plot_reliability
from capsim.results import open_result
from capsim.scenario.distributions import LogitNormal, LogNormal
from capsim.scenario.document import Scenario
from capsim.scenario.knowledge import as_known_at
from capsim.scenario.loader import load_scenario, loads_scenario
from capsim.scenario.problems import ScenarioError
from capsim.sweep.runner import Execution
from capsim.sweep.space import UncertainSpace
from capsim.sweep.spread import CONFIDENCE_SIGMA, KIND_FACTOR, default_spread
from clitools import forbid, refused

HINDCAST = str(Path(__file__).resolve().parents[1] / "scenarios" / "hindcast-2023.yaml")


# --- scoring rules -------------------------------------------------------------------


def test_crps_of_a_point_forecast_is_its_absolute_error():
    samples = np.full((3, 50), 10.0)
    assert crps(samples, np.array([10.0, 13.0, 4.5])) == pytest.approx([0.0, 3.0, 5.5])


def test_crps_of_a_normal_forecast_matches_the_closed_form():
    # Gneiting & Raftery (2007): CRPS(N(mu, s), y) = s [z (2 Phi(z) - 1) + 2 phi(z) - 1/sqrt(pi)]
    mu, s = 100.0, 15.0
    samples = mu + s * stats.norm.ppf(equal_quantiles(20_000))
    for y in (100.0, 80.0, 140.0):
        z = (y - mu) / s
        exact = s * (
            z * (2 * stats.norm.cdf(z) - 1) + 2 * stats.norm.pdf(z) - 1 / math.sqrt(math.pi)
        )
        assert crps(samples, np.array(y)) == pytest.approx(exact, rel=1e-3)


def test_crps_of_a_lognormal_forecast_matches_the_closed_form():
    # Baran & Lerch (2015): CRPS(LN(m, s), y) = y (2 Phi(w) - 1)
    #   - 2 exp(m + s^2 / 2) (Phi(w - s) + Phi(s / sqrt 2) - 1), w = (log y - m) / s
    m, s = math.log(500.0), 0.6
    samples = np.exp(m + s * stats.norm.ppf(equal_quantiles(20_000)))
    for y in (200.0, 500.0, 1500.0):
        w = (math.log(y) - m) / s
        exact = y * (2 * stats.norm.cdf(w) - 1) - 2 * math.exp(m + s**2 / 2) * (
            stats.norm.cdf(w - s) + stats.norm.cdf(s / math.sqrt(2)) - 1
        )
        assert crps(samples, np.array(y)) == pytest.approx(exact, rel=2e-3)


def test_crps_of_two_draws_by_hand():
    # draws 1 and 3, y = 2: E|X - y| = 1, E|X - X'| = (0 + 2 + 2 + 0) / 4 = 1, CRPS = 0.5;
    # as the integral of (F - 1{x >= y})^2: (1/2)^2 over [1, 2] + (1/2)^2 over [2, 3]
    assert crps(np.array([1.0, 3.0]), np.array(2.0)) == pytest.approx(0.5)


def test_pinball_loss_by_hand():
    samples = np.full(11, 10.0)  # every quantile is 10
    # y = 14 above every quantile: tau * 4 averaged over tau in (0.1, 0.5, 0.9) = 2.0
    assert pinball(samples, np.array(14.0), (0.1, 0.5, 0.9)) == pytest.approx(2.0)
    # y = 6 below: (1 - tau) * 4 averaged = 2.0; at tau = 0.9 alone: 0.4
    assert pinball(samples, np.array(6.0), (0.9,)) == pytest.approx(0.4)


def test_coverage_counts_the_observed_inside_the_central_interval():
    samples = np.tile(np.arange(0.5, 100.0, 1.0), (4, 1))  # 100 draws 0.5..99.5
    observed = np.array([5.0, 50.0, 89.0, 95.0])
    # the 80 % interval is about 10..90 and the 50 % one about 25..75
    assert covered(samples, observed, 0.8).tolist() == [False, True, True, False]
    assert covered(samples, observed, 0.5).tolist() == [False, True, False, False]


# --- baselines and discrepancy ----------------------------------------------------------


def test_baselines_by_hand():
    history = np.array([3.0, 1.0, 2.0, 4.0, 8.0])
    leads = np.array([1, 2])
    assert baseline_point(FLAT, history, leads).tolist() == [8.0, 8.0]
    # growth over the last four quarters (2 -> 8 ... 1 -> 8 in three steps): x2 a quarter
    assert baseline_point(GROWTH, history, leads) == pytest.approx([16.0, 32.0])


def test_leave_one_out_spread_uses_only_the_other_origins():
    errors = np.array([[0.1, np.nan], [0.3, 0.2], [-0.2, 0.4]])
    sigma = leave_one_out_sigma(errors)
    assert sigma[0, 0] == pytest.approx(math.sqrt((0.09 + 0.04) / 2))
    assert sigma[1, 1] == pytest.approx(0.4)
    assert sigma[0, 1] == pytest.approx(math.sqrt((0.04 + 0.16) / 2))


def test_discrepancy_fit_is_the_rms_growth_when_the_model_has_no_spread_of_its_own():
    # e ~ N(0, (g h)^2) alone: the maximum-likelihood g^2 is the mean of (e / h)^2
    leads = np.arange(1, 5)
    errors = np.array([[0.3, -0.2, 0.9, 0.4], [-0.1, 0.6, 0.3, -1.6]])
    fit = fit_discrepancy(errors, np.zeros_like(errors), leads)
    assert fit.growth_sd == pytest.approx(math.sqrt(np.mean((errors / leads) ** 2)), rel=1e-5)


def test_discrepancy_fit_leaves_no_spread_when_the_model_explains_the_errors():
    leads = np.arange(1, 4)
    model_sd = np.array([[0.1, 0.2, 0.3], [0.2, 0.1, 0.4]])
    errors = model_sd * np.array([[1.0], [-1.0]])  # each error exactly one of its sd
    assert fit_discrepancy(errors, model_sd, leads).growth_sd == pytest.approx(0.0, abs=1e-4)
    assert fit_discrepancy(0.5 * errors, model_sd, leads).growth_sd == 0.0


def test_discrepancy_fit_recovers_the_growth_error_it_was_drawn_from():
    generator = np.random.default_rng(3)
    leads = np.arange(1, 7)
    model_sd = generator.uniform(0.02, 0.3, size=(4000, 6))
    truth = 0.25
    errors = generator.normal(0.0, np.sqrt(model_sd**2 + (truth * leads) ** 2))
    errors[:, 4:][generator.random((4000, 2)) < 0.3] = np.nan  # some forecasts absent
    # 20,000 draws: the estimate's standard error is about 0.25 / sqrt(2 * 20,000)
    assert fit_discrepancy(errors, model_sd, leads).growth_sd == pytest.approx(truth, abs=0.005)


def test_a_sample_keeps_one_growth_error_at_every_lead():
    leads = np.arange(1, 9)
    factors = Discrepancy(growth_sd=0.2, max_lead=6).factors(leads, 5, seed=11)
    u = np.log(factors) / (0.2 * np.minimum(leads, 6))[:, None]
    np.testing.assert_allclose(u, np.tile(u[:1], (8, 1)), atol=1e-12)
    # stratified: the normal's quantiles at 0.1, 0.3, ..., 0.9, in some order
    np.testing.assert_allclose(np.sort(u[0]), stats.norm.ppf([0.1, 0.3, 0.5, 0.7, 0.9]))


def test_each_origin_is_scored_with_the_discrepancy_fitted_on_the_others():
    from capsim.analysis.backtest import _with_discrepancy

    generator = np.random.default_rng(5)
    lead = np.arange(1, 4)
    model = 100.0 * np.exp(0.05 * generator.standard_normal((3, 3, 40)))
    truth = np.array([[120.0, 150.0, 200.0], [90.0, 140.0, 160.0], [110.0, 100.0, 250.0]])
    before = _with_discrepancy(model, truth, lead, seed=2)
    changed = truth.copy()
    changed[0] *= 3.0  # only origin 0's outcome moves
    after = _with_discrepancy(model, changed, lead, seed=2)
    np.testing.assert_array_equal(after[0], before[0])
    assert not np.allclose(after[1], before[1])
    assert not np.allclose(after[2], before[2])


# --- what was known at an origin -------------------------------------------------------


def _known_chain() -> dict:
    data = chain_data()
    data["packaging"]["c"]["capacity"] = [
        {"date": "2026-01-01", "value": "100 wafer/month", "source": "assumption: test"},
        {
            "date": "2026-06-30",
            "value": "300 wafer/month",
            "source": "Report, 2026-05-01",
            "known": "2026-05-01",
        },
    ]
    data["logic_fabs"]["f"]["wafer_starts"] = {
        "value": "20 wafer/month",
        "source": "Report, 2026-04-01",
        "known": "2026-04-01",
        "prior": {
            "value": "15 wafer/month",
            "source": "Outlook, 2026-02-01",
            "known": "2026-02-01",
            "prior": {"value": "10 wafer/month", "source": "assumption: test"},
        },
    }
    return data


def _at(data: dict, day: str) -> Scenario:
    return Scenario.model_validate(as_known_at(copy.deepcopy(data), dt.date.fromisoformat(day)))


def test_a_value_not_yet_known_falls_back_to_its_prior_or_drops_its_series_point():
    data = _known_chain()
    early, middle, late = (_at(data, day) for day in ("2026-01-15", "2026-03-01", "2026-05-01"))
    assert early.logic_fabs["f"].wafer_starts.points[0][1].central == 10.0
    assert middle.logic_fabs["f"].wafer_starts.points[0][1].central == 15.0
    assert late.logic_fabs["f"].wafer_starts.points[0][1].central == 20.0
    assert [p.central for _, p in early.packaging["c"].capacity.points] == [100.0]
    assert [p.central for _, p in late.packaging["c"].capacity.points] == [100.0, 300.0]
    assert late.packaging["c"].capacity.points[1][1].known is None  # resolved: plain value
    assert middle.logic_fabs["f"].wafer_starts.points[0][1].source.text == "Outlook, 2026-02-01"


def test_a_value_known_later_without_a_prior_is_a_located_error():
    text = """
name: t
horizon: {start: 2026-01-01, end: 2026-12-31}
logic_fabs:
  f:
    operator: x
    node: N3
    wafer_starts: {value: 10 wafer/month, source: "Report, 2026-04-01", known: 2026-04-01}
    defect_density: 0 /cm^2
    cycle_time: 0 month
"""
    with pytest.raises(ScenarioError) as caught:
        loads_scenario(text, "t.yaml")
    message = str(caught.value)
    assert "t.yaml:8:" in message
    assert "wafer_starts.known" in message
    assert "prior" in message
    bad_date = text.replace("known: 2026-04-01}", "known: soon, prior: 5 wafer/month}")
    with pytest.raises(ScenarioError, match=r"t\.yaml:8:.*expected the date .* found 'soon'"):
        loads_scenario(bad_date, "t.yaml")


def test_the_hindcast_at_its_first_origin_uses_the_outlook_of_january_2023():
    early = load_scenario(HINDCAST, known_at=dt.date(2023, 1, 1))
    full = load_scenario(HINDCAST)
    cowos = dict(early.packaging["tsmc-cowos"].capacity.points)
    # hindcast-2023-exante.yaml's outlook: end-2024 mode 11k against TrendForce's 36k
    assert cowos[dt.date(2024, 12, 31)].value.mode == 11_000
    assert dict(full.packaging["tsmc-cowos"].capacity.points)[dt.date(2024, 12, 31)].value.mode == (
        36_000
    )
    assert early.programmes["market-b200"].volume.points[0][1].central == 0.0


# --- default spread of point values ------------------------------------------------------


def test_a_low_confidence_point_gets_the_default_spread_unless_kept_as_given():
    data = chain_data()
    data["packaging"]["c"]["capacity"] = {
        "value": "100 wafer/month",
        "source": "assumption: test",
        "confidence": "L",
    }
    data["packaging"]["c"]["yield"] = {
        "value": 0.9,
        "source": "assumption: test",
        "confidence": "L",
    }
    scenario = Scenario.model_validate(data)
    path = "packaging.c.capacity"
    capacity = scenario.packaging["c"].capacity.points[0][1]
    drawn = default_spread(path, capacity, scale=1.5)
    assert isinstance(drawn, LogNormal)
    assert drawn.median == 100.0
    assert drawn.sigma == pytest.approx(1.5 * CONFIDENCE_SIGMA["L"] * KIND_FACTOR["capacity"])
    assert default_spread(path, capacity, scale=0.0) is None
    assert isinstance(
        default_spread("packaging.c.yield", scenario.packaging["c"].packaging_yield, 1.5),
        LogitNormal,
    )
    spread = UncertainSpace(scenario, partial(default_spread, scale=1.5))
    assert {path, "packaging.c.yield"} <= set(spread.names)
    assert path not in UncertainSpace(scenario).names
    values = spread.values(np.array([[0.5] * len(spread), [0.9] * len(spread)]))
    column = spread.names.index(path)
    assert values[0, column] == pytest.approx(100.0)  # the median is the point
    assert values[1, column] == pytest.approx(100.0 * math.exp(drawn.sigma * stats.norm.ppf(0.9)))
    yields = values[:, spread.names.index("packaging.c.yield")]
    assert 0.9 < yields[1] < 1.0


def test_monte_carlo_keeps_points_when_the_scenario_says_so():
    from capsim.sweep.study import monte_carlo

    data = chain_data(**{"horizon.end": "2026-03-31"})
    data["packaging"]["c"]["capacity"] = {
        "value": "100 wafer/month",
        "source": "assumption: test",
        "confidence": "M",
    }
    execution = Execution(workers=1, progress=False)
    spread = monte_carlo(
        Scenario.model_validate({**data, "point_spread_scale": 1.0}), 3, seed=1, execution=execution
    )
    kept = monte_carlo(
        Scenario.model_validate({**data, "point_spread_scale": 1.0, "points_as_given": True}),
        3,
        seed=1,
        execution=execution,
    )
    assert "packaging.c.capacity" in spread["parameter"].values
    capacity = spread["input_value"].sel(parameter="packaging.c.capacity").values
    assert len(set(capacity.tolist())) == 3  # drawn, not fixed
    assert "parameter" not in kept.dims or "packaging.c.capacity" not in kept["parameter"].values


# --- a small backtest, end to end ----------------------------------------------------


def test_a_small_backtest_scores_the_model_and_the_baselines(tmp_path):
    observed = read_series(shipped_data("nvidia_quarterly_shipments_2022_2024.csv"))
    result = backtest(
        lambda origin: load_scenario(HINDCAST, known_at=origin),
        observed,
        [dt.date(2023, 7, 1), dt.date(2024, 1, 1)],
        leads=2,
        samples=7,
        execution=Execution(workers=1, progress=False),
        discrepancy=True,
    )
    # Epoch AI's NVIDIA totals (data/epoch): 2023Q3 399,879; 2024Q2 873,938
    assert result["observed"].sel(origin="2023-07-01", lead=1).item() == 399_879
    assert result["observed"].sel(origin="2024-01-01", lead=2).item() == 873_938
    # the flat baseline's median is the quarter before the origin: 2023Q2, 274,223
    flat = result["forecast"].sel(forecaster=FLAT, origin="2023-07-01", lead=1)
    assert float(np.median(flat)) == pytest.approx(274_223, rel=1e-6)
    assert set(result["forecaster"].values) == {"model", FLAT, GROWTH, "model + discrepancy"}
    assert result["forecasts"].values.tolist() == [2, 2]
    assert ((result["coverage_80"] >= 0) & (result["coverage_80"] <= 1)).all()
    assert (result["mean_crps"] > 0).all()
    # the CRPS is never more than the mean absolute error of the draws
    absolute = np.abs(result["forecast"] - result["observed"]).mean("draw")
    assert (result["crps"] <= absolute + 1e-6).all()
    import matplotlib

    matplotlib.use("Agg", force=True)
    import matplotlib.pyplot as plt

    ax = plot_reliability(result)
    assert len(ax.get_lines()) == 1 + 4  # the diagonal and one line per forecaster
    plt.close(ax.figure)


def test_the_backtest_command_writes_its_table_chart_and_file(tmp_path, capsys):
    output, chart = tmp_path / "bt.nc", tmp_path / "reliability.png"
    code = main(
        [
            "backtest",
            HINDCAST,
            "--origins",
            "2024-01-01:2024-01-01",
            "--leads",
            "2",
            "--samples",
            "4",
            "--workers",
            "1",
            "--no-progress",
            "-o",
            str(output),
            "--plot",
            str(chart),
        ]
    )
    printed = capsys.readouterr().out
    assert code == 0
    assert "mean CRPS" in printed
    assert "last quarter flat" in printed
    assert output.stat().st_size > 0
    assert chart.stat().st_size > 0
    assert main(["backtest", HINDCAST, "--origins", "2024-01:soon"]) == 2
    assert "--origins expects FIRST:LAST" in capsys.readouterr().err


def test_the_backtest_scores_as_json(capsys):
    # One origin, 2024-01-01, two leads: one forecast per lead and forecaster, scored
    # against 2024Q1 and 2024Q2 of the shipments file.
    argv = ["backtest", HINDCAST, "--origins", "2024-01-01:2024-01-01", "--leads", "2"]
    argv += ["--samples", "4", "--workers", "1", "--no-progress", "--format", "json"]
    assert main(argv) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["origins"] == ["2024-01-01"]
    rows = document["by_lead"]
    assert {row["forecaster"] for row in rows} == {"model", FLAT, GROWTH}
    assert sorted({row["lead"] for row in rows}) == [1, 2]
    assert all(row["forecasts"] == 1 for row in rows)
    assert all(row["coverage_80"] in (0.0, 1.0) for row in rows)  # one forecast: in or out
    assert document["units"]["mean_crps"] == "package"


def test_the_discrepancy_multiplies_packages_by_quarter_from_the_origin():
    months = np.arange("2026-01", "2026-09", dtype="datetime64[M]").astype("datetime64[ns]")
    ones = np.ones((2, len(months), 1))
    study = xr.Dataset(
        dict.fromkeys(PACKAGE_SERIES, (("sample", "time", "programme"), ones)),
        coords={"sample": [0, 1], "time": months, "programme": ["g"]},
    )
    growth = Discrepancy(growth_sd=0.3, max_lead=2)
    out = apply_discrepancy(study, growth, np.datetime64("2026-02"), seed=1)
    # January is before the origin; Feb-Apr is lead 1, May-Jul lead 2, Aug lead 3 held at
    # the longest fitted lead, 2; with two samples u is the normal's quartiles, -/+0.674
    h = np.array([0, 1, 1, 1, 2, 2, 2, 2])
    for name in PACKAGE_SERIES:
        log_factor = np.log(out[name].isel(programme=0).values)
        u = np.sort(log_factor[:, 1:] / (0.3 * h[1:]), axis=0)
        np.testing.assert_allclose(log_factor[:, 0], 0.0)
        np.testing.assert_allclose(u, np.tile(stats.norm.ppf([[0.25], [0.75]]), (1, 7)))


def test_run_applies_the_fitted_discrepancy_to_its_package_series(tmp_path, capsys):
    scenario = tmp_path / "chain.yaml"
    scenario.write_text(yaml.safe_dump(chain_data(**{"horizon.end": "2026-06-30"})))
    argv = ["run", str(scenario), "--samples", "3", "--workers", "1", "--no-progress"]
    plain, skewed = tmp_path / "plain.nc", tmp_path / "skewed.nc"
    assert main([*argv, "-o", str(plain)]) == 0
    assert main([*argv, "--discrepancy", "-o", str(skewed)]) == 0
    assert "model discrepancy applied" in capsys.readouterr().out
    before, after = open_result(plain), open_result(skewed)
    ratio = (after["packages_delivered"] / before["packages_delivered"]).sum("programme")
    ratio = ratio.where(before["packages_delivered"].sum("programme") > 0)
    # one factor per sample and quarter: the three months of each quarter share it
    first_quarter = ratio.isel(time=slice(0, 3)).values
    np.testing.assert_allclose(first_quarter, first_quarter[:, :1] * np.ones((1, 3)))
    assert not np.allclose(first_quarter, 1.0)
    assert main([*argv, "--discrepancy", "-o", str(tmp_path / "s.zarr")]) == 2


# --- calendar quarters, gaps and zeros ------------------------------------------------


@pytest.fixture
def no_monte_carlo(monkeypatch):
    """Fail a test that gets as far as a Monte Carlo run."""
    forbid(monkeypatch, "capsim.analysis.backtest.monte_carlo", "a Monte Carlo")


def _quarters_file(path: Path, values: dict[str, float]) -> Path:
    """A plain shipments file with ``values`` per quarter (``2023Q1``: value)."""
    ends = {1: "03-31", 2: "06-30", 3: "09-30", 4: "12-31"}
    rows = []
    for label, value in values.items():
        year, quarter = int(label[:4]), int(label[-1])
        rows.append(f"{year}-{3 * quarter - 2:02d}-01,{year}-{ends[quarter]},{value}")
    path.write_text("start,end,value\n" + "\n".join(rows) + "\n")
    return path


@pytest.fixture
def perfect_model(monkeypatch):
    """The model's Monte Carlo replaced by draws all equal to the observed quarters, so a
    backtest runs in milliseconds and only the bookkeeping and the baselines are tested."""

    def output(scenario, observed, *, samples, **kwargs):
        draws = np.repeat(observed.value[:, None], samples, axis=1)
        return xr.DataArray(draws, dims=("period", "sample"), coords={"period": observed.labels()})

    monkeypatch.setattr("capsim.analysis.backtest._model_output", output)


def _run(observed, origins: list[str], leads: int, samples: int = 4) -> xr.Dataset:
    return backtest(
        lambda origin: SimpleNamespace(seed=1),
        observed,
        [dt.date.fromisoformat(origin) for origin in origins],
        leads=leads,
        samples=samples,
        seed=1,
    )


def test_leads_are_calendar_quarters_and_a_missing_quarter_is_not_scored(tmp_path, perfect_model):
    """2023Q3 is missing. From 2023-01-01, lead 3 is 2023Q3 (not scored) and lead 4 is
    2023Q4 (800), not the file's next row shifted into lead 3. From 2023-10-01 the
    baselines make no forecast: the quarter before it, 2023Q3, is missing.

    By hand, from 2023-01-01: flat holds 2022Q4 = 400; growth from 100 to 400 in three
    quarters is 4^(1/3) a quarter, so lead 4 is 400 x 4^(4/3) = 2539.8. Each baseline is
    scored once per lead, so its spread is the floor 1e-6 (no other origin to borrow
    from) and its CRPS the absolute error: |800 - 400| = 400 and 2539.8 - 800 = 1739.8."""
    values = {"2022Q1": 100, "2022Q2": 200, "2022Q3": 300, "2022Q4": 400}
    values |= {"2023Q1": 500, "2023Q2": 600, "2023Q4": 800}
    observed = read_series(_quarters_file(tmp_path / "gap.csv", values))
    result = _run(observed, ["2023-01-01", "2023-10-01"], leads=4)
    first = result.sel(origin="2023-01-01")
    assert first["target"].values.tolist() == ["2023Q1", "2023Q2", "2023Q3", "2023Q4"]
    np.testing.assert_array_equal(first["observed"].values, [500.0, 600.0, np.nan, 800.0])
    assert result["forecasts"].values.tolist() == [2, 1, 0, 1]
    assert result["scored"].sel(forecaster=FLAT).values.tolist() == [1, 1, 0, 1]
    assert result.attrs["quarters_missing"] == "2023Q3"
    crps_lead_4 = result["crps"].sel(origin="2023-01-01", lead=4)
    assert crps_lead_4.sel(forecaster=FLAT).item() == pytest.approx(400.0, rel=1e-4)
    growth = 400.0 * 4.0 ** (4 / 3) - 800.0
    assert crps_lead_4.sel(forecaster=GROWTH).item() == pytest.approx(growth, rel=1e-4)
    assert crps_lead_4.sel(forecaster="model").item() == 0.0
    assert np.isnan(result["crps"].sel(origin="2023-10-01", lead=1, forecaster=FLAT).item())
    assert result["crps"].sel(origin="2023-10-01", lead=1, forecaster="model").item() == 0.0


def _lognormal_crps(median: float, s: float, y: float) -> float:
    """CRPS of a lognormal of ``median`` and log-scale sd ``s`` at ``y`` (Baran & Lerch
    2015; at y = 0 it is the mean less half the mean absolute difference,
    2 exp(m + s^2 / 2) (1 - Phi(s / sqrt 2)))."""
    m, tail = math.log(median), stats.norm.cdf(s / math.sqrt(2))
    mean = math.exp(m + s**2 / 2)
    if y == 0:
        return 2 * mean * (1 - tail)
    w = (math.log(y) - m) / s
    return y * (2 * stats.norm.cdf(w) - 1) - 2 * mean * (stats.norm.cdf(w - s) + tail - 1)


@pytest.mark.filterwarnings("error")
def test_a_quarter_observed_as_zero_leaves_the_baselines_well_defined(tmp_path, perfect_model):
    """2023Q1 shipped 0; the others double. Lead 1 from four origins, by hand:

    - 2023-01-01 (history 100, 200, 400, 800): flat 800, growth 1600; observed 0,
      scored, with no log error (log 0).
    - 2023-04-01 (last quarter 0): neither baseline forecasts; the model alone is scored.
    - 2023-07-01 (400, 800, 0, 800): flat 800; growth over 400 -> 800 is 2^(1/3) a
      quarter, 1007.9; observed 1600: log errors ln 2 and (2/3) ln 2.
    - 2023-10-01 (800, 0, 800, 1600): flat 1600, growth 2015.9; observed 3200: the same
      log errors.

    Each origin's spread is the RMS of the other origins' log errors: ln 2 for flat and
    (2/3) ln 2 for growth everywhere, and its CRPS the lognormal's."""
    values = {"2022Q1": 100, "2022Q2": 200, "2022Q3": 400, "2022Q4": 800}
    values |= {"2023Q1": 0, "2023Q2": 800, "2023Q3": 1600, "2023Q4": 3200}
    observed = read_series(_quarters_file(tmp_path / "zero.csv", values))
    origins = ["2023-01-01", "2023-04-01", "2023-07-01", "2023-10-01"]
    result = _run(observed, origins, leads=1, samples=400)
    assert result["forecasts"].values.tolist() == [4]
    assert result["scored"].sel(lead=1).values.tolist() == [4, 3, 3]  # model, flat, growth
    log2 = math.log(2.0)
    flat = [_lognormal_crps(800, log2, 0), _lognormal_crps(800, log2, 1600)]
    flat.append(_lognormal_crps(1600, log2, 3200))
    growth = [_lognormal_crps(1600, 2 / 3 * log2, 0)]
    growth += [_lognormal_crps(p, 2 / 3 * log2, y) for p, y in ((1007.937, 1600), (2015.874, 3200))]
    crps_values = result["crps"].sel(lead=1)
    for name, expected in ((FLAT, flat), (GROWTH, growth)):
        row = crps_values.sel(forecaster=name).values
        assert np.isnan(row[1])
        assert row[[0, 2, 3]] == pytest.approx(expected, rel=2e-3)
        mean = result["mean_crps"].sel(forecaster=name, lead=1).item()
        assert mean == pytest.approx(np.mean(expected), rel=2e-3)
        assert 0 < result["mean_pinball"].sel(forecaster=name, lead=1).item() < 3200
    assert result["mean_crps"].sel(forecaster="model").item() == 0.0


def test_backtest_needs_calendar_quarters(tmp_path, capsys, no_monte_carlo):
    shipments = tmp_path / "monthly.csv"
    shipments.write_text("start,end,value\n2022-01-01,2022-03-31,100\n2022-04-01,2022-04-30,100\n")
    output = tmp_path / "bt.nc"
    argv = ["backtest", HINDCAST, "--shipments", shipments, "--samples", 4, "-o", output]
    assert refused(capsys, *argv) == (
        f"error: {shipments}:3: period: expected a calendar quarter (backtest's leads are "
        "quarters: Jan-Mar, Apr-Jun, Jul-Sep or Oct-Dec), found '2022-04-01..2022-04-30'"
    )
    assert not output.exists()


@pytest.mark.parametrize(
    ("origins", "origin", "problem"),
    [
        ("2022-04-01:2022-04-01", "2022-04-01", "its first quarter is 2022Q1"),
        # checked before the first origin's run
        ("2024-01-01:2025-04-01", "2025-01-01", "its last quarter is 2024Q4"),
    ],
)
def test_an_origin_outside_the_shipments_names_the_file(
    capsys, no_monte_carlo, origins, origin, problem
):
    shipments = shipped_data("nvidia_quarterly_shipments_2022_2024.csv")
    argv = ["backtest", HINDCAST, "--origins", origins, "--samples", 4]
    assert refused(capsys, *argv) == (
        f"error: {shipments}: origin {origin} must start a quarter with four quarters of "
        f"this file's history before it and lie within the file: {problem}"
    )
