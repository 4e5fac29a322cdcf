"""Every shipped scenario validates, is fully sourced, and runs through ``capsim run``;
its products and the quantities derived from its central run are checked against the
public figures of ../shared/DESIGN.md §5 and §7, each range with its source and date.

The figures below are typed in from DESIGN.md, not read from the scenarios: a check
fails when a scenario (or the model's accounting of power) drifts away from them.
"""

from __future__ import annotations

import csv
import datetime as dt
import functools
from pathlib import Path

import numpy as np
import pytest
import xarray as xr
import yaml

from capsim.cli.main import main
from capsim.model.inputs import BuildingIn, ModelInputs
from capsim.model.resolve import resolve
from capsim.model.site import BuildingLog
from capsim.model.world import World
from capsim.results import open_result
from capsim.scenario.document import Scenario
from capsim.scenario.loader import load_scenario, loads_scenario
from capsim.scenario.supply import Contract, HbmGeneration
from capsim.scenario.walk import iter_entity_sources, iter_params
from capsim.seeds import load_seed_facts
from capsim.simulation import simulate

ROOT = Path(__file__).resolve().parents[1]
SCENARIOS = sorted((ROOT / "scenarios").glob("*.yaml"))
NAMES = [path.stem for path in SCENARIOS]
COLOSSUS_TIMELINE = ROOT / "data" / "epoch" / "xai_colossus1_timeline.csv"


def test_the_ten_scenarios_are_shipped():
    assert set(NAMES) == {
        "openai-all-deals",
        "hindcast-2023",
        "hindcast-2023-exante",
        "base-world",
        "openai-nvidia-10gw",
        "openai-amd-6gw",
        "openai-broadcom-10gw",
        "stargate-korea-memory",
        "korea-10k-gpus",
        "asia-tour",
    }


@pytest.mark.parametrize("path", SCENARIOS, ids=NAMES)
def test_validates(path, capsys):
    assert main(["validate", str(path)]) == 0
    assert capsys.readouterr().out.startswith(f"ok: {path}")


@pytest.mark.parametrize("path", SCENARIOS, ids=NAMES)
def test_every_value_has_a_source_and_cited_seeds_exist(path, capsys):
    scenario = load_scenario(path)
    facts = load_seed_facts()
    sources = [param.source for _, param in iter_params(scenario)]
    sources += [source for _, source in iter_entity_sources(scenario)]
    assert all(source is not None for source in sources)
    cited = {source.seed_id for source in sources if source.seed_id is not None}
    assert cited <= set(facts)
    assert main(["cite", str(path)]) == 0
    assert "warning:" not in capsys.readouterr().out


def test_an_entity_needs_its_own_source_only_for_what_is_not_a_parameter():
    """The rule the check above relies on: a contract that is only a sourced share, or an
    HBM generation that is only sourced stacks per wafer and yield, needs no source of its
    own; a contract with dates does (the dates have none), and so does one without."""
    share = {"value": "50 %", "source": "assumption: a share"}
    per_wafer = {"value": "26 stack/wafer", "source": "assumption: stacks per wafer"}
    entities = {
        "share-only": Contract(share=share),
        "dated": Contract(share=share, **{"from": "2026-01-01"}),
        "dated-sourced": Contract(share=share, until="2027-01-01", source="assumption: a term"),
        "generation": HbmGeneration(stacks_per_wafer=per_wafer, **{"yield": share}),
    }
    listed = dict(iter_entity_sources(entities))
    assert set(listed) == {"dated", "dated-sourced"}
    assert listed["dated"] is None
    assert str(listed["dated-sourced"]) == "assumption: a term"


@pytest.mark.parametrize("path", SCENARIOS, ids=NAMES)
def test_describe_shows_every_parameter_with_unit_and_source(path, capsys):
    scenario = load_scenario(path)
    assert main(["describe", str(path)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    assert max(len(line) for line in lines) <= 100
    heads = [i for i, line in enumerate(lines) if line[:2] == "  " and line[2:3].strip()]
    sources = {  # "      KEY; source: ...", below the entry's first line "  LABEL  VALUE"
        line.split(";")[0].strip(): i
        for i, line in enumerate(lines)
        if line.startswith("      ") and "; source: " in line
    }
    for key, param in iter_params(scenario):
        row = sources[key]
        head = " ".join(lines[max(i for i in heads if i < row) : row])
        assert key.split(".")[1] in head or key.startswith("horizon")  # the entity's id
        if param.unit not in ("", "W", "FLOP/s"):  # W and FLOP/s carry a prefix (kW)
            assert f" {param.unit}" in head
        assert "(no source)" not in lines[row]


DEALS = [path for path in SCENARIOS if path.stem != "base-world"]


@pytest.mark.parametrize("path", DEALS, ids=[path.stem for path in DEALS])
def test_runs_through_the_command_line(path, tmp_path, capsys):
    output = tmp_path / "result.nc"
    assert main(["run", str(path), "--deterministic", "-o", str(output)]) == 0
    out = capsys.readouterr().out
    for heading in ("quarter", "milestones", "claims:"):
        assert heading in out
    result = open_result(output)
    assert result.attrs["capsim_version"]
    assert int(result.attrs["seed"]) >= 0
    assert load_scenario(path) == loads_scenario(result.attrs["scenario"])
    for name, variable in result.data_vars.items():
        if not np.issubdtype(variable.dtype, np.datetime64) and variable.dtype != bool:
            assert "units" in variable.attrs, name
    for claim in result.claim.values:
        assert f"  {claim} " in out


# --- public figures (DESIGN.md §5 and §7) ------------------------------------------
#
# Epoch AI, 2025 (DESIGN.md §5, "all-in IT power per package"): H100 about 1.45 kW,
# GB200 about 2.09 kW, GB300 about 2.22 kW; 5-95 % band x0.88-1.18.
# Vera Rubin has no Epoch figure. Trade press, 2025 (DESIGN.md §5, "rack power"): an NVL144
# rack of 72 packages draws 190-230 kW. All-in power includes the rack's own draw, so it is
# at least 190 kW / 72; and it exceeds the rack's share by at most what it does for GB200
# (Epoch's 2.09 kW all-in against a GB200 NVL72 rack's 120-132 kW / 72, trade press 2024-25:
# at most x1.25), so it is at most 230 kW / 72 x 2.09 / (120 / 72).
EPOCH_BAND = (0.88, 1.18)
GB200_ALL_IN_OVER_RACK = 2.09e3 / (120e3 / 72)
ALL_IN_IT_W = {
    "h100": (1.45e3 * EPOCH_BAND[0], 1.45e3 * EPOCH_BAND[1]),
    "b200": (2.09e3 * EPOCH_BAND[0], 2.09e3 * EPOCH_BAND[1]),
    "b300": (2.22e3 * EPOCH_BAND[0], 2.22e3 * EPOCH_BAND[1]),
    "vera-rubin": (190e3 / 72, 230e3 / 72 * GB200_ALL_IN_OVER_RACK),
}

# Uptime Institute, 2024 (DESIGN.md §5, "PUE"): industry about 1.56; hyperscale 1.1-1.2;
# new liquid-cooled AI builds about 1.1. No site should beat the best new builds or do
# worse than the industry average; new liquid-cooled builds should sit in the hyperscale
# range, given to one decimal (so up to 1.25).
PUE_ENVELOPE = (1.1, 1.56)
PUE_NEW_LIQUID_COOLED_MAX = 1.25

# NVIDIA CEO, Sept 2025 (DESIGN.md §5, "GPUs per GW"): 10 GW is about 4-5 million GPUs.
# After Blackwell NVIDIA counts dies as GPUs (DESIGN.md §4): a Vera Rubin package holds
# two, so that is 2-2.5 million packages. He did not say whether the 10 GW is IT load or
# facility power (DESIGN.md §4: about a 1.5x difference). Read as IT load, 10 GW of IT
# holds 2-2.5 million packages; read as facility power, 10 GW of IT holds that times the
# PUE, at most Uptime's industry average of 1.56. Packages per GW of IT: 2.0e5 to 3.9e5.
RUBIN_DIES_PER_PACKAGE = 2
RUBIN_PACKAGES_PER_IT_GW = (
    4e6 / RUBIN_DIES_PER_PACKAGE / 10,
    5e6 / RUBIN_DIES_PER_PACKAGE / 10 * PUE_ENVELOPE[1],
)
# Sites that are not new liquid-cooled builds in a mild or hot (not desert) climate, so
# only the envelope applies to them (each scenario says so in its PUE's source).
PUE_EXCEPTIONS = {
    "ae-hub-phase1": "UAE desert climate",
    "ae-hub-phase2": "UAE desert climate",
    "kr-national-ai-centre": "retrofitted air-cooled hall",
    "colossus-1": "retrofit of a factory on temporary power",
}

# Bills of materials (DESIGN.md §5): stacks x GB per package, vendor specs (H100 2022-03,
# H200 2023-11, B200 2024-03, B300 and Rubin 2025-03); packages per CoWoS wafer,
# TrendForce / Morgan Stanley (derived), 2024-26: H100/H200 about 28-29, B200 about 16,
# Rubin about 9-14 ("about": 10 % either side); chip TDP, vendor material: H100 700 W,
# B200 about 1,000 W, B300 about 1,200 W, Rubin about 1,800 W (10 % either side); packages
# per rack: GB300 NVL72 and Vera Rubin NVL144 hold 72 (NVIDIA, 2025-03; DESIGN.md §4;
# B200 also ships in 8-GPU HGX servers, so its racks vary). MI450 / MI455X (AMD, 2025;
# DESIGN.md §7): 432 GB of HBM4 in 12 stacks of 36 GB, Helios racks of 72 GPUs.
ABOUT = 0.10
BILL_OF_MATERIALS = {
    "h100": {"stacks": 5, "gb": 16, "per_wafer": (28, 29), "tdp": 700, "per_rack": None},
    "h200": {"stacks": 6, "gb": 24, "per_wafer": (28, 29), "tdp": None, "per_rack": None},
    "b200": {"stacks": 8, "gb": 24, "per_wafer": (16, 16), "tdp": 1000, "per_rack": None},
    "b300": {"stacks": 8, "gb": 36, "per_wafer": None, "tdp": 1200, "per_rack": 72},
    "vera-rubin": {"stacks": 8, "gb": 36, "per_wafer": (9, 14), "tdp": 1800, "per_rack": 72},
    "mi450": {"stacks": 12, "gb": 36, "per_wafer": None, "tdp": None, "per_rack": 72},
}
# Rack-level power (DESIGN.md §5 "rack power", trade press; §7 for the server figure),
# as floors per package: all-in IT power per package includes the rack's own draw
# (chips, CPUs, in-rack switches) plus networking and storage outside it, so the
# all-in power of a rack's packages is at least the rack's power.
# GB200 NVL72: 120-132 kW for 72 packages (trade press, 2024-25). GB300 NVL72 has no
# figure in DESIGN.md; it holds the same 72 packages of a higher-TDP chip (1,200 W vs
# 1,000 W), so it draws at least what a GB200 NVL72 does.
BASE_WORLD_FAMILY = [
    "base-world",
    "openai-nvidia-10gw",
    "openai-amd-6gw",
    "openai-broadcom-10gw",
    "stargate-korea-memory",
    "korea-10k-gpus",
    "asia-tour",
]
RACKS = [
    pytest.param(
        "b200",
        ["hindcast-2023", "hindcast-2023-exante"],
        72,
        {"GB200 NVL72 rack, 120 kW / 72 (trade press, 2024-25)": 120e3 / 72},
        id="b200-gb200-nvl72",
    ),
    pytest.param(
        "b300",
        BASE_WORLD_FAMILY,
        72,
        {"GB200 NVL72 rack, 120 kW / 72, a floor for GB300 (trade press, 2024-25)": 120e3 / 72},
        id="b300-gb300-nvl72",
    ),
    pytest.param(
        "vera-rubin",
        BASE_WORLD_FAMILY,
        72,
        {
            "Vera Rubin NVL144 rack, 190 kW / 72 (trade press, 2025)": 190e3 / 72,
            "HGX Rubin NVL8, 24 kW / 8 GPUs (Compal via press, 2026-06)": 24e3 / 8,
        },
        id="vera-rubin-nvl144",
    ),
]


@functools.cache
def _scenario(name: str) -> Scenario:
    return load_scenario(ROOT / "scenarios" / f"{name}.yaml")


@functools.cache
def _inputs(name: str) -> ModelInputs:
    """The central inputs the model runs on (extends merged, distributions at median)."""
    return resolve(_scenario(name))


@functools.cache
def _central(name: str) -> xr.Dataset:
    return simulate(_scenario(name))


def _online_at_end(name: str) -> list[tuple[str, str, float, float, float]]:
    """(programme, product, packages, IT W, facility W) online at the end of the central
    run, for each programme with packages online."""
    scenario, result = _scenario(name), _central(name)
    end = result.isel(time=-1)
    rows = []
    for gid in result.programme.values:
        packages = float(end.packages_online.sel(programme=gid))
        if packages > 0:
            it = float(end.it_power_online.sel(programme=gid))
            facility = float(end.facility_power_online.sel(programme=gid))
            rows.append((str(gid), scenario.programmes[gid].product, packages, it, facility))
    return rows


RUNS = [name for name in NAMES if name != "base-world"]  # base-world has no sites


@pytest.mark.parametrize("name", RUNS)
def test_all_in_power_per_package_online_is_in_the_public_band(name):
    """IT power online / packages online at the end of the run, per programme, against
    Epoch AI's all-in band (or, for Rubin, the band from its rack power); every package
    draws more than its chip's TDP (all-in adds host, memory and network)."""
    rows = _online_at_end(name)
    assert rows, f"{name}: no packages online at the end of the central run"
    for gid, product, packages, it, _ in rows:
        per_package = it / packages
        tdp = _scenario(name).products[product].tdp.central
        assert per_package > tdp, (gid, per_package, tdp)
        if product in ALL_IN_IT_W:
            low, high = ALL_IN_IT_W[product]
            assert low <= per_package <= high, (gid, product, per_package, (low, high))


# The AMD and Broadcom deals install only MI450 and OpenAI's ASIC, which have no public
# all-in power figure in DESIGN.md.
WITHOUT_PUBLIC_POWER = {"openai-amd-6gw", "openai-broadcom-10gw"}
WITH_PUBLIC_POWER = [name for name in RUNS if name not in WITHOUT_PUBLIC_POWER]


@pytest.mark.parametrize("name", WITH_PUBLIC_POWER)
def test_packages_per_gw_of_facility_power_are_in_the_public_range(name):
    """Packages online / facility power online at the end of the run: from the all-in
    band of the product and the PUE envelope, 1 / (IT_high x 1.56) to 1 / (IT_low x 1.1)."""
    checked = 0
    for gid, product, packages, _, facility in _online_at_end(name):
        if product not in ALL_IN_IT_W:
            continue  # custom ASICs: no public all-in figure to compare with
        low_w, high_w = ALL_IN_IT_W[product]
        fewest = 1e9 / (high_w * PUE_ENVELOPE[1])
        most = 1e9 / (low_w * PUE_ENVELOPE[0])
        per_gw = packages / facility * 1e9
        assert fewest <= per_gw <= most, (gid, product, per_gw, (fewest, most))
        checked += 1
    assert checked, f"{name}: no programme of a product with a public all-in figure online"


@pytest.mark.parametrize(
    ("name", "programme"),
    [
        ("openai-nvidia-10gw", "openai-nvidia"),
        ("stargate-korea-memory", "stargate-rubin"),
        ("asia-tour", "uae-hub-rubin"),
    ],
)
def test_rubin_programmes_hold_the_ceos_4_to_5_million_dies_per_10_gw(name, programme):
    """A Rubin programme's packages online at the end of the run, per GW of IT online,
    against the NVIDIA CEO's 4-5 million GPUs (dies, two per package) for 10 GW (Sept
    2025), his GW read as IT load or as facility power. (Not every programme reaches its
    target within the horizon now that buyers compete for HBM.)"""
    assert _scenario(name).programmes[programme].power_basis == "it"
    end = _central(name).isel(time=-1).sel(programme=programme)
    it_online = float(end.it_power_online)
    assert it_online > 0, name
    per_gw = float(end.packages_online) / it_online * 1e9
    assert RUBIN_PACKAGES_PER_IT_GW[0] <= per_gw <= RUBIN_PACKAGES_PER_IT_GW[1]


def test_the_openai_deal_puts_10_gw_online_without_overshooting():
    # Seed 004 / OpenAI-NVIDIA letter of intent, Sept 2025: "at least 10 GW", the first
    # GW in 2H 2026; the programme stops ordering at its 10 GW target, so IT power online
    # never exceeds it by more than the last month's lot.
    result = _central("openai-nvidia-10gw")
    it_power = result.it_power_online.sel(programme="openai-nvidia").values
    assert it_power.max() <= 10.0e9 * 1.02
    assert it_power[-1] >= 10.0e9 * (1 - 1e-9)
    assert not np.isnat(result.milestone_date.sel(milestone="first-gw").values)


@pytest.mark.parametrize("name", RUNS)
def test_pue_of_every_site_online_is_in_the_public_range(name):
    """Facility / IT power online at each site at the end of the run (Uptime Institute)."""
    result = _central(name).isel(time=-1)
    checked = 0
    for site in result.site.values:
        it = float(result.site_it_power_online.sel(site=site))
        if it <= 0:
            continue
        pue = float(result.site_facility_power_online.sel(site=site)) / it
        assert PUE_ENVELOPE[0] <= pue <= PUE_ENVELOPE[1], (site, pue)
        if site not in PUE_EXCEPTIONS:
            assert pue <= PUE_NEW_LIQUID_COOLED_MAX, (site, pue)
        checked += 1
    assert checked, f"{name}: no site with IT power online at the end of the central run"


@pytest.mark.parametrize("name", ["hindcast-2023", "hindcast-2023-exante"])
def test_colossus_facility_power_per_gpu_matches_epoch(name):
    # Epoch AI, xai_colossus1_timeline.csv (data/epoch, estimates of 2026-03-31): 100k
    # H100 at 181 MW (2024-09-02) and 200k at 361 MW (2025-02-17), about 1.8 kW of
    # facility power per GPU; Epoch's own 5-95 % band on per-package power, x0.88-1.18,
    # is the tolerance.
    with COLOSSUS_TIMELINE.open(newline="", encoding="utf-8") as handle:
        rows = [row for row in csv.DictReader(handle) if float(row["H100 equivalents"]) > 0]
    observed = [float(row["Power (MW)"]) * 1e6 / float(row["H100 equivalents"]) for row in rows]
    assert observed == pytest.approx([1.8e3] * len(observed), rel=0.01)
    end = _central(name).isel(time=-1).sel(programme="xai-colossus")
    assert float(end.packages_online) == pytest.approx(100_000)
    per_gpu = float(end.facility_power_online) / float(end.packages_online)
    reference = 181e6 / 100_000
    assert reference * EPOCH_BAND[0] <= per_gpu <= reference * EPOCH_BAND[1]


@pytest.mark.parametrize("product", list(BILL_OF_MATERIALS))
def test_bill_of_materials_matches_vendor_specs_and_trendforce(product):
    expected = BILL_OF_MATERIALS[product]
    names = [name for name in NAMES if product in _scenario(name).products]
    assert names, f"no shipped scenario has {product}"
    for name in names:
        model = _inputs(name).products[product]
        spec = _scenario(name).products[product]
        assert model.stacks_per_package == expected["stacks"], name
        assert spec.hbm.capacity_per_stack.central == expected["gb"], name
        if expected["per_rack"] is not None:
            assert model.packages_per_rack == expected["per_rack"], name
        if expected["per_wafer"] is not None:
            low, high = expected["per_wafer"]
            assert low * (1 - ABOUT) <= model.packages_per_wafer <= high * (1 + ABOUT), name
        if expected["tdp"] is not None:
            assert spec.tdp.central == pytest.approx(expected["tdp"], rel=ABOUT), name


@pytest.mark.parametrize(("product", "names", "per_rack", "floors"), RACKS)
def test_all_in_power_of_a_rack_covers_the_rack_and_server(product, names, per_rack, floors):
    """Rack power = all-in IT power per package x packages per rack, at least the public
    rack (and server) power; NVIDIA's NVL72 and NVL144 racks hold 72 packages (DESIGN.md
    §4: NVL144 counts dies)."""
    for name in names:
        model = _inputs(name).products[product]
        assert model.packages_per_rack == per_rack, name
        rack = model.it_power * model.packages_per_rack
        for label, floor in floors.items():
            assert rack >= floor * per_rack, (name, label, rack)


# --- the OpenAI-AMD and OpenAI-Broadcom deals (DESIGN.md §7) -------------------------
#
# OpenAI-AMD release, 2025-10-06: 6 GW of AMD Instinct GPUs over several generations; the
# first 1 GW of MI450 in 2H 2026; a warrant for up to 160M AMD shares vesting as GW are
# deployed. OpenAI-Broadcom release, 2025-10-13: 10 GW of OpenAI-designed accelerators with
# Broadcom networking, deployed from 2H 2026 to the end of 2029. Their "GW" is read as IT
# load, as the OpenAI-NVIDIA letter's. Neither names a GPU count, so the checks below are
# the announced gigawatts, dates and warrant.
END_OF_2H_2026 = dt.date(2026, 12, 31)
END_OF_2029 = dt.date(2029, 12, 31)
AMD, BROADCOM = "openai-amd-6gw", "openai-broadcom-10gw"
ANNOUNCED = {
    AMD: ("openai-amd", "mi450", 6e9, dt.date(2025, 10, 6)),
    BROADCOM: ("openai-broadcom", "openai-asic", 10e9, dt.date(2025, 10, 13)),
}
# (scenario, claim, quantity, threshold [canonical unit; None: one rack], deadline)
INSTALLED, IT_ONLINE = "packages_installed", "it_power_online"
ANNOUNCED_CLAIMS = [
    (AMD, "openai-amd-deployment-begins-2h2026", INSTALLED, None, END_OF_2H_2026),
    (AMD, "openai-amd-first-gw-2h2026", IT_ONLINE, 1e9, END_OF_2H_2026),
    (BROADCOM, "openai-broadcom-deployment-begins-2h2026", INSTALLED, None, END_OF_2H_2026),
    (BROADCOM, "openai-broadcom-ten-gw-by-2029", IT_ONLINE, 10e9, END_OF_2029),
]
# The shortest time from an order to packages online that the deal files allow: CoWoS
# assembly at least 1 month, rack integration and shipping at least 2, burn-in at least
# half a month (the low ends of base-world's and the deals' ranges), in whole months.
ORDER_TO_ONLINE_MONTHS = 4
# data/builds/build_timelines.csv (Epoch AI Frontier Data Centers and press, compiled
# 2026-11-29; DESIGN.md §7): the one campus observed at 1 GW of facility power (New
# Carlisle) got there 25.4 months after construction started. Its README says the fastest
# builds (Abilene, Colossus 2) are not in the file, so 20 % is allowed below it.
FASTEST_TO_1_GW_MONTHS = 25.4 * 0.8
DAYS_PER_MONTH = 30.4375


@pytest.mark.parametrize("name", list(ANNOUNCED))
def test_the_deal_orders_and_houses_the_announced_gigawatts(name):
    """The programme targets the announced GW of IT with the named product, and its
    sites' halls hold exactly that much IT load."""
    programme_id, product, gigawatts, _ = ANNOUNCED[name]
    scenario = _scenario(name)
    programme = scenario.programmes[programme_id]
    assert programme.product == product
    assert programme.power_basis == "it"
    assert programme.target_power.central == pytest.approx(gigawatts)
    assert programme.letter_of_intent is None
    halls = [b.it_capacity.central for s in programme.sites for b in scenario.sites[s].buildings]
    assert sum(halls) == pytest.approx(gigawatts)


@pytest.mark.parametrize(("name", "claim_id", "quantity", "threshold", "by"), ANNOUNCED_CLAIMS)
def test_the_deal_claims_what_was_announced(name, claim_id, quantity, threshold, by):
    programme_id, product, _, announced = ANNOUNCED[name]
    scenario = _scenario(name)
    claim = scenario.claims[claim_id]
    milestone = scenario.milestones[claim.milestone]
    assert claim.by == by > announced
    assert (milestone.programme, milestone.quantity) == (programme_id, quantity)
    if threshold is None:  # the first rack
        threshold = _inputs(name).products[product].packages_per_rack
    assert milestone.threshold.central == pytest.approx(threshold)


@pytest.mark.parametrize(
    ("name", "gigawatts", "by"),
    [(AMD, 1e9, END_OF_2H_2026), (BROADCOM, 10e9, END_OF_2029)],
    ids=["amd-first-gw-2h2026", "broadcom-ten-gw-2029"],
)
def test_the_order_book_asks_for_the_announced_gigawatts_in_time(name, gigawatts, by):
    """Packages ordered from when the programme opens and the product is made until
    ORDER_TO_ONLINE_MONTHS before the announced date, at the product's central all-in
    power, cover the announced GW: had nothing else bound, the orders alone could meet
    the date."""
    programme_id, product, _, _ = ANNOUNCED[name]
    inputs = _inputs(name)
    programme = inputs.programmes[programme_id]
    last = (by.year - inputs.calendar.start.year) * 12 + by.month - inputs.calendar.start.month
    first = int(np.ceil(max(programme.start, inputs.products[product].start)))
    ordered = sum(programme.volume_at(m) for m in range(first, last - ORDER_TO_ONLINE_MONTHS + 1))
    assert ordered * inputs.products[product].it_power >= gigawatts


@pytest.mark.parametrize("name", list(ANNOUNCED))
def test_no_first_gigawatt_comes_faster_than_the_fastest_observed_campus(name):
    programme_id, _, _, _ = ANNOUNCED[name]
    scenario = _scenario(name)
    first_gw = _central(name).milestone_date.sel(milestone=f"{programme_id}-first-gw").values
    assert not np.isnat(first_gw)
    sites = scenario.programmes[programme_id].sites
    began = min(b.start for s in sites for b in scenario.sites[s].buildings)
    months = (first_gw.astype("datetime64[D]").item() - began).days / DAYS_PER_MONTH
    assert months >= FASTEST_TO_1_GW_MONTHS


def test_the_amd_warrant_vests_in_full_at_6_gw():
    """160M shares vesting as GW are deployed, up to 6 GW: six tranches of 1 GW of IT,
    the last one when 6 GW are online (OpenAI-AMD release, 2025-10-06)."""
    funding = _scenario(AMD).funding["openai-amd-warrant"]
    assert (funding.programme, funding.basis) == ("openai-amd", "it")
    assert funding.step.central == pytest.approx(1e9)
    assert funding.cap.central / funding.amount_per_step.central == pytest.approx(6)
    dates = _central(AMD).milestone_date
    vested = dates.sel(milestone="openai-amd-warrant-vested").values
    six_gw = dates.sel(milestone="openai-amd-six-gw").values
    assert (np.isnat(vested) and np.isnat(six_gw)) or vested == six_gw


DEAL_FILES = ["openai-nvidia-10gw", AMD, BROADCOM]
OWN_TABLES = ("programmes", "sites", "funding", "milestones", "claims", "risks")


def test_the_three_openai_deals_compose():
    """The AMD and Broadcom files define only deal entities (programmes, sites, funding,
    risks, milestones, claims), and no id of theirs is one of another deal file's or of
    base-world's, so one scenario can extend all three."""

    def own(name: str) -> dict:
        text = (ROOT / "scenarios" / f"{name}.yaml").read_text(encoding="utf-8")
        return yaml.safe_load(text)

    base = own("base-world")
    files = {name: own(name) for name in DEAL_FILES}
    for name in (AMD, BROADCOM):
        entity_tables = set(files[name]) - {"extends", "name", "description"}
        assert entity_tables <= set(OWN_TABLES), (name, entity_tables)
    for table in OWN_TABLES:
        seen = set(base.get(table) or {})
        for name in DEAL_FILES:
            ids = set(files[name].get(table) or {})
            assert not ids & seen, (table, name, ids & seen)
            seen |= ids


def test_a_deal_files_risks_act_on_its_own_sites_only():
    """A risk that changes the market (a vendor failing a product's qualification, a
    shared supplier's disruption) lives in base-world: were it in one deal file, the
    joint world would carry it and that deal's rivals alone would not, and comparing
    them sample by sample would credit the risk to contention (a Samsung failure for
    Rubin, in the NVIDIA deal's file, once gave Broadcom's first GW 164 days sooner in
    the joint world than alone). A deal file's risks delay its own sites."""
    for name in DEAL_FILES:
        text = (ROOT / "scenarios" / f"{name}.yaml").read_text(encoding="utf-8")
        document = yaml.safe_load(text)
        own_sites = set(document.get("sites") or {})
        for rid, risk in (document.get("risks") or {}).items():
            effect = risk["effect"]
            assert effect.get("site") in own_sites, (name, rid, effect)


# Transformer waits against the published lead times. Wood Mackenzie (2024, DESIGN.md
# §5): a large power transformer ordered then waited about 120-130 weeks; base-world's
# starting backlog is that queue, so a hall's order dated before the horizon comes out
# of it within that range. Orders placed from 2025 wait at least as long (the queue
# stays full: Wood Mackenzie, Q2 2025, about 128 weeks; still rising in 2026) and at
# most "up to four years for high-capacity units" (PwC via pv magazine USA,
# 2026-05-11), the joint world's three deals (117 halls, about 470 transformers) too:
# the queue is the whole US supply of large units, about 1,150 a year in 2025.
WEEKS_PER_MONTH = DAYS_PER_MONTH / 7
LPT_WAIT_2024_MONTHS = (120 / WEEKS_PER_MONTH, 130 / WEEKS_PER_MONTH)
LONGEST_TRANSFORMER_WAIT_MONTHS = 48.0
STARGATE_CAMPUSES = [*DEAL_FILES, "stargate-korea-memory", "openai-all-deals"]


@functools.cache
def _halls_with_transformers(name: str) -> list[tuple[str, BuildingIn, BuildingLog]]:
    """(site id, building, its log in the central run) of each building of ``name`` that
    orders transformers from a supplier, by site in order."""
    inputs = _inputs(name)
    world = World(inputs)
    world.run()
    return [
        (sid, building, log)
        for sid, site in world.sites.items()
        if inputs.sites[sid].transformer_supplier is not None
        for building, log in zip(inputs.sites[sid].buildings, site.buildings, strict=True)
        if building.transformers > 0
    ]


@pytest.mark.parametrize("name", STARGATE_CAMPUSES)
def test_deal_halls_wait_for_transformers_as_long_as_the_published_lead_times(name):
    halls = _halls_with_transformers(name)
    assert any(building.transformers_ordered < 0 for _, building, _ in halls), name
    low, high = LPT_WAIT_2024_MONTHS
    for sid, building, log in halls:
        wait = log.transformers_in - building.transformers_ordered
        top = high if building.transformers_ordered < 0 else LONGEST_TRANSFORMER_WAIT_MONTHS
        assert low <= wait <= top, (f"{sid}/{building.id}", wait)


# The deal files order each new hall's transformers 18 months before its construction
# starts, so that the ~128-week wait (Wood Mackenzie, Q2 2025) ends by the time fit-out
# starts (Wood Mackenzie, 2026, via Bloomberg: data centres lock in transformer supply
# years ahead). A campus's first hall, whose order is not behind the campus's others, may then
# start fit-out late by at most the spread of the quoted wait, 120-130 weeks: 10 weeks.
FIRST_HALL_FIT_OUT_MARGIN_MONTHS = 10 / WEEKS_PER_MONTH


@pytest.mark.parametrize("name", STARGATE_CAMPUSES)
def test_no_campus_opens_its_first_hall_waiting_for_transformers(name):
    halls = _halls_with_transformers(name)
    inputs = _inputs(name)
    for sid in dict.fromkeys(sid for sid, _, _ in halls):
        first = min(inputs.sites[sid].buildings, key=lambda building: building.start)
        logs = [log for site, building, log in halls if site == sid and building is first]
        assert logs, f"{sid}/{first.id} orders no transformers"
        late = logs[0].transformers_in - logs[0].fit_out_due
        assert late <= FIRST_HALL_FIT_OUT_MARGIN_MONTHS, (f"{sid}/{first.id}", late)
