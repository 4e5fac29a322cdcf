"""Rich random worlds for property tests: valid scenarios that are meant to be simulated.

Unlike the round-trip strategy (``test_roundtrip.scenario_data``), which varies how values
are *written*, this one varies what the world *is*, in plausible magnitudes so that the
runs do something:

- supply: 2-4 products of 1-3 designers on 1-3 fabs and CoWoS lines, with production
  windows (``available``), two HBM generations, and HBM sourcing weights; capacities as
  constants, dated points or points with expansions;
- a market at every supplier: reserved ``shares``, ``contracts`` (a share or a volume
  series, dated or open, take-or-pay or not), held by the products' designers or by a
  buyer not modelled (``others``), and the rule for the rest (``pro_rata`` or
  ``priority`` with an order of designers);
- HBM vendors of both forms: finished stacks per generation (``capacity``), or TSV
  ``wafers`` with ``generations`` (stacks per wafer, yield), ``tooling`` and
  ``conversion_time``; qualifications dated, slipped, ``never`` or missing;
- one programme per product and up to 6 in all, mostly open from before the horizon so
  that buyers compete (package or power targets, priorities, contracted shares, volume
  series whose unfilled orders lapse or are carried, windows, budgets, destinations,
  letters of intent, intermediaries), 1-4 sites
  (buildings, transformers, existing / grid / on-site power, crews, burn-in, capex),
  now and then one shared by two programmes (each building naming its ``programme``),
  shared transformer and turbine suppliers with backlogs, export rules, funding tranches,
  milestones (thresholds of 0 and round ones included) with claims, risk events of every
  kind, and uncertain parameters of every distribution kind (optionally rank-correlated).

Shares (of suppliers and of programmes) add up to at most 100 % at their central
values, and a vendor's tooling to 100 %, as validation asks; their draws may add up to
more or less, which the model must absorb (reservations beyond a supplier's capacity and
contracted shares beyond a lot are scaled down in proportion; tooling is scaled to the
wafers). A quarter of the parameters
are uncertain, to keep the worlds quick to draw.

``worlds()`` draws a validated :class:`Scenario` together with one ``draw`` (key path ->
value) sampled through :class:`capsim.sweep.space.UncertainSpace` from uniforms that
Hypothesis chooses (so uncertain inputs, risk occurrences and letters of intent are
sampled and shrink), or ``None`` for a run at central values.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from typing import Any

import numpy as np
from hypothesis import strategies as st

from capsim.scenario import semantic
from capsim.scenario.document import Scenario
from capsim.sweep.space import UncertainSpace

DESIGNERS = ("nv", "amd", "goog")
#: A buyer that holds reservations at suppliers but has no product in the world.
OUTSIDE = "others"
GENERATIONS = ("HBM3E", "HBM4")
DESTINATIONS = ("US", "CN", "AE")
PRECISIONS = ("FP8", "BF16")
DISTRIBUTIONS = ("uniform", "triangular", "pert", "normal", "lognormal", "choice")


# -- numbers and parameters ---------------------------------------------------------------


def _round(x: float) -> float:
    """``x`` to 4 significant digits (readable YAML, shrinks to round numbers)."""
    return 0.0 if x == 0 else float(f"{x:.4g}")


@st.composite
def number(draw, low: float, high: float, *, zero: bool = False) -> float:
    """A number from ``low`` to ``high`` (log-uniform over wide positive ranges), or 0."""
    if zero and draw(st.integers(0, 7)) == 7:
        return 0.0
    if low > 0 and high / low > 50:
        exponent = draw(st.floats(math.log10(low), math.log10(high)))
        return _round(min(high, max(low, 10.0**exponent)))
    return _round(low + (high - low) * draw(st.integers(0, 1000)) / 1000)  # no 1e-300s


def _text(x: float, unit: str) -> Any:
    return x if unit == "" else f"{x!r} {unit}"


@st.composite
def param(
    draw,
    low: float,
    high: float,
    unit: str = "",
    *,
    zero: bool = False,
    bound: tuple[float, float] = (0.0, math.inf),
    uncertain: bool = True,
) -> Any:
    """A parameter whose central value lies in [low, high] (``unit`` as written after the
    number), bare, as ``{value}`` or as a distribution of any kind that is symmetric
    about that value (so the central value is the drawn one; a quarter of them) and whose
    written values stay inside ``bound``. (A lognormal, unbounded above, puts at most 0.1 %
    of its draws below the lower bound, as validation asks: e.g. a PUE below 1.)"""
    x = draw(number(low, high, zero=zero))
    if uncertain and draw(st.integers(0, 3)) == 0:  # a quarter of them uncertain
        kind = draw(st.sampled_from(DISTRIBUTIONS))
    else:
        kind = draw(st.sampled_from(["bare", "value"]))
    if kind == "bare":
        return _text(x, unit)
    if kind == "value":
        return {"value": _text(x, unit)}
    lo, hi = bound
    spread = draw(st.sampled_from([0.05, 0.2, 0.5]))
    half = min(spread * abs(x), x - lo, hi - x)  # symmetric and inside the bounds
    if not half > 1e-6 * max(abs(x), 1e-3):
        return _text(x, unit)  # no room to spread (e.g. 0 or a bound): a plain value
    a, b = _round(x - half), _round(x + half)
    if not a < x < b:
        return _text(x, unit)
    half = min(x - a, b - x)
    a, b = x - half, x + half
    if kind == "uniform":
        return {"dist": "uniform", "low": _text(a, unit), "high": _text(b, unit)}
    if kind in ("triangular", "pert"):
        body = {"dist": kind, "low": _text(a, unit), "mode": _text(x, unit)}
        body["high"] = _text(b, unit)
        return body
    if kind == "normal":  # 3.3 sd inside the bounds: < 0.1 % outside
        return {"dist": "normal", "mean": _text(x, unit), "sd": _text(half / 3.3, unit)}
    if kind == "lognormal" and math.isinf(hi) and x > 0:
        if lo > 0:  # at most 0.1 % below the lower bound, as validation asks
            sigma = min(0.3, math.log(x / lo) / 3.3)
            return {"dist": "lognormal", "median": _text(x, unit), "sigma": round(sigma, 6)}
        if draw(st.booleans()):
            return {"dist": "lognormal", "median": _text(x, unit), "p90": _text(b, unit)}
        return {"dist": "lognormal", "median": _text(x, unit), "sigma": 0.3}
    return {"dist": "choice", "values": [_text(v, unit) for v in (a, x, b)]}


def fraction(low: float = 0.0, high: float = 1.0, **kw: Any) -> st.SearchStrategy:
    return param(low, high, "", bound=(0.0, 1.0), **kw)


@st.composite
def share(draw, x: float) -> Any:
    """A share whose central value is ``x``, spread anywhere inside 0-100 % (so that
    draws of several shares may add up to more than 100 %), or written as a percentage."""
    written = draw(param(x, x, "", bound=(0.0, 1.0)))
    if draw(st.booleans()) and not isinstance(written, dict):
        return f"{x * 100:.1f} %"
    return written


@st.composite
def split(draw, count: int) -> list[float]:
    """``count`` central shares adding up to at most 100 % (now and then exactly 100 %,
    now and then 0 for some)."""
    weights = [draw(st.integers(1, 10)) if draw(st.integers(0, 7)) < 7 else 0 for _ in range(count)]
    fill = draw(st.sampled_from([0.3, 0.7, 0.9, 1.0]))
    total = sum(weights) or 1
    return [math.floor(fill * weight / total * 1000) / 1000 for weight in weights]


# -- dates ----------------------------------------------------------------------------------


def month_start(start: dt.date, offset: int) -> dt.date:
    year, month = divmod(start.month - 1 + offset, 12)
    return dt.date(start.year + year, month + 1, 1)


@st.composite
def date_at(draw, start: dt.date, low: int, high: int) -> tuple[dt.date, Any]:
    """A date ``low``..``high`` months after ``start`` and how it is written."""
    first = month_start(start, draw(st.integers(low, high)))
    day = first.replace(day=draw(st.sampled_from([1, 1, 10, 16, 28])))
    style = draw(st.sampled_from(["iso", "date"] + (["month"] if day.day == 1 else [])))
    written: Any = {"iso": day.isoformat(), "date": day, "month": day.strftime("%Y-%m")}[style]
    return day, written


def written(pair: tuple[dt.date, Any]) -> Any:
    return pair[1]


@st.composite
def window(draw, start: dt.date, months: int, low: int = -12) -> dict[str, Any]:
    """``{from, until}`` with either end missing (``until`` after ``from``)."""
    body: dict[str, Any] = {}
    begin = None
    if draw(st.booleans()):
        begin, body["from"] = draw(date_at(start, low, months))
    if draw(st.integers(0, 2)) > 0 or not body:
        end, end_written = draw(date_at(start, low, months + 3))
        if begin is None or end > begin:
            body["until"] = end_written
    return body


@dataclasses.dataclass(frozen=True)
class Frame:
    """The horizon and the ids of a world being drawn."""

    start: dt.date
    months: int
    designers: list[str]
    fabs: list[str]
    lines: list[str]
    vendors: list[str]
    products: list[str]
    modelled: tuple[str, ...] = ()
    """The designers with products (known once the products are drawn)."""


# -- series -----------------------------------------------------------------------------------


@st.composite
def series(draw, frame: Frame, low: float, high: float, unit: str, *, zero: bool = True) -> Any:
    """A capacity (or volume) series: constant, dated points, or points with expansions
    (values of 0 among them when ``zero``)."""
    start, months = frame.start, frame.months
    form = draw(st.sampled_from(["constant", "points", "full"]))
    if form == "constant":
        return draw(param(low, high, unit, zero=zero))
    offsets = sorted(draw(st.sets(st.integers(-12, months + 2), min_size=1, max_size=4)))
    points = []
    for offset in offsets:
        day = month_start(start, offset).replace(day=draw(st.sampled_from([1, 15])))
        value = draw(param(low, high, unit, zero=zero))
        body = value if isinstance(value, dict) else {"value": value}
        points.append({"date": day.isoformat(), **body})
    if form == "points":
        return points
    full: dict[str, Any] = {"points": points}
    expansions = []
    for _ in range(draw(st.integers(0, 2))):
        expansion: dict[str, Any] = {
            "date": written(draw(date_at(start, -6, months))),
            "add": draw(param(low, high, unit)),
        }
        if draw(st.booleans()):
            expansion["ramp"] = draw(param(0.0, 12.0, "month", zero=True))
        expansions.append(expansion)
    if expansions:
        full["expansions"] = expansions
    if draw(st.booleans()):
        full["interpolation"] = draw(st.sampled_from(["linear", "step"]))
    return full


# -- markets ----------------------------------------------------------------------------------


@st.composite
def market(draw, frame: Frame, low: float, high: float) -> dict[str, Any]:
    """How a supplier sells, whose capacity lies around ``low``..``high`` [wafer/month or
    stack/month]: each designer (and now and then a buyer not modelled) holds nothing, a
    share, a contracted share or a contracted volume (mostly a small part of the
    capacity); central shares add up to at most 100 %; the rest goes ``pro_rata`` or by
    ``priority`` (an order of some of the designers with products or reservations)."""
    buyers = list(frame.designers)
    if draw(st.integers(0, 3)) == 0:
        buyers.append(OUTSIDE)
    kinds = {
        b: draw(st.sampled_from(["none", "none", "share", "share", "contract", "volume"]))
        for b in buyers
    }
    if OUTSIDE in kinds and kinds[OUTSIDE] == "none":
        kinds[OUTSIDE] = "share"
    sharing = [b for b, kind in kinds.items() if kind in ("share", "contract")]
    amounts = dict(zip(sharing, draw(split(len(sharing))), strict=True))
    body: dict[str, Any] = {}
    shares: dict[str, Any] = {}
    contracts: dict[str, Any] = {}
    for buyer, kind in kinds.items():
        if kind == "share":
            shares[buyer] = draw(share(amounts[buyer]))
        elif kind in ("contract", "volume"):
            contract: dict[str, Any] = (
                {"share": draw(share(amounts[buyer]))}
                if kind == "contract"
                else {"volume": draw(series(frame, low * 0.05, low * 5, "wafer/month"))}
            )
            if draw(st.booleans()):
                contract.update(draw(window(frame.start, frame.months)))
            if draw(st.integers(0, 3)) == 0:
                contract["take_or_pay"] = True
            contracts[buyer] = contract
    if shares:
        body["shares"] = shares
    if contracts:
        body["contracts"] = contracts
    if draw(st.integers(0, 2)) == 0:
        known = list(dict.fromkeys([*frame.modelled, *shares, *contracts]))
        body["allocation"] = "priority"
        body["priority"] = draw(st.permutations(known))[: draw(st.integers(1, len(known)))]
    elif draw(st.integers(0, 3)) == 0:
        body["allocation"] = "pro_rata"
    return body


# -- the world --------------------------------------------------------------------------------


@st.composite
def world_data(draw) -> dict[str, Any]:
    """A valid scenario as plain data (see the module docstring for what varies)."""
    start = dt.date(draw(st.integers(2024, 2027)), draw(st.integers(1, 12)), 1)
    months = draw(st.integers(6, 24)) if draw(st.integers(0, 5)) < 5 else draw(st.integers(1, 3))
    start_day = start.replace(day=draw(st.sampled_from([1, 1, 20])))
    last = month_start(start, months - 1)
    end_day = last.replace(day=draw(st.sampled_from([28, 1, 15])))
    if end_day <= start_day:
        end_day = last.replace(day=28)
    data: dict[str, Any] = {
        "name": "world",
        "horizon": {"start": start_day.isoformat(), "end": end_day.isoformat()},
    }
    n_designers = draw(st.integers(1, 3))
    designers = list(DESIGNERS[:n_designers])
    fabs = [f"f{i}" for i in range(draw(st.integers(1, 3)))]
    lines = [f"c{i}" for i in range(draw(st.integers(1, 3)))]
    vendors = [f"v{i}" for i in range(draw(st.integers(1, 3)))]
    products = [f"p{i}" for i in range(draw(st.integers(2, 4)))]
    frame = Frame(start, months, designers, fabs, lines, vendors, products)

    data["products"] = {pid: _product(draw, frame, index) for index, pid in enumerate(products)}
    modelled = tuple(dict.fromkeys(p["designer"] for p in data["products"].values()))
    frame = dataclasses.replace(frame, modelled=modelled)
    data["logic_fabs"] = {
        fid: {
            "operator": "tsmc",
            "node": "N3",
            "wafer_starts": draw(series(frame, 100.0, 50000.0, "wafer/month")),
            "defect_density": draw(param(0.0, 0.3, "/cm^2", zero=True)),
            "cycle_time": draw(param(0.0, 5.0, "month", zero=True)),
            **({"yield_model": "murphy"} if draw(st.booleans()) else {}),
            **draw(market(frame, 100.0, 50000.0)),
        }
        for fid in fabs
    }
    data["packaging"] = {
        lid: {
            "operator": "tsmc",
            "capacity": draw(series(frame, 100.0, 30000.0, "wafer/month")),
            "yield": draw(fraction(0.5, 1.0)),
            "cycle_time": draw(param(0.0, 3.0, "month", zero=True)),
            **draw(market(frame, 100.0, 30000.0)),
        }
        for lid in lines
    }
    data["hbm_vendors"] = _vendors(draw, frame, data["products"])
    _sourcing(draw, data)
    data["suppliers"] = {
        "tx": {
            "kind": draw(st.sampled_from(["transformer", "other"])),
            "output": draw(param(0.5, 40.0, "transformer/month", zero=True)),
            "backlog": draw(param(0.0, 60.0, "")),
            "lead_time": draw(param(0.0, 12.0, "month", zero=True)),
        },
        "gt": {
            "kind": draw(st.sampled_from(["turbine", "other"])),
            "output": draw(param(0.5, 10.0, "turbine/month", zero=True)),
            "backlog": draw(param(0.0, 30.0, "")),
        },
    }
    _programmes_and_sites(draw, data, frame)
    _rules(draw, data, start, months, products)
    _milestones(draw, data, start, months)
    _risks(draw, data, frame)
    return data


def _product(draw, frame: Frame, index: int) -> dict[str, Any]:
    designers, fabs, lines = frame.designers, frame.fabs, frame.lines
    product: dict[str, Any] = {
        "designer": designers[index % len(designers)]  # mostly, designers take turns
        if draw(st.integers(0, 2)) < 2
        else draw(st.sampled_from(designers)),
        "logic": {
            "fab": draw(st.sampled_from(fabs)),
            "compute_dies": draw(param(1.0, 2.0, "die/package", bound=(0.5, math.inf))),
            "die_area": draw(param(100.0, 850.0, "mm^2", bound=(50.0, 900.0))),
        },
        "hbm": {
            "generation": draw(st.sampled_from(GENERATIONS)),
            "stacks": draw(param(4.0, 12.0, "stack/package", bound=(1.0, math.inf))),
        },
        "packaging": {
            "line": draw(st.sampled_from(lines)),
            "packages_per_wafer": draw(param(4.0, 30.0, "package/wafer", bound=(1.0, math.inf))),
        },
        "tdp": "1000 W",
        "it_power": draw(param(800.0, 3000.0, "W", bound=(100.0, math.inf))),
        "h100e": draw(param(0.5, 10.0, "", bound=(0.1, math.inf))),
        "packages_per_rack": draw(param(8.0, 72.0, "package/rack", bound=(1.0, math.inf))),
        "lead_time": draw(param(0.0, 4.0, "month", zero=True)),
    }
    if draw(st.integers(0, 3)) == 0:
        product["hbm"]["capacity_per_stack"] = draw(param(16.0, 64.0, "GB"))
    if draw(st.booleans()):
        product["flops"] = {
            k: draw(param(1e14, 2e16, "FLOP/s"))
            for k in draw(st.lists(st.sampled_from(PRECISIONS), unique=True, min_size=1))
        }
    if draw(st.booleans()):
        product["price"] = draw(param(5000.0, 60000.0, "USD/package"))
    if draw(st.integers(0, 2)) == 0:
        product["available"] = draw(window(frame.start, frame.months, low=-3))
    return product


def _vendors(draw, frame: Frame, products: dict[str, Any]) -> dict[str, Any]:
    start, months, vendors = frame.start, frame.months, frame.vendors
    made = {vid: set(draw(st.sets(st.sampled_from(GENERATIONS), min_size=1))) for vid in vendors}
    for product in products.values():  # every product's generation is made by someone
        generation = product["hbm"]["generation"]
        if not any(generation in gens for gens in made.values()):
            made[draw(st.sampled_from(vendors))].add(generation)
    table = {}
    for vid in vendors:
        generations = sorted(made[vid])
        if draw(st.booleans()):
            low, high = 1e4, 2e6  # finished stacks
            vendor: dict[str, Any] = {
                "capacity": {g: draw(series(frame, low, high, "stack/month")) for g in generations}
            }
        else:
            low, high = 500.0, 1e5  # TSV wafers
            vendor = {
                "wafers": draw(series(frame, low, high, "wafer/month")),
                "generations": {
                    g: {
                        "stacks_per_wafer": draw(
                            param(10.0, 50.0, "stack/wafer", bound=(1.0, math.inf))
                        ),
                        "yield": draw(fraction(0.3, 0.95)),
                    }
                    for g in generations
                },
            }
            # Tooling adds up to 100 % at its central values (validation asks it).
            tooled = draw(st.lists(st.sampled_from(generations), unique=True, min_size=1))
            amounts = draw(split(len(tooled)))[:-1]
            amounts.append(round(1.0 - sum(amounts), 3))
            vendor["tooling"] = {g: draw(share(x)) for g, x in zip(tooled, amounts, strict=True)}
            if draw(st.integers(0, 3)) > 0:
                vendor["conversion_time"] = draw(param(0.0, 6.0, "month", zero=True))
            if draw(st.integers(0, 3)) == 0:  # a quarter of them gain density over time
                vendor["density"] = draw(series(frame, 0.5, 2.0, "", zero=False))
        vendor["lead_time"] = draw(param(0.0, 8.0, "month", zero=True))
        vendor.update(draw(market(frame, low, high)))
        qualification = {}
        for pid in products:
            form = draw(st.sampled_from(["date"] * 5 + ["never", "slip", "absent"]))
            if form == "absent":
                continue
            if form == "never":
                qualification[pid] = "never"
            elif form == "date":
                qualification[pid] = written(draw(date_at(start, -24, months + 3)))
            else:
                qualification[pid] = {
                    "date": written(draw(date_at(start, -12, months))),
                    "slip": draw(param(0.0, 6.0, "month", zero=True)),
                }
        vendor["qualification"] = qualification
        table[vid] = vendor
    for pid, product in products.items():  # mostly, some maker qualifies it early on
        makers = [vid for vid in vendors if product["hbm"]["generation"] in made[vid]]
        vid = draw(st.sampled_from(makers))
        if draw(st.integers(0, 4)) < 4:
            table[vid]["qualification"][pid] = written(draw(date_at(start, -24, months // 2)))
    return table


def _makes(vendor: dict[str, Any], generation: str) -> bool:
    return generation in (vendor.get("capacity") or vendor.get("generations") or {})


def _sourcing(draw, data: dict[str, Any]) -> None:
    """Now and then a product splits its HBM orders among (some of) the vendors that make
    its generation and name it in their qualifications."""
    for pid, product in data["products"].items():
        generation = product["hbm"]["generation"]
        eligible = [
            vid
            for vid, vendor in data["hbm_vendors"].items()
            if _makes(vendor, generation) and pid in vendor["qualification"]
        ]
        if eligible and draw(st.integers(0, 2)) == 0:
            chosen = draw(st.lists(st.sampled_from(eligible), unique=True, min_size=1))
            weights = [
                draw(number(0.05 if i == 0 else 0.0, 1.0, zero=i > 0)) for i in range(len(chosen))
            ]
            product["hbm"]["sourcing"] = {  # some weight positive (validation asks it)
                vid: draw(param(x, x, "", bound=(0.0, 1.0)))
                for vid, x in zip(chosen, weights, strict=True)
            }


def _programmes_and_sites(draw, data: dict[str, Any], frame: Frame) -> None:
    start, months, products = frame.start, frame.months, frame.products
    programmes = [f"g{i}" for i in range(draw(st.integers(len(products), 6)))]
    sites = [f"s{i}" for i in range(draw(st.integers(1, 4)))]
    tenants = {sid: [draw(st.sampled_from(programmes))] for sid in sites}
    for sid in sites:  # now and then a site that two programmes share
        others = [gid for gid in programmes if gid not in tenants[sid]]
        if draw(st.integers(0, 3)) == 0:
            tenants[sid].append(draw(st.sampled_from(others)))
    share_left = dict.fromkeys(products, 1.0)
    table = {}
    for index, gid in enumerate(programmes):
        # Mostly every product has a buyer (the first ones take a product each), and
        # often a second buyer competes for it.
        chosen = draw(st.sampled_from(["own"] * 4 + ["previous", "any"]))
        product = draw(st.sampled_from(products))
        if index < len(products) and chosen != "any":
            product = products[index]
        elif chosen == "previous" and index > 0:
            product = table[programmes[index - 1]]["product"]
        own_sites = [sid for sid in sites if gid in tenants[sid]]
        g: dict[str, Any] = {"buyer": "lab", "product": product}
        basis = draw(st.sampled_from(["packages", "it"] + (["facility"] if own_sites else [])))
        if basis == "packages":
            g["target_packages"] = draw(param(100.0, 1e7, "package", zero=True))
        else:
            g["target_power"] = draw(param(1.0, 3000.0, "MW", zero=True))
            g["power_basis"] = basis
        if draw(st.integers(0, 3)) > 0:
            g["priority"] = draw(st.integers(1, 4))
        if draw(st.booleans()) and share_left[product] > 0.01:
            # Central shares of a product add up to at most 100 %; draws may add up to more.
            if draw(st.booleans()):
                x = math.floor(share_left[product] * 100) / 100
            else:
                x = math.floor(draw(st.floats(0.0, share_left[product])) * 100) / 100
            g["share"] = draw(share(x))
            share_left[product] -= x
        g |= _volume(draw, frame)
        # Mostly open from before the horizon, so that buyers compete.
        g_start, g["start"] = draw(date_at(start, -12, months if draw(st.booleans()) else 0))
        if draw(st.integers(0, 2)) == 0:
            g["end"] = (g_start + dt.timedelta(days=draw(st.integers(1, 900)))).isoformat()
        if draw(st.integers(0, 2)) == 2:
            g["budget"] = draw(param(1e7, 1e11, "USD", zero=True))
        g["destination"] = draw(st.sampled_from(DESTINATIONS))
        if draw(st.integers(0, 3)) == 0:
            g["letter_of_intent"] = {
                "probability": draw(fraction(0.0, 1.0)),
                "by": written(draw(date_at(start, -3, months))),
            }
        if draw(st.integers(0, 4)) == 0:
            g["via"] = "cloud"
        if own_sites:
            g["sites"] = own_sites
        table[gid] = g
    data["programmes"] = table
    data["sites"] = {sid: _site(draw, start, months, tenants[sid]) for sid in sites}


def _volume(draw, frame: Frame) -> dict[str, Any]:
    """A programme's ``volume`` (one in three), now and then with its ``unfilled`` orders
    carried or lapsing."""
    if draw(st.integers(0, 2)) < 2:
        return {}
    orders: dict[str, Any] = {"volume": draw(series(frame, 100.0, 1e5, "package/month"))}
    if draw(st.booleans()):
        orders["unfilled"] = draw(st.sampled_from(["carried", "lapses"]))
    return orders


def _site(draw, start, months, tenants: list[str]) -> dict[str, Any]:
    """A site; at a site of several ``tenants``, each building names one, each has one."""
    buildings = []
    for index in range(draw(st.integers(len(tenants), 3))):
        building: dict[str, Any] = {"id": f"b{index}"}
        if len(tenants) > 1:
            building["programme"] = (
                tenants[index] if index < len(tenants) else draw(st.sampled_from(tenants))
            )
        building |= {
            "it_capacity": draw(param(0.5, 300.0, "MW")),
            "start": written(draw(date_at(start, -24, months))),
        }
        for stage in ("permits", "shell", "fit_out", "cooling", "commissioning"):
            building[stage] = draw(param(0.0, 6.0, "month", zero=True))
        if draw(st.booleans()):
            building["transformers"] = draw(param(0.0, 6.0, "", zero=True))
        if draw(st.integers(0, 3)) == 0:
            building["transformers_ordered"] = written(draw(date_at(start, -24, months)))
        buildings.append(building)
    power: dict[str, Any] = {}
    if draw(st.integers(0, 3)) < 3:
        power["existing"] = draw(param(1.0, 1000.0, "MW", zero=True))
    if draw(st.integers(0, 2)) > 0:
        power["grid"] = {
            "capacity": draw(param(1.0, 2000.0, "MW", zero=True)),
            "requested": written(draw(date_at(start, -24, months))),
            "wait": draw(param(0.0, 36.0, "month", zero=True)),
        }
    if draw(st.booleans()):
        power["onsite"] = [
            {
                "supplier": "gt",
                "units": draw(param(0.0, 20.0, "", zero=True)),
                "unit_capacity": draw(param(5.0, 60.0, "MW")),
                "ordered": written(draw(date_at(start, -12, months))),
                "install": draw(param(0.0, 6.0, "month", zero=True)),
            }
            for _ in range(draw(st.integers(1, 2)))
        ]
    site: dict[str, Any] = {
        "country": "US",
        "buildings": buildings,
        "power": power,
        "pue": draw(param(1.0, 1.6, "", bound=(1.0, math.inf))),
        "crews": draw(param(1.0, 20.0, "", bound=(0.5, math.inf))),
        "crew_rate": draw(param(1.0, 200.0, "rack/month", bound=(0.5, math.inf))),
        "burn_in": draw(param(0.0, 3.0, "month", zero=True)),
    }
    if any("transformers" in b for b in buildings) or draw(st.booleans()):
        site["transformer_supplier"] = "tx"
    if draw(st.booleans()):
        site["capex"] = draw(param(1.0, 20.0, "USD/W", zero=True))
    return site


def _rules(draw, data, start, months, products) -> None:
    rules = {}
    for index in range(draw(st.integers(0, 2))):
        rule_start, rule_start_written = draw(date_at(start, -12, months))
        rule: dict[str, Any] = {
            "destination": draw(st.sampled_from(DESTINATIONS)),
            "cap": draw(param(1e3, 1e6, "H100e/year", zero=True)),
            "start": rule_start_written,
        }
        if draw(st.booleans()):
            rule_end = month_start(rule_start, draw(st.integers(1, 24)))
            rule["end"] = rule_end.isoformat()
        if draw(st.booleans()):
            rule["products"] = draw(st.lists(st.sampled_from(products), unique=True, min_size=1))
        rules[f"x{index}"] = rule
    data["export_rules"] = rules
    with_sites = sorted(gid for gid, g in data["programmes"].items() if "sites" in g)
    data["funding"] = {
        f"fund{index}": {
            "programme": draw(st.sampled_from(with_sites or list(data["programmes"]))),
            "funder": "bank",
            "amount_per_step": draw(param(1e6, 1e10, "USD", zero=True)),
            "step": draw(param(0.05, 50.0, "MW", zero=True)),
            "basis": draw(st.sampled_from(["it", "facility"])),
            "cap": draw(param(1e6, 1e10, "USD", zero=True)),
        }
        for index in range(draw(st.integers(0, 2)))
    }


#: Milestone quantities with their threshold range and unit.
_THRESHOLDS = {
    "packages_produced": (10.0, 1e6, "package"),
    "packages_delivered": (10.0, 1e6, "package"),
    "packages_installed": (10.0, 1e6, "package"),
    "it_power_online": (1.0, 2000.0, "MW"),
    "facility_power_online": (1.0, 2000.0, "MW"),
    "h100e_online": (100.0, 1e7, "H100e"),
    "flops_online": (1e17, 1e22, "FLOP/s"),
    "capex_spent": (1e6, 1e11, "USD"),
    "funding_received": (1e6, 1e11, "USD"),
}


def _milestones(draw, data, start, months) -> None:
    milestones = {}
    products, programmes, sites = data["products"], data["programmes"], data["sites"]
    for index in range(draw(st.integers(0, 5))):
        quantity = draw(st.sampled_from(sorted(_THRESHOLDS)))
        low, high, unit = _THRESHOLDS[quantity]
        # Round thresholds (often reached exactly at a month's end) and now and then 0.
        milestone: dict[str, Any] = {
            "quantity": quantity,
            # written values stay inside the range (its top is the plausibility limit)
            "threshold": draw(param(low, high, unit, zero=True, bound=(0.0, high))),
        }
        if quantity == "flops_online":
            with_flops = [pid for pid, p in products.items() if "flops" in p]
            if not with_flops:
                continue
            pid = draw(st.sampled_from(with_flops))
            milestone["precision"] = draw(st.sampled_from(sorted(products[pid]["flops"])))
            if draw(st.booleans()):
                milestone["product"] = pid
        else:
            filters = ["none", "product"]
            if quantity != "packages_produced":
                filters.append("programme")
            if quantity in semantic.SITE_QUANTITIES:
                filters.append("site")
            chosen = draw(st.sampled_from(filters))
            if chosen == "product":
                milestone["product"] = draw(st.sampled_from(sorted(products)))
            elif chosen == "programme":
                milestone["programme"] = draw(st.sampled_from(sorted(programmes)))
            elif chosen == "site":
                milestone["site"] = draw(st.sampled_from(sorted(sites)))
        milestones[f"m{index}"] = milestone
    data["milestones"] = milestones
    # a deadline within the horizon (a run cannot judge one after it)
    first = dt.date.fromisoformat(data["horizon"]["start"])
    last = dt.date.fromisoformat(data["horizon"]["end"])
    data["claims"] = {
        f"claim-{mid}": {
            "milestone": mid,
            "by": min(last, max(first, draw(date_at(start, 0, months + 6))[0])).isoformat(),
            "statement": f"{mid} is met",
            "source": "assumption: test world",
        }
        for mid in milestones
        if draw(st.booleans())
    }


def _risks(draw, data: dict[str, Any], frame: Frame) -> None:
    start, months, vendors, products = frame.start, frame.months, frame.vendors, frame.products
    fabs, lines = frame.fabs, frame.lines
    risks: dict[str, Any] = {}
    for index in range(draw(st.integers(0, 4))):
        kind = draw(st.sampled_from(["capacity_loss", "qualification_failure", "delay"]))
        if kind == "capacity_loss":
            target = draw(
                st.sampled_from(
                    [f"logic_fabs.{f}" for f in fabs]
                    + [f"packaging.{c}" for c in lines]
                    + [f"hbm_vendors.{v}" for v in vendors]
                )
            )
            effect = {
                "kind": kind,
                "target": target,
                "loss": draw(fraction(0.0, 1.0)),
                "duration": draw(param(0.0, 12.0, "month", zero=True)),
            }
        elif kind == "qualification_failure":
            effect = {
                "kind": kind,
                "vendor": draw(st.sampled_from(vendors)),
                "product": draw(st.sampled_from(products)),
            }
        else:
            sid = draw(st.sampled_from(sorted(data["sites"])))
            has_grid = "grid" in data["sites"][sid]["power"]
            effect = {
                "kind": kind,
                "site": sid,
                "what": draw(
                    st.sampled_from(["grid", "construction"] if has_grid else ["construction"])
                ),
                "by": draw(param(0.0, 12.0, "month", zero=True)),
            }
        risks[f"r{index}"] = {
            "probability": draw(fraction(0.0, 1.0)),
            "date": written(draw(date_at(start, -6, months))),
            "effect": effect,
        }
    data["risks"] = risks


# -- scenarios and draws ---------------------------------------------------------------------


class World:
    """A scenario and the values of one run (``None``: central values)."""

    def __init__(self, scenario: Scenario, draw: dict[str, float] | None):
        self.scenario = scenario
        self.draw = draw

    def __repr__(self) -> str:  # what Hypothesis prints for a falsifying example
        from capsim.scenario.io import dump_scenario

        return f"World(draw={self.draw!r}, scenario=\n{dump_scenario(self.scenario)})"


@st.composite
def scenarios(draw) -> Scenario:
    """A validated random world (valid by construction: semantic checks pass)."""
    data = draw(world_data())
    scenario = Scenario.model_validate(data)
    # Any two sampled parameters (not the probabilities of events: their occurrence is
    # what a sample draws).
    uncertain = [d.name for d in UncertainSpace(scenario).dimensions if d.param is not None]
    if len(uncertain) >= 2 and draw(st.integers(0, 3)) == 0:
        pair = draw(st.lists(st.sampled_from(uncertain), min_size=2, max_size=2, unique=True))
        data["correlations"] = [{"between": pair, "rank": draw(st.sampled_from([-0.7, 0.5]))}]
        scenario = Scenario.model_validate(data)
    problems = semantic.check(scenario)
    assert problems == [], problems  # the strategy builds valid scenarios only
    return scenario


@st.composite
def worlds(draw) -> World:
    """A scenario and one sampled draw of its uncertain inputs, risks and letters of
    intent (or none: central values)."""
    scenario = draw(scenarios())
    space = UncertainSpace(scenario)
    if len(space) == 0 or draw(st.integers(0, 4)) == 4:
        return World(scenario, None)
    edge = st.sampled_from([0.001, 0.5, 0.999])
    u = draw(st.lists(st.floats(0.001, 0.999) | edge, min_size=len(space), max_size=len(space)))
    values = space.values(np.array([u]))[0]
    return World(scenario, space.draw(values))
