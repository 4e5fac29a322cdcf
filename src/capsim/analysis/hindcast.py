"""Hindcast: the model's output per period and its build dates against what happened.

The model's output of a designer (e.g. NVIDIA) in a period is the packages delivered,
in that period, to every programme that orders one of the designer's products
(delivery is when the product leaves test and integration, which is when public
shipment estimates count a unit). Across Monte Carlo samples it gives P10/P50/P90 per
period and per calendar year, set against the observed value and its 5-95 % band.
Build timelines are compared through the scenario's ``h100e_online`` milestones whose
threshold matches a timeline entry.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from capsim.analysis.observed import DataError, ObservedSeries, TimelineEvent
from capsim.scenario.document import Scenario

QUANTILES = (0.1, 0.5, 0.9)
PACKAGE_UNITS = "package"


def designer_programmes(scenario: Scenario, designer: str) -> list[str]:
    """Programmes that order a product of ``designer``."""
    products = {pid for pid, p in scenario.products.items() if p.designer == designer}
    return [gid for gid, g in scenario.programmes.items() if g.product in products]


def period_months(months: np.ndarray, observed: ObservedSeries) -> np.ndarray:
    """(period x month) 1 where a month (its first day, ``months``) lies within a period."""
    days = np.asarray(months).astype("datetime64[D]")
    inside = (days >= observed.start[:, None]) & (days <= observed.end[:, None])
    return inside.astype(float)


def output_per_period(
    delivered: xr.DataArray, programmes: list[str], observed: ObservedSeries
) -> xr.DataArray:
    """Packages delivered to ``programmes`` in each observed period [package].

    ``delivered`` is monthly (``time`` = first day of each month); a month counts in
    a period when its first day lies within the period.
    """
    monthly = delivered.sel(programme=programmes).sum("programme")
    mask = xr.DataArray(period_months(monthly["time"].values, observed), dims=("period", "time"))
    result = xr.dot(mask, monthly.drop_vars("time"), dim="time")
    return result.assign_coords(period=observed.labels()).assign_attrs(units=PACKAGE_UNITS)


def compared_periods(
    observed: ObservedSeries, start: np.datetime64, end: np.datetime64
) -> ObservedSeries:
    """The observed periods that lie wholly within [``start``, ``end``]."""
    return observed.subset((observed.start >= start) & (observed.end <= end))


def compared_events(
    scenario: Scenario, timeline: list[TimelineEvent]
) -> list[tuple[str, TimelineEvent]]:
    """Each ``h100e_online`` milestone of ``scenario`` with the timeline entry it is
    compared with: the earliest entry of the same H100e count (in date order)."""
    pairs: list[tuple[str, TimelineEvent]] = []
    for event in sorted(timeline, key=lambda entry: entry.date):
        for name, milestone in scenario.milestones.items():
            if (
                name not in (paired for paired, _ in pairs)
                and milestone.quantity == "h100e_online"
                and np.isclose(milestone.threshold.central, event.h100e, rtol=1e-6)
            ):
                pairs.append((name, event))
    return pairs


def check_timeline(path, timeline: list[TimelineEvent], scenario: Scenario) -> None:
    """A :class:`DataError` naming the line of ``path`` whose entry is compared with a
    milestone (:func:`compared_events`) but dated outside ``scenario``'s horizon, where
    the model cannot meet it. Entries compared with no milestone may lie anywhere (the
    build chart shows those within the horizon)."""
    first, last = scenario.horizon.start, scenario.horizon.end
    for name, event in compared_events(scenario, timeline):
        if first <= event.date <= last:
            continue
        side = "before the horizon's start" if event.date < first else "after the horizon's end"
        raise DataError(
            f"{path}:{event.line}: column 'Date': expected a date within the horizon of "
            f"{scenario.name}, {first}..{last}, as its {event.h100e:g} H100e are compared "
            f"with milestone {name}; found '{event.date}', {side} "
            f"{first if event.date < first else last}"
        )


def hindcast_table(
    study: xr.Dataset,
    scenario: Scenario,
    observed: ObservedSeries,
    timeline: list[TimelineEvent],
    *,
    designer: str = "nvidia",
) -> xr.Dataset:
    """Model quantiles against observations, per period, per year and per build event.

    ``study`` is a Monte Carlo result (``sample`` dimension) of ``scenario``;
    ``observed`` holds only the periods to compare (see :func:`compared_periods`).
    """
    programmes = designer_programmes(scenario, designer)
    if not programmes:
        raise ValueError(f"no programme orders a product designed by {designer!r}")
    model = output_per_period(study["packages_delivered"], programmes, observed)
    years = observed.start.astype("datetime64[Y]").astype(int) + 1970
    year_model = model.groupby(xr.DataArray(years, dims="period", name="year")).sum("period")
    result = xr.Dataset(
        {
            "observed": ("period", observed.value),
            "observed_low": ("period", _band(observed.low, observed.value)),
            "observed_high": ("period", _band(observed.high, observed.value)),
            "model": model.quantile(QUANTILES, dim="sample").transpose("period", "quantile"),
            "year_observed": ("year", _by_year(observed.value, years)),
            "year_observed_low": ("year", _by_year(_band(observed.low, observed.value), years)),
            "year_observed_high": ("year", _by_year(_band(observed.high, observed.value), years)),
            "year_model": year_model.quantile(QUANTILES, dim="sample").transpose(
                "year", "quantile"
            ),
        },
        coords={
            "period_start": ("period", observed.start.astype("datetime64[ns]")),
            "period_end": ("period", observed.end.astype("datetime64[ns]")),
        },
    )
    for name in ("observed", "observed_low", "observed_high", "model"):
        result[name].attrs["units"] = f"{PACKAGE_UNITS} per period"
    for name in ("year_observed", "year_observed_low", "year_observed_high", "year_model"):
        result[name].attrs["units"] = f"{PACKAGE_UNITS} per year"
    result["year_error"] = (
        result.year_model.sel(quantile=0.5, drop=True)
        / result.year_observed.where(result.year_observed > 0)
        - 1.0
    )
    result["year_error"].attrs["units"] = "1 (model P50 / observed - 1; NaN: none observed)"
    result["year_inside"] = (
        result.year_model.sel(quantile=0.1, drop=True) <= result.year_observed
    ) & (result.year_observed <= result.year_model.sel(quantile=0.9, drop=True))
    inside = (result.model.sel(quantile=0.1) <= result.observed) & (
        result.observed <= result.model.sel(quantile=0.9)
    )
    overlap = (result.model.sel(quantile=0.1) <= result.observed_high) & (
        result.observed_low <= result.model.sel(quantile=0.9)
    )
    result["inside"] = inside.drop_vars("quantile", errors="ignore")
    result["bands_overlap"] = overlap.drop_vars("quantile", errors="ignore")
    result = result.merge(_events(study, scenario, timeline))
    result.attrs.update(
        scenario_name=scenario.name,
        designer=designer,
        programmes=", ".join(programmes),
        observed_source=observed.source,
        samples=int(study.sizes["sample"]),
        seed=int(study.attrs.get("seed", scenario.seed)),
        coverage=float(inside.mean()),
        band_overlap=float(overlap.mean()),
    )
    return result


def _band(band: np.ndarray | None, value: np.ndarray) -> np.ndarray:
    return value if band is None else band


def _by_year(values: np.ndarray, years: np.ndarray) -> np.ndarray:
    return np.array([values[years == year].sum() for year in np.unique(years)])


def _events(study: xr.Dataset, scenario: Scenario, timeline: list[TimelineEvent]) -> xr.Dataset:
    """Each timeline entry matched by an ``h100e_online`` milestone of the same threshold
    (the earliest entry, when several have the same count)."""
    pairs = compared_events(scenario, timeline)
    names = [name for name, _ in pairs]
    observed = [np.datetime64(event.date, "ns") for _, event in pairs]
    if not names:
        return xr.Dataset()
    dates = study["milestone_date"].sel(milestone=names).rename(milestone="event")
    days = (dates - np.array(observed)) / np.timedelta64(1, "D")
    quantiles = days.quantile(QUANTILES, dim="sample").transpose("event", "quantile")
    reached = (~np.isnat(dates)).mean("sample")
    events = xr.Dataset(
        {
            "event_observed": ("event", np.array(observed, dtype="datetime64[ns]")),
            "event_threshold": (
                "event",
                [scenario.milestones[name].threshold.central for name in names],
                {"units": "H100e"},
            ),
            "event_model": _dates(quantiles, observed),
            "event_error_days": quantiles.assign_attrs(units="day (model - observed)"),
            "event_reached": reached.assign_attrs(units="1 (share of samples)"),
        },
        coords={"event": names},
    )
    return events.merge(_build(study, scenario, names, timeline))


def _build(
    study: xr.Dataset, scenario: Scenario, names: list[str], timeline: list[TimelineEvent]
) -> xr.Dataset:
    """H100e online at the matched milestones' programmes per month end from a month
    before the timeline's first entry in the run (model quantiles) and the timeline's
    entries in the run (those outside it are left out)."""
    programmes = sorted({scenario.milestones[name].programme for name in names} - {None})
    online = study["h100e_online"]
    online = online.sel(programme=programmes or list(online.programme.values)).sum("programme")
    month_ends = (online.time.values.astype("datetime64[M]") + 1).astype("datetime64[ns]")
    starts = online.time.values.astype("datetime64[D]")
    inside = [e for e in timeline if starts[0] <= np.datetime64(e.date, "D") <= month_ends[-1]]
    keep = np.ones(len(month_ends), dtype=bool)
    if inside:
        first = np.datetime64(min(event.date for event in inside), "M") - 1
        keep = month_ends >= first.astype("datetime64[ns]")
    build = online.isel(time=keep).quantile(QUANTILES, dim="sample")
    build = build.rename(time="build_time").assign_coords(build_time=month_ends[keep])
    return xr.Dataset(
        {
            "build_h100e": build.transpose("build_time", "quantile").assign_attrs(
                units="H100e",
                description="H100e online at month end",
                programmes=", ".join(programmes) or "all",
            ),
            "timeline_h100e": ("timeline_date", [e.h100e for e in inside], {"units": "H100e"}),
        },
        coords={
            "timeline_date": np.array([e.date for e in inside], dtype="datetime64[ns]"),
            "timeline_status": ("timeline_date", [e.status for e in inside]),
        },
    )


def _dates(days: xr.DataArray, observed: list[np.datetime64]) -> xr.DataArray:
    """Quantiles of days after the observed dates (samples that never get there left
    out) as dates, floored to the day."""
    offsets = np.floor(days.values).astype("timedelta64[D]")
    dates = np.array(observed, dtype="datetime64[D]")[:, None] + offsets
    return xr.DataArray(
        dates.astype("datetime64[ns]"),
        coords=days.coords,
        dims=days.dims,
        attrs={"description": "model quantiles of the date the milestone is met"},
    )
