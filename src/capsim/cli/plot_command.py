"""``capsim plot``: draw a chart of a saved result (a run, a study, a sensitivity
Dataset) to PNG, SVG or PDF."""

from __future__ import annotations

import argparse
import inspect
from pathlib import Path

from capsim.cli.helptext import examples
from capsim.cli.options import CommandError

#: The chart kinds (``capsim.plots.KINDS``), listed here so that the command line
#: does not import matplotlib until a chart is drawn.
KIND_NAMES = (
    "fan",
    "milestone",
    "bottlenecks",
    "flow",
    "gantt",
    "tornado",
    "morris",
    "sobol",
    "sobol_time",
    "sweep",
    "hindcast",
    "hindcast_build",
    "reliability",
)
FORMATS = (".png", ".svg", ".pdf")
#: The largest resolution drawn [dot/inch]: a 10-inch chart is then 12 000 pixels wide.
MAX_DPI = 1200
#: Options of the command and the parameter each is passed as.
_OPTIONS = {
    "variable": "variable",
    "programme": "programme",
    "milestone": "milestone",
    "claim": "claim",
    "site": "site",
    "top": "top",
}
#: Where a kind calls an option by another name.
_ALIASES = {"bottlenecks": {"programme": "entity"}}


def register(commands) -> None:
    """Add ``plot`` to ``commands``."""
    plot = commands.add_parser(
        "plot",
        help="draw a chart of a saved result (.nc run or study, .zarr study) to PNG/SVG/PDF",
        description="Draw a chart of a result saved by `capsim run -o`, a study store or "
        "a sensitivity Dataset. Kinds: fan (P10-P90 band of a monthly series), milestone "
        "(distribution of a milestone's date), bottlenecks (what binds, by month), flow "
        "and gantt (single runs), tornado, morris, sobol, sobol_time (sensitivity), "
        "sweep (milestone date against the varied inputs), hindcast, hindcast_build, "
        "reliability (a backtest's interval coverage against nominal).",
        epilog=examples(
            "capsim plot study.zarr --kind fan --variable it_power_online "
            "--programme openai-nvidia -o fan.png",
            "capsim plot study.zarr --kind milestone --milestone first-gw -o first-gw.svg",
        ),
    )
    plot.add_argument("result", type=Path, metavar="RESULT", help="a .nc file or a .zarr store")
    plot.add_argument("--kind", required=True, choices=KIND_NAMES, help="the chart to draw")
    plot.add_argument(
        "-o",
        "--output",
        required=True,
        type=Path,
        metavar="FILE",
        help="the chart file: .png, .svg or .pdf",
    )
    plot.add_argument("--variable", help="monthly series (fan) or binding variable (bottlenecks)")
    plot.add_argument("--programme", help="one programme (fan, flow; bottlenecks: its entity)")
    plot.add_argument("--milestone", help="milestone (milestone, sweep)")
    plot.add_argument("--claim", help="claim whose target and deadline are marked (fan, milestone)")
    plot.add_argument("--site", help="one site's buildings (gantt)")
    plot.add_argument("--top", type=int, metavar="K", help="inputs shown (tornado, sobol, ...)")
    plot.add_argument(
        "--histogram",
        action="store_true",
        help="milestone: a histogram by month instead of the cumulative distribution",
    )
    plot.add_argument("--dpi", type=int, default=150, help="resolution of PNG files (default 150)")
    plot.set_defaults(handler=plot_command)


def plot_command(arguments: argparse.Namespace) -> int:
    output: Path = arguments.output
    if output.suffix.lower() not in FORMATS:
        raise CommandError(
            f"-o takes a .png, .svg or .pdf file, found {output} "
            f"(format chosen by the suffix; {output.suffix or 'no suffix'} is not one of them)"
        )
    if not arguments.result.exists():
        raise CommandError(f"{arguments.result}: no such file or store")
    if not 1 <= arguments.dpi <= MAX_DPI:
        raise CommandError(
            f"--dpi must be from 1 to {MAX_DPI} dots per inch, found {arguments.dpi}"
        )
    options = _options(arguments)
    result = open_any(arguments.result)

    from capsim.cli.figures import write_chart
    from capsim.plots import KINDS

    def draw():
        try:
            return KINDS[arguments.kind](result, **options).figure
        except (ValueError, KeyError) as error:
            message = error.args[0] if isinstance(error, KeyError) and error.args else error
            raise CommandError(
                f"cannot draw {arguments.kind} of {arguments.result}: {message}"
            ) from None

    write_chart(draw, output, dpi=arguments.dpi)
    print(f"wrote {output}")
    return 0


def open_any(path: Path):
    """A result Dataset from a NetCDF file or a Zarr study store, loaded into memory."""
    from capsim.sweep.store import StoreError, load_study

    if not path.exists():
        raise CommandError(f"{path}: no such file or store")
    if path.suffix == ".zarr" or (path.is_dir() and (path / ".zmetadata").exists()):
        try:
            return load_study(path)
        except StoreError as error:
            raise CommandError(str(error)) from None
    if path.is_dir():
        raise CommandError(f"{path}: a folder, but not a Zarr store (.zarr)")
    from capsim.results import open_result

    try:
        return open_result(path)
    except (OSError, ValueError) as error:
        raise CommandError(f"{path}: not a readable NetCDF result ({error})") from None


def _options(arguments: argparse.Namespace) -> dict:
    """The options given, as the chart function's parameters; an option the kind does
    not take is an error."""
    from capsim.plots import KINDS

    parameters = inspect.signature(KINDS[arguments.kind]).parameters
    aliases = _ALIASES.get(arguments.kind, {})
    options = {}
    for option in _OPTIONS:
        value = getattr(arguments, option)
        if value is None:
            continue
        name = aliases.get(option, option)
        if name not in parameters:
            raise CommandError(f"--{option} does not apply to --kind {arguments.kind}")
        options[name] = value
    needed = [
        name
        for name, parameter in list(parameters.items())[1:]
        if parameter.default is inspect.Parameter.empty and name not in options
    ]
    if needed:
        given = {aliases.get(option, option): option for option in _OPTIONS}
        flags = ", ".join(f"--{given.get(name, name)}" for name in needed)
        raise CommandError(f"--kind {arguments.kind} needs {flags}")
    if arguments.histogram:
        if arguments.kind != "milestone":
            raise CommandError(f"--histogram does not apply to --kind {arguments.kind}")
        options["kind"] = "hist"
    return options
