"""The scenario document: horizon, run settings and every entity, keyed by id."""

from __future__ import annotations

from pydantic import Field, model_validator

from capsim.scenario.base import Entity
from capsim.scenario.buildout import Programme, Site
from capsim.scenario.dates import Date
from capsim.scenario.params import Duration, default_param, param_error
from capsim.scenario.policy import ExportRule, Funding, RiskEvent
from capsim.scenario.supply import HbmVendor, LogicFab, PackagingLine, Product, Supplier
from capsim.scenario.targets import Claim, Milestone

FORMAT_VERSION = 1
#: Most Monte Carlo samples a scenario may ask for (at ~0.1 s a sample, about a day).
MAX_SAMPLES = 1_000_000
#: Longest horizon simulated, in years (the shipped scenarios need at most ten).
MAX_HORIZON_YEARS = 50


class Horizon(Entity):
    """The simulated period; results are reported every ``step`` (whole months)."""

    start: Date
    end: Date
    step: Duration = default_param("1 month", "month")

    @model_validator(mode="after")
    def _ordered(self) -> Horizon:
        if self.end <= self.start:
            raise param_error(f"end must come after start ({self.start}), found {self.end}", "end")
        if self.end.year - self.start.year > MAX_HORIZON_YEARS:
            raise param_error(
                f"a horizon of at most {MAX_HORIZON_YEARS} years is simulated, found "
                f"{self.start} to {self.end}",
                "end",
            )
        if self.step.is_uncertain or abs(self.step.central - 1.0) > 1e-9:
            raise param_error("only monthly steps are supported: expected 1 month", "step")
        return self


class Correlation(Entity):
    """A rank correlation between two uncertain parameters, by their key paths."""

    between: tuple[str, str]
    rank: float = Field(ge=-1.0, le=1.0, strict=True, allow_inf_nan=False)


#: The tables of named entities, in the order a scenario lists them.
ENTITY_TABLES = (
    "products",
    "logic_fabs",
    "packaging",
    "hbm_vendors",
    "suppliers",
    "programmes",
    "sites",
    "export_rules",
    "funding",
    "milestones",
    "claims",
    "risks",
)


class Scenario(Entity):
    """A whole scenario, after ``extends`` and overrides are resolved."""

    capsim: int = Field(default=FORMAT_VERSION, strict=True, description="scenario format version")
    name: str = Field(min_length=1, description="the scenario's name, in outputs and reports")
    description: str = ""
    extends: str | list[str] | None = Field(
        default=None, description="base scenario file or files, resolved on load"
    )
    seed: int = Field(default=0, ge=0, lt=2**64, strict=True, description="root random seed")
    samples: int = Field(
        default=1000,
        ge=1,
        le=MAX_SAMPLES,
        strict=True,
        description="default Monte Carlo sample count",
    )
    points_as_given: bool = Field(
        default=False,
        strict=True,
        description="Monte Carlo keeps values written as points fixed, without the default "
        "spread their confidence (H, M, L) implies",
    )
    point_spread_scale: float | None = Field(
        default=None,
        ge=0.0,
        le=10.0,
        allow_inf_nan=False,
        description="overall scale of the default spread of point values in Monte Carlo "
        "(default: the fitted scale, capsim.sweep.spread.SCALE)",
    )
    horizon: Horizon
    products: dict[str, Product] = Field(default_factory=dict)
    logic_fabs: dict[str, LogicFab] = Field(default_factory=dict)
    packaging: dict[str, PackagingLine] = Field(default_factory=dict)
    hbm_vendors: dict[str, HbmVendor] = Field(default_factory=dict)
    suppliers: dict[str, Supplier] = Field(default_factory=dict)
    programmes: dict[str, Programme] = Field(default_factory=dict)
    sites: dict[str, Site] = Field(default_factory=dict)
    export_rules: dict[str, ExportRule] = Field(default_factory=dict)
    funding: dict[str, Funding] = Field(default_factory=dict)
    milestones: dict[str, Milestone] = Field(default_factory=dict)
    claims: dict[str, Claim] = Field(default_factory=dict)
    risks: dict[str, RiskEvent] = Field(default_factory=dict)
    correlations: list[Correlation] = Field(default_factory=list)
