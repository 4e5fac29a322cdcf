"""Writes the example notebooks (outputs stripped). Run from the repository root:

    python notebooks/make_notebooks.py

Each notebook opens with a question, computes the answer with capsim's public API and
ends with a cell that prints the answer in words, built from the numbers it computed.
Sample counts are small so that the test suite runs each in under a minute; raise
``SAMPLES`` (and Sobol' ``n``) for real studies.
"""

from __future__ import annotations

from pathlib import Path

import nbformat
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook

HERE = Path(__file__).resolve().parent

SETUP = """\
from pathlib import Path

import numpy as np

import capsim
from capsim import plots
from capsim.sweep.runner import Execution

ROOT = Path.cwd() if (Path.cwd() / "scenarios").exists() else Path.cwd().parent
SAMPLES = 24  # small, so the notebook runs in under a minute; 1,000 or more for real studies
EXECUTION = Execution(workers=1, progress=False)  # this process, no progress bar


def day(value) -> str:
    \"\"\"A date as ISO text, or "not within the horizon" where it is NaT.\"\"\"
    value = np.datetime64(value, "D")
    return "not within the horizon" if np.isnat(value) else str(value)"""

SHARE = """\
from scipy.stats import binomtest

from capsim.analysis.uncertainty import claim_probability


def claim_share(study, claim: str) -> str:
    \"\"\"Share of the finished samples in which ``claim`` holds [%], with its exact
    (Clopper-Pearson) 90% interval: with few samples the share itself is uncertain.\"\"\"
    finished = int((~study["failed"]).sum())
    held = round(float(claim_probability(study).sel(claim=claim)) * finished)
    interval = binomtest(held, finished).proportion_ci(confidence_level=0.9)
    return (
        f"{held / finished:.0%} of {finished} samples "
        f"(90% interval {interval.low:.0%} to {interval.high:.0%})"
    )"""

OPENAI = 'scenario = capsim.load_scenario(ROOT / "scenarios" / "openai-nvidia-10gw.yaml")'

ANSWER_01 = """\
from IPython.display import Markdown

first_gw = quantiles.sel(milestone="first-gw")
p10, p50, p90 = (day(first_gw.sel(quantile=q).values) for q in (0.1, 0.5, 0.9))
central_date = central.milestone_date.sel(milestone="first-gw").values
median_date = first_gw.sel(quantile=0.5).values
gap = (median_date - central_date) / np.timedelta64(1, "D")  # NaN if either is not met
if gap > 0:
    gap_text = f"{gap:.0f} days earlier than the P50: the median inputs do not give the median date"
elif gap < 0:
    gap_text = f"{-gap:.0f} days later than the P50: the median inputs do not give the median date"
else:
    gap_text = "not comparable with the P50" if np.isnan(gap) else "on the P50"
deadline = scenario.claims["first-gw-2h2026"].by
# The deal is a letter of intent: in each sample it becomes firm or lapses, and a lapsed
# letter orders nothing, so part of the spread is whether the deal happens at all.
firm = study.input_value.sel(parameter="programmes.openai-nvidia.firm").values > 0.5
if firm.any():
    firm_p50 = day(
        milestone_quantiles(study.isel(sample=np.flatnonzero(firm)))
        .sel(milestone="first-gw", quantile=0.5)
        .values
    )
    firm_text = f"in the samples in which it is firm, the P50 is {firm_p50}"
else:
    firm_text = "it is firm in none of these samples"
Markdown(
    "**Answer.** At central values the date the first gigawatt of OpenAI's NVIDIA "
    f"systems is online is {day(central_date)}. Over the Monte Carlo samples it is "
    f"P10 {p10}, P50 {p50}, P90 {p90}; the central run, every input at its median, is "
    f"{gap_text}. The deal is a letter of intent that lapses in {1 - firm.mean():.0%} of "
    "the samples (a lapsed letter orders nothing, and the first gigawatt never comes): "
    f"much of that spread is whether the deal happens at all; {firm_text}. It is online "
    f"by {deadline}, as announced, in {claim_share(study, 'first-gw-2h2026')}."
)"""

ANSWER_02 = """\
from IPython.display import Markdown

first_gw = milestone_quantiles(study).sel(milestone="first-gw")
p10, p50, p90 = (day(first_gw.sel(quantile=q).values) for q in (0.1, 0.5, 0.9))
best = ranked.isel(lever=0)
if best.days_earlier > 0:
    relief_text = (
        f"the most time is bought by {best.label.item()} ({best.step.item()}): "
        f"{best.days_earlier.item():.0f} days earlier"
    )
else:
    relief_text = "no single constraint relaxed alone brings it earlier"
if len(building):
    binds_text = (
        f"Of the {len(building)} months in which the programme is still building, pooled "
        f"over the samples, {binds.index[0]} binds in {binds.iloc[0]:.0%} and "
        f"{binds.index[1]} in {binds.iloc[1]:.0%}."
    )
else:
    binds_text = "The programme is never held back within the horizon."
Markdown(
    f"**Answer.** The first gigawatt is online at P10 {p10}, P50 {p50}, P90 {p90}; "
    f"by {scenario.claims['first-gw-2h2026'].by}, as announced, in "
    f"{claim_share(study, 'first-gw-2h2026')}. {binds_text} "
    f"Relaxing one constraint at a time at central values, {relief_text}."
)"""

ANSWER_03 = """\
from IPython.display import Markdown

top, second = ranked.isel(input=0), ranked.isel(input=1)
by_variance = indices.sortby("ST", ascending=False).isel(input=0)
low = max(by_variance.ST.item() - by_variance.ST_conf.item(), 0)
high = min(by_variance.ST.item() + by_variance.ST_conf.item(), 1)  # a share: at most 1
if low > 0.5:
    variance_text = "it dominates the variance of the date"
elif high - low > 0.5:
    variance_text = f"with n = {indices.attrs['n']} that interval is too wide to say more"
else:
    variance_text = "it shares the variance with the others"
central_date = day(central.milestone_date.sel(milestone="first-gw").values)
unit = top.input_unit.item()
Markdown(
    f"**Answer.** At central values the date the first gigawatt is online is {central_date}. "
    f"{top.input.item()} moves it most, {top.swing.item():.0f} days between its P10 and "
    f"P90: {top.output_low.item() - top.base.item():+.0f} days at {top.low_value.item():.3g} "
    f"{unit}, {top.output_high.item() - top.base.item():+.0f} days at "
    f"{top.high_value.item():.3g} {unit}; "
    f"next is {second.input.item()} ({second.swing.item():.0f} days). "
    f"Among the three leading inputs, {by_variance.input.item()} has the largest total "
    f"Sobol' index, {by_variance.ST.item():.0%} of the variance "
    f"({indices.attrs['confidence']:.0%} interval {low:.0%} to {high:.0%}): {variance_text}."
)"""

ANSWER_04 = """\
from IPython.display import Markdown

CLAIM = "ten-k-gpus-2025"
claim = scenario.claims[CLAIM]
installed = milestone_quantiles(study).sel(milestone="kr-10k-installed")
p10, p50, p90 = (day(installed.sel(quantile=q).values) for q in (0.1, 0.5, 0.9))
central_date = day(central.milestone_date.sel(milestone="kr-10k-installed").values)
verdict = "meets" if bool(central.claim_met.sel(claim=CLAIM)) else "misses"
dates = by_cap.to_numpy()
if by_cap.nunique(dropna=False) == 1:
    cap_text = "the cap does not move the date over this range: other limits bind"
else:
    cap_text = (
        f"under a cap of {by_cap.index[0]:,.0f} H100e/year the date is {day(dates[0])}, "
        f"under {by_cap.index[-1]:,.0f} H100e/year it is {day(dates[-1])}"
    )
Markdown(
    f"**Answer.** At central values the date the 10,000th GPU is installed is "
    f"{central_date}, which {verdict} the {claim.by} deadline. Over the Monte Carlo "
    f"samples the date is P10 {p10}, P50 {p50}, P90 {p90}, and the 2025 claim holds in "
    f"{claim_share(study, CLAIM)}. With the other inputs central, {cap_text}."
)"""

ANSWER_05 = """\
from IPython.display import Markdown

first = paired[0]  # AMD's first GW, joint against alone
p10, p50, p90 = first.days
shift = (np.datetime64(p50_joint) - np.datetime64(p50_alone)) / np.timedelta64(1, "D")
deal = changes.loc["openai-amd"]
others = changes.drop(index="openai-amd")
worst = others.idxmin()
reason = (
    f"held back by {first.reason} in {first.reason_share:.0%} of the months it was behind"
    if first.reason
    else "never behind its run alone"
)


def fewer(change: float) -> str:
    \"\"\"A change in packages as words: "9% fewer" or "2% more".\"\"\"
    return f"{abs(change):.0%} {'fewer' if change < 0 else 'more'}"


Markdown(
    f"**Answer.** With NVIDIA's and Broadcom's deals in the same world, the P50 date of "
    f"OpenAI-AMD's first gigawatt moves from {day(p50_alone)} to {day(p50_joint)} "
    f"({shift:+.0f} days); sample by sample it is {p10:+.0f} / {p50:+.0f} / {p90:+.0f} "
    f"days later (P10 / P50 / P90), {reason}. In the central runs the AMD deal receives "
    f"{fewer(deal)} packages over the horizon; the market's other buyers receive "
    f"{fewer(others.median())} at the median, {worst} {fewer(others.min())}."
)"""

NOTEBOOKS = {
    "01-quickstart": [
        "# capsim quick start: the first gigawatt\n\n"
        "OpenAI and NVIDIA announced at least 10 GW of NVIDIA systems, the first gigawatt "
        "on Vera Rubin in the second half of 2026 (seed 004). This notebook loads that "
        "scenario, runs it once at central values, reads the result as tables and a "
        "chart, then runs a small Monte Carlo study to put an uncertainty on the date.\n\n"
        "When is OpenAI's first NVIDIA gigawatt online, and how likely is it by the end "
        "of 2026?",
        SETUP,
        SHARE,
        "## One run at central values",
        f"{OPENAI}\n"
        "central = capsim.simulate(scenario)  # an xarray.Dataset\n"
        "central.milestone_date.to_series()",
        "from capsim.results import tables\n\n"
        "# One tidy table per set of dimensions, instead of one product over all of them.\n"
        'by_programme = tables(central)["time, programme"]\n'
        'by_programme.xs("openai-nvidia", level="programme")[\n'
        '    ["packages_delivered", "packages_installed", "it_power_online"]\n'
        "].tail()",
        "import matplotlib.pyplot as plt\n\n"
        "# A stock is its value at the month's end: plot it there (time is the month's start).\n"
        'power = central.it_power_online.sel(programme="openai-nvidia") / 1e9\n'
        "power.assign_coords(time=central.time_bounds.isel(bounds=1).values).plot()\n"
        'plt.xlabel("date (end of month)")\n'
        'plt.ylabel("IT power online (GW)");',
        "## A small Monte Carlo study",
        "from capsim.analysis.uncertainty import milestone_quantiles\n"
        "from capsim.sweep.study import monte_carlo\n\n"
        "study = monte_carlo(scenario, SAMPLES, execution=EXECUTION)\n"
        'plots.plot_fan(study, programme="openai-nvidia", claim="first-gw-2h2026");',
        "quantiles = milestone_quantiles(study)\nquantiles.to_pandas()",
        "## Answer",
        ANSWER_01,
    ],
    "02-openai-nvidia-10gw": [
        "# OpenAI-NVIDIA 10 GW: what holds the first gigawatt back\n\n"
        "Seed 004: at least 10 GW of NVIDIA systems, the first gigawatt on Vera Rubin in "
        "2H 2026. Here a small Monte Carlo study dates the first gigawatt, the samples "
        "say which constraint binds the programme month by month, and relief runs say "
        "how many days relaxing each constraint alone buys.\n\n"
        "When does OpenAI's first NVIDIA gigawatt come online, and what holds it back?",
        SETUP,
        SHARE,
        "from capsim.analysis.uncertainty import milestone_quantiles\n"
        "from capsim.sweep.study import monte_carlo\n\n"
        f"{OPENAI}\n"
        "study = monte_carlo(scenario, SAMPLES, execution=EXECUTION)",
        "## When is the first GW online?",
        'plots.plot_milestone(study, "first-gw", claim="first-gw-2h2026");',
        "## What binds, month by month (share of samples)\n\n"
        "The deal is a letter of intent: in the samples in which it lapses, the programme "
        "orders nothing and reads `closed` for the whole horizon (the grey band).",
        'plots.plot_bottlenecks(study, entity="openai-nvidia");',
        "from capsim.results import tables\n\n"
        "# Pooled over samples: the months in which the programme is still building\n"
        "# (not yet complete, ordering window still open), and what binds in each.\n"
        'frame = tables(study)["sample, time, programme"]\n'
        'binding = frame.xs("openai-nvidia", level="programme")["programme_binding"]\n'
        'building = binding[~binding.isin(["complete", "closed"])].dropna()\n'
        "binds = building.value_counts(normalize=True)\n"
        "binds[binds > 0]",
        "## Relief: days earlier for the first GW when one constraint is relaxed",
        "from capsim.analysis.relief import relief\n\n"
        'ranked = relief(scenario, "first-gw", execution=EXECUTION)\n'
        'ranked[["label", "step", "days_earlier"]].to_dataframe().head(5)',
        "## Answer",
        ANSWER_02,
    ],
    "03-sensitivity": [
        "# Sensitivity of the first gigawatt\n\n"
        "A tornado moves each input of the Vera Rubin product and of the Texas campus "
        "between its P10 and P90, the others central, and ranks them by how far the "
        "date moves. Sobol' indices of the leading inputs then split the variance of "
        "the date among them, with bootstrap confidence intervals.\n\n"
        "Which inputs move the date of OpenAI's first NVIDIA gigawatt most?",
        SETUP,
        "from capsim.analysis.scenario_sensitivity import Output, sensitivity\n\n"
        f"{OPENAI}\n"
        'output = Output.parse("milestone:first-gw", scenario)  # days from horizon start\n'
        "central = capsim.simulate(scenario)",
        "## Tornado over the Vera Rubin and Texas campus inputs",
        'inputs = ["products.vera-rubin.*", "sites.tx-campus-a.*"]\n'
        'tornado = sensitivity(scenario, "tornado", output, include=inputs, execution=EXECUTION)\n'
        "plots.plot_tornado(tornado);",
        'ranked = tornado.sortby("swing", ascending=False)\n'
        'ranked[["low_value", "high_value", "input_unit", "swing"]].to_dataframe().head(5)',
        "## Sobol' indices of the three leading inputs (small n: widen for real studies)",
        "leading = [str(name) for name in ranked.input.values[:3]]\n"
        'indices = sensitivity(scenario, "sobol", output, include=leading, n=16, '
        "execution=EXECUTION)\n"
        "plots.plot_sobol(indices);",
        "## Answer",
        ANSWER_03,
    ],
    "04-korea-10k": [
        "# Korea's 10,000 GPUs in 2025\n\n"
        "Seed 003: a public-private programme to secure 10,000 GPUs in 2025, made urgent "
        "by US export rules. The scenario puts the programme behind the big buyers and "
        "under a (hypothetical) export cap. A central run shows the procurement lag, a "
        "sweep of the cap shows what the rule costs, and a small Monte Carlo study says "
        "how likely the deadline is.\n\n"
        "Can Korea get 10,000 GPUs installed in 2025 under the export rules?",
        SETUP,
        SHARE,
        'scenario = capsim.load_scenario(ROOT / "scenarios" / "korea-10k-gpus.yaml")\n'
        "central = capsim.simulate(scenario)\n"
        "central.milestone_date.to_series()",
        "## Procurement lag: allocated, delivered, installed",
        'plots.plot_flow(central, programme="korea-national-gpu");',
        "## The export cap: tighter caps against the claim",
        "from capsim.sweep.study import resolve_vary, sweep\n\n"
        "cap = resolve_vary(\n"
        "    scenario,\n"
        '    "export_rules.kr-hypothetical-tier2.cap=5000 H100e/year:60000 H100e/year:4",\n'
        ")\n"
        "swept = sweep(scenario, [cap], execution=EXECUTION)\n"
        'plots.plot_sweep(swept, "kr-10k-installed");',
        "by_cap = (  # the cap is varied in its canonical unit, H100e/month\n"
        '    swept.milestone_date.sel(milestone="kr-10k-installed")\n'
        "    .assign_coords(cap_per_year=swept.vary_0 * 12)\n"
        '    .swap_dims(sample="cap_per_year")\n'
        "    .to_series()\n"
        ")\n"
        "by_cap",
        "## How likely is the 2025 claim?",
        "from capsim.analysis.uncertainty import milestone_quantiles\n"
        "from capsim.sweep.study import monte_carlo\n\n"
        "study = monte_carlo(scenario, SAMPLES, execution=EXECUTION)\n"
        "claim_probability(study).to_series()",
        "## Answer",
        ANSWER_04,
    ],
    "05-contention": [
        "# Three OpenAI deals in one market: what contention costs, and who pays\n\n"
        "OpenAI's NVIDIA (10 GW), AMD (6 GW) and Broadcom (10 GW) deals buy HBM, CoWoS "
        "and wafers from the same suppliers as every other buyer. Here the AMD deal runs "
        "alone and beside the other two, at central values and as two Monte Carlo "
        "studies with the same seed (common random numbers), so that each sample's "
        "delay is the cost of the other deals alone.\n\n"
        "How much later is OpenAI's first AMD gigawatt when all three deals compete, and "
        "who pays for the contention?",
        SETUP,
        'alone = capsim.load_scenario(ROOT / "scenarios" / "openai-amd-6gw.yaml")\n'
        'joint = capsim.load_scenario(ROOT / "scenarios" / "openai-all-deals.yaml")\n'
        'central = {name: capsim.simulate(s) for name, s in (("alone", alone), ("joint", joint))}',
        "## Who pays: packages each programme receives, joint against alone",
        "import pandas as pd\n\n"
        "from capsim.analysis.compare import delivery_changes\n\n"
        "changes = pd.Series(\n"
        '    {row.programme: row.change for row in delivery_changes(central["alone"], '
        'central["joint"])}\n'
        ").sort_values()\n"
        "ax = (100 * changes).plot.barh()\n"
        'ax.set_xlabel("change in packages delivered, 2025-2032 (%)");',
        "## Sample by sample: the delay of the first AMD gigawatt",
        "from capsim.analysis.compare import paired_delays\n"
        "from capsim.analysis.uncertainty import milestone_quantiles\n"
        "from capsim.sweep.study import monte_carlo\n\n"
        "studies = {\n"
        "    name: monte_carlo(s, SAMPLES, seed=2026, execution=EXECUTION)\n"
        '    for name, s in (("alone", alone), ("joint", joint))\n'
        "}\n"
        'MILESTONE = "openai-amd-first-gw"\n'
        'paired = paired_delays(studies["alone"], studies["joint"], '
        '{MILESTONE: ("openai-amd", "mi450")})\n'
        "p50_alone, p50_joint = (\n"
        "    milestone_quantiles(studies[name]).sel(milestone=MILESTONE, quantile=0.5).values\n"
        '    for name in ("alone", "joint")\n'
        ")\n"
        "paired",
        "## The first AMD gigawatt in the joint world",
        'plots.plot_milestone(studies["joint"], MILESTONE, claim="openai-amd-first-gw-2h2026");',
        "## Answer",
        ANSWER_05,
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
