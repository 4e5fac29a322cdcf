"""Hindcast build chart: H100e online at a build, model band against its timeline."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from capsim.plots.style import OKABE_ITO, date_axis, new_axes, title, to_num, value_axis


def plot_hindcast_build(result: xr.Dataset, ax: Axes | None = None) -> Axes:
    """H100e online at the build's programmes: the model's P10-P90 at month ends with
    its P50, each matched milestone's P10-P90 date at its threshold, and the observed
    timeline [H100e]. ``result`` is a ``capsim hindcast`` result with a build timeline."""
    if "build_h100e" not in result:
        raise ValueError(
            "no build in this hindcast result (it needs a timeline entry matched by an "
            "h100e_online milestone)"
        )
    ax = new_axes(ax)
    build = result.build_h100e
    times = build.build_time.values
    low, mid, high = (build.sel(quantile=q).values for q in (0.1, 0.5, 0.9))
    blue = OKABE_ITO["blue"]
    ax.fill_between(times, low, high, color=blue, alpha=0.3, label="model P10-P90, month ends")
    ax.plot(times, mid, ".-", color=blue, linewidth=2, label="model P50, month ends")
    dates = result.event_model
    for index, event in enumerate(result.event.values):
        early, median, late = (
            to_num(dates.sel(event=event, quantile=q).values) for q in (0.1, 0.5, 0.9)
        )
        level = float(result.event_threshold.sel(event=event))
        ax.errorbar(
            median,
            level,
            xerr=[[median - early], [late - median]],
            fmt="s",
            color=OKABE_ITO["vermillion"],
            capsize=4,
            label="milestone date, model P10-P50-P90" if index == 0 else None,
        )
    observed = result.timeline_h100e
    ax.plot(
        observed.timeline_date.values,
        observed.values,
        "o",
        color=OKABE_ITO["black"],
        label="observed timeline",
    )
    date_axis(ax)
    value_axis(ax, "H100e online", "H100e", np.concatenate([high, observed.values]))
    levels = np.concatenate([high, observed.values, result.event_threshold.values])
    ax.set_ylim(0, 1.1 * float(levels.max()) or 1.0)  # room for the markers at the top
    ax.legend(loc="upper left")
    programmes = build.attrs.get("programmes", "")
    title(ax, f"hindcast of the build of {programmes}", result, _errors(result))
    return ax


def _errors(result: xr.Dataset) -> str:
    """``colossus-100k-online +9 d, 99 % reach it`` per matched milestone (model P50 -
    observed, and the share of samples that reach it, which the quantiles are over)."""
    errors = result.event_error_days.sel(quantile=0.5)
    return (
        "; ".join(
            f"{event} {float(errors.sel(event=event)):+.0f} d, "
            f"{100 * float(result.event_reached.sel(event=event)):.0f} % reach it"
            for event in result.event.values
        )
        + " (P50 - observed)"
    )
