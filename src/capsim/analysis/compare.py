"""Comparing two scenarios: their inputs, and their forecasts side by side."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from capsim.scenario.document import Scenario
from capsim.scenario.inventory import format_param_value
from capsim.scenario.walk import iter_params


@dataclass(frozen=True)
class InputDifference:
    """A parameter whose value, distribution or source differs (or exists on one side)."""

    path: str
    left: str
    right: str
    left_source: str
    right_source: str


def input_differences(left: Scenario, right: Scenario) -> list[InputDifference]:
    """Every parameter that is not the same in both scenarios, in key-path order."""
    a = dict(iter_params(left))
    b = dict(iter_params(right))
    rows = []
    for path in sorted(a.keys() | b.keys()):
        pa, pb = a.get(path), b.get(path)
        if pa is not None and pb is not None and pa == pb:
            continue
        rows.append(
            InputDifference(
                path,
                "(absent)" if pa is None else format_param_value(pa),
                "(absent)" if pb is None else format_param_value(pb),
                "" if pa is None or pa.source is None else str(pa.source),
                "" if pb is None or pb.source is None else str(pb.source),
            )
        )
    return rows


def milestone_table(result: xr.Dataset) -> dict[str, tuple[str, str, str]]:
    """Milestone -> (P10, P50, P90) dates as text; a single run gives its date three times."""
    from capsim.analysis.uncertainty import milestone_quantiles

    if "sample" in result.dims:
        quantiles = milestone_quantiles(result)
        return {
            str(m): tuple(_day(v) for v in quantiles.sel(milestone=m).values)
            for m in quantiles.milestone.values
        }
    return {
        str(m): (_day(d),) * 3
        for m, d in zip(result.milestone.values, result.milestone_date.values, strict=True)
    }


def _day(value) -> str:
    return "not met" if np.isnat(value) else str(np.datetime64(value, "D"))


def format_comparison(
    left: Scenario, right: Scenario, left_result: xr.Dataset, right_result: xr.Dataset
) -> str:
    """The input differences and the milestone forecasts of both, as text."""
    lines = [f"inputs that differ ({left.name} | {right.name}):"]
    differences = input_differences(left, right)
    if not differences:
        lines.append("  none")
    for row in differences:
        lines.append(f"  {row.path}")
        lines.append(f"      {row.left}  [{row.left_source or 'no source'}]")
        lines.append(f"    | {row.right}  [{row.right_source or 'no source'}]")
    a, b = milestone_table(left_result), milestone_table(right_result)
    width = 38
    lines += [
        "",
        f"{'milestone':<30}{left.name[: width - 2]:>{width}}{right.name[: width - 2]:>{width}}",
    ]
    lines.append(f"{'':<30}{'P10 / P50 / P90':>{width}}{'P10 / P50 / P90':>{width}}")
    for name in sorted(a.keys() | b.keys()):
        left_text = " / ".join(a[name]) if name in a else "(absent)"
        right_text = " / ".join(b[name]) if name in b else "(absent)"
        lines.append(f"{name:<30}{left_text:>{width}}{right_text:>{width}}")
    return "\n".join(lines)
