"""Where the packages are: produced, delivered and installed (cumulative) and stranded."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from capsim.plots import style


def plot_flow(ds: xr.Dataset, programme: str | None = None, ax: Axes | None = None) -> Axes:
    """One programme's packages in a single run: produced (its product, for every
    programme it serves), delivered and installed, each cumulative from the start of
    the horizon, and stranded (delivered, not installed: a stock at each month's end).

    ``programme`` defaults to the first programme with sites (a deal), else the first:
    one programme's scale, never the world's.
    """
    if style.is_study(ds):
        raise ValueError(
            "plot_flow draws a single run; for a Monte Carlo study plot one series "
            "with plot_fan(ds, variable='packages_installed', cumulative=True)"
        )
    flows = ("packages_produced", "packages_delivered", "packages_installed", "stranded_packages")
    style.require(ds, flows, "a single run")
    programme = default_programme(ds) if programme is None else programme
    programme = style.choose(ds, "programme", programme)
    product = style.scenario_of(ds).programmes[programme].product
    produced = ds["packages_produced"].sel(product=product)
    data = {
        name: ds[name].sel(programme=programme)
        for name in ("packages_delivered", "packages_installed", "stranded_packages")
    }
    # Lines that coincide stay visible: wide and pale under narrow and dashed.
    lines = [
        (f"produced, cumulative (product {product}, all its programmes)", produced,
         {"linewidth": 5, "alpha": 0.45}),
        ("delivered, cumulative", data["packages_delivered"], {"linestyle": "--"}),
        ("installed, cumulative", data["packages_installed"], {"linewidth": 1.5}),
    ]  # fmt: skip
    stranded = data["stranded_packages"]
    # Cumulative flows and stocks are read at the end of each month.
    ends = style.month_edges(ds["time"].values)[1:]

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
    # The scale follows the programme's own packages, so that its deliveries show even
    # when its product also serves a far larger market.
    own = np.concatenate([series.sum("time").values.ravel() for _, series, _ in lines[1:]])
    style.value_axis(ax, "packages", "package", own)
    style.date_axis(ax, label="date (end of month)")
    installed = float(data["packages_installed"].sum())
    delivered = float(data["packages_delivered"].sum())
    top = max(float(np.nanmax(own, initial=0.0)), float(stranded.max())) * 1.15
    ax.set_ylim(0.0, top or 1.0)
    ax.margins(x=0)
    ax.grid(True, alpha=0.3)
    headline = (
        f"Programme {programme}: {style.quantity(installed, 'package')} installed of "
        f"{style.quantity(delivered, 'package')} delivered by the horizon's end"
    )
    detail = "single run"
    if float(produced.sum()) > top:
        detail += f"; production of {product} runs off the top of the chart"
    style.title(ax, headline, ds, detail)
    ax.legend(loc="upper left", fontsize="small")
    return ax


def default_programme(ds: xr.Dataset) -> str:
    """The first programme with sites (a deal), else the first programme."""
    programmes = [str(g) for g in ds["programme"].values]
    if "site_programme" in ds.coords:
        with_sites = {str(g) for g in ds["site_programme"].values}
    else:
        scenario = style.scenario_of(ds)
        with_sites = {g for g, p in scenario.programmes.items() if p.sites}
    return next((g for g in programmes if g in with_sites), programmes[0])
