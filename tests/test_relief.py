"""Relief of constraints on the hand-calculable chain world (tests/builders.py).

The chain makes 500 packages a month, bound by HBM (4000 stack/month / 8 stacks);
CoWoS allows 1000 and dies 6402, so +10 % CoWoS or wafers changes nothing, and +10 %
HBM gives 550 a month. Crews install a million packages a month: never binding.
"""

from __future__ import annotations

import argparse
import csv
import io
import json

import numpy as np
import pytest
import yaml

from builders import chain, chain_data
from capsim.analysis.relief import relief
from capsim.cli import main as cli_main
from capsim.cli import relief_command
from capsim.cli.formatting import signed
from capsim.scenario.document import Scenario
from capsim.sweep.levers import KINDS, levers
from capsim.sweep.runner import Execution

HBM = "hbm_vendors.v capacity +10 %"
COWOS = "packaging.c capacity +10 %"
WAFERS = "logic_fabs.f wafer starts +10 %"
CREWS = "sites.s crews +10 %"
GRID = "sites.s grid wait -3 months"


def installed(threshold: str) -> dict:
    return {"quantity": "packages_installed", "threshold": threshold, "programme": "g"}


def late_grid(wait: str, **changes) -> dict:
    """No power until a 2 GW grid connection requested at the start arrives after ``wait``."""
    return {
        "sites.s.power": {
            "existing": "0 GW",
            "grid": {"capacity": "2 GW", "requested": "2026-01-01", "wait": wait},
        },
        "sites.s.buildings.0.it_capacity": "1 GW",
        **changes,
    }


def day(text: str) -> np.datetime64:
    return np.datetime64(text, "ns")


def test_hbm_lever_moves_an_hbm_bound_milestone_and_cowos_does_not():
    # 500/month: 3000 installed at the end of June -> 2026-07-01. 550/month: 2750 by
    # the end of May, June needs 250/550 of its 30 days = 13.6 -> 2026-06-14.
    result = relief(chain(**{"milestones.m": installed("3000 package")}), "m")
    assert result.attrs["method"] == "central"
    assert result.attrs["milestone"] == "m"
    hbm = result.sel(lever=HBM)
    assert hbm.kind.item() == "hbm"
    assert hbm.baseline_date.values == day("2026-07-01")
    assert hbm.relaxed_date.values == day("2026-06-14")
    assert hbm.days_earlier.item() == 17.0
    for name in (COWOS, WAFERS, CREWS):
        assert result.days_earlier.sel(lever=name).item() == 0.0
        assert result.relaxed_date.sel(lever=name).values == day("2026-07-01")
    assert result.days_earlier.attrs["units"] == "day"
    assert result.lever.values[0] == HBM


def test_levers_are_listed_only_where_they_change_an_input():
    # No grid, no on-site power, no transformers ordered, zero-length phases, no
    # share, budget or export rule: those levers would change nothing.
    found = {lever.name: lever for lever in levers(chain())}
    assert list(found) == [COWOS, WAFERS, HBM, CREWS]
    assert found[HBM].values == {"hbm_vendors.v.capacity.HBM4": pytest.approx(4400.0)}
    assert found[COWOS].values == {"packaging.c.capacity": pytest.approx(110.0)}
    assert found[CREWS].values == {"sites.s.crews": pytest.approx(11.0)}


def test_an_hbm_vendor_of_tsv_wafers_has_a_wafers_lever():
    # The same vendor given as TSV wafers: 200 wafer/month x 25 stack/wafer x 80 % yield
    # = 4000 stack/month, so the chain is as before, and +10 % wafers (220) gives 4400
    # stacks, 550 packages a month: 3000 installed on 2026-06-14 instead of 07-01.
    vendor = {
        "wafers": "200 wafer/month",
        "generations": {"HBM4": {"stacks_per_wafer": "25 stack/wafer", "yield": "80 %"}},
        "tooling": {"HBM4": 1},
        "shares": {"d": 1},
        "lead_time": "1 month",
        "qualification": {"p": "2025-01-01"},
    }
    scenario = chain(**{"hbm_vendors.v": vendor, "milestones.m": installed("3000 package")})
    found = {lever.name: lever for lever in levers(scenario)}
    wafers = "hbm_vendors.v wafers +10 %"
    assert list(found) == [COWOS, WAFERS, wafers, CREWS]
    assert found[wafers].kind == "hbm"
    assert found[wafers].values == {"hbm_vendors.v.wafers": pytest.approx(220.0)}
    assert found[wafers].step == "200 -> 220 wafer/month"
    result = relief(scenario, "m")
    assert result.relaxed_date.sel(lever=wafers).values == day("2026-06-14")
    assert result.days_earlier.sel(lever=wafers).item() == 17.0
    assert result.lever.values[0] == wafers


def test_every_kind_of_lever_appears_when_its_constraint_exists():
    data = chain_data(**late_grid("6 months"))
    site = data["sites"]["s"]
    site["buildings"][0].update(shell="4 months", fit_out="2 months", transformers=3)
    site["power"]["onsite"] = [
        {
            "supplier": "gt",
            "units": 2,
            "unit_capacity": "100 MW",
            "ordered": "2026-01-01",
            "install": "2 months",
        }
    ]
    data["suppliers"]["gt"] = {
        "kind": "turbine",
        "output": "12 turbine/year",
        "lead_time": "3 months",
    }
    data["programmes"]["g"].update(share="95 %", budget="USD 1e9")
    data["export_rules"] = {
        "e": {"destination": "US", "cap": "120000 H100e/year", "start": "2026-01-01"}
    }
    data["hbm_vendors"]["v"]["qualification"]["p"] = {"date": "2025-01-01", "slip": "1 month"}
    data["sites"]["unused"] = {**site, "power": {"existing": "1 GW"}}  # no programme uses it
    scenario = Scenario.model_validate(data)
    found = {lever.name: lever for lever in levers(scenario)}
    assert [lever.kind for lever in found.values()] == sorted(
        (lever.kind for lever in found.values()), key=KINDS.index
    )
    assert {lever.kind for lever in found.values()} == set(KINDS)
    assert not any("unused" in name for name in found)
    values = {path: v for lever in found.values() for path, v in lever.values.items()}
    assert values["sites.s.power.grid.wait"] == pytest.approx(3.0)
    assert values["sites.s.power.onsite[0].install"] == 0.0  # 2 - 3, floored at 0
    assert values["hbm_vendors.v.qualification.p.slip"] == 0.0  # 1 - 3, floored at 0
    assert values["sites.s.buildings[0].shell"] == pytest.approx(3.6)
    assert "sites.s.buildings[0].permits" not in values  # 0 x 0.9 changes nothing
    assert values["programmes.g.share"] == 1.0  # 95 % x 1.1, capped at 100 %
    assert values["programmes.g.budget"] == pytest.approx(1.1e9)
    assert values["export_rules.e.cap"] == pytest.approx(11000.0)  # per month
    assert values["suppliers.tx.output"] == pytest.approx(1.1)
    assert values["suppliers.gt.output"] == pytest.approx(1.1)
    assert found["suppliers.tx output +10 %"].kind == "transformers"
    assert found["suppliers.gt output +10 %"].kind == "onsite_power"
    assert found["programmes.g share +10 %"].step == "95 % -> 100 %"
    assert found[GRID].step == "wait 6 -> 3 month"


def test_a_lever_relaxes_the_value_it_is_given():
    scenario = chain(**late_grid("6 months", **{"programmes.g.share": "90 %"}))
    found = {lever.name: lever for lever in levers(scenario)}
    grid = found[GRID]
    assert grid.relaxed({"sites.s.power.grid.wait": 50.0}) == {"sites.s.power.grid.wait": 47.0}
    assert grid.relaxed({"sites.s.power.grid.wait": 2.0}) == {"sites.s.power.grid.wait": 0.0}
    assert grid.relaxed() == grid.values == {"sites.s.power.grid.wait": 3.0}
    share = found["programmes.g share +10 %"]
    assert share.relaxed({"programmes.g.share": 0.5}) == {"programmes.g.share": 0.55}
    assert share.relaxed({"programmes.g.share": 0.95}) == {"programmes.g.share": 1.0}


def test_grid_lever_moves_a_power_bound_milestone_three_months():
    # 1000 packages wait for the grid; crews install a million a month, so 500 are in
    # within an hour of it: 2026-07-01 with the grid on 07-01, 04-01 with it on 04-01:
    # 91 days (three months of 30, 31, 30 days).
    scenario = chain(
        **late_grid(
            "6 months",
            **{
                "programmes.g.target_packages": "1000 package",
                "milestones.m": installed("500 package"),
            },
        )
    )
    result = relief(scenario, "m")
    assert result.baseline_date.sel(lever=GRID).values == day("2026-07-01")
    assert result.relaxed_date.sel(lever=GRID).values == day("2026-04-01")
    assert result.days_earlier.sel(lever=GRID).item() == 91.0
    assert result.days_earlier.sel(lever=GRID).item() == pytest.approx(3 * 365.25 / 12, abs=2)
    assert result.lever.values[0] == GRID
    assert result.days_earlier.drop_sel(lever=GRID).values.tolist() == [0.0] * 4


def test_ranking_puts_the_largest_relief_first():
    # The grid arrives 2026-07-01 (t = 6). The programme takes packages from six weeks
    # before (its staging, by default), so from month 5, 500 a month (HBM): 500 go in at
    # t = 6, then deliveries spread over each month bind: 1000 by t = 7, 1500 by t = 8
    # (2026-09-01). HBM +10 %: 550 a month, 1500 at t = 7 + 400/550 = 7.727, day
    # 0.727 x 31 = 22.5 of August, 08-23 (9 days earlier). Grid 3 months earlier: the same
    # path from t = 3, 2026-06-01 (92 days). Ties keep the order of levers(): COWOS,
    # WAFERS, CREWS.
    scenario = chain(**late_grid("6 months", **{"milestones.m": installed("1500 package")}))
    result = relief(scenario, "m")
    assert list(result.lever.values) == [GRID, HBM, COWOS, WAFERS, CREWS]
    assert result.days_earlier.values.tolist() == [92.0, 9.0, 0.0, 0.0, 0.0]
    assert np.all(np.diff(result.days_earlier.values) <= 0)


def test_a_milestone_missed_in_the_horizon_counts_as_the_day_after():
    # Grid at 2027-01-01, after the horizon: the baseline misses the milestone and
    # counts as 2027-01-01; three months earlier it is met on 2026-10-01.
    scenario = chain(
        **late_grid(
            "12 months",
            **{
                "programmes.g.target_packages": "1000 package",
                "milestones.m": installed("500 package"),
            },
        )
    )
    result = relief(scenario, "m")
    grid = result.sel(lever=GRID)
    assert not grid.baseline_met.item()
    assert np.isnat(grid.baseline_date.values)
    assert grid.relaxed_met.item()
    assert grid.relaxed_date.values == day("2026-10-01")
    assert grid.days_earlier.item() == 92.0  # 2026-10-01 to 2027-01-01
    others = result.drop_sel(lever=GRID)
    assert not others.relaxed_met.any()
    assert (others.days_earlier == 0).all()


def test_monte_carlo_uses_common_draws_and_reports_percentiles():
    uncertain = {
        "dist": "uniform",
        "low": "3600 stack/month",
        "high": "4400 stack/month",
        "source": "assumption: test case",
    }
    scenario = chain(
        **late_grid(
            "6 months",
            **{
                "hbm_vendors.v.capacity": {"HBM4": uncertain},
                "programmes.g.target_packages": "1000 package",
                "milestones.m": installed("400 package"),
            },
        )
    )
    result = relief(scenario, "m", samples=3, seed=7)
    assert result.attrs["method"] == "monte carlo with 3 samples"
    assert result.attrs["seed"] == 7
    assert result.sizes == {"lever": 5, "sample": 3}
    # However much HBM a draw has, its first lot (450-550 packages, taken the month before
    # the grid arrives) holds the milestone's 400: met the day the grid arrives, 2026-07-01,
    # or with the grid 3 months earlier 2026-04-01: 91 days.
    grid = result.sel(lever=GRID)
    assert grid.days_earlier_by_sample.values.tolist() == [91.0] * 3
    for key in ("days_earlier", "days_earlier_p10", "days_earlier_p50", "days_earlier_p90"):
        assert grid[key].item() == 91.0
    assert (result.baseline_date == result.baseline_date.isel(lever=0)).all()
    assert (result.days_earlier.drop_sel(lever=GRID) == 0).all()

    through_plan = relief(
        scenario, "m", samples=3, seed=7, execution=Execution(workers=1, progress=False)
    )
    assert (through_plan.relaxed_date == result.relaxed_date).all()


def test_monte_carlo_relaxes_each_draw():
    # HBM uniform 3600-4400: draw x gives x/8 packages a month; +10 % of each draw.
    uncertain = {
        "dist": "uniform",
        "low": "3600 stack/month",
        "high": "4400 stack/month",
        "source": "assumption: test case",
    }
    scenario = chain(
        **{"hbm_vendors.v.capacity": {"HBM4": uncertain}, "milestones.m": installed("3000 package")}
    )
    result = relief(scenario, "m", samples=4, seed=1)
    hbm = result.sel(lever=HBM)
    assert (hbm.days_earlier_by_sample > 0).all()
    assert hbm.days_earlier_p10 <= hbm.days_earlier_p50 <= hbm.days_earlier_p90
    assert (result.days_earlier_by_sample.sel(lever=COWOS) == 0).all()


def test_unknown_milestone_is_refused_with_the_known_ones():
    with pytest.raises(ValueError, match=r"unknown milestone 'nope'.*first-gw"):
        relief(chain(), "nope")


# ---------------------------------------------------------------------------------------
# Command line
# ---------------------------------------------------------------------------------------


def run_cli(argv: list[str], monkeypatch) -> int:
    """``capsim`` with ``relief`` registered (if main.py does not register it yet)."""
    build = cli_main.build_parser

    def with_relief() -> argparse.ArgumentParser:
        parser = build()
        commands = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
        if "relief" not in commands.choices:
            relief_command.register(commands)
        return parser

    monkeypatch.setattr(cli_main, "build_parser", with_relief)
    return cli_main.main(argv)


@pytest.fixture
def scenario_file(tmp_path):
    data = chain_data(**late_grid("6 months", **{"milestones.m": installed("1500 package")}))
    path = tmp_path / "chain.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    return path


def test_cli_prints_the_ranked_table(scenario_file, monkeypatch, capsys):
    code = run_cli(["relief", str(scenario_file), "--milestone", "m", "--top", "2"], monkeypatch)
    out = capsys.readouterr().out
    assert code == 0
    assert "baseline: m met on 2026-09-01" in out
    assert "days earlier" in out
    lines = out.splitlines()
    first = next(line for line in lines if line.strip().startswith("1 "))
    second = next(line for line in lines if line.strip().startswith("2 "))
    # levers by their labels: the site's grid wait, then vendor v's HBM4 capacity (4000
    # stack/month in the chain)
    assert "s grid wait -3 months" in first
    assert GRID not in out  # the key-path-like name is for csv and json
    assert "+92" in first
    assert "2026-06-01" in first
    assert "v HBM capacity (HBM4) +10 %" in second
    # what a lever changes is on the line under it
    assert "4,000 -> 4,400 stack/month" in lines[lines.index(second) + 1]
    assert max(len(line) for line in lines) <= 100
    assert "+9" in second
    assert "2026-08-23" in second
    assert "3 more lever(s), 3 of them 0 days" in out


def test_cli_samples_without_a_progress_bar(scenario_file, monkeypatch, capsys):
    argv = ["relief", str(scenario_file), "--milestone", "m", "--samples", "2"]
    assert run_cli([*argv, "--workers", "1", "--no-progress"], monkeypatch) == 0
    printed = capsys.readouterr()
    assert "baseline: m" in printed.out
    assert printed.err == ""


def test_cli_csv_and_json_keep_the_name_beside_the_label(scenario_file, monkeypatch, capsys):
    argv = ["relief", str(scenario_file), "--milestone", "m"]
    assert run_cli([*argv, "--format", "json"], monkeypatch) == 0
    document = json.loads(capsys.readouterr().out)
    hbm = document["levers"][1]  # after the grid's
    assert (hbm["lever"], hbm["label"]) == (HBM, "v HBM capacity (HBM4) +10 %")
    # the chain's HBM4 capacity is 4000 stack/month; +10 % is 4400
    assert hbm["inputs"] == [
        {
            "key": "hbm_vendors.v.capacity.HBM4",
            "label": "v capacity HBM4",
            "central": pytest.approx(4000.0),
            "relaxed": pytest.approx(4400.0),
            "unit": "stack/month",
        }
    ]
    assert document["units"]["days_earlier"] == "day"
    assert run_cli([*argv, "--format", "csv"], monkeypatch) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert "days_earlier [day]" in rows[0]
    assert [(row["lever"], row["label"]) for row in rows[:3]] == [
        (GRID, "s grid wait -3 months"),
        (HBM, "v HBM capacity (HBM4) +10 %"),
        (COWOS, "c CoWoS capacity +10 %"),
    ]


def test_cli_overrides_apply(scenario_file, monkeypatch, capsys):
    argv = [
        "relief",
        str(scenario_file),
        "--milestone",
        "m",
        "--set",
        "sites.s.power.grid.wait=13 months",
    ]
    assert run_cli(argv, monkeypatch) == 0
    assert "baseline: m not met by 2026-12-31" in capsys.readouterr().out


def test_cli_unknown_milestone_exits_2_with_the_milestones(scenario_file, monkeypatch, capsys):
    code = run_cli(["relief", str(scenario_file), "--milestone", "nope"], monkeypatch)
    err = capsys.readouterr().err
    assert code == 2
    assert "error: --milestone: unknown milestone 'nope'" in err  # the option, not the file
    assert "first-gw, m" in err


def test_days_are_signed():
    assert signed(27.0) == "+27"
    assert signed(-3.0) == "\u22123"
    assert signed(0.2) == "0"
    assert signed(2.46, 1) == "+2.5"
