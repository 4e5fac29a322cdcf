"""One sample of a study: run the model for one draw and keep what a study stores.

A study keeps, per sample, the monthly series forecasts are read from (power and
packages online, production, deliveries, stranded packages, money; binding inputs as
codes), each building's dates and critical path, each milestone's date and claim's
verdict, and the run's :class:`~capsim.model.progress.Progress` (installation paths and
per-package figures besides the series), so that milestones can be dated again from the
store without running the model (:func:`redate`). Inventories and input limits stay with
single runs.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import numpy as np
import xarray as xr

from capsim.model import Outputs, run
from capsim.model.calendar import Calendar
from capsim.model.conventions import CODES, NO_CODE, flag_attrs
from capsim.model.dataset import output_coords, output_variables
from capsim.model.dating import claims_met, milestone_dates
from capsim.model.inputs import FundingIn
from capsim.model.progress import Progress
from capsim.model.site import CRITICAL_PATHS, LOT_MONTHS
from capsim.scenario.difference import first_difference
from capsim.scenario.document import Scenario
from capsim.scenario.io import scenario_json

#: Monthly variables a study stores per sample (float64).
SERIES = (
    "packages_produced",
    "packages_delivered",
    "delivery_window",
    "packages_installed",
    "stranded_packages",
    "it_power_online",
    "facility_power_online",
    "h100e_online",
    "capex_spent",
    "funding_received",
    "idle_power",
)
# Categorical variables are stored as int8 codes: CODES and NO_CODE, from
# capsim.model.conventions.
_BUILDING_DATES = ("construction_done", "building_ready")
#: Variables stored as dates (NaT: not reached).
DATES = ("milestone_date", *_BUILDING_DATES)
#: The rest of a run's progress, per sample: name -> (dims, units, description).
_PROGRESS = {
    "install_time": (("site", "install_point"), "month", "time of each point of the site's "
                     "installation path, months since the horizon start (NaN: unused)"),
    "install_count": (("site", "install_point"), "package", "packages installed at the site "
                      "by that point (NaN: unused)"),
    "site_package_power": (("site",), "W", "all-in IT power per package installed at the site"),
    "site_pue": (("site",), "1", "facility power over IT power at the site"),
    "site_burn_in": (("site",), "month", "time from installation to online at the site"),
    "programme_h100e": (("programme",), "H100e", "H100-equivalents per package"),
    "programme_flops": (("programme", "precision"), "FLOP/s", "dense compute per package"),
    "funding_amount": (("funding",), "USD", "money released per step of power online"),
    "funding_step": (("funding",), "W", "power online per funding step"),
    "funding_cap": (("funding",), "USD", "most money the funding entry releases"),
}  # fmt: skip


@dataclass(frozen=True)
class Outline:
    """Names, dims, coordinates and attributes of a study's per-sample outputs."""

    dims: dict[str, tuple[str, ...]]
    attrs: dict[str, dict]
    coords: dict[str, np.ndarray]
    milestones: list[str]
    claims: list[str]

    def shape(self, name: str) -> tuple[int, ...]:
        """The shape of one sample's ``name``."""
        return tuple(len(self.coords[dim]) for dim in self.dims[name])


def run_sample(scenario: Scenario, draw: Mapping[str, float]) -> dict[str, np.ndarray]:
    """The stored outputs of one run with inputs ``draw`` (key path -> canonical value)."""
    return stored_outputs(scenario, run(scenario, draw))


def stored_outputs(scenario: Scenario, outputs: Outputs) -> dict[str, np.ndarray]:
    """What a study keeps of one run's ``outputs`` (see the module docstring)."""
    variables = output_variables(outputs)
    stored = {name: np.asarray(variables[name][1], dtype=float) for name in SERIES}
    stored["binding_input"] = outputs.binding.astype(np.int8)
    stored["programme_binding"] = outputs.programme_binding.astype(np.int8)
    for name in _BUILDING_DATES:
        stored[name] = variables[name][1]
    stored["critical_path"] = np.array(
        [CRITICAL_PATHS.index(label) for label in outputs.critical_path], dtype=np.int8
    )
    stored["critical_margin"] = np.asarray(variables["critical_margin"][1], dtype=float)
    stored.update(_progress_arrays(scenario, outputs.progress))
    dates = milestone_dates(outputs.progress, scenario.milestones)
    stored["milestone_date"] = dates
    stored["claim_met"] = claims_met(dates, scenario.milestones, scenario.claims)
    return stored


def install_points(scenario: Scenario) -> int:
    """Room for each installation path (a site's, or a tenant's at a shared site) in a
    study [points]: two for each lot after the first point. Besides its first, a path's
    lots each follow one that was full (``LOT_MONTHS`` of crew output, so at most one
    per ``LOT_MONTHS`` of the horizon), one that emptied its open slots (then it waits
    for a block to be energised: at most one per block) or one that emptied its
    programme's deliveries (then it waits for the next: at most one a month)."""
    start, end = scenario.horizon.start, scenario.horizon.end
    months = (end.year - start.year) * 12 + end.month - start.month + 1
    blocks = max(
        (sum(b.blocks for b in site.buildings) for site in scenario.sites.values()), default=0
    )
    lots = months + int(months // LOT_MONTHS) + blocks + 2
    return 1 + 2 * lots


def _progress_arrays(scenario: Scenario, progress: Progress) -> dict[str, np.ndarray]:
    width = install_points(scenario)
    times = np.full((len(progress.tenancies), width), np.nan)
    counts = np.full((len(progress.tenancies), width), np.nan)
    for row, (point_times, installed) in enumerate(progress.installs):
        if len(point_times) > width:
            raise RuntimeError(
                f"site {progress.tenancies[row]}'s installation path has {len(point_times)} "
                f"points, more than the {width} a study keeps"
            )
        times[row, : len(point_times)] = point_times
        counts[row, : len(installed)] = installed
    rules = [rule for g in progress.programmes for rule in progress.funding.get(g, [])]
    return {
        "install_time": times,
        "install_count": counts,
        "site_package_power": progress.package_power.astype(float),
        "site_pue": progress.pue.astype(float),
        "site_burn_in": progress.burn_in.astype(float),
        "programme_h100e": progress.h100e.astype(float),
        "programme_flops": progress.flops.astype(float),
        "funding_amount": np.array([r.amount_per_step for r in rules], dtype=float),
        "funding_step": np.array([r.step for r in rules], dtype=float),
        "funding_cap": np.array([r.cap for r in rules], dtype=float),
    }


def outline(scenario: Scenario) -> Outline:
    """The layout of per-sample outputs, from one central run of ``scenario``."""
    outputs = run(scenario)
    variables = output_variables(outputs)
    coords = output_coords(outputs)
    progress = outputs.progress
    dims = {name: variables[name][0] for name in (*SERIES, *CODES, *_BUILDING_DATES)}
    dims["critical_margin"] = ("building",)
    attrs = {name: dict(variables[name][2]) for name in SERIES}
    attrs["critical_margin"] = dict(variables["critical_margin"][2])
    for name in _BUILDING_DATES:
        attrs[name] = dict(variables[name][2])
    for name in CODES:
        attrs[name] = {**variables[name][2], "units": "1", **flag_attrs(name)}
    paths = "tenancy" if "tenancy" in coords else "site"  # a site hosts several programmes
    for name, (name_dims, unit, description) in _PROGRESS.items():
        dims[name] = tuple(paths if dim == "site" else dim for dim in name_dims)
        attrs[name] = {"units": unit, "description": description}
    dims["milestone_date"] = ("milestone",)
    dims["claim_met"] = ("claim",)
    attrs["milestone_date"] = {"description": "first date the milestone is met (NaT: never)"}
    attrs["claim_met"] = {"description": "the claim's milestone is met by its deadline"}
    used = {d for name_dims in dims.values() for d in name_dims}
    coords = {dim: coords[dim] for dim in used if dim in coords}
    coords["milestone"] = np.array(list(scenario.milestones), dtype=str)
    coords["claim"] = np.array(list(scenario.claims), dtype=str)
    coords["install_point"] = np.arange(install_points(scenario))
    rules = [(g, rule) for g in progress.programmes for rule in progress.funding.get(g, [])]
    coords["funding"] = np.array([rule.id for _, rule in rules], dtype=str)
    coords["funding_programme"] = ("funding", np.array([g for g, _ in rules], dtype=str))
    coords["funding_basis"] = ("funding", np.array([r.basis for _, r in rules], dtype=str))
    coords["site_programme"] = (paths, np.array(progress.tenancy_programme, dtype=str))
    if paths == "tenancy":
        coords["tenancy_site"] = ("tenancy", np.array(progress.tenancy_site, dtype=str))
    coords["programme_product"] = ("programme", np.array(progress.programme_product, dtype=str))
    coords["building_site"] = ("building", np.array(outputs.building_site, dtype=str))
    return Outline(dims, attrs, coords, list(scenario.milestones), list(scenario.claims))


def empty_outputs(layout: Outline) -> dict[str, np.ndarray]:
    """Outputs of a sample that failed: NaN, NaT, no code, not met."""
    empty: dict[str, np.ndarray] = {}
    for name in layout.dims:
        shape = layout.shape(name)
        if name in CODES:
            empty[name] = np.full(shape, NO_CODE, dtype=np.int8)
        elif name in DATES:
            empty[name] = np.full(shape, np.datetime64("NaT"), dtype="datetime64[ns]")
        elif name == "claim_met":
            empty[name] = np.zeros(shape, dtype=bool)
        else:
            empty[name] = np.full(shape, np.nan)
    return empty


def progress_of(study: xr.Dataset, sample: int) -> Progress:
    """The :class:`Progress` of ``sample`` of a stored study (see :func:`stored_outputs`)."""
    one = study.isel(sample=sample)
    times = study["time"].values.astype("datetime64[D]")
    calendar = Calendar(times[0].item(), len(times))
    paths = "tenancy" if "tenancy" in study.dims else "site"
    installs = []
    for row in range(study.sizes[paths]):
        point_times = one["install_time"].values[row]
        used = ~np.isnan(point_times)
        installs.append((point_times[used], one["install_count"].values[row][used]))
    programmes = tuple(str(g) for g in study["programme"].values)
    funding: dict[str, list[FundingIn]] = {g: [] for g in programmes}
    for column, name in enumerate(study["funding"].values):
        programme = str(study["funding_programme"].values[column])
        funding[programme].append(
            FundingIn(
                id=str(name),
                programme=programme,
                amount_per_step=float(one["funding_amount"].values[column]),
                step=float(one["funding_step"].values[column]),
                basis=str(study["funding_basis"].values[column]),
                cap=float(one["funding_cap"].values[column]),
            )
        )
    sites = tuple(str(s) for s in study["site"].values)
    tenancies = tuple(str(s) for s in study[paths].values)
    tenancy_site = sites if paths == "site" else tuple(str(s) for s in study["tenancy_site"].values)
    return Progress(
        calendar=calendar,
        products=tuple(str(p) for p in study["product"].values),
        programmes=programmes,
        sites=sites,
        precisions=tuple(str(p) for p in study["precision"].values),
        tenancies=tenancies,
        tenancy_site=tenancy_site,
        tenancy_programme=tuple(str(g) for g in study["site_programme"].values),
        produced=one["packages_produced"].values,
        delivered=one["packages_delivered"].values,
        delivery_window=(
            one["delivery_window"].values
            if "delivery_window" in one
            else np.ones_like(one["packages_delivered"].values)  # stores before 2026-11-30
        ),
        capex_spent=one["capex_spent"].values,
        installs=tuple(installs),
        package_power=one["site_package_power"].values,
        pue=one["site_pue"].values,
        burn_in=one["site_burn_in"].values,
        programme_product=tuple(str(p) for p in study["programme_product"].values),
        h100e=one["programme_h100e"].values,
        flops=one["programme_flops"].values,
        funding=funding,
    )


def redate(study: xr.Dataset, scenario: Scenario) -> xr.DataArray:
    """Each sample's date for each of ``scenario``'s milestones, from the stored study
    alone (no run); NaT for samples that failed, are not finished, or never meet it
    (coordinate ``usable``: the samples that ran and did not fail, which
    :func:`capsim.analysis.uncertainty.milestone_quantiles` keeps).

    ``scenario`` is the study's own with other milestones or claims, if any (its name,
    description, note, seed and sample count may differ too); a ValueError names the
    first other difference, since the stored runs did not run that scenario."""
    _check_same_runs(study, scenario)
    failed = study["failed"].values if "failed" in study else np.zeros(study.sizes["sample"], bool)
    dates = np.full(
        (study.sizes["sample"], len(scenario.milestones)), np.datetime64("NaT"), "datetime64[ns]"
    )
    study = study.load()
    finished = ~np.isnan(study["install_time"].values[:, :, 0]).any(axis=1) & ~failed
    for sample in np.flatnonzero(finished):
        dates[sample] = milestone_dates(progress_of(study, int(sample)), scenario.milestones)
    return xr.DataArray(
        dates,
        dims=("sample", "milestone"),
        coords={
            "sample": study["sample"].values,
            "milestone": list(scenario.milestones),
            "usable": ("sample", finished),
        },
        attrs={"description": "first date the milestone is met (NaT: never)"},
    )


#: What redating may change of a study's scenario: what is dated, and its labels.
_REDATABLE = ("name", "description", "note", "seed", "samples", "milestones", "claims")


def _check_same_runs(study: xr.Dataset, scenario: Scenario) -> None:
    """A ValueError if ``scenario`` differs from the one ``study`` ran beyond
    :data:`_REDATABLE` (a study without its scenario stored is taken as it is)."""
    stored = study.attrs.get("scenario")
    if stored is None:
        return
    before = {k: v for k, v in json.loads(stored).items() if k not in _REDATABLE}
    after = json.loads(scenario_json(scenario))
    after = {k: v for k, v in after.items() if k not in _REDATABLE}
    if before != after:
        raise ValueError(
            f"the study ran another scenario ({first_difference(before, after)}); redate "
            "takes the study's own scenario with other milestones or claims"
        )
