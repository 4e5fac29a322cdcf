"""Text summaries of a run: quarterly timeline (of a programme or the world), binding inputs."""

from __future__ import annotations

import textwrap
from collections import Counter

import numpy as np
import xarray as xr

GIGA = 1e9


def _quarters(result: xr.Dataset) -> np.ndarray:
    times = result["time"].values.astype("datetime64[M]").astype(int)
    return np.array([f"{1970 + m // 12}Q{m % 12 // 3 + 1}" for m in times])


def quarterly_timeline(result: xr.Dataset, programme: str | None = None) -> list[dict[str, object]]:
    """One row per quarter: flows summed, stocks at the quarter's end, in display units
    (k package, GW, M H100e).

    With ``programme``, that programme's deliveries, installations and power; without,
    the world's: every product's packages produced and every programme's figures added
    (the rest of the market included in produced and delivered; the market's buyers have
    no sites, so installed, stranded and online count the modelled sites only).
    """
    quarters = _quarters(result)
    scoped = result if programme is None else result.sel(programme=programme)
    rows = []
    for quarter in dict.fromkeys(quarters):
        months = np.flatnonzero(quarters == quarter)
        last = months[-1]
        row: dict[str, object] = {"quarter": quarter}
        if programme is None:
            row["produced_k"] = result.packages_produced.isel(time=months).sum().item() / 1e3
        row |= {
            "delivered_k": scoped.packages_delivered.isel(time=months).sum().item() / 1e3,
            "installed_k": scoped.packages_installed.isel(time=months).sum().item() / 1e3,
            "stranded_k": max(0.0, scoped.stranded_packages.isel(time=last).sum().item() / 1e3),
            "it_gw": scoped.it_power_online.isel(time=last).sum().item() / GIGA,
            "facility_gw": scoped.facility_power_online.isel(time=last).sum().item() / GIGA,
            "h100e_m": scoped.h100e_online.isel(time=last).sum().item() / 1e6,
        }
        rows.append(row)
    return rows


#: Columns of the quarterly table: key, heading, unit, width, decimals.
_COLUMNS = (
    ("produced_k", "produced", "k package", 12, 1),
    ("delivered_k", "delivered", "k package", 12, 1),
    ("installed_k", "installed", "k package", 12, 1),
    ("stranded_k", "stranded", "k package", 12, 1),
    ("it_gw", "IT online", "GW", 11, 3),
    ("facility_gw", "facility", "GW", 10, 3),
    ("h100e_m", "H100e", "M", 9, 2),
)


def timeline_scope(result: xr.Dataset, programme: str | None) -> str:
    """What a quarterly table counts, in words."""
    if programme is not None:
        return f"programme {programme}"
    count = result.sizes["programme"]
    programmes = f"{count} programme{'s' * (count != 1)}"
    return (
        f"world: every product, every programme ({programmes}; the rest of the market in "
        "produced and delivered; installed, stranded and online at the modelled sites only)"
    )


def format_timeline(result: xr.Dataset, programme: str | None = None) -> str:
    """The quarterly timeline of ``programme`` (or the world) as a fixed-width table
    under the lines (at most 100 columns) that say its scope."""
    rows = quarterly_timeline(result, programme)
    columns = [c for c in _COLUMNS if c[0] in rows[0]] if rows else []
    lines = textwrap.wrap(f"quarterly, {timeline_scope(result, programme)}:", 100)
    lines.append(f"{'quarter':<8}" + "".join(f"{c[1]:>{c[3]}}" for c in columns))
    lines.append(f"{'':<8}" + "".join(f"{c[2]:>{c[3]}}" for c in columns))
    for row in rows:
        lines.append(
            f"{row['quarter']:<8}" + "".join(f"{row[k]:>{w}.{d}f}" for k, _, _, w, d in columns)
        )
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
