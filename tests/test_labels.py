"""Inputs carry readable labels (``sk-hynix wafers, 2027-12-31``) beside their key paths,
in sensitivity results, charts and the command line."""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import matplotlib.pyplot as plt
import pytest
import yaml

import capsim
from builders import chain_data, uncertain_chain
from capsim.cli.main import main
from capsim.plots import plot_sweep
from capsim.results import open_result
from capsim.scenario.io import dump_scenario
from capsim.scenario.labels import input_labels
from capsim.sweep.space import UncertainSpace

SCENARIOS = Path(__file__).resolve().parents[1] / "scenarios"


def test_every_uncertain_input_of_the_shipped_deals_has_a_label():
    scenario = capsim.load_scenario(f"{SCENARIOS}/openai-all-deals.yaml")
    labels = input_labels(scenario)
    names = list(UncertainSpace(scenario).names)
    assert names
    assert all(name in labels for name in names)
    assert all("." not in labels[name].split(",")[0] for name in names)  # no key paths


def test_labels_read_as_the_file_writes_the_inputs():
    # base-world.yaml: SK hynix's wafers are a series whose fourth point is dated
    # 2027-12-31; openai-nvidia-10gw.yaml's tx-campus-c has a building with id tc8 as its
    # eighth; a point dated on a month's first day reads as the month.
    scenario = capsim.load_scenario(f"{SCENARIOS}/openai-nvidia-10gw.yaml")
    labels = input_labels(scenario)
    assert labels["hbm_vendors.sk-hynix.wafers.points[3]"] == "sk-hynix wafers, 2027-12-31"
    assert labels["sites.tx-campus-c.buildings[7].build_time"] == (
        "tx-campus-c building tc8 build time"
    )
    assert labels["products.vera-rubin.it_power"] == "vera-rubin IT power"
    assert labels["programmes.openai-nvidia.firm"] == (
        "openai-nvidia letter of intent becomes firm"
    )
    monthly = capsim.load_scenario(
        f"{SCENARIOS}/openai-nvidia-10gw.yaml",
        ['packaging.tsmc-cowos.capacity={points: [{date: 2027-06-01, value: "90 kwafer/month", '
         'source: "assumption: test"}]}'],
    )  # fmt: skip
    assert input_labels(monthly)["packaging.tsmc-cowos.capacity.points[0]"] == (
        "tsmc-cowos capacity, 2027-06"
    )


def test_the_tornado_names_inputs_by_their_labels(tmp_path, capsys):
    path = tmp_path / "chain.yaml"
    path.write_text(dump_scenario(uncertain_chain()), encoding="utf-8")
    argv = ["sensitivity", str(path), "--method", "tornado", "--output", "milestone:five-mw"]
    assert main([*argv, "--workers", "1", "--no-progress"]) == 0
    table = capsys.readouterr().out
    assert "s power grid wait" in table  # sites.s.power.grid.wait, the grid's wait
    assert "sites.s.power.grid.wait" not in table


def _describe(argv: list[str], capsys) -> str:
    assert main(["describe", *argv]) == 0
    return capsys.readouterr().out


def test_describe_names_each_input_by_its_label_with_value_and_unit(tmp_path, capsys):
    # The file writes CoWoS line c's capacity as one point dated 2027-06-01 of
    # 90 kwafer/month: 90,000 wafer/month, read as "c capacity, 2027-06".
    point = {"date": "2027-06-01", "value": "90 kwafer/month", "source": "assumption: test"}
    data = chain_data(**{"packaging.c.capacity": {"points": [point]}})
    path = tmp_path / "chain.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    key = "packaging.c.capacity.points[0]"
    lines = _describe([str(path)], capsys).splitlines()
    row = next(i for i, line in enumerate(lines) if line.strip().startswith(f"{key}; "))
    assert lines[row - 1].split() == ["c", "capacity,", "2027-06", "90,000", "wafer/month"]
    assert lines[row].strip() == f"{key}; source: assumption: test"
    assert max(len(line) for line in lines) <= 100

    document = json.loads(_describe([str(path), "--format", "json"], capsys))
    found = next(p for p in document["parameters"] if p["path"] == key)
    assert found["label"] == "c capacity, 2027-06"
    assert found["central"] == pytest.approx(90_000.0)
    assert found["unit"] == "wafer/month"
    rows = list(csv.DictReader(io.StringIO(_describe([str(path), "--format", "csv"], capsys))))
    found = next(row for row in rows if row["path"] == key)
    assert (found["label"], float(found["central"])) == ("c capacity, 2027-06", 90_000.0)


def test_describe_only_lists_the_inputs_asked_for(tmp_path, capsys):
    # The chain has one CoWoS line c with one capacity and one yield; "packaging.c.cap*"
    # (a glob on key paths) and "C CAPACITY" (text in a label, any case) both find only the
    # capacity; nothing matching is a clear error, exit 2.
    path = tmp_path / "chain.yaml"
    path.write_text(yaml.safe_dump(chain_data()), encoding="utf-8")
    for asked in ("packaging.c.cap*", "C CAPACITY"):
        document = json.loads(_describe([str(path), "--only", asked, "--format", "json"], capsys))
        assert [p["path"] for p in document["parameters"]] == ["packaging.c.capacity"]
    text = _describe([str(path), "--only", "packaging.c.cap*"], capsys)
    assert "parameters (1 of " in text
    assert main(["describe", str(path), "--only", "no-such-thing"]) == 2
    assert "found no parameter matching 'no-such-thing'" in capsys.readouterr().err


def test_a_sweep_point_whose_run_failed_reads_failed_not_not_met(tmp_path, capsys, monkeypatch):
    # The run at a grid wait of 10 months fails (as a model error would): its row says
    # "failed" and a note says so; the 2-month point is dated as before.
    from capsim.sweep import runner

    real = runner.run_sample

    def failing(scenario, draw):
        if draw.get("sites.s.power.grid.wait") == 10.0:
            raise ValueError("a model error")
        return real(scenario, draw)

    monkeypatch.setattr(runner, "run_sample", failing)
    grid = {"capacity": "2 GW", "requested": "2026-01-01", "wait": "6 months"}
    data = chain_data(**{"sites.s.power": {"existing": "0 GW", "grid": grid}})
    path = tmp_path / "chain.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    argv = ["sweep", str(path), "--vary", "sites.s.power.grid.wait=2 months:10 months:2"]
    assert main([*argv, "--workers", "1", "--no-progress"]) == 0
    lines = capsys.readouterr().out.splitlines()
    rows = [line.split() for line in lines if line.split()[:2] in (["2", "month"], ["10", "month"])]
    assert [row[-1] for row in rows if row[0] == "10"] == ["failed"] * (len(rows) // 2)
    assert all(row[-1] != "failed" for row in rows if row[0] == "2")
    assert any(line.startswith("note: runs failed at 1 of the points") for line in lines)


def test_sweep_tables_name_the_varied_input_by_its_label_with_units(tmp_path, capsys):
    # The chain's site s waits for a grid connection; the sweep sets the wait to 2 and
    # 10 months: the table says "s power grid wait" and "2 month", "10 month".
    grid = {"capacity": "2 GW", "requested": "2026-01-01", "wait": "6 months"}
    data = chain_data(**{"sites.s.power": {"existing": "0 GW", "grid": grid}})
    path = tmp_path / "chain.yaml"
    path.write_text(yaml.safe_dump(data), encoding="utf-8")
    argv = ["sweep", str(path), "--vary", "sites.s.power.grid.wait=2 months:10 months:2"]
    stored = tmp_path / "sweep.nc"
    assert main([*argv, "--workers", "1", "--no-progress", "-o", str(stored)]) == 0
    lines = capsys.readouterr().out.splitlines()
    # one replicate: the other inputs at their central values, one date per point
    assert any("(the other inputs at central values)" in line for line in lines)
    header = next(line for line in lines if line.split()[-1:] == ["date"])
    assert header.split() == ["s", "power", "grid", "wait", "date"]
    values = [line.split()[:2] for line in lines[lines.index(header) + 1 :][:2]]
    assert values == [["2", "month"], ["10", "month"]]
    # the sweep chart of the saved study names its axis the same way, with the unit
    ax = plot_sweep(open_result(stored), "first-gw")
    assert ax.get_xlabel().startswith("s power grid wait (month")
    plt.close(ax.figure)
