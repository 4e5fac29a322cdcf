"""A site's buildings as a Gantt chart: construction, then waiting for power, with the
predecessor on each building's critical path highlighted."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.axes import Axes
from matplotlib.patches import Patch

from capsim.plots import style

#: Which segment a critical path runs through, and how it is called.
_POWER = ("grid", "onsite_power", "existing", "power_capacity")
_CRITICAL_NAMES = {
    "construction": "construction",
    "transformers": "construction, held up by transformers",
    "grid": "waiting for grid power",
    "onsite_power": "waiting for on-site power",
    "existing": "waiting for existing power",
}


def plot_gantt(ds: xr.Dataset, site: str | None = None, ax: Axes | None = None) -> Axes:
    """A single run's buildings (of ``site``, or all): one bar per building from its
    start to ``construction_done`` (construction, including any wait for transformers
    during fit-out), then to ``building_ready`` (built, waiting for facility power).

    The segment on the building's critical path is coloured by what it waited for
    (``critical_path``) and labelled with ``critical_margin``; the other segment is
    grey. A building not done (or not ready) within the horizon runs to its end,
    hatched.
    """
    style.require(ds, ("construction_done", "building_ready"), "a single run's building dates")
    if style.is_study(ds):
        raise ValueError(
            "plot_gantt draws a single run's building dates (construction_done, "
            "building_ready); a Monte Carlo study holds them for every sample, not one "
            "run: draw the central run, capsim.simulate(scenario) or "
            "`capsim run --deterministic -o result.nc`"
        )
    buildings = [str(b) for b in ds["building"].values]
    sites = [str(s) for s in ds["building_site"].values]
    if site is not None:
        style.choose(ds, "site", site)
        chosen = [i for i, s in enumerate(sites) if s == site]
    else:
        chosen = list(range(len(buildings)))
    if not chosen:
        raise ValueError(f"site {site!r} has no buildings")
    starts = _starts(ds)
    end = style.horizon_end(ds)
    done = ds["construction_done"].values
    ready = ds["building_ready"].values
    critical = ds["critical_path"].values.astype(str)
    margin = ds["critical_margin"].values

    height = max(3.0, 1.2 + 0.28 * len(chosen))
    ax = style.new_axes(ax, size=(10.0, height))
    used: dict[str, str] = {}
    for row, i in enumerate(chosen):
        start = starts.get(buildings[i], ds["time"].values[0])
        used |= _bar(ax, row, (start, done[i], ready[i], end), critical[i], margin[i])
    ax.set_yticks(range(len(chosen)), [buildings[i] for i in chosen], fontsize="small")
    ax.set_ylim(len(chosen) - 0.4, -0.6)
    ax.set_ylabel("building")
    style.date_axis(ax)
    ax.grid(True, axis="x", alpha=0.3)
    handles = [Patch(facecolor=colour, label=label) for label, colour in sorted(used.items())]
    if np.isnat(done[chosen]).any() or np.isnat(ready[chosen]).any():
        handles.append(Patch(facecolor="white", edgecolor=style.GREY, hatch="//",
                             label=f"not finished by {style.day(end)}"))  # fmt: skip
    ax.legend(
        handles=handles,
        loc="upper left",
        bbox_to_anchor=(1.01, 1.0),
        borderaxespad=0.0,
        frameon=False,
        title="segment (margin: days the\ncritical predecessor was last)",
        title_fontsize="small",
        fontsize="small",
    )
    count = len(set(sites))
    where = f"site {site}" if site is not None else f"{count} site{'s' * (count != 1)}"
    style.title(ax, _headline(where, ready[chosen], critical[chosen], end), ds, "single run")
    return ax


def _headline(where: str, ready: np.ndarray, critical: np.ndarray, end) -> str:
    """When the last building was ready (or how many were not), and what most waited for."""
    missing = int(np.isnat(ready).sum())
    if missing:
        when = f"{missing} of {len(ready)} not ready by {style.day(end)}"
    else:
        when = f"all ready by {style.day(ready.max())}"
    waited = [str(c) for c in critical if str(c) != "not ready"]
    if waited:
        most = max(set(waited), key=waited.count)
        when += f", most waiting last for {most.replace('_', ' ')}"
    return f"Buildings of {where}: {when}"


def _bar(ax: Axes, row: int, dates, critical: str, margin: float) -> dict[str, str]:
    """Draw one building's segments; returns the legend entries used (label: colour)."""
    start, done, ready, end = dates
    built = done if not np.isnat(done) else end
    powered = ready if not np.isnat(ready) else end
    on_power = critical in _POWER
    segments = (
        ("construction", start, built, not on_power and critical in _CRITICAL_NAMES, done),
        ("power", built, powered, on_power, ready),
    )
    used = {}
    for kind, left, right, is_critical, finished in segments:
        if right <= left:
            continue
        if is_critical:
            colour = style.BINDING_STYLE.get(critical, (style.GREY, None))[0]
            label = f"critical: {_CRITICAL_NAMES.get(critical, critical)}"
        else:
            colour = "#BBBBBB" if kind == "construction" else style.LIGHT_GREY
            label = "construction" if kind == "construction" else "waiting for power"
        ax.barh(
            row,
            style.to_num(right) - style.to_num(left),
            left=style.to_num(left),
            height=0.7,
            color=colour,
            edgecolor="white",
            hatch="//" if np.isnat(finished) else None,
        )
        used[label] = colour
    if critical in _CRITICAL_NAMES and np.isfinite(margin):
        ax.text(
            style.to_num(powered),
            row,
            f" {critical.replace('_', ' ')} +{margin:.0f} d",
            va="center",
            fontsize="x-small",
        )
    return used


def _starts(ds: xr.Dataset) -> dict[str, np.datetime64]:
    """Each building's start (of land and permits), by ``site/building`` id."""
    try:
        scenario = style.scenario_of(ds)
    except ValueError:
        return {}
    return {
        f"{site_id}/{building.id}": np.datetime64(building.start, "ns")
        for site_id, site in scenario.sites.items()
        for building in site.buildings
    }
