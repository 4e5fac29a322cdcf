"""A data-centre site: buildings, power and installation, as SimPy processes.

A building goes permits -> shell -> electrical fit-out -> cooling -> commissioning,
phases that may overlap (:mod:`capsim.model.phases`); fit-out also waits for its
transformers, ordered from the site's shared supplier when the building starts (or at
``transformers_ordered``). A building is built and energised in blocks (halls or power
tranches of equal IT capacity): the phases date its first block, later blocks follow
at its block interval. A built block waits, first come first served, for the site's
facility power (existing, grid tranches after their interconnection dates, and on-site
units, from a shared, backlogged supplier or with their own lead time; batteries count
up to the other sources' power), held in a :class:`simpy.Container`. A block that has
its power opens slots for its ``it_capacity / it_power`` packages, so a building takes
racks from its first energised block; the site's crews, working as one team, install
delivered packages into open slots in lots of at most ``LOT_MONTHS`` (a month) of crew
output, at a steady rate within a lot (:mod:`capsim.model.installation`); after burn-in
they are online.

A site may host several programmes (its tenants): each building houses one tenant's
product, filled from that tenant's deliveries (a :class:`Tenancy`). The power is the
site's, taken by all its buildings' blocks in turn; the crews are one team, a
:class:`simpy.Resource` that installs one tenant's lot at a time, first come first
served: a tenant whose lot ends queues behind the tenants waiting, so tenants with work
take turns, a month of crew output at a time (with ``k`` tenants, a tenant's lot may wait
up to ``k - 1`` months).
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import simpy

from capsim.model.inputs import BuildingIn, OnsiteIn, ProductIn, SiteIn
from capsim.model.installation import InstallLog
from capsim.model.orderbook import OrderBook
from capsim.model.outlook import Openings, SiteOutlook, energised
from capsim.model.phases import block_done, schedule
from capsim.model.stock import EPSILON, Stock

#: The most crew work one installation lot holds [month], the model's step. A lot takes
#: its packages from its programme's deliveries when it starts, so they wait for these
#: crews, not for the programme's other sites' (idle) ones; and at a shared site a
#: tenant's lot waits for the lots queued ahead of it, each at most this long (with
#: ``k`` tenants, up to ``k - 1`` lots).
LOT_MONTHS = 1.0

#: What a building's readiness may have waited for last (its critical path).
CRITICAL_PATHS = ("not ready", "construction", "transformers", "grid", "onsite_power", "existing")


@dataclass
class Tenancy:
    """A programme's part of a site: its buildings' slots, deliveries and installation.

    Attributes
    ----------
    programme : str
        The tenant programme's id.
    product : ProductIn
        The product it installs.
    inventory : Stock
        Packages delivered to the programme and not yet installed [package].
    install_rate : float
        Packages of its product the site's crews install per month [package/month].
    slots : Stock
        Package slots of its energised blocks not yet filled [package].
    log : InstallLog
        Its installation path.
    ready_it_capacity : float
        IT capacity of its energised blocks [W].
    waiting_for_crews : bool
        Whether a lot of it waits for the crews, busy with another tenant's.
    """

    programme: str
    product: ProductIn
    inventory: Stock
    install_rate: float
    slots: Stock
    log: InstallLog = field(default_factory=InstallLog)
    ready_it_capacity: float = 0.0
    waiting_for_crews: bool = False


@dataclass
class BuildingLog:
    """Dates of one building [month] (NaN: not reached) and what it waited for last.

    ``fit_out_due`` is when fit-out could have started without transformers;
    ``construction_done`` and ``ready`` (built and energised) are its first block's;
    ``blocks_energised`` holds when each block was energised, in order.
    ``critical`` is one of :data:`CRITICAL_PATHS` for the first block; ``margin``
    [month] is how much later that predecessor finished than the next.
    """

    id: str
    fit_out_due: float = float("nan")
    transformers_in: float = float("nan")
    construction_done: float = float("nan")
    ready: float = float("nan")
    blocks_energised: list[float] = field(default_factory=list)
    critical: str = "not ready"
    margin: float = float("nan")


class SiteModel:
    """One site's buildings, power and installation crews.

    Parameters
    ----------
    env : simpy.Environment
        The run's environment (time in months).
    spec : SiteIn
        The site.
    tenants : dict of str to (ProductIn, Stock)
        By programme id, in order, each programme it hosts: the product it installs (for
        slots per building and racks) and the packages delivered to it and not yet
        installed [package]. A building with no ``programme`` is the first's.
    books : dict of str to OrderBook
        The shared suppliers' order books, by supplier id.
    """

    def __init__(
        self,
        env: simpy.Environment,
        spec: SiteIn,
        tenants: dict[str, tuple[ProductIn, Stock]],
        books: dict[str, OrderBook],
    ):
        self.env = env
        self.spec = spec
        self.books = books
        self.tenancies = {
            gid: Tenancy(
                gid,
                product,
                inventory,
                spec.crews * spec.racks_per_crew_month * product.packages_per_rack,
                Stock(env),
            )
            for gid, (product, inventory) in tenants.items()
        }
        """Each programme's part of the site, by programme id."""
        first = next(iter(self.tenancies))
        self.tenant_of = {b.id: b.programme or first for b in spec.buildings}
        """The programme each building houses, by building id."""
        self.crews = simpy.Resource(env, 1) if len(tenants) > 1 else None
        """The crews, taken in turn by the tenants' lots (None: one tenant)."""
        self.power = simpy.Container(env, init=spec.existing_power)
        """Facility power connected and not yet taken by a building [W]."""
        self.power_history = [(0.0, spec.existing_power)]
        """(time [month], facility power connected so far [W]) at each connection."""
        self.power_reserved = 0.0
        self.last_power_source = "existing"
        self.grid_pending = 0
        self.onsite_pending = 0
        self.generation = spec.existing_power
        """Facility power connected from sources other than batteries [W]."""
        self.battery_installed = 0.0
        """Battery power installed [W]."""
        self.battery_counted = 0.0
        """Battery power counted in the site's facility power [W]."""
        self.ready_it_capacity = 0.0
        """IT capacity of the ready buildings [W]."""
        self.buildings = [BuildingLog(b.id) for b in spec.buildings]
        self.waiting_for = dict.fromkeys((b.id for b in spec.buildings), "construction")
        self.promised: dict[object, float] = {}
        """Fill time [month] its supplier promised each order placed, by building id
        (transformers) or on-site entry (its index)."""
        self._planned_openings: dict[str, tuple[tuple, Openings]] = {}
        self._waiting_blocks: tuple[tuple[int, int], list[tuple]] | None = None
        """The blocks waiting to be energised, as last listed, with the plan's key."""
        self._schedules: dict[tuple[int, str, float | None], tuple[float, ...]] = {}

    @property
    def power_available(self) -> float:
        """Facility power connected so far [W]."""
        return self.power_history[-1][1]

    def start(self) -> None:
        """Start the site's processes."""
        spec = self.spec
        for when, watts in spec.grid:
            if when < float("inf") and watts > 0:
                self.grid_pending += 1
                self.env.process(self._connect(max(0.0, when), watts, "grid"))
        for index, onsite in enumerate(spec.onsite):
            if onsite.units > 0 and onsite.unit_capacity > 0:
                self.onsite_pending += 1
                self.env.process(self._onsite(index, onsite))
        for building, log in zip(spec.buildings, self.buildings, strict=True):
            self.env.process(self._build(building, log))
        for tenancy in self.tenancies.values():
            self.env.process(self._install(tenancy))

    def _connect(self, delay: float, watts: float, source: str, *, battery: bool = False):
        """Process: ``watts`` of facility power [W] from ``source`` after ``delay`` [month].

        Batteries count only up to the power of the other sources connected."""
        yield self.env.timeout(delay)
        if source == "grid":
            self.grid_pending -= 1
        else:
            self.onsite_pending -= 1
        if battery:
            self.battery_installed += watts
        else:
            self.generation += watts
        counted = min(self.battery_installed, self.generation)
        added = (0.0 if battery else watts) + counted - self.battery_counted
        self.battery_counted = counted
        if added > 0:
            self.last_power_source = source
            self.power_history.append((self.env.now, self.power_available + added))
            self.power.put(added)

    def _onsite(self, index: int, onsite: OnsiteIn):
        """Process: order on-site units, take delivery, then install them."""
        if onsite.supplier is not None:
            book = self.books.get(onsite.supplier)
            yield self.env.process(self._order(book, onsite.units, onsite.ordered, index))
        delivered = onsite.ordered + onsite.lead_time
        if delivered > self.env.now:
            yield self.env.timeout(delivered - self.env.now)
        watts = onsite.units * onsite.unit_capacity
        connect = self._connect(onsite.install, watts, "onsite_power", battery=onsite.battery)
        yield self.env.process(connect)

    def _order(self, book: OrderBook | None, units: float, when: float, key: object):
        """Process: order ``units`` at ``when``; returns the fill time [month], promised
        at once (:attr:`promised` under ``key``). An order dated before month 0 is one
        of the supplier's initial backlog (:class:`~capsim.model.orderbook.OrderBook`).
        A supplier that makes nothing (``book`` is None) never fills it."""
        yield self.env.timeout(max(0.0, when - self.env.now))
        if book is None:
            self.promised[key] = math.inf
            filled = yield self.env.event()
            return filled
        order = book.order(units, placed=when if when < 0 else None)
        self.promised[key] = order.due
        filled = yield order
        return filled

    def _build(self, building: BuildingIn, log: BuildingLog):
        """Process: one building from permits to its last block energised."""
        env = self.env
        delivery = None
        if building.transformers > 0 and self.spec.transformer_supplier is not None:
            book = self.books.get(self.spec.transformer_supplier)
            delivery = env.process(
                self._order(book, building.transformers, building.transformers_ordered, building.id)
            )
        dates = schedule(building)
        if delivery is not None:
            log.fit_out_due = next(begin for phase, begin, _ in dates if phase == "fit_out")
            yield env.timeout(max(0.0, log.fit_out_due - env.now))
            self.waiting_for[building.id] = "transformers"
            log.transformers_in = yield delivery
            dates = schedule(building, {"fit_out": log.transformers_in})
            self.waiting_for[building.id] = "construction"
        first_done = dates[-1][2]
        block_it = building.it_capacity / building.blocks
        tenancy = self.tenancies[self.tenant_of[building.id]]
        for block in range(building.blocks):
            self.waiting_for[building.id] = "construction"
            yield env.timeout(max(0.0, block_done(building, first_done, block) - env.now))
            if block == 0:
                log.construction_done = env.now
            need = block_it * self.spec.pue
            if need > 0:
                self.waiting_for[building.id] = "power"
                yield self.power.get(need)
                self.power_reserved += need
            if block == 0:
                log.ready = env.now
                self._critical_path(log)
            log.blocks_energised.append(env.now)
            self.ready_it_capacity += block_it
            tenancy.ready_it_capacity += block_it
            if block_it > 0:
                tenancy.slots.put(block_it / tenancy.product.it_power)
        self.waiting_for[building.id] = "ready"

    def outlook(self, programme: str) -> SiteOutlook:
        """``programme``'s part of the site's plan as known now
        (:mod:`capsim.model.outlook`): blocks still to be energised are built by their
        schedules (transformers by their promised date, or with no wait if not yet
        ordered) and energised in turn as the power connected and promised covers them,
        every tenant's blocks in one queue; only ``programme``'s blocks open its slots,
        and its crews' rate is that of its product. A delay (risk event) counts from its
        date on."""
        now = self.env.now
        tenancy = self.tenancies[programme]
        installed = tenancy.log.installed_by(now)
        return SiteOutlook(now, installed, tenancy.install_rate, self._openings(tenancy))

    def _openings(self, tenancy: Tenancy) -> Openings:
        """The slots ``tenancy`` has opened by now and each of its blocks still to be
        energised, as planned now; recomputed only when an order is promised, a block is
        energised or a delay becomes known."""
        version, plan = self.spec.as_planned(self.env.now)
        key = (version, len(self.promised), self.ready_it_capacity)
        planned = self._planned_openings.get(tenancy.programme)
        if planned is not None and planned[0] == key:
            return planned[1]
        waiting = self._waiting(version, plan)
        dates = energised(
            [(built, need) for built, _, _, need, _ in waiting],
            self._power_plan(plan),
            self.power_reserved,
        )
        it_power = tenancy.product.it_power
        programme, tenant_of = tenancy.programme, self.tenant_of
        slots = [
            (date, building.it_capacity / building.blocks / it_power)
            for date, (*_, building) in zip(dates, waiting, strict=True)
            if date < math.inf and tenant_of[building.id] == programme
        ]
        opened = tenancy.ready_it_capacity / it_power
        openings = Openings.plan(opened, tenancy.install_rate, slots)
        self._planned_openings[tenancy.programme] = (key, openings)
        return openings

    def _waiting(self, version: int, plan: SiteIn) -> list[tuple]:
        """``(built [month], building's place, block's place, facility power it needs
        [W], building)`` of each block still to be energised, as in ``plan`` (version
        ``version``), by when built (then building and block): made again when a delay
        becomes known or an order is promised, else what was made less the blocks
        energised since (each building's blocks are energised in order)."""
        key = (version, len(self.promised))
        found = self._waiting_blocks
        if found is not None and found[0] == key:
            done = [len(log.blocks_energised) for log in self.buildings]
            waiting = [item for item in found[1] if item[2] >= done[item[1]]]
        else:
            waiting = []
            pue = self.spec.pue
            pairs = zip(plan.buildings, self.buildings, strict=True)
            for order, (building, log) in enumerate(pairs):
                done = len(log.blocks_energised)
                if done == building.blocks or building.it_capacity <= 0:
                    continue
                built = self._blocks_built(version, building)
                need = building.it_capacity / building.blocks * pue
                waiting += [
                    (built[block], order, block, need, building)
                    for block in range(done, building.blocks)
                ]
            waiting.sort(key=_by_built)  # then by building and block: each is once
        self._waiting_blocks = (key, waiting)
        return waiting

    def _blocks_built(self, version: int, building: BuildingIn) -> tuple[float, ...]:
        """When each block of ``building`` (as in plan ``version``) should be built
        [month]: with its transformers on their promised (and so actual) date."""
        supplier = self.spec.transformer_supplier
        promised = None
        if building.transformers > 0 and supplier is not None:
            promised = self.promised.get(building.id)
            if promised is None and not self.books.get(supplier):
                promised = math.inf  # a supplier that makes nothing never fills the order
        # not ordered yet (None): planned with no wait
        key = (version, building.id, promised)
        found = self._schedules.get(key)
        if found is None:
            if promised is None:
                first = schedule(building)[-1][2]
            elif promised < math.inf:
                first = schedule(building, {"fit_out": promised})[-1][2]
            else:
                first = math.inf
            found = tuple(block_done(building, first, block) for block in range(building.blocks))
            self._schedules[key] = found
        return found

    def _power_plan(self, spec: SiteIn) -> list[tuple[float, float]]:
        """``(time [month], facility power connected by then [W])`` of the site as
        planned (``spec``): every source by its actual or promised date (on-site units
        not yet ordered with no wait)."""
        sources = [(0.0, spec.existing_power, False)]
        sources += [(max(0.0, when), watts, False) for when, watts in spec.grid if watts > 0]
        for index, onsite in enumerate(spec.onsite):
            if onsite.units <= 0 or onsite.unit_capacity <= 0:
                continue
            delivered = max(0.0, onsite.ordered + onsite.lead_time)
            if onsite.supplier is not None:
                book = self.books.get(onsite.supplier)
                lead = 0.0 if book is None else book.min_lead_time
                planned = max(0.0, onsite.ordered) + lead if book is not None else math.inf
                delivered = max(delivered, self.promised.get(index, planned))
            watts = onsite.units * onsite.unit_capacity
            sources.append((delivered + onsite.install, watts, onsite.battery))
        sources = [source for source in sources if source[0] < math.inf]
        sources.sort(key=lambda source: source[0])
        plan = []
        generation = battery = 0.0
        for when, watts, is_battery in sources:
            if is_battery:
                battery += watts
            else:
                generation += watts
            plan.append((when, generation + min(battery, generation)))
        return plan

    def _critical_path(self, log: BuildingLog) -> None:
        if log.ready > log.construction_done:
            log.critical = self.last_power_source
            log.margin = log.ready - log.construction_done
        elif log.transformers_in > log.fit_out_due:
            log.critical = "transformers"
            log.margin = log.transformers_in - log.fit_out_due
        else:
            log.critical = "construction"
            log.margin = log.construction_done - self._power_covered_at(self.power_reserved)

    def _power_covered_at(self, amount: float) -> float:
        """First time the site's connected power reached ``amount`` [W] [month]."""
        return next(t for t, total in self.power_history if total >= amount - EPSILON)

    def _install(self, tenancy: Tenancy):
        """Process: the crews install ``tenancy``'s delivered packages into its open
        slots, lot by lot; at a site of several tenants, one lot at a time, each lot
        queued for the crews behind the lots already waiting."""
        env = self.env
        while True:
            slots = yield tenancy.slots.take(tenancy.install_rate * LOT_MONTHS)
            taken = yield tenancy.inventory.take(slots)
            if slots - taken > EPSILON:
                tenancy.slots.put(slots - taken)
            duration = taken / tenancy.install_rate
            if self.crews is None:
                tenancy.log.add_lot(env.now, env.now + duration, taken)
                yield env.timeout(duration)
                continue
            with self.crews.request() as turn:
                tenancy.waiting_for_crews = True
                yield turn
                tenancy.waiting_for_crews = False
                tenancy.log.add_lot(env.now, env.now + duration, taken)
                yield env.timeout(duration)

    def online(self, programme: str) -> float:
        """``programme``'s packages installed here and burned in by now [package]."""
        log = self.tenancies[programme].log
        return float(log.at(self.env.now - self.spec.burn_in))

    def binding(self, programme: str) -> str | None:
        """What holds ``programme``'s part of the site back now: a waiting building's
        reason, crews, or None.

        Read at a month's end, before anything else happens at that instant (a lot that
        ends then still counts as in progress).
        """
        tenancy = self.tenancies[programme]
        if (
            tenancy.slots.level > EPSILON
            or self.env.now <= tenancy.log.busy_until
            or tenancy.waiting_for_crews
        ):
            stocked = tenancy.inventory.level > EPSILON or tenancy.waiting_for_crews
            return "crews" if stocked else None
        waiting = [
            reason
            for building, reason in self.waiting_for.items()
            if reason != "ready" and self.tenant_of[building] == programme
        ]
        if not waiting:
            return "site_capacity"
        if "power" in waiting:
            if self.grid_pending:
                return "grid"
            return "onsite_power" if self.onsite_pending else "power_capacity"
        return "transformers" if "transformers" in waiting else "construction"


def _by_built(item: tuple) -> tuple[float, int, int]:
    """A waiting block's (built [month], building's place, block's place)."""
    return item[:3]
