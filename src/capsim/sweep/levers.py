"""Levers: each of a scenario's constraints, relaxed alone by a stated step, as data.

A :class:`Lever` relaxes one entity's constraint by a stated step: capacities (every
point and expansion ``add`` of a CoWoS line's, fab's or HBM vendor's series: an HBM
vendor's stacks by generation, or its TSV wafers) and supplier output +10 %; a grid
connection's wait, an HBM qualification's slip and an on-site plant's installation
-3 months (floored at 0); a site's building phases (permits, shell, fit-out, cooling,
commissioning) -10 %; a site's crews +10 %; a programme's contracted share +10 % (at
most 100 %) and budget +10 %; an export rule's cap +10 %. :func:`levers` lists one per
entity whose relaxation changes an input the model reads (a site without a grid has no
grid lever; a supplier no site orders from has none). A lever relaxes whatever value its
inputs have in a run (a sampled grid wait of 50 months becomes 47), so the step is the
same in every draw.
:mod:`capsim.sweep.relief` runs them; :mod:`capsim.analysis.relief` ranks them.
"""

from __future__ import annotations

import math
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass, replace

from capsim.model.resolve import PHASES
from capsim.scenario.document import Scenario
from capsim.scenario.params import Param
from capsim.scenario.problems import format_path
from capsim.scenario.series import Series
from capsim.scenario.units import format_number

#: Constraint classes, in the order :func:`levers` lists them.
KINDS = (
    "cowos",
    "logic_wafers",
    "hbm",
    "transformers",
    "onsite_power",
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
    ``label`` says it in words (``"tsmc-cowos CoWoS capacity +10 %"``, the entity's id
    first, as :func:`capsim.scenario.labels.input_labels` names inputs), ``kind`` is its
    constraint class (one of :data:`KINDS`), ``step`` the relaxation
    in the inputs' own terms (``"30 -> 27 month"``), and ``changes`` the key paths it
    moves. ``values`` are the relaxed central values (key path -> canonical value),
    ready to pass as ``draw`` to :func:`capsim.simulate`.
    """

    name: str
    label: str
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
            moving.append(replace(lever, changes=changes) if changes != lever.changes else lever)
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
    low = min(change.central for change in changes)
    high = max(change.central for change in changes)
    values = f"{format_number(low)} to {format_number(high)} {unit}"
    return f"x{RAISE:g} on {len(changes)} values (now {values})"


def _arrow(change: Change, unit: str) -> str:
    arrow = f"{format_number(change.central)} -> {format_number(change.relaxed)}"
    return f"{arrow} {unit}".rstrip()


def _percent(change: Change) -> str:
    return f"{100 * change.central:.3g} % -> {100 * change.relaxed:.3g} %"


def _capacity_levers(s: Scenario) -> Iterator[Lever]:
    lines = {p.packaging.line for p in s.products.values()}
    for line_id, line in s.packaging.items():
        if line_id in lines:
            changes = _series_changes(("packaging", line_id, "capacity"), line.capacity)
            step = _series_step(changes, "wafer/month")
            name = f"packaging.{line_id} capacity +10 %"
            label = f"{line_id} CoWoS capacity +10 %"
            yield Lever(name, label, "cowos", step, tuple(changes))
    fabs = {p.logic.fab for p in s.products.values()}
    for fab_id, fab in s.logic_fabs.items():
        if fab_id in fabs:
            changes = _series_changes(("logic_fabs", fab_id, "wafer_starts"), fab.wafer_starts)
            step = _series_step(changes, "wafer/month")
            name = f"logic_fabs.{fab_id} wafer starts +10 %"
            label = f"{fab_id} logic wafer starts +10 %"
            yield Lever(name, label, "logic_wafers", step, tuple(changes))
    generations = {p.hbm.generation for p in s.products.values()}
    for vid, vendor in s.hbm_vendors.items():
        if not generations & set(vendor.made):
            continue
        if vendor.capacity is not None:
            capacity = [
                change
                for generation, series in vendor.capacity.items()
                for change in _series_changes(("hbm_vendors", vid, "capacity", generation), series)
            ]
            name, unit = f"hbm_vendors.{vid} capacity +10 %", "stack/month"
            label = f"{vid} HBM capacity ({', '.join(vendor.capacity)}) +10 %"
        else:  # TSV wafers, shared by the generations it makes
            capacity = _series_changes(("hbm_vendors", vid, "wafers"), vendor.wafers)
            name, unit = f"hbm_vendors.{vid} wafers +10 %", "wafer/month"
            label = f"{vid} HBM TSV wafers +10 %"
        slips = [
            _sooner(f"hbm_vendors.{vid}.qualification.{pid}.slip", q.slip)
            for pid, q in vendor.qualification.items()
            if q.date is not None and pid in s.products
        ]
        slipping = [change for change in slips if change.moves]
        step = _series_step(capacity, unit)
        if slipping:
            name += ", qualification slip -3 months"
            label += ", qualification slips -3 months"
            step += f"; {len(slipping)} slip(s) -{EARLIER:g} months"
        yield Lever(name, label, "hbm", step, (*capacity, *slipping))


def _supplier_levers(s: Scenario) -> Iterator[Lever]:
    for supplier_id, supplier in s.suppliers.items():
        transformers = any(
            site.transformer_supplier == supplier_id
            and any(b.transformers.central > 0 for b in site.buildings)
            for site in _used_sites(s).values()
        )
        onsite = any(
            o.supplier == supplier_id and o.units.central > 0
            for site in _used_sites(s).values()
            for o in site.power.onsite
        )
        if not (transformers or onsite):
            continue  # no modelled site orders from it
        if supplier.kind == "transformer" or (supplier.kind == "other" and transformers):
            kind = "transformers"
        else:
            kind = "onsite_power"  # turbines, engines: the site's on-site power
        changes = _series_changes(("suppliers", supplier_id, "output"), supplier.output)
        step = _series_step(changes, "count/month")
        name = f"suppliers.{supplier_id} output +10 %"
        made = "" if supplier.kind == "other" else f" {supplier.kind}"
        label = f"{supplier_id}{made} output +10 %"
        yield Lever(name, label, kind, step, tuple(changes))


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
            label = f"{sid} on-site power install -3 months"
            yield Lever(name, label, "onsite_power", step, tuple(installs))
        if site.power.grid is not None:
            change = _sooner(f"{path}.power.grid.wait", site.power.grid.wait)
            name, label = f"{path} grid wait -3 months", f"{sid} grid wait -3 months"
            yield Lever(name, label, "grid", f"wait {_arrow(change, 'month')}", (change,))
        phases = [
            _scaled(f"{path}.buildings[{i}].{phase}", getattr(b, phase), factor=SHORTEN)
            for i, b in enumerate(site.buildings)
            for phase in (*PHASES, "build_time")
            if getattr(b, phase) is not None
        ]
        moving = sum(1 for change in phases if change.moves)
        step = f"x{SHORTEN:g} on {moving} phases of {len(site.buildings)} building(s)"
        name = f"{path} construction phases -10 %"
        label = f"{sid} building phases -10 %"
        yield Lever(name, label, "construction", step, tuple(phases))
        crews = _scaled(f"{path}.crews", site.crews)
        name, label = f"{path} crews +10 %", f"{sid} crews +10 %"
        yield Lever(name, label, "crews", _arrow(crews, "crews"), (crews,))


def _programme_levers(s: Scenario) -> Iterator[Lever]:
    for gid, g in s.programmes.items():
        if g.share is not None:
            change = _scaled(f"programmes.{gid}.share", g.share, cap=1.0)
            name, label = f"programmes.{gid} share +10 %", f"{gid} contracted share +10 %"
            yield Lever(name, label, "share", _percent(change), (change,))
    for gid, g in s.programmes.items():
        if g.budget is not None:
            change = _scaled(f"programmes.{gid}.budget", g.budget)
            name, label = f"programmes.{gid} budget +10 %", f"{gid} budget +10 %"
            yield Lever(name, label, "budget", _arrow(change, "USD"), (change,))


def _export_levers(s: Scenario) -> Iterator[Lever]:
    for eid, rule in s.export_rules.items():
        change = _scaled(f"export_rules.{eid}.cap", rule.cap)
        step = _arrow(Change("", change.central * 12, RAISE), "H100e/year")
        name, label = f"export_rules.{eid} cap +10 %", f"{eid} export cap +10 %"
        yield Lever(name, label, "export_cap", step, (change,))
