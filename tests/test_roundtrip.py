"""Round trip of scenarios: validate -> dump_scenario -> loads_scenario gives an equal Scenario,
and dumping that again gives the same text.

The property test starts from ``chain_data()`` and randomises almost every value: bare
quantities in varied units ("2 kW" vs "2000 W"), percentages, every distribution kind,
sources of every kind, dated series with expansions, optional fields present or absent,
and the optional tables (export rules, funding, claims, risks, correlations). The market
keys are drawn too: each supplier's shares, contracts (share or volume, dated, take or
pay), allocation rule and priority; HBM vendors given as stacks or as wafers with
generations, tooling and a conversion time (a second vendor ``w`` sometimes); a product's
production window and HBM sourcing; a programme's volume series and letter of intent.
"""

from __future__ import annotations

import datetime as dt
import itertools
import re
from pathlib import Path
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import chain_data
from capsim.scenario import semantic
from capsim.scenario.document import Scenario
from capsim.scenario.io import dump_scenario
from capsim.scenario.loader import load_scenario, loads_scenario
from capsim.scenario.walk import iter_params
from capsim.seeds import load_seed_facts

ROOT = Path(__file__).resolve().parents[1]
SCENARIO_FILES = sorted((ROOT / "scenarios").glob("*.yaml"))
SEED_IDS = sorted(load_seed_facts())

# How each canonical unit may be written: unit spellings for "<number> <unit>", or a
# template with "{}" for the number (money is written with a prefix).
SPELLINGS: dict[str, list[str]] = {
    "W": ["W", "kW", "MW", "GW"],
    "month": ["month", "months", "year", "years", "week", "weeks", "day", "days"],
    "USD": ["USD {}", "${}", "US$ {}", "{} USD", "USD {} billion", "USD {} million"],
    "": ["{}"],
    "mm**2": ["mm^2", "mm**2", "cm^2"],
    "mm": ["mm", "cm", "inch"],
    "1/cm**2": ["/cm^2", "1/cm**2", "/mm^2"],
    "GB": ["GB", "GiB", "TB"],
    "wafer/month": ["wafer/month", "kwafer/month", "wafer/year", "wafer / week"],
    "stack/month": ["stack/month", "kstack/month", "stack/year"],
    "stack/wafer": ["stack/wafer"],
    "package/month": ["package/month", "GPU/year", "accelerator/month"],
    "package/wafer": ["package/wafer", "GPU/wafer"],
    "die/package": ["die/package", "die/GPU"],
    "stack/package": ["stack/package", "stack/GPU"],
    "package/rack": ["package/rack", "GPU/rack"],
    "rack/month": ["rack/month", "rack/week"],
    "count/month": ["transformer/year", "turbine/month", "unit/year"],
    "FLOP/s": ["FLOP/s", "TFLOP/s", "PFLOP/s"],
    "package": ["package", "GPU", "accelerator"],
    "H100e/month": ["H100e/month", "H100e/year"],
    "USD/W": ["USD {}/W", "USD {}/GW", "{} USD/kW"],
    "USD/package": ["USD {}/package", "{} USD/GPU"],
}

PUBLISHERS = ["TrendForce", "Reuters", "NVIDIA GTC", "SK hynix release", "Epoch AI"]
TRICKY_TEXT = ["yes", "NO", "null", "~", "1.5", "2026-01-01", "- item", "#hash", "a: b", " pad "]

TEXTS = st.one_of(
    st.sampled_from(TRICKY_TEXT),
    st.text(st.characters(codec="utf-8", exclude_categories=("Cs", "Cc")), max_size=20),
)


def _spell(number: str, spelling: str) -> str:
    return spelling.format(number) if "{}" in spelling else f"{number} {spelling}"


@st.composite
def numbers(draw, count: int, low: int, high: int) -> list[str]:
    """``count`` distinct numbers from ``low`` to ``high`` as written in YAML, increasing."""
    scale = draw(st.sampled_from([1, 10, 100]))
    ints = draw(
        st.lists(
            st.integers(low * scale, high * scale),
            min_size=count,
            max_size=count,
            unique=True,
        )
    )
    ints.sort()
    return [str(n) if scale == 1 else repr(n / scale) for n in ints]


SOURCES = st.one_of(
    st.sampled_from(SEED_IDS).map(lambda sid: f"seed:{sid}"),
    st.builds(
        lambda who, year, month, day: (
            f"{who}, {year}-{month:02d}" + ("" if day is None else f"-{day:02d}")
        ),
        st.sampled_from(PUBLISHERS),
        st.integers(2019, 2030),
        st.integers(1, 12),
        st.none() | st.integers(1, 28),
    ),
    st.just("assumption"),
    st.sampled_from(["usual slack", "test case", "NO"]).map(lambda why: f"assumption: {why}"),
    st.just("calibrated against runs/base.nc (2025-06)"),
)


@st.composite
def meta(draw) -> dict[str, Any]:
    """Optional source, confidence and note of a parameter."""
    found: dict[str, Any] = {}
    if draw(st.booleans()):
        found["source"] = draw(SOURCES)
    if draw(st.booleans()):
        found["confidence"] = draw(st.sampled_from(["H", "M", "L"]))
    if draw(st.integers(0, 3)) == 0:
        found["note"] = draw(TEXTS)
    return found


META = meta()


def _scaled(quantity: Any, factor: float) -> Any:
    """``quantity`` (a number, or text 'NUMBER UNIT' / 'NUMBER %') times ``factor``."""
    if isinstance(quantity, int | float):
        return quantity * factor
    match = re.search(r"[-+]?(?:\d+\.?\d*|\.\d+)(?:[eE][-+]?\d+)?", str(quantity))
    scaled = repr(float(match.group()) * factor)
    return f"{quantity[: match.start()]}{scaled}{quantity[match.end() :]}"


@st.composite
def quantity_values(
    draw, unit: str, count: int, low: int, high: int, *, percent: bool = False, divisor: int = 1
):
    """``count`` increasing values in one spelling of ``unit`` (for one distribution)."""
    written = draw(numbers(count, low, high))
    if divisor != 1:
        written = [repr(float(n) / divisor) for n in written]
    if percent:
        style = draw(st.sampled_from(["fraction", "percent", "tight"]))
        if style == "fraction":
            return [repr(float(n) / 100) for n in written]
        return [f"{n} %" if style == "percent" else f"{n}%" for n in written]
    if unit == "":
        return [float(n) if draw(st.booleans()) else n for n in written]
    spelling = draw(st.sampled_from(SPELLINGS[unit]))
    return [_spell(n, spelling) for n in written]


@st.composite
def params(
    draw,
    unit: str,
    *,
    low: int = 1,
    high: int = 5000,
    percent: bool = False,
    divisor: int = 1,
    bare: bool = True,
    uncertain: bool = True,
) -> Any:
    """A parameter in any of its YAML forms, with values from ``low`` to ``high`` (divided by
    ``divisor``); ``percent`` values lie in 0-100 %."""
    if percent:
        low, high = max(low, 0), min(high, 100)
    kinds = ["value"]
    if bare:
        kinds.append("bare")
    if uncertain:
        kinds += ["uniform", "triangular", "pert", "normal", "lognormal", "choice"]
    kind = draw(st.sampled_from(kinds))

    def values(count: int, lo: int = low) -> list[Any]:
        return draw(quantity_values(unit, count, lo, high, percent=percent, divisor=divisor))

    if kind == "bare":
        return values(1)[0]
    body: dict[str, Any]
    if kind == "value":
        body = {"value": values(1)[0]}
    elif kind == "uniform":
        low_value, high_value = values(2)
        body = {"dist": "uniform", "low": low_value, "high": high_value}
    elif kind in ("triangular", "pert"):
        first, middle, last = values(3)
        mode = draw(st.sampled_from([first, middle, last]))  # may equal low or high
        body = {"dist": kind, "low": first, "mode": mode, "high": last}
        if kind == "pert" and draw(st.booleans()):
            body["lamb"] = draw(st.sampled_from([1, 2.5, 4, 6.0]))
    elif kind == "normal":
        # A normal may not put more than 0.1 % outside a field's bounds: keep the sd
        # small beside a mean well inside them.
        floor = max(low, 1)
        (mean,) = values(1, floor + max(0, (high - floor) // 2) + 1)
        if percent:
            (mean,) = draw(quantity_values(unit, 1, 10, 50, percent=True, divisor=divisor))
        body = {"dist": "normal", "mean": mean, "sd": _scaled(mean, 0.001)}
    elif kind == "lognormal":
        # nor may a lognormal: a median well inside the bounds, narrow beside it
        if percent:
            (smaller,) = draw(quantity_values(unit, 1, 10, 50, percent=True, divisor=divisor))
        else:
            floor = max(low, 1)
            (smaller,) = values(1, floor + max(0, (high - floor) // 2) + 1)
        body = _lognormal(draw, smaller)
    else:
        count = draw(st.integers(1, 4))
        options = values(count)
        body = {"dist": "choice", "values": draw(st.permutations(options))}
        if draw(st.booleans()):
            weights = draw(
                st.lists(st.sampled_from([0, 0.5, 1, 2, 3.25]), min_size=count, max_size=count)
            )
            weights[draw(st.integers(0, count - 1))] = draw(st.sampled_from([1, 0.25, 7]))
            body["weights"] = weights  # >= 0 with a positive sum
    body.update(draw(META))
    return body


def _lognormal(draw, smaller: Any) -> dict[str, Any]:
    """A narrow lognormal about ``smaller`` in one of its three forms."""
    form = draw(st.sampled_from(["median_p90", "p5_p95", "median_sigma"]))
    larger = _scaled(smaller, 1.01)
    if form == "median_p90":
        return {"dist": "lognormal", "median": smaller, "p90": larger}
    if form == "p5_p95":
        return {"dist": "lognormal", "p5": smaller, "p95": larger}
    return {"dist": "lognormal", "median": smaller, "sigma": draw(st.sampled_from([0.002, 0.005]))}


DATES = st.dates(min_value=dt.date(2020, 1, 1), max_value=dt.date(2034, 12, 31))


@st.composite
def dates(
    draw, *, after: dt.date | None = None, until: dt.date = dt.date(2035, 12, 31)
) -> tuple[dt.date, Any]:
    """A date strictly after ``after``, at most ``until``, and how it is written (ISO day,
    month, or a date)."""
    low = dt.date(2020, 1, 1) if after is None else after + dt.timedelta(days=1)
    day = draw(st.dates(min_value=low, max_value=max(low, until)))
    styles = ["iso", "date"] + (["month"] if day.day == 1 else [])
    style = draw(st.sampled_from(styles))
    if style == "iso":
        return day, day.isoformat()
    if style == "month":
        return day, day.strftime("%Y-%m")
    return day, day


def _written(written_date: tuple[dt.date, Any]) -> Any:
    return written_date[1]


@st.composite
def series(draw, unit: str, *, percent: bool = False, high: int = 5000) -> Any:
    """A series: one parameter, a list of dated points, or points with expansions."""
    form = draw(st.sampled_from(["constant", "list", "full"]))
    if form == "constant":
        return draw(params(unit, percent=percent, high=high))
    days = sorted(draw(st.lists(DATES, min_size=1, max_size=4, unique=True)))
    points = []
    for day in days:
        point = draw(params(unit, percent=percent, high=high, bare=False))
        written: Any = day if draw(st.booleans()) else day.isoformat()
        points.append({"date": written, **point})
    if form == "list":
        return points
    full: dict[str, Any] = {"points": points}
    if draw(st.booleans()):
        expansions = []
        for _ in range(draw(st.integers(0, 3))):
            expansion: dict[str, Any] = {"date": draw(DATES).isoformat()}
            expansion["add"] = draw(params(unit, percent=percent, high=high))
            if draw(st.booleans()):
                expansion["ramp"] = draw(params("month", low=0, high=36))
            expansion.update(draw(META))
            expansions.append(expansion)
        full["expansions"] = expansions
    if draw(st.booleans()):
        full["interpolation"] = draw(st.sampled_from(["linear", "step"]))
    return full


DESIGNERS = ["d", "e", "NO", "2025", "y"]  # "d" designs the product; the others buy elsewhere


@st.composite
def portions(draw, count: int, *, whole: bool = False) -> list[int]:
    """``count`` whole percentages that add up to at most 100 (to 100 if ``whole``)."""
    if count == 0:
        return []
    cuts = sorted(draw(st.lists(st.integers(0, 100), min_size=count - 1, max_size=count - 1)))
    last = 100 if whole else draw(st.integers(cuts[-1] if cuts else 0, 100))
    bounds = [0, *cuts, last]
    return [b - a for a, b in itertools.pairwise(bounds)]


def _fraction(draw, amount: int) -> Any:
    """``amount`` percent written as a percentage, a fraction or a parameter mapping."""
    style = draw(st.sampled_from(["percent", "fraction", "value"]))
    if style == "percent":
        return f"{amount} %"
    if style == "fraction":
        return amount / 100
    return {"value": f"{amount}%", **draw(META)}


@st.composite
def contracts(draw, names: list[str], amounts: dict[str, int]) -> dict[str, Any]:
    """A contract per designer of ``names``: a share (of ``amounts``) or a volume, maybe
    dated (``from``, ``until`` after it) and take-or-pay."""
    found = {}
    for name in names:
        contract: dict[str, Any] = {}
        if name in amounts:
            contract["share"] = _fraction(draw, amounts[name])
        else:
            contract["volume"] = draw(series("wafer/month"))
        begin = None
        if draw(st.booleans()):
            begin, contract["from"] = draw(dates())
        _maybe(draw, contract, "until", dates(after=begin).map(_written))
        _maybe(draw, contract, "take_or_pay", st.booleans())
        _maybe(draw, contract, "source", SOURCES)
        found[name] = contract
    return found


def _market(draw, owner: dict[str, Any]) -> None:
    """Redraw a supplier's reservations and rule: designers with ``shares`` or
    ``contracts`` (one of them each; shares and contracted shares add up to at most
    100 %), ``allocation`` and a ``priority`` naming known designers."""
    for key in ("shares", "contracts", "allocation", "priority"):
        owner.pop(key, None)
    names = draw(st.lists(st.sampled_from(DESIGNERS), unique=True, max_size=4))
    by_contract = [name for name in names if draw(st.booleans())]
    volumes = [name for name in by_contract if draw(st.booleans())]
    sharing = [name for name in names if name not in volumes]
    amounts = dict(zip(sharing, draw(portions(len(sharing))), strict=True))
    if set(names) - set(by_contract):
        owner["shares"] = {
            name: _fraction(draw, amounts[name]) for name in names if name not in by_contract
        }
    if by_contract:
        owner["contracts"] = draw(contracts(by_contract, amounts))
    rule = draw(st.sampled_from([None, "pro_rata", "priority"]))
    if rule is not None:
        owner["allocation"] = rule
    if rule == "priority":
        known = sorted({"d", *names})
        order = draw(st.permutations(known))
        owner["priority"] = order[: draw(st.integers(1, len(order)))]


def _maybe(draw, data: dict[str, Any], key: str, strategy: st.SearchStrategy) -> None:
    """Set ``data[key]`` from ``strategy`` or remove it (an optional field)."""
    if draw(st.booleans()):
        data[key] = draw(strategy)
    else:
        data.pop(key, None)


@st.composite
def scenario_data(draw) -> dict[str, Any]:
    """chain_data() with (nearly) every value redrawn; valid by construction."""
    data = chain_data()
    start, start_written = draw(dates())
    end, end_written = draw(dates(after=start))
    data["horizon"] = {"start": start_written, "end": end_written}
    one_month = st.sampled_from(
        ["1 month", "1 months", {"value": "1 month", "source": "assumption"}]
    )
    _maybe(draw, data["horizon"], "step", one_month)  # only monthly steps are supported
    _maybe(draw, data, "description", TEXTS)
    _maybe(draw, data, "seed", st.integers(0, 2**31))
    _maybe(draw, data, "samples", st.integers(1, 5000))
    if draw(st.booleans()):
        data["capsim"] = 1
    precisions = _product(draw, data["products"]["p"])
    _capacity(draw, data)
    _programme(draw, data["programmes"]["g"])
    _site(draw, data["sites"]["s"], with_turbines="gt" in data["suppliers"])
    _tables(draw, data, (start, end), precisions)
    _risks(draw, data)
    return data


def _product(draw, product: dict[str, Any]) -> list[str]:
    product["tdp"] = draw(params("W"))
    product["it_power"] = draw(params("W"))
    product["h100e"] = draw(params("", low=1, high=10))
    product["packages_per_rack"] = draw(params("package/rack", high=144))
    product["lead_time"] = draw(params("month", low=0, high=12))
    _maybe(draw, product, "price", params("USD/package"))
    _maybe(draw, product, "description", TEXTS)
    _maybe(draw, product, "source", SOURCES)
    _maybe(draw, product, "note", TEXTS)
    if draw(st.booleans()):
        window: dict[str, Any] = {}
        begin = None
        if draw(st.booleans()):
            begin, window["from"] = draw(dates())
        _maybe(draw, window, "until", dates(after=begin).map(_written))
        _maybe(draw, window, "source", SOURCES)
        product["available"] = window
    precisions = draw(st.lists(st.sampled_from(["FP4", "FP8", "BF16"]), unique=True, max_size=3))
    product["flops"] = {name: draw(params("FLOP/s")) for name in precisions}
    product["logic"]["compute_dies"] = draw(params("die/package", high=4))
    product["logic"]["die_area"] = draw(params("mm**2", high=850))
    product["hbm"]["stacks"] = draw(params("stack/package", high=16))
    _maybe(draw, product["hbm"], "capacity_per_stack", params("GB", high=64))
    product["packaging"]["packages_per_wafer"] = draw(params("package/wafer", high=30))
    return precisions


def _capacity(draw, data: dict[str, Any]) -> None:
    fab = data["logic_fabs"]["f"]
    fab["wafer_starts"] = draw(series("wafer/month"))
    _market(draw, fab)
    fab["defect_density"] = draw(params("1/cm**2", low=0, high=5))
    fab["cycle_time"] = draw(params("month", low=0, high=6))
    _maybe(draw, fab, "yield_model", st.sampled_from(["poisson", "murphy"]))
    _maybe(draw, fab, "wafer_diameter", params("mm", low=100, high=450))
    _maybe(draw, fab, "source", SOURCES)
    _maybe(draw, fab, "note", TEXTS)

    line = data["packaging"]["c"]
    line["capacity"] = draw(series("wafer/month"))
    _market(draw, line)
    line["yield"] = draw(params("", percent=True))
    line["cycle_time"] = draw(params("month", low=0, high=6))
    _maybe(draw, line, "source", SOURCES)

    vendors = ["v", "w"] if draw(st.booleans()) else ["v"]
    for vid in vendors:
        data["hbm_vendors"][vid] = _vendor(draw)
    if draw(st.booleans()):
        chosen = draw(st.lists(st.sampled_from(vendors), unique=True, min_size=1))
        data["products"]["p"]["hbm"]["sourcing"] = {
            vid: draw(params("", low=1, high=10)) for vid in chosen
        }

    supplier = data["suppliers"]["tx"]
    supplier["output"] = draw(params("count/month", high=400))
    _maybe(draw, supplier, "backlog", params("", low=0, high=800))
    _maybe(draw, supplier, "lead_time", params("month", low=0, high=36))
    _maybe(draw, supplier, "price", params("USD"))
    _maybe(draw, supplier, "source", SOURCES)
    if draw(st.booleans()):
        data["suppliers"]["gt"] = {
            "kind": draw(st.sampled_from(["turbine", "other"])),
            "output": draw(params("count/month", high=100)),
        }


def _vendor(draw) -> dict[str, Any]:
    """An HBM vendor that makes HBM4 (the product's generation; a generation nobody makes
    is an error) and lists ``p`` in its qualifications: stacks by generation, or wafers
    with generations, tooling that adds up to 100 % and a conversion time."""
    vendor: dict[str, Any] = {}
    generations = draw(st.lists(st.sampled_from(["HBM4", "HBM3E"]), unique=True, min_size=1))
    generations = sorted({"HBM4", *generations})
    if draw(st.booleans()):
        vendor["capacity"] = {name: draw(series("stack/month")) for name in generations}
    else:
        vendor["wafers"] = draw(series("wafer/month"))
        vendor["generations"] = {}
        for name in generations:
            generation = {
                "stacks_per_wafer": draw(params("stack/wafer", high=40)),
                "yield": draw(params("", percent=True)),
            }
            _maybe(draw, generation, "source", SOURCES)
            vendor["generations"][name] = generation
        # Every wafer starts set up for one of the generations (tooling adds up to 100 %).
        tooled = draw(st.lists(st.sampled_from(generations), unique=True, min_size=1))
        amounts = draw(portions(len(tooled), whole=True))
        vendor["tooling"] = {
            name: _fraction(draw, a) for name, a in zip(tooled, amounts, strict=True)
        }
        _maybe(draw, vendor, "conversion_time", params("month", low=0, high=12))
    if draw(st.booleans()):
        _market(draw, vendor)
    vendor["lead_time"] = draw(params("month", low=0, high=9))
    qualification = st.one_of(
        st.just("never"),
        dates().map(_written),
        st.fixed_dictionaries(
            {"date": st.one_of(st.just("never"), dates().map(_written))},
            optional={"slip": params("month", low=0, high=9), "source": SOURCES, "note": TEXTS},
        ),
    )
    vendor["qualification"] = {"p": draw(qualification)}
    _maybe(draw, vendor, "source", SOURCES)
    return vendor


def _programme(draw, programme: dict[str, Any]) -> None:
    programme_start, programme["start"] = draw(dates())
    if draw(st.booleans()):
        del programme["target_packages"]
        programme["target_power"] = draw(params("W"))
        programme["power_basis"] = draw(st.sampled_from(["it", "facility"]))
    else:
        programme["target_packages"] = draw(params("package"))
    _maybe(draw, programme, "priority", st.integers(1, 9))
    _maybe(draw, programme, "share", params("", percent=True))
    _maybe(draw, programme, "volume", series("package/month"))
    if draw(st.booleans()):
        letter = {"probability": draw(params("", percent=True)), "by": draw(dates().map(_written))}
        _maybe(draw, letter, "source", SOURCES)
        programme["letter_of_intent"] = letter
    _maybe(draw, programme, "end", dates(after=programme_start).map(_written))
    _maybe(draw, programme, "budget", params("USD"))
    _maybe(draw, programme, "source", SOURCES)
    _maybe(draw, programme, "note", TEXTS)


def _site(draw, site: dict[str, Any], *, with_turbines: bool) -> None:
    buildings = []
    for index in range(draw(st.integers(1, 3))):
        building: dict[str, Any] = {
            "id": f"b{index + 1}",
            "it_capacity": draw(params("W")),
            "start": draw(dates().map(_written)),
        }
        for stage in ("permits", "shell", "fit_out", "cooling", "commissioning"):
            building[stage] = draw(params("month", low=0, high=24))
        _maybe(draw, building, "transformers", params("", low=0, high=8))
        _maybe(draw, building, "source", SOURCES)
        buildings.append(building)
    site["buildings"] = buildings
    power: dict[str, Any] = {}
    _maybe(draw, power, "existing", params("W", low=0))
    if draw(st.booleans()):
        power["grid"] = {
            "capacity": draw(params("W")),
            "requested": draw(dates().map(_written)),
            "wait": draw(params("month", low=0, high=60)),
        }
        _maybe(draw, power["grid"], "source", SOURCES)
    if with_turbines and draw(st.booleans()):
        power["onsite"] = [
            {
                "supplier": "gt",
                "units": draw(params("", low=0, high=20)),
                "unit_capacity": draw(params("W")),
                "ordered": draw(dates().map(_written)),
                "install": draw(params("month", low=0, high=12)),
            }
        ]
    site["power"] = power
    site["pue"] = draw(params("", low=100, high=200, divisor=100))
    site["crews"] = draw(params("", low=1, high=50))
    site["crew_rate"] = draw(params("rack/month", high=500))
    site["burn_in"] = draw(params("month", low=0, high=3))
    _maybe(draw, site, "operator", TEXTS)
    _maybe(draw, site, "capex", params("USD/W", high=50))
    _maybe(draw, site, "source", SOURCES)
    _maybe(draw, site, "note", TEXTS)


def _tables(
    draw, data: dict[str, Any], horizon: tuple[dt.date, dt.date], precisions: list[str]
) -> None:
    start, end = horizon
    if draw(st.booleans()):
        rule_start, rule_start_written = draw(dates())
        rule: dict[str, Any] = {
            "destination": draw(st.sampled_from(["CN", "AE", "NO"])),
            "cap": draw(params("H100e/month")),
            "start": rule_start_written,
        }
        _maybe(draw, rule, "end", dates(after=rule_start).map(_written))
        _maybe(draw, rule, "products", st.just(["p"]))
        _maybe(draw, rule, "source", SOURCES)
        data["export_rules"] = {"cn": rule}
    if draw(st.booleans()):
        data["funding"] = {
            "tranches": {
                "programme": "g",
                "funder": "fund",
                "amount_per_step": draw(params("USD")),
                "step": draw(params("W")),
                "basis": draw(st.sampled_from(["it", "facility"])),
                "cap": draw(params("USD")),
            }
        }
    milestones = data["milestones"]
    milestones["first-gw"]["threshold"] = draw(params("W"))
    if precisions and draw(st.booleans()):
        milestones["flops"] = {
            "quantity": "flops_online",
            "threshold": draw(params("FLOP/s")),
            "product": "p",
            "precision": draw(st.sampled_from(precisions)),
            "note": draw(TEXTS),
        }
    if draw(st.booleans()):
        milestones["money"] = {
            "quantity": draw(st.sampled_from(["capex_spent", "funding_received"])),
            "threshold": draw(params("USD")),
        }
        _maybe(draw, milestones["money"], "programme", st.just("g"))
    if draw(st.booleans()):
        milestones["site"] = {
            "quantity": "packages_installed",
            "threshold": draw(params("package")),
        }
        milestones["site"]["site"] = "s"
    if draw(st.booleans()):
        data["claims"] = {
            "claim": {
                "milestone": "first-gw",
                # within the horizon: a run cannot judge a claim due after it
                "by": draw(dates(after=start - dt.timedelta(days=1), until=end).map(_written)),
                "statement": draw(TEXTS),
                "source": draw(SOURCES),
            }
        }


def _risks(draw, data: dict[str, Any]) -> None:
    effects: dict[str, dict[str, Any]] = {}
    if draw(st.booleans()):
        effects["hbm"] = {"kind": "qualification_failure", "vendor": "v", "product": "p"}
    if draw(st.booleans()):
        effects["cowos"] = {
            "kind": "capacity_loss",
            "target": draw(st.sampled_from(["packaging.c", "logic_fabs.f", "hbm_vendors.v"])),
            "loss": draw(params("", percent=True)),
            "duration": draw(params("month", low=0, high=12)),
        }
    if draw(st.booleans()):
        has_grid = "grid" in data["sites"]["s"]["power"]
        what = draw(st.sampled_from(["grid", "construction"] if has_grid else ["construction"]))
        effects["slip"] = {"kind": "delay", "site": "s", "what": what, "by": draw(params("month"))}
    risks = {}
    for name, effect in effects.items():
        risk = {
            "probability": draw(params("", percent=True)),
            "date": draw(dates().map(_written)),
            "effect": effect,
        }
        _maybe(draw, risk, "source", SOURCES)
        _maybe(draw, risk, "note", TEXTS)
        risks[name] = risk
    data["risks"] = risks


def assert_round_trip(scenario: Scenario) -> None:
    text = dump_scenario(scenario)
    again = loads_scenario(text)
    assert again == scenario
    assert dump_scenario(again) == text


@settings(
    max_examples=50,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(data=scenario_data(), correlate=st.booleans())
def test_random_scenarios_round_trip(data: dict[str, Any], correlate: bool) -> None:
    scenario = Scenario.model_validate(data)
    # Events' probabilities are not sampled (whether the event occurs is): not correlated.
    uncertain = [
        path
        for path, param in iter_params(scenario)
        if param.is_uncertain and not path.endswith(".probability")
    ]
    if correlate and len(uncertain) >= 2:
        data["correlations"] = [{"between": uncertain[:2], "rank": 0.5}]
        scenario = Scenario.model_validate(data)
    assert semantic.check(scenario) == []  # the strategy builds valid scenarios only
    assert_round_trip(scenario)


def test_chain_round_trips() -> None:
    assert_round_trip(Scenario.model_validate(chain_data()))


@pytest.mark.skipif(not SCENARIO_FILES, reason="no scenarios/*.yaml files")
@pytest.mark.parametrize("path", SCENARIO_FILES, ids=[path.name for path in SCENARIO_FILES])
def test_scenario_files_round_trip(path: Path) -> None:
    assert_round_trip(load_scenario(path))
