"""The look shared by every chart: one colour-blind-safe palette, unit-aware axis labels,
date axes and titles.

Data are plotted in the Dataset's canonical units (W, USD, package, ...); the tick
formatter shows them scaled (GW, USD billion, million packages), so what is drawn can
be compared with the Dataset directly.
"""

from __future__ import annotations

import datetime as dt
import json
from functools import lru_cache
from pathlib import Path

import matplotlib.dates as mdates
import matplotlib.pyplot as plt
import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, PercentFormatter

from capsim.files import written_whole
from capsim.model.dating import horizon_after
from capsim.sweep.store import sample_counts, samples_note, usable

#: Okabe & Ito (2008), distinguishable with every common colour-vision deficiency.
OKABE_ITO = {
    "blue": "#0072B2",
    "orange": "#E69F00",
    "green": "#009E73",
    "vermillion": "#D55E00",
    "sky": "#56B4E9",
    "purple": "#CC79A7",
    "yellow": "#F0E442",
    "black": "#000000",
}
#: Series colours, in the order charts use them.
PALETTE = [OKABE_ITO[name] for name in ("blue", "orange", "green", "vermillion", "sky", "purple")]
GREY = "#999999"
LIGHT_GREY = "#DDDDDD"

#: A fixed colour (and hatch, for the second tier) per binding input, so that an input
#: looks the same in every chart. The first tier is Okabe-Ito; the rarer inputs take
#: Paul Tol's colour-blind-safe "muted" colours with a hatch, so that they stay
#: distinguishable from the first tier without relying on hue alone.
BINDING_STYLE: dict[str, tuple[str, str | None]] = {
    "cowos": (OKABE_ITO["orange"], None),
    "logic_wafers": (OKABE_ITO["sky"], None),
    "hbm": (OKABE_ITO["green"], None),
    "demand": (OKABE_ITO["yellow"], None),
    "construction": (OKABE_ITO["blue"], None),
    "transformers": (OKABE_ITO["vermillion"], None),
    "grid": (OKABE_ITO["purple"], None),
    "onsite_power": ("#882255", "//"),
    "power_capacity": ("#44AA99", "//"),
    "existing": ("#44AA99", "//"),
    "crews": ("#332288", "\\\\"),
    "site_capacity": ("#999933", "\\\\"),
    "export_cap": ("#CC6677", ".."),
    "money": ("#DDCC77", ".."),
    "complete": (LIGHT_GREY, None),
    "closed": ("#BBBBBB", None),
    "not_made": ("#777777", "xx"),
}

#: Human names of result variables (the rest: underscores become spaces).
LABELS = {
    "it_power_online": "IT power online",
    "facility_power_online": "facility power online",
    "h100e_online": "H100e online",
    "flops_online": "compute online",
    "packages_produced": "packages produced",
    "packages_delivered": "packages delivered",
    "packages_installed": "packages installed",
    "packages_allocated": "packages allocated",
    "packages_online": "packages online",
    "stranded_packages": "stranded packages",
    "capex_spent": "capex spent",
    "funding_received": "funding received",
    "idle_power": "idle power",
    "site_it_power_online": "site IT power online",
    "site_facility_power_online": "site facility power online",
    "ready_it_capacity": "IT capacity of ready buildings",
    "power_available": "facility power available",
    "programme_binding": "what binds the programme",
    "binding_input": "binding supply input",
}

#: Units of variables whose unit the Dataset may not carry (sensitivity outputs).
VARIABLE_UNITS = {
    "packages_produced": "package",
    "packages_delivered": "package",
    "packages_installed": "package",
    "stranded_packages": "package",
    "it_power_online": "W",
    "facility_power_online": "W",
    "h100e_online": "H100e",
    "capex_spent": "USD",
    "funding_received": "USD",
    "idle_power": "W",
}

_SI = (
    (1e24, "Y"), (1e21, "Z"), (1e18, "E"), (1e15, "P"), (1e12, "T"), (1e9, "G"), (1e6, "M"),
    (1e3, "k"), (1.0, ""),
)  # fmt: skip
_COUNTS = ((1e9, "billion "), (1e6, "million "), (1e3, "thousand "), (1.0, ""))
_PLURALS = {"package": "packages", "die": "dies", "stack": "stacks", "wafer": "wafers"}
_PLURALS |= {"day": "days", "month": "months", "rack": "racks", "transformer": "transformers"}


def label_of(name: str) -> str:
    """Human name of a variable, e.g. ``"IT power online"``."""
    return LABELS.get(name, name.replace("_", " "))


def capitalised(text: str) -> str:
    """``text`` with an initial ASCII capital (Greek letters and ids stay as they are)."""
    return text[:1].upper() + text[1:] if text[:1].isascii() else text


def unit_scale(units: str | None, values=None) -> tuple[float, str]:
    """``(factor, text)`` to show ``values`` in ``units`` readably: 2e9 W -> (1e9, "GW").

    The factor is chosen from the largest finite magnitude in ``values``; ``text`` is
    empty for dimensionless quantities.
    """
    units = (units or "").strip()
    magnitude = _magnitude(values)
    if units in ("", "1"):
        return 1.0, ""
    if units in ("day", "month"):
        return 1.0, _PLURALS[units]
    if units in ("W", "FLOP/s", "Wh"):
        for factor, prefix in _SI:
            if magnitude >= factor:
                return factor, f"{prefix}{units}"
        return 1.0, units
    if units == "USD":
        for factor, word in _COUNTS:
            if magnitude >= factor:
                return factor, f"USD {word.strip()}".strip()
        return 1.0, "USD"
    if units in _PLURALS or units in ("H100e",):
        plural = _PLURALS.get(units, units)
        for factor, word in _COUNTS:
            if magnitude >= factor:
                return factor, f"{word}{plural}"
        return 1.0, plural
    return 1.0, units


def quantity(value: float, units: str | None) -> str:
    """A value with its unit, scaled to read easily: ``2.28e6, "stack/month"`` ->
    ``"2.28 million stack/month"``, ``2e9, "W"`` -> ``"2 GW"``."""
    units = (units or "").strip()
    if not np.isfinite(value):
        return "n/a"
    factor, text = unit_scale(units, [value])
    if factor == 1.0 and text == units and units not in ("day", "month"):
        for scale, word in _COUNTS:
            if abs(value) >= scale:
                factor, text = scale, f"{word}{units}".strip()
                break
    shown = value / factor
    number = f"{shown:,.0f}" if abs(shown) >= 100 else f"{shown:.3g}"
    return f"{number} {text}".strip()


def _magnitude(values) -> float:
    if values is None:
        return 0.0
    array = np.abs(np.asarray(values, dtype=float))
    array = array[np.isfinite(array)]
    return float(array.max()) if array.size else 0.0


def axis_label(
    name: str, units: str | None, values=None, *, as_written: bool = False
) -> tuple[str, float]:
    """``("IT power online (GW)", 1e9)``: a label with its unit, and the scale factor.

    Key paths (``products.p.it_power``) and, ``as_written``, input labels that open with
    an entity's id (``p IT power``) keep their spelling; other names are capitalised.
    """
    factor, text = unit_scale(units, values)
    kept = as_written or "." in name.split(" ", maxsplit=1)[0]
    label = name if kept else capitalised(name)
    return (f"{label} ({text})" if text else label), factor


def scaled_formatter(factor: float) -> FuncFormatter:
    """Tick labels of canonical values divided by ``factor`` (``2e9`` -> ``2`` for GW)."""

    def show(value: float, _position) -> str:
        return f"{value / factor:.4g}"

    return FuncFormatter(show)


def value_axis(
    ax: Axes, name: str, units: str | None, values, axis: str = "y", *, as_written: bool = False
) -> float:
    """Label ``axis`` with ``name`` and its scaled unit (``as_written``: ``name`` not
    capitalised, see :func:`axis_label`); format its ticks. Returns the factor."""
    label, factor = axis_label(name, units, values, as_written=as_written)
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_label_text(label)
    target.set_major_formatter(scaled_formatter(factor))
    return factor


def percent_axis(ax: Axes, label: str, axis: str = "y") -> None:
    """Shares in 0..1 shown as percentages."""
    target = ax.yaxis if axis == "y" else ax.xaxis
    target.set_major_formatter(PercentFormatter(xmax=1.0, decimals=0))
    target.set_label_text(f"{label} (%)")


def date_axis(ax: Axes, axis: str = "x", label: str = "date") -> None:
    """Date ticks and a ``date`` label: concise on x (years, then months as they fit),
    whole dates on y (where a concise formatter's offset would collide with the title)."""
    target = ax.xaxis if axis == "x" else ax.yaxis
    locator = mdates.AutoDateLocator(minticks=4, maxticks=10)
    target.set_major_locator(locator)
    if axis == "x":
        target.set_major_formatter(mdates.ConciseDateFormatter(locator))
    else:
        target.set_major_formatter(mdates.DateFormatter("%Y-%m-%d"))
    target.set_label_text(label)


def new_axes(ax: Axes | None, size: tuple[float, float] = (9.0, 5.0)) -> Axes:
    """``ax``, or the axes of a new figure of ``size`` inches (constrained layout)."""
    if ax is not None:
        return ax
    _figure, created = plt.subplots(figsize=size, layout="constrained")
    return created


def title(ax: Axes, text: str, ds: xr.Dataset | None = None, detail: str = "") -> None:
    """A headline (what the chart says) with an optional second line of detail, and the
    source footnote (:func:`footnote`)."""
    first = text.split(" ", 1)[0]
    head = text if any(mark in first for mark in "-._") else capitalised(text)  # ids as spelt
    if ds is not None and is_study(ds) and sample_counts(ds)[0] < ds.sizes["sample"]:
        detail = "; ".join(part for part in (detail, samples_note(ds)) if part)
    ax.set_title(f"{head}\n{detail}" if detail else head, loc="left", fontsize="medium", wrap=True)
    footnote(ax, ds)


def footnote_text(ds: xr.Dataset | None) -> str:
    """``"Source: capsim model run; capsim 0.1.0; scenario NAME"`` for ``ds``, and for a
    study ``"; 200 samples, random design, seed 7"`` (what reproduces it)."""
    from capsim import __version__

    attrs = ds.attrs if ds is not None else {}
    parts = ["Source: capsim model run", f"capsim {attrs.get('capsim_version', __version__)}"]
    if attrs.get("scenario_name"):
        parts.append(f"scenario {attrs['scenario_name']}")
    if ds is not None and is_study(ds) and "seed" in attrs:
        design = f"{attrs['design']} design, " if attrs.get("design") else ""
        parts.append(f"{ds.sizes['sample']} samples, {design}seed {attrs['seed']}")
    return "; ".join(parts)


def footnote(ax: Axes, ds: xr.Dataset | None) -> None:
    """The source, capsim version and scenario, small at the figure's lower left."""
    ax.figure.supxlabel(footnote_text(ds), x=0.01, ha="left", fontsize="x-small", color=GREY)


def legend_outside(ax: Axes, **options) -> None:
    """A legend right of the axes, so that it covers no data."""
    ax.legend(
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0.0,
        frameon=False,
        **options,
    )


def note(ax: Axes, text: str, where: str = "lower right") -> None:
    """A short remark in a corner of the axes, on a white box."""
    x, ha = (0.98, "right") if "right" in where else (0.02, "left")
    y, va = (0.03, "bottom") if "lower" in where else (0.97, "top")
    ax.text(
        x,
        y,
        text,
        transform=ax.transAxes,
        ha=ha,
        va=va,
        fontsize="small",
        bbox={"boxstyle": "round,pad=0.3", "facecolor": "white", "edgecolor": GREY, "alpha": 0.9},
    )


def save_figure(figure, path: str | Path, dpi: float) -> None:
    """Write ``figure`` to ``path`` whole or not at all, in the format of its suffix
    (.png, .svg, .pdf) at ``dpi`` [dot/inch]."""
    with written_whole(path) as temporary:
        figure.savefig(
            temporary, format=Path(path).suffix[1:].lower(), dpi=dpi, bbox_inches="tight"
        )


def is_study(ds: xr.Dataset) -> bool:
    """Whether ``ds`` holds many samples (a Monte Carlo study or sweep)."""
    return "sample" in ds.dims


def good_samples(ds: xr.Dataset) -> xr.Dataset:
    """The samples that were run and did not fail."""
    return usable(ds)


def require(ds: xr.Dataset, names: tuple[str, ...], what: str) -> None:
    """A clear error when ``ds`` lacks the variables a chart needs."""
    missing = [name for name in names if name not in ds]
    if missing:
        raise ValueError(f"needs {what}, with {', '.join(names)}; missing: {', '.join(missing)}")


def scenario_of(ds: xr.Dataset):
    """The scenario a result was made from (its ``scenario`` attribute)."""
    text = ds.attrs.get("scenario")
    if not text:
        raise ValueError(
            "the result has no 'scenario' attribute, needed to read milestones, claims "
            "and buildings; results from capsim.simulate and capsim studies carry it"
        )
    return _load(str(text))


@lru_cache(maxsize=8)
def _load(text: str):
    from capsim.scenario.loader import loads_scenario

    return loads_scenario(text, "<result scenario>")


def scenario_data(ds: xr.Dataset) -> dict:
    """The scenario attribute as plain data (no validation)."""
    text = ds.attrs.get("scenario")
    return json.loads(text) if text else {}


def horizon_end(ds: xr.Dataset) -> np.datetime64:
    """The horizon's last simulated day (a milestone never met counts as the day after:
    :func:`capsim.model.dating.horizon_after`)."""
    return horizon_after(ds["time"].values) - np.timedelta64(1, "D")


def day(value) -> str:
    """``2026-09-30``; ``"not met"`` for NaT."""
    value = np.datetime64(value, "ns")
    return "not met" if np.isnat(value) else str(value.astype("datetime64[D]"))


def month_edges(times: np.ndarray) -> np.ndarray:
    """Month starts ``times`` plus the start of the month after the last."""
    times = np.asarray(times).astype("datetime64[M]")
    edges = np.append(times, times[-1] + np.timedelta64(1, "M"))
    return edges.astype("datetime64[ns]")


def to_num(value) -> float:
    """A date as a matplotlib date number."""
    if isinstance(value, dt.date):
        value = np.datetime64(value, "ns")
    return float(mdates.date2num(np.datetime64(value, "ns")))


def choose(ds: xr.Dataset, dim: str, name: str | None) -> str:
    """``name`` if it is a label of ``dim`` (or the only label when None); clear error else."""
    if dim not in ds.coords:
        raise ValueError(f"the result has no {dim} dimension: is it the right kind of result?")
    labels = [str(label) for label in ds[dim].values]
    if name is None:
        if len(labels) == 1:
            return labels[0]
        raise ValueError(f"choose a {dim}: one of {', '.join(labels)}")
    if name not in labels:
        raise ValueError(f"no {dim} {name!r} in the result; it has: {', '.join(labels)}")
    return name
