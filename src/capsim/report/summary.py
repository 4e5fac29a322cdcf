"""The report's opening summary: the facts of :func:`capsim.analysis.answer.answer`
(each claim held or failed, with its probability when sampled; each milestone's date or
P10/P50/P90, in date order; what binds most; where the central run and the Monte Carlo
disagree) as HTML, each claim with its statement."""

from __future__ import annotations

import html

import xarray as xr

from capsim.analysis.answer import Answer, answer
from capsim.scenario.document import Scenario


def summary_section(scenario: Scenario, central: xr.Dataset, study: xr.Dataset | None) -> str:
    """The summary of the ``central`` run and the Monte Carlo ``study`` as HTML."""
    found = answer(scenario, central=central, study=study)
    statements = {name: claim.statement for name, claim in scenario.claims.items()}
    parts = [
        '<h2 id="summary">Summary</h2>',
        f'<p class="note">{_basis(found)}</p>',
        "<ul>",
        *(f"<li>{line}</li>" for line in claim_lines(found, statements)),
        "</ul>",
        "<p>Milestones, in date order:</p><ul>",
        *(f"<li>{line}</li>" for line in milestone_lines(found)),
        "</ul>",
        f"<p>{binding_line(found)}</p>",
        *(f"<p><em>Note: {html.escape(note)}.</em></p>" for note in found.notes),
    ]
    return "\n".join(parts)


def claim_lines(found: Answer, statements: dict[str, str]) -> list[str]:
    """One line per claim: its statement and deadline, held or failed in the central
    run, and the share of samples in which it holds."""
    lines = []
    for claim in found.claims:
        statement = html.escape(statements.get(claim.claim, "").strip().rstrip("."))
        line = f"<strong>{html.escape(claim.claim)}</strong> ({statement}; by {claim.deadline}):"
        verdicts = []
        if claim.holds is not None:
            verdicts.append(f"{'holds' if claim.holds else 'fails'} in the central run")
        if claim.probability is not None:
            verdicts.append(
                f"holds in {claim.probability:.0%} of {found.samples} Monte Carlo samples"
            )
        lines.append(f"{line} {'; '.join(verdicts)}")
    return lines or ["The scenario states no claims."]


def milestone_lines(found: Answer) -> list[str]:
    """One line per milestone, in date order (never-met ones last), with its scope: its
    date in the central run and, when sampled, its P10, P50 and P90."""
    lines = []
    for row in found.milestones:
        line = f"{html.escape(row.milestone)} ({html.escape(row.scope)}): "
        line += f"{_shown(row.date)} in the central run"
        if found.samples:
            line += f"; P10 {_shown(row.p10)}, P50 {_shown(row.p50)}, P90 {_shown(row.p90)}"
        lines.append(line)
    return lines


def binding_line(found: Answer) -> str:
    """What held each programme back most, as a share of the months until it had all
    its packages (pooled over the samples when sampled)."""
    if not found.binds_most:
        return "Nothing held the programmes back."
    over = ", over the samples" if found.samples else " of the central run"
    shares = "; ".join(
        f"programme <strong>{html.escape(row.programme)}</strong>: "
        f"<strong>{html.escape(row.input.replace('_', ' '))}</strong> ({row.share:.0%})"
        for row in found.binds_most
    )
    return (
        f"What binds most (share of the months until each programme had all its "
        f"packages{over}): {shares}."
    )


def _basis(found: Answer) -> str:
    central = "the central run (every input at its central value)"
    if found.samples:
        return f"From {found.samples} Monte Carlo samples and {central}."
    return f"From {central}."


def _shown(date: str | None) -> str:
    return "not met in the horizon" if date is None else date
