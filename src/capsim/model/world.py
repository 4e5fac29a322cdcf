"""The SimPy world of one run: supply chains, allocation, sites, money, and the
monthly clock that starts production and records the state.

At each month boundary the state at the end of the past month is recorded first
(before anything else happens at that instant); then arrivals, completions and
deliveries due at that instant take place; then the new month's inputs and package
starts are launched.
"""

from __future__ import annotations

import math

import simpy
from simpy.events import URGENT, Event

from capsim.model.allocation import Allocator
from capsim.model.inputs import ModelInputs
from capsim.model.ledger import Ledger
from capsim.model.orderbook import OrderBook
from capsim.model.record import Record
from capsim.model.site import SiteModel
from capsim.model.stock import Stock
from capsim.model.supply import SUPPLY_INPUTS, ProductChain

#: Priority of the month's starts: after every ordinary event at the same instant.
LATE = 2


class _At(Event):
    """An event that fires ``delay`` from now with a given scheduling ``priority``."""

    def __init__(self, env: simpy.Environment, delay: float, priority: int):
        super().__init__(env)
        self._ok = True
        self._value = None
        env.schedule(self, priority, delay)


class World:
    """Every component of one run, wired together."""

    def __init__(self, inputs: ModelInputs):
        self.inputs = inputs
        self.env = env = simpy.Environment()
        self.months = inputs.calendar.months
        self.books = {
            sid: OrderBook(env, s.output_per_month, s.backlog, s.lead_time)
            for sid, s in inputs.suppliers.items()
            if s.output_per_month > 0
        }
        self.inventories = {gid: Stock(env) for gid in inputs.programmes}
        self.sites: dict[str, SiteModel] = {}
        self.site_programme: dict[str, str] = {}
        for gid, programme in inputs.programmes.items():
            product = inputs.products[programme.product]
            for sid in programme.sites:
                self.sites[sid] = SiteModel(
                    env, inputs.sites[sid], product, self.inventories[gid], self.books
                )
                self.site_programme[sid] = gid
        self.ledger = Ledger(inputs, self.sites)
        self.allocator = Allocator(
            env,
            inputs.calendar,
            products=inputs.products,
            programmes=inputs.programmes,
            export_rules=inputs.export_rules,
            cash=self._cash,
            on_delivered=self._delivered,
        )
        self.chains = {
            pid: ProductChain(
                env,
                product,
                fab=inputs.fabs[product.fab],
                line=inputs.lines[product.line],
                vendors=list(inputs.vendors.values()),
                on_packaged=self._packaged,
            )
            for pid, product in inputs.products.items()
        }
        self.record = Record(self)

    def _cash(self, programme: str) -> float:
        spec = self.inputs.programmes[programme]
        if math.isinf(spec.budget):
            return math.inf
        book = self.allocator.books[programme]
        now = self.env.now
        received = self.ledger.funding_received(programme, self.power_online(programme))
        capex = float(self.ledger.capex(programme, now))
        return spec.budget + received - book.spent_on_packages - capex

    def power_online(self, programme: str) -> tuple[float, float]:
        """(IT, facility) power online for ``programme`` now [W]."""
        it = facility = 0.0
        for sid in self.inputs.programmes[programme].sites:
            site = self.sites[sid]
            watts = site.online * site.product.it_power
            it += watts
            facility += watts * site.spec.pue
        return it, facility

    def _packaged(self, product: str, good: float) -> None:
        month = int(self.env.now)
        if month < self.months:
            self.record.produced[month, self.record.product_index[product]] += good
        self.allocator.receive(product, good)

    def _delivered(self, programme: str, amount: float) -> None:
        if self.inputs.programmes[programme].sites:
            self.inventories[programme].put(amount)

    def run(self) -> Record:
        """Run the horizon; returns the record of the run."""
        for chain in self.chains.values():
            chain.prefill()
        for site in self.sites.values():
            site.start()
        done = self.env.process(self._clock())
        self.env.run(until=done)
        return self.record.finish()

    def _clock(self):
        env = self.env
        for month in range(self.months):
            yield _At(env, 0.0, LATE)
            self._start_month(month)
            yield _At(env, 1.0, URGENT)
            self.record.month_end(month)

    def _start_month(self, month: int) -> None:
        record = self.record
        for pid, chain in self.chains.items():
            chain.start_inputs(month)
            demand = self.allocator.demand(pid, chain.in_packaging)
            good, binding, limits = chain.start_packages(month, demand)
            column = record.product_index[pid]
            record.binding[month, column] = SUPPLY_INPUTS.index(binding)
            for row, name in enumerate(SUPPLY_INPUTS):
                record.limits[month, column, row] = limits[name] * chain.line.unit_yield
            record.unmet[month, column] = max(0.0, demand - good)
