"""Milestones (the date a quantity first reaches a threshold) and claims (a milestone
by a deadline)."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, model_validator
from pydantic_core import PydanticCustomError

from capsim.scenario.base import Entity, SourceField
from capsim.scenario.dates import Date
from capsim.scenario.params import NON_NEGATIVE, AnyParam, nested_error, parse_param

#: Quantities a milestone may watch, with their canonical units.
MILESTONE_QUANTITIES: dict[str, str] = {
    "packages_produced": "package",
    "packages_delivered": "package",
    "packages_installed": "package",
    "it_power_online": "W",
    "facility_power_online": "W",
    "h100e_online": "H100e",
    "flops_online": "FLOP/s",
    "capex_spent": "USD",
    "funding_received": "USD",
}
MilestoneQuantity = Literal[
    "packages_produced",
    "packages_delivered",
    "packages_installed",
    "it_power_online",
    "facility_power_online",
    "h100e_online",
    "flops_online",
    "capex_spent",
    "funding_received",
]


class Milestone(Entity):
    """The first date ``quantity`` reaches ``threshold``.

    Counted for one programme, site or product when given, else in total.
    """

    quantity: MilestoneQuantity
    threshold: AnyParam = Field(description="in the quantity's unit, e.g. 1 GW")
    programme: str | None = None
    site: str | None = None
    product: str | None = None
    precision: str | None = Field(default=None, description="for flops_online: e.g. FP8")

    @model_validator(mode="before")
    @classmethod
    def _threshold_unit(cls, raw: Any) -> Any:
        if (
            isinstance(raw, dict)
            and isinstance(raw.get("quantity"), str)
            and raw["quantity"] in MILESTONE_QUANTITIES
            and "threshold" in raw
        ):
            unit = MILESTONE_QUANTITIES[raw["quantity"]]
            try:
                return {**raw, "threshold": parse_param(raw["threshold"], unit, NON_NEGATIVE)}
            except PydanticCustomError as error:
                raise nested_error(error, "threshold") from None
        return raw


class Claim(Entity):
    """A public claim: the milestone is met by the deadline ``by``."""

    milestone: str
    by: Date
    statement: str
    source: SourceField
