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


def observed_periods(path: Path, scenario: Scenario, spin_up: int) -> ObservedSeries:
    """The periods of ``path`` that lie within ``scenario``'s horizon after ``spin_up``
    months; a :class:`CommandError` when there are none."""
    import numpy as np

    from capsim.analysis.hindcast import compared_periods
    from capsim.analysis.observed import read_series

    if spin_up < 0:
        raise CommandError(f"--spin-up must be >= 0 months, found {spin_up}")
    start = np.datetime64(scenario.horizon.start, "M") + np.timedelta64(spin_up, "M")
    end = np.datetime64(scenario.horizon.end, "D")
    observed = compared_periods(read_series(path), start.astype("datetime64[D]"), end)
    if len(observed) == 0:
        raise CommandError(
            f"{path}: no observed period lies within {start}..{end} "
            f"(the horizon of {scenario.name} after {spin_up} months of spin-up)"
        )
    return observed
