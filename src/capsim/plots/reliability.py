"""Reliability chart of a backtest: how often the observed value fell inside each
central interval of the forecasts, against the interval's probability."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from capsim.plots.style import legend_outside, new_axes, percent_axis, title


def plot_reliability(result: xr.Dataset, ax: Axes | None = None) -> Axes:
    """Observed share inside each central interval against its nominal probability, one
    line per forecaster (model, baselines); the diagonal is perfect calibration.
    ``result`` is a ``capsim backtest`` result."""
    if "reliability" not in result:
        raise ValueError("not a backtest result (it needs the variable 'reliability')")
    ax = new_axes(ax, (7.5, 5.5))
    levels = result["level"].values
    ax.plot([0, 1], [0, 1], color="grey", linestyle="--", linewidth=1, label="calibrated")
    markers = ("o", "s", "^", "D", "v")
    for index, name in enumerate(result["forecaster"].values):
        share = result["reliability"].sel(forecaster=name).values
        crps = result["total_crps"].sel(forecaster=name).item()
        ax.plot(
            levels,
            share,
            marker=markers[index % len(markers)],
            label=f"{name} (mean CRPS {crps / 1e3:,.0f}k)",
        )
    ax.set_xlim(0, 1)
    ax.set_ylim(0, 1.02)
    percent_axis(ax, "share of forecast quarters inside the interval")
    percent_axis(ax, "nominal probability of the central interval", axis="x")
    legend_outside(ax)
    count = int(np.nansum(result["forecasts"].values))
    origins = result.sizes["origin"]
    title(
        ax,
        f"backtest reliability of {result.attrs.get('designer', '')} packages per quarter",
        result,
        f"{count} forecasts from {origins} origins, leads 1-{result.sizes['lead']} quarters; "
        f"{result.attrs.get('samples', '?')} samples per origin",
    )
    return ax
