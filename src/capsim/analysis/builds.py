"""Builds against history: each campus of the reference class through the site model,
leaving that campus out of the fit.

For each campus its archetype is fitted again without it, for the campus's region
(:func:`capsim.scenario.archetypes.fit` with ``leave_out`` and ``region``), so no campus
is predicted from a fit that saw it, in its archetype or in its region. The campus is
written as its announcement would give it: its construction start; a first building of
the first operation's facility power; and the rest, up to its largest power, as a second
building in ``REST_BLOCKS`` equal blocks, one block interval after the first and one
interval apart. Each sample draws one build time (both buildings, phases split by the
archetype shares) and one ramp (the block interval = a block's power over it) from the
refitted archetype; the site model (:class:`capsim.model.site.SiteModel`, power never
short: the reference class gives no power plan per campus) dates each block, and so when
each observed power level is first reached. Facility power throughout (PUE 1). Times in
months from the campus's start.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import numpy as np
import simpy

from capsim.model.inputs import BuildingIn, ProductIn, SiteIn
from capsim.model.site import SiteModel
from capsim.model.stock import Stock
from capsim.scenario.archetypes import MW, PHASE_SHARES, Archetype, FitError, fit
from capsim.scenario.reference import Campus

#: Equal blocks the campus's power beyond its first operation comes in.
REST_BLOCKS = 10

#: Quantiles reported: P10, P50, P90.
QUANTILES = (0.1, 0.5, 0.9)

#: Power levels count as reached within this much [MW] (rounding of the blocks).
LEVEL_TOLERANCE = 1e-6

_PRODUCT = ProductIn(
    id="power",
    designer="",
    start=-np.inf,
    end=np.inf,
    fab="",
    packaging="",
    good_dies_per_wafer=1.0,
    dies_per_package=1.0,
    hbm_generation="",
    sourcing=None,
    stacks_per_package=1.0,
    packages_per_wafer=1.0,
    it_power=1.0,
    h100e=0.0,
    flops={},
    packages_per_rack=1.0,
    price=0.0,
    lead_time=0.0,
)


@dataclass(frozen=True)
class Check:
    """One observed event of one campus against the model.

    Attributes
    ----------
    campus, archetype : str
        The campus and its archetype.
    event : str
        ``first operation`` or ``N MW`` (a later power step).
    level : float
        The facility power of the event [MW].
    observed : datetime.date or None
        When it was observed (None: only projected, ``projected`` holds the date).
    projected : datetime.date or None
        The projected date, for campuses not yet there.
    months : float
        Months from the start to the observed (else projected) date [month].
    model : tuple of float
        The model's P10, P50, P90 [month from start]; NaN when no fit without the campus.
    largest : bool
        Whether this is the campus's largest observed power step.
    note : str
        Why there is no model figure, if there is none.
    region : str or None
        The campus's region, if given.
    """

    campus: str
    archetype: str
    event: str
    level: float
    observed: dt.date | None
    projected: dt.date | None
    months: float
    model: tuple[float, float, float]
    largest: bool = False
    note: str = ""
    region: str | None = None

    @property
    def error(self) -> float:
        """Model P50 less the observed months [month]."""
        return self.model[1] - self.months

    @property
    def inside(self) -> bool:
        """Whether the observed months lie inside the model's P10-P90."""
        return bool(self.model[0] <= self.months <= self.model[2])


def campus_site(campus_id: str, first_mw: float, largest_mw: float, build_time: float, ramp: float):
    """The site inputs of a campus: a first building of ``first_mw`` and the rest up to
    ``largest_mw`` in :data:`REST_BLOCKS` blocks [MW], built ``build_time`` [month] after
    the start (time 0), the rest's blocks ``ramp`` [W/month] apart."""
    phases = tuple((phase, share * build_time) for phase, share in PHASE_SHARES)
    buildings = [BuildingIn("first", first_mw * MW, 0.0, phases, 0.0, 0.0)]
    rest = (largest_mw - first_mw) * MW
    if rest > 0:
        interval = rest / REST_BLOCKS / ramp
        buildings.append(
            BuildingIn(
                "rest",
                rest,
                interval,
                phases,
                0.0,
                0.0,
                blocks=REST_BLOCKS,
                block_interval=interval,
            )
        )
    return SiteIn(
        id=campus_id,
        buildings=tuple(buildings),
        existing_power=1e30,
        grid=(),
        onsite=(),
        transformer_supplier=None,
        pue=1.0,
        crews=1.0,
        racks_per_crew_month=1.0,
        burn_in=0.0,
        capex_per_watt=0.0,
    )


def reached(site: SiteIn, levels: list[float]) -> list[float]:
    """When the site model first has each of ``levels`` [MW] of facility power energised
    [month] (NaN: never in 600 months)."""
    env = simpy.Environment()
    model = SiteModel(env, site, {"campus": (_PRODUCT, Stock(env))}, {})
    model.start()
    env.run(until=600.0)
    blocks = sorted(
        (time, building.it_capacity / building.blocks)
        for building, log in zip(site.buildings, model.buildings, strict=True)
        for time in log.blocks_energised
    )
    times = np.array([time for time, _ in blocks])
    energised = np.cumsum([watts for _, watts in blocks]) / MW
    result = []
    for level in levels:
        index = np.searchsorted(energised, level - LEVEL_TOLERANCE)
        result.append(float(times[index]) if index < len(times) else float("nan"))
    return result


def check_campus(campuses: list[Campus], campus: Campus, samples: int, seed: int) -> list[Check]:
    """``campus``'s observed (else projected) first operation and observed power steps
    against the model's P10/P50/P90, its archetype fitted without it."""
    first = campus.first or campus.projected_first
    if first is None:
        return []
    events = [("first operation", first[1], first[0])]
    events += [(f"{mw:g} MW", mw, day) for day, mw in campus.steps]
    largest = campus.largest_step
    try:
        archetype = fit(campuses, campus.archetype, leave_out=campus.id, region=campus.region)
    except FitError as error:
        return [_check(campus, event, None, note=str(error)) for event in events]
    if archetype.ramp is None:  # the first operation only
        no_ramp = f"archetype {campus.archetype!r}: no ramp fitted (fewer than 2 campuses)"
        checks = [_check(campus, event, None, note=no_ramp) for event in events[1:]]
        events = events[:1]
    else:
        checks = []
    levels = [level for _, level, _ in events]
    rng = np.random.default_rng([seed, _stable(campus.id)])
    dates = _sampled(campus.id, archetype, first[1], levels, rng.standard_normal((samples, 2)))
    quantiles = np.nanquantile(dates, QUANTILES, axis=0)
    return [
        _check(
            campus,
            event,
            tuple(float(q) for q in quantiles[:, index]),
            largest=largest is not None and event[2] == largest[0] and event[1] == largest[1],
        )
        for index, event in enumerate(events)
    ] + checks


def _sampled(campus_id: str, archetype: Archetype, first_mw, levels, z) -> np.ndarray:
    """(sample, level) months at which each level is reached, for standard normal
    draws ``z`` (sample, 2) of the build time and the ramp."""
    build = archetype.build_time.median * np.exp(archetype.build_time.sigma * z[:, 0])
    fitted = archetype.ramp
    ramp = (
        np.full(len(z), np.nan)
        if fitted is None
        else fitted.median * np.exp(fitted.sigma * z[:, 1])
    )
    largest = max(levels)
    return np.array(
        [
            reached(campus_site(campus_id, first_mw, largest, b, r), levels)
            for b, r in zip(build, ramp, strict=True)
        ]
    )


def _stable(text: str) -> int:
    """A number for ``text`` that is the same in every process (unlike ``hash``)."""
    return int.from_bytes(text.encode("utf-8"), "little") % (2**63)


def _check(campus: Campus, event, model, *, largest: bool = False, note: str = "") -> Check:
    name, level, day = event
    observed = campus.first is not None or name != "first operation"
    return Check(
        campus=campus.id,
        archetype=campus.archetype,
        event=name,
        level=level,
        observed=day if observed else None,
        projected=None if observed else day,
        months=campus.months(day),
        model=model or (float("nan"),) * 3,
        largest=largest,
        note=note,
        region=campus.region,
    )


def check_builds(campuses: list[Campus], samples: int = 400, seed: int = 2026) -> list[Check]:
    """Every campus of the reference class against the model, leave one campus out."""
    return [check for campus in campuses for check in check_campus(campuses, campus, samples, seed)]


@dataclass(frozen=True)
class Score:
    """How one set of events fares: count, share inside P10-P90, median |P50 error|."""

    count: int
    inside: float
    median_error: float


def score(checks: list[Check], archetype: str = "greenfield") -> dict[str, Score]:
    """The bar's figures for ``archetype``: first operations observed, and each campus's
    largest observed power step."""
    modelled = [c for c in checks if c.archetype == archetype and not np.isnan(c.model[1])]
    groups = {
        "first operation": [c for c in modelled if c.event == "first operation" and c.observed],
        "largest power step": [c for c in modelled if c.largest],
    }
    return {
        name: Score(
            len(group),
            float(np.mean([c.inside for c in group])) if group else float("nan"),
            float(np.median([abs(c.error) for c in group])) if group else float("nan"),
        )
        for name, group in groups.items()
    }
