"""Comparing two scenarios: their inputs, and their forecasts side by side."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import xarray as xr

from capsim.model.dating import horizon_after
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


@dataclass(frozen=True)
class PairedDelay:
    """How much later a milestone is met in B than in A, sample by sample.

    Attributes
    ----------
    milestone : str
        The milestone (defined in both).
    days : tuple of float
        P10, P50 and P90 over samples of B's date minus A's [day]; a date never met
        counts as the day after its own horizon.
    later : float
        Share of samples in which B is later by a day or more [fraction].
    reason, reason_share : str or None, float
        What held the milestone's programme back in B, pooled over samples: in the
        months its deliveries so far were behind A's, the input binding its product;
        else, in the months its IT power online was below A's, what held the programme
        back. The most common input and its share of those months [fraction]; None if it
        was never behind (or the milestone has no programme).
    """

    milestone: str
    days: tuple[float, float, float]
    later: float
    reason: str | None
    reason_share: float


def paired_delays(
    left: xr.Dataset, right: xr.Dataset, milestones: dict[str, tuple[str, str | None] | None]
) -> list[PairedDelay]:
    """Per-sample differences of ``milestones`` (each with its programme and that
    programme's product, or None) between two studies (B minus A).

    The studies must share their seed and samples, so that sample *i* of each drew the
    same values for the inputs they share (common random numbers); raises ValueError if
    they do not.
    """
    if left.attrs.get("seed") != right.attrs.get("seed") or (
        left.sizes["sample"] != right.sizes["sample"]
    ):
        raise ValueError("paired delays need two studies with the same seed and samples")
    found = []
    for name, programme in milestones.items():
        delay = (_dates(right, name) - _dates(left, name)) / np.timedelta64(1, "D")
        p10, p50, p90 = np.quantile(delay, [0.1, 0.5, 0.9], method="inverted_cdf")
        reason, share = None, 0.0
        if programme is not None:
            reason, share = _held_back(left, right, *programme)
        days = (float(p10), float(p50), float(p90))
        found.append(PairedDelay(name, days, float(np.mean(delay >= 1.0)), reason, share))
    return found


def _dates(result: xr.Dataset, milestone: str) -> np.ndarray:
    dates = result["milestone_date"].sel(milestone=milestone).values.astype("datetime64[ns]")
    return np.where(np.isnat(dates), horizon_after(result["time"].values), dates)


def _held_back(
    left: xr.Dataset, right: xr.Dataset, programme: str, product: str | None
) -> tuple[str | None, float]:
    """What held ``programme`` back in ``right`` against ``left``, over samples, and its
    share of the months counted: in the months its packages delivered so far were fewer
    than in ``left``, the input binding its ``product`` (supply was behind); else, in the
    months its IT power online was lower, what held the programme back (sites, power,
    money...)."""
    common = np.intersect1d(left["time"].values, right["time"].values)

    def cumulative(result: xr.Dataset) -> np.ndarray:
        delivered = result["packages_delivered"].sel(programme=programme, time=common)
        return np.cumsum(delivered.values, axis=-1)

    a, b = cumulative(left), cumulative(right)
    behind = b < a * (1.0 - BEHIND) - 1.0
    variable = "binding_input"
    if product is None or not behind.any():
        a = left["it_power_online"].sel(programme=programme, time=common).values
        b = right["it_power_online"].sel(programme=programme, time=common).values
        behind = b < a * (1.0 - BEHIND)
        variable = "programme_binding"
    if not behind.any():
        return None, 0.0
    binding = right[variable]
    entity = {"programme": programme} if variable == "programme_binding" else {"product": product}
    codes = binding.sel(**entity, time=common).values[behind]
    labels = binding.attrs["flag_meanings"].split()
    counts = np.bincount(codes.astype(int), minlength=len(labels))
    top = int(np.argmax(counts))
    return labels[top], float(counts[top] / counts.sum())


#: How far below the other world a quantity must be to count as behind [fraction].
BEHIND = 0.005


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
    if "sample" in left_result.dims and "sample" in right_result.dims:
        try:
            shared = {
                name: _programme_of(milestone.programme, left, right)
                for name, milestone in right.milestones.items()
                if name in left.milestones
            }
            paired = paired_delays(left_result, right_result, shared)
        except ValueError as error:
            lines += ["", f"(not paired by sample: {error})"]
        else:
            lines += ["", *_paired_lines(paired, right.name)]
    return "\n".join(lines)


def _programme_of(
    programme: str | None, left: Scenario, right: Scenario
) -> tuple[str, str | None] | None:
    """A milestone's programme in both scenarios, with its product (None if they differ)."""
    if programme is None or programme not in left.programmes:
        return None
    product = right.programmes[programme].product
    return programme, product if left.programmes[programme].product == product else None


def _paired_lines(paired: list[PairedDelay], right_name: str) -> list[str]:
    lines = [
        f"paired by sample (common random numbers): days later in {right_name}",
        f"{'milestone':<30}{'P10 / P50 / P90':>22}{'later in':>10}   held back by (months behind)",
    ]
    for row in paired:
        days = " / ".join(f"{d:+.0f}" for d in row.days)
        why = f"{row.reason} ({row.reason_share:.0%})" if row.reason else "-"
        lines.append(f"{row.milestone:<30}{days:>22}{row.later:>10.0%}   {why}")
    return lines
