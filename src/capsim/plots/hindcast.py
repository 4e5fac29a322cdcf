"""Hindcast chart: the model's P10-P90 per period against the observed 5-95 % band."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from capsim.plots.style import new_axes, title, value_axis


def plot_hindcast(result: xr.Dataset, ax: Axes | None = None) -> Axes:
    """Per period: the model's P10-P90 bar with its P50, the observed value with its
    5-95 % whiskers [packages per period]. ``result`` is a ``capsim hindcast`` result."""
    if "model" not in result or "observed" not in result:
        raise ValueError("not a hindcast result (it needs the variables 'model' and 'observed')")
    ax = new_axes(ax)
    x = np.arange(result.sizes["period"])
    low, mid, high = (result.model.sel(quantile=q).values for q in (0.1, 0.5, 0.9))
    ax.bar(
        x - 0.18,
        high - low,
        bottom=low,
        width=0.32,
        color="tab:blue",
        alpha=0.35,
        label="model P10-P90",
    )
    ax.hlines(mid, x - 0.34, x - 0.02, color="tab:blue", linewidth=2, label="model P50")
    observed = result.observed.values
    errors = np.vstack(
        [observed - result.observed_low.values, result.observed_high.values - observed]
    )
    ax.errorbar(
        x + 0.18, observed, yerr=errors, fmt="o", color="black", capsize=4, label="observed, 5-95 %"
    )
    ax.set_xticks(x, [str(p) for p in result.period.values])
    ax.set_xlabel("period")
    value_axis(
        ax,
        "packages delivered per period",
        "package",
        np.concatenate([high, result.observed_high.values]),
    )
    ax.set_ylim(bottom=0)
    ax.legend(loc="upper left")
    coverage = result.attrs.get("coverage")
    detail = (
        f"observed inside model P10-P90 in {100 * coverage:.0f} % of periods"
        if coverage is not None
        else ""
    )
    designer = result.attrs.get("designer", "")
    title(
        ax,
        f"hindcast of {designer} packages against {_source(result)}".replace("  ", " "),
        result,
        detail,
    )
    return ax


def _source(result: xr.Dataset) -> str:
    source = str(result.attrs.get("observed_source", "observations"))
    return source.replace("\\", "/").rsplit("/", 1)[-1]
