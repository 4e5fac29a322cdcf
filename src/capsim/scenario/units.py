"""Units: one pint registry for capsim, and parsing of quantities as people write them.

Canonical internal units: W for power, month for durations (1 month = 1/12 year),
USD for money, and per-month rates; counts carry capsim's own dimensions (wafer,
die, package, stack) so that "packages per wafer" cannot be confused with "per die".
"""

from __future__ import annotations

import contextlib
import math
import os
import re
import shutil
import sys
import tempfile
from functools import cache, lru_cache
from pathlib import Path

import pint

from capsim.scenario.problems import shown

#: capsim's units beyond pint's defaults (also in :data:`capsim.units.registry`).
UNIT_DEFINITIONS = (
    "wafer = [wafer]",
    "die = [die]",
    "package = [package]",
    "GPU = package",
    "accelerator = package",
    "stack = [hbm_stack]",
    "rack = [rack]",
    "USD = [currency] = usd",
    "FLOP = [flop]",
    "H100e = [h100_equivalent]",
    "unit = count",
    "transformer = count",
    "turbine = count",
    "user = count",
)


@cache
def registry() -> pint.UnitRegistry:
    """capsim's unit registry, built once per process, on first use.

    Building pint's default registry means parsing its definitions file (a tenth of a
    second or two); the parsed form is kept in the user's cache folder, one folder per
    pint and Python version, written whole, so that later processes load it instead. Without a
    usable cache the registry is built from the text, as pint does by default.
    """
    try:
        ureg = _cached_registry()
    except Exception:  # any trouble with the cache: build without it
        ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True)
    for definition in UNIT_DEFINITIONS:
        ureg.define(definition)
    return ureg


def _cached_registry() -> pint.UnitRegistry:
    import platformdirs

    version = f"pint-{pint.__version__}-py{sys.version_info[0]}.{sys.version_info[1]}"
    folder = platformdirs.user_cache_path("capsim", appauthor=False) / version
    if folder.is_dir():
        return pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=folder)
    folder.parent.mkdir(parents=True, exist_ok=True)
    scratch = Path(tempfile.mkdtemp(dir=folder.parent, prefix=".pint-"))
    try:
        ureg = pint.UnitRegistry(autoconvert_offset_to_baseunit=True, cache_folder=scratch)
        with contextlib.suppress(OSError):  # another process wrote it first
            os.rename(scratch, folder)  # readers only ever see a whole cache
    finally:
        shutil.rmtree(scratch, ignore_errors=True)
    return ureg


def __getattr__(name: str):
    """``ureg``: the registry (:func:`registry`), built when first asked for."""
    if name == "ureg":
        return registry()
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


_CURRENCY_PREFIX = re.compile(
    r"^\s*(?:USD|US\$|\$)\s*(?P<number>[-+0-9.eE_,]+)\s*(?P<scale>k|M|B|bn|T)?\b\s*(?P<rest>.*)$"
)
#: A scaled number before the currency (``10B USD``): without this pint reads ``B`` as
#: bytes, 8 bits, and ``10B USD`` as USD 80.
_CURRENCY_SCALED = re.compile(
    r"^\s*(?P<number>[-+0-9.eE_,]+)\s*(?P<scale>k|M|B|bn|T)\s*(?:USD|US\$|\$)(?P<rest>(?:\s|/).*)?$"
)
_SCALES = {"k": 1e3, "M": 1e6, "B": 1e9, "bn": 1e9, "T": 1e12}
_PERCENT = re.compile(r"^\s*(?P<number>[-+]?[0-9.]+(?:[eE][-+]?\d+)?)\s*%\s*$")
_MULTIPLIERS = {"thousand": 1e3, "million": 1e6, "billion": 1e9, "trillion": 1e12}

#: What each canonical unit is called in messages, and an example of how to write it.
KIND_NAMES: dict[str, tuple[str, str]] = {
    "W": ("a power", "1800 W"),
    "month": ("a duration", "18 months"),
    "USD": ("an amount of money", "USD 100e9"),
    "": ("a dimensionless number", "0.85"),
    "mm**2": ("an area", "750 mm^2"),
    "mm": ("a length", "300 mm"),
    "1/cm**2": ("a defect density", "0.1 /cm^2"),
    "GB": ("a memory capacity", "36 GB"),
    "wafer/month": ("a wafer rate", "35 kwafer/month"),
    "stack/month": ("an HBM stack rate", "1.2e6 stack/month"),
    "package/month": ("a package rate", "50000 package/month"),
    "package/wafer": ("packages per wafer", "14 package/wafer"),
    "die/package": ("dies per package", "2 die/package"),
    "stack/package": ("HBM stacks per package", "8 stack/package"),
    "package/rack": ("packages per rack", "72 package/rack"),
    "rack/month": ("a rack installation rate", "40 rack/week"),
    "count/month": ("a rate of equipment units", "80 turbine/year"),
    "FLOP/s": ("a compute rate", "50 PFLOP/s"),
    "package": ("a number of packages", "10000 GPU"),
    "H100e": ("a number of H100 equivalents", "50000 H100e"),
    "H100e/month": ("a rate of H100 equivalents", "50000 H100e/year"),
    "package/month/package": ("a rate", "1 /month"),
    "USD/W": ("money per power", "USD 10e9/GW"),
    "USD/package": ("a price per package", "USD 40000/package"),
}


#: The largest magnitude, in each canonical unit, that a scenario value may plausibly have:
#: orders of magnitude above any real figure (a price per package of USD 100 million,
#: 10 TW of power), so it catches a slipped exponent (USD 1e308), and far below what would
#: overflow a sum or a product in the model.
PLAUSIBLE_MAX: dict[str, float] = {
    "W": 1e13,
    "month": 1e5,
    "USD": 1e15,
    "": 1e9,
    "mm**2": 1e8,
    "mm": 1e6,
    "1/cm**2": 1e6,
    "GB": 1e8,
    "wafer/month": 1e9,
    "stack/wafer": 1e5,
    "stack/month": 1e11,
    "package/month": 1e11,
    "package/wafer": 1e5,
    "die/package": 1e4,
    "stack/package": 1e4,
    "package/rack": 1e6,
    "rack/month": 1e8,
    "count/month": 1e8,
    "FLOP/s": 1e22,
    "package": 1e12,
    "H100e": 1e12,
    "H100e/month": 1e12,
    "package/month/package": 1e4,
    "USD/W": 1e5,
    "USD/package": 1e8,
}
#: The limit for a unit the table does not name.
PLAUSIBLE_FALLBACK = 1e15
#: The smallest magnitude, in each canonical unit, that a value other than 0 may plausibly
#: have: nothing a scenario describes draws less than a milliwatt, and per-package powers
#: divide site powers (1e-300 W would make infinite packages).
PLAUSIBLE_MIN: dict[str, float] = {"W": 1e-3}


def plausible_max(canonical: str) -> float:
    """The largest plausible magnitude of a value in ``canonical`` units."""
    return PLAUSIBLE_MAX.get(canonical, PLAUSIBLE_FALLBACK)


def plausible_min(canonical: str) -> float:
    """The smallest plausible magnitude of a value other than 0 in ``canonical`` units
    (0 where any is plausible)."""
    return PLAUSIBLE_MIN.get(canonical, 0.0)


class UnitParseError(ValueError):
    """A quantity could not be read or has the wrong dimension."""


def describe_unit(canonical: str) -> str:
    """Human name of a canonical unit with an example, e.g. "a power, e.g. '1800 W'"."""
    name, example = KIND_NAMES.get(canonical, (f"a quantity in {canonical}", f"1 {canonical}"))
    return f"{name} (e.g. '{example}')"


_LEADING_NUMBER = re.compile(r"^\s*[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?")
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")
_RECIPROCAL = re.compile(r"(?<![\d.])1\s*/")
#: A unit's power (``mm^2``, ``m**-1``): right after the unit's name, one or two digits
#: (a power of a number, ``10**400``, is not a unit and could overflow or hang pint).
_EXPONENT = re.compile(r"(?<=[A-Za-z_])\s*(?:\^|\*\*)\s*[-+]?\d{1,2}(?![\d.])")


def _well_formed(text: str) -> bool:
    """One number, then a unit expression with no further numbers (except small powers
    of units)."""
    match = _LEADING_NUMBER.match(text)
    if match is None:
        return not re.search(r"\d", _IDENTIFIER.sub("", _EXPONENT.sub("", text)))
    rest = _IDENTIFIER.sub("", _EXPONENT.sub("", text[match.end() :]))
    rest = _RECIPROCAL.sub("/", rest)
    return not re.search(r"[\d.]", rest)


_THOUSANDS = re.compile(r"^(\s*[-+]?\d{1,3}(?:,\d{3})+)")


def _normalise_text(text: str) -> str | None:
    """Text pint can read, or None when it is not one number followed by a unit."""
    text = text.strip().replace("\u00d7", "*").replace("_", "")
    text = _THOUSANDS.sub(lambda m: m.group(1).replace(",", ""), text)
    match = _CURRENCY_PREFIX.match(text) or _CURRENCY_SCALED.match(text)
    if match:
        number = float(match["number"].replace(",", "")) * _SCALES.get(match["scale"] or "", 1.0)
        rest = (match["rest"] or "").strip()
        text = (
            f"{number!r} USD {rest}".strip() if rest.startswith("/") else f"{number!r} {rest} USD"
        )
    if not _well_formed(text.replace("%", "")):
        return None
    for word, factor in _MULTIPLIERS.items():
        text = re.sub(rf"\b{word}\b", f"* {factor:g}", text)
    return text.replace("%", " percent")


@lru_cache(maxsize=256)
def _unit(canonical: str) -> pint.Unit:
    ureg = registry()
    return ureg.Unit(canonical) if canonical else ureg.dimensionless


@lru_cache(maxsize=4096, typed=True)  # typed: True must not hit the entry of 1
def parse_quantity(raw: str | int | float, canonical: str) -> float:
    """Read ``raw`` (e.g. ``"35 kwafer/month"``) and return its magnitude in ``canonical`` units.

    Bare numbers are accepted only where ``canonical`` is dimensionless. Raises
    :class:`UnitParseError` with a message saying what was expected and what was found.
    """
    expected = describe_unit(canonical)
    target = _unit(canonical)
    if isinstance(raw, bool):
        raise UnitParseError(
            f"expected {expected}, found the boolean {str(raw).lower()} "
            "(yes, no, true, false, on and off are booleans in YAML, not numbers)"
        )
    if isinstance(raw, int | float):
        if target.dimensionless:
            return float(raw)
        raise UnitParseError(f"expected {expected}, found {shown(raw)} (a number without a unit)")
    percent = _PERCENT.match(raw)
    if percent and target.dimensionless:
        return float(percent["number"]) / 100.0
    normalised = _normalise_text(raw)
    if normalised is None:
        raise UnitParseError(f"expected {expected}, found {shown(raw)} (not one number and a unit)")
    try:
        quantity = registry().Quantity(normalised)
    except Exception as error:  # pint raises many types for unreadable text
        raise UnitParseError(
            f"expected {expected}, found {shown(raw)} ({_reason(error)})"
        ) from None
    if not isinstance(quantity, pint.Quantity):
        quantity = registry().Quantity(quantity)
    if quantity.dimensionality != target.dimensionality:
        found = (
            "a number without a unit"
            if quantity.dimensionless
            else f"{quantity.units:~}, which is {_kind_of(quantity.dimensionality)}"
        )
        raise UnitParseError(f"expected {expected}, found {shown(raw)} ({found})")
    try:
        value = float(quantity.to(target).magnitude)
    except OverflowError:
        value = math.inf
    if math.isinf(value) and math.isfinite(float(quantity.magnitude)):
        raise UnitParseError(f"expected {expected}, found {shown(raw)} (too large)")
    return value


#: Names of quantities a value is mistaken for that no scenario key takes.
_OTHER_KINDS = {
    "J": "an energy",
    "m/s": "a speed",
    "kg": "a mass",
    "K": "a temperature",
    "rack": "a number of racks",
    "wafer": "a number of wafers",
    "stack": "a number of HBM stacks",
    "die": "a number of dies",
}


@cache
def _kinds() -> dict[str, str]:
    """The name of each dimensionality a scenario key takes or a value is mistaken for
    (its text, as pint writes it)."""
    names: dict[str, str] = {}
    units = {unit: name for unit, (name, _) in KIND_NAMES.items() if unit} | _OTHER_KINDS
    for unit, name in units.items():
        names.setdefault(str(registry().Quantity(1, unit).dimensionality), name)
    return names


def _kind_of(dimensionality) -> str:
    """``dimensionality`` by name ("an energy"), else as pint writes it."""
    return _kinds().get(str(dimensionality), str(dimensionality))


def _reason(error: Exception) -> str:
    if isinstance(error, pint.UndefinedUnitError):
        return f"unknown unit {error.unit_names[0]!r}" if error.unit_names else "unknown unit"
    return "not a quantity"


def format_quantity(magnitude: float, canonical: str) -> str:
    """``magnitude`` in ``canonical`` units as short readable text: ``"1.8 kW"``,
    ``"56,310 USD/package"``, ``"800 mm**2"`` (power and FLOP/s with a prefix, other
    units as the scenario format writes them)."""
    if canonical in {"W", "FLOP/s"}:
        quantity = registry().Quantity(magnitude, _unit(canonical)).to_compact()
        magnitude, canonical = quantity.magnitude, f"{quantity.units:~C}"
    return f"{format_number(magnitude)} {canonical}".strip()


def format_number(value: float) -> str:
    """``value`` to 4 significant digits, with thousands separators from 1,000 to
    999,999,999,999 (``"56,310"``, ``"10,000,000,000"``) and exponents beyond."""
    value = float(value)
    if math.isfinite(value) and 1e3 <= abs(value) < 1e12:
        return f"{float(f'{value:.4g}'):,.0f}"
    return f"{value:.4g}"
