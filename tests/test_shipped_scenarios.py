"""Every shipped scenario validates, is fully sourced, and runs through ``capsim run``;
central results are checked against the public figures in DESIGN.md §5."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pytest

from capsim.cli.main import main
from capsim.results import open_result
from capsim.scenario.loader import load_scenario, loads_scenario
from capsim.scenario.walk import iter_entity_sources, iter_params
from capsim.seeds import load_seed_facts
from capsim.simulation import simulate

SCENARIOS = sorted((Path(__file__).resolve().parents[1] / "scenarios").glob("*.yaml"))
NAMES = [path.stem for path in SCENARIOS]


def test_the_seven_scenarios_are_shipped():
    assert set(NAMES) == {
        "hindcast-2023",
        "hindcast-2023-exante",
        "base-world",
        "openai-nvidia-10gw",
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


@pytest.mark.parametrize("path", SCENARIOS, ids=NAMES)
def test_describe_shows_every_parameter_with_unit_and_source(path, capsys):
    scenario = load_scenario(path)
    assert main(["describe", str(path)]) == 0
    out = capsys.readouterr().out
    lines = out.splitlines()
    for key, _param in iter_params(scenario):
        row = next(i for i, line in enumerate(lines) if line.split()[:1] == [key])
        assert lines[row].rstrip().endswith(")") or " ~ " in lines[row]  # the canonical unit
        assert lines[row + 1].strip().startswith("source: ")
        assert "(no source)" not in lines[row + 1]


DEALS = [path for path in SCENARIOS if path.stem != "base-world"]


@pytest.mark.parametrize("path", DEALS, ids=[path.stem for path in DEALS])
def test_runs_through_the_command_line(path, tmp_path, capsys):
    output = tmp_path / "result.nc"
    assert main(["run", str(path), "--deterministic", "-o", str(output)]) == 0
    out = capsys.readouterr().out
    for heading in ("quarter", "milestones:", "claims:"):
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


def test_openai_nvidia_central_results_match_public_figures():
    scenario = load_scenario(SCENARIOS[NAMES.index("openai-nvidia-10gw")])
    result = simulate(scenario)
    g = {"programme": "openai-nvidia"}
    online = result.packages_online.sel(g).values
    it_power = result.it_power_online.sel(g).values
    last = online > 0
    # DESIGN §5: about 2-2.5 kW all-in IT power per Rubin-class package.
    per_package = it_power[last] / online[last]
    assert np.all((per_package >= 2.0e3) & (per_package <= 2.5e3))
    # 1 GW of IT is 0.4-0.5 million packages (10 GW ~ 4-5 million GPUs).
    packages_per_gw = 1e9 / per_package
    assert np.all((packages_per_gw >= 0.4e6) & (packages_per_gw <= 0.5e6))
    # Facility power is IT power times a PUE in the DESIGN range for new AI builds.
    facility = result.facility_power_online.sel(g).values[last]
    assert np.all((facility / it_power[last] >= 1.05) & (facility / it_power[last] <= 1.35))
    # Never more than 10 GW target plus one month of deliveries, and it does get there.
    assert it_power.max() <= 10.0e9 * 1.02
    assert not np.isnat(result.milestone_date.sel(milestone="first-gw").values)
