"""Results fit the ecosystem: CF metadata that cf_xarray reads, units that pint-xarray
quantifies, the same coded categories in NetCDF and Zarr, and tidy tables small enough
to hold in memory."""

from __future__ import annotations

import cf_xarray  # noqa: F401  (registers the .cf accessor)
import numpy as np
import pint_xarray  # noqa: F401  (registers the .pint accessor)
import pytest
import xarray as xr

from builders import uncertain_chain
from capsim.model.conventions import CODES
from capsim.results import open_result, save_result, tables
from capsim.scenario.loader import load_scenario
from capsim.simulation import simulate
from capsim.sweep.runner import Execution
from capsim.sweep.study import monte_carlo
from capsim.units import registry

MEGABYTE = 1e6


@pytest.fixture(scope="module")
def scenario():
    return uncertain_chain()


@pytest.fixture(scope="module")
def run(scenario):
    return simulate(scenario)


@pytest.fixture(scope="module")
def study_path(scenario, tmp_path_factory):
    path = tmp_path_factory.mktemp("study") / "study.zarr"
    monte_carlo(scenario, 4, seed=1, store=path, execution=Execution(workers=1, progress=False))
    return path


def test_cf_xarray_finds_the_time_axis_and_its_month_bounds(run):
    assert run.attrs["Conventions"].startswith("CF-")
    assert run.cf["T"].name == "time"
    bounds = run.cf.get_bounds("time").values.astype("datetime64[D]")
    # The horizon starts 2026-01-01: the first month runs to the first of February,
    # and every month ends where the next starts.
    assert bounds[0].tolist() == [np.datetime64("2026-01-01"), np.datetime64("2026-02-01")]
    np.testing.assert_array_equal(bounds[1:, 0], bounds[:-1, 1])
    assert "first day of each month" in run.attrs["time_convention"]


def test_every_variable_in_the_file_has_units_and_a_long_name(run, tmp_path):
    path = save_result(run, tmp_path / "run.nc")
    with xr.open_dataset(path, engine="h5netcdf", decode_times=False) as raw:
        for name, variable in raw.data_vars.items():
            assert variable.attrs.get("long_name"), name
            assert "units" in variable.attrs, name
            registry.parse_units(variable.attrs["units"].split(" since ")[0])
        for name, coordinate in raw.coords.items():
            assert coordinate.attrs.get("long_name"), name
    assert raw["time"].attrs["units"].startswith("days since")


def test_a_study_store_carries_the_same_metadata(study_path):
    with xr.open_zarr(study_path) as study:
        assert study.attrs["Conventions"].startswith("CF-")
        assert study.cf["T"].name == "time"
        for name, variable in study.variables.items():
            assert variable.attrs.get("long_name"), name
            # Sampled inputs have one unit per parameter, named by parameter_unit.
            if variable.dtype.kind not in "MUO" and name != "input_value":
                registry.parse_units(variable.attrs["units"])


def test_pint_xarray_quantifies_a_result_in_capsims_units(run):
    quantified = run.pint.quantify(unit_registry=registry)
    gigawatts = quantified["it_power_online"].pint.to("GW").pint.magnitude
    np.testing.assert_allclose(gigawatts, run["it_power_online"].values / 1e9)
    assert str(quantified["h100e_online"].pint.units) == "H100e"
    assert quantified["capex_spent"].pint.to("MUSD").pint.magnitude.max() == pytest.approx(
        run["capex_spent"].values.max() / 1e6
    )
    # One kilo-package is a thousand packages; a stack is not a package.
    assert registry.Quantity(1, "kpackage").to("package").magnitude == pytest.approx(1000)
    assert not registry.Quantity(1, "stack").is_compatible_with("package")


def test_categories_are_int8_codes_with_flags_in_netcdf_and_zarr(run, study_path, tmp_path):
    path = save_result(run, tmp_path / "run.nc")
    with (
        xr.open_dataset(path, engine="h5netcdf") as netcdf,
        xr.open_zarr(study_path) as zarr,
    ):
        for name in CODES:
            assert netcdf[name].dtype == np.int8 == zarr[name].dtype, name
            for key in ("flag_meanings", "units"):
                assert netcdf[name].attrs[key] == zarr[name].attrs[key], (name, key)
            np.testing.assert_array_equal(
                netcdf[name].attrs["flag_values"], zarr[name].attrs["flag_values"]
            )
    xr.testing.assert_identical(open_result(path), run)  # labels again, metadata kept


def test_tables_have_one_row_per_combination_of_their_own_dimensions(run, study_path):
    frames = tables(run)
    assert "time, programme" in frames
    for key, frame in frames.items():
        dims = key.split(", ")
        assert len(frame) == np.prod([run.sizes[dim] for dim in dims]), key
    programmes = frames["time, programme"]
    assert programmes.attrs["units"]["it_power_online"] == "W"
    with xr.open_zarr(study_path) as study:
        coded = tables(study.load())["sample, time, product"]["binding_input"]
    assert set(coded.cat.categories) == set(CODES["binding_input"])


def test_each_table_of_the_ten_gigawatt_deal_fits_in_100_mb():
    result = simulate(load_scenario("scenarios/openai-nvidia-10gw.yaml"))
    for key, frame in tables(result).items():
        assert frame.memory_usage(deep=True).sum() < 100 * MEGABYTE, key


def test_a_programme_keeps_its_buyer_and_intermediary_in_the_file(tmp_path):
    # The chain's programme g is bought by "b"; written here as bought through a cloud
    # provider, it is recorded as such; one buying directly has "" as its intermediary.
    scenario = uncertain_chain(**{"programmes.g.via": "cloud"})
    path = save_result(simulate(scenario), tmp_path / "via.nc")
    with open_result(path) as result:
        assert result["programme_buyer"].sel(programme="g").item() == "b"
        assert result["programme_via"].sel(programme="g").item() == "cloud"
    with open_result(save_result(simulate(uncertain_chain()), tmp_path / "direct.nc")) as direct:
        assert direct["programme_via"].sel(programme="g").item() == ""
