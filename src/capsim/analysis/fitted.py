"""A calibrated input as a scenario parameter: a distribution carrying its fitted
uncertainty.

A fitted value with standard error ``se`` [its unit] becomes a PERT symmetric about the
value, over +/-``SPREAD`` standard errors clipped symmetrically to the range the fit
searched (so its median stays the fitted value), with shape ``PERT_LAMB`` so that its
sd is the standard error when the span is not clipped; or the fixed fitted value when
no spread is left (zero, unknown or negligible standard error, or a fit at the edge of
the range).
"""

from __future__ import annotations

import math
from decimal import ROUND_FLOOR, Decimal, localcontext

import numpy as np

from capsim.analysis.calibration import FittedInput

#: The written PERT spans +/-SPREAD standard errors about the fitted value. With shape
#: PERT_LAMB a symmetric PERT is Beta(4, 4), whose sd is (high - low) / 6: the standard
#: error itself when the span is not clipped. (The classic lamb 4 gives (high - low) / 5.29.)
SPREAD = 3
PERT_LAMB = 6.0
#: A half-width below this fraction of the fitted value is written as a fixed value.
NEGLIGIBLE = Decimal("1e-4")
DIGITS = 6


def fitted_parameter(fit: FittedInput, source: str) -> tuple[dict, str]:
    """The scenario parameter for ``fit`` and a one-line summary of it.

    A PERT symmetric about the fitted value to 6 significant digits (so its median, the
    central value, is that value) with half-width min(3 standard errors, distance to the
    nearer end of the range searched) [fit.unit]; the fixed fitted value when that
    half-width is zero, not finite or negligible, with the reason in the note and summary."""
    mode = Decimal(f"{fit.value:.{DIGITS}g}")
    facts = (
        f"standard error {format_quantity(fit.standard_error, fit.unit)}; "
        f"prior central {format_quantity(fit.prior, fit.unit)}, "
        f"fitted within {format_quantity(fit.low, fit.unit)} to "
        f"{format_quantity(fit.high, fit.unit)}"
    )
    reason = _why_fixed(fit, mode)
    if reason:
        fixed = {"value": _written(mode, fit.unit), "source": source}
        return {**fixed, "note": f"fixed value: {reason}; {facts}"}, f"fixed value: {reason}"
    errors = Decimal(SPREAD * fit.standard_error)
    room = _room(fit, mode)
    half = _floored(min(errors, room), mode)
    spread = f"+/-{format_quantity(float(half), fit.unit)}"
    if room < errors:
        sd = format_quantity(float(half) / SPREAD, fit.unit)
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


def _written(number: Decimal, unit: str) -> float | str:
    """A number [unit] as the scenario file takes it: a bare number when dimensionless."""
    text = format(number.normalize(), "f")
    return float(text) if unit in ("", "1") else f"{text} {unit}"


def format_quantity(value: float, unit: str) -> str:
    """``value`` to 4 significant digits, without an exponent, and its unit."""
    if not math.isfinite(value):
        text = f"{value:g}"
    else:
        text = np.format_float_positional(
            value, precision=4, unique=False, fractional=False, trim="-"
        )
    return text if unit in ("", "1") else f"{text} {unit}"
