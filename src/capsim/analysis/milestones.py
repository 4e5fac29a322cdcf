"""Milestones and claims from a run's monthly series.

A milestone is met on the first day its quantity reaches the threshold. The month in
which it crosses comes from the monthly series (flows are summed from the start of the
horizon first). Within that month, quantities counted at sites (packages installed,
power, H100e and FLOP/s online, and the funding released as power comes online) are
followed day by day along the run's own installation path; others are interpolated
linearly. A claim holds when its milestone is met on or before its deadline.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable
from dataclasses import dataclass

import numpy as np

from capsim.model.record import PATH_QUANTITIES
from capsim.scenario.document import Scenario
from capsim.scenario.targets import Milestone

#: Dataset variable and dimension that each milestone quantity is read from.
_SOURCES = {
    "packages_produced": ("packages_produced", "product"),
    "packages_delivered": ("packages_delivered", "programme"),
    "packages_installed": ("packages_installed", "programme"),
    "it_power_online": ("it_power_online", "programme"),
    "facility_power_online": ("facility_power_online", "programme"),
    "h100e_online": ("h100e_online", "programme"),
    "flops_online": ("flops_online", "programme"),
    "capex_spent": ("capex_spent", "programme"),
    "funding_received": ("funding_received", "programme"),
}
_SITE_SOURCES = {
    "packages_installed": "site_packages_installed",
    "it_power_online": "site_it_power_online",
    "facility_power_online": "site_facility_power_online",
}


def milestone_series(result, milestone: Milestone, programmes_of: dict) -> np.ndarray:
    """The monthly cumulative or stock values a milestone watches (one per month)."""
    if milestone.site is not None:
        variable = result[_SITE_SOURCES[milestone.quantity]]
        values = variable.values[:, _index(result, "site", milestone.site)]
    else:
        name, dim = _SOURCES[milestone.quantity]
        variable = result[name]
        values = variable.values
        if milestone.precision is not None:
            values = values[:, :, _index(result, "precision", milestone.precision)]
        if dim == "programme":
            names = list(result["programme"].values)
            chosen = _programmes(milestone, programmes_of, names)
            values = values[:, [names.index(g) for g in chosen]].sum(axis=1)
        elif milestone.product is not None:
            values = values[:, _index(result, "product", milestone.product)]
        else:
            values = values.sum(axis=1)
    if variable.attrs.get("kind") == "flow":
        values = np.cumsum(values)
    return values


def _index(result, dim: str, name: str) -> int:
    return list(result[dim].values).index(name)


def _programmes(milestone: Milestone, programmes_of: dict, all_programmes: list[str]) -> list[str]:
    if milestone.programme is not None:
        return [milestone.programme]
    if milestone.product is not None:
        return [g for g in all_programmes if programmes_of[g] == milestone.product]
    return all_programmes


#: A fraction of a day [day] below which a crossing counts as at the day's end.
_INSTANT = 1e-6


def crossing_date(
    values: np.ndarray,
    times: np.ndarray,
    threshold: float,
    path: Callable[[float], float] | None = None,
) -> np.datetime64:
    """First date ``values`` (end of each month starting at ``times``) reach ``threshold``.

    ``path`` gives the (non-decreasing) quantity at any model time [month since the
    start]; when given, the day is the one in which the path reaches the threshold,
    otherwise the day is interpolated linearly between the month's start and end values.
    """
    level = threshold - 1e-9 * max(abs(threshold), 1.0)
    reached = np.flatnonzero(values >= level)
    if reached.size == 0:
        return np.datetime64("NaT", "ns")
    month = int(reached[0])
    start = times[month]
    end = (start.astype("datetime64[M]") + 1).astype("datetime64[D]")
    length = int((end - start).astype(int))
    if path is not None and path(month + 1) >= level:  # agrees with the month-end value
        days = _day_reached(path, month, length, level)
    else:
        before = values[month - 1] if month > 0 else 0.0
        gain = values[month] - before
        fraction = 1.0 if gain <= 0 else min(1.0, max(0.0, (threshold - before) / gain))
        days = int(np.floor(fraction * length + 1e-9))
    return (start + np.timedelta64(days, "D")).astype("datetime64[ns]")


def _day_reached(path: Callable[[float], float], month: int, length: int, level: float) -> int:
    """Day of ``month`` (``length`` days) in which ``path`` reaches ``level``, by bisection;
    a level reached exactly at midnight is met on the day that starts then."""
    days = bisect.bisect_left(
        range(length), True, key=lambda day: path(month + (day + 1) / length) >= level
    )
    days = min(days, length - 1)
    if path(month + (days + 1 - _INSTANT) / length) < level:
        days += 1
    return days


def outcomes(result, scenario: Scenario, record=None) -> tuple[np.ndarray, np.ndarray]:
    """(date per milestone, met per claim) from ``result``: a Dataset or anything that
    maps variable and dimension names to objects with ``values`` and ``attrs``.

    ``record`` (the run's :class:`~capsim.model.record.Record`) dates milestones counted
    at sites to the day along the installation path.
    """
    programmes_of = {gid: g.product for gid, g in scenario.programmes.items()}
    times = result["time"].values.astype("datetime64[D]")
    dates = np.array(
        [
            crossing_date(
                milestone_series(result, m, programmes_of),
                times,
                m.threshold.central,
                _path(record, result, m, programmes_of),
            )
            for m in scenario.milestones.values()
        ],
        dtype="datetime64[ns]",
    ).reshape(len(scenario.milestones))
    by_name = dict(zip(scenario.milestones, dates, strict=True))
    met_dates = np.array(
        [by_name[c.milestone] for c in scenario.claims.values()], dtype="datetime64[ns]"
    ).reshape(len(scenario.claims))
    deadlines = claim_deadlines(scenario)
    return dates, ~np.isnat(met_dates) & (met_dates <= deadlines)


def _path(record, result, milestone: Milestone, programmes_of: dict):
    """The milestone's quantity as a function of model time, where the record follows it."""
    if record is None or milestone.quantity not in PATH_QUANTITIES:
        return None
    if milestone.site is not None:
        return record.path(milestone.quantity, site=milestone.site)
    names = list(result["programme"].values)
    return record.path(
        milestone.quantity,
        programmes=_programmes(milestone, programmes_of, names),
        precision=milestone.precision,
    )


class VariableTable:
    """Variables (``name -> (dims, values, attrs)``) and coordinates looked up by name,
    as a Dataset would be, for reading milestones without building one."""

    @dataclass(frozen=True)
    class Entry:
        values: np.ndarray
        attrs: dict

    def __init__(self, variables: dict[str, tuple], coords: dict[str, np.ndarray]):
        self.variables = variables
        self.coords = coords

    def __getitem__(self, name: str) -> VariableTable.Entry:
        if name in self.coords:
            return self.Entry(self.coords[name], {})
        _, values, attrs = self.variables[name]
        return self.Entry(values, attrs)


def outcome_variables(
    table, scenario: Scenario, record=None
) -> tuple[dict[str, tuple], dict[str, list]]:
    """``milestone_date``, ``claim_deadline`` and ``claim_met`` as (dims, values, attrs),
    with their coordinates (``record``: see :func:`outcomes`)."""
    dates, met = outcomes(table, scenario, record)
    variables = {
        "milestone_date": (
            ("milestone",),
            dates,
            {"description": "first date the milestone is met (NaT: not in the horizon)"},
        ),
        "claim_deadline": (("claim",), claim_deadlines(scenario), {}),
        "claim_met": (
            ("claim",),
            met,
            {"description": "the claim's milestone is met by its deadline"},
        ),
    }
    coords = {"milestone": list(scenario.milestones), "claim": list(scenario.claims)}
    return variables, coords


def claim_deadlines(scenario: Scenario) -> np.ndarray:
    """Each claim's deadline as ``datetime64[ns]``."""
    return np.array([c.by for c in scenario.claims.values()], dtype="datetime64[ns]").reshape(
        len(scenario.claims)
    )
