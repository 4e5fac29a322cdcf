"""The build model against real campuses, leave one campus out (``capsim builds-check``).

Hand calculations for the site model's dates of a campus, and the leave-one-out figures
against the dataset README's table (months from start to first operation, to 0.1).
"""

from __future__ import annotations

import csv
import io
import json

import numpy as np
import pytest

from capsim.analysis.builds import campus_site, check_campus, reached
from capsim.cli.main import main
from capsim.scenario.archetypes import MW, REGION_SPREAD, fit
from capsim.scenario.pooling import Value, pooled_lognormal
from capsim.scenario.reference import read_campuses

# data/builds/README.md: the 13 greenfield campuses with an observed first operation.
GREENFIELD_MONTHS = {
    "NC": 16.4, "FWA": 30.2, "FWW": 33.1, "AMZ-MAD": 20.7, "AMZ-RID": 26.6, "META-JEF": 28.1,
    "META-ROS": 24.6, "META-MON": 15.6, "GOOG-MESA": 24.0, "GOOG-LIN": 34.4,
    "DAYONE-NUS": 15.0, "VNET-ULQ": 15.5, "HUA-HOR": 19.8,
}  # fmt: skip


def test_a_campus_reaches_its_first_block_after_the_build_time_then_grows_at_the_ramp():
    # First 100 MW built 20 months after the start; the other 200 MW in ten blocks of
    # 20 MW at 20 MW/month: one a month from month 21, so 200 MW at 25 and 300 at 30.
    site = campus_site("c", 100.0, 300.0, build_time=20.0, ramp=20.0 * MW)
    assert reached(site, [100.0, 200.0, 300.0, 301.0]) == pytest.approx(
        [20.0, 25.0, 30.0, float("nan")], nan_ok=True
    )


# The README's greenfield campuses in Asia (its country column), and those still
# building when Epoch's July-2026 copy was taken (2026-07-07): months from their start
# (HYP 2024-12-20, QTS-CR 2025-01-17, GOOG-FTW 2024-04-01) to then, "longer than so far".
ASIA = {"DAYONE-NUS", "VNET-ULQ", "HUA-HOR"}
STILL_BUILDING = [564 / 30.4375, 536 / 30.4375, 827 / 30.4375]


def _pooled_without(site: str, region: str):
    """The greenfield build time for ``region`` fitted by hand without ``site``."""
    values = [
        Value(m, group="asia" if other in ASIA else "north-america")
        for other, m in GREENFIELD_MONTHS.items()
        if other != site
    ]
    values += [Value(m, censored=True, group="north-america") for m in STILL_BUILDING]
    return pooled_lognormal(values, region, REGION_SPREAD)


def test_a_campus_is_predicted_from_its_archetype_fitted_without_it():
    # New Carlisle left out: the log-normal pooled by region over the other 12 campuses
    # and the three still building, for North America; the site model's first block
    # comes after the sampled build time, so its quantiles are the log-normal's.
    expected = _pooled_without("NC", "north-america")
    campuses = read_campuses()
    nc = next(c for c in campuses if c.id == "NC")
    first = check_campus(campuses, nc, samples=2000, seed=1)[0]
    assert first.event == "first operation"
    assert first.months == pytest.approx(16.4, abs=0.05)
    low, mid, high = first.model
    median, sigma = expected.median, expected.sigma
    assert mid == pytest.approx(median, abs=0.5)
    assert low == pytest.approx(median * np.exp(-1.2816 * sigma), abs=0.8)
    assert high == pytest.approx(median * np.exp(1.2816 * sigma), abs=1.2)


def test_a_campus_left_out_is_not_in_its_region_s_estimate_either():
    # DayOne left out: Asia's build time rests on VNET and Huawei alone.
    campuses = read_campuses()
    fitted = fit(campuses, "greenfield", leave_out="DAYONE-NUS", region="asia")
    assert "DAYONE-NUS" not in fitted.build_campuses
    expected = _pooled_without("DAYONE-NUS", "asia")
    assert fitted.build_time.median == pytest.approx(expected.median, abs=0.05)
    assert fitted.build_time.sigma == pytest.approx(expected.sigma, abs=0.005)


def test_builds_check_lists_every_campus_and_the_bar(tmp_path, capsys):
    chart = tmp_path / "builds.png"
    assert main(["builds-check", "--samples", "40", "--plot", str(chart)]) == 0
    out = capsys.readouterr().out
    for site in (*GREENFIELD_MONTHS, "COL1", "CW-DEN", "SG-UAE"):
        assert f"\n{site} " in out
    assert "greenfield, first operation (13 campuses observed): inside P10-P90" in out
    assert "greenfield, largest power step (5 campuses observed)" in out
    assert chart.stat().st_size > 0


def test_a_timeline_without_its_columns_is_a_located_error(tmp_path, capsys):
    bad = tmp_path / "timeline.csv"
    bad.write_text("site_id,date\nX,2024-01-01\n", encoding="utf-8")
    assert main(["builds-check", str(bad)]) == 2
    err = capsys.readouterr().err
    assert f"error: {bad}:1:1: expected columns site_id, site_name, milestone" in err
    assert "missing site_name, milestone, value_mw" in err


HEADER = "site_id,site_name,milestone,value_mw,power_basis,date,status,source,source_date,note\n"


def _row(site: str, milestone: str, mw: str, day: str) -> str:
    return f"{site},{site},{milestone},{mw},facility,{day},observed,Press,2026-01-01,\n"


def test_any_timeline_in_its_form_is_checked_leave_one_out(tmp_path, capsys):
    # Three greenfield campuses started 2020-01-01, first operating 12, 24 and 48 months
    # later (365.25 / 12 days a month, within a day). A is predicted from B and C: a
    # log-normal of median sqrt(24 x 48) = 33.9 months.
    timeline = tmp_path / "timeline.csv"
    rows = [HEADER]
    for site, day in (("A", "2021-01-01"), ("B", "2022-01-01"), ("C", "2024-01-01")):
        rows += [_row(site, "construction_start", "", "2020-01-01")]
        rows += [_row(site, "first_operational", "100", day)]
    timeline.write_text("".join(rows), encoding="utf-8")
    (tmp_path / "campus_archetypes.csv").write_text(
        "site_id,archetype,reason\nA,greenfield,x\nB,greenfield,x\nC,greenfield,x\n",
        encoding="utf-8",
    )
    campuses = read_campuses(timeline)
    a = next(c for c in campuses if c.id == "A")
    first = check_campus(campuses, a, samples=2000, seed=3)[0]
    assert first.months == pytest.approx(12.0, abs=0.1)
    assert first.model[1] == pytest.approx(np.sqrt(24 * 48), abs=1.5)
    assert main(["builds-check", str(timeline), "--samples", "20"]) == 0
    assert "greenfield, first operation (3 campuses observed)" in capsys.readouterr().out

    # The same checks for programs: months from the start as written in the file.
    assert main(["builds-check", str(timeline), "--samples", "20", "--format", "json"]) == 0
    document = json.loads(capsys.readouterr().out)
    months = {row["campus"]: row["months"] for row in document["checks"]}
    assert months == pytest.approx({"A": 12.0, "B": 24.0, "C": 48.0}, abs=0.1)
    assert document["units"]["months"] == "month"
    first = document["bar"][0]
    assert (first["events"], first["count"]) == ("first operation", 3)
    assert main(["builds-check", str(timeline), "--samples", "20", "--format", "csv"]) == 0
    rows = list(csv.DictReader(io.StringIO(capsys.readouterr().out)))
    assert [(row["campus"], row["event"]) for row in rows] == [
        (site, "first operation") for site in "ABC"
    ]


def test_a_region_outside_the_list_is_a_located_error(tmp_path, capsys):
    timeline = tmp_path / "timeline.csv"
    timeline.write_text(
        HEADER
        + _row("A", "construction_start", "", "2020-01-01")
        + _row("A", "first_operational", "100", "2021-01-01"),
        encoding="utf-8",
    )
    archetypes = tmp_path / "campus_archetypes.csv"
    archetypes.write_text("site_id,archetype,region\nA,greenfield,mars\n", encoding="utf-8")
    assert main(["builds-check", str(timeline)]) == 2
    err = capsys.readouterr().err
    assert f"{archetypes}:2: region: expected one of north-america" in err
    assert "found 'mars'" in err


@pytest.mark.parametrize(
    ("row", "message"),
    [
        # a date no calendar has, on a row the check would not otherwise read
        (
            _row("A", "land_clearing", "", "2024-13-45"),
            "date: expected YYYY-MM-DD, found '2024-13-45'",
        ),
        (
            _row("A", "power_threshold", "lots", "2023-01-01"),
            "value_mw: expected a number of MW >= 0, found 'lots'",
        ),
        (
            _row("A", "power_threshold", "nan", "2023-01-01"),
            "value_mw: expected a number of MW >= 0, found 'nan'",
        ),
        (
            _row("A", "power_threshold", "-5", "2023-01-01"),
            "value_mw: expected a number of MW >= 0, found '-5'",
        ),
    ],
    ids=["unread-row-date", "text-mw", "nan-mw", "negative-mw"],
)
def test_every_row_of_a_timeline_is_checked(tmp_path, capsys, row, message):
    timeline = tmp_path / "timeline.csv"
    rows = [HEADER, _row("A", "construction_start", "", "2020-01-01")]
    rows += [_row("A", "first_operational", "100", "2021-01-01"), row]
    timeline.write_text("".join(rows), encoding="utf-8")
    (tmp_path / "campus_archetypes.csv").write_text(
        "site_id,archetype,reason\nA,greenfield,x\n", encoding="utf-8"
    )
    assert main(["builds-check", str(timeline), "--samples", "20"]) == 2
    assert capsys.readouterr().err == f"error: {timeline}:4: {message}\n"


def _files(tmp_path, timeline_rows, archetypes="site_id,archetype\nA,greenfield\n"):
    """A timeline of ``HEADER`` and ``timeline_rows`` and an archetype file beside it."""
    timeline = tmp_path / "timeline.csv"
    timeline.write_text(HEADER + "".join(timeline_rows), encoding="utf-8")
    (tmp_path / "campus_archetypes.csv").write_text(archetypes, encoding="utf-8")
    return timeline, tmp_path / "campus_archetypes.csv"


@pytest.mark.parametrize(
    ("row", "message"),
    [
        (
            _row("A", "first_operation", "", "2023-01-01"),
            "milestone: expected one of announced, land_clearing, construction_start, "
            "first_building_roofed, first_energised, first_operational, power_threshold, "
            "full_build_planned, full_build, found 'first_operation'",
        ),
        (
            "A,A,announced,,,2023-01-01,Observed,Press,2026-01-01,\n",
            "status: expected one of observed, projected, found 'Observed'",
        ),
        (
            "A,A,power_threshold,200,Facility,2023-01-01,observed,Press,2026-01-01,\n",
            "power_basis: expected one of facility, it, unknown (or blank where value_mw is), "
            "found 'Facility'",
        ),
        (
            "A,A,power_threshold,200,,2023-01-01,observed,Press,2026-01-01,\n",
            "power_basis: expected one of facility, it, unknown (or blank where value_mw is), "
            "found ''",
        ),
        (_row("A", "announced", "", "20190209"), "date: expected YYYY-MM-DD, found '20190209'"),
        (
            _row("A", "announced", "", "2019-W06-5"),
            "date: expected YYYY-MM-DD, found '2019-W06-5'",
        ),
        (
            "A,A,announced,,,2019-01-01,observed,Press,20260101,\n",
            "source_date: expected YYYY-MM-DD, found '20260101'",
        ),
        (
            _row("A", "power_threshold", "150000", "2023-01-01"),
            "value_mw: expected at most 100000 MW, found '150000'",
        ),
    ],
    ids=[
        "milestone",
        "status",
        "power-basis",
        "mw-without-basis",
        "compact-date",
        "week-date",
        "compact-source-date",
        "mw-above-100-gw",
    ],
)
def test_every_coded_cell_of_a_timeline_is_checked(tmp_path, capsys, row, message):
    timeline, _ = _files(
        tmp_path,
        [
            _row("A", "construction_start", "", "2020-01-01"),
            _row("A", "first_operational", "100", "2021-01-01"),
            row,
        ],
    )
    assert main(["builds-check", str(timeline), "--samples", "20"]) == 2
    assert capsys.readouterr().err == f"error: {timeline}:4: {message}\n"


@pytest.mark.parametrize(
    ("cells", "message"),
    [
        (
            "2023-01-01,weekly",
            "date_precision: expected one of day, month, quarter, year (or blank where date "
            "is), found 'weekly'",
        ),
        (
            "2023-01-01,",
            "date_precision: expected one of day, month, quarter, year (or blank where date "
            "is), found ''",
        ),
    ],
    ids=["unknown", "blank-with-a-date"],
)
def test_a_date_precision_outside_the_list_is_a_located_error(tmp_path, capsys, cells, message):
    # The optional column, as in data/builds: after the date.
    header = HEADER.replace(",date,", ",date,date_precision,")
    timeline = tmp_path / "timeline.csv"
    timeline.write_text(
        header
        + "A,A,construction_start,,,2020-01-01,day,observed,Press,2026-01-01,\n"
        + "A,A,full_build_planned,,,,,projected,Press,2026-01-01,\n"
        + f"A,A,announced,,,{cells},observed,Press,2026-01-01,\n",
        encoding="utf-8",
    )
    (tmp_path / "campus_archetypes.csv").write_text(
        "site_id,archetype\nA,greenfield\n", encoding="utf-8"
    )
    assert main(["builds-check", str(timeline), "--samples", "20"]) == 2
    assert capsys.readouterr().err == f"error: {timeline}:4: {message}\n"


@pytest.mark.parametrize(
    ("row", "found"),
    [("A,A,x\n", 3), (_row("A", "announced", "", "2019-01-01").replace("\n", ",x\n"), 11)],
    ids=["short", "long"],
)
def test_a_row_of_too_few_or_too_many_cells_is_a_located_error(tmp_path, capsys, row, found):
    timeline, _ = _files(tmp_path, [_row("A", "construction_start", "", "2020-01-01"), row])
    assert main(["builds-check", str(timeline), "--samples", "20"]) == 2
    assert capsys.readouterr().err == f"error: {timeline}:3: expected 10 columns, found {found}\n"


@pytest.mark.parametrize(
    ("which", "line", "column"),
    # a Latin-1 e-acute on line 3: in the timeline after "A,A" (character 4), in the
    # archetype file after "A,gr" (character 5)
    [("timeline", b"A,A\xe9,first_operational,100,facility,2021-01-01,observed,P,,\n", 4),
     ("archetypes", b"A,gr\xe9enfield\n", 5)],
    ids=["timeline", "archetypes"],
)  # fmt: skip
def test_a_file_that_is_not_utf8_is_a_located_error(tmp_path, capsys, which, line, column):
    timeline, archetypes = _files(tmp_path, [_row("A", "construction_start", "", "2020-01-01")])
    bad = timeline if which == "timeline" else archetypes
    if which == "archetypes":
        bad.write_bytes(b"site_id,archetype\nB,greenfield\n")
    bad.write_bytes(bad.read_bytes() + line)
    assert main(["builds-check", str(timeline), "--samples", "20"]) == 2
    assert (
        capsys.readouterr().err
        == f"error: {bad}:3:{column}: expected UTF-8 text, found byte 0xe9\n"
    )


def test_a_byte_order_mark_is_not_part_of_the_first_column(tmp_path, capsys):
    rows = []
    for site, day in (("A", "2021-01-01"), ("B", "2022-01-01"), ("C", "2024-01-01")):
        rows += [_row(site, "construction_start", "", "2020-01-01")]
        rows += [_row(site, "first_operational", "100", day)]
    timeline, archetypes = _files(
        tmp_path, rows, "site_id,archetype\nA,greenfield\nB,greenfield\nC,greenfield\n"
    )
    for path in (timeline, archetypes):
        path.write_bytes(b"\xef\xbb\xbf" + path.read_bytes())
    assert main(["builds-check", str(timeline), "--samples", "20"]) == 0
    assert "timeline.csv: 3 campuses" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("start", "first", "status"),
    [
        ("2021-06-01", "2021-01-01", "observed"),
        ("2021-01-01", "2021-01-01", "observed"),
        ("2021-06-01", "2021-01-01", "projected"),
    ],
    ids=["before", "same-day", "projected-before"],
)
def test_a_first_operation_not_after_the_construction_start_is_a_located_error(
    tmp_path, capsys, start, first, status
):
    timeline, _ = _files(
        tmp_path,
        [
            _row("A", "construction_start", "", start),
            _row("A", "first_operational", "100", first).replace(",observed,", f",{status},"),
        ],
    )
    assert main(["builds-check", str(timeline), "--samples", "20"]) == 2
    assert capsys.readouterr().err == (
        f"error: {timeline}:3: date: expected a first operation after the construction start "
        f"{start} (line 2), found '{first}'\n"
    )


@pytest.mark.parametrize(
    ("archetypes", "message"),
    [
        (
            "site_id,archetype\nA,greenfeild\n",
            "2: archetype: expected one of greenfield, fast-track, retrofit, found 'greenfeild'",
        ),
        (
            "site_id,archetype\nA,\n",
            "2: archetype: expected one of greenfield, fast-track, retrofit, found ''",
        ),
        (
            "site_id,archetype,region\nA,greenfield,asia\nB,retrofit,asia\nA,retrofit,asia\n",
            "4: site_id: expected each campus once, found 'A' again (first on line 2)",
        ),
        ("site_id,archetype\n,greenfield\n", "2: site_id: expected a campus key, found ''"),
        ("site_id,archetype\nA,greenfield,asia\n", "2: expected 2 columns, found 3"),
    ],
    ids=["unknown", "blank", "duplicate", "blank-site", "long-row"],
)
def test_every_row_of_an_archetype_file_is_checked(tmp_path, capsys, archetypes, message):
    timeline, path = _files(
        tmp_path,
        [
            _row("A", "construction_start", "", "2020-01-01"),
            _row("A", "first_operational", "100", "2021-01-01"),
        ],
        archetypes,
    )
    assert main(["builds-check", str(timeline), "--samples", "20"]) == 2
    assert capsys.readouterr().err == f"error: {path}:{message}\n"


@pytest.mark.parametrize(
    ("rows", "archetypes", "which"),
    [
        ([], "site_id,archetype\nA,greenfield\n", "timeline"),
        ([_row("A", "construction_start", "", "2020-01-01")], "site_id,archetype\n", "archetypes"),
    ],
    ids=["timeline", "archetypes"],
)
def test_a_file_of_a_header_alone_is_an_error_naming_it(tmp_path, capsys, rows, archetypes, which):
    timeline, path = _files(tmp_path, rows, archetypes)
    bad = timeline if which == "timeline" else path
    assert main(["builds-check", str(timeline), "--samples", "20"]) == 2
    assert capsys.readouterr().err == f"error: {bad}: expected rows after the header, found none\n"


def test_an_archetype_file_naming_no_campus_of_the_timeline_is_an_error_naming_both(
    tmp_path, capsys
):
    timeline, archetypes = _files(
        tmp_path,
        [_row(site, "construction_start", "", "2020-01-01") for site in "ABCD"],
        "site_id,archetype\nZ,greenfield\n",
    )
    assert main(["builds-check", str(timeline), "--samples", "20"]) == 2
    assert capsys.readouterr().err == (
        f"error: {archetypes}: site_id: expected an archetype for a campus of {timeline} "
        "('A', 'B', 'C', ...), found none\n"
    )
