"""Small scenarios built in code, for tests with hand-calculable answers."""

from __future__ import annotations

import copy
from typing import Any

from capsim.scenario.document import Scenario

SOURCE = "assumption: test case"


def chain_data(**changes: Any) -> dict[str, Any]:
    """A one-product, one-programme, one-site world; ``changes`` override by dotted path.

    Central numbers (month 0, no delays): CoWoS 100 wafer/month x 10 = 1000 slots;
    HBM 4000 stack/month / 8 = 500 packages; the fab's 10 wafer/month x 640.2 good dies
    per wafer (100 mm^2, D0 = 0) = 6402 dies. Designer ``d`` is every supplier's only
    buyer. The programme lacks 1e9 packages and has no end or volume, so its order rate
    is all it lacks and the product plans what the CoWoS line would grant it, 1000
    packages a month: it asks for 8000 stacks (4000 granted) and for no more dies than
    those stacks match (500 dies, 0.78 of the fab's 10 wafers). So HBM binds at 500
    packages/month, tied with the dies matched to it.
    """
    data: dict[str, Any] = {
        "name": "chain",
        "horizon": {"start": "2026-01-01", "end": "2026-12-31"},
        "products": {
            "p": {
                "designer": "d",
                "logic": {"fab": "f", "compute_dies": "1 die/package", "die_area": "100 mm^2"},
                "hbm": {"generation": "HBM4", "stacks": "8 stack/package"},
                "packaging": {"line": "c", "packages_per_wafer": "10 package/wafer"},
                "tdp": "1000 W",
                "it_power": "2000 W",
                "h100e": 2,
                "flops": {"FP8": "4 PFLOP/s"},
                "packages_per_rack": "100 package/rack",
                "lead_time": "0 month",
                "price": "USD 10000/package",
            }
        },
        "logic_fabs": {
            "f": {
                "operator": "x",
                "node": "N3",
                "wafer_starts": "10 wafer/month",
                "shares": {"d": 1},
                "defect_density": "0 /cm^2",
                "cycle_time": "0 month",
            }
        },
        "packaging": {
            "c": {
                "operator": "x",
                "capacity": "100 wafer/month",
                "shares": {"d": 1},
                "yield": 1,
                "cycle_time": "0 month",
            }
        },
        "hbm_vendors": {
            "v": {
                "capacity": {"HBM4": "4000 stack/month"},
                "shares": {"d": 1},
                "lead_time": "0 month",
                "qualification": {"p": "2025-01-01"},
            }
        },
        "suppliers": {
            "tx": {"kind": "transformer", "output": "12 transformer/year", "lead_time": "0 month"}
        },
        "programmes": {
            "g": {
                "buyer": "b",
                "product": "p",
                "target_packages": "1e9 package",
                "start": "2025-01-01",
                "destination": "US",
                "sites": ["s"],
            }
        },
        "sites": {
            "s": {
                "country": "US",
                "buildings": [
                    {
                        "id": "b1",
                        "it_capacity": "100 GW",
                        "start": "2025-01-01",
                        "permits": "0 month",
                        "shell": "0 month",
                        "fit_out": "0 month",
                        "cooling": "0 month",
                        "commissioning": "0 month",
                    }
                ],
                "power": {"existing": "1000 GW"},
                "transformer_supplier": "tx",
                "pue": 1.25,
                "crews": 10,
                "crew_rate": "1000 rack/month",
                "burn_in": "0 month",
            }
        },
        "milestones": {
            "first-gw": {"quantity": "it_power_online", "threshold": "1 GW", "programme": "g"}
        },
    }
    for path, value in changes.items():
        set_path(data, path, value)
    return data


def other_buyers(product: str = "p") -> dict[str, Any]:
    """A programme without sites (a demand sink, as base-world's other buyers) that wants
    all of ``product`` it can get after the chain's programme (priority 2)."""
    return {
        "buyer": "others",
        "product": product,
        "target_packages": "1e9 package",
        "priority": 2,
        "start": "2025-01-01",
        "destination": "US",
    }


#: Where the late-grid world's grid wait comes from.
GRID_QUEUE = "assumption: a grid queue of 1 to 11 months"


def late_grid_world(**changes: Any) -> dict[str, Any]:
    """Changes to the chain for one site waiting for its grid, by dotted path.

    500 packages a month from January 2026 (HBM), 1000 wanted by programme g, crews for
    a million a month; no power until a grid connection requested on 2026-01-01 arrives
    after uniform(1, 11) months (central 6), so the 500th package is installed on the
    first day of the month the grid arrives in: 2026-07-01 in the central run, between
    2026-02-01 and 2026-12-01 in any sample. 1000 packages are produced by 2026-03-01
    in every run, as another buyer, h, without sites, takes what g does not (g takes
    packages only from six weeks before its grid arrives). Milestones ``first-power``
    (500 installed for g) and ``thousand-made`` (1000 of p produced). ``changes`` are
    added (claims, name, ...).
    """
    wait = {"dist": "uniform", "low": "1 month", "high": "11 months", "source": GRID_QUEUE}
    return {
        "name": "late-grid",
        "sites.s.power": {
            "existing": "0 GW",
            "grid": {"capacity": "2 GW", "requested": "2026-01-01", "wait": wait},
        },
        "sites.s.buildings.0.it_capacity": "1 GW",
        "programmes.g.target_packages": "1000 package",
        "programmes.h": other_buyers(),
        "milestones": {
            "first-power": {
                "quantity": "packages_installed",
                "threshold": "500 package",
                "programme": "g",
            },
            "thousand-made": {
                "quantity": "packages_produced",
                "threshold": "1000 package",
                "product": "p",
            },
        },
        **changes,
    }


def unqualified_rival() -> dict[str, Any]:
    """Changes to the chain for a rival product that no vendor qualifies, by dotted path.

    Designer ``e``'s product ``q`` (``p``'s twin) holds a take-or-pay reservation of half
    of v's 4000 stacks a month, which v never qualifies it for, and buyer ``h`` orders q
    without end; nobody holds shares of the fab (1000 wafers a month), the line or v.
    g's programme opens on 2026-04-01, and v's stacks take 2 months.
    """
    rival = copy.deepcopy(chain_data()["products"]["p"]) | {"designer": "e"}
    buyer = {
        "buyer": "b2",
        "product": "q",
        "target_packages": "1e9 package",
        "start": "2025-01-01",
        "destination": "US",
    }
    return {
        "products.q": rival,
        "logic_fabs.f.wafer_starts": "1000 wafer/month",
        "logic_fabs.f.shares": {},
        "packaging.c.shares": {},
        "hbm_vendors.v.shares": {},
        "hbm_vendors.v.contracts": {"e": {"share": 0.5, "take_or_pay": True}},
        "hbm_vendors.v.lead_time": "2 month",
        "hbm_vendors.v.qualification.q": "never",
        "programmes.g.start": "2026-04-01",
        "programmes.h": buyer,
    }


def set_path(data: dict[str, Any], dotted: str, value: Any) -> None:
    """Set ``a.b.0.c`` in nested dicts and lists."""
    parts = dotted.split(".")
    node: Any = data
    for part in parts[:-1]:
        node = node[int(part)] if isinstance(node, list) else node[part]
    last = parts[-1]
    if isinstance(node, list):
        node[int(last)] = value
    else:
        node[last] = value


def chain(**changes: Any) -> Scenario:
    """The chain scenario, validated."""
    return Scenario.model_validate(copy.deepcopy(chain_data(**changes)))


def uncertain_chain(**changes: Any) -> Scenario:
    """The chain scenario over 24 months with uncertain HBM supply, power per package,
    grid wait and a risk event; milestone ``five-mw`` (5 MW IT online) falls inside."""
    uncertain = {
        "horizon.end": "2027-12-31",
        "hbm_vendors.v.capacity.HBM4": {
            "dist": "triangular",
            "low": "2000 stack/month",
            "mode": "4000 stack/month",
            "high": "5000 stack/month",
            "source": SOURCE,
        },
        "products.p.it_power": {
            "dist": "uniform",
            "low": "1800 W",
            "high": "2400 W",
            "source": SOURCE,
        },
        "sites.s.power": {
            "grid": {
                "capacity": "1000 GW",
                "requested": "2026-01-01",
                "wait": {"dist": "lognormal", "median": "4 month", "p90": "8 month"},
            }
        },
        "risks": {
            "cowos-fire": {
                "probability": 0.3,
                "date": "2026-03-01",
                "effect": {
                    "kind": "capacity_loss",
                    "target": "packaging.c",
                    "loss": 0.9,
                    "duration": "3 month",
                },
            }
        },
        "milestones.five-mw": {
            "quantity": "it_power_online",
            "threshold": "5 MW",
            "programme": "g",
        },
        "claims": {
            "five-mw-2026q3": {
                "milestone": "five-mw",
                "by": "2026-09-30",
                "statement": "5 MW IT online by the end of Q3 2026",
                "source": SOURCE,
            }
        },
        "packaging.c.capacity": "60 wafer/month",
    }
    return chain(**{**uncertain, **changes})
