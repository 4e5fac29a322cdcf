"""Monte Carlo studies: reproducible whatever the workers or scheduler, resumable after
a kill, failures recorded, and statistically stable."""

from __future__ import annotations

import signal
import subprocess
import sys
import time

import numpy as np
import pytest
import xarray as xr
from hypothesis import HealthCheck, given, settings

from builders import uncertain_chain
from capsim.analysis.uncertainty import binding_mix, claim_probability, milestone_quantiles
from capsim.scenario.io import dump_scenario
from capsim.sweep import runner
from capsim.sweep.runner import Execution
from capsim.sweep.study import monte_carlo
from worlds import worlds

SAMPLES = 48


def _study(tmp_path, name, **execution):
    return monte_carlo(
        uncertain_chain(),
        SAMPLES,
        seed=7,
        store=tmp_path / f"{name}.zarr",
        execution=Execution(chunk=8, progress=False, **execution),
    ).load()


@pytest.fixture(scope="module")
def serial(tmp_path_factory):
    return _study(tmp_path_factory.mktemp("serial"), "serial", workers=1)


def test_same_results_with_two_worker_processes(serial, tmp_path):
    xr.testing.assert_identical(serial, _study(tmp_path, "pool", workers=2))


def test_same_results_on_a_dask_local_cluster(serial, tmp_path):
    xr.testing.assert_identical(serial, _study(tmp_path, "dask", dask_local=2))


def test_sampled_inputs_are_coordinates_with_units(serial):
    names = list(serial.parameter.values)
    assert "products.p.it_power" in names
    assert "risks.cowos-fire.occurs" in names
    power = serial.input_value.sel(parameter="products.p.it_power").values
    assert power.min() >= 1800.0
    assert power.max() <= 2400.0
    assert serial.parameter_unit.sel(parameter="products.p.it_power").item() == "W"
    occurs = serial.input_value.sel(parameter="risks.cowos-fire.occurs").values
    assert set(np.unique(occurs)) <= {0.0, 1.0}


def test_seed_zero_is_a_seed(tmp_path):
    a = monte_carlo(uncertain_chain(), 8, seed=0, execution=Execution(workers=1, progress=False))
    b = monte_carlo(uncertain_chain(), 8, seed=0, execution=Execution(workers=1, progress=False))
    c = monte_carlo(uncertain_chain(), 8, seed=1, execution=Execution(workers=1, progress=False))
    np.testing.assert_array_equal(a.input_value.values, b.input_value.values)
    assert not np.array_equal(a.input_value.values, c.input_value.values)


def test_a_failing_sample_is_recorded_and_the_study_goes_on(tmp_path, monkeypatch):
    real = runner.run_sample

    def flaky(scenario, draw):
        if draw["products.p.it_power"] > 2300.0:
            raise RuntimeError("boom")
        return real(scenario, draw)

    monkeypatch.setattr(runner, "run_sample", flaky)
    result = monte_carlo(
        uncertain_chain(),
        SAMPLES,
        seed=7,
        store=tmp_path / "flaky.zarr",
        execution=Execution(workers=1, chunk=8, progress=False),
    )
    power = result.input_value.sel(parameter="products.p.it_power").values
    failed = result.failed.values
    np.testing.assert_array_equal(failed, power > 2300.0)
    assert 0 < failed.sum() < SAMPLES
    assert np.isnan(result.it_power_online.values[failed]).all()
    assert not np.isnan(result.it_power_online.values[~failed]).any()
    from capsim.sweep.sample import outline
    from capsim.sweep.store import StudyStore

    errors = StudyStore(tmp_path / "flaky.zarr", 8, outline(uncertain_chain())).errors()
    assert set(errors) == set(np.flatnonzero(failed).tolist())
    assert all(message == "RuntimeError: boom" for message in errors.values())


def test_killed_study_resumes_to_the_same_result(tmp_path):
    scenario_file = tmp_path / "study.yaml"
    scenario_file.write_text(dump_scenario(uncertain_chain()), encoding="utf-8")
    store = tmp_path / "killed.zarr"
    command = _run_command(scenario_file, store, "--seed", "7")
    process = subprocess.Popen(command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if _chunks_done(store) >= 3:
                break
            time.sleep(0.2)
        process.send_signal(signal.SIGKILL)
    finally:
        process.wait(timeout=30)
    done_before = _chunks_done(store)
    assert 3 <= done_before < 25
    resumed = subprocess.run(
        [*command, "--resume"], capture_output=True, text=True, timeout=600, check=False
    )
    assert resumed.returncode == 0, resumed.stderr
    whole = monte_carlo(
        uncertain_chain(),
        200,
        seed=7,
        store=tmp_path / "whole.zarr",
        execution=Execution(workers=1, chunk=8, progress=False),
    )
    xr.testing.assert_identical(xr.open_zarr(store, consolidated=True).load(), whole.load())


def _run_command(scenario_file, store, *extra: str) -> list[str]:
    """``capsim run`` of 200 samples in chunks of 8 on one worker, into ``store``."""
    return [
        sys.executable,
        "-m",
        "capsim",
        "run",
        str(scenario_file),
        "--samples",
        "200",
        *extra,
        "--workers",
        "1",
        "--chunk",
        "8",
        "--no-progress",
        "-o",
        str(store),
    ]


def _chunks_done(store) -> int:
    try:
        with xr.open_zarr(store, consolidated=True) as dataset:
            return int(dataset.chunk_done.values.sum())
    except (FileNotFoundError, KeyError, ValueError, OSError):
        return 0


def test_interrupt_keeps_finished_chunks(tmp_path):
    scenario_file = tmp_path / "study.yaml"
    scenario_file.write_text(dump_scenario(uncertain_chain()), encoding="utf-8")
    store = tmp_path / "interrupted.zarr"
    command = _run_command(scenario_file, store)
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and _chunks_done(store) < 2:
        time.sleep(0.2)
    process.send_signal(signal.SIGINT)
    out, err = process.communicate(timeout=60)
    assert process.returncode == 130
    assert "continue with --resume" in out
    assert "Traceback" not in err
    assert _chunks_done(store) >= 2


def test_two_independent_runs_agree_on_the_median_milestone():
    results = [
        monte_carlo(uncertain_chain(), 1000, seed=seed, execution=Execution(progress=False))
        for seed in (101, 202)
    ]
    days = []
    for result in results:
        dates = result.milestone_date.sel(milestone="five-mw").values
        assert np.isnat(dates).mean() < 0.2  # not met within the horizon: later than any date
        offset = (dates - np.datetime64("2026-01-01")).astype("timedelta64[D]").astype(float)
        days.append(np.where(np.isnat(dates), np.inf, offset))
    rng = np.random.default_rng(0)
    boot = [
        np.median(rng.choice(days[0], days[0].size)) - np.median(rng.choice(days[1], days[1].size))
        for _ in range(500)
    ]
    low, high = np.quantile(boot, [0.005, 0.995])
    assert low <= 0.0 <= high
    for result in results:
        q = milestone_quantiles(result).sel(milestone="five-mw").values
        assert q[0] <= q[1] <= q[2]
        assert 0.0 < float(claim_probability(result).sel(claim="five-mw-2026q3")) < 1.0


def _draw(study: xr.Dataset, sample: int) -> dict[str, float]:
    row = study.input_value.isel(sample=sample).values
    return dict(zip(study.parameter.values.tolist(), map(float, row), strict=True))


def test_a_store_is_dated_again_without_running(serial):
    """A milestone added after the study is dated from the store as a run of the same
    draw dates it, and the stored milestones come out as stored."""
    from capsim.simulation import simulate
    from capsim.sweep.sample import redate

    scenario = uncertain_chain(
        **{
            "milestones.two-mw": {
                "quantity": "facility_power_online",
                "threshold": "2 MW",
                "programme": "g",
            },
            "milestones.half-built": {"quantity": "packages_installed", "threshold": "700 package"},
        }
    )
    dates = redate(serial, scenario)
    np.testing.assert_array_equal(
        dates.sel(milestone="five-mw").values, serial.milestone_date.sel(milestone="five-mw").values
    )
    for sample in (0, 5, 17):
        run = simulate(scenario, draw=_draw(serial, sample))
        np.testing.assert_array_equal(
            dates.isel(sample=sample).values, run.milestone_date.values, err_msg=str(sample)
        )


def test_redating_with_another_scenario_is_refused_naming_the_difference(serial):
    # Dates of a scenario the study did not run would be wrong without a word (a changed
    # input) or fail inside (a milestone of a programme the study does not have).
    from capsim.sweep.sample import redate

    with pytest.raises(ValueError, match="the study ran another scenario") as refusal:
        redate(serial, uncertain_chain(**{"products.p.tdp": "1100 W"}))
    assert "products.p.tdp.value stored 1000.0 W, asked 1100.0 W" in str(refusal.value)


def test_a_single_run_is_not_summarised_as_a_study():
    # A run has no sample dimension: a clear refusal, not a KeyError from inside xarray.
    from capsim.simulation import simulate

    run = simulate(uncertain_chain())
    for summary in (milestone_quantiles, claim_probability, binding_mix):
        with pytest.raises(ValueError, match="expected a Monte Carlo study"):
            summary(run)
    with pytest.raises(ValueError, match="found a single run"):
        milestone_quantiles(run.milestone_date)


def test_quantiles_of_redated_dates_leave_out_the_samples_that_did_not_run():
    # Three samples met the milestone in January, February and March 2026; a fourth did
    # not run (NaT, not usable). Of the three, the P90 (inverted CDF: the third of
    # three) is March; counted as "not met", the fourth would make it NaT.
    dates = xr.DataArray(
        np.array([["2026-01-01"], ["2026-02-01"], ["2026-03-01"], ["NaT"]], "datetime64[ns]"),
        dims=("sample", "milestone"),
        coords={"milestone": ["m"], "usable": ("sample", [True, True, True, False])},
    )
    found = milestone_quantiles(dates, quantiles=(0.9,)).sel(milestone="m").values
    assert found == np.array(["2026-03-01"], "datetime64[ns]")
    assert np.isnat(milestone_quantiles(dates.drop_vars("usable"), (0.9,)).values).all()


def test_a_study_keeps_each_buildings_dates_and_critical_path(serial):
    from capsim.simulation import simulate

    labels = serial.critical_path.attrs["flag_meanings"].split()
    for sample in (2, 11):
        run = simulate(uncertain_chain(), draw=_draw(serial, sample))
        stored = serial.isel(sample=sample)
        np.testing.assert_array_equal(stored.building_ready.values, run.building_ready.values)
        np.testing.assert_array_equal(stored.construction_done.values, run.construction_done.values)
        assert [labels[code].replace("_", " ") for code in stored.critical_path.values] == [
            label.replace("_", " ") for label in run.critical_path.values
        ]
        np.testing.assert_allclose(stored.critical_margin.values, run.critical_margin.values)


def test_a_study_keeps_every_point_of_a_building_energised_in_many_blocks():
    """A 1.92 MW building in 48 blocks of 40 kW (20 slots of 2000 W each), one built
    every 0.25 month from 2026-01-01 on a site with power to spare. Deliveries (500 a
    month) always exceed the 80 slots a month opens and the crews install 10^6 packages
    a month, so each block is one lot of 20 packages over 2e-5 months: 1 + 2 x 48 = 97
    points, more than one a month, all kept."""
    from builders import chain
    from capsim.sweep.sample import run_sample

    scenario = chain(
        **{
            "sites.s.buildings.0.it_capacity": "1.92 MW",
            "sites.s.buildings.0.start": "2026-01-01",
            "sites.s.buildings.0.blocks": 48,
            "sites.s.buildings.0.block_interval": "0.25 month",
        }
    )
    stored = run_sample(scenario, {})
    times, counts = stored["install_time"][0], stored["install_count"][0]
    kept = ~np.isnan(times)
    assert kept.sum() == 97
    starts = 0.25 * np.arange(48)
    np.testing.assert_allclose(times[kept][1::2], starts, atol=1e-9)
    np.testing.assert_allclose(times[kept][2::2], starts + 20 / 1e6, atol=1e-9)
    np.testing.assert_allclose(counts[kept][2::2], 20.0 * np.arange(1, 49), rtol=1e-9)


@settings(max_examples=20, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(worlds())
def test_a_study_has_room_for_every_installation_path(world) -> None:
    """Random worlds (shared sites among them): no site's or tenant's installation path
    has more points than a study keeps."""
    from capsim.model import run
    from capsim.sweep.sample import install_points

    room = install_points(world.scenario)
    progress = run(world.scenario, world.draw).progress
    for label, (times, _) in zip(progress.tenancies, progress.installs, strict=True):
        assert len(times) <= room, f"{label}: {len(times)} points, room for {room}"


@pytest.mark.parametrize("samples", [0, -3, 2.5, True])
def test_a_study_of_no_samples_is_refused(samples):
    # It returned an empty study without a word.
    with pytest.raises(
        ValueError, match=f"samples: expected a whole number >= 1, found {samples!r}"
    ):
        monte_carlo(uncertain_chain(), samples, execution=Execution(workers=1, progress=False))
