"""Capacity over time: dated points (each a sourced parameter) plus dated expansions.

YAML forms: a single parameter (constant), a list of points
``[{date: 2023-06-30, value: 8.5 kwafer/month, source: ...}, ...]``, or a mapping
``{points: [...], expansions: [{date, add, ramp, source}], interpolation: linear|step}``.
Between points the value is interpolated; before the first and after the last it is flat.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Annotated, Any, Literal

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from capsim.scenario.dates import parse_date
from capsim.scenario.params import (
    NON_NEGATIVE,
    Bounds,
    Param,
    dump_param,
    nested_error,
    param_error,
    parse_param,
)
from capsim.scenario.problems import shown

Interpolation = Literal["linear", "step"]


@dataclass(frozen=True)
class Expansion:
    """Capacity ``add``-ed from ``date``, ramping linearly over ``ramp`` (months)."""

    date: dt.date
    add: Param
    ramp: Param


@dataclass(frozen=True)
class Series:
    """A quantity over time in canonical ``unit``."""

    points: tuple[tuple[dt.date, Param], ...]
    expansions: tuple[Expansion, ...] = ()
    interpolation: Interpolation = "linear"

    @property
    def is_constant(self) -> bool:
        """True when the series is one parameter with no date."""
        return self.points[0][0] == dt.date.min and len(self.points) == 1 and not self.expansions

    def params(self) -> list[tuple[tuple[Any, ...], Param]]:
        """Every parameter with its path inside the series."""
        if self.is_constant:
            return [((), self.points[0][1])]
        found: list[tuple[tuple[Any, ...], Param]] = [
            (("points", index), param) for index, (_, param) in enumerate(self.points)
        ]
        for index, expansion in enumerate(self.expansions):
            found.append((("expansions", index, "add"), expansion.add))
            found.append((("expansions", index, "ramp"), expansion.ramp))
        return found


def _point(raw: Any, unit: str, bounds: Bounds, index: int) -> tuple[dt.date, Param]:
    if not isinstance(raw, dict) or "date" not in raw:
        raise param_error(f"expected a point {{date, value, source}}, found {shown(raw)}", (index,))
    try:
        day = parse_date(raw["date"])
    except PydanticCustomError as error:
        raise nested_error(error, index, "date") from None
    body = {key: value for key, value in raw.items() if key != "date"}
    try:
        return day, parse_param(body, unit, bounds)
    except PydanticCustomError as error:
        raise nested_error(error, index) from None


def _expansion(raw: Any, unit: str, index: int) -> Expansion:
    allowed = {"date", "add", "ramp", "source", "confidence", "note"}
    if not isinstance(raw, dict) or not {"date", "add"} <= set(raw):
        raise param_error(
            (f"expected an expansion {{date, add, ramp}}, found {shown(raw)}"), (index,)
        )
    unknown = next((key for key in raw if key not in allowed), None)
    if unknown is not None:
        expected = "date, add, ramp, source, confidence, note"
        raise param_error(
            f"unknown key {unknown!r}; expected {expected}", (index, unknown), at_key=True
        )
    meta = {key: raw[key] for key in ("source", "confidence", "note") if key in raw}
    try:
        day = parse_date(raw["date"])
    except PydanticCustomError as error:
        raise nested_error(error, index, "date") from None
    parsed = {}
    for key, key_unit in (("add", unit), ("ramp", "month")):
        value = raw.get(key, "0 month")
        body = value if isinstance(value, dict) else {"value": value, **meta}
        try:
            parsed[key] = parse_param(body, key_unit, Bounds(ge=0.0))
        except PydanticCustomError as error:
            raise nested_error(error, index, key) from None
    return Expansion(day, parsed["add"], parsed["ramp"])


def parse_series(raw: Any, unit: str, bounds: Bounds = NON_NEGATIVE) -> Series:
    """Read a series in any of its YAML forms (see the module docstring)."""
    if isinstance(raw, Series):
        return raw
    if isinstance(raw, dict) and "points" in raw:
        return _parse_full(raw, unit, bounds, ("points",))
    if isinstance(raw, list):
        return _parse_full({"points": raw}, unit, bounds, ())
    return Series(((dt.date.min, parse_param(raw, unit, bounds)),))


def _parse_full(raw: dict, unit: str, bounds: Bounds, prefix: tuple[str, ...]) -> Series:
    unknown = next(
        (key for key in raw if key not in ("points", "expansions", "interpolation")), None
    )
    if unknown is not None:
        raise param_error(
            f"unknown key {unknown!r}; expected points, expansions, interpolation",
            unknown,
            at_key=True,
        )
    points_raw = raw["points"]
    if not isinstance(points_raw, list) or not points_raw:
        raise param_error(
            (f"expected a non-empty list of points, found {shown(points_raw)}"), "points"
        )
    points = []
    for index, item in enumerate(points_raw):
        try:
            points.append(_point(item, unit, bounds, index))
        except PydanticCustomError as error:
            raise nested_error(error, *prefix) from None
    for index in range(1, len(points)):
        if points[index][0] <= points[index - 1][0]:
            raise param_error(
                f"dates must increase: {points[index][0]} comes after {points[index - 1][0]}",
                (*prefix, index, "date"),
            )
    expansions_raw = raw.get("expansions", [])
    if not isinstance(expansions_raw, list):
        raise param_error(
            (f"expected a list of expansions, found {shown(expansions_raw)}"), "expansions"
        )
    expansions = []
    for index, item in enumerate(expansions_raw):
        try:
            expansions.append(_expansion(item, unit, index))
        except PydanticCustomError as error:
            raise nested_error(error, "expansions") from None
    interpolation = raw.get("interpolation", "linear")
    if interpolation not in ("linear", "step"):
        raise param_error(f"expected linear or step, found {interpolation!r}", "interpolation")
    return Series(tuple(points), tuple(expansions), interpolation)


def dump_series(series: Series) -> Any:
    """YAML form of a series that :func:`parse_series` reads back to an equal Series."""
    if series.is_constant:
        return dump_param(series.points[0][1])
    points = [{"date": day.isoformat(), **dump_param(param)} for day, param in series.points]
    expansions = [
        {"date": e.date.isoformat(), "add": dump_param(e.add), "ramp": dump_param(e.ramp)}
        for e in series.expansions
    ]
    return {"points": points, "expansions": expansions, "interpolation": series.interpolation}


def SeriesOf(unit: str, *, ge: float | None = 0.0, gt: float | None = None):
    """Annotated Series type for a pydantic field in canonical ``unit``, each value at
    least ``ge`` (or above ``gt``)."""
    bounds = Bounds(ge=None if gt is not None else ge, gt=gt)
    return Annotated[
        Series,
        PlainValidator(lambda raw: parse_series(raw, unit, bounds)),
        PlainSerializer(dump_series),
        WithJsonSchema({"description": f"a series of {unit or 'numbers'} over time"}),
    ]
