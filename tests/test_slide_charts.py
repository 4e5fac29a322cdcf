"""Charts for a slide: a headline and a source footnote on every chart; a tornado in
days from the central run whose labels never overlap; Morris labels that do not pile
up; time-varying Sobol' shares that never exceed 1, with interactions apart."""

from __future__ import annotations

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pytest
import xarray as xr
from matplotlib.text import Text

from capsim import __version__
from capsim.analysis import sensitivity as sa
from capsim.plots import plot_morris, plot_sobol, plot_sobol_time, plot_tornado
from capsim.plots.flow import default_programme
from capsim.plots.sobol_time import first_order_shares

#: Uniform inputs on (0, 1): y = x0 * x1 has S1 = 3/7 for each, and 1/7 of its
#: variance from their interaction (Var y = 7/144, Var E[y|x0] = 3/144).
PRODUCT = sa.Problem(["a.x0", "a.x1"], lambda u: u, np.array([0.5, 0.5]))
MONTHS = np.arange("2027-01", "2028-01", dtype="datetime64[M]").astype("datetime64[ns]")
LONG = [
    "hbm_vendors.sk-hynix.capacity.HBM4.points[3]",
    "foundries.tsmc.nodes.n3.capacity.points[2]",
    "sites.tx-campus-a.power.grid.wait",
    "products.vera-rubin.it_power",
    "risks.export-controls.occurs",
]
UNITS = dict(zip(LONG, ["stack/month", "wafer/month", "month", "W", "1"], strict=True))
SCALE = np.array([2.3e6, 1.4e5, 24.0, 1800.0, 1.0])


@pytest.fixture(autouse=True)
def _close_figures():
    yield
    plt.close("all")


def _tornado() -> xr.Dataset:
    problem = sa.Problem(LONG, lambda u: u * SCALE, SCALE / 2)

    def model(x):  # days; the risk does not move it
        return 700 - 40e-6 * x[:, 0] + 5e-4 * x[:, 1] + 9 * x[:, 2] + 0.01 * x[:, 3]

    ds = sa.tornado(problem, model)
    units = [UNITS[str(name)] for name in ds["input"].values]
    return ds.assign_coords(input_unit=("input", units)).assign_attrs(
        output="milestone:ten-gw", output_units="day", scenario_name="deal"
    )


def _overlap(a, b) -> bool:
    return a.width > 0 and b.width > 0 and a.overlaps(b)


def test_tornado_is_in_days_from_the_central_run_and_hides_inputs_that_do_not_move_it():
    ds = _tornado()
    ax = plot_tornado(ds)
    assert ax.get_xlabel() == "Delay of ten-gw vs the central run (negative: earlier) (days)"
    shown = [t.get_text() for t in ax.get_yticklabels()]
    assert len(shown) == 4
    assert "risks.export-controls.occurs" not in " ".join(shown)
    assert "1 input with no effect hidden" in ax.get_title(loc="left")
    # The grid wait spans 2.4 to 21.6 months: 9 days a month, +-86.4 days from 700.
    widths = sorted(bar.get_width() for bar in ax.patches)
    assert widths[0] == pytest.approx(-86.4)
    assert widths[-1] == pytest.approx(86.4)
    labels = [t.get_text() for t in ax.texts]
    assert "P10 2.4 months  |  P90 21.6 months" in labels
    assert "P10 230 thousand stack/month  |  P90 2.07 million stack/month" in labels


def test_tornado_value_labels_overlap_neither_each_other_nor_the_tick_labels():
    ax = plot_tornado(_tornado())
    figure = ax.figure
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    values = [text.get_window_extent(renderer) for text in ax.texts]
    ticks = [
        label.get_window_extent(renderer)
        for label in (*ax.get_xticklabels(), *ax.get_yticklabels())
        if label.get_text()
    ]
    assert len(values) == 4
    for i, box in enumerate(values):
        assert not any(_overlap(box, other) for other in values[i + 1 :])
        assert not any(_overlap(box, tick) for tick in ticks)


def test_morris_labels_do_not_pile_up():
    names = [f"sites.campus-{i}.power.grid.wait" for i in range(12)]
    problem = sa.Problem(names, lambda u: u, np.full(12, 0.5))
    weights = np.linspace(1.0, 1.2, 12)  # effects close together: a pile without care
    ds = sa.morris(problem, lambda x: x @ weights, trajectories=4, seed=1, bootstrap=10)
    ax = plot_morris(ds)
    ax.figure.canvas.draw()
    # The label's own box, without the line to its point.
    boxes = [Text.get_window_extent(text) for text in ax.texts]
    assert len(boxes) == 10  # the default top
    for i, box in enumerate(boxes):
        assert not any(_overlap(box, other) for other in boxes[i + 1 :])


def test_first_order_shares_add_up_to_at_most_one():
    noisy = np.array([[0.9, 0.2, -0.1], [1.2, 0.3, 0.4], [0.6, 0.1, 0.2]])  # 2.7 at most
    shares, scaled = first_order_shares(noisy)
    assert (shares >= 0).all()
    np.testing.assert_allclose(shares.sum(axis=0), [1.0, 0.6, 0.6])
    np.testing.assert_array_equal(scaled, [True, False, False])


def test_time_varying_sobol_shares_stay_under_one_with_interactions_apart():
    def model(x):
        return np.outer(x[:, 0] * x[:, 1], np.linspace(1.0, 2.0, len(MONTHS)))

    ds = sa.sobol(PRODUCT, model, n=1024, seed=2, bootstrap=10)
    ds = ds.assign_coords(time=("output", MONTHS)).assign_attrs(output="series:h100e_online")
    ax = plot_sobol_time(ds)
    assert ax.get_ylim() == (0.0, 1.0)
    layers = {c.get_label(): c.get_paths()[0].vertices[:, 1] for c in ax.collections}
    assert max(np.max(top) for top in layers.values()) <= 1.0 + 1e-12
    panel = ax.figure.axes[1]  # each input's interactions, ST - S1
    for line in panel.get_lines():
        np.testing.assert_allclose(line.get_ydata(), 1 / 7, atol=0.08)
    share = np.mean(first_order_shares(ds["S1"].values)[0], axis=1)
    np.testing.assert_allclose(share, 3 / 7, atol=0.08)


def test_every_sensitivity_chart_has_a_headline_and_the_source_footnote():
    tornado = _tornado()
    sobol = sa.sobol(PRODUCT, lambda x: x[:, 0] * x[:, 1], n=64, seed=1, bootstrap=10)
    sobol = sobol.assign_attrs(output="milestone:ten-gw", scenario_name="deal")
    for ax in (plot_tornado(tornado), plot_sobol(sobol)):
        head = ax.get_title(loc="left").splitlines()[0]
        assert head.startswith("What moves ten-gw most") or head.startswith("What drives ten-gw")
        footnote = ax.figure.get_supxlabel()
        assert footnote == f"Source: capsim model run; capsim {__version__}; scenario deal"


def test_flow_defaults_to_the_first_programme_building_sites():
    ds = xr.Dataset(
        coords={"programme": ["market", "deal", "other"], "site_programme": ("site", ["deal"])}
    )
    assert default_programme(ds) == "deal"
