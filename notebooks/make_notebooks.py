"""Writes the example notebooks (outputs stripped). Run from the repository root:

    python notebooks/make_notebooks.py

Each notebook keeps sample counts small so that the test suite can run it in seconds;
raise ``SAMPLES`` for real studies.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = """\
from pathlib import Path

import capsim
from capsim import plots
from capsim.sweep.runner import Execution

ROOT = Path.cwd() if (Path.cwd() / "scenarios").exists() else Path.cwd().parent
SAMPLES = 24  # small, so the notebook runs in seconds; use 1,000 or more for real studies
EXECUTION = Execution(workers=1, progress=False)"""

NOTEBOOKS = {
    "01-quickstart": [
        "# capsim quick start\n\nLoad a scenario, run it once at central values, look at "
        "the results, then run a small Monte Carlo study and plot a fan chart.",
        SETUP,
        'scenario = capsim.load_scenario(ROOT / "scenarios" / "openai-nvidia-10gw.yaml")\n'
        "result = capsim.simulate(scenario)\n"
        "result",
        "import matplotlib.pyplot as plt",
        "## Milestones and claims (central values)",
        "result.milestone_date.to_series()",
        "result.claim_met.to_series()",
        "## IT power online (GW) and what holds the programme back",
        '(result.it_power_online.sel(programme="openai-nvidia") / 1e9).plot()\n'
        'plt.ylabel("IT power online (GW)");',
        'plots.plot_flow(result, programme="openai-nvidia");',
        "## A small Monte Carlo study",
        "from capsim.sweep.study import monte_carlo\n\n"
        "study = monte_carlo(scenario, SAMPLES, execution=EXECUTION)\n"
        'plots.plot_fan(study, programme="openai-nvidia", claim="first-gw-2h2026");',
        "from capsim.analysis.uncertainty import claim_probability, milestone_quantiles\n\n"
        "milestone_quantiles(study).to_pandas()",
        "claim_probability(study).to_series()",
    ],
    "02-openai-nvidia-10gw": [
        "# OpenAI-NVIDIA 10 GW: what binds the first gigawatt, and what relief buys\n\n"
        "Seed 004: at least 10 GW of NVIDIA systems, the first gigawatt on Vera Rubin in "
        "2H 2026. The scenario states that claim; here we ask how likely the model finds "
        "it, what holds it back, and how many days relaxing each constraint buys.",
        SETUP,
        "from capsim.sweep.study import monte_carlo\n\n"
        'scenario = capsim.load_scenario(ROOT / "scenarios" / "openai-nvidia-10gw.yaml")\n'
        "study = monte_carlo(scenario, SAMPLES, execution=EXECUTION)",
        "## When is the first GW online?",
        'plots.plot_milestone(study, "first-gw", claim="first-gw-2h2026");',
        "## What binds, month by month (share of samples)",
        'plots.plot_bottlenecks(study, entity="openai-nvidia");',
        "## Where the buildings wait (central run)",
        "central = capsim.simulate(scenario)\nplots.plot_gantt(central);",
        "## Relief: days earlier for the first GW when one constraint is relaxed",
        "from capsim.analysis.relief import relief\n\n"
        'ranked = relief(scenario, "first-gw")\n'
        'ranked[["step", "days_earlier"]].to_dataframe().head(10)',
    ],
    "03-sensitivity": [
        "# Sensitivity of the first gigawatt\n\nA tornado (each input between its P10 "
        "and P90, the others central) and Sobol' indices (first order and total, with "
        "bootstrap confidence intervals) of the date the first GW is online.",
        SETUP,
        "from capsim.analysis.scenario_sensitivity import Output, sensitivity\n\n"
        'scenario = capsim.load_scenario(ROOT / "scenarios" / "openai-nvidia-10gw.yaml")\n'
        'output = Output.parse("milestone:first-gw", scenario)',
        "## Tornado over the Vera Rubin and HBM inputs",
        'inputs = ["products.vera-rubin.*", "hbm_vendors.*"]\n'
        'tornado = sensitivity(scenario, "tornado", output, include=inputs, execution=EXECUTION)\n'
        "plots.plot_tornado(tornado);",
        "## Sobol' indices (small n: widen for real studies)",
        'inputs = ["products.vera-rubin.*", "sites.tx-campus-a.power.grid.wait"]\n'
        "indices = sensitivity(\n"
        '    scenario, "sobol", output, include=inputs, n=8, execution=EXECUTION\n'
        ")\n"
        "plots.plot_sobol(indices);",
    ],
    "04-korea-10k": [
        "# Korea's 10,000 GPUs in 2025\n\nSeed 003: a public-private programme to secure "
        "10,000 GPUs in 2025, made urgent by US export rules. The scenario puts the "
        "programme behind the big buyers and under a (hypothetical) export cap.",
        SETUP,
        'scenario = capsim.load_scenario(ROOT / "scenarios" / "korea-10k-gpus.yaml")\n'
        "central = capsim.simulate(scenario)\n"
        "central.milestone_date.to_series()",
        "## Procurement lag: allocated, delivered, installed",
        'plots.plot_flow(central, programme="korea-national-gpu");',
        "## The export cap: tighter caps against the claim",
        "from capsim.sweep.study import resolve_vary, sweep\n\n"
        'cap = resolve_vary(scenario, "export_rules.kr-hypothetical-tier2.cap=5000 H100e/year:'
        '60000 H100e/year:4")\n'
        "swept = sweep(scenario, [cap], execution=EXECUTION)\n"
        'plots.plot_sweep(swept, "kr-10k-installed");',
        "## How likely is the 2025 claim?",
        "from capsim.analysis.uncertainty import claim_probability\n"
        "from capsim.sweep.study import monte_carlo\n\n"
        "study = monte_carlo(scenario, SAMPLES, execution=EXECUTION)\n"
        "claim_probability(study).to_series()",
    ],
}


def build(cells: list[str]) -> nbformat.NotebookNode:
    notebook = new_notebook()
    notebook.cells = [
        new_markdown_cell(text) if text.startswith("#") else new_code_cell(text) for text in cells
    ]
    notebook.metadata["kernelspec"] = {
        "name": "python3",
        "display_name": "Python 3",
        "language": "python",
    }
    return notebook


def main() -> None:
    for name, cells in NOTEBOOKS.items():
        nbformat.write(build(cells), HERE / f"{name}.ipynb")


if __name__ == "__main__":
    main()
