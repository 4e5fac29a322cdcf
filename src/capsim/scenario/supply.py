"""The supply side: products (bills of materials), logic fabs, CoWoS lines, HBM vendors
and shared long-lead suppliers (transformers, turbines).

Fabs, packaging lines and HBM vendors sell to chip designers: each month a supplier
serves what each designer has reserved by contract (``shares`` or ``contracts``), then
shares the rest among the designers' unmet orders by its ``allocation`` rule (see
:mod:`capsim.model.market`). A designer named in ``shares`` or ``contracts`` that has no
product in the scenario stands for buyers not modelled: it takes its whole reservation.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, field_serializer, field_validator, model_validator

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

YieldModel = Literal["poisson", "murphy"]
AllocationRule = Literal["pro_rata", "priority"]


class Window(Entity):
    """When a product is made: packages start (and the wafers and stacks that feed them
    are ordered for packaging) from ``from`` until ``until``; either may be omitted."""

    start: Date | None = Field(default=None, alias="from")
    until: Date | None = None
    source: SourceField | None = None

    @model_validator(mode="after")
    def _ordered(self) -> Window:
        if self.start is not None and self.until is not None and self.until <= self.start:
            raise param_error(
                f"until must come after from ({self.start}), found {self.until}", "until"
            )
        return self


class Contract(Entity):
    """A designer's reservation of a supplier's capacity: a ``share`` of it, or a
    ``volume`` per month, from ``from`` until ``until``; with ``take_or_pay`` the designer
    takes (and pays for) all of it, used or not."""

    share: Fraction | None = None
    volume: SeriesOf("wafer/month") | None = None
    start: Date | None = Field(default=None, alias="from")
    until: Date | None = None
    take_or_pay: bool = Field(default=False, strict=True)
    source: SourceField | None = None

    @model_validator(mode="after")
    def _one_amount(self) -> Contract:
        if (self.share is None) == (self.volume is None):
            raise param_error("give exactly one of share and volume", "share")
        if self.start is not None and self.until is not None and self.until <= self.start:
            raise param_error(
                f"until must come after from ({self.start}), found {self.until}", "until"
            )
        return self


class Market(Entity):
    """How a supplier sells: reservations (``shares``, ``contracts``) and the rule for the
    rest (``pro_rata`` to unmet orders, or by ``priority``: designers in order)."""

    shares: dict[str, Fraction] = Field(
        default_factory=dict, description="share of capacity reserved per chip designer"
    )
    contracts: dict[str, Contract] = Field(default_factory=dict)
    allocation: AllocationRule = "pro_rata"
    priority: list[str] = Field(
        default_factory=list, description="designers served first to last (rule priority)"
    )


class LogicSpec(Entity):
    """Compute dies of one package and the fab that makes them."""

    fab: str
    compute_dies: Quantity("die/package", gt=0)
    die_area: Quantity("mm**2", gt=0)


class HbmSpec(Entity):
    """HBM stacks of one package, and how its orders are split among qualified vendors
    (``sourcing``: weights; by default in proportion to the vendors' capacity)."""

    generation: str
    stacks: Quantity("stack/package", gt=0)
    capacity_per_stack: Quantity("GB", gt=0) | None = None
    sourcing: dict[str, Quantity("", ge=0)] | None = None


class PackagingSpec(Entity):
    """The CoWoS line that packages the product, and packages per interposer wafer."""

    line: str
    packages_per_wafer: Quantity("package/wafer", gt=0)


class Product(Entity):
    """One accelerator package and its bill of materials."""

    designer: str
    description: str | None = None
    available: Window | None = Field(
        default=None, description="the product's production window (its roadmap)"
    )
    logic: LogicSpec
    hbm: HbmSpec
    packaging: PackagingSpec
    tdp: Power
    it_power: Quantity("W", gt=0) = Field(description="all-in IT power per package")
    flops: dict[str, Quantity("FLOP/s", ge=0)] = Field(default_factory=dict)
    h100e: Quantity("", gt=0)
    packages_per_rack: Quantity("package/rack", gt=0)
    price: Quantity("USD/package", ge=0) | None = None
    lead_time: Duration = Field(description="test, system integration and shipping")
    source: SourceField | None = None


class LogicFab(Market):
    """Wafer starts on one node allocated to AI accelerators."""

    operator: str
    node: str
    wafer_starts: SeriesOf("wafer/month")
    defect_density: Quantity("1/cm**2", ge=0)
    yield_model: YieldModel = "poisson"
    wafer_diameter: Quantity("mm", gt=0) = default_param("300 mm", "mm")
    cycle_time: Duration
    source: SourceField | None = None


class PackagingLine(Market):
    """Advanced packaging (CoWoS) capacity in interposer wafers per month."""

    operator: str
    capacity: SeriesOf("wafer/month")
    packaging_yield: Fraction = Field(alias="yield")
    cycle_time: Duration
    source: SourceField | None = None


class Qualification(Entity):
    """When a vendor's HBM is qualified for a product; ``date: never`` if it is not."""

    date: Date | None
    slip: Duration = default_param("0 month", "month")
    source: SourceField | None = None

    @field_serializer("date")
    def _never(self, value: dt.date | None) -> str:
        return "never" if value is None else value.isoformat()

    @classmethod
    def from_raw(cls, raw: Any) -> Any:
        if raw == "never" or not isinstance(raw, dict):
            return {"date": None if raw == "never" else raw}
        if raw.get("date") == "never":
            return {**raw, "date": None}
        return raw


class HbmGeneration(Entity):
    """One HBM generation and stack height a vendor makes from its TSV wafers."""

    stacks_per_wafer: Quantity("stack/wafer", gt=0)
    stack_yield: Fraction = Field(alias="yield")
    source: SourceField | None = None


class HbmVendor(Market):
    """A memory maker's HBM output. Either ``wafers`` (TSV wafers per month) turned into
    stacks by ``generations`` (stacks per wafer and yield of each, times ``density`` over
    time when given), with ``tooling`` (the wafers' split among generations at the start)
    and ``conversion_time`` (to move wafers to another generation); or ``capacity``:
    finished stacks per month fixed by generation."""

    capacity: dict[str, SeriesOf("stack/month")] | None = None
    wafers: SeriesOf("wafer/month") | None = None
    density: SeriesOf("", gt=0.0) | None = Field(
        default=None,
        description="good stacks per wafer over time, relative to each generation's "
        "stacks_per_wafer x yield (DRAM node moves, yield learning); 1 = as stated",
    )
    generations: dict[str, HbmGeneration] = Field(default_factory=dict)
    tooling: dict[str, Fraction] = Field(
        default_factory=dict, description="share of the wafers set up for each generation"
    )
    conversion_time: Duration = default_param("3 months", "month")
    lead_time: Duration = Field(description="wafer start to finished stack")
    qualification: dict[str, Qualification] = Field(default_factory=dict)
    source: SourceField | None = None

    @field_validator("qualification", mode="before")
    @classmethod
    def _bare_dates(cls, raw: Any) -> Any:
        if isinstance(raw, dict):
            return {key: Qualification.from_raw(value) for key, value in raw.items()}
        return raw

    @model_validator(mode="after")
    def _one_capacity(self) -> HbmVendor:
        if (self.capacity is None) == (self.wafers is None):
            raise param_error(
                "give exactly one of capacity (stacks by generation) and wafers", "wafers"
            )
        if self.wafers is not None and not self.generations:
            raise param_error(
                "wafers need generations (stacks per wafer and yield of each)", "generations"
            )
        if self.density is not None and self.wafers is None:
            raise param_error(
                "density scales stacks per wafer: give it with wafers, not with capacity "
                "(finished stacks)",
                "density",
            )
        return self

    @property
    def made(self) -> list[str]:
        """The HBM generations this vendor makes."""
        return list(self.capacity) if self.capacity is not None else list(self.generations)


class Supplier(Entity):
    """A shared, backlogged supplier of long-lead equipment; orders are served first come."""

    kind: Literal["transformer", "turbine", "other"]
    output: SeriesOf("count/month") = Field(
        description="units built per month: a value, or a series of dated points"
    )
    outside_orders: SeriesOf("count/month") | None = Field(
        default=None,
        description="units other buyers order each month (placed at the month's start, "
        "in line with the scenario's own orders)",
    )
    backlog: Quantity("", ge=0) = default_param(0, "")
    lead_time: Duration = default_param("0 month", "month")
    price: Money | None = None
    source: SourceField | None = None
