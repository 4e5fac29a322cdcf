"""When a milestone is met: its date's distribution across samples, against a claim."""

from __future__ import annotations

from typing import Literal

import numpy as np
import xarray as xr
from matplotlib.axes import Axes

from capsim.plots import style


def plot_milestone(
    ds: xr.Dataset,
    milestone: str | None = None,
    claim: str | None = None,
    kind: Literal["cdf", "hist"] = "cdf",
    ax: Axes | None = None,
) -> Axes:
    """Distribution of ``milestone``'s date across samples: empirical CDF or histogram.

    Shares are of all samples that did not fail, so the CDF levels off at the share
    that meets the milestone within the horizon; the rest are noted as "not met by"
    the horizon's end. With ``claim`` (whose milestone is used when ``milestone`` is
    None), the claim's deadline is a vertical line and the probability that the claim
    holds is written on the chart. A single run is drawn as one sample.
    """
    if kind not in ("cdf", "hist"):
        raise ValueError(f"kind must be 'cdf' or 'hist', found {kind!r}")
    milestone, deadline = _target(ds, milestone, claim)

    data = style.good_samples(ds) if style.is_study(ds) else ds.expand_dims("sample")
    dates = np.sort(data["milestone_date"].sel(milestone=milestone).values.astype("datetime64[ns]"))
    total = dates.size
    if total == 0:
        raise ValueError("every sample of the study failed or was not run: nothing to plot")
    met = dates[~np.isnat(dates)]
    start = ds["time"].values[0]
    end = style.horizon_end(ds)

    ax = style.new_axes(ax)
    colour = style.PALETTE[0]
    if kind == "cdf":
        x = np.concatenate([[start], met, [end]])
        y = np.concatenate([[0.0], np.arange(1, met.size + 1) / total, [met.size / total]])
        ax.step(x, y, where="post", color=colour, linewidth=2, label="share of samples met by date")
        style.percent_axis(ax, "Samples that have met it")
        ax.set_ylim(0, 1.02)
    else:
        edges = style.month_edges(ds["time"].values)
        ax.hist(
            met,
            bins=edges,
            weights=np.full(met.size, 1.0 / total),
            color=colour,
            edgecolor="white",
            label="share of samples met in the month",
        )
        style.percent_axis(ax, "Samples meeting it in the month")
        ax.set_ylim(0, 1.2 * ax.get_ylim()[1])  # room for the notes above the bars
    if deadline is not None:
        probability = float(data["claim_met"].sel(claim=claim).values.astype(float).mean())
        ax.axvline(
            deadline,
            color=style.OKABE_ITO["vermillion"],
            linestyle="--",
            linewidth=1.5,
            label=f"deadline of {claim}: {style.day(deadline)}",
        )
        style.note(ax, f"P({claim} holds) = {100 * probability:.0f} %", where="upper left")
    missed = total - met.size
    if missed:
        style.note(ax, f"{100 * missed / total:.0f} % not met by {style.day(end)}")
    ax.set_xlim(start, end)
    style.date_axis(ax, label=f"date {milestone} is met")
    ax.grid(True, alpha=0.3)
    what = f"{total} samples" if style.is_study(ds) else "single run"
    chart = "cumulative distribution" if kind == "cdf" else "distribution"
    style.title(ax, _headline(milestone, dates, total, claim, data), ds, f"{chart}, {what}")
    ax.legend(loc="best", fontsize="small")
    return ax


def _headline(milestone: str, dates: np.ndarray, total: int, claim, data) -> str:
    """The milestone's median date (or the share never meeting it), and the claim's chance."""
    mid = dates[int(np.ceil(0.5 * total)) - 1] if total else np.datetime64("NaT")
    if np.isnat(mid):
        text = f"{milestone}: not met" if total == 1 else f"{milestone}: not met in most samples"
    elif total == 1:
        text = f"{milestone}: met {style.day(mid)}"
    else:
        text = f"{milestone}: P50 {style.day(mid)}"
    if claim is not None:
        probability = float(data["claim_met"].sel(claim=claim).values.astype(float).mean())
        if total == 1:
            text += f"; {claim} {'holds' if probability >= 1 else 'fails'}"
        else:
            text += f"; {claim} holds in {100 * probability:.0f} %"
    return text


def _target(ds: xr.Dataset, milestone: str | None, claim: str | None):
    """The milestone to draw and the claim's deadline (None without a claim)."""
    deadline = None
    if claim is not None:
        claims = [str(c) for c in ds["claim"].values] if "claim" in ds.dims else []
        if claim not in claims:
            raise ValueError(f"no claim {claim!r} in the result; it has: {', '.join(claims)}")
        spec = style.scenario_of(ds).claims[claim]
        if milestone is not None and milestone != spec.milestone:
            raise ValueError(
                f"claim {claim!r} is about milestone {spec.milestone!r}, not {milestone!r}"
            )
        milestone = spec.milestone
        deadline = np.datetime64(spec.by, "ns")
    if milestone is None:
        raise ValueError("give a milestone (or a claim)")
    return style.choose(ds, "milestone", milestone), deadline
