"""What a run achieved over time, as plain arrays, and the quantities derived from it.

:class:`Progress` holds what milestones are read from: packages produced and delivered
per month, capex spent, each tenancy's installation path (a programme's buildings at
one site: the site itself, unless several programmes share it), and the per-package figures
that turn packages into power, H100-equivalents and FLOP/s, with the funding rules that
turn power into money. Everything here is a pure function of a :class:`Progress`, so a
run's outputs and a study's stored samples are read the same way (see
:mod:`capsim.model.dating`).

Months: index ``m`` is the month starting at ``calendar.month_start(m)``; stocks are
at its end, model time ``m + 1`` [month].
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from capsim.model.calendar import Calendar
from capsim.model.inputs import FundingIn
from capsim.model.installation import installed_at
from capsim.model.ledger import funding_released


@dataclass(frozen=True)
class Progress:
    """What a run achieved, month by month.

    Attributes
    ----------
    calendar : Calendar
        The months of the horizon.
    products, programmes, sites, precisions : tuple of str
        Ids along each dimension.
    tenancies : tuple of str
        The installation paths: each programme's buildings at each of its sites, by the
        site's id, or ``SITE/PROGRAMME`` at a site that several programmes share.
    tenancy_site, tenancy_programme : tuple of str
        The site and the programme of each tenancy.
    produced : numpy.ndarray
        Good packages out of packaging in each month, (month, product) [package].
    delivered : numpy.ndarray
        Packages delivered to each programme in each month, (month, programme) [package].
    delivery_window : numpy.ndarray
        The part of each month over which that month's deliveries to each programme came
        in, from its start, (month, programme) [fraction of the month]: 1 when they came
        evenly through the month; less when a final lot, smaller than what the buyer was
        being sent, was complete early.
    capex_spent : numpy.ndarray
        Building capex and packages paid by each month's end, (month, programme) [USD].
    installs : tuple of (numpy.ndarray, numpy.ndarray)
        Each tenancy's installation path: point times [month] and packages installed by
        then [package] (see :mod:`capsim.model.installation`).
    package_power : numpy.ndarray
        All-in IT power per package installed in each tenancy, (tenancy,) [W/package].
    pue : numpy.ndarray
        Facility power over IT power at each tenancy's site, (tenancy,) [dimensionless].
    burn_in : numpy.ndarray
        Time from installation to online at each tenancy's site, (tenancy,) [month].
    programme_product : tuple of str
        The product each programme orders.
    h100e : numpy.ndarray
        H100-equivalents per package of each programme's product, (programme,) [H100e].
    flops : numpy.ndarray
        Dense compute per package, (programme, precision) [FLOP/s].
    funding : dict of str to list of FundingIn
        Each programme's funding rules.
    """

    calendar: Calendar
    products: tuple[str, ...]
    programmes: tuple[str, ...]
    sites: tuple[str, ...]
    precisions: tuple[str, ...]
    tenancies: tuple[str, ...]
    tenancy_site: tuple[str, ...]
    tenancy_programme: tuple[str, ...]
    produced: np.ndarray
    delivered: np.ndarray
    delivery_window: np.ndarray
    capex_spent: np.ndarray
    installs: tuple[tuple[np.ndarray, np.ndarray], ...]
    package_power: np.ndarray
    pue: np.ndarray
    burn_in: np.ndarray
    programme_product: tuple[str, ...]
    h100e: np.ndarray
    flops: np.ndarray
    funding: dict[str, list[FundingIn]]

    @property
    def month_ends(self) -> np.ndarray:
        """Model time at the end of each month [month]."""
        return np.arange(1, self.calendar.months + 1, dtype=float)

    def owner(self) -> np.ndarray:
        """(tenancy, programme) 1 where the tenancy is the programme's."""
        matrix = np.zeros((len(self.tenancies), len(self.programmes)))
        for row, programme in enumerate(self.tenancy_programme):
            matrix[row, self.programmes.index(programme)] = 1.0
        return matrix

    def columns(self, site: str, programme: str | None = None) -> list[int]:
        """The tenancies at ``site`` (of ``programme`` only, when given)."""
        pairs = enumerate(zip(self.tenancy_site, self.tenancy_programme, strict=True))
        return [
            column for column, (at, tenant) in pairs if at == site and programme in (None, tenant)
        ]


def by_site(progress: Progress, values: np.ndarray) -> np.ndarray:
    """(month, tenancy) ``values`` summed over each site's tenancies, (month, site)."""
    if progress.tenancies == progress.sites:  # one tenancy per site, in site order
        return values
    columns = [values[:, progress.columns(site)].sum(axis=1) for site in progress.sites]
    return np.column_stack(columns) if columns else np.zeros((len(values), 0))


def tenancy_installed(progress: Progress, lag: np.ndarray | float = 0.0) -> np.ndarray:
    """Packages installed in each tenancy by each month's end less ``lag`` [month] (per
    tenancy or one for all), (month, tenancy) [package]."""
    lags = np.broadcast_to(np.asarray(lag, dtype=float), (len(progress.tenancies),))
    ends = progress.month_ends
    columns = [
        installed_at(ends - lags[column], times, installed)
        for column, (times, installed) in enumerate(progress.installs)
    ]
    return np.column_stack(columns) if columns else np.zeros((len(ends), 0))


def tenancy_online(progress: Progress) -> np.ndarray:
    """Packages installed and burned in in each tenancy at each month's end, (month,
    tenancy) [package]."""
    return tenancy_installed(progress, progress.burn_in)


def tenancy_power(progress: Progress) -> tuple[np.ndarray, np.ndarray]:
    """IT and facility power online in each tenancy at each month's end, (month,
    tenancy) [W]."""
    it = tenancy_online(progress) * progress.package_power
    return it, it * progress.pue


def programme_power(progress: Progress) -> tuple[np.ndarray, np.ndarray]:
    """IT and facility power online per programme at each month's end, (month, programme)
    [W]."""
    owner = progress.owner()
    it, facility = tenancy_power(progress)
    return it @ owner, facility @ owner


def funding_received(progress: Progress, it: np.ndarray, facility: np.ndarray) -> np.ndarray:
    """Funding released to each programme with power ``it`` and ``facility`` online
    (month, programme) [W], (month, programme) [USD]."""
    received = np.zeros_like(it)
    for column, programme in enumerate(progress.programmes):
        rules = progress.funding.get(programme, [])
        received[:, column] = [
            funding_released(rules, a, b)
            for a, b in zip(it[:, column], facility[:, column], strict=True)
        ]
    return received
