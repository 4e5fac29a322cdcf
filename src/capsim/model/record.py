"""The record of one run: monthly arrays of flows (during the month) and stocks
(at the end of the month), by product, programme and site."""

from __future__ import annotations

from typing import TYPE_CHECKING

import numpy as np

from capsim.model.stock import EPSILON
from capsim.model.supply import SUPPLY_INPUTS

if TYPE_CHECKING:
    from capsim.model.world import World

#: What may hold a programme back in a month, supply side first, then the sites.
PROGRAMME_INPUTS = (
    *SUPPLY_INPUTS,
    "export_cap",
    "money",
    "construction",
    "transformers",
    "grid",
    "onsite_power",
    "crews",
    "power_capacity",
    "site_capacity",
    "complete",
    "closed",
)


class Record:
    """Arrays filled month by month while ``world`` runs."""

    def __init__(self, world: World):
        self.world = world
        inputs = world.inputs
        months = inputs.calendar.months
        self.products = list(inputs.products)
        self.programmes = list(inputs.programmes)
        self.sites = list(world.sites)
        self.precisions = sorted({k for p in inputs.products.values() for k in p.flops})
        self.product_index = {pid: i for i, pid in enumerate(self.products)}
        n_p, n_g, n_s = len(self.products), len(self.programmes), len(self.sites)
        self.produced = np.zeros((months, n_p))
        self.binding = np.zeros((months, n_p), dtype=np.int8)
        self.limits = np.zeros((months, n_p, len(SUPPLY_INPUTS)))
        self.unmet = np.zeros((months, n_p))
        self.stocks = {
            name: np.zeros((months, n_p)) for name in ("finished", "dies", "stacks", "in_packaging")
        }
        self.programme = {
            name: np.zeros((months, n_g))
            for name in (
                "allocated",
                "delivered",
                "installed",
                "stranded",
                "online",
                "it_power_online",
                "facility_power_online",
                "h100e_online",
                "capex_spent",
                "funding_received",
            )
        }
        self.flops = np.zeros((months, n_g, len(self.precisions)))
        self.programme_binding = np.zeros((months, n_g), dtype=np.int8)
        self.site = {
            name: np.zeros((months, n_s))
            for name in (
                "installed",
                "online",
                "it_power_online",
                "facility_power_online",
                "ready_it_capacity",
                "power_available",
                "idle_power",
            )
        }

    def month_end(self, month: int) -> None:
        """Record the stocks at the end of ``month``."""
        for column, pid in enumerate(self.products):
            chain = self.world.chains[pid]
            self.stocks["finished"][month, column] = self.world.allocator.finished[pid]
            self.stocks["dies"][month, column] = chain.dies
            self.stocks["stacks"][month, column] = chain.stacks
            self.stocks["in_packaging"][month, column] = chain.in_packaging
        for column, sid in enumerate(self.sites):
            self._site(month, column, self.world.sites[sid])
        for column, gid in enumerate(self.programmes):
            self._programme(month, column, gid)

    def _site(self, month: int, column: int, site) -> None:
        it_online = site.online * site.product.it_power
        values = self.site
        values["installed"][month, column] = site.installed_at(site.env.now)
        values["online"][month, column] = site.online
        values["it_power_online"][month, column] = it_online
        values["facility_power_online"][month, column] = it_online * site.spec.pue
        values["ready_it_capacity"][month, column] = site.ready_it_capacity
        values["power_available"][month, column] = site.power_available
        values["idle_power"][month, column] = (site.ready_it_capacity - it_online) * site.spec.pue

    def _programme(self, month: int, column: int, gid: str) -> None:
        world = self.world
        spec = world.inputs.programmes[gid]
        product = world.inputs.products[spec.product]
        book = world.allocator.books[gid]
        sites = [world.sites[sid] for sid in spec.sites]
        now = world.env.now
        online = sum(site.online for site in sites)
        it, facility = world.power_online(gid)
        values = self.programme
        values["allocated"][month, column] = book.allocated
        values["delivered"][month, column] = book.delivered
        installed = sum(site.installed_at(now) for site in sites)
        values["installed"][month, column] = installed
        values["stranded"][month, column] = book.delivered - installed if sites else 0.0
        values["online"][month, column] = online
        values["it_power_online"][month, column] = it
        values["facility_power_online"][month, column] = facility
        values["h100e_online"][month, column] = online * product.h100e
        values["capex_spent"][month, column] = world.ledger.capex(gid, now) + book.spent_on_packages
        values["funding_received"][month, column] = world.ledger.funding_received(
            gid, (it, facility)
        )
        for row, precision in enumerate(self.precisions):
            self.flops[month, column, row] = online * product.flops.get(precision, 0.0)
        label = self._programme_binding(month, gid, book, sites)
        self.programme_binding[month, column] = PROGRAMME_INPUTS.index(label)

    def _programme_binding(self, month: int, gid: str, book, sites) -> str:
        if book.limited_by in ("complete", "closed"):
            return book.limited_by
        if sites and self.world.inventories[gid].level > EPSILON:
            reasons = [site.binding() for site in sites]
            found = [reason for reason in reasons if reason is not None]
            return found[0] if found else "crews"
        if book.limited_by in ("money", "export_cap"):
            return book.limited_by
        product = self.world.inputs.programmes[gid].product
        return SUPPLY_INPUTS[self.binding[month, self.product_index[product]]]
