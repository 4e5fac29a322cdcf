"""Builder archetypes fitted to the reference class of data-centre builds (data/builds).

References are the dataset's own README (its per-site summary table, read by hand), not
capsim's reading of the CSV: months from construction start to first operation are
quoted there to 0.1 month.
"""

from __future__ import annotations

import datetime as dt
import re
import shutil
from pathlib import Path

import numpy as np
import pytest
from scipy import stats

from builders import chain
from capsim.cli.main import main
from capsim.model.resolve import resolve
from capsim.scenario.archetypes import PHASE_SHARES, REGION_SPREAD, shipped
from capsim.scenario.pooling import Value, pooled_lognormal
from capsim.scenario.reference import read_campuses
from capsim.sweep.plans import MonteCarloPlan
from capsim.sweep.space import UncertainSpace

ROOT = Path(__file__).resolve().parents[1]
DOCS = ROOT / "docs" / "scenario-format.md"

# data/builds/README.md, per-site summary: months from start to first operation of the
# 13 greenfield campuses with one observed (all but Colossus 1 and Denton).
GREENFIELD_MONTHS = [16.4, 30.2, 33.1, 20.7, 26.6, 28.1, 24.6, 15.6, 24.0, 34.4, 15.0, 15.5, 19.8]
# The same table's projected first operations of the fast-track campuses.
FAST_TRACK_PROJECTED = [24.4, 16.6, 17.7, 18.9, 13.0]


def _lognormal_fit(months: list[float]) -> tuple[float, float]:
    """Median and predictive sigma of the log-normal fitted by hand (mean and n - 1
    standard deviation of the logs, widened by sqrt(1 + 1/n))."""
    logs = np.log(months)
    n = len(months)
    return float(np.exp(logs.mean())), float(logs.std(ddof=1) * np.sqrt(1 + 1 / n))


def test_the_reference_class_reads_as_its_readme_summarises_it():
    campuses = {c.id: c for c in read_campuses()}
    assert len(campuses) == 27
    nc = campuses["NC"]
    assert nc.start == dt.date(2024, 2, 9)
    assert nc.first == (dt.date(2025, 6, 23), 478.0)
    assert nc.months(nc.first[0]) == pytest.approx(16.4, abs=0.05)
    assert nc.largest_step == (dt.date(2026, 3, 23), 1092.0)
    # Fairwater Atlanta's Dec-2025 estimate (87 MW in Dec 2024) was superseded.
    assert campuses["FWA"].first == (dt.date(2025, 10, 14), 433.0)
    greenfield = [
        c.months(c.first[0])
        for c in campuses.values()
        if c.archetype == "greenfield" and c.first is not None
    ]
    assert sorted(greenfield) == pytest.approx(sorted(GREENFIELD_MONTHS), abs=0.05)
    # "median 24.0, range 15.0-34.4"
    assert np.median(greenfield) == pytest.approx(24.0, abs=0.05)


# The same table's regions (its country column) and the greenfield campuses still
# building when Epoch's July-2026 copy (2026-07-07) was taken: months from their start
# to then, "longer than so far".
ASIA = {"DAYONE-NUS", "VNET-ULQ", "HUA-HOR"}
GREENFIELD_IDS = [
    "NC", "FWA", "FWW", "AMZ-MAD", "AMZ-RID", "META-JEF", "META-ROS", "META-MON",
    "GOOG-MESA", "GOOG-LIN", "DAYONE-NUS", "VNET-ULQ", "HUA-HOR",
]  # fmt: skip
SEEN = dt.date(2026, 7, 7)
STILL_BUILDING = {
    "HYP": dt.date(2024, 12, 20), "QTS-CR": dt.date(2025, 1, 17), "GOOG-FTW": dt.date(2024, 4, 1),
}  # fmt: skip


def _greenfield_values() -> list[Value]:
    values = [
        Value(m, group="asia" if site in ASIA else "north-america")
        for site, m in zip(GREENFIELD_IDS, GREENFIELD_MONTHS, strict=True)
    ]
    values += [
        Value((SEEN - start).days / 30.4375, censored=True, group="north-america")
        for start in STILL_BUILDING.values()
    ]
    return values


@pytest.mark.parametrize("region", ["north-america", "asia", None])
def test_greenfield_build_time_is_pooled_by_region_with_campuses_still_building(region):
    # The 13 README months by region and the three campuses still building, through the
    # pooled log-normal (checked by hand in test_pooling.py).
    expected = pooled_lognormal(_greenfield_values(), region, REGION_SPREAD)
    archetype = shipped(region)["greenfield"]
    assert archetype.build_time.median == pytest.approx(expected.median, abs=0.05)
    assert archetype.build_time.sigma == pytest.approx(expected.sigma, abs=0.005)
    assert archetype.build_censored == tuple(STILL_BUILDING)
    assert "3 still building (longer than so far): HYP, QTS-CR, GOOG-FTW" in archetype.source(
        "build_time"
    )


def test_a_region_s_build_time_lies_between_its_campuses_and_the_archetype():
    # Shrinkage: the Asian median lies between the three Asian campuses' geometric mean
    # (cube root of 15.0 x 15.5 x 19.8 = 16.6 months) and the all-campus one (22.5).
    asian = float(np.exp(np.mean(np.log([15.0, 15.5, 19.8]))))
    assert asian == pytest.approx(16.6, abs=0.05)
    median, _ = _lognormal_fit(GREENFIELD_MONTHS)
    assert asian < shipped("asia")["greenfield"].build_time.median < median
    # A campus of no stated region: the archetype's centre, and a wider spread.
    assert shipped()["greenfield"].build_time.sigma > shipped("asia")["greenfield"].build_time.sigma


def test_fast_track_is_fitted_to_its_projections():
    values = [Value(m, group="north-america") for m in FAST_TRACK_PROJECTED]
    values[2] = Value(FAST_TRACK_PROJECTED[2], group="middle-east")  # Stargate UAE
    expected = pooled_lognormal(values, "north-america", REGION_SPREAD)
    archetype = shipped("north-america")["fast-track"]
    assert archetype.build_time.median == pytest.approx(expected.median, abs=0.05)
    assert archetype.build_basis == "projected"
    assert "5 fast-track campuses, projected" in archetype.source("build_time")


def test_a_retrofit_is_fitted_to_colossus_1_and_denton():
    # 3.6 and 6.9 months (README): geometric mean sqrt(3.6 x 6.9) = 4.98 months.
    assert shipped()["retrofit"].build_time.median == pytest.approx(np.sqrt(3.6 * 6.9), abs=0.05)


def test_an_archetype_s_sampled_durations_follow_its_fitted_distribution():
    # A chain site of archetype greenfield in Asia whose building gives no phases: 400
    # Monte Carlo draws of its phases sum to build times that a Kolmogorov-Smirnov test
    # cannot tell from the archetype's log-normal for Asia (the pooled fit to the
    # README's campuses, checked above).
    changes = {
        "sites.s.archetype": "greenfield",
        "sites.s.region": "asia",
        "sites.s.buildings": [{"id": "b1", "it_capacity": "100 MW", "start": "2026-01-01"}],
    }
    scenario = chain(**changes)
    space = UncertainSpace(scenario)
    rows = MonteCarloPlan(space, samples=400, seed=7).rows(0, 400)
    totals = [
        sum(d for _, d in resolve(scenario, space.draw(row)).sites["s"].buildings[0].phases)
        for row in rows
    ]
    fitted = pooled_lognormal(_greenfield_values(), "asia", REGION_SPREAD)
    median, sigma = fitted.median, fitted.sigma
    result = stats.kstest(totals, stats.lognorm(sigma, scale=median).cdf)
    assert result.pvalue > 0.01
    # The shares split each draw: the shell is 79 % of it.
    building = resolve(scenario).sites["s"].buildings[0]
    assert dict(building.phases)["shell"] == pytest.approx(
        dict(PHASE_SHARES)["shell"] * median, abs=0.05
    )


def test_blocks_follow_one_another_at_the_archetype_s_ramp():
    # 4 blocks of 100 MW IT x PUE 1.25 = 125 MW facility each; at the retrofit ramp's
    # median the central block interval is 125 MW over it.
    changes = {
        "sites.s.archetype": "retrofit",
        "sites.s.buildings": [
            {"id": "b1", "it_capacity": "400 MW", "start": "2026-01-01", "blocks": 4}
        ],
    }
    building = resolve(chain(**changes)).sites["s"].buildings[0]
    ramp = shipped()["retrofit"].ramp.median
    assert building.block_interval == pytest.approx(125e6 / ramp)


def _example() -> str:
    """The campus example of docs/scenario-format.md (the YAML block after its
    "written from its announcement" paragraph)."""
    text = DOCS.read_text(encoding="utf-8")
    after = text[text.index("A campus written from its announcement") :]
    return re.search(r"```yaml\n(.*?)```", after, re.S).group(1)


def test_a_campus_written_from_its_announcement_takes_25_lines_validates_and_runs(tmp_path, capsys):
    example = _example()
    assert len(example.splitlines()) <= 25
    shutil.copy(ROOT / "scenarios" / "base-world.yaml", tmp_path / "base-world.yaml")
    path = tmp_path / "campus.yaml"
    path.write_text(example, encoding="utf-8")
    assert main(["validate", str(path)]) == 0
    output = tmp_path / "campus.nc"
    argv = ["run", str(path), "--deterministic", "--set", "horizon.end=2028-12-31"]
    assert main([*argv, "-o", str(output)]) == 0
    capsys.readouterr()
    import xarray as xr

    result = xr.open_dataset(output)
    ready = result.building_ready.sel(building="example-campus/campus").values
    # Work from 2026-10-01 and the fast-track build time's median (the README's
    # projections; for North America within a day of their geometric mean): 17.75
    # months later, 2028-03-24 (+-1 day).
    median, _ = _lognormal_fit(FAST_TRACK_PROJECTED)
    expected = np.datetime64("2026-10-01") + np.timedelta64(round(median * 365.25 / 12), "D")
    assert abs(ready.astype("datetime64[D]") - expected) <= np.timedelta64(1, "D")
    # The first of 8 halls (120 MW IT each) takes racks from then.
    capacity = result.ready_it_capacity.sel(site="example-campus")
    assert float(capacity.sel(time="2028-04").max()) == pytest.approx(120e6)


def test_a_site_s_region_is_one_of_the_list(tmp_path, capsys):
    shutil.copy(ROOT / "scenarios" / "base-world.yaml", tmp_path / "base-world.yaml")
    path = tmp_path / "campus.yaml"
    path.write_text(_example().replace("region: north-america", "region: mars"), encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert "sites.example-campus.region: expected 'north-america'" in err
    assert "found 'mars'" in err


def test_a_building_without_phases_needs_a_build_time_or_an_archetype(tmp_path, capsys):
    changes = {"sites.s.buildings": [{"id": "b1", "it_capacity": "1 MW", "start": "2026-01-01"}]}
    import yaml

    from builders import chain_data

    path = tmp_path / "s.yaml"
    path.write_text(yaml.safe_dump(chain_data(**changes), sort_keys=False), encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    err = capsys.readouterr().err
    assert (
        "sites.s.buildings[0].build_time: give the five phases, build_time, or the site's archetype"
        in err
    )
    partial = {
        "sites.s.buildings": [
            {"id": "b1", "it_capacity": "1 MW", "start": "2026-01-01", "permits": "1 month"}
        ]
    }
    path.write_text(yaml.safe_dump(chain_data(**partial), sort_keys=False), encoding="utf-8")
    assert main(["validate", str(path)]) == 2
    assert "give all five phases" in capsys.readouterr().err
