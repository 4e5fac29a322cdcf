"""Where the packages are: produced, delivered and installed (cumulative) and stranded."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from capsim.plots import style


def plot_flow(ds: xr.Dataset, programme: str | None = None, ax: Axes | None = None) -> Axes:
    """A single run's packages over time: produced, delivered and installed, each
    cumulative from the start of the horizon, and stranded (delivered, not installed:
    a stock at the end of each month).

    With ``programme``, delivered, installed and stranded are that programme's and
    produced is its product's (for every programme it serves); else all are totals.
    """
    if style.is_study(ds):
        raise ValueError(
            "plot_flow draws a single run; for a Monte Carlo study plot one series "
            "with plot_fan(ds, variable='packages_installed', cumulative=True)"
        )
    produced = ds["packages_produced"]
    where = "all programmes"
    programme_data = {
        name: ds[name] for name in ("packages_delivered", "packages_installed", "stranded_packages")
    }
    product_note = ""
    if programme is not None:
        programme = style.choose(ds, "programme", programme)
        product = style.scenario_of(ds).programmes[programme].product
        produced = produced.sel(product=product)
        programme_data = {
            name: array.sel(programme=programme) for name, array in programme_data.items()
        }
        where = f"programme {programme}"
        product_note = f" (product {product}, all its programmes)"
    else:
        produced = produced.sum("product")
        programme_data = {name: array.sum("programme") for name, array in programme_data.items()}
    # Lines that coincide stay visible: wide and pale under narrow and dashed.
    lines = [
        ("produced, cumulative" + product_note, produced, {"linewidth": 5, "alpha": 0.45}),
        ("delivered, cumulative", programme_data["packages_delivered"], {"linestyle": "--"}),
        ("installed, cumulative", programme_data["packages_installed"], {"linewidth": 1.5}),
    ]
    stranded = programme_data["stranded_packages"]
    times = ds["time"].values
    # Cumulative flows and stocks are read at the end of each month.
    ends = style.month_edges(times)[1:]

    ax = style.new_axes(ax)
    for (label, series, look), colour in zip(lines, style.PALETTE, strict=False):
        ax.plot(ends, series.cumsum("time").values, color=colour, **{"linewidth": 2.5, **look},
                label=label)  # fmt: skip
    ax.fill_between(
        ends,
        0.0,
        stranded.values,
        color=style.OKABE_ITO["vermillion"],
        alpha=0.35,
        linewidth=0,
        label="stranded (delivered, not installed)",
    )
    shown = np.concatenate([series.sum("time").values.ravel() for _, series, _ in lines])
    factor, text = style.unit_scale(ds["packages_delivered"].attrs.get("units"), shown)
    ax.set_ylabel(f"Packages ({text.rsplit(' ', 1)[0] + 's' if ' ' in text else 'count'})")
    ax.yaxis.set_major_formatter(style.scaled_formatter(factor))
    style.date_axis(ax, label="date (end of month)")
    ax.set_ylim(bottom=0)
    ax.margins(x=0)
    ax.grid(True, alpha=0.3)
    style.title(ax, f"packages from production to installation, {where}", ds, "single run")
    ax.legend(loc="upper left", fontsize="small")
    return ax
