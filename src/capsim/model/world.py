"""The SimPy world of one run: supply chains, allocation, sites, money, and the monthly
clock that starts production and records the state; and :func:`run`, the one function
that runs the model.

At each month boundary ``t = m``:

1. the state at the end of month ``m - 1`` is recorded, before anything else happens at
   that instant (the clock's month-end timeouts are all set at time 0, before any other
   event, and SimPy processes events due at the same time in the order they were set);
2. arrivals, package completions, deliveries and building milestones due at ``t``
   happen;
3. once no other event is due at ``t`` (the clock waits with zero-delay timeouts until
   ``env.peek()`` is later than now), month ``m`` starts: the market
   (:mod:`capsim.model.procurement`) orders stacks and starts wafers, then starts
   packages from what has arrived, so an input that arrives exactly at ``t`` (or one with
   no lead time ordered now) is usable in month ``m``.
"""

from __future__ import annotations

import contextlib
import gc
import math
from collections.abc import Callable, Mapping

import simpy

from capsim.model.allocation import Allocator, ProgrammeBook
from capsim.model.hbm import HbmVendorModel
from capsim.model.inputs import ModelInputs
from capsim.model.ledger import capex_spent, funding_released, funding_rules, spend_plans
from capsim.model.orderbook import OrderBook
from capsim.model.outlook import installable_total
from capsim.model.outputs import Outputs
from capsim.model.procurement import Procurement
from capsim.model.record import OWN_STATES, PROGRAMME_INPUTS, Record
from capsim.model.resolve import resolve
from capsim.model.site import SiteModel
from capsim.model.stock import EPSILON, Stock
from capsim.model.supply import ProductChain
from capsim.scenario.document import Scenario


def run(scenario: Scenario, draw: Mapping[str, float] | None = None) -> Outputs:
    """Run the model once.

    Parameters
    ----------
    scenario : Scenario
        A validated scenario.
    draw : mapping of str to float, optional
        Key path -> value [canonical unit] of the uncertain inputs drawn (and
        ``"risks.ID.occurs"``: 1 or 0; ``"programmes.ID.firm"`` for a letter of intent);
        central values elsewhere. The model itself draws no random numbers: the same
        inputs give the same outputs. Values are used as given (a value outside its
        field's bounds is not checked here; ``capsim sweep`` checks the values it sets).

    Returns
    -------
    Outputs
        Plain arrays of the run (see :class:`~capsim.model.outputs.Outputs`).

    Raises
    ------
    ValueError
        A ``draw`` key that names no input of the scenario (with the closest key path),
        or a drawn value that is not finite.

    Notes
    -----
    Python's cyclic garbage collector is paused during the run (unless it was already
    off) and the run's own cyclic garbage (its world, a few thousand objects) is
    collected at the end: otherwise the objects a run keeps alive while collections
    happen age into the oldest generation and every ten runs or so set off a full
    collection of the whole process (about 0.1 s CPU).
    """
    with _collected_at_end():
        return World(resolve(scenario, draw)).run()


@contextlib.contextmanager
def _collected_at_end():
    """Pause automatic garbage collection, if on, and collect the youngest generation (all
    allocated meanwhile) at the end."""
    if not gc.isenabled():
        yield
        return
    gc.disable()
    try:
        yield
    finally:
        gc.enable()
        gc.collect(0)


class World:
    """Every component of one run, wired together.

    Parameters
    ----------
    inputs : ModelInputs
        The run's inputs.
    trace : list, optional
        If given, ``(time [month], what)`` is appended as months end and start, lots
        leave packaging and deliveries arrive, for tests of the order of events.
    """

    def __init__(self, inputs: ModelInputs, trace: list[tuple[float, str]] | None = None):
        self.inputs = inputs
        self.trace = trace
        self.env = env = simpy.Environment()
        self.months = inputs.calendar.months
        self.books = {
            uid: OrderBook(env, s.output_per_month, s.backlog, s.lead_time, s.outside_orders)
            for uid, s in inputs.suppliers.items()
            if s.output_per_month.any()
        }
        self.inventories = {gid: Stock(env) for gid in inputs.programmes}
        tenants: dict[str, dict] = {}
        for gid, programme in inputs.programmes.items():
            product = inputs.products[programme.product]
            for sid in programme.sites:
                tenants.setdefault(sid, {})[gid] = (product, self.inventories[gid])
        self.sites = {
            sid: SiteModel(env, inputs.sites[sid], hosted, self.books)
            for sid, hosted in tenants.items()
        }
        self.spend_plans = spend_plans(inputs)
        self.funding = funding_rules(inputs)
        self.allocator = Allocator(
            env,
            inputs.calendar,
            products=inputs.products,
            programmes=inputs.programmes,
            export_rules=inputs.export_rules,
            cash=self._cash,
            installable=self._installable,
            on_delivered=self._delivered,
            packaging_time=inputs.packaging_times(),
            install_rates={
                gid: sum([self.sites[sid].tenancies[gid].install_rate for sid in spec.sites])
                for gid, spec in inputs.programmes.items()
            },
        )
        self.chains = {
            pid: ProductChain(
                env,
                product,
                fab=inputs.fabs[product.fab],
                packaging=inputs.packaging[product.packaging],
                vendors=[
                    vendor
                    for vendor in inputs.vendors.values()
                    if product.hbm_generation in vendor.stacks_per_wafer and pid in vendor.qualified
                ],
                on_packaged=self._packaged,
            )
            for pid, product in inputs.products.items()
        }
        self.vendors = {vid: HbmVendorModel(vendor) for vid, vendor in inputs.vendors.items()}
        self._outlooks: dict[str, Callable[[float], float]] = {}
        """What each programme's sites could have installed by a time, as their outlooks
        stand this month (made when first asked for)."""
        self._installable_read: dict[tuple[str, float], float] = {}
        """What they give by (programme, time), read this month [package]."""
        self.record = Record(
            inputs, [(sid, gid) for sid, site in self.sites.items() for gid in site.tenancies]
        )
        self._unsold_columns = [
            (column, vid, generation)
            for column, (vid, _, generation) in enumerate(
                name.partition("/") for name in self.record.suppliers
            )
            if generation
        ]
        """(column, vendor, generation) of each HBM generation among the record's suppliers."""
        self.market = Procurement(
            inputs,
            self.chains,
            self.vendors,
            demand=self.allocator.demand,
            wants=self.allocator.wants_by,
            rates=self.allocator.order_rates,
            lacking=self.allocator.lacking,
            backlog=self._backlog,
            started=self.allocator.started,
            record=self.record,
        )
        self.allocator.plan = self._plan

    def run(self) -> Outputs:
        """Run the horizon; returns the run's outputs."""
        done = self.env.process(self._clock())  # first, so that its month ends come first
        self.market.prefill()
        for site in self.sites.values():
            site.start()
        self.env.run(until=done)
        return self.record.outputs(self.sites)

    def _plan(self, product: str, time: float) -> float:
        """Good packages per month ``product`` plans to package at model ``time`` [month],
        the months from now to then planned in order (:meth:`Planner.plan_in_order`)."""
        now = int(self.env.now + 1e-9)
        return self.market.planner.plan_in_order(self.chains[product], time, now)

    def _cash(self, programme: str) -> float:
        """Cash ``programme`` has now [USD]: budget + funding received - spending."""
        spec = self.inputs.programmes[programme]
        if math.isinf(spec.budget):
            return math.inf
        book = self.allocator.books[programme]
        received = funding_released(self.funding[programme], *self.power_online(programme))
        capex = float(capex_spent(self.spend_plans[programme], self.env.now))
        return spec.budget + received - book.spent_on_packages - capex

    def power_online(self, programme: str) -> tuple[float, float]:
        """(IT, facility) power online for ``programme`` now [W]."""
        it = facility = 0.0
        for sid in self.inputs.programmes[programme].sites:
            site = self.sites[sid]
            watts = site.online(programme) * site.tenancies[programme].product.it_power
            it += watts
            facility += watts * site.spec.pue
        return it, facility

    def _installable(self, programme: str, time: float) -> float:
        """Packages ``programme``'s sites could have installed by ``time`` [month] in its
        own buildings, as planned when first asked this month [package]."""
        found = self._installable_read.get((programme, time))
        if found is None:
            outlook = self._outlooks.get(programme)
            if outlook is None:
                sites = self.inputs.programmes[programme].sites
                outlook = installable_total([self.sites[sid].outlook(programme) for sid in sites])
                self._outlooks[programme] = outlook
            found = outlook(time)
            self._installable_read[programme, time] = found
        return found

    def _backlog(self, product: str, by: float) -> float:
        """Good packages of ``product`` its programmes (open by model time ``by``) still
        lack, less those in packaging [package]."""
        lacking = self.allocator.backlog(product, by) - self.chains[product].in_packaging
        return lacking if lacking > 0.0 else 0.0  # as max(0.0, lacking)

    def _packaged(self, product: str, good: float) -> None:
        if self.trace is not None:
            self._trace(f"packaged {product} {good:.6g}")
        month = int(self.env.now)
        if month < self.months:
            self.record.produce(month, product, good)
        self.allocator.receive(product, good)

    def _delivered(self, programme: str, amount: float, window: float) -> None:
        """``amount`` packages reach ``programme``, coming in over ``window`` of a month
        [fraction of the month]. A lot stands for the month of output around it, so it
        comes in from half a month before it arrives (not before its month's start):
        its month's deliveries come in by ``window`` plus that start (the widest of its
        lots' counts)."""
        if self.trace is not None:
            self._trace(f"delivered {programme} {amount:.6g}")
        now = self.env.now
        month = int(now)
        if month < self.months:
            start = now - month - 0.5
            if start > 0.0:
                window = min(1.0, window + start)
            self.record.deliver(month, programme, window)
        if self.inputs.programmes[programme].sites:
            self.inventories[programme].put(amount)

    def _clock(self):
        """Process: start each month once its first instant has settled; record its end."""
        env = self.env
        ends = [env.timeout(month + 1) for month in range(self.months)]
        for month, end in enumerate(ends):
            while env.peek() <= env.now:  # let every other event of this instant happen
                yield env.timeout(0)
            self._start_month(month)
            yield end
            self._record_month_end(month)

    def _trace(self, what: str) -> None:
        if self.trace is not None:
            self.trace.append((self.env.now, what))

    def _start_month(self, month: int) -> None:
        if self.trace is not None:
            for pid, chain in self.chains.items():
                self._trace(f"start month {month}: {pid} dies {chain.dies.level:.6g}")
        self._outlooks.clear()
        self._installable_read.clear()
        self._offer_stock()
        self.market.start_month(month)

    def _offer_stock(self) -> None:
        """Offer each product's finished stock to its programmes again: packages finished
        when no programme could take them (no room at its sites then) go to those that
        can now, though nothing new is packaged (its plans count the stock, so none may
        be)."""
        finished = self.allocator.finished
        for product, stock in finished.items():
            if stock > EPSILON:
                self.allocator.receive(product, 0.0)

    def _record_month_end(self, month: int) -> None:
        """Write the stocks at the end of ``month`` (model time ``month + 1``)."""
        record = self.record
        chains = [self.chains[pid] for pid in record.products]
        finished = self.allocator.finished
        record.finished.append([finished[pid] for pid in record.products])
        dies = [chain.dies.level_before_now for chain in chains]
        record.dies.append(dies)
        record.stacks.append(
            [sum(p.level_before_now for p in chain.stacks.values()) for chain in chains]
        )
        record.in_packaging.append([chain.in_packaging for chain in chains])
        if self.trace is not None:
            for pid, level in zip(record.products, dies, strict=True):
                self._trace(f"record month {month}: {pid} dies {level:.6g}")
        unsold = [0.0] * len(record.suppliers)
        for column, vid, generation in self._unsold_columns:
            unsold[column] = self.vendors[vid].unsold_by(month + 1, inclusive=False)[generation]
        record.unsold.append(unsold)
        sites = [self.sites[sid] for sid in record.sites]
        record.ready_it_capacity.append([site.ready_it_capacity for site in sites])
        record.power_available.append([site.power_available for site in sites])
        books = [self.allocator.books[gid] for gid in record.programmes]
        record.allocated.append([book.allocated for book in books])
        record.delivered.append([book.delivered for book in books])
        record.spent_on_packages.append([book.spent_on_packages for book in books])
        record.programme_binding.append(
            [
                PROGRAMME_INPUTS.index(self._programme_binding(month, gid, book))
                for gid, book in zip(record.programmes, books, strict=True)
            ]
        )

    def _programme_binding(self, month: int, gid: str, book: ProgrammeBook) -> str:
        """What holds programme ``gid`` back at the end of ``month`` (one of
        :data:`~capsim.model.record.PROGRAMME_INPUTS`): its sites' reason while
        delivered packages wait there, even once it lacks none or is closed."""
        product = self.inputs.programmes[gid].product
        supply = self.record.binding(month, product)
        limit = self.allocator.limit(book, month, made_to_order=supply == "demand")
        sites = [self.sites[sid] for sid in self.inputs.programmes[gid].sites]
        stocked = self.inventories[gid].level > EPSILON
        if limit in OWN_STATES and not stocked:
            return limit
        if sites and (stocked or limit == "sites"):
            reasons = (site.binding(gid) for site in sites)
            found = [reason for reason in reasons if reason is not None]
            found.sort(key=lambda reason: reason == "site_capacity")  # a full site, last
            return found[0] if found else "crews"
        if limit in ("money", "export_cap", "demand"):
            return limit
        return supply
