"""Options shared by the commands that compare the model with observed history."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from capsim.cli.options import CommandError

if TYPE_CHECKING:
    from capsim.analysis.observed import ObservedSeries
    from capsim.scenario.document import Scenario


def add_comparison_arguments(parser: argparse.ArgumentParser, *, left_out_of: str) -> None:
    """``--designer`` and ``--spin-up``."""
    parser.add_argument(
        "--designer", default="nvidia", help="whose packages to count (default: nvidia)"
    )
    parser.add_argument(
        "--spin-up",
        type=int,
        default=3,
        metavar="MONTHS",
        help=f"months at the start of the horizon left out of {left_out_of} while the "
        "pipeline fills (default: 3)",
    )


def observed_periods(
    path: Path, scenario: Scenario, arguments: argparse.Namespace
) -> ObservedSeries:
    """The periods of ``path`` that lie wholly within ``scenario``'s horizon after
    ``arguments.spin_up`` months; a :class:`CommandError` when there are none, and a note
    naming those left out."""
    import numpy as np

    from capsim.analysis.hindcast import compared_periods
    from capsim.analysis.observed import read_series
    from capsim.cli.output import say

    spin_up = arguments.spin_up
    if spin_up < 0:
        raise CommandError(f"--spin-up must be >= 0 months, found {spin_up}")
    start = np.datetime64(scenario.horizon.start, "M") + np.timedelta64(spin_up, "M")
    end = np.datetime64(scenario.horizon.end, "D")
    window = f"{start}..{end} (the horizon of {scenario.name} after {spin_up} months of spin-up)"
    everything = read_series(path)
    observed = compared_periods(everything, start.astype("datetime64[D]"), end)
    if len(observed) == 0:
        raise CommandError(f"{path}: no observed period lies within {window}")
    kept = set(observed.labels())
    left = [label for label in everything.labels() if label not in kept]
    if left:
        named = ", ".join(left[:_NAMED]) + (", ..." if len(left) > _NAMED else "")
        say(
            arguments,
            f"note: {len(left)} of {len(everything)} periods of {path} are left out, not "
            f"lying wholly within {window}: {named}",
        )
    return observed


#: How many left-out periods a note names.
_NAMED = 8
