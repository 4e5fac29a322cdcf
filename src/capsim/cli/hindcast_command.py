"""``capsim hindcast``: the model's quarterly output and build dates against history."""

from __future__ import annotations

import argparse
import math
from pathlib import Path
from typing import TYPE_CHECKING

from capsim.cli.formatting import signed, signed_percent
from capsim.cli.helptext import examples
from capsim.cli.observed_options import add_comparison_arguments, observed_periods
from capsim.cli.options import (
    CommandError,
    add_execution_arguments,
    check_samples,
    execution_from,
    seed_number,
)
from capsim.cli.output import add_format_argument, emit, say
from capsim.cli.plot_command import FORMATS
from capsim.cli.scenario_commands import add_scenario_arguments

if TYPE_CHECKING:
    import xarray as xr


def register(commands) -> None:
    """Add ``hindcast`` to ``commands``."""
    parser = commands.add_parser(
        "hindcast",
        help="compare the model's output per quarter and its build dates with history",
        description="Run a Monte Carlo of SCENARIO and compare the packages its designer's "
        "programmes receive per period with observed shipments (P10-P90 against the "
        "observed 5-95 % band, yearly totals, their errors, interval coverage), and its "
        "h100e_online milestones with a build timeline. The default data are Epoch AI's "
        "NVIDIA shipments 2022-2024 and the xAI Colossus 1 timeline (data/epoch, MIT).",
        epilog=examples(
            "capsim hindcast scenarios/hindcast-2023.yaml --samples 100 --plot hindcast.png"
        ),
    )
    add_scenario_arguments(parser)
    parser.add_argument(
        "--shipments",
        type=Path,
        metavar="CSV",
        help="observed totals per period (whole months, not overlapping): Epoch AI's export, "
        "or columns start,end,value[,low,high] with YYYY-MM-DD dates "
        "(default: data/epoch/nvidia_quarterly_shipments_2022_2024.csv)",
    )
    parser.add_argument(
        "--timeline",
        type=Path,
        metavar="CSV",
        help="build timeline with Date and H100 equivalents columns "
        "(default: data/epoch/xai_colossus1_timeline.csv)",
    )
    add_comparison_arguments(parser, left_out_of="the comparison")
    parser.add_argument(
        "--samples", type=int, metavar="N", help="Monte Carlo samples (default: the scenario's)"
    )
    parser.add_argument("--seed", type=seed_number, help="root seed (default: the scenario's)")
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE.nc", help="write the comparison (NetCDF)"
    )
    parser.add_argument(
        "--plot", type=Path, metavar="FILE", help="draw the comparison chart (PNG, SVG, PDF)"
    )
    add_format_argument(parser)
    add_execution_arguments(parser)
    parser.set_defaults(handler=hindcast_command)


def hindcast_command(arguments: argparse.Namespace) -> int:
    from capsim.analysis.hindcast import check_timeline, hindcast_table
    from capsim.analysis.observed import read_timeline, shipped_data
    from capsim.scenario.loader import load_scenario
    from capsim.sweep.study import monte_carlo

    scenario = load_scenario(arguments.file, arguments.overrides)
    if arguments.samples is not None:
        check_samples(arguments.samples)
    if arguments.plot is not None and arguments.plot.suffix.lower() not in FORMATS:
        raise CommandError(f"--plot takes a .png, .svg or .pdf file, found {arguments.plot}")
    if arguments.output is not None and arguments.output.suffix.lower() != ".nc":
        raise CommandError(f"-o takes a .nc file, found {arguments.output}")
    shipments = arguments.shipments or shipped_data("nvidia_quarterly_shipments_2022_2024.csv")
    timeline_path = arguments.timeline or shipped_data("xai_colossus1_timeline.csv")
    observed = observed_periods(shipments, scenario, arguments)
    timeline = read_timeline(timeline_path)
    check_timeline(timeline_path, timeline, scenario)
    study = monte_carlo(
        scenario, arguments.samples, seed=arguments.seed, execution=execution_from(arguments)
    )
    try:
        result = hindcast_table(study, scenario, observed, timeline, designer=arguments.designer)
    except ValueError as error:
        raise CommandError(str(error)) from None
    emit(
        arguments,
        text=lambda: format_hindcast(result),
        rows=lambda: hindcast_rows(result, "period"),
        document=lambda: {
            **{key: result.attrs[key] for key in ("scenario_name", "designer", "samples", "seed")},
            "observed_source": result.attrs["observed_source"],
            "units": "package",
            "coverage": result.attrs["coverage"],
            "periods": hindcast_rows(result, "period"),
            "years": hindcast_rows(result, "year"),
            "events": _event_rows(result),
        },
        units=dict.fromkeys(
            ("observed", "observed_5", "observed_95", "model_p10", "model_p50", "model_p90"),
            "package",
        ),
    )
    if arguments.output is not None:
        from capsim.results import save_result

        save_result(result, arguments.output)
        say(arguments, f"wrote {arguments.output}")
    if arguments.plot is not None:
        _draw(result, arguments.plot)
        say(arguments, f"wrote {arguments.plot}")
    return 0


def hindcast_rows(result: xr.Dataset, dim: str) -> list[dict]:
    """One row per period (or year): observed packages with their 5 % and 95 % values,
    the model's P10, P50 and P90 [package], and whether the observed value lies in the
    model's P10-P90."""
    prefix = "" if dim == "period" else "year_"
    rows = []
    for label in result[dim].values:
        row = result.sel({dim: label})
        model = row[f"{prefix}model"].values
        rows.append(
            {
                dim: str(label),
                "observed": float(row[f"{prefix}observed"]),
                "observed_5": float(row[f"{prefix}observed_low"]),
                "observed_95": float(row[f"{prefix}observed_high"]),
                "model_p10": float(model[0]),
                "model_p50": float(model[1]),
                "model_p90": float(model[2]),
                "inside_p10_p90": bool(row[f"{prefix}inside"]),
            }
        )
    return rows


def _event_rows(result: xr.Dataset) -> list[dict]:
    """Each build event: the observed date and the model's P10, P50 and P90 dates."""
    import numpy as np

    if "event" not in result.dims:
        return []
    rows = []
    for event in result.event.values:
        row = result.sel(event=event)
        dates = [np.datetime64(value, "D") for value in row.event_model.values]
        rows.append(
            {
                "event": str(event),
                "observed": np.datetime64(row.event_observed.values, "D"),
                "model_p10": dates[0],
                "model_p50": dates[1],
                "model_p90": dates[2],
                "reached": float(row.event_reached),
            }
        )
    return rows


def _draw(result: xr.Dataset, path: Path) -> None:
    from capsim.cli.figures import write_chart

    def draw():
        import matplotlib.pyplot as plt

        from capsim.plots.hindcast import plot_hindcast
        from capsim.plots.hindcast_build import plot_hindcast_build

        if "build_h100e" not in result:
            return plot_hindcast(result).figure
        figure, (output, build) = plt.subplots(2, 1, figsize=(10.0, 10.0), layout="constrained")
        plot_hindcast(result, ax=output)
        plot_hindcast_build(result, ax=build)
        return figure

    write_chart(draw, path)


def format_hindcast(result: xr.Dataset) -> str:
    """The tables of a :func:`capsim.analysis.hindcast.hindcast_table` result."""
    import numpy as np

    a = result.attrs
    lines = [
        f"{a['scenario_name']}: {a['designer']} packages delivered per period against "
        f"{Path(a['observed_source']).name} ({a['samples']} samples, seed {a['seed']})",
        "",
        _heading("period", 10),
        f"{'':<10} {'k package':>9}",
    ]
    for period in result.period.values:
        row = result.sel(period=period)
        observed = (row.observed, row.observed_low, row.observed_high)
        observed_value = row.observed.item()
        error = (
            row.model.sel(quantile=0.5).item() / observed_value - 1.0 if observed_value else None
        )
        lines.append(
            _row(str(period), 10, observed, row.model, error=error, inside=row.inside, decimals=1)
        )
    inside = int(result.inside.sum())
    overlap = int(result.bands_overlap.sum())
    count = result.sizes["period"]
    lines += [
        f"coverage: the observed value lies inside the model's P10-P90 in {inside} of {count} "
        f"periods ({100 * a['coverage']:.0f} %; nominal 80 %); "
        f"the bands overlap in {overlap} of {count}",
        "",
        _heading("year", 6),
        f"{'':<6} {'k package':>9}",
    ]
    for year in result.year.values:
        row = result.sel(year=year)
        observed = (row.year_observed, row.year_observed_low, row.year_observed_high)
        lines.append(
            _row(
                str(year),
                6,
                observed,
                row.year_model,
                error=row.year_error.item(),
                inside=row.year_inside,
                decimals=0,
            )
        )
    lines.append(
        "yearly bands add the quarters' 5 % and 95 % values (errors taken as fully correlated)"
    )
    if "event" in result.dims:
        lines.append("")
        for event in result.event.values:
            row = result.sel(event=event)
            observed = np.datetime64(row.event_observed.values, "D")
            days = row.event_error_days.values
            reached = 100 * row.event_reached.item()
            if np.isnan(days).all():
                lines.append(
                    f"{event}: observed {observed}; not reached in the horizon in any sample"
                )
                continue
            dates = [str(np.datetime64(value, "D")) for value in row.event_model.values]
            lines.append(
                f"{event}: observed {observed}; model P10 {dates[0]}, P50 {dates[1]}, "
                f"P90 {dates[2]} (P50 {signed(days[1])} days; "
                f"reached in {reached:.0f} % of samples)"
            )
    return "\n".join(lines)


def _heading(label: str, width: int) -> str:
    figures = " ".join(f"{name:>7}" for name in ("P10", "P50", "P90"))
    return (
        f"{label:<{width}} {'observed':>9} {'5 %':>7} {'95 %':>7}   {figures}  "
        f"{'P50 err':>7}  in P10-P90"
    )


def _row(label, width, observed, model, *, error, inside, decimals) -> str:
    """One table row [k package]: observed, its 5 % and 95 %, model P10/P50/P90, error
    (n/a where nothing was observed)."""
    first, low, high = (value.item() / 1e3 for value in observed)
    figures = " ".join(f"{value / 1e3:>7.{decimals}f}" for value in model.values)
    shown = signed_percent(error) if error is not None and math.isfinite(error) else "n/a"
    return (
        f"{label:<{width}} {first:>9.{decimals}f} {low:>7.{decimals}f} {high:>7.{decimals}f}   "
        f"{figures}  {shown:>7}  {'yes' if inside.item() else 'no'}"
    )
