"""Milestone dates and claims, as pure functions of a run's :class:`Progress`.

A milestone is met on the first day its quantity reaches the threshold. The month in
which it crosses comes from the month-end values. Within that month, quantities counted
at sites (packages installed; power, H100e and FLOP/s online; and the funding released
as power comes online) are followed day by day along the run's installation path;
packages delivered come in evenly over the month's delivery window (the whole month,
or its first part for a final lot that was complete early); others (packages produced,
capex) are interpolated linearly. A claim holds when its milestone is met on or before
its deadline.

A milestone never met within the horizon has no date (NaT). Where a number of days is
needed (sensitivity, relief), it counts as met on the day after the horizon's last
simulated day: :func:`days_after_start` is the one place that rule lives.
"""

from __future__ import annotations

import bisect
from collections.abc import Callable, Mapping

import numpy as np

from capsim.model.installation import installed_at
from capsim.model.ledger import funding_released
from capsim.model.progress import (
    Progress,
    funding_received,
    programme_power,
    tenancy_installed,
    tenancy_online,
    tenancy_power,
)
from capsim.model.stock import REACHED
from capsim.scenario.targets import Claim, Milestone

#: Quantities followed day by day along the installation path within a month.
PATH_QUANTITIES = (
    "packages_delivered",
    "packages_installed",
    "it_power_online",
    "facility_power_online",
    "h100e_online",
    "flops_online",
    "funding_received",
)
#: A fraction of a day [day] below which a crossing counts as at the day's end.
_INSTANT = 1e-6
#: Rounding, relative [1]: a quantity within this of the level it is dated at has reached it.
_ROUNDING = 1e-9
_DAY = np.timedelta64(1, "D")

Path = Callable[[float], float]


def milestone_dates(progress: Progress, milestones: Mapping[str, Milestone]) -> np.ndarray:
    """The date each milestone is first met, ``datetime64[ns]`` in ``milestones`` order
    (NaT: not met in the horizon)."""
    times = progress.calendar.month_starts()
    dates = [
        crossing_date(
            month_end_values(progress, m), times, m.threshold.central, quantity_path(progress, m)
        )
        for m in milestones.values()
    ]
    return np.array(dates, dtype="datetime64[ns]").reshape(len(milestones))


def claims_met(
    dates: np.ndarray, milestones: Mapping[str, Milestone], claims: Mapping[str, Claim]
) -> np.ndarray:
    """Whether each claim's milestone date (``dates``, in ``milestones`` order) is on or
    before its deadline (False when not met)."""
    by_name = dict(zip(milestones, dates, strict=True))
    met = np.array([by_name[c.milestone] for c in claims.values()], dtype="datetime64[ns]")
    met = met.reshape(len(claims))
    return ~np.isnat(met) & (met <= claim_deadlines(claims))


def claim_deadlines(claims: Mapping[str, Claim]) -> np.ndarray:
    """Each claim's deadline, ``datetime64[ns]``."""
    return np.array([c.by for c in claims.values()], dtype="datetime64[ns]").reshape(len(claims))


def horizon_after(times: np.ndarray) -> np.datetime64:
    """The day after the horizon's last simulated day, from the month starts ``times``."""
    last = np.asarray(times).astype("datetime64[M]")[-1]
    return (last + 1).astype("datetime64[D]").astype("datetime64[ns]")


def days_after_start(dates: np.ndarray, times: np.ndarray) -> np.ndarray:
    """Days from the horizon's first day to each of ``dates`` [day]; a date never met
    (NaT) counts as :func:`horizon_after`."""
    dates = np.asarray(dates, dtype="datetime64[ns]")
    counted = np.where(np.isnat(dates), horizon_after(times), dates)
    start = np.asarray(times).astype("datetime64[ns]")[0]
    return ((counted - start) / _DAY).astype(float)


def month_end_values(progress: Progress, milestone: Milestone) -> np.ndarray:
    """The milestone's quantity at each month's end (cumulative for produced, delivered
    and installed packages)."""
    quantity = milestone.quantity
    if quantity == "packages_produced":
        produced = progress.produced
        column = (
            produced[:, progress.products.index(milestone.product)]
            if milestone.product is not None
            else produced.sum(axis=1)
        )
        return np.cumsum(column)
    if milestone.site is not None:
        columns = progress.columns(milestone.site, milestone.programme)
        if quantity == "packages_installed":
            return tenancy_installed(progress)[:, columns].sum(axis=1)
        it, facility = tenancy_power(progress)
        return (it if quantity == "it_power_online" else facility)[:, columns].sum(axis=1)
    chosen = [progress.programmes.index(g) for g in _programmes(progress, milestone)]
    return _programme_values(progress, milestone)[:, chosen].sum(axis=1)


def _programme_values(progress: Progress, milestone: Milestone) -> np.ndarray:
    """(month, programme) values of a programme-level quantity."""
    quantity = milestone.quantity
    if quantity == "packages_delivered":
        return np.cumsum(progress.delivered, axis=0)
    if quantity == "capex_spent":
        return progress.capex_spent
    if quantity == "packages_installed":
        return tenancy_installed(progress) @ progress.owner()
    if quantity in ("h100e_online", "flops_online"):
        online = tenancy_online(progress) @ progress.owner()
        if quantity == "h100e_online":
            return online * progress.h100e
        return online * progress.flops[:, progress.precisions.index(milestone.precision)]
    it, facility = programme_power(progress)
    if quantity == "funding_received":
        return funding_received(progress, it, facility)
    return it if quantity == "it_power_online" else facility


def _programmes(progress: Progress, milestone: Milestone) -> list[str]:
    """The programmes a programme-level milestone sums over."""
    if milestone.programme is not None:
        return [milestone.programme]
    if milestone.product is not None:
        pairs = zip(progress.programmes, progress.programme_product, strict=True)
        return [g for g, product in pairs if product == milestone.product]
    return list(progress.programmes)


def quantity_path(progress: Progress, milestone: Milestone) -> Path | None:
    """The milestone's quantity as a function of model time [month], for quantities
    counted at sites (None for the others).

    Between month ends, each month's deliveries come in evenly over its delivery
    window (supply is allocated in monthly lots: see :func:`_delivered_by`); packages go
    in at the crews' steady rate, and a programme's sites never hold more than its
    deliveries so far, counted at the heaviest per-package weight among its sites. The
    path is non-decreasing and equals the month-end values at month ends. Funding
    follows the power online.
    """
    quantity = milestone.quantity
    if quantity not in PATH_QUANTITIES:
        return None
    if quantity == "packages_delivered":
        columns = [progress.programmes.index(g) for g in _programmes(progress, milestone)]
        terms = [_delivery_lots(progress, g) for g in columns]
        return lambda time: sum(_delivered_by(*lots, time) for lots in terms)
    if quantity == "funding_received":
        return _funding_path(progress, _programmes(progress, milestone))
    if milestone.site is not None:
        groups: dict[str, list[int]] = {}
        for column in progress.columns(milestone.site, milestone.programme):
            groups.setdefault(progress.tenancy_programme[column], []).append(column)
    else:
        groups = {g: _tenancies_of(progress, g) for g in _programmes(progress, milestone)}
    return _site_path(progress, quantity, groups, milestone.precision)


def _tenancies_of(progress: Progress, programme: str) -> list[int]:
    """The columns of ``programme``'s tenancies."""
    return [t for t, owner in enumerate(progress.tenancy_programme) if owner == programme]


def _site_path(
    progress: Progress, quantity: str, groups: dict[str, list[int]], precision: str | None
) -> Path:
    """``quantity`` summed over each programme's tenancies in ``groups`` (programme ->
    tenancy columns), capped per programme by its deliveries spread over each month."""
    terms = []
    for programme, columns in groups.items():
        g = progress.programmes.index(programme)
        weighted = [
            (
                _weight(progress, quantity, g, s, precision),
                0.0 if quantity == "packages_installed" else float(progress.burn_in[s]),
                progress.installs[s],
            )
            for s in columns
        ]
        heaviest = max((weight for weight, _, _ in weighted), default=0.0)
        terms.append((weighted, heaviest, _delivery_lots(progress, g)))

    def value(time: float) -> float:
        total = 0.0
        for weighted, heaviest, lots in terms:
            at_sites = sum(
                weight * float(installed_at(time - lag, *install))
                for weight, lag, install in weighted
            )
            total += min(at_sites, heaviest * _delivered_by(*lots, time))
        return total

    return value


def _weight(progress: Progress, quantity: str, programme: int, site: int, precision) -> float:
    """What one package installed in tenancy ``site`` counts for in ``quantity``."""
    if quantity == "it_power_online":
        return float(progress.package_power[site])
    if quantity == "facility_power_online":
        return float(progress.package_power[site] * progress.pue[site])
    if quantity == "h100e_online":
        return float(progress.h100e[programme])
    if quantity == "flops_online":
        return float(progress.flops[programme, progress.precisions.index(precision)])
    return 1.0


def _funding_path(progress: Progress, programmes: list[str]) -> Path:
    """Funding released to ``programmes`` as their power comes online, by model time."""
    paths = {
        g: tuple(
            _site_path(progress, quantity, {g: _tenancies_of(progress, g)}, None)
            for quantity in ("it_power_online", "facility_power_online")
        )
        for g in programmes
    }
    return lambda time: sum(
        funding_released(progress.funding.get(g, []), it(time), facility(time))
        for g, (it, facility) in paths.items()
    )


def _delivery_lots(progress: Progress, programme: int) -> tuple[np.ndarray, np.ndarray]:
    """Programme column ``programme``'s deliveries: cumulative at each month's end
    [package], and each month's delivery window [fraction of the month]."""
    column = progress.delivered[:, programme]
    return np.cumsum(column), progress.delivery_window[:, programme]


def _delivered_by(delivered: np.ndarray, window: np.ndarray, time: float) -> float:
    """Packages delivered by ``time`` [month] (``delivered``: cumulative at each month's
    end) had each month's deliveries come in evenly through the first ``window`` of it
    rather than in lots; equal to the recorded deliveries at month ends, so never below
    what sites hold then."""
    month = min(max(int(np.floor(time)), 0), len(delivered) - 1)
    before = delivered[month - 1] if month > 0 else 0.0
    part = min(max(time - month, 0.0) / window[month], 1.0)
    return before + (delivered[month] - before) * part


def crossing_date(
    values: np.ndarray, times: np.ndarray, threshold: float, path: Path | None = None
) -> np.datetime64:
    """First date ``values`` (at the end of each month starting at ``times``) reach
    ``threshold``.

    ``path`` gives the (non-decreasing) quantity at any model time [month since the
    start]; when given, the day is the one in which the path reaches the threshold,
    otherwise the day is interpolated linearly between the month's start and end values.
    The month is the first that ends within :data:`REACHED` of the threshold; the day,
    the one in which the quantity comes within rounding (1e-9) of the threshold, or of
    the month's end value if that is below it. A threshold
    reached exactly at midnight is met on the day that starts then, except at
    the end of the horizon's last day (the day after is not simulated: it is met on the
    last day). A threshold the quantity has reached when the horizon starts (e.g. 0) is
    met on its first day.
    """
    scale = max(abs(threshold), 1.0)
    reached = np.flatnonzero(values >= threshold - REACHED * scale)
    if reached.size == 0:
        return np.datetime64("NaT", "ns")
    month = int(reached[0])
    level = min(threshold, float(values[month])) - _ROUNDING * scale
    start = np.datetime64(times[month], "D")
    end = (start.astype("datetime64[M]") + 1).astype("datetime64[D]")
    length = int((end - start).astype(int))
    daily = path
    if path is None or path(month + 1) < level:  # else it agrees with the month-end value
        before = values[month - 1] if month > 0 else 0.0
        gain = values[month] - before  # 0: the month started at or above the level

        def daily(time: float) -> float:  # linear within the month
            return before + gain * (time - month)

    days = _day_reached(daily, month, length, level)
    if month == len(times) - 1:
        days = min(days, length - 1)
    return (start + np.timedelta64(days, "D")).astype("datetime64[ns]")


def _day_reached(path: Path, month: int, length: int, level: float) -> int:
    """Day of ``month`` (``length`` days) in which ``path`` reaches ``level``, by bisection;
    a level reached exactly at midnight is met on the day that starts then."""
    days = bisect.bisect_left(
        range(length), True, key=lambda day: path(month + (day + 1) / length) >= level
    )
    days = min(days, length - 1)
    if path(month + (days + 1 - _INSTANT) / length) < level:
        days += 1
    return days
