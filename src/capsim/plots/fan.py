"""Fan chart: a Monte Carlo study's P10-P90 band and P50 line of one monthly series, or
a single run's line, with a claim's target and deadline."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from capsim.plots import style
from capsim.sweep.store import sample_counts

#: Percentiles of the band and the line.
LOW, MID, HIGH = 0.1, 0.5, 0.9

_SITE_VARIABLES = {
    "packages_installed": "site_packages_installed",
    "it_power_online": "site_it_power_online",
    "facility_power_online": "site_facility_power_online",
}


def plot_fan(
    ds: xr.Dataset,
    variable: str | None = None,
    programme: str | None = None,
    claim: str | None = None,
    ax: Axes | None = None,
    *,
    precision: str | None = None,
    cumulative: bool = False,
) -> Axes:
    """P10-P90 band and P50 line of ``variable`` by month (a single run: its line).

    The series is summed over programmes (products, sites) unless ``programme`` is
    chosen; failed samples are left out. With ``claim``, the series is the one the
    claim's milestone watches (its quantity and programme, flows summed from the start
    of the horizon), with the milestone's threshold as a horizontal line and the
    claim's deadline as a vertical line. ``variable`` defaults to ``it_power_online``
    (or the milestone's quantity with ``claim``); ``cumulative`` sums a flow over time.
    """
    target = _claim_target(ds, claim) if claim is not None else None
    if target is not None:
        milestone = target["milestone"]
        variable = variable or milestone.quantity
        if variable == milestone.quantity and programme is None:
            programme = milestone.programme
    variable = variable or "it_power_online"
    if variable not in ds:
        raise ValueError(f"no variable {variable!r} in the result")
    if variable in ("programme_binding", "binding_input"):
        raise ValueError(f"{variable} holds categories: draw it with plot_bottlenecks")
    data = ds if not style.is_study(ds) else style.good_samples(ds)
    series, where = _series(data, variable, programme, precision, _scope(ds, target, variable))
    kind = ds[variable].attrs.get("kind", "")
    if kind == "flow" and (cumulative or (target and variable == target["milestone"].quantity)):
        series = series.cumsum("time")
        kind = "cumulative"
    units = ds[variable].attrs.get("units", "")
    # Stocks and cumulative values are read at the end of each month.
    times = style.month_edges(series["time"].values)[1:]

    ax = style.new_axes(ax)
    name = style.label_of(variable) + (" (cumulative)" if kind == "cumulative" else "")
    if kind == "flow":
        name += " per month"
    failed = sample_counts(ds)[1] if style.is_study(ds) else 0
    shown, what = _draw(ax, times, series, failed)
    if target is not None:
        shown = np.append(
            shown, _mark_claim(ax, ds, data, claim=claim, target=target, variable=variable)
        )
    style.value_axis(ax, name, units, shown)
    style.date_axis(ax, label="date (end of month)")
    ax.set_ylim(bottom=min(0.0, float(np.nanmin(shown))) if np.isfinite(shown).any() else 0.0)
    ax.margins(x=0)
    ax.grid(True, alpha=0.3)
    headline = _headline(ds, data, series, name=name, units=units, claim=claim)
    style.title(ax, headline, ds, "; ".join(part for part in (where[2:], what) if part))
    if np.isfinite(shown).any() and np.nanmax(shown) > 0:
        ax.set_ylim(top=1.05 * float(np.nanmax(shown)))
    style.legend_outside(ax, fontsize="small")
    return ax


def _headline(ds, data, series: xr.DataArray, *, name: str, units: str, claim) -> str:
    """What the chart says: the claim's chance, or where the series ends (its median)."""
    if claim is not None:
        probability = _probability(data, claim)
        if style.is_study(data):
            return f"{claim} holds in {100 * probability:.0f} % of samples"
        return f"{claim} {'holds' if probability >= 1 else 'fails'} in this run"
    last = series.isel(time=-1)
    # NumPy's median: a study read from its store holds dask arrays, whose median
    # along one axis of several chunks is not defined
    value = float(np.median(last.values)) if "sample" in last.dims else float(last)
    where = "P50 " if "sample" in last.dims else ""
    return (
        f"{name}: {where}{style.quantity(value, units)} at the horizon's end "
        f"({style.day(style.horizon_end(ds))})"
    )


def _draw(ax: Axes, times, series: xr.DataArray, failed: int) -> tuple[np.ndarray, str]:
    """The band and median of a study's samples, or a run's line; returns the values
    drawn and what they are (for the title). ``failed``: samples left out as failed."""
    if "sample" not in series.dims:
        values = series.values.astype(float)
        ax.plot(times, values, color=style.PALETTE[0], linewidth=2, label="central run")
        return values, "single run"
    count = series.sizes["sample"]
    if count == 0:
        raise ValueError("every sample of the study failed or was not run: nothing to plot")
    values = series.transpose("sample", "time").values.astype(float)
    low, mid, high = np.quantile(values, [LOW, MID, HIGH], axis=0)
    ax.fill_between(
        times,
        low,
        high,
        color=style.PALETTE[0],
        alpha=0.25,
        linewidth=0,
        label=f"P10\u2013P90 across {count} samples",
    )
    ax.plot(times, mid, color=style.PALETTE[0], linewidth=2, label="P50 (median)")
    what = f"Monte Carlo, {count} samples"
    if failed:
        what += f" ({failed} failed, left out)"
    return np.concatenate([low, high]), what


def _claim_target(ds: xr.Dataset, claim: str) -> dict:
    scenario = style.scenario_of(ds)
    if claim not in scenario.claims:
        raise ValueError(
            f"no claim {claim!r} in the scenario; it has: {', '.join(scenario.claims)}"
        )
    spec = scenario.claims[claim]
    return {"claim": spec, "name": spec.milestone, "milestone": scenario.milestones[spec.milestone]}


def _scope(ds: xr.Dataset, target: dict | None, variable: str) -> dict:
    """The site, product or programmes a claim's milestone counts (when it watches
    ``variable``)."""
    if target is None or target["milestone"].quantity != variable:
        return {}
    milestone = target["milestone"]
    if milestone.site is not None:
        return {"site": milestone.site, "programme": milestone.programme}
    if milestone.programme is None and milestone.product is not None:
        if "product" in ds[variable].dims:
            return {"product": milestone.product}
        programmes = style.scenario_of(ds).programmes
        return {
            "programmes": [g for g, spec in programmes.items() if spec.product == milestone.product]
        }
    return {}


def _series(
    ds: xr.Dataset,
    variable: str,
    programme: str | None,
    precision: str | None,
    scope: dict,
) -> tuple[xr.DataArray, str]:
    """The monthly series (with ``sample`` if a study) and a description of its scope."""
    where = ""
    if scope.get("programme") is not None and "tenancy" in ds.dims:  # its buildings there
        site, programme = scope["site"], scope["programme"]
        name = f"tenancy_{variable}"
        if name not in ds:
            raise ValueError(
                f"the claim's milestone counts {programme}'s buildings at site {site}, and "
                f"the result has no per-tenancy {variable}; plot a single run"
            )
        ours = (ds["tenancy_site"] == site) & (ds["tenancy_programme"] == programme)
        array = ds[name].isel(tenancy=np.flatnonzero(ours.values)).sum("tenancy")
        return array, f", {programme} at site {site}"
    if "site" in scope:
        name = _SITE_VARIABLES.get(variable, "")
        if name not in ds:
            raise ValueError(
                f"the claim's milestone counts site {scope['site']}, and the result has no "
                f"per-site {variable}; plot a single run"
            )
        return ds[name].sel(site=scope["site"]), f", site {scope['site']}"
    array = ds[variable]
    if "product" in scope:
        array = array.sel(product=scope["product"])
        where = f", product {scope['product']}"
    if "programmes" in scope:
        array = array.sel(programme=scope["programmes"])
        where = f", programmes {', '.join(scope['programmes'])}"
    if "precision" in array.dims:
        chosen = precision or str(array["precision"].values[0])
        array = array.sel(precision=style.choose(ds, "precision", chosen))
        where += f", {chosen}"
    if programme is not None:
        if "programme" not in array.dims:
            raise ValueError(f"{variable} is not counted per programme")
        array = array.sel(programme=style.choose(ds, "programme", programme))
        where = f", programme {programme}" + where
    for dim in ("programme", "product", "site"):
        if dim in array.dims:
            if array.sizes[dim] > 1:
                where = f", all {dim}s" + where
            array = array.sum(dim)
    return array, where


def _mark_claim(ax, ds, data, *, claim: str, target: dict, variable: str) -> list[float]:
    """Draw the milestone's threshold and the claim's deadline; returns values shown."""
    milestone, spec = target["milestone"], target["claim"]
    deadline = np.datetime64(spec.by, "ns")
    probability = _probability(data, claim)
    if style.is_study(data):
        chance = f"\nholds in {100 * probability:.0f} % of samples"
    else:
        chance = "\nmet" if probability >= 1 else "\nnot met"
    ax.axvline(
        deadline,
        color=style.OKABE_ITO["vermillion"],
        linestyle="--",
        linewidth=1.5,
        label=f"deadline of {claim}:\n{style.day(deadline)}{chance}",
    )
    if variable != milestone.quantity:
        return []
    threshold = float(milestone.threshold.central)
    units = ds[variable].attrs.get("units", "")
    factor, text = style.unit_scale(units, [threshold])
    ax.axhline(
        threshold,
        color=style.OKABE_ITO["black"],
        linestyle=":",
        linewidth=1.5,
        label=f"target of {target['name']}:\n{threshold / factor:.4g} {text}".rstrip(),
    )
    return [threshold]


def _probability(data: xr.Dataset, claim: str) -> float:
    met = data["claim_met"].sel(claim=claim).values.astype(float)
    return float(met.mean()) if met.size else float("nan")
