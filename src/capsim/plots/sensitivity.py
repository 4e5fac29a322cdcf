"""Sensitivity charts from :mod:`capsim.analysis.sensitivity` Datasets: tornado, Morris
screening, Sobol' indices, and Sobol' indices over the months of a series."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from capsim.plots import style


def _dim(ds: xr.Dataset) -> str:
    return "group" if "group" in ds.dims else "input"


def _output(ds: xr.Dataset) -> tuple[str, str]:
    """The name and unit of what the indices measure, from the ``output`` attribute."""
    output = str(ds.attrs.get("output", ""))
    units = str(ds.attrs.get("output_units", ""))
    kind, _, name = output.partition(":")
    if kind == "milestone":
        return f"time until {name} is met, from horizon start", units or "day"
    if kind == "series":
        variable, _, programme = name.partition(":")
        label = style.label_of(variable) + (f", {programme}" if programme else "")
        return label, units or style.VARIABLE_UNITS.get(variable, "")
    return (output or "output"), units


def _averaged(ds: xr.Dataset) -> tuple[xr.Dataset, str]:
    """Indices averaged over the months of a series output (and a note saying so)."""
    if "output" not in ds.dims:
        return ds, ""
    return ds.mean("output", skipna=True), f"averaged over {ds.sizes['output']} months"


def _short(name: str, width: int = 40) -> str:
    """A key path, cut to its last parts when longer than ``width`` characters."""
    name = str(name)
    parts = name.split(".")
    while len(name) > width and len(parts) > 2:
        parts = parts[1:]
        name = "\u2026" + ".".join(parts)
    return name


def _labels(ds: xr.Dataset, dim: str) -> list[str]:
    """Each input's key path, shortened; each group's name with its number of inputs."""
    names = [_short(name) for name in ds[dim].values]
    if dim != "group" or "group_size" not in ds.coords:
        return names
    sizes = [int(size) for size in ds["group_size"].values]
    return [
        f"{name} ({size} input{'s' * (size != 1)})" for name, size in zip(names, sizes, strict=True)
    ]


def _subtitle(ds: xr.Dataset, *parts: str) -> str:
    method = ds.attrs.get("method", "")
    runs = ds.attrs.get("evaluations")
    bits = [f"{method}, {runs} runs" if runs else str(method), *parts]
    return "; ".join(bit for bit in bits if bit)


def plot_tornado(ds: xr.Dataset, top: int = 15, ax: Axes | None = None) -> Axes:
    """One bar per input from the central output (``base``) to the output with the input
    at its low quantile and at its high quantile, largest swing at the top."""
    style.require(ds, ("swing", "base", "output_low", "output_high"), "a tornado Dataset")
    dim = _dim(ds)
    order = np.argsort(-np.nan_to_num(ds["swing"].values), kind="stable")[:top]
    shown = ds.isel({dim: order})
    names = [str(n) for n in shown[dim].values]
    base = float(np.asarray(ds["base"].values).ravel()[0])
    low_q = float(ds.attrs.get("low_quantile", 0.1))
    high_q = float(ds.attrs.get("high_quantile", 0.9))
    output, units = _output(ds)

    ax = style.new_axes(ax, size=(9.0, max(3.0, 1.5 + 0.4 * len(names))))
    rows = np.arange(len(names))
    low = shown["output_low"].values
    high = shown["output_high"].values
    ax.barh(rows, low - base, left=base, height=0.6, color=style.PALETTE[0],
            label=f"input at its P{100 * low_q:.0f}")  # fmt: skip
    ax.barh(rows, high - base, left=base, height=0.6, color=style.PALETTE[1],
            label=f"input at its P{100 * high_q:.0f}")  # fmt: skip
    ax.axvline(base, color=style.OKABE_ITO["black"], linewidth=1, label="all inputs central")
    for row in range(len(names)):
        # Each input value at the end of its bar; a bar of no length takes the side the
        # other bar does not.
        sides = np.sign([low[row] - base, high[row] - base])
        if sides[0] == 0:
            sides[0] = -sides[1] or -1
        if sides[1] == 0:
            sides[1] = -sides[0]
        for value, end, side in (
            (shown["low_value"].values[row], low[row], sides[0]),
            (shown["high_value"].values[row], high[row], sides[1]),
        ):
            ax.text(
                end,
                row,
                f" {value:.4g} " if side > 0 else f"{value:.4g} ",
                ha="left" if side > 0 else "right",
                va="center",
                fontsize="x-small",
            )
    ax.set_yticks(rows, [_short(n) for n in names], fontsize="small")
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_ylabel(dim)
    style.value_axis(ax, output, units, np.concatenate([low, high, [base]]), axis="x")
    ax.margins(x=0.12)
    ax.grid(True, axis="x", alpha=0.3)
    style.title(ax, "tornado: one input at a time", ds, _subtitle(ds, f"top {len(names)}"))
    style.legend_outside(ax, fontsize="small")
    return ax


def plot_morris(ds: xr.Dataset, ax: Axes | None = None, *, top: int = 15) -> Axes:
    """Morris screening: mean absolute effect (mu*) against the spread of effects
    (sigma), with mu*'s bootstrap confidence interval; the ``top`` inputs by mu* are
    labelled."""
    style.require(ds, ("mu_star", "sigma", "mu_star_conf"), "a Morris Dataset")
    dim = _dim(ds)
    data, averaged = _averaged(ds)
    output, units = _output(ds)
    mu_star = data["mu_star"].values
    sigma = data["sigma"].values
    conf = np.nan_to_num(data["mu_star_conf"].values)
    names = _labels(data, dim)
    plotted = np.isfinite(mu_star) & np.isfinite(sigma)

    ax = style.new_axes(ax)
    ax.errorbar(
        mu_star[plotted],
        sigma[plotted],
        xerr=conf[plotted],
        fmt="o",
        color=style.PALETTE[0],
        ecolor=style.PALETTE[4],
        capsize=3,
        label=f"{dim} (bar: {100 * float(ds.attrs.get('confidence', 0.95)):.0f} % CI of \u03bc*)",
    )
    limit = float(np.nanmax(np.r_[mu_star[plotted], sigma[plotted], 0.0]))
    if limit > 0:
        ax.plot([0, limit], [0, limit], color=style.GREY, linestyle=":", linewidth=1,
                label="\u03c3 = \u03bc* (non-linear or interacting)")  # fmt: skip
    ranked = np.argsort(-np.nan_to_num(mu_star))[:top]
    for i in ranked:
        if plotted[i]:
            ax.annotate(names[i], (mu_star[i], sigma[i]), textcoords="offset points",
                        xytext=(4, 4), fontsize="x-small")  # fmt: skip
    style.value_axis(ax, f"\u03bc*: mean |effect| on {output}", units, mu_star, axis="x")
    style.value_axis(ax, "\u03c3: spread of effects", units, sigma, axis="y")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    ax.grid(True, alpha=0.3)
    missing = int((~plotted).sum())
    extra = f"{missing} without \u03c3 (groups) not shown" if missing else ""
    style.title(ax, "Morris screening", ds, _subtitle(ds, averaged, extra))
    ax.legend(loc="best", fontsize="small")
    return ax


def plot_sobol(ds: xr.Dataset, top: int = 15, ax: Axes | None = None) -> Axes:
    """First-order (S1) and total (ST) Sobol' indices per input with their confidence
    intervals, largest ST at the top."""
    style.require(ds, ("S1", "S1_conf", "ST", "ST_conf"), "a Sobol' Dataset")
    dim = _dim(ds)
    data, averaged = _averaged(ds)
    output, _units = _output(ds)
    order = np.argsort(-np.nan_to_num(data["ST"].values), kind="stable")[:top]
    data = data.isel({dim: order})
    names = _labels(data, dim)
    rows = np.arange(len(names))
    confidence = 100 * float(ds.attrs.get("confidence", 0.95))

    ax = style.new_axes(ax, size=(9.0, max(3.0, 1.5 + 0.45 * len(names))))
    for offset, key, colour, label in (
        (-0.2, "S1", style.PALETTE[0], "first order S1"),
        (0.2, "ST", style.PALETTE[1], "total ST"),
    ):
        ax.barh(
            rows + offset,
            np.nan_to_num(data[key].values),
            xerr=np.nan_to_num(data[f"{key}_conf"].values),
            height=0.38,
            color=colour,
            ecolor=style.OKABE_ITO["black"],
            capsize=2,
            label=f"{label} ({confidence:.0f} % CI)",
        )
    ax.set_yticks(rows, names, fontsize="small")
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_ylabel(dim)
    ax.set_xlabel(f"Sobol' index: share of the variance of {output} (0\u20131)")
    ax.axvline(0, color=style.GREY, linewidth=0.8)
    ax.grid(True, axis="x", alpha=0.3)
    style.title(ax, "Sobol' indices", ds, _subtitle(ds, averaged, f"top {len(names)} by ST"))
    style.legend_outside(ax, fontsize="small")
    return ax


def plot_sobol_time(ds: xr.Dataset, top: int = 6, ax: Axes | None = None) -> Axes:
    """First-order Sobol' indices over the months of a series output, stacked: the
    ``top`` inputs by mean total index, the rest as "other inputs". Months in which the
    output does not vary (indices undefined) are left empty."""
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
    clipped = np.clip(np.nan_to_num(s1), 0.0, None)
    layers = [clipped[i] for i in chosen]
    every = _labels(ds, dim)
    labels = [every[i] for i in chosen]
    if rest.size:
        layers.append(clipped[rest].sum(axis=0))
        labels.append(f"other {len(rest)} {dim}s")
    layers = [np.where(defined, layer, np.nan) for layer in layers]
    if "time" in ds.coords and ds["time"].dims == ("output",):
        x = ds["time"].values
        dates = True
    else:
        x = ds["output"].values
        dates = False
    output, _units = _output(ds)

    ax = style.new_axes(ax)
    colours = [*style.PALETTE, style.OKABE_ITO["yellow"]][: len(chosen)]
    if rest.size:
        colours.append(style.LIGHT_GREY)
    ax.stackplot(x, np.array(layers), labels=labels, colors=colours, alpha=0.9)
    ax.set_xlim(x[0], x[-1])
    ax.set_ylim(0, max(1.0, float(np.nansum(layers, axis=0).max(initial=0.0))))
    ax.set_ylabel("first-order Sobol' index S1 (share of variance)")
    if dates:
        style.date_axis(ax)
    else:
        ax.set_xlabel("output (month index)")
    ax.margins(x=0)
    ax.grid(True, alpha=0.3)
    undefined = int((~defined).sum())
    extra = f"{undefined} months without variance left empty" if undefined else ""
    style.title(ax, f"what drives {output}, month by month", ds, _subtitle(ds, extra))
    handles, names = ax.get_legend_handles_labels()
    ax.legend(handles[::-1], names[::-1], loc="upper left", bbox_to_anchor=(1.01, 1.0),
              borderaxespad=0.0, frameon=False, fontsize="small")  # fmt: skip
    return ax
