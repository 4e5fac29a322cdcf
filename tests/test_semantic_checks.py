"""Cross-entity checks added after probing the language, and the fixes they guard."""

from __future__ import annotations

import copy

import numpy as np
import pytest

from builders import chain_data, set_path
from capsim.scenario.loader import validate_document
from capsim.scenario.problems import ScenarioError
from capsim.scenario.units import parse_quantity
from capsim.scenario.yamlsource import Document
from capsim.simulation import simulate


def _problems(**changes) -> list[str]:
    data = copy.deepcopy(chain_data())
    for path, value in changes.items():
        if value is None:  # remove the key
            *parents, last = path.split(".")
            node = data
            for part in parents:
                node = node[part]
            del node[last]
        else:
            set_path(data, path, value)
    try:
        validate_document(Document(data))
    except ScenarioError as error:
        return [f"{problem.path}: {problem.message}" for problem in error.problems]
    return []


UNIFORM = {"dist": "uniform", "low": "1000 W", "high": "3000 W"}


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"sites.spare": copy.deepcopy(chain_data()["sites"]["s"])},
            "sites.spare: site 'spare' is not used by any programme",
        ),
        (
            {
                "programmes.g.target_power": "1 GW",
                "programmes.g.power_basis": "facility",
                "programmes.g.target_packages": None,
                "programmes.g.sites": [],
            },
            "programmes.g.power_basis: a facility-power target needs sites",
        ),
        (
            {"products.p.hbm.generation": "HBM9"},
            "products.p.hbm.generation: no HBM vendor makes 'HBM9' (made: HBM4)",
        ),
        (
            {
                "products.p.it_power": UNIFORM,
                "correlations": [
                    {"between": ["products.p.it_power", "products.p.it_power"], "rank": 0.5}
                ],
            },
            "correlations[0].between: 'products.p.it_power' is correlated with itself",
        ),
        (
            {"horizon.step": "3 months"},
            "horizon.step: only monthly steps are supported",
        ),
        (
            {"sites.s.burn_in": {"dist": "normal", "mean": "0.5 month", "sd": "2 month"}},
            "sites.s.burn_in.sd: this normal distribution puts 40.1% outside",
        ),
    ],
    ids=[
        "unused-site",
        "facility-without-sites",
        "no-vendor-generation",
        "self-correlation",
        "quarterly-step",
        "normal-below-zero",
    ],
)
def test_problem_is_reported(changes, expected):
    problems = _problems(**changes)
    assert any(problem.startswith(expected) for problem in problems), problems


WAFER_VENDOR = {
    "wafers": "1000 wafer/month",
    "generations": {
        "HBM4": {"stacks_per_wafer": "10 stack/wafer", "yield": 0.6},
        "HBM3E": {"stacks_per_wafer": "12 stack/wafer", "yield": 0.8},
    },
    "tooling": {"HBM4": "50 %", "HBM3E": "50 %"},
    "lead_time": "0 month",
    "qualification": {"p": "2025-01-01"},
}
MARKET = {
    "packaging.c.shares": {"d": "40 %", "other-buyers": "20 %"},
    "packaging.c.contracts": {"rival": {"share": "30 %", "take_or_pay": True}},
    "packaging.c.allocation": "priority",
    "packaging.c.priority": ["other-buyers", "rival", "d"],
    "hbm_vendors.v": WAFER_VENDOR,
    "products.p.hbm.sourcing": {"v": 1},
    "products.p.available": {"from": "2026-02-01"},
    "programmes.g.letter_of_intent": {"probability": "60 %", "by": "2026-03-31"},
}


def test_a_valid_market_has_no_problem():
    # Designers without a product here ("other-buyers", "rival") stand for buyers not
    # modelled: a priority may name them.
    assert _problems(**copy.deepcopy(MARKET)) == []


@pytest.mark.parametrize(
    ("changes", "expected"),
    [
        (
            {"packaging.c.priority": ["other-buyers", "rivall", "d"]},
            "packaging.c.priority[1]: unknown designer 'rivall'; did you mean 'rival'?",
        ),
        (
            {"packaging.c.priority": []},
            "packaging.c.priority: allocation priority needs designers in order",
        ),
        (
            {
                "packaging.c.contracts": {
                    "rival": {"share": "30 %"},
                    "d": {"volume": "5 wafer/month"},
                }
            },
            "packaging.c.contracts.d: designer 'd' already has a share here",
        ),
        (
            {"packaging.c.contracts": {"rival": {"share": "45 %"}}},
            "packaging.c.shares: shares add up to 105%; expected <= 100%",
        ),
        (
            {"products.p.hbm.sourcing": {"v": 1, "u": 1}},
            "products.p.hbm.sourcing.u: unknown HBM vendor 'u'",
        ),
        (
            {
                "hbm_vendors.u": {**WAFER_VENDOR, "qualification": {}},
                "products.p.hbm.sourcing.u": 1,
            },
            "products.p.hbm.sourcing.u: vendor 'u' does not make 'HBM4' for 'p'",
        ),
        (
            {"hbm_vendors.v.tooling": {"HBM4": "50 %", "HBM5": "50 %"}},
            "hbm_vendors.v.tooling.HBM5: unknown HBM generation 'HBM5'; did you mean 'HBM4'? "
            "(known: HBM3E, HBM4)",
        ),
        (
            {"hbm_vendors.v.tooling": {"HBM4": "70 %", "HBM3E": "50 %"}},
            "hbm_vendors.v.tooling: shares add up to 120%; expected <= 100%",
        ),
    ],
    ids=[
        "priority-unknown-designer",
        "priority-empty",
        "share-and-contract",
        "contracted-shares-over-100",
        "sourcing-unknown-vendor",
        "sourcing-unqualified-vendor",
        "tooling-unknown-generation",
        "tooling-over-100",
    ],
)
def test_market_problem_is_reported(changes, expected):
    problems = _problems(**{**copy.deepcopy(MARKET), **copy.deepcopy(changes)})
    assert len(problems) == 1, problems
    assert problems[0].startswith(expected), problems


def test_correlations_that_cannot_hold_together():
    data = copy.deepcopy(chain_data())
    data["products"]["p"]["it_power"] = UNIFORM
    data["products"]["p"]["tdp"] = {"dist": "uniform", "low": "500 W", "high": "900 W"}
    data["products"]["p"]["h100e"] = {"dist": "uniform", "low": 1, "high": 3}
    names = ["products.p.it_power", "products.p.tdp", "products.p.h100e"]
    data["correlations"] = [
        {"between": [names[0], names[1]], "rank": 0.9},
        {"between": [names[1], names[2]], "rank": 0.9},
        {"between": [names[0], names[2]], "rank": -0.9},
    ]
    with pytest.raises(ScenarioError, match="cannot hold together"):
        validate_document(Document(data))


@pytest.mark.parametrize(
    ("text", "unit", "value"),
    [
        ("USD 10B", "USD", 10e9),
        ("USD 1.5bn", "USD", 1.5e9),
        ("$40k/package", "USD/package", 4e4),
        ("USD 10e9/GW", "USD/W", 10.0),
        ("1,000 W", "W", 1000.0),
        ("0.0 1/cm**2", "1/cm**2", 0.0),
        # a scale before the currency too: pint read 10B USD as 10 bytes, USD 80
        ("10B USD", "USD", 10e9),
        ("2.5k USD/package", "USD/package", 2.5e3),
    ],
)
def test_money_and_number_spellings(text, unit, value):
    assert parse_quantity(text, unit) == pytest.approx(value)


def test_a_supplier_that_makes_nothing_never_delivers():
    data = copy.deepcopy(chain_data())
    data["suppliers"]["tx"]["output"] = "0 transformer/year"
    data["sites"]["s"]["buildings"][0]["transformers"] = 2
    result = simulate(validate_document(Document(data)))
    assert np.isnat(result.building_ready.values).all()
    assert result.packages_installed.sum() == 0
