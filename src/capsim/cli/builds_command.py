"""``capsim builds-check``: the build model against a reference class of real campuses."""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import TYPE_CHECKING

from capsim.cli.formatting import signed
from capsim.cli.helptext import examples
from capsim.cli.options import CommandError, seed_number
from capsim.cli.output import add_format_argument, emit, say
from capsim.cli.plot_command import FORMATS

if TYPE_CHECKING:
    from capsim.analysis.builds import Check

#: The bar (the issue that asked for the check): greenfield campuses inside the
#: model's P10-P90 at least this often, with a median |P50 error| at most this [month].
BAR_INSIDE, BAR_MONTHS = 0.8, 3.0
#: The unit of each number column of a check (the levels and months of check_rows).
UNITS = {"level": "MW", **dict.fromkeys(("months", "p10", "p50", "p90", "p50_error"), "month")}


def register(commands) -> None:
    """Add ``builds-check`` to ``commands``."""
    parser = commands.add_parser(
        "builds-check",
        help="check the build model against real campuses, leaving each out of the fit",
        description="For each campus of a reference class of data-centre builds, refit its "
        "archetype without it, run it through the site model and compare its observed first "
        "operation and power steps with the model's P10/P50/P90 (months from construction "
        "start). The build time is pooled by region (an optional region column of the "
        "archetype file). The default is data/builds/build_timelines.csv (27 campuses; Epoch AI's "
        "Frontier Data Centers hub and press, CC BY 4.0).",
        epilog=examples(
            "capsim builds-check --samples 400 --plot builds.png",
            "capsim builds-check my_timelines.csv --archetypes my_archetypes.csv",
        ),
    )
    parser.add_argument(
        "timeline",
        nargs="?",
        type=Path,
        metavar="CSV",
        help="timeline CSV in the form of data/builds/build_timelines.csv (default: that file)",
    )
    parser.add_argument(
        "--archetypes",
        type=Path,
        metavar="CSV",
        help="site_id,archetype per campus (default: campus_archetypes.csv beside the timeline)",
    )
    parser.add_argument(
        "--samples", type=int, default=400, metavar="N", help="samples per campus (400)"
    )
    parser.add_argument("--seed", type=seed_number, default=2026, help="root seed (2026)")
    parser.add_argument(
        "--plot", type=Path, metavar="FILE", help="draw the comparison chart (PNG, SVG, PDF)"
    )
    add_format_argument(parser)
    parser.set_defaults(handler=builds_command)


def builds_command(arguments: argparse.Namespace) -> int:
    from capsim.analysis.builds import check_builds
    from capsim.scenario.archetypes import REGION_SPREAD
    from capsim.scenario.reference import ReferenceError, default_path, read_campuses

    if arguments.samples < 1:
        raise CommandError(f"--samples must be >= 1, found {arguments.samples}")
    if arguments.plot is not None and arguments.plot.suffix.lower() not in FORMATS:
        raise CommandError(f"--plot takes a .png, .svg or .pdf file, found {arguments.plot}")
    try:
        campuses = read_campuses(arguments.timeline, arguments.archetypes)
    except ReferenceError as error:
        raise CommandError(str(error)) from None
    checks = check_builds(campuses, arguments.samples, arguments.seed)
    source = arguments.timeline or default_path()
    heading = (
        f"{source.name}: {len(campuses)} campuses, each against its archetype fitted without "
        f"it, build time pooled by region (prior spread {REGION_SPREAD:g}), campuses still "
        f"building counted as longer than so far ({arguments.samples} samples per campus, "
        f"seed {arguments.seed})"
    )
    emit(
        arguments,
        text=lambda: f"{heading}\n{format_checks(checks)}",
        rows=lambda: check_rows(checks),
        document=lambda: {
            "timeline": str(source),
            "campuses": len(campuses),
            "samples": arguments.samples,
            "seed": arguments.seed,
            "units": UNITS,
            "checks": check_rows(checks),
            "bar": bar_rows(checks),
        },
        units=UNITS,
    )
    if arguments.plot is not None:
        _draw(checks, arguments.plot)
        say(arguments, f"wrote {arguments.plot}")
    return 0


def check_rows(checks: list[Check]) -> list[dict]:
    """One row per check: the campus, its event and level [MW], the observed (or
    projected) date and months from the start, the model's P10/P50/P90 [month] and
    the P50's error [month] (None where the model has no figure)."""
    import math

    rows = []
    for c in checks:
        figures = [None if math.isnan(value) else value for value in c.model]
        modelled = figures[1] is not None
        rows.append(
            {
                "campus": c.campus,
                "archetype": c.archetype,
                "event": c.event,
                "level": c.level,
                "observed": c.observed,
                "projected": c.projected,
                "months": c.months,
                "p10": figures[0],
                "p50": figures[1],
                "p90": figures[2],
                "p50_error": c.error if modelled else None,
                "inside": c.inside if modelled else None,
                "largest": c.largest,
                "note": c.note,
            }
        )
    return rows


def bar_rows(checks: list[Check]) -> list[dict]:
    """The bar's figures for greenfield campuses, and whether each is met."""
    from capsim.analysis.builds import score

    return [
        {
            "events": name,
            "count": figures.count,
            "inside": figures.inside,
            "bar_inside": BAR_INSIDE,
            "median_error": figures.median_error,
            "bar_months": BAR_MONTHS,
            "met": figures.inside >= BAR_INSIDE and figures.median_error <= BAR_MONTHS,
        }
        for name, figures in score(checks).items()
    ]


def format_checks(checks: list[Check]) -> str:
    """The table of checks and the bar's figures."""
    from capsim.analysis.builds import score

    lines = [
        f"{'campus':<11} {'archetype':<10} {'event':<16} {'date':<10} {'kind':<9} "
        f"{'months':>6}   {'P10':>5} {'P50':>5} {'P90':>5}  {'P50 err':>7}  in P10-P90",
    ]
    for c in checks:
        day, kind = (c.observed, "observed") if c.observed else (c.projected, "projected")
        kind += "*" if c.largest else ""
        head = (
            f"{c.campus:<11} {c.archetype:<10} {c.event:<16} {day!s:<10} {kind:<9} "
            f"{c.months:>6.1f}   "
        )
        if c.note:
            lines.append(head + f"no model figure: {c.note}")
            continue
        figures = " ".join(f"{value:>5.1f}" for value in c.model)
        inside = "yes" if c.inside else "no"
        lines.append(head + f"{figures}  {signed(c.error, 1):>7}  {inside}")
    lines.append("months from construction start; * the campus's largest observed power step")
    for name, figures in score(checks).items():
        met = figures.inside >= BAR_INSIDE and figures.median_error <= BAR_MONTHS
        lines.append(
            f"greenfield, {name} ({figures.count} campuses observed): inside P10-P90 "
            f"{100 * figures.inside:.0f} % (bar {100 * BAR_INSIDE:.0f} %), median |P50 error| "
            f"{figures.median_error:.1f} months (bar {BAR_MONTHS:g}): "
            f"{'met' if met else 'not met'}"
        )
    return "\n".join(lines)


def _draw(checks: list[Check], path: Path) -> None:
    from capsim.cli.figures import write_chart
    from capsim.plots.builds import plot_builds

    write_chart(lambda: plot_builds(checks).figure, path)
