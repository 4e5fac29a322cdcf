"""Rules and events around the chain: export caps, funding, and dated risk events."""

from __future__ import annotations

from typing import Annotated, Literal

from pydantic import Field

from capsim.scenario.base import Entity, SourceField
from capsim.scenario.buildout import PowerBasis
from capsim.scenario.dates import Date
from capsim.scenario.params import Duration, Fraction, Money, Power, Quantity


class ExportRule(Entity):
    """A cap on what one destination country may receive per calendar year."""

    destination: str
    cap: Quantity("H100e/month", ge=0) = Field(description="e.g. 50000 H100e/year")
    start: Date
    end: Date | None = None
    products: list[str] | None = Field(default=None, description="products covered; none = all")
    source: SourceField | None = None


class Funding(Entity):
    """Money released to a programme in tranches as its power comes online."""

    programme: str
    funder: str
    amount_per_step: Money
    step: Power
    basis: PowerBasis
    cap: Money
    source: SourceField | None = None


class QualificationFailure(Entity):
    """A vendor's HBM is never qualified for a product."""

    kind: Literal["qualification_failure"]
    vendor: str
    product: str


class CapacityLoss(Entity):
    """A fab, CoWoS line or HBM vendor loses a fraction of its output for a while."""

    kind: Literal["capacity_loss"]
    target: str = Field(description="e.g. packaging.tsmc-cowos, logic_fabs.tsmc-n3")
    loss: Fraction
    duration: Duration


class Delay(Entity):
    """A site's grid connection or construction slips."""

    kind: Literal["delay"]
    site: str
    what: Literal["grid", "construction"]
    by: Duration


Effect = Annotated[QualificationFailure | CapacityLoss | Delay, Field(discriminator="kind")]


class RiskEvent(Entity):
    """An event that happens on ``date`` with ``probability``."""

    probability: Fraction
    date: Date
    effect: Effect
    source: SourceField | None = None
