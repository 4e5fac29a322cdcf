"""Overlaid fan charts: the same monthly series for several results, one colour each."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from capsim.plots import style


def plot_overlay(
    results: dict[str, xr.Dataset],
    variable: str = "it_power_online",
    ax: Axes | None = None,
    *,
    programme: str | None = None,
) -> Axes:
    """P10-P90 band and P50 line (or the single run's line) of ``variable`` for each
    labelled result: of ``programme`` (in every result), else summed over programmes (the
    title says which)."""
    ax = style.new_axes(ax)
    units = None
    if programme is not None:
        results = {
            label: ds.sel(programme=style.choose(ds, "programme", programme))
            for label, ds in results.items()
        }
    for index, (label, ds) in enumerate(results.items()):
        colour = style.PALETTE[index % len(style.PALETTE)]
        series = ds[variable]
        units = series.attrs.get("units")
        extra = [d for d in series.dims if d not in ("time", "sample")]
        series = series.sum(extra) if extra else series
        times = style.month_edges(series["time"].values)[1:]
        if style.is_study(ds):
            values = style.good_samples(ds)[variable].sum(extra) if extra else series
            low, mid, high = np.nanquantile(values.values, [0.1, 0.5, 0.9], axis=0)
            ax.fill_between(times, low, high, color=colour, alpha=0.25, label=f"{label}: P10-P90")
            ax.plot(times, mid, color=colour, linewidth=2, label=f"{label}: P50")
        else:
            ax.plot(times, series.values, color=colour, linewidth=2, label=f"{label}: central run")
    stacked = np.concatenate([np.ravel(ds[variable].values) for ds in results.values()])
    style.value_axis(ax, style.label_of(variable), units, stacked)
    style.date_axis(ax, label="date (end of month)")
    scope = f"programme {programme}" if programme is not None else "all programmes"
    style.title(ax, f"{style.label_of(variable)}, {scope}: " + " vs ".join(results))
    style.legend_outside(ax)
    return ax
