"""A self-contained HTML report of a forecast: one file, images embedded, no network.

Sections, the answer first: a summary (claims held or failed, milestones in date order,
what binds), the milestone table, each claim with its probability, the bottleneck
chart, one fan chart per series a claim watches (none twice) and the flow chart, a
sensitivity ranking, the command that reproduces the report, and last the scenario and
its sources. The sensitivity ranking is the rank correlation (Spearman)
of each sampled input with the first claim's milestone date across the Monte Carlo
samples, so it costs no runs beyond the study itself; it lists only the inputs whose
correlation is distinguishable from zero, with intervals
(:func:`capsim.analysis.ranking.spearman_ranking`).
"""

from __future__ import annotations

import base64
import html
import io
import shlex

import numpy as np
import xarray as xr

from capsim import __version__
from capsim.analysis.ranking import Ranking, spearman_ranking
from capsim.analysis.uncertainty import claim_probability, milestone_quantiles
from capsim.model.dating import days_after_start
from capsim.report.summary import summary_section
from capsim.scenario.document import Scenario
from capsim.scenario.inventory import citations, entity_counts, seed_meaning
from capsim.scenario.labels import input_labels
from capsim.sweep.store import samples_note, usable

SECTIONS = (
    "summary",
    "milestones",
    "claims",
    "bottlenecks",
    "forecast",
    "sensitivity",
    "reproduce",
    "scenario",
)

_STYLE = """
body { font-family: system-ui, sans-serif; max-width: 64rem; margin: 2rem auto; color: #222; }
h1 { font-size: 1.6rem; } h2 { font-size: 1.2rem; margin-top: 2rem; border-bottom: 1px solid #ccc; }
table { border-collapse: collapse; margin: 0.5rem 0; } td, th { padding: 0.2rem 0.6rem;
border-bottom: 1px solid #eee; text-align: left; } th { background: #f4f4f4; }
.num { text-align: right; font-variant-numeric: tabular-nums; } img { max-width: 100%; }
code, pre { background: #f6f6f6; padding: 0.2rem 0.4rem; } .note { color: #555; font-size: 0.9rem; }
"""


def _figure_html(ax, alt: str) -> str:
    buffer = io.BytesIO()
    ax.figure.savefig(buffer, format="png", dpi=110, bbox_inches="tight")
    import matplotlib.pyplot as plt

    plt.close(ax.figure)
    encoded = base64.b64encode(buffer.getvalue()).decode("ascii")
    return f'<img alt="{html.escape(alt)}" src="data:image/png;base64,{encoded}">'


def _table(header: list[str], rows: list[list[str]], numeric: set[int] = frozenset()) -> str:
    head = "".join(f"<th>{html.escape(h)}</th>" for h in header)
    body = "".join(
        "<tr>"
        + "".join(
            f'<td class="num">{html.escape(c)}</td>'
            if i in numeric
            else f"<td>{html.escape(c)}</td>"
            for i, c in enumerate(row)
        )
        + "</tr>"
        for row in rows
    )
    return f"<table><tr>{head}</tr>{body}</table>"


_TOP = 12  # rows of the sensitivity ranking shown


def _day(value) -> str:
    return "not met" if np.isnat(value) else str(np.datetime64(value, "D"))


def sensitivity_ranking(study: xr.Dataset, milestone: str) -> Ranking:
    """Inputs whose Spearman correlation with the milestone date (days from the horizon
    start) is distinguishable from zero across the samples that ran, largest first."""
    good = usable(study)
    days = days_after_start(
        good["milestone_date"].sel(milestone=milestone).values, good["time"].values
    )
    names = [str(name) for name in good["parameter"].values]
    return spearman_ranking(good["input_value"].values, days, names)


def render_report(
    scenario: Scenario, central: xr.Dataset, study: xr.Dataset | None, command: list[str]
) -> str:
    """The report as one HTML document (no external resources)."""
    from capsim import plots

    parts = [f"<h1>capsim forecast: {html.escape(scenario.name)}</h1>"]
    seed = study.attrs["seed"] if study is not None else scenario.seed
    parts.append(
        f'<p class="note">capsim {__version__}; seed {seed}; '
        f"horizon {scenario.horizon.start} to {scenario.horizon.end}</p>"
    )
    source = study if study is not None else central
    entity = next(iter(scenario.programmes), None)
    deal = next((g for g, p in scenario.programmes.items() if p.sites), entity)
    parts.append(summary_section(scenario, central, study))
    parts.append(_milestone_section(central, study))
    parts.append(_claims_section(scenario, central, study))
    parts.append('<h2 id="bottlenecks">What binds</h2>')
    parts.append(_figure_html(plots.plot_bottlenecks(source, entity=deal), "bottleneck chart"))
    parts.append('<h2 id="forecast">Forecast</h2>')
    for claim in _fan_claims(scenario, deal):
        alt = f"fan chart for claim {claim}" if claim else "fan chart of IT power online"
        options = {"claim": claim} if claim else {"programme": deal}
        fan = plots.plot_fan(source, **options)
        parts.append(_figure_html(fan, alt))
    parts.append(_figure_html(plots.plot_flow(central, programme=deal), "supply chain flow"))
    parts.append(_sensitivity_section(scenario, study))
    parts.append('<h2 id="reproduce">Reproduce</h2>')
    parts.append(f"<pre>{html.escape(shlex.join(command))}</pre>")
    parts.append(_scenario_section(scenario))
    body = "\n".join(parts)
    return (
        '<!DOCTYPE html>\n<html lang="en"><head><meta charset="utf-8">'
        f"<title>capsim: {html.escape(scenario.name)}</title><style>{_STYLE}</style></head>"
        f"<body>\n{body}\n</body></html>\n"
    )


def _fan_claims(scenario: Scenario, programme: str | None) -> list[str | None]:
    """The claims whose fan charts the report draws: one per series watched (a claim's
    milestone quantity and programme), so that no chart appears twice; None stands for
    the programme's IT power online when no claim watches it."""
    chosen: dict[tuple, str | None] = {}
    for name, claim in scenario.claims.items():
        milestone = scenario.milestones[claim.milestone]
        chosen.setdefault((milestone.quantity, milestone.programme), name)
    if ("it_power_online", programme) not in chosen:
        chosen[("it_power_online", programme)] = None
    return list(chosen.values())


def _scenario_section(scenario: Scenario) -> str:
    parts = ['<h2 id="scenario">Scenario and sources</h2>']
    if scenario.description:
        parts.append(f"<p>{html.escape(scenario.description.strip())}</p>")
    rows = [[table, ", ".join(ids)] for table, ids in entity_counts(scenario).items() if ids]
    parts.append(_table(["entities", "ids"], rows))
    cited = citations(scenario)
    seeds = [[f"seed:{sid}", str(n), seed_meaning(sid)] for sid, n in sorted(cited.seeds.items())]
    parts.append("<p>Seed facts cited:</p>" + _table(["source", "values", "meaning"], seeds, {1}))
    public = [[text, str(n)] for text, n in sorted(cited.public.items())]
    parts.append("<p>Public sources:</p>" + _table(["source", "values"], public, {1}))
    parts.append(
        f'<p class="note">{cited.assumptions} values rest on stated assumptions; '
        f"{len(cited.unsourced)} values have no source.</p>"
    )
    return "\n".join(parts)


def _milestone_section(central: xr.Dataset, study: xr.Dataset | None) -> str:
    parts = [
        '<h2 id="milestones">Milestones</h2>',
        '<p class="note">In date order (central run).</p>',
    ]
    order = np.argsort(central.milestone_date.values, kind="stable")  # NaT (not met) last
    names = [str(central.milestone.values[i]) for i in order]
    if study is not None:
        quantiles = milestone_quantiles(study)
        rows = [
            [m, _day(central.milestone_date.sel(milestone=m).values)]
            + [_day(v) for v in quantiles.sel(milestone=m).values]
            for m in names
        ]
        parts.append(_table(["milestone", "central run", "P10", "P50", "P90"], rows))
        parts.append(f'<p class="note">{html.escape(samples_note(study))}.</p>')
    else:
        rows = [[m, _day(central.milestone_date.sel(milestone=m).values)] for m in names]
        parts.append(_table(["milestone", "date (central run)"], rows))
    return "\n".join(parts)


def _claims_section(scenario: Scenario, central: xr.Dataset, study: xr.Dataset | None) -> str:
    parts = ['<h2 id="claims">Claims</h2>']
    probability = claim_probability(study) if study is not None else None
    rows = []
    for name, claim in scenario.claims.items():
        held = bool(central.claim_met.sel(claim=name))
        chance = "" if probability is None else f"{float(probability.sel(claim=name)):.0%}"
        rows.append(
            [
                name,
                claim.statement,
                str(claim.by),
                str(claim.source),
                "holds" if held else "fails",
                chance,
            ]
        )
    header = ["claim", "statement", "deadline", "source", "central run", "probability"]
    parts.append(_table(header, rows, {5}))
    return "\n".join(parts)


def _sensitivity_section(scenario: Scenario, study: xr.Dataset | None) -> str:
    parts = ['<h2 id="sensitivity">Sensitivity</h2>']
    claim = next(iter(scenario.claims.values()), None)
    if study is None or claim is None:
        parts.append('<p class="note">Needs a Monte Carlo study and a claim.</p>')
        return "\n".join(parts)
    ranking = sensitivity_ranking(study, claim.milestone)
    parts.append(
        f"<p>Inputs ranked by rank correlation with the date of milestone "
        f"<code>{html.escape(claim.milestone)}</code> (positive: a higher value delays it), "
        f"with {100 * ranking.confidence:.0f} % intervals; only inputs whose correlation "
        f"is distinguishable from zero ({html.escape(ranking.rule)}) are listed.</p>"
    )
    labels = input_labels(scenario)
    rows = [
        [
            labels.get(r.name, r.name),
            r.name,
            f"{r.value:+.2f}",
            f"{r.low:+.2f} to {r.high:+.2f}",
            f"{r.p_adjusted:.2g}",
        ]
        for r in ranking.rows[:_TOP]
    ]
    header = [
        "input",
        "key path",
        "Spearman rho",
        f"{100 * ranking.confidence:.0f} % interval",
        "p (Holm)",
    ]
    parts.append(_table(header, rows, {2, 3, 4}))
    more = len(ranking.rows) - len(rows)
    parts.append(
        f'<p class="note">{ranking.omitted} of {ranking.tested} varying inputs not '
        f"distinguishable from zero: not listed{f'; {more} more not shown' if more else ''}.</p>"
    )
    return "\n".join(parts)
