"""Hostile and careless scenario files: each refused with one located message, exit 2.

Files made to exhaust the reader (an alias bomb, recursive aliases, deep nesting, a huge
file), YAML tags, ``extends`` pointed outside the scenario's folders or at things that are
not files, impossible dates, booleans and absurd magnitudes where numbers belong, bad text,
and sweeps whose values the file would refuse. The expected line and column are counted
in the written text here, by hand or by a unique needle.
"""

from __future__ import annotations

import os
import time
import tracemalloc
from pathlib import Path

import pytest
import yaml

from builders import chain_data
from capsim.cli.main import main
from capsim.scenario.document import MAX_SAMPLES
from capsim.scenario.roots import ENVIRONMENT
from capsim.scenario.units import PLAUSIBLE_MAX
from capsim.scenario.yamlcompose import MAX_DEPTH, MAX_NODES
from capsim.scenario.yamlsource import MAX_FILE_BYTES

VALID = yaml.safe_dump(chain_data(), sort_keys=False)


def write(folder: Path, text: str | bytes, name: str = "scenario.yaml") -> Path:
    path = folder / name
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def refused(capsys, *argv: str) -> list[str]:
    """Run ``capsim ARGV``; it must exit 2 with messages and no traceback."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out + err
    assert code == 2, f"exit {code}\n{out}\n{err}"
    lines = err.splitlines()
    assert lines
    assert lines[0].startswith("error: ")
    return lines


def at(text: str, needle: str) -> str:
    """``LINE:COL`` (from 1) of the one occurrence of ``needle`` in ``text``."""
    assert text.count(needle) == 1
    index = text.index(needle)
    return f"{text.count(chr(10), 0, index) + 1}:{index - (text.rfind(chr(10), 0, index) + 1) + 1}"


# --- 4. resource limits --------------------------------------------------------------------


def alias_bomb() -> str:
    """Nine levels of nine aliases: 9**9 (about 387 million) strings from ~340 bytes."""
    lines = ['a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]']
    for previous, name in zip("abcdefgh", "bcdefghi", strict=True):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{previous}"] * 9) + "]")
    return "\n".join(lines) + "\n"


def test_alias_bomb_is_refused_within_a_second_and_100_mb(tmp_path, capsys):
    text = alias_bomb()
    assert len(text) < 400
    path = write(tmp_path, text)
    tracemalloc.start()
    started = time.perf_counter()
    try:
        lines = refused(capsys, "validate", str(path))
        elapsed = time.perf_counter() - started
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert elapsed < 1.0
    assert peak < 100e6
    # Expanded, list a holds 10 values (itself and 9 strings) and each next list
    # 1 + 9 x the previous: b 91, c 820, d 7,381, e 66,430. With the root mapping and
    # one value per key, lines 1-5 hold 1 + (1 + 10) + (1 + 91) + (1 + 820) + (1 + 7,381)
    # + (1 + 66,430) = 74,738 values; line 6 adds key f and its list (74,740), then
    # 66,430 per alias: the second *e makes 207,600, past the limit of 200,000.
    assert MAX_NODES == 200_000
    assert lines[0] == (
        f"error: {path}:6:{len('f: &f [*e,') + 1}: the document expands past the limit "
        f"of {MAX_NODES:,} values here, once its aliases are expanded"
    )


@pytest.mark.parametrize(
    ("text", "needle"),
    [
        ("name: x\nloop: &x\n  inner: *x\n", "*x"),
        ("name: x\nloop: &x [1, *x]\n", "*x"),
    ],
)
def test_recursive_alias_is_located(tmp_path, capsys, text, needle):
    path = write(tmp_path, text)
    assert refused(capsys, "validate", str(path))[0] == (
        f"error: {path}:{at(text, needle)}: recursive alias *x: it is inside the node it names"
    )


@pytest.mark.parametrize("style", ["flow", "block"])
def test_nesting_600_deep_is_located_with_its_limit(tmp_path, capsys, style):
    if style == "flow":
        text = "name: x\ndeep: " + "[" * 600 + "]" * 600 + "\n"
        # the mapping is level 1, so the (MAX_DEPTH)th bracket opens level MAX_DEPTH + 1
        where = f"2:{len('deep: ') + MAX_DEPTH}"
    else:
        text = "".join("  " * i + f"k{i}:\n" for i in range(600)) + "  " * 600 + "x: 1\n"
        # key k(i) opens the mapping of level i + 2 on line i + 2, indented 2 * (i + 1)
        line = MAX_DEPTH
        where = f"{line + 1}:{2 * line + 1}"
    path = write(tmp_path, text)
    assert refused(capsys, "validate", str(path))[0] == (
        f"error: {path}:{where}: nesting deeper than the limit of {MAX_DEPTH} lists and mappings"
    )


def test_a_file_larger_than_the_limit_is_not_read(tmp_path, capsys):
    path = write(tmp_path, VALID + "#" * MAX_FILE_BYTES + "\n")
    assert refused(capsys, "validate", str(path))[0] == (
        f"error: {path}: cannot read the file (larger than the limit of "
        f"{MAX_FILE_BYTES // 1024:,} KiB for a scenario file)"
    )


# --- 7. tags --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("line", "shown"),
    [
        ("note: !!python/name:os.system x", "!!python/name:os.system"),
        ("note: !include secrets.yaml", "!include"),
        ("note: !!str text", "!!str"),
        ("note: !mapping {a: 1}", "!mapping"),
        ("note: !!seq [1, 2]", "!!seq"),
    ],
)
def test_any_tag_is_refused_where_it_stands(tmp_path, capsys, line, shown):
    text = VALID + line + "\n"
    path = write(tmp_path, text)
    assert refused(capsys, "validate", str(path))[0] == (
        f"error: {path}:{at(text, line.split(' ', 1)[1])}: YAML tags are not allowed in "
        f"scenario files, found {shown!r}; write the value plainly (quote it if it is text)"
    )


def test_a_tag_on_the_top_level_mapping_is_refused(tmp_path, capsys):
    text = "--- !scenario\n" + VALID
    path = write(tmp_path, text)
    assert "YAML tags are not allowed" in refused(capsys, "validate", str(path))[0]


# --- 5. extends: only inside the allowed folders, only regular files ---------------------


@pytest.fixture
def tree(tmp_path: Path) -> Path:
    """A scenario folder ``tree/`` with a valid base, beside a folder ``outside/``."""
    write(tmp_path / "tree", VALID, "base.yaml")
    write(tmp_path / "outside", VALID, "base.yaml")
    return tmp_path / "tree"


def extending(tree: Path, name: str) -> Path:
    return write(tree, f"extends: {name}\nname: child\n", "child.yaml")


def test_a_base_in_the_folder_tree_is_read(tree, capsys):
    write(tree / "bases", f"extends: ../base.yaml\n{VALID.split(chr(10), 1)[1]}", "mid.yaml")
    assert main(["validate", str(extending(tree, "bases/mid.yaml"))]) == 0
    assert "ok:" in capsys.readouterr().out


@pytest.mark.parametrize("how", ["dotdot", "absolute", "symlink"])
def test_a_base_outside_the_tree_is_refused_without_being_read(tree, capsys, how):
    outside = (tree.parent / "outside" / "base.yaml").resolve()
    if how == "dotdot":
        name = "../outside/base.yaml"
    elif how == "absolute":
        name = str(outside)
    else:
        (tree / "link.yaml").symlink_to(outside)
        name = "link.yaml"
    child = extending(tree, name)
    line = refused(capsys, "validate", str(child))[0]
    assert line.startswith(f"error: {child}:1:1: extends: base scenario {name!r} ({outside}) ")
    assert "is outside the folders a scenario may extend" in line
    assert str(tree.resolve()) in line
    assert line.endswith("allow its folder with --allow-extends DIR")


def test_a_bare_name_not_beside_the_file_is_a_shipped_scenario(tree, capsys):
    # scenario-format.md's campus example extends base-world.yaml from any folder
    child = write(tree, "extends: base-world.yaml\nname: child\n", "child.yaml")
    assert main(["describe", str(child)]) == 0
    assert "Shared AI-compute market" in capsys.readouterr().out  # base-world's description
    write(tree, VALID, "base-world.yaml")  # a file beside the scenario comes first
    assert main(["describe", str(child)]) == 0
    assert "Shared AI-compute market" not in capsys.readouterr().out


def test_a_missing_bare_name_says_where_it_looked(tree, capsys):
    child = extending(tree, "base-wrld.yaml")
    line = refused(capsys, "validate", str(child))[0]
    shipped = Path(__file__).resolve().parents[1] / "scenarios" / "base-wrld.yaml"
    assert line == (
        f"error: {child}:1:1: extends: base scenario 'base-wrld.yaml' not found (looked for "
        f"{(tree / 'base-wrld.yaml').resolve()} and {shipped})"
    )


def test_allow_extends_widens_the_folders(tree, capsys):
    child = extending(tree, "../outside/base.yaml")
    outside = str(tree.parent / "outside")
    assert main(["validate", str(child), "--allow-extends", outside]) == 0
    capsys.readouterr()


def test_the_environment_widens_the_folders(tree, capsys, monkeypatch):
    child = extending(tree, "../outside/base.yaml")
    monkeypatch.setenv(ENVIRONMENT, str(tree.parent / "outside"))
    assert main(["validate", str(child)]) == 0
    capsys.readouterr()


def test_a_system_file_is_refused_and_never_echoed(tree, capsys):
    child = extending(tree, "/etc/passwd")
    lines = refused(capsys, "validate", str(child), "--allow-extends", "/etc")
    assert (
        lines[0]
        == f"error: {child}:1:1: extends: base scenario '/etc/passwd' is not a .yaml or .yml file"
    )


def test_a_file_that_is_not_a_scenario_is_not_echoed(tree, capsys):
    write(tree, "api_key: SECRET-TOKEN-123\nname: x\n", "settings.yaml")
    lines = refused(capsys, "validate", str(extending(tree, "settings.yaml")))
    assert "SECRET" not in "\n".join(lines)
    assert "api_key" not in "\n".join(lines)
    assert lines[0] == (
        f"error: {tree / 'settings.yaml'}: not a scenario file: 1 top-level key(s) that "
        "no scenario has (the first on line 1)"
    )


def test_a_fifo_named_like_a_scenario_is_refused_without_blocking(tree, capsys):
    os.mkfifo(tree / "pipe.yaml")
    started = time.perf_counter()
    lines = refused(capsys, "validate", str(extending(tree, "pipe.yaml")))
    assert time.perf_counter() - started < 5
    assert lines[0] == (
        f"error: {(tree / 'pipe.yaml').resolve()}: cannot read the file "
        "(not a regular file: expected a scenario file)"
    )


def test_dev_zero_is_refused(tree, capsys):
    lines = refused(
        capsys, "validate", str(extending(tree, "/dev/zero")), "--allow-extends", "/dev"
    )
    assert lines[0] == (
        f"error: {tree / 'child.yaml'}:1:1: extends: base scenario '/dev/zero' is not a .yaml "
        "or .yml file"
    )


def test_a_folder_given_as_a_scenario_is_refused(tree, capsys):
    assert refused(capsys, "validate", str(tree))[0] == (
        f"error: {tree}: cannot read the file (a folder: expected a scenario file)"
    )


@pytest.mark.parametrize(("written", "found"), [("''", "an empty name"), ("[]", "[]")])
def test_empty_extends_names_the_key(tree, capsys, written, found):
    child = write(tree, f"name: child\nextends: {written}\n", "child.yaml")
    assert refused(capsys, "validate", str(child))[0] == (
        f"error: {child}:2:1: extends: expected the file name of a base scenario "
        f"(or a list of them), found {found}"
    )


def test_extends_cannot_be_set_on_the_command_line(tree, capsys):
    path = tree / "base.yaml"
    assert refused(capsys, "validate", str(path), "--set", "extends=other.yaml")[0] == (
        "error: --set extends=other.yaml: extends: cannot be set on the command line "
        "(bases are read with the file); write a scenario file that extends the bases instead"
    )


# --- 6. impossible dates ------------------------------------------------------------------


@pytest.mark.parametrize(
    ("date", "reason"),
    [("2031-13-45", "month must be in 1..12"), ("2031-02-30", "day is out of range for month")],
)
def test_an_impossible_date_in_a_file_is_located(tmp_path, capsys, date, reason):
    text = VALID.replace("end: '2026-12-31'", f"end: {date}")
    path = write(tmp_path, text)
    assert refused(capsys, "validate", str(path))[0] == (
        f"error: {path}:{at(text, date)}: horizon.end: not a calendar date: '{date}' ({reason})"
    )


@pytest.mark.parametrize("quoted", [False, True])
def test_an_impossible_date_in_set_is_located(tmp_path, capsys, quoted):
    path = write(tmp_path, VALID)
    value = "'2031-02-30'" if quoted else "2031-02-30"
    assert refused(capsys, "validate", str(path), "--set", f"horizon.end={value}")[0] == (
        f"error: --set horizon.end={value}: horizon.end: not a calendar date: '2031-02-30' "
        "(day is out of range for month)"
    )


# --- 12. strict types ---------------------------------------------------------------------

BOOLEAN = "(yes, no, true, false, on and off are booleans in YAML, not numbers)"


@pytest.mark.parametrize(
    ("key", "written", "message"),
    [
        ("seed", "yes", "expected a valid integer, found true (a boolean)"),
        ("samples", "true", "expected a valid integer, found true (a boolean)"),
        (
            "sites.s.pue",
            "yes",
            f"expected a dimensionless number (e.g. '0.85'), found the boolean true {BOOLEAN}",
        ),
        (
            "sites.s.crews",
            "true",
            f"expected a dimensionless number (e.g. '0.85'), found the boolean true {BOOLEAN}",
        ),
        ("programmes.g.priority", "on", "expected a valid integer, found true (a boolean)"),
    ],
)
def test_booleans_are_not_numbers(tmp_path, capsys, key, written, message):
    path = write(tmp_path, VALID)
    lines = refused(capsys, "validate", str(path), "--set", f"{key}={written}")
    assert lines[0] == f"error: --set {key}={written}: {key}: {message}"


def test_a_boolean_in_a_file_is_located(tmp_path, capsys):
    text = VALID.replace("name: chain", "name: chain\nseed: yes", 1)
    path = write(tmp_path, text)
    assert refused(capsys, "validate", str(path))[0] == (
        f"error: {path}:{at(text, 'yes')}: seed: expected a valid integer, found true (a boolean)"
    )


@pytest.mark.parametrize("number", [".nan", ".inf", "-.inf"])
def test_non_finite_numbers_are_refused(tmp_path, capsys, number):
    path = write(tmp_path, VALID)
    line = refused(capsys, "validate", str(path), "--set", f"sites.s.pue={number}")[0]
    assert line.endswith(f"found {number} (not finite)")


@pytest.mark.parametrize(
    "case",
    [
        ("products.p.price", "USD 1e308/package", "USD/package", 1e308),
        ("products.p.tdp", "1e20 W", "W", 1e20),
        # 1e9 years is 1.2e10 months (12 a year)
        ("products.p.lead_time", "1e9 years", "month", 1.2e10),
    ],
)
def test_absurd_magnitudes_are_refused_with_the_plausible_range(tmp_path, capsys, case):
    key, written, unit, canonical = case
    path = write(tmp_path, VALID)
    line = refused(capsys, "validate", str(path), "--set", f"{key}={written}")[0]
    assert f"of at most {PLAUSIBLE_MAX[unit]:g} {unit} in size" in line
    assert f"found {written!r} ({canonical:g} {unit}): beyond any plausible value" in line


def test_too_many_samples_are_refused(tmp_path, capsys):
    path = write(tmp_path, VALID)
    line = refused(capsys, "validate", str(path), "--set", f"samples={MAX_SAMPLES + 1}")[0]
    assert line.startswith(f"error: --set samples={MAX_SAMPLES + 1}: samples: expected ")


# --- 14. messages: located, no internal reprs ----------------------------------------------


def test_a_control_character_is_located_by_line_and_column(tmp_path, capsys):
    text = VALID.replace("name: chain", "name: ch\x07ain")
    path = write(tmp_path, text)
    assert refused(capsys, "validate", str(path))[0] == (
        f"error: {path}:1:9: control character U+0007 is not allowed in a scenario file "
        "(only tab, line feed and carriage return are)"
    )


def test_invalid_utf8_is_located_by_line_and_column(tmp_path, capsys):
    data = VALID.encode().replace(b"name: chain", b"name: chain\ndescription: caf\xe9 ok", 1)
    path = write(tmp_path, data)
    assert refused(capsys, "validate", str(path))[0] == (
        f"error: {path}:2:17: not valid UTF-8 text (byte 0xE9); save the file as UTF-8"
    )


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        ("programmes.g=5", "programmes.g: expected a mapping of keys, found 5"),
        ("seed=2025-01-01", "seed: expected a valid integer, found '2025-01-01'"),
        ("sites.s.pue=2025-01-01", "found '2025-01-01' (not one number and a unit)"),
    ],
)
def test_messages_show_values_as_written_not_python_reprs(tmp_path, capsys, assignment, message):
    path = write(tmp_path, VALID)
    text = "\n".join(refused(capsys, "validate", str(path), "--set", assignment))
    assert message in text
    for leak in ("instance of", "datetime.", "Programme", "True", "None"):
        assert leak not in text


# --- 11. sweeps checked like the file ----------------------------------------------------

SWEEP = ("--workers", "1", "--no-progress")


@pytest.mark.parametrize(
    ("vary", "expected"),
    [
        (
            "packaging.c.capacity=-0.5x:1x:2",
            "packaging.c.capacity.value: with packaging.c.capacity at its low end: expected a "
            "wafer rate (e.g. '35 kwafer/month') that is >= 0, found '-50.0 wafer/month'",
        ),
        (
            "packaging.c.yield=0.5x:1.5x:2",
            "packaging.c.yield.value: with packaging.c.yield at its high end: expected a "
            "dimensionless number (e.g. '0.85') between 0 and 1 (0-100 %), found 1.5",
        ),
        (
            "products.p.lead_time=-2 months:3 months:2",
            "products.p.lead_time.value: with products.p.lead_time at its low end: expected a "
            "duration (e.g. '18 months') that is >= 0, found '-2.0 month'",
        ),
        ("packaging.c.capacity=nanx:1x", "expected finite values or multipliers"),
    ],
)
def test_sweep_values_the_file_would_refuse_are_refused(tmp_path, capsys, vary, expected):
    path = write(tmp_path, VALID)
    lines = refused(capsys, "sweep", str(path), "--vary", vary, *SWEEP)
    assert lines[0] == f"error: --vary {vary}: {expected}"


@pytest.mark.parametrize(
    ("vary", "expected"),
    [
        (
            "products.p.lead_time=3 months:0.25 year",
            "products.p.lead_time: LOW and HIGH are the same ('3 months:0.25 year'), so there "
            "is nothing to vary; to fix it at one value use --set products.p.lead_time=VALUE",
        ),
        (
            "packaging.c=1x:1x",
            "packaging.c: LOW and HIGH are the same ('1x:1x'), so there is nothing to vary",
        ),
    ],
    ids=["quantities", "multipliers"],
)
def test_a_range_with_nothing_in_it_is_refused(tmp_path, capsys, vary, expected):
    # 3 months and a quarter of a year are one value: every point would be the same run.
    path = write(tmp_path, VALID)
    lines = refused(capsys, "sweep", str(path), "--vary", vary, *SWEEP)
    assert lines[0] == f"error: --vary: {expected}"


def test_a_huge_sweep_is_refused_with_its_size_before_allocating(tmp_path, capsys):
    path = write(tmp_path, VALID)
    varies = ["packaging.c.capacity=1x:2x:100000", "products.p.lead_time=0 months:9 months:100000"]
    tracemalloc.start()
    try:
        lines = refused(
            capsys, "sweep", str(path), "--vary", varies[0], "--vary", varies[1], *SWEEP
        )
        _, peak = tracemalloc.get_traced_memory()
    finally:
        tracemalloc.stop()
    assert peak < 100e6
    assert lines[0] == (
        "error: the sweep would run 10,000,000,000 samples (100000 x 100000 points x 1 "
        f"replicate(s)), more than the limit of {MAX_SAMPLES:,}; use fewer points"
    )


@pytest.mark.parametrize(
    ("assignment", "message"),
    [
        (
            "programmes.g.start=9999-12-31",
            "programmes.g.start: expected a date from 1900-01-01 to 2199-12-31, found '9999-12-31'",
        ),
        (
            "horizon.end=2090-01-01",
            "horizon.end: a horizon of at most 50 years is simulated, found 2026-01-01 to "
            "2090-01-01",
        ),
    ],
)
def test_dates_and_horizons_beyond_what_results_can_hold_are_refused(
    tmp_path, capsys, assignment, message
):
    path = write(tmp_path, VALID)
    line = refused(capsys, "run", str(path), "--deterministic", "--set", assignment)[0]
    assert line == f"error: --set {assignment}: {message}"


def test_a_nul_character_in_a_base_name_is_located(tree, capsys):
    child = write(tree, 'name: child\nextends: "base.yaml\\0"\n', "child.yaml")
    assert refused(capsys, "validate", str(child))[0] == (
        f"error: {child}:2:1: extends: base scenario 'base.yaml\\x00': a file name cannot "
        "contain a NUL character"
    )


def test_bytes_that_are_not_utf8_in_set_are_refused(tmp_path, capsys):
    # an argument byte that is not UTF-8 reaches Python as a lone surrogate (PEP 383)
    path = write(tmp_path, VALID)
    assignment = "name=caf" + b"\xe9".decode("utf-8", errors="surrogateescape")
    lines = refused(capsys, "validate", str(path), "--set", assignment)
    assert lines[0].endswith(": name: not valid UTF-8 text (byte 0xE9)")


@pytest.mark.parametrize(
    ("key", "written", "says"),
    [
        # a power of a number is not a unit (pint overflowed, or hung on 10**10**10)
        ("products.p.tdp", "10**400 W", "found '10**400 W' (not one number and a unit)"),
        ("products.p.tdp", "1 W**1000000000", "(not one number and a unit)"),
        ("products.p.tdp", "10**10**10 W", "(not one number and a unit)"),
        # finite as written, infinite in the canonical unit
        ("products.p.tdp", "1e308 kW", "found '1e308 kW' (too large)"),
        # divides site power: 1e-300 W made infinite packages and a traceback
        ("products.p.it_power", "1e-300 W", "of 0 or at least 0.001 W in size"),
        # every quantity is 0 or more: -100 MW was met at the start
        ("milestones.first-gw.threshold", "-100 MW", "that is >= 0, found '-100 MW'"),
    ],
)
def test_quantities_that_broke_the_model_are_refused_where_written(
    tmp_path, capsys, key, written, says
):
    path = write(tmp_path, VALID)
    line = refused(capsys, "validate", str(path), "--set", f"{key}={written}")[0]
    assert line.startswith(f"error: --set {key}={written}: {key}")
    assert says in line


def test_a_units_own_power_is_still_read(tmp_path, capsys):
    # mm^2 and mm**2 are the unit's power, not a number's
    path = write(tmp_path, VALID)
    for area in ("100 mm^2", "100 mm**2", "1 cm^2"):
        assert main(["validate", str(path), "--set", f"products.p.logic.die_area={area}"]) == 0
    capsys.readouterr()


def test_blocks_and_tranches_are_bounded_and_whole(tmp_path, capsys):
    # 1e9 blocks hung the run; 1e9 tranches ran out of memory; "3" was read as 3
    data = chain_data()
    data["sites"]["s"]["buildings"][0]["blocks"] = 1_000_000_000
    path = write(tmp_path, yaml.safe_dump(data, sort_keys=False))
    line = refused(capsys, "validate", str(path))[0]
    assert "sites.s.buildings[0].blocks: expected less than or equal to 1000" in line
    data["sites"]["s"]["buildings"][0]["blocks"] = "3"
    path = write(tmp_path, yaml.safe_dump(data, sort_keys=False))
    assert "sites.s.buildings[0].blocks" in refused(capsys, "validate", str(path))[0]


def test_a_lognormal_share_may_not_spill_over_100_percent(tmp_path, capsys):
    # median 95 %, P90 99.9 %: about 10 % of draws above 100 % (a yield of 1.04 was run)
    data = chain_data()
    data["packaging"]["c"]["yield"] = {"dist": "lognormal", "median": "95 %", "p90": "99.9 %"}
    path = write(tmp_path, yaml.safe_dump(data, sort_keys=False))
    line = refused(capsys, "validate", str(path))[0]
    assert "packaging.c.yield.p90: this lognormal distribution puts 9.6% outside" in line


def test_one_parameter_varied_twice_is_refused(tmp_path, capsys):
    # the second range silently replaced the first (1.1 and 1.3 never ran)
    path = write(tmp_path, VALID)
    first, second = "sites.s.pue=1.1:1.3:2", "sites.s.pue=1.2:1.4:2"
    line = refused(capsys, "sweep", str(path), "--vary", first, "--vary", second)[0]
    assert line == f"error: --vary {second} and --vary {first} both set sites.s.pue; " + (
        "give each parameter one range"
    )


def test_a_scenario_needs_a_name(tmp_path, capsys):
    # an empty name was accepted, and outputs were titled ""
    data = chain_data()
    data["name"] = ""
    path = write(tmp_path, yaml.safe_dump(data, sort_keys=False))
    assert (
        "name: string should have at least 1 character" in refused(capsys, "validate", str(path))[0]
    )
