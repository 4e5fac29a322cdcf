"""Sobol' indices over the months of a series: what drives it, month by month, as shares
of its variance that add up to at most 1, with interactions apart."""

from __future__ import annotations

import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from capsim.plots import style
from capsim.plots.sensitivity import _dim, _labels, _output, _subtitle


def first_order_shares(s1: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """First-order Sobol' indices ``s1`` (input, month) as shares of variance that add
    up to at most 1 in each month: negative estimates (sampling noise) count as 0, and
    a month whose estimates add up to more than 1 is scaled down to 1. Returns the
    shares and, per month, whether it was scaled."""
    shares = np.clip(np.nan_to_num(s1), 0.0, 1.0)
    total = shares.sum(axis=0)
    scaled = total > 1.0
    shares[:, scaled] /= total[scaled]
    return shares, scaled


def plot_sobol_time(ds: xr.Dataset, top: int = 6, ax: Axes | None = None) -> Axes:
    """What drives a series month by month: first-order Sobol' shares of its variance,
    stacked (the ``top`` inputs by mean total index, the rest as "other inputs"), and
    the share left to interactions (1 - the first-order shares), so that a month's
    stack reaches 1. Shares never exceed 1 (:func:`first_order_shares`). A new figure
    also shows each top input's interactions (ST - S1) in a panel below; with ``ax``,
    only the stack is drawn. Months in which the output does not vary are left empty."""
    style.require(ds, ("S1", "ST"), "a Sobol' Dataset")
    if "output" not in ds.dims:
        raise ValueError(
            "plot_sobol_time needs indices per month (an 'output' dimension); this "
            "Dataset has one output: use plot_sobol"
        )
    dim = _dim(ds)
    s1 = ds["S1"].transpose(dim, "output").values
    st = ds["ST"].transpose(dim, "output").values
    finite = np.isfinite(st)
    mean_st = np.where(finite, st, 0.0).sum(axis=1) / np.maximum(finite.sum(axis=1), 1)
    order = np.argsort(-np.nan_to_num(mean_st), kind="stable")
    chosen, rest = order[:top], order[top:]
    defined = np.isfinite(s1).any(axis=0)
    shares, scaled = first_order_shares(s1)
    names = [str(label) for label in np.asarray(_labels(ds, dim))[chosen]]
    layers, labels = _layers(shares, chosen, rest, names)
    layers = [np.where(defined, layer, np.nan) for layer in layers]
    x, dates = _months(ds)
    output, _units = _output(ds)

    panel = None
    if ax is None:
        _figure, (ax, panel) = plt.subplots(
            2, 1, figsize=(9.0, 6.5), sharex=True, layout="constrained",
            gridspec_kw={"height_ratios": [3, 1.3]},
        )  # fmt: skip
    colours = [*style.PALETTE, style.OKABE_ITO["yellow"]][: len(chosen)]
    if rest.size:
        colours.append(style.LIGHT_GREY)
    colours.append("white")
    polygons = ax.stackplot(x, np.array(layers), labels=labels, colors=colours, alpha=0.9)
    polygons[-1].set(hatch="//", edgecolor=style.GREY)
    ax.set_xlim(x[0], x[-1])
    ax.set_ylim(0.0, 1.0)
    style.percent_axis(ax, "share of variance")
    ax.margins(x=0)
    ax.grid(True, alpha=0.3)
    if panel is not None:
        _interactions(panel, x, st[chosen] - s1[chosen], colours, defined)
    bottom = panel if panel is not None else ax
    if dates:
        style.date_axis(bottom, label="date (end of month)")
    else:
        bottom.set_xlabel("output (month index)")
    undefined = int((~defined).sum())
    notes = [f"{undefined} months without variance left empty" if undefined else ""]
    if scaled.any():
        notes.append(f"first-order estimates scaled to 1 in {int(scaled.sum())} months (noise)")
    headline = f"What drives {output}, month by month"
    if names and defined.any():
        share = float(shares[chosen[0]][defined].mean())
        headline = f"What drives {output}: {names[0]}, {share:.0%} of its variance alone on average"
    style.title(ax, headline, ds, _subtitle(ds, *notes))
    handles, entries = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], entries[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0),
              borderaxespad=0.0, frameon=False, fontsize="small")  # fmt: skip
    return ax


def _interactions(ax: Axes, x, interactions: np.ndarray, colours, defined) -> None:
    """Each chosen input's interactions (ST - S1, one row each) over the months."""
    for row, colour in zip(np.clip(np.nan_to_num(interactions), 0.0, 1.0), colours, strict=False):
        ax.plot(x, np.where(defined, row, np.nan), color=colour, linewidth=1.5)
    ax.set_ylim(0.0, 1.0)
    style.percent_axis(ax, "interactions ST - S1")
    ax.grid(True, alpha=0.3)


def _layers(shares: np.ndarray, chosen, rest, names: list[str]) -> tuple[list, list[str]]:
    """The stack: each chosen input's share, the rest's together, then interactions."""
    layers = [shares[i] for i in chosen]
    labels = list(names)
    if len(rest):
        layers.append(shares[rest].sum(axis=0))
        labels.append(f"other {len(rest)} inputs")
    layers.append(1.0 - shares.sum(axis=0))
    labels.append("interactions (1 - sum of first-order shares)")
    return layers, labels


def _months(ds: xr.Dataset) -> tuple[np.ndarray, bool]:
    """The x values: month ends when the indices carry dates (stocks and cumulative
    values are read at the end of each month, as in fan charts), else month indices."""
    if "time" in ds.coords and ds["time"].dims == ("output",):
        return style.month_edges(ds["time"].values)[1:], True
    return ds["output"].values, False
