"""Charts show what the results say: the right bands, lines, bars and labels, drawn
from real small runs, studies, sweeps and sensitivity Datasets; and `capsim plot`
writes PNG, SVG and PDF files."""

from __future__ import annotations

import argparse

import matplotlib

# Files only, no windows. matplotlib.use, not MPLBACKEND: an environment variable set
# here would reach the notebook kernels other tests start, and hide their inline charts.
matplotlib.use("Agg")

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import pytest
import xarray as xr
from matplotlib.collections import PolyCollection, QuadMesh
from matplotlib.colors import to_rgb
from matplotlib.patches import Rectangle
from matplotlib.text import Text

from builders import uncertain_chain
from capsim.analysis import sensitivity as sa
from capsim.analysis.uncertainty import binding_mix, claim_probability
from capsim.cli import plot_command
from capsim.cli.options import CommandError
from capsim.plots import (
    KINDS,
    plot_bottlenecks,
    plot_fan,
    plot_flow,
    plot_gantt,
    plot_milestone,
    plot_morris,
    plot_sobol,
    plot_sobol_time,
    plot_sweep,
    plot_tornado,
)
from capsim.plots.style import BINDING_STYLE, new_axes, title
from capsim.results import save_result
from capsim.simulation import simulate
from capsim.sweep.runner import Execution
from capsim.sweep.study import monte_carlo, resolve_vary, sweep

CLAIM = "five-mw-2026q3"
SERIAL = Execution(workers=1, progress=False)


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


@pytest.fixture(scope="module")
def scenario():
    return uncertain_chain()


@pytest.fixture(scope="module")
def run(scenario):
    return simulate(scenario)


@pytest.fixture(scope="module")
def study(scenario):
    return monte_carlo(scenario, 32, seed=3, execution=SERIAL)


@pytest.fixture(scope="module")
def deadline(scenario):
    return mdates.date2num(np.datetime64(scenario.claims[CLAIM].by, "ns"))


def _bands(ax) -> list[PolyCollection]:
    return [c for c in ax.collections if isinstance(c, PolyCollection)]


def _legend(ax) -> list[str]:
    legend = ax.get_legend()
    return [text.get_text() for text in legend.get_texts()] if legend else []


def _vertical_at(ax, x: float) -> bool:
    return any(
        np.allclose(mdates.date2num(np.asarray(line.get_xdata())), x) for line in ax.get_lines()
    )


def _bars(ax) -> list[Rectangle]:
    return [p for p in ax.patches if isinstance(p, Rectangle)]


# -- fan -----------------------------------------------------------------------------


def test_fan_of_a_study_draws_the_p10_p90_band_the_median_and_the_claim(study, deadline):
    ax = plot_fan(study, claim=CLAIM)
    assert ax.get_ylabel() == "IT power online (MW)"
    assert ax.get_xlabel().startswith("date")
    assert len(_bands(ax)) == 1
    values = study["it_power_online"].sel(programme="g").values.astype(float)
    median = next(line for line in ax.get_lines() if line.get_label() == "P50 (median)")
    np.testing.assert_allclose(median.get_ydata(), np.quantile(values, 0.5, axis=0))
    target = next(line for line in ax.get_lines() if line.get_label().startswith("target"))
    assert np.allclose(target.get_ydata(), 5e6)
    assert _vertical_at(ax, deadline)
    labels = _legend(ax)
    assert labels[0] == "P10\u2013P90 across 32 samples"
    probability = float(claim_probability(study).sel(claim=CLAIM))
    assert any(f"holds in {100 * probability:.0f} % of samples" in label for label in labels)
    assert len(labels) == 4  # band, median, deadline, target: every series named


def test_a_study_chart_names_what_reproduces_it(study):
    # The footnote gives the study's size, design and seed beside the scenario.
    footnote = plot_fan(study).figure.get_supxlabel()
    assert footnote.endswith("; 32 samples, random design, seed 3")


def test_fan_leaves_failed_samples_out(study):
    broken = study.copy(deep=True)
    broken["failed"][:4] = True
    broken["it_power_online"][:4] = np.nan
    ax = plot_fan(broken)
    assert _legend(ax)[0] == "P10\u2013P90 across 28 samples"
    median = ax.get_lines()[0]
    assert np.isfinite(median.get_ydata()).all()
    assert "4 failed" in ax.get_title(loc="left")


def test_fan_of_a_study_read_from_its_store(scenario, tmp_path):
    # A study saved with store= is read back lazily (dask arrays, chunked by sample):
    # the headline's median is the P50 the chart draws at the horizon's end.
    stored = monte_carlo(scenario, 8, seed=3, store=tmp_path / "s.zarr", execution=SERIAL)
    assert stored["it_power_online"].chunks is not None
    ax = plot_fan(stored)
    values = stored["it_power_online"].sel(programme="g").values.astype(float)
    median = next(line for line in ax.get_lines() if line.get_label() == "P50 (median)")
    np.testing.assert_allclose(median.get_ydata(), np.quantile(values, 0.5, axis=0))
    assert "P50" in ax.get_title(loc="left")


def test_fan_of_a_single_run_is_its_line(run, deadline):
    ax = plot_fan(run, claim=CLAIM)
    assert _bands(ax) == []
    central = ax.get_lines()[0]
    np.testing.assert_allclose(central.get_ydata(), run["it_power_online"].sel(programme="g"))
    assert _vertical_at(ax, deadline)
    assert any(label.endswith("\nmet") for label in _legend(ax))


# -- milestones ----------------------------------------------------------------------


def test_milestone_cdf_shows_the_claim_probability_and_its_deadline(study, deadline):
    ax = plot_milestone(study, claim=CLAIM)
    dates = study["milestone_date"].sel(milestone="five-mw").values
    expected = np.mean(dates <= np.datetime64("2026-09-30"))
    assert expected == pytest.approx(float(claim_probability(study).sel(claim=CLAIM)))
    texts = [text.get_text() for text in ax.texts]
    assert f"P({CLAIM} holds) = {100 * expected:.0f} %" in texts
    assert _vertical_at(ax, deadline)
    cdf = ax.get_lines()[0]
    x = np.asarray(cdf.get_xdata()).astype("datetime64[ns]")
    y = np.asarray(cdf.get_ydata())
    assert y[np.searchsorted(x, np.datetime64("2026-09-30"), side="right") - 1] == expected
    assert ax.get_ylabel().endswith("(%)")


def test_milestone_never_met_is_noted_as_such(study):
    ax = plot_milestone(study, "first-gw")
    assert "100 % not met by 2027-12-31" in [text.get_text() for text in ax.texts]
    assert np.all(np.asarray(ax.get_lines()[0].get_ydata()) == 0)


def test_milestone_histogram_bars_add_up_to_the_share_met(study):
    ax = plot_milestone(study, "five-mw", kind="hist")
    heights = [bar.get_height() for bar in _bars(ax)]
    assert len(heights) == study.sizes["time"]
    met = ~np.isnat(study["milestone_date"].sel(milestone="five-mw").values)
    assert sum(heights) == pytest.approx(met.mean())


# -- bottlenecks ---------------------------------------------------------------------


def test_bottlenecks_of_a_study_stack_the_binding_shares(study):
    ax = plot_bottlenecks(study)
    mix = binding_mix(study).sel(programme="g").fillna(0)
    present = [str(i) for i in mix.input.values if mix.sel(input=i).max() > 0]
    assert len(_bands(ax)) == len(present)
    assert sorted(_legend(ax)) == sorted(name.replace("_", " ") for name in present)
    top = _bands(ax)[-1].get_paths()[0].vertices[:, 1]
    assert top.max() == pytest.approx(1.0)
    assert ax.get_ylabel() == "Samples in which it binds (%)"
    colours = {band.get_label(): band.get_facecolor()[0][:3] for band in _bands(ax)}
    for name in present:  # each input in its own colour
        assert np.allclose(colours[name], to_rgb(BINDING_STYLE[name][0])), name


def test_bottlenecks_of_a_single_run_mark_the_binding_input_per_month(run):
    ax = plot_bottlenecks(run)
    codes = set(run["programme_binding"].sel(programme="g").values.astype(str))
    assert sorted(_legend(ax)) == sorted(code.replace("_", " ") for code in codes)


def test_bottlenecks_of_supply_inputs_per_product(study):
    ax = plot_bottlenecks(study, variable="binding_input")
    assert "product p" in ax.get_title(loc="left")


# -- flow and gantt ------------------------------------------------------------------


def test_flow_draws_cumulative_packages_and_the_stranded_stock(run):
    ax = plot_flow(run)
    lines = {line.get_label(): line for line in ax.get_lines()}
    produced = "produced, cumulative (product p, all its programmes)"
    assert set(lines) == {produced, "delivered, cumulative", "installed, cumulative"}
    installed = run["packages_installed"].sel(programme="g").values
    assert lines["installed, cumulative"].get_ydata()[-1] == pytest.approx(installed.sum())
    assert len(_bands(ax)) == 1  # stranded
    assert ax.get_ylabel() == "Packages (thousand packages)"
    assert len(_legend(ax)) == 4


def test_a_title_longer_than_the_figure_wraps_inside_it():
    ax = new_axes(None)
    headline = "Programme korea-national-gpu: " + "10 thousand packages installed " * 6
    title(ax, headline, detail="single run; production of b200 runs off the top")
    figure = ax.figure
    figure.canvas.draw()
    text = ax.get_title(loc="left")
    assert text.startswith("Programme korea-national-gpu: 10 thousand")  # as written
    (shown,) = [c for c in ax.get_children() if isinstance(c, Text) and c.get_text() == text]
    box = shown.get_window_extent(figure.canvas.get_renderer())
    assert figure.bbox.x0 <= box.x0
    assert box.x1 <= figure.bbox.x1


def test_flow_and_gantt_need_a_single_run(study):
    with pytest.raises(ValueError, match="single run"):
        plot_flow(study)
    with pytest.raises(ValueError, match="a Monte Carlo study holds them for every sample"):
        plot_gantt(study)


def test_gantt_highlights_the_critical_segment(run):
    ax = plot_gantt(run)
    assert run["critical_path"].item() == "grid"
    bars = _bars(ax)
    assert len(bars) == 2  # construction, then waiting for power
    wait = bars[1]
    assert wait.get_x() == pytest.approx(mdates.date2num(run["construction_done"].values[0]))
    end = wait.get_x() + wait.get_width()
    assert end == pytest.approx(mdates.date2num(run["building_ready"].values[0]))
    assert np.allclose(wait.get_facecolor()[:3], to_rgb(BINDING_STYLE["grid"][0]))
    assert "critical: waiting for grid power" in _legend(ax)
    assert [t.get_text() for t in ax.get_yticklabels()] == ["s/b1"]
    assert ax.get_xlabel() == "date"


# -- sensitivity ---------------------------------------------------------------------

NAMES = ["hbm_vendors.v.capacity.HBM4", "products.p.it_power", "sites.s.power.grid.wait"]
PROBLEM = sa.Problem(NAMES, lambda u: u * np.array([10.0, 5.0, 2.0]), np.array([5.0, 2.5, 1.0]))


def _model(x):
    return 30 * x[:, 0] + x[:, 1] ** 2 + 2 * x[:, 2]


def _series(x):
    t = np.linspace(0, 1, 12)
    out = np.outer(x[:, 0], 1 - t) + 3 * np.outer(x[:, 1], t) + 0.5 * x[:, 2:3]
    out[:, 0] = 1.0  # no variance in the first month: undefined indices
    return out


def test_tornado_bars_run_from_zero_sorted_by_swing():
    ds = sa.tornado(PROBLEM, _model).assign_attrs(output="milestone:five-mw", output_units="day")
    ax = plot_tornado(ds.isel(input=[2, 0, 1]))  # order of the Dataset does not matter
    bars = _bars(ax)
    assert len(bars) == 2 * len(NAMES)
    assert all(bar.get_x() == 0.0 for bar in bars)
    base = float(ds["base"][0])
    low, high = bars[: len(NAMES)], bars[len(NAMES) :]
    for name, lo, hi in zip(ds.input.values, low, high, strict=True):
        assert lo.get_width() == pytest.approx(float(ds.output_low.sel(input=name)) - base)
        assert hi.get_width() == pytest.approx(float(ds.output_high.sel(input=name)) - base)
    swings = [abs(h.get_width() - lo.get_width()) for lo, h in zip(low, high, strict=True)]
    assert swings == sorted(swings, reverse=True)
    assert [t.get_text() for t in ax.get_yticklabels()] == [str(n) for n in ds.input.values]
    assert ax.get_xlabel().endswith("(days)")
    legend = [t.get_text() for t in ax.figure.legends[0].get_texts()]
    assert legend == ["central run", "input at its P10", "input at its P90"]


def test_morris_scatter_has_one_point_per_input_and_names_the_largest():
    ds = sa.morris(PROBLEM, _model, trajectories=6, seed=1, bootstrap=20)
    ax = plot_morris(ds)
    markers = [line for line in ax.get_lines() if line.get_marker() == "o"]
    assert len(markers) == 1
    points = markers[0]
    np.testing.assert_allclose(np.sort(points.get_xdata()), np.sort(ds["mu_star"].values))
    named = [t.get_text() for t in ax.texts]
    assert set(named) <= set(NAMES)
    assert str(ds["mu_star"].idxmax().item()) in named
    unnamed = len(NAMES) - len(named)
    assert unnamed == 0 or f"{unnamed} smaller inputs not named" in ax.get_title(loc="left")
    assert "\u03bc*" in ax.get_xlabel()


def test_sobol_bars_with_confidence_intervals():
    ds = sa.sobol(PROBLEM, _model, n=64, seed=1, bootstrap=20)
    ax = plot_sobol(ds, top=2)
    bars = _bars(ax)
    assert len(bars) == 4  # S1 and ST for the top 2
    top_two = ds["ST"].to_series().sort_values(ascending=False).index[:2]
    assert [t.get_text() for t in ax.get_yticklabels()] == list(top_two)
    assert [bar.get_width() for bar in bars[2:]] == pytest.approx(ds["ST"].sel(input=top_two))
    assert len(_legend(ax)) == 2
    assert "Sobol" in ax.get_xlabel()


def test_sobol_intervals_are_drawn_within_zero_and_one():
    # Bootstrap intervals of a small study reach past 1 and below 0; a share of the
    # variance cannot, so each interval is drawn cut to 0..1: S1 of "a" 0.9 +- 0.4 from
    # 0.5 to 1; ST of "a" 1.1 +- 0 (an estimate past 1, no interval) nothing; S1 of "b"
    # -0.05 +- 0.02 (wholly below 0) nothing, -0.05 +- 0.2 for ST from 0 to 0.15; a
    # missing estimate nothing.
    ds = xr.Dataset(
        {
            "S1": ("input", [0.9, -0.05, np.nan]),
            "S1_conf": ("input", [0.4, 0.02, 0.3]),
            "ST": ("input", [1.1, -0.05, 0.2]),
            "ST_conf": ("input", [0.0, 0.2, np.nan]),
        },
        coords={"input": ["a", "b", "c"]},
        attrs={"method": "sobol", "confidence": 0.95, "output": "milestone:m"},
    )
    ax = plot_sobol(ds)
    drawn = sorted(
        (float(segment[0, 0]), float(segment[1, 0]))
        for c in ax.collections
        for segment in c.get_segments()
    )
    np.testing.assert_allclose(drawn, [(0.0, 0.15), (0.5, 1.0)])


def test_sobol_over_time_stacks_first_order_shares_at_month_ends():
    months = np.arange("2026-01", "2027-01", dtype="datetime64[M]").astype("datetime64[ns]")
    ds = sa.sobol(PROBLEM, _series, n=64, seed=1, bootstrap=20)
    ds = ds.assign_coords(time=("output", months)).assign_attrs(output="series:it_power_online")
    ax = plot_sobol_time(ds, top=2)
    assert len(_bands(ax)) == 4  # two inputs, "other 1 inputs" and interactions
    assert _legend(ax)[:2] == ["interactions (1 - sum of first-order shares)", "other 1 inputs"]
    ends = np.arange("2026-02", "2027-02", dtype="datetime64[M]").astype("datetime64[ns]")
    assert ax.get_xlim() == pytest.approx(mdates.date2num(ends[[0, -1]]))
    assert ax.get_ylim() == (0.0, 1.0)
    assert "1 months without variance" in ax.get_title(loc="left")
    with pytest.raises(ValueError, match="plot_sobol"):
        plot_sobol_time(sa.sobol(PROBLEM, _model, n=8, seed=1, bootstrap=4))


def test_sobol_over_time_names_inputs_by_their_labels():
    # As the other sensitivity charts do: a study's readable labels, not key paths.
    months = np.arange("2026-01", "2027-01", dtype="datetime64[M]").astype("datetime64[ns]")
    ds = sa.sobol(PROBLEM, _series, n=64, seed=1, bootstrap=20)
    labels = [f"label of {name}" for name in ds["input"].values]
    ds = ds.assign_coords(time=("output", months), input_label=("input", labels))
    ax = plot_sobol_time(ds.assign_attrs(output="series:it_power_online"), top=2)
    top_two = ds["ST"].mean("output").to_series().sort_values(ascending=False).index[:2]
    assert _legend(ax)[2:] == [f"label of {name}" for name in top_two][::-1]


# -- sweeps --------------------------------------------------------------------------


def test_sweep_over_one_input_draws_the_median_date_with_a_band(scenario):
    vary = resolve_vary(scenario, "products.p.it_power=1800 W:2400 W:4")
    ds = sweep(scenario, [vary], replicates=3, seed=1, execution=SERIAL)
    ax = plot_sweep(ds, "five-mw")
    assert len(_bands(ax)) == 1
    line = ax.get_lines()[0]
    np.testing.assert_allclose(line.get_xdata(), [1800, 2000, 2200, 2400])
    dates = ds["milestone_date"].sel(milestone="five-mw").values.reshape(4, 3)
    for y, row in zip(line.get_ydata(), dates, strict=True):
        assert y == pytest.approx(mdates.date2num(np.sort(row)[1]))
    assert ax.get_xlabel() == "p IT power (kW)"  # the input's label, its entity's id first
    assert ax.get_ylabel() == "date five-mw is met"


def test_sweep_over_two_inputs_is_a_heatmap_also_from_its_store(scenario, tmp_path):
    power = resolve_vary(scenario, "products.p.it_power=1800 W:2400 W:3")
    hbm = resolve_vary(scenario, "hbm_vendors.v.capacity=0.6x:1.2x:3")
    ds = sweep(scenario, [power, hbm], seed=1, store=tmp_path / "s.zarr", execution=SERIAL)
    ax = plot_sweep(ds, "five-mw")
    mesh = next(c for c in ax.collections if isinstance(c, QuadMesh))
    assert mesh.get_array().shape == (3, 3)
    assert len(ax.texts) == 9  # each cell's date
    assert ax.get_xlabel() == "p IT power (kW)"
    assert ax.get_ylabel() == "hbm_vendors.v.capacity (\u00d7 base value)"
    assert ax.figure.axes[-1].get_ylabel() == "P50 date five-mw is met"
    # The store has no point or vary_* coordinates: they are rebuilt from its attributes.
    with xr.open_zarr(tmp_path / "s.zarr", consolidated=True) as stored:
        again = plot_sweep(stored.load(), "five-mw")
    mesh_again = next(c for c in again.collections if isinstance(c, QuadMesh))
    np.testing.assert_array_equal(mesh_again.get_array(), mesh.get_array())
    assert [t.get_text() for t in again.texts] == [t.get_text() for t in ax.texts]


# -- API and command line ------------------------------------------------------------


def test_kinds_match_the_command_line_and_draw_on_a_given_axes(run):
    assert tuple(KINDS) == plot_command.KIND_NAMES
    _figure, ax = plt.subplots()
    assert plot_fan(run, ax=ax) is ax


def _cli(argv: list[str]) -> int:
    parser = argparse.ArgumentParser(prog="capsim")
    plot_command.register(parser.add_subparsers(dest="command", required=True))
    arguments = parser.parse_args(["plot", *argv])
    return arguments.handler(arguments)


MAGIC = {".png": b"\x89PNG\r\n\x1a\n", ".pdf": b"%PDF-", ".svg": b"<?xml"}


@pytest.fixture(scope="module")
def saved(run, scenario, tmp_path_factory):
    folder = tmp_path_factory.mktemp("saved")
    save_result(run, folder / "run.nc")
    monte_carlo(scenario, 8, seed=1, store=folder / "study.zarr", execution=SERIAL)
    return folder


def test_cli_writes_png_svg_and_pdf(saved, tmp_path, capsys):
    jobs = [
        ("run.nc", ["--kind", "gantt", "--site", "s"], ".png"),
        ("study.zarr", ["--kind", "fan", "--claim", CLAIM], ".svg"),
        ("study.zarr", ["--kind", "milestone", "--claim", CLAIM, "--histogram"], ".pdf"),
        ("study.zarr", ["--kind", "bottlenecks", "--programme", "g"], ".png"),
    ]
    for index, (result, options, suffix) in enumerate(jobs):
        target = tmp_path / f"chart{index}{suffix}"
        assert _cli([str(saved / result), *options, "-o", str(target)]) == 0
        assert target.read_bytes().startswith(MAGIC[suffix])
        assert capsys.readouterr().out.strip() == f"wrote {target}"
    assert b"<svg" in (tmp_path / "chart1.svg").read_bytes()[:400]


def test_cli_rejects_other_formats_missing_files_and_stray_options(saved, tmp_path):
    run = str(saved / "run.nc")
    with pytest.raises(CommandError, match=r"\.png, \.svg or \.pdf"):
        _cli([run, "--kind", "fan", "-o", str(tmp_path / "chart.bmp")])
    assert not (tmp_path / "chart.bmp").exists()
    with pytest.raises(CommandError, match="no such file"):
        _cli([str(tmp_path / "none.nc"), "--kind", "fan", "-o", str(tmp_path / "chart.png")])
    with pytest.raises(CommandError, match="--site does not apply to --kind fan"):
        _cli([run, "--kind", "fan", "--site", "s", "-o", str(tmp_path / "x.png")])
    with pytest.raises(CommandError, match="no claim 'nope'"):
        _cli([run, "--kind", "fan", "--claim", "nope", "-o", str(tmp_path / "x.png")])
    assert list(tmp_path.iterdir()) == []


def test_the_overlay_draws_one_programme_or_says_it_sums_them():
    # A second programme g2 (1,000 packages) beside g at the chain's site: with
    # programme="g2" the line is g2's IT power online alone; without, the sum of both,
    # and the title says "all programmes".
    from builders import chain_data
    from capsim.plots.overlay import plot_overlay
    from capsim.scenario.loader import validate_document
    from capsim.scenario.yamlsource import Document

    data = chain_data()
    data["programmes"]["g2"] = dict(data["programmes"]["g"], target_packages="1000 package")
    building = data["sites"]["s"]["buildings"][0]
    building["programme"] = "g"
    data["sites"]["s"]["buildings"].append(dict(building, id="b2", programme="g2"))
    both = simulate(validate_document(Document(data)))
    online = both["it_power_online"]
    assert online.sel(programme="g2").max() < online.sum("programme").max()
    ax = plot_overlay({"run": both}, programme="g2")
    np.testing.assert_allclose(ax.lines[0].get_ydata(), online.sel(programme="g2").values)
    assert "programme g2" in ax.get_title(loc="left")
    ax = plot_overlay({"run": both})
    np.testing.assert_allclose(ax.lines[0].get_ydata(), online.sum("programme").values)
    assert "all programmes" in ax.get_title(loc="left")
