"""``capsim run``: simulate a scenario, once at central values or as a Monte Carlo
study, and print its timeline or forecast, milestones and bottlenecks."""

from __future__ import annotations

import argparse
from pathlib import Path

from capsim.cli.helptext import examples
from capsim.cli.large_study import add_yes_argument, confirm_large_study
from capsim.cli.options import (
    CommandError,
    add_execution_arguments,
    check_samples,
    execution_from,
    seed_number,
)
from capsim.cli.output import add_format_argument, say
from capsim.cli.scenario_commands import add_scenario_arguments

DESIGNS = ("random", "lhs", "sobol")


def register(commands) -> None:
    """Add ``run`` to ``commands``."""
    run = commands.add_parser(
        "run",
        help="simulate a scenario (central values, or Monte Carlo); print and save",
        description="Simulate FILE once at the central value of every input "
        "(--deterministic), or as a Monte Carlo study of --samples draws. Prints the "
        "answer first (each claim held or failed, with its probability when sampled; each "
        "milestone's date, or P10/P50/P90, in date order; what binds most), then the "
        "tables. -o saves the result: NetCDF (.nc), or for a Monte Carlo study a Zarr "
        "store (.zarr) that --resume continues after an interruption.",
        epilog=examples(
            "capsim run scenarios/openai-nvidia-10gw.yaml --deterministic",
            "capsim run scenarios/openai-nvidia-10gw.yaml --samples 200 -o study.zarr",
        ),
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
    run.add_argument(
        "--overwrite",
        action="store_true",
        help="replace the study already in the -o .zarr store (never any other folder)",
    )
    run.add_argument("--seed", type=seed_number, help="root seed (default: the scenario's)")
    add_format_argument(run)
    add_yes_argument(run)
    run.add_argument(
        "--discrepancy",
        action="store_true",
        help="Monte Carlo: multiply the package series by the model discrepancy fitted on "
        "the backtest, by quarter from the horizon start (milestones are not re-dated)",
    )
    add_execution_arguments(run)
    run.set_defaults(handler=run_command)


def run_command(arguments: argparse.Namespace) -> int:
    from capsim.scenario.loader import load_scenario

    scenario = load_scenario(arguments.file, arguments.overrides)
    if arguments.deterministic:
        if arguments.samples is not None or arguments.resume or arguments.overwrite:
            raise CommandError(
                "--deterministic runs once: drop --samples, --resume and --overwrite"
            )
        if arguments.discrepancy:
            raise CommandError("--discrepancy applies to a Monte Carlo study: drop --deterministic")
        if arguments.output is not None and arguments.output.suffix != ".nc":
            raise CommandError(
                f"-o of a deterministic run takes a .nc file (NetCDF), found {arguments.output}"
            )
        return _deterministic(scenario, arguments)
    return _monte_carlo(scenario, arguments)


def _deterministic(scenario, arguments: argparse.Namespace) -> int:
    from capsim.cli.run_output import show_run
    from capsim.results import save_result
    from capsim.simulation import simulate

    result = simulate(scenario, seed=arguments.seed)
    show_run(scenario, result, arguments)
    if arguments.output is not None:
        say(arguments, f"\nwrote {save_result(result, arguments.output)}")
    return 0


def _monte_carlo(scenario, arguments: argparse.Namespace) -> int:
    from capsim.cli.run_output import show_study
    from capsim.results import save_result
    from capsim.simulation import simulate
    from capsim.sweep.stopping import Terminated
    from capsim.sweep.store import StoreError
    from capsim.sweep.study import monte_carlo

    samples = scenario.samples if arguments.samples is None else arguments.samples
    check_samples(samples)
    output = arguments.output
    store = output if output is not None and output.suffix == ".zarr" else None
    if (arguments.resume or arguments.overwrite) and store is None:
        flag = "--resume" if arguments.resume else "--overwrite"
        raise CommandError(f"{flag} needs the study's store: -o STUDY.zarr")
    if arguments.resume and arguments.overwrite:
        raise CommandError("give --resume or --overwrite, not both")
    if arguments.discrepancy and store is not None:
        raise CommandError("--discrepancy changes the results: write them to a .nc file")
    if output is not None and output.suffix not in (".zarr", ".nc"):
        raise CommandError(f"-o takes a .zarr store or a .nc file, found {output}")
    say(arguments, f"{scenario.name}: Monte Carlo, {samples} samples ({arguments.design} design)")
    execution = execution_from(arguments)
    confirm_large_study(scenario, samples, execution, arguments.yes)
    try:
        result = monte_carlo(
            scenario,
            samples,
            seed=arguments.seed,
            design=arguments.design,
            store=store,
            execution=execution,
            resume=arguments.resume,
            overwrite=arguments.overwrite,
        )
    except StoreError as error:
        raise CommandError(str(error)) from None
    except (KeyboardInterrupt, Terminated):
        if store is not None and store.exists():
            print(f"finished chunks are kept in {store}; continue with --resume", flush=True)
        raise
    if arguments.discrepancy:
        import numpy as np

        from capsim.analysis.discrepancy import FITTED, PACKAGE_SERIES, apply_discrepancy

        result = apply_discrepancy(
            result.load(),
            FITTED,
            np.datetime64(scenario.horizon.start, "M"),
            result.attrs["seed"],
        )
        say(arguments, f"model discrepancy applied to {', '.join(PACKAGE_SERIES)}: {FITTED.source}")
    if arguments.format == "table":
        print()
    show_study(scenario, result, simulate(scenario, seed=arguments.seed), arguments)
    if output is not None and output.suffix == ".nc":
        say(arguments, f"\nwrote {save_result(result.load(), output)}")
    elif store is not None:
        say(arguments, f"\nwrote {store}")
    return 0
