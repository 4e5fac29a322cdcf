"""``capsim compare A B``: two scenarios' input differences and forecasts side by side."""

from __future__ import annotations

import argparse
from pathlib import Path

from capsim.cli.helptext import examples
from capsim.cli.options import (
    CommandError,
    add_execution_arguments,
    check_samples,
    execution_from,
    seed_number,
)
from capsim.cli.output import add_format_argument, emit, say


def register(commands) -> None:
    """Add ``compare`` to ``commands``."""
    parser = commands.add_parser(
        "compare",
        help="two scenarios' forecasts and inputs side by side",
        description="Compare scenario B with scenario A: the answer first (each claim and "
        "milestone in both, and how many days later or earlier B meets each milestone), "
        "then (with --samples) each milestone's P10/P50/P90 side by side, then the inputs "
        "that differ (the first "
        "few; --all-inputs lists them all). With --samples both run as Monte Carlo "
        "studies with the same seed, so that inputs they share draw the same values and "
        "the delays are paired sample by sample.",
        epilog=examples(
            "capsim compare scenarios/openai-nvidia-10gw.yaml scenarios/openai-all-deals.yaml",
            "capsim compare scenarios/openai-nvidia-10gw.yaml scenarios/openai-all-deals.yaml "
            "--samples 100 --plot compare.png",
        ),
    )
    parser.add_argument("left", type=Path, metavar="A")
    parser.add_argument("right", type=Path, metavar="B")
    parser.add_argument(
        "--samples", type=int, help="Monte Carlo samples of each (same seed); default: central runs"
    )
    parser.add_argument("--seed", type=seed_number)
    parser.add_argument(
        "--plot",
        type=Path,
        metavar="FILE",
        help="write overlaid fan charts of IT power online (.png, .svg, .pdf): of "
        "--programme, else of all programmes together",
    )
    parser.add_argument(
        "--programme",
        metavar="NAME",
        help="the programme --plot draws (one both scenarios have)",
    )
    parser.add_argument(
        "--all-inputs",
        action="store_true",
        help="list every input that differs (default: the first 20)",
    )
    add_format_argument(parser)
    add_execution_arguments(parser)
    parser.set_defaults(handler=compare_command)


def compare_command(arguments: argparse.Namespace) -> int:
    if arguments.samples is not None:
        check_samples(arguments.samples)
    from capsim.analysis.compare import comparison_answer, format_comparison, input_differences
    from capsim.scenario.loader import load_scenario
    from capsim.simulation import simulate
    from capsim.sweep.study import monte_carlo

    left, right = load_scenario(arguments.left), load_scenario(arguments.right)
    if arguments.plot is not None and arguments.plot.suffix.lower() not in (".png", ".svg", ".pdf"):
        raise CommandError(f"--plot takes a .png, .svg or .pdf file, found {arguments.plot}")
    if arguments.programme is not None:
        for scenario in (left, right):
            if arguments.programme not in scenario.programmes:
                raise CommandError(
                    f"--programme {arguments.programme}: no such programme in {scenario.name} "
                    f"(it has {', '.join(scenario.programmes)})"
                )
    if arguments.samples is None:
        results = [simulate(left), simulate(right)]
    else:
        execution = execution_from(arguments)
        results = [
            monte_carlo(s, arguments.samples, seed=arguments.seed, execution=execution)
            for s in (left, right)
        ]
    emit(
        arguments,
        text=lambda: format_comparison(left, right, *results, all_inputs=arguments.all_inputs),
        rows=lambda: [vars(s) for s in comparison_answer(left, right, *results).shifts],
        document=lambda: {
            "A": left.name,
            "B": right.name,
            "answer": comparison_answer(left, right, *results).to_dict(),
            "inputs_that_differ": [vars(row) for row in input_differences(left, right)],
        },
        units={"days_later": "day"},
    )
    if arguments.plot is not None:
        from capsim.cli.figures import write_chart
        from capsim.plots.overlay import plot_overlay

        labels = [arguments.left.stem, arguments.right.stem]
        if labels[0] == labels[1]:
            labels = [str(arguments.left), str(arguments.right)]
        overlay = dict(zip(labels, results, strict=True))
        write_chart(
            lambda: plot_overlay(overlay, programme=arguments.programme).figure,
            arguments.plot,
            dpi=120,
        )
        say(arguments, f"\nwrote {arguments.plot}")
    return 0
