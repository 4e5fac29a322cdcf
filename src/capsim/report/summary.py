"""The report's opening summary: each claim held or failed (with its probability when
sampled), each milestone's date in date order, and what binds the deal most."""

from __future__ import annotations

import html
from collections import Counter

import numpy as np
import xarray as xr

from capsim.analysis.answer import NOT_BUILDING
from capsim.analysis.uncertainty import claim_probability, milestone_quantiles
from capsim.scenario.document import Scenario
from capsim.sweep.store import usable

#: What a programme's binding says when nothing holds it back any more.
_NOT_BINDING = {*NOT_BUILDING, ""}


def _day(value) -> str:
    return "not met in the horizon" if np.isnat(value) else str(np.datetime64(value, "D"))


def summary_section(
    scenario: Scenario, central: xr.Dataset, study: xr.Dataset | None, programme: str | None
) -> str:
    """The summary as HTML: a list of claims, a list of milestones, what binds."""
    parts = ['<h2 id="summary">Summary</h2>', "<ul>"]
    parts += [f"<li>{line}</li>" for line in claim_lines(scenario, central, study)]
    parts.append("</ul>")
    parts.append("<p>Milestones, earliest first:</p><ul>")
    parts += [f"<li>{line}</li>" for line in milestone_lines(central, study)]
    parts.append("</ul>")
    if programme is not None:
        parts.append(f"<p>{binding_line(central, programme)}</p>")
    return "\n".join(parts)


def claim_lines(scenario: Scenario, central: xr.Dataset, study: xr.Dataset | None) -> list[str]:
    """One line per claim: held or failed in the central run, its probability when
    sampled, and a warning when the two disagree (the central run is one draw)."""
    probability = claim_probability(study) if study is not None else None
    sampled = usable(study).sizes["sample"] if study is not None else 0
    lines = []
    for name, claim in scenario.claims.items():
        held = bool(central["claim_met"].sel(claim=name))
        statement = html.escape(claim.statement.rstrip(". "))
        line = (
            f"<strong>{html.escape(name)}</strong> ({statement}, by "
            f"{claim.by}): {'holds' if held else 'fails'} in the central run"
        )
        if probability is not None:
            chance = float(probability.sel(claim=name))
            line += f"; holds in {chance:.0%} of {sampled} Monte Carlo samples"
            if held != (chance >= 0.5):
                line += (
                    ". <em>The central run and the Monte Carlo disagree: the central run "
                    "is one draw with every input at its median; trust the probability.</em>"
                )
        lines.append(line)
    return lines or ["The scenario states no claims."]


def milestone_lines(central: xr.Dataset, study: xr.Dataset | None) -> list[str]:
    """One line per milestone, in order of its (median) date; never-met ones last."""
    names = [str(m) for m in central["milestone"].values]
    dates = {m: central["milestone_date"].sel(milestone=m).values for m in names}
    quantiles = milestone_quantiles(study) if study is not None else None
    if quantiles is not None:
        keys = {m: quantiles.sel(milestone=m).values[1] for m in names}
    else:
        keys = dates
    order = sorted(
        names, key=lambda m: (np.isnat(keys[m]), keys[m] if not np.isnat(keys[m]) else 0)
    )
    lines = []
    for name in order:
        line = f"{html.escape(name)}: {_day(dates[name])} in the central run"
        if quantiles is not None:
            low, mid, high = (_day(v) for v in quantiles.sel(milestone=name).values)
            line += f"; P10 {low}, P50 {mid}, P90 {high}"
        lines.append(line)
    return lines


def binding_line(central: xr.Dataset, programme: str) -> str:
    """What held ``programme`` back in most months of the central run."""
    labels = [str(v) for v in central["programme_binding"].sel(programme=programme).values]
    counts = Counter(label for label in labels if label not in _NOT_BINDING)
    if not counts:
        return f"Nothing held programme {html.escape(programme)} back in the central run."
    label, months = counts.most_common(1)[0]
    return (
        f"What binds programme <strong>{html.escape(programme)}</strong> most: "
        f"<strong>{html.escape(label)}</strong>, in {months} of {len(labels)} months of the "
        "central run."
    )
