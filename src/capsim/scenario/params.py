"""Parameters: a value (number or distribution) in a canonical unit, with its provenance.

In YAML a parameter is written either bare (``1800 W``) or as a mapping with its
source: ``{value: 1800 W, source: "NVIDIA GTC, 2025-03", confidence: M}``, or uncertain:
``{dist: triangular, low: 1.6 kW, mode: 1.8 kW, high: 2.0 kW, source: assumption}``.
A value reported after the scenario's start may say when it became public
(``known: 2023-12-15``) and what was believed before (``prior:``, itself a value);
:mod:`capsim.scenario.knowledge` resolves a scenario as known at a date.
"""

from __future__ import annotations

import datetime as dt
import difflib
import math
from dataclasses import dataclass, field, replace
from typing import Annotated, Any

from pydantic import PlainSerializer, PlainValidator, WithJsonSchema
from pydantic_core import PydanticCustomError

from capsim.scenario import distributions as dist
from capsim.scenario.problems import shown
from capsim.scenario.provenance import Confidence, Source, SourceError, parse_source
from capsim.scenario.units import (
    UnitParseError,
    describe_unit,
    parse_quantity,
    plausible_max,
    plausible_min,
)

META_KEYS = ("source", "confidence", "note")
#: Keys that date a value's publication and give what was believed before it.
KNOWN_KEYS = ("known", "prior")


@dataclass(frozen=True)
class Param:
    """A scenario value in canonical ``unit``: a float or a :class:`Distribution`."""

    value: float | dist.Distribution
    unit: str
    source: Source | None = None
    confidence: Confidence | None = None
    note: str | None = None
    written: str | None = field(default=None, compare=False)
    known: dt.date | None = None
    prior: Param | None = None

    @property
    def is_uncertain(self) -> bool:
        return isinstance(self.value, dist.Distribution)

    @property
    def central(self) -> float:
        """The value for deterministic runs (a distribution's median), in ``unit``."""
        return self.value.central() if self.is_uncertain else self.value

    @property
    def expected(self) -> float:
        """The expected value (the value itself when fixed), in ``unit``."""
        return self.value.expected() if self.is_uncertain else self.value


def param_error(message: str, subkey=None, *, at_key: bool = False) -> PydanticCustomError:
    """A validation error whose location may point inside the parameter's mapping
    (at the key itself when ``at_key``, e.g. for an unknown key)."""
    context = {"message": message, "subkey": subkey, "at_key": at_key}
    return PydanticCustomError("capsim", "{message}", context)


def nested_error(error: PydanticCustomError, *prefix: Any) -> PydanticCustomError:
    """``error`` with ``prefix`` put before its location inside the parameter."""
    context = error.context or {}
    inner = context.get("subkey")
    inner_path = () if inner is None else (inner if isinstance(inner, tuple) else (inner,))
    return param_error(
        context.get("message", error.message()),
        (*prefix, *inner_path),
        at_key=bool(context.get("at_key")),
    )


@dataclass(frozen=True)
class Bounds:
    """Closed bounds a parameter must respect, in canonical units."""

    ge: float | None = None
    le: float | None = None
    gt: float | None = None

    def check(
        self, number: float, expected: str, written: object, subkey: str | None, unit: str = ""
    ) -> None:
        if not math.isfinite(number):
            raise param_error(f"expected {expected}, found {shown(written)} (not finite)", subkey)
        limit = plausible_max(unit)
        if abs(number) > limit:
            largest = f"{limit:g} {unit}".strip()
            raise param_error(
                f"expected {expected} of at most {largest} in size, found {shown(written)} "
                f"({number:g} {unit}): beyond any plausible value".replace(" )", ")"),
                subkey,
            )
        if 0 < abs(number) < plausible_min(unit):
            raise param_error(
                f"expected {expected} of 0 or at least {plausible_min(unit):g} {unit} in "
                f"size, found {shown(written)} ({number:g} {unit}): below any plausible value",
                subkey,
            )
        broken = (
            (self.ge is not None and number < self.ge)
            or (self.le is not None and number > self.le)
            or (self.gt is not None and number <= self.gt)
        )
        if broken:
            raise param_error(
                f"expected {expected} {self.describe()}, found {shown(written)}", subkey
            )

    def describe(self) -> str:
        if self.ge == 0 and self.le == 1 and self.gt is None:
            return "between 0 and 1 (0-100 %)"
        parts = []
        if self.gt is not None:
            parts.append(f"> {self.gt:g}")
        if self.ge is not None:
            parts.append(f">= {self.ge:g}")
        if self.le is not None:
            parts.append(f"<= {self.le:g}")
        return "that is " + " and ".join(parts) if parts else ""


NO_BOUNDS = Bounds()
NON_NEGATIVE = Bounds(ge=0.0)


def parse_param(raw: Any, unit: str, bounds: Bounds = NO_BOUNDS) -> Param:
    """Read a parameter from its YAML form; raises a pydantic error with a clear message."""
    if isinstance(raw, Param):
        return raw
    expected = describe_unit(unit)
    if isinstance(raw, dict):
        return _parse_mapping(raw, unit, bounds, expected)
    return Param(_number(raw, unit, bounds, expected, None), unit, written=str(raw))


def _number(raw: Any, unit: str, bounds: Bounds, expected: str, subkey: str | None) -> float:
    try:
        number = parse_quantity(raw, unit)
    except UnitParseError as error:
        raise param_error(str(error), subkey) from None
    except TypeError:
        raise param_error(f"expected {expected}, found {shown(raw)}", subkey) from None
    bounds.check(number, expected, raw, subkey, unit)
    return number


def _parse_mapping(raw: dict, unit: str, bounds: Bounds, expected: str) -> Param:
    known, prior = _known(raw, unit, bounds)
    meta = {key: raw[key] for key in META_KEYS if key in raw}
    body = {key: val for key, val in raw.items() if key not in (*META_KEYS, *KNOWN_KEYS)}
    source = None
    if "source" in meta:
        try:
            source = parse_source(meta["source"])
        except SourceError as error:
            raise param_error(str(error), "source") from None
    confidence = meta.get("confidence")
    if confidence is not None and confidence not in ("H", "M", "L"):
        raise param_error(f"expected confidence H, M or L, found {shown(confidence)}", "confidence")
    note = meta.get("note")
    if "dist" in body:
        value = _distribution(body, unit, bounds, expected)
    elif set(body) == {"value"}:
        value = _number(body["value"], unit, bounds, expected, "value")
    else:
        unknown = _first_unknown(body, ("value",))
        if unknown is None:
            raise param_error(_explain_keys(body, "value or dist"))
        close = difflib.get_close_matches(
            str(unknown), ["value", "dist", *META_KEYS, *KNOWN_KEYS], n=1
        )
        hint = f"; did you mean {close[0]!r}?" if close else ""
        if str(unknown)[:1].isdigit():  # "{value: 1,000 W}": YAML splits at the comma
            hint = "; a comma inside { } separates entries: write 1000 W, not 1,000 W"
        raise param_error(
            f"unknown key {unknown!r}{hint} (expected value or dist, and optional "
            f"{', '.join((*META_KEYS, *KNOWN_KEYS))})",
            unknown,
            at_key=True,
        )
    written = None if isinstance(value, dist.Distribution) else str(body["value"])
    note = None if note is None else str(note)
    return Param(value, unit, source, confidence, note, written, known, prior)


def _known(raw: dict, unit: str, bounds: Bounds) -> tuple[dt.date | None, Param | None]:
    """The ``known`` date and ``prior`` value of a parameter's mapping (None when absent)."""
    if "prior" in raw and "known" not in raw:
        raise param_error(
            "'prior' is what was believed before a value became known: give 'known' too",
            "prior",
            at_key=True,
        )
    if "known" not in raw:
        return None, None
    written = raw["known"]
    if isinstance(written, dt.datetime):
        written = written.date()
    if isinstance(written, dt.date):
        known = written
    else:
        try:
            known = dt.date.fromisoformat(str(written).strip())
        except ValueError:
            raise param_error(
                f"expected the date the value became known (YYYY-MM-DD), found {written!r}",
                "known",
            ) from None
    if "prior" not in raw:
        return known, None
    try:
        return known, parse_param(raw["prior"], unit, bounds)
    except PydanticCustomError as error:
        raise nested_error(error, "prior") from None


def _distribution(body: dict, unit: str, bounds: Bounds, expected: str) -> dist.Distribution:
    kind = body["dist"]
    if not isinstance(kind, str) or kind not in dist.DISTRIBUTION_KEYS:
        choices = ", ".join(dist.DISTRIBUTION_KEYS)
        raise param_error(f"expected a distribution ({choices}), found {shown(kind)}", "dist")
    quantity_keys, number_keys = dist.DISTRIBUTION_KEYS[kind]
    allowed = ("dist", *quantity_keys, *number_keys)
    unknown = _first_unknown(body, allowed)
    if unknown is not None:
        raise param_error(
            f"unknown key {unknown!r} for a {kind} distribution; expected {', '.join(allowed[1:])}",
            unknown,
            at_key=True,
        )

    def quantity(key: str, raw: Any = None) -> float:
        if raw is None and key not in body:
            raise param_error(f"a {kind} distribution needs {key!r}", None)
        value_bounds = Bounds() if key == "sd" else bounds
        return _number(body[key] if raw is None else raw, unit, value_bounds, expected, key)

    try:
        built = _build(kind, body, quantity)
    except dist.DistributionError as error:
        message = str(error)
        if error.order is not None and {error.order[0], error.order[2]} <= body.keys():
            first, _, second = error.order  # the two values as written, with units
            message = dist.out_of_order(error.order, shown(body[first]), shown(body[second]))
        raise param_error(f"bad {kind} distribution: {message}", error.key) from None
    _check_mass_inside(built, bounds, body)
    return built


def _check_mass_inside(built: dist.Distribution, bounds: Bounds, body: dict) -> None:
    """Unbounded distributions (normal; lognormal, above) may not put more than 0.1 %
    outside a field's bounds."""
    if not isinstance(built, dist.Normal | dist.LogNormal):
        return
    outside = 0.0
    if bounds.ge is not None or bounds.gt is not None:
        outside += _below(built, bounds.ge if bounds.ge is not None else bounds.gt)
    if bounds.le is not None:
        outside += 1.0 - _below(built, bounds.le)
    if outside > 1e-3:
        kind = "normal" if isinstance(built, dist.Normal) else "lognormal"
        spread = next(key for key in ("sd", "p90", "p95", "sigma") if key in body)
        raise param_error(
            f"this {kind} distribution puts {outside:.1%} outside the allowed range "
            f"({bounds.describe()}); narrow it, or use a triangular, PERT or uniform",
            spread,
        )


def _below(built: dist.Normal | dist.LogNormal, bound: float) -> float:
    """The probability ``built`` draws below ``bound`` (its CDF, without scipy: validation
    imports no statistics library)."""
    if isinstance(built, dist.Normal):
        z = (bound - built.mean) / built.sd
    elif bound <= 0:
        return 0.0
    else:
        z = math.log(bound / built.median) / built.sigma
    return 0.5 * math.erfc(-z / math.sqrt(2.0))


def _build(kind: str, body: dict, quantity) -> dist.Distribution:
    if kind == "uniform":
        return dist.Uniform(quantity("low"), quantity("high"))
    if kind == "triangular":
        return dist.Triangular(quantity("low"), quantity("mode"), quantity("high"))
    if kind == "pert":
        lamb = _plain_number(body.get("lamb", 4.0), "lamb", "a number", 1e3)
        return dist.Pert(quantity("low"), quantity("mode"), quantity("high"), lamb)
    if kind == "normal":
        return dist.Normal(quantity("mean"), quantity("sd"))
    if kind == "lognormal":
        return _lognormal(body, quantity)
    return _choice(body, quantity)


def _lognormal(body: dict, quantity) -> dist.LogNormal:
    if set(body) == {"dist", "median", "sigma"}:
        sigma = _plain_number(body["sigma"], "sigma", "a number (log scale)", 10.0)
        return dist.LogNormal(quantity("median"), sigma)
    if "median" in body and "p90" in body and not {"p5", "p95", "sigma"} & set(body):
        return dist.LogNormal.from_median_p90(quantity("median"), quantity("p90"))
    if "p5" in body and "p95" in body and not {"median", "p90", "sigma"} & set(body):
        return dist.LogNormal.from_interval(quantity("p5"), quantity("p95"))
    raise param_error(
        "a lognormal needs 'median' and 'p90', 'p5' and 'p95', or 'median' and 'sigma'", None
    )


def _choice(body: dict, quantity) -> dist.Choice:
    values = body.get("values")
    if not isinstance(values, list) or not values:
        raise param_error(f"a choice needs a list of 'values', found {shown(values)}", "values")
    numbers = [quantity(f"values[{index}]", raw) for index, raw in enumerate(values)]
    weights = body.get("weights", [1.0] * len(values))
    if not isinstance(weights, list):
        raise param_error(
            f"expected a list of numbers for 'weights', found {shown(weights)}", "weights"
        )
    weight_numbers = [
        _plain_number(w, f"weights[{index}]", "a number", 1e12) for index, w in enumerate(weights)
    ]
    return dist.Choice(tuple(numbers), tuple(weight_numbers))


def _plain_number(raw: Any, key: str, expected: str, limit: float) -> float:
    """A number without a unit at ``key``: not a boolean, finite, at most ``limit`` in size."""
    if isinstance(raw, bool) or not isinstance(raw, int | float):
        raise param_error(f"expected {expected} for {key!r}, found {shown(raw)}", key)
    if not math.isfinite(raw) or abs(raw) > limit:
        raise param_error(
            (
                f"expected {expected} for {key!r}, finite and at most {limit:g} in size"
                f", found {shown(raw)}"
            ),
            key,
        )
    return float(raw)


def _first_unknown(body: dict, allowed: tuple[str, ...]) -> str | None:
    return next((key for key in body if key not in allowed), None)


def _explain_keys(body: dict, wanted: str) -> str:
    found = ", ".join(repr(key) for key in body) or "nothing"
    return f"expected a mapping with {wanted} (and optional {', '.join(META_KEYS)}), found {found}"


DEFAULT_SOURCE = Source("assumption", "assumption: capsim default")


def default_param(raw: Any, unit: str) -> Param:
    """A field's default value, sourced as a capsim default."""
    return replace(parse_param(raw, unit), source=DEFAULT_SOURCE)


def dump_param(param: Param) -> Any:
    """The YAML form of ``param`` that :func:`parse_param` reads back to an equal Param."""
    if param.is_uncertain:
        body: dict[str, Any] = {"dist": param.value.kind}
        for name, number in param.value.parameters().items():
            body[name] = _dump_number(number, param.unit, name)
    else:
        body = {"value": _dump_number(param.value, param.unit, "value")}
    for key in META_KEYS:
        value = getattr(param, key)
        if value is not None:
            body[key] = str(value)
    if param.known is not None:
        body["known"] = param.known.isoformat()
    if param.prior is not None:
        body["prior"] = dump_param(param.prior)
    return body


def _dump_number(number: Any, unit: str, name: str) -> Any:
    if isinstance(number, tuple):
        return [_dump_number(item, unit, name) for item in number]
    if not unit or name in ("lamb", "weights", "sigma"):
        return float(number)
    return f"{float(number)!r} {unit}"


def Quantity(unit: str, *, ge: float | None = None, le: float | None = None, gt=None):
    """Annotated Param type for a pydantic field in canonical ``unit`` with bounds."""
    bounds = Bounds(ge=ge, le=le, gt=gt)
    return Annotated[
        Param,
        PlainValidator(lambda raw: parse_param(raw, unit, bounds)),
        PlainSerializer(dump_param),
        WithJsonSchema(_json_schema(unit)),
    ]


def _json_schema(unit: str) -> dict:
    scalar = {"type": "number"} if not unit else {"type": "string"}
    scalar = {"anyOf": [scalar, {"type": "number"}]} if not unit else scalar
    return {
        "description": f"{describe_unit(unit)}; bare, or a mapping with value or dist and source",
        "anyOf": [
            scalar,
            {
                "type": "object",
                "properties": {
                    "value": scalar,
                    "dist": {"enum": list(dist.DISTRIBUTION_KEYS)},
                    "source": {"type": "string"},
                    "confidence": {"enum": ["H", "M", "L"]},
                    "note": {"type": "string"},
                    "known": {"type": "string", "description": "date the value became known"},
                    "prior": {"description": "the value believed before it became known"},
                },
            },
        ],
    }


AnyParam = Annotated[
    Param,
    PlainValidator(lambda raw: raw if isinstance(raw, Param) else parse_param(raw, "")),
    PlainSerializer(dump_param),
    WithJsonSchema({"description": "a quantity in the unit its context names"}),
]
Fraction = Quantity("", ge=0.0, le=1.0)
Duration = Quantity("month", ge=0.0)
Power = Quantity("W", ge=0.0)
Money = Quantity("USD", ge=0.0)
