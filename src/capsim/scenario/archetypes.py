"""Builder archetypes: default build times and ramps fitted to the reference class.

Three archetypes: ``greenfield`` (hyperscaler or large colocation campus on cleared
land), ``fast-track`` (a developer building for an AI lab, or a neocloud), ``retrofit``
(conversion of an existing building). Each has two fitted distributions:

- **build time** [month]: construction start to first operation, a log-normal fitted to
  the archetype's campuses with an observed first operation (or, for an archetype with
  none yet, to their projected first operation: marked ``projected``);
- **ramp** [W/month of facility power]: from the first operation to the campus's
  largest observed power (else the largest projected one), a log-normal likewise.

A log-normal is fitted by the mean and standard deviation (n - 1) of the logs, its
spread widened by sqrt(1 + 1/n) for the uncertainty of the fit itself (the spread a new
campus is predicted with). The build time is split into phases by fixed shares
(:data:`PHASE_SHARES`): the reference class dates only start and operation.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

from capsim.scenario.distributions import LogNormal
from capsim.scenario.reference import DAYS_PER_MONTH, Campus, read_campuses

#: The archetypes, in the order documented.
ARCHETYPES = ("greenfield", "fast-track", "retrofit")

#: Shares of the build time per phase: construction start is after permits; Epoch dates
#: first operation ~150 days after a building's roof is done (data/builds README), about
#: a fifth of a two-year build, spent on fit-out, cooling and commissioning.
PHASE_SHARES = (
    ("permits", 0.0),
    ("shell", 0.79),
    ("fit_out", 0.13),
    ("cooling", 0.04),
    ("commissioning", 0.04),
)

#: When the reference class was compiled (data/builds README).
COMPILED = "2026-11-29"

MW = 1e6


@dataclass(frozen=True)
class Archetype:
    """One archetype's fitted defaults.

    Attributes
    ----------
    name : str
        The archetype.
    build_time : LogNormal
        Construction start to first operation [month].
    ramp : LogNormal or None
        Facility power added per month after the first operation [W/month] (None: fewer
        than two campuses give one).
    build_campuses, ramp_campuses : tuple of str
        The campuses each was fitted to.
    build_basis, ramp_basis : str
        ``observed`` or ``projected``: what each was fitted to.
    """

    name: str
    build_time: LogNormal
    ramp: LogNormal | None
    build_campuses: tuple[str, ...]
    ramp_campuses: tuple[str, ...]
    build_basis: str
    ramp_basis: str

    def source(self, what: str) -> str:
        """The provenance of ``what`` (``build_time`` or ``ramp``), as a scenario source."""
        campuses = self.build_campuses if what == "build_time" else self.ramp_campuses
        basis = self.build_basis if what == "build_time" else self.ramp_basis
        return (
            f"fitted to data/builds (Epoch AI Frontier Data Centers hub and press, compiled "
            f"{COMPILED}), {len(campuses)} {self.name} campuses, {basis}: "
            f"{', '.join(campuses)}"
        )


class FitError(ValueError):
    """Too few campuses to fit an archetype."""


def build_times(campus: Campus) -> tuple[float, str] | None:
    """Months from start to first operation and its basis, if known."""
    if campus.first is not None:
        return campus.months(campus.first[0]), "observed"
    if campus.projected_first is not None:
        return campus.months(campus.projected_first[0]), "projected"
    return None


def ramp_of(campus: Campus) -> tuple[float, str] | None:
    """Facility power added per month from first operation to the largest power [W/month]
    and its basis, if known."""
    if campus.first is not None and campus.largest_step is not None:
        (day0, mw0), (day1, mw1), basis = campus.first, campus.largest_step, "observed"
    else:
        first = campus.first or campus.projected_first
        later = [step for step in campus.projected_steps if first and step[1] > first[1]]
        if first is None or not later:
            return None
        (day0, mw0), (day1, mw1), basis = first, max(later, key=lambda s: s[1]), "projected"
    months = (day1 - day0).days / DAYS_PER_MONTH
    if months <= 0 or mw1 <= mw0:
        return None
    return (mw1 - mw0) * MW / months, basis


def fit(campuses: list[Campus], name: str, leave_out: str | None = None) -> Archetype:
    """Fit archetype ``name`` to ``campuses`` (all but ``leave_out``)."""
    own = [c for c in campuses if c.archetype == name and c.id != leave_out]
    build, build_ids, build_basis = _values(own, build_times)
    ramp, ramp_ids, ramp_basis = _values(own, ramp_of)
    return Archetype(
        name=name,
        build_time=_lognormal(build, name, "build time"),
        ramp=_lognormal(ramp, name, "ramp") if len(ramp) >= 2 else None,
        build_campuses=build_ids,
        ramp_campuses=ramp_ids,
        build_basis=build_basis,
        ramp_basis=ramp_basis,
    )


def _values(campuses: list[Campus], measure) -> tuple[list[float], tuple[str, ...], str]:
    """The observed values if any campus has one, else the projected ones."""
    measured = [(c.id, *m) for c in campuses if (m := measure(c)) is not None]
    for basis in ("observed", "projected"):
        chosen = [(cid, value) for cid, value, kind in measured if kind == basis]
        if chosen:
            return [v for _, v in chosen], tuple(cid for cid, _ in chosen), basis
    return [], (), "observed"


def _lognormal(values: list[float], name: str, what: str) -> LogNormal:
    if len(values) < 2:
        raise FitError(f"archetype {name!r}: {what} needs at least 2 campuses, found {len(values)}")
    logs = np.log(values)
    spread = float(np.std(logs, ddof=1)) * math.sqrt(1 + 1 / len(values))
    return LogNormal(float(np.exp(logs.mean())), max(spread, 1e-6))


@lru_cache(maxsize=1)
def shipped() -> dict[str, Archetype]:
    """The archetypes fitted to the shipped reference class (data/builds)."""
    campuses = read_campuses()
    return {name: fit(campuses, name) for name in ARCHETYPES}
