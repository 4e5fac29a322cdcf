"""The answer first: each claim held or failed (with its probability when sampled), each
milestone's date or P10/P50/P90 in date order, and what binds the programmes most.

Built from a central run, a Monte Carlo study, or both; with both, a claim on which they
disagree (the central run, every input at its median, says it holds while fewer than half
of the samples do, or the reverse) gets a note: the median of the inputs need not give
the median outcome.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import asdict, dataclass

import numpy as np
import xarray as xr

from capsim.model.record import OWN_STATES
from capsim.model.resolve import firm_without_draw
from capsim.scenario.document import Scenario
from capsim.sweep.sample import CODES, NO_CODE
from capsim.sweep.store import usable


@dataclass(frozen=True)
class ClaimAnswer:
    """A claim's verdict.

    Attributes
    ----------
    claim, milestone : str
        The claim and the milestone it is about.
    deadline : str
        The date by which the milestone must be met (ISO date).
    holds : bool or None
        Whether it holds in the central run (None: no central run).
    probability : float or None
        Share of the Monte Carlo samples in which it holds [fraction] (None: no study).
    """

    claim: str
    milestone: str
    deadline: str
    holds: bool | None
    probability: float | None


@dataclass(frozen=True)
class MilestoneAnswer:
    """When a milestone is met: its date in the central run and/or its P10, P50 and P90
    over samples (ISO dates; None: not met within the horizon).

    ``scope`` says what the milestone counts: ``programme X``, ``site X``, ``product X,
    all buyers`` or ``world``.
    """

    milestone: str
    scope: str
    date: str | None
    p10: str | None
    p50: str | None
    p90: str | None


@dataclass(frozen=True)
class BindingAnswer:
    """What held a programme back most: ``input`` in ``share`` of the months in which it
    was open and did not yet have all its packages (pooled over samples in a study)
    [fraction]."""

    programme: str
    input: str
    share: float


@dataclass(frozen=True)
class Answer:
    """The summary block of ``capsim run`` and ``capsim compare`` and the report's
    summary; ``samples`` counts the Monte Carlo samples that ran and did not fail (0
    without a study)."""

    scenario: str
    basis: str
    samples: int
    claims: tuple[ClaimAnswer, ...]
    milestones: tuple[MilestoneAnswer, ...]
    binds_most: tuple[BindingAnswer, ...]
    notes: tuple[str, ...]

    def to_dict(self) -> dict:
        """The answer as plain JSON-ready data."""
        return asdict(self)


def answer(
    scenario: Scenario, central: xr.Dataset | None = None, study: xr.Dataset | None = None
) -> Answer:
    """The answer from a ``central`` run, a Monte Carlo ``study``, or both."""
    if central is None and study is None:
        raise ValueError("an answer needs a central run, a study, or both")
    good = None if study is None else usable(study)
    basis = []
    if good is not None:
        basis.append(f"Monte Carlo, {good.sizes['sample']} samples")
    if central is not None:
        basis.append("central run" if good is None else "the central run beside it")
    claims = _claims(scenario, central, good)
    return Answer(
        scenario=scenario.name,
        basis="; ".join(basis),
        samples=0 if good is None else int(good.sizes["sample"]),
        claims=claims,
        milestones=_milestones(scenario, central, good),
        binds_most=_binds_most(scenario, good if good is not None else central),
        notes=(
            *_disagreements(claims),
            *_letters(scenario, good),
            *_not_made(scenario, good if good is not None else central),
        ),
    )


def _day(value) -> str | None:
    value = np.datetime64(value, "D")
    return None if np.isnat(value) else str(value)


def _claims(scenario: Scenario, central, good) -> tuple[ClaimAnswer, ...]:
    found = []
    for name, claim in scenario.claims.items():
        holds = None if central is None else bool(central["claim_met"].sel(claim=name))
        probability = None
        if good is not None and good.sizes["sample"]:
            probability = float(good["claim_met"].sel(claim=name).astype(float).mean())
        found.append(ClaimAnswer(name, claim.milestone, claim.by.isoformat(), holds, probability))
    return tuple(found)


def _milestones(scenario: Scenario, central, good) -> tuple[MilestoneAnswer, ...]:
    quantiles = None
    if good is not None:
        from capsim.analysis.uncertainty import milestone_quantiles

        quantiles = milestone_quantiles(good)
    found = []
    for name, milestone in scenario.milestones.items():
        date = None
        if central is not None:
            date = _day(central["milestone_date"].sel(milestone=name).values)
        p10 = p50 = p90 = None
        if quantiles is not None:
            p10, p50, p90 = (_day(v) for v in quantiles.sel(milestone=name).values)
        found.append(MilestoneAnswer(name, milestone_scope(milestone), date, p10, p50, p90))
    return tuple(sorted(found, key=_date_order))


def _date_order(row: MilestoneAnswer) -> tuple:
    """Met milestones first, earliest first (by P50, then P10, when sampled)."""
    keys = (row.p50, row.p10, row.p90) if row.p50 or row.p10 else (row.date, None, None)
    return (*((value is None, value or "") for value in keys), row.milestone)


def milestone_scope(milestone) -> str:
    """What a milestone counts: ``programme X``, ``site X``, ``product X, all buyers``
    or ``world``."""
    if milestone.programme:
        return f"programme {milestone.programme}"
    if milestone.site:
        return f"site {milestone.site}"
    if milestone.product:
        return f"product {milestone.product}, all buyers"
    return "world"


def focus_programmes(scenario: Scenario) -> list[str]:
    """The programmes the scenario's milestones and claims are about, in scenario order;
    every programme when none is named."""
    named = {m.programme for m in scenario.milestones.values() if m.programme}
    sites = {m.site for m in scenario.milestones.values() if m.site}
    ordered = [
        name
        for name, programme in scenario.programmes.items()
        if name in named or sites & set(programme.sites)
    ]
    return ordered or list(scenario.programmes)


def _binds_most(scenario: Scenario, result: xr.Dataset) -> tuple[BindingAnswer, ...]:
    found = []
    for programme in focus_programmes(scenario):
        if programme not in result["programme"].values:
            continue
        labels = binding_labels(result["programme_binding"].sel(programme=programme))
        building = Counter(
            label for label in labels.ravel().tolist() if label and label not in OWN_STATES
        )
        if not building:
            continue
        label, count = building.most_common(1)[0]
        found.append(BindingAnswer(programme, label, count / sum(building.values())))
    return tuple(found)


def binding_labels(binding: xr.DataArray) -> np.ndarray:
    """A binding variable as labels, whether stored as text or as codes ("" for none)."""
    values = binding.values
    if values.dtype.kind in "US":
        return values.astype(str)
    meanings = binding.attrs.get("flag_meanings")
    names = np.array([*(meanings.split() if meanings else CODES[str(binding.name)]), ""])
    return names[np.where(values == NO_CODE, len(names) - 1, values.astype(int))]


#: What a central run's dates are, said under every answer without samples.
CENTRAL_NOTE = (
    "every input at its median; a milestone that needs many uncertain things at once "
    "(a deal's last GW needs every site's grid) usually comes later in samples: "
    "--samples 200 gives P10/P50/P90 (docs/validation.md §7.2)"
)


def _disagreements(claims: tuple[ClaimAnswer, ...]) -> list[str]:
    notes = []
    for claim in claims:
        if claim.holds is None or claim.probability is None:
            continue
        if claim.holds == (claim.probability >= 0.5):
            continue
        verdict = "holds" if claim.holds else "fails"
        notes.append(
            f"the central run and the Monte Carlo disagree on {claim.claim}: with every "
            f"input at its median it {verdict}, yet it holds in {_percent(claim.probability)} "
            "of samples (the median inputs need not give the median outcome)"
        )
    return notes


def _letters(scenario: Scenario, good: xr.Dataset | None) -> list[str]:
    """For each programme that is a letter of intent, the share of samples in which it
    became firm: where it lapsed it ordered nothing, so its milestones are not met there
    (a P90 "not met" may say no more than that). Without a study, what the central run
    took it as."""
    if good is None:
        return [
            f"{gid} is a letter of intent (firm with probability "
            f"{_percent(programme.letter_of_intent.probability.expected)} by "
            f"{programme.letter_of_intent.by}); the central run takes it as "
            f"{'firm' if firm_without_draw(programme.letter_of_intent) else 'lapsed'}"
            " (--samples counts how often it lapses)"
            for gid, programme in scenario.programmes.items()
            if programme.letter_of_intent is not None
        ]
    if "input_value" not in good:
        return []
    parameters = [str(name) for name in good["parameter"].values]
    notes = []
    for gid, programme in scenario.programmes.items():
        key = f"programmes.{gid}.firm"
        if programme.letter_of_intent is None or key not in parameters:
            continue
        firm = int((good["input_value"].sel(parameter=key).values > 0.5).sum())
        total = int(good.sizes["sample"])
        notes.append(
            f"{gid} is a letter of intent that became firm in {_percent(firm / total)} of "
            f"samples ({firm} of {total}); where it lapsed it ordered nothing, so its "
            "milestones are not met there"
        )
    return notes


def _not_made(scenario: Scenario, result: xr.Dataset) -> list[str]:
    """For each programme the milestones name that read ``not_made`` (short while its
    product was not made: outside the product's window; it buys no other product): from
    when in a central run, in what share of samples in a study. Those months count in
    no "binds most"."""
    notes = []
    for gid in focus_programmes(scenario):
        if gid not in result["programme"].values:
            continue
        binding = result["programme_binding"].sel(programme=gid)
        short = xr.DataArray(binding_labels(binding) == "not_made", dims=binding.dims)
        if not bool(short.any()):
            continue
        product = scenario.programmes[gid].product
        said = f"{gid} was short while its product {product} was not made (it buys no other)"
        if "sample" in short.dims:
            notes.append(f"{said} in {_percent(float(short.any('time').mean()))} of samples")
        else:
            first = int(np.flatnonzero(short.values)[0])
            notes.append(f"{said}, from {np.datetime64(result['time'].values[first], 'M')}")
    return notes


def _percent(fraction: float) -> str:
    return f"{100 * fraction:.0f} %"


def format_answer(found: Answer) -> str:
    """The answer as the text block that opens ``capsim run`` and ``capsim compare``."""
    lines = [f"answer for {found.scenario} ({found.basis}):"]
    sampled = any(c.probability is not None for c in found.claims) or any(
        m.p50 is not None or m.p10 is not None for m in found.milestones
    )
    if found.claims:
        lines.append("  claims:")
        width = max(len(c.claim) for c in found.claims)
        for claim in found.claims:
            verdict = {True: "HOLDS", False: "FAILS", None: ""}[claim.holds]
            if claim.probability is None:
                shown = f"{verdict} (deadline {claim.deadline})"
            else:
                central = f"; central run {verdict}" if verdict else ""
                shown = (
                    f"holds in {_percent(claim.probability):>5} of samples "
                    f"(deadline {claim.deadline}{central})"
                )
            lines.append(f"    {claim.claim:<{width}}  {shown}")
    if found.milestones:
        width = max(len(m.milestone) for m in found.milestones)
        heading = "milestones, in date order:"
        if sampled:
            heading = f"{heading:<{width + 2}}{'P10':>12}{'P50':>12}{'P90':>12}"
        lines.append(f"  {heading}")
        for row in found.milestones:
            if sampled:
                dates = "".join(f"{_shown(v):>12}" for v in (row.p10, row.p50, row.p90))
            else:
                dates = f"  {_shown(row.date):<10}"
            lines.append(f"    {row.milestone:<{width}}{dates}  ({row.scope})")
    if found.binds_most:
        lines.append(
            "  binds most (share of the months until each programme had all its packages"
            + (", over samples):" if sampled else "):")
        )
        for row in found.binds_most:
            lines.append(f"    {row.programme}: {row.input} ({_percent(row.share)})")
    for note in found.notes:
        lines.append(f"  note: {note}")
    if found.milestones and not sampled:
        lines.append(f"  note: {CENTRAL_NOTE}")
    return "\n".join(lines)


def _shown(date: str | None) -> str:
    return "not met" if date is None else date
