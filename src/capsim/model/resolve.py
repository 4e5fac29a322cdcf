"""Resolving a scenario into the plain inputs of one run.

Each parameter takes its central value unless ``draw`` (key path -> value, in
canonical units) gives one, which is how Monte Carlo samples reach the model. Series
become monthly arrays (the value at mid-month).
"""

from __future__ import annotations

import difflib
import math
from collections.abc import Mapping

import numpy as np

from capsim.model.calendar import Calendar
from capsim.model.inputs import (
    INF,
    BuildingIn,
    CapacityIn,
    ContractIn,
    ExportIn,
    FundingIn,
    MarketIn,
    ModelInputs,
    OnsiteIn,
    ProductIn,
    ProgrammeIn,
    SiteIn,
    SupplierIn,
    VendorIn,
)
from capsim.model.risks import apply_risks, occurring
from capsim.model.wafer import die_yield, gross_dies_per_wafer
from capsim.scenario.archetypes import PHASE_SHARES
from capsim.scenario.document import Scenario
from capsim.scenario.params import Param
from capsim.scenario.series import Series
from capsim.scenario.walk import iter_params


class Resolver:
    """Reads parameter values for one run: central values, or those in ``draw``.

    Parameters
    ----------
    calendar : Calendar
        The months of the horizon.
    draw : mapping of str to float, optional
        Key path -> value [the parameter's canonical unit] for the parameters drawn.
    """

    def __init__(self, calendar: Calendar, draw: Mapping[str, float] | None = None):
        self.calendar = calendar
        self.draw = draw or {}
        self.read: set[str] = set()
        """The keys of ``draw`` read so far."""
        self._mid_month = np.arange(calendar.months) + 0.5

    def value(self, path: str, param: Param | None, default: float = 0.0) -> float:
        """The value of ``param`` at key ``path`` [its canonical unit]; ``default`` if absent."""
        if param is None:
            return default
        return self.drawn(path, param.central)

    def drawn(self, key: str, default: float) -> float:
        """The value ``draw`` gives ``key`` (a finite number), else ``default``."""
        if key not in self.draw:
            return float(default)
        try:
            value = float(self.draw[key])
        except (TypeError, ValueError):
            raise ValueError(
                f"draw: {key} is {self.draw[key]!r}; expected a number in the input's "
                "canonical unit (`capsim describe` gives it)"
            ) from None
        if not math.isfinite(value):
            raise ValueError(f"draw: {key} is {value}; expected a finite number")
        self.read.add(key)
        return value

    def check_unread(self, scenario: Scenario) -> None:
        """Refuse a ``draw`` key that names no input of ``scenario`` (a misspelt key
        would otherwise leave its input at its central value, unnoticed); a key of an
        input the run does not read is allowed."""
        unread = [key for key in self.draw if key not in self.read]
        if not unread:
            return
        known = drawable(scenario)
        for key in unread:
            if key not in known:
                close = difflib.get_close_matches(key, known, n=1, cutoff=0.8)
                hint = f"; did you mean {close[0]!r}?" if close else ""
                raise ValueError(
                    f"draw: {key!r} names no input of scenario {scenario.name!r}{hint} "
                    "(`capsim describe` lists the key paths)"
                )

    def series(self, path: str, series: Series) -> np.ndarray:
        """Monthly values (mid-month) of ``series`` [its canonical unit]."""
        if series.is_constant:
            return np.full(self.calendar.months, self.value(path, series.points[0][1]))
        times = [self.calendar.to_time(day) for day, _ in series.points]
        values = [self.value(f"{path}.points[{i}]", p) for i, (_, p) in enumerate(series.points)]
        if series.interpolation == "step":
            index = np.searchsorted(times, self._mid_month, side="right") - 1
            result = np.asarray(values)[np.maximum(index, 0)]
        else:
            result = np.interp(self._mid_month, times, values)
        for i, expansion in enumerate(series.expansions):
            add = self.value(f"{path}.expansions[{i}].add", expansion.add)
            ramp = self.value(f"{path}.expansions[{i}].ramp", expansion.ramp)
            begin = self.calendar.to_time(expansion.date)
            if ramp > 0:  # clipped before dividing: a tiny ramp must not overflow
                progress = np.clip(self._mid_month - begin, 0.0, ramp) / ramp
            else:
                progress = (self._mid_month >= begin).astype(float)
            result = result + add * progress
        return result

    def time(self, day) -> float:
        """``day`` in model time [month]; ``inf`` for None (never)."""
        return INF if day is None else self.calendar.to_time(day)


PHASES = tuple(phase for phase, _ in PHASE_SHARES)


def drawable(scenario: Scenario) -> set[str]:
    """The keys a ``draw`` may give for ``scenario``: every parameter's key path,
    ``risks.ID.occurs`` for each risk event and ``programmes.ID.firm`` for each letter
    of intent."""
    keys = {path for path, _ in iter_params(scenario)}
    keys |= {f"risks.{rid}.occurs" for rid in scenario.risks}
    keys |= {
        f"programmes.{gid}.firm"
        for gid, programme in scenario.programmes.items()
        if programme.letter_of_intent is not None
    }
    return keys


def resolve(scenario: Scenario, draw: Mapping[str, float] | None = None) -> ModelInputs:
    """The inputs of one run of ``scenario``.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    draw : mapping of str to float, optional
        Key path -> value [canonical unit] of the inputs drawn; central values elsewhere.
        ``"risks.ID.occurs"`` (1 or 0) says whether a risk event occurs.

    Returns
    -------
    ModelInputs
        Every entity's inputs, with the effects of the risk events that occur applied.
    """
    calendar = Calendar.spanning(scenario.horizon.start, scenario.horizon.end)
    r = Resolver(calendar, draw)
    products = {pid: _product(scenario, pid, r) for pid in scenario.products}
    tenants: dict[str, list[str]] = {}
    for gid, programme in scenario.programmes.items():
        for sid in programme.sites:
            tenants.setdefault(sid, []).append(gid)
    sites = {sid: _site(scenario, sid, r, tenants.get(sid, [])) for sid in scenario.sites}
    inputs = ModelInputs(
        calendar=calendar,
        products=products,
        fabs={fab: _fab(scenario, fab, r) for fab in scenario.logic_fabs},
        packaging={line: _packaging(scenario, line, r) for line in scenario.packaging},
        vendors={vid: _vendor(scenario, vid, r) for vid in scenario.hbm_vendors},
        suppliers={uid: _supplier(scenario, uid, r) for uid in scenario.suppliers},
        programmes={
            gid: _programme(scenario, gid, r, products, sites) for gid in scenario.programmes
        },
        sites=sites,
        export_rules={eid: _export(scenario, eid, r) for eid in scenario.export_rules},
        funding={name: _funding(scenario, name, r) for name in scenario.funding},
    )
    inputs = apply_risks(scenario, inputs, r, occurring(scenario, r))
    r.check_unread(scenario)
    return inputs


def _product(s: Scenario, pid: str, r: Resolver) -> ProductIn:
    p = s.products[pid]
    path = f"products.{pid}"
    fab = s.logic_fabs[p.logic.fab]
    area = r.value(f"{path}.logic.die_area", p.logic.die_area)
    density = r.value(f"logic_fabs.{p.logic.fab}.defect_density", fab.defect_density)
    diameter = r.value(f"logic_fabs.{p.logic.fab}.wafer_diameter", fab.wafer_diameter)
    good = gross_dies_per_wafer(area, diameter) * die_yield(area, density, model=fab.yield_model)
    window = p.available
    sourcing = p.hbm.sourcing
    return ProductIn(
        id=pid,
        designer=p.designer,
        start=-INF if window is None or window.start is None else r.time(window.start),
        end=INF if window is None else r.time(window.until),
        fab=p.logic.fab,
        packaging=p.packaging.line,
        good_dies_per_wafer=float(good),
        dies_per_package=r.value(f"{path}.logic.compute_dies", p.logic.compute_dies),
        hbm_generation=p.hbm.generation,
        sourcing=None
        if sourcing is None
        else {v: r.value(f"{path}.hbm.sourcing.{v}", w) for v, w in sourcing.items()},
        stacks_per_package=r.value(f"{path}.hbm.stacks", p.hbm.stacks),
        packages_per_wafer=r.value(
            f"{path}.packaging.packages_per_wafer", p.packaging.packages_per_wafer
        ),
        it_power=r.value(f"{path}.it_power", p.it_power),
        h100e=r.value(f"{path}.h100e", p.h100e),
        flops={k: r.value(f"{path}.flops.{k}", v) for k, v in p.flops.items()},
        packages_per_rack=r.value(f"{path}.packages_per_rack", p.packages_per_rack),
        price=r.value(f"{path}.price", p.price),
        lead_time=r.value(f"{path}.lead_time", p.lead_time),
    )


def _market(path: str, owner, r: Resolver) -> MarketIn:
    """The reservations (``shares`` and ``contracts``) and rule of a supplier."""
    contracts = [
        ContractIn(name, r.value(f"{path}.shares.{name}", share), None, -INF, INF, False)
        for name, share in owner.shares.items()
    ]
    for name, contract in owner.contracts.items():
        at = f"{path}.contracts.{name}"
        contracts.append(
            ContractIn(
                designer=name,
                share=None if contract.share is None else r.value(f"{at}.share", contract.share),
                volume=None
                if contract.volume is None
                else r.series(f"{at}.volume", contract.volume),
                start=-INF if contract.start is None else r.time(contract.start),
                end=r.time(contract.until),
                take_or_pay=contract.take_or_pay,
            )
        )
    return MarketIn(tuple(contracts), owner.allocation, tuple(owner.priority))


def _fab(s: Scenario, fab_id: str, r: Resolver) -> CapacityIn:
    fab, path = s.logic_fabs[fab_id], f"logic_fabs.{fab_id}"
    return CapacityIn(
        id=fab_id,
        capacity=r.series(f"{path}.wafer_starts", fab.wafer_starts),
        market=_market(path, fab, r),
        delay=r.value(f"{path}.cycle_time", fab.cycle_time),
    )


def _packaging(s: Scenario, line_id: str, r: Resolver) -> CapacityIn:
    line, path = s.packaging[line_id], f"packaging.{line_id}"
    return CapacityIn(
        id=line_id,
        capacity=r.series(f"{path}.capacity", line.capacity),
        market=_market(path, line, r),
        delay=r.value(f"{path}.cycle_time", line.cycle_time),
        unit_yield=r.value(f"{path}.yield", line.packaging_yield),
    )


def _vendor(s: Scenario, vid: str, r: Resolver) -> VendorIn:
    vendor, path = s.hbm_vendors[vid], f"hbm_vendors.{vid}"
    qualified = {}
    for pid, qualification in vendor.qualification.items():
        slip = r.value(f"{path}.qualification.{pid}.slip", qualification.slip)
        qualified[pid] = (r.time(qualification.date) + slip, INF)
    if vendor.capacity is not None:
        fixed = {
            g: r.series(f"{path}.capacity.{g}", series) for g, series in vendor.capacity.items()
        }
        wafers = sum(fixed.values(), np.zeros(r.calendar.months))
        per_wafer = dict.fromkeys(fixed, 1.0)
        tooling: dict[str, float] = {}
        density = np.ones(r.calendar.months)
    else:
        fixed = None
        wafers = r.series(f"{path}.wafers", vendor.wafers)
        per_wafer = {
            g: r.value(f"{path}.generations.{g}.stacks_per_wafer", spec.stacks_per_wafer)
            * r.value(f"{path}.generations.{g}.yield", spec.stack_yield)
            for g, spec in vendor.generations.items()
        }
        tooling = {g: r.value(f"{path}.tooling.{g}", share) for g, share in vendor.tooling.items()}
        density = (
            np.ones(r.calendar.months)
            if vendor.density is None
            else r.series(f"{path}.density", vendor.density)
        )
    return VendorIn(
        id=vid,
        wafers=wafers,
        stacks_per_wafer=per_wafer,
        density=density,
        fixed=fixed,
        tooling=tooling,
        conversion_time=r.value(f"{path}.conversion_time", vendor.conversion_time),
        lead_time=r.value(f"{path}.lead_time", vendor.lead_time),
        market=_market(path, vendor, r),
        qualified=qualified,
    )


def _supplier(s: Scenario, supplier_id: str, r: Resolver) -> SupplierIn:
    supplier, path = s.suppliers[supplier_id], f"suppliers.{supplier_id}"
    return SupplierIn(
        id=supplier_id,
        output_per_month=r.series(f"{path}.output", supplier.output),
        outside_orders=(
            None
            if supplier.outside_orders is None
            else r.series(f"{path}.outside_orders", supplier.outside_orders)
        ),
        backlog=r.value(f"{path}.backlog", supplier.backlog),
        lead_time=r.value(f"{path}.lead_time", supplier.lead_time),
    )


def _site(s: Scenario, sid: str, r: Resolver, tenants: list[str]) -> SiteIn:
    """A site's inputs; each building names its programme (``tenants``: the programmes
    that list the site; a building that names none is the first's)."""
    site, path = s.sites[sid], f"sites.{sid}"
    only = tenants[0] if tenants else None
    buildings = tuple(
        _building(b, f"{path}.buildings[{i}]", r, b.programme or only)
        for i, b in enumerate(site.buildings)
    )
    grid = site.power.grid
    onsite = tuple(
        OnsiteIn(
            supplier=o.supplier,
            units=r.value(f"{path}.power.onsite[{i}].units", o.units),
            unit_capacity=r.value(f"{path}.power.onsite[{i}].unit_capacity", o.unit_capacity),
            ordered=r.time(o.ordered),
            install=r.value(f"{path}.power.onsite[{i}].install", o.install),
            lead_time=r.value(f"{path}.power.onsite[{i}].lead_time", o.lead_time),
            battery=o.kind == "battery",
        )
        for i, o in enumerate(site.power.onsite)
    )
    return SiteIn(
        id=sid,
        buildings=buildings,
        existing_power=r.value(f"{path}.power.existing", site.power.existing),
        grid=() if grid is None else _grid(grid, f"{path}.power.grid", r),
        onsite=onsite,
        transformer_supplier=site.transformer_supplier,
        pue=r.value(f"{path}.pue", site.pue),
        crews=r.value(f"{path}.crews", site.crews),
        racks_per_crew_month=r.value(f"{path}.crew_rate", site.crew_rate),
        burn_in=r.value(f"{path}.burn_in", site.burn_in),
        capex_per_watt=r.value(f"{path}.capex", site.capex),
    )


def _building(b, path: str, r: Resolver, programme: str | None) -> BuildingIn:
    """One building's inputs, housing ``programme``; its start includes its start delay."""
    start = r.time(b.start) + r.value(f"{path}.start_delay", b.start_delay)
    return BuildingIn(
        id=b.id,
        it_capacity=r.value(f"{path}.it_capacity", b.it_capacity),
        start=start,
        phases=_phases(b, path, r),
        transformers=r.value(f"{path}.transformers", b.transformers),
        transformers_ordered=start
        if b.transformers_ordered is None
        else r.time(b.transformers_ordered),
        overlaps=tuple(
            (phase, r.value(f"{path}.overlaps.{phase}", overlap))
            for phase, overlap in b.overlaps.items()
        ),
        blocks=b.blocks,
        block_interval=r.value(f"{path}.block_interval", b.block_interval),
        programme=programme,
    )


def _phases(b, path: str, r: Resolver) -> tuple[tuple[str, float], ...]:
    """The building's phase durations [month]: as given, or its build time split by the
    archetype shares."""
    if b.build_time is None:
        return tuple((phase, r.value(f"{path}.{phase}", getattr(b, phase))) for phase in PHASES)
    total = r.value(f"{path}.build_time", b.build_time)
    return tuple((phase, share * total) for phase, share in PHASE_SHARES)


def _grid(grid, path: str, r: Resolver) -> tuple[tuple[float, float], ...]:
    """The grid connection's tranches: (when energised [month], facility power [W])."""
    first = r.time(grid.requested) + r.value(f"{path}.wait", grid.wait)
    interval = r.value(f"{path}.tranche_interval", grid.tranche_interval)
    watts = r.value(f"{path}.capacity", grid.capacity) / grid.tranches
    return tuple((first + k * interval, watts) for k in range(grid.tranches))


def _programme(
    s: Scenario, gid: str, r: Resolver, products: dict[str, ProductIn], sites: dict[str, SiteIn]
) -> ProgrammeIn:
    g, path = s.programmes[gid], f"programmes.{gid}"
    product = products[g.product]
    if g.target_packages is not None:
        target = r.value(f"{path}.target_packages", g.target_packages)
    else:
        pue = 1.0
        if g.power_basis == "facility" and g.sites:
            pue = sum(sites[site].pue for site in g.sites) / len(g.sites)
        target = r.value(f"{path}.target_power", g.target_power) / (product.it_power * pue)
    return ProgrammeIn(
        id=gid,
        product=g.product,
        target_packages=target,
        priority=g.priority,
        share=None if g.share is None else r.value(f"{path}.share", g.share),
        volume=None if g.volume is None else r.series(f"{path}.volume", g.volume),
        start=_ordering_from(g, r),
        end=r.time(g.end),
        destination=g.destination,
        sites=tuple(g.sites),
        budget=r.value(f"{path}.budget", g.budget, default=INF),
        firm=_firm(g, path, r),
        carried=g.unfilled == "carried",
        staging=r.value(f"{path}.staging", g.staging),
    )


def _ordering_from(programme, r: Resolver) -> float:
    """When a programme starts ordering [month]: its start, or for a letter of intent
    the date by which it becomes firm, if later (a letter is not an order)."""
    start = r.time(programme.start)
    letter = programme.letter_of_intent
    return start if letter is None else max(start, r.time(letter.by))


def _firm(programme, path: str, r: Resolver) -> bool:
    """Whether a programme orders: firm, or a letter of intent that ``draw`` (key
    ``PATH.firm``, 1 or 0) or, without a draw, a probability above one half makes firm."""
    letter = programme.letter_of_intent
    if letter is None:
        return True
    return bool(r.drawn(f"{path}.firm", firm_without_draw(letter)))


def firm_without_draw(letter) -> bool:
    """Whether a letter of intent is taken as firm in a run that draws nothing (the
    central run): when its probability is above one half."""
    return letter.probability.expected > 0.5


def _export(s: Scenario, eid: str, r: Resolver) -> ExportIn:
    rule, path = s.export_rules[eid], f"export_rules.{eid}"
    return ExportIn(
        id=eid,
        destination=rule.destination,
        cap_per_year=r.value(f"{path}.cap", rule.cap) * 12.0,
        start=r.time(rule.start),
        end=r.time(rule.end),
        products=None if rule.products is None else tuple(rule.products),
    )


def _funding(s: Scenario, funding_id: str, r: Resolver) -> FundingIn:
    f, path = s.funding[funding_id], f"funding.{funding_id}"
    return FundingIn(
        id=funding_id,
        programme=f.programme,
        amount_per_step=r.value(f"{path}.amount_per_step", f.amount_per_step),
        step=r.value(f"{path}.step", f.step),
        basis=f.basis,
        cap=r.value(f"{path}.cap", f.cap),
    )
