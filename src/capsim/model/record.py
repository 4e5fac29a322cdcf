"""The record of one run: monthly arrays of flows (during the month) and stocks
(at the end of the month), by product, programme and site."""

from __future__ import annotations

from collections.abc import Callable
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
    """Arrays filled month by month while ``world`` runs; :meth:`finish` derives the rest."""

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
        self.stocks = {name: np.zeros((months, n_p)) for name in _PRODUCT_STOCKS}
        self.programme = {name: np.zeros((months, n_g)) for name in _PROGRAMME_RECORDED}
        self.programme_binding = np.zeros((months, n_g), dtype=np.int8)
        self.site = {name: np.zeros((months, n_s)) for name in _SITE_RECORDED}
        self.flops = np.zeros((months, n_g, len(self.precisions)))

    def month_end(self, month: int) -> None:
        """Record the stocks at the end of ``month``."""
        world = self.world
        now = world.env.now
        for column, pid in enumerate(self.products):
            chain = world.chains[pid]
            self.stocks["finished"][month, column] = world.allocator.finished[pid]
            self.stocks["dies"][month, column] = chain.dies
            self.stocks["stacks"][month, column] = chain.stacks
            self.stocks["in_packaging"][month, column] = chain.in_packaging
        site_values = self.site
        for column, sid in enumerate(self.sites):
            site = world.sites[sid]
            site_values["installed"][month, column] = site.installed_at(now)
            site_values["online"][month, column] = site.online
            site_values["ready_it_capacity"][month, column] = site.ready_it_capacity
            site_values["power_available"][month, column] = site.power_available
        for column, gid in enumerate(self.programmes):
            book = world.allocator.books[gid]
            self.programme["allocated"][month, column] = book.allocated
            self.programme["delivered"][month, column] = book.delivered
            self.programme["spent_on_packages"][month, column] = book.spent_on_packages
            label = self._programme_binding(month, gid, book)
            self.programme_binding[month, column] = PROGRAMME_INPUTS.index(label)

    def finish(self) -> Record:
        """Derive power, compute, money and per-programme totals from what was recorded."""
        inputs = self.world.inputs
        sites = [inputs.sites[sid] for sid in self.sites]
        site_power = np.array([self.world.sites[sid].product.it_power for sid in self.sites])
        pue = np.array([site.pue for site in sites])
        s = self.site
        s["it_power_online"] = s["online"] * site_power
        s["facility_power_online"] = s["it_power_online"] * pue
        s["idle_power"] = (s["ready_it_capacity"] - s["it_power_online"]) * pue
        owner = np.zeros((len(self.sites), len(self.programmes)))
        for column, gid in enumerate(self.programmes):
            for sid in inputs.programmes[gid].sites:
                owner[self.sites.index(sid), column] = 1.0
        g = self.programme
        for name in ("installed", "online", "it_power_online", "facility_power_online"):
            g[name] = s[name] @ owner
        has_sites = owner.sum(axis=0) > 0
        g["stranded"] = np.where(has_sites, g["delivered"] - g["installed"], 0.0)
        products = [inputs.products[inputs.programmes[gid].product] for gid in self.programmes]
        g["h100e_online"] = g["online"] * np.array([p.h100e for p in products])
        for row, precision in enumerate(self.precisions):
            per_package = np.array([p.flops.get(precision, 0.0) for p in products])
            self.flops[:, :, row] = g["online"] * per_package
        month_ends = np.arange(1, inputs.calendar.months + 1, dtype=float)
        ledger = self.world.ledger
        for column, gid in enumerate(self.programmes):
            capex = ledger.capex(gid, month_ends)
            g["capex_spent"][:, column] = capex + g["spent_on_packages"][:, column]
            g["funding_received"][:, column] = [
                ledger.funding_received(gid, (it, facility))
                for it, facility in zip(
                    g["it_power_online"][:, column],
                    g["facility_power_online"][:, column],
                    strict=True,
                )
            ]
        return self

    def path(
        self,
        quantity: str,
        *,
        programmes: list[str] = (),
        site: str | None = None,
        precision: str | None = None,
    ) -> Callable[[float], float]:
        """``quantity``, summed over ``programmes`` (or at ``site``), as a function of model
        time [month]: one of :data:`PATH_QUANTITIES`.

        Between month ends, packages go in at the crews' steady rate, and a programme's
        sites never hold more than its deliveries so far with each month's deliveries
        spread evenly over the month (supply is allocated in monthly lots), counted at
        the heaviest per-package weight among its sites. The path is non-decreasing and
        equals the recorded series at month ends. Funding follows the power online.
        """
        if quantity == "funding_received":
            power = {
                gid: (
                    self.path("it_power_online", programmes=[gid]),
                    self.path("facility_power_online", programmes=[gid]),
                )
                for gid in programmes
            }
            ledger = self.world.ledger
            return lambda time: sum(
                ledger.funding_received(gid, (it(time), facility(time)))
                for gid, (it, facility) in power.items()
            )
        inputs = self.world.inputs
        if site is not None:
            owner = next(g for g in self.programmes if site in inputs.programmes[g].sites)
            groups = {owner: [site]}
        else:
            groups = {gid: inputs.programmes[gid].sites for gid in programmes}
        terms = []
        for owner, sites in groups.items():
            product = inputs.products[inputs.programmes[owner].product]
            weighted = []
            for sid in sites:
                model = self.world.sites[sid]
                per_package = {
                    "packages_installed": 1.0,
                    "it_power_online": model.product.it_power,
                    "facility_power_online": model.product.it_power * model.spec.pue,
                    "h100e_online": product.h100e,
                    "flops_online": product.flops.get(precision, 0.0),
                }[quantity]
                lag = 0.0 if quantity == "packages_installed" else model.spec.burn_in
                weighted.append((per_package, lag, model))
            heaviest = max((w for w, _, _ in weighted), default=0.0)
            delivered = self.programme["delivered"][:, self.programmes.index(owner)]
            terms.append((weighted, heaviest, delivered))

        def value(time: float) -> float:
            total = 0.0
            for weighted, heaviest, delivered in terms:
                at_sites = sum(w * model.installed_at(time - lag) for w, lag, model in weighted)
                total += min(at_sites, heaviest * _spread(delivered, time))
            return total

        return value

    def _programme_binding(self, month: int, gid: str, book) -> str:
        if book.limited_by in ("complete", "closed"):
            return book.limited_by
        sites = [self.world.sites[sid] for sid in self.world.inputs.programmes[gid].sites]
        if sites and self.world.inventories[gid].level > EPSILON:
            found = [reason for reason in (site.binding() for site in sites) if reason is not None]
            return found[0] if found else "crews"
        if book.limited_by in ("money", "export_cap"):
            return book.limited_by
        product = self.world.inputs.programmes[gid].product
        return SUPPLY_INPUTS[self.binding[month, self.product_index[product]]]


def _spread(delivered: np.ndarray, time: float) -> float:
    """Packages delivered by ``time`` [month] (``delivered``: cumulative at each month's
    end) had each month's deliveries come in evenly through it rather than in lots;
    equal to the recorded deliveries at month ends, so never below what sites hold then."""
    month = min(max(int(np.floor(time)), 0), len(delivered) - 1)
    before = delivered[month - 1] if month > 0 else 0.0
    return before + (delivered[month] - before) * min(max(time - month, 0.0), 1.0)


#: Quantities :meth:`Record.path` follows within a month.
PATH_QUANTITIES = (
    "packages_installed",
    "it_power_online",
    "facility_power_online",
    "h100e_online",
    "flops_online",
    "funding_received",
)
_PRODUCT_STOCKS = ("finished", "dies", "stacks", "in_packaging")
_PROGRAMME_RECORDED = (
    "allocated",
    "delivered",
    "spent_on_packages",
    "capex_spent",
    "funding_received",
)
_SITE_RECORDED = ("installed", "online", "ready_it_capacity", "power_available")
