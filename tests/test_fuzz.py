"""Fuzzing the scenario reader: seeded mutants of the shipped scenarios, and ``--set``.

Each run makes at least 300 mutants of the shipped scenarios (deleted lines, swapped
units, non-finite and absurd numbers, broken indentation, impossible dates, control
characters, type swaps, removed references, bad ``extends``, tags, aliases, bad bytes)
from a fixed seed (``CAPSIM_FUZZ_SEED`` picks another), and runs each through
``capsim validate`` in-process. The promise checked is the README's: no traceback; a
refusal exits 2 and every message names FILE:LINE:COL; an accepted mutant is a scenario
the model runs, so a sample of them is run (``capsim run --deterministic``) and its
outputs must be finite. A Hypothesis test does the same for ``--set`` values.
"""

from __future__ import annotations

import math
import os
import random
import re
import shutil
from collections.abc import Callable
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from builders import chain_data
from capsim.cli.main import main
from capsim.scenario.loader import load_scenario
from capsim.scenario.walk import iter_params

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"
SEED = int(os.environ.get("CAPSIM_FUZZ_SEED", "20261129"))
MUTANTS = 400
RUNS = 24
# Scenarios whose central run is quickest; accepted mutants of these are run.
QUICK = ("hindcast-2023.yaml", "hindcast-2023-exante.yaml", "korea-10k-gpus.yaml")

LOCATED = re.compile(r"^error: [^:]+:\d+:\d+: ")
NUMBER = re.compile(r"(?<![\w.:-])\d+(?:\.\d+)?(?:e[-+]?\d+)?(?![\w.:-])")
DATE = re.compile(r"\b\d{4}-\d{2}-\d{2}\b")
UNITS = [
    "W", "kW", "MW", "GW", "month", "months", "years", "week", "wafer/month",
    "kwafer/month", "stack/month", "package/month", "package/wafer", "die/package",
    "stack/package", "mm^2", "GB", "%", "H100e/year", "PFLOP/s", "package", "rack/week",
]  # fmt: skip
UNIT = re.compile(r"(?<=\d )(" + "|".join(re.escape(unit) for unit in UNITS) + r")\b")
ID_VALUE = re.compile(r"^(\s*-?\s*[a-z_]+: )([a-z][a-z0-9-]+)\s*$")
KEY_VALUE = re.compile(r"^(\s*-?\s*[A-Za-z0-9_-]+: )(\S.*)$")
ABSURD = ["1e308", "-1e308", "1e400", ".nan", ".inf", "-.inf", "-5", "0", "1e-320", "99999999999"]
SWAPS = ["yes", "no", "null", "~", "[]", "{}", "'text'", "123", "-1", "{value: 5}", "[1, 2]",
         "on", "2031-02-30", ".nan", "''", "{dist: normal, mean: 1, sd: -1}"]  # fmt: skip
EXTENDS = ["''", "/etc/passwd", "../../../etc/hosts.yaml", "missing.yaml", "[base-world.yaml, 3]",
           "{a: 1}", "mutant.yaml", "/dev/zero", ".", "..", "base-world.yaml\nextends: x",
           "!include base-world.yaml", "~", "[]", '"base-world.yaml\\0"', "[[a]]"]  # fmt: skip
CONTROL = [chr(code) for code in (*range(0, 9), 11, 12, *range(14, 32), 127, 0x9B, 0xFFFE)]


def _content_lines(lines: list[str]) -> list[int]:
    return [i for i, line in enumerate(lines) if line.strip() and not line.lstrip().startswith("#")]


def _pick_matching(rng: random.Random, lines: list[str], pattern: re.Pattern) -> int | None:
    found = [i for i in _content_lines(lines) if pattern.search(lines[i])]
    return rng.choice(found) if found else None


def delete_line(rng, lines):
    del lines[rng.choice(_content_lines(lines))]


def swap_unit(rng, lines):
    index = _pick_matching(rng, lines, UNIT)
    if index is not None:
        lines[index] = UNIT.sub(lambda _: rng.choice(UNITS), lines[index], count=1)


def absurd_number(rng, lines):
    index = _pick_matching(rng, lines, NUMBER)
    if index is not None:
        lines[index] = NUMBER.sub(lambda _: rng.choice(ABSURD), lines[index], count=1)


def scaled_number(rng, lines):
    index = _pick_matching(rng, lines, NUMBER)
    if index is not None:
        factor = rng.choice([1e6, 1e12, -1, 1e-9, 100])
        lines[index] = NUMBER.sub(lambda m: repr(float(m.group()) * factor), lines[index], count=1)


def break_indentation(rng, lines):
    index = rng.choice(_content_lines(lines))
    line = lines[index]
    stripped = line.lstrip(" ")
    indent = len(line) - len(stripped)
    choice = rng.randrange(3)
    if choice == 0:
        lines[index] = " " * (indent + rng.randint(1, 3)) + stripped
    elif choice == 1:
        lines[index] = " " * max(0, indent - rng.randint(1, 3)) + stripped
    else:
        lines[index] = "\t" + stripped


def impossible_date(rng, lines):
    index = _pick_matching(rng, lines, DATE)
    if index is not None:
        bad = rng.choice(["2031-13-45", "2031-02-30", "2025-00-10", "0000-01-01", "9999-12-32"])
        lines[index] = DATE.sub(bad, lines[index], count=1)


def control_character(rng, lines):
    index = rng.choice(_content_lines(lines))
    line = lines[index]
    at = rng.randrange(len(line) + 1)
    lines[index] = line[:at] + rng.choice(CONTROL) + line[at:]


def swap_type(rng, lines):
    index = _pick_matching(rng, lines, KEY_VALUE)
    if index is not None:
        match = KEY_VALUE.match(lines[index])
        lines[index] = match.group(1) + rng.choice(SWAPS)


def remove_reference(rng, lines):
    index = _pick_matching(rng, lines, ID_VALUE)
    if index is not None:
        match = ID_VALUE.match(lines[index])
        lines[index] = match.group(1) + match.group(2) + "-gone"


def bad_extends(rng, lines):
    entry = f"extends: {rng.choice(EXTENDS)}"
    found = [i for i, line in enumerate(lines) if line.startswith("extends:")]
    if found:
        lines[found[0]] = entry
    else:
        lines.insert(0, entry)


def yaml_trick(rng, lines):
    index = _pick_matching(rng, lines, KEY_VALUE)
    if index is not None:
        match = KEY_VALUE.match(lines[index])
        trick = rng.choice(["!!python/object:os.system x", "*nowhere", "&a [*a]", "!x {a: 1}"])
        lines[index] = match.group(1) + trick


def duplicate_line(rng, lines):
    index = rng.choice(_content_lines(lines))
    lines.insert(index, lines[index])


MUTATIONS: list[Callable] = [
    delete_line, swap_unit, absurd_number, scaled_number, break_indentation,
    impossible_date, control_character, swap_type, remove_reference, bad_extends,
    yaml_trick, duplicate_line,
]  # fmt: skip


def mutants(rng: random.Random, sources: dict[str, str]):
    """Endless (name, mutation names, text) of 1-3 mutations of a shipped scenario."""
    # every scenario, the quick ones (run below) three times as often
    names = [*sorted(sources), *(name for name in QUICK for _ in range(2))]
    while True:
        name = rng.choice(names)
        lines = sources[name].split("\n")
        applied = []
        for _ in range(rng.choice((1, 1, 1, 2, 3))):
            mutation = rng.choice(MUTATIONS)
            mutation(rng, lines)
            applied.append(mutation.__name__)
        yield name, applied, "\n".join(lines)


def _outputs_finite(path: Path) -> list[str]:
    """Names of the float variables of the NetCDF file at ``path`` with NaN or infinity
    where they have a value: a building not ready within the horizon has no critical
    margin (its critical path says "not ready")."""
    with xr.open_dataset(path) as result:
        bad = []
        for name, variable in result.variables.items():
            if variable.dtype.kind != "f":
                continue
            values = variable.values
            if name == "critical_margin":
                values = values[result["critical_path"].values != "not ready"]
            if not np.isfinite(values).all():
                bad.append(name)
        return bad


def test_mutants_of_the_shipped_scenarios(tmp_path, capsys):
    folder = tmp_path / "scenarios"
    shutil.copytree(SCENARIOS, folder)
    sources = {path.name: path.read_text(encoding="utf-8") for path in folder.glob("*.yaml")}
    rng = random.Random(SEED)
    target = folder / "mutant.yaml"
    failures: list[str] = []
    accepted: list[tuple[str, list[str], str]] = []
    refused = 0
    for count, (name, applied, text) in enumerate(mutants(rng, sources)):
        if count == MUTANTS:
            break
        target.write_bytes(text.encode("utf-8", errors="surrogateescape"))
        what = f"mutant {count} of {name} ({', '.join(applied)}, seed {SEED})"
        try:
            code = main(["validate", str(target)])
        except BaseException as error:  # any escape is the failure sought
            capsys.readouterr()
            failures.append(f"{what}: raised {type(error).__name__}: {error}")
            continue
        _out, err = capsys.readouterr()
        if code == 0:
            accepted.append((name, applied, text))
            continue
        refused += 1
        errors = [line for line in err.splitlines() if line.startswith("error:")]
        unlocated = [line for line in errors if not LOCATED.match(line)]
        if code != 2 or not errors or unlocated:
            failures.append(f"{what}: exit {code}, unlocated: {unlocated[:2] or err[:300]}")
    assert not failures, "\n".join(failures[:20])
    # the mutations are mostly harmful: most are refused, and some survive to be run
    assert refused > MUTANTS // 2
    runnable = [mutant for mutant in accepted if mutant[0] in QUICK][:RUNS]
    assert len(runnable) >= 10
    for index, (name, applied, text) in enumerate(runnable):
        target.write_text(text, encoding="utf-8")
        output = tmp_path / f"run-{index}.nc"
        what = f"accepted mutant of {name} ({', '.join(applied)}, seed {SEED})"
        code = main(["run", str(target), "--deterministic", "-o", str(output), "--workers", "1"])
        capsys.readouterr()
        assert code == 0, what
        assert not _outputs_finite(output), f"{what}: NaN or infinity in {_outputs_finite(output)}"


# --- --set values -------------------------------------------------------------------------

SET_KEYS = [
    "seed", "samples", "horizon.end", "horizon.start", "sites.s.pue", "sites.s.crews",
    "products.p.price", "products.p.tdp", "packaging.c.yield", "packaging.c.capacity",
    "programmes.g.start", "programmes.g.priority", "programmes.g.sites", "hbm_vendors.v.shares",
    "products.p.h100e", "name", "extends", "nothing.here", "products.p.lead_time",
]  # fmt: skip
WORDS = st.sampled_from(["yes", "no", "true", "null", "~", "[]", "{}", "''", "2031-02-30",
                         "2031-13-45", "2026-07", ".nan", "-.inf", "1e308", "USD 1e308/package",
                         "5 months", "-3 months", "150 %", "!!python/name:os.system",
                         "*alias", "&a [*a]", "{value: 3, source: x}", "[s, s]", "1800 W",
                         "0.5", "- a", "a: b: c"])  # fmt: skip
NUMBERS = st.one_of(
    st.integers(-(10**30), 10**30).map(str),
    st.floats(allow_nan=True, allow_infinity=True).map(repr),
)
UNIT_WORDS = st.sampled_from(["", " W", " months", " wafer/month", " %", " USD", " GW"])
VALUES = st.one_of(
    WORDS,
    st.builds(lambda number, unit: number + unit, NUMBERS, UNIT_WORDS),
    st.text(st.characters(exclude_categories=("Cc", "Cs", "Zl", "Zp")), max_size=30),
    st.sampled_from(["a\x07b", "\x00", "x\x1bz"]),  # control characters that end no line
)


@pytest.fixture(scope="module")
def chain_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("set") / "chain.yaml"
    path.write_text(yaml.safe_dump(chain_data(), sort_keys=False), encoding="utf-8")
    return path


@settings(
    max_examples=150,
    deadline=None,
    derandomize=True,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(key=st.sampled_from(SET_KEYS), value=VALUES)
def test_set_values_are_applied_or_refused_with_a_located_message(chain_file, capsys, key, value):
    assignment = f"{key}={value}"
    code = main(["validate", str(chain_file), "--set", assignment])
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    if code == 0:
        scenario = load_scenario(chain_file, [assignment])
        for path, param in iter_params(scenario):
            assert math.isfinite(param.central), (assignment, path)
        return
    assert code == 2, (assignment, err)
    errors = [line for line in err.splitlines() if line.startswith("error:")]
    assert errors, (assignment, err)
    for line in errors:
        # about the argument, or about a place in the file the new value conflicts with
        assert line.startswith(f"error: --set {assignment}: ") or LOCATED.match(line), line


def test_every_key_of_a_scenario_given_the_wrong_kind_of_value(chain_file, capsys):
    # each key of the chain scenario set to a collection (a list or a mapping, by turns)
    # and to a scalar of the wrong kind (a boolean or null, by turns): each is applied or
    # refused with a message about the --set argument, never a crash
    document = yaml.safe_load(chain_file.read_text(encoding="utf-8"))
    keys: list[str] = []

    def walk(node, prefix: str) -> None:
        items = node.items() if isinstance(node, dict) else enumerate(node)
        for key, value in items:
            path = f"{prefix}[{key}]" if isinstance(key, int) else f"{prefix}.{key}".lstrip(".")
            keys.append(path)
            if isinstance(value, dict | list):
                walk(value, path)

    walk(document, "")
    assert len(keys) > 50
    for index, key in enumerate(keys):
        for value in (("[a]", "{a: 1}")[index % 2], ("yes", "null")[index % 2]):
            assignment = f"{key}={value}"
            code = main(["validate", str(chain_file), "--set", assignment])
            out, err = capsys.readouterr()
            assert "Traceback" not in out + err
            assert code in (0, 2), assignment
            for line in err.splitlines():
                if line.startswith("error:"):
                    assert line.startswith(f"error: --set {assignment}: ") or LOCATED.match(line)
