"""Bad scenario input through the CLI: every mistake is reported as
``error: FILE:LINE:COL: key.path: message`` on stderr, with exit code 2, no traceback,
and (for ``run``) no output file left behind.

Each case starts from ``chain_data()`` (a valid scenario), breaks one thing, writes the
YAML to ``tmp_path`` and runs ``capsim validate`` (or ``capsim run``) in-process. The
expected line and column are found in the written text by a unique needle.
"""

from __future__ import annotations

import copy
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic import BaseModel

from builders import chain_data, set_path
from capsim.cli.main import main
from capsim.scenario.buildout import Site
from capsim.scenario.document import Scenario
from capsim.scenario.supply import Contract, Product, Window

ROOT = Path(__file__).resolve().parents[1]
POWER = "expected a power (e.g. '1800 W')"
DURATION = "expected a duration (e.g. '18 months')"
WAFER_RATE = "expected a wafer rate (e.g. '35 kwafer/month')"
RISK_KINDS = "'qualification_failure', 'capacity_loss', 'delay'"
FRACTION = "expected a dimensionless number (e.g. '0.85') between 0 and 1 (0-100 %)"


def keys_of(model: type[BaseModel]) -> str:
    """The keys a "did you mean" message lists for ``model``: every field, sorted."""
    return ", ".join(sorted(field.alias or name for name, field in model.model_fields.items()))


PRODUCT_KEYS = keys_of(Product)
CONTRACT_KEYS = keys_of(Contract)
WINDOW_KEYS = keys_of(Window)
SCENARIO_KEYS = keys_of(Scenario)
SITE_KEYS = keys_of(Site)
RISK = {
    "probability": "10 %",
    "date": "2026-06-01",
    "effect": {
        "kind": "capacity_loss",
        "target": "packaging.c",
        "loss": "50 %",
        "duration": "3 months",
    },
}


# --- helpers ---------------------------------------------------------------------------------


def dump(data: dict[str, Any]) -> str:
    return yaml.safe_dump(data, sort_keys=False)


def chain_text(**changes: Any) -> str:
    """The chain scenario as YAML, with ``changes`` applied by dotted path."""
    return dump(chain_data(**changes))


def scalar(value: Any) -> str:
    """How ``value`` appears after ``key: `` in the dumped YAML."""
    return yaml.safe_dump(value, default_flow_style=True).split("\n")[0]


def write(tmp_path: Path, text: str, name: str = "scenario.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def at(text: str, needle: str) -> str:
    """``LINE:COL`` (from 1) of the one occurrence of ``needle`` in ``text``."""
    assert text.count(needle) == 1, f"needle {needle!r} is not unique in the YAML"
    index = text.index(needle)
    line = text.count("\n", 0, index) + 1
    column = index - (text.rfind("\n", 0, index) + 1) + 1
    return f"{line}:{column}"


def problem(path: Path, text: str, needle: str, key_path: str, message: str) -> str:
    """The stderr line for one problem located at ``needle``."""
    return f"error: {path}:{at(text, needle)}: {key_path}: {message}"


def at_value(path: Path, text: str, needle: str, key_path: str, message: str) -> str:
    """The stderr line for one problem located at the value of a ``key: value`` needle."""
    line, column = at(text, needle).split(":")
    column = str(int(column) + needle.index(": ") + 2)
    return f"error: {path}:{line}:{column}: {key_path}: {message}"


def count_line(count: int) -> str:
    return f"{count} problem{'s' if count != 1 else ''} found"


def cli(capsys: pytest.CaptureFixture[str], *argv: str) -> tuple[int, str, str]:
    """Run ``capsim ARGV`` in-process; its exit code, stdout and stderr."""
    code = main(list(argv))
    out, err = capsys.readouterr()
    assert "Traceback" not in out
    assert "Traceback" not in err
    return code, out, err


def validate(capsys: pytest.CaptureFixture[str], path: Path, *extra: str) -> list[str]:
    """``capsim validate PATH``, which must fail with code 2; its stderr lines."""
    code, out, err = cli(capsys, "validate", str(path), *extra)
    assert code == 2, f"exit code {code}\nstdout:\n{out}\nstderr:\n{err}"
    assert err, "no message on stderr"
    return err.splitlines()


def run_fails(
    capsys: pytest.CaptureFixture[str], tmp_path: Path, path: Path, *extra: str
) -> list[str]:
    """``capsim run PATH --deterministic -o tmp/r.nc`` must fail with code 2 and write
    nothing; its stderr lines."""
    output = tmp_path / "r.nc"
    argv = ["run", str(path), "--deterministic", "-o", str(output), *extra]
    code, out, err = cli(capsys, *argv)
    assert code == 2, f"exit code {code}\nstdout:\n{out}\nstderr:\n{err}"
    assert not output.exists()
    assert not list(tmp_path.glob(".r.nc.*")), "temporary output left behind"
    return err.splitlines()


def only(lines: list[str], *expected: str) -> None:
    """``lines`` are exactly the ``expected`` problems and the count line."""
    assert lines == [*expected, count_line(len(expected))]


def renamed(data: dict[str, Any], old: str, new: str) -> dict[str, Any]:
    """``data`` with key ``old`` renamed to ``new``, in place (order kept)."""
    return {new if key == old else key: value for key, value in data.items()}


# --- the valid base: control cases -----------------------------------------------------------


def test_valid_base_validates(tmp_path, capsys):
    path = write(tmp_path, chain_text())
    code, out, err = cli(capsys, "validate", str(path))
    assert code == 0, err
    assert out.startswith(f"ok: {path} (chain: ")
    assert err == ""


def test_valid_base_runs_and_writes_its_output(tmp_path, capsys):
    path = write(tmp_path, chain_text())
    output = tmp_path / "r.nc"
    code, _, err = cli(capsys, "run", str(path), "--deterministic", "-o", str(output))
    assert code == 0, err
    assert output.is_file()
    assert not list(tmp_path.glob(".r.nc.*"))


# --- 1. typo'd keys --------------------------------------------------------------------------
# A misspelt key is one mistake: its "did you mean" names the required key it stands for,
# which is not reported missing as well.


def test_typo_in_product_key_suggests_the_right_key(tmp_path, capsys):
    data = chain_data()
    data["products"]["p"] = renamed(data["products"]["p"], "tdp", "tpd")
    text = dump(data)
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        problem(
            path,
            text,
            "tpd:",
            "products.p.tpd",
            f"unknown key 'tpd'; did you mean 'tdp'? (expected one of: {PRODUCT_KEYS})",
        ),
    )


def test_typo_in_top_level_key_suggests_the_right_key(tmp_path, capsys):
    text = dump(renamed(chain_data(), "horizon", "horizn"))
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        problem(
            path,
            text,
            "horizn:",
            "horizn",
            f"unknown key 'horizn'; did you mean 'horizon'? (expected one of: {SCENARIO_KEYS})",
        ),
    )


def test_typo_in_site_key_suggests_the_right_key(tmp_path, capsys):
    data = chain_data()
    data["sites"]["s"]["cuntry"] = data["sites"]["s"].pop("country")
    text = dump(data)
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        problem(
            path,
            text,
            "cuntry:",
            "sites.s.cuntry",
            f"unknown key 'cuntry'; did you mean 'country'? (expected one of: {SITE_KEYS})",
        ),
    )


# --- 2. wrong unit dimension -----------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        (
            "products.p.tdp",
            "1800 kg",
            "products.p.tdp",
            f"{POWER}, found '1800 kg' (kg, which is a mass)",
        ),
        (
            "products.p.lead_time",
            "18 m",
            "products.p.lead_time",
            f"{DURATION}, found '18 m' (m, which is a length)",
        ),
        (
            "packaging.c.capacity",
            "100 package/month",
            "packaging.c.capacity",
            f"{WAFER_RATE}, found '100 package/month' (package / month, which is a package rate)",
        ),
        (
            "products.p.tdp",
            "1800",
            "products.p.tdp",
            f"{POWER}, found '1800' (a number without a unit)",
        ),
        (
            "products.p.it_power",
            2000,
            "products.p.it_power",
            f"{POWER}, found 2000 (a number without a unit)",
        ),
        (
            "products.p.tdp",
            "50 %",
            "products.p.tdp",
            f"{POWER}, found '50 %' (a number without a unit)",
        ),
    ],
    ids=["mass-for-power", "length-for-duration", "packages-for-wafers", "text", "int", "percent"],
)
def test_wrong_unit_dimension(tmp_path, capsys, case):
    key, value, key_path, message = case
    text = chain_text(**{key: value})
    path = write(tmp_path, text)
    needle = f"{key.rsplit('.', 1)[1]}: {scalar(value)}"
    only(validate(capsys, path), at_value(path, text, needle, key_path, message))


# --- 3. unparsable quantities ----------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "products.p.lead_time",
            "18 mnths",
            f"{DURATION}, found '18 mnths' (unknown unit 'mnths')",
        ),
        ("products.p.lead_time", "fast", f"{DURATION}, found 'fast' (unknown unit 'fast')"),
        ("products.p.tdp", "1800 WW", f"{POWER}, found '1800 WW' (unknown unit 'WW')"),
        ("products.p.tdp", "inf W", f"{POWER}, found 'inf W' (not finite)"),
    ],
    ids=["mnths", "no-number", "WW", "infinite"],
)
def test_unparsable_quantity(tmp_path, capsys, key, value, message):
    text = chain_text(**{key: value})
    path = write(tmp_path, text)
    needle = f"{key.rsplit('.', 1)[1]}: {scalar(value)}"
    only(validate(capsys, path), at_value(path, text, needle, key, message))


@pytest.mark.parametrize("value", ["1.8.0 kW", "1 800 W", "1..8 kW", "2 2 kW"])
def test_malformed_number_is_rejected(tmp_path, capsys, value):
    text = chain_text(**{"products.p.tdp": value})
    path = write(tmp_path, text)
    lines = validate(capsys, path)
    expected = at_value(path, text, f"tdp: {value}", "products.p.tdp", f"{POWER}, found {value!r}")
    only(lines, f"{expected} (not one number and a unit)")


# --- 4. negative or zero capacities ----------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "value", "message"),
    [
        (
            "packaging.c.capacity",
            "-5 wafer/month",
            f"{WAFER_RATE} that is >= 0, found '-5 wafer/month'",
        ),
        (
            "logic_fabs.f.wafer_starts",
            "-10 wafer/month",
            f"{WAFER_RATE} that is >= 0, found '-10 wafer/month'",
        ),
        (
            "hbm_vendors.v.capacity.HBM4",
            "-4000 stack/month",
            "expected an HBM stack rate (e.g. '1.2e6 stack/month') that is >= 0, "
            "found '-4000 stack/month'",
        ),
        (
            "sites.s.crews",
            0,
            "expected a dimensionless number (e.g. '0.85') that is > 0, found 0",
        ),
    ],
    ids=["cowos", "wafer-starts", "hbm", "zero-crews"],
)
def test_negative_capacity(tmp_path, capsys, key, value, message):
    text = chain_text(**{key: value})
    path = write(tmp_path, text)
    needle = f"{key.rsplit('.', 1)[1]}: {scalar(value)}"
    only(validate(capsys, path), at_value(path, text, needle, key, message))


@pytest.mark.parametrize("value", ["-1 GW", "0 W"])
@pytest.mark.parametrize("blocks", [1, 10])
def test_a_building_without_it_capacity(tmp_path, capsys, value, blocks):
    # a building of no IT capacity is refused at its key, however many blocks it has
    text = chain_text(
        **{"sites.s.buildings.0.it_capacity": value, "sites.s.buildings.0.blocks": blocks}
    )
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        at_value(
            path,
            text,
            f"it_capacity: {value}",
            "sites.s.buildings[0].it_capacity",
            f"{POWER} that is > 0, found {value!r}",
        ),
    )


def test_negative_point_of_a_capacity_series(tmp_path, capsys):
    points = [
        {"date": "2026-01-01", "value": "100 wafer/month", "source": "assumption"},
        {"date": "2026-06-30", "value": "-20 wafer/month", "source": "assumption"},
    ]
    text = chain_text(**{"packaging.c.capacity": points})
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        at_value(
            path,
            text,
            "value: -20 wafer/month",
            "packaging.c.capacity[1].value",
            f"{WAFER_RATE} that is >= 0, found '-20 wafer/month'",
        ),
    )


# --- 5. shares above 100 % -------------------------------------------------------------------


@pytest.mark.parametrize(
    ("key", "needle", "key_path"),
    [
        ("logic_fabs.f.shares", "d: 120 %", "logic_fabs.f.shares.d"),
        ("programmes.g.share", "share: 120 %", "programmes.g.share"),
    ],
    ids=["designer-share", "contracted-share"],
)
def test_single_share_of_120_percent(tmp_path, capsys, key, needle, key_path):
    value = {"d": "120 %"} if key.endswith("shares") else "120 %"
    text = chain_text(**{key: value})
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        at_value(path, text, needle, key_path, f"{FRACTION}, found '120 %'"),
    )


@pytest.mark.parametrize("owner", ["packaging.c", "logic_fabs.f", "hbm_vendors.v"])
def test_shares_of_one_line_add_up_to_more_than_100_percent(tmp_path, capsys, owner):
    text = chain_text(**{f"{owner}.shares": {"d": "60 %", "e": "50 %"}})
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        # located where the shares mapping starts: its first entry
        problem(
            path, text, "d: 60 %", f"{owner}.shares", "shares add up to 110%; expected <= 100%"
        ),
    )


def test_contracted_shares_of_one_product_add_up_to_more_than_100_percent(tmp_path, capsys):
    data = chain_data(**{"programmes.g.share": "70 %"})
    data["programmes"]["h"] = {**data["programmes"]["g"], "share": "45 %", "sites": []}
    text = dump(data)
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        at_value(
            path,
            text,
            "share: 70 %",
            "programmes.g.share",
            "contracted shares of product 'p' add up to 115% (g, h); expected <= 100%",
        ),
    )


# --- 6. dates in the wrong order -------------------------------------------------------------


def test_horizon_end_before_start(tmp_path, capsys):
    text = chain_text(**{"horizon.end": "2025-06-30"})
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        at_value(
            path,
            text,
            "end: '2025-06-30'",
            "horizon.end",
            "end must come after start (2026-01-01), found 2025-06-30",
        ),
    )


def test_a_claim_due_after_the_horizon_ends_cannot_be_judged(tmp_path, capsys):
    claim = {"milestone": "m", "by": "2028-06-30", "statement": "s", "source": "assumption"}
    text = chain_text(
        **{
            "milestones.m": {"quantity": "it_power_online", "threshold": "5 MW", "programme": "g"},
            "claims": {"late": claim},
        }
    )
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        at_value(
            path,
            text,
            "by: '2028-06-30'",
            "claims.late.by",
            "deadline 2028-06-30 is after the horizon ends (2026-12-31): the run could not "
            "tell whether it holds; end the horizon on or after 2028-06-30",
        ),
    )


def test_horizon_end_equal_to_start(tmp_path, capsys):
    text = chain_text(**{"horizon.end": "2026-01-01"})
    path = write(tmp_path, text)
    lines = validate(capsys, path)
    assert lines == [
        f"error: {path}:4:8: horizon.end: end must come after start (2026-01-01), found 2026-01-01",
        count_line(1),
    ]
    assert text.splitlines()[3] == "  end: '2026-01-01'"


def test_programme_end_before_start(tmp_path, capsys):
    text = chain_text(**{"programmes.g.end": "2024-06-30"})
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        at_value(
            path,
            text,
            "end: '2024-06-30'",
            "programmes.g.end",
            "end must come after start (2025-01-01), found 2024-06-30",
        ),
    )


@pytest.mark.parametrize(
    ("changes", "needle", "message"),
    [
        (
            {"programmes.g.unfilled": "carried"},
            "unfilled: carried",
            "expected a volume with unfilled (what becomes of a volume's orders not "
            "filled), found no volume",
        ),
        (
            {"programmes.g.volume": "400 package/month", "programmes.g.unfilled": "kept"},
            "unfilled: kept",
            "expected 'carried' or 'lapses', found 'kept'",
        ),
    ],
    ids=["without-volume", "unknown-value"],
)
def test_unfilled_orders(tmp_path, capsys, changes, needle, message):
    text = chain_text(**changes)
    path = write(tmp_path, text)
    only(validate(capsys, path), at_value(path, text, needle, "programmes.g.unfilled", message))


def test_export_rule_end_before_start(tmp_path, capsys):
    rule = {"destination": "CN", "cap": "50000 H100e/year", "start": "2026-01-01"}
    text = chain_text(**{"export_rules": {"cn": {**rule, "end": "2025-01-01"}}})
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        at_value(
            path,
            text,
            "end: '2025-01-01'",
            "export_rules.cn.end",
            "end must come after start (2026-01-01), found 2025-01-01",
        ),
    )


def test_series_points_out_of_order(tmp_path, capsys):
    points = [
        {"date": "2026-06-30", "value": "100 wafer/month", "source": "assumption"},
        {"date": "2026-03-31", "value": "200 wafer/month", "source": "assumption"},
    ]
    text = chain_text(**{"packaging.c.capacity": points})
    path = write(tmp_path, text)
    lines = validate(capsys, path)
    # Located at the second point's date. The wording ("2026-03-31 comes after
    # 2026-06-30") is ambiguous, so only the start of the message is checked.
    location = at_value(path, text, "date: '2026-03-31'", "packaging.c.capacity[1].date", "")
    assert len(lines) == 2
    assert lines[0].startswith(f"{location}dates must increase: ")
    assert "2026-03-31" in lines[0]
    assert "2026-06-30" in lines[0]
    assert lines[1] == count_line(1)


def test_invalid_calendar_date(tmp_path, capsys):
    text = chain_text(**{"programmes.g.start": "2025-13-01"})
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        at_value(
            path,
            text,
            "start: '2025-13-01'",
            "programmes.g.start",
            "not a calendar date: '2025-13-01' (month must be in 1..12)",
        ),
    )


# --- 7. unknown references -------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        (
            "products.p.logic.fab",
            "ff",
            "fab: ff",
            "products.p.logic.fab",
            "unknown logic fab 'ff'; did you mean 'f'? (known: f)",
        ),
        (
            "products.p.packaging.line",
            "cc",
            "line: cc",
            "products.p.packaging.line",
            "unknown packaging line 'cc'; did you mean 'c'? (known: c)",
        ),
        (
            "programmes.g.product",
            "pp",
            "product: pp",
            "programmes.g.product",
            "unknown product 'pp'; did you mean 'p'? (known: p)",
        ),
        (
            "sites.s.transformer_supplier",
            "txx",
            "transformer_supplier: txx",
            "sites.s.transformer_supplier",
            "unknown supplier 'txx'; did you mean 'tx'? (known: tx)",
        ),
        (
            "milestones.first-gw.programme",
            "gg",
            "programme: gg",
            "milestones.first-gw.programme",
            "unknown programme 'gg'; did you mean 'g'? (known: g)",
        ),
    ],
    ids=["fab", "cowos-line", "product", "supplier", "milestone-programme"],
)
def test_unknown_reference(tmp_path, capsys, case):
    key, value, needle, key_path, message = case
    text = chain_text(**{key: value})
    path = write(tmp_path, text)
    only(validate(capsys, path), at_value(path, text, needle, key_path, message))


def test_a_misspelt_site_is_one_problem(tmp_path, capsys):
    # the site it stands for is not reported as used by no programme as well
    text = chain_text(**{"programmes.g.sites": ["sx"]})
    path = write(tmp_path, text)
    message = "unknown site 'sx'; did you mean 's'? (known: s)"
    only(validate(capsys, path), problem(path, text, "sx", "programmes.g.sites[0]", message))


def test_unknown_site_in_a_list_of_sites(tmp_path, capsys):
    text = chain_text(**{"programmes.g.sites": ["s", "zz"]})
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        problem(path, text, "zz", "programmes.g.sites[1]", "unknown site 'zz' (known: s)"),
    )


def _with_second_product(**changes: Any) -> str:
    """The chain scenario with a second product ``q`` (a copy of ``p``, qualified by
    the same vendor), with ``changes`` applied by dotted path, as YAML."""
    data = chain_data()
    data["products"]["q"] = copy.deepcopy(data["products"]["p"])
    data["hbm_vendors"]["v"]["qualification"]["q"] = "2025-01-01"
    for key, value in changes.items():
        set_path(data, key, value)
    return dump(data)


def negative_tdp(path: Path, text: str, pid: str) -> str:
    """The problem of product ``pid``'s tdp of -1000 W (the only tdp in ``text``)."""
    message = f"{POWER} that is >= 0, found '-1000 W'"
    return at_value(path, text, "tdp: -1000 W", f"products.{pid}.tdp", message)


def test_a_field_problem_and_a_misspelt_name_are_reported_together(tmp_path, capsys):
    # Both in one pass: the schema's problem in product q, and the name programme g
    # misspells, checked against every product (q included, though its tdp is wrong).
    text = _with_second_product(**{"products.q.tdp": "-1000 W", "programmes.g.product": "pp"})
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        negative_tdp(path, text, "q"),
        at_value(
            path,
            text,
            "product: pp",
            "programmes.g.product",
            "unknown product 'pp'; did you mean 'p'? (known: p, q)",
        ),
    )


def test_a_name_of_an_entity_with_a_field_problem_is_not_unknown(tmp_path, capsys):
    # programme g buys p, whose tdp is wrong: p is still a product, so only its tdp is
    # reported
    text = _with_second_product(**{"products.p.tdp": "-1000 W"})
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        negative_tdp(path, text, "p"),
    )


def test_names_an_entity_with_a_field_problem_gives_stay_known(tmp_path, capsys):
    # q is designer e's only product and makes FP6: with its tdp wrong, the line's share
    # for e and a milestone of q's FP6 are still right (taken from q, not from p)
    text = _with_second_product(
        **{
            "products.q.tdp": "-1000 W",
            "products.q.designer": "e",
            "products.q.flops": {"FP6": "4 PFLOP/s"},
            "packaging.c.shares": {"d": 0.5, "e": 0.5},
            "milestones.q-fp6": {
                "quantity": "flops_online",
                "product": "q",
                "precision": "FP6",
                "threshold": "1 EFLOP/s",
            },
        }
    )
    path = write(tmp_path, text)
    only(validate(capsys, path), negative_tdp(path, text, "q"))
    fixed = text.replace("tdp: -1000 W", "tdp: 1000 W")
    assert cli(capsys, "validate", str(write(tmp_path, fixed, "fixed.yaml")))[0] == 0


def test_names_wait_for_a_table_whose_every_entity_has_a_field_problem(tmp_path, capsys):
    # the chain's only product p has a wrong tdp: which products exist is not known, so
    # the misspelt name is left for the next pass rather than reported against none
    text = chain_text(**{"products.p.tdp": "-1000 W", "programmes.g.product": "pp"})
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        negative_tdp(path, text, "p"),
    )


# --- 8. bad distribution parameters ----------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        (
            {"dist": "triangular", "low": "1200 W", "mode": "1000 W", "high": "1500 W"},
            "mode: 1000 W",
            "products.p.tdp.mode",
            "bad triangular distribution: 'low' must be <= 'mode', found '1200 W' and '1000 W'",
        ),
        (
            {"dist": "lognormal", "median": "1000 W", "p90": "800 W"},
            "p90: 800 W",
            "products.p.tdp.p90",
            "bad lognormal distribution: 'p90' must be > 'median' (1000), found 800",
        ),
        (
            {"dist": "lognormal", "p5": "2000 W", "p95": "1000 W"},
            "p95: 1000 W",
            "products.p.tdp.p95",
            "bad lognormal distribution: 'p95' must be > 'p5' (2000), found 1000",
        ),
        (
            {"dist": "uniform", "low": "2000 W", "high": "1000 W"},
            "high: 1000 W",
            "products.p.tdp.high",
            "bad uniform distribution: 'low' must be < 'high', found '2000 W' and '1000 W'",
        ),
        (
            {"dist": "normal", "mean": "2000 W", "sd": "-100 W"},
            "sd: -100 W",
            "products.p.tdp.sd",
            "bad normal distribution: 'sd' must be > 0, found -100",
        ),
        (
            {"dist": "gauss", "mean": "1000 W", "sd": "100 W"},
            "dist: gauss",
            "products.p.tdp.dist",
            "expected a distribution (uniform, triangular, pert, normal, lognormal, choice), "
            "found 'gauss'",
        ),
        (
            {"dist": "triangular", "low": "1000 W", "mode": "2 kg", "high": "3000 W"},
            "mode: 2 kg",
            "products.p.tdp.mode",
            f"{POWER}, found '2 kg' (kg, which is a mass)",
        ),
    ],
    ids=[
        "triangular-low-above-mode",
        "lognormal-p90-below-median",
        "lognormal-p95-below-p5",
        "uniform-reversed",
        "normal-negative-sd",
        "unknown-kind",
        "wrong-unit-inside",
    ],
)
def test_bad_distribution_parameters(tmp_path, capsys, case):
    dist, needle, key_path, message = case
    text = chain_text(**{"products.p.tdp": {**dist, "source": "assumption"}})
    path = write(tmp_path, text)
    only(validate(capsys, path), at_value(path, text, needle, key_path, message))


def test_distribution_missing_a_parameter(tmp_path, capsys):
    tdp = {"dist": "triangular", "low": "1 kW", "high": "2 kW", "source": "assumption"}
    text = chain_text(**{"products.p.tdp": tdp})
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        problem(
            path,
            text,
            "dist: triangular",
            "products.p.tdp",
            "a triangular distribution needs 'mode'",
        ),
    )


# --- 9. duplicate ids ------------------------------------------------------------------------


def test_duplicate_mapping_key_for_an_id(tmp_path, capsys):
    base = chain_text()
    text = base.replace("logic_fabs:\n  f:\n", "logic_fabs:\n  f:\n    operator: y\n  f:\n", 1)
    assert text != base
    path = write(tmp_path, text)
    first = int(at(text, "logic_fabs:").split(":")[0]) + 1
    assert text.splitlines()[first - 1] == "  f:"
    second = first + 2
    assert text.splitlines()[second - 1] == "  f:"
    only(
        validate(capsys, path),
        f"error: {path}:{second}:3: logic_fabs.f: duplicate key 'f' (first at line {first}): "
        "each key and id may appear once in a mapping",
    )


def test_duplicate_scalar_key(tmp_path, capsys):
    base = chain_text()
    text = base.replace("    node: N3\n", "    node: N3\n    node: N5\n", 1)
    path = write(tmp_path, text)
    first = at(text, "node: N3").split(":")[0]
    only(
        validate(capsys, path),
        problem(
            path,
            text,
            "node: N5",
            "logic_fabs.f.node",
            f"duplicate key 'node' (first at line {first}): "
            "each key and id may appear once in a mapping",
        ),
    )


def test_duplicate_building_id(tmp_path, capsys):
    data = chain_data()
    buildings = data["sites"]["s"]["buildings"]
    buildings.append({**buildings[0], "it_capacity": "50 GW"})
    text = dump(data)
    path = write(tmp_path, text)
    second = text.index("- id: b1", text.index("- id: b1") + 1) + len("- id: ")
    line = text.count("\n", 0, second) + 1
    column = second - text.rfind("\n", 0, second)
    only(
        validate(capsys, path),
        f"error: {path}:{line}:{column}: sites.s.buildings[1].id: duplicate building id 'b1' "
        "(also buildings[0])",
    )


# --- 10. YAML syntax errors ------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        (
            "name: chain\n",
            "name: [chain\n",
            "2:8",
            "YAML syntax error: did not find expected ',' or ']' (while parsing a flow sequence)",
        ),
        (
            "    designer: d\n",
            "    designer: d: e\n",
            "7:16",
            "YAML syntax error: mapping values are not allowed in this context",
        ),
        (
            "  start: '2026-01-01'\n",
            "  start: '2026-01-01'\n end: x\n",
            "4:2",
            "YAML syntax error: did not find expected key (while parsing a block mapping)",
        ),
    ],
    ids=["unclosed-flow-list", "colon-in-value", "bad-indentation"],
)
def test_yaml_syntax_error(tmp_path, capsys, case):
    old, new, where, message = case
    base = chain_text()
    assert base.count(old) == 1
    text = base.replace(old, new)
    path = write(tmp_path, text)
    only(validate(capsys, path), f"error: {path}:{where}: {message}")


def test_tab_indentation(tmp_path, capsys):
    text = chain_text().replace("    designer: d\n", "\tdesigner: d\n", 1)
    path = write(tmp_path, text)
    lines = validate(capsys, path)
    assert len(lines) == 2
    assert lines[0].startswith(f"error: {path}:7:1: YAML syntax error: ")
    assert lines[1] == count_line(1)


# --- 11./12. empty and missing files ---------------------------------------------------------


@pytest.mark.parametrize("text", ["", "\n\n", "# nothing but a comment\n", "---\n"])
def test_empty_file(tmp_path, capsys, text):
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        f"error: {path}:1:1: empty scenario: expected a mapping with at least name and horizon",
    )


@pytest.mark.parametrize(
    ("text", "found"), [("- a\n- b\n", "list"), ("just words\n", "str"), ("42\n", "int")]
)
def test_top_level_not_a_mapping(tmp_path, capsys, text, found):
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        f"error: {path}:1:1: expected a mapping of scenario keys at the top level, found a {found}",
    )


def test_missing_file(tmp_path, capsys):
    path = tmp_path / "nope.yaml"
    only(validate(capsys, path), f"error: {path}: file not found")


def test_missing_file_among_several(tmp_path, capsys):
    good = write(tmp_path, chain_text(), "good.yaml")
    missing = tmp_path / "nope.yaml"
    code, out, err = cli(capsys, "validate", str(good), str(missing))
    assert code == 2
    assert out.startswith(f"ok: {good} (chain: ")
    assert err.splitlines() == [f"error: {missing}: file not found", count_line(1)]


# --- 13. extends -----------------------------------------------------------------------------


def test_cyclic_extends(tmp_path, capsys):
    a = write(tmp_path, "extends: b.yaml\nname: a\n", "a.yaml")
    b = write(tmp_path, "name: b\nextends: a.yaml\n", "b.yaml")
    # reported where the loop closes: b.yaml's extends
    only(
        validate(capsys, a), f"error: {b}:2:1: extends: cyclic extends: a.yaml -> b.yaml -> a.yaml"
    )


def test_file_extending_itself(tmp_path, capsys):
    a = write(tmp_path, "extends: a.yaml\nname: a\n", "a.yaml")
    only(validate(capsys, a), f"error: {a}:1:1: extends: cyclic extends: a.yaml -> a.yaml")


def test_extends_a_missing_base(tmp_path, capsys):
    a = write(tmp_path, "name: a\nextends: base.yaml\n", "a.yaml")
    only(
        validate(capsys, a),
        f"error: {a}:2:1: extends: base scenario 'base.yaml' not found (looked for "
        f"{tmp_path.resolve() / 'base.yaml'} and {ROOT / 'scenarios' / 'base.yaml'})",
    )


def test_problem_in_an_override_is_located_in_the_overriding_file(tmp_path, capsys):
    write(tmp_path, chain_text(), "base.yaml")
    text = "extends: base.yaml\nproducts:\n  p:\n    tdp: 1800 kg\n"
    child = write(tmp_path, text, "child.yaml")
    only(
        validate(capsys, child),
        f"error: {child}:4:10: products.p.tdp: {POWER}, found '1800 kg' (kg, which is a mass)",
    )


# --- 14. wrong types -------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        (
            "programmes.g.priority",
            "high",
            "priority: high",
            "expected a valid integer, found 'high'",
        ),
        ("sites.s.buildings", 5, "buildings: 5", "expected a valid list, found 5"),
        ("logic_fabs.f.shares", 5, "shares: 5", "expected a mapping of keys, found 5"),
        ("sites", [], "sites: []", "expected a mapping of keys, found an empty list"),
        (
            "logic_fabs.f.yield_model",
            "gauss",
            "yield_model: gauss",
            "expected 'poisson' or 'murphy', found 'gauss'",
        ),
        (
            "suppliers.tx.kind",
            "transformers",
            "kind: transformers",
            "expected 'transformer', 'turbine' or 'other', found 'transformers'",
        ),
        (
            "products.p.tdp",
            True,
            "tdp: true",
            f"{POWER}, found the boolean true (yes, no, true, false, on and off are booleans "
            "in YAML, not numbers)",
        ),
    ],
    ids=["priority-high", "buildings-5", "shares-5", "sites-list", "literal", "kind", "bool"],
)
def test_wrong_type(tmp_path, capsys, case):
    key, value, needle, message = case
    text = chain_text(**{key: value})
    path = write(tmp_path, text)
    only(validate(capsys, path), at_value(path, text, needle, key, message))


def test_missing_required_keys_of_a_building(tmp_path, capsys):
    text = chain_text(**{"sites.s.buildings": [{"id": "b1", "start": "2025-01-01"}]})
    path = write(tmp_path, text)
    where = at(text, "- id: b1")
    line, column = where.split(":")
    located = f"error: {path}:{line}:{int(column) + 2}: sites.s.buildings[0]"
    only(
        validate(capsys, path),
        *(
            f"{located}: missing key {key!r}"
            for key in ("it_capacity",)  # phases may come from build_time or an archetype
        ),
    )


def test_unquoted_country_code_no_is_a_boolean(tmp_path, capsys):
    # Documented (docs/scenario-format.md): YAML reads an unquoted NO as false.
    text = chain_text().replace("destination: US", "destination: NO")
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        at_value(
            path,
            text,
            "destination: NO",
            "programmes.g.destination",
            "expected a valid string, found false (a boolean)",
        ),
    )
    quoted = write(tmp_path, text.replace("destination: NO", 'destination: "NO"'), "quoted.yaml")
    assert cli(capsys, "validate", str(quoted))[0] == 0


def test_unknown_key_in_a_parameter_mapping_points_at_the_key(tmp_path, capsys):
    text = chain_text(**{"products.p.tdp": {"valeu": "1 kW", "source": "assumption"}})
    path = write(tmp_path, text)
    lines = validate(capsys, path)
    message = "unknown key 'valeu'; did you mean 'value'?"
    assert lines[0].startswith(problem(path, text, "valeu:", "products.p.tdp.valeu", message))


def test_a_thousands_comma_in_a_flow_mapping_is_named(tmp_path, capsys):
    # YAML reads {value: 1,000 W} as value 1 and a key '000 W': say why.
    text = chain_text().replace("tdp: 1000 W", "tdp: {value: 1,000 W, source: assumption}")
    path = write(tmp_path, text)
    lines = validate(capsys, path)
    assert "unknown key '000 W'; a comma inside { } separates entries: write 1000 W" in lines[0]


# --- 15. probabilities out of range ----------------------------------------------------------


@pytest.mark.parametrize(
    ("value", "needle", "found"),
    [
        (1.5, "probability: 1.5", "1.5"),
        ("150 %", "probability: 150 %", "'150 %'"),
        (-0.1, "probability: -0.1", "-0.1"),
    ],
    ids=["1.5", "150-percent", "negative"],
)
def test_risk_probability_out_of_range(tmp_path, capsys, value, needle, found):
    text = chain_text(**{"risks": {"r": {**RISK, "probability": value}}})
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        at_value(path, text, needle, "risks.r.probability", f"{FRACTION}, found {found}"),
    )


def test_unknown_risk_kind_lists_the_kinds(tmp_path, capsys):
    # The effect's kind picks its keys: an unknown one is located at its value, with the
    # kinds there are (the schema's own names, not pydantic's "input tag" wording).
    effect = {**RISK["effect"], "kind": "capacity_cut"}
    text = chain_text(**{"risks": {"r": {**RISK, "effect": effect}}})
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        at_value(
            path,
            text,
            "kind: capacity_cut",
            "risks.r.effect.kind",
            f"expected one of {RISK_KINDS}, found 'capacity_cut'",
        ),
    )


def test_risk_effect_without_a_kind(tmp_path, capsys):
    effect = {key: value for key, value in RISK["effect"].items() if key != "kind"}
    text = chain_text(**{"risks": {"r": {**RISK, "effect": effect}}})
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        problem(
            path,
            text,
            "target: packaging.c",
            "risks.r.effect",
            f"missing key 'kind' (one of {RISK_KINDS})",
        ),
    )


def test_a_correlation_between_one_path(tmp_path, capsys):
    # `between` takes two key paths: one is a short list, not "missing key 1".
    text = chain_text(**{"correlations": [{"between": ["products.p.it_power"], "rank": 0.5}]})
    path = write(tmp_path, text)
    lines = validate(capsys, path)
    assert lines[-1] == count_line(1)
    assert lines[0].endswith("correlations[0].between: expected 2 items, found a list of 1"), lines[
        0
    ]


# --- 16. sources -----------------------------------------------------------------------------


@pytest.mark.parametrize(
    "case",
    [
        (
            "products.p.tdp",
            {"value": "1000 W", "source": "seed:999.nope"},
            "source: seed:999.nope",
            "products.p.tdp.source",
        ),
        ("products.p.source", "seed:999.nope", "source: seed:999.nope", "products.p.source"),
        (
            "hbm_vendors.v.capacity.HBM4",
            {"value": "4000 stack/month", "source": "seed:999.nope"},
            "source: seed:999.nope",
            "hbm_vendors.v.capacity.HBM4.source",
        ),
    ],
    ids=["parameter", "entity", "constant-series"],
)
def test_unknown_seed_id(tmp_path, capsys, case):
    key, value, needle, key_path = case
    text = chain_text(**{key: value})
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        at_value(
            path, text, needle, key_path, "unknown seed fact 'seed:999.nope' (see: capsim seeds)"
        ),
    )


def test_near_miss_seed_id_suggests_the_right_one(tmp_path, capsys):
    tdp = {"value": "1000 W", "source": "seed:001.stargate-usd-100"}
    text = chain_text(**{"products.p.tdp": tdp})
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        at_value(
            path,
            text,
            "source: seed:001.stargate-usd-100",
            "products.p.tdp.source",
            "unknown seed fact 'seed:001.stargate-usd-100'; "
            "did you mean 'seed:001.stargate-usd-100b'? (see: capsim seeds)",
        ),
    )


def test_unknown_seed_id_in_a_series_written_as_a_list(tmp_path, capsys):
    points = [{"date": "2026-01-01", "value": "100 wafer/month", "source": "seed:999.nope"}]
    text = chain_text(**{"packaging.c.capacity": points})
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        at_value(
            path,
            text,
            "source: seed:999.nope",
            "packaging.c.capacity[0].source",
            "unknown seed fact 'seed:999.nope' (see: capsim seeds)",
        ),
    )


def test_unknown_seed_id_on_a_series_expansion(tmp_path, capsys):
    capacity = {
        "points": [{"date": "2026-01-01", "value": "100 wafer/month"}],
        "expansions": [
            {
                "date": "2026-06-01",
                "add": "50 wafer/month",
                "ramp": "3 months",
                "source": "seed:999.nope",
            }
        ],
    }
    text = chain_text(**{"packaging.c.capacity": capacity})
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        at_value(
            path,
            text,
            "source: seed:999.nope",
            "packaging.c.capacity.expansions[0].source",
            "unknown seed fact 'seed:999.nope' (see: capsim seeds)",
        ),
    )


@pytest.mark.parametrize(
    ("key", "value", "key_path"),
    [
        ("products.p.tdp", {"value": "1000 W", "source": "TrendForce"}, "products.p.tdp.source"),
        ("products.p.source", "TrendForce", "products.p.source"),
        ("sites.s.source", "TrendForce", "sites.s.source"),
    ],
    ids=["parameter", "product", "site"],
)
def test_public_source_without_a_date(tmp_path, capsys, key, value, key_path):
    text = chain_text(**{key: value})
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        at_value(
            path,
            text,
            "source: TrendForce",
            key_path,
            "a public source needs its date (e.g. 'TrendForce, 2024-12'), found 'TrendForce'",
        ),
    )


def test_bad_confidence(tmp_path, capsys):
    text = chain_text(**{"products.p.tdp": {"value": "1 kW", "confidence": "X"}})
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        at_value(
            path,
            text,
            "confidence: X",
            "products.p.tdp.confidence",
            "expected confidence H, M or L, found 'X'",
        ),
    )


# --- 17. bad --set ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("assignment", "expected"),
    [
        ("nope.x=1", "nope: no such key in the scenario"),
        ("products.q.tdp=1 kW", "products.q: no such key in the scenario"),
        ("sites.s.buildings[3].id=b4", "sites.s.buildings[3]: no such key in the scenario"),
        (
            "products.p.tpd=1 kW",
            "products.p.tpd: unknown key 'tpd'; did you mean 'tdp'? "
            f"(expected one of: {PRODUCT_KEYS})",
        ),
        (
            "products.p.tdp=1800 kg",
            f"products.p.tdp: {POWER}, found '1800 kg' (kg, which is a mass)",
        ),
        (
            "products.p.lead_time=18 mnths",
            f"products.p.lead_time: {DURATION}, found '18 mnths' (unknown unit 'mnths')",
        ),
        (
            "horizon.end=2025-01-01",
            "horizon.end: end must come after start (2026-01-01), found 2025-01-01",
        ),
        ("products.p.tdp", "expected PATH=VALUE, e.g. horizon.end=2032-12-31"),
        ("products..p=1", "cannot read key path 'products..p'"),
    ],
    ids=[
        "unknown-table",
        "unknown-id",
        "index-out-of-range",
        "unknown-key",
        "wrong-unit",
        "unparsable",
        "reversed-dates",
        "no-equals",
        "bad-path",
    ],
)
def test_bad_set(tmp_path, capsys, assignment, expected):
    path = write(tmp_path, chain_text())
    only(validate(capsys, path, "--set", assignment), f"error: --set {assignment}: {expected}")


def test_wrong_unit_through_set_on_a_sourced_value(tmp_path, capsys):
    # A mapping with value and source is replaced by {value, source: set on the command line}.
    text = chain_text(**{"products.p.tdp": {"value": "1000 W", "source": "assumption"}})
    path = write(tmp_path, text)
    assignment = "products.p.tdp=1800 kg"
    only(
        validate(capsys, path, "--set", assignment),
        f"error: --set {assignment}: products.p.tdp: {POWER}, found '1800 kg' "
        "(kg, which is a mass)",
    )


# --- 18. markets, HBM wafers, sourcing, windows and letters of intent ------------------------

# An HBM vendor of wafers that makes HBM4 (the chain product's generation) and HBM3E.
WAFER_VENDOR: dict[str, Any] = {
    "wafers": "1000 wafer/month",
    "generations": {
        "HBM4": {"stacks_per_wafer": "10 stack/wafer", "yield": 0.6},
        "HBM3E": {"stacks_per_wafer": "12 stack/wafer", "yield": 0.8},
    },
    "tooling": {"HBM4": "50 %", "HBM3E": "50 %"},
    "lead_time": "0 month",
    "qualification": {"p": "2025-01-01"},
}


def wafer_vendor(**changes: Any) -> dict[str, Any]:
    """``WAFER_VENDOR`` with top-level keys replaced (a value of None removes the key)."""
    vendor = copy.deepcopy(WAFER_VENDOR)
    for key, value in changes.items():
        if value is None:
            del vendor[key]
        else:
            vendor[key] = value
    return vendor


LETTER = {"probability": 0.5, "by": "2026-06-30"}


def test_valid_market_keys_validate(tmp_path, capsys):
    # The control for the cases below: every market key, each used correctly.
    text = chain_text(
        **{
            "products.p.available": {"from": "2026-03-01", "until": "2026-10-01"},
            "products.p.hbm.sourcing": {"v": 1},
            "packaging.c.shares": {"d": "50 %"},
            "packaging.c.contracts": {
                "rival": {"share": "30 %", "from": "2026-01-01", "take_or_pay": True}
            },
            "packaging.c.allocation": "priority",
            "packaging.c.priority": ["rival", "d"],
            "logic_fabs.f.contracts": {"rival": {"volume": "2 wafer/month", "until": "2026-06"}},
            "hbm_vendors.v": wafer_vendor(conversion_time="2 months"),
            "programmes.g.volume": "400 package/month",
            "programmes.g.letter_of_intent": LETTER,
        }
    )
    path = write(tmp_path, text)
    code, _, err = cli(capsys, "validate", str(path))
    assert code == 0, err


# Each case: changes to the chain scenario, the needle locating the problem, whether the
# problem is located at the needle's value (after "key: ") or at the needle, the key path
# and the message.
MARKET_CASES = {
    "contract-share-and-volume": (
        {"packaging.c.contracts": {"rival": {"share": "10 %", "volume": "5 wafer/month"}}},
        "share: 10 %",
        "value",
        "packaging.c.contracts.rival.share",
        "give exactly one of share and volume",
    ),
    "contract-without-amount": (
        {"packaging.c.contracts": {"rival": {"take_or_pay": True}}},
        "take_or_pay: true",
        "key",
        "packaging.c.contracts.rival.share",
        "give exactly one of share and volume",
    ),
    "contract-until-before-from": (
        {
            "packaging.c.contracts": {
                "rival": {"share": "10 %", "from": "2026-06-01", "until": "2026-01-01"}
            }
        },
        "until: '2026-01-01'",
        "value",
        "packaging.c.contracts.rival.until",
        "until must come after from (2026-06-01), found 2026-01-01",
    ),
    "contract-share-120-percent": (
        {"logic_fabs.f.contracts": {"rival": {"share": "120 %"}}},
        "share: 120 %",
        "value",
        "logic_fabs.f.contracts.rival.share",
        f"{FRACTION}, found '120 %'",
    ),
    "contract-volume-wrong-unit": (
        {"logic_fabs.f.contracts": {"rival": {"volume": "5 package/month"}}},
        "volume: 5 package/month",
        "value",
        "logic_fabs.f.contracts.rival.volume",
        f"{WAFER_RATE}, found '5 package/month' (package / month, which is a package rate)",
    ),
    "take-or-pay-not-a-boolean": (
        {"packaging.c.contracts": {"rival": {"share": "10 %", "take_or_pay": "perhaps"}}},
        "take_or_pay: perhaps",
        "value",
        "packaging.c.contracts.rival.take_or_pay",
        "expected a valid boolean, found 'perhaps'",
    ),
    "contract-key-typo": (
        {"packaging.c.contracts": {"rival": {"share": "10 %", "take_or_play": True}}},
        "take_or_play:",
        "key",
        "packaging.c.contracts.rival.take_or_play",
        "unknown key 'take_or_play'; did you mean 'take_or_pay'? "
        f"(expected one of: {CONTRACT_KEYS})",
    ),
    "share-and-contract-for-one-designer": (
        {"packaging.c.shares": {"d": "50 %"}, "packaging.c.contracts": {"d": {"share": "10 %"}}},
        "share: 10 %",
        "key",
        "packaging.c.contracts.d",
        "designer 'd' already has a share here; give one of shares and contracts per designer",
    ),
    "shares-and-contracted-shares-over-100-percent": (
        {
            "hbm_vendors.v.shares": {"d": "60 %"},
            "hbm_vendors.v.contracts": {"rival": {"share": "50 %"}},
        },
        "d: 60 %",
        "key",
        "hbm_vendors.v.shares",
        "shares add up to 110%; expected <= 100%",
    ),
    "unknown-allocation-rule": (
        {"packaging.c.allocation": "fifo"},
        "allocation: fifo",
        "value",
        "packaging.c.allocation",
        "expected 'pro_rata' or 'priority', found 'fifo'",
    ),
    "priority-rule-without-designers": (
        {"packaging.c.allocation": "priority", "packaging.c.priority": []},
        "priority: []",
        "value",
        "packaging.c.priority",
        "allocation priority needs designers in order",
    ),
    "priority-names-an-unknown-designer": (
        {"packaging.c.allocation": "priority", "packaging.c.priority": ["d", "nvidia"]},
        "nvidia",
        "key",
        "packaging.c.priority[1]",
        "unknown designer 'nvidia' (known: d)",
    ),
    "priority-near-miss": (
        {"logic_fabs.f.allocation": "priority", "logic_fabs.f.priority": ["dx"]},
        "dx",
        "key",
        "logic_fabs.f.priority[0]",
        "unknown designer 'dx'; did you mean 'd'? (known: d)",
    ),
    "sourcing-names-an-unknown-vendor": (
        {"products.p.hbm.sourcing": {"vv": 1}},
        "vv: 1",
        "value",
        "products.p.hbm.sourcing.vv",
        "unknown HBM vendor 'vv'; did you mean 'v'? (known: v)",
    ),
    "sourcing-weight-below-zero": (
        {"products.p.hbm.sourcing": {"v": -1}},
        "v: -1",
        "value",
        "products.p.hbm.sourcing.v",
        "expected a dimensionless number (e.g. '0.85') that is >= 0, found -1",
    ),
    "tooling-over-100-percent": (
        {"hbm_vendors.v": wafer_vendor(tooling={"HBM4": "70 %", "HBM3E": "50 %"})},
        "HBM4: 70 %",
        "key",
        "hbm_vendors.v.tooling",
        "shares add up to 120%; expected <= 100%",
    ),
    "tooling-names-a-generation-not-made": (
        {"hbm_vendors.v": wafer_vendor(tooling={"HBM4": "50 %", "HBM4E": "50 %"})},
        "HBM4E: 50 %",
        "value",
        "hbm_vendors.v.tooling.HBM4E",
        "unknown HBM generation 'HBM4E'; did you mean 'HBM4'? (known: HBM3E, HBM4)",
    ),
    "wafers-without-generations": (
        {"hbm_vendors.v": wafer_vendor(generations=None, tooling=None)},
        "wafers: 1000 wafer/month",
        "key",
        "hbm_vendors.v.generations",
        "wafers need generations (stacks per wafer and yield of each)",
    ),
    "wafers-and-stacks": (
        {"hbm_vendors.v": wafer_vendor(capacity={"HBM4": "4000 stack/month"})},
        "wafers: 1000 wafer/month",
        "value",
        "hbm_vendors.v.wafers",
        "give exactly one of capacity (stacks by generation) and wafers",
    ),
    "generation-yield-above-1": (
        {
            "hbm_vendors.v": wafer_vendor(
                generations={"HBM4": {"stacks_per_wafer": "10 stack/wafer", "yield": 1.5}}
            )
        },
        "yield: 1.5",
        "value",
        "hbm_vendors.v.generations.HBM4.yield",
        f"{FRACTION}, found 1.5",
    ),
    "generation-without-stacks": (
        {
            "hbm_vendors.v": wafer_vendor(
                generations={"HBM4": {"stacks_per_wafer": "0 stack/wafer", "yield": 0.6}}
            )
        },
        "stacks_per_wafer: 0 stack/wafer",
        "value",
        "hbm_vendors.v.generations.HBM4.stacks_per_wafer",
        "expected a quantity in stack/wafer (e.g. '1 stack/wafer') that is > 0, "
        "found '0 stack/wafer'",
    ),
    "density-of-finished-stacks": (
        {"hbm_vendors.v.density": 1.2},
        "density: 1.2",
        "value",
        "hbm_vendors.v.density",
        "density scales stacks per wafer: give it with wafers, not with capacity (finished stacks)",
    ),
    "density-of-zero": (
        {"hbm_vendors.v": wafer_vendor(density=0.0)},
        "density: 0.0",
        "value",
        "hbm_vendors.v.density",
        "expected a dimensionless number (e.g. '0.85') that is > 0, found 0.0",
    ),
    "window-until-before-from": (
        {"products.p.available": {"from": "2026-06-01", "until": "2026-01-01"}},
        "until: '2026-01-01'",
        "value",
        "products.p.available.until",
        "until must come after from (2026-06-01), found 2026-01-01",
    ),
    "window-key-typo": (
        {"products.p.available": {"form": "2026-06-01"}},
        "form:",
        "key",
        "products.p.available.form",
        f"unknown key 'form'; did you mean 'from'? (expected one of: {WINDOW_KEYS})",
    ),
    "volume-below-zero": (
        {"programmes.g.volume": "-5 package/month"},
        "volume: -5 package/month",
        "value",
        "programmes.g.volume",
        "expected a package rate (e.g. '50000 package/month') that is >= 0, "
        "found '-5 package/month'",
    ),
    "letter-of-intent-without-by": (
        {"programmes.g.letter_of_intent": {"probability": 0.5}},
        "probability: 0.5",
        "key",
        "programmes.g.letter_of_intent",
        "missing key 'by'",
    ),
}


@pytest.mark.parametrize("case", list(MARKET_CASES.values()), ids=list(MARKET_CASES))
def test_bad_market_key(tmp_path, capsys, case):
    changes, needle, located, key_path, message = case
    text = chain_text(**copy.deepcopy(changes))
    path = write(tmp_path, text)
    locate = at_value if located == "value" else problem
    only(validate(capsys, path), locate(path, text, needle, key_path, message))


def test_contracted_shares_over_100_percent_are_reported_where_they_are_written(tmp_path, capsys):
    # Only contracts reserve shares here (no shares key): the problem is located at the
    # contracts and names them, not a shares key the file does not have.
    data = chain_data(
        **{"packaging.c.contracts": {"rival": {"share": "60 %"}, "other": {"share": "50 %"}}}
    )
    del data["packaging"]["c"]["shares"]
    text = dump(data)
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        problem(
            path, text, "rival:", "packaging.c.contracts", "shares add up to 110%; expected <= 100%"
        ),
    )


def test_sourcing_from_a_vendor_that_does_not_make_the_generation(tmp_path, capsys):
    # Vendor w makes only HBM3E and has no qualification for p: p cannot source from it.
    text = chain_text(
        **{
            "hbm_vendors.w": wafer_vendor(
                generations={"HBM3E": WAFER_VENDOR["generations"]["HBM3E"]},
                tooling={"HBM3E": 1},
                qualification={},
            ),
            "products.p.hbm.sourcing": {"v": 1, "w": 1},
        }
    )
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        at_value(
            path,
            text,
            "w: 1",
            "products.p.hbm.sourcing.w",
            "vendor 'w' does not make 'HBM4' for 'p' "
            "(it needs the generation and a qualification for the product)",
        ),
    )


@pytest.mark.parametrize(
    ("value", "needle", "found"),
    [
        (1.5, "probability: 1.5", "1.5"),
        ("150 %", "probability: 150 %", "'150 %'"),
        (-0.1, "probability: -0.1", "-0.1"),
    ],
    ids=["1.5", "150-percent", "negative"],
)
def test_letter_of_intent_probability_out_of_range(tmp_path, capsys, value, needle, found):
    text = chain_text(**{"programmes.g.letter_of_intent": {**LETTER, "probability": value}})
    path = write(tmp_path, text)
    only(
        validate(capsys, path),
        at_value(
            path,
            text,
            needle,
            "programmes.g.letter_of_intent.probability",
            f"{FRACTION}, found {found}",
        ),
    )


def test_run_with_an_unknown_priority_designer_writes_nothing(tmp_path, capsys):
    text = chain_text(
        **{"packaging.c.allocation": "priority", "packaging.c.priority": ["d", "nvidia"]}
    )
    path = write(tmp_path, text)
    only(
        run_fails(capsys, tmp_path, path),
        problem(
            path, text, "nvidia", "packaging.c.priority[1]", "unknown designer 'nvidia' (known: d)"
        ),
    )


# --- several problems at once ----------------------------------------------------------------


def test_several_problems_in_one_file_are_all_reported_in_line_order(tmp_path, capsys):
    text = chain_text(
        **{
            "products.p.tdp": "1800 kg",
            "products.p.lead_time": "18 mnths",
            "programmes.g.priority": "high",
            "sites.s.buildings.0.it_capacity": "-1 GW",
            "risks": {"r": {**RISK, "probability": 1.5}},
        }
    )
    path = write(tmp_path, text)
    expected = [
        at_value(
            path,
            text,
            "tdp: 1800 kg",
            "products.p.tdp",
            f"{POWER}, found '1800 kg' (kg, which is a mass)",
        ),
        at_value(
            path,
            text,
            "lead_time: 18 mnths",
            "products.p.lead_time",
            f"{DURATION}, found '18 mnths' (unknown unit 'mnths')",
        ),
        at_value(
            path,
            text,
            "priority: high",
            "programmes.g.priority",
            "expected a valid integer, found 'high'",
        ),
        at_value(
            path,
            text,
            "it_capacity: -1 GW",
            "sites.s.buildings[0].it_capacity",
            f"{POWER} that is > 0, found '-1 GW'",
        ),
        at_value(path, text, "probability: 1.5", "risks.r.probability", f"{FRACTION}, found 1.5"),
    ]
    lines = validate(capsys, path)
    assert lines == [*expected, "5 problems found"]
    places = [line.removeprefix(f"error: {path}:").split(":")[:2] for line in lines[:-1]]
    assert [(int(line), int(column)) for line, column in places] == sorted(
        (int(line), int(column)) for line, column in places
    )


def test_problems_in_several_files_are_all_reported(tmp_path, capsys):
    first_text = chain_text(**{"products.p.tdp": "1800 kg"})
    first = write(tmp_path, first_text, "first.yaml")
    second_text = chain_text(**{"products.p.logic.fab": "ff"})
    second = write(tmp_path, second_text, "second.yaml")
    code, out, err = cli(capsys, "validate", str(first), str(second))
    assert code == 2
    assert out == ""
    assert err.splitlines() == [
        at_value(
            first,
            first_text,
            "tdp: 1800 kg",
            "products.p.tdp",
            f"{POWER}, found '1800 kg' (kg, which is a mass)",
        ),
        at_value(
            second,
            second_text,
            "fab: ff",
            "products.p.logic.fab",
            "unknown logic fab 'ff'; did you mean 'f'? (known: f)",
        ),
        "2 problems found",
    ]


# --- capsim run with bad input: code 2, and no output file -----------------------------------


def test_run_with_a_wrong_unit_writes_nothing(tmp_path, capsys):
    text = chain_text(**{"products.p.tdp": "1800 kg"})
    path = write(tmp_path, text)
    only(
        run_fails(capsys, tmp_path, path),
        at_value(
            path,
            text,
            "tdp: 1800 kg",
            "products.p.tdp",
            f"{POWER}, found '1800 kg' (kg, which is a mass)",
        ),
    )


def test_run_with_an_unknown_reference_writes_nothing(tmp_path, capsys):
    text = chain_text(**{"products.p.logic.fab": "ff"})
    path = write(tmp_path, text)
    only(
        run_fails(capsys, tmp_path, path),
        at_value(
            path,
            text,
            "fab: ff",
            "products.p.logic.fab",
            "unknown logic fab 'ff'; did you mean 'f'? (known: f)",
        ),
    )


def test_run_with_a_bad_set_writes_nothing(tmp_path, capsys):
    path = write(tmp_path, chain_text())
    assignment = "products.p.tdp=1800 kg"
    only(
        run_fails(capsys, tmp_path, path, "--set", assignment),
        f"error: --set {assignment}: products.p.tdp: {POWER}, found '1800 kg' "
        "(kg, which is a mass)",
    )


def test_run_with_a_missing_file_writes_nothing(tmp_path, capsys):
    path = tmp_path / "nope.yaml"
    only(run_fails(capsys, tmp_path, path), f"error: {path}: file not found")


def test_run_with_reversed_horizon_writes_nothing(tmp_path, capsys):
    text = chain_text(**{"horizon.end": "2025-06-30"})
    path = write(tmp_path, text)
    only(
        run_fails(capsys, tmp_path, path),
        at_value(
            path,
            text,
            "end: '2025-06-30'",
            "horizon.end",
            "end must come after start (2026-01-01), found 2025-06-30",
        ),
    )
