"""Builder archetypes: default build times and ramps fitted to the reference class.

Three archetypes: ``greenfield`` (hyperscaler or large colocation campus on cleared
land), ``fast-track`` (a developer building for an AI lab, or a neocloud), ``retrofit``
(conversion of an existing building). Each has two fitted distributions:

- **build time** [month]: construction start to first operation, a log-normal fitted to
  the archetype's campuses with an observed first operation and, as "longer than so
  far", those still building when last seen (or, for an archetype with no observed
  first operation yet, to their projected first operation: marked ``projected``);
- **ramp** [W/month of facility power]: from the first operation to the campus's
  largest observed power (else the largest projected one), a log-normal likewise.

The build time is pooled partially by **region**
(:data:`capsim.scenario.reference.REGIONS`, a fact every announcement states): each
region's campuses shift the archetype's log-median for that region, shrunk towards the
archetype by a prior spread of the region effects (:data:`REGION_SPREAD`), so a region
of one or two campuses moves it only part of the way (:mod:`capsim.scenario.pooling`).
A campus of no stated region, or of a region without campuses, gets the archetype's
centre with that spread added. The ramp is not pooled by region: in MW per month it
scales with the size of the buildings, which differs between the regions of the data
(first buildings of 43-70 MW in Asia, 126-478 MW in North America). The fit's own
uncertainty widens each predictive spread. The build time is split into phases by fixed shares
(:data:`PHASE_SHARES`): the reference class dates only start and operation.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from functools import cache
from pathlib import Path
from typing import Any

from capsim.scenario import fitstore, pooling, reference
from capsim.scenario.distributions import DistributionError, LogNormal
from capsim.scenario.pooling import Value, pooled_lognormal
from capsim.scenario.reference import (
    ARCHETYPES,
    DAYS_PER_MONTH,
    Campus,
    default_path,
    read_campuses,
)

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

#: Prior log-scale spread of the region effects on the build time: one standard
#: deviation is a factor exp(0.3) = 1.35 between a region's typical campus and the
#: archetype's. A prior, not fitted: with two regions in the data (north-america, asia)
#: the marginal likelihood cannot estimate it (its maximum collapses to 0 when one Asian
#: campus is left out). docs/validation.md §7 gives the check for 0.2 and 0.45 too.
REGION_SPREAD = 0.3

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
    region : str or None
        The region it is fitted for (None: a campus of no stated region).
    build_time : LogNormal
        Construction start to first operation [month].
    ramp : LogNormal or None
        Facility power added per month after the first operation [W/month] (None: fewer
        than two campuses give one).
    build_campuses, ramp_campuses : tuple of str
        The campuses each was fitted to.
    build_basis, ramp_basis : str
        ``observed`` or ``projected``: what each was fitted to.
    build_censored : tuple of str
        Campuses still building when last seen, fitted as "longer than so far".
    """

    name: str
    region: str | None
    build_time: LogNormal
    ramp: LogNormal | None
    build_campuses: tuple[str, ...]
    ramp_campuses: tuple[str, ...]
    build_basis: str
    ramp_basis: str
    build_censored: tuple[str, ...] = ()

    def source(self, what: str) -> str:
        """The provenance of ``what`` (``build_time`` or ``ramp``), as a scenario source."""
        campuses = self.build_campuses if what == "build_time" else self.ramp_campuses
        basis = self.build_basis if what == "build_time" else self.ramp_basis
        censored = self.build_censored if what == "build_time" else ()
        still = (
            f"; {len(censored)} still building (longer than so far): {', '.join(censored)}"
            if censored
            else ""
        )
        pooled = (
            f"; for {self.region or 'no stated region'}, pooled by region "
            f"(prior spread {REGION_SPREAD:g})"
            if what == "build_time"
            else ""
        )
        return (
            f"fitted to data/builds (Epoch AI Frontier Data Centers hub and press, compiled "
            f"{COMPILED}), {len(campuses)} {self.name} campuses, {basis}: "
            f"{', '.join(campuses)}{still}{pooled}"
        )


class FitError(ValueError):
    """Too few campuses to fit an archetype."""


def build_times(campus: Campus) -> list[tuple[float, str]]:
    """Months from start to first operation and their basis: ``observed``, else
    ``censored`` (months to when it was last seen still building, if later than the
    start) and ``projected`` (the projection, used only where nothing is observed)."""
    if campus.first is not None:
        return [(campus.months(campus.first[0]), "observed")]
    known = []
    if campus.last_seen is not None and campus.last_seen > campus.start:
        known.append((campus.months(campus.last_seen), "censored"))
    if campus.projected_first is not None:
        known.append((campus.months(campus.projected_first[0]), "projected"))
    return known


def ramp_of(campus: Campus) -> list[tuple[float, str]]:
    """Facility power added per month from first operation to the largest power [W/month]
    and its basis, if known."""
    if campus.first is not None and campus.largest_step is not None:
        (day0, mw0), (day1, mw1), basis = campus.first, campus.largest_step, "observed"
    else:
        first = campus.first or campus.projected_first
        later = [step for step in campus.projected_steps if first and step[1] > first[1]]
        if first is None or not later:
            return []
        (day0, mw0), (day1, mw1), basis = first, max(later, key=lambda s: s[1]), "projected"
    months = (day1 - day0).days / DAYS_PER_MONTH
    if months <= 0 or mw1 <= mw0:
        return []
    return [((mw1 - mw0) * MW / months, basis)]


def fit(
    campuses: list[Campus], name: str, leave_out: str | None = None, region: str | None = None
) -> Archetype:
    """Fit archetype ``name`` for a campus of ``region`` to ``campuses`` (all but
    ``leave_out``: it is in neither the archetype's fit nor its region's)."""
    own = [c for c in campuses if c.archetype == name and c.id != leave_out]
    build, build_ids, build_basis = _values(own, build_times)
    ramp, ramp_ids, ramp_basis = _values(own, ramp_of)
    one_group = [_Known(v.value, v.censored, name, v.campus) for v in ramp]
    return Archetype(
        name=name,
        region=region,
        build_time=_lognormal(build, name, "build time", region),
        ramp=_lognormal(one_group, name, "ramp", name) if len(ramp_ids) >= 2 else None,
        build_campuses=build_ids,
        ramp_campuses=ramp_ids,
        build_basis=build_basis,
        ramp_basis=ramp_basis,
        build_censored=tuple(v.campus for v in build if v.censored),
    )


@dataclass(frozen=True)
class _Known(Value):
    """A value with the campus it comes from."""

    campus: str = ""


def _values(campuses: list[Campus], measure) -> tuple[list[_Known], tuple[str, ...], str]:
    """The observed values (and censored ones) if any campus has one observed, else the
    projected ones; and the campuses of those observed (else projected)."""
    measured = [(c, value, kind) for c in campuses for value, kind in measure(c)]
    for basis, kinds in (("observed", ("observed", "censored")), ("projected", ("projected",))):
        if any(kind == basis for _, _, kind in measured):
            chosen = [
                _Known(value, kind == "censored", c.region, c.id)
                for c, value, kind in measured
                if kind in kinds
            ]
            ids = tuple(v.campus for v in chosen if not v.censored)
            return chosen, ids, basis
    return [], (), "observed"


def _lognormal(values: list[Value], name: str, what: str, group: str | None) -> LogNormal:
    observed = sum(not v.censored for v in values)
    if observed < 2:
        raise FitError(f"archetype {name!r}: {what} needs at least 2 campuses, found {observed}")
    return pooled_lognormal(values, group, REGION_SPREAD)


@cache
def shipped(region: str | None = None) -> dict[str, Archetype]:
    """The archetypes fitted to the shipped reference class (data/builds), for a campus
    of ``region`` (None: of no stated region): as fitted before in another process
    when the user's cache folder keeps that fit (:mod:`capsim.scenario.fitstore`)."""
    try:
        data = default_path()
        sources = (data, data.with_name("campus_archetypes.csv"), *_FIT_CODE)
        digest = fitstore.key(sources, repr(region))
    except OSError:  # no data to key on: the fit says what is missing
        digest = None
    if digest is not None:
        stored = fitstore.load("archetypes", digest)
        try:
            return {name: _from_stored(stored[name]) for name in ARCHETYPES}
        except (TypeError, KeyError, ValueError, DistributionError):
            pass  # never stored, or not as this code reads it: fit afresh
    campuses = read_campuses()
    fitted = {name: fit(campuses, name, region=region) for name in ARCHETYPES}
    if digest is not None:
        fitstore.save("archetypes", digest, {name: asdict(a) for name, a in fitted.items()})
    return fitted


#: The source files a fit depends on (the fit itself, the pooled log-normal, reading the
#: reference class): a change to any of them fits afresh.
_FIT_CODE = (Path(pooling.__file__), Path(reference.__file__), Path(__file__))


def _from_stored(stored: dict[str, Any]) -> Archetype:
    """An :class:`Archetype` from its stored form (``dataclasses.asdict``, via JSON)."""
    ramp = stored["ramp"]
    return Archetype(
        name=stored["name"],
        region=stored["region"],
        build_time=LogNormal(**stored["build_time"]),
        ramp=LogNormal(**ramp) if ramp is not None else None,
        build_campuses=tuple(stored["build_campuses"]),
        ramp_campuses=tuple(stored["ramp_campuses"]),
        build_basis=stored["build_basis"],
        ramp_basis=stored["ramp_basis"],
        build_censored=tuple(stored["build_censored"]),
    )
