"""``capsim calibrate``: fit uncertain inputs to an observed series; write the result as
a scenario that extends the original, each fitted input as a distribution carrying its
fitted uncertainty."""

from __future__ import annotations

import argparse
import datetime as dt
from pathlib import Path
from typing import TYPE_CHECKING

from capsim.cli.helptext import examples
from capsim.cli.observed_options import add_comparison_arguments, observed_periods
from capsim.cli.options import CommandError
from capsim.cli.output import add_format_argument, emit, say
from capsim.cli.scenario_commands import add_scenario_arguments
from capsim.scenario.roots import allowed_roots, inside

if TYPE_CHECKING:
    from capsim.analysis.calibration import Calibration


def register(commands) -> None:
    """Add ``calibrate`` to ``commands``."""
    parser = commands.add_parser(
        "calibrate",
        help="fit uncertain inputs to an observed series; write a scenario with their fitted "
        "distributions",
        description="Fit the uncertain inputs named by --fit (key paths as `capsim describe` "
        "shows them; * and ? match) so that the packages delivered to the designer's "
        "programmes per period match DATA, each input within its stated distribution. "
        "Prints the fitted values with standard errors and the goodness of fit, and writes "
        "a scenario that extends FILE (source: 'calibrated against DATA') with each fitted "
        "input as a symmetric PERT about its fitted value over +/-3 standard errors, clipped "
        "symmetrically to the range searched (a fixed value when no spread is left).",
        epilog=examples(
            "capsim calibrate scenarios/hindcast-2023.yaml "
            "--against data/epoch/nvidia_quarterly_shipments_2022_2024.csv "
            "--fit packaging.tsmc-cowos.contracts.others.share -o calibrated.yaml"
        ),
    )
    add_scenario_arguments(parser)
    parser.add_argument(
        "--against",
        required=True,
        type=Path,
        metavar="DATA",
        help="observed totals per period (whole months, not overlapping): Epoch AI's shipment "
        "export, or columns start,end,value[,low,high] with YYYY-MM-DD dates; a band of zero "
        "width is refused, and a value without one has the error 10 %% of itself, at least "
        "10 %% of the mean value",
    )
    parser.add_argument(
        "--fit",
        required=True,
        action="append",
        metavar="PATH",
        help="an uncertain input to fit (repeat)",
    )
    add_comparison_arguments(parser, left_out_of="the fit")
    parser.add_argument(
        "-o",
        "--output",
        type=Path,
        metavar="FILE.yaml",
        help="the calibrated scenario (default: FILE's name with -calibrated, beside FILE)",
    )
    parser.add_argument(
        "--overwrite", action="store_true", help="replace the calibrated scenario if it exists"
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the quasi-random starting points"
    )
    add_format_argument(parser)
    parser.set_defaults(handler=calibrate_command)


def calibrate_command(arguments: argparse.Namespace) -> int:
    import numpy as np

    from capsim.analysis.calibration import CalibrationError, calibrate
    from capsim.analysis.fitted import fitted_parameter
    from capsim.files import unwritable
    from capsim.scenario.extension import write_extension
    from capsim.scenario.loader import load_scenario

    scenario = load_scenario(arguments.file, arguments.overrides)
    if arguments.overrides:
        raise CommandError(
            "calibrate writes a scenario extending FILE: drop --set and edit FILE instead"
        )
    output = arguments.output or arguments.file.with_name(f"{arguments.file.stem}-calibrated.yaml")
    if output.suffix.lower() not in (".yaml", ".yml"):
        raise CommandError(f"-o takes a .yaml file, found {output}")
    if output.resolve() == arguments.file.resolve():
        raise CommandError(f"-o {output} would overwrite the scenario it extends")
    if output.exists() and not arguments.overwrite:
        raise CommandError(
            f"{output} exists (a scenario is a source file): --overwrite replaces it, "
            "or choose another -o (nothing was written)"
        )
    if arguments.output is None and (why := unwritable(output)):  # -o is checked by main
        raise CommandError(f"{output}: {why}; nothing was run")
    observed = observed_periods(arguments.against, scenario, arguments)
    try:
        result = calibrate(
            scenario, observed, arguments.fit, designer=arguments.designer, seed=arguments.seed
        )
    except CalibrationError as error:
        raise CommandError(str(error)) from None
    source = f"calibrated against {arguments.against.name} ({dt.date.today().isoformat()})"
    written = {fit.path: fitted_parameter(fit, source) for fit in result.inputs}
    header = (
        f"{scenario.name} calibrated against {arguments.against.name} by `capsim calibrate`.\n"
        f"Fitted: {', '.join(fit.path for fit in result.inputs)}.\n"
        f"chi-squared {result.chi2(result.before):.2f} at central values -> "
        f"{result.chi2(result.after):.2f} fitted ({len(observed)} periods)."
    )
    write_extension(
        arguments.file,
        output,
        name=f"{scenario.name}-calibrated",
        description=f"{scenario.name} with {len(result.inputs)} input(s) calibrated against "
        f"{arguments.against.name}",
        parameters={path: parameter for path, (parameter, _) in written.items()},
        header=header,
        # the fitted values were known once the data were: a scenario taken as known
        # before then (a backtest's earlier origins) keeps FILE's values
        known=str(observed.end[-1] + np.timedelta64(1, "D")),
        # the file must be a valid scenario before it is kept; it may extend FILE's folder
        check=lambda path: load_scenario(path, allow_extends=[arguments.file.resolve().parent]),
    )
    outside = not inside(arguments.file.resolve(), allowed_roots(output))

    def text() -> str:
        width = max(len(path) for path in written)
        lines = [format_calibration(result, scenario.name), f"wrote {output}:"]
        if outside:
            base = arguments.file.resolve().parent
            lines.append(
                f"  (it extends a file outside its folder: load it with --allow-extends {base})"
            )
        lines += [f"  {path:<{width}}  {summary}" for path, (_, summary) in written.items()]
        return "\n".join(lines)

    if arguments.format != "table":
        say(arguments, f"wrote {output}")
    emit(
        arguments,
        text=text,
        rows=lambda: fit_rows(result, scenario),
        document=lambda: {
            "scenario": scenario.name,
            "against": str(arguments.against),
            "periods": len(result.observed),
            "model_runs": result.evaluations,
            "inputs": [
                {**row, "written": written[row["input"]][1]} for row in fit_rows(result, scenario)
            ],
            "fit": {
                label: {
                    "chi_squared": result.chi2(model),
                    "degrees_of_freedom": result.degrees_of_freedom,
                    "rmse": result.rmse(model),
                }
                for label, model in (("central values", result.before), ("fitted", result.after))
            },
            "units": {"rmse": "package per period"},
            "written": str(output),
        },
    )
    return 0


def fit_rows(result: Calibration, scenario) -> list[dict]:
    """One row per fitted input: key path and label, canonical unit, prior central
    value, fitted value, standard error and the range searched (in that unit)."""
    from capsim.scenario.labels import input_labels

    labels = input_labels(scenario)
    return [
        {
            "input": fit.path,
            "label": labels.get(fit.path, fit.path),
            "unit": fit.unit or "1",
            "prior": fit.prior,
            "fitted": fit.value,
            "standard_error": fit.standard_error,
            "low": fit.low,
            "high": fit.high,
        }
        for fit in result.inputs
    ]


def format_calibration(result: Calibration, name: str) -> str:
    """The fitted values and the fit before and after."""
    from capsim.analysis.fitted import format_quantity

    width = max(len("input"), *(len(fit.path) for fit in result.inputs))
    lines = [
        f"{name}: {len(result.inputs)} input(s) fitted to {len(result.observed)} periods "
        f"({result.evaluations} model runs)",
        f"{'input':<{width}}  {'prior central':>16}  {'fitted':>16}  {'std. error':>14}  "
        "range searched",
    ]
    for fit in result.inputs:
        prior, value = format_quantity(fit.prior, fit.unit), format_quantity(fit.value, fit.unit)
        error = format_quantity(fit.standard_error, fit.unit)
        searched = f"{format_quantity(fit.low, fit.unit)} .. {format_quantity(fit.high, fit.unit)}"
        lines.append(f"{fit.path:<{width}}  {prior:>16}  {value:>16}  {error:>14}  {searched}")
    # nothing is fitted to the central values: all the periods are degrees of freedom
    for label, model, dof in (
        ("central values", result.before, len(result.observed)),
        ("fitted", result.after, result.degrees_of_freedom),
    ):
        chi2 = result.chi2(model)
        lines.append(
            f"{label:<15} chi-squared {chi2:8.2f} (reduced {chi2 / dof:.2f}, {dof} d.o.f.); "
            f"RMSE {result.rmse(model) / 1e3:,.1f} k package per period"
        )
    return "\n".join(lines)
