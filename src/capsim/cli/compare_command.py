"""``capsim compare A B``: two scenarios' input differences and forecasts side by side."""

from __future__ import annotations

import argparse
from pathlib import Path

from capsim.analysis.compare import format_comparison
from capsim.cli.options import CommandError, add_execution_arguments, execution_from
from capsim.scenario.loader import load_scenario
from capsim.simulation import simulate
from capsim.sweep.study import monte_carlo


def register(commands) -> None:
    """Add ``compare`` to ``commands``."""
    parser = commands.add_parser("compare", help="two scenarios' inputs and forecasts side by side")
    parser.add_argument("left", type=Path, metavar="A")
    parser.add_argument("right", type=Path, metavar="B")
    parser.add_argument(
        "--samples", type=int, help="Monte Carlo samples of each (same seed); default: central runs"
    )
    parser.add_argument("--seed", type=int)
    parser.add_argument(
        "--plot",
        type=Path,
        metavar="FILE",
        help="write overlaid fan charts of IT power online (.png, .svg, .pdf)",
    )
    add_execution_arguments(parser)
    parser.set_defaults(handler=compare_command)


def compare_command(arguments: argparse.Namespace) -> int:
    if arguments.samples is not None and arguments.samples < 1:
        raise CommandError(f"--samples must be >= 1, found {arguments.samples}")
    left, right = load_scenario(arguments.left), load_scenario(arguments.right)
    if arguments.plot is not None and arguments.plot.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise CommandError(f"--plot takes a .png, .svg or .pdf file, found {arguments.plot}")
    if arguments.samples is None:
        results = [simulate(left), simulate(right)]
    else:
        execution = execution_from(arguments)
        results = [
            monte_carlo(s, arguments.samples, seed=arguments.seed, execution=execution)
            for s in (left, right)
        ]
    print(format_comparison(left, right, *results))
    if arguments.plot is not None:
        from capsim.plots.overlay import plot_overlay
        from capsim.plots.style import save_figure

        labels = [arguments.left.stem, arguments.right.stem]
        if labels[0] == labels[1]:
            labels = [str(arguments.left), str(arguments.right)]
        ax = plot_overlay(dict(zip(labels, results, strict=True)))
        save_figure(ax.figure, arguments.plot, dpi=120)
        print(f"\nwrote {arguments.plot}")
    return 0
