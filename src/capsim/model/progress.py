"""What a run achieved over time, as plain arrays, and the quantities derived from it.

:class:`Progress` holds what milestones are read from: packages produced and delivered
per month, capex spent, each site's installation path, and the per-package figures
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
    produced : numpy.ndarray
        Good packages out of packaging in each month, (month, product) [package].
    delivered : numpy.ndarray
        Packages delivered to each programme in each month, (month, programme) [package].
    capex_spent : numpy.ndarray
        Building capex and packages paid by each month's end, (month, programme) [USD].
    installs : tuple of (numpy.ndarray, numpy.ndarray)
        Each site's installation path: point times [month] and packages installed by
        then [package] (see :mod:`capsim.model.installation`).
    site_programme : tuple of str
        The programme each site belongs to.
    package_power : numpy.ndarray
        All-in IT power per package installed at each site, (site,) [W/package].
    pue : numpy.ndarray
        Each site's facility power over IT power, (site,) [dimensionless].
    burn_in : numpy.ndarray
        Each site's time from installation to online, (site,) [month].
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
    produced: np.ndarray
    delivered: np.ndarray
    capex_spent: np.ndarray
    installs: tuple[tuple[np.ndarray, np.ndarray], ...]
    site_programme: tuple[str, ...]
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
        """(site, programme) 1 where the site belongs to the programme."""
        matrix = np.zeros((len(self.sites), len(self.programmes)))
        for row, programme in enumerate(self.site_programme):
            matrix[row, self.programmes.index(programme)] = 1.0
        return matrix


def site_installed(progress: Progress, lag: np.ndarray | float = 0.0) -> np.ndarray:
    """Packages installed at each site by each month's end less ``lag`` [month] (per site
    or one for all), (month, site) [package]."""
    lags = np.broadcast_to(np.asarray(lag, dtype=float), (len(progress.sites),))
    ends = progress.month_ends
    columns = [
        installed_at(ends - lags[column], times, installed)
        for column, (times, installed) in enumerate(progress.installs)
    ]
    return np.column_stack(columns) if columns else np.zeros((len(ends), 0))


def site_online(progress: Progress) -> np.ndarray:
    """Packages installed and burned in at each site at each month's end, (month, site)
    [package]."""
    return site_installed(progress, progress.burn_in)


def site_power(progress: Progress) -> tuple[np.ndarray, np.ndarray]:
    """IT and facility power online at each site at each month's end, (month, site) [W]."""
    it = site_online(progress) * progress.package_power
    return it, it * progress.pue


def programme_power(progress: Progress) -> tuple[np.ndarray, np.ndarray]:
    """IT and facility power online per programme at each month's end, (month, programme)
    [W]."""
    owner = progress.owner()
    it, facility = site_power(progress)
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
