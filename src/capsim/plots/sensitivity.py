"""Sensitivity charts from :mod:`capsim.analysis.sensitivity` Datasets: tornado, Morris
screening and Sobol' indices (over the months of a series: :mod:`capsim.plots.sobol_time`)."""

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
    """Each input's label (else its key path, shortened); each group's name with its
    number of inputs."""
    if dim == "input" and "input_label" in ds.coords:
        return [str(label) for label in ds["input_label"].values]
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


def _change(ds: xr.Dataset) -> str:
    """What a tornado's bars measure: the output's change from the central run."""
    kind, _, name = str(ds.attrs.get("output", "")).partition(":")
    if kind == "milestone":
        return f"delay of {name} vs the central run (negative: earlier)"
    return f"change in {_output(ds)[0]} vs the central run"


def _subject(ds: xr.Dataset) -> str:
    """What the indices are of, in a few words: a milestone's name or a series' label."""
    kind, _, name = str(ds.attrs.get("output", "")).partition(":")
    return name if kind == "milestone" else _output(ds)[0]


def _signed(value: float, units: str) -> str:
    text = style.quantity(value, units)
    return text if text.startswith("-") else f"+{text}"


def plot_tornado(ds: xr.Dataset, top: int = 15, ax: Axes | None = None) -> Axes:
    """How far the output moves from the central run (``base``) with each input at its
    low and at its high quantile, the others central: one pair of bars per input,
    largest swing at the top. Inputs that do not move it are left out (and counted).
    Right of each pair, the input's two values with their unit (``input_unit``)."""
    style.require(ds, ("swing", "base", "output_low", "output_high"), "a tornado Dataset")
    dim = _dim(ds)
    base = float(np.asarray(ds["base"].values).ravel()[0])
    low_all = ds["output_low"].values - base
    high_all = ds["output_high"].values - base
    moves = (np.nan_to_num(np.abs(low_all)) > 0) | (np.nan_to_num(np.abs(high_all)) > 0)
    ranked = np.argsort(-np.nan_to_num(ds["swing"].values), kind="stable")
    order = [i for i in ranked if moves[i]][:top]
    hidden = int((~moves).sum())
    shown = ds.isel({dim: order})
    names = [str(n) for n in shown[dim].values]
    labels = _labels(shown, dim)
    low, high = low_all[order], high_all[order]
    low_q = float(ds.attrs.get("low_quantile", 0.1))
    high_q = float(ds.attrs.get("high_quantile", 0.9))
    _name, units = _output(ds)
    input_units = (
        [str(u) for u in shown["input_unit"].values] if "input_unit" in shown.coords else None
    )

    ax = style.new_axes(ax, size=(10.0, max(3.0, 2.0 + 0.4 * len(names))))
    rows = np.arange(len(names))
    low_label, high_label = f"input at its P{100 * low_q:.0f}", f"input at its P{100 * high_q:.0f}"
    ax.barh(rows - 0.19, low, height=0.38, color=style.PALETTE[0], label=low_label)
    ax.barh(rows + 0.19, high, height=0.38, color=style.PALETTE[1], label=high_label)
    ax.axvline(0.0, color=style.OKABE_ITO["black"], linewidth=1, label="central run")
    # The inputs' values in one column right of the axes, a row each: they cannot
    # overlap each other, the bars or the tick labels.
    for row, name in enumerate(names):
        unit = input_units[row] if input_units else ""
        values = [float(shown[key].values[row]) for key in ("low_value", "high_value")]
        texts = [_input_value(name, value, unit) for value in values]
        ax.text(
            1.02,
            row,
            f"P{100 * low_q:.0f} {texts[0]}  |  P{100 * high_q:.0f} {texts[1]}",
            transform=ax.get_yaxis_transform(),
            ha="left",
            va="center",
            fontsize="x-small",
        )
    ax.set_yticks(rows, [_short(label) for label in labels], fontsize="small")
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_ylabel(dim)
    style.value_axis(ax, _change(ds), units, np.concatenate([low, high, [0.0]]), axis="x")
    ax.margins(x=0.05)
    ax.grid(True, axis="x", alpha=0.3)
    extra = f"{hidden} {dim}{'s' if hidden > 1 else ''} with no effect hidden" if hidden else ""
    what = _subject(ds)
    if names:
        headline = f"What moves {what} most: {_short(labels[0])}"
        swing = (
            f"{_signed(low[0], units)} at its P{100 * low_q:.0f}, "
            f"{_signed(high[0], units)} at its P{100 * high_q:.0f}"
        )
    else:
        headline, swing = f"No {dim} moves {what}", ""
    style.title(ax, headline, ds, _subtitle(ds, swing, f"top {len(names)}", extra))
    if names:
        ax.figure.legend(loc="outside lower right", ncols=3, frameon=False, fontsize="small")
    return ax


def _input_value(name: str, value: float, unit: str) -> str:
    """An input's value with its unit; risks and letters of intent as yes or no."""
    if name.endswith((".occurs", ".firm")):
        return "yes" if value >= 0.5 else "no"
    return style.quantity(value, unit)


def plot_morris(ds: xr.Dataset, ax: Axes | None = None, *, top: int = 10) -> Axes:
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
    ranked = [i for i in np.argsort(-np.nan_to_num(mu_star), kind="stable") if plotted[i]]
    largest = float(mu_star[ranked[0]]) if ranked else 0.0
    labelled = [i for i in ranked[:top] if mu_star[i] >= _SMALL * largest]
    style.value_axis(ax, f"\u03bc*: mean |effect| on {output}", units, mu_star, axis="x")
    style.value_axis(ax, "\u03c3: spread of effects", units, sigma, axis="y")
    ax.set_xlim(left=0)
    ax.set_ylim(bottom=0)
    _label_column(ax, [_short(names[i]) for i in labelled], mu_star[labelled], sigma[labelled])
    ax.grid(True, alpha=0.3)
    missing = int((~plotted).sum())
    extra = f"{missing} without \u03c3 (groups) not shown" if missing else ""
    unnamed = len(ranked) - len(labelled)
    if unnamed:
        extra += f"{'; ' if extra else ''}{unnamed} smaller {dim}s not named"
    headline = (
        f"Largest effect on {_subject(ds)}: {_short(names[ranked[0]])}"
        if ranked
        else f"Morris screening of {_subject(ds)}"
    )
    style.title(ax, headline, ds, _subtitle(ds, averaged, extra))
    ax.figure.legend(loc="outside lower right", ncols=2, frameon=False, fontsize="small")
    return ax


def _label_column(ax: Axes, labels: list[str], x: np.ndarray, y: np.ndarray) -> None:
    """Name points in a column right of the axes, each label as near its point's height
    as the others allow (at least ``_GAP`` of the axes' height apart), joined to its
    point by a thin line: labels never pile up."""
    if not labels:
        return
    bottom, top = ax.get_ylim()
    wanted = (np.asarray(y, dtype=float) - bottom) / ((top - bottom) or 1.0)
    order = np.lexsort((-np.asarray(x, dtype=float), wanted))  # ties: rightmost lowest
    gap = min(_GAP, 0.96 / max(len(labels) - 1, 1))
    slots = np.clip(wanted[order], 0.02, 0.98)
    for k in range(1, len(slots)):
        slots[k] = max(slots[k], slots[k - 1] + gap)
    slots[-1] = min(slots[-1], 0.98)
    for k in range(len(slots) - 2, -1, -1):
        slots[k] = min(slots[k], slots[k + 1] - gap)
    for slot, i in zip(slots, order, strict=True):
        ax.annotate(
            labels[i],
            xy=(x[i], y[i]),
            xycoords="data",
            xytext=(1.03, slot),
            textcoords="axes fraction",
            ha="left",
            va="center",
            fontsize="x-small",
            arrowprops={"arrowstyle": "-", "color": style.GREY, "linewidth": 0.6},
        )


#: Points with mu* below this share of the largest are not named.
_SMALL = 0.05
#: Least distance between two labels of a label column [fraction of the axes' height].
_GAP = 0.06


def plot_sobol(ds: xr.Dataset, top: int = 15, ax: Axes | None = None) -> Axes:
    """First-order (S1) and total (ST) Sobol' indices per input with their confidence
    intervals (cut at 0 and 1, the range of a share of the variance), largest ST at the
    top."""
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
        value = data[key].values
        ax.barh(
            rows + offset,
            np.nan_to_num(value),
            height=0.38,
            color=colour,
            label=f"{label} ({confidence:.0f} % CI)",
        )
        # an index is a share of the variance: the part of its interval within 0 to 1,
        # none for a missing estimate or interval, or one wholly outside
        half = data[f"{key}_conf"].values
        low, high = np.clip(value - half, 0.0, 1.0), np.clip(value + half, 0.0, 1.0)
        drawn = np.isfinite(low) & np.isfinite(high) & (high > low)
        ax.hlines((rows + offset)[drawn], low[drawn], high[drawn], color=style.OKABE_ITO["black"])
    ax.set_yticks(rows, names, fontsize="small")
    ax.set_ylim(len(names) - 0.5, -0.5)
    ax.set_ylabel(dim)
    ax.set_xlabel(f"Sobol' index: share of the variance of {output} (0\u20131)")
    ax.axvline(0, color=style.GREY, linewidth=0.8)
    ax.grid(True, axis="x", alpha=0.3)
    headline = f"Sobol' indices of {_subject(ds)}"
    if names:
        first, total = float(data["S1"].values[0]), float(data["ST"].values[0])
        headline = (
            f"What drives {_subject(ds)}: {_short(names[0])}, "
            f"{first:.0%} of its variance alone, {total:.0%} with interactions"
        )
    style.title(ax, headline, ds, _subtitle(ds, averaged, f"top {len(names)} by ST"))
    style.legend_outside(ax, fontsize="small")
    return ax
