"""The supply side: products (bills of materials), logic fabs, CoWoS lines, HBM vendors
and shared long-lead suppliers (transformers, turbines)."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from pydantic import Field, field_serializer, field_validator

from capsim.scenario.base import Entity, SourceField
from capsim.scenario.dates import Date
from capsim.scenario.params import Duration, Fraction, Money, Power, Quantity, default_param
from capsim.scenario.series import SeriesOf, parse_series

YieldModel = Literal["poisson", "murphy"]


class LogicSpec(Entity):
    """Compute dies of one package and the fab that makes them."""

    fab: str
    compute_dies: Quantity("die/package", gt=0)
    die_area: Quantity("mm**2", gt=0)


class HbmSpec(Entity):
    """HBM stacks of one package."""

    generation: str
    stacks: Quantity("stack/package", gt=0)
    capacity_per_stack: Quantity("GB", gt=0) | None = None


class PackagingSpec(Entity):
    """The CoWoS line that packages the product, and packages per interposer wafer."""

    line: str
    packages_per_wafer: Quantity("package/wafer", gt=0)


class Product(Entity):
    """One accelerator package and its bill of materials."""

    designer: str
    description: str | None = None
    mix: SeriesOf("", ge=0) = Field(
        default_factory=lambda: parse_series(default_param(1, ""), ""),
        description="share of the designer's fab, CoWoS and HBM allocation given to this product",
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


class LogicFab(Entity):
    """Wafer starts on one node allocated to AI accelerators."""

    operator: str
    node: str
    wafer_starts: SeriesOf("wafer/month")
    shares: dict[str, Fraction] = Field(description="share of wafer starts per chip designer")
    defect_density: Quantity("1/cm**2", ge=0)
    yield_model: YieldModel = "poisson"
    wafer_diameter: Quantity("mm", gt=0) = default_param("300 mm", "mm")
    cycle_time: Duration
    source: SourceField | None = None


class PackagingLine(Entity):
    """Advanced packaging (CoWoS) capacity in interposer wafers per month."""

    operator: str
    capacity: SeriesOf("wafer/month")
    shares: dict[str, Fraction] = Field(description="share of capacity per chip designer")
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


class HbmVendor(Entity):
    """A memory maker's HBM output in finished stacks per month, by generation."""

    capacity: dict[str, SeriesOf("stack/month")]
    shares: dict[str, Fraction] = Field(
        default_factory=dict, description="share of output per chip designer"
    )
    lead_time: Duration = Field(description="wafer start to finished stack")
    qualification: dict[str, Qualification] = Field(default_factory=dict)
    source: SourceField | None = None

    @field_validator("qualification", mode="before")
    @classmethod
    def _bare_dates(cls, raw: Any) -> Any:
        if isinstance(raw, dict):
            return {key: Qualification.from_raw(value) for key, value in raw.items()}
        return raw


class Supplier(Entity):
    """A shared, backlogged supplier of long-lead equipment; orders are served first come."""

    kind: Literal["transformer", "turbine", "other"]
    output: Quantity("count/month", ge=0)
    backlog: Quantity("", ge=0) = default_param(0, "")
    lead_time: Duration = default_param("0 month", "month")
    price: Money | None = None
    source: SourceField | None = None
