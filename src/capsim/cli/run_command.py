"""``capsim run``: simulate a scenario and print its timeline, milestones and bottlenecks."""

from __future__ import annotations

import argparse
from pathlib import Path

from capsim.analysis.summary import format_bindings, format_milestones, format_timeline
from capsim.cli.scenario_commands import add_scenario_arguments
from capsim.results import save_result
from capsim.scenario.loader import load_scenario
from capsim.simulation import simulate


def register(commands) -> None:
    """Add ``run`` to ``commands``."""
    run = commands.add_parser("run", help="simulate a scenario; print and save the results")
    add_scenario_arguments(run)
    run.add_argument(
        "--deterministic", action="store_true", help="one run at the central value of every input"
    )
    run.add_argument(
        "-o", "--output", type=Path, metavar="FILE.nc", help="write the result as NetCDF"
    )
    run.add_argument("--seed", type=int, help="root seed (default: the scenario's)")
    run.set_defaults(handler=run_command)


def run_command(arguments: argparse.Namespace) -> int:
    scenario = load_scenario(arguments.file, arguments.overrides)
    result = simulate(scenario, seed=arguments.seed)
    print(
        f"{scenario.name}: deterministic run at central values, "
        f"{result.sizes['time']} months from {str(result.time.values[0])[:10]}"
    )
    print()
    print(format_timeline(result))
    print()
    print(format_milestones(result))
    print()
    print(format_bindings(result))
    if arguments.output is not None:
        path = save_result(result, arguments.output)
        print(f"\nwrote {path}")
    return 0
