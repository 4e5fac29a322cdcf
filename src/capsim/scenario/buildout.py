"""The demand side: programmes that order accelerators, and the sites that house them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from capsim.scenario.archetypes import ARCHETYPES, PHASE_SHARES, shipped
from capsim.scenario.base import Entity, SourceField
from capsim.scenario.dates import Date
from capsim.scenario.distributions import LogNormal
from capsim.scenario.params import (
    Duration,
    Fraction,
    Money,
    Param,
    Power,
    Quantity,
    default_param,
    param_error,
)
from capsim.scenario.provenance import Source
from capsim.scenario.reference import REGIONS
from capsim.scenario.series import SeriesOf

PowerBasis = Literal["it", "facility"]

#: A builder archetype (see :mod:`capsim.scenario.archetypes`).
BuilderArchetype = Literal["greenfield", "fast-track", "retrofit"]

#: A campus's region (refines its archetype's build time).
Region = Literal[REGIONS]

#: A building's phases, in order.
PHASES = tuple(phase for phase, _ in PHASE_SHARES)


class LetterOfIntent(Entity):
    """A deal that is not firm: it becomes firm with ``probability`` by ``by`` (drawn per
    Monte Carlo sample; a deterministic run takes it as firm when the probability is
    above one half). A letter is not an order: one that becomes firm orders from ``by``
    (or the programme's start, if later); one that lapses orders nothing."""

    probability: Fraction
    by: Date
    source: SourceField | None = None


class Programme(Entity):
    """A buyer's order book for one product: a target, a priority and a contracted share.

    Its order rate (what it asks its product's designer for each month) is ``volume``
    when given, else what is left of its target spread over the months to its ``end``,
    else all that is left of its target. A volume's orders not filled in their month
    lapse, unless ``unfilled`` is ``carried``: then they stay on order until filled.
    """

    buyer: str
    product: str
    target_power: Power | None = None
    power_basis: PowerBasis | None = Field(
        default=None, description="whether target_power is IT load or facility power"
    )
    target_packages: Quantity("package", ge=0) | None = None
    priority: int = Field(default=1, ge=1, le=10_000, strict=True, description="1 is served first")
    share: Fraction | None = Field(default=None, description="contracted share of product output")
    volume: SeriesOf("package/month") | None = Field(
        default=None, description="packages it orders per month (over time)"
    )
    unfilled: Literal["carried", "lapses"] = Field(
        default="lapses",
        description="what becomes of a month's orders (volume) not filled that month: "
        "carried (they stay on order, as a firm order schedule's do) or lapses (a demand "
        "stream: what it does not get goes elsewhere)",
    )
    start: Date
    end: Date | None = None
    destination: str = Field(description="ISO country code where the accelerators go")
    sites: list[str] = Field(default_factory=list)
    budget: Money | None = Field(default=None, description="cash at start; none = unconstrained")
    letter_of_intent: LetterOfIntent | None = Field(
        default=None, description="not firm: becomes firm with a probability (none = firm)"
    )
    via: str | None = Field(
        default=None, description="the intermediary that buys and hosts on the buyer's behalf"
    )
    staging: Duration = Field(
        default=default_param("1.5 months", "month"),
        description="how long before its sites' crews could install them packages may "
        "arrive (only with sites)",
    )
    source: SourceField | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Programme:
        if (self.target_power is None) == (self.target_packages is None):
            raise param_error(
                "give exactly one of target_power and target_packages", "target_power"
            )
        if "unfilled" in self.model_fields_set and self.volume is None:
            raise param_error(
                "expected a volume with unfilled (what becomes of a volume's orders not filled), "
                "found no volume",
                "unfilled",
            )
        if self.target_power is not None and self.power_basis is None:
            raise param_error(
                "target_power needs power_basis: it (IT load) or facility (IT x PUE)", "power_basis"
            )
        return self


#: The phases that may start before the one before them ends.
LaterPhase = Literal["shell", "fit_out", "cooling", "commissioning"]


class Building(Entity):
    """One building (phase): permits -> shell -> fit-out -> cooling -> commissioning.

    The phases give the dates of its first block (hall or power tranche); a phase may
    start before the previous one ends (``overlaps``), and later blocks follow the
    first at ``block_interval``. Each block energises on its own, when the site's power
    covers it.
    """

    id: str
    programme: str | None = Field(
        default=None,
        description="the programme whose packages it houses (its tenant); required at a "
        "site that several programmes list, else the site's one programme",
    )
    it_capacity: Quantity("W", gt=0)
    start: Date = Field(description="start of land and permits")
    start_delay: Duration = Field(
        default=default_param("0 months", "month"),
        description="how much later than start work begins (a distribution: an uncertain start)",
    )
    permits: Duration | None = None
    shell: Duration | None = None
    fit_out: Duration | None = Field(
        default=None, description="electrical fit-out, after transformers arrive"
    )
    cooling: Duration | None = None
    commissioning: Duration | None = None
    build_time: Duration | None = Field(
        default=None,
        description="start to first block built, split into phases by the archetype shares",
    )
    overlaps: dict[LaterPhase, Duration] = Field(
        default_factory=dict,
        description="how long before the previous phase ends each phase starts",
    )
    blocks: int = Field(
        default=1,
        ge=1,
        le=1_000,
        strict=True,
        description="halls or power tranches of equal IT capacity",
    )
    block_interval: Duration = Field(
        default=default_param("0 months", "month"),
        description="from one block's construction being done to the next's",
    )
    transformers: Quantity("", ge=0) = default_param(0, "")
    transformers_ordered: Date | None = Field(
        default=None, description="when the transformers are ordered (default: start)"
    )
    source: SourceField | None = None

    @model_validator(mode="after")
    def _phases_or_build_time(self) -> Building:
        given = [phase for phase in PHASES if getattr(self, phase) is not None]
        if given and len(given) < len(PHASES):
            missing = next(phase for phase in PHASES if getattr(self, phase) is None)
            raise param_error(
                f"give all five phases ({', '.join(PHASES)}) or none (then build_time or "
                f"the site's archetype); {missing} is missing",
                missing,
                at_key=True,
            )
        if given and self.build_time is not None:
            raise param_error("give either the five phases or build_time, not both", "build_time")
        return self

    @property
    def has_schedule(self) -> bool:
        """Whether its phases or its build time are given."""
        return self.permits is not None or self.build_time is not None


class GridConnection(Entity):
    """Facility power from the grid after an interconnection wait, in equal tranches."""

    capacity: Power
    requested: Date
    wait: Duration
    tranches: int = Field(
        default=1, ge=1, le=1_000, strict=True, description="equal steps the capacity comes in"
    )
    tranche_interval: Duration = Field(
        default=default_param("0 months", "month"),
        description="from one tranche to the next (the first comes at requested + wait)",
    )
    source: SourceField | None = None


#: Kinds of on-site power: temporary or mobile generation, turbines, engines, batteries.
OnsiteKind = Literal["mobile", "turbine", "engine", "battery"]


class OnsiteGeneration(Entity):
    """On-site power units (mobile generation, turbines, engines, batteries), ordered
    from a shared supplier's book or bought with their own lead time, installed on site.

    A battery's power counts only up to the power of the site's other sources connected
    (it must be recharged); the others count in full.
    """

    kind: OnsiteKind = Field(default="turbine", description="mobile, turbine, engine or battery")
    supplier: str | None = Field(
        default=None, description="shared supplier whose order book fills the order"
    )
    units: Quantity("", ge=0)
    unit_capacity: Power
    ordered: Date
    lead_time: Duration = Field(
        default=default_param("0 months", "month"),
        description="shortest time from order to delivery",
    )
    install: Duration
    source: SourceField | None = None


class SitePower(Entity):
    """Power sources of a site, all in facility power."""

    existing: Power = default_param("0 W", "W")
    grid: GridConnection | None = None
    onsite: list[OnsiteGeneration] = Field(default_factory=list)


class Site(Entity):
    """A data-centre campus: buildings, power, crews, PUE.

    With an ``archetype``, a building that gives neither phases nor a build time takes
    the archetype's fitted build time (for the site's ``region``, if given), and one of
    several blocks without a block interval takes its block's facility power over the
    archetype's fitted ramp.
    """

    country: str
    operator: str | None = None
    archetype: BuilderArchetype | None = Field(
        default=None, description="builder archetype whose fitted defaults fill the gaps"
    )
    region: Region | None = Field(
        default=None, description="where the campus is; refines the archetype's build time"
    )
    buildings: list[Building]
    power: SitePower
    transformer_supplier: str | None = None
    pue: Quantity("", ge=1)
    crews: Quantity("", gt=0)
    crew_rate: Quantity("rack/month", gt=0) = Field(description="racks installed per crew")
    burn_in: Duration
    capex: Quantity("USD/W", ge=0) | None = Field(
        default=None, description="facility capex per W of IT capacity"
    )
    source: SourceField | None = None

    @model_validator(mode="after")
    def _archetype_defaults(self) -> Site:
        if self.archetype is None:
            for index, building in enumerate(self.buildings):
                if not building.has_schedule:
                    raise param_error(
                        "give the five phases, build_time, or the site's archetype "
                        f"({', '.join(ARCHETYPES)})",
                        ("buildings", index, "build_time"),
                        at_key=True,
                    )
            return self
        fitted = shipped(self.region)[self.archetype]
        buildings = [self._filled(b, fitted) for b in self.buildings]
        return self.model_copy(update={"buildings": buildings})

    def _filled(self, building: Building, fitted) -> Building:
        """``building`` with the archetype's build time and ramp where it gives none."""
        update: dict = {}
        if not building.has_schedule:
            source = Source("public", fitted.source("build_time"))
            update["build_time"] = Param(fitted.build_time, "month", source, "M")
        ramp = fitted.ramp
        if building.blocks > 1 and "block_interval" not in building.model_fields_set and ramp:
            block = building.it_capacity.central / building.blocks * self.pue.central
            interval = LogNormal(block / ramp.median, ramp.sigma)
            source = Source("public", fitted.source("ramp") + "; a block's facility power / ramp")
            update["block_interval"] = Param(interval, "month", source, "M")
        return building.model_copy(update=update) if update else building
