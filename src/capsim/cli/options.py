"""Command-line options shared by the commands that run many samples."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from capsim.sweep.runner import Execution


class CommandError(Exception):
    """A command cannot do what was asked; the message says why (exit code 2)."""


def check_samples(samples: int) -> int:
    """``samples`` (a sample count asked for on the command line) if it is at least 1 and
    at most a scenario's limit; else a :class:`CommandError`."""
    from capsim.scenario.document import MAX_SAMPLES

    if samples < 1:
        raise CommandError(f"--samples must be >= 1, found {samples}")
    if samples > MAX_SAMPLES:
        raise CommandError(f"--samples must be <= {MAX_SAMPLES:,}, found {samples:,}")
    return samples


def at_least(least: int) -> Callable[[str], int]:
    """An argparse type: a whole number >= ``least``; argparse reports anything else as a
    usage error (exit 2)."""

    def whole(text: str) -> int:
        try:
            number = int(text)
        except ValueError:
            number = None
        if number is None or number < least:
            raise argparse.ArgumentTypeError(f"expected a whole number >= {least}, found {text!r}")
        return number

    return whole


#: ``--seed``: a whole number >= 0, as a scenario's ``seed``.
seed_number = at_least(0)
#: ``--top``: rows to print, at least one (0 printed an empty table).
row_count = at_least(1)


def add_execution_arguments(parser: argparse.ArgumentParser) -> None:
    """``--workers``, ``--dask-local``, ``--scheduler``, ``--chunk``, ``--no-progress``."""
    group = parser.add_argument_group("execution")
    group.add_argument(
        "--workers",
        type=int,
        metavar="N",
        help="local worker processes (default: all cores; 1: in this process)",
    )
    group.add_argument(
        "--dask-local",
        type=int,
        metavar="N",
        help="run on a local Dask cluster of N worker processes",
    )
    group.add_argument(
        "--scheduler", metavar="tcp://HOST:PORT", help="run on an existing Dask cluster"
    )
    group.add_argument(
        "--chunk",
        type=int,
        default=64,
        metavar="N",
        help="samples per chunk written to the store (default: 64)",
    )
    group.add_argument("--no-progress", action="store_true", help="no progress bar")


def execution_from(arguments: argparse.Namespace) -> Execution:
    """The :class:`Execution` the arguments ask for."""
    from capsim.sweep.runner import Execution

    if arguments.workers is not None and arguments.workers < 1:
        raise CommandError(f"--workers must be >= 1, found {arguments.workers}")
    if arguments.chunk < 1:
        raise CommandError(f"--chunk must be >= 1, found {arguments.chunk}")
    if arguments.dask_local is not None and arguments.scheduler is not None:
        raise CommandError("give --dask-local or --scheduler, not both")
    return Execution(
        workers=arguments.workers,
        scheduler=arguments.scheduler,
        dask_local=arguments.dask_local,
        chunk=arguments.chunk,
        progress=not arguments.no_progress,
    )
