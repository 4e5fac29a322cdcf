"""Text summaries of a run: quarterly timeline, milestones and claims, binding inputs."""

from __future__ import annotations

from collections import Counter

import numpy as np
import xarray as xr

GIGA = 1e9


def _quarters(result: xr.Dataset) -> np.ndarray:
    times = result["time"].values.astype("datetime64[M]").astype(int)
    return np.array([f"{1970 + m // 12}Q{m % 12 // 3 + 1}" for m in times])


def quarterly_timeline(result: xr.Dataset) -> list[dict[str, object]]:
    """One row per quarter: flows summed, stocks at the quarter's end, in display units."""
    quarters = _quarters(result)
    rows = []
    for quarter in dict.fromkeys(quarters):
        months = np.flatnonzero(quarters == quarter)
        last = months[-1]
        rows.append(
            {
                "quarter": quarter,
                "produced_k": result.packages_produced.isel(time=months).sum().item() / 1e3,
                "delivered_k": result.packages_delivered.isel(time=months).sum().item() / 1e3,
                "installed_k": result.packages_installed.isel(time=months).sum().item() / 1e3,
                "stranded_k": max(0.0, result.stranded_packages.isel(time=last).sum().item() / 1e3),
                "it_gw": result.it_power_online.isel(time=last).sum().item() / GIGA,
                "facility_gw": result.facility_power_online.isel(time=last).sum().item() / GIGA,
                "h100e_m": result.h100e_online.isel(time=last).sum().item() / 1e6,
            }
        )
    return rows


def format_timeline(result: xr.Dataset) -> str:
    """The quarterly timeline as a fixed-width table."""
    header = (
        f"{'quarter':<8}{'produced':>12}{'delivered':>12}{'installed':>12}{'stranded':>12}"
        f"{'IT online':>11}{'facility':>10}{'H100e':>9}\n"
        f"{'':<8}{'k package':>12}{'k package':>12}{'k package':>12}{'k package':>12}"
        f"{'GW':>11}{'GW':>10}{'M':>9}"
    )
    lines = [header]
    for row in quarterly_timeline(result):
        lines.append(
            f"{row['quarter']:<8}{row['produced_k']:>12.1f}{row['delivered_k']:>12.1f}"
            f"{row['installed_k']:>12.1f}{row['stranded_k']:>12.1f}{row['it_gw']:>11.3f}"
            f"{row['facility_gw']:>10.3f}{row['h100e_m']:>9.2f}"
        )
    return "\n".join(lines)


def format_milestones(result: xr.Dataset) -> str:
    """Each milestone's date and each claim's verdict."""
    lines = ["milestones:"]
    for name in result.milestone.values:
        date = result.milestone_date.sel(milestone=name).values
        shown = "not met in the horizon" if np.isnat(date) else str(date.astype("datetime64[D]"))
        lines.append(f"  {name:<28} {shown}")
    if result.sizes.get("claim", 0):
        lines.append("claims:")
    for name in result.claim.values:
        met = bool(result.claim_met.sel(claim=name))
        deadline = result.claim_deadline.sel(claim=name).values.astype("datetime64[D]")
        lines.append(f"  {name:<28} {'HOLDS' if met else 'FAILS'} (deadline {deadline})")
    return "\n".join(lines)


def binding_by_period(result: xr.Dataset, variable: str, dim: str) -> dict[str, dict[str, str]]:
    """The input that binds most months of each quarter, per entity of ``dim``."""
    quarters = _quarters(result)
    table: dict[str, dict[str, str]] = {}
    for name in result[dim].values:
        labels = result[variable].sel({dim: name}).values
        table[str(name)] = {
            quarter: Counter(labels[quarters == quarter]).most_common(1)[0][0]
            for quarter in dict.fromkeys(quarters)
        }
    return table


def format_bindings(result: xr.Dataset) -> str:
    """Binding inputs by quarter, for products (supply) and programmes (whole chain)."""
    lines = []
    for variable, dim, title in (
        ("binding_input", "product", "supply input limiting each product"),
        ("programme_binding", "programme", "what holds each programme back"),
    ):
        table = binding_by_period(result, variable, dim)
        if not table:
            continue
        lines.append(f"{title} (most months of the quarter):")
        for name, by_quarter in table.items():
            runs = _runs(by_quarter)
            lines.append(f"  {name}: " + "; ".join(runs))
    return "\n".join(lines)


def _runs(by_quarter: dict[str, str]) -> list[str]:
    runs: list[list[str]] = []
    for quarter, label in by_quarter.items():
        if runs and runs[-1][2] == label:
            runs[-1][1] = quarter
        else:
            runs.append([quarter, quarter, label])
    return [f"{a}-{b} {label}" if a != b else f"{a} {label}" for a, b, label in runs]
