"""``capsim calibrate``: fit uncertain inputs to an observed series; write the result as
a scenario that extends the original, each fitted input as a distribution carrying its
fitted uncertainty."""

from __future__ import annotations

import argparse
import datetime as dt
import math
from decimal import ROUND_FLOOR, Decimal, localcontext
from pathlib import Path

import numpy as np

from capsim.analysis.calibration import Calibration, CalibrationError, FittedInput, calibrate
from capsim.cli.observed_options import add_comparison_arguments, observed_periods
from capsim.cli.options import CommandError
from capsim.cli.scenario_commands import add_scenario_arguments
from capsim.scenario.extension import write_extension
from capsim.scenario.loader import load_scenario

#: The written PERT spans +/-SPREAD standard errors about the fitted value. With shape
#: PERT_LAMB a symmetric PERT is Beta(4, 4), whose sd is (high - low) / 6: the standard
#: error itself when the span is not clipped. (The classic lamb 4 gives (high - low) / 5.29.)
SPREAD = 3
PERT_LAMB = 6.0
#: A half-width below this fraction of the fitted value is written as a fixed value.
NEGLIGIBLE = Decimal("1e-4")
DIGITS = 6


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
    )
    add_scenario_arguments(parser)
    parser.add_argument(
        "--against",
        required=True,
        type=Path,
        metavar="DATA",
        help="observed totals per period: Epoch AI's shipment export, or columns "
        "start,end,value[,low,high]",
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
        help="the calibrated scenario (default: FILE's name with -calibrated, in this directory)",
    )
    parser.add_argument(
        "--seed", type=int, default=0, help="seed of the quasi-random starting points"
    )
    parser.set_defaults(handler=calibrate_command)


def calibrate_command(arguments: argparse.Namespace) -> int:
    scenario = load_scenario(arguments.file, arguments.overrides)
    if arguments.overrides:
        raise CommandError(
            "calibrate writes a scenario extending FILE: drop --set and edit FILE instead"
        )
    output = arguments.output or Path(f"{arguments.file.stem}-calibrated.yaml")
    if output.suffix.lower() not in (".yaml", ".yml"):
        raise CommandError(f"-o takes a .yaml file, found {output}")
    if output.resolve() == arguments.file.resolve():
        raise CommandError(f"-o {output} would overwrite the scenario it extends")
    observed = observed_periods(arguments.against, scenario, arguments.spin_up)
    try:
        result = calibrate(
            scenario, observed, arguments.fit, designer=arguments.designer, seed=arguments.seed
        )
    except CalibrationError as error:
        raise CommandError(str(error)) from None
    print(format_calibration(result, scenario.name))
    source = f"calibrated against {arguments.against.name} ({dt.date.today().isoformat()})"
    written = {fit.path: written_parameter(fit, source) for fit in result.inputs}
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
        check=load_scenario,  # the file must be a valid scenario before it is kept
    )
    width = max(len(path) for path in written)
    print(f"wrote {output}:")
    for path, (_, summary) in written.items():
        print(f"  {path:<{width}}  {summary}")
    return 0


def written_parameter(fit: FittedInput, source: str) -> tuple[dict, str]:
    """The scenario parameter for ``fit`` and a one-line summary of it.

    A PERT symmetric about the fitted value to 6 significant digits (so its median, the
    central value, is that value) with half-width min(3 standard errors, distance to the
    nearer end of the range searched) [fit.unit]; the fixed fitted value when that
    half-width is zero, not finite or negligible, with the reason in the note and summary."""
    mode = Decimal(f"{fit.value:.{DIGITS}g}")
    facts = (
        f"standard error {_quantity(fit.standard_error, fit.unit)}; "
        f"prior central {_quantity(fit.prior, fit.unit)}, "
        f"fitted within {_quantity(fit.low, fit.unit)} to {_quantity(fit.high, fit.unit)}"
    )
    reason = _why_fixed(fit, mode)
    if reason:
        fixed = {"value": _written(mode, fit.unit), "source": source}
        return {**fixed, "note": f"fixed value: {reason}; {facts}"}, f"fixed value: {reason}"
    errors = Decimal(SPREAD * fit.standard_error)
    room = _room(fit, mode)
    half = _floored(min(errors, room), mode)
    spread = f"+/-{_quantity(float(half), fit.unit)}"
    if room < errors:
        sd = _quantity(float(half) / SPREAD, fit.unit)
        how = f"clipped to the prior range, so its sd {sd} is below the standard error"
    else:
        how = "sd = standard error"
    parameter = {
        "dist": "pert",
        "low": _written(mode - half, fit.unit),
        "mode": _written(mode, fit.unit),
        "high": _written(mode + half, fit.unit),
        "lamb": PERT_LAMB,
        "source": source,
        "note": f"symmetric pert over +/-{SPREAD} standard errors clipped symmetrically to "
        f"the prior range: {spread} ({how}); {facts}",
    }
    return parameter, f"written as pert {spread} ({how})"


def _room(fit: FittedInput, mode: Decimal) -> Decimal:
    """Distance from ``mode`` to the nearer end of the range searched [fit.unit]."""
    return min(mode - Decimal(fit.low), Decimal(fit.high) - mode)


def _why_fixed(fit: FittedInput, mode: Decimal) -> str:
    """Why ``fit`` gets no spread (zero, not finite or negligible), or "" if it does."""
    error = fit.standard_error
    if not (math.isfinite(error) and error > 0):
        return f"the standard error is {error:g}, so the spread is unknown"
    if _room(fit, mode) <= NEGLIGIBLE * abs(mode):
        end = "low" if mode - Decimal(fit.low) <= Decimal(fit.high) - mode else "high"
        return f"the fit sits at the {end} end of the prior range searched"
    if Decimal(SPREAD * error) <= NEGLIGIBLE * abs(mode):
        return f"{SPREAD} standard errors are below {NEGLIGIBLE:%} of the value"
    return ""


def _floored(half: Decimal, mode: Decimal) -> Decimal:
    """``half`` rounded down to ``mode``'s last written digit (or to DIGITS significant
    digits when ``mode`` is 0), so that mode -/+ half stay within the range searched."""
    leading = (mode if mode else half).adjusted()
    with localcontext(prec=2 * DIGITS + abs(half.adjusted() - leading)):
        return half.quantize(Decimal(1).scaleb(leading - DIGITS + 1), rounding=ROUND_FLOOR)


def format_calibration(result: Calibration, name: str) -> str:
    """The fitted values and the fit before and after."""
    width = max(len("input"), *(len(fit.path) for fit in result.inputs))
    lines = [
        f"{name}: {len(result.inputs)} input(s) fitted to {len(result.observed)} periods "
        f"({result.evaluations} model runs)",
        f"{'input':<{width}}  {'prior central':>16}  {'fitted':>16}  {'std. error':>14}  "
        "range searched",
    ]
    for fit in result.inputs:
        prior, value = _quantity(fit.prior, fit.unit), _quantity(fit.value, fit.unit)
        error = _quantity(fit.standard_error, fit.unit)
        searched = f"{_quantity(fit.low, fit.unit)} .. {_quantity(fit.high, fit.unit)}"
        lines.append(f"{fit.path:<{width}}  {prior:>16}  {value:>16}  {error:>14}  {searched}")
    dof = result.degrees_of_freedom
    for label, model in (("central values", result.before), ("fitted", result.after)):
        chi2 = result.chi2(model)
        lines.append(
            f"{label:<15} chi-squared {chi2:8.2f} (reduced {chi2 / dof:.2f}, {dof} d.o.f.); "
            f"RMSE {result.rmse(model) / 1e3:,.1f} k package per period"
        )
    return "\n".join(lines)


def _written(number: Decimal, unit: str) -> float | str:
    """A number [unit] as the scenario file takes it: a bare number when dimensionless."""
    text = format(number.normalize(), "f")
    return float(text) if unit in ("", "1") else f"{text} {unit}"


def _quantity(value: float, unit: str) -> str:
    """``value`` to 4 significant digits, without an exponent, and its unit."""
    if not math.isfinite(value):
        text = f"{value:g}"
    else:
        text = np.format_float_positional(
            value, precision=4, unique=False, fractional=False, trim="-"
        )
    return text if unit in ("", "1") else f"{text} {unit}"
