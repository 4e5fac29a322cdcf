"""Comparing two scenarios: their inputs, and their forecasts side by side."""

from __future__ import annotations

from dataclasses import asdict, dataclass

import numpy as np
import xarray as xr

from capsim.analysis.answer import Answer, ClaimAnswer, MilestoneAnswer, answer
from capsim.model.dating import horizon_after
from capsim.scenario.document import Scenario
from capsim.scenario.inventory import format_param_value
from capsim.scenario.labels import input_labels
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
    shift : tuple of float
        B's P50 date minus A's [day] (as forecasts state them), then the 10th and 90th
        percentiles of that difference over paired bootstrap resamples of the samples
        (:func:`shift_spread`): how far it could move with other samples.
    reason, reason_share : str or None, float
        What held the milestone's programme back in B, pooled over samples: in the
        months its deliveries so far were behind A's, the input binding its product;
        else, in the months its IT power online was below A's, what held the programme
        back. The most common input and its share of those months [fraction]; None if it
        was never behind, the milestone is in no sample later in B, or it has no programme.
    """

    milestone: str
    days: tuple[float, float, float]
    later: float
    shift: tuple[float, float, float]
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
        a, b = _milestone_days(left, name), _milestone_days(right, name)
        delay = (b - a).astype(float)
        p10, p50, p90 = np.quantile(delay, [0.1, 0.5, 0.9], method="inverted_cdf")
        reason, share = None, 0.0
        if programme is not None and np.any(delay >= 1.0):  # held back only if ever later
            reason, share = _held_back(left, right, *programme)
        days = (float(p10), float(p50), float(p90))
        shift = (float(_p50(b) - _p50(a)), *shift_spread(a, b))
        found.append(PairedDelay(name, days, float(np.mean(delay >= 1.0)), shift, reason, share))
    return found


def shift_spread(
    left: np.ndarray, right: np.ndarray, *, resamples: int = 2000, seed: int = 0
) -> tuple[float, float]:
    """The 10th and 90th percentiles [day] of the P50 shift (P50 of ``right`` less P50 of
    ``left``, one date per sample [day]) over bootstrap resamples of the samples, drawn
    in pairs (sample *i* of both, as common random numbers pair them): how far a shift
    from this many samples could move with other samples."""
    rng = np.random.default_rng(seed)
    picks = rng.integers(0, len(left), size=(resamples, len(left)))
    shifts = _p50(right[picks], axis=1) - _p50(left[picks], axis=1)
    low, high = np.quantile(shifts, [0.1, 0.9])
    return float(low), float(high)


def _p50(days: np.ndarray, axis: int | None = None) -> np.ndarray:
    """The P50 of dates [day] as every forecast states it: a date some sample met
    (``inverted_cdf``, as :func:`capsim.analysis.uncertainty.milestone_quantiles`), not
    the mean of the two middle ones."""
    return np.quantile(days, 0.5, axis=axis, method="inverted_cdf")


def _milestone_days(result: xr.Dataset, milestone: str) -> np.ndarray:
    """Each sample's date of ``milestone`` [day since 1970-01-01]; a date never met is
    the day after the result's horizon."""
    dates = result["milestone_date"].sel(milestone=milestone).values.astype("datetime64[D]")
    after = horizon_after(result["time"].values).astype("datetime64[D]")
    return np.where(np.isnat(dates), after, dates).astype(np.int64)


def _held_back(
    left: xr.Dataset, right: xr.Dataset, programme: str, product: str | None
) -> tuple[str | None, float]:
    """What held ``programme`` back in ``right`` against ``left``, over samples, and its
    share of the months counted: its ``programme_binding`` in ``right`` (its product's
    binding input when supply gave it less than it wanted, else its own limit: sites,
    power, money...) in the months its packages delivered so far were fewer than in
    ``left`` (when it has a ``product``) or, if there were none, in the months its IT
    power online was lower."""
    common = np.intersect1d(left["time"].values, right["time"].values)

    def cumulative(result: xr.Dataset) -> np.ndarray:
        delivered = result["packages_delivered"].sel(programme=programme, time=common)
        return np.cumsum(delivered.values, axis=-1)

    a, b = cumulative(left), cumulative(right)
    behind = b < a * (1.0 - BEHIND) - 1.0
    if product is None or not behind.any():
        a = left["it_power_online"].sel(programme=programme, time=common).values
        b = right["it_power_online"].sel(programme=programme, time=common).values
        behind = b < a * (1.0 - BEHIND)
    if not behind.any():
        return None, 0.0
    binding = right["programme_binding"]
    codes = binding.sel(programme=programme, time=common).values[behind]
    labels = binding.attrs["flag_meanings"].split()
    counts = np.bincount(codes.astype(int), minlength=len(labels))
    top = int(np.argmax(counts))
    return labels[top], float(counts[top] / counts.sum())


#: How far below the other world a quantity must be to count as behind [fraction].
BEHIND = 0.005


def _day(value) -> str:
    return "not met" if np.isnat(value) else str(np.datetime64(value, "D"))


#: Input differences shown unless all are asked for.
INPUT_DIFFERENCES_SHOWN = 20


@dataclass(frozen=True)
class MilestoneShift:
    """A milestone of A or B: its date in A and in B (the P50 of each when sampled; ISO
    dates, None: not met in the horizon or not defined) and how many days later B meets
    it (None when either does not); ``only_in`` is "A" or "B" for a milestone one of
    them lacks, else None."""

    milestone: str
    scope: str
    left: str | None
    right: str | None
    days_later: float | None
    only_in: str | None


@dataclass(frozen=True)
class DeliveryChange:
    """A programme of both A and B: the packages delivered to it over the months both
    horizons cover [package] (the mean over samples when sampled) in A and in B, and B's
    change from A [fraction] (None when A delivered none)."""

    programme: str
    left: float
    right: float
    change: float | None


@dataclass(frozen=True)
class ComparisonAnswer:
    """The summary block of ``capsim compare``: each side's answer, the shifts, what
    each programme of both received (who pays for what B adds), and the last day of
    each side's horizon (ISO dates)."""

    left: Answer
    right: Answer
    shifts: tuple[MilestoneShift, ...]
    deliveries: tuple[DeliveryChange, ...] = ()
    horizon_ends: tuple[str, str] = ("", "")

    def to_dict(self) -> dict:
        """The comparison as plain JSON-ready data."""
        return asdict(self)


def comparison_answer(
    left: Scenario, right: Scenario, left_result: xr.Dataset, right_result: xr.Dataset
) -> ComparisonAnswer:
    """Each side's answer (from its central run or its study) and each milestone's shift
    from A to B, in date order (each by its date in A, or in B if only B meets it; those
    neither meets last, in A's order then B's)."""
    sides = []
    for scenario, result in ((left, left_result), (right, right_result)):
        sampled = "sample" in result.dims
        sides.append(
            answer(scenario, central=None if sampled else result, study=result if sampled else None)
        )
    a, b = sides
    theirs = {row.milestone: row for row in b.milestones}
    ours = {row.milestone for row in a.milestones}
    shifts = []
    for row in a.milestones:
        if row.milestone not in theirs:
            shifts.append(MilestoneShift(row.milestone, row.scope, _when(row), None, None, "A"))
            continue
        first, second = _when(row), _when(theirs[row.milestone])
        days = None
        if first is not None and second is not None:
            days = float((np.datetime64(second) - np.datetime64(first)) / np.timedelta64(1, "D"))
        shifts.append(MilestoneShift(row.milestone, row.scope, first, second, days, None))
    for row in b.milestones:
        if row.milestone not in ours:
            shifts.append(MilestoneShift(row.milestone, row.scope, None, _when(row), None, "B"))
    shifts.sort(key=_date_order)
    ends = tuple(
        str(horizon_after(result["time"].values).astype("datetime64[D]") - np.timedelta64(1, "D"))
        for result in (left_result, right_result)
    )
    return ComparisonAnswer(a, b, tuple(shifts), delivery_changes(left_result, right_result), ends)


def delivery_changes(
    left_result: xr.Dataset, right_result: xr.Dataset
) -> tuple[DeliveryChange, ...]:
    """Each programme of both results (in A's order): the packages delivered to it over
    the months both cover [package], the mean over samples where sampled, in A and B."""
    shared = [str(g) for g in left_result.programme.values if g in right_result.programme]
    months = np.intersect1d(left_result["time"].values, right_result["time"].values)
    totals = []
    for result in (left_result, right_result):
        delivered = result.packages_delivered.sel(programme=shared, time=months).sum("time")
        if "sample" in delivered.dims:
            delivered = delivered.mean("sample")
        totals.append(delivered.values)
    return tuple(
        DeliveryChange(g, float(a), float(b), float(b / a - 1.0) if a > 0 else None)
        for g, a, b in zip(shared, *totals, strict=True)
    )


def _date_order(shift: MilestoneShift) -> tuple[bool, str]:
    """Sort key of a shift: by its date in A, else in B (ISO dates sort as text); one
    neither meets last."""
    when = shift.left or shift.right
    return (when is None, when or "")


def _when(row: MilestoneAnswer) -> str | None:
    return row.date if row.p50 is None and row.p10 is None else row.p50


def format_comparison_answer(found: ComparisonAnswer) -> str:
    """The comparison's summary as text: claims, milestones with days, what binds most."""
    a, b = found.left, found.right
    sampled = any(c.probability is not None for c in (*a.claims, *b.claims)) or any(
        m.p50 is not None for m in a.milestones
    )
    lines = [f"answer: B = {b.scenario} against A = {a.scenario} ({a.basis} each):"]
    their_claims = {c.claim: c for c in b.claims}
    shared = [c for c in a.claims if c.claim in their_claims]
    if shared:
        width = max(len(c.claim) for c in shared)
        lines.append(f"  {'claims:':<{width + 2}}  {'A':>12}  {'B':>12}")
        for claim in shared:
            verdicts = (_verdict(claim), _verdict(their_claims[claim.claim]))
            lines.append(f"    {claim.claim:<{width}}  {verdicts[0]:>12}  {verdicts[1]:>12}")
    if found.shifts:
        width = max(len(s.milestone) for s in found.shifts)
        which = "P50 " if sampled else ""
        heading = "milestones, in date order:"
        lines.append(
            f"  {heading:<{width + 2}}  {which + 'A':>12}  {which + 'B':>12}  {'B later by':>14}"
        )
        for shift in found.shifts:
            left = "(absent)" if shift.only_in == "B" else _shown(shift.left)
            right = "(absent)" if shift.only_in == "A" else _shown(shift.right)
            lines.append(
                f"    {shift.milestone:<{width}}  {left:>12}  {right:>12}  {_days(shift):>14}"
            )
    if found.horizon_ends[0] != found.horizon_ends[1]:
        lines.append(
            f"  note: A's horizon ends {found.horizon_ends[0]}, B's {found.horizon_ends[1]}: "
            "'not met' is within each one's own horizon"
        )
    for label, side in (("A", a), ("B", b)):
        for row in side.binds_most:
            lines.append(
                f"  binds most in {label}: {row.programme}: {row.input} "
                f"({100 * row.share:.0f} % of the months until it had all its packages)"
            )
    if found.deliveries:
        heading = "packages delivered, months of both:"
        width = max(len(heading) - 2, *(len(row.programme) for row in found.deliveries))
        mean = "mean " if sampled else ""
        lines.append(f"  {heading:<{width + 2}}  {mean + 'A':>14}  {mean + 'B':>14}  {'change':>8}")
        for row in found.deliveries:
            change = "-" if row.change is None else _change(row.change)
            lines.append(
                f"    {row.programme:<{width}}  {row.left:>14,.0f}  {row.right:>14,.0f}"
                f"  {change:>8}"
            )
    return "\n".join(lines)


def _change(fraction: float) -> str:
    """``+8 %``, ``-0.4 %`` (a change under 1 % to a tenth, not a rounded ``-0 %``) or
    ``0 %``, for a fraction."""
    percent = 100 * fraction
    decimals = 1 if abs(percent) < 0.95 else 0
    if round(percent, decimals) == 0:
        return "0 %"
    return f"{percent:+.{decimals}f} %"


def _verdict(claim: ClaimAnswer) -> str:
    if claim.probability is not None:
        return f"{100 * claim.probability:.0f} % hold"
    return "HOLDS" if claim.holds else "FAILS"


def _shown(date: str | None) -> str:
    return "not met" if date is None else date


def _days(shift: MilestoneShift) -> str:
    if shift.only_in is not None:
        return f"only in {shift.only_in}"
    if shift.days_later is None:
        if shift.left is None and shift.right is None:
            return "met in neither"
        return "not met in B" if shift.right is None else "not met in A"
    days = round(shift.days_later)
    return "same day" if days == 0 else f"{days:+d} days"


def format_comparison(
    left: Scenario,
    right: Scenario,
    left_result: xr.Dataset,
    right_result: xr.Dataset,
    *,
    all_inputs: bool = False,
) -> str:
    """The answer first, then the milestone forecasts of both when either is sampled (the
    answer gives central runs' dates), then the input differences (the first
    :data:`INPUT_DIFFERENCES_SHOWN` unless ``all_inputs``)."""
    lines = [
        format_comparison_answer(comparison_answer(left, right, left_result, right_result)),
    ]
    if "sample" in left_result.dims or "sample" in right_result.dims:
        lines += ["", *_forecast_lines(left, right, left_result, right_result)]
    lines += ["", *_input_lines(left, right, all_inputs=all_inputs)]
    return "\n".join(lines)


def _forecast_lines(
    left: Scenario, right: Scenario, left_result: xr.Dataset, right_result: xr.Dataset
) -> list[str]:
    """Both forecasts' P10 / P50 / P90 of each milestone, and the delays paired by sample
    when both are sampled."""
    lines = []
    a, b = milestone_table(left_result), milestone_table(right_result)
    width = 38
    first = max(30, *(len(name) + 2 for name in a.keys() | b.keys()))
    lines += [
        f"{'milestone':<{first}}{left.name[: width - 2]:>{width}}"
        f"{right.name[: width - 2]:>{width}}",
    ]
    lines.append(f"{'':<{first}}{'P10 / P50 / P90':>{width}}{'P10 / P50 / P90':>{width}}")
    for name in sorted(a.keys() | b.keys()):
        left_text = " / ".join(a[name]) if name in a else "(absent)"
        right_text = " / ".join(b[name]) if name in b else "(absent)"
        lines.append(f"{name:<{first}}{left_text:>{width}}{right_text:>{width}}")
    if "sample" in left_result.dims and "sample" in right_result.dims:
        try:
            paired = paired_delays(left_result, right_result, shared_milestones(left, right))
        except ValueError as error:
            lines += ["", f"(not paired by sample: {error})"]
        else:
            lines += ["", *_paired_lines(paired, right.name)]
    return lines


def shared_milestones(left: Scenario, right: Scenario) -> dict:
    """The milestones of B that A has too, each with its programme and product."""
    return {
        name: _programme_of(milestone.programme, left, right)
        for name, milestone in right.milestones.items()
        if name in left.milestones
    }


def _input_lines(left: Scenario, right: Scenario, *, all_inputs: bool) -> list[str]:
    differences = input_differences(left, right)
    shown = differences if all_inputs else differences[:INPUT_DIFFERENCES_SHOWN]
    lines = [f"inputs that differ ({left.name} | {right.name}):"]
    if not differences:
        lines.append("  none")
    labels = {**input_labels(left), **input_labels(right)}
    for row in shown:
        lines.append(f"  {labels.get(row.path, row.path)} ({row.path})")
        lines.append(f"      {row.left}  [{row.left_source or 'no source'}]")
        lines.append(f"    | {row.right}  [{row.right_source or 'no source'}]")
    if len(shown) < len(differences):
        lines.append(
            f"  ... and {len(differences) - len(shown)} more, {len(differences)} in all "
            "(--all-inputs lists them all)"
        )
    return lines


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
        f"{'milestone':<30}{'P10 / P50 / P90':>22}{'later in':>10}{'P50 shift (80 %)':>24}"
        "   held back by (months behind)",
    ]
    for row in paired:
        days = " / ".join(f"{d:+.0f}" for d in row.days)
        point, low, high = row.shift
        shift = f"{point:+.0f} ({low:+.0f} to {high:+.0f})"
        why = f"{row.reason} ({row.reason_share:.0%})" if row.reason else "-"
        lines.append(f"{row.milestone:<30}{days:>22}{row.later:>10.0%}{shift:>24}   {why}")
    return lines
