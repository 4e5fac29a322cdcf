"""Sweeps over chosen inputs and sensitivity studies of a scenario, through the
functions and commands users call. Where a result has a size, it is checked against a
world whose answer is known by hand: a grid wait of W months moves the first power by
the calendar days of W months, and inputs nothing depends on move nothing."""

from __future__ import annotations

import numpy as np
import pytest

from builders import SOURCE, chain, uncertain_chain
from capsim.analysis import scenario_sensitivity
from capsim.analysis.scenario_sensitivity import Output, sensitivity
from capsim.cli.main import main
from capsim.scenario.io import dump_scenario
from capsim.scenario.problems import ScenarioError
from capsim.sweep.runner import Execution
from capsim.sweep.study import resolve_vary, sweep

SERIAL = Execution(workers=1, progress=False)


def test_grid_sweep_sets_values_and_shares_draws_across_points():
    scenario = uncertain_chain()
    varies = [
        resolve_vary(scenario, "hbm_vendors.v.capacity=0.5x:1.5x:3"),
        resolve_vary(scenario, "sites.s.power.grid.wait=2 months:6 months:2"),
    ]
    result = sweep(scenario, varies, replicates=3, execution=SERIAL)
    assert result.sizes["sample"] == 3 * 2 * 3
    wait = result.input_value.sel(parameter="sites.s.power.grid.wait").values
    np.testing.assert_allclose(sorted(set(wait)), [2.0, 6.0])
    # Multipliers scale the replicate's own draw of the HBM capacity.
    hbm = result.input_value.sel(parameter="hbm_vendors.v.capacity.HBM4").values
    factor = result.vary_0.values
    replicate = result.replicate.values
    base = {r: hbm[(replicate == r) & (factor == 1.0)][0] for r in range(3)}
    np.testing.assert_allclose(hbm, factor * np.array([base[r] for r in replicate]))
    # Common random numbers: the other inputs are the same at every point of a replicate.
    power = result.input_value.sel(parameter="products.p.it_power").values
    for r in range(3):
        assert len(set(power[replicate == r])) == 1
    assert len(set(power)) == 3


def test_more_hbm_never_delays_the_milestone():
    scenario = uncertain_chain()
    varies = [resolve_vary(scenario, "hbm_vendors.v.capacity=0.6x:1.4x:5")]
    result = sweep(scenario, varies, replicates=1, execution=SERIAL)
    dates = result.milestone_date.sel(milestone="five-mw").values
    assert np.all(np.diff(dates.astype(np.int64)) <= 0)


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("hbm_vendors.v.capacity=1 kW:2 kW", "expected an HBM stack rate"),
        ("nothing.here=1x:2x", "names no parameter"),
        ("hbm_vendors=2 stack/month:3 stack/month", "give one, or multipliers"),
        ("sites.s.power.grid.wait=1 month", "expected LOW:HIGH"),
    ],
)
def test_bad_vary_is_a_clear_error(text, message):
    with pytest.raises(ValueError, match=message):
        resolve_vary(uncertain_chain(), text)


def _late_grid_world():
    """The chain (500 packages a month from January 2026, crews for a million a month)
    with 1000 packages to install and no power until a grid connection requested on
    2026-01-01 arrives after a wait of uniform(1, 11) months. The one building starts on
    2026-01-01 and is commissioned after lognormal(median 1, P90 8) months. Price and
    FP8 FLOP/s are uncertain too, but nothing here depends on them (no budget, and the
    milestone counts packages).

    The 500th package is installed within an hour of the later of grid and building, so
    first-power falls on the day the later one arrives, ``2026-01-01 + max(wait,
    commissioning)`` months: the first of a month when that is a whole number of months.
    """
    return chain(
        **{
            "sites.s.power": {
                "existing": "0 GW",
                "grid": {
                    "capacity": "2 GW",
                    "requested": "2026-01-01",
                    "wait": _uncertain("uniform", low="1 month", high="11 months"),
                },
            },
            "sites.s.buildings.0.it_capacity": "1 GW",
            "sites.s.buildings.0.start": "2026-01-01",
            "sites.s.buildings.0.commissioning": _uncertain(
                "lognormal", median="1 month", p90="8 months"
            ),
            "programmes.g.target_packages": "1000 package",
            "products.p.price": _uncertain(
                "uniform", low="USD 20000/package", high="USD 40000/package"
            ),
            "products.p.flops.FP8": _uncertain("uniform", low="3 PFLOP/s", high="5 PFLOP/s"),
            "milestones": {
                "first-power": {
                    "quantity": "packages_installed",
                    "threshold": "500 package",
                    "programme": "g",
                }
            },
        }
    )


def _uncertain(dist: str, **values: str) -> dict:
    return {"dist": dist, **values, "source": SOURCE}


# Days from 2026-01-01 to the first of each month of 2026 (by the calendar).
FIRST_OF_MONTH = {
    month: int((np.datetime64(f"2026-{month:02d}-01") - np.datetime64("2026-01-01")).astype(int))
    for month in range(1, 13)
}
WAIT = "sites.s.power.grid.wait"
COMMISSIONING = "sites.s.buildings[0].commissioning"
NO_EFFECT = {"products.p.price", "products.p.flops.FP8"}
SAME_DAY = 0.05  # the 500 packages take about 20 minutes to install at a million a month


def test_tornado_swings_are_the_hand_computed_days():
    """Central point: wait 6 months (median of 1..11), commissioning 1 month, so
    first-power on 2026-07-01, day 181. Wait at P10 = 2 and P90 = 10 months: 2026-03-01
    and 2026-11-01, days 59 and 304, a swing of 245 days. Commissioning at its P10
    (1/8 month) changes nothing; at its P90 (8 months) the building comes after the
    grid: 2026-09-01, day 243, a swing of 62 days. Price and FLOP/s: no swing."""
    scenario = _late_grid_world()
    result = sensitivity(
        scenario, "tornado", Output.parse("milestone:first-power", scenario), execution=SERIAL
    )
    assert FIRST_OF_MONTH[7] == 181
    assert result.base.values == pytest.approx([FIRST_OF_MONTH[7]] * 4, abs=SAME_DAY)
    wait = result.sel(input=WAIT)
    assert (wait.low_value.item(), wait.high_value.item()) == pytest.approx((2.0, 10.0))
    assert wait.output_low.item() == pytest.approx(FIRST_OF_MONTH[3], abs=SAME_DAY)  # 59
    assert wait.output_high.item() == pytest.approx(FIRST_OF_MONTH[11], abs=SAME_DAY)  # 304
    assert wait.swing.item() == pytest.approx(245.0, abs=2 * SAME_DAY)
    building = result.sel(input=COMMISSIONING)
    assert (building.low_value.item(), building.high_value.item()) == pytest.approx((1 / 8, 8))
    assert building.output_low.item() == pytest.approx(FIRST_OF_MONTH[7], abs=SAME_DAY)
    assert building.output_high.item() == pytest.approx(FIRST_OF_MONTH[9], abs=SAME_DAY)  # 243
    assert building.swing.item() == pytest.approx(62.0, abs=2 * SAME_DAY)
    for name in NO_EFFECT:
        assert result.swing.sel(input=name).item() == 0.0
    # Ranked by the hand-known magnitudes: 245 days, 62 days, then the two without effect.
    assert list(result.input.values[:2]) == [WAIT, COMMISSIONING]
    assert set(result.input.values[2:]) == NO_EFFECT


def test_a_tornado_of_a_milestone_written_as_text_is_in_days():
    # The command line's form of the output; the swings and bases are in days.
    scenario = _late_grid_world()
    result = sensitivity(scenario, "tornado", "milestone:first-power", execution=SERIAL)
    assert result.swing.sel(input=WAIT).item() == pytest.approx(245.0, abs=2 * SAME_DAY)
    for name in ("swing", "output_low", "output_high", "base"):
        assert result[name].attrs["units"] == "day"


@pytest.mark.parametrize("method", ["Tornado", "tornade", "sobol'"])
def test_an_unknown_method_is_refused_before_any_run(method, monkeypatch):
    # Anything but tornado and morris used to run a Sobol' study (n x (inputs + 2) runs).
    scenario = _late_grid_world()
    monkeypatch.setattr(scenario_sensitivity, "run_plan", _no_runs)
    with pytest.raises(
        ValueError, match=f"method: expected one of tornado, morris, sobol, found {method!r}"
    ):
        sensitivity(scenario, method, "milestone:first-power", execution=SERIAL)


def test_an_unknown_output_is_refused_before_any_run(monkeypatch):
    scenario = _late_grid_world()
    monkeypatch.setattr(scenario_sensitivity, "run_plan", _no_runs)
    with pytest.raises(ValueError, match="found 'milestone:first-gw'"):
        sensitivity(scenario, "tornado", "milestone:first-gw", execution=SERIAL)


def _no_runs(*args, **kwargs):
    raise AssertionError("a run was started")


def test_sweep_of_the_grid_wait_moves_first_power_by_whole_months():
    """Waits of 2, 6 and 10 months with everything else central (commissioning 1 month):
    first-power on 2026-03-01, 07-01 and 11-01, by the calendar."""
    scenario = _late_grid_world()
    varies = [resolve_vary(scenario, f"{WAIT}=2 months:10 months:3")]
    result = sweep(scenario, varies, execution=SERIAL)
    wait = result.input_value.sel(parameter=WAIT).values
    dates = result.milestone_date.sel(milestone="first-power").values
    days = (dates - np.datetime64("2026-01-01")) / np.timedelta64(1, "D")
    by_wait = dict(zip(wait.tolist(), days.tolist(), strict=True))
    assert sorted(by_wait) == pytest.approx([2.0, 6.0, 10.0])
    expected = [FIRST_OF_MONTH[3], FIRST_OF_MONTH[7], FIRST_OF_MONTH[11]]
    assert [by_wait[w] for w in sorted(by_wait)] == pytest.approx(expected, abs=SAME_DAY)


def test_morris_gives_no_effect_to_inputs_that_cannot_move_the_milestone():
    scenario = _late_grid_world()
    output = Output.parse("milestone:first-power", scenario)
    result = sensitivity(scenario, "morris", output, trajectories=4, seed=5, execution=SERIAL)
    assert result.attrs["evaluations"] == 4 * (4 + 1)  # trajectories x (inputs + 1)
    for name in NO_EFFECT:
        assert result.mu_star.sel(input=name).item() == 0.0
    # The two inputs that do move it have effects; their sizes are not hand-known here
    # (Morris' levels include the lognormal's far tail, where the building never ends).
    assert result.mu_star.sel(input=WAIT).item() > 0.0
    assert result.mu_star.sel(input=COMMISSIONING).item() > 0.0


def test_time_varying_sobol_indices_have_a_time_axis():
    scenario = uncertain_chain()
    output = Output.parse("series:it_power_online:g", scenario)
    result = sensitivity(scenario, "sobol", output, n=16, seed=3, execution=SERIAL)
    assert result.S1.dims == ("input", "output")
    assert result.sizes["output"] == 24
    assert str(result.time.values[0])[:10] == "2026-01-01"
    early = result.ST.isel(output=slice(1, 8)).mean("output")
    assert early.idxmax("input").item() == "sites.s.power.grid.wait"
    assert np.isfinite(result.S1.isel(output=slice(6, None))).all()
    # what was measured, whose, and in what unit: programme g's IT power, in watts
    assert (result.attrs["output"], result.attrs["output_units"]) == (
        "series:it_power_online:g",
        "W",
    )


def test_sensitivity_and_sweep_commands(tmp_path, capsys):
    path = tmp_path / "chain.yaml"
    path.write_text(dump_scenario(uncertain_chain()), encoding="utf-8")
    code = main(
        [
            "sensitivity",
            str(path),
            "--method",
            "morris",
            "--trajectories",
            "4",
            "--output",
            "milestone:five-mw",
            "--workers",
            "1",
            "--no-progress",
            "-o",
            str(tmp_path / "m.nc"),
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "morris on 4 inputs, 20 runs" in out
    assert (tmp_path / "m.nc").exists()
    code = main(
        [
            "sweep",
            str(path),
            "--vary",
            "sites.s.power.grid.wait=1 month:9 months:3",
            "--workers",
            "1",
            "--no-progress",
        ]
    )
    out = capsys.readouterr().out
    assert code == 0
    assert "milestone five-mw" in out
    assert main(["sensitivity", str(path), "--output", "milestone:nope"]) == 2
    assert "expected milestone:NAME" in capsys.readouterr().err
    assert (
        main(
            [
                "sensitivity",
                str(path),
                "--method",
                "sobol",
                "--n",
                "100",
                "--output",
                "milestone:five-mw",
            ]
        )
        == 2
    )
    assert "power of two" in capsys.readouterr().err


def test_a_tornado_marks_the_ends_at_which_the_milestone_is_not_met(capsys):
    # Input a at its P90 leaves the milestone unmet (counted as day 100, the day after
    # the horizon): its swing of 60 days is marked, b's is not. c moves nothing: it is
    # counted, not listed (a table of zeros hid the inputs that matter, as its chart
    # leaves them out).
    import xarray as xr

    from capsim.cli.study_commands import _format_ranking, _ranking

    result = xr.Dataset(
        {
            "output_low": ("input", [40.0, 50.0, 55.0]),
            "output_high": ("input", [100.0, 70.0, 55.0]),
            "swing": ("input", [60.0, 20.0, 0.0]),
        },
        coords={"input": ["a", "b", "c"]},
        attrs={"not_met_days": 100.0, "output_units": "day"},
    )
    rows, units, note, omitted = _ranking(result, "tornado")
    assert [row["not_met_at"] for row in rows] == ["P90", None]
    text = _format_ranking(
        rows, ranked=2, method="tornado", units=units, note=note, omitted=omitted
    )
    lines = text.splitlines()
    assert lines[0].startswith("a milestone not met within the horizon counts as the day after")
    assert lines[2].endswith("60.0  not met at P90")
    assert lines[3].endswith("20.0")
    assert lines[4] == "1 of 3 inputs move it by nothing: not listed"


def test_sweep_from_python_checks_its_values_like_the_file():
    # As `capsim sweep` does: a grid wait of -2 months is refused before anything runs.
    scenario = uncertain_chain()
    vary = resolve_vary(scenario, "sites.s.power.grid.wait=-2 months:3 months:2")
    with pytest.raises(ScenarioError, match="expected a duration"):
        sweep(scenario, [vary], execution=SERIAL)
