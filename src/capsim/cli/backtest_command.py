"""``capsim backtest``: rolling-origin forecasts from what was known, scored."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from capsim.cli.helptext import examples
from capsim.cli.options import CommandError, add_execution_arguments, execution_from, seed_number
from capsim.cli.output import add_format_argument, emit, say
from capsim.cli.plot_command import FORMATS
from capsim.cli.scenario_commands import add_scenario_arguments

if TYPE_CHECKING:
    import xarray as xr

DEFAULT_ORIGINS = "2023-01-01:2024-01-01"


def register(commands) -> None:
    """Add ``backtest`` to ``commands``."""
    parser = commands.add_parser(
        "backtest",
        help="rolling-origin forecasts from what was known at each origin, scored",
        description="From each quarter's first day in ORIGINS, take SCENARIO as known then "
        "(values dated `known` later fall back to their `prior`), run a Monte Carlo, and "
        "forecast the designer's packages delivered per quarter 1 to LEADS quarters ahead. "
        "Score each forecast against observed shipments (coverage of the 50 % and 80 % "
        "intervals, CRPS, pinball loss) beside two baselines: the last quarter held flat, "
        "and the last four quarters' growth carried forward.",
        epilog=examples(
            "capsim backtest scenarios/hindcast-2023.yaml --samples 100 --plot reliability.png",
            "capsim backtest scenarios/hindcast-2023.yaml --leads 4 --discrepancy -o backtest.nc",
        ),
    )
    add_scenario_arguments(parser)
    parser.add_argument(
        "--origins",
        default=DEFAULT_ORIGINS,
        metavar="FIRST:LAST",
        help=f"first and last origin dates; every quarter between (default {DEFAULT_ORIGINS})",
    )
    parser.add_argument(
        "--leads", type=int, default=6, metavar="Q", help="quarters ahead (default 6)"
    )
    parser.add_argument(
        "--samples", type=int, default=100, metavar="N", help="samples per origin (default 100)"
    )
    parser.add_argument("--seed", type=seed_number, help="root seed (default: the scenario's)")
    parser.add_argument(
        "--designer", default="nvidia", help="whose packages to count (default: nvidia)"
    )
    parser.add_argument(
        "--shipments",
        type=Path,
        metavar="CSV",
        help="observed totals per calendar quarter; a quarter missing is not scored "
        "(default: data/epoch/nvidia_quarterly_shipments_2022_2024.csv)",
    )
    parser.add_argument(
        "--discrepancy",
        action="store_true",
        help="also score the model with its discrepancy term fitted on the other origins",
    )
    parser.add_argument(
        "-o", "--output", type=Path, metavar="FILE.nc", help="write forecasts and scores"
    )
    parser.add_argument(
        "--plot", type=Path, metavar="FILE", help="draw the reliability chart (PNG, SVG, PDF)"
    )
    add_format_argument(parser)
    add_execution_arguments(parser)
    parser.set_defaults(handler=backtest_command)


def backtest_command(arguments: argparse.Namespace) -> int:
    from capsim.analysis.backtest import backtest, quarter_origins
    from capsim.analysis.observed import read_series, shipped_data
    from capsim.scenario.loader import load_scenario

    first, last = _origins(arguments.origins)
    if arguments.samples < 2:
        raise CommandError(f"--samples must be >= 2, found {arguments.samples}")
    if arguments.leads < 1:
        raise CommandError(f"--leads must be >= 1, found {arguments.leads}")
    if arguments.plot is not None and arguments.plot.suffix.lower() not in FORMATS:
        raise CommandError(f"--plot takes a .png, .svg or .pdf file, found {arguments.plot}")
    if arguments.output is not None and arguments.output.suffix.lower() != ".nc":
        raise CommandError(f"-o takes a .nc file, found {arguments.output}")
    load_scenario(arguments.file, arguments.overrides)  # every problem before any run
    shipments = arguments.shipments or shipped_data("nvidia_quarterly_shipments_2022_2024.csv")
    observed = read_series(shipments)
    try:
        result = backtest(
            lambda origin: load_scenario(arguments.file, arguments.overrides, known_at=origin),
            observed,
            quarter_origins(first, last),
            leads=arguments.leads,
            samples=arguments.samples,
            seed=arguments.seed,
            execution=execution_from(arguments),
            designer=arguments.designer,
            discrepancy=arguments.discrepancy,
        )
    except ValueError as error:
        raise CommandError(str(error)) from None
    result.attrs["scenario_name"] = load_scenario(arguments.file, arguments.overrides).name
    emit(
        arguments,
        text=lambda: format_backtest(result),
        rows=lambda: score_rows(result),
        document=lambda: {
            **{key: result.attrs.get(key) for key in ("scenario_name", "designer", "seed")},
            "samples": result.attrs.get("samples"),
            "origins": [str(origin) for origin in result["origin"].values],
            "observed": result.attrs.get("observed_source"),
            "units": {
                "lead": "quarter",
                "mean_crps": "package",
                "mean_pinball": "package",
                "total_crps": "package",
                "coverage": "fraction of forecasts",
            },
            "by_lead": score_rows(result),
            "all_forecasts": [
                {
                    "forecaster": str(forecaster),
                    "total_crps": float(result["total_crps"].sel(forecaster=forecaster)),
                    "coverage_50": float(result["total_coverage_50"].sel(forecaster=forecaster)),
                    "coverage_80": float(result["total_coverage_80"].sel(forecaster=forecaster)),
                }
                for forecaster in result["forecaster"].values
            ],
        },
        units={
            "lead": "quarter",
            "mean_crps": "package",
            "mean_pinball": "package",
            "coverage_50": "fraction of forecasts",
            "coverage_80": "fraction of forecasts",
        },
    )
    if arguments.output is not None:
        from capsim.results import save_result

        save_result(result, arguments.output)
        say(arguments, f"wrote {arguments.output}")
    if arguments.plot is not None:
        draw_reliability(result, arguments.plot)
        say(arguments, f"wrote {arguments.plot}")
    return 0


def score_rows(result: xr.Dataset) -> list[dict]:
    """One row per forecaster and lead [quarter]: the number of forecasts scored, mean
    CRPS and pinball loss [package], and the share observed inside the 50 % and 80 %
    intervals (NaN where none was scored)."""
    rows = []
    for forecaster in result["forecaster"].values:
        for lead in result["lead"].values:
            picked = result.sel(forecaster=forecaster, lead=lead)
            rows.append(
                {
                    "forecaster": str(forecaster),
                    "lead": int(lead),
                    "forecasts": int(picked["scored" if "scored" in result else "forecasts"]),
                    **{
                        name: float(picked[name])
                        for name in ("mean_crps", "mean_pinball", "coverage_50", "coverage_80")
                    },
                }
            )
    return rows


def _origins(text: str) -> tuple[dt.date, dt.date]:
    parts = text.split(":")
    try:
        first, last = (dt.date.fromisoformat(part.strip()) for part in parts)
    except ValueError:
        raise CommandError(
            f"--origins expects FIRST:LAST dates (YYYY-MM-DD:YYYY-MM-DD), found {text!r}"
        ) from None
    if last < first:
        raise CommandError(f"--origins: {last} comes before {first}")
    return first, last


def draw_reliability(result: xr.Dataset, path: Path) -> None:
    """Draw the reliability chart of a backtest ``result`` to ``path``."""
    from capsim.cli.figures import write_chart
    from capsim.plots.reliability import plot_reliability

    write_chart(lambda: plot_reliability(result).figure, path)


def format_backtest(result: xr.Dataset) -> str:
    """The score table of a :func:`capsim.analysis.backtest.backtest` result."""
    import numpy as np

    a = result.attrs
    leads = [int(lead) for lead in result["lead"].values]
    lines = [
        f"{a.get('scenario_name', '')}: {a['designer']} packages per quarter, forecast from "
        f"{result.sizes['origin']} origins ({', '.join(result['origin'].values)}), "
        f"{a['samples']} samples each, seed {a['seed']}; "
        f"observed: {Path(a['observed_source']).name}",
        "",
        "forecasts per lead: "
        + ", ".join(
            f"{lead}: {int(n)}" for lead, n in zip(leads, result["forecasts"].values, strict=True)
        ),
        *_not_scored(result),
    ]
    for name, label, scale, unit in (
        ("mean_crps", "mean CRPS (k package, lower is better)", 1e-3, ""),
        ("mean_pinball", "mean pinball loss, levels 5-95 % (k package)", 1e-3, ""),
        ("coverage_50", "observed inside the 50 % interval (nominal 50 %)", 100, " %"),
        ("coverage_80", "observed inside the 80 % interval (nominal 80 %)", 100, " %"),
    ):
        lines += ["", label, f"{'lead (quarters)':<22}" + "".join(f"{lead:>8}" for lead in leads)]
        for forecaster in result["forecaster"].values:
            values = result[name].sel(forecaster=forecaster).values * scale
            lines.append(
                f"{forecaster:<22}"
                + "".join(
                    f"{value:>6.0f}{unit or '  '}" if np.isfinite(value) else f"{'n/a':>6}  "
                    for value in values
                )
            )
    lines += ["", f"{'all forecasts':<22}{'CRPS (k)':>10}{'in 50 %':>10}{'in 80 %':>10}"]
    for forecaster in result["forecaster"].values:
        row = result.sel(forecaster=forecaster)
        if not np.isfinite(row.total_crps.item()):  # nothing scored
            lines.append(f"{forecaster:<22}{'n/a':>10}{'n/a':>10}{'n/a':>10}")
            continue
        inside = (100 * row.total_coverage_50.item(), 100 * row.total_coverage_80.item())
        lines.append(
            f"{forecaster:<22}{row.total_crps.item() / 1e3:>10.0f}"
            f"{inside[0]:>8.0f} %{inside[1]:>8.0f} %"
        )
    return "\n".join(lines)


def _not_scored(result: xr.Dataset) -> list[str]:
    """Lines on what was not scored: target quarters missing from the observed file
    (inside its span), and the forecasts a forecaster did not make."""
    lines = []
    if result.attrs.get("quarters_missing"):
        lines.append(
            f"not scored: {result.attrs['quarters_missing']}, missing from the observed file"
        )
    if "scored" not in result:
        return lines
    for forecaster in result["forecaster"].values:
        scored = result["scored"].sel(forecaster=forecaster).values
        if (scored != result["forecasts"].values).any():
            counts = ", ".join(
                f"{int(lead)}: {int(n)}"
                for lead, n in zip(result["lead"].values, scored, strict=True)
            )
            lines.append(
                f"{forecaster} scored per lead: {counts} (it makes no forecast where a "
                "quarter it starts from is missing or observed as 0)"
            )
    return lines
