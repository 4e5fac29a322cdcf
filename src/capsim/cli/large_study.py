"""A check before a large study: its run count, an estimate of its time from a timed
pilot, and a question (or ``--yes``) before it starts."""

from __future__ import annotations

import argparse
import sys
from typing import TYPE_CHECKING

from capsim.cli.options import CommandError

if TYPE_CHECKING:
    from capsim.scenario.document import Scenario
    from capsim.sweep.runner import Execution

#: Studies of more runs than this are sized and confirmed before they start [runs].
LARGE_STUDY = 20_000


def add_yes_argument(parser: argparse.ArgumentParser) -> None:
    """``--yes``: start a large study without asking."""
    parser.add_argument(
        "--yes",
        action="store_true",
        help=f"start a study of more than {LARGE_STUDY:,} runs without asking",
    )


def duration(seconds: float) -> str:
    """``40 s``, ``12 min``, ``3.4 h``: a duration as a reader wants it."""
    if seconds < 120:
        return f"{seconds:.0f} s"
    if seconds < 2 * 3600:
        return f"{seconds / 60:.0f} min"
    return f"{seconds / 3600:.1f} h"


def confirm_large_study(
    scenario: Scenario, runs: int, execution: Execution, yes: bool, what: str = "runs"
) -> None:
    """Go on silently for ``runs`` up to :data:`LARGE_STUDY`; above it, time a pilot,
    print the estimate, and go on with ``yes``, after a "y" at the prompt on a
    terminal, or else stop with a :class:`CommandError` (exit code 2)."""
    if runs <= LARGE_STUDY:
        return
    from capsim.sweep.pilot import PILOT_RUNS, seconds_per_run

    per_run = seconds_per_run(scenario)
    if execution.scheduler is not None:
        workers, where = 1, "of Dask worker time (divide by the cluster's workers)"
    else:
        workers = execution.dask_local or execution.local_workers
        where = f"on {workers} worker{'s' * (workers != 1)}"
    estimate = runs * per_run / workers
    message = (
        f"{runs:,} {what} (more than {LARGE_STUDY:,}): about {duration(estimate)} {where}, "
        f"at {per_run:.2f} s a run (mean of {PILOT_RUNS} central runs timed here)"
    )
    if not yes and not sys.stdin.isatty():
        raise CommandError(f"{message}; add --yes to start it, or make the study smaller")
    print(message, flush=True)
    if yes:
        return
    answer = input("start it? [y/N] ").strip().lower()
    if answer not in ("y", "yes"):
        raise CommandError("not started")
