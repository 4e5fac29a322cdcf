"""``capsim run``: simulate a scenario, once at central values or as a Monte Carlo
study, and print its timeline or forecast, milestones and bottlenecks."""

from __future__ import annotations

import argparse
from pathlib import Path

import numpy as np

from capsim.analysis.contention import format_contention
from capsim.analysis.discrepancy import FITTED, PACKAGE_SERIES, apply_discrepancy
from capsim.analysis.summary import format_bindings, format_milestones, format_timeline
from capsim.analysis.uncertainty import format_study
from capsim.cli.options import CommandError, add_execution_arguments, execution_from
from capsim.cli.scenario_commands import add_scenario_arguments
from capsim.results import save_result
from capsim.scenario.loader import load_scenario
from capsim.simulation import simulate
from capsim.sweep.study import monte_carlo

DESIGNS = ("random", "lhs", "sobol")


def register(commands) -> None:
    """Add ``run`` to ``commands``."""
    run = commands.add_parser(
        "run", help="simulate a scenario (central values, or Monte Carlo); print and save"
    )
    add_scenario_arguments(run)
    run.add_argument(
        "--deterministic", action="store_true", help="one run at the central value of every input"
    )
    run.add_argument(
        "--samples",
        type=int,
        metavar="N",
        help="Monte Carlo samples (default: the scenario's 'samples')",
    )
    run.add_argument(
        "--design",
        choices=DESIGNS,
        default="random",
        help="how inputs are sampled (default: random)",
    )
    run.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE",
        help="write the result: NetCDF (.nc), or for Monte Carlo a Zarr store (.zarr)",
    )
    run.add_argument(
        "--resume",
        action="store_true",
        help="continue an interrupted Monte Carlo study in its .zarr store",
    )
    run.add_argument("--seed", type=int, help="root seed (default: the scenario's)")
    run.add_argument(
        "--discrepancy",
        action="store_true",
        help="Monte Carlo: multiply the package series by the model discrepancy fitted on "
        "the backtest, by quarter from the horizon start (milestones are not re-dated)",
    )
    add_execution_arguments(run)
    run.set_defaults(handler=run_command)


def run_command(arguments: argparse.Namespace) -> int:
    scenario = load_scenario(arguments.file, arguments.overrides)
    if arguments.deterministic:
        if arguments.samples is not None or arguments.resume or arguments.discrepancy:
            raise CommandError(
                "--deterministic runs once: drop --samples, --resume and --discrepancy"
            )
        return _deterministic(scenario, arguments)
    return _monte_carlo(scenario, arguments)


def _deterministic(scenario, arguments: argparse.Namespace) -> int:
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
    who = format_contention(result)
    if who:
        print()
        print(who)
    if arguments.output is not None:
        print(f"\nwrote {save_result(result, arguments.output)}")
    return 0


def _monte_carlo(scenario, arguments: argparse.Namespace) -> int:
    samples = scenario.samples if arguments.samples is None else arguments.samples
    if samples < 1:
        raise CommandError(f"--samples must be >= 1, found {samples}")
    output = arguments.output
    store = output if output is not None and output.suffix == ".zarr" else None
    if arguments.discrepancy and store is not None:
        raise CommandError("--discrepancy changes the results: write them to a .nc file")
    if arguments.resume and store is None:
        raise CommandError("--resume needs the study's store: -o STUDY.zarr")
    if output is not None and output.suffix not in (".zarr", ".nc"):
        raise CommandError(f"-o takes a .zarr store or a .nc file, found {output}")
    print(f"{scenario.name}: Monte Carlo, {samples} samples ({arguments.design} design)")
    try:
        result = monte_carlo(
            scenario,
            samples,
            seed=arguments.seed,
            design=arguments.design,
            store=store,
            execution=execution_from(arguments),
            resume=arguments.resume,
        )
    except KeyboardInterrupt:
        if store is not None:
            print(f"finished chunks are kept in {store}; continue with --resume")
        raise
    if arguments.discrepancy:
        result = apply_discrepancy(
            result.load(),
            FITTED,
            np.datetime64(scenario.horizon.start, "M"),
            result.attrs["seed"],
        )
        print(f"model discrepancy applied to {', '.join(PACKAGE_SERIES)}: {FITTED.source}")
    print()
    print(format_study(result))
    if output is not None and output.suffix == ".nc":
        print(f"\nwrote {save_result(result.load(), output)}")
    elif store is not None:
        print(f"\nwrote {store}")
    return 0
