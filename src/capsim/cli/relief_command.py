"""``capsim relief``: how many days each constraint, relaxed alone, moves a milestone."""

from __future__ import annotations

import argparse
import textwrap
from typing import TYPE_CHECKING

from capsim.cli.formatting import MINUS, signed
from capsim.cli.helptext import examples
from capsim.cli.options import CommandError, at_least, seed_number
from capsim.cli.output import add_format_argument, emit
from capsim.cli.scenario_commands import add_scenario_arguments

if TYPE_CHECKING:
    import xarray as xr


def register(commands) -> None:
    """Add ``relief`` to ``commands``."""
    parser = commands.add_parser(
        "relief",
        help="days each constraint, relaxed alone, moves a milestone; ranked",
        description="Relax one constraint at a time (capacities, output, crews, share, "
        "budget and caps +10 %; building phases -10 %; grid wait, HBM qualification "
        "slip and on-site install -3 months) and rank them by how many days earlier "
        "the milestone is met.",
        epilog=examples(
            "capsim relief scenarios/openai-nvidia-10gw.yaml --milestone first-gw",
            "capsim relief scenarios/openai-nvidia-10gw.yaml --milestone ten-gw --samples 40",
        ),
    )
    add_scenario_arguments(parser)
    parser.add_argument("--milestone", required=True, metavar="NAME", help="the milestone to move")
    parser.add_argument(
        "--samples",
        type=at_least(1),
        metavar="N",
        help="N Monte Carlo draws shared by the baseline and every lever "
        "(default: one run each at central values)",
    )
    parser.add_argument(
        "--workers",
        type=at_least(1),
        metavar="N",
        help="local processes (default: this process at central values, every core with --samples)",
    )
    parser.add_argument("--no-progress", action="store_true", help="no progress bar")
    parser.add_argument(
        "--seed", type=seed_number, help="root seed of the draws (default: the scenario's)"
    )
    parser.add_argument(
        "--top", type=int, default=15, metavar="K", help="levers shown (default 15; 0: all)"
    )
    add_format_argument(parser)
    parser.set_defaults(handler=relief_command)


def relief_command(arguments: argparse.Namespace) -> int:
    from capsim.analysis.relief import relief, unknown_milestone
    from capsim.scenario.loader import load_scenario

    scenario = load_scenario(arguments.file, arguments.overrides)
    if arguments.milestone not in scenario.milestones:
        raise CommandError(f"--milestone: {unknown_milestone(arguments.milestone, scenario)}")
    execution = None
    if arguments.workers is not None or arguments.samples is not None:
        from capsim.sweep.runner import Execution

        progress = arguments.samples is not None and not arguments.no_progress
        execution = Execution(workers=arguments.workers, progress=progress)
    result = relief(
        scenario,
        arguments.milestone,
        samples=arguments.samples,
        seed=arguments.seed,
        execution=execution,
    )
    emit(
        arguments,
        text=lambda: format_relief(result, scenario.name, top=arguments.top),
        rows=lambda: relief_rows(result),
        document=lambda: {
            "scenario": scenario.name,
            **{key: result.attrs[key] for key in ("milestone", "method", "horizon_end")},
            "units": _UNITS,
            "levers": relief_rows(result, lever_inputs(scenario)),
        },
        units=_COLUMN_UNITS,
    )
    return 0


#: Units of the relief table's columns.
_UNITS = {"days_earlier": "day", "met": "fraction of samples"}
#: The same for its CSV, whose sampled levers add the days' percentiles.
_COLUMN_UNITS = {
    **{f"days_earlier{end}": _UNITS["days_earlier"] for end in ("", "_p10", "_p50", "_p90")},
    "met": _UNITS["met"],
}


def lever_inputs(scenario) -> dict[str, list[dict]]:
    """The inputs each lever of ``scenario`` moves (by lever name): key path, readable
    label, central value and relaxed central value in the input's canonical unit."""
    from capsim.scenario.labels import input_labels
    from capsim.scenario.walk import iter_params
    from capsim.sweep.levers import levers

    labels = input_labels(scenario)
    units = {path: param.unit or "1" for path, param in iter_params(scenario)}
    return {
        lever.name: [
            {
                "key": change.path,
                "label": labels.get(change.path, change.path),
                "central": change.central,
                "relaxed": change.relaxed,
                "unit": units.get(change.path, "1"),
            }
            for change in lever.changes
        ]
        for lever in levers(scenario)
    }


def relief_rows(result: xr.Dataset, inputs: dict[str, list[dict]] | None = None) -> list[dict]:
    """One row per lever, ranked: its name and label, its step and the days it moves the
    milestone earlier (mean, P10, P50, P90 when sampled; the date met, or None, at
    central values). Given ``inputs`` (:func:`lever_inputs`), each row lists the inputs
    the lever moves too."""
    import numpy as np

    rows = []
    for rank, name in enumerate(result.lever.values, start=1):
        lever = result.sel(lever=name)
        row = {"rank": rank, "lever": str(name), "label": str(lever.label.item())}
        row["step"] = str(lever.step.item())
        row["days_earlier"] = float(lever.days_earlier.mean())
        if "sample" in result.dims:
            for key in ("p10", "p50", "p90"):
                row[f"days_earlier_{key}"] = float(lever[f"days_earlier_{key}"])
            row["met"] = float(lever.relaxed_met.mean())
        else:
            met = bool(lever.relaxed_met)
            row["met_on"] = str(np.datetime64(lever.relaxed_date.values, "D")) if met else None
        if inputs is not None:
            row["inputs"] = inputs[str(name)]
        rows.append(row)
    return rows


def _date(value) -> str:
    import numpy as np

    return str(np.datetime64(value, "D"))


def format_relief(result: xr.Dataset, scenario_name: str = "", *, top: int = 15) -> str:
    """The ranked table of a :func:`capsim.analysis.relief.relief` result."""
    milestone = result.attrs["milestone"]
    horizon_end = result.attrs["horizon_end"]
    count = result.sizes["lever"]
    shown = result if top <= 0 else result.isel(lever=slice(0, top))
    sampled = "sample" in result.dims
    lines = [
        f"{scenario_name}: relief of milestone {milestone} ({result.attrs['method']}; "
        f"{count} lever{'s' * (count != 1)}, each relaxed alone)"
    ]
    lines.append(_baseline(result, horizon_end))
    if count == 0:
        lines.append("no lever changes an input of this scenario")
        return "\n".join(lines)
    lever_width = max(5, *(len(str(label)) for label in shown.label.values))
    head = f"{'rank':>4}  {'lever (below it, what it changes)':<{lever_width}}"
    if sampled:
        lines.append(f"{head}  {'days earlier (mean, P10, P50, P90)':>38}  {'met':>5}")
    else:
        lines.append(f"{head}  {'days earlier':>12}  met on")
    for rank, name in enumerate(shown.lever.values, start=1):
        row = shown.sel(lever=name)
        label, step = row.label.item(), row.step.item()
        start = f"{rank:>4}  {label!s:<{lever_width}}"
        if sampled:
            figures = [
                signed(row[key].item(), 1)
                for key in ("days_earlier", "days_earlier_p10", "days_earlier_p50")
            ]
            figures.append(signed(row.days_earlier_p90.item(), 1))
            met = f"{100 * row.relaxed_met.mean().item():.0f} %"
            lines.append(f"{start}  {'  '.join(f'{f:>8}' for f in figures):>38}  {met:>5}")
        else:
            when = (
                _date(row.relaxed_date.values)
                if row.relaxed_met.item()
                else f"not by {horizon_end}"
            )
            lines.append(f"{start}  {signed(row.days_earlier.item()):>12}  {when}")
        lines.append(f"{'':>8}{step}")  # what the lever changes, under its name
    if count > shown.sizes["lever"]:
        rest = result.isel(lever=slice(shown.sizes["lever"], None))
        zero = int((rest.days_earlier == 0).sum())
        lines.append(
            f"      ... {rest.sizes['lever']} more lever(s), {zero} of them 0 days "
            "(--top 0 shows all)"
        )
    notes = [
        "days earlier: calendar days the milestone is met sooner with that lever alone "
        f"relaxed ({MINUS}: later); a milestone not met by {horizon_end} counts as met the "
        "day after"
    ]
    if sampled:
        notes.append(
            "steps show central values; in each draw a lever relaxes that draw's own values "
            "(same draws for the baseline and every lever); met: share of draws met in the horizon"
        )
    lines += [line for note in notes for line in textwrap.wrap(note, 100)]
    return "\n".join(lines)


def _baseline(result: xr.Dataset, horizon_end: str) -> str:
    import numpy as np

    milestone = result.attrs["milestone"]
    if result.sizes["lever"] == 0:
        return f"baseline: {milestone} (no levers, no runs)"
    dates = result.baseline_date.isel(lever=0)
    met = result.baseline_met.isel(lever=0)
    if "sample" not in result.dims:
        if bool(met):
            return f"baseline: {milestone} met on {_date(dates.values)}"
        return f"baseline: {milestone} not met by {horizon_end} (counted as the day after)"
    share = 100 * float(met.mean())
    if not bool(met.any()):
        return f"baseline: {milestone} not met by {horizon_end} in any sample"
    median = np.datetime64(
        int(np.median(dates.values[met.values].astype("datetime64[D]").astype(np.int64))), "D"
    )
    return (
        f"baseline: {milestone} met in {share:.0f} % of {met.size} samples; "
        f"median date when met {median}"
    )
