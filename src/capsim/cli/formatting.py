"""Signed numbers as the command line prints them (a true minus sign, no ``-0``)."""

from __future__ import annotations

MINUS = "\u2212"


def signed(value: float, decimals: int = 0) -> str:
    """``+12``, minus-sign ``3.5`` or ``0``: ``value`` rounded to ``decimals``, with its sign."""
    rounded = round(float(value), decimals)
    if rounded == 0:
        return "0"
    return f"{'+' if rounded > 0 else MINUS}{abs(rounded):.{decimals}f}"


def signed_percent(fraction: float) -> str:
    """``+8 %``, minus-sign ``17 %`` or ``0 %`` for a fraction (0.08 is 8 %)."""
    return f"{signed(100 * fraction)} %"
