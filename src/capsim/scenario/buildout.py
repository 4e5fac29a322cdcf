"""The demand side: programmes that order accelerators, and the sites that house them."""

from __future__ import annotations

from typing import Literal

from pydantic import Field, model_validator

from capsim.scenario.base import Entity, SourceField
from capsim.scenario.dates import Date
from capsim.scenario.params import (
    Duration,
    Fraction,
    Money,
    Power,
    Quantity,
    default_param,
    param_error,
)
from capsim.scenario.series import SeriesOf

PowerBasis = Literal["it", "facility"]


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
    else all that is left of its target.
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
    source: SourceField | None = None

    @model_validator(mode="after")
    def _one_target(self) -> Programme:
        if (self.target_power is None) == (self.target_packages is None):
            raise param_error(
                "give exactly one of target_power and target_packages", "target_power"
            )
        if self.target_power is not None and self.power_basis is None:
            raise param_error(
                "target_power needs power_basis: it (IT load) or facility (IT x PUE)", "power_basis"
            )
        return self


class Building(Entity):
    """One building (phase): permits -> shell -> fit-out -> cooling -> commissioning."""

    id: str
    it_capacity: Power
    start: Date = Field(description="start of land and permits")
    permits: Duration
    shell: Duration
    fit_out: Duration = Field(description="electrical fit-out, after transformers arrive")
    cooling: Duration
    commissioning: Duration
    transformers: Quantity("", ge=0) = default_param(0, "")
    transformers_ordered: Date | None = Field(
        default=None, description="when the transformers are ordered (default: start)"
    )
    source: SourceField | None = None


class GridConnection(Entity):
    """Facility power from the grid after an interconnection wait."""

    capacity: Power
    requested: Date
    wait: Duration
    source: SourceField | None = None


class OnsiteGeneration(Entity):
    """Turbines or engines ordered from a shared supplier, installed on site."""

    supplier: str
    units: Quantity("", ge=0)
    unit_capacity: Power
    ordered: Date
    install: Duration
    source: SourceField | None = None


class SitePower(Entity):
    """Power sources of a site, all in facility power."""

    existing: Power = default_param("0 W", "W")
    grid: GridConnection | None = None
    onsite: list[OnsiteGeneration] = Field(default_factory=list)


class Site(Entity):
    """A data-centre campus: buildings, power, crews, PUE."""

    country: str
    operator: str | None = None
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
