"""What a scenario contains: its entities, every parameter with value, unit, distribution
and source, and the sources it cites (``capsim describe`` and ``capsim cite``)."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass

from capsim.scenario.document import ENTITY_TABLES, Scenario
from capsim.scenario.labels import input_labels
from capsim.scenario.params import Param
from capsim.scenario.units import format_quantity
from capsim.scenario.walk import iter_entity_sources, iter_params
from capsim.seeds import load_seed_facts


@dataclass(frozen=True)
class ParamRow:
    """One parameter as ``describe`` shows it: its key path and readable label
    (:func:`capsim.scenario.labels.input_labels`), its central value as text with its
    unit and as a number in its canonical ``unit``, its distribution and source."""

    path: str
    label: str
    value: str
    central: float
    unit: str
    distribution: str
    source: str
    confidence: str


def format_param_value(param: Param) -> str:
    """The value (or distribution) with its unit, e.g. ``"triangular(2 kW, 2.3 kW, 2.6 kW)"``."""
    if not param.is_uncertain:
        return format_quantity(param.value, param.unit)
    parts = []
    for name, number in param.value.parameters().items():
        if isinstance(number, tuple):
            shown = "[" + ", ".join(_number(item, param.unit, name) for item in number) + "]"
        else:
            shown = _number(number, param.unit, name)
        parts.append(f"{name}={shown}")
    return f"{param.value.kind}({', '.join(parts)})"


def _number(number: float, unit: str, name: str) -> str:
    return (
        f"{number:.4g}" if name in ("lamb", "weights", "sigma") else format_quantity(number, unit)
    )


def param_rows(scenario: Scenario) -> list[ParamRow]:
    """Every parameter of ``scenario`` with its label, central value, unit and source."""
    labels = input_labels(scenario)
    rows = []
    for path, param in iter_params(scenario):
        rows.append(
            ParamRow(
                path=path,
                label=labels.get(path, path),
                value=format_quantity(param.central, param.unit),
                central=float(param.central),
                unit=param.unit or "1",
                distribution=format_param_value(param) if param.is_uncertain else "",
                source=str(param.source) if param.source else "(no source)",
                confidence=param.confidence or "",
            )
        )
    return rows


def entity_counts(scenario: Scenario) -> dict[str, list[str]]:
    """Ids of each kind of entity, by table name."""
    return {table: list(getattr(scenario, table)) for table in ENTITY_TABLES}


@dataclass(frozen=True)
class Citations:
    """The sources a scenario uses and the values that have none."""

    seeds: dict[str, int]
    public: dict[str, int]
    calibrations: dict[str, int]
    assumptions: int
    defaults: int
    unsourced: list[str]


def citations(scenario: Scenario) -> Citations:
    """Count every source a scenario uses; list values and entities without one."""
    seeds: Counter[str] = Counter()
    public: Counter[str] = Counter()
    calibrations: Counter[str] = Counter()
    assumptions = defaults = 0
    unsourced = []
    sourced = [(path, param.source) for path, param in iter_params(scenario)]
    sourced += [(path, source) for path, source in iter_entity_sources(scenario)]
    for path, source in sourced:
        if source is None:
            unsourced.append(path)
        elif source.kind == "seed":
            seeds[source.seed_id] += 1
        elif source.text == "assumption: capsim default":
            defaults += 1
        elif source.kind == "assumption":
            assumptions += 1
        elif source.kind == "calibrated":
            calibrations[source.text] += 1
        else:
            public[source.text] += 1
    return Citations(
        dict(seeds), dict(public), dict(calibrations), assumptions, defaults, unsourced
    )


def seed_meaning(seed_id: str) -> str:
    """What a seed fact says, for listing next to its id."""
    fact = load_seed_facts().get(seed_id)
    return fact.meaning if fact else "(unknown seed fact)"
