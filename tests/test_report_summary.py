"""The report's summary: each claim's statement, verdict and probability, a note when
the central run and the Monte Carlo disagree, milestones in date order with their scope,
and what binds most, all from the facts of :func:`capsim.analysis.answer.answer` (the
same as ``capsim run``'s answer) on a hand-made central run and study."""

from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import numpy as np
import xarray as xr

from capsim.plots import plot_bottlenecks
from capsim.report.html import _milestone_section
from capsim.report.summary import summary_section
from capsim.sweep.sample import CODES

SCENARIO = SimpleNamespace(
    name="deal",
    claims={
        "early": SimpleNamespace(milestone="a", by=dt.date(2026, 12, 31), statement="1 GW in 2026"),
        "late": SimpleNamespace(milestone="b", by=dt.date(2028, 12, 31), statement="2 GW by 2028."),
    },
    milestones={
        "b": SimpleNamespace(programme="g", site=None, product=None),
        "a": SimpleNamespace(programme=None, site="s", product=None),
        "never": SimpleNamespace(programme=None, site=None, product="p"),
    },
    programmes={"g": SimpleNamespace(sites=["s"], letter_of_intent=None)},
)
MILESTONES = ["b", "a", "never"]
CENTRAL_DATES = np.array(["2027-03-01", "2026-05-01", "NaT"], dtype="datetime64[ns]")


def _central() -> xr.Dataset:
    # g is held back by the grid in 2 of the 3 months before it is complete: 67%.
    return xr.Dataset(
        {
            "claim_met": ("claim", [True, True]),
            "milestone_date": ("milestone", CENTRAL_DATES),
            "programme_binding": (
                ("time", "programme"),
                [["grid"], ["grid"], ["hbm"], ["complete"]],
            ),
        },
        coords={"claim": ["early", "late"], "milestone": MILESTONES, "programme": ["g"]},
    )


def _study() -> xr.Dataset:
    # Five samples, the last failed (left out). early holds in 1 of the 4 others, late in
    # 3. Milestone a on 2026-05-01, -06-01, -07-01, -08-01: P10 05-01, P50 06-01 (the
    # second of four), P90 08-01. In every good sample g waits for HBM three months and
    # for the grid one: HBM binds in 12 of 16 months, 75%; the failed sample says grid.
    met = [[True, True], [False, True], [False, True], [False, False], [True, True]]
    dates = np.tile(CENTRAL_DATES, (5, 1))
    dates[:4, 1] = np.array(["2026-05-01", "2026-06-01", "2026-07-01", "2026-08-01"], "M8[ns]")
    code = {label: index for index, label in enumerate(CODES["programme_binding"])}
    hbm, grid = code["hbm"], code["grid"]  # stored as codes, as a study stores them
    binding = np.array([[[hbm], [hbm], [grid], [hbm]]] * 4 + [[[grid]] * 4], dtype="int8")
    return xr.Dataset(
        {
            "claim_met": (("sample", "claim"), met),
            "failed": ("sample", [False, False, False, False, True]),
            "milestone_date": (("sample", "milestone"), dates),
            "programme_binding": (("sample", "time", "programme"), binding),
        },
        coords={
            "claim": ["early", "late"],
            "milestone": MILESTONES,
            "programme": ["g"],
            "time": np.array(["2026-01-01", "2026-02-01", "2026-03-01", "2026-04-01"], "M8[ns]"),
        },
    )


def _items(section: str, after: str) -> list[str]:
    """The list items of the first <ul> after ``after``."""
    block = section[section.index(after) :]
    block = block[block.index("<ul>") : block.index("</ul>")]
    return [item.split("</li>")[0] for item in block.split("<li>")[1:]]


def test_each_claim_has_its_statement_verdict_and_probability_and_a_note_when_they_disagree():
    section = summary_section(SCENARIO, _central(), _study())
    early, late = _items(section, "Summary")
    assert early == (
        "<strong>early</strong> (1 GW in 2026; by 2026-12-31): holds in the central run; "
        "holds in 25% of 4 Monte Carlo samples"
    )
    assert late.endswith("(2 GW by 2028; by 2028-12-31): holds in the central run; "
                         "holds in 75% of 4 Monte Carlo samples")  # fmt: skip
    notes = [line for line in section.splitlines() if line.startswith("<p><em>Note:")]
    assert len(notes) == 1
    assert "disagree on early" in notes[0]


def test_milestones_come_in_date_order_with_their_scope_never_met_last():
    section = summary_section(SCENARIO, _central(), _study())
    a, b, never = _items(section, "Milestones, in date order")
    assert a == (
        "a (site s): 2026-05-01 in the central run; P10 2026-05-01, P50 2026-06-01, P90 2026-08-01"
    )
    assert b.startswith("b (programme g): 2027-03-01 in the central run; P10 2027-03-01")
    assert never == (
        "never (product p, all buyers): not met in the horizon in the central run; P10 not "
        "met in the horizon, P50 not met in the horizon, P90 not met in the horizon"
    )


def test_what_binds_most_is_over_the_samples_when_sampled_and_leaves_out_complete():
    sampled = summary_section(SCENARIO, _central(), _study())
    assert "<strong>g</strong>: <strong>hbm</strong> (75%)" in sampled
    assert "over the samples" in sampled
    single = summary_section(SCENARIO, _central(), None)
    assert "<strong>g</strong>: <strong>grid</strong> (67%)" in single
    assert "of the central run" in single


def test_a_single_run_gives_verdicts_and_dates_only():
    section = summary_section(SCENARIO, _central(), None)
    assert all(line.endswith("holds in the central run") for line in _items(section, "Summary"))
    assert "Monte Carlo" not in section
    assert "P50" not in section
    names = [item.split(" ")[0] for item in _items(section, "Milestones, in date order")]
    assert names == ["a", "b", "never"]


def test_the_milestone_table_is_in_date_order_as_the_summary():
    # b (2027-03-01) is declared before a (2026-05-01): the table listed them as declared.
    table = _milestone_section(_central(), _study())
    assert table.index("<td>a</td>") < table.index("<td>b</td>") < table.index("<td>never</td>")


def test_the_bottleneck_chart_is_headed_by_the_same_share_as_the_summary():
    ax = plot_bottlenecks(_study(), entity="g")
    headline = ax.get_title(loc="left").splitlines()[0]
    assert headline.endswith("mostly hbm, 75% of the months until it had all its packages")
