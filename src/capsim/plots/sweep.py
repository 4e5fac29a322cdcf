"""A sweep's milestone date against the varied inputs: a line (with a band over
replicates) for one input, a heatmap for two."""

from __future__ import annotations

import re

import matplotlib
import matplotlib.dates as mdates
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.colors import to_rgb
from matplotlib.patches import Patch

from capsim.plots import style

_LOW, _MID, _HIGH = 0.1, 0.5, 0.9


def plot_sweep(ds: xr.Dataset, milestone: str, ax: Axes | None = None) -> Axes:
    """``milestone``'s date against one varied input (P50 line, P10-P90 band when each
    point has several replicates) or two (heatmap of the P50 date; scatter when the
    points are not a grid). Points where the P50 is not met in the horizon are marked.
    """
    milestone = style.choose(ds, "milestone", milestone)
    ds = _with_layout(ds)
    data = style.good_samples(ds)
    axes = _varied(data)
    if len(axes) not in (1, 2):
        raise ValueError(f"plot_sweep draws one or two varied inputs, this sweep has {len(axes)}")
    points = np.unique(data["point"].values)
    dates = data["milestone_date"].sel(milestone=milestone).values.astype("datetime64[ns]")
    quantiles = np.array([_quantiles(dates[data["point"].values == p]) for p in points])
    settings = [
        np.array([values[data["point"].values == p][0] for p in points]) for _, _, values in axes
    ]
    replicates = int(ds.attrs.get("replicates", 1) or 1)
    ax = style.new_axes(ax)
    if len(axes) == 1:
        _line(
            ax,
            axes[0],
            settings[0],
            quantiles,
            replicates=replicates,
            milestone=milestone,
            end=style.horizon_end(ds),
        )
    else:
        _heatmap(ax, axes, settings, quantiles[:, 1], milestone)
    what = f"{len(points)} points x {replicates} replicates" if replicates > 1 else (
        f"{len(points)} points, other inputs central")  # fmt: skip
    medians = quantiles[:, 1]  # date numbers, NaN where not met
    met = medians[np.isfinite(medians)]
    headline = f"when {milestone} is met, by varied input: never in the horizon (P50)"
    if met.size:
        first, last = (mdates.num2date(x).strftime("%Y-%m-%d") for x in (met.min(), met.max()))
        headline = f"when {milestone} is met, by varied input: P50 from {first} to {last}"
        if met.size < medians.size:
            unmet = medians.size - met.size
            headline += f", not met at {unmet} point{'s' * (unmet != 1)}"
    style.title(ax, headline, ds, what)
    return ax


def _labels(ds: xr.Dataset) -> list[str]:
    """The varied inputs named in the ``varied`` attribute: ``PATH=LOW:HIGH[:N]`` labels
    (which may contain spaces, as in ``1800 W``) or bare key paths."""
    text = str(ds.attrs.get("varied", "")).strip()
    if "=" in text:
        return re.split(r"\s+(?=[^\s=:]+=)", text)
    return text.split()


def _with_layout(ds: xr.Dataset) -> xr.Dataset:
    """``ds`` with the ``point`` and ``vary_i`` coordinates of a sweep.

    :func:`capsim.sweep.study.sweep` adds them to the Dataset it returns; a sweep
    reopened from its Zarr store has only the ``varied`` and ``replicates`` attributes,
    from which they are rebuilt: grid settings from the labels' bounds, other designs'
    settings from ``input_value``.
    """
    if "point" in ds.coords and any(str(c).startswith("vary_") for c in ds.coords):
        return ds
    if ds.attrs.get("study") != "sweep" and "point" not in ds.coords:
        raise ValueError(
            "plot_sweep needs a sweep (capsim.sweep.study.sweep or `capsim sweep`): "
            "this result has no 'point' coordinate and is not a sweep store"
        )
    replicates = int(ds.attrs.get("replicates", 1) or 1)
    point = ds["sample"].values // replicates
    ds = ds.assign_coords(
        point=("sample", point), replicate=("sample", ds["sample"].values % replicates)
    )
    labels = _labels(ds)
    if not labels or "=" not in labels[0]:
        return ds  # bare key paths: read from input_value by _varied
    bounds = [_bounds(label) for label in labels]
    grid = ds.attrs.get("design") == "grid"
    if grid:
        index = np.unravel_index(point, [n for *_, n in bounds])
    coords = {}
    for i, (label, (low, high, relative, n)) in enumerate(zip(labels, bounds, strict=True)):
        path = label.partition("=")[0]
        if grid and relative:
            values = np.linspace(low, high, n)[index[i]]
        elif not relative and path in ds["parameter"].values:
            values = ds["input_value"].sel(parameter=path).values.astype(float)
        else:
            raise ValueError(f"cannot recover the settings of {label!r} from this store")
        coords[f"vary_{i}"] = xr.Variable("sample", values, {"label": label})
    return ds.assign_coords(coords)


def _bounds(label: str) -> tuple[float, float, bool, int]:
    """(low, high, relative, points) of ``PATH=LOW:HIGH[:N]`` (low and high only when
    multipliers; quantities are read from ``input_value``)."""
    parts = [part.strip() for part in label.partition("=")[2].split(":")]
    relative = all(part.endswith("x") for part in parts[:2])
    points = int(parts[2]) if len(parts) > 2 and parts[2].isdigit() else 5
    if relative:
        return float(parts[0][:-1]), float(parts[1][:-1]), True, points
    return float("nan"), float("nan"), False, points


def _varied(ds: xr.Dataset) -> list[tuple[str, str, np.ndarray]]:
    """(label, unit, value per sample) of each varied input.

    Sweeps record each varied dimension as a coordinate ``vary_i`` (with its ``label``,
    ``PATH=LOW:HIGH[:N]``, multipliers when the bounds end in ``x``, and its
    ``input_label`` in words, shown when present); older ones list the varied key paths
    in the ``varied`` attribute, read from ``input_value``.
    """
    names = sorted(
        (str(name) for name in ds.coords if str(name).startswith("vary_")),
        key=lambda name: int(name.split("_")[1]) if name.split("_")[1].isdigit() else 0,
    )
    if names:
        found = []
        for name in names:
            label = str(ds[name].attrs.get("label", name))
            path, _, bounds = label.partition("=")
            relative = bool(bounds) and all(
                part.strip().endswith("x") for part in bounds.split(":")[:2]
            )
            unit = "\u00d7 base value" if relative else _unit(ds, path)
            named = str(ds[name].attrs.get("input_label", "")) or path or label
            found.append((named, unit, ds[name].values.astype(float)))
        return found
    varied = _labels(ds)
    if not varied:
        raise ValueError("the sweep names no varied inputs (no vary_* coordinates or 'varied')")
    return [
        (path, _unit(ds, path), ds["input_value"].sel(parameter=path).values.astype(float))
        for path in varied
    ]


def _unit(ds: xr.Dataset, path: str) -> str:
    if "parameter_unit" in ds and path in ds["parameter"].values:
        return str(ds["parameter_unit"].sel(parameter=path).values)
    return ""


def _quantiles(dates: np.ndarray) -> np.ndarray:
    """P10, P50, P90 as date numbers; NaN where not met (a miss counts as latest)."""
    if dates.size == 0:
        return np.full(3, np.nan)
    ns = dates.astype(np.int64).astype(float)
    ns[np.isnat(dates)] = np.inf
    picked = np.quantile(ns, [_LOW, _MID, _HIGH], method="inverted_cdf")
    out = np.full(3, np.nan)
    finite = np.isfinite(picked)
    out[finite] = mdates.date2num(picked[finite].astype(np.int64).astype("datetime64[ns]"))
    return out


def _line(ax: Axes, axis, values, quantiles, *, replicates: int, milestone: str, end) -> None:
    name, unit, _ = axis
    order = np.argsort(values)
    x, q = values[order], quantiles[order]
    end_num = style.to_num(end)
    if replicates > 1:
        ax.fill_between(x, np.nan_to_num(q[:, 0], nan=end_num), np.nan_to_num(q[:, 2], nan=end_num),
                        color=style.PALETTE[0], alpha=0.25, linewidth=0,
                        label=f"P10\u2013P90 over {replicates} replicates")  # fmt: skip
    label = "P50 date" if replicates > 1 else "date (other inputs central)"
    ax.plot(x, q[:, 1], marker="o", color=style.PALETTE[0], linewidth=2, label=label)
    missed = np.isnan(q[:, 1])
    if missed.any():
        ax.plot(x[missed], np.full(missed.sum(), end_num), linestyle="none", marker="x",
                color=style.OKABE_ITO["vermillion"], markersize=8,
                label=f"{'P50 ' if replicates > 1 else ''}not met by {style.day(end)}")  # fmt: skip
    style.value_axis(ax, name, unit, values, axis="x", as_written=True)
    style.date_axis(ax, axis="y", label=f"date {milestone} is met")
    ax.grid(True, alpha=0.3)
    ax.legend(loc="best", fontsize="small")


def _heatmap(ax: Axes, axes, settings, p50: np.ndarray, milestone: str):
    (x_name, x_unit, _), (y_name, y_unit, _) = axes
    x, y = settings
    xs, ys = np.unique(x), np.unique(y)
    cmap = matplotlib.colormaps["viridis"].with_extremes(bad=style.LIGHT_GREY)
    if len(xs) * len(ys) == len(x):
        grid = np.full((len(ys), len(xs)), np.nan)
        grid[np.searchsorted(ys, y), np.searchsorted(xs, x)] = p50
        mesh = ax.pcolormesh(xs, ys, np.ma.masked_invalid(grid), shading="nearest", cmap=cmap)
        ax.set_xticks(xs)
        ax.set_yticks(ys)
        if grid.size <= 144:
            for i, j in np.ndindex(grid.shape):
                value = grid[i, j]
                text = "not met" if np.isnan(value) else mdates.num2date(value).strftime("%Y-%m")
                colour = "black" if np.isnan(value) else _ink(mesh.to_rgba(value))
                ax.text(xs[j], ys[i], text, ha="center", va="center", fontsize="x-small",
                        color=colour)  # fmt: skip
    else:
        mesh = ax.scatter(x, y, c=p50, cmap=cmap, s=60, plotnonfinite=True)
    if np.isnan(p50).any():
        ax.legend(handles=[Patch(facecolor=style.LIGHT_GREY, label="P50 not met in the horizon")],
                  loc="upper left", bbox_to_anchor=(0.0, -0.12), frameon=False,
                  fontsize="small")  # fmt: skip
    bar = ax.figure.colorbar(mesh, ax=ax)
    locator = mdates.AutoDateLocator()
    bar.ax.yaxis.set_major_locator(locator)
    bar.ax.yaxis.set_major_formatter(mdates.ConciseDateFormatter(locator))
    bar.set_label(f"P50 date {milestone} is met")
    style.value_axis(ax, x_name, x_unit, x, axis="x", as_written=True)
    style.value_axis(ax, y_name, y_unit, y, axis="y", as_written=True)


def _ink(rgba) -> str:
    red, green, blue = to_rgb(rgba)
    return "black" if 0.299 * red + 0.587 * green + 0.114 * blue > 0.5 else "white"
