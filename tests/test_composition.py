"""Composition: ``extends`` with a list of base files builds one joint world.

Each case writes small deal files over the shipped base world and reads the composed
scenario back; the expected values are the ones written in the files here.
"""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from capsim.cli.main import main
from capsim.scenario.loader import load_scenario

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


@pytest.fixture
def world(tmp_path: Path) -> Path:
    shutil.copy(SCENARIOS / "base-world.yaml", tmp_path / "base-world.yaml")
    return tmp_path


def deal(folder: Path, name: str, body: str) -> Path:
    path = folder / f"{name}.yaml"
    path.write_text(f"extends: base-world.yaml\nname: {name}\n{body}", encoding="utf-8")
    return path


def joint(folder: Path, *bases: str, body: str = "") -> Path:
    path = folder / "joint.yaml"
    listed = ", ".join(f"{base}.yaml" for base in bases)
    path.write_text(f"extends: [{listed}]\nname: joint\n{body}", encoding="utf-8")
    return path


HORIZON_2031 = "horizon: {start: 2025-01-01, end: 2031-12-31}\n"
HORIZON_2032 = "horizon:\n  start: 2025-01-01\n  end: 2032-06-30\n"


def test_two_deals_over_one_base_keep_both_and_the_change_one_made(world):
    # deal a moves the horizon; deal b leaves it as base-world has it, so a's value is the
    # only statement and stands; each deal's programme is kept
    deal(world, "a", HORIZON_2031 + _programme("deal-a", "vera-rubin"))
    deal(world, "b", _programme("deal-b", "mi450"))
    scenario = load_scenario(joint(world, "a", "b"))
    assert {"deal-a", "deal-b"} <= set(scenario.programmes)
    assert scenario.programmes["deal-a"].product == "vera-rubin"
    assert scenario.programmes["deal-b"].product == "mi450"
    assert str(scenario.horizon.end) == "2031-12-31"
    assert scenario.name == "joint"


def test_the_same_value_in_both_deals_is_no_conflict(world):
    deal(world, "a", HORIZON_2031)
    deal(
        world,
        "b",
        HORIZON_2031.replace(
            "{start: 2025-01-01, end: 2031-12-31}", "{end: 2031-12-31, start: 2025-01-01}"
        ),
    )
    assert str(load_scenario(joint(world, "a", "b")).horizon.end) == "2031-12-31"


def test_two_deals_defining_one_key_differently_get_one_located_error(world, capsys):
    a = deal(world, "a", HORIZON_2031)
    b = deal(world, "b", HORIZON_2032)
    assert main(["validate", str(joint(world, "a", "b"))]) == 2
    err = capsys.readouterr().err.splitlines()
    # a.yaml line 3 is the horizon mapping; its end value starts at column 35;
    # b.yaml's end value is on line 5 after "  end: " (column 8)
    assert err == [
        f"error: {b}:5:8: horizon.end: two base files define this differently: "
        f"{a}:3:35 has 2031-12-31, this file has 2032-06-30; "
        "state the value in the extending file, or keep one",
        "1 problem found",
    ]


def test_the_extending_file_settles_a_conflict_by_stating_the_value(world):
    deal(world, "a", HORIZON_2031)
    deal(world, "b", HORIZON_2032)
    path = joint(world, "a", "b", body="horizon: {start: 2025-01-01, end: 2032-12-31}\n")
    assert str(load_scenario(path).horizon.end) == "2032-12-31"


def test_a_bad_entry_of_the_list_is_located_at_its_item(world, capsys):
    deal(world, "a", "")
    path = world / "joint.yaml"
    path.write_text("extends: [a.yaml, missing.yaml]\nname: joint\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err == [
        f"error: {path}:1:19: extends[1]: base scenario 'missing.yaml' not found "
        f"(looked for {world.resolve() / 'missing.yaml'} and {SCENARIOS / 'missing.yaml'})",
        "1 problem found",
    ]
    path.write_text("extends: [a.yaml, 3]\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err.splitlines()
    assert err[0] == (
        f"error: {path}:1:19: extends[1]: expected the file name of a base scenario "
        "(or a list of them), found 3"
    )


def test_a_base_listed_twice_is_refused_at_its_second_item(world, capsys):
    # both entries name one file (after resolving ./): it was read twice, silently
    deal(world, "a", "")
    path = world / "joint.yaml"
    path.write_text("extends: [a.yaml, ./a.yaml]\nname: joint\n", encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    assert capsys.readouterr().err.splitlines() == [
        f"error: {path}:1:19: extends[1]: ./a.yaml is listed twice (first as item 1); "
        "list each base once",
        "1 problem found",
    ]


def _programme(name: str, product: str) -> str:
    return f"""programmes:
  {name}:
    buyer: {name}
    product: {product}
    target_packages: {{value: 1000 GPU, source: "assumption: test"}}
    start: 2026-06-01
    destination: US
    sites: []
    source: "assumption: test"
"""
