"""Relief: how many days a milestone moves when one constraint alone is relaxed.

A :class:`Lever` relaxes one entity's constraint by a stated step: capacities (every
point and expansion ``add`` of a CoWoS line's, fab's or HBM vendor's series) and
supplier output +10 %; a grid connection's wait, an HBM qualification's slip and an
on-site plant's installation -3 months (floored at 0); a site's building phases
(permits, shell, fit-out, cooling, commissioning) -10 %; a site's crews +10 %; a
programme's contracted share +10 % (at most 100 %) and budget +10 %; an export rule's
cap +10 %. :func:`levers` lists one per entity whose relaxation changes an input the
model reads (a site without a grid has no grid lever; a supplier no site orders from
has none), and :func:`relief` runs the baseline and each lever alone, and ranks the
levers by how many days earlier the milestone is met.

By default every run is at central values. With ``samples=N`` the baseline and every
lever are run on the same N Monte Carlo draws of the uncertain inputs (common random
numbers); a lever relaxes each draw's own value of its inputs (a sampled grid wait of
50 months becomes 47), so the step is the same in every draw. A milestone not met
within the horizon counts as met on the day after the horizon ends; ``baseline_met``
and ``relaxed_met`` say when that happened.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import tempfile
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import xarray as xr

from capsim import __version__
from capsim.scenario.document import Scenario
from capsim.scenario.params import Param
from capsim.scenario.problems import format_path
from capsim.scenario.series import Series

if TYPE_CHECKING:
    from capsim.sweep.runner import Execution

#: Constraint classes, in the order :func:`levers` lists them.
KINDS = (
    "cowos",
    "logic_wafers",
    "hbm",
    "transformers",
    "turbines",
    "grid",
    "construction",
    "crews",
    "share",
    "budget",
    "export_cap",
)
RAISE = 1.10  # capacities, output, crews, share, budget, caps
SHORTEN = 0.90  # building phase durations
EARLIER = 3.0  # months off waits, slips and installation
PHASES = ("permits", "shell", "fit_out", "cooling", "commissioning")
_DAY = np.timedelta64(1, "D")


@dataclass(frozen=True)
class Change:
    """One input a lever moves: ``value * factor + shift``, kept within [floor, cap]."""

    path: str
    central: float
    factor: float = 1.0
    shift: float = 0.0
    floor: float = -math.inf
    cap: float = math.inf

    def relax(self, value: float) -> float:
        """The relaxed value of this input when it would otherwise be ``value``."""
        return float(min(self.cap, max(self.floor, value * self.factor + self.shift)))

    @property
    def relaxed(self) -> float:
        """The relaxed central value."""
        return self.relax(self.central)

    @property
    def moves(self) -> bool:
        """Whether relaxing changes the central value at all."""
        return not math.isclose(self.relaxed, self.central, rel_tol=1e-12, abs_tol=1e-12)


@dataclass(frozen=True)
class Lever:
    """One constraint of one entity, relaxed by ``step``.

    ``name`` says which and by how much (``"packaging.tsmc-cowos capacity +10 %"``),
    ``kind`` is its constraint class (one of :data:`KINDS`), ``step`` the relaxation
    in the inputs' own terms (``"30 -> 27 month"``), and ``changes`` the key paths it
    moves. ``values`` are the relaxed central values (key path -> canonical value),
    ready to pass as ``draw`` to :func:`capsim.simulate`.
    """

    name: str
    kind: str
    step: str
    changes: tuple[Change, ...]

    @property
    def paths(self) -> list[str]:
        return [change.path for change in self.changes]

    @property
    def values(self) -> dict[str, float]:
        """Relaxed central values of the lever's inputs (key path -> canonical value)."""
        return {change.path: change.relaxed for change in self.changes}

    def relaxed(self, draw: Mapping[str, float] | None = None) -> dict[str, float]:
        """The lever's inputs relaxed from the values in ``draw`` (central where absent)."""
        draw = draw or {}
        return {c.path: c.relax(float(draw.get(c.path, c.central))) for c in self.changes}


# ---------------------------------------------------------------------------------------
# Levers of a scenario
# ---------------------------------------------------------------------------------------


def levers(scenario: Scenario) -> list[Lever]:
    """Every lever of ``scenario`` that changes an input the model reads, by kind."""
    found = [
        *_capacity_levers(scenario),
        *_supplier_levers(scenario),
        *_site_levers(scenario),
        *_programme_levers(scenario),
        *_export_levers(scenario),
    ]
    moving = []
    for lever in found:
        changes = tuple(change for change in lever.changes if change.moves)
        if changes:
            moving.append(
                Lever(lever.name, lever.kind, lever.step, changes)
                if changes != lever.changes
                else lever
            )
    order = {kind: index for index, kind in enumerate(KINDS)}
    return sorted(moving, key=lambda lever: order[lever.kind])


def _scaled(path: str, param: Param, factor: float = RAISE, cap: float = math.inf) -> Change:
    return Change(path, param.central, factor=factor, cap=cap)


def _sooner(path: str, param: Param) -> Change:
    return Change(path, param.central, shift=-EARLIER, floor=0.0)


def _series_changes(key: tuple, series: Series) -> list[Change]:
    """Every point and expansion ``add`` of ``series`` x 1.10 (ramps unchanged)."""
    return [
        _scaled(format_path((*key, *inner)), param)
        for inner, param in series.params()
        if not inner or inner[0] == "points" or inner[-1] == "add"
    ]


def _series_step(changes: Sequence[Change], unit: str) -> str:
    if len(changes) == 1:
        return _arrow(changes[0], unit)
    return f"x{RAISE:g} on {len(changes)} points and expansions"


def _arrow(change: Change, unit: str) -> str:
    if unit == "":
        return f"{change.central:.3g} -> {change.relaxed:.3g}"
    if unit == "USD":
        return f"USD {change.central:.3g} -> {change.relaxed:.3g}"
    return f"{change.central:.3g} -> {change.relaxed:.3g} {unit}"


def _percent(change: Change) -> str:
    return f"{100 * change.central:.3g} % -> {100 * change.relaxed:.3g} %"


def _capacity_levers(s: Scenario) -> Iterator[Lever]:
    lines = {p.packaging.line for p in s.products.values()}
    for lid, line in s.packaging.items():
        if lid in lines:
            changes = _series_changes(("packaging", lid, "capacity"), line.capacity)
            step = _series_step(changes, "wafer/month")
            yield Lever(f"packaging.{lid} capacity +10 %", "cowos", step, tuple(changes))
    fabs = {p.logic.fab for p in s.products.values()}
    for fid, fab in s.logic_fabs.items():
        if fid in fabs:
            changes = _series_changes(("logic_fabs", fid, "wafer_starts"), fab.wafer_starts)
            step = _series_step(changes, "wafer/month")
            yield Lever(
                f"logic_fabs.{fid} wafer starts +10 %", "logic_wafers", step, tuple(changes)
            )
    generations = {p.hbm.generation for p in s.products.values()}
    for vid, vendor in s.hbm_vendors.items():
        if not generations & set(vendor.capacity):
            continue
        capacity = [
            change
            for generation, series in vendor.capacity.items()
            for change in _series_changes(("hbm_vendors", vid, "capacity", generation), series)
        ]
        slips = [
            _sooner(f"hbm_vendors.{vid}.qualification.{pid}.slip", q.slip)
            for pid, q in vendor.qualification.items()
            if q.date is not None and pid in s.products
        ]
        slipping = [change for change in slips if change.moves]
        name = f"hbm_vendors.{vid} capacity +10 %"
        step = _series_step(capacity, "stack/month")
        if slipping:
            name += ", qualification slip -3 months"
            step += f"; {len(slipping)} slip(s) -{EARLIER:g} month"
        yield Lever(name, "hbm", step, (*capacity, *slipping))


def _supplier_levers(s: Scenario) -> Iterator[Lever]:
    for sid, supplier in s.suppliers.items():
        transformers = any(
            site.transformer_supplier == sid
            and any(b.transformers.central > 0 for b in site.buildings)
            for site in _used_sites(s).values()
        )
        turbines = any(
            o.supplier == sid and o.units.central > 0
            for site in _used_sites(s).values()
            for o in site.power.onsite
        )
        if not (transformers or turbines):
            continue  # no modelled site orders from it
        if supplier.kind == "transformer" or (supplier.kind == "other" and transformers):
            kind = "transformers"
        else:
            kind = "turbines"
        change = _scaled(f"suppliers.{sid}.output", supplier.output)
        yield Lever(f"suppliers.{sid} output +10 %", kind, _arrow(change, "count/month"), (change,))


def _used_sites(s: Scenario) -> dict:
    """Sites some programme installs at (the others change no result)."""
    used = {sid for g in s.programmes.values() for sid in g.sites}
    return {sid: site for sid, site in s.sites.items() if sid in used}


def _site_levers(s: Scenario) -> Iterator[Lever]:
    for sid, site in _used_sites(s).items():
        path = f"sites.{sid}"
        installs = [
            _sooner(f"{path}.power.onsite[{i}].install", o.install)
            for i, o in enumerate(site.power.onsite)
            if o.units.central > 0
        ]
        if installs:
            step = (
                _arrow(installs[0], "month")
                if len(installs) == 1
                else f"-{EARLIER:g} month on {len(installs)} plants"
            )
            name = f"{path} on-site power install -3 months"
            yield Lever(name, "turbines", step, tuple(installs))
        if site.power.grid is not None:
            change = _sooner(f"{path}.power.grid.wait", site.power.grid.wait)
            name = f"{path} grid wait -3 months"
            yield Lever(name, "grid", f"wait {_arrow(change, 'month')}", (change,))
        phases = [
            _scaled(f"{path}.buildings[{i}].{phase}", getattr(b, phase), factor=SHORTEN)
            for i, b in enumerate(site.buildings)
            for phase in PHASES
        ]
        moving = sum(1 for change in phases if change.moves)
        step = f"x{SHORTEN:g} on {moving} phases of {len(site.buildings)} building(s)"
        yield Lever(f"{path} construction phases -10 %", "construction", step, tuple(phases))
        crews = _scaled(f"{path}.crews", site.crews)
        yield Lever(f"{path} crews +10 %", "crews", _arrow(crews, "crews"), (crews,))


def _programme_levers(s: Scenario) -> Iterator[Lever]:
    for gid, g in s.programmes.items():
        if g.share is not None:
            change = _scaled(f"programmes.{gid}.share", g.share, cap=1.0)
            name = f"programmes.{gid} share +10 %"
            yield Lever(name, "share", _percent(change), (change,))
    for gid, g in s.programmes.items():
        if g.budget is not None:
            change = _scaled(f"programmes.{gid}.budget", g.budget)
            yield Lever(
                f"programmes.{gid} budget +10 %", "budget", _arrow(change, "USD"), (change,)
            )


def _export_levers(s: Scenario) -> Iterator[Lever]:
    for eid, rule in s.export_rules.items():
        change = _scaled(f"export_rules.{eid}.cap", rule.cap)
        step = _arrow(Change("", change.central * 12, RAISE), "H100e/year")
        yield Lever(f"export_rules.{eid} cap +10 %", "export_cap", step, (change,))


# ---------------------------------------------------------------------------------------
# Running the levers
# ---------------------------------------------------------------------------------------


def relief(
    scenario: Scenario,
    milestone: str,
    *,
    samples: int | None = None,
    seed: int | None = None,
    execution: Execution | None = None,
) -> xr.Dataset:
    """Days by which ``milestone`` is met earlier when each lever alone is relaxed.

    Parameters
    ----------
    scenario : Scenario
    milestone : str
        A milestone of ``scenario``; ``ValueError`` (listing them) otherwise.
    samples : int, optional
        None: one baseline run and one run per lever, at central values. N: the same
        N Monte Carlo draws of the uncertain inputs for the baseline and each lever.
    seed : int, optional
        Root seed of the draws (default: the scenario's); unused at central values.
    execution : capsim.sweep.runner.Execution, optional
        None: every run in this process. Given: through
        :func:`capsim.sweep.runner.run_plan` (local processes or Dask).

    Returns
    -------
    xarray.Dataset
        Along ``lever``, sorted by ``days_earlier`` (largest first; ties keep the
        order of :func:`levers`): ``kind``, ``step``, ``paths``, ``days_earlier``
        [day] (positive: earlier), ``baseline_date``, ``relaxed_date``,
        ``baseline_met``, ``relaxed_met``. With ``samples`` the dates, flags and
        ``days_earlier_by_sample`` have a ``sample`` dimension too, ``days_earlier``
        is their mean and ``days_earlier_p10``/``_p50``/``_p90`` their percentiles.
    """
    if milestone not in scenario.milestones:
        raise ValueError(unknown_milestone(milestone, scenario))
    chosen = levers(scenario)
    if samples is not None and samples < 1:
        raise ValueError(f"samples must be at least 1, got {samples}")
    names, base = _base_rows(scenario, chosen, samples, seed)
    column = {name: index for index, name in enumerate(names)}
    blocks = [base]
    for lever in chosen:
        rows = base.copy()
        for change in lever.changes:
            j = column[change.path]
            rows[:, j] = [change.relax(value) for value in base[:, j]]
        blocks.append(rows)
    dates = _milestone_dates(scenario, names, np.vstack(blocks), execution, milestone)
    dates = dates.reshape(len(chosen) + 1, len(base))

    horizon_after = np.datetime64(scenario.horizon.end + dt.timedelta(days=1), "ns")
    met = ~np.isnat(dates)
    counted = np.where(met, dates, horizon_after)
    days = (counted[:1] - counted[1:]) / _DAY  # (levers, samples)
    baseline = np.broadcast_to(dates[:1], days.shape)
    baseline_met = np.broadcast_to(met[:1], days.shape)
    dims = ("lever", "sample")
    data = {
        "kind": ("lever", [lever.kind for lever in chosen]),
        "step": ("lever", [lever.step for lever in chosen]),
        "paths": ("lever", [" ".join(lever.paths) for lever in chosen]),
    }
    date_attrs = {"description": "date the milestone is first met (NaT: not in the horizon)"}
    per_sample = {
        "baseline_date": (baseline, date_attrs),
        "relaxed_date": (dates[1:], date_attrs),
        "baseline_met": (baseline_met, {"description": "met within the horizon, as is"}),
        "relaxed_met": (met[1:], {"description": "met within the horizon, lever relaxed"}),
    }
    day_attrs = {
        "units": "day",
        "description": "days the milestone is met earlier with the lever relaxed "
        "(negative: later); not met counts as the day after the horizon ends",
    }
    if samples is None:
        for name, (values, attrs) in per_sample.items():
            data[name] = ("lever", values[:, 0], attrs)
        data["days_earlier"] = ("lever", days[:, 0], day_attrs)
        mean = days[:, 0]
        method = "central"
    else:
        for name, (values, attrs) in per_sample.items():
            data[name] = (dims, values, attrs)
        data["days_earlier_by_sample"] = (dims, days, day_attrs)
        mean = days.mean(axis=1) if days.size else np.zeros(len(chosen))
        data["days_earlier"] = ("lever", mean, {**day_attrs, "statistic": "mean over samples"})
        for q in (10, 50, 90):
            values = np.percentile(days, q, axis=1) if days.size else np.zeros(len(chosen))
            data[f"days_earlier_p{q}"] = ("lever", values, {**day_attrs, "statistic": f"P{q}"})
        method = f"monte carlo with {samples} samples"
    coords = {"lever": [lever.name for lever in chosen]}
    if samples is not None:
        coords["sample"] = np.arange(samples)
    used_seed = (scenario.seed if seed is None else seed) if samples is not None else "none"
    attrs = {
        "milestone": milestone,
        "method": method,
        "samples": 0 if samples is None else samples,
        "seed": used_seed,
        "horizon_end": scenario.horizon.end.isoformat(),
        "scenario_name": scenario.name,
        "capsim_version": __version__,
        "steps": f"capacities, output, crews, share, budget, caps x {RAISE:.2f}; "
        f"building phases x {SHORTEN:.1f}; grid wait, qualification slip, on-site "
        f"install -{EARLIER:g} months (at least 0)",
    }
    result = xr.Dataset(data, coords=coords, attrs=attrs)
    order = np.argsort(-mean, kind="stable")
    return result.isel(lever=order)


def unknown_milestone(milestone: str, scenario: Scenario) -> str:
    """The message for a milestone ``scenario`` does not have."""
    known = ", ".join(scenario.milestones) or "(none)"
    return f"unknown milestone {milestone!r}; the scenario's milestones are: {known}"


def _base_rows(
    scenario: Scenario, chosen: list[Lever], samples: int | None, seed: int | None
) -> tuple[list[str], np.ndarray]:
    """Input names and the baseline rows (one per sample; one central row by default).

    Lever inputs that are not uncertain are added as columns at their central value.
    """
    centrals: dict[str, float] = {}
    for lever in chosen:
        for change in lever.changes:
            centrals.setdefault(change.path, change.central)
    if samples is None:
        names = list(centrals)
        return names, np.array([list(centrals.values())], dtype=float).reshape(1, len(names))
    from capsim.sweep.plans import MonteCarloPlan
    from capsim.sweep.space import UncertainSpace

    seed = scenario.seed if seed is None else seed
    plan = MonteCarloPlan(UncertainSpace(scenario), samples, seed)
    drawn = plan.rows(0, samples).reshape(samples, len(plan.names))
    extra = [path for path in centrals if path not in set(plan.names)]
    fixed = np.tile([centrals[path] for path in extra], (samples, 1)).reshape(samples, len(extra))
    return [*plan.names, *extra], np.hstack([drawn, fixed])


def _milestone_dates(
    scenario: Scenario,
    names: list[str],
    rows: np.ndarray,
    execution: Execution | None,
    milestone: str,
) -> np.ndarray:
    """``milestone``'s date (datetime64[ns], NaT: not met) in the run of each row."""
    index = list(scenario.milestones).index(milestone)
    if execution is None:
        from capsim.sweep.sample import run_sample

        dates = [
            run_sample(scenario, dict(zip(names, map(float, row), strict=True)))["milestone_date"]
            for row in rows
        ]
        return np.array([d[index] for d in dates], dtype="datetime64[ns]")
    from capsim.sweep.plans import ArrayPlan
    from capsim.sweep.runner import run_plan

    attrs = {"study": "relief", "scenario_name": scenario.name, "milestone": milestone}
    with tempfile.TemporaryDirectory(prefix="capsim-relief-") as folder:
        store = Path(folder) / "relief.zarr"
        result = run_plan(scenario, ArrayPlan(names, rows), store, execution, attrs)
        dates = result["milestone_date"].isel(milestone=index).values.astype("datetime64[ns]")
        failed = result["failed"].values
        result.close()
        if failed.any():
            errors = store / "errors.jsonl"
            first = json.loads(errors.read_text(encoding="utf-8").splitlines()[0])
            raise RuntimeError(
                f"{int(failed.sum())} of {len(rows)} relief runs failed; "
                f"sample {first['sample']}: {first['error']}"
            )
    return dates
