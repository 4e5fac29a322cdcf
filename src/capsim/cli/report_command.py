"""``capsim report``: one self-contained HTML file for a scenario or a saved study."""

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

#: Suffixes of saved results (a study store, or a NetCDF file of a run or a study).
_RESULTS = (".zarr", ".nc", ".h5", ".nc4")


def register(commands) -> None:
    """Add ``report`` and ``compare`` to ``commands``."""
    parser = commands.add_parser(
        "report",
        help="a self-contained HTML report of a forecast",
        description="Write one self-contained HTML file (images embedded, no network "
        "requests) with the forecast of a scenario (a new Monte Carlo study of --samples "
        "draws) or of a saved study (.zarr or .nc), and the command that reproduces it.",
        epilog=examples(
            "capsim report scenarios/openai-nvidia-10gw.yaml --samples 100 -o report.html",
            "capsim report study.zarr -o report.html",
        ),
    )
    parser.add_argument(
        "source",
        type=Path,
        metavar="SCENARIO_OR_RESULT",
        help="a scenario YAML file, or a saved Monte Carlo study (.zarr, or .nc)",
    )
    parser.add_argument("-o", "--output", type=Path, required=True, metavar="REPORT.html")
    parser.add_argument(
        "--samples",
        type=int,
        default=200,
        help="Monte Carlo samples when given a scenario (default: 200)",
    )
    parser.add_argument("--seed", type=seed_number)
    parser.add_argument(
        "--set", dest="overrides", action="append", default=[], metavar="PATH=VALUE"
    )
    add_execution_arguments(parser)
    parser.set_defaults(handler=report_command)


def report_command(arguments: argparse.Namespace) -> int:
    from capsim.cli.plot_command import open_any
    from capsim.files import written_whole
    from capsim.report.html import render_report
    from capsim.scenario.loader import load_scenario, loads_scenario
    from capsim.simulation import simulate
    from capsim.sweep.store import samples_note, usable
    from capsim.sweep.study import monte_carlo

    source: Path = arguments.source
    if arguments.output.suffix.lower() not in (".html", ".htm"):
        raise CommandError(f"-o takes an .html file, found {arguments.output}")
    if source.suffix.lower() in _RESULTS or source.is_dir():
        study = open_any(source)
        if "sample" not in study.dims or "scenario" not in study.attrs:
            raise CommandError(
                f"{source} is {_kind_of(study)}, not a Monte Carlo study, so it has no "
                "forecast to report: give its scenario, or a study written by `capsim run "
                "FILE --samples N -o STUDY.zarr`"
            )
        if not len(usable(study)["sample"]):
            raise CommandError(
                f"{source}: {samples_note(study)}, none usable: nothing to report "
                "(continue it with `capsim run FILE --samples N -o STUDY.zarr --resume`)"
            )
        scenario = loads_scenario(study.attrs["scenario"], f"{source} (scenario)")
    elif source.suffix.lower() not in (".yaml", ".yml"):
        raise CommandError(
            f"report takes a scenario (.yaml) or a Monte Carlo study (.zarr, .nc), found {source}"
        )
    else:
        scenario = load_scenario(source, arguments.overrides)
        check_samples(arguments.samples)
        study = monte_carlo(
            scenario, arguments.samples, seed=arguments.seed, execution=execution_from(arguments)
        )
    central = simulate(scenario)
    command = ["capsim", *arguments.argv]
    text = render_report(scenario, central, study, command)
    with written_whole(arguments.output) as temporary:
        temporary.write_text(text, encoding="utf-8")
    print(f"wrote {arguments.output}")
    return 0


def _kind_of(result) -> str:
    """What a result that is not a study is, in words."""
    if "model" in result and "observed" in result:
        return "a hindcast result"
    if "reliability" in result:
        return "a backtest result"
    if any(name in result for name in ("swing", "mu_star", "S1")):
        return "a sensitivity result"
    if "sample" in result.dims:
        return "a study without its scenario"
    return "a single run" if "milestone_date" in result else "not a capsim forecast"
