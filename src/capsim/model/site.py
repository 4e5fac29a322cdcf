"""A data-centre site: buildings, power and installation, as SimPy processes.

A building goes permits -> shell -> electrical fit-out -> cooling -> commissioning;
fit-out also waits for its transformers, ordered from the site's shared supplier
when the building starts (or at ``transformers_ordered``). A finished building then
waits, first come first served, for the site's facility power (existing, grid after
its interconnection date, and on-site units from a shared, backlogged supplier).
A ready building opens slots for ``it_capacity / it_power`` packages; the site's
crews, working as one team, install delivered packages into open slots, in lots of at
most ``LOT_MONTHS`` of crew output, at a steady rate within a lot; after burn-in
they are online.
"""

from __future__ import annotations

import bisect
from dataclasses import dataclass

import simpy

from capsim.model.crews import CrewPool
from capsim.model.inputs import BuildingIn, ProductIn, SiteIn
from capsim.model.orderbook import OrderBook
from capsim.model.stock import EPSILON, Stock

#: The most crew work one installation lot holds [month]; within a lot, packages go in
#: at a steady rate, so the size only sets how many events installation takes.
LOT_MONTHS = 3.0


@dataclass
class BuildingLog:
    """Dates of one building [month] and what it waited for last."""

    id: str
    shell_done: float = float("nan")
    transformers_in: float = float("nan")
    construction_done: float = float("nan")
    ready: float = float("nan")
    critical: str = "not ready"
    margin: float = float("nan")


class SiteModel:
    """One site's buildings, power and installation crews."""

    def __init__(
        self,
        env: simpy.Environment,
        spec: SiteIn,
        product: ProductIn,
        inventory: Stock,
        books: dict[str, OrderBook],
    ):
        self.env = env
        self.spec = spec
        self.product = product
        self.inventory = inventory
        self.books = books
        self.power = simpy.Container(env, init=spec.existing_power)
        self.power_available = spec.existing_power
        self.power_history = [(0.0, spec.existing_power)]
        self.power_reserved = 0.0
        self.last_power_source = "existing"
        self.slots = Stock(env)
        self.crews = CrewPool(env, 1)
        self.install_rate = spec.crews * spec.racks_per_crew_month * product.packages_per_rack
        self.installed = 0.0
        self.installing = 0.0
        self.installing_since = 0.0
        self.history_times = [0.0]
        self.history_installed = [0.0]
        self.grid_connected = False
        self.onsite_pending = 0
        self.ready_it_capacity = 0.0
        self.logs = [BuildingLog(b.id) for b in spec.buildings]
        self.waiting_for = dict.fromkeys((b.id for b in spec.buildings), "construction")

    def start(self) -> None:
        """Start the site's processes."""
        spec = self.spec
        if spec.grid_ready < float("inf") and spec.grid_capacity > 0:
            self._add_power_at(max(0.0, spec.grid_ready), spec.grid_capacity, "grid")
        for onsite in spec.onsite:
            if onsite.units > 0 and onsite.unit_capacity > 0:
                self.onsite_pending += 1
                self.env.process(self._onsite(onsite))
        for building, log in zip(spec.buildings, self.logs, strict=True):
            self.env.process(self._build(building, log))
        self.env.process(self._install())

    def _add_power_at(self, delay: float, watts: float, source: str) -> None:
        def add(_):
            if source == "grid":
                self.grid_connected = True
            else:
                self.onsite_pending -= 1
            self.last_power_source = source
            self.power_available += watts
            self.power_history.append((self.env.now, self.power_available))
            self.power.put(watts)

        self.env.timeout(delay).callbacks.append(add)

    def _onsite(self, onsite):
        yield self.env.process(
            self._order(self.books.get(onsite.supplier), onsite.units, onsite.ordered)
        )
        self._add_power_at(onsite.install, onsite.units * onsite.unit_capacity, "onsite_power")

    def _order(self, book: OrderBook | None, units: float, when: float):
        """Order ``units`` at ``when`` (at once if that is past); returns the fill time.

        A supplier that makes nothing (``book`` is None) never fills the order.
        """
        yield self.env.timeout(max(0.0, when - self.env.now))
        filled = yield (self.env.event() if book is None else book.order(units))
        return filled

    def _build(self, building: BuildingIn, log: BuildingLog):
        env = self.env
        phases = dict(building.phases)
        delivery = None
        if building.transformers > 0 and self.spec.transformer_supplier is not None:
            book = self.books.get(self.spec.transformer_supplier)
            delivery = env.process(
                self._order(book, building.transformers, building.transformers_ordered)
            )
        yield env.timeout(max(0.0, building.start - env.now))
        log.shell_done = building.start + phases["permits"] + phases["shell"]
        yield env.timeout(max(0.0, log.shell_done - env.now))
        fit_out_start = max(env.now, log.shell_done)
        if delivery is not None:
            self.waiting_for[building.id] = "transformers"
            log.transformers_in = yield delivery
            fit_out_start = max(fit_out_start, log.transformers_in)
        self.waiting_for[building.id] = "construction"
        rest = phases["fit_out"] + phases["cooling"] + phases["commissioning"]
        yield env.timeout(max(0.0, fit_out_start + rest - env.now))
        log.construction_done = env.now
        need = building.it_capacity * self.spec.pue
        if need > 0:
            self.waiting_for[building.id] = "power"
            yield self.power.get(need)
            self.power_reserved += need
        log.ready = env.now
        self._critical_path(log, fit_out_start)
        self.waiting_for[building.id] = "ready"
        self.ready_it_capacity += building.it_capacity
        if building.it_capacity > 0:
            self.slots.put(building.it_capacity / self.product.it_power)

    def _critical_path(self, log: BuildingLog, fit_out_start: float) -> None:
        if log.ready > log.construction_done:
            log.critical = self.last_power_source
            log.margin = log.ready - log.construction_done
        elif log.transformers_in > log.shell_done:
            log.critical = "transformers"
            log.margin = log.transformers_in - log.shell_done
        else:
            log.critical = "construction"
            log.margin = log.construction_done - self._power_covered_at(self.power_reserved)

    def _power_covered_at(self, amount: float) -> float:
        """First time the site's cumulative power reached ``amount`` [month]."""
        return next(t for t, total in self.power_history if total >= amount - EPSILON)

    def _install(self):
        env = self.env
        while True:
            slots = yield self.slots.take(self.install_rate * LOT_MONTHS)
            taken = yield self.inventory.take(slots)
            if slots - taken > EPSILON:
                self.slots.put(slots - taken)
            self.installing, self.installing_since = taken, env.now
            self._mark()
            yield from self.crews.serve(taken, self._install_time)
            self.installing = 0.0
            self.installed += taken
            self._mark()

    def _install_time(self, packages: float) -> float:
        return packages / self.install_rate

    def _mark(self) -> None:
        self.history_times.append(self.env.now)
        self.history_installed.append(self.installed)

    def installed_at(self, time: float) -> float:
        """Packages installed by ``time`` [package], lots in progress pro rata."""
        if time >= self.installing_since and self.installing > 0:
            done = (time - self.installing_since) / self._install_time(self.installing)
            return self.installed + self.installing * min(1.0, done)
        index = bisect.bisect_right(self.history_times, time) - 1
        if index < 0:
            return 0.0
        if index + 1 < len(self.history_times):
            t0, t1 = self.history_times[index], self.history_times[index + 1]
            n0, n1 = self.history_installed[index], self.history_installed[index + 1]
            if n1 > n0 and t1 > t0:
                return n0 + (n1 - n0) * (time - t0) / (t1 - t0)
        return self.history_installed[index]

    @property
    def online(self) -> float:
        """Packages installed and burned in by now [package]."""
        return self.installed_at(self.env.now - self.spec.burn_in)

    def binding(self) -> str | None:
        """What holds the site back now: a waiting building's reason, crews, or None."""
        waiting = [reason for reason in self.waiting_for.values() if reason != "ready"]
        if self.slots.level > EPSILON or self.installing > 0:
            return "crews" if self.inventory.level > EPSILON else None
        if not waiting:
            return "site_capacity"
        if "power" in waiting:
            if self.spec.grid_capacity > 0 and not self.grid_connected:
                return "grid"
            return "onsite_power" if self.onsite_pending else "power_capacity"
        return "transformers" if "transformers" in waiting else "construction"
