"""A site that hosts several programmes: shared power, each building its tenant's.

The world (hand-calculated; months from 2026-01-01, t = 0):

- products ``p`` (2000 W, 100 package/rack) and ``q`` (1000 W, 50 package/rack) of one
  designer, with supply far above what is ordered;
- programme ``g`` orders 5000 ``p`` and banks them a year ahead (``staging: 12
  months``); programme ``h`` orders 1000 ``q`` with the default six weeks;
- site ``campus`` (PUE 1.25, one crew of 10 rack/month: 1000 ``p`` or 500 ``q`` a
  month) has building ``a`` (g's, 10 MW IT: 5000 slots of ``p``, built at t = 1.5) and
  building ``b`` (h's, 10 MW IT: 10 000 slots of ``q``, built at t = 1); a grid of
  25 MW facility power in two tranches of 12.5 MW, at t = 2 and t = 5. Each building
  needs 10 MW x 1.25 = 12.5 MW.

So ``b``, built first, takes the first tranche (2026-03-01) and ``a`` the second
(2026-06-01). ``h``'s crews fill ``b`` from t = 2 at 500 a month, as its deliveries
(paced to what ``b`` can take six weeks ahead) come in: its 1000 are installed at
t = 4 (2026-05-01). ``g`` holds its 5000 packages from before ``a`` has power, yet
installs none in ``b``'s 9000 empty slots: it starts when ``a`` is energised
(2026-06-01) and, the crews free, installs 1000 a month to 5000 at t = 10
(2026-11-01).
"""

from __future__ import annotations

import copy
from pathlib import Path

import numpy as np
import pytest
import yaml

from builders import chain_data
from capsim.cli.main import main
from capsim.model.resolve import resolve
from capsim.model.world import World
from capsim.scenario.document import Scenario
from capsim.simulation import simulate
from capsim.sweep.runner import Execution
from capsim.sweep.sample import redate
from capsim.sweep.study import monte_carlo

PHASES = {"permits": "0 month", "fit_out": "0 month", "cooling": "0 month"}


def shared_data() -> dict:
    """The shared campus world (see the module docstring), as scenario data."""
    data = chain_data(
        **{
            "logic_fabs.f.wafer_starts": "100 wafer/month",
            "packaging.c.capacity": "1000 wafer/month",
            "hbm_vendors.v.capacity.HBM4": "400000 stack/month",
            "hbm_vendors.v.qualification.q": "2025-01-01",
        }
    )
    data["products"]["q"] = copy.deepcopy(data["products"]["p"]) | {
        "it_power": "1000 W",
        "packages_per_rack": "50 package/rack",
    }
    data["programmes"] = {
        "g": {
            "buyer": "b",
            "product": "p",
            "target_packages": "5000 package",
            "start": "2025-01-01",
            "destination": "US",
            "sites": ["campus"],
            "staging": "12 months",
        },
        "h": {
            "buyer": "c",
            "product": "q",
            "target_packages": "1000 package",
            "start": "2025-01-01",
            "destination": "US",
            "sites": ["campus"],
        },
    }
    site = data["sites"].pop("s")
    site["buildings"] = [
        {"id": "a", "programme": "g", "it_capacity": "10 MW", "start": "2026-01-01"}
        | PHASES
        | {"shell": "1.5 month", "commissioning": "0 month"},
        {"id": "b", "programme": "h", "it_capacity": "10 MW", "start": "2026-01-01"}
        | PHASES
        | {"shell": "1 month", "commissioning": "0 month"},
    ]
    site["power"] = {
        "grid": {
            "capacity": "25 MW",
            "requested": "2026-01-01",
            "wait": "2 months",
            "tranches": 2,
            "tranche_interval": "3 months",
        }
    }
    site["crews"] = 1
    site["crew_rate"] = "10 rack/month"
    data["sites"]["campus"] = site
    data["milestones"] = {
        "g-first": {"quantity": "packages_installed", "threshold": "1 package", "programme": "g"},
        "g-all": {"quantity": "packages_installed", "threshold": "5000 package", "programme": "g"},
        "h-all": {"quantity": "packages_installed", "threshold": "1000 package", "programme": "h"},
        "g-at-campus": {
            "quantity": "it_power_online",
            "threshold": "10 MW",
            "site": "campus",
            "programme": "g",
        },
        "campus-11mw": {"quantity": "it_power_online", "threshold": "11 MW", "site": "campus"},
    }
    return data


@pytest.fixture(scope="module")
def result():
    return simulate(Scenario.model_validate(shared_data()))


def _day(text: str) -> np.datetime64:
    return np.datetime64(text, "ns")


def test_the_building_built_first_takes_the_first_tranche(result):
    ready = result.building_ready
    assert ready.sel(building="campus/b").values == _day("2026-03-01")
    assert ready.sel(building="campus/a").values == _day("2026-06-01")
    power = result.power_available.sel(site="campus").values
    ready_it = result.ready_it_capacity.sel(site="campus").values
    # month ends: Jan, Feb nothing; Mar-May one tranche and building b; from June both
    np.testing.assert_allclose(power[:6], [0, 0, 12.5e6, 12.5e6, 12.5e6, 25e6])
    np.testing.assert_allclose(ready_it[:6], [0, 0, 10e6, 10e6, 10e6, 20e6])


def test_each_programme_installs_only_in_its_own_buildings(result):
    g = result.tenancy_packages_installed.sel(tenancy="campus/g").values
    h = result.tenancy_packages_installed.sel(tenancy="campus/h").values
    stranded = result.stranded_packages.sel(programme="g").values
    # g holds packages while b has 9000 empty slots, and installs none before June
    assert np.all(stranded[2:5] > 0)
    np.testing.assert_allclose(g[:5], 0.0, atol=1e-9)
    # then 1000 a month (the crews' rate for p) from 2026-06-01 to 2026-11-01
    np.testing.assert_allclose(g[5:10], 1000.0, rtol=1e-9)
    np.testing.assert_allclose(g[10:], 0.0, atol=1e-9)
    # h: 500 a month (the crews' rate for q) in March and April
    np.testing.assert_allclose(h, [0, 0, 500, 500] + [0] * 8, atol=1e-6)
    # each tenancy's power is its own product's: 5000 x 2000 W and 1000 x 1000 W
    it = result.tenancy_it_power_online.isel(time=-1)
    assert it.sel(tenancy="campus/g").item() == pytest.approx(10e6)
    assert it.sel(tenancy="campus/h").item() == pytest.approx(1e6)
    site_it = result.site_it_power_online.sel(site="campus").isel(time=-1).item()
    assert site_it == pytest.approx(11e6)
    assert result.it_power_online.sel(programme="g").isel(time=-1).item() == pytest.approx(10e6)


def test_milestones_of_each_tenant(result):
    dates = result.milestone_date
    assert dates.sel(milestone="h-all").values == _day("2026-05-01")
    assert dates.sel(milestone="g-first").values == _day("2026-06-01")
    assert dates.sel(milestone="g-all").values == _day("2026-11-01")
    assert dates.sel(milestone="g-at-campus").values == _day("2026-11-01")
    # the site's 11 MW: h's 1 MW and g's 10 MW, so the day g's last package goes in
    assert dates.sel(milestone="campus-11mw").values == _day("2026-11-01")


def test_a_tenant_is_paced_to_its_own_buildings():
    """What each tenant's crews could have installed by t = 7, as planned at t = 0:
    g: a's 5000 slots open at t = 5, 1000 a month -> 2000; h: b's 10 000 open at t = 2,
    500 a month -> 2500. Neither counts the other's building."""
    world = World(resolve(Scenario.model_validate(shared_data())))
    assert world._installable("g", 7.0) == pytest.approx(2000.0)
    assert world._installable("h", 7.0) == pytest.approx(2500.0)
    assert world._installable("g", 4.9) == pytest.approx(0.0)
    # the room at t = 0: g plans 12 months ahead (all 5000), h 1.5 months (b opens at 2)
    books = world.allocator.books
    assert world.allocator.room(books["g"], 0.0) == pytest.approx(5000.0)
    assert world.allocator.room(books["h"], 0.0) == pytest.approx(0.0)


def test_single_programme_outputs_have_no_tenancy():
    result = simulate(Scenario.model_validate(chain_data()))
    assert "tenancy" not in result.dims
    assert "tenancy_packages_installed" not in result


def test_a_study_keeps_each_tenancy_and_redates_from_it():
    """A study of the shared campus keeps one installation path per tenancy, and dating
    the milestones again from the store gives the dates the runs gave (the uncertain
    grid wait moves them from sample to sample)."""
    data = shared_data()
    data["sites"]["campus"]["power"]["grid"]["wait"] = {
        "dist": "uniform",
        "low": "1 month",
        "high": "3 months",
        "source": "assumption: test",
    }
    scenario = Scenario.model_validate(data)
    study = monte_carlo(scenario, 4, seed=1, execution=Execution(workers=1, progress=False))
    assert study["install_time"].dims == ("sample", "tenancy", "install_point")
    assert list(study["tenancy"].values) == ["campus/g", "campus/h"]
    assert list(study["site_programme"].values) == ["g", "h"]
    redated = redate(study, scenario)
    np.testing.assert_array_equal(redated.values, study["milestone_date"].values)


# --- bad input -----------------------------------------------------------------------------


def _validate(tmp_path: Path, capsys, data: dict) -> tuple[str, list[str]]:
    text = yaml.safe_dump(data, sort_keys=False)
    path = tmp_path / "shared.yaml"
    path.write_text(text, encoding="utf-8")
    code = main(["validate", str(path)])
    out, err = capsys.readouterr()
    assert code == 2, out + err
    assert "Traceback" not in err
    return text, err.splitlines()


def _at(text: str, needle: str, value: bool = False) -> str:
    index = text.index(needle) + (needle.index(": ") + 2 if value else 0)
    assert text.count(needle) == 1
    line = text.count("\n", 0, index) + 1
    return f"{line}:{index - (text.rfind(chr(10), 0, index) + 1) + 1}"


def test_a_building_of_a_programme_that_does_not_list_the_site(tmp_path, capsys):
    data = shared_data()
    data["programmes"]["k"] = copy.deepcopy(data["programmes"]["h"]) | {"sites": []}
    data["sites"]["campus"]["buildings"][1]["programme"] = "k"
    text, lines = _validate(tmp_path, capsys, data)
    path = tmp_path / "shared.yaml"
    assert lines == [
        f"error: {path}:{_at(text, 'programme: k', value=True)}: "
        "sites.campus.buildings[1].programme: expected a programme that lists site "
        "'campus' in its sites (g, h); found 'k', which does not",
        "1 problem found",
    ]


def test_a_shared_site_building_without_a_tenant(tmp_path, capsys):
    data = shared_data()
    del data["sites"]["campus"]["buildings"][0]["programme"]
    text, lines = _validate(tmp_path, capsys, data)
    path = tmp_path / "shared.yaml"
    assert lines == [
        f"error: {path}:{_at(text, 'id: a' + chr(10))}: sites.campus.buildings[0]: site 'campus' "
        "hosts several programmes (g, h): say whose building this is with programme: one "
        "of them; found none",
        "1 problem found",
    ]


def test_a_tenant_without_a_building(tmp_path, capsys):
    data = shared_data()
    data["sites"]["campus"]["buildings"][1]["programme"] = "g"
    text, lines = _validate(tmp_path, capsys, data)
    path = tmp_path / "shared.yaml"
    assert lines == [
        f"error: {path}:{_at(text, '- id: a')}: sites.campus.buildings: programme 'h' "
        "lists site 'campus': expected a building with programme: h, found none",
        "1 problem found",
    ]


def test_the_tenants_share_the_crews():
    """One grid tranche of 25 MW at t = 2 energises both buildings at once. g holds 5000
    packages, h's 1000 come in by t = 3: the one crew team has 5000 / 1000 + 1000 / 500
    = 7 months of work from 2026-03-01, busy all of March to September whichever lot
    goes first, so the last package goes in on 2026-10-01 (each tenant with crews of its
    own would be done by 2026-08-01)."""
    data = shared_data()
    data["sites"]["campus"]["power"]["grid"] |= {"tranches": 1}
    result = simulate(Scenario.model_validate(data))
    ready = result.building_ready.values
    assert list(ready) == [_day("2026-03-01")] * 2
    g = result.tenancy_packages_installed.sel(tenancy="campus/g").values
    h = result.tenancy_packages_installed.sel(tenancy="campus/h").values
    crew_months = g / 1000.0 + h / 500.0  # months of crew work in each month
    np.testing.assert_allclose(crew_months, [0, 0] + [1] * 7 + [0] * 3, atol=1e-9)
    assert g.sum() == pytest.approx(5000.0)
    assert h.sum() == pytest.approx(1000.0)
    dates = result.milestone_date
    last = max(dates.sel(milestone="g-all").values, dates.sel(milestone="h-all").values)
    assert last == _day("2026-10-01")


def test_a_fan_chart_of_a_tenants_claim_shows_its_own_buildings():
    """A claim on g's 10 MW at the campus is drawn from g's buildings: 1000 packages of
    2000 W a month from June, so 2, 4, 6, 8, 10 MW at the ends of June to October, never
    the site's 11 MW (h's 1 MW included), which would cross g's target early."""
    from capsim.plots.fan import plot_fan

    data = shared_data()
    data["claims"] = {
        "g-by-oct": {
            "milestone": "g-at-campus",
            "by": "2026-10-31",
            "statement": "g fills its hall by October",
            "source": "assumption: test",
        }
    }
    result = simulate(Scenario.model_validate(data))
    ax = plot_fan(result, claim="g-by-oct")
    drawn = np.asarray(ax.lines[0].get_ydata(), dtype=float) / 1e6  # W -> MW
    assert "g at site campus" in ax.get_title(loc="left")
    np.testing.assert_allclose(drawn[5:10], [2.0, 4.0, 6.0, 8.0, 10.0], rtol=1e-9)
    assert drawn.max() == pytest.approx(10.0)


def test_tenants_take_turns_with_the_crews_a_month_at_a_time():
    """Both programmes hold all their packages (a year's staging) before either building
    has power. Building a (g's) is built at t = 1 and takes the first 12.5 MW tranche at
    t = 2; b (h's) is built at t = 1.5 and takes the second at t = 2.5. The one crew team
    installs 1000 p or 500 q a month, one tenant at a time, at most a month's work per
    turn: g t = 2-3 (1000), h 3-4 (500; waiting since 2.5), g 4-5, h 5-6 (its last 500),
    then g alone 6-9 (3000). So h starts on 2026-04-01 and is done on 2026-07-01, g on
    2026-10-01. (Crews holding the site for three months' work at a turn kept h waiting
    until t = 5, and done on 2026-08-01.)"""
    data = shared_data()
    a, b = data["sites"]["campus"]["buildings"]
    a["shell"], b["shell"] = "1 month", "1.5 month"
    data["sites"]["campus"]["power"]["grid"]["tranche_interval"] = "0.5 months"
    data["programmes"]["h"]["staging"] = "12 months"
    data["milestones"]["h-first"] = {
        "quantity": "packages_installed",
        "threshold": "1 package",
        "programme": "h",
    }
    result = simulate(Scenario.model_validate(data))
    ready = result.building_ready
    assert ready.sel(building="campus/a").values == _day("2026-03-01")
    assert ready.sel(building="campus/b").values == _day("2026-03-16")
    delivered = result.packages_delivered.isel(time=0)  # all before either has power
    assert delivered.sel(programme="g").item() == pytest.approx(5000.0)
    assert delivered.sel(programme="h").item() == pytest.approx(1000.0)
    g = result.tenancy_packages_installed.sel(tenancy="campus/g").values
    h = result.tenancy_packages_installed.sel(tenancy="campus/h").values
    np.testing.assert_allclose(g, [0, 0, 1000, 0, 1000, 0, 1000, 1000, 1000, 0, 0, 0], atol=1e-6)
    np.testing.assert_allclose(h, [0, 0, 0, 500, 0, 500, 0, 0, 0, 0, 0, 0], atol=1e-6)
    dates = result.milestone_date
    assert dates.sel(milestone="h-first").values == _day("2026-04-01")
    assert dates.sel(milestone="h-all").values == _day("2026-07-01")
    assert dates.sel(milestone="g-all").values == _day("2026-10-01")
