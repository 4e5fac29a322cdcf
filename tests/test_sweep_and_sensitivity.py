"""Sweeps over chosen inputs and sensitivity studies of a scenario, through the
functions and commands users call."""

from __future__ import annotations

import numpy as np
import pytest

from builders import uncertain_chain
from capsim.analysis.scenario_sensitivity import Output, sensitivity
from capsim.cli.main import main
from capsim.scenario.io import dump_scenario
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


def test_tornado_ranks_by_swing_and_swing_is_the_output_difference():
    scenario = uncertain_chain()
    result = sensitivity(
        scenario, "tornado", Output.parse("milestone:five-mw", scenario), execution=SERIAL
    )
    swing = result.swing.values
    assert np.all(np.diff(swing) <= 0)
    np.testing.assert_allclose(swing, np.abs(result.output_high - result.output_low))
    assert result.input.values[0] == "sites.s.power.grid.wait"


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
