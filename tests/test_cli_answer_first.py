"""``run`` and ``compare`` open with the answer: claims, milestones in date order, what
binds most, and a note when the central run and the Monte Carlo disagree. Tables say
their scope; ``--format json`` parses and ``--format csv`` is one table.

The world is the chain of tests/builders.py waiting for its grid, whose dates are known
by hand (see :func:`_late_grid`)."""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from builders import GRID_QUEUE, chain, late_grid_world
from capsim.analysis.answer import answer, format_answer
from capsim.cli.main import main
from capsim.cli.output import write_csv
from capsim.scenario.io import dump_scenario
from capsim.simulation import simulate
from capsim.sweep.sample import CODES


def _late_grid(**changes):
    """The late-grid world (tests/builders.py) with claims on its first power; milestones
    are listed latest first there, so that date order is not file order."""
    claims = {
        "power-in-2026": _claim("2026-12-31"),
        "power-in-january": _claim("2026-01-31"),
        "power-by-september": _claim("2026-09-30"),
    }
    return chain(**late_grid_world(**{"claims": claims, **changes}))


def _claim(by: str) -> dict:
    return {"milestone": "first-power", "by": by, "statement": f"by {by}", "source": GRID_QUEUE}


@pytest.fixture(scope="module")
def late_grid(tmp_path_factory):
    path = tmp_path_factory.mktemp("answer") / "late-grid.yaml"
    path.write_text(dump_scenario(_late_grid()), encoding="utf-8")
    return path


def _run(argv, capsys) -> str:
    assert main(argv) == 0
    return capsys.readouterr().out


def _block(out: str) -> list[str]:
    """The answer block: from its heading to the first blank line."""
    lines = out.splitlines()
    start = next(i for i, line in enumerate(lines) if line.startswith("answer"))
    end = next((i for i in range(start, len(lines)) if not lines[i].strip()), len(lines))
    return lines[start:end]


def _after(block: list[str], heading: str) -> list[str]:
    """The indented lines under ``heading`` in the block."""
    start = next(i for i, line in enumerate(block) if line.strip().startswith(heading))
    found = []
    for line in block[start + 1 :]:
        if not line.startswith("    "):
            break
        found.append(line.strip())
    return found


def test_deterministic_run_answers_first(late_grid, capsys):
    out = _run(["run", str(late_grid), "--deterministic"], capsys)
    block = _block(out)
    # the answer comes before every table
    assert out.index("answer for late-grid") < out.index("quarterly")
    claims = {line.split()[0]: line for line in _after(block, "claims:")}
    assert "HOLDS" in claims["power-in-2026"]
    assert "FAILS" in claims["power-in-january"]
    assert "HOLDS" in claims["power-by-september"]  # 2026-07-01 <= 2026-09-30
    milestones = _after(block, "milestones, in date order")
    # by date, not by the file's order (first-power is listed first there)
    assert [line.split()[:2] for line in milestones] == [
        ["thousand-made", "2026-03-01"],
        ["first-power", "2026-07-01"],
    ]
    assert "(programme g)" in milestones[1]
    assert "(product p, all buyers)" in milestones[0]
    # delivered by February, the programme waits for its grid until July
    assert _after(block, "binds most") == ["g: grid (100 %)"]


def test_monte_carlo_answers_first_with_probabilities(late_grid, capsys):
    argv = ["run", str(late_grid), "--samples", "12", "--workers", "1", "--no-progress"]
    block = _block(_run(argv, capsys))
    claims = {line.split()[0]: " ".join(line.split()) for line in _after(block, "claims:")}
    # every sample installs by 2026-12-01 and none before 2026-02-01
    assert "holds in 100 % of samples" in claims["power-in-2026"]
    assert "holds in 0 % of samples" in claims["power-in-january"]
    assert "central run HOLDS" in claims["power-in-2026"]
    milestones = _after(block, "milestones, in date order")
    assert [line.split()[0] for line in milestones] == ["thousand-made", "first-power"]
    assert milestones[0].split()[1:4] == ["2026-03-01"] * 3  # P10, P50, P90
    p10, p50, p90 = milestones[1].split()[1:4]
    assert "2026-02-01" <= p10 <= p50 <= p90 <= "2026-12-01"
    assert not any(line.strip().startswith("note:") for line in block)


def _study(claim_met: list[bool], central_met: bool, scenario):
    """A central run and a study of ``scenario`` written by hand: one claim, the
    milestone met on 2026-07-01 in the central run and in the met samples."""
    time = pd.date_range("2026-01-01", periods=3, freq="MS")
    samples = len(claim_met)
    grid = CODES["programme_binding"].index("grid")
    claims = list(scenario.claims)
    milestones = list(scenario.milestones)

    def dates(met):
        return [np.datetime64("2026-07-01" if m else "NaT", "ns") for m in met]

    central = xr.Dataset(
        {
            "claim_met": (("claim",), [central_met] * len(claims)),
            "milestone_date": (("milestone",), dates([central_met] * len(milestones))),
            "programme_binding": (("time", "programme"), np.full((3, 1), "grid")),
        },
        coords={"time": time, "claim": claims, "milestone": milestones, "programme": ["g"]},
    )
    study = xr.Dataset(
        {
            "failed": (("sample",), np.zeros(samples, bool)),
            "claim_met": (("sample", "claim"), np.array(claim_met)[:, None].repeat(len(claims), 1)),
            "milestone_date": (
                ("sample", "milestone"),
                np.array(dates(claim_met))[:, None].repeat(len(milestones), 1),
            ),
            "programme_binding": (
                ("sample", "time", "programme"),
                np.full((samples, 3, 1), grid, np.int8),
            ),
        },
        coords={"time": time, "claim": claims, "milestone": milestones, "programme": ["g"]},
    )
    return central, study


def test_a_milestone_no_sample_meets_comes_after_those_met():
    """Sampled milestones are ordered by P50, then P10; one that no sample meets (no P10,
    no P50) comes last, whatever its central run says."""
    scenario = _late_grid()
    central, study = _study([True, True, True], True, scenario)
    never = next(iter(scenario.milestones))
    study["milestone_date"].loc[{"milestone": never}] = np.datetime64("NaT", "ns")
    found = answer(scenario, central, study)
    order = [row.milestone for row in found.milestones]
    assert order[-1] == never
    assert [row.p50 for row in found.milestones][:-1] == ["2026-07-01"] * (len(order) - 1)


def test_note_when_the_central_run_and_the_monte_carlo_disagree():
    scenario = _late_grid(claims={"power-by-september": _claim("2026-09-30")})
    central, study = _study([True, False, False, False], True, scenario)
    found = answer(scenario, central, study)
    (claim,) = found.claims
    assert claim.holds is True
    assert claim.probability == pytest.approx(0.25)  # 1 of 4 samples
    (note,) = found.notes
    assert "disagree on power-by-september" in note
    assert "25 %" in note
    assert "note: the central run and the Monte Carlo disagree" in format_answer(found)
    agreeing = answer(scenario, *_study([True, True, True, False], True, scenario))
    assert agreeing.notes == ()


def test_quarterly_tables_say_their_scope(capsys):
    """korea-10k-gpus: the national programme's 10,000 GPUs (its target in the scenario,
    seed 003) inside a world of millions of packages a quarter."""
    out = _run(["run", "scenarios/korea-10k-gpus.yaml", "--deterministic"], capsys)
    assert "quarterly, programme korea-national-gpu:" in out
    assert "quarterly, world: every product, every programme (9 programmes" in out
    document = json.loads(
        _run(
            ["run", "scenarios/korea-10k-gpus.yaml", "--deterministic", "--format", "json"], capsys
        )
    )
    tables = {table["scope"]: table["rows"] for table in document["quarterly"]}
    programme = tables["programme korea-national-gpu"]
    (world,) = [rows for scope, rows in tables.items() if scope.startswith("world")]
    delivered = sum(row["delivered_k"] for row in programme)
    assert delivered == pytest.approx(10.0, rel=1e-6)  # 10,000 GPUs, all delivered
    assert "produced_k" not in programme[0]  # production belongs to the world's table
    assert sum(row["delivered_k"] for row in world) > 100 * delivered
    assert document["quarterly"][0]["units"]["delivered_k"] == "thousand package"


def test_compare_answers_first_in_days(late_grid, tmp_path, capsys):
    later = tmp_path / "later.yaml"
    slower = _late_grid(**{"name": "later-grid", "sites.s.power.grid.requested": "2026-03-01"})
    later.write_text(dump_scenario(slower), encoding="utf-8")
    out = _run(["compare", str(late_grid), str(later)], capsys)
    block = _block(out)
    assert block[0].startswith("answer: B = later-grid against A = late-grid")
    rows = {line.split()[0]: line.split() for line in _after(block, "milestones, in date order")}
    # the grid requested two months later arrives two months later: 2026-09-01
    assert rows["first-power"][1:] == ["2026-07-01", "2026-09-01", "+62", "days"]
    assert rows["thousand-made"][1:] == ["2026-03-01", "2026-03-01", "same", "day"]
    claims = {line.split()[0]: line.split()[1:] for line in _after(block, "claims:")}
    assert claims["power-by-september"] == ["HOLDS", "HOLDS"]
    assert out.index("answer:") < out.index("inputs that differ")


def test_compare_notes_horizons_that_end_apart(late_grid, tmp_path, capsys):
    # B stops at the end of 2026-08, before its grid arrives (2026-09-01): its first power
    # is "not met" within its own horizon, which the answer says
    shorter = tmp_path / "shorter.yaml"
    early = _late_grid(
        **{
            "name": "shorter",
            "horizon.end": "2026-08-31",
            "sites.s.power.grid.requested": "2026-03-01",
            "claims": {},
        }
    )
    shorter.write_text(dump_scenario(early), encoding="utf-8")
    block = _block(_run(["compare", str(late_grid), str(shorter)], capsys))
    rows = {line.split()[0]: line.split() for line in _after(block, "milestones, in date order")}
    assert rows["first-power"][1:] == ["2026-07-01", "not", "met", "not", "met", "in", "B"]
    note = "  note: A's horizon ends 2026-12-31, B's 2026-08-31: 'not met' is within each one's "
    assert note + "own horizon" in block


def test_compare_caps_the_input_differences(late_grid, capsys):
    argv = ["compare", str(late_grid), "scenarios/korea-10k-gpus.yaml"]
    out = _run(argv, capsys)
    listed = out[out.index("inputs that differ") :].splitlines()
    more = listed[-1]
    assert "--all-inputs lists them all" in more
    total = int(more.split(" in all")[0].split()[-1])
    assert sum(1 for line in listed if line.startswith("  ") and not line.startswith("   ")) <= 21
    everything = _run([*argv, "--all-inputs", "--format", "json"], capsys)
    assert len(json.loads(everything)["inputs_that_differ"]) == total


@pytest.mark.parametrize(
    "argv",
    [
        ["run", "{late}", "--deterministic"],
        ["run", "{late}", "--samples", "4", "--workers", "1", "--no-progress"],
        ["compare", "{late}", "{late}"],
        ["describe", "{late}"],
        ["relief", "{late}", "--milestone", "first-power"],
        ["sensitivity", "{late}", "--output", "milestone:first-power", "--workers", "1"],
        [
            "hindcast",
            "{late}",
            "--designer",
            "d",
            "--spin-up",
            "0",
            "--samples",
            "4",
            "--workers",
            "1",
        ],
        [
            "sweep",
            "{late}",
            "--vary",
            "sites.s.power.grid.wait=2 months:10 months:3",
            "--workers",
            "1",
        ],
    ],
    ids=[
        "run",
        "run-monte-carlo",
        "compare",
        "describe",
        "relief",
        "sensitivity",
        "hindcast",
        "sweep",
    ],
)
def test_format_json_parses(argv, late_grid, tmp_path, capsys):
    argv = [str(late_grid) if word == "{late}" else word for word in argv]
    if argv[0] == "hindcast":  # two quarters of shipments and one build date, made up
        shipments, timeline = tmp_path / "shipments.csv", tmp_path / "timeline.csv"
        shipments.write_text(
            "start,end,value\n2026-01-01,2026-03-31,1000\n2026-04-01,2026-06-30,0\n"
        )
        timeline.write_text("Date,H100 equivalents\n2026-07-01,1000\n")
        argv += ["--shipments", str(shipments), "--timeline", str(timeline)]
    if "--workers" in argv:
        argv.append("--no-progress")
    document = json.loads(_run([*argv, "--format", "json"], capsys))
    assert isinstance(document, dict)
    assert document


@pytest.mark.parametrize("command", ["run", "compare", "describe"])
def test_format_csv_is_one_table(command, late_grid, capsys):
    argv = [command, str(late_grid), *([str(late_grid)] if command == "compare" else [])]
    if command == "run":
        argv.append("--deterministic")
    rows = list(csv.DictReader(io.StringIO(_run([*argv, "--format", "csv"], capsys))))
    assert rows
    assert all(None not in row for row in rows)  # no row longer than the header
    assert all(None not in row.values() for row in rows)  # nor shorter
    # a column of numbers is named with its unit
    named = {"run": "it_gw [GW]", "compare": "days_later [day]", "describe": "unit"}[command]
    assert named in rows[0]


def test_sweep_table_as_json(late_grid, capsys):
    """Grid waits of 2, 6 and 10 months from a request on 2026-01-01: the 500th package
    is installed when the grid arrives, on 2026-03-01, 2026-07-01 and 2026-11-01."""
    argv = ["sweep", str(late_grid), "--vary", "sites.s.power.grid.wait=2 months:10 months:3"]
    out = _run([*argv, "--workers", "1", "--no-progress", "--format", "json"], capsys)
    points = [row for row in json.loads(out)["points"] if row["milestone"] == "first-power"]
    assert [(row["sites.s.power.grid.wait"], row["p50"]) for row in points] == [
        (2.0, "2026-03-01"),
        (6.0, "2026-07-01"),
        (10.0, "2026-11-01"),
    ]


def test_sweep_csv_names_each_varied_input_with_its_unit(late_grid, capsys):
    # A CSV cell is a bare number: the header carries the unit (the grid wait's canonical
    # unit is the month), so 2, 6 and 10 are months, not days.
    argv = ["sweep", str(late_grid), "--vary", "sites.s.power.grid.wait=2 months:10 months:3"]
    out = _run([*argv, "--workers", "1", "--no-progress", "--format", "csv"], capsys)
    rows = list(csv.DictReader(io.StringIO(out)))
    points = [row for row in rows if row["milestone"] == "first-power"]
    assert [(row["sites.s.power.grid.wait [month]"], row["p50"]) for row in points] == [
        ("2.0", "2026-03-01"),
        ("6.0", "2026-07-01"),
        ("10.0", "2026-11-01"),
    ]


def test_csv_names_units_in_its_header_and_rounds_to_six_figures():
    # A CSV cell is a bare number: its unit goes in the column's name, and the digits
    # beyond six significant figures (the arithmetic's, not the model's) are dropped.
    stream = io.StringIO()
    rows = [{"campus": "NC", "months": 16.427104722792606, "level": 478.0, "inside": False}]
    write_csv(rows, stream, {"months": "month", "level": "MW"})
    assert stream.getvalue().splitlines() == [
        "campus,months [month],level [MW],inside",
        "NC,16.4271,478.0,False",
    ]


def test_csv_with_no_rows_still_has_its_header():
    # A Morris or Sobol' ranking lists only the inputs distinguishable from zero; when
    # there are none, the CSV is its header alone, not an empty line a reader rejects.
    stream = io.StringIO()
    write_csv([], stream, {"mu_star": "day per quantile"}, ("input", "label", "mu_star"))
    assert stream.getvalue().splitlines() == ["input,label,mu_star [day per quantile]"]


def test_tornado_csv_gives_the_swing_in_days(late_grid, capsys):
    argv = ["sensitivity", str(late_grid), "--output", "milestone:first-power", "--workers", "1"]
    out = _run([*argv, "--no-progress", "--format", "csv"], capsys)
    header = out.splitlines()[0]
    assert header == "input,label,swing [day],not_met_at"


@pytest.mark.parametrize(
    ("probability", "firm"), [(0.0, "0 % of samples (0 of 4)"), (1.0, "100 % of samples (4 of 4)")]
)
def test_the_answer_says_how_often_a_letter_of_intent_became_firm(probability, firm):
    # A letter of probability 0 never becomes firm, of probability 1 always: its
    # milestones' "not met" in samples where it lapsed is the deal, not supply.
    from capsim.sweep.runner import Execution
    from capsim.sweep.study import monte_carlo

    letter = {"probability": probability, "by": "2026-03-31"}
    scenario = chain(**{"programmes.g.letter_of_intent": letter})
    study = monte_carlo(scenario, 4, seed=1, execution=Execution(workers=1, progress=False))
    notes = answer(scenario, study=study).notes
    assert f"g is a letter of intent that became firm in {firm}" in " ".join(notes)


@pytest.mark.parametrize(("probability", "taken"), [(0.4, "lapsed"), (0.9, "firm")])
def test_a_central_answer_says_how_it_took_a_letter_of_intent(probability, taken):
    # The central run takes a letter as firm when its probability is above one half.
    letter = {"probability": probability, "by": "2026-03-31"}
    scenario = chain(**{"programmes.g.letter_of_intent": letter})
    notes = answer(scenario, central=simulate(scenario)).notes
    assert f"the central run takes it as {taken}" in " ".join(notes)
