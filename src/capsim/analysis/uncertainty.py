"""Reading a Monte Carlo study: milestone quantiles, claim probabilities, bottleneck mix.

Samples that failed, or that an interrupted study did not reach, are left out. A
milestone not met within the horizon counts as later than any date, so its quantiles
are NaT ("not met") once enough samples miss it.
"""

from __future__ import annotations

import numpy as np
import xarray as xr

from capsim.sweep.sample import CODES, NO_CODE
from capsim.sweep.store import usable

QUANTILES = (0.1, 0.5, 0.9)


def _study(result: xr.Dataset | xr.DataArray) -> xr.Dataset | xr.DataArray:
    """``result`` itself; a ValueError if it has no samples (a single run)."""
    if "sample" not in result.dims:
        raise ValueError(
            "expected a Monte Carlo study (dimension 'sample'), found a single run: "
            "capsim.sweep.study.monte_carlo(scenario, N) makes one; a run's own dates are its "
            "milestone_date"
        )
    return result


def _good(result: xr.Dataset) -> xr.Dataset:
    """The study ``result``'s samples that ran and did not fail."""
    return usable(_study(result))


def milestone_quantiles(result: xr.Dataset | xr.DataArray, quantiles=QUANTILES) -> xr.DataArray:
    """P10/P50/P90 (by default) of each milestone's date; NaT where not met. ``result``
    is a study, or its dates (sample, milestone) from :func:`capsim.sweep.sample.redate`
    (its samples marked ``usable``)."""
    if isinstance(result, xr.DataArray):
        _study(result)
        dates = (
            result.values[result["usable"].values] if "usable" in result.coords else result.values
        )
    else:
        dates = _good(result)["milestone_date"].values  # (sample, milestone)
    ns = dates.astype("datetime64[ns]").astype(np.int64).astype(float)
    ns[np.isnat(dates)] = np.inf
    picked = np.quantile(ns, quantiles, axis=0, method="inverted_cdf") if len(ns) else None
    values = np.full((len(quantiles), dates.shape[1]), np.datetime64("NaT"), "datetime64[ns]")
    if picked is not None:
        finite = np.isfinite(picked)
        values[finite] = picked[finite].astype(np.int64).astype("datetime64[ns]")
    return xr.DataArray(
        values.T,
        dims=("milestone", "quantile"),
        coords={"milestone": result["milestone"].values, "quantile": list(quantiles)},
        attrs={"description": "milestone date quantiles across samples (NaT: not met)"},
    )


def claim_probability(result: xr.Dataset) -> xr.DataArray:
    """Share of samples in which each claim holds."""
    met = _good(result)["claim_met"].astype(float)
    return (
        met.mean("sample")
        .compute()
        .assign_attrs(units="1", description="probability the claim holds")
    )


def binding_mix(result: xr.Dataset, variable: str = "programme_binding") -> xr.DataArray:
    """Share of samples in which each input binds, by month (entity x input x time)."""
    codes = _good(result)[variable]
    labels = CODES[variable]
    shares = [(codes == code).mean("sample") for code in range(len(labels))]
    mix = xr.concat(shares, dim="input").assign_coords(input=list(labels))
    known = (codes != NO_CODE).mean("sample")
    return (
        (mix / known.where(known > 0))
        .compute()
        .assign_attrs(
            units="1", description=f"share of samples in which each input binds ({variable})"
        )
    )


def binding_by_year(result: xr.Dataset) -> dict[str, list[tuple[int, str, float]]]:
    """Per programme, each year's most common binding input and its share of the year's
    months and samples [fraction]."""
    mix = binding_mix(result)
    years = mix["time"].dt.year
    table = {}
    for programme in mix.programme.values:
        by_year = mix.sel(programme=programme).groupby(years).mean()
        rows = []
        for year in by_year.year.values:
            shares = by_year.sel(year=year)
            top = shares.fillna(0).argmax("input").item()
            rows.append((int(year), str(shares.input.values[top]), float(shares.isel(input=top))))
        table[str(programme)] = rows
    return table


def format_binding_mix(result: xr.Dataset) -> str:
    """What binds each programme, year by year, as text."""
    lines = ["what binds each programme (share of samples, by year):"]
    for programme, rows in binding_by_year(result).items():
        parts = [f"{year} {label} {share:.0%}" for year, label, share in rows]
        lines.append(f"  {programme}: " + "; ".join(parts))
    return "\n".join(lines)
